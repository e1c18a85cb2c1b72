//! Standard streams. async-std's `stdin()`/`stdout()`/`stderr()` ran each call on the blocking
//! pool; smol's `Unblock` reads ahead (a second `Unblock<Stdin>` loses what the first read ahead)
//! and loses unflushed writes on drop.
//!
//! Before:
//! ```text
//! use async_std::io;
//! use async_std::prelude::*;
//!
//! async fn greet() -> io::Result<()> {
//!     let mut out = io::stdout();
//!     out.write_all(b"hi\n").await?;
//!     Ok(())
//! }
//! ```
//! After:
//! ```text
//! use smol::io;
//! use smol::prelude::*;
//!
//! async fn greet() -> io::Result<()> {
//!     let mut out = smol::Unblock::new(std::io::stdout());
//!     out.write_all(b"hi\n").await?;
//!     out.flush().await?;
//!     Ok(())
//! }
//! ```
//! `read_line` reads through std's (shared, buffered) stdin on smol's blocking pool, which appends
//! like async-std and never loses input. Other uses of stdin become one `Unblock` (reported: create
//! it once). The same file pass keeps `read_line`/`read_to_string` appending on other readers:
//! futures-lite overwrites a non-empty buffer where async-std appended.

use super::At;
use super::{args, awaited, call_of_path, end, file_flush as flush, file_uses, start, Flow};
use super::{range, Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use ra_ap_syntax::ast::{self, HasName};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};

/// Entry: the `stdin()`/`stdout()`/`stderr()` path site, and a file pass for reads and writes.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    match at {
        At::Path(site, _) => on_stdio(site, ctx, acc),
        At::File => {
            pass(ctx, acc);
            Flow::Continue
        }
    }
}

const RULE: &str = "stdio-unblock";

/// The block that reads a line as async-std did.
fn read_line_via_std(arg: &str) -> String {
    format!(
        "{{ let buf: &mut String = {arg}; let mut line = std::mem::take(buf); \
         let (line, r) = smol::unblock(move || {{ let r = std::io::stdin().read_line(&mut line); (line, r) }}).await; \
         *buf = line; r }}"
    )
}

/// `recv.read_line(arg).await` on a stdin value: the whole `.await` expression.
fn stdin_read_line(expr: &SyntaxNode, ctx: &Ctx<'_>) -> Option<(std::ops::Range<usize>, String)> {
    let mc = ast::MethodCallExpr::cast(super::skip_parens_up(expr).parent()?)?;
    if mc.name_ref()?.text() != "read_line" {
        return None;
    }
    let a = args(&mc);
    let [arg] = a.as_slice() else { return None };
    let aw = awaited(mc.syntax())?;
    Some((
        range(aw.syntax()),
        // In parentheses where the `.await` it replaces needs them (`(..)?`).
        super::block_in_place_of(
            aw.syntax(),
            read_line_via_std(&super::text_of(ctx, arg.syntax())),
        ),
    ))
}

pub(super) fn on_stdio(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let c = site.canon.join("::");
    let which = match c.as_str() {
        "async_std::io::stdin" => "stdin",
        "async_std::io::stdout" => "stdout",
        "async_std::io::stderr" => "stderr",
        _ => return Flow::Continue,
    };
    let Some(call) = call_of_path(&site.path) else {
        acc.findings.push(RawFinding::not_migrated(
            start(site.path.syntax()),
            RULE,
            format!("`{which}` is used other than as a call"),
            format!("use smol::Unblock::new(std::io::{which}()) by hand"),
        ));
        return Flow::Done;
    };
    let unblock = format!("smol::Unblock::new(std::io::{which}())");
    if which == "stdin" {
        if let Some((r, t)) = stdin_read_line(call.syntax(), ctx) {
            acc.edits.replace(r, t, RULE);
            return Flow::Done;
        }
        if let Some((let_stmt, name)) = bound_by_let(call.syntax()) {
            let uses = later_uses(&let_stmt, &name);
            let rewrites: Vec<_> = uses
                .iter()
                .filter_map(|u| stdin_read_line(u, ctx))
                .collect();
            if !uses.is_empty() && rewrites.len() == uses.len() {
                for (r, t) in rewrites {
                    acc.edits.replace(r, t, RULE);
                }
                acc.edits.delete(
                    crate::rewrite::imports::item_line_range(ctx.src, &let_stmt),
                    RULE,
                );
                return Flow::Done;
            }
        }
        acc.edits.replace(range(call.syntax()), unblock, RULE);
        acc.findings.push(RawFinding::review(
            start(call.syntax()),
            RULE,
            "stdin became a smol::Unblock, which reads ahead",
            "create it once and keep it: a second Unblock<Stdin> loses what the first one read ahead",
        ));
        return Flow::Done;
    }
    // stdout / stderr
    if let Some((let_stmt, name)) = bound_by_let(call.syntax()) {
        acc.edits.replace(range(call.syntax()), unblock, RULE);
        if let Some(ast::Pat::IdentPat(ip)) =
            ast::LetStmt::cast(let_stmt.clone()).and_then(|l| l.pat())
        {
            if ip.mut_token().is_none() {
                if let Some(n) = ip.name() {
                    acc.edits.insert(start(n.syntax()), "mut ", RULE);
                }
            }
        }
        flush::flush_after_last_write(
            ctx,
            acc,
            &let_stmt,
            &name,
            RULE,
            &format!("{which} (a smol::Unblock)"),
        );
        return Flow::Done;
    }
    let recv = super::skip_parens_up(call.syntax());
    if let Some(mc) = recv.parent().and_then(ast::MethodCallExpr::cast) {
        let m = mc
            .name_ref()
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        // `stdout().flush().await`: the flush is all there is to do, once.
        if m == "flush" && awaited(mc.syntax()).is_some() {
            acc.edits.replace(range(call.syntax()), unblock, RULE);
            acc.traits.insert("smol::io::AsyncWriteExt".into());
            return Flow::Done;
        }
        if let (true, Some(aw)) = (
            matches!(m.as_str(), "write_all" | "write"),
            awaited(mc.syntax()),
        ) {
            acc.edits.replace(
                range(call.syntax()),
                format!("(async {{ let mut out = {unblock}; let r = out"),
                RULE,
            );
            acc.edits.insert(
                end(aw.syntax()),
                "; let f = out.flush().await; r.and_then(|v| f.map(|()| v)) }).await",
                RULE,
            );
            acc.traits.insert("smol::io::AsyncWriteExt".into());
            return Flow::Done;
        }
    }
    acc.edits.replace(range(call.syntax()), unblock, RULE);
    acc.findings.push(RawFinding::review(
        start(call.syntax()),
        RULE,
        format!("{which} became a smol::Unblock, which loses unflushed writes when dropped"),
        "flush it before it is dropped",
    ));
    Flow::Done
}

