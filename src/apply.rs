//! Writing the planned changes. Each file is written to a temporary file beside it and renamed
//! over it (its permissions kept), so a kill at any moment leaves every file wholly old or wholly
//! new: an interrupted in-place write cut files at a page boundary, which without git is a loss.
//! The cost: a hard link to the file becomes a copy, and ~0.7 ms of kernel time per file on
//! ext4 (seconds on a 10,000-file tree; roots are written in parallel). Files with uncommitted
//! changes in a git work tree are refused unless `--allow-dirty`, as `cargo fix` does. Line
//! endings are the ones the edits kept.
//! After a manifest changed, `cargo metadata` brings Cargo.lock in line without upgrading
//! unrelated packages.

use crate::report::RootReport;
use crate::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `root` is in a git work tree that git can read, as `cargo fix` requires before it
/// writes: `NoVcs` outside one, `VcsUnreadable` when git is missing or refuses the repository
/// (dubious ownership), since then the dirty check cannot run either.
pub fn check_vcs(root: &Path) -> Result<(), Error> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output();
    let unreadable = |reason: String| Error::VcsUnreadable {
        path: root.to_path_buf(),
        reason,
    };
    let out = out.map_err(|e| unreadable(format!("git: {e}")))?;
    if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "true" {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("not a git repository") || out.status.success() {
        return Err(Error::NoVcs {
            path: root.to_path_buf(),
        });
    }
    Err(unreadable(
        stderr
            .lines()
            .next()
            .unwrap_or("git failed")
            .trim()
            .to_string(),
    ))
}

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

/// Whether every file of `report` can be written as planned, checked before any is: clean in
/// git (unless `allow_dirty`), unchanged since the run read it, and writable (the file and its
/// directory, where the temporary file goes). The CLI checks every root first and writes none
/// when one fails: half a migration across workspaces is not one.
pub fn preflight(report: &RootReport, allow_dirty: bool) -> Result<(), Error> {
    let root = Path::new(&report.root);
    if !allow_dirty {
        let files: Vec<String> = report.files.iter().map(|f| f.file.clone()).collect();
        let dirty = dirty_files(root, &files);
        if let Some(first) = dirty.first() {
            return Err(Error::Dirty {
                count: dirty.len(),
                first: first.clone(),
            });
        }
    }
    for f in &report.files {
        let path = root.join(&f.file);
        let now = std::fs::read(&path).map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
        if now != f.before.as_bytes() {
            return Err(Error::Changed { path });
        }
        let target = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let read_only = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().readonly())
                .unwrap_or(false)
        };
        if read_only(&target) || target.parent().is_some_and(read_only) {
            return Err(Error::ReadOnly { path });
        }
    }
    Ok(())
}

/// Writes every changed file of `report`. Returns the paths written and, when the workspace
/// has a Cargo.lock and a manifest changed, what became of the lockfile.
pub fn write(
    report: &RootReport,
    allow_dirty: bool,
) -> Result<(Vec<PathBuf>, Option<LockReport>), Error> {
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
    let mut written: Vec<PathBuf> = Vec::new();
    for (i, f) in report.files.iter().enumerate() {
        let path = root.join(&f.file);
        if let Err(e) = write_file(&path, f.after.as_bytes()) {
            // The root is written as a unit: what was written gets its bytes back.
            for (done, p) in report.files[..i].iter().zip(&written) {
                let _ = write_file(p, done.before.as_bytes());
            }
            return Err(e);
        }
        written.push(path);
    }
    let lock = finish_root(report);
    Ok((written, lock))
}

/// [`write`] for every root of `roots` with changes, on `jobs` threads (a root's files are
/// written by one thread, in order). Results come back in the order of `roots`.
pub fn write_all(roots: &[&RootReport], allow_dirty: bool, jobs: usize) -> Vec<Written> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Written>>> =
        roots.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(roots.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(root) = roots.get(i) else { break };
                let r = write(root, allow_dirty);
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or(Ok((Vec::new(), None)))
        })
        .collect()
}

/// What [`write`] gives for one root.
pub type Written = Result<(Vec<PathBuf>, Option<LockReport>), Error>;

/// After a root's files are written: its lockfile follows the manifests.
fn finish_root(report: &RootReport) -> Option<LockReport> {
    let root = Path::new(&report.root);
    if !report.files.iter().any(|f| f.file.ends_with("Cargo.toml")) {
        return None;
    }
    let dir = root.join(&report.workspace);
    let Ok(before) = std::fs::read_to_string(dir.join("Cargo.lock")) else {
        return resolve_without_lockfile(&dir);
    };
    update_lockfile(&dir, &before);
    let after = std::fs::read_to_string(dir.join("Cargo.lock")).ok()?;
    Some(lock_report(&dir, &before, &after))
}

