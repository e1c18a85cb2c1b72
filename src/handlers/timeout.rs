//! `future::timeout(d, f)` and `io::timeout(d, f)` have no smol function: they become an `or` race
//! of the future (polled first, as async-std did) against a `smol::Timer`, both evaluated eagerly
//! in the same order. The error is a `std::io::Error` of kind `TimedOut` carrying async-std's
//! message, so `?` into `io::Error`, `anyhow` or `Box<dyn Error>` and `.is_err()` keep working.
//!
//! Before:
//! ```text
//! use async_std::future;
//! use std::time::Duration;
//!
//! async fn work() -> u8 {
//!     1
//! }
//!
//! async fn bounded() -> bool {
//!     future::timeout(Duration::from_secs(1), work()).await.is_ok()
//! }
//! ```
//! After:
//! ```text
//! use std::time::Duration;
//!
//! async fn work() -> u8 {
//!     1
//! }
//!
//! async fn bounded() -> bool {
//!     ({ let dur = Duration::from_secs(1); let fut = work(); smol::future::FutureExt::or(async move { Ok::<_, std::io::Error>(fut.await) }, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "future has timed out")) }) }).await.is_ok()
//! }
//! ```

use super::At;
use super::{args, call_of_path, end, start, Flow};
use super::{Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use ra_ap_syntax::{ast, AstNode};

/// Entry: the `future::timeout`/`io::timeout` path site.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    on_timeout(site, ctx, acc)
}

/// The race for `future::timeout` (the future's output is wrapped in `Ok`). In a crate that
/// names `TimeoutError` it fails with the crate's own type (see `timeout_error.rs`).
pub(super) fn future_race_tail(ctx: &Ctx<'_>) -> String {
    let own = ctx
        .generated
        .item_for(&["async_std".into(), "future".into(), "TimeoutError".into()]);
    match own {
        Some(t) => format!("; smol::future::FutureExt::or(async move {{ Ok::<_, {t}>(fut.await) }}, async move {{ let _ = smol::Timer::after(dur).await; Err({t} {{ _private: () }}) }}) }})"),
        None => "; smol::future::FutureExt::or(async move { Ok::<_, std::io::Error>(fut.await) }, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, \"future has timed out\")) }) })".to_string(),
    }
}

/// The tail of the race block for a timeout call (`; ... })`, closing the `({` its head opens).
pub(crate) fn tail(ctx: &Ctx<'_>, io: bool) -> String {
    if io {
        io_race_tail().to_string()
    } else {
        future_race_tail(ctx)
    }
}

/// The race for `io::timeout` (the future already yields `io::Result`).
fn io_race_tail() -> &'static str {
    "; smol::future::FutureExt::or(fut, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, \"future timed out\")) }) })"
}

pub(super) fn on_timeout(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let io = site.canon.join("::") == "async_std::io::timeout";
    let rule = "timeout-to-or";
    let Some(call) = call_of_path(&site.path) else {
        acc.findings.push(RawFinding::not_migrated(
            start(site.path.syntax()),
            rule,
            "timeout is used other than as a direct call",
            "call it directly, or write the `or` race with smol::Timer by hand",
        ));
        return Flow::Done;
    };
    let a = args(&call);
    let [d, f] = a.as_slice() else {
        return Flow::Done;
    };
    // A block needs parentheses only where a postfix follows (`.await`, `?`) or where it would
    // start a statement; elsewhere they are an `unused_parens` warning.
    let parens = super::needs_parens(call.syntax());
    acc.edits.replace(
        start(call.syntax())..start(d.syntax()),
        if parens {
            "({ let dur = "
        } else {
            "{ let dur = "
        },
        rule,
    );
    // `&mut stream.next()`: a temporary borrowed for the whole call, which `let fut = &mut ..`
    // would drop at the end of its statement (E0716). The race owns it instead (it was dropped
    // once the call's statement ended; the race drops it when it ends, no later).
    let fut_start = match f {
        ast::Expr::RefExpr(r)
            if r.mut_token().is_some() && r.expr().is_some_and(|e| temporary(&e)) =>
        {
            start(r.expr().unwrap().syntax())
        }
        _ => start(f.syntax()),
    };
    let tail = if io {
        io_race_tail().to_string()
    } else {
        future_race_tail(ctx)
    };
    let tail: &str = if parens {
        &tail
    } else {
        &tail[..tail.len() - 1]
    };
    if fut_start == start(f.syntax()) && evaluated_in_the_race(f) {
        // `reqwest::get(&server.uri())`: the future borrows a temporary of the call's
        // statement, which `let fut = ..` would drop at the end of its own (E0716). The race's
        // first arm evaluates it instead, where it is polled (creating a future runs none of
        // it; the timer starts at the same first poll), and keeps the temporary for as long.
        let (head, rest) = race_around(tail, io);
        acc.edits.replace(end(d.syntax())..fut_start, head, rule);
        acc.edits
            .replace(end(f.syntax())..end(call.syntax()), rest, rule);
        return Flow::Done;
    }
    acc.edits
        .replace(end(d.syntax())..fut_start, "; let fut = ", rule);
    acc.edits
        .replace(end(f.syntax())..end(call.syntax()), tail, rule);
    Flow::Done
}

