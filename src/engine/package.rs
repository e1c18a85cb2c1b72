//! Migrating one package: the threads decision per unit (a crate of its own: the library with
//! the main binary, or one example, test, bench or bin), then each candidate file to its target,
//! into the workspace's report; what its manifest needs is returned.

use super::load::Parsed;
use super::rel;
use crate::findings::FindingId;
use crate::report::{FileChange, RootReport};
use crate::resolve::semantic::Semantic;
use crate::resolve::{CrateContext, NoTypes, Oracle};
use crate::rewrite::{self, FileCtx};
use crate::rules::Catalogue;
use crate::workspace::{self, Package};
use crate::{Config, Target};
use ra_ap_syntax::AstNode;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Migrates one package's files into `report` as [`decide`] chose; returns what its manifest
/// needs, and each migrated file's crate key (`lib`, `main`, `tests/x`: see
/// [`library_components`]).
///
/// `held`: the package runs code that needs async-std's runtime (its own library, or a workspace
/// package it depends on, calls `spawn_local` or reads task-locals): what and where. Such a
/// package keeps async-std's runtime in every file, entry points included: a `smol::block_on`
/// never polls what async-std's thread-local executor holds, and the program would wait forever.
#[allow(clippy::too_many_arguments)]
pub(super) fn migrate_package(
    root: &Path,
    pkg: &Package,
    (ctx, files): (CrateContext, Vec<Parsed>),
    held: Option<&str>,
    decision: Decision,
    config: &Config,
    semantic: Option<&Semantic>,
    report: &mut RootReport,
) -> (
    crate::manifest::Needs,
    std::collections::BTreeMap<String, String>,
) {
    let Decision {
        threads_wanted,
        threads_units,
        plans,
        crates,
        findings,
    } = decision;
    report.crates.extend(crates);
    report.findings.extend(findings);
    // Units (a crate of their own) that use runtime-bound items outside the library: every file
    // of such a unit stays on async-std, its entry point too.
    let mut bound_units: std::collections::BTreeMap<crate::threads::Unit, String> =
        Default::default();
    for f in files.iter().filter(|f| !f.place.in_lib) {
        if let Some(why) = runtime_bound_here(f, &ctx) {
            bound_units.entry(f.unit.clone()).or_insert(why);
        }
    }
    let mut needs = crate::manifest::Needs {
        tokio_context_held: pkg
            .tokio_context
            .as_ref()
            .is_some_and(|t| holds(pkg, t, library_names_async_std(pkg, &files))),
        ..Default::default()
    };

    let mut generated = GeneratedModules::of(pkg, &files, ctx.local_executor_of.as_deref());
    // Each file's crate key (`lib`, `main`, `tests/x`), for the library's components.
    let units: std::collections::BTreeMap<String, String> = files
        .iter()
        .map(|f| (f.file.clone(), crate_key(pkg, f)))
        .collect();
    // Reads through shared references, per crate of the package (twitchchat's bound, cap-std's
    // impls): where, and whether by a generic bound (streams and files) or an impl for `&T`
    // (files: `&stream` reads in impls are net-shared-ref's, which clones the stream).
    let mut ref_io: std::collections::BTreeMap<String, (String, RefIo)> = Default::default();
    for f in &files {
        if let Some((at, kind)) = reads_through_refs(&f.text) {
            let loc = format!("{}:{}", f.file, crate::report::line_col(&f.text, at).0);
            ref_io.entry(crate_key(pkg, f)).or_insert((loc, kind));
        }
    }
    for f in files {
        let Some(sf) = &f.sf else {
            needs.keep_async_std |= workspace::mentions_any(&f.text, &ctx.roots);
            continue;
        };
        let threads = threads_unit(&threads_units, &f.unit);
        if threads_wanted && !threads && config.target == Target::Threads {
            // Left whole: its blockers are reported above.
            needs.keep_async_std |= !f.sites.paths.is_empty() || !f.sites.leaves.is_empty();
            continue;
        }
        if !threads
            && f.sites.paths.is_empty()
            && f.sites.leaves.is_empty()
            && f.sites.extern_crates.is_empty()
            && !workspace::mentions_any(&f.text, &ctx.roots)
        {
            continue; // a candidate only for its `async` words
        }
        // The library's public items whose signatures change.
        let in_library = f.place.in_lib
            && pkg.has_lib
            && !f.file.ends_with("src/main.rs")
            && !f.file.contains("/src/bin/");
        if in_library {
            let cat = if threads {
                crate::rules::Catalogue::threads(plans[&f.unit].mpsc)
            } else {
                crate::rules::Catalogue::smol()
            };
            // An item the crate has a generated module for is that module's.
            let gen = (!threads).then(|| generated.paths_for(pkg, &f));
            let map = |canon: &[String]| {
                gen.as_ref()
                    .and_then(|g| g.item_for(canon))
                    .or_else(|| cat.lookup(canon).and_then(|m| m.path))
            };
            report.api_changes.extend(crate::api::changes(
                &f.file, &f.text, &f.nodes, &f.sites, &map, threads,
            ));
        }
        // The file's oracle, once for every question below (the first builds the file's tree in
        // the database).
        let owned = semantic.and_then(|s| s.oracle_for(&f.path, f.gates.as_ref()));
        // Which of its cfg-gated code rust-analyzer saw (the rest is judged by syntax).
        if let Some(o) = owned.as_ref().filter(|_| f.text.contains("cfg")) {
            for r in crate::resolve::cfg_regions::regions(sf, &f.sites, o) {
                let Some(active) = r.active else { continue };
                report.cfg_regions.push(crate::report::CfgRegion {
                    file: f.file.clone(),
                    line: crate::report::line_col(&f.text, r.offset).0,
                    cfg: r.cfg,
                    seen_by: if active {
                        crate::report::SeenBy::RustAnalyzer
                    } else {
                        crate::report::SeenBy::Syntax
                    },
                });
            }
        }
        if threads {
            let plan = &plans[&f.unit];
            migrate_threads_file(
                &f,
                sf,
                &ctx,
                plan,
                pkg,
                oracle_of(&owned),
                report,
                &mut needs,
            );
        } else {
            let held_here = held.or(bound_units.get(&f.unit).map(String::as_str));
            let gen = generated.paths_for(pkg, &f);
            let changed = report.files.len();
            migrate_smol_file(
                &f,
                sf,
                &ctx,
                (held_here, ref_io.get(&crate_key(pkg, &f))),
                &gen,
                pkg,
                oracle_of(&owned),
                report,
                &mut needs,
            );
            if !gen.is_empty() && report.files.len() > changed {
                let text = report
                    .files
                    .last()
                    .map(|fc| fc.after.clone())
                    .unwrap_or_default();
                generated.used(pkg, &f, &text);
            }
        }
    }
    needs.smol |= generated.write_modules(root, pkg, report);
    // futures' joins became scoped threads: the dependency goes when no file names it now.
    let futures = ctx
        .futures_crate
        .clone()
        .unwrap_or_else(|| "futures".into());
    let file_of = |p: &PathBuf| report.files.iter().find(|fc| fc.file == rel(root, p));
    let joined = pkg
        .files
        .iter()
        .any(|p| file_of(p).is_some_and(|fc| fc.rules.contains_key(crate::threads::join::RULE)));
    if joined {
        let names: BTreeSet<String> = [futures].into();
        let still = pkg.files.iter().any(|p| match file_of(p) {
            Some(fc) => workspace::mentions_any(&fc.after, &names),
            None => {
                std::fs::read_to_string(p).map_or(true, |t| workspace::mentions_any(&t, &names))
            }
        });
        if !still {
            needs.unused.insert("futures".into());
        }
    }
    (needs, units)
}

