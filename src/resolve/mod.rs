//! Resolution: which nodes of a file refer to async-std, and to which canonical public path
//! (`async_std::task::spawn`). The syntax-level resolver ([`syntax`]) tracks `use` trees, aliases,
//! `extern crate` renames, renamed dependencies and re-exports through the crate's own modules;
//! the semantic layer ([`semantic`], rust-analyzer) answers what syntax cannot: the receiver types
//! of method calls. Both produce the same [`FileSites`]. What async-std's modules are, what its
//! globs bring in and which items are bound to its runtime is data:
//! `transforms/async_std_api.toml`.

pub mod cfg_regions;
mod plain_workspace;
pub mod profile;
pub mod semantic;
pub mod syntax;

use ra_ap_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// The members a globbed async-std module brings into scope by name, (name, canonical path) in
/// the order written in `transforms/async_std_api.toml`.
pub fn glob_members(module: &str) -> Option<&'static [(String, String)]> {
    crate::tables::async_std_api().glob_members(module)
}

/// The runtime-bound sites of a file; `spawn_local` is not one where the package gets a local
/// executor of its own (`local_spawn`, see [`CrateContext::local_spawn`]).
pub fn runtime_bound_sites(
    sites: &FileSites,
    local_spawn: bool,
    task_locals: bool,
) -> Vec<&PathSite> {
    sites
        .paths
        .iter()
        .filter(|p| {
            let canon = p.canon.join("::");
            crate::tables::async_std_api().is_runtime_bound(&canon)
                && !(local_spawn && canon == "async_std::task::spawn_local")
                && !(task_locals && crate::handlers::task_locals::serves(&canon))
        })
        .collect()
}

pub fn is_module(canon: &[String]) -> bool {
    let joined = canon.join("::");
    joined == "async_std" || crate::tables::async_std_api().modules.contains(&joined)
}

/// What the crate around a file knows: the names that reach async-std and the crate's own
/// re-exports of async-std items.
#[derive(Debug, Default, Clone)]
pub struct CrateContext {
    /// `async_std`, renamed dependency keys, `extern crate async_std as x` aliases.
    pub roots: BTreeSet<String>,
    /// The package's library crate name, through which other targets reach its re-exports.
    pub lib_name: Option<String>,
    /// Module path (from the crate root) + name -> canonical async-std path, for `pub use` items.
    pub reexports: BTreeMap<Vec<String>, Vec<String>>,
    /// Module paths that glob-re-export an async-std module (`pub use async_std::task::*`).
    pub glob_reexports: BTreeMap<Vec<String>, Vec<String>>,
    /// Names of functions in the crate that return an async-std `JoinHandle` (their dropped
    /// results need `.detach()` too).
    pub handle_returning_fns: BTreeSet<String>,
    /// Some file of the crate spawns tasks (`task::spawn`): a migrated `main` keeps async-std's
    /// worker count.
    pub uses_spawn: bool,
    /// A file converts task handles into a type of its own through a name other runtimes'
    /// imports share (see `engine::load::handle_from_shared`): spawns whose handle is `.into()`'d
    /// stay async-std's.
    pub handle_from_shared: bool,
    /// `--keep-worker-threads`: see `handlers/worker_threads.rs`.
    pub keep_worker_threads: bool,
    /// The lib crate uses items that only work inside async-std's runtime (task-locals,
    /// `task::current`, `spawn_local`): its files are left on async-std as a whole.
    pub runtime_bound: bool,
    /// `spawn_local` runs on a local executor the tool writes for the package (migrating to
    /// smol, and no other workspace package runs this one's code): not runtime-bound.
    pub local_spawn: bool,
    /// The units (`lib`, `examples/x`, ..: `Parsed::unit`) whose task-locals and `task::current`
    /// run on a module the tool writes for the crate (`handlers/task_locals.rs`): migrating to
    /// smol, in a crate that spawns no local task, and not in a library another workspace package
    /// runs. Not runtime-bound there.
    pub task_local_units: BTreeSet<String>,
    /// The module of the workspace package whose library's local executor this package's entry
    /// points drive (`owner::local_executor`), or whose task-locals its tasks carry
    /// (`owner::task_locals`), as this package names it, when it depends on one (see
    /// `engine::shared_executors`): its `block_on`, `spawn` and `spawn_local` go through it.
    pub local_executor_of: Option<String>,
    /// Names of the crate's own indented functions (methods of its impls and traits, mostly),
    /// read from the text: without types, a method call of such a name may be the crate's own,
    /// and rewrites keyed to an async-std trait method leave it alone.
    pub own_methods: BTreeSet<String>,
    /// The crate is a procedural macro whose generated code only workspace packages expand
    /// (`Package::macro_for_workspace`): the async-std paths it quotes map as code.
    pub quoted_for_workspace: bool,
    /// Functions of the crate with an `impl Into<async-std socket>` parameter: name -> (index,
    /// the socket's async-std path). Callers that pass a std socket relied on async-std's `From`.
    pub into_socket_params: BTreeMap<String, Vec<(usize, String)>>,
    /// How the package names the futures crate, when it depends on it (`futures`,
    /// `futures_util`): `StreamExt::merge` becomes its `stream::select`.
    pub futures_crate: Option<String>,
    /// Impls the crate has for smol's types: (a trait's last name, the smol path) -> where
    /// (`file:line`) and the cfg predicates it exists under (its own, its `mod` declaration's).
    pub smol_impls: BTreeMap<(String, String), (String, Vec<String>)>,
}

