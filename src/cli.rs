//! The command line: raw clap arguments are resolved into a [`Config`] before any work starts;
//! the exit code policy is 0 success, 1 changes pending (`diff --check`), 2 errors. `run` takes
//! its arguments and output streams, so tests drive the whole CLI in-process.

use crate::{output, Config, Target};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "async-std-migrate",
    version,
    about = "Move Rust code off the discontinued async-std: to blocking std with threads where async is not needed, to smol where it is"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Show the changes as a unified diff, then a summary; writes nothing.
    Diff {
        #[command(flatten)]
        common: Common,
        /// Exit with 1 when there are changes to make (0 when there are none).
        #[arg(long)]
        check: bool,
    },
    /// Write the changes.
    Apply {
        #[command(flatten)]
        common: Common,
        /// Write even to files that have uncommitted changes in git.
        #[arg(long)]
        allow_dirty: bool,
        /// Write even where no git work tree holds the originals (or git cannot be run).
        #[arg(long)]
        allow_no_vcs: bool,
        /// After writing, `cargo check --all-targets` each changed workspace (default and all
        /// features) and put back the original files of one whose check fails; `=test` also
        /// runs `cargo test` before and after and reports tests whose outcome changed. This
        /// builds the repository's code: its build scripts, procedural macros and cargo
        /// configuration run (nothing of them runs without it).
        #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "check", require_equals = true)]
        verify: Option<crate::verify::Level>,
    },
    /// Report, per crate, its async-std uses, the target `--to auto` would choose and why, and
    /// what would be left for a person; writes nothing.
    Scan {
        /// Crates, workspaces or directories to scan.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Resolve with syntax only (no rust-analyzer load).
        #[arg(long)]
        syntax_only: bool,
        /// Judge a published library's public async API as convertible.
        #[arg(long)]
        allow_api_change: bool,
        /// Exit with 1 when async-std is still used anywhere (a gate after a migration).
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        walk: Walk,
    },
}

/// How the tree is walked and worked.
#[derive(Debug, Args)]
struct Walk {
    /// Workspaces migrated at a time (default: the number of CPUs).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Workspaces share a rust-analyzer database in batches of at most N `.rs` files (default
    /// 2000, about 1.6 GB): fewer, less memory and more time.
    #[arg(long, value_name = "N")]
    files_per_database: Option<usize>,
    /// Also walk what .gitignore files ignore.
    #[arg(long)]
    no_ignore: bool,
    /// Leave out directories or files matching this glob (relative to PATH; repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

impl Walk {
    fn apply(self, config: &mut Config) {
        if let Some(j) = self.jobs {
            config.jobs = j.max(1);
        }
        if let Some(n) = self.files_per_database {
            config.files_per_database = n.max(1);
        }
        config.discover.no_ignore = self.no_ignore;
        config.discover.exclude = self.exclude;
    }
}

/// A progress bar on stderr (`[####    ] 3/25 workspaces, now ws-04`), for runs longer than a
/// moment, only on a terminal: silent when piped.
fn progress_display() -> impl Fn(crate::engine::Progress) + Sync {
    let start = std::time::Instant::now();
    let on = std::io::stderr().is_terminal();
    move |p: crate::engine::Progress| {
        if on && start.elapsed() > std::time::Duration::from_millis(300) {
            const WIDTH: usize = 24;
            let filled = (p.done * WIDTH).checked_div(p.total).unwrap_or(0);
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K[{}{}] {}/{} workspaces, now {}",
                "#".repeat(filled),
                " ".repeat(WIDTH - filled),
                p.done,
                p.total,
                p.current
            );
        }
    }
}

