//! Task handles the migration cannot follow. async-std's `JoinHandle` detached its task when
//! dropped; smol's `Task` cancels it, so each dropped handle gets `.detach()` (`detach.rs`).
//! A spawn named inside a `macro_rules!` body whose results are not all awaited (a `spawn!`
//! macro whose body is shared with another runtime's `spawn` under another cfg) shows no
//! handle to follow: a crate with one gets a small module, `join_handle` (see [`MODULE`]), whose
//! `spawn`, `spawn_blocking` and `JoinHandle` are smol's with async-std's handle: dropped, it
//! detaches; awaited, it gives the output; `cancel().await` gives `Option<T>`. Every name of
//! those items in the crate then points at the module, the macro's body stays as written. So does
//! a crate with a handle the migration cannot follow outside a macro: kept and used other than by
//! `.await` (`server.race(client)`), or stored and passed on (`Wrapper::new(task::spawn(..))`),
//! unless its file spawns local tasks (whose handles are the local executor's).
//!
//! Before:
//! ```text
//! use async_std::task::{spawn, JoinHandle};
//!
//! macro_rules! start {
//!     ($e:expr) => {
//!         spawn($e)
//!     };
//! }
//!
//! fn run() -> JoinHandle<u8> {
//!     start!(async {});
//!     spawn(async { 1 })
//! }
//! ```
//! After:
//! ```text
//! use crate::join_handle::{spawn, JoinHandle};
//!
//! macro_rules! start {
//!     ($e:expr) => {
//!         spawn($e)
//!     };
//! }
//!
//! fn run() -> JoinHandle<u8> {
//!     start!(async {});
//!     spawn(async { 1 })
//! }
//!
//! /// async-std's task handle on smol's executor: dropped, it detaches the task (smol's `Task`
//! /// cancels it). For the spawns whose handles the migration cannot follow (written by
//! /// async-std-migrate).
//! #[allow(dead_code)]
//! mod join_handle {
//!     use std::future::Future;
//!     use std::pin::Pin;
//!     use std::task::{Context, Poll};
//!
//!     /// A spawned task's handle: awaited, its output; dropped, the task goes on.
//!     pub struct JoinHandle<T>(Option<smol::Task<T>>);
//!
//!     impl<T> JoinHandle<T> {
//!         /// Cancels the task: its output, if it had finished.
//!         pub async fn cancel(mut self) -> Option<T> {
//!             self.0.take()?.cancel().await
//!         }
//!     }
//!
//!     impl<T> Drop for JoinHandle<T> {
//!         fn drop(&mut self) {
//!             if let Some(task) = self.0.take() {
//!                 task.detach();
//!             }
//!         }
//!     }
//!
//!     impl<T> Future for JoinHandle<T> {
//!         type Output = T;
//!
//!         fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
//!             let task = self.0.as_mut().expect("`JoinHandle` polled after it completed");
//!             Pin::new(task).poll(cx)
//!         }
//!     }
//!
//!     impl<T> std::fmt::Debug for JoinHandle<T> {
//!         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!             f.pad("JoinHandle { .. }")
//!         }
//!     }
//!
//!     /// Spawns a task on smol's executor.
//!     pub fn spawn<F, T>(future: F) -> JoinHandle<T>
//!     where
//!         F: Future<Output = T> + Send + 'static,
//!         T: Send + 'static,
//!     {
//!         JoinHandle(Some(smol::spawn(future)))
//!     }
//!
//!     /// Runs a blocking closure on smol's thread pool.
//!     pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
//!     where
//!         F: FnOnce() -> T + Send + 'static,
//!         T: Send + 'static,
//!     {
//!         JoinHandle(Some(smol::unblock(f)))
//!     }
//! }
//! ```
//! In a library the module is public and hidden, and names the crates smol is made of
//! (`async_global_executor::spawn`, `blocking::unblock`), as the rest of the library does.

use super::generated::{self, Generated};
use super::{Acc, At, Ctx, Flow};
use crate::resolve::FileSites;
use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode};

