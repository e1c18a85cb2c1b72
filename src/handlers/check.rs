//! The in-memory check of a handler, as rust-analyzer's ide-assists tests its assists: a source
//! text is migrated the way the engine migrates one file of a package (`src/main.rs`), at syntax
//! level (no rust-analyzer load, no files, no cargo), so each case runs in milliseconds.
//!
//! - [`check_rewrite`]`(handler, before, after)`: the file becomes `after`, the handler counted
//!   at least one site, and migrating `after` again changes nothing.
//! - [`check_not_applicable`]`(handler, src)`: the handler neither edits nor reports anything.
//! - [`check_findings`]`(src, expected)`: what the file reports, one `line:col rule: message` a line.
//!
//! The target is the handler's (its registry row): a threads handler's file is converted as a
//! unit `--to threads` decided to convert. Compiled and run fixtures (tests/) cover what only a
//! build can show.

use super::{get, FileCtx, HandlerTarget};
use crate::report::RawFinding;
use crate::resolve::syntax::{collect_crate_facts, place_of, resolve_nodes};
use crate::resolve::{CrateContext, NoTypes};
use crate::rewrite;
use crate::rules::Catalogue;
use ra_ap_syntax::AstNode;
use std::path::Path;

/// What migrating one file gave.
pub(crate) struct Outcome {
    pub text: String,
    /// Sites changed per rule id (handlers count under their own id).
    pub counts: Vec<(String, usize)>,
    pub findings: Vec<RawFinding>,
}

/// Migrates `src` as `src/main.rs` of a package (edition 2021) that depends on async-std.
pub(crate) fn migrate(src: &str, target: HandlerTarget) -> Outcome {
    migrate_in(src, target, "2021")
}

/// [`migrate`] in a package of another edition.
pub(crate) fn migrate_in(src: &str, target: HandlerTarget, edition: &str) -> Outcome {
    migrate_asking(src, target, edition, &NoTypes)
}

/// [`migrate_in`] with an oracle of the test's (one that records what it is asked).
pub(crate) fn migrate_asking(
    src: &str,
    target: HandlerTarget,
    edition: &str,
    oracle: &dyn crate::resolve::Oracle,
) -> Outcome {
    let parse = rewrite::parse(src, edition);
    assert!(
        parse.errors().is_empty(),
        "the example does not parse: {:?}\n{src}",
        parse.errors()
    );
    let sf = rewrite::macros::shadow_tree(src, parse.tree(), None, edition);
    let nodes: Vec<_> = sf.syntax().descendants().collect();
    // Cases show the opt-in edits (`--keep-worker-threads`); the engine's default, the report,
    // is what the fixtures show.
    let mut krate = CrateContext {
        keep_worker_threads: true,
        ..Default::default()
    };
    krate.roots.insert("async_std".into());
    krate
        .own_methods
        .extend(crate::engine::load::indented_fn_names(src));
    krate.handle_from_shared = crate::engine::load::handle_from_shared(src);
    let place = place_of(Path::new("/pkg/src/main.rs"), Path::new("/pkg"));
    let mut sites = collect_crate_facts(&nodes, &place, &mut krate);
    if !krate.reexports.is_empty() || !krate.glob_reexports.is_empty() {
        sites = resolve_nodes(&nodes, &place, &krate);
    }
    let plan = (target == HandlerTarget::Threads)
        .then(|| crate::threads::collect_plan(&[(nodes.as_slice(), &sites)]));
    let cat = match &plan {
        Some(p) => Catalogue::threads(p.mpsc),
        None => Catalogue::smol(),
    };
    // The file is its crate's root: the modules its crate gets (see generated.rs) go here.
    let mut generated = super::generated::Paths::default();
    let kinds: Vec<_> = super::generated::ALL
        .iter()
        .filter(|g| {
            plan.is_none()
                && (g.names_it)(&sites)
                && g.crate_wants.is_none_or(|w| w(src))
                && !g.crate_blocked_by.is_some_and(|b| b(&sites))
        })
        .collect();
    for g in &kinds {
        generated.set(g.module, format!("crate::{}", g.module));
    }
    let out = rewrite::migrate_file(
        src,
        &sf,
        &sites,
        FileCtx {
            cat,
            oracle,
            krate: &krate,
            edition,
            in_lib: place.in_lib,
            doc: false,
            threads: plan.as_ref(),
            generated: &generated,
            nodes: Some(&nodes),
        },
    );
    let mut counts = out.counts;
    let mut findings = out.findings;
    let mut text = out.new_text.unwrap_or_else(|| src.to_string());
    if plan.is_none() {
        // Doc comments' code blocks, on the migrated text, as the engine does.
        let mut doc_findings = Vec::new();
        if let Some(docs) =
            rewrite::doctests::migrate_doc_blocks(&text, cat, &krate, edition, &mut doc_findings)
        {
            counts.push((rewrite::doctests::RULE.into(), docs.blocks));
            text = docs.text;
        }
        findings.extend(doc_findings);
    }
    let changed = text != src;
    for g in kinds.iter().filter(|_| changed) {
        let module = (g.text)(&text, false);
        text.push_str(&module);
        counts.push((g.rule.into(), 1));
    }
    Outcome {
        text,
        counts,
        findings,
    }
}

