//! The pipeline for one PATH: discover packages -> read and pre-filter files -> crate pre-pass
//! (re-exports, handle-returning fns) -> load the semantic layer (or fall back to syntax) ->
//! resolve and rewrite each candidate file -> migrate the manifests -> one [`RootReport`].
//! Nothing here writes to disk; [`crate::apply`] does.

use crate::report::{FileChange, Resolution, RootReport};
use crate::resolve::semantic::Semantic;
use crate::resolve::syntax::{collect_crate_facts, place_of, resolve_file};
use crate::resolve::{CrateContext, NoTypes, Oracle};
use crate::rewrite::{self, FileCtx};
use crate::rules::Catalogue;
use crate::workspace::{self, Package};
use crate::{Config, Error, Target};
use ra_ap_syntax::AstNode;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Migrates everything below `root` in memory.
pub fn plan(root: &Path, config: &Config) -> Result<RootReport, Error> {
    if config.target != Target::Smol {
        return Err(Error::TargetNotImplemented(config.target.as_str().into()));
    }
    let root = if root.is_file() && root.file_name().is_some_and(|f| f == "Cargo.toml") {
        root.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        root.to_path_buf()
    };
    if !root.is_dir() {
        return Err(Error::NotAPackage { path: root });
    }
    let cat = Catalogue::smol();
    let packages = workspace::discover(&root)?;
    let mut report = RootReport {
        root: root.display().to_string(),
        resolution: if config.syntax_only {
            Resolution::Syntax
        } else {
            Resolution::Semantic
        },
        fallback_reason: None,
        files: Vec::new(),
        findings: Vec::new(),
        errors: Vec::new(),
        manifest_notes: Vec::new(),
    };

    // Which packages have candidate files at all (the text pre-filter).
    let mut work: Vec<(usize, Vec<(PathBuf, String)>)> = Vec::new();
    for (pi, pkg) in packages.iter().enumerate() {
        let mut names: BTreeSet<String> = pkg.roots.clone();
        names.insert("async_std".into());
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

    // The semantic layer is loaded once per PATH, and only when some file needs it.
    let semantic = if config.syntax_only || work.is_empty() {
        None
    } else {
        match Semantic::load(&root) {
            Ok(s) => Some(s),
            Err(reason) => {
                report.resolution = Resolution::Syntax;
                report.fallback_reason = Some(reason);
                None
            }
        }
    };

    let mut any_keep = false;
    let mut any_smol = false;
    for (pi, texts) in work {
        let pkg = &packages[pi];
        let (keep, smol) = migrate_package(&root, pkg, texts, cat, semantic.as_ref(), &mut report);
        any_keep |= keep;
        any_smol |= smol;
        if pkg.name.is_some() {
            manifest(
                &root,
                pkg,
                crate::manifest::Needs {
                    smol,
                    keep_async_std: keep,
                },
                &mut report,
            );
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
                smol: any_smol,
                keep_async_std: any_keep,
            },
            &mut report,
        );
    }
    report.files.sort_by(|a, b| a.file.cmp(&b.file));
    report.findings.sort();
    report.findings.dedup();
    Ok(report)
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Returns (some file keeps async-std, the migrated code names smol).
fn migrate_package(
    root: &Path,
    pkg: &Package,
    texts: Vec<(PathBuf, String)>,
    cat: &Catalogue,
    semantic: Option<&Semantic>,
    report: &mut RootReport,
) -> (bool, bool) {
    let mut ctx = CrateContext {
        roots: pkg.roots.clone(),
        lib_name: pkg.lib_name.clone(),
        ..Default::default()
    };
    ctx.roots.insert("async_std".into());
    // async-attributes' `main`/`test` expand to async-std calls: they are async-std's attributes.
    ctx.roots.insert("async_attributes".into());
    let mut parsed = Vec::new();
    let mut rest = Vec::new();
    for (path, text) in texts {
        if workspace::mentions_any(&text, &ctx.roots) {
            let parse = rewrite::parse(&text, &pkg.edition);
            let place = place_of(&path, &pkg.dir);
            collect_crate_facts(&parse.tree(), &place, &mut ctx);
            parsed.push((path, text, parse));
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
                parsed.push((path, text, parse));
            }
        }
    }
    let mut keep = false;
    let mut smol = false;
    for (path, text, parse) in parsed {
        let file = rel(root, &path);
        if !parse.errors().is_empty() {
            report.errors.push(format!(
                "{file}: syntax errors ({}); the file was skipped",
                parse.errors()[0]
            ));
            keep |= workspace::mentions_any(&text, &ctx.roots);
            continue;
        }
        // Macro arguments made visible (same offsets): see rewrite::macros.
        let sf = rewrite::macros::shadow_tree(&text, parse.tree(), &pkg.edition);
        let place = place_of(&path, &pkg.dir);
        let sites = resolve_file(&sf, &place, &ctx);
        // Task-locals and task::current need async-std's runtime around them: such a crate (the
        // lib, or this one target file) is left on async-std whole, never half-moved.
        let bound = crate::resolve::runtime_bound_sites(&sites);
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
                    .locate(&file, &text),
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
                    .locate(&file, &text),
                );
            }
            keep = true;
            continue;
        }
        let owned_oracle;
        let oracle: &dyn Oracle = match semantic.and_then(|s| s.oracle_for(&path)) {
            Some(o) => {
                owned_oracle = o;
                &owned_oracle
            }
            None => &NoTypes,
        };
        let out = rewrite::migrate_file(
            &text,
            &sf,
            &sites,
            FileCtx {
                cat,
                oracle,
                krate: &ctx,
                edition: &pkg.edition,
                in_lib: place.in_lib,
            },
        );
        keep |= out.keeps_async_std;
        for f in out.findings {
            report.findings.push(f.locate(&file, &text));
        }
        let mut counts: std::collections::BTreeMap<String, usize> =
            out.counts.into_iter().collect();
        let mut new_text = out.new_text;
        smol |= out.needs_smol;
        // Doc comments' code blocks, on the migrated text (comments are never edited above).
        let current = new_text.clone().unwrap_or_else(|| text.clone());
        let mut doc_findings = Vec::new();
        let doc_ctx = FileCtx {
            cat,
            oracle: &NoTypes,
            krate: &ctx,
            edition: &pkg.edition,
            in_lib: false,
        };
        if let Some((with_docs, blocks)) =
            rewrite::doctests::migrate_doc_blocks(&current, doc_ctx, &mut doc_findings)
        {
            *counts.entry("doctest-blocks".into()).or_default() += blocks;
            smol |= with_docs.contains("smol::");
            new_text = Some(with_docs);
        }
        for f in doc_findings {
            keep |= f.severity == crate::report::Severity::NotMigrated;
            report.findings.push(f.locate(&file, &current));
        }
        if let Some(new) = new_text {
            report.files.push(FileChange {
                file,
                before: text,
                after: new,
                rules: counts,
            });
        } else if keep {
            smol |= text.contains("smol::");
        }
    }
    (keep, smol)
}

fn manifest(root: &Path, pkg: &Package, needs: crate::manifest::Needs, report: &mut RootReport) {
    if !pkg.uses_async_std {
        return;
    }
    let file = rel(root, &pkg.manifest_path);
    let text = match std::fs::read_to_string(&pkg.manifest_path) {
        Ok(t) => t,
        Err(e) => return report.errors.push(format!("{file}: {e}")),
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
        }
        Ok(None) => {}
        Err(e) => report.errors.push(format!("{file}: invalid manifest: {e}")),
    }
}
