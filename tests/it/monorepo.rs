//! A monorepo run at its root (`fixtures/monorepo/`): a virtual workspace with `members` globs and
//! an `exclude`d member that is its own workspace, standalone crates, a directory `.gitignore`
//! hides, a manifest that does not parse, and a crate whose migration does not build (`.into()`
//! from a std listener). One `apply --verify` reports the broken manifest, restores the crate that
//! fails its check, and leaves every other workspace migrated and building.

use super::util::*;
use std::path::Path;
use std::process::Command;

fn tool(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_async-std-migrate"))
        .args(args)
        .arg(dir)
        .env("CARGO_TARGET_DIR", fixture_target())
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn monorepo(name: &str) -> std::path::PathBuf {
    let dir = work_dir(name);
    copy_tree(&repo().join("fixtures/monorepo"), &dir);
    // Not committed inside fixtures/ (it would hide the directory from git itself).
    std::fs::write(dir.join(".gitignore"), "ignored/\n").unwrap();
    dir
}

#[test]
fn discovery_finds_each_workspace_once_in_a_stable_order() {
    let dir = monorepo("monorepo-discover");
    let (_, one, _) = tool(
        &dir,
        &["diff", "--syntax-only", "--format", "json", "-j", "1"],
    );
    let (_, two, _) = tool(
        &dir,
        &["diff", "--syntax-only", "--format", "json", "-j", "2"],
    );
    // The same report but for what the run cost (its peak memory).
    let without_run = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        assert!(v["run"]["peak_rss_bytes"].as_u64().is_some_and(|b| b > 0));
        v.as_object_mut().unwrap().remove("run");
        v
    };
    assert_eq!(
        without_run(&one),
        without_run(&two),
        "the report depends on scheduling"
    );
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let workspaces: Vec<&str> = v["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workspace"].as_str().unwrap())
        .collect();
    assert_eq!(
        workspaces,
        ["bad", "breaks", "solo", "ws", "ws/crates/skipme"]
    );
    let bad = &v["roots"][0];
    assert!(
        bad["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("bad/Cargo.toml: invalid manifest"),
        "{bad}"
    );
    // The members of `ws` are one workspace: both crates decided in one report.
    let ws = &v["roots"][3];
    let packages: Vec<&str> = ws["crates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["package"].as_str().unwrap())
        .collect();
    assert_eq!(packages, ["ws/crates/app", "ws/crates/core"]);
    // .gitignore'd trees are skipped unless --no-ignore; --exclude leaves out what it matches.
    assert!(!one.contains("ignored/"));
    let (_, all, _) = tool(
        &dir,
        &[
            "diff",
            "--syntax-only",
            "--no-ignore",
            "--exclude",
            "ws",
            "--exclude",
            "bad",
        ],
    );
    assert!(
        all.contains("ignored/src/main.rs") && !all.contains("ws/crates"),
        "{all}"
    );
}

#[test]
fn apply_verify_restores_the_crate_that_breaks_and_keeps_the_rest() {
    let dir = monorepo("monorepo-verify");
    let original_breaks = std::fs::read_to_string(dir.join("breaks/src/main.rs")).unwrap();
    let (code, out, err) = tool(
        &dir,
        &[
            "apply",
            "--syntax-only",
            "--allow-dirty",
            "--allow-no-vcs",
            "--verify",
        ],
    );
    assert_eq!(code, 2, "{out}\n{err}");
    // The broken manifest is reported, the run went on.
    assert!(
        err.contains("error: bad/Cargo.toml: invalid manifest"),
        "{err}"
    );
    // The crate whose migration does not build got its bytes back, with the compiler's reason.
    assert_eq!(
        std::fs::read_to_string(dir.join("breaks/src/main.rs")).unwrap(),
        original_breaks
    );
    assert!(std::fs::read_to_string(dir.join("breaks/Cargo.toml"))
        .unwrap()
        .contains("async-std"));
    assert!(
        out.contains("verify: FAILED (cargo check --all-targets)"),
        "{out}"
    );
    assert!(out.contains("error[E0277]"), "{out}");
    // The others were migrated and pass.
    assert_eq!(out.matches("verify: passed").count(), 3, "{out}");
    let solo = std::fs::read_to_string(dir.join("solo/src/main.rs")).unwrap();
    assert!(solo.contains("fs::read_to_string(\"Cargo.toml\")?") && !solo.contains("async"));
    assert!(!std::fs::read_to_string(dir.join("solo/Cargo.toml"))
        .unwrap()
        .contains("async-std"));
    let core = std::fs::read_to_string(dir.join("ws/crates/core/src/lib.rs")).unwrap();
    // A library: smol's component crates (async-io's Timer), not the runtime.
    assert!(core.contains("async_io::Timer"), "{core}");
    let ws = std::fs::read_to_string(dir.join("ws/Cargo.toml")).unwrap();
    assert!(ws.contains("smol = ") && !ws.contains("async-std"), "{ws}");
    // Untouched: what .gitignore hides.
    assert!(std::fs::read_to_string(dir.join("ignored/src/main.rs"))
        .unwrap()
        .contains("async_std"));
    // A second run over what was migrated has nothing to do, and the gate passes.
    let rest = ["--exclude", "breaks", "--exclude", "bad"];
    let (code, out, _) = tool(
        &dir,
        &[&["diff", "--check", "--syntax-only"][..], &rest].concat(),
    );
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = tool(
        &dir,
        &[&["scan", "--check", "--syntax-only"][..], &rest].concat(),
    );
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = tool(&dir, &["scan", "--check", "--syntax-only"]);
    assert_eq!(code, 2, "the bad manifest is an error");
}

#[test]
fn verify_test_compares_test_outcomes_before_and_after() {
    let dir = monorepo("monorepo-verify-test");
    let (code, out, err) = tool(
        &dir.join("solo"),
        &[
            "apply",
            "--syntax-only",
            "--allow-dirty",
            "--allow-no-vcs",
            "--verify=test",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let verify = &v["roots"][0]["verify"];
    assert_eq!(verify["passed"], true, "{verify}");
    assert_eq!(verify["tests_changed"].as_array().unwrap().len(), 0);
    assert_eq!(verify["tests_run"], 1, "{verify}");
    let main = std::fs::read_to_string(dir.join("solo/src/main.rs")).unwrap();
    assert!(
        main.contains("#[test]\n    fn reads_its_manifest()"),
        "{main}"
    );
}
