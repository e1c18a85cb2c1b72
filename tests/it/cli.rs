//! The command line, driven in-process: output, exit codes, `--check`, JSON, colour, the
//! git-dirty guard, writes that keep permissions and line endings, and a diff that
//! `git apply` accepts.

use super::util;
use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut all = vec!["async-std-migrate"];
    all.extend_from_slice(args);
    let code = async_std_migrate::cli::run(all, &mut out, &mut err, false);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn small_crate(dir: &Path, src: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"small\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1\"\n").unwrap();
    std::fs::write(dir.join("src/main.rs"), src).unwrap();
}

/// One [`small_crate`] workspace per name under `dir`; `b`'s manifest is one rust-analyzer cannot
/// load (cargo rejects its `crate-type`).
fn small_workspaces(dir: &Path, names: &[&str]) {
    for name in names {
        small_crate(&dir.join(name), SMALL);
        let m = dir.join(name).join("Cargo.toml");
        let text = std::fs::read_to_string(&m).unwrap();
        let extra = if *name == "b" {
            "\n[lib]\ncrate-type = 7\n"
        } else {
            ""
        };
        std::fs::write(&m, format!("{text}{extra}\n[workspace]\n")).unwrap();
    }
}

const SMALL: &str = "use async_std::task;\n\nfn main() {\n    task::block_on(async {\n        task::spawn(async {});\n    });\n}\n";

#[test]
fn diff_of_the_demo() {
    let (code, out, err) = run(&["diff", "--syntax-only", "fixtures/demo"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("demo_diff", out);
}

#[test]
fn json_report_of_the_demo() {
    let (code, out, _) = run(&["diff", "--syntax-only", "--format", "json", "fixtures/demo"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 2);
    assert_eq!(v["target"], "auto");
    // What the run cost differs from run to run (the last member): the snapshot is the rest.
    assert!(v["run"]["peak_rss_bytes"].as_u64().is_some_and(|b| b > 0));
    let cut = out
        .rfind(",\n  \"run\": {")
        .expect("the run's cost is the last member");
    insta::assert_snapshot!("demo_json", format!("{}\n}}", &out[..cut]));
}

#[test]
fn check_exits_1_with_pending_changes_and_0_without() {
    assert_eq!(
        run(&["diff", "--check", "--syntax-only", "fixtures/demo"]).0,
        1
    );
    assert_eq!(
        run(&["diff", "--check", "--syntax-only", "fixtures/unchanged"]).0,
        0
    );
}

#[test]
fn bad_paths_are_errors() {
    let (code, _, err) = run(&["diff", "--syntax-only", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: no/such/dir is not a directory or a Cargo.toml"),
        "{err}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (_, plain, _) = run(&["diff", "--syntax-only", "fixtures/demo"]);
    assert!(!plain.contains('\x1b'));
    let (_, coloured, _) = run(&[
        "diff",
        "--syntax-only",
        "--color",
        "always",
        "fixtures/demo",
    ]);
    assert!(coloured.contains("\x1b[32m+"));
}

#[test]
fn git_apply_accepts_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), SMALL);
    let (code, out, _) = run(&[
        "diff",
        "--syntax-only",
        "--color",
        "never",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let patch: String = out.split("\n== ").next().unwrap().to_string() + "\n";
    let patch = patch.trim_end().to_string() + "\n";
    std::fs::write(dir.path().join("p.diff"), &patch).unwrap();
    let o = Command::new("git")
        .args(["apply", "--check", "p.diff"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}\n{patch}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn apply_refuses_dirty_files_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), SMALL);
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.email=t@t",
        "-c",
        "user.name=t",
        "commit",
        "-qm",
        "init",
    ]);
    std::fs::write(
        dir.path().join("src/main.rs"),
        format!("{SMALL}// edited\n"),
    )
    .unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["apply", "--to", "smol", "--syntax-only", p]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "refusing to write: 1 file(s) with uncommitted changes would be touched (src/main.rs)"
        ),
        "{err}"
    );
    assert!(std::fs::read_to_string(dir.path().join("src/main.rs"))
        .unwrap()
        .contains("async_std"));
    let (code, _, err) = run(&[
        "apply",
        "--to",
        "smol",
        "--syntax-only",
        "--allow-dirty",
        "--allow-no-vcs",
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(dir.path().join("src/main.rs"))
        .unwrap()
        .contains("smol::spawn(async {}).detach();"));
}

