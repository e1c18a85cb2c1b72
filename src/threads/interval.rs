//! `stream::interval(d)` on threads: an iterator of `()` whose `next()` sleeps until the tick.
//! async-std's `Interval` started its timer when created and, at each tick, started the next one
//! for `d` from then (a late consumer gets the tick at once, and the next one `d` later; no
//! catch-up burst): the iterator keeps the same deadline, so `while let Some(_) = t.next()`,
//! `t.next()` in a loop and the adapters (`take`, `for_each`, `zip`..) behave as the stream did.
//!
//! Before:
//! ```text
//! use async_std::prelude::*;
//! use async_std::stream;
//! use std::time::Duration;
//!
//! #[async_std::main]
//! async fn main() {
//!     let mut ticks = stream::interval(Duration::from_millis(5));
//!     let mut n = 0;
//!     while n < 3 {
//!         ticks.next().await;
//!         n += 1;
//!     }
//!     println!("{n}");
//! }
//! ```
//! After:
//! ```text
//! use std::time::Duration;
//!
//! fn main() {
//!     let mut ticks = { let dur = Duration::from_millis(5); let mut deadline = std::time::Instant::now() + dur; std::iter::repeat_with(move || { let now = std::time::Instant::now(); if deadline > now { std::thread::sleep(deadline - now); } deadline = std::time::Instant::now() + dur; }) };
//!     let mut n = 0;
//!     while n < 3 {
//!         ticks.next();
//!         n += 1;
//!     }
//!     println!("{n}");
//! }
//! ```
//! The interval used other than as a call (a fn value) keeps a runtime (its row's advice).

use crate::handlers::{call_of_path, range, Acc, At, Ctx, Flow};
use ra_ap_syntax::AstNode;

/// Entry: the `stream::interval` path site.
pub(crate) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let args = crate::handlers::args(&call);
    let [d] = args.as_slice() else {
        return Flow::Continue;
    };
    let d = crate::handlers::text_of(ctx, d.syntax());
    let iter = format!(
        "{{ let dur = {d}; let mut deadline = std::time::Instant::now() + dur; \
         std::iter::repeat_with(move || {{ let now = std::time::Instant::now(); \
         if deadline > now {{ std::thread::sleep(deadline - now); }} \
         deadline = std::time::Instant::now() + dur; }}) }}"
    );
    acc.edits.replace(
        range(call.syntax()),
        crate::handlers::block_in_place_of(call.syntax(), iter),
        "threads-interval",
    );
    Flow::Done
}
