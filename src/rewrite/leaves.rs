//! Import planning: what each `use` leaf that names async-std becomes (re-imported under its new
//! path, written out at each usage, a shim for a public re-export, or kept and reported), how
//! its usages are written once all of them are known, and `extern crate async_std` items.

use super::{imports, shared, Acc, Ctx};
use crate::findings::FindingId;
use crate::report::RawFinding;
use crate::resolve::{self, FileSites, Origin};
use crate::rules::Mapped;
use crate::tables::smol_api;
use ra_ap_syntax::{ast, ast::HasArgList, AstNode, SyntaxKind};
use std::collections::BTreeSet;

/// How a usage through a `use` binding is to be written.
#[derive(Debug, Clone)]
pub(super) enum Usage {
    /// Left as written: the regenerated import covers it (with an optional rename of the first segment).
    Relies {
        rename: Option<(std::ops::Range<usize>, String)>,
        fq: Option<(std::ops::Range<usize>, String)>,
    },
    /// Rewritten to a full path.
    Fq((std::ops::Range<usize>, String)),
    /// Rewritten away by a handler (`task::block_on(..)` on threads): needs no import.
    Gone,
}

/// The plan for one use leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafPlan {
    /// Re-import under the new path (text of a use path or use tree).
    Import(String),
    /// No importable equivalent: every usage is rewritten to a full path, the import goes.
    Fq,
    /// A public re-export without an importable equivalent: becomes this item (a shim fn).
    Shim(String),
    /// Left as written (reported).
    Keep,
    /// Reached through the crate's own re-export: untouched.
    Untouched,
}

pub(super) struct LeafState {
    pub(super) plan: LeafPlan,
    /// New local name of an item whose name changes (`Read` -> `AsyncRead`).
    pub(super) rename: Option<String>,
    pub(super) keep_original: bool,
    pub(super) usages: Vec<(usize, Usage)>,
    /// Names a migrated glob brought in that stay async-std's (`task_local` from the prelude):
    /// imported explicitly beside the new glob.
    pub(super) extra: Vec<String>,
    /// The name is also bound, under another cfg, by another runtime's import (see
    /// [`shared::cfg_shared`]): its usages compile against both and are not touched.
    pub(super) shared: bool,
}

/// A site left in place needs the import it came through.
pub(super) fn keep_for(site: &resolve::PathSite, sites: &FileSites, states: &mut [LeafState]) {
    match site.origin {
        Origin::Binding(i) => states[i].keep_original = true,
        Origin::Glob { leaf, offset } => {
            let root = sites.leaves[leaf]
                .written
                .first()
                .cloned()
                .unwrap_or_else(|| "async_std".into());
            let item = format!("{root}::{}", site.canon[1..=offset].join("::"));
            if !states[leaf].extra.contains(&item) {
                states[leaf].extra.push(item);
            }
        }
        _ => {}
    }
}

/// Writes the usages of each leaf, now that every usage is known: left to the regenerated import
/// (counted), renamed, or written in full.
pub(super) fn write_usages(ctx: &Ctx<'_>, states: &[LeafState], acc: &mut Acc) {
    let sites = ctx.sites;
    for st in states {
        let rule = |si: usize| {
            ctx.cat
                .lookup(&sites.paths[si].canon)
                .map(|m| m.rule.id.clone())
                .unwrap_or_else(|| "path".into())
        };
        let import_kept = matches!(st.plan, LeafPlan::Import(_)) && !st.keep_original;
        for (si, u) in &st.usages {
            match u {
                Usage::Relies { rename, fq } => {
                    if import_kept {
                        match rename {
                            Some((r, t)) => acc.edits.replace(r.clone(), t.clone(), &rule(*si)),
                            // Migrated through the regenerated import.
                            None => acc.credits.push(rule(*si)),
                        }
                    } else if let Some((r, t)) = fq {
                        acc.edits.replace(r.clone(), t.clone(), &rule(*si));
                    }
                }
                Usage::Fq((r, t)) => acc.edits.replace(r.clone(), t.clone(), &rule(*si)),
                Usage::Gone => {}
            }
        }
    }
}

fn path_only(leaf: &resolve::UseLeaf) -> bool {
    !leaf.glob && smol_api().path_only_traits.contains(&leaf.canon.join("::"))
}

