//! `--to threads`: async-std code made plain blocking std code with threads, and `--to auto`'s
//! question, "does this crate need async at all?".
//!
//! A crate is converted whole or not at all (a half-async crate does not compile). The
//! [`analyse`] pass looks at every file of a unit (the library with the main binary, or one
//! example/test/bench/bin) and lists its *blockers*, each with file:line and a reason a user can
//! act on. A unit with no blocker is converted by the path rows of `transforms/threads.toml` and
//! the handlers of this module:
//!
//! ```text
//! #[async_std::main]                          fn main() -> io::Result<()> {
//! async fn main() -> io::Result<()> {             let text = std::fs::read_to_string("in.txt")?;
//!     let text = fs::read_to_string("in.txt")     let h = std::thread::spawn(move || count(text));
//!         .await?;                          =>    let n = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
//!     let h = task::spawn(count(text));           std::thread::sleep(Duration::from_millis(10));
//!     let n = h.await;                            println!("{n}");
//!     task::sleep(Duration::from_millis(10)).await;   Ok(())
//!     println!("{n}");                        }
//!     Ok(())
//! }
//! ```
//!
//! Blockers (documented for users in docs/threads.md): an item whose threads row has no `to`
//! (timeouts, races, task-locals, hand-written futures...), an `.await` on something the tool
//! cannot map to a blocking call, an async block or crate future used as a value (stored, joined,
//! raced), a hand-written `Future`/`Stream`, `select!`/`join!`, a task spawned per iteration of an
//! unbounded loop (one thread per connection of a server), channel `close()`, async-only
//! dependencies (tokio, futures, tide, ...), and a library's public async API unless the package
//! has `publish = false` or the user passed `--allow-api-change`.

mod analyse;
pub(crate) mod awaits;
pub(crate) mod decide;
pub(crate) mod entry;
pub(crate) mod interval;
pub(crate) mod join;
pub(crate) mod spawn;
pub(crate) mod timeout;

pub use analyse::{
    analyse_file, collect_plan, package_blockers, unit_of, FileAsyncFns, Unit, UnitFacts,
};
pub use awaits::{classify, AwaitKind};

use std::collections::BTreeSet;

/// What the conversion of one package needs to know about all of its files.
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Names of the package's `async fn`s without `self` (their calls lose `.await`).
    pub async_fns: BTreeSet<String>,
    /// Names of the package's async methods (with `self`).
    pub async_methods: BTreeSet<String>,
    /// `lib::name` of the async fns at the root of workspace libraries converted with the
    /// package (`lib` as the package names its dependency), that nothing else in that root file
    /// names: a call `lib::name(..)` is one, by the syntax alone.
    pub crate_async_fns: BTreeSet<String>,
    /// Names bound to channel receivers (`let (tx, rx) = channel::unbounded()`, `rx: Receiver<T>`).
    pub receivers: BTreeSet<String>,
    /// The package's channels fit `std::sync::mpsc` (else crossbeam-channel).
    pub mpsc: bool,
    /// Some file spawns tasks whose handles may be awaited.
    pub spawns: bool,
}

/// `base`, or `base_`, `base__`, .. : the first that `taken` (code the new name's scope holds)
/// does not mention as a word.
pub(crate) fn fresh_name(taken: &str, base: &str) -> String {
    let mut name = base.to_string();
    while crate::workspace::mentions_any(taken, &[name.clone()].into()) {
        name.push('_');
    }
    name
}
