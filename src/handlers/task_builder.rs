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
//! Only the name was observable, through `task::current()` (itself left on async-std and
//! reported). Other builder shapes are reported.

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
            ("spawn", 1) => break mc,
            _ => return Flow::Continue,
        }
    };
    let Some(fut) = args(&spawn).into_iter().next() else {
        return Flow::Continue;
    };
    let head = match &name_arg {
        Some(n) => format!(
            "{{ let _: String = {}; Ok::<_, std::io::Error>(smol::spawn(",
            &ctx.src[range(n.syntax())]
        ),
        None => "{ Ok::<_, std::io::Error>(smol::spawn(".to_string(),
    };
    acc.edits
        .replace(start(new_call.syntax())..start(fut.syntax()), head, RULE);
    acc.edits
        .replace(end(fut.syntax())..end(spawn.syntax()), ")) }", RULE);
    Flow::Done
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

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
