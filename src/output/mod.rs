//! Rendering a [`Report`]: unified diffs (git-style headers, `git apply` accepts them), the text
//! summary, and the JSON document. Colour is decided by the caller (only on a terminal, never
//! with `NO_COLOR`).

use crate::findings::FindingId;
use crate::report::{Report, RootReport, Severity};
use std::fmt::Write;

/// The unified diff of every changed file of a root, in sorted order.
pub fn diff(root: &RootReport, color: bool) -> String {
    let mut out = String::new();
    for f in &root.files {
        let d = similar::TextDiff::from_lines(&f.before, &f.after);
        let (a, b) = (
            git_quoted(&format!("a/{}", f.file)),
            git_quoted(&format!("b/{}", f.file)),
        );
        let mut text = format!("diff --git {a} {b}\n");
        text.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&a, &b)
                .to_string(),
        );
        if color {
            for line in text.lines() {
                let c = if line.starts_with("+++")
                    || line.starts_with("---")
                    || line.starts_with("diff ")
                {
                    "\x1b[1m"
                } else if line.starts_with('+') {
                    "\x1b[32m"
                } else if line.starts_with('-') {
                    "\x1b[31m"
                } else if line.starts_with("@@") {
                    "\x1b[36m"
                } else {
                    ""
                };
                if c.is_empty() {
                    let _ = writeln!(out, "{line}");
                } else {
                    let _ = writeln!(out, "{c}{line}\x1b[0m");
                }
            }
        } else {
            out.push_str(&text);
        }
    }
    out
}

