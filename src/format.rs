//! A file that was rustfmt-clean before the migration is rustfmt-clean after: the rewrites write
//! what reads well as an edit (one line where rustfmt breaks it in three), so a changed `.rs`
//! file that rustfmt changes only where the migration edited it (its original was formatted
//! everywhere else) gets formatted by rustfmt, with the repository's own configuration
//! (`rustfmt.toml` found from the file's directory upwards, as `cargo fmt` finds it) and the
//! package's edition. Files rustfmt would change elsewhere stay as the rewrites left them:
//! formatting them would bury the migration in unrelated changes.
//!
//! rustfmt is the toolchain's binary, started outside the repository (rustup would otherwise read
//! the repository's `rust-toolchain.toml`, which can name any binary): nothing of the repository
//! runs, its rustfmt configuration is read.
//! Without rustfmt (or when it fails on a file), the file stays as the rewrites left it.

use crate::report::FileChange;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Formats each changed `.rs` file of the package at `pkg_dir` (paths relative to `root`) that
/// was rustfmt-clean, with one rustfmt process in all rather than one per file (a process costs
/// more than formatting a file): the new texts are formatted in a scratch directory, under their
/// paths in the package (rustfmt is told to skip the module files they declare), with the configuration found from the
/// package upwards, and a file takes its formatted text when every line rustfmt changed is one
/// the migration changed or touches one ([`only_near_edits`]): the original was formatted where
/// the migration did not edit it. (A `rustfmt --check` of the originals said the same at the
/// cost of formatting every file twice: three quarters of a `--syntax-only` run on the bench
/// trees.)
pub fn files(root: &Path, pkg_dir: &Path, edition: &str, mut changes: Vec<&mut FileChange>) {
    // Absolute paths: rustfmt names files by them in what it prints.
    let (Ok(root), Ok(pkg_dir)) = (std::fs::canonicalize(root), std::fs::canonicalize(pkg_dir))
    else {
        return;
    };
    let (root, pkg_dir) = (root.as_path(), pkg_dir.as_path());
    let changed: Vec<usize> = (0..changes.len())
        .filter(|&i| changes[i].file.ends_with(".rs") && changes[i].before != changes[i].after)
        .filter(|&i| root.join(&changes[i].file).starts_with(pkg_dir))
        .collect();
    if changed.is_empty() {
        return;
    }
    let paths: Vec<PathBuf> = changed
        .iter()
        .map(|&i| root.join(&changes[i].file))
        .collect();
    let clean: Vec<(usize, &Path)> = changed
        .iter()
        .zip(&paths)
        .map(|(&i, p)| (i, p.as_path()))
        .collect();
    // The tool's prefix: one a killed run left is removed by the next (as the lockfile's).
    let Ok(scratch) = crate::apply::scratch_dir("async-std-migrate-fmt-") else {
        return;
    };
    // Only the changed files: with `skip_children` rustfmt reads no module file a file declares
    // (copying the package's whole `.rs` tree was a tenth of a `--syntax-only` run).
    let mut targets = Vec::new();
    for (i, p) in &clean {
        let Ok(rel) = p.strip_prefix(pkg_dir) else {
            continue;
        };
        let copy = scratch.path().join(rel);
        let made = copy
            .parent()
            .is_none_or(|d| std::fs::create_dir_all(d).is_ok());
        if made && std::fs::write(&copy, &changes[*i].after).is_ok() {
            targets.push((*i, copy));
        }
    }
    let mut cmd = Command::new(rustfmt());
    // Each file once: rustfmt would also format the module files each one declares (all of a
    // crate's for its root), which are either passed themselves or not changed.
    cmd.args([
        "--edition",
        edition,
        "--color",
        "never",
        "--config",
        "skip_children=true",
    ]);
    if let Some(config) = config_of(pkg_dir) {
        cmd.arg("--config-path").arg(config);
    }
    let Ok(out) = cmd
        .args(targets.iter().map(|(_, c)| c))
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .output()
    else {
        return;
    };
    // A file rustfmt reports an error for keeps the rewrites' text.
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    for (i, copy) in targets {
        if errors.contains(&copy.display().to_string()) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&copy) {
            if only_near_edits(&changes[i].before, &changes[i].after, &text) {
                changes[i].after = text;
            }
        }
    }
}

/// Every line rustfmt changed in `after` (to `formatted`) is one the migration changed from
/// `before`, or next to one: `before` was formatted away from the edits (rustfmt's changes to a
/// formatted file that was edited stay within the statements and import groups it edited).
fn only_near_edits(before: &str, after: &str, formatted: &str) -> bool {
    use similar::{DiffTag, TextDiff};
    let edited: Vec<std::ops::Range<usize>> = TextDiff::from_lines(before, after)
        .ops()
        .iter()
        .filter(|op| op.tag() != DiffTag::Equal)
        .map(|op| op.new_range())
        .collect();
    // Lines in common; an insertion or a deletion (an empty range) touches the lines around
    // its place. A line that is only next to an edit is not the migration's.
    let touch = |e: &std::ops::Range<usize>, r: &std::ops::Range<usize>| {
        if e.is_empty() || r.is_empty() {
            e.start <= r.end && r.start <= e.end
        } else {
            e.start < r.end && r.start < e.end
        }
    };
    // Blank lines around a change count with it: where the migration removed an import group,
    // the diff may place the removal on either side of the blank lines rustfmt then merges.
    let lines: Vec<&str> = after.lines().collect();
    let blank = |i: usize| lines.get(i).is_some_and(|l| l.trim().is_empty());
    let new_lines: Vec<&str> = formatted.lines().collect();
    let new_blank = |i: usize| new_lines.get(i).is_some_and(|l| l.trim().is_empty());
    TextDiff::from_lines(after, formatted)
        .ops()
        .iter()
        .filter(|op| op.tag() != DiffTag::Equal)
        .all(|op| {
            let r = op.old_range();
            let mut wide = r.clone();
            while wide.start > 0 && blank(wide.start - 1) {
                wide.start -= 1;
            }
            while blank(wide.end) {
                wide.end += 1;
            }
            // A change of blank lines only (two left where an import group went) may sit
            // across blank lines from the edit.
            let blank_only = r.clone().all(blank) && op.new_range().all(new_blank);
            let next_to = |e: &std::ops::Range<usize>| {
                blank_only && e.start <= wide.end && wide.start <= e.end
            };
            edited.iter().any(|e| touch(e, &r) || next_to(e))
        })
}

