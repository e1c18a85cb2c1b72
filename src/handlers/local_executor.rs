//! `task::spawn_local`. async-std ran `!Send` tasks on a thread-local executor that its
//! `block_on` drove (`async-global-executor`: `block_on(f)` is `LOCAL_EXECUTOR.run(f)`); smol has
//! no global local executor. A package whose code spawns local tasks gets a small module,
//! `local_executor` (see [`MODULE`]), written once at the end of the crate's root file (the
//! library's, public and hidden, when the library spawns: the package's programs and tests drive
//! it): its `spawn_local` spawns on this thread's `smol::LocalExecutor`, and its `block_on` runs
//! that executor around the future, as async-std's did. Every `block_on` of the package, the
//! `#[async_std::main]`/`#[async_std::test]` bodies included, goes through it. A dropped handle is
//! detached (async-std's `JoinHandle` detached on drop, smol's `Task` cancels).
//!
//! Before:
//! ```text
//! use async_std::task;
//! use std::rc::Rc;
//!
//! fn main() {
//!     task::block_on(async {
//!         let shared = Rc::new(5);
//!         let local = shared.clone();
//!         let doubled = task::spawn_local(async move { *local * 2 }).await;
//!         task::spawn_local(async move { println!("{shared} {doubled}") });
//!     });
//! }
//! ```
//! After:
//! ```text
//! use std::rc::Rc;
//!
//! fn main() {
//!     crate::local_executor::block_on(async {
//!         let shared = Rc::new(5);
//!         let local = shared.clone();
//!         let doubled = crate::local_executor::spawn_local(async move { *local * 2 }).await;
//!         crate::local_executor::spawn_local(async move { println!("{shared} {doubled}") }).detach();
//!     });
//! }
//!
//! /// async-std's `task::spawn_local` ran `!Send` tasks on the thread's local executor, which its
//! /// `block_on` drove; smol has no global one: this is it, one per thread (written by
//! /// async-std-migrate).
//! mod local_executor {
//!     use std::cell::Cell;
//!     use std::future::Future;
//!
//!     thread_local! {
//!         static EXECUTOR: smol::LocalExecutor<'static> = smol::LocalExecutor::new();
//!         static DRIVEN: Cell<bool> = const { Cell::new(false) };
//!     }
//!
//!     /// smol's `block_on` that also runs the tasks `spawn_local` gave this thread.
//!     pub fn block_on<T>(future: impl Future<Output = T>) -> T {
//!         struct Restore(bool);
//!         impl Drop for Restore {
//!             fn drop(&mut self) {
//!                 DRIVEN.with(|d| d.set(self.0));
//!             }
//!         }
//!         let _restore = Restore(DRIVEN.with(|d| d.replace(true)));
//!         EXECUTOR.with(|ex| smol::block_on(ex.run(future)))
//!     }
//!
//!     /// Spawns a `!Send` task on this thread, run while `block_on` runs here.
//!     ///
//!     /// # Panics
//!     /// Outside `block_on` (on a thread of smol's executor), where nothing would ever run it.
//!     #[allow(dead_code)]
//!     pub fn spawn_local<T: 'static>(future: impl Future<Output = T> + 'static) -> smol::Task<T> {
//!         assert!(
//!             DRIVEN.with(Cell::get),
//!             "spawn_local outside local_executor::block_on: nothing would run the task"
//!         );
//!         EXECUTOR.with(|ex| ex.spawn(future))
//!     }
//! }
//! ```
//!
//! In a library, each `spawn_local` is also reported (review): code outside the package that reaches
//! it must run under the library's `local_executor::block_on`.
//!
//! Local tasks spawned from a task on smol's multi-threaded executor (async-std's worker threads
//! ran their own local executors) panic there rather than never running.
//!
//! Workspace packages that run a library's local tasks drive its executor: when each of them
//! depends on the library directly (and on no other such library), their entry points, `block_on`
//! and `spawn_local` go through `the_library::local_executor` (`engine::shared_executors`);
//! otherwise the library and they all keep async-std (a runtime that does not drive the executor
//! would never run the tasks): see `runtime-bound`.

use super::generated::{self, Generated};
use super::{Acc, At, Ctx, Flow};
use crate::report::RawFinding;
use ra_ap_syntax::AstNode;

/// The handler id (also the rule id its edits count under).
pub(crate) const RULE: &str = "local-executor";

