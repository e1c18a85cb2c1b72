//! Dropped task handles. async-std's `JoinHandle` detaches on drop; smol's `Task` cancels (a
//! dropped `smol::unblock` never runs its closure), so a handle that is dropped gets `.detach()`.
//!
//! Before:
//! ```text
//! use async_std::task;
//!
//! async fn serve() {}
//!
//! fn start_worker() -> task::JoinHandle<()> {
//!     task::spawn(serve())
//! }
//!
//! fn start() {
//!     task::spawn(serve());
//!     let _ = task::spawn(serve());
//!     drop(task::spawn_blocking(|| println!("done")));
//!     start_worker();
//! }
//! ```
//! After:
//! ```text
//! async fn serve() {}
//!
//! fn start_worker() -> smol::Task<()> {
//!     smol::spawn(serve())
//! }
//!
//! fn start() {
//!     smol::spawn(serve()).detach();
//!     smol::spawn(serve()).detach();
//!     smol::unblock(|| println!("done")).detach();
//!     start_worker().detach();
//! }
//! ```
//! A handle kept in a variable that is only awaited needs nothing; one stored elsewhere (a `Vec`,
//! a struct field) is reported for review: smol cancels it if it is dropped before it is awaited.

use super::At;
use super::{args, call_of_path, end, skip_parens_up, start, Flow};
use super::{Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use ra_ap_syntax::ast::{self, HasName};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};

/// Entry: the spawn's path site, and a file pass for calls of the crate's own handle-returning fns.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    match at {
        At::Path(site, _) => on_spawn(site, acc),
        At::File => {
            pass(ctx, acc);
            Flow::Continue
        }
    }
}

const RULE: &str = "detach-dropped-handle";

pub(super) fn on_spawn(site: &PathSite, acc: &mut Acc) -> Flow {
    if let Some(call) = call_of_path(&site.path) {
        handle_value(call.syntax(), acc);
    }
    Flow::Continue
}

/// Calls of the crate's own functions that return an async-std `JoinHandle`.
pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    // The crate's handles are `join_handle`'s, which detach on drop (`join_handle.rs`).
    if ctx.krate.handle_returning_fns.is_empty() || ctx.generated.module("join_handle").is_some() {
        return;
    }
    for node in ctx.nodes().iter().cloned() {
        let name = if let Some(call) = ast::CallExpr::cast(node.clone()) {
            match call.expr() {
                Some(ast::Expr::PathExpr(pe)) => pe
                    .path()
                    .and_then(|p| p.segment())
                    .and_then(|s| s.name_ref()),
                _ => None,
            }
        } else if let Some(mc) = ast::MethodCallExpr::cast(node.clone()) {
            mc.name_ref()
        } else {
            None
        };
        let Some(name) = name else { continue };
        if ctx
            .krate
            .handle_returning_fns
            .contains(&name.text().to_string())
        {
            // Only statements and `let _`: a returned or stored handle is the caller's business.
            let e = skip_parens_up(&node);
            let dropped_stmt = e
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::EXPR_STMT);
            let let_wild = e
                .parent()
                .and_then(ast::LetStmt::cast)
                .is_some_and(|l| matches!(l.pat(), Some(ast::Pat::WildcardPat(_))));
            if dropped_stmt || let_wild {
                handle_value(&node, acc);
            }
        }
    }
}

