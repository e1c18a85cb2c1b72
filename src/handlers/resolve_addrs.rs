//! `addr.to_socket_addrs().await`. async-std's `ToSocketAddrs` resolved through a method; smol's
//! `AsyncToSocketAddrs` keeps its method private and resolves with `smol::net::resolve`, which
//! gives a `Vec` where async-std gave an iterator.
//!
//! Before:
//! ```text
//! use async_std::net::ToSocketAddrs;
//!
//! async fn first(host: &str) -> std::io::Result<Option<std::net::SocketAddr>> {
//!     let mut addrs = host.to_socket_addrs().await?;
//!     Ok(addrs.next())
//! }
//! ```
//! After:
//! ```text
//! async fn first(host: &str) -> std::io::Result<Option<std::net::SocketAddr>> {
//!     let mut addrs = smol::net::resolve(&host).await.map(Vec::into_iter)?;
//!     Ok(addrs.next())
//! }
//! ```
//!
//! Awaiting `to_socket_addrs()` only means something with async-std's trait (std's is blocking),
//! so the awaited call is the evidence, with or without types.

use super::{file_uses, start};
use super::{range, Acc, Ctx};
use super::{At, Flow};
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "resolve-socket-addrs";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(ctx, &["async_std::net", "async_std::prelude"]) {
        return;
    }
    for (mc, aw, receiver) in super::awaited_calls(ctx, "to_socket_addrs") {
        let r = super::text_of(ctx, receiver.syntax());
        acc.edits.set_anchor(Some(start(mc.syntax())));
        acc.edits.replace(
            range(aw.syntax()),
            format!("smol::net::resolve(&{r}).await.map(Vec::into_iter)"),
            RULE,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn std_to_socket_addrs_not_awaited() {
        check_not_applicable(
            "resolve-socket-addrs",
            r#"use std::net::ToSocketAddrs;

fn first(host: &str) -> Option<std::net::SocketAddr> {
    host.to_socket_addrs().ok()?.next()
}
"#,
        );
    }
}
