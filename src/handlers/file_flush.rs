//! Flush on drop. async-std's `File` flushed its write cache in `Drop`; async-fs has no `Drop`
//! and loses what was not flushed. A file bound by `let` and written in that block gets a
//! `flush().await` after the statement that writes it last, handling errors as that write did
//! (`?`, `.unwrap()`, `.expect(..)`; otherwise ignored, as async-std's `Drop` ignored them).
//!
//! Before:
//! ```text
//! use async_std::fs::File;
//! use async_std::prelude::*;
//!
//! async fn save(data: &[u8]) -> std::io::Result<()> {
//!     let mut f = File::create("out.txt").await?;
//!     f.write_all(data).await?;
//!     Ok(())
//! }
//! ```
//! After:
//! ```text
//! use smol::fs::File;
//! use smol::prelude::*;
//!
//! async fn save(data: &[u8]) -> std::io::Result<()> {
//!     let mut f = File::create("out.txt").await?;
//!     f.write_all(data).await?;
//!     f.flush().await?;
//!     Ok(())
//! }
//! ```
//! A file that is moved elsewhere (returned, passed by value, stored) is reported instead.

use super::At;
use super::{
    awaited, call_of_path, enclosing_stmt, end, error_suffix, indent_of, skip_parens_up, start,
    Flow,
};
use super::{Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use ra_ap_syntax::ast::{self, HasName};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};

/// Entry: the `File` path site; a raw-descriptor conversion there is [`super::raw_fd`]'s first.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    super::raw_fd::on_path(site, ctx, acc);
    on_file(site, ctx, acc)
}

const RULE: &str = "file-flush-on-drop";

pub(super) fn on_file(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let c = site.canon.join("::");
    if c != "async_std::fs::File::create" && c != "async_std::fs::File::open" {
        return Flow::Continue;
    }
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    if written_as_temporary(&call, ctx, acc) {
        return Flow::Continue;
    }
    let Some(let_stmt) = enclosing_stmt(call.syntax()).and_then(ast::LetStmt::cast) else {
        return Flow::Continue;
    };
    let Some(ast::Pat::IdentPat(ip)) = let_stmt.pat() else {
        return Flow::Continue;
    };
    let Some(name) = ip.name().map(|n| n.text().to_string()) else {
        return Flow::Continue;
    };
    flush_after_last_write(ctx, acc, let_stmt.syntax(), &name, RULE, "a File");
    Flow::Continue
}

