//! Unix sockets: `UnixListener::bind`, `UnixDatagram::bind` and `UnixDatagram::connect` are
//! `async` in async-std and synchronous in async-net, so the `.await` goes.
//!
//! Before:
//! ```text
//! use async_std::os::unix::net::UnixListener;
//!
//! async fn listen(p: &str) -> std::io::Result<UnixListener> {
//!     let l = UnixListener::bind(p).await?;
//!     Ok(l)
//! }
//! ```
//! After:
//! ```text
//! use smol::net::unix::UnixListener;
//!
//! async fn listen(p: &str) -> std::io::Result<UnixListener> {
//!     let l = UnixListener::bind(p)?;
//!     Ok(l)
//! }
//! ```

use super::At;
use super::{awaited, call_of_path, end, Flow};
use super::{Acc, Ctx};
use crate::resolve::PathSite;
use ra_ap_syntax::AstNode;

/// Entry: a Unix socket's path site; a `from` or raw-descriptor conversion there is
/// [`super::socket_from`]'s and [`super::raw_fd`]'s first.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    super::socket_from::on_from(site, ctx, acc);
    super::raw_fd::on_path(site, ctx, acc);
    on_unix(site, acc)
}

pub(super) fn on_unix(site: &PathSite, acc: &mut Acc) -> Flow {
    if !crate::tables::smol_api()
        .sync_in_async_net
        .contains(&site.canon.join("::"))
    {
        return Flow::Continue;
    }
    if let Some(aw) = call_of_path(&site.path).and_then(|c| awaited(c.syntax())) {
        if let Some(inner) = aw.expr() {
            acc.edits
                .delete(end(inner.syntax())..end(aw.syntax()), "unix-sync-bind");
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_datagram_bind_is_synchronous() {
        check_rewrite(
            "unix-sync-bind",
            r#"use async_std::os::unix::net::UnixDatagram;

async fn open(p: &str) -> std::io::Result<UnixDatagram> {
    UnixDatagram::bind(p).await
}
"#,
            r#"use smol::net::unix::UnixDatagram;

async fn open(p: &str) -> std::io::Result<UnixDatagram> {
    UnixDatagram::bind(p)
}
"#,
        );
    }

    #[test]
    fn connect_stays_async() {
        check_not_applicable(
            "unix-sync-bind",
            r#"use async_std::os::unix::net::UnixStream;

async fn dial(p: &str) -> std::io::Result<UnixStream> {
    UnixStream::connect(p).await
}
"#,
        );
    }

    #[test]
    fn code_under_async_stds_own_cfg_beside_another_runtimes_import() {
        // zmq.rs: tokio's import of the name first; the statement under async-std's cfg is
        // async-std's code, whatever the other import binds.
        check_rewrite(
            "unix-sync-bind",
            r#"#[cfg(feature = "tokio-runtime")]
use tokio::net::UnixListener;
#[cfg(feature = "async-std-runtime")]
use async_std::os::unix::net::UnixListener;

async fn bind(path: &str) -> std::io::Result<UnixListener> {
    #[cfg(feature = "tokio-runtime")]
    let listener = UnixListener::bind(path)?;
    #[cfg(feature = "async-std-runtime")]
    let listener = UnixListener::bind(path).await?;
    Ok(listener)
}
"#,
            r#"#[cfg(feature = "tokio-runtime")]
use tokio::net::UnixListener;
#[cfg(feature = "async-std-runtime")]
use smol::net::unix::UnixListener;

async fn bind(path: &str) -> std::io::Result<UnixListener> {
    #[cfg(feature = "tokio-runtime")]
    let listener = UnixListener::bind(path)?;
    #[cfg(feature = "async-std-runtime")]
    let listener = UnixListener::bind(path)?;
    Ok(listener)
}
"#,
        );
    }

    #[test]
    fn a_cfg_if_branch_with_the_imports_features() {
        // abci-rs: the import's cfg also names `unix`; the branch only the feature.
        check_rewrite(
            "unix-sync-bind",
            r#"#[cfg(all(unix, feature = "use-async-std"))]
use async_std::os::unix::net::UnixListener;
#[cfg(all(unix, feature = "use-smol"))]
use smol::net::unix::UnixListener;

async fn bind(path: &str) -> std::io::Result<UnixListener> {
    cfg_if::cfg_if! {
        if #[cfg(feature = "use-async-std")] {
            let listener = UnixListener::bind(path).await?;
        } else if #[cfg(any(feature = "use-smol", feature = "use-tokio"))] {
            let listener = UnixListener::bind(path)?;
        } else {
            unreachable!()
        }
    }
    Ok(listener)
}
"#,
            r#"#[cfg(all(unix, feature = "use-async-std"))]
use smol::net::unix::UnixListener;
#[cfg(all(unix, feature = "use-smol"))]
use smol::net::unix::UnixListener;

async fn bind(path: &str) -> std::io::Result<UnixListener> {
    cfg_if::cfg_if! {
        if #[cfg(feature = "use-async-std")] {
            let listener = UnixListener::bind(path)?;
        } else if #[cfg(any(feature = "use-smol", feature = "use-tokio"))] {
            let listener = UnixListener::bind(path)?;
        } else {
            unreachable!()
        }
    }
    Ok(listener)
}
"#,
        );
    }
}
