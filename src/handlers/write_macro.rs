//! `write!` / `writeln!` on async writers. With async-std's `WriteExt` in scope, `write!(w, ..)`
//! called its `write_fmt`, a future that wrote and then flushed. futures-lite writers have no
//! `write_fmt`: the text is formatted first, then written and flushed.
//!
//! Before:
//! ```text
//! use async_std::net::TcpStream;
//! use async_std::prelude::*;
//!
//! async fn hello(mut stream: TcpStream, name: &str) -> std::io::Result<()> {
//!     writeln!(stream, "hello {}", name).await?;
//!     Ok(())
//! }
//! ```
//! After:
//! ```text
//! use smol::net::TcpStream;
//! use smol::io::AsyncWriteExt;
//!
//! async fn hello(mut stream: TcpStream, name: &str) -> std::io::Result<()> {
//!     (async { let mut text = format!("hello {}", name); text.push('\n'); stream.write_all(text.as_bytes()).await?; stream.flush().await }).await?;
//!     Ok(())
//! }
//! ```
//! The method itself, `stream.write_fmt(format_args!(..)).await`, is written out the same way
//! (`std::fmt::format` of the arguments).

use super::{awaited, file_uses, start};
use super::{range, Acc, Ctx};
use super::{At, Flow};
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "write-macro";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    if !file_uses(ctx, &crate::tables::smol_api().io_modules()) {
        return;
    }
    for call in ctx.nodes().iter().cloned().filter_map(ast::CallExpr::cast) {
        let Some(ast::Expr::PathExpr(callee)) = call.expr() else {
            continue;
        };
        let name = callee.syntax().text().to_string();
        if name != "write" && name != "writeln" {
            continue;
        }
        // Only macro calls (the shadow text turned `write!(` into `write (`).
        let after_name: usize = callee.syntax().text_range().end().into();
        if !ctx.src[after_name..].starts_with('!') {
            continue;
        }
        let Some(aw) = awaited(call.syntax()) else {
            continue;
        };
        let Some(list) = call.arg_list() else {
            continue;
        };
        let args: Vec<ast::Expr> = list.args().collect();
        let Some(w) = args.first() else { continue };
        let w_text = super::text_of(ctx, w.syntax());
        // The format arguments, as written.
        let fmt = match args.get(1) {
            Some(first) => {
                let from = start(first.syntax());
                let to: usize = list
                    .r_paren_token()
                    .map(|t| t.text_range().start().into())
                    .unwrap_or(from);
                ctx.src[from..to]
                    .trim_end()
                    .trim_end_matches(',')
                    .to_string()
            }
            None => "\"\"".to_string(),
        };
        let (binding, newline) = if name == "writeln" {
            ("let mut text", " text.push('\\n');")
        } else {
            ("let text", "")
        };
        let writer = if w_text.starts_with('&') {
            format!("({w_text})")
        } else {
            w_text.clone()
        };
        acc.edits.set_anchor(Some(start(call.syntax())));
        acc.edits.replace(
            range(aw.syntax()),
            written_out(&format!("{binding} = format!({fmt});{newline}"), &writer),
            RULE,
        );
        acc.traits.insert("smol::io::AsyncWriteExt".into());
    }
    write_fmt_calls(ctx, acc);
}

/// `w.write_fmt(format_args!(..)).await`, the method the macros call, written out: the same
/// formatting, then `write_all` and `flush`. Only awaited calls (std's `write_fmt` is not a
/// future) on a receiver that can be named twice (a path or a field).
fn write_fmt_calls(ctx: &Ctx<'_>, acc: &mut Acc) {
    for (mc, name) in super::method_calls(ctx) {
        if name != "write_fmt" {
            continue;
        }
        let args = super::args(&mc);
        let (Some(aw), Some(recv), [arg]) = (awaited(mc.syntax()), mc.receiver(), args.as_slice())
        else {
            continue;
        };
        if super::method_is(ctx, &mc, &["::WriteExt::write_fmt"]) == Some(false)
            || !matches!(recv, ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_))
        {
            continue;
        }
        let w = super::text_of(ctx, recv.syntax());
        let a = super::text_of(ctx, arg.syntax());
        acc.edits.set_anchor(Some(start(mc.syntax())));
        acc.edits.replace(
            range(aw.syntax()),
            written_out(&format!("let text = std::fmt::format({a});"), &w),
            RULE,
        );
        acc.traits.insert("smol::io::AsyncWriteExt".into());
    }
}

/// The awaited expression both forms become: `text` made by `make`, written and flushed.
fn written_out(make: &str, writer: &str) -> String {
    format!(
        "(async {{ {make} {writer}.write_all(text.as_bytes()).await?; {writer}.flush().await }}).await"
    )
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn write_to_a_string() {
        check_not_applicable(
            "write-macro",
            r#"use std::fmt::Write;

fn text() -> String {
    let mut s = String::new();
    write!(s, "x").unwrap();
    s
}
"#,
        );
    }
}
