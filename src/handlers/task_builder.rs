//! `task::Builder::new().name(n).spawn(fut)`: smol tasks have no names, and async-std's
//! `Builder::spawn` never failed. The chain becomes the spawn it always was, with the name still
//! evaluated (its side effects and moves kept) and the `io::Result` shape kept for callers.
//!
//! Before:
//! ```text
//! use async_std::task;
//!
//! fn start(id: u32) -> std::io::Result<task::JoinHandle<()>> {
//!     task::Builder::new()
//!         .name(format!("worker-{id}"))
//!         .spawn(async move { println!("{id}") })
//! }
//! ```
//! After:
//! ```text
//! fn start(id: u32) -> std::io::Result<smol::Task<()>> {
//!     { let _: String = format!("worker-{id}"); Ok::<_, std::io::Error>(smol::spawn(async move { println!("{id}") })) }
//! }
//! ```
//! Taken straight out of its `io::Result` (`.unwrap()`, `.expect(..)`, `?`) with a name made
//! from literals, the chain is just the spawn, as a person writes it:
//!
//! ```text
//! task::Builder::new().name("worker".to_string()).spawn(work()).unwrap()  ->  smol::spawn(work())
//! ```
//! `.local(fut)` spawns on the package's local executor, as `spawn_local` does
//! (`local_executor.rs`). The handle is detached where it is dropped (`detach.rs`). Only the name
//! was observable, through `task::current()`: where the crate uses that, the name goes to the
//! task (`task_locals.rs`, `spawn_named`). Other builder shapes are reported.

use super::At;
use super::{args, call_of_path, end, start, Flow};
use super::{range, Acc, Ctx};
use crate::resolve::PathSite;
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

/// Entry: the `task::Builder` path site.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    on_builder(site, ctx, acc)
}

const RULE: &str = "task-builder-spawn";

