//! Whole-crate fixtures (`fixtures/crates/<name>/before` -> `after`): manifests, renamed
//! dependencies, a runtime facade re-exported through the crate's own module. Each is migrated
//! in a copy with both resolution modes, compared file by file with `after/`, then built and
//! tested against smol.

use super::util::*;
use async_std_migrate::{Config, Target};
use std::path::Path;

fn copy_tree(from: &Path, to: &Path) {
    for f in files(from) {
        let dst = to.join(&f);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&f), dst).unwrap();
    }
}

#[test]
fn crate_fixtures_migrate_build_and_pass_their_tests() {
    let root = repo().join("fixtures/crates");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let before = root.join(&name).join("before");
        let expected = root.join(&name).join("after");
        let before_manifest = std::fs::read_to_string(before.join("Cargo.toml")).unwrap();
        let mut outputs = Vec::new();
        for syntax_only in [true, false] {
            let work = work_dir(&format!("crate-{name}-{syntax_only}"));
            copy_tree(&before, &work);
            // Keep the package out of the repository's workspace.
            let m = std::fs::read_to_string(work.join("Cargo.toml")).unwrap();
            if !m.contains("[workspace]") {
                std::fs::write(work.join("Cargo.toml"), format!("{m}\n[workspace]\n")).unwrap();
            }
            let report = async_std_migrate::engine::plan(
                &work,
                &Config {
                    target: Target::Smol,
                    syntax_only,
                    allow_api_change: false,
                    ..Default::default()
                },
            )
            .unwrap();
            assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
            async_std_migrate::apply::write(&report, true).unwrap();
            outputs.push((work, report));
        }
        let (work, report) = &outputs[1];
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            let _ = std::fs::remove_dir_all(&expected);
        }
        for f in files(work) {
            let text = std::fs::read_to_string(work.join(&f)).unwrap();
            // The `[workspace]` this test added (tables the tool adds come after it).
            let text = if f == "Cargo.toml" && !before_manifest.contains("[workspace]") {
                text.replacen("\n[workspace]\n", "", 1)
            } else {
                text
            };
            if std::env::var_os("UPDATE_FIXTURES").is_some() {
                std::fs::create_dir_all(expected.join(&f).parent().unwrap()).unwrap();
            }
            check_file(&expected.join(&f), &text);
            let other = std::fs::read_to_string(outputs[0].0.join(&f)).unwrap();
            assert_eq!(
                other,
                std::fs::read_to_string(work.join(&f)).unwrap(),
                "{name}/{f}: the two resolution modes disagree"
            );
        }
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.severity != async_std_migrate::report::Severity::NotMigrated),
            "{name}: {:?}",
            report.findings
        );
        let manifest = std::fs::read_to_string(work.join("Cargo.toml")).unwrap();
        let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
        async_std_migrate::manifest::visit_dependency_tables(&doc, |_, k, v| {
            assert!(
                !async_std_migrate::manifest::is_async_std(k, v),
                "{name}: async-std is still a dependency:\n{manifest}"
            );
        });
        assert_ok(
            &cargo(work, &["test", "-q"]),
            &format!("testing the migrated crate {name}"),
        );
        // Built as a user builds it: binaries get no dev-dependencies there (`cargo test` gives
        // them theirs, so it alone would not see smol put in [dev-dependencies] by mistake).
        assert_ok(
            &cargo(work, &["build", "-q"]),
            &format!("building the migrated crate {name}"),
        );
        // A feature renamed after smol keeps its old name as an alias: users who enabled it
        // still build the same code (the features the original manifest declared).
        let original: toml_edit::DocumentMut = std::fs::read_to_string(before.join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let doc_features: Vec<String> = original
            .get("features")
            .and_then(|f| f.as_table_like())
            .map(|f| f.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default();
        for old in doc_features.iter().filter(|f| f.contains("async-std")) {
            assert_ok(
                &cargo(
                    work,
                    &["test", "-q", "--no-default-features", "--features", old],
                ),
                &format!("testing {name} with its old feature `{old}`"),
            );
        }
        // Other configurations the fixture names (another runtime behind its own feature) keep
        // building and passing: the migration must leave them as they were.
        let also = original
            .get("package")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("fixture"))
            .and_then(|f| f.get("also-test"))
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|args| args.as_array())
                    .map(|args| {
                        args.iter()
                            .filter_map(|x| x.as_str())
                            .map(String::from)
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for args in also {
            let mut all = vec!["test", "-q"];
            all.extend(args.iter().map(String::as_str));
            assert_ok(
                &cargo(work, &all),
                &format!("testing {name} with {}", args.join(" ")),
            );
        }
        // Idempotent.
        let again = async_std_migrate::engine::plan(
            work,
            &Config {
                target: Target::Smol,
                syntax_only: true,
                allow_api_change: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            again.files.is_empty(),
            "{name}: a second run changes {:?}",
            again.files.iter().map(|f| &f.file).collect::<Vec<_>>()
        );
    }
}

/// `before` migrated to smol in a fresh copy (planned, not yet written), without errors.
fn migrated_copy(
    before: &Path,
    name: &str,
    syntax_only: bool,
) -> (std::path::PathBuf, async_std_migrate::report::RootReport) {
    let work = work_dir(&format!("{name}-{syntax_only}"));
    copy_tree(before, &work);
    let report = async_std_migrate::engine::plan(
        &work,
        &Config {
            target: Target::Smol,
            syntax_only,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    (work, report)
}

/// Each finding's file, line and rule.
fn where_and_why(report: &async_std_migrate::report::RootReport) -> Vec<(&str, usize, &str)> {
    report
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.line, f.rule.as_str()))
        .collect()
}

/// A published procedural macro whose `quote!` names async-std generates code for the crates
/// that invoke it, outside the workspace too (a package depends on it outside
/// [dev-dependencies]): it is reported, not rewritten (smol would have to be their dependency),
/// and the package that uses the macro keeps async-std while the rest of its code moves to smol.
/// (A test helper only the workspace expands is migrated: crate fixture `test_helper_macro`.)
#[test]
fn code_a_procedural_macro_generates_keeps_async_std_for_its_users() {
    let before = repo().join("fixtures/proc_macro/before");
    let macro_src = "gen-macros/src/lib.rs";
    for syntax_only in [true, false] {
        let (work, report) = migrated_copy(&before, "proc-macro", syntax_only);
        let found = where_and_why(&report);
        assert_eq!(
            found,
            vec![(macro_src, 15, "quoted-code")],
            "{:?}",
            report.findings
        );
        assert!(report.findings[0]
            .message
            .contains("`async_std::task::block_on` is in code `quote!` generates"));
        assert!(report
            .files
            .iter()
            .all(|f| f.file != macro_src && !f.file.starts_with("gen-macros/")));
        async_std_migrate::apply::write(&report, true).unwrap();
        let lib = std::fs::read_to_string(work.join("src/lib.rs")).unwrap();
        assert!(
            lib.contains("smol::Timer::after(Duration::from_millis(ms)).await;"),
            "{lib}"
        );
        let manifest = std::fs::read_to_string(work.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("async-std = \"1.13\"") && manifest.contains("smol = \"2\""),
            "{manifest}"
        );
        let macro_manifest = std::fs::read_to_string(work.join("gen-macros/Cargo.toml")).unwrap();
        assert!(!macro_manifest.contains("smol"), "{macro_manifest}");
        assert_ok(
            &cargo(&work, &["test", "-q"]),
            "testing the migrated workspace",
        );
    }
}

/// A library with one impl per runtime behind features: the async-std impl, migrated, would be
/// a second impl for smol's type (a conflict with `--all-features`). It is gated off where the
/// smol impl exists, reported for review; the crate builds and passes with every feature set.
/// (The library gets the component crate, async-net, which the other impl names already.)
#[test]
fn an_impl_that_would_duplicate_the_smol_one_is_gated_off_where_that_one_exists() {
    let before = repo().join("fixtures/twin_impl/before");
    for syntax_only in [true, false] {
        let (work, report) = migrated_copy(&before, "twin-impl", syntax_only);
        let found = where_and_why(&report);
        assert_eq!(
            found,
            vec![("src/with_async_std.rs", 4, "duplicate-impl")],
            "{:?}",
            report.findings
        );
        assert!(
            report.findings[0].message.contains("which the crate implements at src/with_smol.rs:4 too: it is gated off where that one exists"),
            "{}",
            report.findings[0].message
        );
        async_std_migrate::apply::write(&report, true).unwrap();
        let gated = std::fs::read_to_string(work.join("src/with_async_std.rs")).unwrap();
        assert!(
            gated.contains("use async_net::TcpStream;\n\n#[cfg(not(feature = \"rt-smol\"))]\nimpl Describe for TcpStream {"),
            "{gated}"
        );
        for args in [
            &["test", "-q"][..],
            &[
                "test",
                "-q",
                "--no-default-features",
                "--features",
                "rt-smol",
            ],
            &["check", "-q", "--all-features", "--all-targets"],
        ] {
            assert_ok(
                &cargo(&work, args),
                &format!("{args:?} on the migrated crate"),
            );
        }
    }
}

/// A package whose library calls `spawn_local` (its tasks live on async-std's thread-local
/// executor, which only async-std's `block_on` drives) and a workspace package that runs it only
/// through another (`app` -> `relay` -> `local-jobs`): the app cannot name the library's local
/// executor, so everything that runs it stays on async-std: the library's own binary and tests,
/// and the packages that depend on it. Moved to `smol::block_on`, the app compiled and then
/// waited forever. The programs run under a timeout before and after.
#[test]
fn whatever_runs_runtime_bound_code_keeps_async_std_runtime() {
    let before = repo().join("fixtures/runtime_held/before");
    let expected = original_outputs(&before, "runtime-held", &["app", "local-jobs"]);
    assert_eq!(expected, ["app: 30\n", "local-jobs: 10\n"]);
    for syntax_only in [true, false] {
        let (work, report) = migrated_copy(&before, "runtime-held", syntax_only);
        let mut found = where_and_why(&report);
        found.sort();
        assert_eq!(
            found,
            vec![
                ("app/src/main.rs", 1, "runtime-bound"),
                ("local-jobs/src/lib.rs", 1, "runtime-bound"),
                ("local-jobs/src/lib.rs", 11, "task-spawn-local"),
                ("local-jobs/src/main.rs", 1, "runtime-bound"),
                ("local-jobs/tests/local.rs", 1, "runtime-bound"),
            ],
            "{:?}",
            report.findings
        );
        let app = report
            .findings
            .iter()
            .find(|f| f.file == "app/src/main.rs")
            .unwrap();
        assert!(
            app.message.contains("package `local-jobs`")
                && app.message.contains("local-jobs/src/lib.rs:11"),
            "{}",
            app.message
        );
        assert!(report.files.is_empty(), "{:?}", report.files);
        async_std_migrate::apply::write(&report, true).unwrap();
        same_programs_and_tests(&work, &["app", "local-jobs"], &expected);
    }
}

/// The same library, run by a package that depends on it directly (under another name,
/// `pool = { package = "local-pool" }`): the library gets its local executor, and the
/// dependent's entry point drives it (`pool::local_executor::block_on`), its own local tasks
/// (`Builder::local`) on it too. Everything is migrated; the programs print the same and finish,
/// and the tests pass.
#[test]
fn a_direct_dependent_drives_the_library_s_local_executor() {
    let before = repo().join("fixtures/runtime_shared/before");
    let bins = ["driver", "local-pool"];
    let expected = original_outputs(&before, "runtime-shared", &bins);
    assert_eq!(expected, ["driver: 15 30\n", "local-pool: 10\n"]);
    for syntax_only in [true, false] {
        let (work, report) = migrated_copy(&before, "runtime-shared", syntax_only);
        let not_migrated: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == async_std_migrate::report::Severity::NotMigrated)
            .collect();
        assert!(not_migrated.is_empty(), "{not_migrated:?}");
        let driver = report
            .files
            .iter()
            .find(|f| f.file == "driver/src/main.rs")
            .unwrap();
        assert!(
            driver
                .after
                .contains("pool::local_executor::block_on(async_main())")
                && driver.after.contains("pool::local_executor::spawn_local("),
            "{}",
            driver.after
        );
        async_std_migrate::apply::write(&report, true).unwrap();
        for manifest in ["driver/Cargo.toml", "local-pool/Cargo.toml"] {
            let text = std::fs::read_to_string(work.join(manifest)).unwrap();
            assert!(!text.contains("async-std"), "{manifest}: {text}");
        }
        same_programs_and_tests(&work, &bins, &expected);
    }
}