/// `let [mut] name = <expr>;` where `expr` is the initializer.
fn bound_by_let(expr: &SyntaxNode) -> Option<(SyntaxNode, String)> {
    let e = super::skip_parens_up(expr);
    let l = ast::LetStmt::cast(e.parent()?)?;
    if l.initializer()?.syntax() != &e {
        return None;
    }
    let ast::Pat::IdentPat(ip) = l.pat()? else {
        return None;
    };
    Some((l.syntax().clone(), ip.name()?.text().to_string()))
}

/// The path expressions naming `name` after `let_stmt` in its block.
fn later_uses(let_stmt: &SyntaxNode, name: &str) -> Vec<SyntaxNode> {
    let Some(block) = let_stmt.parent() else {
        return Vec::new();
    };
    let after = let_stmt.text_range().end();
    block
        .descendants()
        .filter_map(ast::PathExpr::cast)
        .filter(|p| p.syntax().text_range().start() >= after && p.syntax().text() == name)
        .map(|p| p.syntax().clone())
        .collect()
}

/// `read_line`/`read_to_string` on other async readers keep async-std's append semantics.
pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(ctx, &crate::tables::smol_api().io_modules()) {
        return;
    }
    for (mc, name) in super::method_calls(ctx) {
        if name != "read_line" && name != "read_to_string" {
            continue;
        }
        let a = args(&mc);
        let [arg] = a.as_slice() else { continue };
        let Some(aw) = awaited(mc.syntax()) else {
            continue;
        };
        if acc.edits.touches(range(aw.syntax())) {
            continue; // stdin, handled above
        }
        // What syntax tells first: a read into an empty buffer needs nothing.
        let Some(buf) = buffer_name(arg) else {
            continue;
        };
        if cleared_before(&mc, &buf) {
            continue;
        }
        if super::method_is(
            ctx,
            &mc,
            &[&format!("BufReadExt::{name}"), &format!("ReadExt::{name}")],
        ) == Some(false)
        {
            continue;
        }
        let Some(recv) = mc.receiver() else { continue };
        acc.edits.set_anchor(Some(start(mc.syntax())));
        let arg_text = super::text_of(ctx, arg.syntax());
        // Parentheses only where the block would otherwise not parse or start a statement (an
        // argument, a `let` takes it bare: `unused_parens` otherwise).
        let (open, close) = if super::needs_parens(aw.syntax()) {
            ("(", ")")
        } else {
            ("", "")
        };
        acc.edits.insert(
            start(recv.syntax()),
            format!(
                "{open}{{ let buf: &mut String = {arg_text}; let mut tmp = String::new(); let r = "
            ),
            "read-append",
        );
        acc.edits
            .replace(range(arg.syntax()), "&mut tmp", "read-append");
        acc.edits.insert(
            end(aw.syntax()),
            format!("; buf.push_str(&tmp); r }}{close}"),
            "read-append",
        );
    }
}

