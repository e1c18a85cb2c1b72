//! Which cfg-gated code rust-analyzer saw. It loads the workspace once, with the default
//! features and the host's cfg, so code under `cfg(feature = "tokio")` or `cfg(windows)` lies
//! outside its view. Paths are resolved at syntax level everywhere, so such code is migrated by
//! the same rules; only the method-call questions (a receiver's type) fall back there to
//! syntactic evidence. The report lists every cfg-gated region that names async-std with the
//! means that judged it: rust-analyzer where the region is active in its configuration, the
//! syntax rules where it is not.
//!
//! Also here: [`cfg_shared`], the names a multi-runtime library imports from async-std and,
//! under another cfg, from another runtime (see `src/rewrite/shared.rs`).

use super::{FileSites, Oracle};
use ra_ap_syntax::ast::{self, HasAttrs, HasName};
use ra_ap_syntax::{AstNode, TextRange};

/// A `#[cfg(..)]` item or statement (or a `#[cfg_attr(..)]` attribute) that names async-std.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub offset: usize,
    /// The attribute as written (`cfg(feature = "runtime-tokio")`).
    pub cfg: String,
    /// Active in rust-analyzer's configuration (`None`: it could not tell, or did not run).
    pub active: Option<bool>,
}

/// The cfg-gated regions of a file that contain an async-std reference.
pub fn regions(sf: &ast::SourceFile, sites: &FileSites, oracle: &dyn Oracle) -> Vec<Region> {
    let ranges: Vec<TextRange> = sites
        .paths
        .iter()
        .map(|p| p.path.syntax().text_range())
        .chain(sites.leaves.iter().map(|l| l.tree.syntax().text_range()))
        .collect();
    if ranges.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for attr in sf.syntax().descendants().filter_map(ast::Attr::cast) {
        let (pred, region) = match attr.meta() {
            Some(ast::Meta::CfgMeta(m)) => (
                m.cfg_predicate(),
                attr.syntax().parent().map(|p| p.text_range()),
            ),
            Some(ast::Meta::CfgAttrMeta(m)) => {
                (m.cfg_predicate(), Some(attr.syntax().text_range()))
            }
            _ => continue,
        };
        let (Some(pred), Some(region)) = (pred, region) else {
            continue;
        };
        if !ranges.iter().any(|r| region.contains_range(*r)) {
            continue;
        }
        let cfg = attr
            .meta()
            .map(|m| m.syntax().text().to_string())
            .unwrap_or_default();
        out.push(Region {
            offset: attr.syntax().text_range().start().into(),
            cfg,
            active: oracle.cfg_active(&pred),
        });
    }
    out
}

pub fn has_cfg(mut attrs: impl Iterator<Item = ast::Attr>) -> bool {
    attrs.any(|a| matches!(a.meta(), Some(ast::Meta::CfgMeta(_))))
}

/// Whether a leaf's local name is bound again, in the same scope and under a `cfg`, by another
/// import or item (the leaf's own `use` has a `cfg` too).
pub fn cfg_shared(leaf: &super::UseLeaf, sites: &FileSites) -> bool {
    let Some(name) = &leaf.local else {
        return false;
    };
    if !has_cfg(leaf.use_item.attrs()) {
        return false;
    }
    let Some(scope) = leaf.use_item.syntax().parent() else {
        return false;
    };
    let ours = |u: &ast::Use| sites.leaves.iter().any(|l| l.use_item == *u);
    scope
        .children()
        .filter_map(ast::Item::cast)
        .any(|item| match &item {
            ast::Item::Use(u) if !ours(u) && has_cfg(u.attrs()) => {
                bound_names(u).iter().any(|b| b == name)
            }
            ast::Item::Use(_) => false,
            other => {
                let named = match other {
                    ast::Item::Fn(f) => f.name(),
                    ast::Item::Struct(x) => x.name(),
                    ast::Item::TypeAlias(x) => x.name(),
                    ast::Item::Trait(x) => x.name(),
                    ast::Item::Enum(x) => x.name(),
                    ast::Item::Module(x) => x.name(),
                    _ => None,
                };
                named.is_some_and(|n| n.text() == name.as_str()) && has_cfg(other.attrs())
            }
        })
}

/// The names a `use` item binds (its leaves' last segments or renames; not globs, not `_`).
pub fn bound_names(u: &ast::Use) -> Vec<String> {
    bindings(u).into_iter().map(|(name, _)| name).collect()
}

/// What a `use` item binds: each name with the path it names (`use a::b as c` -> `c`, `a::b`).
pub fn bindings(u: &ast::Use) -> Vec<(String, Vec<String>)> {
    let Some(tree) = u.use_tree() else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    super::syntax::flatten(&tree, &[], false, &mut leaves);
    leaves
        .into_iter()
        .filter(|(_, _, glob, _)| !glob)
        .filter_map(|(t, segs, _, _)| {
            let name = match t.rename() {
                Some(r) => r.name().map(|n| n.text().to_string()),
                None => segs.last().cloned(),
            }?;
            (name != "_").then_some((name, segs))
        })
        .collect()
}
