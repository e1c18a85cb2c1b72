//! Discovery: the packages below a PATH, which names reach async-std in each, and which source
//! files are candidates (a cheap text pre-filter: files that never mention a root name are never
//! parsed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One cargo package (or a virtual workspace manifest, which has no sources).
#[derive(Debug, Clone)]
pub struct Package {
    /// Directory holding the manifest.
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    /// `[package] name`, `None` for a virtual manifest.
    pub name: Option<String>,
    /// The library crate name (`my-lib` -> `my_lib`), when the package has a lib target.
    pub lib_name: Option<String>,
    pub edition: String,
    /// Names under which async-std is a dependency (`async_std`, or the key of a renamed dependency).
    pub roots: BTreeSet<String>,
    /// Whether the manifest mentions async-std at all (as a dependency or in workspace.dependencies).
    pub uses_async_std: bool,
    /// `.rs` files of the package (not of nested packages), sorted.
    pub files: Vec<PathBuf>,
    /// Crate names of every dependency (all tables, renames resolved: `package = ".."`).
    pub deps: BTreeSet<String>,
    /// Dependency crate name -> the name the package's code calls it by (`foo-bar` -> `foo_bar`,
    /// a renamed key's), for the dependencies of `[dependencies]` and `[dev-dependencies]`.
    pub dep_idents: BTreeMap<String, String>,
    /// The package can be published (no `publish = false`): its library API is a contract.
    pub publish: bool,
    /// The package has a library target.
    pub has_lib: bool,
    /// Other packages below the same PATH that depend on this one.
    pub dependents: Vec<String>,
    /// Crate names of the dependencies only [dev-dependencies] tables name.
    pub dev_only_deps: BTreeSet<String>,
    /// async-std's feature that runs every task in a Tokio context (`tokio1`, `tokio03`,
    /// `tokio02`), when the package enables it (`manifest::tokio_context`).
    pub tokio_context: Option<crate::manifest::TokioContext>,
    /// A procedural macro whose generated code only this workspace's packages expand: it is not
    /// published (`publish = false`), or every package that depends on it is a workspace member
    /// that does so only as a dev-dependency (a test helper: a path dev-dependency is never part
    /// of a published package). The async-std paths it quotes are migrated with the workspace.
    pub macro_for_workspace: bool,
}

/// What discovery skips besides `target/`, `.git/` and hidden directories.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Also walk what `.gitignore` (and `.ignore`, `.git/info/exclude`) ignores.
    pub no_ignore: bool,
    /// Globs (relative to the PATH, `/`-separated) of directories or files to leave out.
    pub exclude: Vec<String>,
}

/// A cargo workspace root, or a standalone package (its own root): what rust-analyzer loads once
/// and what `apply --verify` checks.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory of the root manifest.
    pub dir: PathBuf,
    /// The root manifest is a virtual one (`[workspace]` without `[package]`).
    pub is_virtual: bool,
    /// Its packages (members, the root package, and the virtual manifest as a nameless package),
    /// sorted by directory.
    pub packages: Vec<Package>,
    /// Files the walk reached below the workspace that do not end in `.rs`: a module file
    /// `#[path]` names may be one of them (`#[path = "gen/impl.inc"] mod imp;`).
    pub other_files: BTreeSet<PathBuf>,
}

impl Workspace {
    /// Whether any manifest of the workspace mentions async-std.
    pub fn uses_async_std(&self) -> bool {
        self.packages.iter().any(|p| p.uses_async_std)
    }
}

/// Packages below `root` (the root itself included), sorted by directory. `target/`, `.git/` and
/// hidden directories are skipped.
pub fn discover(root: &Path) -> Result<Vec<Package>, crate::Error> {
    Ok(discover_workspaces(root, &DiscoverOptions::default())?
        .0
        .into_iter()
        .flat_map(|w| w.packages)
        .collect())
}

/// Manifests that could not be read or parsed, with why (each is reported; the run goes on).
pub type Broken = Vec<(PathBuf, String)>;