/// The handler id (also the rule its edits count under).
pub(crate) const RULE: &str = "join-handle";

const ITEMS: &[(&str, &str)] = &[
    ("async_std::task::JoinHandle", "JoinHandle"),
    ("async_std::task::spawn", "spawn"),
    ("async_std::task::spawn_blocking", "spawn_blocking"),
];

/// The module kind (see `generated.rs`): a crate with a spawn in a macro body that is not
/// always awaited has it.
pub(crate) const GENERATED: Generated = Generated {
    rule: RULE,
    module: "join_handle",
    items: ITEMS,
    names_it: |sites| spawns_in_unawaited_macro(sites) || handles_untracked(sites),
    crate_wants: None,
    crate_blocked_by: None,
    shared: true,
    package_wide: false,
    text: |root, public| {
        generated::module_text(root, MODULE, public)
            .replace("{hidden}", if public { "#[doc(hidden)]\n" } else { "" })
            .replace("{allow}", if public { "" } else { "#[allow(dead_code)]\n" })
    },
};

/// The module; `{vis}` is `pub ` in a library (hidden from its docs). Its text is the example's
/// above.
const MODULE: &str = "
/// async-std's task handle on smol's executor: dropped, it detaches the task (smol's `Task`
/// cancels it). For the spawns whose handles the migration cannot follow (written by
/// async-std-migrate).
{hidden}{allow}{vis}mod join_handle {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A spawned task's handle: awaited, its output; dropped, the task goes on.
    pub struct JoinHandle<T>(Option<smol::Task<T>>);

    impl<T> JoinHandle<T> {
        /// Cancels the task: its output, if it had finished.
        pub async fn cancel(mut self) -> Option<T> {
            self.0.take()?.cancel().await
        }
    }

    impl<T> Drop for JoinHandle<T> {
        fn drop(&mut self) {
            if let Some(task) = self.0.take() {
                task.detach();
            }
        }
    }

    impl<T> Future for JoinHandle<T> {
        type Output = T;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
            let task = self.0.as_mut().expect(\"`JoinHandle` polled after it completed\");
            Pin::new(task).poll(cx)
        }
    }

    impl<T> std::fmt::Debug for JoinHandle<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.pad(\"JoinHandle { .. }\")
        }
    }

    /// Spawns a task on smol's executor.
    pub fn spawn<F, T>(future: F) -> JoinHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle(Some(smol::spawn(future)))
    }

    /// Runs a blocking closure on smol's thread pool.
    pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle(Some(smol::unblock(f)))
    }
}
";

/// The spawns whose handle a macro body hides.
const SPAWNERS: &[&str] = &["async_std::task::spawn", "async_std::task::spawn_blocking"];

/// A file whose top-level import binds a spawn (`spawn`, or the `task` module) that a
/// `macro_rules!` body calls, where not every invocation of the macro awaits its result.
/// A spawn whose handle goes where the migration cannot follow it (`detach::untracked`: kept and
/// used other than by `.await`, or stored and passed on), in a file that spawns no local task
/// (`spawn_local`'s handles are the local executor's, of another type).
fn handles_untracked(sites: &FileSites) -> bool {
    let canon = |s: &&crate::resolve::PathSite| s.canon.join("::");
    !sites
        .paths
        .iter()
        .any(|s| canon(&s) == "async_std::task::spawn_local")
        && sites.paths.iter().any(|s| {
            SPAWNERS.contains(&canon(&s).as_str())
                && super::call_of_path(&s.path)
                    .is_some_and(|c| super::detach::untracked(c.syntax()))
        })
}

