//! async-std-migrate: moves Rust code off the discontinued async-std (RUSTSEC-2025-0052) to smol.
//!
//! The pipeline, one module per phase:
//!
//! 1. [`workspace`] discovers the packages below a PATH and pre-filters files by text: a file that
//!    never mentions a name reaching async-std is never parsed.
//! 2. [`resolve`] finds every reference to async-std and its canonical public path: `use` trees,
//!    aliases, globs, `extern crate` renames, renamed dependencies, re-exports through local
//!    modules ([`resolve::syntax`]), and, through rust-analyzer, the receiver types of method calls
//!    ([`resolve::semantic`]). Without a loadable workspace it falls back to syntax.
//! 3. [`rules`] maps each canonical path through the catalogue in `transforms/` (data, embedded;
//!    the other tables in [`tables`]); [`handlers`] make the structural rewrites (one file each,
//!    one sorted registry, [`handlers::ALL`]); [`rewrite`] plans the imports, maps the sites,
//!    applies the edits together (an overlap is a conflict, never an overwrite), re-parses the
//!    result and re-resolves it. `--to auto`'s decision is [`threads`].
//! 4. [`manifest`] migrates Cargo.toml with toml_edit, from what the applied rules need.
//! 5. [`engine`] runs 1-4 for a PATH into a [`report::RootReport`] (findings under the ids of
//!    [`findings`]); [`output`] renders diffs, summaries and JSON; [`apply`] writes files (in
//!    place, undone on failure). [`cli`] is the command line.
//!
//! docs/architecture.md has the module that owns each phase and how to add a rewrite.
//!
//! The core does no IO beyond reading the tree, and reports what it cannot migrate as findings
//! (file:line, rule id, why, what to do) instead of failing.

pub mod api;
pub mod apply;
pub mod cli;
pub mod engine;
pub mod error;
pub mod findings;
pub mod format;
pub mod handlers;
pub mod manifest;
pub mod module_tree;
pub mod output;
pub mod report;
pub mod resolve;
pub mod rewrite;
pub mod rules;
pub mod tables;
pub mod threads;
pub mod untrusted;
pub mod verify;
pub mod workspace;

pub use error::Error;

/// What to migrate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Smol,
    Threads,
    Auto,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Smol => "smol",
            Target::Threads => "threads",
            Target::Auto => "auto",
        }
    }
}

/// Settings of a run (the resolved form of the command line).
#[derive(Debug, Clone)]
pub struct Config {
    pub target: Target,
    /// Resolve with syntax only (no rust-analyzer load).
    pub syntax_only: bool,
    /// Convert a published library's public async API to blocking code too.
    pub allow_api_change: bool,
    /// A feature named after async-std is renamed (`async-std` -> `smol`) without keeping the
    /// old name as a deprecated alias.
    pub rename_features: bool,
    /// A program's migrated `main` keeps async-std's worker-thread count (one per CPU) for smol's
    /// global executor; by default the difference is reported instead.
    pub keep_worker_threads: bool,
    /// Workspaces migrated at a time.
    pub jobs: usize,
    /// How many `.rs` files of workspaces share one rust-analyzer database at most (see
    /// `engine::FILES_PER_DATABASE`): fewer, less memory and more time.
    pub files_per_database: usize,
    /// What discovery leaves out.
    pub discover: workspace::DiscoverOptions,
}

impl Config {
    pub fn new(target: Target) -> Self {
        Config {
            target,
            ..Default::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            target: Target::Auto,
            syntax_only: false,
            allow_api_change: false,
            rename_features: false,
            keep_worker_threads: false,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            files_per_database: engine::FILES_PER_DATABASE,
            discover: Default::default(),
        }
    }
}

/// Migrates every PATH in memory: one report per workspace below each.
pub fn plan(paths: &[std::path::PathBuf], config: &Config) -> report::Report {
    plan_with_progress(paths, config, &|_| {})
}

/// [`plan`], telling `progress` as each workspace starts.
pub fn plan_with_progress(
    paths: &[std::path::PathBuf],
    config: &Config,
    progress: &(dyn Fn(engine::Progress) + Sync),
) -> report::Report {
    let mut roots: Vec<report::RootReport> = Vec::new();
    // The same PATH given twice (or a workspace under two PATHs) is migrated once.
    let mut seen_paths = std::collections::BTreeSet::new();
    let mut seen_workspaces = std::collections::BTreeSet::new();
    for p in paths {
        if !seen_paths.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())) {
            continue;
        }
        match engine::plan_workspaces(p, config, progress) {
            Ok(r) => roots.extend(r.into_iter().filter(|root| {
                let dir = std::path::Path::new(&root.root).join(&root.workspace);
                seen_workspaces.insert(std::fs::canonicalize(&dir).unwrap_or(dir))
            })),
            Err(e) => {
                let mut r = report::RootReport::new(
                    p.display().to_string(),
                    ".".into(),
                    report::Resolution::Syntax,
                );
                r.errors.push(e.to_string());
                roots.push(r);
            }
        }
    }
    report::Report {
        version: 2,
        target: config.target.as_str().into(),
        roots,
        run: Default::default(),
    }
}
