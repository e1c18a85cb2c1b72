//! Timeouts around one blocking operation that std can bound itself; a timeout around anything
//! else (arbitrary work, a loop of reads) needs a runtime: it stays a blocker.
//!
//! `future::timeout` around a channel receive: std's receivers (and crossbeam-channel's) have a
//! timeout of their own, `recv_timeout`. Where the timeout's error is only matched, never used as
//! a value (`Err(_)`, `is_err()`, `.ok()`, a `let` whose every use is one of those), the await
//! becomes a `match` on it with async-std's `Result` shapes: `Ok(Ok(v))` for a message,
//! `Ok(Err(RecvError))` for a closed channel, `Err(())` when the time was up.
//!
//! `io::timeout` around one socket call (`s.read(&mut buf)`, `s.recv_from(..)`, `s.send(..)`:
//! the methods of `[socket_timeout]` in `transforms/threads_awaits.toml`, each one system
//! call): the std socket's read or write timeout is set for that call and cleared after it, and
//! std's timeout error (`WouldBlock` on Unix, `TimedOut` on Windows) becomes async-std's
//! (`TimedOut`, "future timed out"). A zero duration, which std refuses, becomes the shortest
//! one it takes, unless the duration is a literal one. `io::timeout(d, child.status())` on a
//! child process closes its stdin (as `status()` did) and polls `try_wait` every 10 ms until
//! the deadline, with the same error when the time is up.
//!
//! ```text
//! io::timeout(Duration::from_secs(1), socket.recv_from(&mut buf)).await
//! ```
//! becomes
//! ```text
//! socket
//!     .set_read_timeout(Some(Duration::from_secs(1)))
//!     .and_then(|()| {
//!         let r = socket.recv_from(&mut buf);
//!         socket.set_read_timeout(None).and(r)
//!     })
//!     .map_err(|e| match e.kind() {
//!         std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
//!             std::io::Error::new(std::io::ErrorKind::TimedOut, "future timed out")
//!         }
//!         _ => e,
//!     })
//! ```
//!
//! The channel form in full:
//!
//! Before:
//! ```text
//! use async_std::{channel, future, task};
//! use std::time::Duration;
//!
//! #[async_std::main]
//! async fn main() {
//!     let (tx, rx) = channel::unbounded::<u32>();
//!     task::spawn(async move { tx.send(7).await.unwrap() });
//!     match future::timeout(Duration::from_secs(1), rx.recv()).await {
//!         Ok(Ok(v)) => println!("got {v}"),
//!         Ok(Err(_)) => println!("closed"),
//!         Err(_) => println!("timed out"),
//!     }
//! }
//! ```
//! After:
//! ```text
//! use std::thread;
//! use std::time::Duration;
//!
//! fn main() {
//!     let (tx, rx) = std::sync::mpsc::channel::<u32>();
//!     thread::spawn(move || { tx.send(7).unwrap() });
//!     match match rx.recv_timeout(Duration::from_secs(1)) {
//!         Ok(v) => Ok(Ok(v)),
//!         Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(()),
//!         Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Ok(Err(std::sync::mpsc::RecvError)),
//!     } {
//!         Ok(Ok(v)) => println!("got {v}"),
//!         Ok(Err(_)) => println!("closed"),
//!         Err(_) => println!("timed out"),
//!     }
//! }
//! ```

use super::analyse::last_name;
use super::awaits::strip;
use super::Plan;
use crate::handlers::{At, Ctx, Flow};
use ra_ap_syntax::ast::{self, HasArgList, HasName};
use ra_ap_syntax::{AstNode, SyntaxKind};

/// The handler id (also the rule its edits count under).
pub(crate) const RULE: &str = "threads-timeout";

const TIMEOUT: &str = "async_std::future::timeout";
const IO_TIMEOUT: &str = "async_std::io::timeout";

/// Entry: the `timeout` path, whose await the file pass of `threads-await` rewrites whole.
pub(crate) fn run(at: At<'_>, _ctx: &Ctx<'_>, _acc: &mut crate::handlers::Acc) -> Flow {
    match at {
        At::Path(..) => Flow::Done,
        At::File => Flow::Continue,
    }
}