/// `FutureExt` imported by name in a file that calls none of smol's `FutureExt` methods (its
/// `timeout`/`delay` calls are rewritten with the trait written out), or `StreamExt` in a file
/// whose every call of its methods is a channel's `next` (rewritten to `recv`): like a
/// path-only trait, needed only where the name is written (otherwise an `unused_imports`
/// warning).
fn methods_gone(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>) -> bool {
    if leaf.glob {
        return false;
    }
    let calls = |methods: &BTreeSet<String>| -> usize {
        methods
            .iter()
            .map(|m| method_calls_written(ctx.src, m))
            .sum()
    };
    match leaf.canon.join("::").as_str() {
        "async_std::future::FutureExt" | "async_std::prelude::FutureExt" => {
            calls(&smol_api().future_ext_methods) == 0
        }
        "async_std::stream::StreamExt" | "async_std::prelude::StreamExt"
            if ctx.threads.is_none() =>
        {
            !ctx.src.contains("include!")
                && !smol_api()
                    .stream_ext_methods
                    .iter()
                    .any(|m| trait_method_called(ctx, m, None))
        }
        _ => false,
    }
}

/// Whether the name `leaf` binds is still written where nothing rewrote it, or in the rewritten
/// text (`stream` in `stream::interval(p)`, whose call a handler replaced with `smol::stream::..`
/// in full, is not): read from the text outside `use` items, comments and strings, so names in
/// macro bodies count (a name seen where it is not used keeps the import, as before).
fn name_still_written(
    leaf: &resolve::UseLeaf,
    ctx: &Ctx<'_>,
    edits: &super::edit::EditSet,
) -> bool {
    let Some(name) = leaf.local.as_deref() else {
        return true;
    };
    // Code `include!`d here uses this file's imports, and its text is elsewhere.
    if ctx.src.contains("include!") {
        return true;
    }
    let written_at = |text: &str, i: usize| {
        let before = text[..i].trim_end_matches([' ', '\t']);
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(text[..i].chars().next_back())
            && !ident(text[i + name.len()..].chars().next())
            && !before.ends_with("::")
            && !before.ends_with('.')
    };
    let candidates: Vec<usize> = ctx
        .src
        .match_indices(name)
        .map(|(i, _)| i)
        .filter(|&i| written_at(ctx.src, i) && !edits.touches(i..i + name.len()))
        .collect();
    // `use` items, comments and string literals name nothing the import binds (walked only
    // where the name is written at all).
    let in_source = !candidates.is_empty() && {
        let mut uses: Vec<std::ops::Range<usize>> = ctx
            .nodes()
            .iter()
            .filter(|n| ast::Use::can_cast(n.kind()))
            .map(|n| n.text_range().start().into()..n.text_range().end().into())
            .collect();
        uses.extend(
            ctx.sf
                .syntax()
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| {
                    matches!(
                        t.kind(),
                        ra_ap_syntax::SyntaxKind::COMMENT | ra_ap_syntax::SyntaxKind::STRING
                    )
                })
                .map(|t| t.text_range().start().into()..t.text_range().end().into()),
        );
        candidates
            .iter()
            .any(|&i| !uses.iter().any(|u| u.contains(&i)))
    };
    in_source
        || edits.edits().iter().filter(|e| !e.soft).any(|e| {
            e.text
                .match_indices(name)
                .any(|(i, _)| written_at(&e.text, i))
        })
}

pub(super) fn states_view(
    states: &[LeafState],
    sites: &FileSites,
    ctx: &Ctx<'_>,
    edits: &super::edit::EditSet,
) -> Vec<imports::LeafDecision> {
    states
        .iter()
        .zip(&sites.leaves)
        .map(|(s, leaf)| {
            let path_only = |leaf: &resolve::UseLeaf| path_only(leaf) || methods_gone(leaf, ctx);
            imports::LeafDecision {
                plan: s.plan.clone(),
                keep_original: s.keep_original,
                extra: s.extra.clone(),
                // Only a module, or a trait that has no methods to bring, can go when every
                // usage was written out (an item imported for its methods must stay); a re-export
                // is used where it is exported to (cap-std's `pub use async_std::net::ToSocketAddrs`).
                needed: ra_ap_syntax::ast::HasVisibility::visibility(&leaf.use_item).is_some()
                    || !(resolve::is_module(&leaf.canon) || path_only(leaf))
                    || (s.usages.is_empty()
                        && !path_only(leaf)
                        && name_still_written(leaf, ctx, edits))
                    || s.usages
                        .iter()
                        .any(|(_, u)| matches!(u, Usage::Relies { .. })),
            }
        })
        .collect()
}

