//! Channels: async-std re-exports async-channel 1.9, smol async-channel 2.5, whose `Receiver` is
//! `!Unpin`, so `StreamExt::next` on it no longer compiles. `recv().await.ok()` is the same
//! `Option`, ending at the same moment (closed and empty); matched by `while let`/`if let`,
//! `Ok(x)` matches what `Some(x)` did. `recv` takes `&self`: a binding's `mut` that only `next`
//! needed goes (an `unused_mut` warning otherwise), and so does a prelude used for `next` only.
//!
//! Before:
//! ```text
//! use async_std::channel;
//! use async_std::prelude::*;
//!
//! async fn drain() {
//!     let (tx, mut rx) = channel::unbounded::<u32>();
//!     tx.send(1).await.unwrap();
//!     drop(tx);
//!     while let Some(msg) = rx.next().await {
//!         println!("{msg}");
//!     }
//! }
//! ```
//! After:
//! ```text
//! use smol::channel;
//!
//! async fn drain() {
//!     let (tx, rx) = channel::unbounded::<u32>();
//!     tx.send(1).await.unwrap();
//!     drop(tx);
//!     while let Ok(msg) = rx.recv().await {
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
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxToken};
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
    let rewritten = receiver_nexts(ctx);
    for (mc, aw) in &rewritten {
        let Some(name) = mc.name_ref() else { continue };
        acc.edits.set_anchor(Some(super::start(mc.syntax())));
        acc.edits.replace(range(name.syntax()), "recv", RULE);
        // `while let Some(x) = rx.next().await` -> `while let Ok(x) = rx.recv().await`.
        match some_pattern(aw) {
            Some(some) => acc.edits.replace(range(some.syntax()), "Ok", RULE),
            None => acc.edits.insert(end(aw.syntax()), ".ok()", RULE),
        }
    }
    let calls: Vec<ast::MethodCallExpr> = rewritten.into_iter().map(|(mc, _)| mc).collect();
    for (call, mut_token) in needless_muts(ctx, &calls) {
        // Part of the (first) rewritten call's site, not a site of its own.
        acc.edits.set_anchor(Some(super::start(call.syntax())));
        let r = mut_token.text_range();
        let after = ctx.src[usize::from(r.end())..]
            .chars()
            .take_while(|c| *c == ' ')
            .count();
        acc.edits
            .delete(r.start().into()..usize::from(r.end()) + after, RULE);
    }
    acc.edits.set_anchor(None);
}

/// The awaited `next()` calls on async-std channel receivers: the pass rewrites each to `recv()`
/// (the import pass asks too: a `StreamExt` imported for them alone goes).
pub(crate) fn receiver_nexts(ctx: &Ctx<'_>) -> Vec<(ast::MethodCallExpr, ast::AwaitExpr)> {
    let receivers = receiver_names(ctx);
    let mut out = Vec::new();
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
        if super::made_as_no_channel(ctx, &recv) {
            continue;
        }
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
        out.push((mc, aw));
    }
    out
}

/// The `Some` of `while let Some(x) = <aw>` / `if let Some(x) = <aw>` (`Ok(x)` matches the same
/// values of `recv()`: an error only when the channel is closed and empty).
fn some_pattern(aw: &ast::AwaitExpr) -> Option<ast::NameRef> {
    let let_expr = ast::LetExpr::cast(aw.syntax().parent()?)?;
    let ast::Pat::TupleStructPat(tsp) = let_expr.pat()? else {
        return None;
    };
    let path = tsp.path()?;
    if path.qualifier().is_some() || tsp.fields().count() != 1 {
        return None;
    }
    let seg = path.segment()?.name_ref()?;
    (seg.text() == "Some").then_some(seg)
}

/// Methods of async-channel's `Receiver` that take `&self` (or `self`): a binding used only
/// through them, by value, or through the rewritten `next`s needs no `mut`.
const SHARED_SELF: &[&str] = &[
    "capacity",
    "close",
    "downgrade",
    "is_closed",
    "is_empty",
    "is_full",
    "len",
    "receiver_count",
    "recv",
    "recv_blocking",
    "sender_count",
    "try_recv",
];

/// The `mut` of each receiver binding (a parameter or a `let`, a plain name) that only the
/// rewritten `next` calls needed (`StreamExt::next` takes `&mut self`, `recv` takes `&self`):
/// left, it is an `unused_mut` warning. Kept wherever a use is not one of those, or where the
/// text names the binding more often than the tree shows (a macro's tokens).
fn needless_muts(
    ctx: &Ctx<'_>,
    rewritten: &[ast::MethodCallExpr],
) -> Vec<(ast::MethodCallExpr, SyntaxToken)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for mc in rewritten {
        let Some(ast::Expr::PathExpr(pe)) = mc.receiver() else {
            continue;
        };
        let Some(name) = pe
            .path()
            .filter(|p| p.qualifier().is_none())
            .and_then(|p| p.segment()?.name_ref())
            .map(|n| n.text().to_string())
        else {
            continue;
        };
        let Some(func) = mc.syntax().ancestors().find_map(ast::Fn::cast) else {
            continue;
        };
        if !seen.insert((
            usize::from(func.syntax().text_range().start()),
            name.clone(),
        )) {
            continue;
        }
        let bindings: Vec<ast::IdentPat> = func
            .syntax()
            .descendants()
            .filter_map(ast::IdentPat::cast)
            .filter(|ip| ip.name().is_some_and(|n| n.text() == name.as_str()))
            .collect();
        let [binding] = bindings.as_slice() else {
            continue;
        };
        let Some(mut_token) = binding.mut_token() else {
            continue;
        };
        if binding.ref_token().is_some() || binding.pat().is_some() {
            continue;
        }
        let refs: Vec<ast::NameRef> = func
            .syntax()
            .descendants()
            .filter_map(ast::NameRef::cast)
            .filter(|r| r.text() == name.as_str())
            .collect();
        let fine = |r: &ast::NameRef| {
            let Some(pe) = r
                .syntax()
                .ancestors()
                .nth(3)
                .and_then(ast::PathExpr::cast)
                .filter(|pe| pe.path().is_some_and(|p| p.qualifier().is_none()))
            else {
                return false;
            };
            let Some(parent) = pe.syntax().parent() else {
                return false;
            };
            if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
                let is_receiver = call.receiver().is_some_and(|r| r.syntax() == pe.syntax());
                return is_receiver
                    && (rewritten.contains(&call)
                        || call
                            .name_ref()
                            .is_some_and(|n| SHARED_SELF.contains(&&*n.text().to_string())));
            }
            // By value: an argument, a `let` initialiser, a returned or tail value.
            matches!(
                parent.kind(),
                SyntaxKind::ARG_LIST
                    | SyntaxKind::LET_STMT
                    | SyntaxKind::RETURN_EXPR
                    | SyntaxKind::STMT_LIST
            )
        };
        let written = super::text_of(ctx, func.syntax())
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| *w == name)
            .count();
        if refs.iter().all(fine) && written == refs.len() + 1 {
            out.push((mc.clone(), mut_token));
        }
    }
    out
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