/// `call` produces a task handle: add `.detach()` where it is dropped.
pub(super) fn handle_value(call: &SyntaxNode, acc: &mut Acc) {
    let e = skip_parens_up(call);
    let Some(parent) = e.parent() else { return };
    let detach = |acc: &mut Acc| acc.edits.insert(end(call), ".detach()", RULE);
    match parent.kind() {
        SyntaxKind::EXPR_STMT => detach(acc),
        SyntaxKind::LET_STMT => {
            let Some(let_stmt) = ast::LetStmt::cast(parent) else {
                return;
            };
            let Some(init) = let_stmt.initializer() else {
                return;
            };
            if init.syntax() != &e {
                return; // in the `else` of a let-else
            }
            match let_stmt.pat() {
                Some(ast::Pat::WildcardPat(_)) => {
                    acc.edits
                        .delete(start(let_stmt.syntax())..start(init.syntax()), RULE);
                    detach(acc);
                }
                Some(ast::Pat::IdentPat(ip)) => {
                    let Some(name) = ip.name().map(|n| n.text().to_string()) else {
                        return;
                    };
                    let uses = later_uses(let_stmt.syntax(), &name);
                    if uses.is_empty() {
                        // Dropped at the end of the scope: async-std detached there.
                        acc.edits
                            .delete(start(let_stmt.syntax())..start(init.syntax()), RULE);
                        detach(acc);
                    } else if !uses.iter().all(|u| only_awaited(u)) {
                        acc.findings.push(RawFinding::review(
                            start(call),
                            RULE,
                            format!("the task handle `{name}` is kept and used other than by .await"),
                            "smol cancels a Task that is dropped before it is awaited (async-std detached it): make sure every path awaits it, or call .detach()",
                        ));
                    }
                }
                _ => {}
            }
        }
        SyntaxKind::ARG_LIST => {
            // Pushed into a list whose every handle is awaited: nothing is dropped early.
            if parent
                .parent()
                .and_then(ast::MethodCallExpr::cast)
                .is_some_and(|m| pushed_then_awaited(&m))
            {
                return;
            }
            let Some(outer) = parent.parent().and_then(ast::CallExpr::cast) else {
                return stored(call, acc);
            };
            let is_drop = matches!(outer.expr(), Some(ast::Expr::PathExpr(pe)) if pe.syntax().text() == "drop");
            if is_drop && args(&outer).len() == 1 {
                acc.edits.delete(start(outer.syntax())..start(&e), RULE);
                // `drop(x)` was `()`, and so is `x.detach()`.
                acc.edits
                    .replace(end(&e)..end(outer.syntax()), ".detach()", RULE);
            } else {
                stored(call, acc);
            }
        }
        SyntaxKind::AWAIT_EXPR
        | SyntaxKind::RETURN_EXPR
        | SyntaxKind::STMT_LIST
        | SyntaxKind::METHOD_CALL_EXPR => {}
        _ => stored(call, acc),
    }
}

/// Whether the handle `call` produces goes where the migration cannot follow it: kept and used
/// other than by `.await` (`h.race(..)`, `vec.push(h)`), or stored and passed on
/// (`Wrapper::new(h)`). Those are [`handle_value`]'s review cases; a crate with one gets the
/// `join_handle` module (`join_handle.rs`), whose handle detaches when dropped, as async-std's.
pub(super) fn untracked(call: &SyntaxNode) -> bool {
    let e = skip_parens_up(call);
    let Some(parent) = e.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::EXPR_STMT
        | SyntaxKind::AWAIT_EXPR
        | SyntaxKind::RETURN_EXPR
        | SyntaxKind::STMT_LIST => false,
        // `spawn(a).race(b)`: the combinator drops the handle that loses.
        SyntaxKind::METHOD_CALL_EXPR => !ast::MethodCallExpr::cast(parent)
            .and_then(|m| m.name_ref())
            .is_some_and(|n| matches!(&*n.text(), "cancel" | "is_finished" | "task")),
        SyntaxKind::LET_STMT => {
            let Some(let_stmt) = ast::LetStmt::cast(parent) else {
                return false;
            };
            if let_stmt.initializer().is_none_or(|i| i.syntax() != &e) {
                return false;
            }
            match let_stmt.pat() {
                Some(ast::Pat::IdentPat(ip)) => ip.name().is_some_and(|n| {
                    let uses = later_uses(let_stmt.syntax(), n.text().as_ref());
                    !uses.is_empty() && !uses.iter().all(only_awaited)
                }),
                _ => false,
            }
        }
        SyntaxKind::ARG_LIST => {
            let dropped = parent.parent().and_then(ast::CallExpr::cast).is_some_and(|outer| {
                matches!(outer.expr(), Some(ast::Expr::PathExpr(pe)) if pe.syntax().text() == "drop")
                    && args(&outer).len() == 1
            });
            let collected = parent
                .parent()
                .and_then(ast::MethodCallExpr::cast)
                .is_some_and(|m| pushed_then_awaited(&m));
            !dropped && !collected
        }
        _ => true,
    }
}

