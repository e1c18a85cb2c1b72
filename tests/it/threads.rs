//! `--to threads` and `--to auto` on the cases of `fixtures/threads/<case>/`: `before.rs` is an
//! async-std program, `after.rs` what `--to threads` makes of it (absent when the crate needs a
//! runtime and is left unchanged), `findings.txt` the blockers reported, `decision.txt` what `--to auto`
//! chooses and why. The converted programs are built with std alone (crossbeam-channel where the
//! tool added it), run, and must print what the originals print.
//! `UPDATE_FIXTURES=1 cargo test --test main threads::` rewrites the expected files for review.

use super::util::*;
use async_std_migrate::report::{RootReport, Severity};
use async_std_migrate::{Config, Target};
use std::collections::BTreeSet;

/// The originals' dependencies: async-std, and futures for its `join!` (whose conversion leaves
/// no futures: the converted programs build with std alone).
fn before_deps() -> String {
    format!("{ASYNC_STD}\nfutures = \"0.3\"")
}

fn migrate(dir: &std::path::Path, target: Target, syntax_only: bool) -> RootReport {
    async_std_migrate::engine::plan(
        dir,
        &Config {
            target,
            syntax_only,
            allow_api_change: false,
            ..Default::default()
        },
    )
    .unwrap()
}

fn after_text(r: &RootReport, file: &str, before: &str) -> String {
    r.files
        .iter()
        .find(|f| f.file == file)
        .map(|f| f.after.clone())
        .unwrap_or_else(|| before.to_string())
}

fn findings(r: &RootReport, file: &str) -> String {
    r.findings
        .iter()
        .filter(|f| f.file == file)
        .map(|f| {
            format!(
                "{}:{} {} {:?}: {}\n",
                f.line, f.column, f.rule, f.severity, f.message
            )
        })
        .collect()
}

fn decision(r: &RootReport, unit: &str) -> String {
    r.crates
        .iter()
        .filter(|c| c.unit == unit)
        .map(|c| {
            let mut s = format!("{}\n", c.target);
            for b in &c.blockers {
                s.push_str(&format!(
                    "  {}:{} {}: {}\n",
                    b.file, b.line, b.rule, b.message
                ));
            }
            s
        })
        .collect()
}

/// The decision for one crate of the report.
fn crate_of<'a>(r: &'a RootReport, unit: &str) -> &'a async_std_migrate::report::CrateDecision {
    r.crates
        .iter()
        .find(|c| c.unit == unit)
        .unwrap_or_else(|| panic!("no decision for {unit}: {:?}", r.crates))
}

/// The converted cases (those with an after.rs).
fn converted() -> Vec<(String, String)> {
    cases("threads")
        .into_iter()
        .filter(|(_, _, a)| a.exists())
        .map(|(n, _, a)| (n, std::fs::read_to_string(a).unwrap()))
        .collect()
}

