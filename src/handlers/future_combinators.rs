//! `FutureExt` combinators. futures-lite has a `race` too, but it picks a random side: async-std's
//! `race` polled the left future first, which is smol's `or`.
//!
//! Before:
//! ```text
//! use async_std::prelude::*;
//!
//! async fn both(a: impl Future<Output = u8>, b: impl Future<Output = u8>) -> (u8, u8) {
//!     a.join(b).await
//! }
//!
//! async fn first(a: impl Future<Output = u8>, b: impl Future<Output = u8>) -> u8 {
//!     a.race(b).await
//! }
//! ```
//! After:
//! ```text
//! use smol::prelude::*;
//!
//! async fn both(a: impl Future<Output = u8>, b: impl Future<Output = u8>) -> (u8, u8) {
//!     smol::future::zip(a, b).await
//! }
//!
//! async fn first(a: impl Future<Output = u8>, b: impl Future<Output = u8>) -> u8 {
//!     a.or(b).await
//! }
//! ```
//!
//! `merge` ends when both streams end, which futures-lite's `race` and `or` never do; the futures
//! crate's `select` does (it alternates where async-std picked a random side: the order between
//! the two streams was unspecified in both). Without futures among the dependencies it is
//! reported. The merged stream is boxed: async-std's `Merge` was `Unpin` whenever its streams
//! were, and its channel `Receiver` was; async-channel 2's is not, so `select(rx, ..)` would be
//! `!Unpin` and `.next()` on it would no longer compile.

use super::{args, end, file_uses, method_is, start};
use super::{Acc, Ctx};
use super::{At, Flow};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "future-combinators";