/// The module; `{vis}` is `pub ` in a library (hidden from its docs).
const MODULE: &str = "
/// async-std's `task::spawn_local` ran `!Send` tasks on the thread's local executor, which its
/// `block_on` drove; smol has no global one: this is it, one per thread (written by
/// async-std-migrate).
{hidden}{vis}mod local_executor {
    use std::cell::Cell;
    use std::future::Future;

    thread_local! {
        static EXECUTOR: smol::LocalExecutor<'static> = smol::LocalExecutor::new();
        static DRIVEN: Cell<bool> = const { Cell::new(false) };
    }

    /// smol's `block_on` that also runs the tasks `spawn_local` gave this thread.
    pub fn block_on<T>(future: impl Future<Output = T>) -> T {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                DRIVEN.with(|d| d.set(self.0));
            }
        }
        let _restore = Restore(DRIVEN.with(|d| d.replace(true)));
        EXECUTOR.with(|ex| smol::block_on(ex.run(future)))
    }

    /// Spawns a `!Send` task on this thread, run while `block_on` runs here.
    ///
    /// # Panics
    /// Outside `block_on` (on a thread of smol's executor), where nothing would ever run it.
    {allow}pub fn spawn_local<T: 'static>(future: impl Future<Output = T> + 'static) -> smol::Task<T> {
        assert!(
            DRIVEN.with(Cell::get),
            \"spawn_local outside local_executor::block_on: nothing would run the task\"
        );
        EXECUTOR.with(|ex| ex.spawn(future))
    }
}
";

const SPAWN_LOCAL: &str = "async_std::task::spawn_local";

const ITEMS: &[(&str, &str)] = &[
    (SPAWN_LOCAL, "spawn_local"),
    ("async_std::task::block_on", "block_on"),
];

/// The module kind (see `generated.rs`): a crate that spawns local tasks has it, and the
/// package's other crates use the library's.
pub(crate) const GENERATED: Generated = Generated {
    rule: RULE,
    module: "local_executor",
    items: ITEMS,
    names_it: |sites| generated::names_any(sites, &ITEMS[..1]),
    crate_wants: None,
    crate_blocked_by: None,
    shared: true,
    package_wide: true,
    text: |root, public| {
        generated::module_text(root, MODULE, public)
            .replace("{hidden}", if public { "#[doc(hidden)]\n" } else { "" })
            // A crate whose `spawn_local` calls are all under an inactive cfg.
            .replace(
                "{allow}",
                if public {
                    ""
                } else {
                    "#[allow(dead_code)]\n    "
                },
            )
    },
};

/// The `block_on` an entry point's body runs in: the crate's local executor's when it has one,
/// else its task-locals' (`task_locals.rs`).
pub(crate) fn block_on(ctx: &Ctx<'_>) -> String {
    match ctx
        .generated
        .module("local_executor")
        .or_else(|| ctx.generated.module("task_locals"))
    {
        Some(m) => format!("{m}::block_on"),
        None => "smol::block_on".into(),
    }
}

/// Entry: a `spawn_local` or `block_on` path, in a crate that has the module.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    let Some(module) = ctx.generated.module("local_executor") else {
        return Flow::Continue;
    };
    if site.canon.join("::") == SPAWN_LOCAL {
        super::detach::on_spawn(site, acc);
        // A library's: callers outside the package ran it under async-std's runtime.
        let callers_run = match module.strip_prefix("crate::") {
            Some(_) => ctx
                .krate
                .lib_name
                .as_ref()
                .map(|l| format!("{l}::local_executor")),
            // A workspace dependency's executor (see `engine::shared_executors`).
            None => Some(module.to_string()),
        };
        if let (true, Some(lib)) = (ctx.in_lib, callers_run) {
            acc.findings.push(RawFinding::review(
                site.path.syntax().text_range().start().into(),
                RULE,
                format!("`spawn_local` now spawns on this library's `local_executor`, which the package's `block_on` and entry points drive: code outside the package that reaches it must run under `{lib}::block_on` (async-std's runtime drove it anywhere)"),
                format!("say so in the changelog, or have callers use `{lib}::block_on`"),
            ));
        }
    }
    generated::point_at_module(at, ctx, acc, RULE)
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_entry_point_runs_the_local_tasks() {
        let before = r#"#[async_std::main]
async fn main() {
    let t = async_std::task::spawn_local(async { 1 });
    println!("{}", t.await);
}
"#;
        let after = r#"fn main() {
    crate::local_executor::block_on(async_main())
}

async fn async_main() {
    let t = crate::local_executor::spawn_local(async { 1 });
    println!("{}", t.await);
}
"#;
        check_rewrite_by(
            &["local-executor", "attr-main"],
            before,
            &format!("{after}{}", (super::GENERATED.text)(after, false)),
        );
    }
}
