//! `addr.to_socket_addrs().await`. async-std's `ToSocketAddrs` resolved through a method; smol's
//! `AsyncToSocketAddrs` keeps its method private and resolves with `smol::net::resolve`, which
//! gives a `Vec` where async-std gave an iterator.
//!
//! ```text
//! let addrs = host.to_socket_addrs().await?;
//! ->
//! let addrs = smol::net::resolve(&host).await.map(Vec::into_iter)?;
//! ```
//!
//! Awaiting `to_socket_addrs()` only means something with async-std's trait (std's is blocking),
//! so the awaited call is the evidence, with or without types.

use super::{file_uses, start};
use crate::rewrite::{range, Acc, Ctx};
use ra_ap_syntax::AstNode;

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
