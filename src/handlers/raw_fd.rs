//! Raw descriptors. async-std's sockets and `File` implement `FromRawFd` and `IntoRawFd` (and the
//! Windows `*RawSocket`/`*RawHandle` pairs); async-net's sockets and async-fs's `File` implement
//! neither (they convert from std's types and give back an `Arc<Async<std type>>`). The std type
//! does the raw part and the conversion does the rest, as async-std's impls did inside:
//!
//! Before:
//! ```text
//! use async_std::os::unix::net::UnixStream;
//! use std::os::unix::io::{FromRawFd, RawFd};
//!
//! fn adopt(fd: RawFd) -> UnixStream {
//!     unsafe { UnixStream::from_raw_fd(fd) }
//! }
//! ```
//! After:
//! ```text
//! use smol::net::unix::UnixStream;
//! use std::os::unix::io::{FromRawFd, RawFd};
//!
//! fn adopt(fd: RawFd) -> UnixStream {
//!     unsafe { UnixStream::try_from(std::os::unix::net::UnixStream::from_raw_fd(fd)).expect("registering the socket with smol's reactor") }
//! }
//! ```
//! async-std's `From<std socket>` panicked when registration failed (`expect` on `try_from` is
//! the same); `File::from_raw_fd` converts with async-fs's `From<std::fs::File>`.
//!
//! `into_raw_fd` keeps what each async-std impl did: listeners, UDP sockets and Unix datagram
//! sockets (not `Clone` in async-std, so never shared) give up their descriptor after leaving the
//! reactor; `UnixStream` gave a duplicate (`try_clone`), and so does the rewrite. async-std's
//! `TcpStream` returned its own descriptor and then closed it when the last clone dropped (a
//! dangling number); the rewrite returns a duplicate that stays valid, like `UnixStream`.
//! `File::into_raw_fd` is reported: async-fs gives the std file back only through an async
//! `into_std().await`.
//!
//! The receiver of `into_raw_fd` is known by its type (rust-analyzer) or, without types, by the
//! binding it names: a `let` whose initializer names the async-std type (`UnixStream::pair()`),
//! or a parameter of that type.

use super::At;
use super::{call_of_path, end, start, Flow};
use super::{range, Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::AstNode;

/// Entry: a file pass (the path sites of sockets and files call [`on_path`] from their own handlers).
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "socket-raw-fd";

fn std_of(canon: &str) -> Option<&'static str> {
    crate::tables::smol_api()
        .raw_fd_types
        .get(canon)
        .map(String::as_str)
}

/// `Type::from_raw_fd(fd)` (a path site of one of the types).
pub(super) fn on_path(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some((last, ty)) = site.canon.split_last() else {
        return Flow::Continue;
    };
    if !crate::tables::smol_api().from_raw.contains(last.as_str()) {
        return Flow::Continue;
    }
    let ty = ty.join("::");
    let (Some(std_ty), Some(call)) = (std_of(&ty), call_of_path(&site.path)) else {
        return Flow::Continue;
    };
    let (Some(seg), Some(args)) = (
        site.path.segment().and_then(|s| s.name_ref()),
        call.arg_list(),
    ) else {
        return Flow::Continue;
    };
    let file = ty == "async_std::fs::File";
    acc.edits.set_anchor(Some(start(call.syntax())));
    acc.edits.replace(
        range(seg.syntax()),
        if file { "from" } else { "try_from" },
        RULE,
    );
    acc.edits
        .insert(start(args.syntax()) + 1, format!("{std_ty}::{last}("), RULE);
    acc.edits.insert(end(args.syntax()) - 1, ")", RULE);
    if !file {
        super::socket_from::expect_registered(&call, ctx, acc, RULE);
    }
    acc.edits.set_anchor(None);
    Flow::Continue
}

