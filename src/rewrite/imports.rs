//! `use` items: a use item that imports from async-std is written anew from its leaves' plans
//! (attributes, visibility and indentation kept; leaves grouped by parent module; duplicates of
//! imports already in the same scope skipped; dead ones dropped), and traits that rewritten
//! method calls need are imported when nothing in the file brings them into scope.

use super::{Acc, Ctx, LeafPlan};
use crate::findings::FindingId;
use crate::resolve::syntax::cfg_text;
use ra_ap_syntax::ast::{self, HasModuleItem, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, SyntaxNode};
use std::collections::{BTreeMap, HashSet};

/// The final decision on one use leaf, once every usage is known.
pub struct LeafDecision {
    pub plan: LeafPlan,
    /// Some usage could not be migrated: the original import stays.
    pub keep_original: bool,
    /// Items a migrated glob brought in that stay async-std's, imported explicitly.
    pub extra: Vec<String>,
    /// Some usage relies on the (new) import, or the leaf has no usage we could see (a trait, or a
    /// name used inside a macro): keep importing it.
    pub needed: bool,
}

/// The byte range of an item that sits on lines of its own, with its indentation and line break,
/// so that deleting it leaves no blank line behind.
pub fn item_line_range(src: &str, node: &SyntaxNode) -> std::ops::Range<usize> {
    let (mut start, mut end): (usize, usize) = (item_start(node), node.text_range().end().into());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    if src[line_start..start]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        let rest = &src[end..];
        let trail = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let eol = if rest[trail..].starts_with("\r\n") {
            Some(2)
        } else if rest[trail..].starts_with('\n') {
            Some(1)
        } else if rest[trail..].is_empty() {
            Some(0)
        } else {
            None
        };
        if let Some(eol) = eol {
            start = line_start;
            end += trail + eol;
        }
    }
    start..end
}

/// Where an item's own text starts: rust-analyzer attaches the comments right above an item to
/// it, and those stay where they are.
pub fn item_start(node: &SyntaxNode) -> usize {
    node.children_with_tokens()
        .find(|c| {
            !matches!(
                c.kind(),
                ra_ap_syntax::SyntaxKind::COMMENT | ra_ap_syntax::SyntaxKind::WHITESPACE
            )
        })
        .map(|c| c.text_range().start().into())
        .unwrap_or_else(|| node.text_range().start().into())
}

fn leaf_original_text(leaf: &crate::resolve::UseLeaf) -> String {
    let mut t = leaf.written.join("::");
    if leaf.glob {
        t.push_str("::*");
    }
    if let Some(a) = &leaf.alias {
        t.push_str(" as ");
        t.push_str(a);
    }
    t
}

/// The use paths a scope already imports from elsewhere (`std::sync::Arc`, `smol::prelude::*`)
/// under the cfgs `cfgs` (an import under another cfg does not bind there: a crate with one
/// import per runtime feature).
fn existing_imports(scope: &SyntaxNode, cfgs: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for u in scope.children().filter_map(ast::Use::cast) {
        let theirs = cfg_text(u.syntax());
        if !theirs.is_empty() && theirs != cfgs {
            continue;
        }
        let Some(tree) = u.use_tree() else { continue };
        let mut leaves = Vec::new();
        crate::resolve::syntax::flatten(&tree, &[], false, &mut leaves);
        for (t, segs, glob, _) in leaves {
            let mut s = segs.join("::");
            if glob {
                s.push_str("::*");
            }
            if let Some(r) = t.rename() {
                s.push_str(" as ");
                s.push_str(
                    &r.name()
                        .map(|n| n.text().to_string())
                        .unwrap_or_else(|| "_".into()),
                );
            }
            out.insert(s);
        }
    }
    out
}

