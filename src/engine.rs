//! The pipeline for one PATH: discover packages -> read and pre-filter files -> crate pre-pass
//! (re-exports, handle-returning fns) -> load the semantic layer (or fall back to syntax) ->
//! resolve and rewrite each candidate file -> migrate the manifests -> one [`RootReport`].
//! Nothing here writes to disk; [`crate::apply`] does.

use crate::report::{FileChange, Resolution, RootReport};
use crate::resolve::semantic::Semantic;
use crate::resolve::syntax::{collect_crate_facts, place_of, resolve_nodes};
use crate::resolve::{CrateContext, NoTypes, Oracle};
use crate::rewrite::{self, FileCtx};
use crate::rules::Catalogue;
use crate::workspace::{self, Package};
use crate::{Config, Error, Target};
use ra_ap_syntax::AstNode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Migrates everything below `root` in memory, as one report (the workspaces' reports merged).
pub fn plan(root: &Path, config: &Config) -> Result<RootReport, Error> {
    let parts = plan_workspaces(root, config, &|_| {})?;
    Ok(merge(root, parts))
}

/// Where a run is, for a progress display.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Workspaces finished so far.
    pub done: usize,
    pub total: usize,
    /// The workspace that just started (relative to the PATH).
    pub current: String,
}

/// Migrates every workspace below `root` in memory: one report per workspace (and one per
/// manifest that could not be read), in directory order whatever the scheduling. Workspaces run
/// on `config.jobs` threads; each loads rust-analyzer once, for its own packages, and drops it
/// when done, so at most `jobs` databases are alive at a time.
pub fn plan_workspaces(
    root: &Path,
    config: &Config,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<RootReport>, Error> {
    let root = if root.is_file() && root.file_name().is_some_and(|f| f == "Cargo.toml") {
        root.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        root.to_path_buf()
    };
    if !root.is_dir() {
        return Err(Error::NotAPackage { path: root });
    }
    let (workspaces, broken) = workspace::discover_workspaces(&root, &config.discover)?;
    let mut out: Vec<Option<RootReport>> = Vec::new();
    for (path, why) in broken {
        let mut r = empty_report(&root, &path.parent().unwrap_or(&root).to_path_buf(), config);
        r.errors.push(format!(
            "{}: {why}; this package was skipped",
            rel(&root, &path)
        ));
        out.push(Some(r));
    }
    // Largest first (by packages), so that no big workspace is left alone at the end while
    // the other workers idle; the report's order does not depend on it.
    let mut jobs: Vec<&workspace::Workspace> = workspaces.iter().collect();
    jobs.sort_by_key(|w| std::cmp::Reverse(w.packages.len()));
    let total = jobs.len();
    let first = out.len();
    out.extend(jobs.iter().map(|_| None));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let slots = std::sync::Mutex::new(&mut out);
    let threads = config.jobs.max(1).min(total.max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= total {
                    break;
                }
                let ws = jobs[i];
                progress(Progress {
                    done: done.load(std::sync::atomic::Ordering::SeqCst),
                    total,
                    current: display_rel(&root, &ws.dir),
                });
                // A panic in one workspace is that workspace's error, not the run's.
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    plan_workspace(&root, ws, config)
                }))
                .unwrap_or_else(|p| {
                    let mut r = empty_report(&root, &ws.dir, config);
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    r.errors.push(format!(
                        "{}: internal error ({msg}); this workspace was left unchanged",
                        display_rel(&root, &ws.dir)
                    ));
                    r
                });
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                slots.lock().unwrap()[first + i] = Some(r);
            });
        }
    });
    let mut reports: Vec<RootReport> = out.into_iter().flatten().collect();
    reports.sort_by(|a, b| a.workspace.cmp(&b.workspace));
    Ok(reports)
}

fn display_rel(root: &Path, dir: &Path) -> String {
    let r = rel(root, dir);
    if r.is_empty() {
        ".".into()
    } else {
        r
    }
}

fn empty_report(root: &Path, ws_dir: &Path, config: &Config) -> RootReport {
    RootReport::new(
        root.display().to_string(),
        display_rel(root, ws_dir),
        if config.syntax_only {
            Resolution::Syntax
        } else {
            Resolution::Semantic
        },
    )
}

