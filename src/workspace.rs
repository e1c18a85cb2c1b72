//! Discovery: the packages below a PATH, which names reach async-std in each, and which source
//! files are candidates (a cheap text pre-filter: files that never mention a root name are never
//! parsed).

use std::collections::BTreeSet;
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
    /// The package can be published (no `publish = false`): its library API is a contract.
    pub publish: bool,
    /// The package has a library target.
    pub has_lib: bool,
    /// Other packages below the same PATH that depend on this one.
    pub dependents: Vec<String>,
}

/// Packages below `root` (the root itself included), sorted by directory. `target/`, `.git/` and
/// hidden directories are skipped.
pub fn discover(root: &Path) -> Result<Vec<Package>, crate::Error> {
    let mut manifests = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name == "target" || name.starts_with('.'))
        });
    for entry in walker {
        let entry = entry.map_err(|e| crate::Error::Io {
            path: root.to_path_buf(),
            source: e.into(),
        })?;
        if entry.file_type().is_file() && entry.file_name() == "Cargo.toml" {
            manifests.push(entry.path().to_path_buf());
        }
    }
    let dirs: Vec<PathBuf> = manifests
        .iter()
        .map(|m| m.parent().unwrap_or(Path::new(".")).to_path_buf())
        .collect();
    let mut out = Vec::new();
    for (manifest_path, dir) in manifests.iter().zip(&dirs) {
        let text = std::fs::read_to_string(manifest_path).map_err(|e| crate::Error::Io {
            path: manifest_path.clone(),
            source: e,
        })?;
        let doc: toml_edit::DocumentMut =
            text.parse()
                .map_err(|e: toml_edit::TomlError| crate::Error::Manifest {
                    path: manifest_path.clone(),
                    message: e.to_string(),
                })?;
        let name = doc
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(str::to_string);
        let edition = doc
            .get("package")
            .and_then(|p| p.get("edition"))
            .and_then(|e| e.as_str())
            .unwrap_or("2015")
            .to_string();
        let mut roots = BTreeSet::new();
        let mut uses = false;
        let mut deps = BTreeSet::new();
        crate::manifest::visit_dependency_tables(&doc, |_, key, item| {
            if crate::manifest::is_async_std(key, item) {
                uses = true;
                roots.insert(key.replace('-', "_"));
            }
            let real = item.get("package").and_then(|p| p.as_str()).unwrap_or(key);
            deps.insert(real.to_string());
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
        let lib_name = name.as_ref().map(|n| {
            doc.get("lib")
                .and_then(|l| l.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| n.replace('-', "_"))
        });
        let files = if name.is_some() {
            rust_files(dir, &dirs)
        } else {
            Vec::new()
        };
        out.push(Package {
            dir: dir.clone(),
            manifest_path: manifest_path.clone(),
            name,
            lib_name,
            edition,
            roots,
            uses_async_std: uses,
            files,
            deps,
            publish,
            has_lib,
            dependents: Vec::new(),
        });
    }
    let names: Vec<(usize, String)> = out
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.name.clone().map(|n| (i, n)))
        .collect();
    for (i, name) in names {
        let users: Vec<String> = out
            .iter()
            .enumerate()
            .filter(|(j, p)| *j != i && p.deps.contains(&name))
            .filter_map(|(_, p)| p.name.clone())
            .collect();
        out[i].dependents = users;
    }
    Ok(out)
}

fn rust_files(dir: &Path, package_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if name == "target" || name.starts_with('.') {
                return false;
            }
            // A nested package owns its own files.
            !(e.file_type().is_dir() && package_dirs.iter().any(|d| d == e.path()))
        });
    for e in walker.flatten() {
        if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs") {
            files.push(e.path().to_path_buf());
        }
    }
    files
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