/// A workspace without Cargo.lock: whether a dependency still pulls async-std in is read from a
/// graph resolved in a scratch copy of its manifests and sources (`cargo generate-lockfile`:
/// nothing is built, and the repository's own `.cargo` configuration is not copied), so that the
/// report names it and its fix all the same. `None` when cargo cannot resolve the copy (a path
/// dependency outside the workspace, no registry).
fn resolve_without_lockfile(dir: &Path) -> Option<LockReport> {
    let scratch = scratch_dir(SCRATCH_PREFIX).ok()?;
    let copy = scratch.path().join("ws");
    copy_sources(dir, &copy, |n| n == "Cargo.toml" || n.ends_with(".rs")).ok()?;
    // Offline first (the registry index cargo has: whether async-std is in the graph does not
    // depend on the newest versions), online where that cannot resolve it.
    let generate = |offline: bool| {
        crate::untrusted::cargo(&mut Command::new("cargo"))
            .args(["generate-lockfile", "--quiet"])
            .args(offline.then_some("--offline"))
            .current_dir(&copy)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !generate(true) && !generate(false) {
        return None;
    }
    let after = std::fs::read_to_string(copy.join("Cargo.lock")).ok()?;
    let mut r = lock_report(&copy, &after, &after);
    // Nothing was locked before: only whether async-std is in the graph, and through what.
    r.added.clear();
    r.removed.clear();
    r.resolved_in_scratch = true;
    r.async_std_in_graph.then_some(r)
}

/// The prefix of the scratch directories the lockfile resolution makes in the system's temporary
/// directory.
const SCRATCH_PREFIX: &str = "async-std-migrate-lock-";

/// A scratch directory of the tool's (the lockfile resolution, the formatter). Those a killed run
/// left behind (directories of the prefix over an hour old: no run lasts that long) are removed
/// first.
pub(crate) fn scratch_dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            let ours = e
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(prefix));
            // Not through a symbolic link: `file_type` does not follow one.
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            let stale = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|d| d.as_secs() > 3600));
            if ours && dir && stale {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    tempfile::Builder::new().prefix(prefix).tempdir()
}