/// StreamExt methods futures-lite lacks: reported at the call (the catalogue's
/// `async_std::stream::StreamExt::<method>` rows say what to do).
fn missing_stream_methods(ctx: &Ctx<'_>, acc: &mut Acc) {
    let evidence = file_uses(ctx, &["async_std::prelude", "async_std::stream"]);
    for (mc, name) in super::method_calls(ctx) {
        let canon = crate::rules::segments(&format!("async_std::stream::StreamExt::{name}"));
        let Some(m) = ctx
            .cat
            .lookup(&canon)
            .filter(|m| m.rule.from.len() == canon.len())
        else {
            continue;
        };
        let is_stream_ext = match method_is(ctx, &mc, &[&format!("::StreamExt::{name}")]) {
            Some(b) => b,
            // `sum`/`product` are Iterator's too: only an awaited one is a stream's.
            None => {
                evidence
                    && (matches!(name.as_str(), "merge" | "throttle")
                        || super::awaited(mc.syntax()).is_some())
            }
        };
        if is_stream_ext && name == "merge" {
            if let (Some(f), Some(recv), [other]) = (
                &ctx.krate.futures_crate,
                mc.receiver(),
                args(&mc).as_slice(),
            ) {
                let r = super::text_of(ctx, recv.syntax());
                let o = super::text_of(ctx, other.syntax());
                acc.edits.set_anchor(Some(start(mc.syntax())));
                acc.edits.replace(
                    super::range(mc.syntax()),
                    format!("Box::pin({f}::stream::select({r}, {o}))"),
                    RULE,
                );
                continue;
            }
        }
        if is_stream_ext {
            let at = mc
                .name_ref()
                .map(|n| start(n.syntax()))
                .unwrap_or_else(|| start(mc.syntax()));
            acc.findings.push(crate::report::RawFinding::not_migrated(
                at,
                &m.rule.id,
                format!("StreamExt::{name} has no futures-lite equivalent"),
                match &m.rule.action {
                    crate::rules::Action::Report(a) => a.clone(),
                    crate::rules::Action::MapTo(t) => format!("use {t}"),
                },
            ));
        }
    }
}

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    missing_stream_methods(ctx, acc);
    let evidence = file_uses(ctx, &["async_std::prelude"]);
    for mc in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::MethodCallExpr::cast)
    {
        let Some(name) = mc.name_ref() else { continue };
        let n = name.text().to_string();
        if !matches!(n.as_str(), "race" | "join" | "try_join" | "timeout") {
            continue;
        }
        let a = args(&mc);
        if a.len() != 1 {
            continue;
        }
        // `race`/`join`/`try_join` take a future: `cleaned.join("\n")` is a slice's.
        if n != "timeout" && super::never_a_future(&a[0]) {
            continue;
        }
        let awaited = super::awaited(mc.syntax()).is_some();
        let is_future_ext = match method_is(ctx, &mc, &[&format!("::FutureExt::{n}")]) {
            Some(b) => b,
            // Without types: `race` is async-std's when its FutureExt is in scope; `join`/`try_join`/
            // `timeout` only when awaited right away too (slices and threads have a `join`).
            None => evidence && (n == "race" || awaited),
        };
        if !is_future_ext {
            continue;
        }
        let Some(recv) = mc.receiver() else { continue };
        let arg = &a[0];
        acc.edits.set_anchor(Some(start(mc.syntax())));
        match n.as_str() {
            "race" => {
                acc.edits.replace(super::range(name.syntax()), "or", RULE);
                acc.traits.insert("smol::future::FutureExt".into());
            }
            "join" | "try_join" => {
                let f = if n == "join" { "zip" } else { "try_zip" };
                acc.edits
                    .insert(start(recv.syntax()), format!("smol::future::{f}("), RULE);
                acc.edits
                    .replace(end(recv.syntax())..start(arg.syntax()), ", ", RULE);
            }
            _ if super::timeout::evaluated_in_the_race(&recv)
                && super::timeout::plain_duration(arg) =>
            {
                // The future borrows a temporary (see timeout.rs): the duration first (no
                // effect to reorder), the future where the race polls it.
                let tail = super::timeout::future_race_tail(ctx);
                let (head, rest) = super::timeout::race_around(&tail, false);
                acc.edits.insert(
                    start(recv.syntax()),
                    format!("({{ let dur = {}{head}", arg.syntax().text()),
                    RULE,
                );
                acc.edits
                    .replace(end(recv.syntax())..end(mc.syntax()), rest, RULE);
            }
            _ => {
                acc.edits
                    .insert(start(recv.syntax()), "({ let fut = ", RULE);
                acc.edits.replace(
                    end(recv.syntax())..start(arg.syntax()),
                    "; let dur = ",
                    RULE,
                );
                acc.edits.replace(
                    end(arg.syntax())..end(mc.syntax()),
                    super::timeout::future_race_tail(ctx),
                    RULE,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn try_join_becomes_try_zip() {
        check_rewrite(
            "future-combinators",
            r#"use async_std::prelude::*;

async fn both(a: impl Future<Output = std::io::Result<u8>>, b: impl Future<Output = std::io::Result<u8>>) -> std::io::Result<(u8, u8)> {
    a.try_join(b).await
}
"#,
            r#"use smol::prelude::*;

async fn both(a: impl Future<Output = std::io::Result<u8>>, b: impl Future<Output = std::io::Result<u8>>) -> std::io::Result<(u8, u8)> {
    smol::future::try_zip(a, b).await
}
"#,
        );
    }

    #[test]
    fn a_future_ext_import_only_timeout_used_goes() {
        let out = migrate(
            r#"use async_std::prelude::FutureExt;
use std::time::Duration;

async fn work() -> u8 {
    1
}

async fn bounded() -> u8 {
    work().timeout(Duration::from_secs(1)).await.unwrap_or(0)
}
"#,
            crate::handlers::HandlerTarget::Smol,
        );
        assert!(
            !out.text.contains("use smol::future::FutureExt")
                && out.text.contains("smol::future::FutureExt::or("),
            "{}",
            out.text
        );
    }

    #[test]
    fn a_timeout_method_on_a_future_that_borrows_a_temporary() {
        let out = migrate(
            r#"use async_std::prelude::FutureExt;
use std::time::Duration;

async fn get(url: &str) -> usize {
    url.len()
}

async fn bounded(host: &str) -> usize {
    get(&format!("http://{host}")).timeout(Duration::from_secs(1)).await.unwrap_or(0)
}
"#,
            crate::handlers::HandlerTarget::Smol,
        );
        assert!(
            out.text.contains("({ let dur = Duration::from_secs(1); smol::future::FutureExt::or(async { Ok::<_, std::io::Error>(get(&format!(\"http://{host}\")).await) }, async move {"),
            "{}",
            out.text
        );
    }

    #[test]
    fn a_local_race_method_in_a_file_without_async_std() {
        check_not_applicable(
            "future-combinators",
            r#"struct Car;

impl Car {
    fn race(&self, other: &Car) -> bool {
        true
    }
}

fn main() {
    Car.race(&Car);
}
"#,
        );
    }
}
