//! Tasks on threads: `task::spawn` and `task::spawn_blocking`.
//!
//! Before:
//! ```text
//! use async_std::task;
//!
//! fn count(text: String) -> usize {
//!     text.len()
//! }
//!
//! fn main() {
//!     task::block_on(async {
//!         let text = String::from("abc");
//!         let h = task::spawn(async move { count(text) });
//!         println!("{}", h.await);
//!     })
//! }
//! ```
//! After:
//! ```text
//! use std::thread;
//!
//! fn count(text: String) -> usize {
//!     text.len()
//! }
//!
//! fn main() {
//!     {
//!         let text = String::from("abc");
//!         let h = thread::spawn(move || { count(text) });
//!         println!("{}", h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
//!     }
//! }
//! ```
//! An async block becomes a closure with the same capture mode. For a call, the future evaluated
//! its arguments where `spawn` stood: arguments that are not plain names or literals are still
//! evaluated there, before the thread starts. A std `JoinHandle` detaches when dropped, as
//! async-std's did; an awaited one is joined by the await pass.

use crate::handlers::{awaited, call_of_path, end, range, start, Acc, At, Ctx, Flow};
use crate::resolve::PathSite;
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::AstNode;

/// Entry: `task::spawn`'s path site (`threads-spawn`) or `task::spawn_blocking`'s
/// (`threads-spawn-blocking`), as the row names it.
pub(crate) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, m) = at else {
        return Flow::Continue;
    };
    match m.rule.handler.as_deref() {
        Some("threads-spawn-blocking") => on_spawn_blocking(site, acc),
        Some("threads-builder") => on_builder(site, ctx, acc),
        _ => on_spawn(site, ctx, acc),
    }
}

/// `Builder::new()[.name(n)].spawn(fut)` from the path of `Builder::new`: the `.spawn(..)` call
/// and the `.name(..)` call, when the chain has that shape.
pub(crate) fn builder_spawn(
    path: &ast::Path,
) -> Option<(ast::MethodCallExpr, Option<ast::MethodCallExpr>)> {
    if path.segment()?.name_ref()?.text() != "new" {
        return None;
    }
    let mut cur = call_of_path(path)?.syntax().clone();
    let mut name = None;
    loop {
        let mc = cur.parent().and_then(ast::MethodCallExpr::cast)?;
        if mc.receiver()?.syntax() != &cur {
            return None;
        }
        let n = crate::handlers::args(&mc).len();
        match (&*mc.name_ref()?.text(), n) {
            ("name", 1) if name.is_none() => name = Some(mc.clone()),
            ("spawn", 1) => return Some((mc, name)),
            _ => return None,
        }
        cur = mc.syntax().clone();
    }
}

/// `task::Builder::new().name(n).spawn(fut)`: std's `thread::Builder` (the path is mapped by
/// the row) spawning the future made a closure, as for `task::spawn`.
fn on_builder(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some((spawn, _)) = builder_spawn(&site.path) else {
        return Flow::Continue;
    };
    if let Some(arg) = crate::handlers::args(&spawn).into_iter().next() {
        to_closure(&arg, ctx, acc, "threads-builder");
    }
    Flow::Continue
}

pub(super) fn on_spawn(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let Some(arg) = call.arg_list().and_then(|l| l.args().next()) else {
        return Flow::Continue;
    };
    to_closure(&arg, ctx, acc, "threads-spawn");
    Flow::Continue
}

/// A task's future (an async block, or a call of an async fn that becomes blocking) as the
/// closure a thread runs: the block with the same capture mode; the call, its arguments that are
/// not plain names evaluated before (as the future did).
fn to_closure(arg: &ast::Expr, ctx: &Ctx<'_>, acc: &mut Acc, rule: &str) {
    match arg {
        ast::Expr::BlockExpr(be) if be.async_token().is_some() => {
            let (Some(kw), Some(list)) = (be.async_token(), be.stmt_list()) else {
                return;
            };
            let closure = if be.move_token().is_some() {
                "move || "
            } else {
                "|| "
            };
            acc.edits.replace(
                usize::from(kw.text_range().start())..start(list.syntax()),
                closure.to_string(),
                rule,
            );
        }
        ast::Expr::CallExpr(inner) => {
            let args: Vec<ast::Expr> = inner
                .arg_list()
                .map(|l| l.args().collect())
                .unwrap_or_default();
            let simple =
                |e: &ast::Expr| matches!(e, ast::Expr::PathExpr(_) | ast::Expr::Literal(_));
            let mut lets = String::new();
            for (i, a) in args.iter().enumerate() {
                if !simple(a) {
                    let name = format!("arg{i}");
                    lets.push_str(&format!("let {name} = {}; ", &ctx.src[range(a.syntax())]));
                    acc.edits.replace(range(a.syntax()), name, rule);
                }
            }
            if lets.is_empty() {
                acc.edits.insert(start(arg.syntax()), "move || ", rule);
            } else {
                acc.edits
                    .insert(start(arg.syntax()), format!("{{ {lets}move || "), rule);
                acc.edits.insert(end(arg.syntax()), " }", rule);
            }
        }
        _ => {}
    }
}

pub(super) fn on_spawn_blocking(site: &PathSite, acc: &mut Acc) -> Flow {
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let Some(aw) = awaited(call.syntax()) else {
        return Flow::Continue; // a kept handle: std::thread::spawn(f), by the row
    };
    let Some(arg) = call.arg_list().and_then(|l| l.args().next()) else {
        return Flow::Continue;
    };
    acc.edits.replace(
        start(call.syntax())..start(arg.syntax()),
        "(".to_string(),
        "threads-spawn-blocking",
    );
    acc.edits.replace(
        end(arg.syntax())..end(aw.syntax()),
        ")()".to_string(),
        "threads-spawn-blocking",
    );
    Flow::Done
}

#[cfg(test)]
mod check_tests {
    use crate::handlers::check::*;

    #[test]
    fn spawn_blocking_awaited_becomes_a_call() {
        check_rewrite(
            "threads-spawn-blocking",
            r#"use async_std::task;

fn main() {
    task::block_on(async {
        let n = task::spawn_blocking(|| 6 * 7).await;
        println!("{n}");
    })
}
"#,
            r#"fn main() {
    {
        let n = (|| 6 * 7)();
        println!("{n}");
    }
}
"#,
        );
    }

    #[test]
    fn a_std_thread_is_left_alone() {
        check_not_applicable(
            "threads-spawn",
            r#"fn main() {
    std::thread::spawn(|| 1).join().unwrap();
}
"#,
        );
    }
}