/// Packages (`name version`) of a Cargo.lock text.
fn locked_packages(text: &str) -> std::collections::BTreeSet<String> {
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return Default::default();
    };
    doc.get("package")
        .and_then(|p| p.as_array_of_tables())
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some(format!(
                        "{} {}",
                        t.get("name")?.as_str()?,
                        t.get("version")?.as_str()?
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the lockfile update changed, and whether async-std is still in the resolved graph
/// (`cargo tree -i async-std`: the first chain from a workspace member down to it).
pub fn lock_report(dir: &Path, before: &str, after: &str) -> LockReport {
    let (b, a) = (locked_packages(before), locked_packages(after));
    let mut r = LockReport {
        added: a.difference(&b).cloned().collect(),
        removed: b.difference(&a).cloned().collect(),
        ..Default::default()
    };
    r.async_std_in_graph = a.iter().any(|p| p.starts_with("async-std "));
    if r.async_std_in_graph {
        let out = crate::untrusted::cargo(&mut Command::new("cargo"))
            .args([
                "tree",
                "--workspace",
                "--invert",
                "async-std",
                "--edges",
                "normal,build,dev",
            ])
            .args(["--prefix", "depth", "--charset", "ascii"])
            .current_dir(dir)
            .output();
        if let Some(out) = out.ok().filter(|o| o.status.success()) {
            r.async_std_path = first_chain(&String::from_utf8_lossy(&out.stdout));
        }
    }
    r
}

/// From `cargo tree --invert --prefix depth` output (`0async-std v1`, `1surf v2`, `2app v0.1`):
/// the first chain from the deepest entry of the first branch back to async-std, top first
/// (`app -> surf -> async-std`).
fn first_chain(tree: &str) -> Vec<String> {
    let mut chain: Vec<String> = Vec::new();
    for line in tree.lines() {
        let digits: String = line.chars().take_while(|c| c.is_ascii_digit()).collect();
        let Ok(depth) = digits.parse::<usize>() else {
            continue;
        };
        let name = line[digits.len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        if depth < chain.len() {
            break; // the first branch is complete
        }
        chain.push(name);
    }
    chain.reverse();
    chain
}

/// Replaces the file at `path` by `bytes`, atomically: the bytes go to a temporary file beside it
/// (with the file's permissions), which is renamed over it, so that a kill at any moment leaves
/// the file wholly old or wholly new. A symlinked file is written where it points. Temporary
/// files a killed run left beside it are removed first; a failed write leaves the file as it was.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let werr = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let target = std::fs::canonicalize(path).map_err(werr)?;
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(werr(std::io::Error::other("not a file path")));
    };
    let name = name.to_string_lossy().into_owned();
    let prefix = format!(".{name}.asm-tmp-");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let tmp = dir.join(format!("{prefix}{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let perms = std::fs::metadata(&target)?.permissions();
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.flush()?;
        drop(f);
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(werr(e));
    }
    Ok(())
}

/// What became of a workspace's Cargo.lock after `apply`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LockReport {
    /// Packages (`name version`) the update added and removed; nothing else moved.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// async-std is still in the resolved graph.
    pub async_std_in_graph: bool,
    /// Through which dependencies (a workspace member first, async-std last).
    pub async_std_path: Vec<String>,
    /// The workspace has no Cargo.lock: the graph was resolved in a scratch copy (and nothing
    /// was added to or removed from a lockfile).
    pub resolved_in_scratch: bool,
}

/// Copies the files below `from` whose name `keep` accepts to `to`, under the same relative
/// paths; `target/` and hidden directories are left out (the sources and manifests of a package
/// or workspace, for a scratch copy that runs nothing of the repository).
fn copy_sources(from: &Path, to: &Path, keep: fn(&str) -> bool) -> std::io::Result<()> {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && (e.file_name() == "target"
                        || e.file_name().to_string_lossy().starts_with('.')))
        })
        .flatten()
    {
        if e.file_type().is_file() && keep(&e.file_name().to_string_lossy()) {
            let Ok(rel) = e.path().strip_prefix(from) else {
                continue;
            };
            let dst = to.join(rel);
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::copy(e.path(), dst)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_inverted_chain_reads_from_the_member_down() {
        let tree =
            "0async-std v1.13.0\n1surf v2.3.2\n2app v0.1.0 (/w/app)\n1tide v0.16.0\n2web v0.1.0\n";
        assert_eq!(super::first_chain(tree), vec!["app", "surf", "async-std"]);
    }
}

/// Brings Cargo.lock in line with the new manifests (adds smol, drops what only async-std
/// needed) without upgrading anything else: `cargo metadata` resolves minimally. That keeps the
/// locked versions of what smol shares with the graph, and then picks for smol's own crates the
/// newest that claim to work with them, which some do wrongly (async-channel 2.3.0 with a
/// locked concurrent-queue 2.2: zellij no longer built). So the crates the migration added (a
/// name new to the lockfile) are brought up to date with their dependencies
/// (`cargo update -p NAME --recursive`): semver-compatible moves, the report lists them.
fn update_lockfile(root: &Path, before: &str) {
    let has_lock = root.join("Cargo.lock").exists();
    if !has_lock {
        return;
    }
    let cargo = |args: &[&str]| {
        let _ = crate::untrusted::cargo(&mut Command::new("cargo"))
            .args(args)
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    };
    cargo(&["metadata", "--format-version", "1"]);
    let Ok(after) = std::fs::read_to_string(root.join("Cargo.lock")) else {
        return;
    };
    let names = |text: &str| -> std::collections::BTreeSet<String> {
        locked_packages(text)
            .into_iter()
            .filter_map(|p| p.split(' ').next().map(str::to_string))
            .collect()
    };
    let old = names(before);
    let now = names(&after);
    let added: Vec<String> = crate::tables::versions()
        .dependencies
        .iter()
        .map(|d| d.name.clone())
        .filter(|c| !old.contains(c) && now.contains(c))
        .collect();
    for name in &added {
        cargo(&["update", "-p", name, "--recursive"]);
    }
    // The futures crates are released in lockstep and an old futures-util does not build
    // against a newer futures-core (async-std-hyper): when smol's update moved futures-core,
    // the rest of the family present moves with it (futures-core moved since the original lock).
    let version_of = |text: &str, name: &str| {
        locked_packages(text)
            .into_iter()
            .filter(|p| p.split(' ').next() == Some(name))
            .collect::<Vec<_>>()
    };
    let Ok(updated) = std::fs::read_to_string(root.join("Cargo.lock")) else {
        return;
    };
    if version_of(before, "futures-core") != version_of(&updated, "futures-core") {
        let family: Vec<String> = names(&updated)
            .into_iter()
            .filter(|n| n == "futures" || (n.starts_with("futures-") && n != "futures-lite"))
            .collect();
        let mut args = vec!["update".to_string()];
        for f in family {
            args.push("-p".into());
            args.push(f);
        }
        if args.len() > 1 {
            cargo(&args.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