pub(super) fn plan_leaf(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>, acc: &mut Acc) -> LeafState {
    let mut st = plan_leaf_inner(leaf, ctx, acc);
    if leaf.glob && !matches!(st.plan, LeafPlan::Keep | LeafPlan::Untouched) {
        for x in names_children_take(leaf, ctx) {
            if !st.extra.contains(&x) {
                st.extra.push(x);
            }
        }
    }
    st.shared = shared::cfg_shared(leaf, ctx);
    if st.shared {
        return shared::plan_shared(leaf, st, ctx, acc);
    }
    // A public re-export is the crate's API, and other files call through it as written.
    let public = ra_ap_syntax::ast::HasVisibility::visibility(&leaf.use_item).is_some();
    // A public re-export keeps its name (`pub use smol::Task as JoinHandle;`): it is API.
    if public {
        if let (Some(_), Some(local), LeafPlan::Import(p)) = (&st.rename, &leaf.local, &st.plan) {
            st.plan = LeafPlan::Import(format!("{p} as {local}"));
            st.rename = None;
        }
    }
    if public && st.plan == LeafPlan::Fq {
        let at: usize = leaf.tree.syntax().text_range().start().into();
        let shim = ctx
            .cat
            .lookup(&leaf.canon)
            .and_then(|m| m.rule.shim.clone());
        match (shim, &leaf.local, resolve::is_module(&leaf.canon)) {
            (Some(shim), Some(name), false) => {
                st.plan = LeafPlan::Shim(shim.replace("{name}", name))
            }
            _ => {
                acc.findings.push(RawFinding::not_migrated(
                    at,
                    FindingId::ReexportNoEquivalent,
                    format!("the public re-export of `{}` has no importable smol equivalent", leaf.canon.join("::")),
                    "define the item the crate exports by hand (a fn or module of your own), then run again",
                ));
                st.plan = LeafPlan::Keep;
            }
        }
    }
    st
}

/// The names an async-std glob binds (`Read` from `io::prelude::*`) that a child module takes
/// through `use super::*;` and names there (a test module's `impl Read for Mock`): the migrated
/// glob no longer binds them, so they are imported by name, as smol's item under the old name
/// (`smol::io::AsyncRead as Read`). A name the glob's scope binds otherwise, or the child binds
/// itself, is not the glob's there.
fn names_children_take(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>) -> Vec<String> {
    let Some(members) = resolve::glob_members(&leaf.canon.join("::")) else {
        return Vec::new();
    };
    let Some(scope) = leaf.use_item.syntax().parent() else {
        return Vec::new();
    };
    let bound_in = |items: &ra_ap_syntax::SyntaxNode| -> BTreeSet<String> {
        items
            .children()
            .filter_map(ast::Use::cast)
            .filter(|u| !ctx.sites.leaves.iter().any(|l| l.use_item == *u && l.glob))
            .flat_map(|u| resolve::cfg_regions::bound_names(&u))
            .collect()
    };
    let here = bound_in(&scope);
    // Names another import binds under another cfg (`#[cfg(feature = "tokio")] use
    // tokio::io::AsyncBufRead as BufRead;`): under the glob's cfg, the code's `BufRead` is the
    // glob's, and the code stays as written for both.
    let cfg_of = |u: &ast::Use| resolve::syntax::cfg_text(u.syntax());
    let own_cfg = cfg_of(&leaf.use_item);
    let other_cfg: BTreeSet<String> = if own_cfg.is_empty() {
        BTreeSet::new()
    } else {
        scope
            .children()
            .filter_map(ast::Use::cast)
            .filter(|u| *u != leaf.use_item)
            .filter(|u| {
                let c = cfg_of(u);
                !c.is_empty() && c != own_cfg
            })
            .flat_map(|u| resolve::cfg_regions::bound_names(&u))
            .collect()
    };
    let used_in = |node: &ra_ap_syntax::SyntaxNode, name: &str| {
        node.descendants().filter_map(ast::NameRef::cast).any(|r| {
            r.text() == name
                && r.syntax().ancestors().find_map(ast::Use::cast).is_none()
                && !r
                    .syntax()
                    .parent()
                    .is_some_and(|p| ast::MethodCallExpr::can_cast(p.kind()))
        })
    };
    let children: Vec<ast::ItemList> = scope
        .children()
        .filter_map(ast::Module::cast)
        .filter_map(|m| m.item_list())
        .filter(|items| {
            items
                .syntax()
                .children()
                .filter_map(ast::Use::cast)
                .any(|u| {
                    u.use_tree().is_some_and(|t| {
                        t.star_token().is_some()
                            && t.path().is_some_and(|p| p.syntax().text() == "super")
                    })
                })
        })
        .collect();
    let mut out = Vec::new();
    for (name, path) in members {
        let shared = other_cfg.contains(name) && used_in(&scope, name);
        if here.contains(name) && !shared {
            continue;
        }
        let named = shared
            || children.iter().any(|items| {
                !bound_in(items.syntax()).contains(name)
                    && items
                        .syntax()
                        .descendants()
                        .filter_map(ast::NameRef::cast)
                        .any(|r| {
                            r.text() == name.as_str()
                                && r.syntax().ancestors().find_map(ast::Use::cast).is_none()
                                && !r
                                    .syntax()
                                    .parent()
                                    .is_some_and(|p| ast::MethodCallExpr::can_cast(p.kind()))
                        })
            });
        if !named {
            continue;
        }
        let segs: Vec<String> = path.split("::").map(str::to_string).collect();
        if let Some(Mapped { path: Some(p), .. }) = ctx.cat.lookup(&segs) {
            if importable(&p) && !p.is_empty() {
                let last = p.rsplit("::").next().unwrap_or("");
                out.push(if last == name {
                    p
                } else {
                    format!("{p} as {name}")
                });
            }
        }
    }
    out
}

