//! Writing the planned changes: one atomic write per file (a temporary file in the same
//! directory, then rename; permissions kept; line endings are the ones the edits preserved).
//! Refuses to touch files with uncommitted changes in a git work tree unless `--allow-dirty`,
//! as `cargo fix` does. After a manifest changed, `cargo metadata` brings Cargo.lock in line
//! without upgrading unrelated packages.

use crate::report::RootReport;
use crate::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files among `files` (relative to `root`) that git reports as modified or untracked.
pub fn dirty_files(root: &Path, files: &[String]) -> Vec<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "-z", "--untracked-files=all", "."])
        .output();
    let Ok(out) = out else { return Vec::new() };
    if !out.status.success() {
        return Vec::new(); // not a git work tree
    }
    let top = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--show-toplevel"])
        .output();
    let Some(top) = top
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    else {
        return Vec::new();
    };
    let root_abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let mut dirty = Vec::new();
    for entry in String::from_utf8_lossy(&out.stdout).split('\0') {
        if entry.len() < 4 {
            continue;
        }
        let path = top.join(&entry[3..]);
        if let Ok(rel) = path.strip_prefix(&root_abs) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if files.contains(&rel) {
                dirty.push(rel);
            }
        }
    }
    dirty.sort();
    dirty
}

/// Writes every changed file of `report`. Returns the paths written.
pub fn write(report: &RootReport, allow_dirty: bool) -> Result<Vec<PathBuf>, Error> {
    let root = Path::new(&report.root);
    let files: Vec<String> = report.files.iter().map(|f| f.file.clone()).collect();
    if !allow_dirty {
        let dirty = dirty_files(root, &files);
        if let Some(first) = dirty.first() {
            return Err(Error::Dirty {
                count: dirty.len(),
                first: first.clone(),
            });
        }
    }
    let mut written = Vec::new();
    for f in &report.files {
        let path = root.join(&f.file);
        atomic_write(&path, f.after.as_bytes())?;
        written.push(path);
    }
    if report.files.iter().any(|f| f.file.ends_with("Cargo.toml")) {
        update_lockfile(&root.join(&report.workspace));
    }
    Ok(written)
}

/// Temp file + rename, keeping the original's permissions.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let werr = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let perms = std::fs::metadata(path).map(|m| m.permissions()).ok();
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(werr)?;
    tmp.write_all(bytes).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    if let Some(p) = perms {
        std::fs::set_permissions(tmp.path(), p).map_err(werr)?;
    }
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

/// Brings Cargo.lock in line with the new manifests (adds smol, drops what only async-std
/// needed) without upgrading anything else: `cargo metadata` resolves minimally.
fn update_lockfile(root: &Path) {
    let has_lock = root.join("Cargo.lock").exists();
    if !has_lock {
        return;
    }
    let _ = Command::new("cargo")
        .arg("metadata")
        .args(["--format-version", "1"])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}