/// What each program of the original workspace prints (built in a copy; it must finish).
fn original_outputs(before: &Path, name: &str, bins: &[&str]) -> Vec<String> {
    let original = work_dir(&format!("{name}-original"));
    copy_tree(before, &original);
    assert_ok(
        &cargo(&original, &["build", "-q", "--bins"]),
        "building the original",
    );
    bins.iter()
        .map(|b| {
            run_with_timeout(b, 60).unwrap_or_else(|| panic!("the original {b} did not finish"))
        })
        .collect()
}

/// The migrated workspace builds, each program prints what the original printed and finishes
/// (a hang fails on the timeout), and its tests pass.
fn same_programs_and_tests(work: &Path, bins: &[&str], expected: &[String]) {
    assert_ok(
        &cargo(work, &["build", "-q", "--bins"]),
        "building the migrated workspace",
    );
    for (b, want) in bins.iter().zip(expected) {
        assert_eq!(
            run_with_timeout(b, 60).as_deref(),
            Some(want.as_str()),
            "the migrated {b} must print the same and finish"
        );
    }
    assert_ok(
        &cargo(work, &["test", "-q"]),
        "testing the migrated workspace",
    );
}

/// A `.rs` file no target's module tree reaches (a code template with `{{placeholders}}`, which
/// does not parse) is no code of the package: it is reported for review, not an error, not
/// migrated, and it does not keep async-std in the manifest.
#[test]
fn files_outside_the_module_trees_are_notes_not_errors() {
    let work = work_dir("outside-tree");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::create_dir_all(work.join("bindings")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"outside-tree\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1.13\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/main.rs"),
        "fn main() {\n    async_std::task::block_on(async {});\n}\n",
    )
    .unwrap();
    let template = "use async_std::task;\nfn {{name}}() { task::spawn(async {}); }\n";
    std::fs::write(work.join("bindings/template.rs"), template).unwrap();
    for syntax_only in [true, false] {
        let report = async_std_migrate::engine::plan(
            &work,
            &Config {
                target: Target::Smol,
                syntax_only,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(
            where_and_why(&report),
            vec![("bindings/template.rs", 1, "outside-module-tree")]
        );
        assert_eq!(
            report.findings[0].severity,
            async_std_migrate::report::Severity::Review
        );
        assert_eq!(
            report
                .files
                .iter()
                .map(|f| f.file.as_str())
                .collect::<Vec<_>>(),
            ["Cargo.toml", "src/main.rs"]
        );
        assert!(
            !report.files[0].after.contains("async-std"),
            "{}",
            report.files[0].after
        );
    }
}

/// Generic code that reads through shared references (`for<'a> &'a T: Read`): async-std
/// implements the I/O traits for `&TcpStream` and `&File`, async-net and async-fs do not. The
/// stream becomes async-std's stream rebuilt on smol (module `tcp_stream`); a file that names
/// async-std's `File` in such a crate stays on async-std, reported; the rest migrates and the
/// package builds.
#[test]
fn reads_through_shared_references_get_async_std_s_stream_and_keep_its_file() {
    let work = work_dir("stream-ref-io");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"stream-ref-io\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1.13\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/main.rs"),
        r#"mod conn;
mod disk;

pub fn readable_through_refs<T>()
where
    for<'a> &'a T: async_std::io::Read,
{
}

fn main() {
    readable_through_refs::<conn::Stream>();
    readable_through_refs::<disk::Disk>();
    async_std::task::block_on(async {
        async_std::task::sleep(std::time::Duration::from_millis(1)).await;
    });
}
"#,
    )
    .unwrap();
    std::fs::write(
        work.join("src/conn.rs"),
        "pub type Stream = async_std::net::TcpStream;\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/disk.rs"),
        "pub type Disk = async_std::fs::File;\n",
    )
    .unwrap();
    for syntax_only in [true, false] {
        let report = async_std_migrate::engine::plan(
            &work,
            &Config {
                target: Target::Smol,
                syntax_only,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(
            where_and_why(&report),
            vec![("src/disk.rs", 1, "stream-ref-io")]
        );
        assert!(
            report.findings[0].message.contains("src/main.rs:6"),
            "{}",
            report.findings[0].message
        );
        let files: Vec<&str> = report.files.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["Cargo.toml", "src/conn.rs", "src/main.rs"]);
        let conn = &report.files[1].after;
        assert_eq!(conn, "pub type Stream = crate::tcp_stream::TcpStream;\n");
        assert!(
            report.files[2].after.contains("mod tcp_stream {"),
            "{}",
            report.files[2].after
        );
        if !syntax_only {
            async_std_migrate::apply::write(&report, true).unwrap();
            assert_ok(
                &cargo(&work, &["check", "-q"]),
                "checking the partly migrated crate",
            );
        }
    }
    // A crate that also accepts streams from async-std's listener keeps its stream: the
    // rebuilt type would not be the listener's.
    let work = work_dir("stream-ref-io-listener");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"listens\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1.13\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/main.rs"),
        "pub fn readable_through_refs<T>()\nwhere\n    for<'a> &'a T: async_std::io::Read,\n{\n}\n\nfn main() {\n    readable_through_refs::<async_std::net::TcpStream>();\n    let _ = async_std::task::block_on(async_std::net::TcpListener::bind(\"127.0.0.1:0\"));\n}\n",
    )
    .unwrap();
    let report = async_std_migrate::engine::plan(
        &work,
        &Config {
            target: Target::Smol,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        where_and_why(&report),
        vec![("src/main.rs", 8, "stream-ref-io")]
    );
    assert!(
        report.findings[0].message.contains("listener"),
        "{}",
        report.findings[0].message
    );
}

