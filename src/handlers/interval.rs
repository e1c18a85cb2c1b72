//! `stream::interval(d)`. async-std's `Interval` started its timer when created and, at each tick,
//! started the next one for `d` (no catch-up bursts, unlike `smol::Timer::interval`, which also
//! yields `Instant`s where async-std yielded `()`). The same stream on smol, boxed because
//! async-std's `Interval` was `Unpin` (`.next()` needs it):
//!
//! ```text
//! let mut ticks = stream::interval(d);
//! ->
//! let mut ticks = { let dur = d; Box::pin(smol::stream::unfold(smol::Timer::after(dur),
//!     move |t| async move { t.await; Some(((), smol::Timer::after(dur))) })) };
//! ```
//! The interval used other than as a call (a fn value) is reported by its catalogue row.

use super::{args, call_of_path, Flow};
use crate::resolve::PathSite;
use crate::rewrite::{range, Acc, Ctx};
use ra_ap_syntax::AstNode;

const RULE: &str = "stream-interval";

pub(super) fn on_interval(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let a = args(&call);
    let [d] = a.as_slice() else {
        return Flow::Continue;
    };
    let d = super::text_of(ctx, d.syntax());
    let block = format!(
        "{{ let dur = {d}; Box::pin(smol::stream::unfold(smol::Timer::after(dur), move |t| async move {{ t.await; Some(((), smol::Timer::after(dur))) }})) }}"
    );
    let text = if super::needs_parens(call.syntax()) {
        format!("({block})")
    } else {
        block
    };
    acc.edits.replace(range(call.syntax()), text, RULE);
    Flow::Done
}
