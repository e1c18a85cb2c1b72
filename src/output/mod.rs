//! Rendering a [`Report`]: unified diffs (git-style headers, `git apply` accepts them), the text
//! summary, and the JSON document. Colour is decided by the caller (only on a terminal, never
//! with `NO_COLOR`).

use crate::report::{Report, RootReport, Severity};
use std::fmt::Write;

/// The unified diff of every changed file of a root, in sorted order.
pub fn diff(root: &RootReport, color: bool) -> String {
    let mut out = String::new();
    for f in &root.files {
        let d = similar::TextDiff::from_lines(&f.before, &f.after);
        let mut text = format!("diff --git a/{0} b/{0}\n", f.file);
        text.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", f.file), &format!("b/{}", f.file))
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

/// The summary after the diff (or after `apply`).
pub fn summary(report: &Report, applied: bool) -> String {
    let mut out = String::new();
    for root in &report.roots {
        let _ = writeln!(
            out,
            "== {} (target: {}, resolution: {})",
            root.root,
            report.target,
            match root.resolution {
                crate::report::Resolution::Semantic => "semantic",
                crate::report::Resolution::Syntax => "syntax",
            }
        );
        if let Some(r) = &root.fallback_reason {
            let _ = writeln!(out, "note: fell back to syntax-level resolution: {r}");
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
        for e in &root.errors {
            let _ = writeln!(out, "error: {e}");
        }
    }
    out
}

/// The JSON document (schema: docs/json.md).
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises")
}