/// `timeout(d, x.m(..)).await` where `timeout` is the async-std item `canon`: the duration and
/// the method call it bounds.
fn timed_method_call(
    aw: &ast::AwaitExpr,
    ctx: &Ctx<'_>,
    canon: &str,
) -> Option<(ast::Expr, ast::MethodCallExpr)> {
    let ast::Expr::CallExpr(call) = strip(&aw.expr()?) else {
        return None;
    };
    let Some(ast::Expr::PathExpr(pe)) = call.expr() else {
        return None;
    };
    let path = pe.path()?;
    let site = ctx
        .sites
        .paths
        .iter()
        .find(|s| s.path.syntax() == path.syntax())?;
    if site.canon.join("::") != canon {
        return None;
    }
    let args: Vec<ast::Expr> = call.arg_list()?.args().collect();
    let [d, f] = args.as_slice() else {
        return None;
    };
    let ast::Expr::MethodCallExpr(mc) = strip(f) else {
        return None;
    };
    Some((d.clone(), mc))
}

/// `future::timeout(d, rx.recv()).await` on one of the package's channel receivers, whose
/// timeout error is only matched: (receiver, duration).
pub(crate) fn recv_timeout(
    aw: &ast::AwaitExpr,
    ctx: &Ctx<'_>,
    plan: &Plan,
) -> Option<(ast::Expr, ast::Expr)> {
    let (d, mc) = timed_method_call(aw, ctx, TIMEOUT)?;
    if mc.name_ref()?.text() != "recv" || mc.arg_list()?.args().count() != 0 {
        return None;
    }
    let rx = mc.receiver()?;
    let known = plan.receivers.contains(&last_name(rx.syntax()))
        || ctx
            .oracle
            .type_of(&rx)
            .is_some_and(|t| t.contains("channel::Receiver"));
    (known && error_unobserved(aw)).then(|| (rx, d.clone()))
}

/// `io::timeout(d, s.m(..)).await`: one socket call under the socket's own timeout, or a
/// child's `status()` polled against a deadline.
pub(crate) struct SocketCall {
    pub socket: ast::Expr,
    pub call: ast::MethodCallExpr,
    pub duration: ast::Expr,
    pub kind: Bound,
}

/// What bounds the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    ReadTimeout,
    WriteTimeout,
    /// `child.status()`: `try_wait` until a deadline.
    ChildDeadline,
}

/// `io::timeout(d, s.m(..)).await` where `s` is a socket (by its binding, or rust-analyzer's
/// type), named plainly (`s`, `self.s`: it is written three times), and `m` one system call; or
/// `s` is a child process and `m` is `status()`.
pub(crate) fn socket_timeout(aw: &ast::AwaitExpr, ctx: &Ctx<'_>) -> Option<SocketCall> {
    let (d, mc) = timed_method_call(aw, ctx, IO_TIMEOUT)?;
    let name = mc.name_ref()?.text().to_string();
    let nargs = mc.arg_list()?.args().count();
    let table = crate::tables::threads_awaits();
    let socket = mc.receiver()?;
    let typed = |want: &[&str]| {
        ctx.oracle
            .type_of(&socket)
            .is_some_and(|t| want.iter().any(|s| t.ends_with(s)))
    };
    let kind = if name == "status" && nargs == 0 {
        let known = child_names(ctx.nodes()).contains(&last_name(socket.syntax()))
            || typed(&["process::Child"]);
        known.then_some(Bound::ChildDeadline)?
    } else {
        let kind = if table.timeout_writes.contains(&name) {
            Bound::WriteTimeout
        } else if table.timeout_reads.contains(&name) {
            Bound::ReadTimeout
        } else {
            return None;
        };
        let sockets = &crate::tables::threads_blockers().sockets_typed;
        let sockets: Vec<&str> = sockets.iter().map(String::as_str).collect();
        let known = super::analyse::socket_names(ctx.nodes()).contains(&last_name(socket.syntax()))
            || typed(&sockets);
        known.then_some(kind)?
    };
    // A plain place: a name or a field of one.
    let plain = socket.syntax().descendants().all(|n| {
        matches!(
            n.kind(),
            SyntaxKind::PATH_EXPR
                | SyntaxKind::PATH
                | SyntaxKind::PATH_SEGMENT
                | SyntaxKind::NAME_REF
                | SyntaxKind::FIELD_EXPR
        )
    });
    let awaits_inside = mc
        .syntax()
        .descendants()
        .any(|n| n.kind() == SyntaxKind::AWAIT_EXPR);
    (plain && !awaits_inside).then(|| SocketCall {
        socket,
        call: mc,
        duration: d.clone(),
        kind,
    })
}