/// `&mut line` -> `line`
fn buffer_name(arg: &ast::Expr) -> Option<String> {
    let ast::Expr::RefExpr(r) = arg else {
        return None;
    };
    r.mut_token()?;
    let ast::Expr::PathExpr(p) = r.expr()? else {
        return None;
    };
    Some(p.syntax().text().to_string())
}

/// The buffer is empty when the read starts: `buf.clear();` right before it, or a fresh
/// `let mut buf = String::new();` earlier in the same block with nothing else reading into it.
fn cleared_before(mc: &ast::MethodCallExpr, buf: &str) -> bool {
    let Some(stmt) = super::enclosing_stmt(mc.syntax()) else {
        return false;
    };
    let mut prev = stmt.prev_sibling();
    while let Some(p) = prev {
        let text = p.text().to_string();
        if text.contains(buf) {
            let t = text.replace(' ', "");
            return t.starts_with(&format!("{buf}.clear()"))
                || (p.kind() == SyntaxKind::LET_STMT
                    && (t.contains(&format!("mut{buf}=String::new()"))
                        || t.contains(&format!("mut{buf}=String::with_capacity"))));
        }
        prev = p.prev_sibling();
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_read_line_into_a_fresh_buffer_is_not_asked_about() {
        // Appending to an empty `String` is reading into it: the syntax says so before types
        // would (only the trait import asks, once).
        let src = "use async_std::io::prelude::*;\n\
            async fn first(r: async_std::io::BufReader<async_std::net::TcpStream>) -> std::io::Result<String> {\n    \
                let mut reader = r;\n    \
                let mut line = String::new();\n    \
                reader.read_line(&mut line).await?;\n    \
                Ok(line)\n}\n";
        let oracle = Asked::default();
        migrate_asking(src, crate::handlers::HandlerTarget::Smol, "2021", &oracle);
        assert_eq!(oracle.0.into_inner(), vec!["reader.read_line(&mut line)"]);
    }

    #[test]
    fn an_append_in_a_macro_argument_takes_no_parentheses() {
        check_rewrite_by(
            &["stdio-unblock", "read-append"],
            r#"use async_std::io::ReadExt;

async fn all(mut r: &[u8]) -> String {
    let mut s = String::from(">");
    must!(r.read_to_string(&mut s).await);
    let n = r.read_to_string(&mut s).await.unwrap();
    format!("{s}{n}")
}
"#,
            r#"use smol::io::AsyncReadExt;

async fn all(mut r: &[u8]) -> String {
    let mut s = String::from(">");
    must!({ let buf: &mut String = &mut s; let mut tmp = String::new(); let r = r.read_to_string(&mut tmp).await; buf.push_str(&tmp); r });
    let n = ({ let buf: &mut String = &mut s; let mut tmp = String::new(); let r = r.read_to_string(&mut tmp).await; buf.push_str(&tmp); r }).unwrap();
    format!("{s}{n}")
}
"#,
        );
    }

    #[test]
    fn read_line_on_stdin_appends_through_std_on_the_blocking_pool() {
        check_rewrite(
            "stdio-unblock",
            r#"use async_std::io;

async fn ask() -> io::Result<String> {
    let mut line = String::new();
    io::stdin().read_line(&mut line).await?;
    Ok(line)
}
"#,
            r#"use smol::io;

async fn ask() -> io::Result<String> {
    let mut line = String::new();
    ({ let buf: &mut String = &mut line; let mut line = std::mem::take(buf); let (line, r) = smol::unblock(move || { let r = std::io::stdin().read_line(&mut line); (line, r) }).await; *buf = line; r })?;
    Ok(line)
}
"#,
        );
    }

    #[test]
    fn a_flush_of_stdout_is_one_flush() {
        check_rewrite(
            "stdio-unblock",
            r#"use async_std::io::{self, WriteExt};

async fn prompt() -> io::Result<()> {
    io::stdout().flush().await?;
    Ok(())
}
"#,
            r#"use smol::io::{self, AsyncWriteExt};

async fn prompt() -> io::Result<()> {
    smol::Unblock::new(std::io::stdout()).flush().await?;
    Ok(())
}
"#,
        );
    }

    #[test]
    fn std_stdout() {
        check_not_applicable(
            "stdio-unblock",
            r#"use std::io::Write;

fn greet() -> std::io::Result<()> {
    std::io::stdout().write_all(b"hi\n")
}
"#,
        );
    }

    #[test]
    fn a_read_line_of_the_crates_own_is_left_alone_without_types() {
        check_not_applicable(
            "read-append",
            r#"use async_std::io::BufReader;
use async_std::prelude::*;

struct Lines;

impl Lines {
    async fn read_line(&mut self, buf: &mut Vec<u8>) -> usize {
        buf.push(b'x');
        1
    }
}

async fn first(r: &mut BufReader<&[u8]>, l: &mut Lines) -> usize {
    let mut v = Vec::new();
    let mut s = String::from("kept ");
    r.read_line(&mut s).await.unwrap();
    l.read_line(&mut v).await
}
"#,
        );
    }
}
