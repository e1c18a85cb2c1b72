//! Sockets from std ones. async-std implements `From<std::net::TcpListener>` (and for the other
//! socket types), panicking when the socket cannot be registered with the reactor; async-net has
//! only `TryFrom`. `expect` on `try_from` is the same behaviour.
//!
//! ```text
//! let l = TcpListener::from(std_listener);  ->  let l = TcpListener::try_from(std_listener).expect("..");
//! ```
//! `.into()` conversions are not visible without types; they fail to compile (they do not misbehave).

use super::{call_of_path, end, Flow};
use crate::resolve::PathSite;
use crate::rewrite::{range, Acc, Ctx};
use ra_ap_syntax::ast::HasGenericArgs;
use ra_ap_syntax::AstNode;

const RULE: &str = "socket-try-from";
const TYPES: &[&str] = &[
    "async_std::net::TcpListener",
    "async_std::net::TcpStream",
    "async_std::net::UdpSocket",
    "async_std::os::unix::net::UnixListener",
    "async_std::os::unix::net::UnixStream",
    "async_std::os::unix::net::UnixDatagram",
];

pub(super) fn on_from(site: &PathSite, _ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    into_bound(site, acc);
    let Some((last, ty)) = site.canon.split_last() else {
        return Flow::Continue;
    };
    if last != "from" || !TYPES.contains(&ty.join("::").as_str()) {
        return Flow::Continue;
    }
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let Some(seg) = site.path.segment().and_then(|s| s.name_ref()) else {
        return Flow::Continue;
    };
    acc.edits.replace(range(seg.syntax()), "try_from", RULE);
    acc.edits.insert(
        end(call.syntax()),
        ".expect(\"registering the socket with smol's reactor\")",
        RULE,
    );
    Flow::Continue
}

/// `impl Into<TcpListener>` / `T: Into<TcpListener>`: callers that passed a std socket relied on
/// async-std's `From`, which async-net does not have. Reported: the signature needs a decision.
fn into_bound(site: &PathSite, acc: &mut Acc) {
    if !TYPES.contains(&site.canon.join("::").as_str()) {
        return;
    }
    let in_into = site
        .path
        .syntax()
        .ancestors()
        .filter_map(ra_ap_syntax::ast::PathSegment::cast)
        .any(|seg| {
            seg.name_ref().is_some_and(|n| n.text() == "Into") && seg.generic_arg_list().is_some()
        });
    if in_into {
        acc.findings.push(crate::report::RawFinding::not_migrated(
            super::start(site.path.syntax()),
            RULE,
            format!("`Into<{}>` accepted std sockets through async-std's From, which async-net does not have", site.path.syntax()),
            "take the std socket (or the smol one) explicitly and convert with try_from",
        ));
    }
}
