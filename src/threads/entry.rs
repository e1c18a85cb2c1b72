//! Entry points on threads: `#[async_std::main]`, `#[async_std::test]` and `task::block_on`.
//!
//! Before:
//! ```text
//! use async_std::fs;
//!
//! #[async_std::main]
//! async fn main() -> std::io::Result<()> {
//!     let text = fs::read_to_string("in.txt").await?;
//!     println!("{}", text.len());
//!     Ok(())
//! }
//! ```
//! After:
//! ```text
//! use std::fs;
//!
//! fn main() -> std::io::Result<()> {
//!     let text = fs::read_to_string("in.txt")?;
//!     println!("{}", text.len());
//!     Ok(())
//! }
//! ```
//! An async block that uses `?` or `return`, or moves its captures (`async move`), becomes a
//! closure called at once (`(move || { .. })()`), so that both keep meaning what they meant.

use crate::handlers::{call_of_path, end, start, Acc, At, Ctx, Flow};
use crate::resolve::PathSite;
use crate::rewrite::imports::item_line_range;
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};

/// Entry: the attribute's path site (`threads-main`/`threads-test`) or `task::block_on`'s
/// (`threads-block-on`), as the row names it.
pub(crate) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, m) = at else {
        return Flow::Continue;
    };
    match m.rule.handler.as_deref() {
        Some("threads-block-on") => on_block_on(site, acc),
        Some(id) => on_attr(id, site, ctx, acc),
        None => Flow::Continue,
    }
}

pub(super) fn on_attr(handler: &str, site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(attr) = site.path.syntax().ancestors().find_map(ast::Attr::cast) else {
        return Flow::Continue;
    };
    if handler == "threads-main" {
        acc.edits
            .delete(item_line_range(ctx.src, attr.syntax()), handler);
    } else {
        acc.edits.replace(
            crate::handlers::range(attr.syntax()),
            "#[test]".to_string(),
            handler,
        );
    }
    Flow::Done
}

pub(super) fn on_block_on(site: &PathSite, acc: &mut Acc) -> Flow {
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let Some(arg) = call.arg_list().and_then(|l| l.args().next()) else {
        return Flow::Continue;
    };
    let (call_s, call_e) = (start(call.syntax()), end(call.syntax()));
    match &arg {
        ast::Expr::BlockExpr(be) if be.async_token().is_some() => {
            let Some(list) = be.stmt_list() else {
                return Flow::Continue;
            };
            let (body_s, body_e) = (start(list.syntax()), end(list.syntax()));
            if be.move_token().is_some() || escapes(list.syntax()) {
                let mv = if be.move_token().is_some() {
                    "move "
                } else {
                    ""
                };
                acc.edits
                    .replace(call_s..body_s, format!("({mv}|| "), "threads-block-on");
                acc.edits
                    .replace(body_e..call_e, ")()".to_string(), "threads-block-on");
            } else {
                acc.edits.delete(call_s..body_s, "threads-block-on");
                acc.edits.delete(body_e..call_e, "threads-block-on");
            }
        }
        _ => {
            acc.edits
                .delete(call_s..start(arg.syntax()), "threads-block-on");
            acc.edits
                .delete(end(arg.syntax())..call_e, "threads-block-on");
        }
    }
    Flow::Done
}

/// Whether a block's body leaves it by `?` or `return` (not counting nested closures and fns).
fn escapes(list: &SyntaxNode) -> bool {
    fn walk(n: &SyntaxNode) -> bool {
        n.children().any(|c| match c.kind() {
            SyntaxKind::TRY_EXPR | SyntaxKind::RETURN_EXPR => true,
            SyntaxKind::CLOSURE_EXPR | SyntaxKind::FN => false,
            SyntaxKind::BLOCK_EXPR
                if ast::BlockExpr::cast(c.clone()).is_some_and(|b| b.async_token().is_some()) =>
            {
                false
            }
            _ => walk(&c),
        })
    }
    walk(list)
}

#[cfg(test)]
mod check_tests {
    use crate::handlers::check::*;

    #[test]
    fn a_test_becomes_a_plain_test() {
        check_rewrite(
            "threads-test",
            r#"#[async_std::test]
async fn works() {
    assert_eq!(answer().await, 42);
}

async fn answer() -> u32 {
    42
}
"#,
            r#"#[test]
fn works() {
    assert_eq!(answer(), 42);
}

fn answer() -> u32 {
    42
}
"#,
        );
    }

    #[test]
    fn a_sync_main_is_left_alone() {
        check_not_applicable(
            "threads-main",
            r#"fn main() {
    println!("sync");
}
"#,
        );
    }
}
