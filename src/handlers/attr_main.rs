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
//!     smol::block_on(async_main())
//! }
//!
//! async fn async_main() -> std::io::Result<()> {
//!     serve().await
//! }
//!
//! async fn serve() -> std::io::Result<()> {
//!     Ok(())
//! }
//! ```
//! The async fn stays as it is, renamed (`async_main`, `async_t`, another name when the file has
//! a fn of that name), and a synchronous fn of the original name and signature runs it in
//! `smol::block_on`: the body's lines do not change. A test becomes
//! `#[test] fn t() { smol::block_on(async_t()) }`; its other attributes (should_panic, ignore)
//! stay on it, and the async fn keeps its cfgs and lint levels (and gets `#[cfg(test)]` when it is
//! not in test-only code already).
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
use ra_ap_syntax::ast::{self, HasName, HasVisibility};
use ra_ap_syntax::AstNode;

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
    let (Some(_), Some(_)) = (func.async_token(), func.body()) else {
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
    sync_wrapper(&func, &attr, is_main, handler, ctx, acc);
    Flow::Done
}

/// `#[test_log::test(async_std::test)]` (a test attribute that takes the runtime's attribute as
/// its argument), on an async fn: the argument goes (`#[test_log::test]` is a plain test) and the
/// fn gets the synchronous wrapper `#[async_std::test]` gets. False when the attribute is not of
/// that shape (the caller reports or maps it otherwise).
pub(crate) fn test_attribute_argument(
    path: &ra_ap_syntax::SyntaxToken,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
) -> bool {
    let Some(attr) = path.parent_ancestors().find_map(ast::Attr::cast) else {
        return false;
    };
    let Some(ast::Meta::TokenTreeMeta(meta)) = attr.meta() else {
        return false;
    };
    let (Some(own), Some(tt)) = (meta.path(), meta.token_tree()) else {
        return false;
    };
    let compact: String = super::text_of(ctx, tt.syntax())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(func) = attr.syntax().parent().and_then(ast::Fn::cast) else {
        return false;
    };
    let is_test = own
        .segment()
        .and_then(|s| s.name_ref())
        .is_some_and(|n| n.text() == "test");
    let names_ours = ctx
        .krate
        .roots
        .iter()
        .any(|r| compact == format!("({r}::test)") || compact == format!("(::{r}::test)"));
    if !is_test || !names_ours || func.async_token().is_none() || func.body().is_none() {
        return false;
    }
    acc.edits.delete(super::range(tt.syntax()), "attr-test");
    sync_wrapper(&func, &attr, false, "attr-test", ctx, acc);
    true
}

/// A synchronous fn of the same name and signature runs the async fn, renamed, to completion:
/// the body's lines stay as they are.
fn sync_wrapper(
    func: &ast::Fn,
    attr: &ast::Attr,
    is_main: bool,
    handler: &str,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
) {
    let Some(async_kw) = func.async_token() else {
        return;
    };
    let (Some(name), Some(params)) = (func.name(), func.param_list()) else {
        return;
    };
    let name = name.text().to_string();
    let helper = helper_name(ctx.src, &name);
    let ind = indent_of(ctx.src, func.syntax());
    let ret = func
        .ret_type()
        .map(|r| format!(" {}", super::text_of(ctx, r.syntax())))
        .unwrap_or_default();
    let vis = func
        .visibility()
        .map(|v| format!("{} ", super::text_of(ctx, v.syntax())))
        .unwrap_or_default();
    let prologue = if is_main {
        worker_threads::keep_worker_count(func, ctx, acc, &ind)
    } else {
        String::new()
    };
    let block_on = super::local_executor::block_on(ctx);
    // What the async fn keeps of the attributes: its cfgs (it exists where the test does) and
    // lint levels; a test outside `#[cfg(test)]` code is compiled for tests only.
    let mut kept = String::new();
    for a in ast::HasAttrs::attrs(func).filter(|a| a != attr) {
        let t = super::text_of(ctx, a.syntax());
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with("#[cfg(")
            || compact.starts_with("#[allow(")
            || compact.starts_with("#[expect(")
        {
            kept.push_str(&format!("{ind}{t}\n"));
        }
    }
    // (In a doc example too: rustdoc compiles no test, so the async fn of one is never built.)
    if !is_main && (ctx.in_lib || ctx.doc) && !under_cfg_test(func) {
        kept.push_str(&format!("{ind}#[cfg(test)]\n"));
    }
    let first = func
        .visibility()
        .map(|v| v.syntax().clone().into())
        .unwrap_or_else(|| async_kw.clone().into());
    let first: ra_ap_syntax::SyntaxElement = first;
    let at: usize = first.text_range().start().into();
    // Parameters (a test framework's: rstest's `#[case] x: u32`) are the wrapper's, with their
    // attributes, and passed on to the async fn, which keeps their patterns (`mut x`) without
    // the attributes.
    let mut names = Vec::new();
    let mut wrapper_params = Vec::new();
    for p in params.params() {
        let Some(ast::Pat::IdentPat(ip)) = p.pat() else {
            acc.findings.push(RawFinding::not_migrated(
                start(p.syntax()),
                handler,
                "a parameter of the test is a pattern, which the synchronous fn cannot pass on",
                "bind it to a name and destructure it in the body, then run again",
            ));
            return;
        };
        let Some(n) = ip.name() else { return };
        let ty = p
            .ty()
            .map(|t| super::text_of(ctx, t.syntax()).to_string())
            .unwrap_or_default();
        let attrs: String = ast::HasAttrs::attrs(&p)
            .map(|a| format!("{} ", super::text_of(ctx, a.syntax())))
            .collect();
        for a in ast::HasAttrs::attrs(&p) {
            let r = super::range(a.syntax());
            let rest = &ctx.src[r.end..];
            let end = r.end + (rest.len() - rest.trim_start().len());
            acc.edits.replace(r.start..end, "", handler);
        }
        wrapper_params.push(format!("{attrs}{}: {ty}", n.text()));
        names.push(n.text().to_string());
    }
    let params = format!("({})", wrapper_params.join(", "));
    let args = names.join(", ");
    acc.edits.insert(
        at,
        format!(
            "{vis}fn {name}{params}{ret} {{\n{prologue}{ind}    {block_on}({helper}({args}))\n{ind}}}\n\n{kept}{ind}"
        ),
        handler,
    );
    if let Some(n) = func.name() {
        acc.edits.replace(super::range(n.syntax()), helper, handler);
    }
}

