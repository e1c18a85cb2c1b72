//! `async_std::sync::Condvar` has no smol type. A crate that names it gets a condition variable
//! of its own for smol's `Mutex` (`smol::lock::Mutex`, which async-std's is): module `condvar`
//! (see [`MODULE`]) at the end of the crate's root file, with async-std's methods and behaviour.
//! A waiter is registered before its guard is released, so a notification between the two is
//! not lost; `wait_until` waits until the condition holds; a waiter dropped after it was
//! notified passes the notification on; `notify_one` wakes the longest waiting. A library's
//! tests and examples use the library's type. The names then point at the crate's type.
//!
//! Before:
//! ```text
//! use async_std::sync::{Condvar, Mutex};
//!
//! async fn ready(m: &Mutex<bool>, cv: &Condvar) {
//!     let g = cv.wait_until(m.lock().await, |ready| *ready).await;
//!     drop(g);
//! }
//! ```
//! After:
//! ```text
//! use crate::condvar::Condvar;
//! use smol::lock::Mutex;
//!
//! async fn ready(m: &Mutex<bool>, cv: &Condvar) {
//!     let g = cv.wait_until(m.lock().await, |ready| *ready).await;
//!     drop(g);
//! }
//!
//! /// async-std's `sync::Condvar`, which smol has no type for: a condition variable for smol's
//! /// `Mutex` with async-std's methods and behaviour (written by async-std-migrate).
//! mod condvar {
//!     use smol::lock::MutexGuard;
//!     use std::collections::VecDeque;
//!     use std::time::Duration;
//!
//!     /// Whether a timed wait ended because its time was up.
//!     #[derive(Debug, PartialEq, Eq, Copy, Clone)]
//!     pub struct WaitTimeoutResult(bool);
//!
//!     impl WaitTimeoutResult {
//!         /// The wait ended because its time was up.
//!         pub fn timed_out(self) -> bool {
//!             self.0
//!         }
//!     }
//!
//!     /// A condition variable: tasks wait on it with a guard of smol's `lock::Mutex` until another
//!     /// task notifies them.
//!     #[derive(Default)]
//!     pub struct Condvar {
//!         waiters: std::sync::Mutex<VecDeque<smol::channel::Sender<()>>>,
//!     }
//!
//!     impl std::fmt::Debug for Condvar {
//!         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!             f.pad("Condvar { .. }")
//!         }
//!     }
//!
//!     /// A waiter's place: a notification it received and did not take passes on.
//!     struct Waiting<'c> {
//!         cv: &'c Condvar,
//!         rx: smol::channel::Receiver<()>,
//!     }
//!
//!     impl Drop for Waiting<'_> {
//!         fn drop(&mut self) {
//!             if self.rx.try_recv().is_ok() {
//!                 self.cv.notify_one();
//!             }
//!         }
//!     }
//!
//!     #[allow(dead_code)]
//!     impl Condvar {
//!         /// A condition variable with no waiter.
//!         pub fn new() -> Self {
//!             Self::default()
//!         }
//!
//!         /// Releases the guard, waits for a notification, and locks the mutex again.
//!         pub async fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
//!             let mutex = MutexGuard::source(&guard);
//!             let (tx, rx) = smol::channel::bounded(1);
//!             self.waiters.lock().unwrap().push_back(tx);
//!             drop(guard);
//!             let waiting = Waiting { cv: self, rx };
//!             let _ = waiting.rx.recv().await;
//!             drop(waiting);
//!             mutex.lock().await
//!         }
//!
//!         /// Waits until `condition` holds for the guarded value.
//!         pub async fn wait_until<'a, T, F>(
//!             &self,
//!             mut guard: MutexGuard<'a, T>,
//!             mut condition: F,
//!         ) -> MutexGuard<'a, T>
//!         where
//!             F: FnMut(&mut T) -> bool,
//!         {
//!             while !condition(&mut *guard) {
//!                 guard = self.wait(guard).await;
//!             }
//!             guard
//!         }
//!
//!         /// [`Condvar::wait`] for at most `dur`.
//!         pub async fn wait_timeout<'a, T>(
//!             &self,
//!             guard: MutexGuard<'a, T>,
//!             dur: Duration,
//!         ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
//!             let mutex = MutexGuard::source(&guard);
//!             let timed = async {
//!                 let _ = smol::Timer::after(dur).await;
//!                 None
//!             };
//!             match smol::future::or(async { Some(self.wait(guard).await) }, timed).await {
//!                 Some(guard) => (guard, WaitTimeoutResult(false)),
//!                 None => (mutex.lock().await, WaitTimeoutResult(true)),
//!             }
//!         }
//!
//!         /// [`Condvar::wait_until`] for at most `dur`.
//!         pub async fn wait_timeout_until<'a, T, F>(
//!             &self,
//!             guard: MutexGuard<'a, T>,
//!             dur: Duration,
//!             condition: F,
//!         ) -> (MutexGuard<'a, T>, WaitTimeoutResult)
//!         where
//!             F: FnMut(&mut T) -> bool,
//!         {
//!             let mutex = MutexGuard::source(&guard);
//!             let timed = async {
//!                 let _ = smol::Timer::after(dur).await;
//!                 None
//!             };
//!             let waited = async { Some(self.wait_until(guard, condition).await) };
//!             match smol::future::or(waited, timed).await {
//!                 Some(guard) => (guard, WaitTimeoutResult(false)),
//!                 None => (mutex.lock().await, WaitTimeoutResult(true)),
//!             }
//!         }
//!
//!         /// Wakes the task that has waited longest, if any.
//!         pub fn notify_one(&self) {
//!             let mut waiters = self.waiters.lock().unwrap();
//!             while let Some(tx) = waiters.pop_front() {
//!                 if tx.try_send(()).is_ok() {
//!                     break;
//!                 }
//!             }
//!         }
//!
//!         /// Wakes every waiting task.
//!         pub fn notify_all(&self) {
//!             for tx in self.waiters.lock().unwrap().drain(..) {
//!                 let _ = tx.try_send(());
//!             }
//!         }
//!     }
//! }
//! ```

