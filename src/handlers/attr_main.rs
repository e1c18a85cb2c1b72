//! `#[async_std::main]` and `#[async_std::test]`.
//!
//! Before:
//! ```text
//! #[async_std::main]
//! async fn main() -> std::io::Result<()> {
//!     serve().await
//! }
//!
//! async fn serve() -> std::io::Result<()> {
//!     Ok(())
//! }
//! ```
//! After:
//! ```text
//! fn main() -> std::io::Result<()> {
//!     smol::block_on(async {
//!         serve().await
//!     })
//! }
//!
//! async fn serve() -> std::io::Result<()> {
//!     Ok(())
//! }
//! ```
//! A test becomes `#[test] fn t() { smol::block_on(async { .. }) }`; other attributes
//! (should_panic, ignore), the return type and the body are kept, the body re-indented.
//!
//! Under `cfg_attr`, a test exists where its predicate holds (`#[cfg(pred)] #[test] fn ..`), unless
//! another runtime marks the same fn: then the fn must stay async for it, and smol-macros' attribute
//! (through macro_rules_attribute, both added to the manifest) replaces async-std's. A main under
//! `cfg_attr` does the same, as the fn must be `main` under every predicate:
//!
//! ```text
//! #[cfg_attr(feature = "runtime-tokio", tokio::test)]
//! #[cfg_attr(feature = "runtime-async-std", async_std::test)]
//! async fn t() { .. }
//! ->
//! #[cfg_attr(feature = "runtime-tokio", tokio::test)]
//! #[cfg_attr(feature = "runtime-smol", macro_rules_attribute::apply(smol_macros::test!))]
//! async fn t() { .. }
//! ```
//! (the feature itself is renamed by the manifest pass). smol-macros' `test!`/`main!` run the body
//! in `async_io::block_on`, which is `smol::block_on`.

use super::At;
use super::{indent_of, start, worker_threads, Flow};
use super::{Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use crate::rewrite::imports::item_line_range;
use ra_ap_syntax::ast::{self, HasName};
use ra_ap_syntax::{AstNode, SyntaxKind, TextRange, TextSize};

/// Entry: the attribute's path site (`attr-main` or `attr-test`, as the row names it).
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, m) = at else {
        return Flow::Continue;
    };
    let id = m.rule.handler.as_deref().unwrap_or("attr-main");
    on_attr(id, site, ctx, acc)
}

/// Another attribute of the fn (plain or in a cfg_attr) that is a runtime's entry point:
/// `tokio::test`, `actix_rt::main(..)`.
fn other_runtime_attr(func: &ast::Fn, ours: &ast::Attr) -> bool {
    use ast::HasAttrs;
    let entry = |m: &ast::Meta| {
        let Some(path) = m.path() else { return false };
        path.qualifier().is_some()
            && path
                .segment()
                .and_then(|s| s.name_ref())
                .is_some_and(|n| matches!(&*n.text(), "test" | "main" | "bench"))
            && !path.syntax().text().to_string().starts_with("async_std")
    };
    func.attrs().filter(|a| a != ours).any(|a| match a.meta() {
        Some(ast::Meta::CfgAttrMeta(c)) => c.metas().any(|m| entry(&m)),
        Some(m) => entry(&m),
        None => false,
    })
}