/// Whether the file calls a method of this name (`.name(`, spaces allowed): read from the text,
/// so that calls inside macro arguments the tree does not show (`select! { .. }`) count. (Types
/// are not asked whether a call is the trait's: under runtime-per-feature imports rust-analyzer
/// sees another runtime's configuration, and async-smtp's `read_line` resolved to tokio's trait.)
/// Calls the tree shows that cannot be the trait's method do not count: another number of
/// arguments than `arguments` (`lock.read()`), or an inherent method (`options.write(true)`) or
/// a standard library trait's.
fn trait_method_called(ctx: &Ctx<'_>, name: &str, arguments: Option<usize>) -> bool {
    let written = method_calls_written(ctx.src, name);
    if written == 0 {
        return false;
    }
    // A channel receiver's `next` becomes `recv` (smol's target).
    let recv = if name == "next" && ctx.threads.is_none() {
        crate::handlers::channel::receiver_nexts(ctx)
            .into_iter()
            .map(|(mc, _)| mc)
            .collect()
    } else {
        Vec::new()
    };
    let mut not_the_trait = 0;
    // The calls most likely the trait's first (awaited where they stand, then in an awaited
    // chain): the answer is the same in any order, and the first call that is the trait's ends
    // the questions (each of which infers a function body).
    let mut calls: Vec<ast::MethodCallExpr> = ctx
        .nodes()
        .iter()
        .filter_map(|n| ast::MethodCallExpr::cast(n.clone()))
        .filter(|c| c.name_ref().is_some_and(|n| n.text() == name))
        .collect();
    calls.sort_by_key(|c| {
        let awaited = |e: &ra_ap_syntax::SyntaxNode| {
            e.parent()
                .is_some_and(|p| p.kind() == SyntaxKind::AWAIT_EXPR)
        };
        if awaited(c.syntax()) {
            0
        } else if c
            .syntax()
            .ancestors()
            .take_while(|a| {
                matches!(
                    a.kind(),
                    SyntaxKind::METHOD_CALL_EXPR | SyntaxKind::AWAIT_EXPR | SyntaxKind::TRY_EXPR
                )
            })
            .any(|a| a.kind() == SyntaxKind::AWAIT_EXPR)
        {
            1
        } else {
            2
        }
    });
    for call in calls {
        let Some(n) = call.name_ref().filter(|n| n.text() == name) else {
            continue;
        };
        // Only calls the text count saw (`.name` with the dot right before the name).
        let at: usize = n.syntax().text_range().start().into();
        if at == 0 || ctx.src.as_bytes().get(at - 1) != Some(&b'.') {
            continue;
        }
        let other_arity =
            arguments.is_some_and(|a| call.arg_list().is_some_and(|l| l.args().count() != a));
        // A standard library iterator's method, or one of its sources (`text.lines()`).
        let on_iterator = crate::handlers::std_iterator_method(ctx, &call);
        if other_arity || recv.contains(&call) || on_iterator {
            not_the_trait += 1;
            continue;
        }
        // A stream method on a stream async-std made (`stream::from_iter(xs).filter(f)`) is the
        // trait's without asking (each question infers a function body).
        if smol_api().stream_ext_methods.contains(name)
            && call
                .receiver()
                .is_some_and(|r| crate::handlers::made_as_async_std_stream(ctx, &r))
        {
            return true;
        }
        // An io method on a reader or writer async-std made (`BufReader::new(s)`, `File::open`),
        // or its own (`stdin().read_line(..)`).
        let io_value = || {
            call.receiver()
                .and_then(|r| crate::handlers::io_trait_method_of_async_std_value(ctx, &r, name))
        };
        match smol_api()
            .ext_traits
            .values()
            .any(|ms| ms.contains_key(name))
            .then(io_value)
            .flatten()
        {
            Some(true) => return true,
            Some(false) => {
                not_the_trait += 1;
                continue;
            }
            None => {}
        }
        if ctx.oracle.std_or_inherent_method(&call) {
            not_the_trait += 1;
        } else {
            // One call the text counted is the trait's: the import is needed (rust-analyzer is
            // not asked about the others; each question infers a function body).
            return true;
        }
    }
    // Calls in a macro's arguments are tokens here: rust-analyzer sees them expanded.
    let in_macros_not_the_trait = ctx
        .nodes()
        .iter()
        .filter(|n| {
            n.kind() == SyntaxKind::TOKEN_TREE
                && n.parent()
                    .is_some_and(|p| p.kind() == SyntaxKind::MACRO_CALL)
        })
        .flat_map(|tt| tt.descendants_with_tokens().filter_map(|e| e.into_token()))
        .filter(|t| {
            let at: usize = t.text_range().start().into();
            t.kind() == SyntaxKind::IDENT
                && t.text() == name
                && at > 0
                && ctx.src.as_bytes().get(at - 1) == Some(&b'.')
                && ctx.oracle.std_or_inherent_method_in_macro(t.text_range())
        })
        .count();
    written > not_the_trait + in_macros_not_the_trait
}

