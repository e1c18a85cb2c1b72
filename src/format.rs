//! A file that was rustfmt-clean before the migration is rustfmt-clean after: the rewrites write
//! what reads well as an edit (one line where rustfmt breaks it in three), so a changed `.rs`
//! file whose original text rustfmt leaves as it is gets formatted by rustfmt, with the
//! repository's own configuration (`rustfmt.toml` found from the file's directory upwards, as
//! `cargo fmt` finds it) and the package's edition. Files that were not formatted stay as the
//! rewrites left them: formatting them would bury the migration in unrelated changes.
//!
//! rustfmt is the toolchain's binary, reading the text on stdin; nothing of the repository runs.
//! Without rustfmt (or when it fails on a file), the file stays as the rewrites left it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// `after` formatted, when `before` (the text of the file at `path`) is rustfmt-clean.
pub fn like_before(path: &Path, edition: &str, before: &str, after: &str) -> Option<String> {
    let dir = path.parent()?;
    if rustfmt(dir, edition, before)? != before {
        return None;
    }
    rustfmt(dir, edition, after)
}

/// rustfmt's output for `text`, run in `dir` (so it finds the configuration cargo fmt would).
fn rustfmt(dir: &Path, edition: &str, text: &str) -> Option<String> {
    let mut child = Command::new("rustfmt")
        .args(["--emit", "stdout", "--quiet", "--edition", edition])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = text.to_string();
    // Written from another thread: rustfmt may fill its stdout pipe before reading all of stdin.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::like_before;

    #[test]
    fn formatted_files_stay_formatted_and_others_are_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lib.rs");
        let clean = "fn f() -> u8 {\n    1\n}\n";
        let long = "fn f() -> u8 {\n    let value_with_a_long_name = some_function_name(first_argument, second_argument, third_argument);\n    1\n}\n";
        let Some(out) = like_before(&file, "2021", clean, long) else {
            // No rustfmt on this machine: nothing to check.
            assert!(std::process::Command::new("rustfmt")
                .arg("--version")
                .output()
                .is_err());
            return;
        };
        assert!(out.contains("=\n        some_function_name("), "{out}");
        // Not formatted before: left as the rewrites wrote it.
        assert_eq!(like_before(&file, "2021", "fn f( ) {}\n", long), None);
        // The repository's configuration counts.
        std::fs::write(dir.path().join("rustfmt.toml"), "hard_tabs = true\n").unwrap();
        let tabs = "fn f() -> u8 {\n\t1\n}\n";
        let out = like_before(&file, "2021", tabs, "fn f() -> u8 {\n    2\n}\n").unwrap();
        assert_eq!(out, "fn f() -> u8 {\n\t2\n}\n");
    }
}