#[test]
fn one_root_that_cannot_be_written_writes_none() {
    // Two workspaces under one PATH; one of them has a read-only source file.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    small_crate(&a, SMALL);
    small_crate(&b, SMALL);
    for d in [&a, &b] {
        let m = std::fs::read_to_string(d.join("Cargo.toml")).unwrap();
        std::fs::write(d.join("Cargo.toml"), format!("{m}\n[workspace]\n")).unwrap();
    }
    let ro = b.join("src/main.rs");
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = run(&[
        "apply",
        "--to",
        "smol",
        "--syntax-only",
        "--allow-dirty",
        "--allow-no-vcs",
        p,
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("b/src/main.rs is read-only"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    for d in [&a, &b] {
        assert!(std::fs::read_to_string(d.join("src/main.rs"))
            .unwrap()
            .contains("async_std"));
        assert!(std::fs::read_to_string(d.join("Cargo.toml"))
            .unwrap()
            .contains("async-std"));
    }
}

#[test]
fn a_file_changed_after_it_was_read_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), SMALL);
    let report = async_std_migrate::engine::plan(
        dir.path(),
        &async_std_migrate::Config {
            target: async_std_migrate::Target::Smol,
            syntax_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(async_std_migrate::apply::preflight(&report, true).is_ok());
    // Someone edits the file between the read and the write.
    let main = dir.path().join("src/main.rs");
    std::fs::write(&main, format!("{SMALL}// edited meanwhile\n")).unwrap();
    let e = async_std_migrate::apply::preflight(&report, true).unwrap_err();
    assert!(e.to_string().contains("changed since it was read"), "{e}");
}

#[test]
fn file_names_are_quoted_as_git_does_and_a_path_given_twice_is_migrated_once() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), "fn main() {}\n");
    // A module whose file name has an ESC and a newline in it.
    let odd = "x\u{1b}[31m\nq.rs";
    std::fs::write(
        dir.path().join("src/main.rs"),
        format!(
            "#[path = \"{}\"]\nmod odd;\n\nfn main() {{\n    odd::go();\n}}\n",
            odd.escape_default()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src").join(odd),
        SMALL.replace("fn main()", "pub fn go()"),
    )
    .unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["diff", "--to", "smol", "--syntax-only", p, p]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}'), "{out}");
    assert!(
        out.contains("diff --git \"a/src/x\\033[31m\\nq.rs\" \"b/src/x\\033[31m\\nq.rs\"\n"),
        "{out}"
    );
    assert!(out.contains("--- \"a/src/x\\033[31m\\nq.rs\""), "{out}");
    // Once, though given twice.
    assert_eq!(out.matches("diff --git a/src/main.rs").count(), 0, "{out}");
    assert_eq!(out.matches("diff --git a/Cargo.toml").count(), 1, "{out}");
    assert_eq!(
        out.matches("\n== ").count() + usize::from(out.starts_with("== ")),
        1,
        "{out}"
    );
}

#[test]
fn apply_keeps_permissions_and_crlf_line_endings() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), &SMALL.replace('\n', "\r\n"));
    let main = dir.path().join("src/main.rs");
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o640)).unwrap();
    // What a killed run left: the next one removes it.
    std::fs::write(dir.path().join("src/.main.rs.asm-tmp-1"), "partial").unwrap();
    let (code, _, err) = run(&[
        "apply",
        "--syntax-only",
        "--allow-dirty",
        "--allow-no-vcs",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // Written through a temporary file renamed over the original: none is left.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("src"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("asm-tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let after = std::fs::read_to_string(&main).unwrap();
    // The default, --to auto: nothing here needs a runtime, so it is plain std now.
    assert!(after.contains("thread::spawn(|| {});"), "{after}");
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "{after:?}"
    );
    assert_eq!(
        std::fs::metadata(&main).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // A second run has nothing left to do.
    assert_eq!(
        run(&[
            "diff",
            "--check",
            "--syntax-only",
            dir.path().to_str().unwrap()
        ])
        .0,
        0
    );
}

#[test]
fn files_with_syntax_errors_are_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(
        dir.path(),
        "use async_std::task;\nfn main() { task::spawn(async {}) \n",
    );
    let (code, out, err) = run(&[
        "diff",
        "--to",
        "smol",
        "--syntax-only",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    // Per-file errors on stderr; stdout is the diff and the summary.
    assert!(err.contains("src/main.rs: syntax errors"), "{err}");
    assert!(!out.contains("+++ b/src/main.rs"), "{out}");
}

#[test]
fn an_unloadable_workspace_falls_back_to_syntax_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), SMALL);
    // A manifest cargo rejects (toml is fine, the value is not): rust-analyzer cannot load it.
    let m = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!("{m}\n[lib]\ncrate-type = 7\n"),
    )
    .unwrap();
    let (code, out, err) = run(&[
        "diff",
        "--to",
        "smol",
        "--color",
        "never",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("resolution: syntax"), "{out}");
    assert!(out.contains("note: fell back to syntax-level resolution: rust-analyzer could not load the workspace"), "{out}");
    assert!(
        out.contains("+        smol::spawn(async {}).detach();"),
        "{out}"
    );
}