fn spawns_in_unawaited_macro(sites: &FileSites) -> bool {
    // A name shared with another runtime under another cfg is bound with async-std's
    // behaviour where it is imported (`rewrite/shared.rs`).
    let top = |l: &&crate::resolve::UseLeaf| {
        !l.glob
            && !crate::resolve::cfg_regions::cfg_shared(l, sites)
            && l.use_item
                .syntax()
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::SOURCE_FILE)
    };
    // (local name, whether it names the `task` module).
    let names: Vec<(String, bool)> = sites
        .leaves
        .iter()
        .filter(top)
        .filter_map(|l| {
            let canon = l.canon.join("::");
            let module = canon == "async_std::task";
            (module || SPAWNERS.contains(&canon.as_str()))
                .then(|| l.local.clone().map(|n| (n, module)))
                .flatten()
        })
        .collect();
    let Some(root) = sites
        .leaves
        .first()
        .and_then(|l| l.use_item.syntax().ancestors().last())
    else {
        return false;
    };
    if names.is_empty() {
        return false;
    }
    let nodes: Vec<SyntaxNode> = root.descendants().collect();
    nodes
        .iter()
        .filter_map(|n| ast::MacroRules::cast(n.clone()))
        .any(|rules| {
            let (Some(body), Some(name)) = (rules.token_tree(), ast::HasName::name(&rules)) else {
                return false;
            };
            let toks: Vec<_> = body
                .syntax()
                .descendants_with_tokens()
                .filter_map(ra_ap_syntax::NodeOrToken::into_token)
                .filter(|t| !t.kind().is_trivia())
                .collect();
            let calls_spawn = (0..toks.len()).any(|i| {
                let t = &toks[i];
                if t.kind() != SyntaxKind::IDENT
                    || crate::rewrite::macros::follows_separator(&toks, i)
                    || (i > 0 && toks[i - 1].kind() == SyntaxKind::DOT)
                {
                    return false;
                }
                names.iter().any(|(n, module)| {
                    n == t.text()
                        && (!module || {
                            let (mut j, mut segs, mut end) =
                                (i + 1, Vec::new(), t.text_range().end());
                            crate::rewrite::macros::path_tail(&toks, &mut j, &mut segs, &mut end);
                            segs.first()
                                .is_some_and(|s| s == "spawn" || s == "spawn_blocking")
                        })
                })
            });
            calls_spawn && !crate::rewrite::macros::macro_results_awaited_in(&nodes, &name.text())
        })
}

/// Entry: a name of one of the items, in a crate that has the module.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    generated::point_at_module(at, ctx, acc, RULE)
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_macro_whose_spawns_are_awaited_needs_no_module() {
        let before = r#"use async_std::task::spawn;

macro_rules! start {
    ($e:expr) => {
        spawn($e)
    };
}

async fn run() -> u8 {
    start!(async { 1 }).await
}
"#;
        let after = r#"use smol::spawn;

macro_rules! start {
    ($e:expr) => {
        spawn($e)
    };
}

async fn run() -> u8 {
    start!(async { 1 }).await
}
"#;
        let out = migrate(before, crate::handlers::HandlerTarget::Smol);
        assert_eq!(out.text, after);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }

    #[test]
    fn a_shared_module_s_member_named_only_in_a_macro_body_is_reported() {
        // The shim of a module shared with another runtime has the members the parsed code
        // names; one only a macro body names would be missing from it.
        let before = r#"#[cfg(not(windows))]
use async_std::task;
#[cfg(windows)]
use other_runtime::task;

macro_rules! start {
    ($e:expr) => {
        task::spawn($e)
    };
}

fn run() {
    start!(async {});
    task::block_on(async {});
}
"#;
        let out = migrate(before, crate::handlers::HandlerTarget::Smol);
        assert!(
            out.findings
                .iter()
                .any(|f| f.message.contains("cannot be rewritten safely")),
            "{}\n{:?}",
            out.text,
            out.findings
        );
    }

    #[test]
    fn a_module_import_in_a_macro_body_points_at_the_module() {
        let before = r#"use async_std::task;

macro_rules! start {
    ($e:expr) => {
        task::spawn($e)
    };
}

fn run() {
    start!(async {});
}
"#;
        let out = migrate(before, crate::handlers::HandlerTarget::Smol);
        assert!(
            out.text.contains("$crate::join_handle::spawn($e)")
                && out.text.contains("mod join_handle"),
            "{}",
            out.text
        );
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