/// The workspaces below `root`, sorted by directory: every `[workspace]` root with its members
/// (`members` globs, `exclude`), and every package no workspace claims as its own root. One walk
/// finds manifests and sources; `.rs` files belong to the deepest package above them.
pub fn discover_workspaces(
    root: &Path,
    opts: &DiscoverOptions,
) -> Result<(Vec<Workspace>, Broken), crate::Error> {
    let exclude = globs(&opts.exclude).map_err(|e| crate::Error::Manifest {
        path: root.to_path_buf(),
        message: format!("bad --exclude glob: {e}"),
    })?;
    let base = root.to_path_buf();
    let excluded = move |p: &Path| {
        let rel = p.strip_prefix(&base).unwrap_or(p);
        !rel.as_os_str().is_empty() && exclude.is_match(rel)
    };
    let mut walker = ignore::WalkBuilder::new(root);
    walker
        .hidden(true)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(false)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            e.depth() == 0 || (e.file_name() != "target" && !excluded(e.path()))
        });
    let mut manifests = Vec::new();
    let mut sources = Vec::new();
    let mut others = Vec::new();
    // A directory the walk cannot read is reported and left out; the run goes on (the packages
    // whose module files it holds keep async-std: those files are not read).
    let mut unreadable: Broken = Vec::new();
    for entry in walker.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = match &e {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                unreadable.push((path, format!("cannot read: {e}; its files were left out")));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let p = entry.path();
        if entry.file_name() == "Cargo.toml" {
            manifests.push(p.to_path_buf());
        } else if p.extension().is_some_and(|x| x == "rs") {
            sources.push(p.to_path_buf());
        } else {
            others.push(p.to_path_buf());
        }
    }

    // Parse every manifest once; a bad one is reported and its directory left alone.
    let mut docs = Vec::new();
    let mut broken = unreadable;
    for m in &manifests {
        let parsed = std::fs::read_to_string(m)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|t| {
                t.parse::<toml_edit::DocumentMut>()
                    .map_err(|e| format!("invalid manifest: {}", e.to_string().trim()))
            });
        match parsed {
            Ok(doc) => {
                let dir = m.parent().unwrap_or(Path::new(".")).to_path_buf();
                docs.push((dir, m.clone(), doc));
            }
            Err(why) => broken.push((m.clone(), format!("{why}; this package was skipped"))),
        }
    }
    // Sources of a broken package are not anyone else's.
    let broken_dirs: Vec<PathBuf> = broken
        .iter()
        .filter_map(|(m, _)| m.parent().map(Path::to_path_buf))
        .collect();
    let sources: Vec<PathBuf> = sources
        .into_iter()
        .filter(|s| {
            !broken_dirs.iter().any(|b| {
                s.starts_with(b)
                    && !docs
                        .iter()
                        .any(|d| d.0.starts_with(b) && d.0 != *b && s.starts_with(&d.0))
            })
        })
        .collect();

    // Which workspace root claims each package: the nearest one above it (itself included)
    // whose members match it.
    let roots: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].2.get("workspace").is_some())
        .collect();
    let mut owner: Vec<usize> = (0..docs.len()).collect();
    for (i, (dir, _, doc)) in docs.iter().enumerate() {
        if doc.get("workspace").is_some() || doc.get("package").is_none() {
            continue; // its own root
        }
        let explicit = doc
            .get("package")
            .and_then(|p| p.get("workspace"))
            .and_then(|w| w.as_str())
            .map(|w| normalize(&dir.join(w)));
        let mut best: Option<(usize, usize)> = None; // (root index, depth)
        for &r in &roots {
            let rdir = &docs[r].0;
            let claims = match &explicit {
                Some(e) => *e == normalize(rdir),
                None => dir.starts_with(rdir) && is_member(&docs[r].2, rdir, dir),
            };
            if claims {
                let depth = rdir.components().count();
                if best.is_none_or(|(_, d)| depth > d) {
                    best = Some((r, depth));
                }
            }
        }
        if let Some((r, _)) = best {
            owner[i] = r;
        }
    }

    // Sources go to the deepest package directory above them.
    let mut pkg_dirs: Vec<(usize, &PathBuf)> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.2.get("package").is_some())
        .map(|(i, d)| (i, &d.0))
        .collect();
    pkg_dirs.sort_by_key(|(_, d)| std::cmp::Reverse(d.components().count()));
    let mut files: Vec<Vec<PathBuf>> = vec![Vec::new(); docs.len()];
    for s in sources {
        if let Some((i, _)) = pkg_dirs.iter().find(|(_, d)| s.starts_with(d)) {
            files[*i].push(s);
        }
    }

    let mut out: Vec<Workspace> = Vec::new();
    let mut index_of_root: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| owner[i] != i); // roots first
    for i in order {
        let (dir, manifest_path, doc) = &docs[i];
        let r = owner[i];
        let ws_edition = docs[r]
            .2
            .get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("edition"))
            .and_then(|e| e.as_str())
            .map(str::to_string);
        let mut pkg = package(
            dir,
            manifest_path,
            doc,
            ws_edition,
            std::mem::take(&mut files[i]),
        );
        pkg.tokio_context = crate::manifest::tokio_context(doc, &docs[r].2);
        if r == i {
            index_of_root.insert(i, out.len());
            out.push(Workspace {
                dir: dir.clone(),
                is_virtual: doc.get("package").is_none(),
                packages: vec![pkg],
                other_files: BTreeSet::new(),
            });
        } else {
            let w = index_of_root[&r];
            out[w].packages.push(pkg);
        }
    }
    // Each other file goes to the deepest workspace above it.
    for f in others {
        if let Some(w) = out
            .iter_mut()
            .filter(|w| f.starts_with(&w.dir))
            .max_by_key(|w| w.dir.components().count())
        {
            w.other_files.insert(f);
        }
    }
    // Path dependencies between the packages found.
    let all_deps: Vec<(String, BTreeSet<String>)> = out
        .iter()
        .flat_map(|w| w.packages.iter())
        .filter_map(|p| p.name.clone().map(|n| (n, p.deps.clone())))
        .collect();
    let dev_only: Vec<(String, BTreeSet<String>)> = out
        .iter()
        .flat_map(|w| w.packages.iter())
        .filter_map(|p| p.name.clone().map(|n| (n, p.dev_only_deps.clone())))
        .collect();
    for w in &mut out {
        for p in &mut w.packages {
            if let Some(n) = &p.name {
                p.dependents = all_deps
                    .iter()
                    .filter(|(m, d)| m != n && d.contains(n))
                    .map(|(m, _)| m.clone())
                    .collect();
                let test_helper = !p.dependents.is_empty()
                    && p.dependents
                        .iter()
                        .all(|d| dev_only.iter().any(|(m, dev)| m == d && dev.contains(n)));
                p.macro_for_workspace &= !p.publish || test_helper;
            }
        }
        w.packages.sort_by(|a, b| a.dir.cmp(&b.dir));
    }
    inherit_tokio_context(&mut out);
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok((out, broken))
}

