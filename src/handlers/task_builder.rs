//! `task::Builder::new().name(n).spawn(fut)`: smol tasks have no names, and async-std's
//! `Builder::spawn` never failed. The chain becomes the spawn it always was, with the name still
//! evaluated (its side effects and moves kept) and the `io::Result` shape kept for callers.
//!
//! ```text
//! task::Builder::new()                      {
//!     .name(format!("worker-{id}"))    ->        let _: String = format!("worker-{id}");
//!     .spawn(async move { .. })                  Ok::<_, std::io::Error>(smol::spawn(async move { .. }))
//!                                           }
//! ```
//! Only the name was observable, through `task::current()` (itself left on async-std and
//! reported). Other builder shapes are reported.

use super::{args, call_of_path, end, start, Flow};
use crate::resolve::PathSite;
use crate::rewrite::{range, Acc, Ctx};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

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