/// `--to auto`/`--to threads`: which units (a crate of their own) of a package become blocking
/// std, with each unit's decision for the report.
#[derive(Debug, Default)]
pub(super) struct Decision {
    /// The target asks for threads and nothing holds the package to a runtime.
    pub threads_wanted: bool,
    /// The units converted to threads.
    pub threads_units: BTreeSet<String>,
    /// Each unit's plan (its async fns, channel flavour, ...).
    pub plans: std::collections::BTreeMap<String, crate::threads::Plan>,
    /// The report's crate decisions, and (`--to threads`) the blockers as findings.
    pub crates: Vec<crate::report::CrateDecision>,
    pub findings: Vec<crate::report::Finding>,
}

/// What the workspace's other packages mean for one package's decision (see
/// `engine::joint_threads`).
#[derive(Debug, Default, Clone)]
pub(super) struct Neighbours {
    /// The package's library is converted together with the workspace packages that use it:
    /// their use is no blocker. `None`: why they are one (they would stop compiling).
    pub dependents_blocker: Option<String>,
    /// Async fns and methods of workspace libraries this package uses that become blocking
    /// with it: their awaits go as the package's own do.
    pub async_fns: BTreeSet<String>,
    pub async_methods: BTreeSet<String>,
    /// Of those, the async fns at a library's root, as `lib::name` (`threads::Plan`).
    pub crate_async_fns: BTreeSet<String>,
}

/// Decides which units of a package go to threads (see [`Decision`]).
pub(super) fn decide(
    root: &Path,
    pkg: &Package,
    (ctx, files): (&CrateContext, &[Parsed]),
    held: Option<&str>,
    neighbours: &Neighbours,
    config: &Config,
    semantic: Option<&Semantic>,
) -> Decision {
    // A package whose tasks carry a generated module's state (its library's task-locals or local
    // executor, package-wide, or a workspace dependency's) stays on smol: a thread is no task of
    // the module, and the library's code would panic there.
    let module_bound = ctx.local_executor_of.is_some()
        || files.iter().any(|f| {
            f.place.in_lib
                && crate::handlers::generated::ALL
                    .iter()
                    .any(|g| g.package_wide && (g.names_it)(&f.sites))
        });
    // A package that enabled async-std's Tokio context uses Tokio-based futures: they need a
    // runtime, not threads.
    let threads_wanted = config.target != Target::Smol
        && held.is_none()
        && !module_bound
        && pkg.tokio_context.is_none();
    let package = {
        let r = rel(root, &pkg.dir);
        if r.is_empty() {
            ".".to_string()
        } else {
            r
        }
    };
    // Which units go to threads.
    let mut threads_units: BTreeSet<String> = BTreeSet::new();
    let mut plans: std::collections::BTreeMap<String, crate::threads::Plan> = Default::default();
    let mut crates = Vec::new();
    let mut findings = Vec::new();
    if threads_wanted {
        // Facts per unit (a crate of its own), async fns known package-wide.
        let mut all_async = BTreeSet::new();
        let mut all_methods = BTreeSet::new();
        let mut unit_names: BTreeSet<String> = files.iter().map(|f| f.unit.clone()).collect();
        for u in std::mem::take(&mut unit_names) {
            let pairs: Vec<_> = files
                .iter()
                .filter(|f| f.unit == u)
                .filter(|f| f.sf.is_some())
                .map(|f| (f.nodes.as_slice(), &f.sites))
                .collect();
            let p = crate::threads::collect_plan(&pairs);
            all_async.extend(p.async_fns.iter().cloned());
            all_methods.extend(p.async_methods.iter().cloned());
            plans.insert(u, p);
        }
        // The workspace libraries converted with this package: their calls lose `.await` too.
        all_async.extend(neighbours.async_fns.iter().cloned());
        all_methods.extend(neighbours.async_methods.iter().cloned());
        for p in plans.values_mut() {
            p.async_fns = all_async.clone();
            p.async_methods = all_methods.clone();
            p.crate_async_fns = neighbours.crate_async_fns.clone();
        }
        let (decided, groups) = crate::threads::decide::decide_units(
            pkg,
            files,
            &plans,
            ctx,
            config,
            semantic,
            (
                neighbours.dependents_blocker.as_deref(),
                &neighbours
                    .async_fns
                    .union(&neighbours.async_methods)
                    .cloned()
                    .collect(),
            ),
        );
        // Units decided together share one channel flavour.
        let flavours: Vec<(String, bool)> = plans
            .keys()
            .map(|u| {
                let g = groups.get(u);
                let mpsc = plans
                    .iter()
                    .filter(|(v, _)| groups.get(*v) == g)
                    .all(|(_, p)| p.mpsc);
                (u.clone(), mpsc)
            })
            .collect();
        for (u, mpsc) in flavours {
            if let Some(p) = plans.get_mut(&u) {
                p.mpsc = mpsc;
            }
        }
        for (unit, (blockers, uses)) in decided {
            let target = if blockers.is_empty() {
                threads_units.insert(unit.clone());
                "threads"
            } else if config.target == Target::Threads {
                "unchanged"
            } else {
                "smol"
            };
            if config.target == Target::Threads {
                findings.extend(blockers.iter().cloned());
            }
            crates.push(crate::report::CrateDecision {
                package: package.clone(),
                unit,
                target: target.into(),
                blockers,
                uses,
            });
        }
    }
    Decision {
        threads_wanted,
        threads_units,
        plans,
        crates,
        findings,
    }
}

