//! Shared helpers of the integration tests: fixture packages on disk (kept under
//! `target/fixture-work` so that cargo caches their builds between runs) and cargo runs.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A directory under target/ for generated packages (cleaned per call).
pub fn work_dir(name: &str) -> PathBuf {
    let d = repo().join("target").join("fixture-work").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The shared target directory of every fixture build.
pub fn fixture_target() -> PathBuf {
    repo().join("target").join("fixture-target")
}

/// The single-file fixture cases of `fixtures/<group>/`: (case name, before text, after path).
pub fn cases(group: &str) -> Vec<(String, String, PathBuf)> {
    let dir = repo().join("fixtures").join(group);
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if !e.path().is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let before = std::fs::read_to_string(e.path().join("before.rs")).unwrap();
        out.push((name, before, e.path().join("after.rs")));
    }
    out
}

/// Writes a package with one example per case.
pub fn package(dir: &Path, name: &str, deps: &str, examples: &[(String, String)]) {
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{deps}\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    for (case, text) in examples {
        std::fs::write(dir.join("examples").join(format!("{case}.rs")), text).unwrap();
    }
}

pub fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", fixture_target())
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

pub fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compares `actual` with the file at `expected`, or writes it when UPDATE_FIXTURES is set.
pub fn check_file(expected: &Path, actual: &str) {
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with UPDATE_FIXTURES=1 and review it",
            expected.display()
        )
    });
    if want != actual {
        let diff = similar::TextDiff::from_lines(want.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!(
            "{} differs (UPDATE_FIXTURES=1 to accept):\n{diff}",
            expected.display()
        );
    }
}

pub const ASYNC_STD: &str =
    "async-std = { version = \"1.13\", features = [\"attributes\", \"unstable\"] }";
pub const SMOL: &str = "smol = \"2\"";

/// Runs a built binary of the fixture target directory, killed after `secs` seconds: its stdout,
/// or `None` when it had not finished (a migrated program that waits forever).
pub fn run_with_timeout(bin: &str, secs: u64) -> Option<String> {
    let path = fixture_target().join("debug").join(bin);
    let mut child = Command::new(&path)
        .stdout(std::process::Stdio::piped())
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return Some(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Copies the tree at `from` (directories and files) into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The files of a package tree (relative, `/`-separated, sorted), without `target/` and
/// `Cargo.lock` (what a build adds).
pub fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| !p.starts_with("target") && p != "Cargo.lock")
        .collect();
    out.sort();
    out
}
