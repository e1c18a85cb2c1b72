//! The data model of a run: what changed, per rule, and every site that was not migrated (a
//! finding: file:line, rule id, why, what to do). The text summary and the JSON document
//! (`--format json`, schema in docs/json.md) are both rendered from these types.

use serde::Serialize;
use std::collections::BTreeMap;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// The site still uses async-std (or would change behaviour): left in place, needs a hand edit.
    NotMigrated,
    /// Rewritten or left alone, but a person should look (a behaviour difference the tool cannot rule out).
    Review,
}

/// One site the tool could not migrate safely, or wants a person to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// Path relative to the PATH argument, `/`-separated.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule: String,
    pub severity: Severity,
    /// Why the site was not migrated.
    pub message: String,
    /// What to do about it.
    pub advice: String,
}

/// A finding before its file and line are known.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub offset: usize,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub advice: String,
}

impl RawFinding {
    pub fn not_migrated(
        offset: usize,
        rule: impl AsRef<str>,
        message: impl Into<String>,
        advice: impl Into<String>,
    ) -> Self {
        RawFinding {
            offset,
            rule: rule.as_ref().into(),
            severity: Severity::NotMigrated,
            message: message.into(),
            advice: advice.into(),
        }
    }

    /// An async-std path the catalogue does not know: left in place.
    pub fn unknown_item(offset: usize, canon: &[String]) -> Self {
        Self::not_migrated(
            offset,
            crate::findings::FindingId::UnknownItem,
            format!("`{}` is not in the catalogue", canon.join("::")),
            "map it by hand, or add a row to transforms/smol.toml",
        )
    }

    pub fn review(
        offset: usize,
        rule: impl AsRef<str>,
        message: impl Into<String>,
        advice: impl Into<String>,
    ) -> Self {
        RawFinding {
            offset,
            rule: rule.as_ref().into(),
            severity: Severity::Review,
            message: message.into(),
            advice: advice.into(),
        }
    }

    pub fn locate(self, file: &str, text: &str) -> Finding {
        let (line, column) = line_col(text, self.offset);
        Finding {
            file: file.to_string(),
            line,
            column,
            rule: self.rule,
            severity: self.severity,
            message: self.message,
            advice: self.advice,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// One changed file: the whole text before and after.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub file: String,
    #[serde(skip)]
    pub before: String,
    #[serde(skip)]
    pub after: String,
    /// Sites rewritten per rule id.
    pub rules: BTreeMap<String, usize>,
    /// What the migrated file needs in its manifest (`smol`, `crossbeam_channel`, ..., see
    /// [`crate::rewrite::FileOutcome::crates`]).
    #[serde(skip)]
    pub crates: std::collections::BTreeSet<String>,
}

/// How references were resolved for a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// rust-analyzer loaded the workspace; method calls were resolved with types.
    Semantic,
    /// `--syntax-only`, or the fallback when the workspace could not be loaded.
    Syntax,
}

/// What `--to auto` (or `--to threads`) decided for one crate of a package, and why.
#[derive(Debug, Clone, Serialize)]
pub struct CrateDecision {
    /// Package directory relative to the PATH (`.` for the root).
    pub package: String,
    /// `src` (library and main binary), `examples/x`, `tests/x`, `src/bin/x`, ...
    #[serde(rename = "crate")]
    pub unit: String,
    /// `threads`, `smol`, or `unchanged` (`--to threads` on a crate that needs a runtime).
    pub target: String,
    /// Why it needs an async runtime (empty when it goes to threads).
    pub blockers: Vec<Finding>,
    /// async-std references by module (`task`, `fs`, ...).
    pub uses: BTreeMap<String, usize>,
}

/// A cfg-gated region of code that names async-std.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct CfgRegion {
    pub file: String,
    pub line: usize,
    /// The attribute as written: `cfg(feature = "runtime-tokio")`.
    pub cfg: String,
    /// `rust-analyzer` when the region is active in the configuration it loaded (default
    /// features, host cfg), else `syntax`: migrated by the same rules, method calls judged by
    /// syntactic evidence.
    pub seen_by: SeenBy,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SeenBy {
    RustAnalyzer,
    Syntax,
}

/// Per PATH argument.
#[derive(Debug, Clone, Serialize)]
pub struct RootReport {
    /// The PATH argument; file paths are relative to it.
    pub root: String,
    /// The workspace (or standalone package) this report covers, relative to `root` (`.`).
    pub workspace: String,
    pub resolution: Resolution,
    /// Why the semantic layer was not used, when it was asked for and could not be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
    pub files: Vec<FileChange>,
    pub findings: Vec<Finding>,
    /// Errors that stopped part of the run (unreadable file, syntax errors, conflicts).
    pub errors: Vec<String>,
    /// Manifest notes ("async-std -> smol in [dependencies]").
    pub manifest_notes: Vec<String>,
    /// Per crate: the target chosen and why (`--to threads|auto`).
    pub crates: Vec<CrateDecision>,
    /// `apply --verify`: what the check of the written workspace said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Verification>,
    /// Public items of libraries whose signatures the migration changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_changes: Vec<crate::api::ApiChange>,
    /// cfg-gated regions that name async-std, and whether rust-analyzer saw them (semantic
    /// resolution only; without it every region is judged by the syntax rules).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cfg_regions: Vec<CfgRegion>,
    /// `apply`: what became of the workspace's Cargo.lock (when it has one and a manifest
    /// changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<crate::apply::LockReport>,
    /// The workspace's Cargo.lock before `apply` (to restore it).
    #[serde(skip)]
    pub lockfile_before: Option<String>,
}

/// The outcome of `apply --verify` on one workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The cargo commands run.
    pub command: String,
    pub passed: bool,
    /// Files given their original bytes back (the check failed).
    pub restored: usize,
    /// The compiler's first errors, when the check failed.
    pub errors: Vec<String>,
    /// `--verify=test`: tests whose outcome changed (`name: ok -> FAILED`).
    pub tests_changed: Vec<String>,
    /// `--verify=test`: how many tests ran after the change.
    pub tests_run: usize,
}

