//! `--to auto`'s decision: the blockers of every unit of a package, units that share async fns
//! decided together, and only groups that use async-std decided at all.

use crate::engine::load::Parsed;
use crate::engine::package::oracle_of;
use crate::findings::FindingId;
use crate::resolve::semantic::Semantic;
use crate::resolve::CrateContext;
use crate::rewrite;
use crate::rules::Catalogue;
use crate::workspace::{self, Package};
use crate::Config;
use ra_ap_syntax::AstNode;
use std::collections::BTreeSet;

pub(crate) type Decisions = std::collections::BTreeMap<
    String,
    (
        Vec<crate::report::Finding>,
        std::collections::BTreeMap<String, usize>,
    ),
>;

/// The blockers of every unit, units that share async fns decided together. `dependents_blocker`:
/// why the workspace packages that use the library keep its async API (`None` when they are
/// converted with it, or there are none); `foreign`: the async fns and methods of workspace
/// libraries converted with this package (a unit that awaits them is decided, as one that uses
/// async-std is: see `engine/joint.rs`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn decide_units(
    pkg: &Package,
    files: &[Parsed],
    plans: &std::collections::BTreeMap<String, crate::threads::Plan>,
    krate: &CrateContext,
    config: &Config,
    semantic: Option<&Semantic>,
    (dependents_blocker, foreign): (Option<&str>, &BTreeSet<String>),
) -> (Decisions, std::collections::BTreeMap<String, usize>) {
    use crate::report::RawFinding;
    let mut out: Decisions = Default::default();
    let mut defines: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut uses: Vec<(String, BTreeSet<String>)> = Vec::new();
    // Files whose only use of futures is joins that become scoped threads (`join.rs`).
    let mut futures_joins_only: BTreeSet<String> = BTreeSet::new();
    // Units that await a converted workspace library's async fns.
    let mut reach_foreign: BTreeSet<String> = BTreeSet::new();
    let pkg_blockers = crate::threads::package_blockers(&pkg.deps);
    for f in files {
        let entry = out.entry(f.unit.clone()).or_default();
        for s in &f.sites.paths {
            let module = s.canon.get(1).cloned().unwrap_or_default();
            *entry.1.entry(module).or_default() += 1;
        }
        let plan = &plans[&f.unit];
        let cat = Catalogue::threads(plan.mpsc);
        let Some(sf) = &f.sf else {
            entry.0.push(
                RawFinding::not_migrated(
                    0,
                    FindingId::SyntaxError,
                    "the file has syntax errors",
                    "fix them and run again",
                )
                .locate(&f.file, &f.text),
            );
            continue;
        };
        let owned = semantic.and_then(|s| s.oracle_for(&f.path, f.gates.as_ref()));
        let oracle = oracle_of(&owned);
        let ctx = rewrite::Ctx {
            src: &f.text,
            sf,
            sites: &f.sites,
            cat,
            oracle,
            krate,
            edition: &pkg.edition,
            in_lib: f.place.in_lib,
            doc: false,
            threads: Some(plan),
            generated: &crate::handlers::generated::Paths::NONE,
            nodes: std::cell::OnceCell::from(f.nodes.clone()),
        };
        let is_main = f.file.ends_with("src/main.rs");
        let lib_file = f.unit == "src" && pkg.has_lib && !is_main;
        let public_api = if let Some(why) = dependents_blocker.filter(|_| lib_file) {
            Some(why.to_string())
        } else if lib_file && pkg.publish && !config.allow_api_change {
            Some("is the library's public API: making it blocking breaks its users".to_string())
        } else {
            None
        };
        let mut facts = crate::threads::analyse_file(&ctx, plan, public_api.as_deref());
        if crate::threads::join::only_joins(&ctx, plan) {
            futures_joins_only.insert(f.file.clone());
        }
        for b in std::mem::take(&mut facts.blockers) {
            entry.0.push(b.locate(&f.file, &f.text));
        }
        // Doc examples become the blocking form of the code they document, unless one of them
        // needs a runtime itself.
        if doc_mentions_async_std(sf, &f.text, &krate.roots) {
            let why = rewrite::doctests::threads_blockers(&f.text, plan, krate, &pkg.edition);
            if let Some(why) = why.first() {
                entry.0.push(
                    RawFinding::not_migrated(
                        0,
                        FindingId::DocExamples,
                        format!(
                            "a doc example needs an async runtime (doctests would lose it): {why}"
                        ),
                        "kept on an async runtime (smol with --to auto)",
                    )
                    .locate(&f.file, &f.text),
                );
            }
        }
        // Crates that use the package's library are decided with it: its async API (if it
        // keeps one) needs them async too.
        if let Some(lib) = krate.lib_name.as_ref().filter(|_| pkg.has_lib) {
            let names: BTreeSet<String> = [lib.clone(), "crate".to_string()].into();
            if f.unit == "src" {
                facts.defines.insert("<library>".into());
            } else if workspace::mentions_any(&f.text, &names) {
                facts.uses.insert("<library>".into());
            }
        }
        if facts.uses.iter().any(|n| foreign.contains(n)) {
            reach_foreign.insert(f.unit.clone());
        }
        defines.push((f.unit.clone(), facts.defines));
        uses.push((f.unit.clone(), facts.uses));
    }
    // Units that touch neither async-std nor async fns are not decided at all.
    out.retain(|unit, (b, u)| {
        !b.is_empty()
            || !u.is_empty()
            || reach_foreign.contains(unit)
            || defines.iter().any(|(un, d)| un == unit && !d.is_empty())
    });
    // An async dependency blocks the crates that name it.
    for (name, why) in &pkg_blockers {
        let names: BTreeSet<String> = [name.clone()].into();
        for f in files {
            if !workspace::mentions_any(&f.text, &names)
                || (name == "futures" && futures_joins_only.contains(&f.file))
            {
                continue;
            }
            if let Some((b, _)) = out.get_mut(&f.unit) {
                let line = f
                    .text
                    .lines()
                    .position(|l| workspace::mentions_any(l, &names))
                    .map_or(1, |i| i + 1);
                b.push(crate::report::Finding {
                    file: f.file.clone(),
                    line,
                    column: 1,
                    rule: FindingId::AsyncDependency.into(),
                    severity: crate::report::Severity::NotMigrated,
                    message: why.clone(),
                    advice: "kept on an async runtime (smol with --to auto)".into(),
                });
            }
        }
    }
    // A unit that awaits another unit's async fns is decided with it.
    let units: Vec<String> = out.keys().cloned().collect();
    let mut group: std::collections::BTreeMap<String, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.clone(), i))
        .collect();
    loop {
        let mut changed = false;
        for (u, names) in &uses {
            for (v, defs) in &defines {
                if u != v && names.iter().any(|n| defs.contains(n)) {
                    let (Some(&gu), Some(&gv)) = (group.get(u), group.get(v)) else {
                        continue;
                    };
                    if gu != gv {
                        let (lo, hi) = (gu.min(gv), gu.max(gv));
                        for g in group.values_mut() {
                            if *g == hi {
                                *g = lo;
                            }
                        }
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    // Only groups that use async-std (or a workspace library converted with them) are decided:
    // async code with neither in reach is driven by someone else's runtime (a library's users),
    // and is left alone.
    let with_uses: BTreeSet<usize> = out
        .iter()
        .filter(|(un, (_, u))| !u.is_empty() || reach_foreign.contains(*un))
        .filter_map(|(u, _)| group.get(u).copied())
        .collect();
    out.retain(|u, _| group.get(u).is_some_and(|g| with_uses.contains(g)));
    let units: Vec<String> = out.keys().cloned().collect();
    let blocked_groups: BTreeSet<usize> = out
        .iter()
        .filter(|(_, (b, _))| !b.is_empty())
        .filter_map(|(u, _)| group.get(u).copied())
        .collect();
    for u in &units {
        let g = group[u];
        let entry = out.get_mut(u).unwrap();
        if entry.0.is_empty() && blocked_groups.contains(&g) {
            let others: Vec<&String> = group
                .iter()
                .filter(|(v, gv)| **gv == g && *v != u)
                .map(|(v, _)| v)
                .collect();
            entry.0.push(crate::report::Finding {
                file: u.clone(),
                line: 1,
                column: 1,
                rule: FindingId::SharedAsyncFns.into(),
                severity: crate::report::Severity::NotMigrated,
                message: format!(
                    "calls async fns shared with {}, which needs a runtime",
                    others
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                advice: "decided with the crates it shares async fns with".into(),
            });
        }
        entry.0.sort();
        entry.0.dedup();
    }
    (out, group)
}

/// Whether a doc comment of the file shows async-std code.
fn doc_mentions_async_std(
    sf: &ra_ap_syntax::ast::SourceFile,
    text: &str,
    roots: &BTreeSet<String>,
) -> bool {
    // By lines first: a line doc comment runs to the end of its line, so a mention must follow
    // a `///` or `//!` on it; without one (and without block doc comments) no token is walked.
    let candidate = text.lines().any(|l| {
        ["///", "//!"]
            .iter()
            .filter_map(|m| l.find(m))
            .min()
            .is_some_and(|at| workspace::mentions_any(&l[at..], roots))
    });
    if !candidate && !text.contains("/**") && !text.contains("/*!") {
        return false;
    }
    sf.syntax()
        .descendants_with_tokens()
        .filter_map(|t| t.into_token())
        .filter(|t| t.kind() == ra_ap_syntax::SyntaxKind::COMMENT)
        .any(|t| {
            let s = t.text();
            (s.starts_with("///") || s.starts_with("//!") || s.starts_with("/**"))
                && workspace::mentions_any(s, roots)
        })
}
