//! Loading a package's files: the text pre-filter (a file that never mentions a name reaching
//! async-std is never parsed), parsing with macro arguments made visible, and the crate
//! pre-pass (re-exports, handle-returning fns, impls for smol's types), which the resolution of
//! every file needs before any file is resolved.

use super::rel;
use crate::report::RootReport;
use crate::resolve::syntax::{collect_crate_facts, place_of, resolve_nodes};
use crate::resolve::CrateContext;
use crate::rewrite;
use crate::workspace::{self, Package};
use crate::{Config, Target};
use ra_ap_syntax::AstNode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One parsed candidate file of a package.
pub(crate) struct Parsed {
    /// Every node of `sf` in preorder, shared by the passes (see `rewrite::Ctx::nodes`).
    pub nodes: Vec<ra_ap_syntax::SyntaxNode>,
    pub path: PathBuf,
    pub file: String,
    pub text: String,
    pub sf: Option<ra_ap_syntax::ast::SourceFile>,
    pub place: crate::resolve::syntax::FilePlace,
    pub sites: crate::resolve::FileSites,
    pub unit: crate::threads::Unit,
    /// The cfgs that decide whether the file is compiled, when known: the `mod` items' on the
    /// way to it (`module_tree::files_in_trees_keeping`) and its own `#![cfg]`s.
    pub gates: Option<(crate::module_tree::Gates, crate::module_tree::Gates)>,
}

/// Reads what a package's migration needs: the crate's context (its pre-pass facts) and its
/// candidate files, parsed and resolved. Files with syntax errors are reported and kept without
/// a tree.
pub(super) fn load_package(
    root: &Path,
    pkg: &Package,
    texts: Vec<(PathBuf, String)>,
    (mut parses, gates): (
        BTreeMap<PathBuf, rewrite::FileParse>,
        &BTreeMap<PathBuf, crate::module_tree::Reached>,
    ),
    config: &Config,
    report: &mut RootReport,
) -> (CrateContext, Vec<Parsed>) {
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
        keep_worker_threads: config.keep_worker_threads,
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
    for (_, text) in &texts {
        ctx.own_methods.extend(indented_fn_names(text));
        ctx.handle_from_shared |= handle_from_shared(text);
    }
    for (path, text) in texts {
        let candidate = workspace::mentions_any(&text, &ctx.roots)
            || (threads_wanted && workspace::mentions_any(&text, &async_words));
        if candidate {
            let parse = parses
                .remove(&path)
                .unwrap_or_else(|| rewrite::parse(&text, &pkg.edition));
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
            let sites = collect_crate_facts(&nodes, &place, &mut ctx);
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
                gates: None,
            });
            continue;
        }
        let (sf, sites, nodes) = match early {
            Some((sites, nodes, sf)) if reuse => (sf, sites, nodes),
            Some((_, nodes, sf)) => (sf.clone(), resolve_nodes(&nodes, &place, &ctx), nodes),
            None => {
                let sf = rewrite::macros::shadow_tree(&text, parse.tree(), None, &pkg.edition);
                let nodes: Vec<ra_ap_syntax::SyntaxNode> = sf.syntax().descendants().collect();
                (sf.clone(), resolve_nodes(&nodes, &place, &ctx), nodes)
            }
        };
        files.push(Parsed {
            nodes,
            gates: gates
                .get(&crate::module_tree::normalise(&path))
                .and_then(|r| {
                    // A crate root is its crate's root module, whatever its `#![cfg]`s.
                    let inner = if r.root {
                        Vec::new()
                    } else {
                        inner_gates(&sf)?
                    };
                    Some((r.gates.clone(), inner))
                }),
            path,
            file,
            text,
            sf: Some(sf),
            place,
            sites,
            unit,
        });
    }
    (ctx, files)
}

/// The names of the functions a text defines other than at the top level of the file (a line
/// that starts with `fn`, `pub fn`, `async fn`...): methods of impls and traits, and functions of
/// inline modules.
pub(crate) fn indented_fn_names(text: &str) -> impl Iterator<Item = String> + '_ {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices("fn ").filter_map(move |(i, _)| {
        if text[..i].chars().next_back().is_some_and(ident) {
            return None;
        }
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = &text[line_start..i];
        let top_level = !before.starts_with([' ', '\t'])
            && before.split_whitespace().all(|w| {
                w.starts_with("pub")
                    || matches!(
                        w,
                        "async" | "const" | "unsafe" | "extern" | "\"C\"" | "crate)" | "super)"
                    )
            });
        if top_level {
            return None;
        }
        let name: String = text[i + 3..]
            .trim_start()
            .chars()
            .take_while(|c| ident(*c))
            .collect();
        (!name.is_empty()).then_some(name)
    })
}

/// Whether the text converts a task handle into a type of its own through a name other runtimes'
/// imports share (zmq.rs: `impl<T> From<rt_task::JoinHandle<T>> for JoinHandle<T>`, with
/// `use async_std::task as rt_task;` and `use tokio::task as rt_task;` under their cfgs): such an
/// impl stays async-std's, and so must the handles converted through it.
pub(crate) fn handle_from_shared(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find("From<") {
        rest = &rest[i + "From<".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        if !path.ends_with("JoinHandle") {
            continue;
        }
        // The name the handle's path starts with, and the imports that bind it.
        let first = path.split("::").next().unwrap_or_default().to_string();
        let binds: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("use ") || l.starts_with("pub use "))
            .filter(|l| {
                let l = l.trim_end_matches(';');
                l.ends_with(&format!(" as {first}")) || l.ends_with(&format!("::{first}"))
            })
            .collect();
        if binds.len() >= 2 && binds.iter().any(|l| l.contains("async_std")) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod handle_tests {
    #[test]
    fn a_wrapper_over_a_shared_alias() {
        let zmq = "#[cfg(feature = \"a\")]\nuse async_std::task as rt_task;\n#[cfg(feature = \"t\")]\nuse tokio::task as rt_task;\npub struct JoinHandle<T>(rt_task::JoinHandle<T>);\nimpl<T> From<rt_task::JoinHandle<T>> for JoinHandle<T> {}\n";
        assert!(super::handle_from_shared(zmq));
        let plain = "use async_std::task;\npub struct H<T>(task::JoinHandle<T>);\nimpl<T> From<task::JoinHandle<T>> for H<T> {}\n";
        assert!(!super::handle_from_shared(plain));
    }
}

/// A file's own `#![cfg(..)]`s; `None` where a `#![cfg_attr(..)]` may add one.
fn inner_gates(sf: &ra_ap_syntax::ast::SourceFile) -> Option<crate::module_tree::Gates> {
    use ra_ap_syntax::ast::{self, HasAttrs};
    let mut out = Vec::new();
    for a in sf.attrs().filter(|a| a.excl_token().is_some()) {
        match a.meta()? {
            ast::Meta::CfgMeta(c) => out.push(c.cfg_predicate()?),
            ast::Meta::CfgAttrMeta(_) => return None,
            _ => {}
        }
    }
    Some(out)
}
