//! `&TcpStream` as a reader or writer. async-std implements `Read`/`Write` for `&TcpStream` (and
//! `&UnixStream`); async-net only for the stream itself, which is a cheap `Arc` clone. Shared
//! references used for I/O become clones of the stream.
//!
//! Before:
//! ```text
//! use async_std::io::BufReader;
//! use async_std::net::TcpStream;
//! use async_std::prelude::*;
//!
//! async fn first_line(stream: TcpStream) -> Option<std::io::Result<String>> {
//!     let mut lines = BufReader::new(&stream).lines();
//!     lines.next().await
//! }
//! ```
//! After:
//! ```text
//! use smol::io::BufReader;
//! use smol::net::TcpStream;
//! use smol::prelude::*;
//!
//! async fn first_line(stream: TcpStream) -> Option<std::io::Result<String>> {
//!     let mut lines = BufReader::new(stream.clone()).lines();
//!     lines.next().await
//! }
//! ```
//! Without types, a `&name` counts when it is handed to `BufReader::new`/`BufWriter::new` or bound
//! by `let mut w = &name;` in a file that uses async-std's net types.

use super::{args, file_uses, start};
use super::{range, Acc, Ctx};
use super::{At, Flow};
use crate::report::RawFinding;
use ra_ap_syntax::ast;
use ra_ap_syntax::{AstNode, SyntaxKind};

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "net-shared-ref";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(
        ctx,
        &[
            "async_std::net",
            "async_std::os::unix::net",
            "async_std::fs",
        ],
    ) {
        return;
    }
    for r in ctx.nodes().iter().cloned().filter_map(ast::RefExpr::cast) {
        if r.mut_token().is_some() {
            continue;
        }
        // `&stream`, or `&*stream` through an `Arc`.
        let inner = match r.expr() {
            Some(e @ ast::Expr::PathExpr(_)) => e,
            Some(ast::Expr::PrefixExpr(p))
                if p.op_kind() == Some(ast::UnaryOp::Deref)
                    && matches!(p.expr(), Some(ast::Expr::PathExpr(_))) =>
            {
                ast::Expr::PrefixExpr(p)
            }
            _ => continue,
        };
        let Some(parent) = r.syntax().parent() else {
            continue;
        };
        let io_position = match parent.kind() {
            SyntaxKind::ARG_LIST => {
                parent
                    .parent()
                    .and_then(ast::CallExpr::cast)
                    .is_some_and(|c| {
                        let callee = c
                            .expr()
                            .map(|e| e.syntax().text().to_string())
                            .unwrap_or_default();
                        (callee.ends_with("BufReader::new") || callee.ends_with("BufWriter::new"))
                            && args(&c).len() == 1
                    })
            }
            // `let (reader, writer) = (&stream, &stream);`, or `= &mut (&stream, &stream);`
            SyntaxKind::TUPLE_EXPR => parent.parent().is_some_and(|p| {
                p.kind() == SyntaxKind::LET_STMT
                    || (ast::RefExpr::cast(p.clone()).is_some_and(|r| r.mut_token().is_some())
                        && p.parent().is_some_and(|g| g.kind() == SyntaxKind::LET_STMT))
            }),
            SyntaxKind::LET_STMT => ast::LetStmt::cast(parent.clone())
                .and_then(|l| l.pat())
                .is_some_and(|p| matches!(p, ast::Pat::IdentPat(ip) if ip.mut_token().is_some())),
            // `Pin::new(&mut &*stream).poll_read(cx, buf)` in a hand-written Read/Write impl.
            SyntaxKind::REF_EXPR => polled_through_pin(&parent),
            _ => false,
        };
        if !io_position {
            continue;
        }
        // What made the value, else its type (each question infers the function's body).
        // (Of what syntax knows, sockets: a listener's connections.)
        let api = crate::tables::async_std_api();
        let ty = super::value_made(ctx, &inner)
            .filter(|v| {
                api.values
                    .iter()
                    .any(|l| l.connections.as_ref() == Some(&v.type_name))
            })
            .map(|v| v.type_name.clone())
            .or_else(|| ctx.oracle.type_of(&inner));
        // async-std's stream rebuilt on smol (`shared_io_stream.rs`) reads through `&` itself.
        let covered = |short: &str| super::shared_io_stream::covers(ctx.generated, short);
        match ty.as_deref() {
            Some(t @ ("async_std::TcpStream" | "async_std::UnixStream")) if covered(t) => continue,
            None if covered("TcpStream") || covered("UnixStream") => continue,
            Some("async_std::TcpStream") | Some("async_std::UnixStream") | None => {}
            Some("async_std::File") => {
                acc.findings.push(RawFinding::not_migrated(
                    start(r.syntax()),
                    RULE,
                    "I/O through `&File`: async-fs implements it only for `File`",
                    "use `&mut file`, or share it as Arc<smol::lock::Mutex<File>>",
                ));
                continue;
            }
            Some(_) => continue,
        }
        // No type (syntax-only, or code under an inactive cfg that rust-analyzer does not
        // see): the syntactic evidence above decides.
        let clone = match &inner {
            ast::Expr::PrefixExpr(_) => format!("({}).clone()", inner.syntax().text()),
            _ => format!("{}.clone()", inner.syntax().text()),
        };
        let text = if parent.kind() == SyntaxKind::REF_EXPR {
            // Polled by hand: not through a clone, whose poll would park the task's waker in a
            // readiness future that dropping the clone deregisters (the task would never be
            // woken again), but through the reactor handle the clones share, `&Async<std
            // socket>`, which implements the io traits and keeps the waker in the socket's own
            // slot, as async-std's `&TcpStream` did.
            format!("&*std::sync::Arc::<smol::Async<_>>::from({clone})")
        } else {
            clone
        };
        acc.edits.replace(range(r.syntax()), text, RULE);
    }
}