pub fn regenerate(ctx: &Ctx<'_>, decisions: &[LeafDecision], acc: &mut Acc) {
    // Leaves by use item, in source order.
    let mut by_item: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, leaf) in ctx.sites.leaves.iter().enumerate() {
        by_item
            .entry(leaf.use_item.syntax().text_range().start().into())
            .or_default()
            .push(i);
    }
    let mut emitted: BTreeMap<(usize, String), HashSet<String>> = BTreeMap::new();
    for leaf_ids in by_item.values() {
        let item = &ctx.sites.leaves[leaf_ids[0]].use_item;
        // A tree that mixes async-std with other crates (`use {async_std::task, std::fs};`) is
        // regenerated with the other leaves kept as written, each parent path its own item.
        let slots = slots_of(ctx, item, leaf_ids);
        if leaf_ids
            .iter()
            .any(|&i| decisions[i].plan == LeafPlan::Untouched)
        {
            continue;
        }
        let Some(scope) = item.syntax().parent() else {
            continue;
        };
        let scope_key: usize = scope.text_range().start().into();
        let cfgs = cfg_text(item.syntax());
        let seen = emitted.entry((scope_key, cfgs.clone())).or_insert_with(|| {
            let mut s = existing_imports(&scope, &cfgs);
            // The item's own original leaves are not "existing" once it is rewritten.
            for &i in leaf_ids {
                s.remove(&leaf_original_text(&ctx.sites.leaves[i]));
            }
            s
        });
        let mut entries: Vec<String> = Vec::new();
        let mut shims: Vec<String> = Vec::new();
        let mut changed = false;
        for slot in &slots {
            let i = match slot {
                Slot::Leaf(i) => *i,
                Slot::Other(text) => {
                    entries.push(text.clone());
                    continue;
                }
            };
            let leaf = &ctx.sites.leaves[i];
            let d = &decisions[i];
            let entry = if d.keep_original || d.plan == LeafPlan::Keep {
                Some(leaf_original_text(leaf))
            } else {
                changed = true;
                match &d.plan {
                    LeafPlan::Import(p) => {
                        let mut g = leaf.canon.clone();
                        if leaf.glob {
                            g.push("*".into());
                        }
                        if let Some(m) = ctx.cat.lookup(&g) {
                            acc.credits.push(m.rule.id.clone());
                        }
                        if !d.needed && !leaf.glob {
                            None
                        } else {
                            let last = p.rsplit("::").next().unwrap_or("");
                            match &leaf.alias {
                                Some(a) if a != last && !p.contains('{') && !p.contains(" as ") => {
                                    Some(format!("{p} as {a}"))
                                }
                                _ => Some(p.clone()),
                            }
                        }
                    }
                    LeafPlan::Shim(text) => {
                        if let Some(m) = ctx.cat.lookup(&leaf.canon) {
                            acc.credits.push(m.rule.id.clone());
                        }
                        shims.push(text.clone());
                        None
                    }
                    _ => None,
                }
            };
            if !d.keep_original && d.plan != LeafPlan::Keep {
                for x in &d.extra {
                    if seen.insert(x.clone()) {
                        entries.push(x.clone());
                    }
                }
            }
            if let Some(e) = entry {
                if seen.insert(e.clone()) || d.keep_original || d.plan == LeafPlan::Keep {
                    entries.push(e);
                }
            }
        }
        if !changed {
            continue;
        }
        let range = item_start(item.syntax())..super::range(item.syntax()).end;
        if entries.is_empty() && shims.is_empty() {
            let mut r = item_line_range(ctx.src, item.syntax());
            // The file's first line gone, the blank line after it would open the file.
            if r.start == 0 && ctx.src[r.end..].starts_with('\n') {
                r.end += 1;
            }
            acc.edits.delete(r, FindingId::Use.as_str());
            continue;
        }
        let use_kw: usize = match item.use_token() {
            Some(t) => t.text_range().start().into(),
            None => continue,
        };
        let prefix = &ctx.src[range.start..use_kw];
        let line_start = ctx.src[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let indent: String = ctx.src[line_start..range.start]
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect();
        // Attributes (a `cfg`) apply to each new item; the visibility goes where `{vis}` says.
        let vis_start: usize = item
            .visibility()
            .map(|v| v.syntax().text_range().start().into())
            .unwrap_or(use_kw);
        let attrs = &ctx.src[range.start..vis_start];
        let vis = &ctx.src[vis_start..use_kw];
        let mut parts = Vec::new();
        if !entries.is_empty() {
            parts.push(render(&entries, prefix, &indent));
        }
        for shim in &shims {
            for item in shim.split(SHIM_ITEMS) {
                let text = item
                    .replace("{vis}", vis)
                    .replace('\n', &format!("\n{indent}"));
                parts.push(format!("{attrs}{text}"));
            }
        }
        let text = parts.join(&format!("\n{indent}"));
        if text != ctx.src[range.clone()] {
            acc.edits.replace(range, text, FindingId::Use.as_str());
        }
    }
}

