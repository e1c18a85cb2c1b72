//! `task::sleep(d)` becomes `smol::Timer::after(d)`. A `Timer` resolves to an `Instant`, not `()`,
//! so where the awaited sleep was a value it is kept `()`-typed.
//!
//! Before:
//! ```text
//! use async_std::task;
//! use std::time::Duration;
//!
//! async fn pause(d: Duration) {
//!     task::sleep(d).await;
//! }
//!
//! async fn pause_or_not(x: Option<u8>, d: Duration) {
//!     match x {
//!         Some(_) => task::sleep(d).await,
//!         None => (),
//!     }
//! }
//! ```
//! After:
//! ```text
//! use std::time::Duration;
//!
//! async fn pause(d: Duration) {
//!     smol::Timer::after(d).await;
//! }
//!
//! async fn pause_or_not(x: Option<u8>, d: Duration) {
//!     match x {
//!         Some(_) => { smol::Timer::after(d).await; },
//!         None => (),
//!     }
//! }
//! ```

use super::At;
use super::{awaited, call_of_path, end, skip_parens_up, start, Flow};
use super::{Acc, Ctx};
use crate::resolve::PathSite;
use ra_ap_syntax::{AstNode, SyntaxKind};

/// Entry: the `task::sleep` path site.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    on_sleep(site, ctx, acc)
}

pub(super) fn on_sleep(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let rule = "sleep-to-timer";
    match awaited(call.syntax()) {
        Some(aw) => {
            let e = skip_parens_up(aw.syntax());
            match e.parent().map(|p| p.kind()) {
                Some(SyntaxKind::EXPR_STMT) => {}
                Some(SyntaxKind::STMT_LIST) => acc.edits.insert(end(&e), ";", rule),
                _ => {
                    acc.edits.insert(start(&e), "{ ", rule);
                    acc.edits.insert(end(&e), "; }", rule);
                }
            }
        }
        None => {
            // A sleep used as a future: keep its output `()` and its lazy start. Its argument
            // was evaluated at the call, before the future existed: an expression that can
            // have effects (or a `?`) is evaluated there still.
            let arg = super::args(&call).into_iter().next();
            match arg.filter(|a| {
                !matches!(
                    a,
                    ra_ap_syntax::ast::Expr::Literal(_) | ra_ap_syntax::ast::Expr::PathExpr(_)
                )
            }) {
                Some(a) => {
                    let text = super::text_of(ctx, a.syntax());
                    let (open, close) = if super::needs_parens(call.syntax()) {
                        ("(", ")")
                    } else {
                        ("", "")
                    };
                    acc.edits.insert(
                        start(call.syntax()),
                        format!("{open}{{ let dur = {text}; async move {{ "),
                        rule,
                    );
                    acc.edits.replace(super::range(a.syntax()), "dur", rule);
                    acc.edits
                        .insert(end(call.syntax()), format!(".await; }} }}{close}"), rule);
                }
                None => {
                    acc.edits
                        .insert(start(call.syntax()), "async move { ", rule);
                    acc.edits.insert(end(call.syntax()), ".await; }", rule);
                }
            }
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_sleep_kept_as_a_future_stays_lazy_and_unit_typed() {
        check_rewrite(
            "sleep-to-timer",
            r#"use async_std::task;
use std::time::Duration;

async fn later(d: Duration) {
    let f = task::sleep(d);
    f.await;
}
"#,
            r#"use std::time::Duration;

async fn later(d: Duration) {
    let f = async move { smol::Timer::after(d).await; };
    f.await;
}
"#,
        );
    }

    #[test]
    fn std_thread_sleep() {
        check_not_applicable(
            "sleep-to-timer",
            r#"use std::time::Duration;

fn pause(d: Duration) {
    std::thread::sleep(d);
}
"#,
        );
    }

    #[test]
    fn an_import_in_a_cfg_if_body_is_the_modules_and_stays_reported() {
        // cfg_if!'s branches bind in the module: read as a function body, `nap` would lose its
        // import while its use outside the macro stayed async-std's.
        check_findings(
            "sleep-to-timer",
            r#"cfg_if::cfg_if! {
    if #[cfg(unix)] {
        use async_std::task::sleep as nap;
    } else {
        use async_std::task::sleep as nap;
    }
}

async fn rest() {
    nap(std::time::Duration::from_millis(1)).await;
}
"#,
            "3:13 task-sleep: `async_std::task::sleep` inside a macro body cannot be rewritten safely\n5:13 task-sleep: `async_std::task::sleep` inside a macro body cannot be rewritten safely",
        );
    }
}
