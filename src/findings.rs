//! The ids the tool reports under besides catalogue rows and handlers (which report under their
//! own ids): one enum, so that an id is written once, and docs/json.md's and docs/threads.md's
//! lists are generated from it (a test fails when they are stale).

use std::fmt;

macro_rules! finding_ids {
    ($( $(#[doc = $doc:literal])+ $name:ident = $id:literal, $kind:ident; )*) => {
        /// An id of a finding (or of a per-file count) that is not a catalogue row's or a handler's.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum FindingId {
            $( $(#[doc = $doc])+ $name, )*
        }

        impl FindingId {
            /// Every id, sorted.
            pub const ALL: &'static [FindingId] = &[$(FindingId::$name),*];

            /// The id as it appears in reports (`use-glob`).
            pub fn as_str(self) -> &'static str {
                match self { $(FindingId::$name => $id,)* }
            }

            /// What it means, for the docs.
            pub fn meaning(self) -> &'static str {
                match self { $(FindingId::$name => concat!($($doc),+).trim_ascii(),)* }
            }

            /// Where it is reported.
            pub fn kind(self) -> Kind {
                match self { $(FindingId::$name => Kind::$kind,)* }
            }
        }
    };
}

/// Where an id is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A finding of the migration.
    Finding,
    /// A blocker of `--to threads`: the crate keeps an async runtime.
    Blocker,
    /// Both a finding and a blocker.
    Both,
    /// A per-file count of changes (`files[].rules`), never a finding.
    Count,
}

finding_ids! {
    /// an async block or closure used as a value (not the argument of spawn/block_on)
    AsyncBlock = "async-block", Blocker;
    /// the package depends on another async crate (tokio, futures, tide, ...)
    AsyncDependency = "async-dependency", Blocker;
    /// `select!`, `join!`, `pin_mut!`, `stream!`, ...
    AsyncMacro = "async-macro", Blocker;
    /// an `.await` with no blocking form (a combinator, a future from elsewhere)
    AwaitUnknown = "await-unknown", Blocker;
    /// a `cfg(feature = ..)` gate that follows a renamed feature (counts)
    CfgFeature = "cfg-feature", Count;
    /// a name imported from async-std and, under another cfg, from another runtime, whose item has no smol binding with async-std's behaviour (see src/rewrite/shared.rs)
    CfgSharedName = "cfg-shared-name", Finding;
    /// `close()`, `is_closed()`, `receiver_count()`, ... on a channel
    ChannelClose = "channel-close", Blocker;
    /// doc comments show async-std code (doctests would lose their runtime)
    DocExamples = "doc-examples", Blocker;
    /// two rewrites overlapped: the file was left unchanged
    EditConflict = "edit-conflict", Finding;
    /// an `extern crate async_std` removed (counts)
    ExternCrate = "extern-crate", Count;
    /// `#[macro_use] extern crate async_std`: bare macros are not resolved
    ExternCrateMacroUse = "extern-crate-macro-use", Finding;
    /// a file of a target's module tree that was not read (unreadable, not UTF-8, or a symbolic
    /// link out of the path or package): its package keeps async-std
    FileNotRead = "file-not-read", Finding;
    /// another crate's attribute on an async fn (another runtime or macro expects it async)
    ForeignAttribute = "foreign-attribute", Blocker;
    /// a call of one of the crate's async fns whose future is kept, not awaited at once
    FutureValue = "future-value", Blocker;
    /// `impl Future/Stream/AsyncRead.. for`, `Pin<..>`, `impl Future`, `dyn Future`
    HandWrittenFuture = "hand-written-future", Blocker;
    /// a file the crate includes as its docs (`#![doc = include_str!("../README.md")]`) shows
    /// async-std code that was not migrated with the crate (an example the catalogue cannot
    /// rewrite, a package that keeps async-std, `--to threads`): its doctests keep async-std
    IncludedDocs = "included-docs", Finding;
    /// `try_lock`, `lock_arc`, `upgradable_read`, ... (different shapes in std)
    LockApi = "lock-api", Blocker;
    /// a Cargo.toml edit (counts)
    Manifest = "manifest", Count;
    /// an example named after async-std that now runs on smol, or a line of documentation that
    /// names a feature the migration renamed: listed for a person
    NamedAfterAsyncStd = "named-after-async-std", Finding;
    /// a `.rs` file no target's module tree reaches (cargo does not compile it): left as it is
    OutsideModuleTree = "outside-module-tree", Finding;
    /// a path with generic arguments inside the part that changes
    PathGenericArgs = "path-generic-args", Finding;
    /// a published library's `pub async fn` (unless `--allow-api-change` or `publish = false`)
    PublicAsyncApi = "public-async-api", Blocker;
    /// an async-std path in code a procedural macro generates (`quote!`): the crates that
    /// invoke the macro keep async-std (not for a workspace's own test helper: an unpublished
    /// macro, or one only workspace members dev-depend on, whose quoted paths are migrated)
    QuotedCode = "quoted-code", Finding;
    /// a public re-export of an item with no importable smol form and no shim
    ReexportNoEquivalent = "reexport-no-equivalent", Finding;
    /// the rewrite would have introduced a syntax error: the file was left unchanged
    RewriteSyntaxError = "rewrite-syntax-error", Finding;
    /// the crate uses task-locals / `task::current` / `spawn_local`, or runs a crate that does:
    /// left on async-std whole
    RuntimeBound = "runtime-bound", Finding;
    /// `spawn`/`block_on`/`#[main]` used in a shape the conversion does not know
    RuntimeValue = "runtime-value", Blocker;
    /// the crate calls async fns of a crate that needs a runtime: decided with it
    SharedAsyncFns = "shared-async-fns", Blocker;
    /// a cloned async-std socket (semantic mode): std's need `try_clone`
    SocketClone = "socket-clone", Blocker;
    /// `task::spawn` inside `loop`/`while`: one thread per connection or message
    SpawnPerItem = "spawn-per-item", Blocker;
    /// the crate reads or writes files through shared references (a generic bound `for<'a> &'a
    /// T: AsyncRead`, an impl `Read for &T`), which async-fs' `File` does not allow: the files
    /// naming async-std's `File` are left on async-std (streams under such a bound get
    /// async-std's stream rebuilt on smol, `stream-shared-io`)
    StreamRefIo = "stream-ref-io", Finding;
    /// a file of the crate could not be parsed
    SyntaxError = "syntax-error", Both;
    /// the package enables async-std's `tokio1` feature: futures smol's `block_on` and `spawn`
    /// drive are wrapped in `async_compat::Compat` (counts); with `tokio02`/`tokio03`, a
    /// context only a feature list gives on an optional async-std, or for a published library
    /// whose own code names async-std (outside [dev-dependencies]), its files are left on
    /// async-std
    TokioContext = "tokio-context", Finding;
    /// the crate implements an async-std trait whose smol counterpart is sealed: the impl keeps
    /// async-std's trait
    TraitSealed = "trait-sealed", Finding;
    /// an async-std path the catalogue (smol.toml or threads.toml) does not know: left in place
    UnknownItem = "unknown-item", Both;
    /// a `use` item regenerated (counts)
    Use = "use", Count;
    /// a glob import of an async-std module with no smol module to point at
    UseGlob = "use-glob", Finding;
}

