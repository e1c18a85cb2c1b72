//! `apply --verify`: after a workspace's files are written, `cargo check --all-targets` runs in
//! it (with its default features, and with `--all-features` when it has features, since those
//! gate runtime code); when that fails, every file of the workspace gets its original bytes back
//! (Cargo.lock too) and the compiler's first errors are reported. `--verify=test` also runs
//! `cargo test` before and after and reports the tests whose outcome changed. Workspaces that
//! pass keep their changes.

use crate::report::{RootReport, Verification};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// How much `--verify` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// `cargo check --all-targets` (default and all features).
    Check,
    /// The check, then `cargo test` before and after.
    Test,
}

/// Test outcomes by name (`module::name` -> `ok`/`FAILED`/`ignored`).
pub type Outcomes = BTreeMap<String, String>;

/// Runs `cargo test` in the workspace and reads the outcomes it prints.
pub fn test_outcomes(dir: &Path) -> (bool, Outcomes) {
    let out = cargo(dir, &["test", "--all-targets", "--no-fail-fast"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut outcomes = Outcomes::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some((name, result)) = rest.rsplit_once(" ... ") {
                outcomes.insert(name.trim().to_string(), result.trim().to_string());
            }
        }
    }
    (out.status.success(), outcomes)
}

fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| std::process::Output {
            status: std::process::ExitStatus::default(),
            stdout: Vec::new(),
            stderr: format!("cannot run cargo: {e}").into_bytes(),
        })
}

/// The first `error` blocks of cargo's output (at most `n`).
fn first_errors(stderr: &str, n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur: Option<String> = None;
    for line in stderr.lines() {
        if line.starts_with("error") {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            if line.starts_with("error: could not compile") || out.len() >= n {
                break;
            }
            cur = Some(line.to_string());
        } else if let Some(c) = cur.as_mut() {
            if line.starts_with("warning") || line.is_empty() && c.lines().count() > 12 {
                out.push(cur.take().unwrap());
            } else {
                c.push('\n');
                c.push_str(line);
            }
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out.truncate(n);
    out
}

/// Checks a written workspace; restores it when the check fails. `before_tests` are the outcomes
/// of `cargo test` on the original code (for `--verify=test`).
pub fn verify(report: &RootReport, level: Level, before_tests: Option<&Outcomes>) -> Verification {
    let root = Path::new(&report.root);
    let dir = root.join(&report.workspace);
    let has_features = std::fs::read_to_string(dir.join("Cargo.toml"))
        .map(|t| t.contains("[features]"))
        .unwrap_or(false)
        || report
            .files
            .iter()
            .any(|f| f.file.ends_with("Cargo.toml") && f.after.contains("[features]"));
    let mut commands = vec![vec!["check", "--all-targets"]];
    if has_features {
        commands.push(vec!["check", "--all-targets", "--all-features"]);
    }
    for args in &commands {
        let out = cargo(&dir, args);
        if !out.status.success() {
            let errors = first_errors(&String::from_utf8_lossy(&out.stderr), 3);
            let restored = restore(report);
            return Verification {
                command: format!("cargo {}", args.join(" ")),
                passed: false,
                restored,
                errors,
                tests_changed: Vec::new(),
                tests_run: 0,
            };
        }
    }
    let mut tests_changed = Vec::new();
    let mut tests_run = 0;
    if let (Level::Test, Some(before)) = (level, before_tests) {
        let (_, after) = test_outcomes(&dir);
        tests_run = after.len();
        for (name, b) in before {
            let a = after.get(name).map(String::as_str).unwrap_or("missing");
            if a != b {
                tests_changed.push(format!("{name}: {b} -> {a}"));
            }
        }
        for (name, a) in &after {
            if !before.contains_key(name) {
                tests_changed.push(format!("{name}: new -> {a}"));
            }
        }
    }
    Verification {
        command: commands
            .iter()
            .map(|a| format!("cargo {}", a.join(" ")))
            .collect::<Vec<_>>()
            .join("; "),
        passed: tests_changed.is_empty(),
        restored: 0,
        errors: Vec::new(),
        tests_changed,
        tests_run,
    }
}

/// Puts back the original bytes of every file of the workspace (and its Cargo.lock).
fn restore(report: &RootReport) -> usize {
    let root = Path::new(&report.root);
    let mut n = 0;
    for f in &report.files {
        if crate::apply::write_file(&root.join(&f.file), f.before.as_bytes()).is_ok() {
            n += 1;
        }
    }
    if let Some(lock) = &report.lockfile_before {
        let path = root.join(&report.workspace).join("Cargo.lock");
        let _ = std::fs::write(&path, lock.as_bytes());
    }
    n
}