/// The reports of one PATH's workspaces as one.
pub fn merge(root: &Path, parts: Vec<RootReport>) -> RootReport {
    let mut m = RootReport::new(root.display().to_string(), ".".into(), Resolution::Semantic);
    let mut any = false;
    for p in parts {
        if !any {
            m.resolution = p.resolution;
            any = true;
        } else if p.resolution == Resolution::Syntax {
            m.resolution = Resolution::Syntax;
        }
        if m.fallback_reason.is_none() {
            m.fallback_reason = p.fallback_reason;
        }
        m.files.extend(p.files);
        m.findings.extend(p.findings);
        m.errors.extend(p.errors);
        m.manifest_notes.extend(p.manifest_notes);
        m.crates.extend(p.crates);
    }
    m.files.sort_by(|a, b| a.file.cmp(&b.file));
    m.findings.sort();
    m
}

/// Migrates one workspace (every package of it) in memory.
fn plan_workspace(root: &Path, ws: &workspace::Workspace, config: &Config) -> RootReport {
    let root = root.to_path_buf();
    let packages = &ws.packages;
    let mut report = empty_report(&root, &ws.dir, config);

    // Which packages have candidate files at all (the text pre-filter).
    let mut work: Vec<(usize, Vec<(PathBuf, String)>)> = Vec::new();
    for (pi, pkg) in packages.iter().enumerate() {
        let mut names: BTreeSet<String> = pkg.roots.clone();
        names.insert("async_std".into());
        if config.target != Target::Smol && !pkg.roots.is_empty() {
            // Converting to threads touches every async fn, async-std or not.
            names.insert("async".into());
        }
        let mut texts = Vec::new();
        for f in &pkg.files {
            match std::fs::read_to_string(f) {
                Ok(t) => texts.push((f.clone(), t)),
                Err(e) => report.errors.push(format!("{}: {e}", rel(&root, f))),
            }
        }
        if texts
            .iter()
            .any(|(_, t)| workspace::mentions_any(t, &names))
            || pkg.uses_async_std
        {
            work.push((pi, texts));
        }
    }

    // The semantic layer is loaded once per workspace, and only when some file needs it.
    let semantic = if config.syntax_only || work.is_empty() {
        None
    } else {
        match Semantic::load(&ws.dir) {
            Ok(s) => Some(s),
            Err(reason) => {
                report.resolution = Resolution::Syntax;
                report.fallback_reason = Some(reason);
                None
            }
        }
    };

    let mut all = crate::manifest::Needs::default();
    let mut per_package = Vec::new();
    // Procedural macros whose generated code names async-std: the packages that use them keep it.
    let mut generating: Vec<&Package> = Vec::new();
    for (pi, texts) in work {
        let pkg = &packages[pi];
        let quoted = |r: &RootReport| {
            r.findings
                .iter()
                .filter(|f| f.rule == rewrite::macros::QUOTED_RULE)
                .count()
        };
        let before = quoted(&report);
        let needs = migrate_package(&root, pkg, texts, config, semantic.as_ref(), &mut report);
        if quoted(&report) > before {
            generating.push(pkg);
        }
        all.keep_async_std |= needs.keep_async_std;
        all.smol |= needs.smol;
        per_package.push((pi, needs));
    }
    drop(semantic);
    for (pi, mut needs) in per_package {
        let pkg = &packages[pi];
        needs.rename_features = config.rename_features;
        needs.keep_async_std |= pkg
            .name
            .as_ref()
            .is_some_and(|n| generating.iter().any(|g| g.dependents.contains(n)));
        // A root package's [workspace.dependencies] serve every member.
        if pkg.dir == ws.dir && packages.len() > 1 {
            needs.smol |= all.smol;
            needs.keep_async_std |= all.keep_async_std;
        }
        if pkg.name.is_some() {
            let src = {
                let r = rel(&root, &pkg.dir.join("src"));
                format!("{r}/")
            };
            needs.smol_dev_only = !report
                .files
                .iter()
                .any(|f| f.file.starts_with(&src) && f.after.contains("smol::"));
            let renames = manifest(&root, pkg, needs, &mut report);
            rename_cfg_features(&root, pkg, &renames, &mut report);
        }
    }
    // Virtual workspace manifests ([workspace.dependencies] only).
    for pkg in packages
        .iter()
        .filter(|p| p.name.is_none() && p.uses_async_std)
    {
        manifest(
            &root,
            pkg,
            crate::manifest::Needs {
                smol: all.smol,
                keep_async_std: all.keep_async_std,
                crossbeam: false,
                rename_features: config.rename_features,
                ..Default::default()
            },
            &mut report,
        );
    }
    report.files.sort_by(|a, b| a.file.cmp(&b.file));
    report
        .crates
        .sort_by(|a, b| (&a.package, &a.unit).cmp(&(&b.package, &b.unit)));
    report.findings.sort();
    report.findings.dedup();
    report.cfg_regions.sort();
    report
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// One parsed candidate file of a package.
struct Parsed {
    /// Every node of `sf` in preorder, shared by the passes (see `rewrite::Ctx::nodes`).
    nodes: Vec<ra_ap_syntax::SyntaxNode>,
    path: PathBuf,
    file: String,
    text: String,
    sf: Option<ra_ap_syntax::ast::SourceFile>,
    place: crate::resolve::syntax::FilePlace,
    sites: crate::resolve::FileSites,
    unit: crate::threads::Unit,
}

/// Migrates one package's files into `report`; returns what its manifest needs.
fn migrate_package(
    root: &Path,
    pkg: &Package,
    texts: Vec<(PathBuf, String)>,
    config: &Config,
    semantic: Option<&Semantic>,
    report: &mut RootReport,
) -> crate::manifest::Needs {
    let mut ctx = CrateContext {
        roots: pkg.roots.clone(),
        lib_name: pkg.lib_name.clone(),
        futures_crate: if pkg.deps.contains("futures") {
            Some("futures".into())
        } else if pkg.deps.contains("futures-util") {
            Some("futures_util".into())
        } else {
            None
        },
        ..Default::default()
    };
    ctx.roots.insert("async_std".into());
    // async-attributes' `main`/`test` expand to async-std calls: they are async-std's attributes
    // (except in async-attributes itself, whose tests and examples exercise them).
    if pkg.name.as_deref() != Some("async-attributes") {
        ctx.roots.insert("async_attributes".into());
    }
    let threads_wanted = config.target != Target::Smol;
    let async_words: BTreeSet<String> = ["async".to_string()].into();
    let mut parsed = Vec::new();
    let mut rest = Vec::new();
    {
        use crate::handlers::duplicate_impl as di;
        let mut found = Vec::new();
        for (path, text) in texts.iter().filter(|(_, t)| di::may_impl_for_smol(t)) {
            let sf = rewrite::parse(text, &pkg.edition).tree();
            found.extend(di::smol_impls(&sf, text).into_iter().map(|f| (path, f)));
        }
        // Which cfgs the `mod x;` declarations put on the files they load (read only when the
        // crate implements something for smol's types, which few do).
        let mut mod_cfgs: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
        if !found.is_empty() {
            for (path, text) in texts
                .iter()
                .filter(|(_, t)| t.contains("mod ") && t.contains("cfg"))
            {
                let sf = rewrite::parse(text, &pkg.edition).tree();
                mod_cfgs.extend(di::gated_module_files(&sf, path));
            }
        }
        for (path, (key, line, mut preds)) in found {
            preds.extend(mod_cfgs.get(path).cloned().unwrap_or_default());
            ctx.smol_impls
                .insert(key, (format!("{}:{line}", rel(root, path)), preds));
        }
    }
    for (path, text) in texts {
        let candidate = workspace::mentions_any(&text, &ctx.roots)
            || (threads_wanted && workspace::mentions_any(&text, &async_words));
        if candidate {
            let parse = rewrite::parse(&text, &pkg.edition);
            let place = place_of(&path, &pkg.dir);
            let original = parse.tree();
            let nodes: Vec<ra_ap_syntax::SyntaxNode> = original.syntax().descendants().collect();
            // Macro arguments made visible (same offsets): see rewrite::macros. Done first, so
            // that the pre-pass sees the tree every later pass works on.
            let (tree, nodes) = if parse.errors().is_empty() {
                let sf = rewrite::macros::shadow_tree(
                    &text,
                    original.clone(),
                    Some(&nodes),
                    &pkg.edition,
                );
                if sf.syntax() == original.syntax() {
                    (sf, nodes)
                } else {
                    drop(nodes);
                    let nodes = sf.syntax().descendants().collect();
                    (sf, nodes)
                }
            } else {
                (original, nodes)
            };
            let sites = collect_crate_facts(&tree, &nodes, &place, &mut ctx);
            parsed.push((path, text, parse, Some((sites, nodes, tree))));
        } else {
            rest.push((path, text));
        }
    }
    // Files that reach async-std only through the crate's own re-exports.
    if !ctx.reexports.is_empty()
        || !ctx.glob_reexports.is_empty()
        || !ctx.handle_returning_fns.is_empty()
    {
        let mut names: BTreeSet<String> = ctx
            .reexports
            .keys()
            .chain(ctx.glob_reexports.keys())
            .filter_map(|k| k.last().cloned())
            .collect();
        names.extend(ctx.handle_returning_fns.iter().cloned());
        for (path, text) in rest {
            if workspace::mentions_any(&text, &names) {
                let parse = rewrite::parse(&text, &pkg.edition);
                parsed.push((path, text, parse, None));
            }
        }
    }
    let mut files = Vec::new();
    // Without re-exports in the crate, the pre-pass resolved each file exactly as the full
    // context would: its sites are reused.
    let reuse = ctx.reexports.is_empty() && ctx.glob_reexports.is_empty();
    for (path, text, parse, early) in parsed {
        let file = rel(root, &path);
        let rel_comps: Vec<String> = path
            .strip_prefix(&pkg.dir)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let unit = crate::threads::unit_of(&rel_comps);
        let place = place_of(&path, &pkg.dir);
        if !parse.errors().is_empty() {
            report.errors.push(format!(
                "{file}: syntax errors ({}); the file was skipped",
                parse.errors()[0]
            ));
            files.push(Parsed {
                nodes: Vec::new(),
                path,
                file,
                text,
                sf: None,
                place,
                sites: Default::default(),
                unit,
            });
            continue;
        }
        let (sf, sites, nodes) = match early {
            Some((sites, nodes, sf)) if reuse => (sf, sites, nodes),
            Some((_, nodes, sf)) => (sf.clone(), resolve_nodes(&sf, &nodes, &place, &ctx), nodes),
            None => {
                let sf = rewrite::macros::shadow_tree(&text, parse.tree(), None, &pkg.edition);
                let nodes: Vec<ra_ap_syntax::SyntaxNode> = sf.syntax().descendants().collect();
                (sf.clone(), resolve_nodes(&sf, &nodes, &place, &ctx), nodes)
            }
        };
        files.push(Parsed {
            nodes,
            path,
            file,
            text,
            sf: Some(sf),
            place,
            sites,
            unit,
        });
    }

    let mut needs = crate::manifest::Needs::default();
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
        for p in plans.values_mut() {
            p.async_fns = all_async.clone();
            p.async_methods = all_methods.clone();
        }
        let (decided, groups) = decide_units(pkg, &files, &plans, &ctx, config, semantic);
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
                for b in &blockers {
                    report.findings.push(b.clone());
                }
            }
            report.crates.push(crate::report::CrateDecision {
                package: package.clone(),
                unit,
                target: target.into(),
                blockers,
                uses,
            });
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
            let map = |canon: &[String]| cat.lookup(canon).and_then(|m| m.path);
            report.api_changes.extend(crate::api::changes(
                &f.file, &f.text, &f.nodes, &f.sites, &map, threads,
            ));
        }
        // Which of its cfg-gated code rust-analyzer saw (the rest is judged by syntax).
        if let Some(o) = semantic
            .filter(|_| f.text.contains("cfg"))
            .and_then(|s| s.oracle_for(&f.path))
        {
            for r in crate::resolve::cfg_regions::regions(sf, &f.sites, &o) {
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
            migrate_threads_file(root, &f, sf, &ctx, plan, pkg, semantic, report, &mut needs);
        } else {
            migrate_smol_file(root, &f, sf, &ctx, pkg, semantic, report, &mut needs);
        }
    }
    needs
}

