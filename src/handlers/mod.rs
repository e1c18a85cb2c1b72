//! Structural rewrites, one per file, all with one entry, `run(at, ctx, acc) -> Flow`
//! (`context.rs`), and all listed in one sorted table, [`ALL`]: the registry, with each handler's
//! target, where it hooks in and its flags. No registration magic, no other list of ids: the
//! dispatch, the macro and shared-name checks and the tests read [`ALL`]; a test checks it against
//! `transforms/handlers.toml` (the documented catalogue) and the catalogue rows that name handlers.
//!
//! A path handler runs at a site whose catalogue row names it; a file pass looks at method calls,
//! whose meaning needs the receiver's type (the semantic oracle, or syntactic evidence when it
//! does not know). The threads target's handlers live in `src/threads/` and are listed here too.

mod attr_main;
mod buf_into_inner;
pub(crate) mod channel;
#[cfg(test)]
pub(crate) mod check;
mod condvar;
mod context;
mod detach;
pub(crate) mod duplicate_impl;
mod file_flush;
mod future_combinators;
pub(crate) mod generated;
mod interval;
mod into_incoming;
pub(crate) mod join_handle;
mod local_executor;
mod net_ref;
mod path_methods;
mod print_macros;
mod raw_fd;
mod resolve_addrs;
mod shared_io_stream;
mod sleep;
pub(crate) mod socket_from;
mod stdio;
mod sync_future;
pub(crate) mod syntax;
mod task_builder;
pub(crate) mod task_locals;
mod timeout;
pub(crate) mod timeout_error;
mod unix_bind;
mod worker_threads;
mod write_macro;

pub(crate) use attr_main::test_attribute_argument;
pub use context::{Acc, At, Ctx, FileCtx, Flow};
pub use syntax::range;
pub(crate) use syntax::*;
pub(crate) use timeout::tail as timeout_tail;

use crate::resolve::PathSite;
use crate::rules::Mapped;

/// Which target a handler rewrites for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerTarget {
    Smol,
    Threads,
}

/// A handler's entry.
pub type Entry = fn(At<'_>, &Ctx<'_>, &mut Acc) -> Flow;

/// How a handler is run.
#[derive(Clone, Copy)]
pub enum Run {
    /// Through its entry, at the hooks its row names.
    Entry(Entry),
    /// By another phase or handler (named), which counts its edits under this id.
    By(&'static str),
}

/// One row of the registry.
pub struct Handler {
    pub id: &'static str,
    pub target: HandlerTarget,
    /// Called at the path sites whose catalogue row names this id.
    pub on_path: bool,
    /// Called once over the whole file.
    pub on_file: bool,
    pub run: Run,
    /// It acts on the value a call returns (a task handle to detach, a file to flush): it still
    /// applies at a call through the crate's own re-export, and an item it covers cannot be bound
    /// by a plain import under a name another runtime shares.
    pub call_value: bool,
    /// It acts on calls and method calls only: a type or module it covers, named in a macro
    /// body, maps as a plain path.
    pub calls_only: bool,
}

const fn row(
    id: &'static str,
    target: HandlerTarget,
    on_path: bool,
    on_file: bool,
    run: Entry,
) -> Handler {
    Handler {
        id,
        target,
        on_path,
        on_file,
        run: Run::Entry(run),
        call_value: false,
        calls_only: false,
    }
}

const fn by(id: &'static str, target: HandlerTarget, driver: &'static str) -> Handler {
    Handler {
        id,
        target,
        on_path: false,
        on_file: false,
        run: Run::By(driver),
        call_value: false,
        calls_only: false,
    }
}

impl Handler {
    const fn call_value(mut self) -> Self {
        self.call_value = true;
        self
    }
    const fn calls_only(mut self) -> Self {
        self.calls_only = true;
        self
    }
}

use HandlerTarget::{Smol, Threads};

/// Every handler, sorted by id. Path hooks run in the order of the sites; file passes of a
/// target run in this order.
pub const ALL: &[Handler] = &[
    row("attr-main", Smol, true, false, attr_main::run),
    row("attr-test", Smol, true, false, attr_main::run),
    row(
        "buf-writer-into-inner",
        Smol,
        false,
        true,
        buf_into_inner::run,
    ),
    row("channel-recv", Smol, false, true, channel::run).calls_only(),
    row("condvar", Smol, true, false, condvar::run),
    row("detach-dropped-handle", Smol, true, true, detach::run).call_value(),
    by(
        "doctest-blocks",
        Smol,
        "rewrite::doctests, on each file's doc comments",
    ),
    row("duplicate-impl", Smol, false, true, duplicate_impl::run),
    row("file-flush-on-drop", Smol, true, false, file_flush::run)
        .call_value()
        .calls_only(),
    row(
        "future-combinators",
        Smol,
        false,
        true,
        future_combinators::run,
    )
    .calls_only(),
    row("join-handle", Smol, true, false, join_handle::run).call_value(),
    row(
        "listener-into-incoming",
        Smol,
        false,
        true,
        into_incoming::run,
    ),
    row("local-executor", Smol, true, false, local_executor::run).call_value(),
    row("net-shared-ref", Smol, false, true, net_ref::run),
    row("path-async-methods", Smol, false, true, path_methods::run).calls_only(),
    row("print-macros", Smol, true, false, print_macros::run),
    by("read-append", Smol, "stdio-unblock's file pass"),
    row("resolve-socket-addrs", Smol, true, true, resolve_addrs::run),
    row("sleep-to-timer", Smol, true, false, sleep::run),
    row("socket-raw-fd", Smol, false, true, raw_fd::run),
    row("socket-try-from", Smol, true, true, socket_from::run).calls_only(),
    row("stdio-unblock", Smol, true, true, stdio::run),
    row("stream-interval", Smol, true, false, interval::run),
    row("stream-shared-io", Smol, true, false, shared_io_stream::run),
    row("sync-future", Smol, false, true, sync_future::run),
    row("task-builder-spawn", Smol, true, false, task_builder::run),
    row("task-locals", Smol, true, false, task_locals::run).call_value(),
    row(
        "threads-await",
        Threads,
        false,
        true,
        crate::threads::awaits::run,
    ),
    row(
        "threads-block-on",
        Threads,
        true,
        false,
        crate::threads::entry::run,
    ),
    row(
        "threads-builder",
        Threads,
        true,
        false,
        crate::threads::spawn::run,
    ),
    by("threads-channel", Threads, "threads-await's file pass"),
    row(
        "threads-interval",
        Threads,
        true,
        false,
        crate::threads::interval::run,
    ),
    row(
        "threads-join",
        Threads,
        false,
        true,
        crate::threads::join::run,
    ),
    row(
        "threads-main",
        Threads,
        true,
        false,
        crate::threads::entry::run,
    ),
    row(
        "threads-spawn",
        Threads,
        true,
        false,
        crate::threads::spawn::run,
    ),
    row(
        "threads-spawn-blocking",
        Threads,
        true,
        false,
        crate::threads::spawn::run,
    ),
    row(
        "threads-test",
        Threads,
        true,
        false,
        crate::threads::entry::run,
    ),
    row(
        "threads-timeout",
        Threads,
        true,
        false,
        crate::threads::timeout::run,
    ),
    row("timeout-error", Smol, true, false, timeout_error::run),
    row("timeout-to-or", Smol, true, false, timeout::run),
    row("unix-sync-bind", Smol, true, false, unix_bind::run).calls_only(),
    row("worker-threads", Smol, true, false, worker_threads::run),
    row("write-macro", Smol, false, true, write_macro::run),
];

/// The registry row of a handler id.
pub fn get(id: &str) -> Option<&'static Handler> {
    ALL.binary_search_by(|h| h.id.cmp(id)).ok().map(|i| &ALL[i])
}