/// Several workspaces share one rust-analyzer database; one that rust-analyzer cannot load
/// falls back to syntax alone, the others are still resolved with types.
#[test]
fn one_unloadable_workspace_of_several_falls_back_alone() {
    let dir = tempfile::tempdir().unwrap();
    small_workspaces(dir.path(), &["a", "b", "c"]);
    let (code, out, err) = run(&["diff", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let roots = json["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 3, "{out}");
    for r in roots {
        let (res, why) = (&r["resolution"], &r["fallback_reason"]);
        if r["workspace"] == "b" {
            assert_eq!(res, "syntax", "{r}");
            assert!(why.as_str().unwrap().contains("could not load"), "{r}");
        } else {
            assert_eq!(res, "semantic", "{r}");
        }
    }
}

#[test]
fn workspaces_in_batches_of_databases_report_as_in_one_and_fall_back_alone() {
    // Four one-file workspaces, `b` unloadable. In batches of two files (two databases, the
    // second batch's cargo side loaded while the first is planned) the report is the one of a
    // single database, and `b` alone falls back to syntax.
    let dir = tempfile::tempdir().unwrap();
    small_workspaces(dir.path(), &["a", "b", "c", "d"]);
    let p = dir.path().to_str().unwrap();
    let roots = |extra: &[&str]| {
        let mut args = vec!["diff", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(p);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        json["roots"].clone()
    };
    let batched = roots(&["--files-per-database", "2"]);
    assert_eq!(batched, roots(&[]));
    let batched = batched.as_array().unwrap();
    assert_eq!(batched.len(), 4);
    for r in batched {
        let expected = if r["workspace"] == "b" {
            "syntax"
        } else {
            "semantic"
        };
        assert_eq!(r["resolution"], expected, "{r}");
    }
}

#[test]
fn scan_explains_each_crate_and_gates_ci() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), SMALL);
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["scan", "--syntax-only", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("crate src\n  async-std uses: task 2\n  target: threads: nothing here needs an async runtime"), "{out}");
    assert!(
        out.contains("crates: 1 to threads, 0 to smol; files to change: 2"),
        "{out}"
    );
    // Writes nothing; --check fails while async-std is used, passes once it is gone.
    assert_eq!(run(&["scan", "--check", "--syntax-only", p]).0, 1);
    assert_eq!(
        run(&[
            "apply",
            "--syntax-only",
            "--allow-dirty",
            "--allow-no-vcs",
            p
        ])
        .0,
        0
    );
    let (code, out, _) = run(&["scan", "--check", "--syntax-only", p]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no crate uses async-std"), "{out}");

    let (code, json, _) = run(&["scan", "--syntax-only", "--format", "json", "fixtures/demo"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let crates = &v["roots"][0]["crates"];
    assert_eq!(crates[0]["crate"], "examples/wordcount");
    assert_eq!(crates[0]["target"], "threads");
    assert_eq!(crates[1]["crate"], "src");
    assert_eq!(crates[1]["target"], "smol");
    let rules: Vec<&str> = crates[1]["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["socket-clone", "socket-clone", "spawn-per-item"]);
}

#[test]
fn cfg_regions_of_gated_modules_are_what_rust_analyzer_sees() {
    // Whether rust-analyzer has a module file follows from the cfgs on the way to it and its own
    // `#![cfg]`s (answered without its name resolution where they decide): a module behind an
    // off feature, or whose own `#![cfg]` is off, is not seen, so its regions are not listed; a
    // crate root is its crate's root module whatever its own `#![cfg]` says. (The binary of the
    // twelfth session, which asked rust-analyzer for each file's crate, gave this same list.)
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let manifest = "[package]\nname = \"gated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\ndefault = [\"fast\"]\nfast = []\nslow = []\n\n[dependencies]\nasync-std = \"1\"\n";
    let lib = "use std::time::Duration;\n\n#[cfg(feature = \"fast\")]\nmod fast_mod;\n#[cfg(feature = \"slow\")]\nmod slow_mod;\nmod inner_off;\n\n#[cfg(feature = \"fast\")]\npub async fn nap() {\n    async_std::task::sleep(Duration::from_millis(1)).await\n}\n";
    let module = "use std::time::Duration;\n\n#[cfg(feature = \"fast\")]\npub async fn a() {\n    async_std::task::sleep(Duration::from_millis(1)).await\n}\n\n#[cfg(feature = \"slow\")]\npub async fn b() {\n    async_std::task::sleep(Duration::from_millis(1)).await\n}\n";
    let off = format!("#![cfg(feature = \"slow\")]\n{module}");
    for (file, text) in [
        ("Cargo.toml", manifest),
        ("src/lib.rs", lib),
        ("src/fast_mod.rs", module),
        ("src/slow_mod.rs", module),
        ("src/inner_off.rs", &off),
        ("tests/t.rs", &off),
    ] {
        let path = d.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (code, out, err) = run(&[
        "diff",
        "--to",
        "smol",
        "--format",
        "json",
        d.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["roots"][0]["resolution"], "semantic", "{out}");
    let regions: Vec<String> = v["roots"][0]["cfg_regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{} {} {}",
                r["file"].as_str().unwrap(),
                r["line"],
                r["cfg"].as_str().unwrap(),
                r["seen_by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        regions,
        [
            "src/fast_mod.rs:3 cfg(feature = \"fast\") rust-analyzer",
            "src/fast_mod.rs:8 cfg(feature = \"slow\") syntax",
            "src/lib.rs:9 cfg(feature = \"fast\") rust-analyzer",
            "tests/t.rs:1 cfg(feature = \"slow\") syntax",
            "tests/t.rs:4 cfg(feature = \"fast\") rust-analyzer",
            "tests/t.rs:9 cfg(feature = \"slow\") syntax",
        ]
    );
}

#[test]
fn cfg_regions_say_whether_rust_analyzer_saw_them() {
    // rust-analyzer loads the default features: code under another feature is outside its
    // view, migrated by the same rules at syntax level, and the report says which is which.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"gated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\ndefault = [\"fast\"]\nfast = []\nslow = []\n\n[dependencies]\nasync-std = \"1\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "use std::time::Duration;\n\n#[cfg(feature = \"fast\")]\npub async fn nap() {\n    async_std::task::sleep(Duration::from_millis(1)).await\n}\n\n#[cfg(feature = \"slow\")]\npub async fn nap() {\n    async_std::task::sleep(Duration::from_secs(1)).await\n}\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["diff", "--to", "smol", "--format", "json", path]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let root = &v["roots"][0];
    assert_eq!(root["resolution"], "semantic", "{out}");
    let regions: Vec<(u64, String, String)> = root["cfg_regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["cfg"].as_str().unwrap().to_string(),
                r["seen_by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        regions,
        vec![
            (3, "cfg(feature = \"fast\")".into(), "rust-analyzer".into()),
            (8, "cfg(feature = \"slow\")".into(), "syntax".into()),
        ]
    );
    // Both are migrated alike.
    let (_, diff, _) = run(&["diff", "--to", "smol", "--color", "never", path]);
    let added = diff
        .lines()
        .filter(|l| l.starts_with('+') && l.contains("async_io::Timer::after("))
        .count();
    assert_eq!(added, 2, "{diff}");
    // Without rust-analyzer there is nothing to tell apart.
    let (_, out, _) = run(&[
        "diff",
        "--to",
        "smol",
        "--syntax-only",
        "--format",
        "json",
        path,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["roots"][0].get("cfg_regions").is_none(), "{out}");
}

/// async-attributes' `main`/`test` are async-std's attributes everywhere but in async-attributes
/// itself, whose tests exercise them: there they are the crate's own.
#[test]
fn async_attributes_own_tests_keep_its_attributes() {
    let dir = util::work_dir("cli-async-attributes");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let manifest = |name: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2018\"\n\n[dev-dependencies]\nasync-std = \"1\"\n")
    };
    std::fs::write(dir.join("src/lib.rs"), "//! Attributes.\n").unwrap();
    let test = "#[async_attributes::test]\nasync fn adds() {\n    assert_eq!(2 * 2, 4);\n}\n";
    std::fs::write(dir.join("tests/test.rs"), test).unwrap();
    for (name, changed) in [("async-attributes", false), ("user", true)] {
        std::fs::write(dir.join("Cargo.toml"), manifest(name)).unwrap();
        let (code, out, err) = run(&["diff", "--syntax-only", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out.contains("-#[async_attributes::test]"),
            changed,
            "{name}:\n{out}"
        );
    }
}

/// An import on the file's first line that goes entirely takes the blank line after it along.
#[test]
fn a_first_line_import_that_goes_leaves_no_blank_first_line() {
    let dir = util::work_dir("cli-first-line");
    small_crate(&dir, SMALL);
    let (code, _, err) = run(&[
        "apply",
        "--allow-dirty",
        "--allow-no-vcs",
        "--syntax-only",
        "--to",
        "smol",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert!(main.starts_with("fn main() {\n"), "{main}");
}

/// As `cargo fix`: outside a git work tree nothing holds the originals, so `apply` refuses
/// unless `--allow-no-vcs` (and so it does when git cannot be run).
#[test]
fn apply_refuses_a_tree_no_git_holds_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(dir.path(), SMALL);
    let p = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["apply", "--to", "smol", "--syntax-only", "--allow-dirty", p]);
    assert_eq!(code, 2);
    assert!(err.contains("is not in a git work tree"), "{err}");
    assert!(std::fs::read_to_string(dir.path().join("src/main.rs"))
        .unwrap()
        .contains("async_std"));
    let (code, _, err) = run(&[
        "apply",
        "--to",
        "smol",
        "--syntax-only",
        "--allow-no-vcs",
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!std::fs::read_to_string(dir.path().join("src/main.rs"))
        .unwrap()
        .contains("async_std"));
}

/// A workspace without Cargo.lock still learns which dependency pulls async-std back in, and the
/// known fix: the graph is resolved in a scratch copy (issue 16 item 3).
#[test]
fn a_dependency_that_pulls_async_std_in_is_named_without_a_lockfile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"nolock\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1.13\"\nhttp-types = \"2\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/main.rs"),
        "fn main() {\n    async_std::task::block_on(async {\n        let _ = http_types::Url::parse(\"http://x\");\n    });\n}\n",
    )
    .unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = run(&[
        "apply",
        "--to",
        "smol",
        "--syntax-only",
        "--allow-no-vcs",
        p,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no Cargo.lock: resolved in a scratch copy, async-std is still in the graph: nolock -> http-types -> async-std (features of http-types that pull it in: `fs`"),
        "{out}"
    );
    // The scratch copy is gone and no lockfile was written into the repository.
    assert!(!dir.path().join("Cargo.lock").exists());
}

/// A dry run executes nothing from the repository: a `.cargo/config.toml` whose rustc wrapper
/// (and workspace wrapper, and rustc) would leave a marker, and `diff` with rust-analyzer's load,
/// `scan` and `apply` without `--verify` (its lockfile step starts cargo too) leave none.
#[test]
fn a_dry_run_runs_no_rustc_wrapper_from_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("crate");
    small_crate(&krate, SMALL);
    let marker = dir.path().join("ran");
    let wrap = krate.join("wrap.sh");
    std::fs::write(
        &wrap,
        format!("#!/bin/sh\ntouch '{}'\nexec \"$@\"\n", marker.display()),
    )
    .unwrap();
    let fake_rustc = krate.join("fake-rustc.sh");
    std::fs::write(
        &fake_rustc,
        format!(
            "#!/bin/sh\ntouch '{}'\nexec rustc \"$@\"\n",
            marker.display()
        ),
    )
    .unwrap();
    for f in [&wrap, &fake_rustc] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::create_dir_all(krate.join(".cargo")).unwrap();
    std::fs::write(
        krate.join(".cargo/config.toml"),
        format!(
            "[build]\nrustc-wrapper = \"{w}\"\nrustc-workspace-wrapper = \"{w}\"\nrustc = \"{r}\"\n",
            w = wrap.display(),
            r = fake_rustc.display()
        ),
    )
    .unwrap();
    let path = krate.to_str().unwrap();
    let (code, out, err) = run(&["diff", "--format", "json", path]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["roots"][0]["resolution"], "semantic",
        "rust-analyzer loaded the workspace: {out}"
    );
    let (code, _, err) = run(&["scan", path]);
    assert!(code == 0 || code == 1, "{err}");
    let (code, _, err) = run(&["apply", "--allow-no-vcs", path]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !marker.exists(),
        "a command started the repository's rustc wrapper"
    );
}

/// async-std leaves the manifest only if every file of the module trees was read and migrated.
/// A module that is a symbolic link to a file inside the path is migrated once, as that module,
/// and written through the link (the link stays); one that links out of the path, or a module
/// that is not UTF-8, is reported `file-not-read` and the package keeps async-std.
#[test]
fn async_std_stays_unless_every_module_file_was_read() {
    use std::os::unix::fs::symlink;
    let manifest = "[package]\nname = \"linked\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nasync-std = \"1\"\n";
    let nap = "pub async fn nap() {\n    async_std::task::sleep(std::time::Duration::from_millis(1)).await;\n}\n";
    let setup = |dir: &Path| {
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "pub mod a;\n").unwrap();
    };
    // Inside the path.
    let dir = tempfile::tempdir().unwrap();
    let inside = dir.path().join("inside");
    setup(&inside);
    std::fs::create_dir_all(inside.join("shared")).unwrap();
    std::fs::write(inside.join("shared/a.rs"), nap).unwrap();
    symlink("../shared/a.rs", inside.join("src/a.rs")).unwrap();
    let (code, out, err) = run(&[
        "apply",
        "--allow-no-vcs",
        "--to",
        "smol",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(std::fs::symlink_metadata(inside.join("src/a.rs"))
        .unwrap()
        .file_type()
        .is_symlink());
    let a = std::fs::read_to_string(inside.join("shared/a.rs")).unwrap();
    assert!(
        a.contains("Timer::after") && !a.contains("async_std"),
        "{a}"
    );
    let m = std::fs::read_to_string(inside.join("Cargo.toml")).unwrap();
    assert!(!m.contains("async-std"), "{m}");
    // Out of the path, and not UTF-8.
    for case in ["outside", "not-utf8"] {
        let root = dir.path().join(case);
        setup(&root);
        if case == "outside" {
            std::fs::write(dir.path().join("far.rs"), nap).unwrap();
            symlink(dir.path().join("far.rs"), root.join("src/a.rs")).unwrap();
        } else {
            std::fs::write(root.join("src/a.rs"), b"// \xff\npub fn f() {}\n").unwrap();
        }
        let (_, out, err) = run(&[
            "apply",
            "--allow-no-vcs",
            "--to",
            "smol",
            root.to_str().unwrap(),
        ]);
        assert!(
            out.contains("not migrated [file-not-read]") && out.contains("src/a.rs"),
            "{case}: {out}{err}"
        );
        let m = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(m.contains("async-std = \"1\""), "{case}: {m}");
    }
    // Left out by the user: one review note, and async-std stays for it.
    let root = dir.path().join("excluded");
    setup(&root);
    std::fs::write(root.join("src/a.rs"), nap).unwrap();
    let path = root.to_str().unwrap();
    let (_, out, err) = run(&[
        "apply",
        "--allow-no-vcs",
        "--to",
        "smol",
        "--exclude",
        "src/a.rs",
        path,
    ]);
    assert!(
        out.contains("review [file-not-read] 1 module file(s)") && out.contains("src/a.rs"),
        "{out}{err}"
    );
    let m = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(m.contains("async-std = \"1\""), "{m}");
    assert_eq!(std::fs::read_to_string(root.join("src/a.rs")).unwrap(), nap);
    // A module file whose name does not end in `.rs` (`#[path = "gen/a.inc"]`) is migrated as
    // the others are, and the dependency goes.
    let root = dir.path().join("path-inc");
    setup(&root);
    std::fs::write(
        root.join("src/lib.rs"),
        "#[path = \"gen/a.inc\"]\npub mod a;\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src/gen")).unwrap();
    std::fs::write(root.join("src/gen/a.inc"), nap).unwrap();
    let (code, out, err) = run(&[
        "apply",
        "--allow-no-vcs",
        "--to",
        "smol",
        root.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let a = std::fs::read_to_string(root.join("src/gen/a.inc")).unwrap();
    assert!(
        a.contains("Timer::after") && !a.contains("async_std"),
        "{a}"
    );
    let m = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(!m.contains("async-std"), "{m}");
}

/// `.into_inner()` is a lock's where rust-analyzer says so: a channel error's keeps the program
/// convertible to threads. Without types the call may be a lock's, and blocks the conversion.
#[test]
fn a_channel_error_s_into_inner_is_no_lock_call_with_types() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(
        dir.path(),
        "use async_std::channel;\nuse async_std::sync::Mutex;\n\nfn main() {\n    async_std::task::block_on(async {\n        let m = Mutex::new(1);\n        let (tx, _rx) = channel::bounded(1);\n        tx.try_send(1).unwrap();\n        if let Err(e) = tx.try_send(2) {\n            let v = e.into_inner();\n            println!(\"{v} {}\", *m.lock().await);\n        }\n    });\n}\n",
    );
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["diff", "--to", "threads", "--format", "json", path]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"semantic\""), "{out}");
    assert!(!out.contains("lock-api"), "{out}");
    let (_, diff, _) = run(&["diff", "--to", "threads", "--color", "never", path]);
    assert!(diff.contains("+use std::sync::Mutex;"), "{diff}");
    let (_, out, _) = run(&[
        "diff",
        "--to",
        "threads",
        "--syntax-only",
        "--format",
        "json",
        path,
    ]);
    assert!(out.contains("lock-api"), "{out}");
}

/// A program whose channel receiver is shared becomes crossbeam-channel's: the manifest gets
/// the dependency (it did when the package had another such file, and not when this was the one).
#[test]
fn a_shared_receiver_s_program_gets_crossbeam_channel_in_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(
        dir.path(),
        "use async_std::channel;\nuse async_std::task;\n\n#[async_std::main]\nasync fn main() {\n    let (tx, rx) = channel::bounded(4);\n    let mut workers = Vec::new();\n    for _ in 0..2 {\n        let rx = rx.clone();\n        workers.push(task::spawn(async move {\n            let mut n = 0;\n            while let Ok(v) = rx.recv().await {\n                n += v;\n            }\n            n\n        }));\n    }\n    for v in 1..=4 {\n        tx.send(v).await.unwrap();\n    }\n    drop(tx);\n    let mut total = 0;\n    for w in workers {\n        total += w.await;\n    }\n    println!(\"{total}\");\n}\n",
    );
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"small\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = { version = \"1\", features = [\"attributes\"] }\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    for syntax_only in [true, false] {
        let mut args = vec!["diff", "--to", "threads", "--color", "never", path];
        if syntax_only {
            args.push("--syntax-only");
        }
        let (code, diff, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        assert!(diff.contains("crossbeam_channel::bounded(4)"), "{diff}");
        assert!(diff.contains("+crossbeam-channel = "), "{diff}");
    }
}

/// The threads target matches the package's async fns by name; where rust-analyzer resolves a
/// call to another function of the name (`Vec::push` beside an `async fn push`) it is no future
/// kept in a value, and the program converts. Without types it stays on a runtime, reported.
#[test]
fn a_method_named_like_an_async_one_is_no_future_with_types() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("examples")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"names\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = { version = \"1\", features = [\"attributes\"] }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
    std::fs::write(
        dir.path().join("examples/queue.rs"),
        "use async_std::sync::Mutex;\n\nstruct Queue(Mutex<Vec<u32>>);\n\nimpl Queue {\n    async fn push(&self, v: u32) {\n        self.0.lock().await.push(v);\n    }\n}\n\n#[async_std::main]\nasync fn main() {\n    let q = Queue(Mutex::new(Vec::new()));\n    q.push(1).await;\n    println!(\"{}\", q.0.lock().await.len());\n}\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["scan", path]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("target: threads"), "{out}");
    assert!(!out.contains("future-value"), "{out}");
    let (_, out, _) = run(&["scan", "--syntax-only", path]);
    assert!(out.contains("future-value"), "{out}");
}

/// A directory the walk cannot read is reported (stderr, exit 2) and the rest of the run goes
/// on. Permission bits do not stop root, so as root the tool runs as `nobody` (setpriv).
#[test]
fn an_unreadable_directory_is_reported_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["a", "b"] {
        std::fs::create_dir_all(root.join(name).join("src")).unwrap();
        std::fs::write(
            root.join(name).join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1\"\n"),
        )
        .unwrap();
        std::fs::write(
            root.join(name).join("src/main.rs"),
            "fn main() {\n    async_std::task::block_on(async { println!(\"hi\") });\n}\n",
        )
        .unwrap();
    }
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(root, 0o755);
    mode(&root.join("b"), 0o000);
    // A copy `nobody` can run (the build directory may be closed to it).
    let bin_dir = tempfile::tempdir().unwrap();
    mode(bin_dir.path(), 0o755);
    let bin = bin_dir.path().join("async-std-migrate");
    std::fs::copy(env!("CARGO_BIN_EXE_async-std-migrate"), &bin).unwrap();
    mode(&bin, 0o755);
    let args = [
        "diff",
        "--color",
        "never",
        "--syntax-only",
        root.to_str().unwrap(),
    ];
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let out = if is_root {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(args)
            .output()
            .expect("setpriv (util-linux) runs the tool as nobody")
    } else {
        Command::new(&bin).args(args).output().unwrap()
    };
    mode(&root.join("b"), 0o755);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("b: cannot read"), "{stdout}\n{stderr}");
    assert!(stdout.contains("+++ b/a/src/main.rs"), "{stdout}");
    assert!(!stdout.contains("b/b/src/main.rs"), "{stdout}");
}

/// The lockfile resolution's and the formatter's scratch copies live in the system's temporary
/// directory under the tool's prefixes and are removed after use; those a killed run left (over
/// an hour old) are removed by the next run, and nothing else is touched.
#[test]
fn scratch_copies_a_killed_run_left_are_removed_by_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let stale = tmp.path().join("async-std-migrate-lock-old");
    // The formatter's scratch copy too (a changed file is formatted).
    let stale_fmt = tmp.path().join("async-std-migrate-fmt-old");
    let fresh = tmp.path().join("async-std-migrate-lock-new");
    let other = tmp.path().join("someone-elses-old");
    for d in [&stale, &stale_fmt, &fresh, &other] {
        std::fs::create_dir_all(d.join("ws")).unwrap();
    }
    for d in [&stale, &stale_fmt, &other] {
        assert!(Command::new("touch")
            .args(["-d", "3 hours ago"])
            .arg(d)
            .status()
            .unwrap()
            .success());
    }
    let dir = tempfile::tempdir().unwrap();
    small_crate(
        dir.path(),
        "fn main() {\n    async_std::task::block_on(async {});\n}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_async-std-migrate"))
        .args(["apply", "--to", "smol", "--syntax-only", "--allow-no-vcs"])
        .arg(dir.path())
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!stale.exists() && !stale_fmt.exists(), "{left:?}");
    assert!(fresh.exists() && other.exists(), "{left:?}");
    assert_eq!(
        left.len(),
        2,
        "the run's own scratch copy is gone: {left:?}"
    );
}