/// Whether the file calls a method of one of smol's prelude traits (`FutureExt`, `StreamExt`,
/// the io extension traits) that stays one once every rewrite is in: a `.timeout(..)` is
/// rewritten in full, a channel's `next` becomes `recv`.
fn prelude_methods_called(ctx: &Ctx<'_>) -> bool {
    // Code `include!`d here calls them through this file's imports, and its text is elsewhere.
    if ctx.src.contains("include!") {
        return true;
    }
    let api = smol_api();
    api.future_ext_methods
        .iter()
        .chain(&api.stream_ext_methods)
        .any(|m| trait_method_called(ctx, m, None))
        || api
            .ext_traits
            .values()
            .flatten()
            .any(|(m, &n)| trait_method_called(ctx, m, Some(n)))
}

/// How many times the text calls a method of this name (`.name(`, `.name::<`).
fn method_calls_written(src: &str, name: &str) -> usize {
    let pat = format!(".{name}");
    src.match_indices(&pat)
        .filter(|(i, _)| {
            let rest = &src[i + pat.len()..];
            let next_is_ident = rest
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            !next_is_ident && (rest.trim_start().starts_with('(') || rest.starts_with("::<"))
        })
        .count()
}

/// `smol::io::{A as _, B as _}` narrowed to the traits the file's method calls need and that
/// `named` (the traits the same `use` item imports by name) does not; `None` when the path is not
/// such a list of extension traits.
pub(crate) fn used_traits_only(p: &str, ctx: &Ctx<'_>, named: &BTreeSet<String>) -> Option<String> {
    let (module, rest) = p.split_once("::{")?;
    let members: Vec<&str> = rest.strip_suffix('}')?.split(", ").collect();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m.strip_suffix(" as _"))
        .collect::<Option<_>>()?;
    let methods: Vec<&std::collections::BTreeMap<String, usize>> = names
        .iter()
        .map(|n| smol_api().ext_methods(n))
        .collect::<Option<_>>()?;
    let kept: Vec<&str> = members
        .iter()
        .zip(&methods)
        .filter(|(m, _)| !m.strip_suffix(" as _").is_some_and(|n| named.contains(n)))
        .filter(|(_, ms)| {
            ms.iter()
                .any(|(m, &n)| trait_method_called(ctx, m, Some(n)))
        })
        .map(|(m, _)| *m)
        .collect();
    Some(match kept.as_slice() {
        [] => String::new(),
        [one] => format!("{module}::{one}"),
        _ => format!("{module}::{{{}}}", kept.join(", ")),
    })
}