/// Names bound to child processes by syntax: `let child = Command::new(..)..spawn()?`, and
/// parameters or fields typed `Child`.
fn child_names(nodes: &[ra_ap_syntax::SyntaxNode]) -> std::collections::BTreeSet<String> {
    let is_child = |t: &str| t == "Child" || t.ends_with("::Child") || t == "&mut Child";
    super::analyse::bindings(nodes)
        .into_iter()
        .filter(|b| (b.init.contains("Command") && b.init.contains(".spawn()")) || is_child(&b.ty))
        .filter_map(|b| b.name())
        .collect()
}

/// `child.status()` under a timeout: its stdin closed first (as async-process's `status` does),
/// then `try_wait` until the deadline, every 10 ms.
fn child_text(child: &str, d: &str, indent: &str) -> String {
    let i = indent;
    // The deadline's name is not the child's.
    let deadline = super::fresh_name(child, "deadline");
    format!(
        "{{\n{i}    drop({child}.stdin.take());\n{i}    let {deadline} = std::time::Instant::now() + {d};\n{i}    loop {{\n{i}        match {child}.try_wait() {{\n{i}            Ok(Some(status)) => break Ok(status),\n{i}            Ok(None) if std::time::Instant::now() >= {deadline} => {{\n{i}                break Err(std::io::Error::new(std::io::ErrorKind::TimedOut, \"future timed out\"))\n{i}            }}\n{i}            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),\n{i}            Err(e) => break Err(e),\n{i}        }}\n{i}    }}\n{i}}}"
    )
}

/// Whether a `timeout` path is one [`recv_timeout`] or [`socket_timeout`] rewrites (its call
/// awaited at once).
pub(crate) fn converts(path: &ast::Path, ctx: &Ctx<'_>, plan: &Plan) -> bool {
    crate::handlers::call_of_path(path)
        .and_then(|c| crate::handlers::awaited(c.syntax()))
        .is_some_and(|aw| {
            recv_timeout(&aw, ctx, plan).is_some() || socket_timeout(&aw, ctx).is_some()
        })
}

/// The text a socket call's await becomes (see the module's docs).
pub(crate) fn socket_text(ctx: &Ctx<'_>, sc: &SocketCall, indent: &str) -> String {
    let s = crate::handlers::text_of(ctx, sc.socket.syntax());
    let call = crate::handlers::text_of(ctx, sc.call.syntax());
    let d = crate::handlers::text_of(ctx, sc.duration.syntax());
    let setter = match sc.kind {
        Bound::WriteTimeout => "set_write_timeout",
        Bound::ReadTimeout => "set_read_timeout",
        Bound::ChildDeadline => return child_text(&s, &d, indent),
    };
    // std refuses a zero timeout: the shortest it takes, unless the literal says it is not zero.
    let literal_nonzero = {
        let t: String = d.split_whitespace().collect();
        [
            "Duration::from_secs(",
            "Duration::from_millis(",
            "Duration::from_micros(",
        ]
        .iter()
        .any(|p| {
            t.strip_suffix(')')
                .and_then(|t| t.rsplit_once(p))
                .is_some_and(|(_, n)| {
                    n.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                        .replace('_', "")
                        .parse::<u64>()
                        .is_ok_and(|n| n > 0)
                })
        })
    };
    let simple = matches!(
        strip(&sc.duration),
        ast::Expr::PathExpr(_) | ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_)
    );
    let d = match (literal_nonzero, simple) {
        (true, _) => d,
        (false, true) => format!("{d}.max(std::time::Duration::from_nanos(1))"),
        (false, false) => format!("({d}).max(std::time::Duration::from_nanos(1))"),
    };
    let i = indent;
    format!(
        "{s}\n{i}    .{setter}(Some({d}))\n{i}    .and_then(|()| {{\n{i}        let r = {call};\n{i}        {s}.{setter}(None).and(r)\n{i}    }})\n{i}    .map_err(|e| match e.kind() {{\n{i}        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {{\n{i}            std::io::Error::new(std::io::ErrorKind::TimedOut, \"future timed out\")\n{i}        }}\n{i}        _ => e,\n{i}    }})"
    )
}

/// The text the await becomes: a `match` on `recv_timeout` with async-std's shapes.
pub(crate) fn text(rx: &str, d: &str, plan: &Plan, indent: &str) -> String {
    let m = if plan.mpsc {
        "std::sync::mpsc"
    } else {
        "crossbeam_channel"
    };
    format!(
        "match {rx}.recv_timeout({d}) {{\n{indent}    Ok(v) => Ok(Ok(v)),\n{indent}    Err({m}::RecvTimeoutError::Timeout) => Err(()),\n{indent}    Err({m}::RecvTimeoutError::Disconnected) => Ok(Err({m}::RecvError)),\n{indent}}}"
    )
}