pub(super) fn on_builder(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    // `Builder::new()`: the path names `new`.
    if site.canon.last().is_none_or(|s| s != "new") {
        return Flow::Continue;
    }
    let Some(new_call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    // Up the chain: optional `.name(n)`, then `.spawn(f)`.
    let mut name_arg: Option<ast::Expr> = None;
    let mut cur = new_call.syntax().clone();
    let spawn = loop {
        let Some(mc) = cur.parent().and_then(ast::MethodCallExpr::cast) else {
            return Flow::Continue;
        };
        if mc.receiver().map(|r| r.syntax().clone()) != Some(cur.clone()) {
            return Flow::Continue;
        }
        let method = mc
            .name_ref()
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        let a = args(&mc);
        match (method.as_str(), a.len()) {
            ("name", 1) if name_arg.is_none() => {
                name_arg = a.into_iter().next();
                cur = mc.syntax().clone();
            }
            // With task-locals (`task_locals.rs`), the name is the task's again.
            ("spawn", 1) => match ctx.generated.module("task_locals") {
                Some(m) if name_arg.is_some() => break (mc, format!("{m}::spawn_named")),
                Some(m) => break (mc, format!("{m}::spawn")),
                None => break (mc, "smol::spawn".to_string()),
            },
            // A `!Send` task: on the package's local executor (`local_executor.rs`).
            ("local", 1) => match ctx.generated.module("local_executor") {
                Some(m) => break (mc, format!("{m}::spawn_local")),
                None => return Flow::Continue,
            },
            _ => return Flow::Continue,
        }
    };
    let (spawn, spawner) = spawn;
    let Some(fut) = args(&spawn).into_iter().next() else {
        return Flow::Continue;
    };
    let named = spawner.ends_with("::spawn_named");
    // Taken straight out of its `io::Result` (`.unwrap()`, `.expect(..)`, `?`), with a name whose
    // making does nothing else: the spawn it always was, as a person writes it.
    if let Some(taken) = taken_out(spawn.syntax()) {
        let pure = name_arg
            .as_ref()
            .is_none_or(|n| named || pure_name(&ctx.src[range(n.syntax())]));
        if pure {
            let head = match &name_arg {
                Some(n) if named => format!("{spawner}({}, ", &ctx.src[range(n.syntax())]),
                _ => format!("{spawner}("),
            };
            acc.edits
                .replace(start(new_call.syntax())..start(fut.syntax()), head, RULE);
            acc.edits.replace(end(fut.syntax())..end(&taken), ")", RULE);
            super::detach::handle_value(&taken, acc);
            return Flow::Done;
        }
    }
    let head = match &name_arg {
        Some(n) if named => format!(
            "{{ Ok::<_, std::io::Error>({spawner}({}, ",
            &ctx.src[range(n.syntax())]
        ),
        Some(n) => format!(
            "{{ let _: String = {}; Ok::<_, std::io::Error>({spawner}(",
            &ctx.src[range(n.syntax())]
        ),
        None => format!("{{ Ok::<_, std::io::Error>({spawner}("),
    };
    acc.edits
        .replace(start(new_call.syntax())..start(fut.syntax()), head, RULE);
    acc.edits
        .replace(end(fut.syntax())..end(spawn.syntax()), ")) }", RULE);
    // The handle, once out of its `io::Result`: dropped, it detaches as async-std's did.
    let mut handle = spawn.syntax().clone();
    while let Some(p) = handle.parent() {
        let unwrapped = ast::MethodCallExpr::cast(p.clone()).is_some_and(|mc| {
            mc.receiver().map(|r| r.syntax().clone()) == Some(handle.clone())
                && mc
                    .name_ref()
                    .is_some_and(|n| n.text() == "unwrap" || n.text() == "expect")
        }) || p.kind() == ra_ap_syntax::SyntaxKind::TRY_EXPR;
        if !unwrapped {
            break;
        }
        handle = p;
    }
    if handle != *spawn.syntax() {
        super::detach::handle_value(&handle, acc);
    }
    Flow::Done
}

/// The expression that takes the handle out of the builder's `io::Result` right where it is made:
/// `.unwrap()`, `.expect(..)` or `?` on the spawn call.
fn taken_out(spawn: &ra_ap_syntax::SyntaxNode) -> Option<ra_ap_syntax::SyntaxNode> {
    let p = spawn.parent()?;
    if p.kind() == ra_ap_syntax::SyntaxKind::TRY_EXPR {
        return Some(p);
    }
    let mc = ast::MethodCallExpr::cast(p.clone())?;
    let unwraps = mc.receiver().is_some_and(|r| r.syntax() == spawn)
        && mc
            .name_ref()
            .is_some_and(|n| n.text() == "unwrap" || n.text() == "expect");
    unwraps.then_some(p)
}

/// A task name made from literals only (`"w".to_string()`, `String::from("w")`, `format!("w{}",
/// n)` with plain arguments): dropping it drops nothing else.
fn pure_name(text: &str) -> bool {
    let t = text.trim();
    let literal = |s: &str| s.starts_with('"') && s.ends_with('"') && s.len() >= 2;
    if let Some(inner) = t
        .strip_prefix("String::from(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return literal(inner.trim());
    }
    for suffix in [".to_string()", ".to_owned()", ".into()"] {
        if let Some(inner) = t.strip_suffix(suffix) {
            return literal(inner.trim());
        }
    }
    // `format!` whose arguments call nothing.
    t.strip_prefix("format!(")
        .and_then(|r| r.strip_suffix(')'))
        .is_some_and(|args| !args.contains('('))
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_dropped_handle_detaches() {
        check_rewrite_by(
            &["task-builder-spawn", "detach-dropped-handle"],
            r#"use async_std::task;

fn start() {
    task::Builder::new()
        .name("worker".to_string())
        .spawn(async { println!("hi") })
        .unwrap();
}
"#,
            r#"fn start() {
    smol::spawn(async { println!("hi") }).detach();
}
"#,
        );
    }

    #[test]
    fn a_name_made_by_a_call_is_still_made() {
        check_rewrite(
            "task-builder-spawn",
            r#"fn next_name() -> String {
    "w".into()
}

fn start() -> std::io::Result<()> {
    let t = async_std::task::Builder::new().name(next_name()).spawn(async {})?;
    drop(t);
    Ok(())
}
"#,
            r#"fn next_name() -> String {
    "w".into()
}

fn start() -> std::io::Result<()> {
    let t = { let _: String = next_name(); Ok::<_, std::io::Error>(smol::spawn(async {})) }?;
    drop(t);
    Ok(())
}
"#,
        );
    }

    #[test]
    fn a_local_task_runs_on_the_local_executor() {
        let after = r#"use std::rc::Rc;

fn main() {
    crate::local_executor::block_on(async {
        let n = Rc::new(1);
        let t = crate::local_executor::spawn_local(async move { *n });
        crate::local_executor::spawn_local(async {}).detach();
        println!("{}", t.await);
    });
}
"#;
        check_rewrite_by(
            &["task-builder-spawn", "local-executor"],
            r#"use async_std::task;
use std::rc::Rc;

fn main() {
    task::block_on(async {
        let n = Rc::new(1);
        let t = task::Builder::new()
            .name("local".to_string())
            .local(async move { *n })
            .unwrap();
        task::spawn_local(async {});
        println!("{}", t.await);
    });
}
"#,
            &format!(
                "{after}{}",
                (crate::handlers::local_executor::GENERATED.text)(after, false)
            ),
        );
    }

    #[test]
    fn a_plain_spawn() {
        check_not_applicable(
            "task-builder-spawn",
            r#"use async_std::task;

fn start() -> task::JoinHandle<()> {
    task::spawn(async {})
}
"#,
        );
    }
}