/// `&mut <shared ref>` as the argument of `Pin::new(..)` whose result is polled
/// (`.poll_read(..)`, `.poll_write(..)`, `.poll_flush(..)`, ..).
fn polled_through_pin(outer: &ra_ap_syntax::SyntaxNode) -> bool {
    ast::RefExpr::cast(outer.clone()).is_some_and(|o| o.mut_token().is_some())
        && outer
            .parent()
            .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
            .and_then(|p| p.parent())
            .and_then(ast::CallExpr::cast)
            .filter(|c| {
                args(c).len() == 1
                    && c.expr()
                        .is_some_and(|e| e.syntax().text().to_string().ends_with("Pin::new"))
            })
            .and_then(|c| c.syntax().parent())
            .and_then(ast::MethodCallExpr::cast)
            .and_then(|m| m.name_ref())
            .is_some_and(|n| n.text().starts_with("poll_"))
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn sockets_made_by_connect_or_a_bound_listener_s_accept_are_known_without_asking() {
        let src = "use async_std::net::{TcpListener, TcpStream};\n\
            async fn echo(addr: &str) -> std::io::Result<u64> {\n    \
                let listener = TcpListener::bind(addr).await?;\n    \
                let (conn, _peer) = listener.accept().await?;\n    \
                let (reader, writer) = &mut (&conn, &conn);\n    \
                async_std::io::copy(reader, writer).await\n}\n\
            async fn ping(addr: &str) -> std::io::Result<u64> {\n    \
                let stream = TcpStream::connect(addr).await?;\n    \
                let (reader, writer) = &mut (&stream, &stream);\n    \
                async_std::io::copy(reader, writer).await\n}\n";
        let oracle = Asked::default();
        let typed = migrate_asking(src, crate::handlers::HandlerTarget::Smol, "2021", &oracle);
        assert_eq!(oracle.0.into_inner(), Vec::<String>::new());
        // The same rewrite as where the types are asked: clones of the socket.
        assert!(typed.text.contains("&mut (conn.clone(), conn.clone())"));
        assert!(typed.text.contains("&mut (stream.clone(), stream.clone())"));
    }

    /// A regression: polling a temporary clone hung (its readiness future, and the waker in it,
    /// went with the clone).
    #[test]
    fn a_hand_written_poll_goes_through_the_shared_reactor_handle() {
        check_rewrite(
            "net-shared-ref",
            r#"use async_std::io;
use async_std::net::TcpStream;

struct Shared(TcpStream);

impl io::Read for &Shared {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let Shared(ref s) = **self;
        std::pin::Pin::new(&mut &*s).poll_read(cx, buf)
    }
}
"#,
            r#"use smol::io;
use smol::net::TcpStream;

struct Shared(TcpStream);

impl smol::io::AsyncRead for &Shared {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let Shared(ref s) = **self;
        std::pin::Pin::new(&mut &*std::sync::Arc::<smol::Async<_>>::from((*s).clone())).poll_read(cx, buf)
    }
}
"#,
        );
    }

    #[test]
    fn a_reference_not_used_for_io() {
        check_not_applicable(
            "net-shared-ref",
            r#"use async_std::net::TcpStream;

fn peer(s: &TcpStream) -> std::io::Result<std::net::SocketAddr> {
    s.peer_addr()
}

fn main_peer(stream: TcpStream) {
    let _ = peer(&stream);
}
"#,
        );
    }
}
