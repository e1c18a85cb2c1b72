//! Impls that become duplicates. Code that implemented a trait for both async-std's `PathBuf` and
//! std's has two impls for one type once async-std's path types are std's: the async-std one
//! goes (reported for review: the std impl now serves both).
//!
//! Before:
//! ```text
//! trait ToListener {
//!     fn name(&self) -> String;
//! }
//!
//! impl ToListener for async_std::path::PathBuf {
//!     fn name(&self) -> String {
//!         self.display().to_string()
//!     }
//! }
//!
//! impl ToListener for std::path::PathBuf {
//!     fn name(&self) -> String {
//!         self.display().to_string()
//!     }
//! }
//! ```
//! After:
//! ```text
//! trait ToListener {
//!     fn name(&self) -> String;
//! }
//!
//! impl ToListener for std::path::PathBuf {
//!     fn name(&self) -> String {
//!         self.display().to_string()
//!     }
//! }
//! ```
//!
//! A library that implements a trait once per runtime, each behind its feature, can have the
//! smol impl already (`impl SqlBrowser for async_net::TcpStream` beside
//! `impl SqlBrowser for async_std::net::TcpStream`): migrated, the two would conflict when both
//! features are on. The migrated impl is gated off where the smol one exists (its cfgs and its
//! `mod` declaration's), reported for review:
//!
//! ```text
//! impl SqlBrowser for net::TcpStream { .. }  ->  #[cfg(not(feature = "sql-browser-smol"))]
//!                                                impl SqlBrowser for net::TcpStream { .. }
//! ```

use super::start;
use super::{Acc, Ctx};
use super::{At, Flow};
use crate::report::RawFinding;
use crate::rewrite::imports::item_line_range;
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "duplicate-impl";

/// smol's path for a type named through smol or one of the crates it re-exports
/// (`async_net::TcpStream` -> `smol::net::TcpStream`).
fn smol_path(segs: &[String]) -> Option<String> {
    let (krate, rest) = segs.split_first()?;
    let prefix = match krate.as_str() {
        "smol" => "smol",
        "async_net" => "smol::net",
        "async_fs" => "smol::fs",
        "async_process" => "smol::process",
        "async_channel" => "smol::channel",
        "async_lock" => "smol::lock",
        "async_io" | "futures_lite" => "smol",
        _ => return None,
    };
    (!rest.is_empty()).then(|| format!("{prefix}::{}", rest.join("::")))
}

/// The trait's own name (`io::Read` -> `Read`), generic arguments aside.
fn trait_name(tr: &ast::Type) -> Option<String> {
    let ast::Type::PathType(p) = tr else {
        return None;
    };
    Some(p.path()?.segment()?.name_ref()?.text().to_string())
}

/// Whether a file's text can hold an impl for one of smol's types (before parsing it).
pub(crate) fn may_impl_for_smol(text: &str) -> bool {
    text.contains("impl")
        && [
            "smol",
            "async_net",
            "async_fs",
            "async_process",
            "async_channel",
            "async_lock",
            "async_io",
            "futures_lite",
        ]
        .iter()
        .any(|c| text.contains(c))
}

/// The cfg predicates of an item's own `#[cfg(..)]` attributes and its enclosing modules'.
fn cfgs_around(node: &ra_ap_syntax::SyntaxNode) -> Vec<String> {
    node.ancestors()
        .filter_map(|n| {
            ast::Impl::cast(n.clone())
                .map(|i| ast::HasAttrs::attrs(&i).collect::<Vec<_>>())
                .or_else(|| ast::Module::cast(n).map(|m| ast::HasAttrs::attrs(&m).collect()))
        })
        .flatten()
        .filter_map(|a| match a.meta() {
            Some(ast::Meta::CfgMeta(m)) => m.cfg_predicate(),
            _ => None,
        })
        .map(|p| p.syntax().text().to_string())
        .collect()
}

/// Files that `mod x;` declarations under a `#[cfg(..)]` load, with their predicates.
pub(crate) fn gated_module_files(
    sf: &ast::SourceFile,
    path: &std::path::Path,
) -> Vec<(std::path::PathBuf, Vec<String>)> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if matches!(stem, "mod" | "lib" | "main") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    let mut out = Vec::new();
    for m in sf.syntax().descendants().filter_map(ast::Module::cast) {
        let (None, Some(name)) = (m.item_list(), ast::HasName::name(&m)) else {
            continue;
        };
        let preds = cfgs_around(m.syntax());
        if preds.is_empty() {
            continue;
        }
        let name = name.text().to_string();
        out.push((base.join(format!("{name}.rs")), preds.clone()));
        out.push((base.join(&name).join("mod.rs"), preds));
    }
    out
}

/// The file's `impl Trait for <smol type>`: ((trait's last name, smol path), line, the cfgs it
/// is under in the file).
pub(crate) fn smol_impls(
    sf: &ast::SourceFile,
    text: &str,
) -> Vec<((String, String), usize, Vec<String>)> {
    let names: std::collections::BTreeMap<String, Vec<String>> = sf
        .syntax()
        .descendants()
        .filter_map(ast::Use::cast)
        .flat_map(|u| crate::resolve::cfg_regions::bindings(&u))
        .collect();
    let mut out = Vec::new();
    for imp in sf.syntax().descendants().filter_map(ast::Impl::cast) {
        let (Some(tr), Some(ast::Type::PathType(ty))) = (imp.trait_(), imp.self_ty()) else {
            continue;
        };
        let (Some(trait_name), Some(path)) = (trait_name(&tr), ty.path()) else {
            continue;
        };
        let mut segs: Vec<String> = path
            .segments()
            .filter_map(|s| s.name_ref().map(|n| n.text().to_string()))
            .collect();
        if let Some(full) = segs.first().and_then(|f| names.get(f)) {
            let mut s = full.clone();
            s.extend(segs.drain(1..));
            segs = s;
        }
        if let Some(p) = smol_path(&segs) {
            let line = text[..start(imp.syntax())].matches('\n').count() + 1;
            out.push(((trait_name, p), line, cfgs_around(imp.syntax())));
        }
    }
    out
}

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
        let trait_name = trait_name(&tr).unwrap_or_default();
        if let Some((at, preds)) = ctx.krate.smol_impls.get(&(trait_name.clone(), new.clone())) {
            let r = item_line_range(ctx.src, imp.syntax());
            if preds.is_empty() {
                // The smol impl always exists: this one would always conflict.
                acc.edits.delete(r, RULE);
            } else {
                let pred = match preds.as_slice() {
                    [one] => one.clone(),
                    all => format!("all({})", all.join(", ")),
                };
                let indent: String = ctx.src[r.start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                acc.edits
                    .insert(r.start, format!("{indent}#[cfg(not({pred}))]\n"), RULE);
            }
            acc.findings.push(RawFinding::review(
                start(imp.syntax()),
                RULE,
                format!("`impl {trait_name} for {}` becomes an impl for `{new}`, which the crate implements at {at} too: {}", ty.syntax(), if preds.is_empty() { "it was removed".to_string() } else { "it is gated off where that one exists".to_string() }),
                "check that the smol impl does what this one did where both were enabled",
            ));
            continue;
        }
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

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_impl_without_a_std_twin_stays() {
        check_not_applicable(
            "duplicate-impl",
            r#"trait Named {
    fn name(&self) -> String;
}

impl Named for async_std::path::PathBuf {
    fn name(&self) -> String {
        self.display().to_string()
    }
}
"#,
        );
    }
}