#[test]
fn threads_fixtures_convert_as_expected_and_auto_explains_each_choice() {
    let cases = cases("threads");
    let dir = work_dir("threads-before");
    let examples: Vec<(String, String)> = cases
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    package(&dir, "threads-before", &before_deps(), &examples);

    let syntax = migrate(&dir, Target::Threads, true);
    let semantic = migrate(&dir, Target::Threads, false);
    let auto = migrate(&dir, Target::Auto, true);
    for r in [&syntax, &semantic, &auto] {
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }
    for (name, before, after_path) in &cases {
        let file = format!("examples/{name}.rs");
        let unit = format!("examples/{name}");
        // A crate that needs a runtime is left as it was: it has no after.rs.
        if decision(&semantic, &unit).starts_with("unchanged") {
            assert!(
                !after_path.exists(),
                "{name}: after.rs of an unchanged case"
            );
        } else {
            check_file(after_path, &after_text(&semantic, &file, before));
        }
        assert_eq!(
            after_text(&syntax, &file, before),
            after_text(&semantic, &file, before),
            "{name}: syntax-level and semantic conversions differ"
        );
        check_file(
            &after_path.with_file_name("findings.txt"),
            &findings(&semantic, &file),
        );
        check_file(
            &after_path.with_file_name("decision.txt"),
            &decision(&auto, &unit),
        );
        // --to threads leaves a crate that needs a runtime unchanged; auto moves it to smol.
        let t = decision(&semantic, &unit);
        let a = decision(&auto, &unit);
        if a.starts_with("threads") {
            assert!(t.starts_with("threads"), "{name}: {t}");
        } else {
            assert!(
                t.starts_with("unchanged") && a.starts_with("smol"),
                "{name}: {t} / {a}"
            );
            assert_eq!(after_text(&semantic, &file, before), *before);
            let smol = after_text(&auto, &file, before);
            assert!(
                smol.contains("smol::"),
                "{name}: auto did not move it to smol"
            );
        }
    }

    // Idempotence: converted files convert to themselves.
    let again = work_dir("threads-again");
    package(
        &again,
        "threads-again",
        "crossbeam-channel = \"0.5\"",
        &converted(),
    );
    let second = migrate(&again, Target::Auto, true);
    let changed: Vec<_> = second.files.iter().map(|f| f.file.clone()).collect();
    assert!(changed.is_empty(), "a second run changed {changed:?}");
}

#[test]
fn every_threads_handler_has_a_fixture() {
    let dir = work_dir("threads-covers");
    let examples: Vec<(String, String)> = cases("threads")
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    package(&dir, "threads-covers", &before_deps(), &examples);
    let r = migrate(&dir, Target::Threads, true);
    let seen: BTreeSet<String> = r
        .files
        .iter()
        .flat_map(|f| f.rules.keys().cloned())
        .collect();
    let missing: Vec<String> = async_std_migrate::rules::Catalogue::threads(true)
        .handlers
        .iter()
        .map(|h| h.id.clone())
        .filter(|h| h.starts_with("threads-") && !seen.contains(h))
        .collect();
    assert!(
        missing.is_empty(),
        "threads handlers without a fixture: {missing:?}"
    );
    // Both channel flavours are exercised.
    let texts: String = r.files.iter().map(|f| f.after.clone()).collect();
    assert!(texts.contains("std::sync::mpsc") && texts.contains("crossbeam_channel"));
    // A conversion is exact, or reported for review with its one difference (`try_join`'s
    // other branch runs to its end).
    assert!(r
        .findings
        .iter()
        .all(|f| f.severity == Severity::NotMigrated
            || ((f.rule == "threads-await" || f.rule == "threads-join")
                && f.message.starts_with("`try_join`"))));
}