/// The race's `tail` (see [`tail`]) split where the future's own expression goes when it is
/// written inside the race ([`evaluated_in_the_race`]): what comes before it (from `; ` on) and
/// after it.
pub(super) fn race_around(tail: &str, io: bool) -> (String, String) {
    let (head, rest) = tail.split_once("(fut").expect("the race names `fut`");
    if io {
        (format!("{head}(async {{ "), format!(".await }}{rest}"))
    } else {
        (
            format!("{head}(").replacen("async move {", "async {", 1),
            rest.to_string(),
        )
    }
}

/// Whether a timeout's future is written inside the race (evaluated where it is polled), not
/// bound by `let fut = ..`: it borrows a temporary, which that statement would drop, and
/// evaluating it inside an async block changes nothing else.
pub(super) fn evaluated_in_the_race(f: &ast::Expr) -> bool {
    borrows_a_temporary(f) && !leaves_its_block(f)
}

/// A duration written without effects (a literal, a name, `Duration::from_secs(..)` of those):
/// evaluating it before the future's expression instead of after changes nothing.
pub(super) fn plain_duration(d: &ast::Expr) -> bool {
    !leaves_its_block(d)
        && d.syntax().descendants().all(|n| {
            !ast::MethodCallExpr::can_cast(n.kind())
                && ast::CallExpr::cast(n).is_none_or(|c| {
                    c.expr()
                        .is_some_and(|p| p.syntax().text().to_string().contains("Duration::"))
                })
        })
}

/// Whether the expression borrows a temporary (`&x.uri()`, `&format!(..)`) outside a closure or
/// an async block of its own.
fn borrows_a_temporary(e: &ast::Expr) -> bool {
    e.syntax()
        .descendants()
        .filter_map(ast::RefExpr::cast)
        .filter(|r| {
            !r.syntax()
                .ancestors()
                .take_while(|a| a != e.syntax())
                .any(|a| {
                    ast::ClosureExpr::can_cast(a.kind())
                        || ast::BlockExpr::cast(a).is_some_and(|b| b.async_token().is_some())
                })
        })
        .any(|r| r.expr().is_some_and(|x| temporary(&x)))
}

/// Whether evaluating the expression can leave the enclosing function or loop (`?`, `return`,
/// `break`, `continue`), or hides tokens that might (a macro): inside an async block it would
/// leave the block instead.
fn leaves_its_block(e: &ast::Expr) -> bool {
    use ra_ap_syntax::SyntaxKind as K;
    // The standard library's value macros leave nothing.
    const PLAIN: [&str; 4] = ["format", "vec", "concat", "stringify"];
    e.syntax()
        .descendants_with_tokens()
        .any(|t| match t.kind() {
            K::QUESTION | K::RETURN_KW | K::BREAK_KW | K::CONTINUE_KW => true,
            K::MACRO_CALL => !t
                .as_node()
                .and_then(|n| ast::MacroCall::cast(n.clone()))
                .and_then(|m| m.path()?.segment()?.name_ref())
                .is_some_and(|n| PLAIN.iter().any(|p| n.text() == *p)),
            _ => false,
        })
}

