//! Which cfg-gated code rust-analyzer saw. It loads the workspace once, with the default
//! features and the host's cfg, so code under `cfg(feature = "tokio")` or `cfg(windows)` lies
//! outside its view. Paths are resolved at syntax level everywhere, so such code is migrated by
//! the same rules; only the method-call questions (a receiver's type) fall back there to
//! syntactic evidence. The report lists every cfg-gated region that names async-std with the
//! means that judged it: rust-analyzer where the region is active in its configuration, the
//! syntax rules where it is not.

use super::{FileSites, Oracle};
use ra_ap_syntax::ast;
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
