//! `BufWriter::into_inner().await`. async-std's flushed the buffer and gave back the writer (or
//! an `IntoInnerError`); futures-lite's is not async and drops what is still buffered. The
//! buffer is flushed first; the error becomes the flush's `io::Error` (code that names
//! `IntoInnerError` is reported by its own rule).
//!
//! ```text
//! let w = writer.into_inner().await?;
//! ->
//! let w = { let mut w = writer; smol::io::AsyncWriteExt::flush(&mut w).await.map(|()| w.into_inner()) }?;
//! ```
//!
//! Other types have an async `into_inner` too (a tar builder that finishes its archive), so the
//! receiver must be a `BufWriter`: by its type when rust-analyzer knows it, otherwise by a
//! binding in the same function (`let w = BufWriter::new(..)`, a parameter typed `BufWriter<..>`).

use super::{file_uses, start};
use crate::rewrite::{range, Acc, Ctx};
use ra_ap_syntax::ast::{self, HasName};
use ra_ap_syntax::AstNode;

const RULE: &str = "buf-writer-into-inner";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(ctx, super::IO_MODULES) {
        return;
    }
    for (mc, aw, receiver) in super::awaited_calls(ctx, "into_inner") {
        if !is_buf_writer(ctx, &receiver) {
            continue;
        }
        let r = super::text_of(ctx, receiver.syntax());
        acc.edits.set_anchor(Some(start(mc.syntax())));
        acc.edits.replace(
            range(aw.syntax()),
            format!(
                "{{ let mut w = {r}; smol::io::AsyncWriteExt::flush(&mut w).await.map(|()| w.into_inner()) }}"
            ),
            RULE,
        );
    }
}

fn is_buf_writer(ctx: &Ctx<'_>, receiver: &ast::Expr) -> bool {
    if let Some(t) = ctx.oracle.type_of(receiver) {
        return t.ends_with("BufWriter");
    }
    let ast::Expr::PathExpr(p) = receiver else {
        return false;
    };
    let name = super::text_of(ctx, p.syntax());
    let Some(f) = receiver.syntax().ancestors().find_map(ast::Fn::cast) else {
        return false;
    };
    let at = start(receiver.syntax());
    f.syntax().descendants().any(|n| {
        if start(&n) >= at {
            return false;
        }
        let (pat, text) = if let Some(l) = ast::LetStmt::cast(n.clone()) {
            (l.pat(), l.initializer().map(|i| super::text_of(ctx, i.syntax())))
        } else if let Some(prm) = ast::Param::cast(n.clone()) {
            (prm.pat(), prm.ty().map(|t| super::text_of(ctx, t.syntax())))
        } else {
            return false;
        };
        let named = matches!(pat, Some(ast::Pat::IdentPat(ip)) if ip.name().is_some_and(|x| x.text() == name.as_str()));
        named && text.is_some_and(|t| t.contains("BufWriter"))
    })
}