/// The threads analysis of `src` (`src/main.rs`, edition 2021) as the engine's decision runs it
/// on each file, with `oracle` for types: the blockers and the async fns it defines and uses.
pub(crate) fn analyse_asking(
    src: &str,
    crate_async_fns: &[&str],
    oracle: &dyn crate::resolve::Oracle,
) -> crate::threads::UnitFacts {
    let sf = rewrite::parse(src, "2021").tree();
    let nodes: Vec<_> = sf.syntax().descendants().collect();
    let mut krate = CrateContext::default();
    krate.roots.insert("async_std".into());
    let place = place_of(Path::new("/pkg/src/main.rs"), Path::new("/pkg"));
    let sites = collect_crate_facts(&nodes, &place, &mut krate);
    let mut plan = crate::threads::collect_plan(&[(nodes.as_slice(), &sites)]);
    for f in crate_async_fns {
        plan.crate_async_fns.insert(f.to_string());
        plan.async_fns
            .insert(f.rsplit("::").next().unwrap_or(f).to_string());
    }
    let ctx = rewrite::Ctx {
        src,
        sf: &sf,
        sites: &sites,
        cat: Catalogue::threads(plan.mpsc),
        oracle,
        krate: &krate,
        edition: "2021",
        in_lib: false,
        doc: false,
        threads: Some(&plan),
        generated: &super::generated::Paths::NONE,
        nodes: std::cell::OnceCell::from(nodes.clone()),
    };
    crate::threads::analyse_file(&ctx, &plan, None)
}

fn target_of(handler: &str) -> HandlerTarget {
    get(handler)
        .unwrap_or_else(|| panic!("`{handler}` is not in handlers::ALL"))
        .target
}

fn counted(out: &Outcome, handler: &str) -> bool {
    out.counts.iter().any(|(r, n)| r == handler && *n > 0)
}

/// `before` migrates to `after`, the handler counting at least one site; `after` is final.
#[track_caller]
pub(crate) fn check_rewrite(handler: &str, before: &str, after: &str) {
    check_rewrite_by(&[handler], before, after)
}

/// [`check_rewrite`] in a package of another edition (`"2018"`).
#[track_caller]
pub(crate) fn check_rewrite_in_edition(handler: &str, edition: &str, before: &str, after: &str) {
    check_rewrite_inner(&[handler], edition, before, after)
}

/// [`check_rewrite`] for a case that one of several handlers (of one target) makes.
#[track_caller]
pub(crate) fn check_rewrite_by(handlers: &[&str], before: &str, after: &str) {
    check_rewrite_inner(handlers, "2021", before, after)
}

