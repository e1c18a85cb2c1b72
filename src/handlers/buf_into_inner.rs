//! `BufWriter::into_inner().await`. async-std's flushed the buffer and gave back the writer (or
//! an `IntoInnerError`); futures-lite's is not async and drops what is still buffered. The
//! buffer is flushed first; the error becomes the flush's `io::Error` (code that names
//! `IntoInnerError` is reported by its own rule).
//!
//! Before:
//! ```text
//! use async_std::io::{BufWriter, WriteExt};
//! use async_std::net::TcpStream;
//!
//! async fn send(stream: TcpStream) -> std::io::Result<TcpStream> {
//!     let mut writer = BufWriter::new(stream);
//!     writer.write_all(b"hello").await?;
//!     let stream = writer.into_inner().await?;
//!     Ok(stream)
//! }
//! ```
//! After:
//! ```text
//! use smol::io::{BufWriter, AsyncWriteExt};
//! use smol::net::TcpStream;
//!
//! async fn send(stream: TcpStream) -> std::io::Result<TcpStream> {
//!     let mut writer = BufWriter::new(stream);
//!     writer.write_all(b"hello").await?;
//!     let stream = { let mut w = writer; smol::io::AsyncWriteExt::flush(&mut w).await.map(|()| w.into_inner()) }?;
//!     Ok(stream)
//! }
//! ```
//!
//! Other types have an async `into_inner` too (a tar builder that finishes its archive), so the
//! receiver must be a `BufWriter`: by its type when rust-analyzer knows it, otherwise by a
//! binding in the same function (`let w = BufWriter::new(..)`, a parameter typed `BufWriter<..>`).

use super::{file_uses, start};
use super::{range, Acc, Ctx};
use super::{At, Flow};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "buf-writer-into-inner";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(ctx, &crate::tables::smol_api().io_modules()) {
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
    super::binding_source(ctx, receiver).is_some_and(|n| ctx.text_of(&n).contains("BufWriter"))
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn another_types_async_into_inner_is_left_alone() {
        check_not_applicable(
            "buf-writer-into-inner",
            r#"use async_std::io::WriteExt;

struct Builder;

impl Builder {
    async fn into_inner(self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn finish(b: Builder) -> std::io::Result<()> {
    b.into_inner().await
}
"#,
        );
    }
}
