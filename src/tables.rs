//! The tables that are not catalogue rows ([`crate::rules`]): facts about async-std's API, the
//! names the `--to threads` analysis looks for, and the versions written into manifests. Each is
//! a TOML file in `transforms/`, embedded with `include_str!`, read into a serde mirror (`Raw*`,
//! unknown fields rejected) and validated once, when first used, into a checked type. A table
//! that does not validate is a [`TableError`] naming the file and the field and saying how to fix
//! it; a unit test checks every embedded file, so the binary's `expect`s never fire.
//!
//! Every list that is a set is written sorted with no duplicates (validation checks it), so a
//! reader can scan it and a diff of it is one line. The lists whose order matters (a glob's
//! members) are kept as written.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const ASYNC_STD_API_TOML: &str = include_str!("../transforms/async_std_api.toml");
pub const THREADS_AWAITS_TOML: &str = include_str!("../transforms/threads_awaits.toml");
pub const THREADS_BLOCKERS_TOML: &str = include_str!("../transforms/threads_blockers.toml");
pub const VERSIONS_TOML: &str = include_str!("../transforms/versions.toml");
/// smol-macros' `main!` as code names it (see [`Versions::code_names`]).
pub const SMOL_MACROS_MAIN: &str = "smol_macros::main";
pub const SMOL_API_TOML: &str = include_str!("../transforms/smol_api.toml");

