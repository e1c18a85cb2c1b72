//! Impls that become duplicates. Code that implemented a trait for both async-std's `PathBuf` and
//! std's has two impls for one type once async-std's path types are std's: the async-std one
//! goes (reported for review: the std impl now serves both).
//!
//! ```text
//! impl ToListener for async_std::path::PathBuf { .. }   ->   (removed)
//! impl ToListener for std::path::PathBuf { .. }              impl ToListener for std::path::PathBuf { .. }
//! ```

use super::start;
use crate::report::RawFinding;
use crate::rewrite::imports::item_line_range;
use crate::rewrite::{Acc, Ctx};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

const RULE: &str = "duplicate-impl";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    let impls: Vec<ast::Impl> = ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::Impl::cast)
        .collect();
    for imp in &impls {
        let (Some(tr), Some(ty)) = (imp.trait_(), imp.self_ty()) else {
            continue;
        };
        let ty_range = ty.syntax().text_range();
        // The self type is a path to an async-std type that maps to a std one.
        let Some(site) = ctx
            .sites
            .paths
            .iter()
            .find(|p| p.path.syntax().text_range() == ty_range)
        else {
            continue;
        };
        let Some(new) = ctx.cat.lookup(&site.canon).and_then(|m| m.path) else {
            continue;
        };
        if !new.starts_with("std::") {
            continue;
        }
        let short = new.rsplit("::").next().unwrap_or(&new);
        let trait_text = tr.syntax().text().to_string();
        let twin = impls.iter().any(|other| {
            other != imp
                && other
                    .trait_()
                    .is_some_and(|t| t.syntax().text().to_string() == trait_text)
                && other.self_ty().is_some_and(|t| {
                    let t = t.syntax().text().to_string();
                    t == new
                        || (t == short
                            && !ctx.sites.paths.iter().any(|p| {
                                p.path.syntax().text_range()
                                    == other.self_ty().unwrap().syntax().text_range()
                            }))
                })
        });
        if twin {
            let mut r = item_line_range(ctx.src, imp.syntax());
            // The blank line that separated it goes too.
            if ctx.src[..r.start].ends_with("\n\n") {
                r.start -= 1;
            }
            acc.edits.delete(r, RULE);
            acc.findings.push(RawFinding::review(
                start(imp.syntax()),
                RULE,
                format!("`impl {trait_text} for {}` duplicates the impl for `{new}` once async-std's type is std's", ty.syntax()),
                "it was removed: check that the remaining impl does what both did",
            ));
        }
    }
}
