//! The pipeline for one PATH: discover packages -> read and pre-filter files -> crate pre-pass
//! (re-exports, handle-returning fns) -> load the semantic layer (or fall back to syntax) ->
//! resolve and rewrite each candidate file -> migrate the manifests -> one [`RootReport`].
//! Nothing here writes to disk; [`crate::apply`] does.

use crate::findings::FindingId;
use crate::report::{FileChange, Resolution, RootReport};
use crate::resolve::semantic::Semantic;
use crate::rewrite;
use crate::workspace::{self, Package};
use crate::{Config, Error, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Migrates everything below `root` in memory, as one report (the workspaces' reports merged).
mod joint;
pub(crate) mod load;
pub(crate) mod package;

use crate::resolve::CrateContext;
use load::{load_package, Parsed};
use package::migrate_package;

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

/// How many `.rs` files of workspaces one rust-analyzer database holds at most (a workspace
/// larger than this has one of its own). Measured on the generated trees of `tests/bench.sh`:
/// 2,000 files (medium, 25 workspaces) peak at about 1.6 GiB in one database, of which about
/// 770 MB is the standard library's and the dependencies' before any question; 10,000 (large,
/// 96 workspaces) at 5.1 GiB in one. Smaller batches buy little memory for much time (each pays
/// that first part again): 1,000 files, 1.6 GB and 64 s on medium against 1.9 GB and 45 s.
pub const FILES_PER_DATABASE: usize = 2_000;

/// Migrates every workspace below `root` in memory: one report per workspace (and one per
/// manifest that could not be read), in directory order whatever the scheduling. Workspaces run
/// on `config.jobs` threads, in batches of about [`FILES_PER_DATABASE`] files
/// (`config.files_per_database`): the workspaces of a batch share one rust-analyzer database,
/// dropped before the next batch loads its own; the next batch's `cargo metadata` runs while
/// this one is planned.
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
        r.errors.push(format!("{}: {why}", rel(&root, &path)));
        out.push(Some(r));
    }
    // Largest first (by packages), so that no big workspace is left alone at the end while
    // the other workers idle; the report's order does not depend on it.
    let mut jobs: Vec<&workspace::Workspace> = workspaces.iter().collect();
    jobs.sort_by_key(|w| std::cmp::Reverse(w.packages.len()));
    let total = jobs.len();
    let first = out.len();
    out.extend(jobs.iter().map(|_| None));
    let done = std::sync::atomic::AtomicUsize::new(0);
    let slots = std::sync::Mutex::new(&mut out);
    // The workspaces in batches of about FILES_PER_DATABASE files, one after the other: each
    // batch's database is dropped before the next is loaded, so peak memory follows the batch,
    // not the tree (a database holds every body it inferred until it is dropped).
    // Only workspaces that name async-std are loaded.
    let sizes: Vec<usize> = jobs
        .iter()
        .map(|ws| {
            if ws.uses_async_std() {
                ws.packages.iter().map(|p| p.files.len()).sum()
            } else {
                0
            }
        })
        .collect();
    let batches = batches(&sizes, config.files_per_database);
    // The workspaces of each batch that share its database: those that name async-std, when
    // the run is semantic and there are two or more (one loads alone, in `plan_workspace`).
    let shared_roots: Vec<Vec<&Path>> = batches
        .iter()
        .map(|batch| {
            let roots: Vec<&Path> = batch
                .iter()
                .map(|&i| jobs[i])
                .filter(|w| w.uses_async_std())
                .map(|w| w.dir.as_path())
                .collect();
            if config.syntax_only || roots.len() < 2 {
                Vec::new()
            } else {
                roots
            }
        })
        .collect();
    // The cargo half of the next batch's load, done while this batch is planned.
    let mut prefetched: Option<std::thread::Result<crate::resolve::semantic::Workspaces>> = None;
    for (k, batch) in batches.iter().enumerate() {
        // One rust-analyzer database for every workspace of the batch that names async-std
        // (issue 15): the standard library and the dependencies they share are loaded and
        // analysed once, and the workers query it through handles of their own. A workspace
        // rust-analyzer cannot load falls back alone; a panic while loading falls back to one
        // database per workspace.
        let candidates = &shared_roots[k];
        let shared: std::sync::Mutex<BTreeMap<PathBuf, Result<Semantic, String>>> =
            std::sync::Mutex::new(if candidates.is_empty() {
                BTreeMap::new()
            } else {
                prefetched
                    .take()
                    .unwrap_or_else(|| {
                        std::panic::catch_unwind(|| Semantic::load_workspaces(candidates))
                    })
                    .and_then(|ws| std::panic::catch_unwind(|| Semantic::from_workspaces(ws)))
                    .map(|(db, status)| {
                        candidates
                            .iter()
                            .zip(status)
                            .filter_map(|(dir, st)| {
                                let st = match (st, &db) {
                                    (Ok(()), Some(db)) => Ok(db.clone()),
                                    (Err(why), _) => Err(why),
                                    (Ok(()), None) => return None,
                                };
                                Some((dir.to_path_buf(), st))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            });
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = config.jobs.max(1).min(batch.len().max(1));
        prefetched = std::thread::scope(|s| {
            // The next batch's `cargo metadata` and toolchain questions, beside the workers.
            let prefetch = shared_roots
                .get(k + 1)
                .filter(|r| !r.is_empty())
                .map(|roots| {
                    s.spawn(move || std::panic::catch_unwind(|| Semantic::load_workspaces(roots)))
                });
            for _ in 0..threads {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(&i) = batch.get(k) else {
                        break;
                    };
                    let ws = jobs[i];
                    progress(Progress {
                        done: done.load(std::sync::atomic::Ordering::SeqCst),
                        total,
                        current: display_rel(&root, &ws.dir),
                    });
                    // A panic in one workspace is that workspace's error, not the run's.
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        // Each workspace's handle moves to the thread that plans it.
                        let handle = shared.lock().ok().and_then(|mut m| m.remove(&ws.dir));
                        plan_workspace(&root, ws, config, handle)
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
            prefetch.map(|h| h.join().and_then(|r| r))
        });
    }
    let mut reports: Vec<RootReport> = out.into_iter().flatten().collect();
    reports.sort_by(|a, b| a.workspace.cmp(&b.workspace));
    Ok(reports)
}

/// The jobs (their sizes in files, in order) in consecutive batches of at most `budget` files
/// each; a job larger than the budget is a batch of its own.
fn batches(sizes: &[usize], budget: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut in_batch = 0;
    for (i, &n) in sizes.iter().enumerate() {
        if out.is_empty() || (in_batch > 0 && in_batch + n > budget) {
            out.push(Vec::new());
            in_batch = 0;
        }
        in_batch += n;
        out.last_mut().expect("a batch").push(i);
    }
    out
}

#[cfg(test)]
mod batch_tests {
    #[test]
    fn workspaces_share_a_database_up_to_the_budget() {
        assert_eq!(super::batches(&[], 10), Vec::<Vec<usize>>::new());
        assert_eq!(
            super::batches(&[4, 4, 4, 0, 12, 1], 10),
            vec![vec![0, 1], vec![2, 3], vec![4], vec![5]]
        );
        assert_eq!(super::batches(&[10, 0, 0], 10), vec![vec![0, 1, 2]]);
    }
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
fn plan_workspace(
    root: &Path,
    ws: &workspace::Workspace,
    config: &Config,
    shared: Option<Result<Semantic, String>>,
) -> RootReport {
    let root = root.to_path_buf();
    let packages = &ws.packages;
    let mut report = empty_report(&root, &ws.dir, config);

    // Which packages have candidate files at all (the text pre-filter).
    // Per package: its files' texts, and the trees the module walk parsed (by the same paths).
    #[allow(clippy::type_complexity)]
    let mut work: Vec<(
        usize,
        Vec<(PathBuf, String)>,
        BTreeMap<PathBuf, crate::rewrite::FileParse>,
        BTreeMap<PathBuf, crate::module_tree::Reached>,
    )> = Vec::new();
    // Packages with a module-tree file that was not read, or docs included from a file with
    // async-std examples: they keep async-std.
    let mut incomplete: BTreeSet<usize> = BTreeSet::new();
    // Per package: the doc files its crates include that show async-std code.
    let mut included: BTreeMap<usize, Vec<package::IncludedDoc>> = BTreeMap::new();
    // Packages with async-std in reach: their own dependency, or a workspace package they depend
    // on that has it (its async API may become blocking with them: `joint.rs`).
    let mut in_reach: BTreeSet<usize> = (0..packages.len())
        .filter(|pi| !packages[*pi].roots.is_empty())
        .collect();
    loop {
        let reached: Vec<usize> = (0..packages.len())
            .filter(|pi| !in_reach.contains(pi))
            .filter(|pi| {
                in_reach.iter().any(|r| {
                    packages[*r]
                        .name
                        .as_ref()
                        .is_some_and(|n| packages[*pi].deps.contains(n))
                })
            })
            .collect();
        if reached.is_empty() {
            break;
        }
        in_reach.extend(reached);
    }
    for (pi, pkg) in packages.iter().enumerate() {
        let mut names: BTreeSet<String> = pkg.roots.clone();
        names.insert("async_std".into());
        let async_std_names = names.clone();
        if config.target != Target::Smol && in_reach.contains(&pi) {
            // Converting to threads touches every async fn, async-std or not.
            names.insert("async".into());
        }
        let mut walk_parses = crate::module_tree::Parses::new();
        // The cfgs that gate each module file (rust-analyzer's answers need no name resolution).
        let mut gates = BTreeMap::new();
        let tree = std::fs::read_to_string(&pkg.manifest_path)
            .ok()
            .and_then(|m| m.parse::<toml_edit::DocumentMut>().ok())
            .and_then(|doc| {
                crate::module_tree::files_in_trees_keeping(
                    &pkg.dir,
                    &doc,
                    &pkg.edition,
                    &mut walk_parses,
                    &mut gates,
                )
            });
        let mut parses = BTreeMap::new();
        // By their real paths: a module reached through a symbolic link is the file it names,
        // migrated once, where the walk found it.
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let walked: BTreeSet<PathBuf> = pkg.files.iter().map(|f| canon(f)).collect();
        let tree_real: Option<BTreeSet<PathBuf>> =
            tree.as_ref().map(|t| t.iter().map(|f| canon(f)).collect());
        // The dependency goes only if every file of the module trees is read and migrated.
        let not_read = |report: &mut RootReport,
                        incomplete: &mut BTreeSet<usize>,
                        file: String,
                        why: String| {
            report.findings.push(crate::report::RawFinding::not_migrated(
                0,
                FindingId::FileNotRead,
                format!("{why}: the package keeps async-std (code there may name it)"),
                "make it a regular, readable UTF-8 file inside the path (or migrate it by hand), then run again",
            ).locate(&file, ""));
            incomplete.insert(pi);
        };
        // A module file that is a link to a file the walk found: migrated under the module's
        // path (its crate and place), written through the link (`apply::write_file`).
        let walked_lexical: BTreeSet<PathBuf> = pkg
            .files
            .iter()
            .map(|f| crate::module_tree::normalise(f))
            .collect();
        let mut via_link: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        // Module files the walk left out (`--exclude`, ignore files, a linked directory) that
        // name async-std: read only for that, not migrated.
        let mut left_out: Vec<&PathBuf> = Vec::new();
        // Module files whose names do not end in `.rs` (`#[path = "x.inc"]`), which the walk
        // reached: migrated as the others are.
        let mut other_modules: Vec<PathBuf> = Vec::new();
        for t in tree.iter().flatten() {
            let real = canon(t);
            let other = t.extension().is_none_or(|x| x != "rs")
                && ws.other_files.contains(t)
                && std::fs::symlink_metadata(t).is_ok_and(|m| m.file_type().is_file());
            if other {
                other_modules.push(t.clone());
            } else if walked.contains(&real) {
                if !walked_lexical.contains(t) {
                    via_link.entry(real).or_insert_with(|| t.clone());
                }
            } else if let Ok(to) = std::fs::read_link(t) {
                let why = format!(
                    "a symbolic link to {}, outside the path or the package",
                    to.display()
                );
                not_read(&mut report, &mut incomplete, rel(&root, t), why);
            } else {
                match std::fs::read_to_string(t) {
                    Ok(text) if workspace::mentions_any(&text, &async_std_names) => {
                        left_out.push(t)
                    }
                    Ok(_) => {}
                    Err(e) => not_read(
                        &mut report,
                        &mut incomplete,
                        rel(&root, t),
                        format!("not read ({e})"),
                    ),
                }
            }
        }
        if let Some(first) = left_out.first() {
            report.findings.push(
                crate::report::RawFinding::review(
                    0,
                    FindingId::FileNotRead,
                    format!(
                        "{} module file(s) of this package that name async-std were left out of the walk (--exclude, an ignore file, a linked directory), this one first: not migrated, and the package keeps async-std",
                        left_out.len()
                    ),
                    "migrate them too (drop the --exclude or the ignore rule), or by hand",
                )
                .locate(&rel(&root, first), ""),
            );
            incomplete.insert(pi);
        }
        let mut texts = Vec::new();
        for f in pkg.files.iter().chain(&other_modules) {
            let text = match std::fs::read_to_string(f) {
                Ok(t) => t,
                Err(e) => {
                    report.errors.push(format!("{}: {e}", rel(&root, f)));
                    if tree_real.as_ref().is_none_or(|t| t.contains(&canon(f))) {
                        not_read(
                            &mut report,
                            &mut incomplete,
                            rel(&root, f),
                            format!("not read ({e})"),
                        );
                    }
                    continue;
                }
            };
            let outside = tree_real.as_ref().is_some_and(|t| !t.contains(&canon(f)));
            if !outside {
                let path = via_link.get(&canon(f)).unwrap_or(f).clone();
                // The module walk's tree, when it parsed this same text.
                if let Some((walked, parse)) = walk_parses.remove(f) {
                    if walked == text {
                        parses.insert(path.clone(), parse);
                    }
                }
                texts.push((path, text));
            } else if workspace::mentions_any(&text, &names) {
                let file = rel(&root, f);
                report.findings.push(
                    crate::report::RawFinding::review(
                        0,
                        FindingId::OutsideModuleTree,
                        "no target's module tree reaches this file (cargo does not compile it): left as it is",
                        "if it is code a build step uses (a template, a generated snippet), migrate it by hand; if it is a module, declare it with `mod`",
                    )
                    .locate(&file, &text),
                );
            }
        }
        // Docs a crate includes from another file, with async-std examples: migrated with the
        // package's library when it goes to smol (after the decisions), else async-std stays.
        if pkg.uses_async_std {
            for (path, text) in &texts {
                for d in package::included_docs(&root, path, text, &async_std_names) {
                    if config.target == Target::Threads {
                        package::included_doc_kept(&d, &mut report);
                        incomplete.insert(pi);
                    } else {
                        included.entry(pi).or_insert_with(Vec::new).push(d);
                    }
                }
            }
        }
        if texts
            .iter()
            .any(|(_, t)| workspace::mentions_any(t, &names))
            || pkg.uses_async_std
        {
            work.push((pi, texts, parses, gates));
        }
    }

    // The semantic layer: the run's shared database, or one loaded for this workspace, and
    // only when some file needs it.
    let semantic = if config.syntax_only || work.is_empty() {
        None
    } else {
        let loaded = match shared {
            Some(s) => s,
            None => Semantic::load(&ws.dir),
        };
        match loaded {
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
    // Test-helper macros of the workspace whose quoted code names smol now: their dependents
    // expand it.
    let mut quoting_smol: Vec<&Package> = Vec::new();
    // Every package is read before any is migrated: which ones run runtime-bound code is a
    // workspace-wide fact.
    let loaded: Vec<(usize, (CrateContext, Vec<Parsed>))> = work
        .into_iter()
        .map(|(pi, texts, parses, gates)| {
            (
                pi,
                load_package(
                    &root,
                    &packages[pi],
                    texts,
                    (parses, &gates),
                    config,
                    &mut report,
                ),
            )
        })
        .collect();
    let mut loaded = loaded;
    let shared = shared_executors(packages, &loaded, config);
    for (pi, (ctx, files)) in &mut loaded {
        local_spawn(packages, *pi, &shared, config, ctx, files);
        ctx.quoted_for_workspace = packages[*pi].macro_for_workspace;
    }
    let held = runtime_holds(packages, &loaded);
    // Which units become blocking std, workspace libraries decided with the packages that await
    // them.
    let mut decisions =
        joint::decide_all(&root, packages, &loaded, &held, config, semantic.as_ref());
    for (pi, package) in loaded {
        let pkg = &packages[pi];
        let quoted = |r: &RootReport| {
            r.findings
                .iter()
                .filter(|f| f.rule == FindingId::QuotedCode.as_str())
                .count()
        };
        let before = quoted(&report);
        let held_by = held.get(&pi).map(String::as_str);
        let (needs, units) = migrate_package(
            &root,
            pkg,
            package,
            held_by,
            decisions.remove(&pi).unwrap_or_default(),
            config,
            semantic.as_ref(),
            &mut report,
        );
        if quoted(&report) > before {
            generating.push(pkg);
        }
        let mut needs = needs;
        if pkg.macro_for_workspace && needs.smol {
            // The smol paths it quotes are its dependents' code; it needs smol only for an
            // async-std of its own.
            quoting_smol.push(pkg);
            needs.smol = !pkg.roots.is_empty();
        }
        per_package.push((pi, needs, units));
    }
    drop(semantic);
    let mut renamed: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    // Which packages keep async-std (their own findings, or a procedural macro they use that
    // generates async-std code) is known now: the libraries of the others get smol's component
    // crates (`rewrite/components.rs`).
    let mut per_package: Vec<_> = per_package
        .into_iter()
        .map(
            |(pi, mut needs, units): (usize, crate::manifest::Needs, _)| {
                let pkg = &packages[pi];
                needs.keep_async_std |= incomplete.contains(&pi)
                    || pkg
                        .name
                        .as_ref()
                        .is_some_and(|n| generating.iter().any(|g| g.dependents.contains(n)));
                for m in quoting_smol.iter().filter_map(|q| q.name.as_ref()) {
                    if pkg.deps.contains(m) {
                        // Only its tests expand a test helper's code (`macro_for_workspace`).
                        needs.smol_dev_only |= !needs.smol && pkg.dev_only_deps.contains(m);
                        needs.smol = true;
                    }
                }
                if config.target != Target::Threads {
                    package::enter_tokio_context(&root, pkg, &units, &mut report, &mut needs);
                    // (Before the components: a doc file that keeps async-std keeps smol too.)
                    let docs_on_smol = included.get(&pi).is_some_and(|docs| {
                        package::migrate_included_docs(&root, pkg, docs, &mut report, &mut needs)
                    });
                    package::library_components(&root, pkg, &units, &mut report, &mut needs);
                    // Their doctests build with the package's dev-dependencies.
                    needs.smol |= docs_on_smol;
                }
                all.keep_async_std |= needs.keep_async_std;
                all.smol |= needs.smol;
                (pi, needs)
            },
        )
        .collect();
    for (pi, mut needs) in per_package.drain(..) {
        let pkg = &packages[pi];
        needs.rename_features = config.rename_features;
        // A root package's [workspace.dependencies] serve every member.
        if pkg.dir == ws.dir && packages.len() > 1 {
            needs.smol |= all.smol;
            needs.keep_async_std |= all.keep_async_std;
        }
        if pkg.name.is_some() {
            // smol goes to [dev-dependencies] only when every file of the package that names it
            // is in examples/, tests/ or benches/ (a binary at `client/main.rs` is no dev target).
            let dev_dirs: Vec<String> = ["examples", "tests", "benches"]
                .iter()
                .map(|d| {
                    let r = rel(&root, &pkg.dir.join(d));
                    format!("{r}/")
                })
                .collect();
            let pkg_dir = {
                let r = rel(&root, &pkg.dir);
                if r.is_empty() {
                    r
                } else {
                    format!("{r}/")
                }
            };
            // A file is the package's when no member package below it holds it.
            let nested: Vec<String> = packages
                .iter()
                .filter(|p| p.dir != pkg.dir && p.dir.starts_with(&pkg.dir))
                .map(|p| format!("{}/", rel(&root, &p.dir)))
                .collect();
            let names_smol = |f: &&crate::report::FileChange| {
                f.file.starts_with(&pkg_dir)
                    && !nested.iter().any(|n| f.file.starts_with(n))
                    && f.crates.contains("smol")
            };
            needs.smol_dev_only = report
                .files
                .iter()
                .filter(names_smol)
                .all(|f| dev_dirs.iter().any(|d| f.file.starts_with(d)));
            let renames = manifest(&root, pkg, needs, &mut report);
            rename_cfg_features(&root, pkg, &renames, &mut report);
            renamed.push((pi, renames));
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
    // rustfmt-clean files stay so (see format.rs), once every rewrite (cfg features renamed too)
    // is in: each changed file with the package whose directory holds it.
    let mut by_package: BTreeMap<usize, Vec<&mut FileChange>> = BTreeMap::new();
    for fc in report.files.iter_mut().filter(|f| f.file.ends_with(".rs")) {
        let abs = root.join(&fc.file);
        if let Some((pi, _)) = packages
            .iter()
            .enumerate()
            .filter(|(_, p)| abs.starts_with(&p.dir))
            .max_by_key(|(_, p)| p.dir.components().count())
        {
            by_package.entry(pi).or_default().push(fc);
        }
    }
    for (pi, files) in by_package {
        crate::format::files(&root, &packages[pi].dir, &packages[pi].edition, files);
    }
    for (pi, renames) in &renamed {
        names_after_async_std(&root, &packages[*pi], renames, &mut report);
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

/// Whether a package's `spawn_local` calls move to a local executor (see
/// `handlers/local_executor.rs`): migrating to smol, and every workspace package that runs its
/// code drives that executor (`shared`: they depend on it directly, and on no other package
/// with one). Its library is then runtime-bound only for what else it uses (task-locals). A
/// dependent in `shared` drives its dependency's executor: its own `spawn_local` and `block_on`
/// go through that one.
fn local_spawn(
    packages: &[Package],
    pi: usize,
    shared: &Shared,
    config: &Config,
    ctx: &mut CrateContext,
    files: &[Parsed],
) {
    let run_by_others = packages[pi]
        .dependents
        .iter()
        .any(|d| packages.iter().any(|p| p.name.as_ref() == Some(d)));
    ctx.local_executor_of = shared.driven_by.get(&pi).cloned();
    let driven_local = ctx
        .local_executor_of
        .as_deref()
        .is_some_and(|m| m.ends_with("::local_executor"));
    ctx.local_spawn = config.target != Target::Threads
        && (!run_by_others || shared.owners.contains(&pi) || driven_local);
    // Task-locals on the crate's own module (`handlers/task_locals.rs`): not beside a local
    // executor, and not in a library another workspace package runs (its tasks would not carry
    // them), nor in a package that runs another's (a local executor's).
    ctx.task_local_units.clear();
    if config.target != Target::Threads && ctx.local_executor_of.is_none() {
        let units: BTreeSet<&String> = files.iter().map(|f| &f.unit).collect();
        for unit in units {
            let mut texts = files
                .iter()
                .filter(|f| &f.unit == unit)
                .map(|f| f.text.as_str());
            let lib = files.iter().any(|f| &f.unit == unit && f.place.in_lib);
            let others_drive = shared.owners.contains(&pi);
            if !(lib && run_by_others && !others_drive)
                && crate::handlers::task_locals::can_serve(&mut texts)
            {
                ctx.task_local_units.insert(unit.clone());
            }
        }
    }
    if (ctx.local_spawn || !ctx.task_local_units.is_empty()) && ctx.runtime_bound {
        ctx.runtime_bound = files.iter().any(|f| {
            f.place.in_lib
                && !crate::resolve::runtime_bound_sites(
                    &f.sites,
                    ctx.local_spawn,
                    ctx.task_local_units.contains(&f.unit),
                )
                .is_empty()
        });
    }
}

/// Local executors workspace packages share (see [`shared_executors`]).
#[derive(Default)]
struct Shared {
    /// Packages whose library spawns local tasks on an executor its dependents drive.
    owners: BTreeSet<usize>,
    /// Dependent -> the owner's module as its code names it (`owner_lib::local_executor`).
    driven_by: BTreeMap<usize, String>,
}

/// A package whose library calls `spawn_local` (and needs nothing else of async-std's runtime)
/// shares its local executor with the workspace packages that run its code when each of them,
/// direct dependents and theirs, depends on it directly (the entry points must name its
/// `local_executor::block_on`) and on no other such package (one thread runs one executor
/// here). A library whose task-locals (or `task::current`) are all it needs of async-std's
/// runtime shares its `task_locals` module the same way: the tasks of the packages that run its
/// code start through it and carry its values (`handlers/task_locals.rs`). Otherwise they all
/// keep async-std, as `runtime_holds` says.
fn shared_executors(
    packages: &[Package],
    loaded: &[(usize, (CrateContext, Vec<Parsed>))],
    config: &Config,
) -> Shared {
    let mut out = Shared::default();
    if config.target == Target::Threads {
        return out;
    }
    let index = |name: &String| packages.iter().position(|p| p.name.as_ref() == Some(name));
    let spawning_lib = |files: &[Parsed]| {
        files.iter().filter(|f| f.place.in_lib).any(|f| {
            f.sites
                .paths
                .iter()
                .any(|s| s.canon.join("::") == "async_std::task::spawn_local")
        })
    };
    // Each candidate owner and its module.
    let kinds: BTreeMap<usize, &str> = loaded
        .iter()
        .filter(|(pi, (ctx, _))| {
            ctx.runtime_bound
                && !packages[*pi].dependents.is_empty()
                && packages[*pi].lib_name.is_some()
        })
        .filter_map(|(pi, (_, files))| {
            let lib = || files.iter().filter(|f| f.place.in_lib);
            // Nothing else of async-std's runtime: the module makes it whole.
            let whole = |local_spawn, task_locals| {
                lib().all(|f| {
                    crate::resolve::runtime_bound_sites(&f.sites, local_spawn, task_locals)
                        .is_empty()
                })
            };
            if spawning_lib(files) {
                whole(true, false).then_some((*pi, "local_executor"))
            } else {
                (whole(false, true)
                    && crate::handlers::task_locals::can_serve(&mut lib().map(|f| f.text.as_str())))
                .then_some((*pi, "task_locals"))
            }
        })
        .collect();
    let candidates: Vec<usize> = kinds.keys().copied().collect();
    // Whether a package names anything of async-std's (its tasks, entry points, ..).
    let starts_tasks = |d: usize| {
        loaded.iter().any(|(pi, (_, files))| {
            *pi == d
                && files
                    .iter()
                    .any(|f| !f.sites.paths.is_empty() || !f.sites.leaves.is_empty())
        })
    };
    let mut claimed: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut plans: Vec<(usize, Vec<(usize, String)>)> = Vec::new();
    'owners: for &owner in &candidates {
        let name = packages[owner].name.clone().unwrap_or_default();
        let mut closure: BTreeSet<usize> = BTreeSet::new();
        let mut queue: Vec<usize> = packages[owner]
            .dependents
            .iter()
            .filter_map(index)
            .collect();
        // A cycle through dev-dependencies (the library's proc-macro crate whose tests use
        // the library) leads back to the owner, which drives its own executor.
        while let Some(d) = queue.pop() {
            if d != owner && closure.insert(d) {
                queue.extend(packages[d].dependents.iter().filter_map(index));
            }
        }
        let mut plan = Vec::new();
        for &d in &closure {
            let Some(ident) = packages[d].dep_idents.get(&name) else {
                // Runs it through another package only. A package that starts no task of
                // async-std's reads task-locals outside any task, as it did (zellij's plugins,
                // through zellij-tile): nothing of it to route.
                if kinds[&owner] == "task_locals" && !starts_tasks(d) {
                    continue;
                }
                continue 'owners;
            };
            // A dependency under its own name is called by its library name (`[lib] name`).
            let ident = if *ident == name.replace('-', "_") {
                packages[owner]
                    .lib_name
                    .clone()
                    .unwrap_or_else(|| ident.clone())
            } else {
                ident.clone()
            };
            plan.push((d, ident));
        }
        for &d in &closure {
            claimed.entry(d).or_default().push(owner);
        }
        plans.push((owner, plan));
    }
    for (owner, plan) in plans {
        // A dependent that runs two such libraries, or one that is itself an owner, keeps
        // async-std with them.
        if plan
            .iter()
            .any(|(d, _)| claimed[d].len() > 1 || candidates.contains(d))
        {
            continue;
        }
        out.owners.insert(owner);
        for (d, ident) in plan {
            out.driven_by
                .insert(d, format!("{ident}::{}", kinds[&owner]));
        }
    }
    out
}

/// The packages that run code needing async-std's runtime: one whose library names a
/// runtime-bound item (`spawn_local`, a task-local), and every workspace package that depends on
/// it, directly or not. Package index -> what they run and where.
fn runtime_holds(
    packages: &[Package],
    loaded: &[(usize, (CrateContext, Vec<Parsed>))],
) -> BTreeMap<usize, String> {
    let mut held: BTreeMap<usize, String> = BTreeMap::new();
    let mut queue: Vec<(usize, String)> = Vec::new();
    for (pi, (ctx, files)) in loaded {
        if !ctx.runtime_bound {
            continue;
        }
        let what = files
            .iter()
            .filter(|f| f.place.in_lib)
            .find_map(|f| package::runtime_bound_here(f, ctx))
            .unwrap_or_else(|| "its library".to_string());
        queue.push((*pi, what));
    }
    while let Some((pi, what)) = queue.pop() {
        if held.contains_key(&pi) {
            continue;
        }
        held.insert(pi, what.clone());
        let name = packages[pi].name.clone().unwrap_or_default();
        for dep in &packages[pi].dependents {
            if let Some(di) = packages.iter().position(|p| p.name.as_ref() == Some(dep)) {
                queue.push((di, format!("package `{name}`, which runs {what}")));
            }
        }
    }
    held
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
                rules: [(FindingId::Manifest.into(), n)].into(),
                crates: Default::default(),
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
/// Names that follow the code: an example file named after async-std whose code moved to smol, and
/// documentation lines (comments, the package's README) that pass a feature the manifest renamed
/// (`--features async-std-runtime`), are listed for review.
fn names_after_async_std(
    root: &Path,
    pkg: &Package,
    renames: &[(String, String)],
    report: &mut RootReport,
) {
    let mut found = Vec::new();
    for path in &pkg.files {
        let file = rel(root, path);
        let Some(fc) = report.files.iter().find(|f| f.file == file) else {
            continue;
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let in_examples = path
            .strip_prefix(&pkg.dir)
            .is_ok_and(|r| r.starts_with("examples"));
        if in_examples
            && (stem.contains("async-std") || stem.contains("async_std"))
            && !crate::workspace::mentions_any(&fc.after, &["async_std".to_string()].into())
        {
            found.push(
                crate::report::RawFinding::review(
                    0,
                    FindingId::NamedAfterAsyncStd,
                    format!("the example `{stem}` is named after async-std and now runs on smol"),
                    "rename the file (and its [[example]] entry, if Cargo.toml has one), or keep the name on purpose",
                )
                .locate(&file, &fc.after),
            );
        }
    }
    let mut docs: Vec<PathBuf> = pkg.files.clone();
    docs.push(pkg.dir.join("README.md"));
    for path in docs {
        let file = rel(root, &path);
        let text = match report.files.iter().find(|f| f.file == file) {
            Some(fc) => fc.after.clone(),
            None => match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(_) => continue,
            },
        };
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let doc = !file.ends_with(".rs") || line.trim_start().starts_with("//");
            if doc && line.contains("--features") {
                if let Some((old, new)) = renames.iter().find(|(old, _)| {
                    line.match_indices(old.as_str()).any(|(i, _)| {
                        let before = line[..i].chars().next_back();
                        let after = line[i + old.len()..].chars().next();
                        let ident = |c: Option<char>| {
                            c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
                        };
                        !ident(before) && !ident(after)
                    })
                }) {
                    found.push(
                        crate::report::RawFinding::review(
                            offset + line.find(old.as_str()).unwrap_or(0),
                            FindingId::NamedAfterAsyncStd,
                            format!("this line passes feature `{old}`, which the migration renamed `{new}`"),
                            format!("write `{new}` (`{old}` stays an alias unless --rename-features)"),
                        )
                        .locate(&file, &text),
                    );
                }
            }
            offset += line.len();
        }
    }
    report.findings.extend(found);
}

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
                    .entry(FindingId::CfgFeature.into())
                    .or_default() += n;
            }
            None => report.files.push(FileChange {
                file,
                crates: package::crates_of(&Default::default(), &text),
                before: text,
                after: new,
                rules: [(FindingId::CfgFeature.into(), n)].into(),
            }),
        }
    }
}