/// The last names of what the other leaves of the glob's `use` item become: `use
/// async_std::io::{prelude::*, ReadExt}` imports `smol::io::AsyncReadExt` by name, and an `as _`
/// import of the same trait beside it would be unused (the glob was not: a name beats a glob).
fn traits_named_beside(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>) -> BTreeSet<String> {
    ctx.sites
        .leaves
        .iter()
        .filter(|l| !l.glob && l.use_item == leaf.use_item)
        .filter_map(|l| ctx.cat.lookup(&l.canon)?.path)
        .filter_map(|p| p.rsplit("::").next().map(str::to_string))
        .collect()
}

/// async-std's prelude brought `StreamExt` and `FutureExt` by name, so a file that imports
/// another crate's trait of that name (`use futures::StreamExt;`) shadowed them; smol's prelude
/// brings them as `_`, which nothing shadows, and `.next()` would become ambiguous. For such a
/// file the prelude is imported member by member without them.
fn prelude_without_shadowed(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>) -> Option<String> {
    let scope = leaf.use_item.syntax().parent()?;
    // Names other crates' leaves bind, those of a tree mixed with async-std's included.
    let mut named = BTreeSet::new();
    for u in scope.children().filter_map(ast::Use::cast) {
        let ours: BTreeSet<&str> = ctx
            .sites
            .leaves
            .iter()
            .filter(|l| l.use_item == u)
            .filter_map(|l| l.local.as_deref())
            .collect();
        named.extend(
            resolve::cfg_regions::bound_names(&u)
                .into_iter()
                .filter(|n| !ours.contains(n.as_str())),
        );
    }
    let shadowed: Vec<&str> = ["StreamExt", "FutureExt"]
        .into_iter()
        .filter(|n| named.contains(*n))
        .collect();
    if shadowed.is_empty() {
        return None;
    }
    // Only what the file uses: an explicit import that is not is an `unused_imports` warning
    // (the glob was not).
    let used = |_path: &str, name: &str| -> bool {
        match name {
            "FutureExt" => smol_api()
                .future_ext_methods
                .iter()
                .any(|m| trait_method_called(ctx, m, None)),
            "StreamExt" => true,
            _ => smol_api().ext_methods(name).is_some_and(|ms| {
                ms.iter()
                    .any(|(m, &n)| trait_method_called(ctx, m, Some(n)))
            }),
        }
    };
    let kept: Vec<&str> = smol_api()
        .prelude
        .iter()
        .filter(|(path, name)| {
            // The names (`Future`, `AsyncRead`) are written out in full where the file uses
            // them (only a glob covers them), so only the `as _` traits are imported.
            let by_name = !path.ends_with(" as _");
            !by_name && !shadowed.contains(&name.as_str()) && used(path, name)
        })
        .map(|(path, _)| path.as_str())
        .collect();
    Some(match kept.as_slice() {
        [] => String::new(),
        [one] => format!("smol::{one}"),
        _ => format!("smol::{{{}}}", kept.join(", ")),
    })
}