pub(super) fn on_attr(handler: &str, site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(attr) = site.path.syntax().ancestors().find_map(ast::Attr::cast) else {
        return Flow::Continue;
    };
    let Some(func) = attr.syntax().parent().and_then(ast::Fn::cast) else {
        return Flow::Continue;
    };
    let is_main = handler == "attr-main";
    let (Some(async_kw), Some(body)) = (func.async_token(), func.body()) else {
        acc.findings.push(RawFinding::not_migrated(
            start(attr.syntax()),
            handler,
            "the attribute is not on an async fn with a body",
            "write the fn as `fn name() { smol::block_on(async { .. }) }` by hand",
        ));
        return Flow::Done;
    };
    if is_main && func.name().is_none_or(|n| n.text() != "main") {
        acc.findings.push(RawFinding::not_migrated(
            start(attr.syntax()),
            handler,
            "#[async_std::main] on a fn not named main",
            "rename it to main (async-std rejected this too) and run again",
        ));
        return Flow::Done;
    }
    if matches!(attr.meta(), Some(ast::Meta::TokenTreeMeta(_))) {
        acc.findings.push(RawFinding::not_migrated(
            start(attr.syntax()),
            handler,
            "the attribute has arguments",
            "remove the arguments and run again",
        ));
        return Flow::Done;
    }
    // `#[cfg_attr(pred, async_std::test)]`: the fn was a test only under `pred` (otherwise an
    // async fn nothing called); it becomes a test that exists under `pred`.
    let cfg_pred = match attr.meta() {
        Some(ast::Meta::CfgAttrMeta(c)) => {
            if c.metas().count() != 1 {
                acc.findings.push(RawFinding::not_migrated(
                    start(attr.syntax()),
                    handler,
                    "the attribute sits in a cfg_attr beside other attributes",
                    "split the cfg_attr so it holds only the async-std attribute, and run again",
                ));
                return Flow::Done;
            }
            c.cfg_predicate().map(|p| super::text_of(ctx, p.syntax()))
        }
        _ => None,
    };
    // Under a cfg_attr, a main (it must stay `main` under every cfg), or a test that another
    // runtime's attribute also marks (`#[cfg_attr(feature = "tokio", tokio::test)]`: that one
    // needs the fn async): the fn stays async and smol-macros' attribute takes async-std's place.
    if let Some(pred) = &cfg_pred {
        if is_main || other_runtime_attr(&func, &attr) {
            let mac = if is_main { "main" } else { "test" };
            acc.edits.replace(
                super::range(attr.syntax()),
                format!("#[cfg_attr({pred}, macro_rules_attribute::apply(smol_macros::{mac}!))]"),
                handler,
            );
            return Flow::Done;
        }
    }
    // The attribute itself.
    if let Some(pred) = cfg_pred {
        let indent = super::indent_of(ctx.src, attr.syntax());
        acc.edits.replace(
            super::range(attr.syntax()),
            format!("#[cfg({pred})]\n{indent}#[test]"),
            handler,
        );
    } else if is_main {
        acc.edits
            .delete(item_line_range(ctx.src, attr.syntax()), handler);
    } else {
        acc.edits
            .replace(super::range(attr.syntax()), "#[test]", handler);
    }
    // `async ` goes.
    let kw_end: usize = async_kw.text_range().end().into();
    let ws = ctx.src[kw_end..].len() - ctx.src[kw_end..].trim_start().len();
    acc.edits.delete(
        usize::from(async_kw.text_range().start())..kw_end + ws,
        handler,
    );
    // The body runs in smol::block_on, re-indented.
    let Some(list) = body.stmt_list() else {
        return Flow::Done;
    };
    let (Some(l), Some(r)) = (list.l_curly_token(), list.r_curly_token()) else {
        return Flow::Done;
    };
    let (l_end, r_start): (usize, usize) =
        (l.text_range().end().into(), r.text_range().start().into());
    let inner = &ctx.src[l_end..r_start];
    if is_main {
        worker_threads::keep_worker_count(&func, ctx, acc);
    }
    if !inner.contains('\n') {
        let b = super::local_executor::block_on(ctx);
        acc.edits.insert(l_end, format!(" {b}(async {{"), handler);
        acc.edits.insert(r_start, "}) ", handler);
        return Flow::Done;
    }
    let ind = indent_of(ctx.src, func.syntax());
    acc.edits.insert(
        l_end,
        format!(
            "\n{ind}    {}(async {{",
            super::local_executor::block_on(ctx)
        ),
        handler,
    );
    let r_line_start = ctx.src[..r_start].rfind('\n').map_or(r_start, |i| i + 1);
    let closing_on_own_line = ctx.src[r_line_start..r_start].trim().is_empty();
    let mut p = l_end;
    while let Some(i) = ctx.src[p..r_start].find('\n') {
        let at = p + i + 1;
        p = at;
        if at >= r_line_start && closing_on_own_line {
            break;
        }
        if ctx.src[at..].starts_with('\n') || ctx.src[at..].starts_with("\r\n") {
            continue;
        }
        let tok = ctx
            .sf
            .syntax()
            .covering_element(TextRange::empty(TextSize::from(at as u32)));
        if matches!(
            tok.kind(),
            SyntaxKind::STRING | SyntaxKind::BYTE_STRING | SyntaxKind::C_STRING
        ) {
            continue;
        }
        acc.edits.soft_insert(at, "    ", "indent");
    }
    if closing_on_own_line {
        acc.edits
            .insert(r_line_start, format!("{ind}    }})\n"), handler);
    } else {
        acc.edits
            .insert(r_start, format!("\n{ind}    }})\n{ind}"), handler);
    }
    Flow::Done
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_test_runs_its_body_in_block_on() {
        check_rewrite(
            "attr-test",
            r#"#[async_std::test]
async fn works() {
    assert!(run().await);
}

async fn run() -> bool {
    true
}
"#,
            r#"#[test]
fn works() {
    smol::block_on(async {
        assert!(run().await);
    })
}

async fn run() -> bool {
    true
}
"#,
        );
    }

    #[test]
    fn a_plain_test_is_left_alone() {
        check_not_applicable(
            "attr-main",
            r#"#[test]
fn plain() {}
"#,
        );
    }

    #[test]
    fn an_attribute_given_to_another_attribute_macro() {
        // maybe_async::test(.., async(cfg, async_std::test)) writes the attribute it is given.
        check_rewrite(
            "attr-test",
            r#"#[cfg(test)]
mod tests {
    #[maybe_async::test(feature = "sync", async(not(feature = "sync"), async_std::test))]
    async fn works() {}
}
"#,
            r#"#[cfg(test)]
mod tests {
    #[maybe_async::test(feature = "sync", async(not(feature = "sync"), macro_rules_attribute::apply(smol_macros::test!)))]
    async fn works() {}
}
"#,
        );
    }

    #[test]
    fn a_facades_public_reexport_of_the_attributes_is_reported_and_kept() {
        // Other files write `#[facade::test]`; smol has no attribute to put in its place.
        check_findings(
            "attr-test",
            r#"#[cfg(feature = "tokio-runtime")]
pub use tokio::{main, test};
#[cfg(feature = "async-std-runtime")]
pub use async_std::{main, test};
"#,
            "4:21 reexport-no-equivalent: the public re-export of `async_std::main` has no smol attribute to re-export in its place
4:27 reexport-no-equivalent: the public re-export of `async_std::test` has no smol attribute to re-export in its place
",
        );
    }

    #[test]
    fn a_shared_attribute_imported_after_the_other_runtimes() {
        // nvim-rs: tokio's `test as atest` first, async-std's second: every `#[atest]` of the
        // scope gets smol-macros' attribute under async-std's cfg.
        check_rewrite(
            "attr-test",
            r#"#[cfg(feature = "use_tokio")]
use tokio::test as atest;
#[cfg(feature = "use_async-std")]
use async_std::test as atest;

#[atest]
async fn connects() {}
"#,
            r#"#[cfg(feature = "use_tokio")]
use tokio::test as atest;

#[cfg_attr(feature = "use_async-std", macro_rules_attribute::apply(smol_macros::test!))]
#[cfg_attr(not(feature = "use_async-std"), atest)]
async fn connects() {}
"#,
        );
    }
}