impl AsRef<str> for FindingId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<FindingId> for String {
    fn from(id: FindingId) -> String {
        id.as_str().to_string()
    }
}

/// The generated list of ids of these kinds, as a markdown table.
pub fn markdown(kinds: &[Kind]) -> String {
    let mut out = String::from("| id | meaning |\n| --- | --- |\n");
    for id in FindingId::ALL.iter().filter(|i| kinds.contains(&i.kind())) {
        out.push_str(&format!("| `{}` | {} |\n", id.as_str(), id.meaning()));
    }
    out
}

/// Replaces the text between `<!-- generated: NAME -->` and `<!-- end: NAME -->` in `doc`.
pub fn splice(doc: &str, name: &str, generated: &str) -> Option<String> {
    let open = format!("<!-- generated: {name} -->\n");
    let close = format!("<!-- end: {name} -->");
    let a = doc.find(&open)? + open.len();
    let b = a + doc[a..].find(&close)?;
    Some(format!("{}{}{}", &doc[..a], generated, &doc[b..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_unique_and_kebab_case() {
        for w in FindingId::ALL.windows(2) {
            assert!(w[0].as_str() < w[1].as_str(), "{} before {}", w[0], w[1]);
        }
        for id in FindingId::ALL {
            assert!(id
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(!id.meaning().is_empty());
        }
    }

    #[test]
    fn no_id_is_also_a_handler_or_a_catalogue_row() {
        let smol = crate::rules::Catalogue::smol();
        let threads = crate::rules::Catalogue::threads(false);
        for id in FindingId::ALL {
            assert!(
                crate::handlers::get(id.as_str()).is_none(),
                "{id} is a handler"
            );
            for cat in [smol, threads] {
                assert!(
                    cat.rules.iter().all(|r| r.id != id.as_str()),
                    "{id} is a row"
                );
            }
        }
    }

    fn check_doc(file: &str, name: &str, kinds: &[Kind]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let doc = std::fs::read_to_string(&path).unwrap();
        let new = splice(&doc, name, &markdown(kinds))
            .unwrap_or_else(|| panic!("{file} has no `<!-- generated: {name} -->` section"));
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, &new).unwrap();
        } else {
            assert!(
                doc == new,
                "{file} is stale: run `UPDATE_FIXTURES=1 cargo test --lib findings`"
            );
        }
    }

    /// One test for both files: two tests updating docs/json.md at once would race.
    #[test]
    fn docs_list_the_finding_and_blocker_ids() {
        let everything_else = &[Kind::Count, Kind::Finding, Kind::Both];
        check_doc("docs/json.md", "finding-ids", everything_else);
        check_doc("docs/json.md", "blocker-ids", &[Kind::Blocker, Kind::Both]);
        check_doc(
            "docs/threads.md",
            "blocker-ids",
            &[Kind::Blocker, Kind::Both],
        );
    }

    #[test]
    fn splice_replaces_only_the_section() {
        let doc = "a\n<!-- generated: x -->\nold\n<!-- end: x -->\nb\n";
        assert_eq!(
            splice(doc, "x", "new\n").unwrap(),
            "a\n<!-- generated: x -->\nnew\n<!-- end: x -->\nb\n"
        );
        assert_eq!(splice(doc, "y", ""), None);
    }
}