/// A file a crate includes as its docs (`#![doc = include_str!("../README.md")]`) whose code
/// blocks show async-std code: they are doctests of the crate.
#[derive(Debug, Clone)]
pub(super) struct IncludedDoc {
    /// The including file (relative to the PATH), its text, and where `include_str!` is in it.
    pub file: String,
    pub text: String,
    pub at: usize,
    /// The string `include_str!` names, the included file and its text.
    pub lit: String,
    pub path: PathBuf,
    pub doc: String,
}

/// The files `text` (the file at `path`) includes as its docs that show async-std code
/// (`names`).
pub(super) fn included_docs(
    root: &Path,
    path: &Path,
    text: &str,
    names: &BTreeSet<String>,
) -> Vec<IncludedDoc> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("include_str!") {
        // In a `doc` attribute: `#![doc = include_str!(..)]`, `#[doc = include_str!(..)]`.
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let head: String = text[line_start..at].split_whitespace().collect();
        if !(head.ends_with("doc=") && head.starts_with('#')) {
            continue;
        }
        let Some(lit) = text[at + "include_str!".len()..]
            .trim_start()
            .strip_prefix('(')
            .and_then(|r| r.trim_start().strip_prefix('"'))
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        let included =
            crate::module_tree::normalise(&path.parent().unwrap_or(Path::new(".")).join(lit));
        let Ok(doc) = std::fs::read_to_string(&included) else {
            continue;
        };
        if workspace::mentions_any(&doc, names) {
            found.push(IncludedDoc {
                file: rel(root, path),
                text: text.to_string(),
                at,
                lit: lit.to_string(),
                path: included,
                doc,
            });
        }
    }
    found
}

/// Reports an included doc file whose examples stay on async-std: its package keeps async-std.
pub(super) fn included_doc_kept(d: &IncludedDoc, report: &mut RootReport) {
    report.findings.push(
        crate::report::RawFinding::not_migrated(
            d.at,
            FindingId::IncludedDocs,
            format!(
                "`{}` is included as this crate's docs and shows async-std code: its examples are doctests, so async-std stays for them",
                d.lit
            ),
            "migrate the examples of that file by hand (as the doc comments were), then drop async-std",
        )
        .locate(&d.file, &d.text),
    );
}

/// The included doc files of a package whose library went to smol: their code blocks are
/// migrated as doc comments' are (`rewrite::doctests::migrate_markdown`), and the file is written
/// with the package's; one whose examples keep async-std code is reported, and async-std stays.
pub(super) fn migrate_included_docs(
    root: &Path,
    pkg: &Package,
    docs: &[IncludedDoc],
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) -> bool {
    let on_smol = needs.smol && !needs.keep_async_std;
    let mut any = false;
    let mut krate = CrateContext {
        roots: pkg.roots.clone(),
        lib_name: pkg.lib_name.clone(),
        ..Default::default()
    };
    krate.roots.insert("async_std".into());
    for d in docs {
        let file = rel(root, &d.path);
        if report.files.iter().any(|f| f.file == file) {
            continue; // included by two crates of the package: written once
        }
        let mut findings = Vec::new();
        let migrated = on_smol
            .then(|| {
                rewrite::doctests::migrate_markdown(
                    &d.doc,
                    &Catalogue::smol(),
                    &krate,
                    &pkg.edition,
                    &mut findings,
                )
            })
            .flatten();
        match migrated {
            Some((after, blocks)) => {
                any = true;
                report.files.push(FileChange {
                    file,
                    before: d.doc.clone(),
                    after,
                    rules: [(rewrite::doctests::RULE.to_string(), blocks)].into(),
                    crates: ["smol".to_string()].into(),
                });
            }
            _ => {
                included_doc_kept(d, report);
                needs.keep_async_std = true;
            }
        }
    }
    any && !needs.keep_async_std
}

/// Whether async-std's Tokio context keeps the package on async-std: Tokio before 1 (no
/// async-compat serves it), a context only some of the package's features give (an optional
/// async-std whose `tokio1` a feature list enables, `rt = ["async-std?/tokio1"]`: the wrapper
/// would have to follow that feature), or a published library whose own code names async-std
/// and that enables it outside [dev-dependencies] (async-std's features are unified: its users'
/// runtimes entered the context for its futures, and no wrapper inside the library gives it to
/// them; the workspace's own dependents inherit the context and wrap what they drive). An
/// optional async-std with `tokio1` in its own entry gives the context wherever it is enabled:
/// an optional async-compat follows it (`manifest::migrate`). `lib_names_async_std`: see
/// [`library_names_async_std`].
fn holds(pkg: &Package, t: &crate::manifest::TokioContext, lib_names_async_std: bool) -> bool {
    let served = &crate::tables::smol_api().tokio_context_served;
    !served.contains(&t.feature)
        || (t.optional && t.through.is_some())
        || (pkg.has_lib && pkg.publish && !t.dev_only && lib_names_async_std)
}