/// Names follow the code: an example named after async-std that now runs on smol, and a README
/// line that passes a feature the manifest renamed, are listed for a person (issue 16 item 6).
#[test]
fn names_after_async_std_are_listed_for_review() {
    let work = work_dir("named-after");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::create_dir_all(work.join("examples")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"named-after\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\nasync-std-runtime = [\"async-std\"]\n\n[dependencies]\nasync-std = { version = \"1.13\", optional = true }\n\n[[example]]\nname = \"echo-async-std\"\nrequired-features = [\"async-std-runtime\"]\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/lib.rs"),
        "pub fn id(x: u8) -> u8 {\n    x\n}\n",
    )
    .unwrap();
    std::fs::write(
        work.join("examples/echo-async-std.rs"),
        "fn main() {\n    async_std::task::block_on(async {\n        println!(\"{}\", named_after::id(1));\n    });\n}\n",
    )
    .unwrap();
    std::fs::write(
        work.join("README.md"),
        "# named-after\n\nRun `cargo run --example echo-async-std --features async-std-runtime`.\n",
    )
    .unwrap();
    let report = async_std_migrate::engine::plan(
        &work,
        &Config {
            target: Target::Smol,
            syntax_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let named: Vec<_> = where_and_why(&report)
        .into_iter()
        .filter(|(_, _, r)| *r == "named-after-async-std")
        .collect();
    assert_eq!(
        named,
        vec![
            ("README.md", 3, "named-after-async-std"),
            ("examples/echo-async-std.rs", 1, "named-after-async-std"),
        ],
        "{:#?}",
        report.findings
    );
}

/// A library's task-locals, read and written by the tasks of a workspace package that depends on
/// it: those tasks start through the library's `task_locals` module and carry their own values,
/// as under async-std's runtime (a plain `smol::spawn` would panic in `with`).
#[test]
fn a_library_s_task_locals_are_carried_by_its_dependents_tasks() {
    let before = repo().join("fixtures/task_locals_shared/before");
    // `cli` reaches `trace` only through `shim` and starts no task: it needs no routing.
    let bins = ["app", "cli"];
    let expected = original_outputs(&before, "task-locals-shared", &bins);
    assert_eq!(
        expected,
        [
            "a: a > done\nb: b > done\nmain: main\n",
            "hello from a package that starts no task\n"
        ]
    );
    for syntax_only in [true, false] {
        let (work, report) = migrated_copy(&before, "task-locals-shared", syntax_only);
        let not_migrated: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == async_std_migrate::report::Severity::NotMigrated)
            .collect();
        assert!(not_migrated.is_empty(), "{not_migrated:?}");
        let app = report
            .files
            .iter()
            .find(|f| f.file == "app/src/main.rs")
            .unwrap();
        assert!(
            app.after
                .contains("trace::task_locals::block_on(async_main())")
                && app.after.contains("trace::task_locals::spawn("),
            "{}",
            app.after
        );
        async_std_migrate::apply::write(&report, true).unwrap();
        for manifest in ["app/Cargo.toml", "trace/Cargo.toml"] {
            let text = std::fs::read_to_string(work.join(manifest)).unwrap();
            assert!(!text.contains("async-std"), "{manifest}: {text}");
        }
        same_programs_and_tests(&work, &bins, &expected);
    }
    // `--to auto` keeps the dependent's tasks on the module: as threads they would carry no
    // task-locals, and the library's `with` would panic.
    let work = work_dir("task-locals-shared-auto");
    copy_tree(&before, &work);
    let report = async_std_migrate::engine::plan(
        &work,
        &Config {
            target: Target::Auto,
            ..Default::default()
        },
    )
    .unwrap();
    let app = report
        .files
        .iter()
        .find(|f| f.file == "app/src/main.rs")
        .unwrap();
    assert!(
        app.after.contains("trace::task_locals::spawn(") && !app.after.contains("thread::spawn"),
        "{}",
        app.after
    );
}

