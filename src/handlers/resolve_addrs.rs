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

/// Entry: a file pass (method calls), or the path of the trait's method called as a function
/// (`ToSocketAddrs::to_socket_addrs(&(host, port)).await`, redis-rs).
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    match at {
        At::File => {
            pass(ctx, acc);
            Flow::Continue
        }
        At::Path(site, _) => on_function_call(site, ctx, acc),
    }
}

/// `ToSocketAddrs::to_socket_addrs(x).await` -> `smol::net::resolve(x).await.map(Vec::into_iter)`.
fn on_function_call(site: &crate::resolve::PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(call) = super::call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let args: Vec<_> = ra_ap_syntax::ast::HasArgList::arg_list(&call)
        .map(|a| a.args().collect())
        .unwrap_or_default();
    let ([arg], Some(aw)) = (args.as_slice(), super::awaited(call.syntax())) else {
        return Flow::Continue;
    };
    let a = super::text_of(ctx, arg.syntax());
    acc.edits.replace(
        range(aw.syntax()),
        format!("smol::net::resolve({a}).await.map(Vec::into_iter)"),
        RULE,
    );
    Flow::Done
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

    #[test]
    fn the_traits_method_called_as_a_function() {
        // redis-rs: async-net's AsyncToSocketAddrs has no method to call.
        check_rewrite(
            "resolve-socket-addrs",
            r#"async fn addrs(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    ::async_std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .await
        .map(|iter| iter.collect())
}
"#,
            r#"async fn addrs(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    smol::net::resolve(&(host, port)).await.map(Vec::into_iter)
        .map(|iter| iter.collect())
}
"#,
        );
    }

    #[test]
    fn beside_a_module_named_smol() {
        // redis-rs: `pub mod smol;` in the module; `smol::net` would be it.
        check_rewrite(
            "resolve-socket-addrs",
            r#"pub mod smol {}

async fn addrs(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    ::async_std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .await
        .map(|iter| iter.collect())
}
"#,
            r#"pub mod smol {}

async fn addrs(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    ::smol::net::resolve(&(host, port)).await.map(Vec::into_iter)
        .map(|iter| iter.collect())
}
"#,
        );
    }
}