impl CrateContext {
    /// Resolve a crate-relative path (module segments + item) through the re-export tables.
    pub fn reexport(&self, path: &[String]) -> Option<Vec<String>> {
        for n in (1..=path.len()).rev() {
            if let Some(c) = self.reexports.get(&path[..n]) {
                let mut canon = c.clone();
                canon.extend(path[n..].iter().cloned());
                return Some(canon);
            }
        }
        for n in (1..path.len()).rev() {
            if let Some(c) = self.glob_reexports.get(&path[..n]) {
                let mut canon = c.clone();
                canon.extend(path[n..].iter().cloned());
                return Some(canon);
            }
        }
        None
    }

    /// Whether some re-export lives below `module`.
    pub fn has_reexports_under(&self, module: &[String]) -> bool {
        self.reexports
            .keys()
            .chain(self.glob_reexports.keys())
            .any(|k| k.starts_with(module) && k.len() > module.len())
    }
}

/// Where the first segments of a path got their async-std meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The path starts at a root name (`async_std::..`, an extern-crate alias, a renamed dependency).
    Root,
    /// The first segment is bound by use leaf `n` of the file.
    Binding(usize),
    /// The first segment is a name that glob leaf `n` brings into scope (`Read` from
    /// `async_std::io::prelude::*`); the path's first text segment is canonical segment `offset`.
    Glob { leaf: usize, offset: usize },
    /// The path goes through the crate's own re-export: the re-export itself is migrated where it
    /// is defined, so this path is left as written (handlers still see it).
    ReExport,
}

/// One leaf of a `use` tree that imports from async-std.
#[derive(Debug, Clone)]
pub struct UseLeaf {
    pub use_item: ast::Use,
    pub tree: ast::UseTree,
    /// Canonical path of what is imported (`["async_std", "task"]`); for a glob, of the module.
    pub canon: Vec<String>,
    pub glob: bool,
    /// The local name the leaf binds (`None` for globs and `as _`).
    pub local: Option<String>,
    /// The explicit rename, if any (`_` included).
    pub alias: Option<String>,
    /// Reached through the crate's re-exports rather than an async-std root (kept untouched).
    pub via_reexport: bool,
    /// The segments as written (root name included, `self` removed).
    pub written: Vec<String>,
}

/// A reference to async-std outside `use` items.
#[derive(Debug, Clone)]
pub struct PathSite {
    /// The outermost path node.
    pub path: ast::Path,
    pub canon: Vec<String>,
    pub origin: Origin,
    /// Inside an attribute (`#[async_std::main]`).
    pub in_attr: bool,
}

/// An `extern crate async_std [as x];` item.
#[derive(Debug, Clone)]
pub struct ExternCrateSite {
    pub item: ast::ExternCrate,
    pub alias: Option<String>,
    pub macro_use: bool,
}

/// Everything resolution found in one file.
#[derive(Debug, Default, Clone)]
pub struct FileSites {
    pub leaves: Vec<UseLeaf>,
    pub paths: Vec<PathSite>,
    pub extern_crates: Vec<ExternCrateSite>,
    /// Use items that mix async-std and other roots in one tree (reported, not rewritten).
    pub mixed_uses: Vec<ast::Use>,
}

/// What the semantic layer knows about a method call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodFact {
    /// Resolved to this async-std item (`async_std::path::Path::exists`,
    /// `async_std::future::FutureExt::race`, `async_std::channel::Receiver::next`).
    AsyncStd(String),
    /// Resolved to something that is not async-std.
    Other,
    /// Not known (syntax-only mode, or resolution failed): handlers use their syntactic evidence.
    Unknown,
}

/// Answers questions that need types. The syntax-only oracle knows nothing.
pub trait Oracle {
    fn method(&self, call: &ast::MethodCallExpr) -> MethodFact;
    /// Whether the call resolves to an inherent method (of a type's own `impl`, no trait's:
    /// `lock.read()`, `options.write(true)`) or to a trait of the standard library's
    /// (`iter.filter(..)`): no extension trait's. `false` when unknown.
    fn std_or_inherent_method(&self, _call: &ast::MethodCallExpr) -> bool {
        false
    }
    /// What the call resolves to, `crate::Type::method` (`async_lock::Mutex::into_inner`,
    /// `async_channel::TrySendError::into_inner`; a trait's name for a trait method), if known.
    fn resolved_method(&self, _call: &ast::MethodCallExpr) -> Option<String> {
        None
    }
    /// Whether a call (a method call, or a call of a path) resolves to an `async fn`: `None`
    /// when unknown. The threads target matches the package's async fns by name; a `Vec::push`
    /// is no `async fn push` of the package's.
    fn call_is_async(&self, _call: &ast::Expr) -> Option<bool> {
        None
    }
    /// The same for a call written in a macro's arguments (`assert_eq!(1, it.count())`), given
    /// the range of its method name: rust-analyzer answers through the macro's expansion.
    fn std_or_inherent_method_in_macro(&self, _name: ra_ap_syntax::TextRange) -> bool {
        false
    }
    /// `crate::Type` of an expression, references stripped (`async_std::TcpStream`), if known.
    fn type_of(&self, _expr: &ast::Expr) -> Option<String> {
        None
    }
    /// Whether this oracle resolves (so `Unknown` means "not async-std" rather than "don't know").
    fn is_semantic(&self) -> bool {
        false
    }
    /// Whether code under `cfg(pred)` is active in the configuration the oracle analysed (`None`
    /// when it cannot tell, as without rust-analyzer).
    fn cfg_active(&self, _pred: &ast::CfgPredicate) -> Option<bool> {
        None
    }
}

/// The oracle of `--syntax-only` and of the fallback.
pub struct NoTypes;

impl Oracle for NoTypes {
    fn method(&self, _: &ast::MethodCallExpr) -> MethodFact {
        MethodFact::Unknown
    }
}