/// One leaf of a use item being regenerated: async-std's (an index into the file's leaves), or
/// another crate's, kept as written.
enum Slot {
    Leaf(usize),
    Other(String),
}

/// The leaves of `item` in source order. Only a mixed tree has `Other` ones.
fn slots_of(ctx: &Ctx<'_>, item: &ast::Use, leaf_ids: &[usize]) -> Vec<Slot> {
    if !ctx.sites.mixed_uses.iter().any(|m| m == item) {
        return leaf_ids.iter().map(|&i| Slot::Leaf(i)).collect();
    }
    let Some(tree) = item.use_tree() else {
        return leaf_ids.iter().map(|&i| Slot::Leaf(i)).collect();
    };
    let mut flat = Vec::new();
    crate::resolve::syntax::flatten(&tree, &[], false, &mut flat);
    flat.into_iter()
        .map(|(t, segs, glob, leading)| {
            match leaf_ids.iter().find(|&&i| ctx.sites.leaves[i].tree == t) {
                Some(&i) => Slot::Leaf(i),
                None => {
                    let mut text = if leading {
                        "::".to_string()
                    } else {
                        String::new()
                    };
                    text.push_str(&segs.join("::"));
                    if glob {
                        text.push_str("::*");
                    }
                    if let Some(r) = t.rename() {
                        text.push_str(" as ");
                        text.push_str(
                            &r.name()
                                .map(|n| n.text().to_string())
                                .unwrap_or_else(|| "_".into()),
                        );
                    }
                    Slot::Other(text)
                }
            }
        })
        .collect()
}

/// Separates the items of a shim that has several (each is given the use item's attributes).
pub(crate) const SHIM_ITEMS: &str = "\u{1e}";

/// `use a::b::{c, d};` items for `entries`, grouped by parent path in first-appearance order.
fn render(entries: &[String], prefix: &str, indent: &str) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for e in entries {
        let path_part = e.split(" as ").next().unwrap_or(e);
        let split = if e.contains('{') {
            None
        } else {
            path_part.rfind("::")
        };
        match split {
            Some(i) => {
                let (parent, last) = (&e[..i], &e[i + 2..]);
                match groups.iter_mut().find(|(p, _)| p == parent) {
                    Some((_, v)) => v.push(last.to_string()),
                    None => groups.push((parent.to_string(), vec![last.to_string()])),
                }
            }
            None => groups.push((e.clone(), Vec::new())),
        }
    }
    // `use smol::fs;` + `use smol::fs::File;` -> `use smol::fs::{self, File};`
    while let Some((i, j)) = (0..groups.len()).find_map(|i| {
        let (parent, lasts) = &groups[i];
        let j = groups.iter().position(|(p, _)| {
            lasts
                .iter()
                .any(|l| !l.contains(" as ") && *p == format!("{parent}::{l}"))
        })?;
        Some((i, j))
    }) {
        let (sub_parent, mut sub_lasts) = groups[j].clone();
        let last = sub_parent.rsplit("::").next().unwrap_or("").to_string();
        groups[i].1.retain(|l| *l != last);
        sub_lasts.insert(0, "self".into());
        groups[j] = (sub_parent, sub_lasts);
        // The merged group takes the module's place: it came first.
        let merged = groups.remove(j);
        let i = if j < i { i - 1 } else { i };
        if groups[i].1.is_empty() {
            groups[i] = merged;
        } else {
            groups.insert(i, merged);
        }
    }
    let items: Vec<String> = groups
        .into_iter()
        .map(|(parent, lasts)| match lasts.len() {
            0 => format!("{prefix}use {parent};"),
            1 if lasts[0] == "self" => format!("{prefix}use {parent};"),
            1 => format!("{prefix}use {parent}::{};", lasts[0]),
            _ => format!("{prefix}use {parent}::{{{}}};", lasts.join(", ")),
        })
        .collect();
    items.join(&format!("\n{indent}"))
}

