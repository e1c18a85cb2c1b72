//! `future::timeout` around a channel receive. std's receivers (and crossbeam-channel's) have a
//! timeout of their own, `recv_timeout`: where the timeout's error is only matched, never used as
//! a value (`Err(_)`, `is_err()`, `.ok()`, a `let` whose every use is one of those), the await
//! becomes a `match` on it with async-std's `Result` shapes: `Ok(Ok(v))` for a message,
//! `Ok(Err(RecvError))` for a closed channel, `Err(())` when the time was up. A timeout around
//! anything else (arbitrary work, a socket read) needs a runtime: it stays a blocker.
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

/// Entry: the `timeout` path, whose await the file pass of `threads-await` rewrites whole.
pub(crate) fn run(at: At<'_>, _ctx: &Ctx<'_>, _acc: &mut crate::handlers::Acc) -> Flow {
    match at {
        At::Path(..) => Flow::Done,
        At::File => Flow::Continue,
    }
}

/// `future::timeout(d, rx.recv()).await` on one of the package's channel receivers, whose
/// timeout error is only matched: (receiver, duration).
pub(crate) fn recv_timeout(
    aw: &ast::AwaitExpr,
    ctx: &Ctx<'_>,
    plan: &Plan,
) -> Option<(ast::Expr, ast::Expr)> {
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
    if site.canon.join("::") != TIMEOUT {
        return None;
    }
    let args: Vec<ast::Expr> = call.arg_list()?.args().collect();
    let [d, f] = args.as_slice() else {
        return None;
    };
    let ast::Expr::MethodCallExpr(mc) = strip(f) else {
        return None;
    };
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

/// Whether a `timeout` path is one [`recv_timeout`] rewrites (its call awaited at once).
pub(crate) fn converts(path: &ast::Path, ctx: &Ctx<'_>, plan: &Plan) -> bool {
    crate::handlers::call_of_path(path)
        .and_then(|c| crate::handlers::awaited(c.syntax()))
        .is_some_and(|aw| recv_timeout(&aw, ctx, plan).is_some())
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