/// `handles.push(spawn(..))` into a local whose every other use is a `for h in handles` loop
/// that only awaits `h` (or asks its length): each handle is awaited, none dropped before.
fn pushed_then_awaited(push: &ast::MethodCallExpr) -> bool {
    use ast::HasLoopBody;
    if push.name_ref().is_none_or(|n| n.text() != "push") {
        return false;
    }
    let Some(ast::Expr::PathExpr(recv)) = push.receiver() else {
        return false;
    };
    let name = recv.syntax().text().to_string();
    let Some(body) = push
        .syntax()
        .ancestors()
        .find(|a| a.kind() == SyntaxKind::FN || a.kind() == SyntaxKind::CLOSURE_EXPR)
    else {
        return false;
    };
    body.descendants()
        .filter_map(ast::NameRef::cast)
        .filter(|n| n.text() == name)
        .all(|n| {
            let Some(pe) = n.syntax().ancestors().find_map(ast::PathExpr::cast) else {
                return false;
            };
            let Some(parent) = pe.syntax().parent() else {
                return false;
            };
            if let Some(m) = ast::MethodCallExpr::cast(parent.clone()) {
                return m.receiver().is_some_and(|r| r.syntax() == pe.syntax())
                    && m.name_ref()
                        .is_some_and(|n| matches!(&*n.text(), "push" | "len" | "is_empty"));
            }
            let Some(for_expr) = ast::ForExpr::cast(parent) else {
                return false;
            };
            let Some(ast::Pat::IdentPat(ip)) = for_expr.pat() else {
                return false;
            };
            let (Some(var), Some(loop_body)) = (ip.name(), for_expr.loop_body()) else {
                return false;
            };
            let uses: Vec<ast::NameRef> = loop_body
                .syntax()
                .descendants()
                .filter_map(ast::NameRef::cast)
                .filter(|u| u.text() == var.text())
                .collect();
            for_expr
                .iterable()
                .is_some_and(|i| i.syntax() == pe.syntax())
                && !uses.is_empty()
                && uses.iter().all(only_awaited)
        })
}

fn stored(call: &SyntaxNode, acc: &mut Acc) {
    acc.findings.push(RawFinding::review(
        start(call),
        RULE,
        "the task handle is stored or passed on",
        "smol cancels a Task that is dropped before it is awaited (async-std detached it): make sure it is awaited, or call .detach()",
    ));
}

/// Name references to `name` after the `let` statement, in the rest of its block.
fn later_uses(let_stmt: &SyntaxNode, name: &str) -> Vec<ast::NameRef> {
    let Some(block) = let_stmt.parent() else {
        return Vec::new();
    };
    let after = let_stmt.text_range().end();
    block
        .descendants()
        .filter_map(ast::NameRef::cast)
        .filter(|n| n.syntax().text_range().start() >= after && n.text() == name)
        .collect()
}

/// `h.await` or `h.cancel().await`.
fn only_awaited(name: &ast::NameRef) -> bool {
    let Some(pe) = name
        .syntax()
        .ancestors()
        .find(|a| a.kind() == SyntaxKind::PATH_EXPR)
    else {
        return false;
    };
    let Some(parent) = pe.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::AWAIT_EXPR => true,
        SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(parent)
            .and_then(|m| m.name_ref())
            .is_some_and(|n| n.text() == "cancel" || n.text() == "is_finished"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_awaited_handle_needs_no_detach() {
        check_not_applicable(
            "detach-dropped-handle",
            r#"use async_std::task;

async fn serve() -> u8 {
    1
}

async fn run() -> u8 {
    let h = task::spawn(serve());
    h.await
}
"#,
        );
    }
}