fn plan_leaf_inner(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>, acc: &mut Acc) -> LeafState {
    let st = |plan| LeafState {
        plan,
        rename: None,
        keep_original: false,
        usages: Vec::new(),
        extra: Vec::new(),
        shared: false,
    };
    if leaf.via_reexport {
        return st(LeafPlan::Untouched);
    }
    let at: usize = leaf.tree.syntax().text_range().start().into();
    if leaf.glob {
        let mut g = leaf.canon.clone();
        g.push("*".into());
        if let Some(Mapped { path: Some(p), .. }) = ctx
            .cat
            .lookup(&g)
            .filter(|m| m.rule.from.last().is_some_and(|s| s == "*"))
        {
            if p.is_empty() {
                return st(LeafPlan::Fq);
            }
            return match used_traits_only(&p, ctx, &traits_named_beside(leaf, ctx)) {
                Some(p) if p.is_empty() => st(LeafPlan::Fq),
                Some(p) => st(LeafPlan::Import(p)),
                None => st(LeafPlan::Import(p)),
            };
        }
        return match ctx.cat.lookup(&leaf.canon) {
            // Nothing to import (a prelude whose members std has in scope).
            Some(Mapped { path: Some(p), .. }) if p.is_empty() => st(LeafPlan::Fq),
            Some(Mapped {
                path: Some(p),
                rule,
            }) if !p.contains('<') && !rule.from.last().is_some_and(|s| s == "*") => {
                if p == "smol::prelude" {
                    // Nothing of the prelude left to use (its one use, `.timeout(..)`, was
                    // rewritten in full): no import (an unused glob is a warning too).
                    // A name through the glob counts, unless a generated module's item is
                    // written in its place in full (async-std's prelude gave `task_local!`).
                    let named = ctx.sites.paths.iter().any(|s| {
                        matches!(s.origin, Origin::Glob { leaf: l, .. } if ctx.sites.leaves[l].tree == leaf.tree)
                            && ctx.generated.item_for(&s.canon).is_none()
                    });
                    if !named && ctx.threads.is_none() && !prelude_methods_called(ctx) {
                        acc.dropped_preludes.push(at);
                        return st(LeafPlan::Fq);
                    }
                    match prelude_without_shadowed(leaf, ctx) {
                        Some(list) if list.is_empty() => return st(LeafPlan::Fq),
                        Some(list) => return st(LeafPlan::Import(list)),
                        None => {}
                    }
                }
                st(LeafPlan::Import(format!("{p}::*")))
            }
            _ => {
                acc.findings.push(RawFinding::not_migrated(
                    at,
                    FindingId::UseGlob,
                    format!(
                        "glob import of `{}` has no smol module to point at",
                        leaf.canon.join("::")
                    ),
                    "import the names you use one by one and run the tool again",
                ));
                st(LeafPlan::Keep)
            }
        };
    }
    let is_module = resolve::is_module(&leaf.canon);
    // An item the crate gets a module for (TimeoutError, Condvar, the local executor's
    // `block_on`): the import points at it.
    if let Some(p) = ctx.generated.item_for(&leaf.canon).filter(|_| !is_module) {
        return st(LeafPlan::Import(p));
    }
    match ctx.cat.lookup(&leaf.canon) {
        Some(Mapped { path: Some(p), .. }) if p.is_empty() => st(LeafPlan::Fq),
        Some(Mapped { path: Some(p), .. }) if importable(&p) => {
            let new_name = p.rsplit("::").next().unwrap_or("").to_string();
            let rename = match (&leaf.alias, &leaf.local) {
                (None, Some(local)) if *local != new_name => Some(new_name),
                _ => None,
            };
            // A re-export keeps the name it gives (`pub use async_std::net::ToSocketAddrs;` is
            // `crate::net::ToSocketAddrs` to its users): the new item under the old name.
            let reexport = ra_ap_syntax::ast::HasVisibility::visibility(&leaf.use_item).is_some();
            if let (true, Some(_), Some(local)) = (reexport, &rename, &leaf.local) {
                return LeafState {
                    plan: LeafPlan::Import(format!("{p} as {local}")),
                    rename: None,
                    keep_original: false,
                    usages: Vec::new(),
                    extra: Vec::new(),
                    shared: false,
                };
            }
            LeafState {
                plan: LeafPlan::Import(p),
                rename,
                keep_original: false,
                usages: Vec::new(),
                extra: Vec::new(),
                shared: false,
            }
        }
        Some(Mapped { path: Some(_), .. }) => st(LeafPlan::Fq),
        // A module import never blocks by itself: its members are judged where they are used.
        Some(Mapped { path: None, .. }) if is_module => st(LeafPlan::Fq),
        Some(Mapped { path: None, rule }) => {
            // An item the crate gets a module for (TimeoutError, Condvar): the import points at it.
            if let Some(p) = ctx.generated.item_for(&leaf.canon) {
                return st(LeafPlan::Import(p));
            }
            if rule.handler.is_some() && !is_module {
                // Handled at each call (stdin, timeout, attributes): the import goes with them.
                return st(LeafPlan::Fq);
            }
            acc.findings.push(RawFinding::not_migrated(
                at,
                &rule.id,
                format!("`{}` has no smol equivalent", leaf.canon.join("::")),
                advice_of(rule),
            ));
            st(LeafPlan::Keep)
        }
        None if is_module => st(LeafPlan::Fq),
        None => {
            acc.findings.push(RawFinding::unknown_item(at, &leaf.canon));
            st(LeafPlan::Keep)
        }
    }
}