/// Whether the package's library names async-std (its binaries, examples or tests only: the
/// Tokio context served the futures they drive, which the migration wraps).
fn library_names_async_std(pkg: &Package, files: &[Parsed]) -> bool {
    files.iter().any(|f| {
        crate_key(pkg, f) == "lib" && (!f.sites.paths.is_empty() || !f.sites.leaves.is_empty())
    })
}

/// A package that enabled async-std's `tokio1` feature: the futures its migrated code (and its
/// doc examples) drives with smol's `block_on` and `spawn` enter a Tokio context, as they did
/// under async-std (`rewrite/tokio_context.rs`), and the manifest gets async-compat. Runs before
/// [`library_components`] (which keeps the wrappers).
pub(super) fn enter_tokio_context(
    root: &Path,
    pkg: &Package,
    units: &std::collections::BTreeMap<String, String>,
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) {
    let Some(context) = pkg
        .tokio_context
        .as_ref()
        .filter(|_| !needs.tokio_context_held)
    else {
        return;
    };
    // The package's files, and the modules the migration generated in its `src/`.
    let src = rel(root, &pkg.dir.join("src"));
    let mut dev_only = true;
    let mut any = false;
    for fc in report.files.iter_mut() {
        let unit = units.get(&fc.file).map(String::as_str);
        let generated = fc.before.is_empty() && fc.file.starts_with(&format!("{src}/"));
        if unit.is_none() && !generated {
            continue;
        }
        let dev = unit.is_some_and(|u| {
            ["tests", "examples", "benches"]
                .iter()
                .any(|d| u == *d || u.starts_with(&format!("{d}/")))
        });
        // A context only [dev-dependencies] gave: only tests, examples, benches and doc
        // examples ran in it.
        let code = dev || !context.dev_only;
        let Some(e) = rewrite::tokio_context::enter(&fc.after, &pkg.edition, code) else {
            continue;
        };
        dev_only &= dev || e.in_code == 0;
        any = true;
        fc.after = e.text;
        *fc.rules
            .entry(FindingId::TokioContext.as_str().to_string())
            .or_default() += e.in_code + e.in_docs;
    }
    if any {
        needs.async_compat = Some(dev_only);
    }
}

/// A library's smol paths become the component crates' (`rewrite/components.rs`), and its
/// manifest depends on those: when the package's binaries do not name smol (they need the
/// runtime, and their package depends on it anyway), no async-std stays, and its async-std
/// entries outside [dev-dependencies] are plain ones. `units`: each migrated file's crate key.
pub(super) fn library_components(
    root: &Path,
    pkg: &Package,
    units: &std::collections::BTreeMap<String, String>,
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) {
    use crate::rewrite::components::{to_components, Outcome};
    if !pkg.has_lib || needs.keep_async_std {
        return;
    }
    // A file the migration did not read (a library root that got a generated module) is known
    // by its place.
    let lib_root = rel(root, &pkg.dir.join("src/lib.rs"));
    let mine = |fc: &FileChange| -> Option<&str> {
        units
            .get(&fc.file)
            .map(String::as_str)
            .or((fc.file == lib_root).then_some("lib"))
    };
    // By the text too: what a file names once every rewrite is in.
    let smol_in = |fc: &FileChange| fc.crates.contains("smol") || fc.after.contains("smol::");
    let binary_names_smol = report
        .files
        .iter()
        .any(|fc| mine(fc).is_some_and(|k| k == "main" || k.starts_with("src/bin")) && smol_in(fc));
    let names_smol = |fc: &FileChange| mine(fc).is_some_and(|k| k == "lib") && smol_in(fc);
    if binary_names_smol || !report.files.iter().any(names_smol) {
        return;
    }
    let Ok(manifest) = std::fs::read_to_string(&pkg.manifest_path) else {
        return;
    };
    if !crate::manifest::components_allowed(&manifest) {
        return;
    }
    // Every library file first: one path without a component keeps smol for the package.
    let mut rewritten = Vec::new();
    for (i, fc) in report
        .files
        .iter()
        .enumerate()
        .filter(|(_, fc)| names_smol(fc))
    {
        match to_components(&fc.after, &pkg.edition) {
            // smol only in doc comments or test code.
            Outcome::Unchanged => rewritten.push((i, fc.after.clone(), Default::default())),
            Outcome::Components { text, crates } => rewritten.push((i, text, crates)),
            Outcome::Keeps(path) => {
                report.manifest_notes.push(format!(
                    "{}: the library keeps smol: `{path}` ({}) is smol's own, in no crate smol is made of",
                    rel(root, &pkg.manifest_path),
                    fc.file
                ));
                return;
            }
        }
    }
    let mut crates = std::collections::BTreeSet::new();
    let mut docs_smol = false;
    for (i, text, used) in rewritten {
        let fc = &mut report.files[i];
        // What still says `smol::` is in doc comments or test code: the package's tests.
        docs_smol |= text.contains("smol::");
        fc.after = text;
        fc.crates.remove("smol");
        fc.crates.extend(used.iter().map(|c| c.replace('-', "_")));
        if !used.is_empty() {
            *fc.rules.entry("components".into()).or_default() += 1;
        }
        crates.extend(used);
    }
    needs.components = crate::manifest::component_bits(&crates);
    needs.smol = docs_smol
        || report
            .files
            .iter()
            .any(|fc| mine(fc).is_some_and(|k| k != "lib") && smol_in(fc));
}

/// The crates of a package that name an async-std item smol has no type for and that the tool
/// writes a small module for (`handlers::generated::ALL`: `TimeoutError`, `Condvar`, `SyncFuture`), per kind
/// and crate key: `lib`, `main` (src/main.rs) or the unit (`tests/x`).
struct GeneratedModules {
    kinds: Vec<GeneratedKind>,
    /// How the package's async-std is gated, read once from its manifest: a target `cfg`, the
    /// features of an optional entry, and whether it is a dev-dependency too.
    target_gate: Option<String>,
    feature_gate: Option<String>,
    dev: bool,
}

