//! `async_std::println!` and its siblings (`print!`, `eprintln!`, `eprint!`). async-std's expand
//! to an async block that writes through its async stdout (or stderr) and flushes, panicking on
//! failure as std's do; smol has no such macros. std's write the same bytes to the same stream:
//! awaited at once, the call becomes std's macro. `println!` ends with a newline, which flushes
//! std's line-buffered stdout as async-std's flush did, and stderr is unbuffered; `print!`
//! without a newline gets the flush async-std did. A call that is not awaited at once was a lazy
//! future: it stays one (`async { std::println!(..); }`), printing when it is awaited.
//!
//! Before:
//! ```text
//! use async_std::println;
//!
//! async fn greet(name: &str) {
//!     println!("hello {name}").await;
//!     async_std::print!("> ").await;
//!     let later = async_std::eprintln!("done");
//!     later.await;
//! }
//! ```
//! After:
//! ```text
//! use std::println;
//!
//! async fn greet(name: &str) {
//!     println!("hello {name}");
//!     { std::print!("> "); std::io::Write::flush(&mut std::io::stdout()).expect("failed printing to stdout"); };
//!     let later = async { std::eprintln!("done"); };
//!     later.await;
//! }
//! ```

use super::{awaited, call_of_path, end, start, Acc, At, Ctx, Flow};
use ra_ap_syntax::ast;
use ra_ap_syntax::{AstNode, SyntaxKind};

const RULE: &str = "print-macros";

/// Entry: the macro call's path site; the row maps the path to std's macro.
pub(super) fn run(at: At<'_>, _ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    let Some(name) = site.canon.last() else {
        return Flow::Continue;
    };
    // The macro call as an expression: a call in the shadow tree, whose macro arguments are
    // parsed as code (see rewrite::macros), else the macro call itself.
    let expr = match call_of_path(&site.path) {
        Some(call) => call.syntax().clone(),
        None => {
            let Some(call) = site.path.syntax().parent().and_then(ast::MacroCall::cast) else {
                return Flow::Continue;
            };
            call.syntax()
                .parent()
                .filter(|p| p.kind() == SyntaxKind::MACRO_EXPR)
                .unwrap_or_else(|| call.syntax().clone())
        }
    };
    match awaited(&expr) {
        Some(aw) => {
            let Some(inner) = aw.expr() else {
                return Flow::Continue;
            };
            acc.edits
                .delete(end(inner.syntax())..end(aw.syntax()), RULE);
            if name == "print" {
                // std's stdout is line-buffered: the prompt async-std flushed out stays in the
                // buffer without this.
                acc.edits.insert(start(aw.syntax()), "{ ", RULE);
                acc.edits.insert(
                    end(aw.syntax()),
                    "; std::io::Write::flush(&mut std::io::stdout()).expect(\"failed printing to stdout\"); }",
                    RULE,
                );
            }
        }
        None => {
            acc.edits.insert(start(&expr), "async { ", RULE);
            acc.edits.insert(end(&expr), "; }", RULE);
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_eprint_awaited_in_an_expression() {
        check_rewrite(
            "print-macros",
            r#"async fn warn(n: u32) {
    if n > 1 {
        async_std::eprint!("{n} left").await
    }
}
"#,
            r#"async fn warn(n: u32) {
    if n > 1 {
        std::eprint!("{n} left")
    }
}
"#,
        );
    }

    #[test]
    fn std_println_is_left_alone() {
        check_not_applicable("print-macros", "fn main() {\n    println!(\"hi\");\n}\n");
    }
}