/// `x.into_raw_fd()` on one of the types.
pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !super::file_uses(ctx, &["async_std::net", "async_std::os", "async_std::fs"]) {
        return;
    }
    for (mc, name) in super::method_calls(ctx) {
        if !crate::tables::smol_api().into_raw.contains(name.as_str())
            || !super::args(&mc).is_empty()
        {
            continue;
        }
        let Some(recv) = mc.receiver() else { continue };
        let Some(ty) = receiver_type(ctx, &recv) else {
            continue;
        };
        // async-std's stream rebuilt on smol (`shared_io_stream.rs`) has its own descriptors.
        if super::shared_io_stream::covers(ctx.generated, ty) {
            continue;
        }
        let Some(std_ty) = std_of(ty) else { continue };
        let r = super::text_of(ctx, recv.syntax());
        let short = ty.rsplit("::").next().unwrap_or(ty);
        let text = match short {
            "File" => {
                acc.findings.push(RawFinding::not_migrated(
                    start(mc.syntax()),
                    RULE,
                    format!("`{name}` on async-std's File: async-fs's File has no raw-descriptor conversion"),
                    format!("in async code take the std file first: `{r}.into_std().await.{name}()`"),
                ));
                continue;
            }
            "UnixStream" | "TcpStream" => format!(
                "std::sync::Arc::<smol::Async<{std_ty}>>::from({r}).get_ref().try_clone().expect(\"duplicating the socket's descriptor\").{name}()"
            ),
            _ => format!(
                "std::sync::Arc::into_inner(std::sync::Arc::<smol::Async<{std_ty}>>::from({r})).expect(\"the socket is not shared\").into_inner().expect(\"deregistering the socket from smol's reactor\").{name}()"
            ),
        };
        acc.edits.set_anchor(Some(start(mc.syntax())));
        acc.edits.replace(range(mc.syntax()), text, RULE);
    }
    acc.edits.set_anchor(None);
}

/// The async-std type of a receiver: from rust-analyzer, or (when it does not know) from the
/// binding it names.
fn receiver_type(ctx: &Ctx<'_>, recv: &ast::Expr) -> Option<&'static str> {
    if let Some(t) = ctx.oracle.type_of(recv) {
        let name = t.strip_prefix("async_std::")?;
        return crate::tables::smol_api()
            .raw_fd_types
            .keys()
            .map(String::as_str)
            .find(|a| a.rsplit("::").next() == Some(name));
    }
    let source = super::binding_source(ctx, recv)?;
    let r = source.text_range();
    ctx.sites
        .paths
        .iter()
        .filter(|p| r.contains_range(p.path.syntax().text_range()))
        .find_map(|p| {
            crate::tables::smol_api()
                .raw_fd_types
                .keys()
                .map(String::as_str)
                .find(|a| {
                    let c = p.canon.join("::");
                    // The type itself, or a constructor of it (`UnixStream::pair`, `TcpListener::bind`).
                    c == *a
                        || c.strip_prefix(*a)
                            .is_some_and(|rest| rest.starts_with("::") && !rest[2..].contains("::"))
                })
        })
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_listener_gives_up_its_descriptor_after_leaving_the_reactor() {
        check_rewrite(
            "socket-raw-fd",
            r#"use async_std::net::TcpListener;
use std::os::unix::io::{IntoRawFd, RawFd};

async fn release() -> std::io::Result<RawFd> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.into_raw_fd())
}
"#,
            r#"use smol::net::TcpListener;
use std::os::unix::io::{IntoRawFd, RawFd};

async fn release() -> std::io::Result<RawFd> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(std::sync::Arc::into_inner(std::sync::Arc::<smol::Async<std::net::TcpListener>>::from(listener)).expect("the socket is not shared").into_inner().expect("deregistering the socket from smol's reactor").into_raw_fd())
}
"#,
        );
    }

    #[test]
    fn std_sockets_from_raw_fd() {
        check_not_applicable(
            "socket-raw-fd",
            r#"use std::os::unix::io::{FromRawFd, RawFd};

fn adopt(fd: RawFd) -> std::net::TcpStream {
    unsafe { std::net::TcpStream::from_raw_fd(fd) }
}
"#,
        );
    }
}
