//! async-std's address-resolving futures (`TcpStream::connect`, `TcpListener::bind`,
//! `UdpSocket::bind`) are `Sync`; async-net's are not (they may hold a boxed `dyn Future + Send`
//! resolving the name). A crate that stores futures as `Pin<Box<dyn Future + Send + Sync>>` and
//! awaits one of these calls inside an `async` block no longer builds once the path is smol's. Such
//! a crate gets a small module, `sync_future` (see [`MODULE`]), written once at the end of the
//! crate's root file, and each such call is wrapped in its `SyncFuture`: the future is kept behind
//! a `Mutex` that is only ever reached through `&mut` (`Mutex::get_mut`, no locking), which makes
//! it `Sync` without `unsafe` and without changing when or how it is polled.
//!
//! Before:
//! ```text
//! use async_std::net::TcpStream;
//! use std::future::Future;
//! use std::pin::Pin;
//!
//! type Connecting = Pin<Box<dyn Future<Output = std::io::Result<TcpStream>> + Send + Sync>>;
//!
//! fn connect(addr: std::net::SocketAddr) -> Connecting {
//!     Box::pin(async move { TcpStream::connect(addr).await })
//! }
//! ```
//! After:
//! ```text
//! use smol::net::TcpStream;
//! use std::future::Future;
//! use std::pin::Pin;
//!
//! type Connecting = Pin<Box<dyn Future<Output = std::io::Result<TcpStream>> + Send + Sync>>;
//!
//! fn connect(addr: std::net::SocketAddr) -> Connecting {
//!     Box::pin(async move { crate::sync_future::SyncFuture::new(TcpStream::connect(addr)).await })
//! }
//!
//! /// async-std's address-resolving futures (`TcpStream::connect`, `UdpSocket::bind`) were `Sync`
//! /// and smol's are not: a future wrapped in `SyncFuture` is. The future is only reached through
//! /// `&mut` (`Mutex::get_mut` never locks), so sharing `&SyncFuture` gives access to nothing
//! /// (written by async-std-migrate).
//! #[allow(dead_code)]
//! mod sync_future {
//!     use std::future::Future;
//!     use std::pin::Pin;
//!     use std::sync::{Mutex, PoisonError};
//!     use std::task::{Context, Poll};
//!
//!     pub(crate) struct SyncFuture<F>(Mutex<Pin<Box<F>>>);
//!
//!     impl<F: Future> SyncFuture<F> {
//!         pub(crate) fn new(fut: F) -> Self {
//!             SyncFuture(Mutex::new(Box::pin(fut)))
//!         }
//!     }
//!
//!     impl<F: Future> Future for SyncFuture<F> {
//!         type Output = F::Output;
//!
//!         fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
//!             let fut = self.get_mut().0.get_mut();
//!             let fut = fut.unwrap_or_else(PoisonError::into_inner);
//!             fut.as_mut().poll(cx)
//!         }
//!     }
//! }
//! ```
//!
//! Only crates with a `dyn Future .. + Sync` type get it, and only calls awaited directly inside an
//! `async` block (the futures such a crate boxes); a call awaited in an `async fn` is left as it is.

use super::generated::Generated;
use super::{awaited, call_of_path, end, start};
use super::{Acc, At, Ctx, Flow};
use crate::resolve::FileSites;
use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode};

/// The handler id (also the rule id its edits count under).
pub(crate) const RULE: &str = "sync-future";

/// The module a crate gets, at the end of its root file. Never public: each crate of a package
/// wraps its own calls.
const MODULE: &str = "
/// async-std's address-resolving futures (`TcpStream::connect`, `UdpSocket::bind`) were `Sync`
/// and smol's are not: a future wrapped in `SyncFuture` is. The future is only reached through
/// `&mut` (`Mutex::get_mut` never locks), so sharing `&SyncFuture` gives access to nothing
/// (written by async-std-migrate).
#[allow(dead_code)]
mod sync_future {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Mutex, PoisonError};
    use std::task::{Context, Poll};

    pub(crate) struct SyncFuture<F>(Mutex<Pin<Box<F>>>);

    impl<F: Future> SyncFuture<F> {
        pub(crate) fn new(fut: F) -> Self {
            SyncFuture(Mutex::new(Box::pin(fut)))
        }
    }

    impl<F: Future> Future for SyncFuture<F> {
        type Output = F::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let fut = self.get_mut().0.get_mut();
            let fut = fut.unwrap_or_else(PoisonError::into_inner);
            fut.as_mut().poll(cx)
        }
    }
}
";

/// async-std's functions whose futures resolve an address (`impl ToSocketAddrs`).
const RESOLVING: &[&str] = &[
    "async_std::net::TcpListener::bind",
    "async_std::net::TcpStream::connect",
    "async_std::net::UdpSocket::bind",
];

/// The module kind (see `generated.rs`).
pub(crate) const GENERATED: Generated = Generated {
    rule: RULE,
    module: "sync_future",
    items: &[],
    names_it: |sites| !wrapped_calls(sites).is_empty(),
    crate_wants: Some(names_sync_dyn_future),
    crate_blocked_by: None,
    shared: false,
    package_wide: false,
    text: |root, _| super::generated::module_text(root, MODULE, false),
};