/// Whether `use async_std::io::prelude::*` becomes an import that has the trait `name` (it keeps
/// the extension traits whose methods the file calls).
fn io_prelude_keeps(ctx: &Ctx<'_>, name: &str) -> bool {
    let glob = crate::rules::segments("async_std::io::prelude::*");
    let Some(p) = ctx.cat.lookup(&glob).and_then(|m| m.path) else {
        return false;
    };
    let kept = super::leaves::used_traits_only(&p, ctx, &Default::default()).unwrap_or(p);
    crate::workspace::mentions_any(&kept, &[name.to_string()].into())
}

/// Imports the traits in `acc.traits` that nothing in the file brings into scope.
pub fn ensure_traits(ctx: &Ctx<'_>, acc: &mut Acc) {
    let traits = std::mem::take(&mut acc.traits);
    let mut missing = Vec::new();
    for t in traits {
        let name = t.rsplit("::").next().unwrap_or(&t);
        let module = &t[..t.len() - name.len()].trim_end_matches("::");
        let covered = ctx.sites.leaves.iter().any(|l| {
            let canon = l.canon.join("::");
            // smol's prelude (async-std's becomes it) has smol's extension traits, not std's.
            (l.glob
                && ctx.threads.is_none()
                && !acc
                    .dropped_preludes
                    .contains(&usize::from(l.tree.syntax().text_range().start()))
                && module.starts_with("smol::")
                && (canon == "async_std::prelude"
                    || (canon == "async_std::io::prelude"
                        && module.ends_with("io")
                        && io_prelude_keeps(ctx, name))))
                || ctx.cat.lookup(&l.canon).and_then(|m| m.path).as_deref() == Some(t.as_str())
        }) || ctx
            .nodes()
            .iter()
            .cloned()
            .filter_map(ast::Use::cast)
            .any(|u| {
                let text = u.syntax().text().to_string();
                let word: std::collections::BTreeSet<String> = [name.to_string()].into();
                crate::workspace::mentions_any(&text, &word) || text.contains("smol::prelude::*")
            });
        if !covered {
            missing.push(t);
        }
    }
    if missing.is_empty() {
        return;
    }
    let lines: Vec<String> = missing.iter().map(|t| format!("use {t};")).collect();
    let uses: Vec<ast::Use> = ctx
        .sf
        .items()
        .filter_map(|i| match i {
            ast::Item::Use(u) => Some(u),
            _ => None,
        })
        .collect();
    // After the last `use` that stays (an async-std one may be deleted, and an insertion at
    // its end with it), else before the first item.
    // (A `use` an edit deletes whole, such as a prelude nothing used, takes an insertion at its
    // end with it.)
    let deleted = |u: &ast::Use| {
        let r = u.syntax().text_range();
        acc.edits.edits().iter().any(|e| {
            !e.soft
                && e.start <= usize::from(r.start())
                && e.end >= usize::from(r.end())
                && e.text.trim().is_empty()
        })
    };
    let stays = uses.iter().rev().find(|u| {
        (!ctx
            .sites
            .leaves
            .iter()
            .any(|l| l.use_item.syntax() == u.syntax())
            || ctx.threads.is_none())
            && !deleted(u)
    });
    let first_other = ctx
        .sf
        .items()
        .find(|i| !matches!(i, ast::Item::Use(_) | ast::Item::ExternCrate(_)));
    if let Some(last) = stays {
        acc.edits.insert(
            last.syntax().text_range().end().into(),
            format!("\n{}", lines.join("\n")),
            FindingId::Use.as_str(),
        );
    } else if let Some(first) = first_other.or_else(|| ctx.sf.items().next()) {
        acc.edits.insert(
            first.syntax().text_range().start().into(),
            format!("{}\n\n", lines.join("\n")),
            FindingId::Use.as_str(),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn render_groups_by_parent() {
        let r = super::render(
            &[
                "smol::net::TcpListener".into(),
                "std::sync::Arc".into(),
                "smol::net::TcpStream".into(),
                "smol::prelude::*".into(),
            ],
            "pub ",
            "    ",
        );
        assert_eq!(r, "pub use smol::net::{TcpListener, TcpStream};\n    pub use std::sync::Arc;\n    pub use smol::prelude::*;");
    }

    #[test]
    fn render_merges_a_module_with_its_members() {
        let r = super::render(
            &[
                "smol::fs".into(),
                "smol::fs::File".into(),
                "smol::io".into(),
            ],
            "",
            "",
        );
        assert_eq!(r, "use smol::fs::{self, File};\nuse smol::io;");
    }
}