/// A README included as the crate's docs is doctests: its async-std examples keep async-std,
/// reported where it is included (ws_stream_tungstenite's README doctest lost its async-std).
#[test]
fn a_readme_included_as_docs_is_migrated_with_its_crate_or_keeps_async_std() {
    // (readme, migrated, kept)
    for (readme, migrated, kept) in [
        (
            "# small\n\n```rust\nasync_std::task::block_on(async {});\n```\n",
            true,
            false,
        ),
        // An item the catalogue does not know (removed from async-std in 1.9): the example keeps
        // async-std, and so does the package.
        (
            "# small\n\n```rust\nlet (s, r) = async_std::sync::channel::<u8>(1);\n```\n",
            false,
            true,
        ),
        ("# small\n\nWorks with async-std.\n", false, false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        small_crate(dir.path(), SMALL);
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "#![doc = include_str!(\"../README.md\")]\n\npub fn f() {}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), readme).unwrap();
        let (_, out, _) = run(&[
            "diff",
            "--syntax-only",
            "--to",
            "smol",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(
            out.contains("+++ b/README.md") && out.contains("+smol::block_on(async {});"),
            migrated,
            "{out}"
        );
        assert_eq!(
            out.contains("[included-docs] `../README.md`"),
            kept,
            "{out}"
        );
        assert_eq!(out.contains("smol beside async-std"), kept, "{out}");
        assert!(out.contains("src/lib.rs:1:") == kept, "{out}");
    }
}

/// async-std's Tokio context (`tokio1`): the futures smol's `block_on` and `spawn` drive get
/// `async_compat::Compat` (the crate fixtures `tokio_context` and `tokio_context_optional` run
/// Tokio's timer and reactor after the migration). An optional async-std with `tokio1` in its
/// own entry gives the context wherever it is enabled: async-compat is optional too. The forms
/// async-compat does not serve (Tokio 0.2 or 0.3), a context only a feature gives
/// (`rt = ["async-std/tokio1"]` on an optional async-std), and a library's that names
/// async-std (outside [dev-dependencies]) are left on async-std, reported at each file.
#[test]
fn async_std_s_tokio_context_is_kept_or_the_package_is_left_whole() {
    for (entry, wrapped, kept) in [
        (
            "async-std = { version = \"1\", features = [\"tokio1\"] }",
            true,
            false,
        ),
        // A library that names async-std: its futures had the context wherever its users
        // polled them.
        (
            "async-std = { version = \"1\", features = [\"tokio1\"] }\n\n[lib]\npath = \"src/lib.rs\"",
            false,
            true,
        ),
        (
            "async-std = { version = \"1\", features = [\"tokio02\"] }",
            false,
            true,
        ),
        (
            "async-std = { version = \"1\", optional = true }\n\n[features]\nrt = [\"async-std/tokio1\"]",
            false,
            true,
        ),
        (
            "async-std = { version = \"1\", optional = true, features = [\"tokio1\"] }",
            true,
            false,
        ),
        // A library that names no async-std: the context served the binary's futures.
        (
            "async-std = { version = \"1\", features = [\"tokio1\"] }\n\n[lib]\npath = \"src/lib.rs\"",
            true,
            false,
        ),
        ("async-std = \"1\"", false, false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        small_crate(dir.path(), SMALL);
        if entry.contains("src/lib.rs") {
            let lib = if kept {
                "pub async fn f() {\n    async_std::task::yield_now().await;\n}\n"
            } else {
                "pub fn f() {}\n"
            };
            std::fs::write(dir.path().join("src/lib.rs"), lib).unwrap();
        }
        let m = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            m.replace("async-std = \"1\"", entry),
        )
        .unwrap();
        let (code, out, err) = run(&[
            "diff",
            "--syntax-only",
            "--to",
            "smol",
            dir.path().to_str().unwrap(),
        ]);
        assert_ne!(code, 2, "{err}");
        assert_eq!(
            out.contains("smol::block_on(async_compat::Compat::new(async {")
                && out.contains("smol::spawn(async_compat::Compat::new(async {}))")
                && out.contains("+async-compat = "),
            wrapped,
            "{entry}: {out}"
        );
        assert_eq!(
            out.contains("src/main.rs:1:1: not migrated [tokio-context]"),
            kept,
            "{entry}: {out}"
        );
        assert_eq!(out.contains("-async-std"), !kept, "{entry}: {out}");
    }
}

/// async-std's features are unified across a build: a workspace library that enables `tokio1`
/// gave the context to the packages that run it, which then wrap what they drive too.
#[test]
fn a_workspace_dependency_s_tokio_context_is_inherited() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"core\", \"app\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("core/src")).unwrap();
    std::fs::write(
        root.join("core/Cargo.toml"),
        "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nasync-std = { version = \"1\", features = [\"tokio1\"] }\n",
    )
    .unwrap();
    std::fs::write(
        root.join("core/src/lib.rs"),
        "pub async fn run() {\n    async_std::task::spawn(async {}).await;\n}\n",
    )
    .unwrap();
    small_crate(&root.join("app"), SMALL);
    let m = std::fs::read_to_string(root.join("app/Cargo.toml")).unwrap();
    std::fs::write(
        root.join("app/Cargo.toml"),
        m.replace("name = \"small\"", "name = \"app\"").replace(
            "[dependencies]\n",
            "[dependencies]\ncore = { path = \"../core\" }\n",
        ),
    )
    .unwrap();
    let (code, out, err) = run(&[
        "diff",
        "--syntax-only",
        "--to",
        "smol",
        root.to_str().unwrap(),
    ]);
    assert_ne!(code, 2, "{err}");
    assert!(
        out.contains("::spawn(async_compat::Compat::new(async {})).await"),
        "{out}"
    );
    assert!(
        out.contains("smol::block_on(async_compat::Compat::new(async {")
            && out.contains("+++ b/app/src/main.rs"),
        "{out}"
    );
    assert!(out.contains("findings: 0 not migrated"), "{out}");
}

/// smol-macros' attributes (async-std's beside another runtime's) run their own executor: in a
/// package with async-std's Tokio context, the function's body runs in `async_compat::Compat`
/// under the attribute's own condition (the other runtime's build needs none).
#[test]
fn smol_macros_attributes_under_a_tokio_context_run_their_body_in_it() {
    let dir = tempfile::tempdir().unwrap();
    small_crate(
        dir.path(),
        "fn main() {}\n\n#[cfg(feature = \"use_tokio\")]\nuse tokio::test as atest;\n#[cfg(feature = \"use_async-std\")]\nuse async_std::test as atest;\n\n#[atest]\nasync fn connects() {}\n",
    );
    let m = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        m.replace(
            "async-std = \"1\"",
            "async-std = { version = \"1\", features = [\"tokio1\", \"attributes\"] }",
        ),
    )
    .unwrap();
    let (code, out, err) = run(&[
        "diff",
        "--syntax-only",
        "--to",
        "smol",
        dir.path().to_str().unwrap(),
    ]);
    assert_ne!(code, 2, "{err}");
    assert!(out.contains("apply(smol_macros::test!)"), "{out}");
    assert!(
        out.contains("+    let body = async move {};\n+    #[cfg(feature = \"use_async-std\")]\n+    let body = async_compat::Compat::new(body);\n+    body.await\n"),
        "{out}"
    );
    assert!(
        out.contains("findings: 0 not migrated, 0 to review"),
        "{out}"
    );
}

/// A context a package has only through a dev-dependency reached only its tests, examples and
/// doc examples: those are wrapped, its library is migrated as any other, and async-compat is a
/// dev-dependency.
#[test]
fn a_context_through_a_dev_dependency_reaches_only_the_tests() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |p: &str, t: &str| {
        std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
        std::fs::write(root.join(p), t).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"core\", \"app\"]\nresolver = \"2\"\n",
    );
    write(
        "core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nasync-std = { version = \"1\", features = [\"tokio1\"] }\n",
    );
    write(
        "core/src/lib.rs",
        "pub async fn run() {\n    async_std::task::spawn(async {}).await;\n}\n",
    );
    write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1\"\n\n[dev-dependencies]\ncore = { path = \"../core\" }\n",
    );
    write(
        "app/src/lib.rs",
        "pub async fn work() -> u8 {\n    async_std::task::spawn(async { 1 }).await\n}\n",
    );
    write(
        "app/tests/t.rs",
        "#[test]\nfn runs() {\n    async_std::task::block_on(core::run());\n}\n",
    );
    let (code, out, err) = run(&[
        "diff",
        "--syntax-only",
        "--to",
        "smol",
        root.to_str().unwrap(),
    ]);
    assert_ne!(code, 2, "{err}");
    assert!(
        out.contains("+    smol::block_on(async_compat::Compat::new(core::run()));"),
        "{out}"
    );
    assert!(out.contains("::spawn(async { 1 }).await"), "{out}");
    assert!(
        out.contains("manifest: app/Cargo.toml: added async-compat to [dev-dependencies]"),
        "{out}"
    );
    assert!(out.contains("findings: 0 not migrated"), "{out}");
}