/// Whether the handler of this id acts on the value a call returns (its row's `call_value` flag).
pub fn call_value(id: Option<&str>) -> bool {
    id.and_then(get).is_some_and(|h| h.call_value)
}

/// Whether the handler of this id acts on calls only (its row's `calls_only` flag).
pub fn calls_only(id: &str) -> bool {
    get(id).is_some_and(|h| h.calls_only)
}

/// Runs the handler a path site's catalogue row names.
pub fn on_path(id: &str, site: &PathSite, m: &Mapped<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    match get(id) {
        Some(Handler {
            on_path: true,
            run: Run::Entry(run),
            ..
        }) => run(At::Path(site, m), ctx, acc),
        // A file pass or a handler run by another: the row maps the path as written.
        _ => Flow::Continue,
    }
}

/// Runs the file passes of the file's target, in registry order.
pub fn file_passes(ctx: &Ctx<'_>, acc: &mut Acc) {
    let target = if ctx.threads.is_some() { Threads } else { Smol };
    for h in ALL.iter().filter(|h| h.target == target && h.on_file) {
        if let Run::Entry(run) = h.run {
            run(At::File, ctx, acc);
        }
    }
    acc.edits.set_anchor(None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sorted_and_unique() {
        for w in ALL.windows(2) {
            assert!(
                w[0].id < w[1].id,
                "`{}` must come after `{}`",
                w[0].id,
                w[1].id
            );
        }
    }

    #[test]
    fn every_row_hooks_in_somewhere() {
        for h in ALL {
            match h.run {
                Run::Entry(_) => assert!(h.on_path || h.on_file, "{} is never called", h.id),
                Run::By(_) => assert!(!h.on_path && !h.on_file, "{} is run by another", h.id),
            }
        }
    }

    #[test]
    fn the_registry_is_the_documented_catalogue() {
        let cat = crate::rules::Catalogue::smol();
        let documented: Vec<&str> = cat.handlers.iter().map(|h| h.id.as_str()).collect();
        let registered: Vec<&str> = ALL.iter().map(|h| h.id).collect();
        let mut sorted = documented.clone();
        sorted.sort();
        assert_eq!(
            sorted, registered,
            "transforms/handlers.toml and handlers::ALL differ"
        );
        for h in &cat.handlers {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&h.file);
            assert!(path.exists(), "{} names a missing file {}", h.id, h.file);
        }
    }

    #[test]
    fn catalogue_rows_name_path_handlers_of_their_target() {
        let smol = crate::rules::Catalogue::smol();
        let threads = crate::rules::Catalogue::threads(false);
        for (cat, target) in [(smol, Smol), (threads, Threads)] {
            for r in &cat.rules {
                let Some(id) = r.handler.as_deref() else {
                    continue;
                };
                let h =
                    get(id).unwrap_or_else(|| panic!("row {} names an unknown handler {id}", r.id));
                assert_eq!(
                    h.target, target,
                    "row {} names {id} of another target",
                    r.id
                );
            }
        }
    }
}