#[test]
fn converted_programs_build_with_std_alone_and_print_the_same() {
    let before_dir = work_dir("threads-run-before");
    let after_dir = work_dir("threads-run-after");
    let cases = cases("threads");
    let clean = converted();
    let names: Vec<String> = clean.iter().map(|(n, _)| n.clone()).collect();
    let before: Vec<(String, String)> = cases
        .iter()
        .filter(|(n, _, _)| names.contains(n))
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    package(&before_dir, "threads-run-before", &before_deps(), &before);
    // No runtime at all: crossbeam-channel is the one dependency the conversion may add.
    package(
        &after_dir,
        "threads-run-after",
        "crossbeam-channel = \"0.5\"",
        &clean,
    );
    assert_ok(
        &cargo(&after_dir, &["build", "-q", "--examples"]),
        "building the converted fixtures with std",
    );
    for n in &names {
        let run = |d: &std::path::Path| {
            let o = cargo(d, &["run", "-q", "--example", n]);
            assert_ok(&o, &format!("running {n} in {}", d.display()));
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        assert_eq!(
            run(&before_dir),
            run(&after_dir),
            "{n} prints differently on threads"
        );
    }
    let tb = cargo(&before_dir, &["test", "-q", "--examples"]);
    let ta = cargo(&after_dir, &["test", "-q", "--examples"]);
    assert_ok(&tb, "tests of the async-std cases");
    assert_ok(&ta, "tests of the converted cases");
    let summary = |o: &std::process::Output| {
        let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.starts_with("test ") && l.contains(" ... "))
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    assert_eq!(summary(&tb), summary(&ta));
}

#[test]
fn a_published_librarys_async_api_blocks_unless_allowed() {
    let dir = work_dir("threads-api");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{ASYNC_STD}\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "use async_std::fs;\n\npub async fn size(p: &str) -> std::io::Result<u64> {\n    Ok(fs::metadata(p).await?.len())\n}\n",
    )
    .unwrap();
    let r = migrate(&dir, Target::Auto, true);
    assert_eq!(r.crates.len(), 1);
    assert_eq!(r.crates[0].target, "smol");
    assert_eq!(r.crates[0].blockers[0].rule, "public-async-api");
    let allowed = async_std_migrate::engine::plan(
        &dir,
        &Config {
            target: Target::Auto,
            syntax_only: true,
            allow_api_change: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(allowed.crates[0].target, "threads");
    let lib = after_text(&allowed, "src/lib.rs", "");
    assert!(
        lib.contains("pub fn size") && lib.contains("std::fs"),
        "{lib}"
    );
}

#[test]
fn async_dependencies_keep_a_runtime() {
    let dir = work_dir("threads-deps");
    package(
        &dir,
        "threads-deps",
        &format!("{ASYNC_STD}\nfutures = \"0.3\""),
        &[(
            "plain".into(),
            "use futures::FutureExt;\n\n#[async_std::main]\nasync fn main() {\n    let x = async { 1 }.boxed().await;\n    println!(\"{x}\");\n}\n".into(),
        ), (
            "unrelated".into(),
            "#[async_std::main]\nasync fn main() {\n    println!(\"hi\");\n}\n".into(),
        )],
    );
    let r = migrate(&dir, Target::Auto, true);
    let c = crate_of(&r, "examples/plain");
    assert_eq!(c.target, "smol");
    assert!(c
        .blockers
        .iter()
        .any(|b| b.rule == "async-dependency" && b.message.contains("`futures`")));
}

#[test]
fn crates_using_a_library_that_keeps_a_runtime_keep_one_too() {
    let dir = work_dir("threads-lib-users");
    package(
        &dir,
        "lib-users",
        ASYNC_STD,
        &[
            (
                "user".into(),
                "use lib_users::Thing;\n\n#[async_std::main]\nasync fn main() {\n    println!(\"{}\", Thing::default().0);\n}\n".into(),
            ),
            (
                "alone".into(),
                "#[async_std::main]\nasync fn main() {\n    println!(\"alone\");\n}\n".into(),
            ),
        ],
    );
    // The library races futures: it needs a runtime; `user` names the library, `alone` does not.
    std::fs::write(
        dir.join("src/lib.rs"),
        "use async_std::prelude::*;\n\n#[derive(Default)]\npub struct Thing(pub u32);\n\npub async fn first() -> u32 {\n    async { 1 }.race(async { 2 }).await\n}\n",
    )
    .unwrap();
    let r = migrate(&dir, Target::Auto, true);
    let target = |u: &str| {
        r.crates
            .iter()
            .find(|c| c.unit == u)
            .unwrap()
            .target
            .clone()
    };
    assert_eq!(target("src"), "smol");
    assert_eq!(target("examples/user"), "smol");
    assert_eq!(target("examples/alone"), "threads");
}

#[test]
fn an_async_fn_under_another_runtimes_attribute_stays_async() {
    let dir = work_dir("threads-foreign-attr");
    package(
        &dir,
        "foreign-attr",
        ASYNC_STD,
        &[(
            "other".into(),
            "use async_std::task;\n\n#[other_rt::main]\nasync fn main() {\n    task::sleep(std::time::Duration::from_millis(1)).await;\n}\n".into(),
        )],
    );
    let r = migrate(&dir, Target::Auto, true);
    let c = crate_of(&r, "examples/other");
    assert_eq!(c.target, "smol");
    assert_eq!(c.blockers[0].rule, "foreign-attribute");
}

/// A published library's async API is a contract: the packages here that await it keep it async
/// with it (with `publish = false` they are converted together: the `threads_workspaces` fixtures).
#[test]
fn a_published_library_other_packages_await_keeps_its_async_api() {
    let dir = work_dir("threads-workspace");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"lib\", \"app\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    for (name, deps, file, text) in [
        (
            "lib",
            ASYNC_STD.to_string(),
            "src/lib.rs",
            "use async_std::fs;\n\npub async fn size(p: &str) -> std::io::Result<u64> {\n    Ok(fs::metadata(p).await?.len())\n}\n",
        ),
        (
            "app",
            format!("{ASYNC_STD}\nlib = {{ path = \"../lib\" }}"),
            "src/main.rs",
            "#[async_std::main]\nasync fn main() {\n    println!(\"{:?}\", lib::size(\"Cargo.toml\").await.is_ok());\n}\n",
        ),
    ] {
        std::fs::create_dir_all(dir.join(name).join("src")).unwrap();
        std::fs::write(
            dir.join(name).join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{}\n[dependencies]\n{deps}\n",
                if name == "lib" { "" } else { "publish = false\n" }
            ),
        )
        .unwrap();
        std::fs::write(dir.join(name).join(file), text).unwrap();
    }
    let r = async_std_migrate::engine::plan(
        &dir,
        &Config {
            target: Target::Auto,
            syntax_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    let c = |p: &str| r.crates.iter().find(|c| c.package == p).unwrap();
    assert_eq!(c("lib").target, "smol");
    assert!(c("lib").blockers[0]
        .message
        .contains("used by other packages here (app)"));
    assert_eq!(c("app").target, "smol");
    async_std_migrate::apply::write(&r, true).unwrap();
    assert_ok(
        &cargo(&dir, &["check", "-q"]),
        "checking the migrated workspace",
    );
}

#[test]
fn doc_examples_are_migrated_to_smol_with_auto() {
    let dir = work_dir("threads-docs");
    package(&dir, "threads-docs", ASYNC_STD, &[]);
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! ```\n//! async_std::task::block_on(async { assert_eq!(threads_docs::two(), 2) });\n//! ```\n\npub fn two() -> u32 {\n    2\n}\n",
    )
    .unwrap();
    // Only a doc comment names async-std: no code to decide, the doctest moves to smol.
    let r = migrate(&dir, Target::Auto, true);
    assert!(r.crates.iter().all(|c| c.target != "threads"));
    let lib = after_text(&r, "src/lib.rs", "");
    assert!(lib.contains("//! smol::block_on(async {"), "{lib}");
}

#[test]
fn an_async_std_future_kept_in_a_value_keeps_a_runtime() {
    let dir = work_dir("threads-future-value");
    package(
        &dir,
        "future-value",
        ASYNC_STD,
        &[(
            "kept".into(),
            "#[async_std::main]\nasync fn main() {\n    let read = async_std::fs::read_to_string(\"Cargo.toml\");\n    println!(\"{}\", read.await.unwrap().len());\n}\n".into(),
        )],
    );
    let r = migrate(&dir, Target::Auto, true);
    let c = crate_of(&r, "examples/kept");
    assert_eq!(c.target, "smol");
    assert!(
        c.blockers.iter().any(|b| b.rule == "future-value"),
        "{:?}",
        c.blockers
    );
}

/// The workspaces of `fixtures/threads_workspaces/<case>/before`: a library and the packages that
/// await it are decided together (`engine/joint.rs`). Migrated with `--to auto` in both
/// resolution modes, compared file by file with `after/` (`decision.txt`: each crate's target and
/// blockers), then `app` must print what it printed before, and the tests pass.
#[test]
fn workspace_libraries_and_the_packages_awaiting_them_are_converted_together() {
    let root = repo().join("fixtures/threads_workspaces");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 2);
    for name in names {
        let before = root.join(&name).join("before");
        let expected = root.join(&name).join("after");
        let orig = work_dir(&format!("threads-ws-{name}-orig"));
        copy_tree(&before, &orig);
        let ran = cargo(&orig, &["run", "-q", "-p", "app"]);
        assert_ok(&ran, &format!("{name}: running the original"));
        let mut outputs = Vec::new();
        for syntax_only in [true, false] {
            let work = work_dir(&format!("threads-ws-{name}-{syntax_only}"));
            copy_tree(&before, &work);
            let r = async_std_migrate::engine::plan(
                &work,
                &Config {
                    target: Target::Auto,
                    syntax_only,
                    ..Default::default()
                },
            )
            .unwrap();
            assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
            async_std_migrate::apply::write(&r, true).unwrap();
            let decisions: String = r
                .crates
                .iter()
                .map(|c| {
                    let mut s = format!("{}/{}: {}\n", c.package, c.unit, c.target);
                    for b in &c.blockers {
                        s.push_str(&format!(
                            "  {}:{} {}: {}\n",
                            b.file, b.line, b.rule, b.message
                        ));
                    }
                    s
                })
                .collect();
            outputs.push((work, decisions));
        }
        let (work, decisions) = &outputs[1];
        assert_eq!(
            &outputs[0].1, decisions,
            "{name}: the two resolution modes decide differently"
        );
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            let _ = std::fs::remove_dir_all(&expected);
        }
        std::fs::create_dir_all(&expected).unwrap();
        check_file(&expected.join("decision.txt"), decisions);
        for f in files(work) {
            let rel = std::path::Path::new(&f);
            let text = std::fs::read_to_string(work.join(rel)).unwrap();
            if std::env::var_os("UPDATE_FIXTURES").is_some() {
                std::fs::create_dir_all(expected.join(rel).parent().unwrap()).unwrap();
            }
            check_file(&expected.join(rel), &text);
            assert_eq!(
                std::fs::read_to_string(outputs[0].0.join(rel)).unwrap(),
                text,
                "{name}/{f}: the two resolution modes disagree"
            );
        }
        let after = cargo(work, &["run", "-q", "-p", "app"]);
        assert_ok(&after, &format!("{name}: running the migrated workspace"));
        assert_eq!(
            String::from_utf8_lossy(&ran.stdout),
            String::from_utf8_lossy(&after.stdout),
            "{name}: the migrated app prints something else"
        );
        assert_ok(&cargo(work, &["test", "-q"]), &format!("{name}: its tests"));
    }
}