#[track_caller]
fn check_rewrite_inner(handlers: &[&str], edition: &str, before: &str, after: &str) {
    let handler = handlers.join("`/`");
    let target = target_of(handlers[0]);
    let out = migrate_in(before, target, edition);
    if out.text != after {
        panic!(
            "`{handler}`: unexpected output\n--- expected\n{after}\n--- actual\n{}\n--- findings\n{:#?}",
            out.text, out.findings
        );
    }
    assert!(
        handlers.iter().any(|h| counted(&out, h)),
        "`{handler}` did not count a site (counts: {:?})",
        out.counts
    );
    if target == HandlerTarget::Smol {
        let again = migrate_in(after, target, edition);
        assert_eq!(
            again.text, after,
            "`{handler}`: migrating the output again changed it"
        );
    }
}

/// The handler neither edits `src` nor reports anything about it.
#[track_caller]
pub(crate) fn check_not_applicable(handler: &str, src: &str) {
    let out = migrate(src, target_of(handler));
    assert!(
        !counted(&out, handler),
        "`{handler}` applied:\n{}",
        out.text
    );
    let reported: Vec<_> = out.findings.iter().filter(|f| f.rule == handler).collect();
    assert!(reported.is_empty(), "`{handler}` reported {reported:#?}");
}

/// What migrating `src` to `target` reports, one `line:col rule: message` a line, in order.
#[track_caller]
pub(crate) fn check_findings(handler: &str, src: &str, expected: &str) {
    let out = migrate(src, target_of(handler));
    let mut actual = String::new();
    for f in out.findings {
        let f = f.locate("src/main.rs", src);
        actual.push_str(&format!(
            "{}:{} {}: {}\n",
            f.line, f.column, f.rule, f.message
        ));
    }
    assert_eq!(
        actual.trim_end(),
        expected.trim_end(),
        "findings of `{handler}`'s case"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every handler's `//!` example is a case: the manual cannot drift from behaviour.
    #[test]
    fn every_handler_documents_an_example_that_runs() {
        let cat = Catalogue::smol();
        let files: std::collections::BTreeSet<&str> =
            cat.handlers.iter().map(|h| h.file.as_str()).collect();
        let mut missing = Vec::new();
        for file in files {
            let source =
                std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
            // The example shows one of the file's handlers at work.
            let ids: Vec<&str> = cat
                .handlers
                .iter()
                .filter(|h| h.file == file)
                .map(|h| h.id.as_str())
                .collect();
            match crate::rules::doc_example(&source) {
                Some((before, after)) => check_rewrite_by(&ids, &before, &after),
                None => missing.push(file),
            }
        }
        assert!(
            missing.is_empty(),
            "no Before:/After: example in {missing:?}"
        );
    }
}

/// An oracle that answers "not async-std" (and no type) and writes down each expression it is
/// asked about: what the semantic layer would be asked.
#[derive(Default)]
pub(crate) struct Asked(pub std::cell::RefCell<Vec<String>>);

impl crate::resolve::Oracle for Asked {
    fn method(&self, call: &ra_ap_syntax::ast::MethodCallExpr) -> crate::resolve::MethodFact {
        self.0.borrow_mut().push(call.to_string());
        crate::resolve::MethodFact::Other
    }
    fn std_or_inherent_method(&self, call: &ra_ap_syntax::ast::MethodCallExpr) -> bool {
        self.0.borrow_mut().push(call.to_string());
        true
    }
    fn type_of(&self, expr: &ra_ap_syntax::ast::Expr) -> Option<String> {
        self.0.borrow_mut().push(expr.to_string());
        None
    }
    fn call_is_async(&self, call: &ra_ap_syntax::ast::Expr) -> Option<bool> {
        self.0.borrow_mut().push(call.to_string());
        None
    }
    fn is_semantic(&self) -> bool {
        true
    }
}