/// async-std's features are unified across a build: a package whose (non-dev) async-std enables
/// the Tokio context gave it to every package that depends on it, directly or not, whose
/// runtime ran the package's futures. Those dependents get the context as their own
/// (`through` names the package), unless they enable it themselves.
fn inherit_tokio_context(out: &mut [Workspace]) {
    use crate::manifest::TokioContext;
    let mut given: Vec<(String, TokioContext)> = out
        .iter()
        .flat_map(|w| w.packages.iter())
        .filter_map(|p| {
            let t = p.tokio_context.as_ref().filter(|t| !t.dev_only)?;
            Some((p.name.clone()?, t.clone()))
        })
        .collect();
    while let Some((name, t)) = given.pop() {
        for p in out.iter_mut().flat_map(|w| w.packages.iter_mut()) {
            let Some(own) = p.name.clone() else { continue };
            if p.tokio_context.is_some() || !p.deps.contains(&name) || own == name {
                continue;
            }
            // Through a dev-dependency only its tests, examples and doc examples ran them.
            let inherited = TokioContext {
                through: Some(format!("the workspace dependency `{name}`")),
                dev_only: p.dev_only_deps.contains(&name),
                ..t.clone()
            };
            p.tokio_context = Some(inherited.clone());
            if !inherited.dev_only {
                given.push((own, inherited));
            }
        }
    }
}

fn globs(patterns: &[String]) -> Result<globset::GlobSet, globset::Error> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_end_matches('/');
        b.add(
            globset::GlobBuilder::new(p)
                .literal_separator(true)
                .build()?,
        );
        // A directory pattern covers what is below it.
        b.add(
            globset::GlobBuilder::new(&format!("{p}/**"))
                .literal_separator(true)
                .build()?,
        );
    }
    b.build()
}