/// The await's value is only matched with its error ignored, or asked `is_ok`/`is_err`/`ok`.
fn error_unobserved(aw: &ast::AwaitExpr) -> bool {
    let mut node = aw.syntax().clone();
    while let Some(p) = node.parent().filter(|p| p.kind() == SyntaxKind::PAREN_EXPR) {
        node = p;
    }
    let Some(parent) = node.parent() else {
        return false;
    };
    if let Some(m) = ast::MatchExpr::cast(parent.clone()) {
        return m.expr().is_some_and(|e| e.syntax() == &node)
            && m.match_arm_list()
                .is_some_and(|l| l.arms().all(|a| ignores_err(a.pat())));
    }
    if let Some(l) = ast::LetExpr::cast(parent.clone()) {
        return ignores_err(l.pat());
    }
    if let Some(mc) = ast::MethodCallExpr::cast(parent.clone()) {
        return mc.receiver().is_some_and(|r| r.syntax() == &node) && asks_only(&mc);
    }
    let Some(st) = ast::LetStmt::cast(parent) else {
        return false;
    };
    if st.let_else().is_some() {
        return ignores_err(st.pat());
    }
    // `let r = ..;` whose every later use is `r.is_ok()`, `r.is_err()`, `r.ok()`.
    let (Some(ast::Pat::IdentPat(ip)), Some(scope)) = (st.pat(), st.syntax().parent()) else {
        return false;
    };
    let Some(name) = ip.name().map(|n| n.text().to_string()) else {
        return false;
    };
    let after = st.syntax().text_range().end();
    // Every later token of the name, in code or in a macro's arguments (`println!("{}",
    // r.is_err())` stays tokens), is followed by `.is_ok`, `.is_err` or `.ok`.
    let toks: Vec<_> = scope
        .descendants_with_tokens()
        .filter_map(ra_ap_syntax::NodeOrToken::into_token)
        .filter(|t| !t.kind().is_trivia() && t.text_range().start() >= after)
        .collect();
    let uses: Vec<usize> = (0..toks.len())
        .filter(|&i| toks[i].kind() == SyntaxKind::IDENT && toks[i].text() == name)
        .collect();
    !uses.is_empty()
        && uses.iter().all(|&i| {
            let kind = |k: usize| toks.get(k).map(|t| t.kind());
            (i == 0 || kind(i - 1) != Some(SyntaxKind::DOT))
                && kind(i + 1) == Some(SyntaxKind::DOT)
                && toks
                    .get(i + 2)
                    .is_some_and(|t| matches!(t.text(), "is_ok" | "is_err" | "ok"))
        })
}

fn asks_only(mc: &ast::MethodCallExpr) -> bool {
    mc.name_ref()
        .is_some_and(|n| matches!(&*n.text(), "is_ok" | "is_err" | "ok"))
}

/// A pattern that binds nothing of an `Err`: `Err(_)`, `Ok(..)`, `_`, or a choice of those.
fn ignores_err(pat: Option<ast::Pat>) -> bool {
    match pat {
        Some(ast::Pat::WildcardPat(_)) => true,
        Some(ast::Pat::OrPat(o)) => o.pats().all(|p| ignores_err(Some(p))),
        Some(ast::Pat::TupleStructPat(t)) => {
            let is_err = t
                .path()
                .and_then(|p| p.segment())
                .and_then(|s| s.name_ref())
                .is_some_and(|n| n.text() == "Err");
            !is_err
                || t.fields()
                    .all(|f| matches!(f, ast::Pat::WildcardPat(_) | ast::Pat::RestPat(_)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_binding_asked_only_whether_it_timed_out() {
        let before = r#"use async_std::{channel, future};
use std::time::Duration;

#[async_std::main]
async fn main() {
    let (tx, rx) = channel::unbounded::<u32>();
    let first = future::timeout(Duration::from_millis(1), rx.recv()).await;
    println!("{}", first.is_err());
    drop(tx);
}
"#;
        let out = migrate(before, crate::handlers::HandlerTarget::Threads);
        assert!(
            out.text.contains("recv_timeout"),
            "{}\n{:?}",
            out.text,
            out.findings
        );
    }
}
