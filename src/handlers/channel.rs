//! Channels: async-std re-exports async-channel 1.9, smol async-channel 2.5, whose `Receiver` is
//! `!Unpin`, so `StreamExt::next` on it no longer compiles. `recv().await.ok()` is the same
//! `Option`, ending at the same moment (closed and empty).
//!
//! Before:
//! ```text
//! use async_std::channel;
//! use async_std::prelude::*;
//!
//! async fn drain() {
//!     let (tx, rx) = channel::unbounded::<u32>();
//!     tx.send(1).await.unwrap();
//!     drop(tx);
//!     let mut rx = rx;
//!     while let Some(msg) = rx.next().await {
//!         println!("{msg}");
//!     }
//! }
//! ```
//! After:
//! ```text
//! use smol::channel;
//! use smol::prelude::*;
//!
//! async fn drain() {
//!     let (tx, rx) = channel::unbounded::<u32>();
//!     tx.send(1).await.unwrap();
//!     drop(tx);
//!     let mut rx = rx;
//!     while let Some(msg) = rx.recv().await.ok() {
//!         println!("{msg}");
//!     }
//! }
//! ```
//! Receivers are known by type (semantic mode) or, without types, as names bound from
//! `channel::unbounded()`/`bounded(n)` or typed `Receiver<..>` in the same file.

use super::{awaited, end, method_is};
use super::{range, Acc, Ctx};
use super::{At, Flow};
use ra_ap_syntax::ast::{self, HasArgList, HasName};
use ra_ap_syntax::AstNode;
use std::collections::BTreeSet;

/// Entry: a file pass (the rows naming it map their paths as written).
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "channel-recv";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    let receivers = receiver_names(ctx);
    for mc in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::MethodCallExpr::cast)
    {
        let Some(name) = mc.name_ref() else { continue };
        if name.text() != "next" || mc.arg_list().is_none_or(|a| a.args().next().is_some()) {
            continue;
        }
        let Some(aw) = awaited(mc.syntax()) else {
            continue;
        };
        let Some(recv) = mc.receiver() else { continue };
        let is_rx = match method_is(ctx, &mc, &["async_channel::Receiver::next"]) {
            Some(b) => b,
            None => receivers.contains(
                &recv
                    .syntax()
                    .text()
                    .to_string()
                    .trim_start_matches("self.")
                    .to_string(),
            ),
        };
        if !is_rx {
            continue;
        }
        acc.edits.set_anchor(Some(super::start(mc.syntax())));
        acc.edits.replace(range(name.syntax()), "recv", RULE);
        acc.edits.insert(end(aw.syntax()), ".ok()", RULE);
    }
}

/// Names (locals, parameters, fields) that hold an async-std channel receiver.
fn receiver_names(ctx: &Ctx<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for site in &ctx.sites.paths {
        let c = site.canon.join("::");
        if c == "async_std::channel::unbounded" || c == "async_std::channel::bounded" {
            // let (tx, rx) = channel::unbounded();
            let Some(let_stmt) = site.path.syntax().ancestors().find_map(ast::LetStmt::cast) else {
                continue;
            };
            if let Some(ast::Pat::TuplePat(tp)) = let_stmt.pat() {
                if let Some(ast::Pat::IdentPat(ip)) = tp.fields().nth(1) {
                    if let Some(n) = ip.name() {
                        out.insert(n.text().to_string());
                    }
                }
            }
        } else if c == "async_std::channel::Receiver" {
            // rx: Receiver<T> in a parameter, a field or a let.
            let Some(holder) = site.path.syntax().ancestors().find(|a| {
                ast::Param::can_cast(a.kind())
                    || ast::RecordField::can_cast(a.kind())
                    || ast::LetStmt::can_cast(a.kind())
            }) else {
                continue;
            };
            if let Some(p) = ast::Param::cast(holder.clone()) {
                if let Some(ast::Pat::IdentPat(ip)) = p.pat() {
                    if let Some(n) = ip.name() {
                        out.insert(n.text().to_string());
                    }
                }
            } else if let Some(f) = ast::RecordField::cast(holder.clone()) {
                if let Some(n) = f.name() {
                    out.insert(n.text().to_string());
                }
            } else if let Some(l) = ast::LetStmt::cast(holder) {
                if let Some(ast::Pat::IdentPat(ip)) = l.pat() {
                    if let Some(n) = ip.name() {
                        out.insert(n.text().to_string());
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn next_on_a_stream_that_is_not_a_receiver() {
        check_not_applicable(
            "channel-recv",
            r#"use async_std::prelude::*;
use async_std::stream;

async fn first() -> Option<u8> {
    let mut s = stream::from_iter(vec![1u8]);
    s.next().await
}
"#,
        );
    }
}