/// The async fn's new name: `async_{name}`, or another when the file has a fn of that name.
fn helper_name(src: &str, name: &str) -> String {
    // A raw identifier (`r#async_send`) prefixed is an identifier of its own.
    let name = name.trim_start_matches("r#");
    let taken = |n: &str| src.contains(&format!("fn {n}(")) || src.contains(&format!("fn {n}<"));
    let mut candidates = vec![format!("async_{name}"), format!("{name}_async")];
    candidates.extend((2..).take(8).map(|i| format!("async_{name}_{i}")));
    candidates
        .into_iter()
        .find(|c| !taken(c))
        .unwrap_or_else(|| format!("async_{name}_"))
}

/// Whether the fn sits in a module (or an item) under `#[cfg(test)]`.
fn under_cfg_test(func: &ast::Fn) -> bool {
    func.syntax().ancestors().skip(1).any(|a| {
        let cfg = crate::resolve::syntax::cfg_text(&a);
        cfg.contains("#[cfg(test)]") || cfg.contains("#[cfg(all(test,")
    })
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_test_attribute_given_async_std_s_as_argument() {
        check_rewrite(
            "attr-test",
            r#"use test_log::test;

#[test(async_std::test)]
#[ignore]
async fn logs() {
    tracing::info!("hi");
}
"#,
            r#"use test_log::test;

#[test]
#[ignore]
fn logs() {
    smol::block_on(async_logs())
}

#[cfg(test)]
async fn async_logs() {
    tracing::info!("hi");
}
"#,
        );
    }

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
    smol::block_on(async_works())
}

#[cfg(test)]
async fn async_works() {
    assert!(run().await);
}

async fn run() -> bool {
    true
}
"#,
        );
    }

    #[test]
    fn a_raw_identifier_test() {
        // flume: `async fn r#async_send_..`.
        check_rewrite(
            "attr-test",
            r#"#[cfg(test)]
mod tests {
    #[async_std::test]
    async fn r#async_send() {}
}
"#,
            r#"#[cfg(test)]
mod tests {
    #[test]
    fn r#async_send() {
        smol::block_on(async_async_send())
    }

    async fn async_async_send() {}
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

    #[test]
    fn a_test_s_parameters_are_passed_on() {
        // rstest's cases: the attributes stay on the test's parameters, the async fn gets the
        // values.
        check_rewrite(
            "attr-test",
            r#"use rstest::rstest;

#[rstest]
#[case(1)]
#[async_std::test]
async fn counts(#[case] mut n: u32, #[values(2, 3)] m: u32) {
    n += m;
    assert!(n > 2);
}
"#,
            r#"use rstest::rstest;

#[rstest]
#[case(1)]
#[test]
fn counts(#[case] n: u32, #[values(2, 3)] m: u32) {
    smol::block_on(async_counts(n, m))
}

#[cfg(test)]
async fn async_counts(mut n: u32, m: u32) {
    n += m;
    assert!(n > 2);
}
"#,
        );
    }

    #[test]
    fn a_cfg_if_branch_that_imports_the_attribute_beside_another_runtime() {
        // http-client: the import goes from its branch; each `#[atest]` gets smol-macros'
        // attribute under the branch's condition, the other runtime's under its negation.
        check_rewrite(
            "attr-test",
            r#"cfg_if::cfg_if! {
    if #[cfg(feature = "hyper")] {
        use tokio::test as atest;
    } else if #[cfg(not(feature = "wasm"))] {
        use async_std::test as atest;
    }
}

#[atest]
async fn connects() {}
"#,
            r#"cfg_if::cfg_if! {
    if #[cfg(feature = "hyper")] {
        use tokio::test as atest;
    } else if #[cfg(not(feature = "wasm"))] {
    }
}

#[cfg_attr(all(not(feature = "hyper"), not(feature = "wasm")), macro_rules_attribute::apply(smol_macros::test!))]
#[cfg_attr(not(all(not(feature = "hyper"), not(feature = "wasm"))), atest)]
async fn connects() {}
"#,
        );
    }
}