impl RootReport {
    /// A report with nothing in it yet.
    pub fn new(root: String, workspace: String, resolution: Resolution) -> Self {
        RootReport {
            root,
            workspace,
            resolution,
            fallback_reason: None,
            files: Vec::new(),
            findings: Vec::new(),
            errors: Vec::new(),
            manifest_notes: Vec::new(),
            crates: Vec::new(),
            verify: None,
            api_changes: Vec::new(),
            cfg_regions: Vec::new(),
            lockfile: None,
            lockfile_before: None,
        }
    }

    pub fn rules_total(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for f in &self.files {
            for (r, n) in &f.rules {
                *m.entry(r.clone()).or_default() += n;
            }
        }
        m
    }
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Schema version of the JSON form.
    pub version: u32,
    pub target: String,
    pub roots: Vec<RootReport>,
    /// What the run cost (filled in by the command line, after the run).
    #[serde(skip_serializing_if = "RunStats::is_empty")]
    pub run: RunStats,
}

/// What a run cost: the process's peak memory (the semantic layer's database is most of it).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunStats {
    /// Peak resident set size in bytes (Linux: `VmHWM` of /proc/self/status; absent elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
}

impl RunStats {
    /// This process's figures now. Read from /proc by hand: one line of one file, no crate
    /// needed (and no figure where there is no /proc).
    pub fn now() -> RunStats {
        let peak = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map(|kb| kb * 1024);
        RunStats {
            peak_rss_bytes: peak,
        }
    }

    fn is_empty(&self) -> bool {
        self.peak_rss_bytes.is_none()
    }
}

impl Report {
    pub fn has_changes(&self) -> bool {
        self.roots.iter().any(|r| !r.files.is_empty())
    }

    /// Whether async-std is still used anywhere (changes to make, sites left, crates decided).
    pub fn uses_async_std(&self) -> bool {
        self.has_changes()
            || self
                .roots
                .iter()
                .any(|r| !r.findings.is_empty() || r.crates.iter().any(|c| !c.uses.is_empty()))
    }

    pub fn has_errors(&self) -> bool {
        self.roots.iter().any(|r| !r.errors.is_empty())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_and_columns_are_one_based() {
        assert_eq!(super::line_col("ab\ncd", 0), (1, 1));
        assert_eq!(super::line_col("ab\ncd", 4), (2, 2));
    }
}