/// `a/./b/../c` -> `a/c` (without touching the file system).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether the workspace manifest at `rdir` lists `dir` (a package directory below it) as a
/// member: the root package itself, or a `members` glob match not excluded.
fn is_member(doc: &toml_edit::DocumentMut, rdir: &Path, dir: &Path) -> bool {
    if dir == rdir {
        return doc.get("package").is_some();
    }
    let Ok(rel) = dir.strip_prefix(rdir) else {
        return false;
    };
    let list = |key: &str| -> Vec<String> {
        doc.get("workspace")
            .and_then(|w| w.get(key))
            .and_then(|m| m.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .map(|s| {
                        normalize(Path::new(s.trim_start_matches("./")))
                            .to_string_lossy()
                            .replace('\\', "/")
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let matches = |pats: &[String]| {
        pats.iter().any(|p| {
            globset::GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher().is_match(rel))
                .unwrap_or(false)
                || rel.starts_with(p) && !p.contains('*')
        })
    };
    let members = list("members");
    let exclude = list("exclude");
    // (Cargo also takes path dependencies below the root in; a package nothing names is taken
    // as its own root here, and is loaded and checked on its own.)
    matches(&members) && !matches(&exclude)
}

fn package(
    dir: &Path,
    manifest_path: &Path,
    doc: &toml_edit::DocumentMut,
    ws_edition: Option<String>,
    mut files: Vec<PathBuf>,
) -> Package {
    let name = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let edition_item = doc.get("package").and_then(|p| p.get("edition"));
    let edition = match edition_item {
        Some(e) if e.as_str().is_some() => e.as_str().unwrap().to_string(),
        // `edition.workspace = true`
        Some(_) => ws_edition.unwrap_or_else(|| "2021".into()),
        None => "2015".to_string(),
    };
    let mut roots = BTreeSet::new();
    let mut uses = false;
    let mut deps = BTreeSet::new();
    let mut dep_idents = BTreeMap::new();
    let (mut dev_deps, mut other_deps) = (BTreeSet::new(), BTreeSet::new());
    crate::manifest::visit_dependency_tables(doc, |table, key, item| {
        if crate::manifest::is_async_std(key, item) {
            uses = true;
            roots.insert(key.replace('-', "_"));
        }
        let real = item.get("package").and_then(|p| p.as_str()).unwrap_or(key);
        deps.insert(real.to_string());
        if table.ends_with("dev-dependencies") {
            dev_deps.insert(real.to_string());
        } else if table != "workspace.dependencies" {
            other_deps.insert(real.to_string());
        }
        if !table.ends_with("build-dependencies") && table != "workspace.dependencies" {
            dep_idents.insert(real.to_string(), key.replace('-', "_"));
        }
    });
    let publish = !matches!(
        doc.get("package")
            .and_then(|p| p.get("publish"))
            .map(|v| v.as_bool()),
        Some(Some(false))
    ) && !doc
        .get("package")
        .and_then(|p| p.get("publish"))
        .and_then(|v| v.as_array())
        .is_some_and(|a| a.is_empty());
    let has_lib = doc.get("lib").is_some() || dir.join("src/lib.rs").exists();
    let proc_macro = doc
        .get("lib")
        .and_then(|l| l.get("proc-macro").or_else(|| l.get("proc_macro")))
        .and_then(|v| v.as_bool())
        == Some(true);
    let lib_name = name.as_ref().map(|n| {
        doc.get("lib")
            .and_then(|l| l.get("name"))
            .and_then(|n| n.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| n.replace('-', "_"))
    });
    if name.is_none() {
        files.clear();
    }
    files.sort();
    Package {
        dir: dir.to_path_buf(),
        manifest_path: manifest_path.to_path_buf(),
        name,
        lib_name,
        edition,
        roots,
        uses_async_std: uses,
        files,
        deps,
        dep_idents,
        publish,
        has_lib,
        dependents: Vec::new(),
        dev_only_deps: dev_deps.difference(&other_deps).cloned().collect(),
        tokio_context: None,
        // Decided once the dependents are known (`discover`); a proc-macro until then.
        macro_for_workspace: proc_macro,
    }
}

/// Whether `text` may refer to async-std through one of `names` (a superset test: a hit is only a
/// candidate, resolution decides).
pub fn mentions_any(text: &str, names: &BTreeSet<String>) -> bool {
    names.iter().any(|n| {
        let mut rest = text;
        while let Some(i) = rest.find(n.as_str()) {
            let before = rest[..i].chars().next_back();
            let after = rest[i + n.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if !ident(before) && !ident(after) {
                return true;
            }
            rest = &rest[i + n.len()..];
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_filter_matches_whole_identifiers() {
        let names: BTreeSet<String> = ["async_std".to_string()].into();
        assert!(mentions_any("use async_std::task;", &names));
        assert!(!mentions_any("use my_async_std_shim::task;", &names));
        assert!(!mentions_any("fn main() {}", &names));
    }
}
