//! Task-locals and task identity. async-std's tasks carried values of their own (`task_local!`,
//! made on a task's first use, dropped with it), an id and a name (`task::current()`); smol's
//! tasks carry nothing, and `thread_local!` would share one value among every task a thread runs.
//! A crate that uses them gets a small module, `task_locals` (see [`MODULE`]), written once at
//! the end of its root file: every task the crate starts through it (its `spawn`, `block_on` and
//! named `Builder` spawns, the `#[async_std::main]`/`#[async_std::test]` bodies too) carries that
//! state again, made current while the task is polled, as async-std's runtime did.
//!
//! Before:
//! ```text
//! use async_std::task;
//! use std::cell::Cell;
//!
//! async_std::task_local! {
//!     static DEPTH: Cell<u32> = Cell::new(0);
//! }
//!
//! fn main() {
//!     task::block_on(async {
//!         DEPTH.with(|d| d.set(1));
//!         let other = task::spawn(async { DEPTH.with(|d| d.get()) }).await;
//!         println!("{} {other} {}", DEPTH.with(|d| d.get()), task::current().id());
//!     });
//! }
//! ```
//! After:
//! ```text
//! use std::cell::Cell;
//!
//! crate::task_locals::task_local! {
//!     static DEPTH: Cell<u32> = Cell::new(0);
//! }
//!
//! fn main() {
//!     crate::task_locals::block_on(async {
//!         DEPTH.with(|d| d.set(1));
//!         let other = crate::task_locals::spawn(async { DEPTH.with(|d| d.get()) }).await;
//!         println!("{} {other} {}", DEPTH.with(|d| d.get()), crate::task_locals::current().id());
//!     });
//! }
//!
//! /// async-std's tasks carried values of their own (`task_local!`), an id and a name
//! /// (`task::current()`); smol's carry nothing. Every task the crate starts through this module
//! /// carries them again, made current while it is polled (written by async-std-migrate).
//! #[allow(unsafe_code, dead_code, unused_macros, unused_imports)]
//! mod task_locals {
//!     use std::any::Any;
//!     use std::cell::{Cell, RefCell};
//!     use std::future::Future;
//!     use std::pin::Pin;
//!     use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
//!     use std::sync::Arc;
//!     use std::task::{Context, Poll};
//!
//!     /// What a task carries.
//!     struct State {
//!         task: Task,
//!         values: RefCell<Vec<Option<Box<dyn Any + Send>>>>,
//!     }
//!
//!     thread_local! {
//!         static CURRENT: Cell<*const State> = const { Cell::new(std::ptr::null()) };
//!     }
//!
//!     /// A task: its id and name (async-std's `task::Task`).
//!     #[derive(Clone, Debug)]
//!     pub struct Task {
//!         id: TaskId,
//!         name: Option<Arc<String>>,
//!     }
//!
//!     impl Task {
//!         pub fn id(&self) -> TaskId {
//!             self.id
//!         }
//!
//!         pub fn name(&self) -> Option<&str> {
//!             self.name.as_ref().map(|n| n.as_str())
//!         }
//!     }
//!
//!     /// A task's id, unique in the process (async-std's `task::TaskId`).
//!     #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
//!     pub struct TaskId(u64);
//!
//!     impl std::fmt::Display for TaskId {
//!         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!             write!(f, "{}", self.0)
//!         }
//!     }
//!
//!     /// A task's future with its state, current while it is polled.
//!     struct Scoped<F> {
//!         state: Box<State>,
//!         future: Pin<Box<F>>,
//!     }
//!
//!     impl<F: Future> Future for Scoped<F> {
//!         type Output = F::Output;
//!
//!         fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
//!             struct Restore(*const State);
//!             impl Drop for Restore {
//!                 fn drop(&mut self) {
//!                     CURRENT.with(|c| c.set(self.0));
//!                 }
//!             }
//!             let this = &mut *self;
//!             let _restore = Restore(CURRENT.with(|c| c.replace(&*this.state)));
//!             this.future.as_mut().poll(cx)
//!         }
//!     }
//!
//!     fn scoped<F: Future>(name: Option<String>, future: F) -> Scoped<F> {
//!         static NEXT: AtomicU64 = AtomicU64::new(1);
//!         let task = Task {
//!             id: TaskId(NEXT.fetch_add(1, Ordering::Relaxed)),
//!             name: name.map(Arc::new),
//!         };
//!         Scoped {
//!             state: Box::new(State {
//!                 task,
//!                 values: RefCell::new(Vec::new()),
//!             }),
//!             future: Box::pin(future),
//!         }
//!     }
//!
//!     /// smol's `block_on`, the future run as a task of its own (async-std's `block_on` made one).
//!     pub fn block_on<T>(future: impl Future<Output = T>) -> T {
//!         smol::block_on(scoped(None, future))
//!     }
//!
//!     /// smol's `spawn`, the task with values of its own.
//!     pub fn spawn<T: Send + 'static>(
//!         future: impl Future<Output = T> + Send + 'static,
//!     ) -> smol::Task<T> {
//!         smol::spawn(scoped(None, future))
//!     }
//!
//!     /// `spawn` with a name, which `current().name()` returns (async-std's `Builder::name`).
//!     pub fn spawn_named<T: Send + 'static>(
//!         name: String,
//!         future: impl Future<Output = T> + Send + 'static,
//!     ) -> smol::Task<T> {
//!         smol::spawn(scoped(Some(name), future))
//!     }
//!
//!     /// The task being polled (async-std's `task::current`).
//!     ///
//!     /// # Panics
//!     /// Outside a task started through this module.
//!     pub fn current() -> Task {
//!         try_current().expect("`task::current()` called outside the context of a task")
//!     }
//!
//!     /// The task being polled, if any (async-std's `task::try_current`).
//!     pub fn try_current() -> Option<Task> {
//!         let state = CURRENT.with(Cell::get);
//!         // SAFETY: `CURRENT` points at the state of the task this thread is polling: set and
//!         // reset around each poll, and the state lives as long as the task's future.
//!         (!state.is_null()).then(|| unsafe { &*state }.task.clone())
//!     }
//!
//!     /// A value each task has of its own, made by its initialiser on the task's first use
//!     /// (async-std's `task::LocalKey`; declared with `task_local!`).
//!     pub struct LocalKey<T: Send + 'static> {
//!         #[doc(hidden)]
//!         pub __init: fn() -> T,
//!         #[doc(hidden)]
//!         pub __key: AtomicUsize,
//!     }
//!
//!     /// A task-local used outside a task (async-std's `task::AccessError`).
//!     #[derive(Clone, Copy, Debug, Eq, PartialEq)]
//!     pub struct AccessError {
//!         _private: (),
//!     }
//!
//!     impl std::fmt::Display for AccessError {
//!         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!             "already destroyed or called outside the context of a task".fmt(f)
//!         }
//!     }
//!
//!     impl std::error::Error for AccessError {}
//!
//!     impl<T: Send + 'static> LocalKey<T> {
//!         /// # Panics
//!         /// Outside a task started through this module.
//!         pub fn with<F, R>(&'static self, f: F) -> R
//!         where
//!             F: FnOnce(&T) -> R,
//!         {
//!             self.try_with(f)
//!                 .expect("`LocalKey::with` called outside the context of a task")
//!         }
//!
//!         pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
//!         where
//!             F: FnOnce(&T) -> R,
//!         {
//!             let state = CURRENT.with(Cell::get);
//!             if state.is_null() {
//!                 return Err(AccessError { _private: () });
//!             }
//!             // SAFETY: as in `try_current`.
//!             let values = unsafe { &(*state).values };
//!             let key = self.key();
//!             if !values.borrow().get(key).is_some_and(Option::is_some) {
//!                 // Made before the list is borrowed: the initialiser may use other task-locals.
//!                 let value: Box<dyn Any + Send> = Box::new((self.__init)());
//!                 let mut values = values.borrow_mut();
//!                 if values.len() <= key {
//!                     values.resize_with(key + 1, || None);
//!                 }
//!                 values[key] = Some(value);
//!             }
//!             let value: *const T = values.borrow()[key]
//!                 .as_ref()
//!                 .and_then(|v| v.downcast_ref::<T>())
//!                 .expect("a task-local of its own type");
//!             // SAFETY: each value is boxed (it stays put when the list grows) and is neither
//!             // replaced nor dropped before its task: `f` may use other task-locals meanwhile.
//!             Ok(f(unsafe { &*value }))
//!         }
//!
//!         fn key(&self) -> usize {
//!             static NEXT: AtomicUsize = AtomicUsize::new(1);
//!             match self.__key.load(Ordering::Acquire) {
//!                 0 => {
//!                     let new = NEXT.fetch_add(1, Ordering::Relaxed);
//!                     match self.__key.compare_exchange(0, new, Ordering::AcqRel, Ordering::Acquire) {
//!                         Ok(_) => new,
//!                         Err(first) => first,
//!                     }
//!                 }
//!                 key => key,
//!             }
//!         }
//!     }
//!
//!     /// Declares task-local values (async-std's `task_local!`).
//!     macro_rules! task_local {
//!         () => ();
//!         ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => (
//!             $crate::task_locals::task_local!($(#[$attr])* $vis static $name: $t = $init);
//!             $crate::task_locals::task_local!($($rest)*);
//!         );
//!         ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => (
//!             $(#[$attr])* $vis static $name: $crate::task_locals::LocalKey<$t> = {
//!                 fn __init() -> $t {
//!                     $init
//!                 }
//!                 $crate::task_locals::LocalKey {
//!                     __init,
//!                     __key: ::std::sync::atomic::AtomicUsize::new(0),
//!                 }
//!             };
//!         );
//!     }
//!     pub(crate) use task_local;
//! }
//! ```
//!
//! Not done, and left on async-std (reported, `runtime-bound`): a crate that also spawns local
//! tasks (`local_executor.rs`: two modules would each want to be the one `block_on`), a crate that
//! forbids `unsafe_code` (the module reads the current task through a pointer), and a library
//! whose task-locals other workspace packages reach (their tasks would have to start through its
//! module too). Tasks started elsewhere (another crate's `smol::spawn`) have no task-locals:
//! `with` panics there and `try_with` returns `AccessError`, as async-std's did outside a task.