struct GeneratedKind {
    gen: &'static crate::handlers::generated::Generated,
    naming: BTreeSet<String>,
    /// The library's module path, when the library names the item: the package's other crates
    /// use its type (what they get from the library is of it).
    lib_path: Option<String>,
    /// A workspace dependency's module every crate of the package uses instead of one of its
    /// own (a local executor the package's entry points drive).
    external: Option<String>,
    /// Crates whose root gets the module: a migrated file of theirs uses it.
    used: BTreeSet<String>,
    /// Tests, examples and benches get a module of their own, not the library's: the library's
    /// is gated by the feature of an optional async-std that they have without the feature (a
    /// dev-dependency too).
    own_dev_units: bool,
}

/// A crate key of a test, an example or a bench (they get [dev-dependencies]).
fn is_dev_unit(key: &str) -> bool {
    ["tests/", "examples/", "benches/"]
        .iter()
        .any(|d| key.starts_with(d))
}

impl GeneratedModules {
    /// `driven`: the module of a workspace dependency's local executor this package drives.
    fn of(pkg: &Package, files: &[Parsed], driven: Option<&str>) -> Self {
        let manifest = std::fs::read_to_string(&pkg.manifest_path).unwrap_or_default();
        let target_gate = crate::manifest::async_std_target_cfg(&manifest);
        let feature_gate = crate::manifest::async_std_feature_cfg(&manifest);
        let dev = crate::manifest::async_std_dev_dependency(&manifest);
        let dev_without_feature = feature_gate.is_some() && dev;
        let kinds = crate::handlers::generated::ALL
            .iter()
            .map(|gen| {
                // The crates with what the module serves (`crate_wants`, in any file of theirs).
                let wanting: Option<BTreeSet<String>> = gen.crate_wants.map(|wants| {
                    files
                        .iter()
                        .filter(|f| wants(&f.text))
                        .map(|f| crate_key(pkg, f))
                        .collect()
                });
                let blocked: BTreeSet<String> = gen
                    .crate_blocked_by
                    .map(|blocks| {
                        files
                            .iter()
                            .filter(|f| blocks(&f.sites))
                            .map(|f| crate_key(pkg, f))
                            .collect()
                    })
                    .unwrap_or_default();
                let naming: BTreeSet<String> = files
                    .iter()
                    .filter(|f| (gen.names_it)(&f.sites))
                    .map(|f| crate_key(pkg, f))
                    .filter(|k| wanting.as_ref().is_none_or(|w| w.contains(k)))
                    .filter(|k| !blocked.contains(k))
                    .filter(|k| root_file(pkg, k).is_some())
                    .collect();
                let lib_path = pkg
                    .lib_name
                    .as_ref()
                    .filter(|_| gen.shared && naming.contains("lib"))
                    .map(|l| format!("{l}::{}", gen.module));
                let external = driven
                    .filter(|d| d.ends_with(&format!("::{}", gen.module)))
                    .map(str::to_string);
                GeneratedKind {
                    gen,
                    naming,
                    lib_path,
                    external,
                    used: BTreeSet::new(),
                    own_dev_units: dev_without_feature && (gen.text)("", true).contains("smol::"),
                }
            })
            .collect();
        GeneratedModules {
            kinds,
            target_gate,
            feature_gate,
            dev,
        }
    }

    /// The module paths a file names the items by (`crate::condvar`), per kind, when its crate
    /// names them.
    fn paths_for(&self, pkg: &Package, f: &Parsed) -> crate::handlers::generated::Paths {
        let key = crate_key(pkg, f);
        let mut out = crate::handlers::generated::Paths::default();
        for k in &self.kinds {
            if let Some(path) = &k.external {
                out.set(k.gen.module, path.clone());
                continue;
            }
            let package_wide = k.gen.package_wide && k.lib_path.is_some();
            if !k.naming.contains(&key) && !package_wide {
                continue;
            }
            let own = k.own_dev_units && is_dev_unit(&key);
            let path = match &k.lib_path {
                Some(lib) if key != "lib" && !own => lib.clone(),
                _ => format!("crate::{}", k.gen.module),
            };
            out.set(k.gen.module, path);
        }
        out
    }

    /// A migrated file of `f`'s crate uses the modules: the crates that define them get them.
    fn used(&mut self, pkg: &Package, f: &Parsed, text: &str) {
        let key = crate_key(pkg, f);
        for k in self.kinds.iter_mut().filter(|k| k.external.is_none()) {
            // A module the migrated text does not name is not needed for it.
            let named = k.gen.package_wide
                || workspace::mentions_any(text, &[k.gen.module.to_string()].into());
            if named && (k.naming.contains(&key) || (k.gen.package_wide && k.lib_path.is_some())) {
                let own = k.own_dev_units && is_dev_unit(&key);
                k.used.insert(if k.lib_path.is_some() && !own {
                    "lib".into()
                } else {
                    key.clone()
                });
            }
        }
    }