/// A path as git writes it in a diff header: as it is when plain, else in double quotes with C
/// escapes (`"a/x\033y"`, non-ASCII bytes in octal as with git's `core.quotePath`): an ESC in a
/// file name must not reach the terminal, and a newline would end the header (`git apply` then
/// rejects the patch; it reads the quoted form).
pub fn git_quoted(path: &str) -> String {
    let plain = path
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for b in path.bytes() {
        match b {
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// Text for a terminal: control characters other than newline and tab (an ESC in a file name or
/// a message quoting one) are written as `\u{1b}`, never sent.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The summary after the diff (or after `apply`).
pub fn summary(report: &Report, applied: bool) -> String {
    let mut out = String::new();
    let shown: Vec<&RootReport> = report.roots.iter().filter(|r| !is_empty(r)).collect();
    if shown.is_empty() {
        let _ = writeln!(out, "nothing uses async-std here: no changes");
    }
    for root in shown {
        let _ = writeln!(
            out,
            "== {} (target: {}, resolution: {})",
            title(root),
            report.target,
            match root.resolution {
                crate::report::Resolution::Semantic => "semantic",
                crate::report::Resolution::Syntax => "syntax",
            }
        );
        if let Some(r) = &root.fallback_reason {
            let _ = writeln!(out, "note: fell back to syntax-level resolution: {r}");
        }
        for c in &root.crates {
            let why = c
                .blockers
                .first()
                .map(|b| format!(" ({}:{} {})", b.file, b.line, b.message))
                .unwrap_or_default();
            let more = if c.blockers.len() > 1 {
                format!(" and {} more reasons: see `scan`", c.blockers.len() - 1)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "crate {}{}: {}{why}{more}",
                crate_prefix(&c.package),
                c.unit,
                c.target
            );
        }
        let verb = if applied { "changed" } else { "to change" };
        let _ = writeln!(out, "files {verb}: {}", root.files.len());
        let totals = root.rules_total();
        if !totals.is_empty() {
            let _ = writeln!(out, "sites rewritten per rule:");
            for (r, n) in &totals {
                let _ = writeln!(out, "  {r:<28} {n}");
            }
        }
        for n in &root.manifest_notes {
            let _ = writeln!(out, "manifest: {n}");
        }
        let not_migrated = root
            .findings
            .iter()
            .filter(|f| f.severity == Severity::NotMigrated)
            .count();
        let review = root.findings.len() - not_migrated;
        let _ = writeln!(
            out,
            "findings: {} not migrated, {} to review",
            not_migrated, review
        );
        for f in &root.findings {
            let tag = match f.severity {
                Severity::NotMigrated => "not migrated",
                Severity::Review => "review",
            };
            let _ = writeln!(
                out,
                "  {}:{}:{}: {tag} [{}] {}\n      -> {}",
                f.file, f.line, f.column, f.rule, f.message, f.advice
            );
        }
        if !root.api_changes.is_empty() {
            let breaking = root.api_changes.iter().filter(|c| c.breaking).count();
            let _ = writeln!(
                out,
                "public API changes ({} breaking, {} not):",
                breaking,
                root.api_changes.len() - breaking
            );
            for c in &root.api_changes {
                let _ = writeln!(
                    out,
                    "  {}:{}: {} {}: {}",
                    c.file,
                    c.line,
                    if c.breaking { "breaking" } else { "same type" },
                    c.item,
                    c.change
                );
            }
        }
        if !root.cfg_regions.is_empty() {
            let outside: Vec<_> = root
                .cfg_regions
                .iter()
                .filter(|r| r.seen_by == crate::report::SeenBy::Syntax)
                .collect();
            let _ = writeln!(
                out,
                "cfg-gated code naming async-std: {} region(s) seen by rust-analyzer, {} outside its configuration{}",
                root.cfg_regions.len() - outside.len(),
                outside.len(),
                if outside.is_empty() {
                    ""
                } else {
                    " (migrated by the syntax rules):"
                }
            );
            for r in outside.iter().take(20) {
                let _ = writeln!(out, "  {}:{}: #[{}]", r.file, r.line, r.cfg);
            }
            if outside.len() > 20 {
                let _ = writeln!(
                    out,
                    "  ... {} more (all in the JSON report)",
                    outside.len() - 20
                );
            }
        }
        if let Some(l) = root.lockfile.as_ref().filter(|l| l.resolved_in_scratch) {
            let _ = writeln!(
                out,
                "no Cargo.lock: resolved in a scratch copy, async-std is still in the graph{}",
                pulled_in_by(&l.async_std_path)
            );
        } else if let Some(l) = &root.lockfile {
            let _ = writeln!(
                out,
                "Cargo.lock: {} added, {} removed ({}), nothing else moved",
                l.added.len(),
                l.removed.len(),
                l.added
                    .iter()
                    .map(|p| format!("+{p}"))
                    .chain(l.removed.iter().map(|p| format!("-{p}")))
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if l.async_std_in_graph {
                let _ = writeln!(
                    out,
                    "async-std is still in the resolved graph{}",
                    pulled_in_by(&l.async_std_path)
                );
            } else {
                let _ = writeln!(out, "async-std is no longer in the resolved graph");
            }
        }
        if let Some(v) = &root.verify {
            if v.passed {
                let _ = writeln!(out, "verify: passed ({})", v.command);
            } else if v.restored > 0 || !v.errors.is_empty() {
                let _ = writeln!(
                    out,
                    "verify: FAILED ({}): the {} changed files of this workspace were restored; first errors:",
                    v.command, v.restored
                );
                for e in &v.errors {
                    for l in e.lines() {
                        let _ = writeln!(out, "    {l}");
                    }
                }
            } else {
                let _ = writeln!(out, "verify: tests changed outcome ({}):", v.command);
                for t in &v.tests_changed {
                    let _ = writeln!(out, "    {t}");
                }
            }
        }
    }
    if report.roots.len() > 1 {
        out.push_str(&totals(report, applied));
    }
    out
}

/// A workspace's report has nothing to say (no async-std there).
fn is_empty(r: &RootReport) -> bool {
    r.files.is_empty() && r.findings.is_empty() && r.errors.is_empty() && r.crates.is_empty()
}

fn title(r: &RootReport) -> String {
    if r.workspace == "." {
        r.root.clone()
    } else {
        format!("{}/{}", r.root.trim_end_matches('/'), r.workspace)
    }
}

/// The last lines of a run over several workspaces.
fn totals(report: &Report, applied: bool) -> String {
    let roots = &report.roots;
    let with = roots.iter().filter(|r| !is_empty(r)).count();
    let files: usize = roots.iter().map(|r| r.files.len()).sum();
    let sites: usize = roots
        .iter()
        .flat_map(|r| r.files.iter())
        .flat_map(|f| f.rules.iter())
        .filter(|(k, _)| {
            k.as_str() != FindingId::Manifest.as_str() && k.as_str() != FindingId::Use.as_str()
        })
        .map(|(_, n)| n)
        .sum();
    let nm = roots
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.severity == Severity::NotMigrated)
        .count();
    let rv = roots.iter().map(|r| r.findings.len()).sum::<usize>() - nm;
    let errors: usize = roots.iter().map(|r| r.errors.len()).sum();
    let count = |t: &str| {
        roots
            .iter()
            .flat_map(|r| r.crates.iter())
            .filter(|c| c.target == t)
            .count()
    };
    format!(
        "== total: {} workspaces ({} with async-std), files {}: {}, sites rewritten: {}, crates to threads: {}, to smol: {}, left unchanged: {}, findings: {} not migrated, {} to review, errors: {}\n",
        roots.len(),
        with,
        if applied { "changed" } else { "to change" },
        files,
        sites,
        count("threads"),
        count("smol"),
        count("unchanged"),
        nm,
        rv,
        errors
    )
}

/// The JSON document (schema: docs/json.md).
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises")
}

fn crate_prefix(package: &str) -> String {
    if package == "." {
        String::new()
    } else {
        format!("{package}/")
    }
}

/// `scan`: per crate, its async-std uses, the target `--to auto` chooses and each reason, then
/// the findings a migration would leave.
pub fn scan(report: &Report) -> String {
    let mut out = String::new();
    if report.roots.iter().all(is_empty) {
        let _ = writeln!(out, "no crate uses async-std");
    }
    for root in report.roots.iter().filter(|r| !is_empty(r)) {
        let _ = writeln!(out, "== {}", title(root));
        if let Some(r) = &root.fallback_reason {
            let _ = writeln!(out, "note: fell back to syntax-level resolution: {r}");
        }
        for c in &root.crates {
            let uses = c
                .uses
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let verdict = match c.target.as_str() {
                "threads" => "threads: nothing here needs an async runtime".to_string(),
                t => format!("{t}: needs an async runtime because"),
            };
            let _ = writeln!(out, "crate {}{}", crate_prefix(&c.package), c.unit);
            let _ = writeln!(
                out,
                "  async-std uses: {}",
                if uses.is_empty() {
                    "none (async fns only)".into()
                } else {
                    uses
                }
            );
            let _ = writeln!(out, "  target: {verdict}");
            for b in &c.blockers {
                let _ = writeln!(
                    out,
                    "    {}:{}:{} [{}] {}",
                    b.file, b.line, b.column, b.rule, b.message
                );
            }
        }
        if !root.findings.is_empty() {
            let _ = writeln!(out, "left for a person after `apply --to auto`:");
            for f in &root.findings {
                let _ = writeln!(
                    out,
                    "  {}:{}:{}: [{}] {}\n      -> {}",
                    f.file, f.line, f.column, f.rule, f.message, f.advice
                );
            }
        }
        let count = |t: &str| root.crates.iter().filter(|c| c.target == t).count();
        let _ = writeln!(
            out,
            "crates: {} to threads, {} to smol; files to change: {}",
            count("threads"),
            count("smol"),
            root.files.len()
        );
    }
    if report.roots.len() > 1 {
        out.push_str(&totals(report, false));
    }
    out
}

/// `: app -> http-types -> async-std` and, when the crate that pulls async-std in has a known
/// switch (transforms/dependency_features.toml), what to switch to.
fn pulled_in_by(path: &[String]) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut s = format!(": {}", path.join(" -> "));
    if let Some(puller) = path.len().checked_sub(2).and_then(|i| path.get(i)) {
        let switches: Vec<String> = crate::manifest::dependency_features()
            .into_iter()
            .filter(|(c, _, _)| c == puller)
            .map(|(_, f, switch)| format!("`{f}`: {switch}"))
            .collect();
        if !switches.is_empty() {
            s.push_str(&format!(
                " (features of {puller} that pull it in: {})",
                switches.join("; ")
            ));
        }
    }
    s
}
