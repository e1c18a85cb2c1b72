//! Where the semantic layer's time goes: a count and the summed time of each kind of query,
//! printed to stderr at the end of a run when `ASYNC_STD_MIGRATE_PROFILE` is set (see
//! docs/performance.md). Counters are process-wide atomics, so they cost a few nanoseconds a
//! query when nobody reads them; with `-j N` the times of parallel workers add up (CPU time, not
//! wall time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The kinds of work measured, in the order they are printed.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `cargo metadata` and the sysroot, per workspace (`ProjectWorkspace::load`).
    LoadWorkspaces,
    /// Crate graphs built and merged, files read into the vfs, the database filled.
    LoadDatabase,
    /// A file's tree in the database (`Semantics::parse_guess_edition`).
    FileOracle,
    Method,
    ResolvedMethod,
    CallIsAsync,
    StdOrInherentMethod,
    StdOrInherentInMacro,
    TypeOf,
    CfgActive,
}

const KINDS: [(Kind, &str); 10] = [
    (
        Kind::LoadWorkspaces,
        "load: workspaces (cargo metadata, sysroot)",
    ),
    (Kind::LoadDatabase, "load: crate graph, files, database"),
    (Kind::FileOracle, "file oracle (parse in the database)"),
    (Kind::Method, "method (resolve_method_call, receiver type)"),
    (Kind::ResolvedMethod, "resolved_method"),
    (Kind::CallIsAsync, "call_is_async"),
    (Kind::StdOrInherentMethod, "std_or_inherent_method"),
    (
        Kind::StdOrInherentInMacro,
        "std_or_inherent_method_in_macro",
    ),
    (Kind::TypeOf, "type_of"),
    (Kind::CfgActive, "cfg_active"),
];

static COUNT: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
static NANOS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
/// Function bodies a query reached first, by the query's kind: rust-analyzer infers a body once,
/// for whichever question reaches it first, so these are the bodies each kind paid for.
static BODIES: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
static SEEN: std::sync::Mutex<Option<std::collections::HashSet<(u32, u32)>>> =
    std::sync::Mutex::new(None);

/// Notes that a `kind` query asks about the body at `body` (a file's id, the body's offset),
/// when profiling.
pub fn body(kind: Kind, body: impl FnOnce() -> Option<(u32, u32)>) {
    if !enabled() {
        return;
    }
    let Some(key) = body() else { return };
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(Default::default).insert(key) {
        BODIES[kind as usize].fetch_add(1, Ordering::Relaxed);
    }
}

fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("ASYNC_STD_MIGRATE_PROFILE").is_some())
}

/// Runs `f`, counted and timed under `kind`.
pub fn time<T>(kind: Kind, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    record(kind, start);
    out
}

/// Counts one `kind` that began at `start` (for work that is not one closure).
pub fn record(kind: Kind, start: Instant) {
    let i = kind as usize;
    COUNT[i].fetch_add(1, Ordering::Relaxed);
    NANOS[i].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// The table, when `ASYNC_STD_MIGRATE_PROFILE` is set: one line per kind with a count.
pub fn report() -> Option<String> {
    std::env::var_os("ASYNC_STD_MIGRATE_PROFILE")?;
    let mut out = String::from("semantic layer profile (summed over workers):\n");
    for (kind, name) in KINDS {
        let i = kind as usize;
        let n = COUNT[i].load(Ordering::Relaxed);
        if n > 0 {
            let secs = NANOS[i].load(Ordering::Relaxed) as f64 / 1e9;
            let bodies = BODIES[i].load(Ordering::Relaxed);
            out.push_str(&format!("  {name:<48} {n:>8} calls {secs:>9.2} s"));
            if bodies > 0 {
                out.push_str(&format!(" {bodies:>7} bodies first"));
            }
            out.push('\n');
        }
    }
    Some(out)
}