    /// Each module at the end of each root file that needs it (changed already, or not); whether
    /// one names smol.
    fn write_modules(&self, root: &Path, pkg: &Package, report: &mut RootReport) -> bool {
        let mut smol = false;
        // Gated as the package's async-std is (a `[target.'cfg(..)'.dependencies]` entry).
        // And by the features that enable an optional async-std: the runtime the module names
        // is optional too (the feature names are renamed with the code's, after).
        // Tests, examples and benches have async-std (smol, after) without the feature when it
        // is a dev-dependency too: theirs are not feature-gated then.
        let (target_gate, feature_gate, dev) = (&self.target_gate, &self.feature_gate, self.dev);
        for k in &self.kinds {
            for key in &k.used {
                let dev_unit = is_dev_unit(key);
                let gated = |module: String| {
                    // Only a module that names the runtime needs its feature (std-only ones
                    // serve code of any configuration).
                    let feature = feature_gate
                        .as_ref()
                        .filter(|_| !(dev && dev_unit) && module.contains("smol::"));
                    let gate = match (target_gate, feature) {
                        (Some(t), Some(f)) => Some(format!("all({t}, {f})")),
                        (t, f) => t.clone().or(f.cloned()),
                    };
                    match &gate {
                        Some(pred) => gate_module(&module, pred),
                        None => module,
                    }
                };
                let Some(path) = root_file(pkg, key) else {
                    continue;
                };
                let file = rel(root, &path);
                let public = key == "lib";
                let rule = k.gen.rule.to_string();
                // The crates the module's code names (the manifest needs them where it is).
                let names = |module: &str| -> BTreeSet<String> {
                    ["smol"]
                        .into_iter()
                        .filter(|c| module.contains(&format!("{c}::")))
                        .map(str::to_string)
                        .collect()
                };
                if let Some(fc) = report.files.iter_mut().find(|fc| fc.file == file) {
                    let module = gated((k.gen.text)(&fc.after, public));
                    fc.after.push_str(&module);
                    fc.crates.extend(names(&module));
                    smol |= fc.crates.contains("smol");
                    *fc.rules.entry(rule).or_default() += 1;
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let module = gated((k.gen.text)(&text, public));
                smol |= names(&module).contains("smol");
                report.files.push(FileChange {
                    file,
                    before: text.clone(),
                    crates: names(&module),
                    after: format!("{text}{module}"),
                    rules: [(rule, 1)].into_iter().collect(),
                });
            }
        }
        smol
    }
}

/// A generated module's text with `#[cfg(pred)]` before its `mod` line.
fn gate_module(module: &str, pred: &str) -> String {
    let mut out = String::with_capacity(module.len() + pred.len() + 10);
    let mut done = false;
    for line in module.split_inclusive('\n') {
        let t = line.trim_start();
        if !done && (t.starts_with("mod ") || t.starts_with("pub mod ")) {
            out.push_str(&format!("#[cfg({pred})]\n"));
            done = true;
        }
        out.push_str(line);
    }
    out
}

/// Which crate of its package a file belongs to: `lib`, `main` (the src/main.rs binary) or its
/// unit (`src/bin/x`, `tests/x`, `examples/x`, `benches/x`).
fn crate_key(pkg: &Package, f: &Parsed) -> String {
    let in_library = f.place.in_lib
        && pkg.has_lib
        && !f.file.ends_with("src/main.rs")
        && !f.file.contains("/src/bin/")
        && !f.file.starts_with("src/bin/");
    if in_library {
        "lib".into()
    } else if f.unit == "src" {
        "main".into()
    } else {
        f.unit.clone()
    }
}

/// The root file of a crate of the package, when it is where cargo looks by default.
fn root_file(pkg: &Package, key: &str) -> Option<PathBuf> {
    let candidates = match key {
        "lib" => vec![pkg.dir.join("src/lib.rs")],
        "main" => vec![pkg.dir.join("src/main.rs")],
        unit => vec![
            pkg.dir.join(format!("{unit}.rs")),
            pkg.dir.join(unit).join("main.rs"),
        ],
    };
    candidates.into_iter().find(|p| p.is_file())
}

/// The first runtime-bound item a file names, and where (`async_std::task::spawn_local at
/// src/lib.rs:12`).
pub(super) fn runtime_bound_here(f: &Parsed, ctx: &CrateContext) -> Option<String> {
    let site = crate::resolve::runtime_bound_sites(
        &f.sites,
        ctx.local_spawn,
        ctx.task_local_units.contains(&f.unit),
    )
    .into_iter()
    .next()?;
    let (line, _) =
        crate::report::line_col(&f.text, site.path.syntax().text_range().start().into());
    Some(format!(
        "`{}` (at {}:{line})",
        site.canon.join("::"),
        f.file
    ))
}

/// The file's type oracle: rust-analyzer's when loaded, else the syntax-only one.
pub(crate) fn oracle_of<'a>(
    owned: &'a Option<crate::resolve::semantic::FileOracle<'_>>,
) -> &'a dyn Oracle {
    match owned {
        Some(o) => o,
        None => &NoTypes,
    }
}

fn threads_unit(units: &BTreeSet<String>, unit: &str) -> bool {
    units.contains(unit)
}