/// A value expression that is not a place: a call's result lives only in its statement.
fn temporary(e: &ast::Expr) -> bool {
    matches!(
        e,
        ast::Expr::CallExpr(_) | ast::Expr::MethodCallExpr(_) | ast::Expr::MacroExpr(_)
    )
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn io_timeout_races_the_future_against_a_timer() {
        check_rewrite(
            "timeout-to-or",
            r#"use async_std::io;
use std::time::Duration;

async fn bounded() -> io::Result<u8> {
    io::timeout(Duration::from_secs(1), async { Ok(1) }).await
}
"#,
            r#"use smol::io;
use std::time::Duration;

async fn bounded() -> io::Result<u8> {
    ({ let dur = Duration::from_secs(1); let fut = async { Ok(1) }; smol::future::FutureExt::or(fut, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "future timed out")) }) }).await
}
"#,
        );
    }

    #[test]
    fn a_future_that_borrows_a_temporary_is_evaluated_in_the_race() {
        // wiremock-rs' doc example: `let fut = get(&server.uri());` would drop the `String`
        // at the end of its statement (E0716).
        check_rewrite(
            "timeout-to-or",
            r#"use async_std::future;
use std::time::Duration;

async fn get(url: &str) -> usize {
    url.len()
}

async fn fetch(host: String) -> bool {
    future::timeout(Duration::from_secs(1), get(&format!("http://{host}"))).await.is_ok()
}

async fn fetch_or_fail(host: Result<String, std::io::Error>) -> std::io::Result<bool> {
    Ok(future::timeout(Duration::from_secs(1), get(&host?.to_string())).await.is_ok())
}
"#,
            r#"use std::time::Duration;

async fn get(url: &str) -> usize {
    url.len()
}

async fn fetch(host: String) -> bool {
    ({ let dur = Duration::from_secs(1); smol::future::FutureExt::or(async { Ok::<_, std::io::Error>(get(&format!("http://{host}")).await) }, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "future has timed out")) }) }).await.is_ok()
}

async fn fetch_or_fail(host: Result<String, std::io::Error>) -> std::io::Result<bool> {
    Ok(({ let dur = Duration::from_secs(1); let fut = get(&host?.to_string()); smol::future::FutureExt::or(async move { Ok::<_, std::io::Error>(fut.await) }, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "future has timed out")) }) }).await.is_ok())
}
"#,
        );
    }

    #[test]
    fn a_borrowed_temporary_is_owned_by_the_race() {
        check_rewrite(
            "timeout-to-or",
            r#"use async_std::future::timeout;
use async_std::stream::{Stream, StreamExt};
use std::time::Duration;

async fn first(mut s: impl Stream<Item = u8> + Unpin) -> Option<u8> {
    match timeout(Duration::from_secs(1), &mut s.next()).await {
        Ok(x) => x,
        Err(_) => None,
    }
}
"#,
            r#"use smol::stream::{Stream, StreamExt};
use std::time::Duration;

async fn first(mut s: impl Stream<Item = u8> + Unpin) -> Option<u8> {
    match ({ let dur = Duration::from_secs(1); let fut = s.next(); smol::future::FutureExt::or(async move { Ok::<_, std::io::Error>(fut.await) }, async move { let _ = smol::Timer::after(dur).await; Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "future has timed out")) }) }).await {
        Ok(x) => x,
        Err(_) => None,
    }
}
"#,
        );
    }

    #[test]
    fn a_local_fn_named_timeout() {
        check_not_applicable(
            "timeout-to-or",
            r#"use std::time::Duration;

fn timeout(d: Duration) -> Duration {
    d
}

fn main() {
    timeout(Duration::from_secs(1));
}
"#,
        );
    }
}
