//! `stream::interval(d)`. async-std's `Interval` started its timer when created and, at each tick,
//! started the next one for `d` (no catch-up bursts, unlike `smol::Timer::interval`, which also
//! yields `Instant`s where async-std yielded `()`). The same stream on smol, boxed because
//! async-std's `Interval` was `Unpin` (`.next()` needs it):
//!
//! Before:
//! ```text
//! use async_std::prelude::*;
//! use async_std::stream;
//! use std::time::Duration;
//!
//! async fn tick() {
//!     let mut ticks = stream::interval(Duration::from_millis(10));
//!     ticks.next().await;
//! }
//! ```
//! After:
//! ```text
//! use smol::prelude::*;
//! use std::time::Duration;
//!
//! async fn tick() {
//!     let mut ticks = { let dur = Duration::from_millis(10); Box::pin(smol::stream::unfold(smol::Timer::after(dur), move |t| async move { t.await; Some(((), smol::Timer::after(dur))) })) };
//!     ticks.next().await;
//! }
//! ```
//! A local argument (`stream::interval(period)`) needs no block: the timers read it.
//! The interval used other than as a call (a fn value) is reported by its catalogue row.

use super::At;
use super::{args, call_of_path, Flow};
use super::{range, Acc, Ctx};
use crate::resolve::PathSite;
use ra_ap_syntax::{ast, AstNode};

/// Entry: the `stream::interval` path site.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    on_interval(site, ctx, acc)
}

const RULE: &str = "stream-interval";

pub(super) fn on_interval(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let a = args(&call);
    let [d] = a.as_slice() else {
        return Flow::Continue;
    };
    // A local (`period`, a `Duration`: `Copy`) is read where the timers are made; any other
    // expression is evaluated once, as async-std's argument was.
    let local =
        matches!(d, ast::Expr::PathExpr(p) if p.path().is_some_and(|p| p.qualifier().is_none()));
    let d = super::text_of(ctx, d.syntax());
    let stream = |dur: &str| {
        format!(
            "Box::pin(smol::stream::unfold(smol::Timer::after({dur}), move |t| async move {{ t.await; Some(((), smol::Timer::after({dur}))) }}))"
        )
    };
    if local {
        acc.edits.replace(range(call.syntax()), stream(&d), RULE);
        return Flow::Done;
    }
    let block = format!("{{ let dur = {d}; {} }}", stream("dur"));
    acc.edits.replace(
        range(call.syntax()),
        super::block_in_place_of(call.syntax(), block),
        RULE,
    );
    Flow::Done
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn other_streams_are_not_intervals() {
        check_not_applicable(
            "stream-interval",
            r#"use async_std::prelude::*;
use async_std::stream;

async fn one() -> Option<u8> {
    stream::once(1u8).next().await
}
"#,
        );
    }
}