/// Entry: a file pass wrapping each call, when the crate has the module.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if !matches!(at, At::File) {
        return Flow::Continue;
    }
    let Some(module) = ctx.generated.module("sync_future") else {
        return Flow::Continue;
    };
    for call in wrapped_calls(ctx.sites) {
        // async-std's stream rebuilt on smol (`shared_io_stream.rs`) connects with a `Sync`
        // future of its own.
        if call_is_covered(ctx, &call) {
            continue;
        }
        let (s, e) = (start(call.syntax()), end(call.syntax()));
        acc.edits.set_anchor(Some(s));
        acc.edits
            .insert(s, format!("{module}::SyncFuture::new("), RULE);
        acc.edits.insert(e, ")", RULE);
    }
    acc.edits.set_anchor(None);
    Flow::Continue
}

/// A `TcpStream::connect` of a crate that has async-std's stream rebuilt on smol.
fn call_is_covered(ctx: &Ctx<'_>, call: &ast::CallExpr) -> bool {
    let Some(ast::Expr::PathExpr(callee)) = call.expr() else {
        return false;
    };
    let r = callee.syntax().text_range();
    ctx.sites.paths.iter().any(|p| {
        p.path.syntax().text_range() == r
            && ctx.generated.item_for(&p.canon).is_some()
            && super::shared_io_stream::covers(
                ctx.generated,
                &p.canon[..p.canon.len() - 1].join("::"),
            )
    })
}

/// The calls of a resolving function that are awaited directly inside an `async` block.
fn wrapped_calls(sites: &FileSites) -> Vec<ast::CallExpr> {
    sites
        .paths
        .iter()
        .filter(|p| !p.in_attr && RESOLVING.contains(&p.canon.join("::").as_str()))
        .filter_map(|p| call_of_path(&p.path))
        .filter(|c| awaited(c.syntax()).is_some() && in_async_block(c.syntax()))
        .collect()
}

/// Whether the closest enclosing body (function, closure or block with a modifier) is an `async`
/// block.
fn in_async_block(node: &SyntaxNode) -> bool {
    for a in node.ancestors().skip(1) {
        match a.kind() {
            SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR => return false,
            SyntaxKind::BLOCK_EXPR => {
                if let Some(b) = ast::BlockExpr::cast(a) {
                    if b.async_token().is_some() {
                        return true;
                    }
                    if b.const_token().is_some() || b.unsafe_token().is_some() {
                        continue;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether a file's text has a `dyn Future<..>` trait object bounded by `Sync`
/// (`dyn Future<Output = T> + Send + Sync + 'a`, under any path to the trait).
pub(crate) fn names_sync_dyn_future(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find("dyn ") {
        rest = &rest[i + 4..];
        let path_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == ' '))
            .unwrap_or(rest.len());
        if !rest[..path_end].trim_end().ends_with("Future") {
            continue;
        }
        let mut after = &rest[path_end..];
        // The trait's generic arguments, balanced.
        if after.starts_with('<') {
            let mut depth = 0usize;
            let mut close = None;
            for (j, c) in after.char_indices() {
                match c {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(j) = close else { continue };
            after = &after[j + 1..];
        }
        // `+ Bound` after `+ Bound`.
        loop {
            let t = after.trim_start();
            let Some(b) = t.strip_prefix('+') else { break };
            let b = b.trim_start();
            let n = b
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '\''))
                .unwrap_or(b.len());
            if b[..n].rsplit("::").next() == Some("Sync") {
                return true;
            }
            after = &b[n..];
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::names_sync_dyn_future;
    use crate::handlers::check::*;

    #[test]
    fn a_future_named_then_boxed_under_an_alias() {
        // twitchchat: the block is bound first; the alias is the crate's.
        let before = r#"pub type BoxedFuture<T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + Sync>>;

fn connect(addrs: Vec<std::net::SocketAddr>) -> BoxedFuture<std::io::Result<async_std::net::TcpStream>> {
    let fut = async move { async_std::net::TcpStream::connect(&*addrs).await };
    Box::pin(fut)
}
"#;
        let after = r#"pub type BoxedFuture<T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + Sync>>;

fn connect(addrs: Vec<std::net::SocketAddr>) -> BoxedFuture<std::io::Result<smol::net::TcpStream>> {
    let fut = async move { crate::sync_future::SyncFuture::new(smol::net::TcpStream::connect(&*addrs)).await };
    Box::pin(fut)
}
"#;
        check_rewrite(
            "sync-future",
            before,
            &format!("{after}{}", (super::GENERATED.text)(after, false)),
        );
    }

    #[test]
    fn no_sync_trait_object_no_wrapper() {
        check_not_applicable(
            "sync-future",
            r#"use std::future::Future;
use std::pin::Pin;

fn connect(
    addr: std::net::SocketAddr,
) -> Pin<Box<dyn Future<Output = std::io::Result<async_std::net::TcpStream>> + Send>> {
    Box::pin(async move { async_std::net::TcpStream::connect(addr).await })
}
"#,
        );
    }

    #[test]
    fn sync_bounds_found_under_any_path() {
        assert!(names_sync_dyn_future(
            "Pin<Box<dyn std::future::Future<Output = Result<(), E>> + Send + Sync + 'static>>"
        ));
        assert!(names_sync_dyn_future("Box<dyn Future + Sync>"));
        assert!(names_sync_dyn_future(
            "Pin<Box<dyn Future<Output = Vec<u8>> + 'a + std::marker::Sync>>"
        ));
        assert!(!names_sync_dyn_future(
            "Box<dyn Future<Output = ()> + Send>; Box<dyn Error + Send + Sync>"
        ));
        assert!(!names_sync_dyn_future("Box<dyn Fn() + Send + Sync>"));
    }
}
