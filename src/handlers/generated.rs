//! Items async-std has and smol has no type for, that a crate naming them gets as a small module
//! of its own, written once at the end of the crate's root file: `TimeoutError`
//! (`timeout_error.rs`), `Condvar` (`condvar.rs`), a `Sync` wrapper for address-resolving
//! futures (`sync_future.rs`) and the local executor `spawn_local` needs (`local_executor.rs`). The engine decides which crates get which
//! module (a library's other crates use the library's); the handlers point the names at it.

use super::{range, Acc, At, Ctx, Flow};
use crate::resolve::{FileSites, Origin};
use ra_ap_syntax::ast::HasGenericArgs;
use ra_ap_syntax::AstNode;

/// One kind of generated module.
pub(crate) struct Generated {
    /// The handler id (the rule its module and rewrites count under).
    pub rule: &'static str,
    /// The module's name (`timeout_error`).
    pub module: &'static str,
    /// async-std's items it stands for: (canonical path, the module's item).
    pub items: &'static [(&'static str, &'static str)],
    /// Whether a file names one of the items (or has the code the module serves).
    pub names_it: fn(&FileSites) -> bool,
    /// What else a crate must have for the module, in the text of one of its files.
    pub crate_wants: Option<fn(&str) -> bool>,
    /// What keeps a crate from the module, in the sites of one of its files (the module would
    /// not serve all its code: the crate is left as it was, reported).
    pub crate_blocked_by: Option<fn(&FileSites) -> bool>,
    /// The package's other crates use the library's module (what they get from the library is of
    /// its types), rather than one of their own.
    pub shared: bool,
    /// Every crate of the package uses the library's module when the library has it, whether
    /// or not it names the items itself (the local executor its entry points must drive).
    pub package_wide: bool,
    /// The module's text for the end of a root file whose text is given; `pub` in a library.
    pub text: fn(&str, bool) -> String,
}

/// Every kind, sorted by module name.
pub(crate) const ALL: &[Generated] = &[
    super::condvar::GENERATED,
    super::join_handle::GENERATED,
    super::local_executor::GENERATED,
    super::sync_future::GENERATED,
    super::task_locals::GENERATED,
    super::shared_io_stream::TCP,
    super::timeout_error::GENERATED,
    super::shared_io_stream::UNIX,
];

/// Where a file finds each generated module its crate has: module name -> path
/// (`crate::condvar`, `mylib::timeout_error`).
#[derive(Debug, Default, Clone)]
pub struct Paths(Vec<(&'static str, String)>);

impl Paths {
    /// No module.
    pub const NONE: Paths = Paths(Vec::new());

    pub(crate) fn set(&mut self, module: &'static str, path: String) {
        self.0.retain(|(m, _)| *m != module);
        self.0.push((module, path));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The path of the module, when the crate has it.
    pub(crate) fn module(&self, module: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, p)| p.as_str())
    }

    /// The full path of the item standing for async-std's `canon` (an associated item of it
    /// too: `Condvar::new`), when the crate has it.
    pub(crate) fn item_for(&self, canon: &[String]) -> Option<String> {
        ALL.iter().find_map(|g| {
            g.items.iter().find_map(|(c, item)| {
                let n = covers(c, canon)?;
                let mut p = format!("{}::{item}", self.module(g.module)?);
                for s in &canon[n..] {
                    p.push_str("::");
                    p.push_str(s);
                }
                Some(p)
            })
        })
    }
}

/// The handler of the module kind that stands for async-std's `canon` in this file's crate.
pub(crate) fn handler_for(paths: &Paths, canon: &[String]) -> Option<&'static str> {
    ALL.iter()
        .filter(|g| paths.module(g.module).is_some())
        .find(|g| g.items.iter().any(|(c, _)| covers(c, canon).is_some()))
        .map(|g| g.rule)
}

/// `canon` is the item `c` or below it (`Condvar::new` below `Condvar`): `c`'s segment count.
fn covers(c: &str, canon: &[String]) -> Option<usize> {
    let n = c.split("::").count();
    (canon.len() >= n && canon[..n].join("::") == c).then_some(n)
}

/// Whether a file names any of `canons` or an item of one (`Condvar::new`), by import or path.
pub(crate) fn names_any(sites: &FileSites, canons: &[(&str, &str)]) -> bool {
    let is = |c: &[String]| canons.iter().any(|(x, _)| covers(x, c).is_some());
    sites.paths.iter().any(|p| is(&p.canon)) || sites.leaves.iter().any(|l| !l.glob && is(&l.canon))
}

/// `text` with `{vis}` and `{field}` filled for a library (`public`) or another crate, after a
/// newline when the root file does not end with one.
pub(crate) fn module_text(root: &str, template: &str, public: bool) -> String {
    let sep = if root.ends_with('\n') { "" } else { "\n" };
    let field = if public {
        "#[doc(hidden)]\n        pub "
    } else {
        "pub(crate) "
    };
    format!(
        "{sep}{}",
        template
            .replace("{vis}", if public { "pub " } else { "" })
            .replace("{field}", field)
    )
}

/// A path naming one of the items: imported by name, the regenerated import points at the
/// crate's module and the usage stays as written; written out, the path is replaced.
pub(super) fn point_at_module(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc, rule: &str) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    let Some(path) = ctx.generated.item_for(&site.canon) else {
        return Flow::Continue;
    };
    if let Origin::Binding(i) = site.origin {
        let leaf = &ctx.sites.leaves[i].canon;
        if site.canon.starts_with(leaf) && ctx.generated.item_for(leaf).is_some() {
            return Flow::Done;
        }
    }
    // The item's generic arguments stay (`task::JoinHandle<u32>`).
    let generics = site
        .path
        .segment()
        .and_then(|s| s.generic_arg_list())
        .map(|g| g.syntax().text().to_string())
        .unwrap_or_default();
    acc.edits
        .replace(range(site.path.syntax()), format!("{path}{generics}"), rule);
    Flow::Done
}