/// A table file that does not validate; the message says which field and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("invalid table {file}: {message}")]
pub struct TableError {
    pub file: &'static str,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// transforms/async_std_api.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsyncStdApi {
    modules: Vec<String>,
    runtime_bound: Vec<String>,
    std_reexports: Vec<String>,
    glob: Vec<RawGlob>,
    value: Vec<RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    r#type: String,
    made_by: Vec<String>,
    inherent: Vec<String>,
    connections: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlob {
    module: String,
    members: Vec<RawGlobMember>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlobMember {
    name: String,
    path: String,
}

/// Facts about async-std's public API (`transforms/async_std_api.toml`).
#[derive(Debug)]
pub struct AsyncStdApi {
    /// Public modules: a `use` of one binds a module, not an item.
    pub modules: BTreeSet<String>,
    /// Items that only work inside async-std's runtime (a path equal to one or below it).
    pub runtime_bound: BTreeSet<String>,
    /// std's own types (and the futures crates' traits) re-exported.
    pub std_reexports: BTreeSet<String>,
    /// Glob-imported modules and the names they bring in, in the order written.
    pub globs: Vec<Glob>,
    /// What async-std's functions make (`[[value]]`).
    pub values: Vec<Value>,
}

/// A type async-std's functions make (`[[value]]` of `transforms/async_std_api.toml`).
#[derive(Debug)]
pub struct Value {
    /// As rust-analyzer names it: `async_std::TcpStream`.
    pub type_name: String,
    /// The functions whose value (awaited, `?`) it is.
    pub made_by: BTreeSet<String>,
    /// Its own methods.
    pub inherent: BTreeSet<String>,
    /// A listener's: the type of its connections.
    pub connections: Option<String>,
}

/// The names `use module::*` brings into scope: (name, canonical path), in the order written.
#[derive(Debug)]
pub struct Glob {
    pub module: String,
    pub members: Vec<(String, String)>,
}

impl AsyncStdApi {
    /// The members of a globbed module (`async_std::io::prelude`), if the table lists it.
    pub fn glob_members(&self, module: &str) -> Option<&[(String, String)]> {
        self.globs
            .iter()
            .find(|g| g.module == module)
            .map(|g| g.members.as_slice())
    }

    /// The value a call of `function` (a canonical path) makes, if the table knows it.
    pub fn made_by(&self, function: &str) -> Option<&Value> {
        self.values.iter().find(|v| v.made_by.contains(function))
    }

    /// The `[[value]]` row of a type (`async_std::TcpStream`).
    pub fn value(&self, type_name: &str) -> Option<&Value> {
        self.values.iter().find(|v| v.type_name == type_name)
    }

    /// A canonical path (`a::b::c`) equal to a runtime-bound item or below one.
    pub fn is_runtime_bound(&self, canon: &str) -> bool {
        self.runtime_bound.iter().any(|r| {
            canon == r
                || canon
                    .strip_prefix(r.as_str())
                    .is_some_and(|t| t.starts_with("::"))
        })
    }

    fn validate(raw: RawAsyncStdApi, file: &'static str) -> Result<Self, TableError> {
        let c = Check { file };
        let modules = c.set("modules", raw.modules, Kind::AsyncStdPath)?;
        let runtime_bound = c.set("runtime_bound", raw.runtime_bound, Kind::AsyncStdPath)?;
        let std_reexports = c.set("std_reexports", raw.std_reexports, Kind::AsyncStdPath)?;
        let mut globs: Vec<Glob> = Vec::new();
        for g in raw.glob {
            c.entry("glob.module", &g.module, Kind::AsyncStdPath)?;
            if globs.iter().any(|x| x.module == g.module) {
                return Err(c.err(format!(
                    "two [[glob]] rows for `{}`: merge their members into one",
                    g.module
                )));
            }
            if !modules.contains(&g.module) {
                return Err(c.err(format!(
                    "[[glob]] `{}` is not one of `modules`: add it there (a glob imports a module)",
                    g.module
                )));
            }
            let field = format!("members of [[glob]] `{}`", g.module);
            let mut members: Vec<(String, String)> = Vec::new();
            for m in g.members {
                c.entry(&field, &m.name, Kind::Name)?;
                c.entry(&field, &m.path, Kind::AsyncStdPath)?;
                if members.iter().any(|(n, _)| *n == m.name) {
                    return Err(c.err(format!("{field} name `{}` twice: keep one", m.name)));
                }
                members.push((m.name, m.path));
            }
            globs.push(Glob {
                module: g.module,
                members,
            });
        }
        let mut values: Vec<Value> = Vec::new();
        for v in raw.value {
            c.entry("value.type", &v.r#type, Kind::AsyncStdPath)?;
            let field = format!("[[value]] `{}`", v.r#type);
            let made_by = c.set(
                &format!("made_by of {field}"),
                v.made_by,
                Kind::AsyncStdPath,
            )?;
            let inherent = c.set(&format!("inherent of {field}"), v.inherent, Kind::Name)?;
            if let Some(f) = made_by
                .iter()
                .find(|f| values.iter().any(|o| o.made_by.contains(*f)))
            {
                return Err(c.err(format!("{field}: `{f}` makes another row's value too")));
            }
            values.push(Value {
                type_name: v.r#type,
                made_by,
                inherent,
                connections: v.connections,
            });
        }
        for v in &values {
            if let Some(t) = v.connections.as_ref() {
                if !values.iter().any(|o| o.type_name == *t) {
                    return Err(c.err(format!(
                        "connections `{t}` of [[value]] `{}` has no [[value]] row of its own",
                        v.type_name
                    )));
                }
            }
        }
        Ok(AsyncStdApi {
            modules,
            runtime_bound,
            std_reexports,
            globs,
            values,
        })
    }
}

/// The embedded `transforms/async_std_api.toml`.
pub fn async_std_api() -> &'static AsyncStdApi {
    static T: OnceLock<AsyncStdApi> = OnceLock::new();
    T.get_or_init(|| {
        parse_async_std_api(ASYNC_STD_API_TOML).expect("the embedded tables are checked by tests")
    })
}

pub fn parse_async_std_api(text: &str) -> Result<AsyncStdApi, TableError> {
    const FILE: &str = "transforms/async_std_api.toml";
    AsyncStdApi::validate(Check { file: FILE }.parse(text)?, FILE)
}

// ---------------------------------------------------------------------------------------------
// transforms/threads_awaits.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreadsAwaits {
    same_name: Vec<String>,
    concurrent: Vec<String>,
    io_trait: Vec<RawIoTrait>,
    socket_timeout: RawSocketTimeout,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSocketTimeout {
    read: Vec<String>,
    write: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIoTrait {
    #[serde(rename = "trait")]
    trait_: String,
    methods: Vec<String>,
}

/// What an awaited method call becomes under `--to threads` (`transforms/threads_awaits.toml`).
#[derive(Debug)]
pub struct ThreadsAwaits {
    /// io method -> the std trait it needs in scope (`read_line` -> `std::io::BufRead`).
    pub io_traits: BTreeMap<String, String>,
    /// Methods whose blocking counterparts have the same name and shape.
    pub same_name: BTreeSet<String>,
    /// Future combinators: awaiting one is a blocker.
    pub concurrent: BTreeSet<String>,
    /// Socket methods that make one system call, under `io::timeout`: those bounded by the
    /// socket's read timeout, and by its write timeout (`threads/timeout.rs`).
    pub timeout_reads: BTreeSet<String>,
    pub timeout_writes: BTreeSet<String>,
}

impl ThreadsAwaits {
    /// The std trait a blocking io method needs in scope.
    pub fn io_trait(&self, method: &str) -> Option<&str> {
        self.io_traits.get(method).map(String::as_str)
    }

    fn validate(raw: RawThreadsAwaits, file: &'static str) -> Result<Self, TableError> {
        let c = Check { file };
        let same_name = c.set("same_name", raw.same_name, Kind::Name)?;
        let concurrent = c.set("concurrent", raw.concurrent, Kind::Name)?;
        let timeout_reads = c.set("socket_timeout.read", raw.socket_timeout.read, Kind::Name)?;
        let timeout_writes = c.set("socket_timeout.write", raw.socket_timeout.write, Kind::Name)?;
        if let Some(m) = timeout_reads.intersection(&timeout_writes).next() {
            return Err(c.err(format!(
                "`{m}` is in both socket_timeout.read and socket_timeout.write: keep it under the timeout that bounds it"
            )));
        }
        let mut io_traits: BTreeMap<String, String> = BTreeMap::new();
        let mut traits = BTreeSet::new();
        for t in raw.io_trait {
            c.entry("io_trait.trait", &t.trait_, Kind::Path)?;
            if !traits.insert(t.trait_.clone()) {
                return Err(c.err(format!(
                    "two [[io_trait]] rows for `{}`: merge their methods into one",
                    t.trait_
                )));
            }
            let field = format!("methods of [[io_trait]] `{}`", t.trait_);
            for m in c.set(&field, t.methods, Kind::Name)? {
                if let Some(other) = io_traits.get(&m) {
                    return Err(c.err(format!(
                        "`{m}` is listed under both `{other}` and `{}`: keep it under the trait that defines it",
                        t.trait_
                    )));
                }
                io_traits.insert(m, t.trait_.clone());
            }
        }
        let io: BTreeSet<String> = io_traits.keys().cloned().collect();
        for (a, sa, b, sb) in [
            ("[[io_trait]] methods", &io, "`same_name`", &same_name),
            ("[[io_trait]] methods", &io, "`concurrent`", &concurrent),
            ("`same_name`", &same_name, "`concurrent`", &concurrent),
        ] {
            if let Some(m) = sa.intersection(sb).next() {
                return Err(c.err(format!(
                    "`{m}` is in both {a} and {b}: an awaited method either has a blocking form or blocks, keep one"
                )));
            }
        }
        Ok(ThreadsAwaits {
            io_traits,
            same_name,
            concurrent,
            timeout_reads,
            timeout_writes,
        })
    }
}

/// The embedded `transforms/threads_awaits.toml`.
pub fn threads_awaits() -> &'static ThreadsAwaits {
    static T: OnceLock<ThreadsAwaits> = OnceLock::new();
    T.get_or_init(|| {
        parse_threads_awaits(THREADS_AWAITS_TOML).expect("the embedded tables are checked by tests")
    })
}

pub fn parse_threads_awaits(text: &str) -> Result<ThreadsAwaits, TableError> {
    const FILE: &str = "transforms/threads_awaits.toml";
    ThreadsAwaits::validate(Check { file: FILE }.parse(text)?, FILE)
}

// ---------------------------------------------------------------------------------------------
// transforms/threads_blockers.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreadsBlockers {
    async_crates: RawAsyncCrates,
    future_calls: RawFutureCalls,
    runtime: RawRuntime,
    channels: RawChannels,
    locks: RawLocks,
    sockets: RawSockets,
    future_types: RawFutureTypes,
    macros: RawMacros,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsyncCrates {
    crates: Vec<String>,
    prefixes: Vec<String>,
    not_async: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFutureCalls {
    modules: Vec<String>,
    except_names: Vec<String>,
    except_types: Vec<String>,
    names: Vec<String>,
    paths: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuntime {
    driving_calls: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannels {
    close_methods: Vec<String>,
    crossbeam_receiver_methods: Vec<String>,
    crossbeam_methods: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocks {
    methods: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSockets {
    bound_by_syntax: Vec<String>,
    typed: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFutureTypes {
    impl_traits: Vec<String>,
    trait_object_words: Vec<String>,
    type_prefixes: Vec<String>,
    type_words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMacros {
    async_macros: Vec<String>,
}

/// The names the `--to threads` analysis looks for (`transforms/threads_blockers.toml`). The
/// sections mirror the file's; each field is documented there.
#[derive(Debug)]
pub struct ThreadsBlockers {
    pub async_crates: AsyncCrates,
    pub future_calls: FutureCalls,
    /// Calls whose argument future a runtime drives (`task::spawn`, `task::block_on`).
    pub runtime_driving_calls: BTreeSet<String>,
    pub channel_close_methods: BTreeSet<String>,
    pub crossbeam_receiver_methods: BTreeSet<String>,
    pub crossbeam_methods: BTreeSet<String>,
    pub lock_methods: BTreeSet<String>,
    pub sockets_bound_by_syntax: BTreeSet<String>,
    pub sockets_typed: BTreeSet<String>,
    pub future_impl_traits: BTreeSet<String>,
    pub future_trait_object_words: BTreeSet<String>,
    pub future_type_prefixes: BTreeSet<String>,
    pub future_type_words: BTreeSet<String>,
    pub async_macros: BTreeSet<String>,
}

/// Dependencies that tie a package to an async ecosystem beyond async-std.
#[derive(Debug)]
pub struct AsyncCrates {
    pub crates: BTreeSet<String>,
    pub prefixes: BTreeSet<String>,
    pub not_async: BTreeSet<String>,
}

impl AsyncCrates {
    /// Whether dependency `dep` (its Cargo.toml name) is an async crate.
    pub fn contains(&self, dep: &str) -> bool {
        self.crates.contains(dep)
            || (self.prefixes.iter().any(|p| dep.starts_with(p.as_str()))
                && !self.not_async.contains(dep))
    }
}

/// async-std functions whose call is a future.
#[derive(Debug)]
pub struct FutureCalls {
    pub modules: BTreeSet<String>,
    pub except_names: BTreeSet<String>,
    pub except_types: BTreeSet<String>,
    pub names: BTreeSet<String>,
    pub paths: BTreeSet<String>,
}

impl FutureCalls {
    /// Whether a call of `canon` (`async_std::fs::read`) is a future (the others build values:
    /// channels, readers, stdin handles, streams).
    pub fn returns_future(&self, canon: &str) -> bool {
        let last = canon.rsplit("::").next().unwrap_or("");
        let in_module = self.modules.iter().any(|m| {
            canon
                .strip_prefix(m.as_str())
                .is_some_and(|t| t.starts_with("::"))
        });
        (in_module
            && last.starts_with(|c: char| c.is_lowercase())
            && !self.except_names.contains(last)
            && !self
                .except_types
                .iter()
                .any(|t| canon.contains(&format!("::{t}::"))))
            || self.names.contains(last)
            || self.paths.contains(canon)
    }
}

impl ThreadsBlockers {
    fn validate(raw: RawThreadsBlockers, file: &'static str) -> Result<Self, TableError> {
        let c = Check { file };
        let a = raw.async_crates;
        let async_crates = AsyncCrates {
            crates: c.set("async_crates.crates", a.crates, Kind::Crate)?,
            prefixes: c.set("async_crates.prefixes", a.prefixes, Kind::Crate)?,
            not_async: c.set("async_crates.not_async", a.not_async, Kind::Crate)?,
        };
        if let Some(d) = async_crates
            .not_async
            .intersection(&async_crates.crates)
            .next()
        {
            return Err(c.err(format!(
                "`{d}` is in both async_crates.crates and async_crates.not_async: keep one"
            )));
        }
        let f = raw.future_calls;
        let future_calls = FutureCalls {
            modules: c.set("future_calls.modules", f.modules, Kind::AsyncStdPath)?,
            except_names: c.set("future_calls.except_names", f.except_names, Kind::Name)?,
            except_types: c.set("future_calls.except_types", f.except_types, Kind::Name)?,
            names: c.set("future_calls.names", f.names, Kind::Name)?,
            paths: c.set("future_calls.paths", f.paths, Kind::AsyncStdPath)?,
        };
        let ch = raw.channels;
        let ft = raw.future_types;
        Ok(ThreadsBlockers {
            async_crates,
            future_calls,
            runtime_driving_calls: c.set(
                "runtime.driving_calls",
                raw.runtime.driving_calls,
                Kind::AsyncStdPath,
            )?,
            channel_close_methods: c.set("channels.close_methods", ch.close_methods, Kind::Name)?,
            crossbeam_receiver_methods: c.set(
                "channels.crossbeam_receiver_methods",
                ch.crossbeam_receiver_methods,
                Kind::Name,
            )?,
            crossbeam_methods: c.set(
                "channels.crossbeam_methods",
                ch.crossbeam_methods,
                Kind::Name,
            )?,
            lock_methods: c.set("locks.methods", raw.locks.methods, Kind::Name)?,
            sockets_bound_by_syntax: c.set(
                "sockets.bound_by_syntax",
                raw.sockets.bound_by_syntax,
                Kind::Name,
            )?,
            sockets_typed: c.set("sockets.typed", raw.sockets.typed, Kind::Name)?,
            future_impl_traits: c.set("future_types.impl_traits", ft.impl_traits, Kind::Name)?,
            future_trait_object_words: c.set(
                "future_types.trait_object_words",
                ft.trait_object_words,
                Kind::Name,
            )?,
            future_type_prefixes: c.set(
                "future_types.type_prefixes",
                ft.type_prefixes,
                Kind::Text,
            )?,
            future_type_words: c.set("future_types.type_words", ft.type_words, Kind::Text)?,
            async_macros: c.set("macros.async_macros", raw.macros.async_macros, Kind::Name)?,
        })
    }
}

/// The embedded `transforms/threads_blockers.toml`.
pub fn threads_blockers() -> &'static ThreadsBlockers {
    static T: OnceLock<ThreadsBlockers> = OnceLock::new();
    T.get_or_init(|| {
        parse_threads_blockers(THREADS_BLOCKERS_TOML)
            .expect("the embedded tables are checked by tests")
    })
}

pub fn parse_threads_blockers(text: &str) -> Result<ThreadsBlockers, TableError> {
    const FILE: &str = "transforms/threads_blockers.toml";
    ThreadsBlockers::validate(Check { file: FILE }.parse(text)?, FILE)
}

// ---------------------------------------------------------------------------------------------
// transforms/versions.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersions {
    dependency: Vec<Dependency>,
}

/// One crate the tool writes into manifests, with its version requirement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    /// When the tool writes it.
    pub added: String,
}

/// The versions written into manifests (`transforms/versions.toml`), sorted by name.
#[derive(Debug)]
pub struct Versions {
    pub dependencies: Vec<Dependency>,
    /// See [`Versions::code_names`] (derived once, read for every migrated file).
    code_names: Vec<String>,
}

impl Versions {
    /// What the manifest migration asks of a file's rewrite: the crates' names as code writes
    /// them (`crossbeam-channel` -> `crossbeam_channel`), and smol-macros' `main!`, which needs
    /// smol-macros in [dependencies] rather than [dev-dependencies].
    pub fn code_names(&self) -> &[String] {
        &self.code_names
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.dependencies
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.version.as_str())
    }

    fn validate(raw: RawVersions, file: &'static str) -> Result<Self, TableError> {
        let c = Check { file };
        let names: Vec<String> = raw.dependency.iter().map(|d| d.name.clone()).collect();
        c.set("dependency names", names, Kind::Crate)?;
        for d in &raw.dependency {
            let ok = !d.version.is_empty()
                && d.version
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()));
            if !ok {
                return Err(c.err(format!(
                    "dependency `{}`: version `{}` is not a version like `2` or `0.5` (digits and dots)",
                    d.name, d.version
                )));
            }
            if d.added.trim().is_empty() {
                return Err(c.err(format!(
                    "dependency `{}` needs `added`: say when the tool writes it",
                    d.name
                )));
            }
        }
        let mut code_names: Vec<String> = raw
            .dependency
            .iter()
            .map(|d| d.name.replace('-', "_"))
            .collect();
        code_names.push(SMOL_MACROS_MAIN.to_string());
        Ok(Versions {
            dependencies: raw.dependency,
            code_names,
        })
    }
}

/// The embedded `transforms/versions.toml`.
pub fn versions() -> &'static Versions {
    static T: OnceLock<Versions> = OnceLock::new();
    T.get_or_init(|| {
        parse_versions(VERSIONS_TOML).expect("the embedded tables are checked by tests")
    })
}

/// The version requirement the tool writes for `name` (`smol` -> `2`).
pub fn version(name: &str) -> &'static str {
    versions()
        .get(name)
        .unwrap_or_else(|| panic!("transforms/versions.toml has no row for `{name}`"))
}

pub fn parse_versions(text: &str) -> Result<Versions, TableError> {
    const FILE: &str = "transforms/versions.toml";
    Versions::validate(Check { file: FILE }.parse(text)?, FILE)
}

// ---------------------------------------------------------------------------------------------
// Validation

/// What an entry of a list must look like.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// An identifier: `read_to_end`, `TcpStream`.
    Name,
    /// A path of identifiers with at least two segments: `std::io::Read`.
    Path,
    /// A [`Kind::Path`] starting with `async_std::`.
    AsyncStdPath,
    /// A package name as Cargo.toml writes it: `futures-util`, `async-`.
    Crate,
    /// Any text without surrounding spaces: `Pin<`.
    Text,
}

struct Check {
    file: &'static str,
}

fn is_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Check {
    fn err(&self, message: String) -> TableError {
        TableError {
            file: self.file,
            message,
        }
    }

    fn parse<T: DeserializeOwned>(&self, text: &str) -> Result<T, TableError> {
        toml_edit::de::from_str(text).map_err(|e| self.err(e.to_string().trim_end().to_string()))
    }

    fn entry(&self, field: &str, s: &str, kind: Kind) -> Result<(), TableError> {
        if s.trim().is_empty() {
            return Err(self.err(format!("`{field}` has an empty entry: remove it")));
        }
        let is_path = |s: &str| s.contains("::") && s.split("::").all(is_ident);
        let problem = match kind {
            Kind::Name if !is_ident(s) => Some("a name (letters, digits and `_`)"),
            Kind::Path if !is_path(s) => Some("a path like `std::io::Read`"),
            Kind::AsyncStdPath if !is_path(s) || !s.starts_with("async_std::") => {
                Some("a path that starts with `async_std::`")
            }
            Kind::Crate
                if !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Some("a crate name (letters, digits, `-` and `_`)")
            }
            Kind::Text if s.trim() != s => Some("text without surrounding spaces"),
            _ => None,
        };
        match problem {
            Some(p) => Err(self.err(format!("`{field}`: `{s}` is not {p}: fix the entry"))),
            None => Ok(()),
        }
    }

