//! `--to auto` across a workspace's packages: a library whose async API other packages here
//! await becomes blocking together with them, or none of them does.
//!
//! Each package is decided on its own ([`package::decide`]), told what its neighbours would do
//! ([`Neighbours`]): a *candidate* library (`publish = false` or `--allow-api-change`, and every
//! workspace package that uses it read here) has no "used by other packages here" blocker, and
//! the packages that depend on it treat its async fns and methods as their own (their `.await`s
//! go). Then each candidate is checked: its library unit and every unit of its dependents that
//! names it and awaits must have become blocking std. A candidate that fails this is dropped (its
//! library keeps its async API, with the reason), and every package is decided again, until no
//! candidate drops. Without candidates this is one decision per package, as before.
//!
//! Before (a workspace: `net` with `publish = false`, and `app`, which depends on it):
//! ```text
//! // net/src/lib.rs                          // app/src/main.rs
//! pub async fn fetch(p: &str) -> String {    #[async_std::main]
//!     async_std::fs::read_to_string(p)       async fn main() {
//!         .await.unwrap()                        println!("{}", net::fetch("a.txt").await);
//! }                                          }
//! ```
//! After (`--to auto`):
//! ```text
//! pub fn fetch(p: &str) -> String {          fn main() {
//!     std::fs::read_to_string(p)                 println!("{}", net::fetch("a.txt"));
//!         .unwrap()                          }
//! }
//! ```

