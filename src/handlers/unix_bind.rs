//! Unix sockets: `UnixListener::bind`, `UnixDatagram::bind` and `UnixDatagram::connect` are
//! `async` in async-std and synchronous in async-net, so the `.await` goes.
//!
//! ```text
//! let l = UnixListener::bind(p).await?;  ->  let l = UnixListener::bind(p)?;
//! ```

use super::{awaited, call_of_path, end, Flow};
use crate::resolve::PathSite;
use crate::rewrite::{Acc, Ctx};
use ra_ap_syntax::AstNode;

const SYNC_IN_ASYNC_NET: &[&str] = &[
    "async_std::os::unix::net::UnixListener::bind",
    "async_std::os::unix::net::UnixDatagram::bind",
    "async_std::os::unix::net::UnixDatagram::connect",
];

pub(super) fn on_unix(site: &PathSite, _ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if !SYNC_IN_ASYNC_NET.contains(&site.canon.join("::").as_str()) {
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