    /// A list that is a set: valid entries, no duplicates, sorted.
    fn set(
        &self,
        field: &str,
        list: Vec<String>,
        kind: Kind,
    ) -> Result<BTreeSet<String>, TableError> {
        let mut out = BTreeSet::new();
        for s in &list {
            self.entry(field, s, kind)?;
            if !out.insert(s.clone()) {
                return Err(self.err(format!("`{field}` lists `{s}` twice: remove one")));
            }
        }
        if let Some(w) = list.windows(2).find(|w| w[0] > w[1]) {
            return Err(self.err(format!(
                "`{field}` is not sorted: move `{}` before `{}` (lists that are sets are kept in alphabetical order)",
                w[1], w[0]
            )));
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// transforms/smol_api.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmolApi {
    path_only_traits: Vec<String>,
    io_modules: Vec<String>,
    future_ext_methods: Vec<String>,
    stream_ext_methods: Vec<String>,
    ext_trait: Vec<RawExtTrait>,
    prelude: Vec<RawPrelude>,
    path_method: Vec<RawPathMethod>,
    raw_fd: RawRawFd,
    sockets_from_std: Vec<String>,
    sync_in_async_net: Vec<String>,
    #[serde(default)]
    sealed_in_smol: Vec<String>,
    tokio_context_features: Vec<String>,
    tokio_context_served: Vec<String>,
    tokio_context_drivers: Vec<String>,
    file_flush: RawFileFlush,
    #[serde(default)]
    component: Vec<RawComponent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    smol: String,
    #[serde(rename = "crate")]
    krate: String,
    path: String,
}

/// A smol re-export and the crate that defines it (`smol::net` -> `async_net`, crate `async-net`).
#[derive(Debug, Clone)]
pub struct Component {
    /// Path segments after `smol` (`["net"]`, `["Timer"]`).
    pub smol: Vec<String>,
    /// The crate as Cargo.toml names it.
    pub krate: String,
    /// Its path in that crate (`async_io::Timer`).
    pub path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtTrait {
    name: String,
    /// Method name -> the number of arguments it takes.
    methods: BTreeMap<String, usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrelude {
    path: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPathMethod {
    method: String,
    function: String,
    tail: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRawFd {
    from_raw: Vec<String>,
    into_raw: Vec<String>,
    #[serde(rename = "type")]
    types: Vec<RawFdType>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFdType {
    async_std: String,
    std: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFileFlush {
    writes: Vec<String>,
    flushes: Vec<String>,
}

/// The smol side of the smol target (`transforms/smol_api.toml`).
#[derive(Debug)]
pub struct SmolApi {
    /// async-std traits imported only where their name is written.
    pub path_only_traits: BTreeSet<String>,
    /// async-std modules whose types do I/O.
    pub io_modules: Vec<String>,
    /// `FutureExt` methods (the prelude imports `FutureExt` only where one is called).
    pub future_ext_methods: BTreeSet<String>,
    /// smol's `StreamExt` methods (futures-lite's).
    pub stream_ext_methods: BTreeSet<String>,
    /// smol's io extension traits -> their methods -> the number of arguments each takes.
    pub ext_traits: BTreeMap<String, BTreeMap<String, usize>>,
    /// smol's prelude written out, in order: (path from `smol::`, name).
    pub prelude: Vec<(String, String)>,
    /// An awaited async-std `Path` method -> (`smol::fs` function, what follows the `.await`).
    pub path_methods: BTreeMap<String, (String, String)>,
    pub from_raw: BTreeSet<String>,
    pub into_raw: BTreeSet<String>,
    /// async-std types with raw-descriptor conversions -> the std type behind each.
    pub raw_fd_types: BTreeMap<String, String>,
    pub sockets_from_std: BTreeSet<String>,
    pub sync_in_async_net: BTreeSet<String>,
    /// async-std traits whose smol counterpart is sealed: the crate's own impls of them cannot move.
    pub sealed_in_smol: BTreeSet<String>,
    /// async-std's features that run its tasks in a Tokio context, those async-compat serves,
    /// and smol's functions whose future gets `async_compat::Compat` (`rewrite/tokio_context.rs`).
    pub tokio_context_features: BTreeSet<String>,
    pub tokio_context_served: BTreeSet<String>,
    pub tokio_context_drivers: BTreeSet<String>,
    pub file_writes: BTreeSet<String>,
    pub file_flushes: BTreeSet<String>,
    /// smol's re-exports and the crates that define them (`rewrite/components.rs`).
    pub components: Vec<Component>,
}

impl SmolApi {
    /// The methods of one of smol's io extension traits, with the number of arguments each takes.
    pub fn ext_methods(&self, name: &str) -> Option<&BTreeMap<String, usize>> {
        self.ext_traits.get(name)
    }

    /// The io modules, as `file_uses` takes them.
    pub fn io_modules(&self) -> Vec<&str> {
        self.io_modules.iter().map(String::as_str).collect()
    }

    fn validate(raw: RawSmolApi, file: &'static str) -> Result<Self, TableError> {
        let c = Check { file };
        let path_only_traits =
            c.set("path_only_traits", raw.path_only_traits, Kind::AsyncStdPath)?;
        let io_modules = c.set("io_modules", raw.io_modules, Kind::AsyncStdPath)?;
        let future_ext_methods = c.set("future_ext_methods", raw.future_ext_methods, Kind::Name)?;
        let stream_ext_methods = c.set("stream_ext_methods", raw.stream_ext_methods, Kind::Name)?;
        let mut ext_traits = BTreeMap::new();
        for t in raw.ext_trait {
            c.entry("ext_trait.name", &t.name, Kind::Name)?;
            let field = format!("methods of [[ext_trait]] `{}`", t.name);
            for m in t.methods.keys() {
                c.entry(&field, m, Kind::Name)?;
            }
            let methods = t.methods;
            if ext_traits.insert(t.name.clone(), methods).is_some() {
                return Err(c.err(format!(
                    "two [[ext_trait]] rows for `{}`: merge them",
                    t.name
                )));
            }
        }
        let mut prelude = Vec::new();
        for p in raw.prelude {
            c.entry("prelude.name", &p.name, Kind::Name)?;
            let path = p.path.strip_suffix(" as _").unwrap_or(&p.path);
            if !path.contains("::") || !path.split("::").all(is_ident) {
                return Err(c.err(format!(
                    "`prelude.path`: `{}` is not a path from `smol::` (optionally followed by ` as _`): fix the row",
                    p.path
                )));
            }
            if prelude.iter().any(|(_, n): &(String, String)| *n == p.name) {
                return Err(c.err(format!("[[prelude]] lists `{}` twice: remove one", p.name)));
            }
            prelude.push((p.path, p.name));
        }
        let mut path_methods = BTreeMap::new();
        for m in raw.path_method {
            c.entry("path_method.method", &m.method, Kind::Name)?;
            c.entry("path_method.function", &m.function, Kind::Name)?;
            if path_methods
                .insert(m.method.clone(), (m.function, m.tail))
                .is_some()
            {
                return Err(c.err(format!(
                    "two [[path_method]] rows for `{}`: keep one",
                    m.method
                )));
            }
        }
        let from_raw = c.set("raw_fd.from_raw", raw.raw_fd.from_raw, Kind::Name)?;
        let into_raw = c.set("raw_fd.into_raw", raw.raw_fd.into_raw, Kind::Name)?;
        let mut raw_fd_types = BTreeMap::new();
        for t in raw.raw_fd.types {
            c.entry("raw_fd.type.async_std", &t.async_std, Kind::AsyncStdPath)?;
            c.entry("raw_fd.type.std", &t.std, Kind::Path)?;
            if raw_fd_types.insert(t.async_std.clone(), t.std).is_some() {
                return Err(c.err(format!(
                    "two [[raw_fd.type]] rows for `{}`: keep one",
                    t.async_std
                )));
            }
        }
        let sockets_from_std =
            c.set("sockets_from_std", raw.sockets_from_std, Kind::AsyncStdPath)?;
        let sync_in_async_net = c.set(
            "sync_in_async_net",
            raw.sync_in_async_net,
            Kind::AsyncStdPath,
        )?;
        let sealed_in_smol = c.set("sealed_in_smol", raw.sealed_in_smol, Kind::AsyncStdPath)?;
        let tokio_context_features = c.set(
            "tokio_context_features",
            raw.tokio_context_features,
            Kind::Name,
        )?;
        let tokio_context_served =
            c.set("tokio_context_served", raw.tokio_context_served, Kind::Name)?;
        if let Some(f) = tokio_context_served
            .iter()
            .find(|f| !tokio_context_features.contains(*f))
        {
            return Err(c.err(format!(
                "`tokio_context_served` lists `{f}`, which `tokio_context_features` does not: add it there"
            )));
        }
        let tokio_context_drivers = c.set(
            "tokio_context_drivers",
            raw.tokio_context_drivers,
            Kind::Name,
        )?;
        let file_writes = c.set("file_flush.writes", raw.file_flush.writes, Kind::Name)?;
        let file_flushes = c.set("file_flush.flushes", raw.file_flush.flushes, Kind::Name)?;
        let mut components: Vec<Component> = Vec::new();
        for r in raw.component {
            if !r.path.split("::").all(is_ident) {
                return Err(c.err(format!(
                    "`component.path`: `{}` is not a crate path like `async_io::Timer`: fix the row",
                    r.path
                )));
            }
            let Some(rest) = r
                .smol
                .strip_prefix("smol::")
                .filter(|r| r.split("::").all(is_ident))
            else {
                return Err(c.err(format!(
                    "`component.smol`: `{}` is not a path from `smol::`: fix the row",
                    r.smol
                )));
            };
            if versions().get(&r.krate).is_none() {
                return Err(c.err(format!(
                    "[[component]] `{}`: crate `{}` has no version in transforms/versions.toml: add it there",
                    r.smol, r.krate
                )));
            }
            if components.iter().any(|x| x.smol.join("::") == rest) {
                return Err(c.err(format!("[[component]] lists `{}` twice: keep one", r.smol)));
            }
            components.push(Component {
                smol: rest.split("::").map(str::to_string).collect(),
                krate: r.krate,
                path: r.path,
            });
        }
        Ok(SmolApi {
            path_only_traits,
            io_modules: io_modules.into_iter().collect(),
            future_ext_methods,
            stream_ext_methods,
            ext_traits,
            prelude,
            path_methods,
            from_raw,
            into_raw,
            raw_fd_types,
            sockets_from_std,
            sync_in_async_net,
            sealed_in_smol,
            tokio_context_features,
            tokio_context_served,
            tokio_context_drivers,
            file_writes,
            file_flushes,
            components,
        })
    }
}

/// The embedded `transforms/smol_api.toml`.
pub fn smol_api() -> &'static SmolApi {
    static T: OnceLock<SmolApi> = OnceLock::new();
    T.get_or_init(|| {
        parse_smol_api(SMOL_API_TOML).expect("the embedded tables are checked by tests")
    })
}

pub fn parse_smol_api(text: &str) -> Result<SmolApi, TableError> {
    const FILE: &str = "transforms/smol_api.toml";
    SmolApi::validate(Check { file: FILE }.parse(text)?, FILE)
}

// ---------------------------------------------------------------------------------------------
// Documentation

/// `docs/tables.md`, generated from the tables (a test fails when it is stale).
pub fn tables_markdown() -> String {
    let api = async_std_api();
    let aw = threads_awaits();
    let bl = threads_blockers();
    let mut out = String::from(
        "# Tables\n\n\
         Generated from `transforms/async_std_api.toml`, `transforms/threads_awaits.toml`,\n\
         `transforms/threads_blockers.toml`, `transforms/smol_api.toml` and `transforms/versions.toml` by\n\
         `UPDATE_FIXTURES=1 cargo test --lib tables`; do not edit by hand. The path rows of each\n\
         target are in [mapping.md](mapping.md) and [mapping-threads.md](mapping-threads.md).\n",
    );
    let code = |items: &mut dyn Iterator<Item = &String>| {
        items
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let section = |out: &mut String, title: &str, what: &str, items: &BTreeSet<String>| {
        out.push_str(&format!(
            "\n### {title}\n\n{what}\n\n{}\n",
            code(&mut items.iter())
        ));
    };

    out.push_str("\n## async-std's API (`transforms/async_std_api.toml`)\n");
    section(
        &mut out,
        "Modules",
        "A `use` of one of these binds a module, not an item.",
        &api.modules,
    );
    section(
        &mut out,
        "Runtime-bound items",
        "They only work inside async-std's own runtime: a crate that uses one (or an item below it) stays on async-std.",
        &api.runtime_bound,
    );
    section(
        &mut out,
        "std's types re-exported",
        "Naming the std or smol path instead changes nothing for users: the API report calls the change not breaking.",
        &api.std_reexports,
    );
    out.push_str("\n### Glob imports\n\nThe names `use module::*` brings into scope.\n\n| module | name | item |\n| --- | --- | --- |\n");
    for g in &api.globs {
        for (n, p) in &g.members {
            out.push_str(&format!("| `{}` | `{n}` | `{p}` |\n", g.module));
        }
    }

    out.push_str("\n### Values\n\nWhat async-std's functions make: a local one of them made is known without asking rust-analyzer its type.\n\n| type | made by | its own methods | connections |\n| --- | --- | --- | --- |\n");
    for v in &api.values {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            v.type_name,
            code(&mut v.made_by.iter()),
            code(&mut v.inherent.iter()),
            v.connections
                .as_ref()
                .map_or(String::new(), |c| format!("`{c}`"))
        ));
    }

    out.push_str("\n## Awaits under `--to threads` (`transforms/threads_awaits.toml`)\n");
    out.push_str("\n### io methods\n\nAwaited, they lose `.await`; the converted file imports the std trait.\n\n| method | trait |\n| --- | --- |\n");
    for (m, t) in &aw.io_traits {
        out.push_str(&format!("| `{m}` | `{t}` |\n"));
    }
    section(
        &mut out,
        "Same name",
        "Awaited, they lose `.await`: their std (or Iterator) counterparts have the same name and shape.",
        &aw.same_name,
    );
    section(
        &mut out,
        "Concurrent combinators",
        "Blockers: awaiting one runs futures concurrently or against a clock.",
        &aw.concurrent,
    );

    out.push_str("\n## Blockers of `--to threads` (`transforms/threads_blockers.toml`)\n");
    let a = &bl.async_crates;
    section(
        &mut out,
        "Async crates",
        "A package that depends on one of these (`async-dependency`) keeps a runtime ...",
        &a.crates,
    );
    section(
        &mut out,
        "Async crate prefixes",
        "... and so does one that depends on a crate whose name starts with one of these ...",
        &a.prefixes,
    );
    section(
        &mut out,
        "Not async",
        "... unless it is one of these.",
        &a.not_async,
    );
    let f = &bl.future_calls;
    section(&mut out, "Future calls: modules", "Every lowercase function under these modules returns a future (`future-value` when it is not awaited at once) ...", &f.modules);
    section(
        &mut out,
        "Future calls: except names",
        "... except these constructors ...",
        &f.except_names,
    );
    section(
        &mut out,
        "Future calls: except types",
        "... and the members of these builders.",
        &f.except_types,
    );
    section(
        &mut out,
        "Future calls: names",
        "Any async-std function with one of these last names returns a future.",
        &f.names,
    );
    section(
        &mut out,
        "Future calls: paths",
        "And so do these functions.",
        &f.paths,
    );
    section(&mut out, "Runtime calls", "An async block or a crate future passed to one of these is converted (`async-block`, `future-value` otherwise).", &bl.runtime_driving_calls);
    section(
        &mut out,
        "Channel close",
        "Methods of async-std channels with no std or crossbeam counterpart (`channel-close`).",
        &bl.channel_close_methods,
    );
    section(&mut out, "crossbeam-channel receivers", "A receiver method that std::sync::mpsc lacks: the package's channels become crossbeam-channel's.", &bl.crossbeam_receiver_methods);
    section(
        &mut out,
        "crossbeam-channel methods",
        "Called anywhere, the package's channels become crossbeam-channel's.",
        &bl.crossbeam_methods,
    );
    section(
        &mut out,
        "Lock methods",
        "Methods of async-std's locks with another shape in std (`lock-api`).",
        &bl.lock_methods,
    );
    section(
        &mut out,
        "Sockets bound by syntax",
        "A `.clone()` of a name bound to one of these (`socket-clone`).",
        &bl.sockets_bound_by_syntax,
    );
    section(&mut out, "Sockets by type", "A `.clone()` whose receiver's type (semantic mode) ends with one of these (`socket-clone`).", &bl.sockets_typed);
    section(
        &mut out,
        "Future traits",
        "Implemented by hand (`hand-written-future`).",
        &bl.future_impl_traits,
    );
    section(
        &mut out,
        "Future trait objects",
        "An `impl ..`/`dyn ..` type whose text contains one of these (`hand-written-future`).",
        &bl.future_trait_object_words,
    );
    section(
        &mut out,
        "Future type prefixes",
        "A named type that starts with one of these (`hand-written-future`) ...",
        &bl.future_type_prefixes,
    );
    section(
        &mut out,
        "Future type words",
        "... or contains one of these.",
        &bl.future_type_words,
    );
    section(
        &mut out,
        "Async macros",
        "Macros that drive futures concurrently or by hand (`async-macro`).",
        &bl.async_macros,
    );

    let api = smol_api();
    out.push_str("\n## smol's side (`transforms/smol_api.toml`)\n");
    section(
        &mut out,
        "Traits imported only where named",
        "Their smol counterparts have no public method.",
        &api.path_only_traits,
    );
    section(
        &mut out,
        "io modules",
        "A file that names none of them has no async-std reader or writer for the io passes.",
        &api.io_modules.iter().cloned().collect(),
    );
    section(
        &mut out,
        "FutureExt methods",
        "A file that calls none of them imports no `FutureExt`.",
        &api.future_ext_methods,
    );
    section(
        &mut out,
        "StreamExt methods",
        "A `StreamExt` imported by name goes when every call of these was rewritten (a channel's `next`).",
        &api.stream_ext_methods,
    );
    out.push_str(
        "\n### smol's io extension traits\n\n| trait | methods / arguments |\n| --- | --- |\n",
    );
    for (t, ms) in &api.ext_traits {
        let ms: Vec<String> = ms.iter().map(|(m, n)| format!("{m}/{n}")).collect();
        out.push_str(&format!("| `{t}` | {} |\n", code(&mut ms.iter())));
    }
    out.push_str(
        "\n### smol's prelude, written out\n\n| path from `smol::` | name |\n| --- | --- |\n",
    );
    for (p, n) in &api.prelude {
        out.push_str(&format!("| `{p}` | `{n}` |\n"));
    }
    out.push_str("\n### Awaited `Path` methods (path-async-methods)\n\n| method | `smol::fs` function | then |\n| --- | --- | --- |\n");
    for (m, (f, t)) in &api.path_methods {
        let then = if t.is_empty() {
            String::new()
        } else {
            format!("`{}`", t.replace('|', "\\|"))
        };
        out.push_str(&format!("| `{m}` | `{f}` | {then} |\n"));
    }
    out.push_str(
        "\n### Raw descriptors (socket-raw-fd)\n\n| async-std type | std type |\n| --- | --- |\n",
    );
    for (a, s) in &api.raw_fd_types {
        out.push_str(&format!("| `{a}` | `{s}` |\n"));
    }
    section(
        &mut out,
        "Sockets made from std ones (socket-try-from)",
        "async-std's `From`, async-net's `TryFrom`.",
        &api.sockets_from_std,
    );
    section(
        &mut out,
        "Synchronous in async-net (unix-sync-bind)",
        "The `.await` goes.",
        &api.sync_in_async_net,
    );
    section(
        &mut out,
        "Sealed in smol (trait-sealed)",
        "The crate's own impls of these traits stay on async-std's trait, reported.",
        &api.sealed_in_smol,
    );
    section(
        &mut out,
        "async-std's Tokio context (tokio-context)",
        "async-std's features that ran every task in a Tokio context.",
        &api.tokio_context_features,
    );
    section(
        &mut out,
        "Tokio contexts async-compat serves (tokio-context)",
        "A package with another of the features above stays on async-std.",
        &api.tokio_context_served,
    );
    section(
        &mut out,
        "smol functions whose future enters the context (tokio-context)",
        "Their future argument is wrapped in `async_compat::Compat`.",
        &api.tokio_context_drivers,
    );
    section(
        &mut out,
        "File writes (file-flush-on-drop)",
        "A `File` written by one of these and then dropped gets a flush.",
        &api.file_writes,
    );
    out.push_str("\n### Components (a library's smol paths, `rewrite/components.rs`)\n\n| smol path | crate | its path there |\n| --- | --- | --- |\n");
    for c in &api.components {
        out.push_str(&format!(
            "| `smol::{}` | `{}` | `{}` |\n",
            c.smol.join("::"),
            c.krate,
            c.path
        ));
    }

    out.push_str("\n## Versions written into manifests (`transforms/versions.toml`)\n\n| crate | version | added |\n| --- | --- | --- |\n");
    for d in &versions().dependencies {
        out.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            d.name,
            d.version,
            d.added.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_tables_is_generated_from_the_tables() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tables.md");
        let text = tables_markdown();
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, &text).unwrap();
        } else {
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                old == text,
                "docs/tables.md is stale: run `UPDATE_FIXTURES=1 cargo test --lib tables`"
            );
        }
    }

    #[test]
    fn every_embedded_table_parses_and_validates() {
        parse_async_std_api(ASYNC_STD_API_TOML).unwrap();
        parse_threads_awaits(THREADS_AWAITS_TOML).unwrap();
        parse_threads_blockers(THREADS_BLOCKERS_TOML).unwrap();
        parse_versions(VERSIONS_TOML).unwrap();
        parse_smol_api(SMOL_API_TOML).unwrap();
    }

    #[test]
    fn the_tables_hold_what_the_code_asks_for() {
        for name in [
            "smol",
            "smol-macros",
            "macro_rules_attribute",
            "crossbeam-channel",
        ] {
            assert!(versions().get(name).is_some(), "no version for {name}");
        }
        assert_eq!(version("smol"), "2");
        let api = async_std_api();
        assert!(api.glob_members("async_std::io::prelude").is_some());
        assert!(api.glob_members("async_std::prelude").is_some());
        assert!(api.is_runtime_bound("async_std::task::current"));
        assert!(api.is_runtime_bound("async_std::task::LocalKey::with"));
        assert!(!api.is_runtime_bound("async_std::task::currently"));
        assert_eq!(
            threads_awaits().io_trait("read_line"),
            Some("std::io::BufRead")
        );
    }

    #[test]
    fn lookups_keep_the_rules_the_code_had() {
        let a = &threads_blockers().async_crates;
        assert!(a.contains("tokio") && a.contains("tokio-foo") && a.contains("futures-x"));
        assert!(a.contains("async-foo") && a.contains("smol"));
        assert!(
            !a.contains("async-std") && !a.contains("async-attributes") && !a.contains("serde")
        );
        let f = &threads_blockers().future_calls;
        assert!(f.returns_future("async_std::fs::read_to_string"));
        assert!(f.returns_future("async_std::fs::File::open"));
        assert!(!f.returns_future("async_std::fs::File::from"));
        assert!(!f.returns_future("async_std::fs::OpenOptions::read"));
        assert!(f.returns_future("async_std::fs::OpenOptions::open"));
        assert!(!f.returns_future("async_std::fs::File"));
        assert!(!f.returns_future("async_std::fsx::read"));
        assert!(f.returns_future("async_std::net::TcpStream::connect"));
        assert!(f.returns_future("async_std::task::sleep"));
        assert!(!f.returns_future("async_std::task::spawn"));
    }

    fn err(r: Result<impl std::fmt::Debug, TableError>) -> String {
        r.unwrap_err().to_string()
    }

    const AWAITS_OK: &str = "same_name = [\"a\", \"b\"]\nconcurrent = [\"c\"]\n\
        [[io_trait]]\ntrait = \"std::io::Read\"\nmethods = [\"read\"]\n\
        [socket_timeout]\nread = [\"recv\"]\nwrite = [\"send\"]\n";

    #[test]
    fn bad_rows_are_explained() {
        parse_threads_awaits(AWAITS_OK).unwrap();
        assert_eq!(
            err(parse_threads_awaits(&AWAITS_OK.replace("[\"a\", \"b\"]", "[\"b\", \"a\"]"))),
            "invalid table transforms/threads_awaits.toml: `same_name` is not sorted: move `a` before `b` (lists that are sets are kept in alphabetical order)"
        );
        assert_eq!(
            err(parse_threads_awaits(
                &AWAITS_OK.replace("[\"a\", \"b\"]", "[\"a\", \"a\"]")
            )),
            "invalid table transforms/threads_awaits.toml: `same_name` lists `a` twice: remove one"
        );
        assert_eq!(
            err(parse_threads_awaits(&AWAITS_OK.replace("[\"a\", \"b\"]", "[\"\", \"b\"]"))),
            "invalid table transforms/threads_awaits.toml: `same_name` has an empty entry: remove it"
        );
        assert_eq!(
            err(parse_threads_awaits(&AWAITS_OK.replace("[\"c\"]", "[\"b\"]"))),
            "invalid table transforms/threads_awaits.toml: `b` is in both `same_name` and `concurrent`: an awaited method either has a blocking form or blocks, keep one"
        );
        assert_eq!(
            err(parse_threads_awaits(&AWAITS_OK.replace("\"std::io::Read\"", "\"Read\""))),
            "invalid table transforms/threads_awaits.toml: `io_trait.trait`: `Read` is not a path like `std::io::Read`: fix the entry"
        );
        assert_eq!(
            err(parse_threads_awaits(&AWAITS_OK.replace("[\"send\"]", "[\"recv\"]"))),
            "invalid table transforms/threads_awaits.toml: `recv` is in both socket_timeout.read and socket_timeout.write: keep it under the timeout that bounds it"
        );
        assert_eq!(
            err(parse_threads_awaits(&format!(
                "{AWAITS_OK}[[io_trait]]\ntrait = \"std::io::Write\"\nmethods = [\"read\"]\n"
            ))),
            "invalid table transforms/threads_awaits.toml: `read` is listed under both `std::io::Read` and `std::io::Write`: keep it under the trait that defines it"
        );
        assert!(
            err(parse_threads_awaits(&format!("{AWAITS_OK}extra = 1\n")))
                .contains("unknown field `extra`")
        );
    }

    #[test]
    fn bad_api_and_version_rows_are_explained() {
        let api = ASYNC_STD_API_TOML.replace("\"async_std::fs\",", "\"tokio::fs\",");
        assert_eq!(
            err(parse_async_std_api(&api)),
            "invalid table transforms/async_std_api.toml: `modules`: `tokio::fs` is not a path that starts with `async_std::`: fix the entry"
        );
        let api = ASYNC_STD_API_TOML.replace("name = \"StreamExt\"", "name = \"Stream\"");
        assert_eq!(
            err(parse_async_std_api(&api)),
            "invalid table transforms/async_std_api.toml: members of [[glob]] `async_std::prelude` name `Stream` twice: keep one"
        );
        let api = ASYNC_STD_API_TOML.replace(
            "module = \"async_std::prelude\"",
            "module = \"async_std::time\"",
        );
        assert_eq!(
            err(parse_async_std_api(&api)),
            "invalid table transforms/async_std_api.toml: [[glob]] `async_std::time` is not one of `modules`: add it there (a glob imports a module)"
        );
        let v = VERSIONS_TOML.replace("version = \"0.5\"", "version = \"^0.5\"");
        assert_eq!(
            err(parse_versions(&v)),
            "invalid table transforms/versions.toml: dependency `crossbeam-channel`: version `^0.5` is not a version like `2` or `0.5` (digits and dots)"
        );
        let v = VERSIONS_TOML.replace("name = \"smol\"", "name = \"crossbeam-channel\"");
        assert_eq!(
            err(parse_versions(&v)),
            "invalid table transforms/versions.toml: `dependency names` lists `crossbeam-channel` twice: remove one"
        );
    }

    #[test]
    fn bad_blocker_rows_are_explained() {
        let t = THREADS_BLOCKERS_TOML.replace(
            "\"async-attributes\", \"async-std\"",
            "\"async-std\", \"smol\"",
        );
        assert_eq!(
            err(parse_threads_blockers(&t)),
            "invalid table transforms/threads_blockers.toml: `smol` is in both async_crates.crates and async_crates.not_async: keep one"
        );
        let t = THREADS_BLOCKERS_TOML.replace("\"try_send\"", "\"try send\"");
        assert_eq!(
            err(parse_threads_blockers(&t)),
            "invalid table transforms/threads_blockers.toml: `channels.crossbeam_methods`: `try send` is not a name (letters, digits and `_`): fix the entry"
        );
    }
}