use super::load::Parsed;
use super::package::{self, Decision, Neighbours};
use crate::resolve::semantic::Semantic;
use crate::resolve::CrateContext;
use crate::workspace::Package;
use crate::{Config, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every loaded package's decision (package index -> decision), libraries and their workspace
/// dependents decided consistently.
pub(super) fn decide_all(
    root: &Path,
    packages: &[Package],
    loaded: &[(usize, (CrateContext, Vec<Parsed>))],
    held: &BTreeMap<usize, String>,
    config: &Config,
    semantic: Option<&Semantic>,
) -> BTreeMap<usize, Decision> {
    let index = |name: &str| {
        packages
            .iter()
            .position(|p| p.name.as_deref() == Some(name))
    };
    let loaded_at: BTreeMap<usize, usize> = loaded
        .iter()
        .enumerate()
        .map(|(i, (pi, _))| (*pi, i))
        .collect();
    // The library's async fns and methods, and the fns among them at its root, per loaded
    // package with a library.
    type Names = BTreeSet<String>;
    let lib_async: BTreeMap<usize, (Names, Names, Names)> = loaded
        .iter()
        .filter(|(pi, _)| packages[*pi].has_lib)
        .map(|(pi, (_, files))| {
            let pairs: Vec<_> = files
                .iter()
                .filter(|f| f.unit == "src" && f.sf.is_some())
                .map(|f| (f.nodes.as_slice(), &f.sites))
                .collect();
            let plan = crate::threads::collect_plan(&pairs);
            // The async fns its root file defines, which dependents call as `lib::name(..)`.
            let at_root: BTreeSet<String> = files
                .iter()
                .filter(|f| f.unit == "src" && f.place.in_lib && f.place.module.is_empty())
                .filter_map(|f| f.sf.as_ref())
                .flat_map(|sf| crate::threads::FileAsyncFns::of(sf).names)
                .collect();
            (*pi, (plan.async_fns, plan.async_methods, at_root))
        })
        .collect();
    // Why each library with dependents here keeps its async API (none for candidates).
    let mut why_kept: BTreeMap<usize, String> = BTreeMap::new();
    let mut candidates: BTreeSet<usize> = BTreeSet::new();
    for (pi, _) in loaded {
        let pkg = &packages[*pi];
        if !pkg.has_lib || pkg.dependents.is_empty() {
            continue;
        }
        why_kept.insert(
            *pi,
            format!(
                "is used by other packages here ({}), which would stop compiling",
                pkg.dependents.join(", ")
            ),
        );
        let api_may_change = !pkg.publish || config.allow_api_change;
        let has_async = lib_async
            .get(pi)
            .is_some_and(|(f, m, _)| !f.is_empty() || !m.is_empty());
        let all_here = pkg.dependents.iter().all(|d| match index(d) {
            Some(di) if loaded_at.contains_key(&di) => true,
            // A dependent with no candidate file: fine when it drives no future at all.
            Some(di) => !drives_futures(&packages[di]),
            None => false,
        });
        if config.target != Target::Smol && api_may_change && has_async && all_here {
            candidates.insert(*pi);
        }
    }
    loop {
        let mut decisions: BTreeMap<usize, Decision> = BTreeMap::new();
        for (pi, (ctx, files)) in loaded {
            let pkg = &packages[*pi];
            let mut n = Neighbours {
                dependents_blocker: (!candidates.contains(pi))
                    .then(|| why_kept.get(pi).cloned())
                    .flatten(),
                ..Default::default()
            };
            for l in candidates
                .iter()
                .filter(|l| uses_library(pkg, &packages[**l]))
            {
                let (fns, methods, at_root) = &lib_async[l];
                n.async_fns.extend(fns.iter().cloned());
                n.async_methods.extend(methods.iter().cloned());
                let lib = &packages[*l];
                let ident = lib
                    .name
                    .as_deref()
                    .and_then(|name| pkg.dep_idents.get(name).cloned())
                    .or_else(|| lib.lib_name.clone());
                if let Some(ident) = ident {
                    n.crate_async_fns
                        .extend(at_root.iter().map(|f| format!("{ident}::{f}")));
                }
            }
            let d = package::decide(
                root,
                pkg,
                (ctx, files),
                held.get(pi).map(String::as_str),
                &n,
                config,
                semantic,
            );
            decisions.insert(*pi, d);
        }
        // A candidate whose library, or a dependent's unit that awaits it, did not become
        // blocking std: it keeps its async API.
        let mut dropped = false;
        for l in candidates.clone() {
            let lib = &packages[l];
            // (Its own blockers say why; the first message stays.)
            let failed = if !decisions[&l].threads_units.contains("src") {
                why_kept.get(&l).cloned()
            } else {
                lib.dependents.iter().find_map(|d| {
                    let di = index(d)?;
                    let (_, (_, files)) = &loaded[*loaded_at.get(&di)?];
                    let ident = packages[di]
                        .dep_idents
                        .get(lib.name.as_deref()?)
                        .cloned()
                        .or_else(|| lib.lib_name.clone())?;
                    let names: BTreeSet<String> = [ident].into();
                    files
                        .iter()
                        .filter(|f| crate::workspace::mentions_any(&f.text, &names))
                        .filter(|f| f.text.contains("await"))
                        .find(|f| !decisions[&di].threads_units.contains(&f.unit))
                        .map(|f| {
                            format!(
                                "is used by other packages here: {} awaits it ({}) and keeps an async runtime, so it keeps its async API",
                                d, f.file
                            )
                        })
                })
            };
            if let Some(why) = failed {
                candidates.remove(&l);
                why_kept.insert(l, why);
                dropped = true;
            }
        }
        if !dropped {
            return decisions;
        }
    }
}

/// `pkg` depends on `lib` (any dependency table).
fn uses_library(pkg: &Package, lib: &Package) -> bool {
    lib.name.as_ref().is_some_and(|n| pkg.deps.contains(n))
}

/// Whether a package's code could drive a future (an `async` block or fn, an `.await`, a
/// `block_on`): read only for a dependent that had no candidate file.
fn drives_futures(pkg: &Package) -> bool {
    let words: BTreeSet<String> = ["async", "await", "block_on"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    pkg.files.iter().any(|f| {
        std::fs::read_to_string(f).map_or(true, |t| crate::workspace::mentions_any(&t, &words))
    })
}