#[allow(clippy::too_many_arguments)]
fn migrate_threads_file(
    f: &Parsed,
    sf: &ra_ap_syntax::ast::SourceFile,
    ctx: &CrateContext,
    plan: &crate::threads::Plan,
    pkg: &Package,
    oracle: &dyn Oracle,
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) {
    let out = rewrite::migrate_file(
        &f.text,
        sf,
        &f.sites,
        FileCtx {
            cat: Catalogue::threads(plan.mpsc),
            oracle,
            krate: ctx,
            edition: &pkg.edition,
            in_lib: f.place.in_lib,
            doc: false,
            threads: Some(plan),
            generated: &crate::handlers::generated::Paths::NONE,
            nodes: Some(&f.nodes),
        },
    );
    needs.keep_async_std |= out.keeps_async_std;
    for x in out.findings {
        report.findings.push(x.locate(&f.file, &f.text));
    }
    let mut counts: std::collections::BTreeMap<String, usize> = out.counts.into_iter().collect();
    let mut new_text = out.new_text;
    // Doc examples: the blocking form of the code they document (the analysis let through only
    // blocks that have one).
    let current = new_text.clone().unwrap_or_else(|| f.text.clone());
    let mut doc_findings = Vec::new();
    if let Some(docs) = rewrite::doctests::migrate_doc_blocks_to(
        &current,
        Catalogue::threads(plan.mpsc),
        ctx,
        &pkg.edition,
        Some(plan),
        &mut doc_findings,
    ) {
        *counts.entry(rewrite::doctests::RULE.into()).or_default() += docs.blocks;
        new_text = Some(docs.text);
    }
    for x in doc_findings {
        needs.keep_async_std |= x.severity == crate::report::Severity::NotMigrated;
        report.findings.push(x.locate(&f.file, &current));
    }
    if let Some(new) = new_text {
        // What the new text names counts too (a shared receiver's `crossbeam_channel::bounded`).
        let mut crates = crates_of(&out.crates, &f.text);
        crates.extend(crates_of(&out.crates, &new));
        needs.crossbeam |= crates.contains("crossbeam_channel");
        report.files.push(FileChange {
            file: f.file.clone(),
            before: f.text.clone(),
            after: new,
            rules: counts,
            crates,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn migrate_smol_file(
    f: &Parsed,
    sf: &ra_ap_syntax::ast::SourceFile,
    ctx: &CrateContext,
    (held, ref_io_bound): (Option<&str>, Option<&(String, RefIo)>),
    generated: &crate::handlers::generated::Paths,
    pkg: &Package,
    oracle: &dyn Oracle,
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) {
    let cat = Catalogue::smol();
    let (file, text, place, sites) = (&f.file, &f.text, &f.place, &f.sites);
    // Files and streams the crate reads through `&T` (a generic bound, an impl for `&T`):
    // async-fs' and async-net's do not allow it.
    if let Some((bound, kind)) = ref_io_bound {
        // A stream the crate has async-std's type for, rebuilt on smol (`shared_io_stream.rs`),
        // reads through `&` as before.
        let stream = sites.paths.iter().find(|p| {
            let c = p.canon.join("::");
            c == "async_std::fs::File"
                || (*kind == RefIo::Bound
                    && (c == "async_std::net::TcpStream"
                        || c == "async_std::os::unix::net::UnixStream")
                    && generated.item_for(&p.canon).is_none())
        });
        if let Some(site) = stream {
            let canon = site.canon.join("::");
            let (why, advice) = if canon == "async_std::fs::File" {
                ("", "async-fs's File reads only through `&mut`: drop the bound or the impl (or share the file as Arc<smol::lock::Mutex<File>>), then run again")
            } else {
                (" (and the crate accepts streams from async-std's listener, which would give smol's stream: async-std's stream rebuilt on smol serves only connected streams)", "drop the bound, or take the listener's streams as std ones (`std::net::TcpListener`), then run again")
            };
            report.findings.push(
                crate::report::RawFinding::not_migrated(
                    site.path.syntax().text_range().start().into(),
                    FindingId::StreamRefIo,
                    format!("file not migrated: the crate reads or writes through shared references (a generic bound or an impl for `&T`, {bound}); async-std's `{canon}` implements I/O for `&Self`, smol's does not{why}"),
                    advice,
                )
                .locate(file, text),
            );
            needs.keep_async_std = true;
            return;
        }
    }
    // async-std's Tokio context in a form async-compat does not give (Tokio 0.2 or 0.3, a
    // context only a feature gives, a published library's own: `holds`): the package stays on
    // async-std.
    if let Some(tc) = pkg
        .tokio_context
        .as_ref()
        .filter(|_| needs.tokio_context_held)
    {
        if !sites.paths.is_empty() || !sites.leaves.is_empty() {
            let why = if !crate::tables::smol_api()
                .tokio_context_served
                .contains(&tc.feature)
            {
                "for a Tokio older than 1, which async-compat does not serve"
            } else if tc.optional && tc.through.is_some() {
                "on its optional async-std, only under that feature"
            } else {
                "for its published library: async-std's features are unified, so its users' runtimes ran the library's futures in that context, and no wrapper inside the library gives it to them"
            };
            report.findings.push(
                crate::report::RawFinding::not_migrated(
                    0,
                    FindingId::TokioContext,
                    format!(
                        "file not migrated: the package enables async-std's `{}` feature{} {why}: every task ran in a Tokio context, which smol does not enter",
                        tc.feature,
                        tc.through
                            .as_ref()
                            .map(|f| format!(" (through {f})"))
                            .unwrap_or_default()
                    ),
                    "wrap the futures smol's block_on and spawn run in async_compat::Compat (tokio 1) by hand, or keep async-std",
                )
                .locate(file, text),
            );
        }
        needs.keep_async_std = true;
        return;
    }
    // Task-locals and task::current need async-std's runtime around them: such a crate (the
    // lib, or this one target), and whatever runs it, is left on async-std whole, never
    // half-moved.
    let bound = crate::resolve::runtime_bound_sites(
        sites,
        ctx.local_spawn,
        ctx.task_local_units.contains(&f.unit),
    );
    if (place.in_lib && ctx.runtime_bound) || held.is_some() {
        let why = match held.filter(|_| bound.is_empty() && !(place.in_lib && ctx.runtime_bound)) {
            Some(what) => format!("runs {what}, which needs async-std's runtime: under smol's block_on it would never be polled"),
            None => "uses items that only work inside async-std's runtime (task-locals, task::current, spawn_local)".to_string(),
        };
        for site in bound {
            let rule = cat
                .lookup(&site.canon)
                .map(|m| m.rule.id.clone())
                .unwrap_or_else(|| FindingId::RuntimeBound.into());
            report.findings.push(
                crate::report::RawFinding::not_migrated(
                    site.path.syntax().text_range().start().into(),
                    &rule,
                    format!("`{}` needs async-std's runtime: this crate was left on async-std", site.canon.join("::")),
                    "replace task-locals with explicit state and task::current with your own ids, then run again",
                )
                .locate(file, text),
            );
        }
        if !sites.paths.is_empty() || !sites.leaves.is_empty() {
            report.findings.push(
                crate::report::RawFinding::not_migrated(
                    0,
                    FindingId::RuntimeBound,
                    format!("file not migrated: its crate {why}"),
                    "see the findings above",
                )
                .locate(file, text),
            );
        }
        needs.keep_async_std = true;
        return;
    }
    let out = rewrite::migrate_file(
        text,
        sf,
        sites,
        FileCtx {
            cat,
            oracle,
            krate: ctx,
            edition: &pkg.edition,
            in_lib: place.in_lib,
            doc: false,
            threads: None,
            generated,
            nodes: Some(&f.nodes),
        },
    );
    let mut keep = out.keeps_async_std;
    for x in out.findings {
        report.findings.push(x.locate(file, text));
    }
    let mut counts: std::collections::BTreeMap<String, usize> = out.counts.into_iter().collect();
    let mut new_text = out.new_text;
    let mut named = out.crates;
    // Doc comments' code blocks, on the migrated text (comments are never edited above).
    let current = new_text.clone().unwrap_or_else(|| text.clone());
    let mut doc_findings = Vec::new();
    if let Some(docs) =
        rewrite::doctests::migrate_doc_blocks(&current, cat, ctx, &pkg.edition, &mut doc_findings)
    {
        *counts.entry(rewrite::doctests::RULE.into()).or_default() += docs.blocks;
        named.extend(docs.crates);
        new_text = Some(docs.text);
    }
    for x in doc_findings {
        keep |= x.severity == crate::report::Severity::NotMigrated;
        report.findings.push(x.locate(file, &current));
    }
    if let Some(new) = new_text {
        needs.smol |= uses(&named, text, "smol");
        if uses(&named, text, "smol_macros") {
            needs.smol_macros = true;
            // A main in src/ (the main binary or src/bin/) is a normal target: dev-dependencies
            // would not reach it.
            let in_src = f
                .path
                .strip_prefix(&pkg.dir)
                .is_ok_and(|r| r.starts_with("src"));
            needs.smol_macros_main |= in_src && uses(&named, text, crate::tables::SMOL_MACROS_MAIN);
        }
        report.files.push(FileChange {
            file: file.clone(),
            before: text.clone(),
            after: new,
            rules: counts,
            crates: crates_of(&named, text),
        });
    } else if keep {
        needs.smol |= uses(&named, text, "smol");
    }
    needs.keep_async_std |= keep;
}

/// Whether a migrated file needs `krate` (as code names it): a rule applied to it wrote code that
/// names the crate, or the file used the crate already (a crate that supported smol too).
fn uses(named: &BTreeSet<String>, original: &str, krate: &str) -> bool {
    named.contains(krate) || rewrite::edit::names_crate(original, krate)
}

/// Every crate (of those the tool adds to manifests) a migrated file needs.
pub(super) fn crates_of(named: &BTreeSet<String>, original: &str) -> BTreeSet<String> {
    crate::tables::versions()
        .code_names()
        .iter()
        .filter(|k| uses(named, original, k))
        .cloned()
        .collect()
}

/// How a crate reads through shared references (see [`reads_through_refs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefIo {
    /// A generic bound (`for<'a> &'a T: AsyncRead`).
    Bound,
    /// An impl for a shared reference (`impl Read for &File`).
    Impl,
}

/// Where a text bounds shared references of a type by an I/O trait (`for<'a> &'a T: AsyncRead`,
/// `&'a S: Write`) or implements one for a shared reference (`impl Read for &File`, delegating
/// to the inner async-std file or stream): async-std's files and streams implement the I/O
/// traits for `&Self`, async-fs' and async-net's not.
pub(crate) fn reads_through_refs(text: &str) -> Option<(usize, RefIo)> {
    let io = |t: &str| {
        matches!(
            t.trim().rsplit("::").next(),
            Some(
                "AsyncRead"
                    | "AsyncWrite"
                    | "AsyncSeek"
                    | "Read"
                    | "Write"
                    | "Seek"
                    | "AsyncBufRead"
            )
        )
    };
    // `impl Read for &File {` (generics and paths allowed before the trait).
    for (i, _) in text.match_indices("impl") {
        let line = text[i..].lines().next().unwrap_or("");
        let Some((head, ty)) = line.split_once(" for &") else {
            continue;
        };
        let trait_ = head.trim_start_matches("impl").trim_start();
        let trait_ = match trait_.strip_prefix('<') {
            Some(rest) => rest.split_once('>').map_or("", |(_, t)| t),
            None => trait_,
        };
        if io(trait_) && ty.trim_end().ends_with('{') {
            return Some((i, RefIo::Impl));
        }
    }
    let mut from = 0;
    while let Some(i) = text[from..].find("&'") {
        let at = from + i;
        from = at + 2;
        // `&'a Name` or `&'a Path::Name`, then `:` and the bounds up to `,` `{` `;` `>` or a newline.
        let rest = &text[from..];
        let lifetime = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        let rest = rest[lifetime..].trim_start();
        // The type's path: identifiers joined by `::` (a lone `:` starts the bounds).
        let mut ty_end = 0;
        loop {
            let seg = rest[ty_end..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len() - ty_end);
            ty_end += seg;
            if seg == 0 || !rest[ty_end..].starts_with("::") {
                break;
            }
            ty_end += 2;
        }
        if ty_end == 0 {
            continue;
        }
        let Some(bounds) = rest[ty_end..].trim_start().strip_prefix(':') else {
            continue;
        };
        let end = bounds
            .find([',', '{', ';', '\n', '>'])
            .unwrap_or(bounds.len());
        if bounds[..end].split('+').any(io) {
            return Some((at, RefIo::Bound));
        }
    }
    None
}

#[cfg(test)]
mod ref_io_tests {
    #[test]
    fn io_bounds_on_shared_references() {
        let t = "fn f<T>() where for<'a> &'a T::Output: AsyncRead + AsyncWrite + Send, {}";
        assert_eq!(
            super::reads_through_refs(t).map(|(_, k)| k),
            Some(super::RefIo::Bound)
        );
        assert!(super::reads_through_refs("where &'a S: futures::io::AsyncWrite,").is_some());
        assert!(super::reads_through_refs("fn g<'a>(x: &'a str) -> &'a str { x }").is_none());
        assert!(super::reads_through_refs("where for<'a> &'a T: Into<String>,").is_none());
        // cap-async-std: its own type delegating to the async-std file it wraps.
        assert_eq!(
            super::reads_through_refs("impl Read for &File {\n").map(|(_, k)| k),
            Some(super::RefIo::Impl)
        );
        assert!(
            super::reads_through_refs("impl<'a> async_std::io::Write for &'a TcpStream {")
                .is_some()
        );
        assert!(super::reads_through_refs("impl Display for &Name {").is_none());
    }
}

#[cfg(test)]
mod gate_tests {
    #[test]
    fn a_module_is_gated_before_its_mod_line() {
        let module = "\n/// Docs.\n#[doc(hidden)]\npub mod task_locals {\n    mod inner {}\n}\n";
        assert_eq!(
            super::gate_module(module, "not(target_family = \"wasm\")"),
            "\n/// Docs.\n#[doc(hidden)]\n#[cfg(not(target_family = \"wasm\"))]\npub mod task_locals {\n    mod inner {}\n}\n"
        );
    }
}
