//! Evidence that migrations are right, not only pretty: every fixture is built against the real
//! crates before (async-std) and after (smol only) migration, their programs are run and must
//! print the same, and their tests (`#[async_std::test]` -> `#[test]`) must pass the same way.
//! The demo project is applied in a copy, built, and run against its original output.

use super::util::*;
use std::collections::BTreeMap;

/// Cases that keep async-std references on purpose (reported findings) are built with both crates.
fn has_not_migrated(after: &std::path::Path) -> bool {
    std::fs::read_to_string(after.with_file_name("findings.txt"))
        .unwrap_or_default()
        .contains("NotMigrated")
}

/// Cases whose findings leave code that cannot build until the hand edit (`// builds: no`).
fn builds(after: &std::path::Path) -> bool {
    !std::fs::read_to_string(after.with_file_name("before.rs"))
        .unwrap_or_default()
        .contains("// builds: no")
}

fn run_examples(dir: &std::path::Path, names: &[String], stdin: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for n in names {
        let mut child = std::process::Command::new(env!("CARGO"))
            .args(["run", "-q", "--example", n])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", fixture_target())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert_ok(&o, &format!("running example {n} in {}", dir.display()));
        out.insert(n.clone(), String::from_utf8_lossy(&o.stdout).into_owned());
    }
    out
}

/// The warnings of a `--message-format=short` build, per example.
fn warnings(out: &std::process::Output) -> BTreeMap<String, Vec<String>> {
    let mut per: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        let Some((file, rest)) = line.split_once(".rs:") else {
            continue;
        };
        if let (Some(name), true) = (file.strip_prefix("examples/"), rest.contains(": warning: ")) {
            per.entry(name.to_string())
                .or_default()
                .push(line.to_string());
        }
    }
    per
}

fn test_summary(out: &std::process::Output) -> Vec<String> {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn fixtures_build_against_smol_and_behave_the_same() {
    let cases = cases("smol");
    let before_dir = work_dir("behaviour-before");
    let after_dir = work_dir("behaviour-after");
    let before: Vec<(String, String)> = cases
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    let clean: Vec<String> = cases
        .iter()
        .filter(|(_, _, a)| !has_not_migrated(a))
        .map(|(n, _, _)| n.clone())
        .collect();
    let after: Vec<(String, String)> = cases
        .iter()
        .filter(|(n, _, _)| clean.contains(n))
        .map(|(n, _, a)| (n.clone(), std::fs::read_to_string(a).unwrap()))
        .collect();
    package(&before_dir, "behaviour-before", ASYNC_STD, &before);
    // smol only: a migrated case that still needed async-std would not build here.
    package(&after_dir, "behaviour-after", SMOL, &after);

    let build = ["build", "-q", "--examples", "--message-format=short"];
    let built_before = cargo(&before_dir, &build);
    assert_ok(&built_before, "building the async-std fixtures");
    let built_after = cargo(&after_dir, &build);
    assert_ok(&built_after, "building the migrated fixtures against smol");
    // The rewrite adds no compiler warning (cargo replays a fresh unit's warnings).
    let (wb, wa) = (warnings(&built_before), warnings(&built_after));
    let none = Vec::new();
    let more: Vec<String> = clean
        .iter()
        .filter_map(|n| {
            let (b, a) = (wb.get(n).unwrap_or(&none), wa.get(n).unwrap_or(&none));
            (a.len() > b.len()).then(|| {
                format!(
                    "example {n}:\n--- before\n{}\n--- after\n{}",
                    b.join("\n"),
                    a.join("\n")
                )
            })
        })
        .collect();
    assert!(
        more.is_empty(),
        "more warnings after migration:\n{}",
        more.join("\n")
    );

    let stdin = "first line\nsecond line\n";
    let b = run_examples(&before_dir, &clean, stdin);
    let a = run_examples(&after_dir, &clean, stdin);
    for n in &clean {
        assert_eq!(b[n], a[n], "example {n} prints differently after migration");
    }

    let tb = cargo(&before_dir, &["test", "-q", "--examples"]);
    let ta = cargo(&after_dir, &["test", "-q", "--examples"]);
    assert_ok(&tb, "tests of the async-std fixtures");
    assert_ok(&ta, "tests of the migrated fixtures");
    assert_eq!(test_summary(&tb), test_summary(&ta));
}

#[test]
fn cases_with_findings_still_build_with_async_std_kept() {
    let cases = cases("smol");
    let dir = work_dir("behaviour-findings");
    let after: Vec<(String, String)> = cases
        .iter()
        .filter(|(_, _, a)| has_not_migrated(a) && builds(a))
        .map(|(n, _, a)| (n.clone(), std::fs::read_to_string(a).unwrap()))
        .collect();
    package(
        &dir,
        "behaviour-findings",
        &format!("{SMOL}\n{ASYNC_STD}"),
        &after,
    );
    assert_ok(
        &cargo(&dir, &["build", "-q", "--examples"]),
        "building the cases with findings",
    );
}

#[test]
fn the_demo_applies_builds_and_prints_the_same() {
    let src = repo().join("fixtures/demo");
    let before = work_dir("demo-before");
    let after = work_dir("demo-after");
    for d in [&before, &after] {
        for f in [
            "Cargo.toml",
            "src/main.rs",
            "src/store.rs",
            "examples/wordcount.rs",
        ] {
            std::fs::create_dir_all(d.join("src")).unwrap();
            std::fs::create_dir_all(d.join("examples")).unwrap();
            std::fs::copy(src.join(f), d.join(f)).unwrap();
        }
        // Standalone packages: keep them out of any parent workspace.
        let m = std::fs::read_to_string(d.join("Cargo.toml")).unwrap();
        std::fs::write(d.join("Cargo.toml"), format!("{m}\n[workspace]\n")).unwrap();
    }
    let mut out = Vec::new();
    let code = async_std_migrate::cli::run(
        [
            "async-std-migrate",
            "apply",
            "--allow-dirty",
            "--allow-no-vcs",
            after.to_str().unwrap(),
        ],
        &mut out,
        &mut Vec::new(),
        false,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    let manifest = std::fs::read_to_string(after.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("smol = \"2\"") && !manifest.contains("async-std"),
        "{manifest}"
    );
    let run = |d: &std::path::Path| {
        let o = cargo(d, &["run", "-q"]);
        assert_ok(&o, "running the demo");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(run(&before), run(&after));
    // The example needed no runtime: it is plain std now, and prints the same.
    let example = std::fs::read_to_string(after.join("examples/wordcount.rs")).unwrap();
    assert!(
        example.contains("thread::spawn(move || {") && !example.contains("smol"),
        "{example}"
    );
    let run_example = |d: &std::path::Path| {
        let o = cargo(d, &["run", "-q", "--example", "wordcount"]);
        assert_ok(&o, "running the demo's example");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(run_example(&before), run_example(&after));
    // A second run has nothing to do.
    let mut out2 = Vec::new();
    let code = async_std_migrate::cli::run(
        [
            "async-std-migrate",
            "diff",
            "--check",
            "--syntax-only",
            after.to_str().unwrap(),
        ],
        &mut out2,
        &mut Vec::new(),
        false,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out2));
}