/// futures used only for joins that become scoped threads: the dependency goes; used for more,
/// the crate keeps its runtime and futures.
#[test]
fn futures_used_only_for_joins_is_removed_with_them() {
    for (name, extra, converted) in [
        ("threads-futures-joins", "", true),
        (
            "threads-futures-more",
            "\nfn ready() -> impl futures::Future<Output = u32> {\n    futures::future::ready(1)\n}\n",
            false,
        ),
    ] {
        let dir = work_dir(name);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{}\n\n[workspace]\n", before_deps()),
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            format!("use futures::join;\n\nasync fn one() -> u32 {{\n    1\n}}\n\nasync fn two() -> u32 {{\n    2\n}}\n\n#[async_std::main]\nasync fn main() {{\n    let (a, b) = join!(one(), two());\n    println!(\"{{}}\", a + b);\n}}\n{extra}"),
        )
        .unwrap();
        let r = async_std_migrate::engine::plan(
            &dir,
            &Config {
                target: Target::Auto,
                ..Default::default()
            },
        )
        .unwrap();
        async_std_migrate::apply::write(&r, true).unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        assert_eq!(!manifest.contains("futures = "), converted, "{name}:\n{manifest}");
        assert_eq!(main.contains("std::thread::scope"), converted, "{name}:\n{main}");
        let ran = cargo(&dir, &["run", "-q"]);
        assert_ok(&ran, name);
        assert_eq!(String::from_utf8_lossy(&ran.stdout), "3\n");
    }
}
