//! `listener.into_incoming()`: async-std's listeners (its `unstable` feature) turn into a stream
//! of connections that owns the listener; async-net's have only `incoming()`, which borrows it.
//! async-std's method is `futures_lite::stream::unfold` over `accept`; the call becomes that code,
//! the same stream.
//!
//! Before:
//! ```text
//! use async_std::net::{TcpListener, TcpStream};
//! use async_std::stream::Stream;
//!
//! fn connections(l: TcpListener) -> impl Stream<Item = std::io::Result<TcpStream>> {
//!     l.into_incoming()
//! }
//! ```
//! After:
//! ```text
//! use smol::net::{TcpListener, TcpStream};
//! use smol::stream::Stream;
//!
//! fn connections(l: TcpListener) -> impl Stream<Item = std::io::Result<TcpStream>> {
//!     smol::stream::unfold(l, |listener| async move { let res = listener.accept().await.map(|(stream, _)| stream); Some((res, listener)) })
//! }
//! ```
//! The receiver must be an async-std listener: by its type when rust-analyzer knows it; without
//! types, in a file that uses async-std's sockets, in a crate that has no `into_incoming` of its
//! own.

use super::{file_uses, range, text_of};
use super::{Acc, At, Ctx, Flow};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "listener-into-incoming";

fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(ctx, &["async_std::net", "async_std::os::unix::net"])
        || ctx.krate.own_methods.contains("into_incoming")
    {
        return;
    }
    for mc in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::MethodCallExpr::cast)
    {
        let named = mc.name_ref().is_some_and(|n| n.text() == "into_incoming");
        let no_args = super::args(&mc).is_empty();
        let Some(receiver) = mc.receiver() else {
            continue;
        };
        if !named || !no_args {
            continue;
        }
        if let Some(t) = ctx.oracle.type_of(&receiver) {
            if !(t.ends_with("TcpListener") || t.ends_with("UnixListener")) {
                continue;
            }
        }
        let r = text_of(ctx, receiver.syntax());
        acc.edits.replace(
            range(mc.syntax()),
            format!(
                "smol::stream::unfold({r}, |listener| async move {{ let res = listener.accept().await.map(|(stream, _)| stream); Some((res, listener)) }})"
            ),
            RULE,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_method_of_the_crate_s_own() {
        check_not_applicable(
            "listener-into-incoming",
            r#"use async_std::net::TcpListener;

struct Pool;

impl Pool {
    fn into_incoming(self) -> u8 {
        1
    }
}

fn f(p: Pool, _l: TcpListener) -> u8 {
    p.into_incoming()
}
"#,
        );
    }
}