fn clear_progress() {
    if std::io::stderr().is_terminal() {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

#[derive(Debug, Args)]
struct Common {
    /// Crates, workspaces or directories to migrate.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// What to migrate to: `auto` picks threads for each crate that does not need async and
    /// smol for the others (see docs/threads.md).
    #[arg(long, value_enum, default_value_t = Target::Auto)]
    to: Target,
    /// Convert a published library's public async API to blocking code too (a breaking change).
    #[arg(long)]
    allow_api_change: bool,
    /// Rename features named after async-std (`async-std` -> `smol`) instead of keeping the old
    /// name as a deprecated alias of the new one (a breaking change for users of the feature).
    #[arg(long)]
    rename_features: bool,
    /// Start each migrated program's `main` by sizing smol's executor as async-std sized its
    /// pool (one worker per CPU, `SMOL_THREADS`); without it the difference is reported.
    #[arg(long)]
    keep_worker_threads: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour the diff.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Resolve with syntax only (no rust-analyzer load): faster, method calls judged by syntax.
    #[arg(long)]
    syntax_only: bool,
    #[command(flatten)]
    walk: Walk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the CLI with the process's arguments and streams; returns the exit code.
pub fn main() -> i32 {
    let stdout = std::io::stdout();
    let is_tty = stdout.is_terminal();
    run(
        std::env::args_os(),
        &mut stdout.lock(),
        &mut std::io::stderr(),
        is_tty,
    )
}

/// Runs the CLI. `stdout_is_terminal` decides `--color auto`.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write, stdout_is_terminal: bool) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = if e.use_stderr() {
                write!(err, "{e}")
            } else {
                write!(out, "{e}")
            };
            return code;
        }
    };
    let (common, check, apply, allow_dirty, allow_no_vcs, verify) = match cli.cmd {
        Cmd::Diff { common, check } => (common, check, false, false, false, None),
        Cmd::Apply {
            common,
            allow_dirty,
            allow_no_vcs,
            verify,
        } => (common, false, true, allow_dirty, allow_no_vcs, verify),
        Cmd::Scan {
            paths,
            format,
            syntax_only,
            allow_api_change,
            check,
            walk,
        } => {
            let mut config = Config {
                target: Target::Auto,
                syntax_only,
                allow_api_change,
                ..Default::default()
            };
            walk.apply(&mut config);
            let mut report = crate::plan_with_progress(&paths, &config, &progress_display());
            report.run = crate::report::RunStats::now();
            if let Some(p) = crate::resolve::profile::report() {
                let _ = write!(err, "{p}");
            }
            clear_progress();
            let _ = match format {
                Format::Json => writeln!(out, "{}", output::json(&report)),
                Format::Text => write!(out, "{}", output::terminal_safe(&output::scan(&report))),
            };
            for e in report.roots.iter().flat_map(|r| &r.errors) {
                let _ = writeln!(err, "error: {}", output::terminal_safe(&e.to_string()));
            }
            return if report.has_errors() {
                2
            } else if check && report.uses_async_std() {
                1
            } else {
                0
            };
        }
    };
    let color = match common.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mut config = Config {
        target: common.to,
        syntax_only: common.syntax_only,
        allow_api_change: common.allow_api_change,
        rename_features: common.rename_features,
        keep_worker_threads: common.keep_worker_threads,
        ..Default::default()
    };
    let paths = common.paths;
    common.walk.apply(&mut config);
    let mut report = crate::plan_with_progress(&paths, &config, &progress_display());
    if let Some(p) = crate::resolve::profile::report() {
        let _ = write!(err, "{p}");
    }
    clear_progress();

    let mut code = 0;
    // As `cargo fix`: nothing is written where git does not hold the originals.
    if apply && !allow_no_vcs {
        let mut refused = false;
        for root in report.roots.iter_mut().filter(|r| !r.files.is_empty()) {
            if let Err(e) = crate::apply::check_vcs(std::path::Path::new(&root.root)) {
                let _ = writeln!(err, "error: {e}");
                root.files.clear();
                refused = true;
            }
        }
        if refused {
            code = 2;
        }
    }
    // Every file of every root is checked before any is written: one root refused writes none.
    if apply {
        let mut refused = code != 0;
        for root in report.roots.iter().filter(|r| !r.files.is_empty()) {
            if let Err(e) = crate::apply::preflight(root, allow_dirty) {
                let _ = writeln!(err, "error: {e}");
                refused = true;
            }
        }
        if refused {
            let _ = writeln!(
                err,
                "error: nothing was written: every root is written or none is"
            );
            for root in report.roots.iter_mut() {
                root.files.clear();
            }
            code = 2;
        }
    }
    if apply && verify.is_none() {
        // Without checks between them, roots are written in parallel.
        let roots: Vec<&crate::report::RootReport> = report
            .roots
            .iter()
            .filter(|r| !r.files.is_empty())
            .collect();
        let results = crate::apply::write_all(&roots, allow_dirty, config.jobs);
        let changed = report.roots.iter_mut().filter(|r| !r.files.is_empty());
        for (root, r) in changed.zip(results) {
            match r {
                Ok((_, lock)) => root.lockfile = lock,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    code = 2;
                }
            }
        }
    } else if apply {
        for root in report.roots.iter_mut().filter(|r| !r.files.is_empty()) {
            let dir = std::path::Path::new(&root.root).join(&root.workspace);
            let before_tests = (verify == Some(crate::verify::Level::Test))
                .then(|| crate::verify::test_outcomes(&dir).1);
            root.lockfile_before = std::fs::read_to_string(dir.join("Cargo.lock")).ok();
            match crate::apply::write(root, allow_dirty) {
                Ok((_, lock)) => root.lockfile = lock,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    code = 2;
                    continue;
                }
            }
            if let Some(level) = verify {
                let v = crate::verify::verify(root, level, before_tests.as_ref());
                if !v.passed {
                    code = 2;
                }
                root.verify = Some(v);
            }
        }
    }
    let result = match common.format {
        Format::Json => {
            report.run = crate::report::RunStats::now();
            writeln!(out, "{}", output::json(&report))
        }
        Format::Text => {
            let mut text = String::new();
            if !apply {
                for root in &report.roots {
                    text.push_str(&output::diff(root, color));
                }
            }
            text.push_str(&output::terminal_safe(&output::summary(
                &report,
                apply && code == 0,
            )));
            // Per-file errors go to stderr (the summary on stdout counts them).
            for e in report.roots.iter().flat_map(|r| &r.errors) {
                let _ = writeln!(err, "error: {}", output::terminal_safe(&e.to_string()));
            }
            write!(out, "{text}")
        }
    };
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    }
    if report.has_errors() {
        return 2;
    }
    if code != 0 {
        return code;
    }
    if check && report.has_changes() {
        return 1;
    }
    0
}