/// A generated module that names the runtime is gated like an optional async-std (the features
/// that enable it); one that names only std is not; and a test's own module is not when
/// async-std is a dev-dependency too (the test has the runtime without the feature).
#[test]
fn generated_modules_follow_an_optional_async_std() {
    let work = work_dir("gated-modules");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::create_dir_all(work.join("tests")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"gated-modules\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\nrt = [\"dep:async-std\"]\n\n[dependencies]\nasync-std = { version = \"1.13\", optional = true }\n\n[dev-dependencies]\nasync-std = \"1.13\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        work.join("src/lib.rs"),
        r#"#[cfg(feature = "rt")]
pub async fn ready() -> Result<u8, async_std::future::TimeoutError> {
    async_std::future::timeout(std::time::Duration::from_secs(1), async { 1 }).await
}

#[cfg(feature = "rt")]
pub struct Gate {
    pub cv: async_std::sync::Condvar,
}
"#,
    )
    .unwrap();
    std::fs::write(
        work.join("tests/wake.rs"),
        r#"#[test]
fn notified() {
    let cv = async_std::sync::Condvar::new();
    let m = async_std::sync::Mutex::new(false);
    async_std::task::block_on(async {
        let mut g = m.lock().await;
        *g = true;
        cv.notify_all();
        assert!(*g);
    });
}
"#,
    )
    .unwrap();
    let report = async_std_migrate::engine::plan(
        &work,
        &Config {
            target: Target::Smol,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let after = |file: &str| {
        report
            .files
            .iter()
            .find(|f| f.file == file)
            .map(|f| f.after.clone())
            .unwrap_or_default()
    };
    let lib = after("src/lib.rs");
    assert!(
        lib.contains("#[cfg(feature = \"rt\")]\npub mod condvar {"),
        "{lib}"
    );
    assert!(lib.contains("\npub mod timeout_error {"), "{lib}");
    assert!(
        !lib.contains("#[cfg(feature = \"rt\")]\npub mod timeout_error"),
        "{lib}"
    );
    let test = after("tests/wake.rs");
    assert!(test.contains("\nmod condvar {"), "{test}");
    assert!(!test.contains("#[cfg(feature"), "{test}");
    async_std_migrate::apply::write(&report, true).unwrap();
    for args in [&["test", "-q"][..], &["test", "-q", "--features", "rt"]] {
        assert_ok(
            &cargo(&work, args),
            &format!("cargo {args:?} after the migration"),
        );
    }
}