/// The file's type oracle: rust-analyzer's when loaded, else the syntax-only one.
fn oracle_of<'a>(owned: &'a Option<crate::resolve::semantic::FileOracle<'_>>) -> &'a dyn Oracle {
    match owned {
        Some(o) => o,
        None => &NoTypes,
    }
}

fn threads_unit(units: &BTreeSet<String>, unit: &str) -> bool {
    units.contains(unit)
}

type Decisions = std::collections::BTreeMap<
    String,
    (
        Vec<crate::report::Finding>,
        std::collections::BTreeMap<String, usize>,
    ),
>;

/// The blockers of every unit, units that share async fns decided together.
fn decide_units(
    pkg: &Package,
    files: &[Parsed],
    plans: &std::collections::BTreeMap<String, crate::threads::Plan>,
    krate: &CrateContext,
    config: &Config,
    semantic: Option<&Semantic>,
) -> (Decisions, std::collections::BTreeMap<String, usize>) {
    use crate::report::RawFinding;
    let mut out: Decisions = Default::default();
    let mut defines: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut uses: Vec<(String, BTreeSet<String>)> = Vec::new();
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
                    "syntax-error",
                    "the file has syntax errors",
                    "fix them and run again",
                )
                .locate(&f.file, &f.text),
            );
            continue;
        };
        let owned = semantic.and_then(|s| s.oracle_for(&f.path));
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
            threads: Some(plan),
            nodes: std::cell::OnceCell::from(f.nodes.clone()),
        };
        let is_main = f.file.ends_with("src/main.rs");
        let lib_file = f.unit == "src" && pkg.has_lib && !is_main;
        let public_api = if lib_file && !pkg.dependents.is_empty() {
            Some(format!(
                "is used by other packages here ({}), which would stop compiling",
                pkg.dependents.join(", ")
            ))
        } else if lib_file && pkg.publish && !config.allow_api_change {
            Some("is the library's public API: making it blocking breaks its users".to_string())
        } else {
            None
        };
        let mut facts = crate::threads::analyse_file(&ctx, plan, public_api.as_deref());
        for b in std::mem::take(&mut facts.blockers) {
            entry.0.push(b.locate(&f.file, &f.text));
        }
        if doc_mentions_async_std(sf, &krate.roots) {
            entry.0.push(
                RawFinding::not_migrated(
                    0,
                    "doc-examples",
                    "doc comments show async-std code (doctests would lose their runtime)",
                    "kept on an async runtime (smol with --to auto)",
                )
                .locate(&f.file, &f.text),
            );
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
        defines.push((f.unit.clone(), facts.defines));
        uses.push((f.unit.clone(), facts.uses));
    }
    // Units that touch neither async-std nor async fns are not decided at all.
    out.retain(|unit, (b, u)| {
        !b.is_empty() || !u.is_empty() || defines.iter().any(|(un, d)| un == unit && !d.is_empty())
    });
    // An async dependency blocks the crates that name it.
    for (name, why) in &pkg_blockers {
        let names: BTreeSet<String> = [name.clone()].into();
        for f in files {
            if !workspace::mentions_any(&f.text, &names) {
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
                    rule: "async-dependency".into(),
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
    // Only groups that use async-std are decided: async code with no async-std in reach is
    // driven by someone else's runtime (a library's users), and is left alone.
    let with_uses: BTreeSet<usize> = out
        .iter()
        .filter(|(_, (_, u))| !u.is_empty())
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
                rule: "shared-async-fns".into(),
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
fn doc_mentions_async_std(sf: &ra_ap_syntax::ast::SourceFile, roots: &BTreeSet<String>) -> bool {
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

#[allow(clippy::too_many_arguments)]
fn migrate_threads_file(
    _root: &Path,
    f: &Parsed,
    sf: &ra_ap_syntax::ast::SourceFile,
    ctx: &CrateContext,
    plan: &crate::threads::Plan,
    pkg: &Package,
    semantic: Option<&Semantic>,
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) {
    let owned = semantic.and_then(|s| s.oracle_for(&f.path));
    let oracle = oracle_of(&owned);
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
            threads: Some(plan),
            nodes: Some(&f.nodes),
        },
    );
    needs.keep_async_std |= out.keeps_async_std;
    for x in out.findings {
        report.findings.push(x.locate(&f.file, &f.text));
    }
    if let Some(new) = out.new_text {
        needs.crossbeam |= new.contains("crossbeam_channel::");
        report.files.push(FileChange {
            file: f.file.clone(),
            before: f.text.clone(),
            after: new,
            rules: out.counts.into_iter().collect(),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn migrate_smol_file(
    _root: &Path,
    f: &Parsed,
    sf: &ra_ap_syntax::ast::SourceFile,
    ctx: &CrateContext,
    pkg: &Package,
    semantic: Option<&Semantic>,
    report: &mut RootReport,
    needs: &mut crate::manifest::Needs,
) {
    let cat = Catalogue::smol();
    let (file, text, place, sites) = (&f.file, &f.text, &f.place, &f.sites);
    // Task-locals and task::current need async-std's runtime around them: such a crate (the
    // lib, or this one target file) is left on async-std whole, never half-moved.
    let bound = crate::resolve::runtime_bound_sites(sites);
    if (place.in_lib && ctx.runtime_bound) || (!place.in_lib && !bound.is_empty()) {
        let why = "uses items that only work inside async-std's runtime (task-locals, task::current, spawn_local)";
        for site in bound {
            let rule = cat
                .lookup(&site.canon)
                .map(|m| m.rule.id.clone())
                .unwrap_or_else(|| "runtime-bound".into());
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
                    "runtime-bound",
                    format!("file not migrated: its crate {why}"),
                    "see the findings above",
                )
                .locate(file, text),
            );
        }
        needs.keep_async_std = true;
        return;
    }
    let owned = semantic.and_then(|s| s.oracle_for(&f.path));
    let oracle = oracle_of(&owned);
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
            threads: None,
            nodes: Some(&f.nodes),
        },
    );
    let mut keep = out.keeps_async_std;
    for x in out.findings {
        report.findings.push(x.locate(file, text));
    }
    let mut counts: std::collections::BTreeMap<String, usize> = out.counts.into_iter().collect();
    let mut new_text = out.new_text;
    needs.smol |= out.needs_smol;
    // Doc comments' code blocks, on the migrated text (comments are never edited above).
    let current = new_text.clone().unwrap_or_else(|| text.clone());
    let mut doc_findings = Vec::new();
    let doc_ctx = FileCtx {
        cat,
        oracle: &NoTypes,
        krate: ctx,
        edition: &pkg.edition,
        in_lib: false,
        threads: None,
        nodes: None,
    };
    if let Some((with_docs, blocks)) =
        rewrite::doctests::migrate_doc_blocks(&current, doc_ctx, &mut doc_findings)
    {
        *counts.entry("doctest-blocks".into()).or_default() += blocks;
        needs.smol |= with_docs.contains("smol::");
        new_text = Some(with_docs);
    }
    for x in doc_findings {
        keep |= x.severity == crate::report::Severity::NotMigrated;
        report.findings.push(x.locate(file, &current));
    }
    if let Some(new) = new_text {
        if new.contains("smol_macros::") {
            needs.smol_macros = true;
            // A main in src/ (the main binary or src/bin/) is a normal target: dev-dependencies
            // would not reach it.
            let in_src = f
                .path
                .strip_prefix(&pkg.dir)
                .is_ok_and(|r| r.starts_with("src"));
            needs.smol_macros_main |= in_src && new.contains("smol_macros::main!");
        }
        report.files.push(FileChange {
            file: file.clone(),
            before: text.clone(),
            after: new,
            rules: counts,
        });
    } else if keep {
        needs.smol |= text.contains("smol::");
    }
    needs.keep_async_std |= keep;
}

/// Migrates a package's manifest; returns the features it renamed (old, new).
fn manifest(
    root: &Path,
    pkg: &Package,
    needs: crate::manifest::Needs,
    report: &mut RootReport,
) -> Vec<(String, String)> {
    // A package without async-std in its manifest can still need smol (async-std's own
    // examples and tests).
    if !pkg.uses_async_std && !needs.smol {
        return Vec::new();
    }
    let file = rel(root, &pkg.manifest_path);
    let text = match std::fs::read_to_string(&pkg.manifest_path) {
        Ok(t) => t,
        Err(e) => {
            report.errors.push(format!("{file}: {e}"));
            return Vec::new();
        }
    };
    match crate::manifest::migrate(&text, needs) {
        Ok(Some(change)) => {
            let n = change.notes.len();
            for note in change.notes {
                report.manifest_notes.push(format!("{file}: {note}"));
            }
            report.files.push(FileChange {
                file,
                before: text,
                after: change.text,
                rules: [("manifest".to_string(), n)].into(),
            });
            change.feature_renames
        }
        Ok(None) => Vec::new(),
        Err(e) => {
            report.errors.push(format!("{file}: invalid manifest: {e}"));
            Vec::new()
        }
    }
}

/// `cfg(feature = "old")` gates of every file of the package follow its renamed features.
fn rename_cfg_features(
    root: &Path,
    pkg: &Package,
    renames: &[(String, String)],
    report: &mut RootReport,
) {
    if renames.is_empty() {
        return;
    }
    let edition = rewrite::edition_of(&pkg.edition);
    for path in &pkg.files {
        let file = rel(root, path);
        let existing = report.files.iter().position(|f| f.file == file);
        let text = match existing {
            Some(i) => report.files[i].after.clone(),
            None => match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(_) => continue,
            },
        };
        let Some((new, n)) = rewrite::features::rename_cfg_features(&text, renames, edition) else {
            continue;
        };
        match existing {
            Some(i) => {
                report.files[i].after = new;
                *report.files[i]
                    .rules
                    .entry("cfg-feature".into())
                    .or_default() += n;
            }
            None => report.files.push(FileChange {
                file,
                before: text,
                after: new,
                rules: [("cfg-feature".to_string(), n)].into(),
            }),
        }
    }
}