/// Whether a mapped path can stand in a `use`: not a generic instantiation
/// (`smol::Unblock<std::io::Stdin>`), not an associated item (`smol::Timer::after`).
pub(super) fn importable(p: &str) -> bool {
    let segs: Vec<&str> = p.split("::").collect();
    !p.contains('<')
        && !segs[..segs.len().saturating_sub(1)]
            .iter()
            .any(|s| s.starts_with(|c: char| c.is_uppercase()))
}

pub(super) fn advice(m: &Mapped<'_>) -> String {
    advice_of(m.rule)
}

fn advice_of(rule: &crate::rules::Rule) -> String {
    match &rule.action {
        crate::rules::Action::Report(a) => a.clone(),
        crate::rules::Action::MapTo(t) => format!("use `{t}`"),
    }
}

pub(super) fn extern_crates(ctx: &Ctx<'_>, states: &[LeafState], acc: &mut Acc) {
    let kept = states
        .iter()
        .any(|s| s.keep_original || s.plan == LeafPlan::Keep);
    for ec in &ctx.sites.extern_crates {
        let at: usize = ec.item.syntax().text_range().start().into();
        if ec.macro_use {
            acc.findings.push(RawFinding::review(
                at,
                FindingId::ExternCrateMacroUse,
                "#[macro_use] extern crate async_std: bare macro calls from it are not resolved",
                "replace async-std macros used without a path (task_local!, write!) by hand",
            ));
        }
        let alias_used_by_kept = kept;
        if alias_used_by_kept || ec.macro_use {
            continue;
        }
        acc.edits.delete(
            imports::item_line_range(ctx.src, ec.item.syntax()),
            FindingId::ExternCrate.as_str(),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn method_calls_are_read_from_the_text_macro_arguments_included() {
        let src =
            "select! { _ = w.write_all(b\"x\").fuse() => {} }\nlet n = r.read_to_end (&mut v);";
        assert!(super::method_calls_written(src, "write_all") > 0);
        assert!(super::method_calls_written(src, "read_to_end") > 0);
        // A longer name, a field, a path: not calls of `read`/`write`.
        assert!(super::method_calls_written(src, "read") == 0);
        assert!(super::method_calls_written("let x = s.write;", "write") == 0);
        assert_eq!(
            super::method_calls_written("AsyncWriteExt::write_all(&mut w, b)", "write_all"),
            0
        );
    }
}

/// async-std's spawning functions: what they return is a `JoinHandle`.
pub(super) const SPAWNERS: &[&str] = &[
    "async_std::task::spawn",
    "async_std::task::spawn_blocking",
    "async_std::task::spawn_local",
];

/// An import of a spawning function kept on async-std (its name is used where it cannot be
/// rewritten, a macro body) whose usages stay as written (the name is shared with another
/// runtime's import) keeps the file's import of `JoinHandle` with it: the handles the kept
/// function returns are async-std's, and a `JoinHandle` moved to smol's `Task` no longer types
/// them (abci-rs: `Sender<JoinHandle<Response>>` fed by `spawn(..)`).
pub(super) fn keep_handles_with_spawn(
    ctx: &super::Ctx<'_>,
    states: &mut [LeafState],
    acc: &mut super::Acc,
) {
    let leaves = &ctx.sites.leaves;
    let Some(spawner) = leaves.iter().enumerate().find(|(i, l)| {
        states[*i].keep_original
            && states[*i].shared
            && SPAWNERS.contains(&l.canon.join("::").as_str())
    }) else {
        return;
    };
    let name = spawner.1.canon.join("::");
    for (i, l) in leaves.iter().enumerate() {
        if l.canon.join("::") != "async_std::task::JoinHandle" || states[i].plan == LeafPlan::Keep {
            continue;
        }
        // Kept as written, with every usage.
        states[i].plan = LeafPlan::Keep;
        states[i].usages.clear();
        acc.findings.push(crate::report::RawFinding::not_migrated(
            l.tree.syntax().text_range().start().into(),
            "task-join-handle",
            format!("`async_std::task::JoinHandle` stays with `{name}`, whose import is kept: the handles it returns are async-std's"),
            format!("migrate `{name}` by hand (see its finding), then `JoinHandle` becomes `smol::Task`"),
        ));
    }
}