use super::generated::{self, Generated};
use super::{Acc, At, Ctx, Flow};

/// The handler id (also the rule id its edits count under).
pub(crate) const RULE: &str = "task-locals";

/// The module; `{vis}` is `pub ` in a library (hidden from its docs).
const MODULE: &str = "
/// async-std's tasks carried values of their own (`task_local!`), an id and a name
/// (`task::current()`); smol's carry nothing. Every task the crate starts through this module
/// carries them again, made current while it is polled (written by async-std-migrate).
{hidden}#[allow(unsafe_code, dead_code, unused_macros, unused_imports)]
{vis}mod task_locals {
    use std::any::Any;
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll};

    /// What a task carries.
    struct State {
        task: Task,
        values: RefCell<Vec<Option<Box<dyn Any + Send>>>>,
    }

    thread_local! {
        static CURRENT: Cell<*const State> = const { Cell::new(std::ptr::null()) };
    }

    /// A task: its id and name (async-std's `task::Task`).
    #[derive(Clone, Debug)]
    pub struct Task {
        id: TaskId,
        name: Option<Arc<String>>,
    }

    impl Task {
        pub fn id(&self) -> TaskId {
            self.id
        }

        pub fn name(&self) -> Option<&str> {
            self.name.as_ref().map(|n| n.as_str())
        }
    }

    /// A task's id, unique in the process (async-std's `task::TaskId`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct TaskId(u64);

    impl std::fmt::Display for TaskId {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, \"{}\", self.0)
        }
    }

    /// A task's future with its state, current while it is polled.
    struct Scoped<F> {
        state: Box<State>,
        future: Pin<Box<F>>,
    }

    impl<F: Future> Future for Scoped<F> {
        type Output = F::Output;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            struct Restore(*const State);
            impl Drop for Restore {
                fn drop(&mut self) {
                    CURRENT.with(|c| c.set(self.0));
                }
            }
            let this = &mut *self;
            let _restore = Restore(CURRENT.with(|c| c.replace(&*this.state)));
            this.future.as_mut().poll(cx)
        }
    }

    fn scoped<F: Future>(name: Option<String>, future: F) -> Scoped<F> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let task = Task {
            id: TaskId(NEXT.fetch_add(1, Ordering::Relaxed)),
            name: name.map(Arc::new),
        };
        Scoped {
            state: Box::new(State {
                task,
                values: RefCell::new(Vec::new()),
            }),
            future: Box::pin(future),
        }
    }

    /// smol's `block_on`, the future run as a task of its own (async-std's `block_on` made one).
    pub fn block_on<T>(future: impl Future<Output = T>) -> T {
        smol::block_on(scoped(None, future))
    }

    /// smol's `spawn`, the task with values of its own.
    pub fn spawn<T: Send + 'static>(
        future: impl Future<Output = T> + Send + 'static,
    ) -> smol::Task<T> {
        smol::spawn(scoped(None, future))
    }

    /// `spawn` with a name, which `current().name()` returns (async-std's `Builder::name`).
    pub fn spawn_named<T: Send + 'static>(
        name: String,
        future: impl Future<Output = T> + Send + 'static,
    ) -> smol::Task<T> {
        smol::spawn(scoped(Some(name), future))
    }

    /// The task being polled (async-std's `task::current`).
    ///
    /// # Panics
    /// Outside a task started through this module.
    pub fn current() -> Task {
        try_current().expect(\"`task::current()` called outside the context of a task\")
    }

    /// The task being polled, if any (async-std's `task::try_current`).
    pub fn try_current() -> Option<Task> {
        let state = CURRENT.with(Cell::get);
        // SAFETY: `CURRENT` points at the state of the task this thread is polling: set and
        // reset around each poll, and the state lives as long as the task's future.
        (!state.is_null()).then(|| unsafe { &*state }.task.clone())
    }

    /// A value each task has of its own, made by its initialiser on the task's first use
    /// (async-std's `task::LocalKey`; declared with `task_local!`).
    pub struct LocalKey<T: Send + 'static> {
        #[doc(hidden)]
        pub __init: fn() -> T,
        #[doc(hidden)]
        pub __key: AtomicUsize,
    }

    /// A task-local used outside a task (async-std's `task::AccessError`).
    #[derive(Clone, Copy, Debug, Eq, PartialEq)]
    pub struct AccessError {
        _private: (),
    }

    impl std::fmt::Display for AccessError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            \"already destroyed or called outside the context of a task\".fmt(f)
        }
    }

    impl std::error::Error for AccessError {}

    impl<T: Send + 'static> LocalKey<T> {
        /// # Panics
        /// Outside a task started through this module.
        pub fn with<F, R>(&'static self, f: F) -> R
        where
            F: FnOnce(&T) -> R,
        {
            self.try_with(f)
                .expect(\"`LocalKey::with` called outside the context of a task\")
        }

        pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
        where
            F: FnOnce(&T) -> R,
        {
            let state = CURRENT.with(Cell::get);
            if state.is_null() {
                return Err(AccessError { _private: () });
            }
            // SAFETY: as in `try_current`.
            let values = unsafe { &(*state).values };
            let key = self.key();
            if !values.borrow().get(key).is_some_and(Option::is_some) {
                // Made before the list is borrowed: the initialiser may use other task-locals.
                let value: Box<dyn Any + Send> = Box::new((self.__init)());
                let mut values = values.borrow_mut();
                if values.len() <= key {
                    values.resize_with(key + 1, || None);
                }
                values[key] = Some(value);
            }
            let value: *const T = values.borrow()[key]
                .as_ref()
                .and_then(|v| v.downcast_ref::<T>())
                .expect(\"a task-local of its own type\");
            // SAFETY: each value is boxed (it stays put when the list grows) and is neither
            // replaced nor dropped before its task: `f` may use other task-locals meanwhile.
            Ok(f(unsafe { &*value }))
        }

        fn key(&self) -> usize {
            static NEXT: AtomicUsize = AtomicUsize::new(1);
            match self.__key.load(Ordering::Acquire) {
                0 => {
                    let new = NEXT.fetch_add(1, Ordering::Relaxed);
                    match self.__key.compare_exchange(0, new, Ordering::AcqRel, Ordering::Acquire) {
                        Ok(_) => new,
                        Err(first) => first,
                    }
                }
                key => key,
            }
        }
    }

    /// Declares task-local values (async-std's `task_local!`).
    macro_rules! task_local {
        () => ();
        ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => (
            $crate::task_locals::task_local!($(#[$attr])* $vis static $name: $t = $init);
            $crate::task_locals::task_local!($($rest)*);
        );
        ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => (
            $(#[$attr])* $vis static $name: $crate::task_locals::LocalKey<$t> = {
                fn __init() -> $t {
                    $init
                }
                $crate::task_locals::LocalKey {
                    __init,
                    __key: ::std::sync::atomic::AtomicUsize::new(0),
                }
            };
        );
    }
    pub(crate) use task_local;
}
";

/// async-std's items the module stands for (their module's item).
const ITEMS: &[(&str, &str)] = &[
    ("async_std::task::AccessError", "AccessError"),
    ("async_std::task::LocalKey", "LocalKey"),
    ("async_std::task::Task", "Task"),
    ("async_std::task::TaskId", "TaskId"),
    ("async_std::task::current", "current"),
    ("async_std::task::try_current", "try_current"),
    ("async_std::task_local", "task_local"),
    // Every task the crate starts, so that it carries its values.
    ("async_std::task::block_on", "block_on"),
    ("async_std::task::spawn", "spawn"),
];

/// The items that make a crate need the module (the rest go through it once it has it).
const NEEDS: &[(&str, &str)] = &[
    ("async_std::task::LocalKey", ""),
    ("async_std::task::current", ""),
    ("async_std::task::try_current", ""),
    ("async_std::task_local", ""),
];

/// Whether the module can stand in for the runtime-bound items of a crate whose files these
/// are: it does not forbid `unsafe_code` and spawns no local task.
pub(crate) fn can_serve<'a>(texts: &mut dyn Iterator<Item = &'a str>) -> bool {
    for t in texts {
        if t.contains("forbid(unsafe_code") || t.contains("spawn_local") {
            return false;
        }
    }
    true
}

/// The runtime-bound items the module stands in for.
pub(crate) fn serves(canon: &str) -> bool {
    NEEDS.iter().any(|(c, _)| *c == canon)
}

/// The module kind (see `generated.rs`): a crate that uses task-locals or `task::current` has
/// it, and the package's other crates use the library's.
pub(crate) const GENERATED: Generated = Generated {
    rule: RULE,
    module: "task_locals",
    items: ITEMS,
    names_it: |sites| generated::names_any(sites, NEEDS),
    crate_wants: None,
    crate_blocked_by: None,
    shared: true,
    package_wide: true,
    text: |root, public| {
        generated::module_text(root, MODULE, public)
            .replace("{hidden}", if public { "#[doc(hidden)]\n" } else { "" })
    },
};

/// Entry: a path of one of the items, in a crate that has the module.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    if ctx.generated.module("task_locals").is_none() {
        return Flow::Continue;
    }
    if site.canon.join("::") == "async_std::task::spawn" {
        super::detach::on_spawn(site, acc);
    }
    generated::point_at_module(at, ctx, acc, RULE)
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_entry_point_runs_as_a_task_with_its_values() {
        let before = r#"use std::cell::Cell;

async_std::task_local! {
    static N: Cell<u8> = Cell::new(1);
}

#[async_std::main]
async fn main() {
    N.with(|n| n.set(2));
    println!("{} {}", N.with(|n| n.get()), async_std::task::current().id());
}
"#;
        let after = r#"use std::cell::Cell;

crate::task_locals::task_local! {
    static N: Cell<u8> = Cell::new(1);
}

fn main() {
    crate::task_locals::block_on(async_main())
}

async fn async_main() {
    N.with(|n| n.set(2));
    println!("{} {}", N.with(|n| n.get()), crate::task_locals::current().id());
}
"#;
        check_rewrite_by(
            &["task-locals", "attr-main"],
            before,
            &format!("{after}{}", (super::GENERATED.text)(after, false)),
        );
    }
}
