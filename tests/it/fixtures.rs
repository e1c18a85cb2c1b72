//! The fixtures of `fixtures/smol/<case>/`: `before.rs` is an async-std program, `after.rs` what
//! the tool makes of it, `findings.txt` what it reports. Every case is migrated in one package
//! (as examples), with syntax-level and with semantic resolution, which must agree; the output
//! must match `after.rs`, and migrating it again must change nothing.
//! `UPDATE_FIXTURES=1 cargo test --test main fixtures::` rewrites the expected files for review.

use super::util::*;
use async_std_migrate::report::Severity;
use async_std_migrate::{Config, Target};
use std::collections::{BTreeMap, BTreeSet};

fn migrate(dir: &std::path::Path, syntax_only: bool) -> async_std_migrate::report::RootReport {
    async_std_migrate::engine::plan(
        dir,
        &Config {
            target: Target::Smol,
            syntax_only,
            allow_api_change: false,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn fixtures_migrate_as_expected_in_both_resolution_modes() {
    let cases = cases("smol");
    let dir = work_dir("fixtures-before");
    let examples: Vec<(String, String)> = cases
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    package(&dir, "fixtures-before", ASYNC_STD, &examples);

    let syntax = migrate(&dir, true);
    let semantic = migrate(&dir, false);
    assert!(syntax.errors.is_empty(), "{:?}", syntax.errors);
    assert!(semantic.errors.is_empty(), "{:?}", semantic.errors);
    assert_eq!(
        semantic.resolution,
        async_std_migrate::report::Resolution::Semantic,
        "{:?}",
        semantic.fallback_reason
    );

    for (name, before, after_path) in &cases {
        let file = format!("examples/{name}.rs");
        let pick = |r: &async_std_migrate::report::RootReport| {
            r.files
                .iter()
                .find(|f| f.file == file)
                .map(|f| f.after.clone())
                .unwrap_or_else(|| before.clone())
        };
        let findings = |r: &async_std_migrate::report::RootReport| {
            r.findings
                .iter()
                .filter(|f| f.file == file)
                .map(|f| {
                    format!(
                        "{}:{} {} {:?}: {}\n",
                        f.line, f.column, f.rule, f.severity, f.message
                    )
                })
                .collect::<String>()
        };
        let (after_syn, after_sem) = (pick(&syntax), pick(&semantic));
        check_file(after_path, &after_sem);
        check_file(
            &after_path.with_file_name("findings.txt"),
            &findings(&semantic),
        );
        // Where types decide (a `metadata().await` whose receiver only rust-analyzer can type),
        // the syntax-level result is pinned in after.syntax.rs; elsewhere the two must agree.
        let syntax_file = after_path.with_file_name("after.syntax.rs");
        if after_syn != after_sem || syntax_file.exists() {
            check_file(&syntax_file, &after_syn);
        }
        assert_eq!(
            findings(&syntax),
            findings(&semantic),
            "{name}: findings differ between modes"
        );
    }

    // Idempotence: the migrated files migrate to themselves.
    let again = work_dir("fixtures-again");
    let migrated: Vec<(String, String)> = cases
        .iter()
        .map(|(n, _, a)| (n.clone(), std::fs::read_to_string(a).unwrap()))
        .collect();
    package(
        &again,
        "fixtures-again",
        &format!("{SMOL}\n{ASYNC_STD}"),
        &migrated,
    );
    let second = migrate(&again, true);
    let changed: Vec<_> = second
        .files
        .iter()
        .filter(|f| f.file.starts_with("examples/"))
        .map(|f| f.file.clone())
        .collect();
    assert!(changed.is_empty(), "a second run changed {changed:?}");
}

#[test]
fn every_catalogue_row_and_handler_has_a_fixture() {
    let cat = async_std_migrate::rules::Catalogue::smol();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (_, _, after) in cases("smol") {
        let findings =
            std::fs::read_to_string(after.with_file_name("findings.txt")).unwrap_or_default();
        for line in findings.lines() {
            if let Some(rule) = line.split_whitespace().nth(1) {
                seen.insert(rule.to_string());
            }
        }
        let covers = std::fs::read_to_string(after.with_file_name("before.rs")).unwrap();
        // `// covers: id id ..` lines name the rows a case exercises (checked against the counts below).
        for line in covers
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// covers:"))
        {
            seen.extend(line.split_whitespace().map(str::to_string));
        }
    }
    let missing: Vec<&str> = cat
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .chain(
            cat.handlers
                .iter()
                .map(|h| h.id.as_str())
                .filter(|h| !h.starts_with("threads-")),
        )
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "rows/handlers without a fixture: {missing:?}"
    );
}

#[test]
fn covers_lines_are_true() {
    // A `// covers:` claim must show in the migration's counts or findings.
    let cases = cases("smol");
    let dir = work_dir("fixtures-covers");
    let examples: Vec<(String, String)> = cases
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    package(&dir, "fixtures-covers", ASYNC_STD, &examples);
    let r = migrate(&dir, true);
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &r.files {
        by_file
            .entry(f.file.clone())
            .or_default()
            .extend(f.rules.keys().cloned());
    }
    for f in &r.findings {
        by_file
            .entry(f.file.clone())
            .or_default()
            .insert(f.rule.clone());
    }
    let cat = async_std_migrate::rules::Catalogue::smol();
    for (name, before, _) in &cases {
        let got = by_file
            .get(&format!("examples/{name}.rs"))
            .cloned()
            .unwrap_or_default();
        for line in before
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// covers:"))
        {
            for id in line.split_whitespace() {
                // A row whose handler did the work is counted under the handler's id.
                let via_handler = cat
                    .rule(id)
                    .and_then(|r| r.handler.clone())
                    .is_some_and(|h| got.contains(&h));
                assert!(
                    got.contains(id) || via_handler,
                    "{name}: claims to cover `{id}` but the run shows {got:?}"
                );
            }
        }
    }
}

#[test]
fn unchanged_cases_produce_no_edit() {
    let dir = work_dir("fixtures-unchanged");
    let mut examples = Vec::new();
    for e in std::fs::read_dir(repo().join("fixtures/unchanged"))
        .unwrap()
        .flatten()
    {
        let name = e.path().file_stem().unwrap().to_string_lossy().into_owned();
        examples.push((name, std::fs::read_to_string(e.path()).unwrap()));
    }
    assert!(!examples.is_empty());
    package(&dir, "fixtures-unchanged", ASYNC_STD, &examples);
    for syntax_only in [true, false] {
        let r = migrate(&dir, syntax_only);
        let changed: Vec<_> = r
            .files
            .iter()
            .filter(|f| f.file.starts_with("examples/"))
            .map(|f| f.file.clone())
            .collect();
        assert!(
            changed.is_empty(),
            "unchanged cases were edited: {changed:?}"
        );
        assert!(
            r.findings
                .iter()
                .all(|f| f.severity != Severity::NotMigrated),
            "{:?}",
            r.findings
        );
    }
}