use super::generated::{self, Generated};
use super::{Acc, At, Ctx, Flow};

/// The handler id (also the rule its edits count under).
pub(crate) const RULE: &str = "condvar";

// async-std does not export its `WaitTimeoutResult`: code names it only through `wait_timeout`.
const ITEMS: &[(&str, &str)] = &[("async_std::sync::Condvar", "Condvar")];

/// The module kind (see `generated.rs`).
pub(crate) const GENERATED: Generated = Generated {
    rule: RULE,
    module: "condvar",
    items: ITEMS,
    names_it: |sites| generated::names_any(sites, ITEMS),
    crate_wants: None,
    crate_blocked_by: None,
    shared: true,
    package_wide: false,
    text: |root, public| generated::module_text(root, MODULE, public),
};

/// The module a crate that names the type gets, at the end of its root file; `{vis}` is `pub `
/// in a library and empty elsewhere. Its text is the example's above (a test checks they agree).
pub(crate) const MODULE: &str = "
/// async-std's `sync::Condvar`, which smol has no type for: a condition variable for smol's
/// `Mutex` with async-std's methods and behaviour (written by async-std-migrate).
{vis}mod condvar {
    use smol::lock::MutexGuard;
    use std::collections::VecDeque;
    use std::time::Duration;

    /// Whether a timed wait ended because its time was up.
    #[derive(Debug, PartialEq, Eq, Copy, Clone)]
    pub struct WaitTimeoutResult(bool);

    impl WaitTimeoutResult {
        /// The wait ended because its time was up.
        pub fn timed_out(self) -> bool {
            self.0
        }
    }

    /// A condition variable: tasks wait on it with a guard of smol's `lock::Mutex` until another
    /// task notifies them.
    #[derive(Default)]
    pub struct Condvar {
        waiters: std::sync::Mutex<VecDeque<smol::channel::Sender<()>>>,
    }

    impl std::fmt::Debug for Condvar {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.pad(\"Condvar { .. }\")
        }
    }

    /// A waiter's place: a notification it received and did not take passes on.
    struct Waiting<'c> {
        cv: &'c Condvar,
        rx: smol::channel::Receiver<()>,
    }

    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            if self.rx.try_recv().is_ok() {
                self.cv.notify_one();
            }
        }
    }

    #[allow(dead_code)]
    impl Condvar {
        /// A condition variable with no waiter.
        pub fn new() -> Self {
            Self::default()
        }

        /// Releases the guard, waits for a notification, and locks the mutex again.
        pub async fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            let mutex = MutexGuard::source(&guard);
            let (tx, rx) = smol::channel::bounded(1);
            self.waiters.lock().unwrap().push_back(tx);
            drop(guard);
            let waiting = Waiting { cv: self, rx };
            let _ = waiting.rx.recv().await;
            drop(waiting);
            mutex.lock().await
        }

        /// Waits until `condition` holds for the guarded value.
        pub async fn wait_until<'a, T, F>(
            &self,
            mut guard: MutexGuard<'a, T>,
            mut condition: F,
        ) -> MutexGuard<'a, T>
        where
            F: FnMut(&mut T) -> bool,
        {
            while !condition(&mut *guard) {
                guard = self.wait(guard).await;
            }
            guard
        }

        /// [`Condvar::wait`] for at most `dur`.
        pub async fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            dur: Duration,
        ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
            let mutex = MutexGuard::source(&guard);
            let timed = async {
                let _ = smol::Timer::after(dur).await;
                None
            };
            match smol::future::or(async { Some(self.wait(guard).await) }, timed).await {
                Some(guard) => (guard, WaitTimeoutResult(false)),
                None => (mutex.lock().await, WaitTimeoutResult(true)),
            }
        }

        /// [`Condvar::wait_until`] for at most `dur`.
        pub async fn wait_timeout_until<'a, T, F>(
            &self,
            guard: MutexGuard<'a, T>,
            dur: Duration,
            condition: F,
        ) -> (MutexGuard<'a, T>, WaitTimeoutResult)
        where
            F: FnMut(&mut T) -> bool,
        {
            let mutex = MutexGuard::source(&guard);
            let timed = async {
                let _ = smol::Timer::after(dur).await;
                None
            };
            let waited = async { Some(self.wait_until(guard, condition).await) };
            match smol::future::or(waited, timed).await {
                Some(guard) => (guard, WaitTimeoutResult(false)),
                None => (mutex.lock().await, WaitTimeoutResult(true)),
            }
        }

        /// Wakes the task that has waited longest, if any.
        pub fn notify_one(&self) {
            let mut waiters = self.waiters.lock().unwrap();
            while let Some(tx) = waiters.pop_front() {
                if tx.try_send(()).is_ok() {
                    break;
                }
            }
        }

        /// Wakes every waiting task.
        pub fn notify_all(&self) {
            for tx in self.waiters.lock().unwrap().drain(..) {
                let _ = tx.try_send(());
            }
        }
    }
}
";

/// Entry: a path naming `Condvar`. Imported by name, the regenerated
/// import points at the crate's type; written out, the path is replaced.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    generated::point_at_module(at, ctx, acc, RULE)
}