/// `File::create(p).await?.write_all(b).await`: the file is a temporary, dropped at the end of the
/// statement without a flush. The write becomes a block that flushes before the file is dropped:
/// `(async { let mut file = ..; let r = file.write_all(b).await; let f = file.flush().await;
/// r.and_then(|v| f.map(|()| v)) }).await` (the write's error first, as before, then the flush's).
fn written_as_temporary(call: &ast::CallExpr, ctx: &Ctx<'_>, acc: &mut Acc) -> bool {
    // Up through `.await`, `?`, parentheses, `.unwrap()`/`.expect(..)` and one-argument macros
    // such as `t!(..)` (calls in the shadow text).
    let mut e = call.syntax().clone();
    loop {
        let Some(p) = e.parent() else { return false };
        let next = match p.kind() {
            SyntaxKind::AWAIT_EXPR | SyntaxKind::TRY_EXPR | SyntaxKind::PAREN_EXPR => {
                Some(p.clone())
            }
            SyntaxKind::METHOD_CALL_EXPR => {
                let mc = ast::MethodCallExpr::cast(p.clone()).unwrap();
                let m = mc
                    .name_ref()
                    .map(|n| n.text().to_string())
                    .unwrap_or_default();
                if mc.receiver().is_some_and(|r| r.syntax() == &e) {
                    if m == "unwrap" || m == "expect" {
                        Some(p.clone())
                    } else if crate::tables::smol_api().file_writes.contains(m.as_str()) {
                        let Some(aw) = awaited(mc.syntax()) else {
                            return false;
                        };
                        let recv = super::text_of(ctx, &e);
                        let name_start = mc
                            .name_ref()
                            .map(|n| super::start(n.syntax()))
                            .unwrap_or(end(&e));
                        let call_rest = &ctx.src[name_start..end(mc.syntax())];
                        acc.edits.replace(
                            super::range(aw.syntax()),
                            format!(
                                "(async {{ let mut file = {recv}; let r = file.{call_rest}.await; let f = file.flush().await; r.and_then(|v| f.map(|()| v)) }}).await"
                            ),
                            RULE,
                        );
                        acc.traits.insert("smol::io::AsyncWriteExt".into());
                        return true;
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
            SyntaxKind::ARG_LIST => {
                let outer = p.parent().and_then(ast::CallExpr::cast);
                let is_macro = outer
                    .as_ref()
                    .and_then(|c| c.expr())
                    .is_some_and(|callee| ctx.src[end(callee.syntax())..].starts_with('!'));
                if is_macro && super::args(outer.as_ref().unwrap()).len() == 1 {
                    outer.map(|c| c.syntax().clone())
                } else {
                    None
                }
            }
            _ => None,
        };
        match next {
            Some(n) => e = n,
            None => return false,
        }
    }
}

/// Inserts `name.flush().await` after the last statement of the let's block that writes to
/// `name`, unless it is flushed after that already. Reports a value that escapes the block.
pub(super) fn flush_after_last_write(
    ctx: &Ctx<'_>,
    acc: &mut Acc,
    let_stmt: &SyntaxNode,
    name: &str,
    rule: &str,
    what: &str,
) {
    let Some(block) = let_stmt.parent() else {
        return;
    };
    let after = let_stmt.text_range().end();
    let mut last_write: Option<(SyntaxNode, Option<ast::AwaitExpr>)> = None;
    let mut last_flush_end = None;
    let mut escapes = false;
    let mut dropped_at: Option<SyntaxNode> = None;
    for nr in block.descendants().filter_map(ast::NameRef::cast) {
        if nr.syntax().text_range().start() < after || nr.text() != name {
            continue;
        }
        let Some(pe) = nr
            .syntax()
            .ancestors()
            .find(|a| a.kind() == SyntaxKind::PATH_EXPR)
        else {
            continue;
        };
        let target = skip_parens_up(&pe);
        let parent = target.parent();
        if let Some(mc) = parent.clone().and_then(ast::MethodCallExpr::cast) {
            if mc.receiver().is_some_and(|r| r.syntax() == &target) {
                let m = mc
                    .name_ref()
                    .map(|n| n.text().to_string())
                    .unwrap_or_default();
                if crate::tables::smol_api().file_writes.contains(m.as_str()) {
                    last_write = Some((mc.syntax().clone(), awaited(mc.syntax())));
                } else if crate::tables::smol_api().file_flushes.contains(m.as_str()) {
                    last_flush_end = Some(mc.syntax().text_range().end());
                }
                continue;
            }
        }
        if let Some(drop_stmt) = parent.as_ref().and_then(|p| explicit_drop(p)) {
            dropped_at.get_or_insert(drop_stmt);
            continue;
        }
        match parent.map(|p| p.kind()) {
            Some(SyntaxKind::REF_EXPR) => {}
            Some(SyntaxKind::MACRO_CALL) | Some(SyntaxKind::TOKEN_TREE) => {}
            Some(SyntaxKind::STMT_LIST)
            | Some(SyntaxKind::RETURN_EXPR)
            | Some(SyntaxKind::ARG_LIST)
            | Some(SyntaxKind::RECORD_EXPR_FIELD) => escapes = true,
            _ => {}
        }
    }
    // write!(f, ..) in the block (macro arguments are token trees).
    for mac in block.descendants().filter_map(ast::MacroCall::cast) {
        if mac.syntax().text_range().start() < after {
            continue;
        }
        let is_write = mac
            .path()
            .is_some_and(|p| matches!(p.syntax().text().to_string().as_str(), "write" | "writeln"));
        let first_arg = mac
            .token_tree()
            .map(|t| t.syntax().text().to_string())
            .unwrap_or_default();
        if is_write
            && first_arg
                .trim_start_matches('(')
                .trim_start()
                .starts_with(name)
        {
            last_write = Some((mac.syntax().clone(), awaited(mac.syntax())));
        }
    }
    let Some((write, write_await)) = last_write else {
        return;
    };
    if last_flush_end.is_some_and(|f| f > write.text_range().end()) {
        return;
    }
    if escapes {
        acc.findings.push(RawFinding::review(
            start(let_stmt),
            rule,
            format!("{what} is written and then moved on: smol does not flush it when it is dropped (async-std did)"),
            format!("call `{name}.flush().await` before it is dropped"),
        ));
        return;
    }
    let Some(stmt) = write
        .ancestors()
        .find(|a| a.parent().as_ref() == Some(&block))
    else {
        return;
    };
    if stmt.kind() != SyntaxKind::EXPR_STMT && stmt.kind() != SyntaxKind::LET_STMT {
        if !stmt.ancestors().any(|a| a.kind() == SyntaxKind::EXPR_STMT)
            && block.kind() == SyntaxKind::STMT_LIST
        {
            // The last write is the block's tail expression: its value is the block's value.
            acc.findings.push(RawFinding::review(
                start(&write),
                rule,
                format!("{what} is written in the tail expression of its block and then dropped unflushed"),
                format!("call `{name}.flush().await` before the end of the block"),
            ));
            return;
        }
    }
    let suffix = write_await.as_ref().and_then(|aw| error_suffix(ctx, aw));
    let ind = indent_of(ctx.src, &stmt);
    let flush = match suffix {
        Some(s) => format!("{name}.flush().await{s};"),
        None => format!("let _ = {name}.flush().await;"),
    };
    match dropped_at.filter(|d| {
        d.text_range().start() >= stmt.text_range().end() && d.parent().as_ref() == Some(&block)
    }) {
        // `drop(f)` is where async-std flushed: flush right before it.
        Some(d) => acc.edits.insert(
            start(&d),
            format!("{flush}\n{}", indent_of(ctx.src, &d)),
            rule,
        ),
        None => acc
            .edits
            .insert(end(&stmt), format!("\n{ind}{flush}"), rule),
    }
    acc.traits.insert("smol::io::AsyncWriteExt".into());
}

/// The statement `drop(name);` when `arg_list_parent` is the argument list of such a call.
fn explicit_drop(arg_list_parent: &SyntaxNode) -> Option<SyntaxNode> {
    if arg_list_parent.kind() != SyntaxKind::ARG_LIST {
        return None;
    }
    let call = ast::CallExpr::cast(arg_list_parent.parent()?)?;
    if call.expr()?.syntax().text() != "drop" {
        return None;
    }
    let stmt = call.syntax().parent()?;
    (stmt.kind() == SyntaxKind::EXPR_STMT).then_some(stmt)
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_file_only_read_gets_no_flush() {
        check_not_applicable(
            "file-flush-on-drop",
            r#"use async_std::fs::File;
use async_std::prelude::*;

async fn load(p: &str) -> std::io::Result<String> {
    let mut f = File::open(p).await?;
    let mut s = String::new();
    f.read_to_string(&mut s).await?;
    Ok(s)
}
"#,
        );
    }

    #[test]
    fn a_file_moved_on_is_reported() {
        check_findings(
            "file-flush-on-drop",
            r#"use async_std::fs::File;
use async_std::prelude::*;

async fn open_log() -> std::io::Result<File> {
    let mut f = File::create("log").await?;
    f.write_all(b"x").await?;
    Ok(f)
}
"#,
            "5:5 file-flush-on-drop: a File is written and then moved on: smol does not flush it when it is dropped (async-std did)",
        );
    }
}