/// The default toolchain's rustfmt itself (`<sysroot>/bin/rustfmt`, the sysroot asked once, from
/// the temporary directory as the formatter runs there), or rustup's `rustfmt` proxy where there
/// is no such file: the proxy would start the same binary after reading rustup's settings, once
/// per package (a second process each; 200 on the large benchmark tree).
fn rustfmt() -> &'static Path {
    static RUSTFMT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    RUSTFMT.get_or_init(|| {
        Command::new("rustc")
            .args(["--print", "sysroot"])
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| Path::new(s.trim()).join("bin").join("rustfmt"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("rustfmt"))
    })
}

/// The `rustfmt.toml` (or `.rustfmt.toml`) that applies to files of `dir`, from `dir` upwards.
fn config_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .flat_map(|d| [d.join("rustfmt.toml"), d.join(".rustfmt.toml")])
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use crate::report::FileChange;

    fn change(file: &str, before: &str, after: &str) -> FileChange {
        FileChange {
            file: file.into(),
            before: before.into(),
            after: after.into(),
            rules: Default::default(),
            crates: Default::default(),
        }
    }

    fn no_rustfmt() -> bool {
        std::process::Command::new("rustfmt")
            .arg("--version")
            .output()
            .is_err()
    }

    /// `after` of `lib.rs`, a file of a package at `dir` whose text on disk is `before`.
    fn formatted(dir: &std::path::Path, before: &str, after: &str) -> String {
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), before).unwrap();
        let mut changes = vec![change("src/lib.rs", before, after)];
        super::files(dir, dir, "2021", changes.iter_mut().collect());
        changes.remove(0).after
    }

    #[test]
    fn formatted_files_stay_formatted_and_others_are_left() {
        if no_rustfmt() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let clean = "fn f() -> u8 {\n    1\n}\n";
        let long = "fn f() -> u8 {\n    let value_with_a_long_name = some_function_name(first_argument, second_argument, third_argument);\n    1\n}\n";
        let out = formatted(dir.path(), clean, long);
        assert!(out.contains("=\n        some_function_name("), "{out}");
        // Not formatted before, away from the edits: left as the rewrites wrote it.
        let messy = "fn g( ) {}\n\nfn f() -> u8 {\n    1\n}\n";
        let edited = "fn g( ) {}\n\nfn f() -> u8 {\n    2\n}\n";
        assert_eq!(formatted(dir.path(), messy, edited), edited);
        // The repository's configuration counts.
        std::fs::write(dir.path().join("rustfmt.toml"), "hard_tabs = true\n").unwrap();
        let tabs = "fn f() -> u8 {\n\t1\n}\n";
        let out = formatted(dir.path(), tabs, "fn f() -> u8 {\n    2\n}\n");
        assert_eq!(out, "fn f() -> u8 {\n\t2\n}\n");
    }

    #[test]
    fn a_package_is_formatted_in_one_pass_with_its_modules() {
        if no_rustfmt() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(pkg.join("src")).unwrap();
        let main = "mod a;\n\nfn main() {\n    a::f();\n}\n";
        let a = "pub fn f() {}\n";
        let messy = "fn g( ) {}\n\nfn k() -> u8 {\n    1\n}\n";
        std::fs::write(pkg.join("src/main.rs"), main).unwrap();
        std::fs::write(pkg.join("src/a.rs"), a).unwrap();
        std::fs::write(pkg.join("src/b.rs"), messy).unwrap();
        // rustup, started in the repository, would run the toolchain this names (any binary).
        std::fs::write(
            pkg.join("rust-toolchain.toml"),
            "[toolchain]\npath = \"/nonexistent/untrusted-toolchain\"\n",
        )
        .unwrap();
        let mut changes = vec![
            change(
                "pkg/src/main.rs",
                main,
                "mod a;\n\nfn main() {\n    a::f(); { let x = 1; drop(x) }\n}\n",
            ),
            change(
                "pkg/src/b.rs",
                messy,
                "fn g( ) {}\n\nfn k() -> u8 {\n    2\n}\n",
            ),
        ];
        super::files(dir.path(), &pkg, "2021", changes.iter_mut().collect());
        assert_eq!(
            changes[0].after,
            "mod a;\n\nfn main() {\n    a::f();\n    {\n        let x = 1;\n        drop(x)\n    }\n}\n"
        );
        // Not formatted before, away from the edit: left as the rewrites wrote it.
        assert_eq!(changes[1].after, "fn g( ) {}\n\nfn k() -> u8 {\n    2\n}\n");
    }
}
