//! Names shared with another runtime. Libraries that support several runtimes import the same
//! names from each, under exclusive cfgs, and write the code that uses them once:
//!
//! ```text
//! #[cfg(feature = "runtime-async-std")]
//! use async_std::{future::timeout, io::Read, task};
//! #[cfg(feature = "runtime-tokio")]
//! use tokio::{io::AsyncRead as Read, task, time::timeout};
//! ```
//! That code compiles against either runtime, so it is not rewritten for smol: the new import
//! binds the same names, under the same cfg, each with async-std's behaviour on smol:
//!
//! ```text
//! #[cfg(feature = "runtime-smol")]
//! use smol::io::AsyncRead as Read;
//! #[cfg(feature = "runtime-smol")]
//! async fn timeout<F: Future>(dur: Duration, f: F) -> Result<F::Output, io::Error> { .. }
//! #[cfg(feature = "runtime-smol")]
//! mod task { pub fn spawn<F>(future: F) -> JoinHandle<F::Output> { .. } .. }
//! ```
//! An item is bound under its old name when smol has it (renamed or not), or as the catalogue's
//! shim (a fn with async-std's signature). `spawn` and `spawn_blocking` become fns that return a
//! handle that detaches its task when dropped, as async-std's `JoinHandle` did (smol's `Task`
//! cancels); the handle type comes with the first of them. A module (`task`) becomes a small
//! module of the members the file uses. Anything else (an item whose smol form would need its
//! call sites changed, such as a `File` that flushed on drop) is reported.

use super::leaves::{LeafPlan, LeafState};
use super::{Acc, Ctx};
use crate::findings::FindingId;
use crate::report::RawFinding;
use crate::resolve::{self, Origin};
use ra_ap_syntax::ast::{self, HasAttrs, HasName};
use ra_ap_syntax::AstNode;
use std::collections::BTreeSet;

fn has_cfg(attrs: impl Iterator<Item = ast::Attr>) -> bool {
    resolve::cfg_regions::has_cfg(attrs)
}

/// See [`resolve::cfg_regions::cfg_shared`].
pub(super) fn cfg_shared(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>) -> bool {
    resolve::cfg_regions::cfg_shared(leaf, ctx.sites)
}

pub(super) fn plan_shared(
    leaf: &resolve::UseLeaf,
    mut st: LeafState,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
) -> LeafState {
    let at: usize = leaf.tree.syntax().text_range().start().into();
    let local = leaf.local.clone().unwrap_or_default();
    if resolve::is_module(&leaf.canon) {
        return match module_shim(leaf, &local, ctx) {
            Ok(text) => {
                st.plan = LeafPlan::Shim(text);
                st
            }
            Err(member) => {
                report(acc, at, &local, &member);
                st.plan = LeafPlan::Keep;
                st
            }
        };
    }
    let canon = leaf.canon.join("::");
    let same_scope = |l: &&resolve::UseLeaf| {
        l.use_item.syntax().parent() == leaf.use_item.syntax().parent() && cfg_shared(l, ctx)
    };
    if canon == "async_std::test" || canon == "async_std::main" {
        // A runtime facade's `pub use async_std::{main, test}`: other files write
        // `#[facade::test]`, and smol has no attribute to re-export in its place.
        if ra_ap_syntax::ast::HasVisibility::visibility(&leaf.use_item).is_some() {
            acc.findings.push(RawFinding::not_migrated(
                at,
                FindingId::ReexportNoEquivalent,
                format!("the public re-export of `{canon}` has no smol attribute to re-export in its place"),
                "smol-macros' attributes are macros applied through macro_rules_attribute (`#[macro_rules_attribute::apply(smol_macros::test!)]`): write that where the facade's attribute is used, then run again",
            ));
            st.plan = LeafPlan::Keep;
            return st;
        }
        return shared_attr(leaf, st, &local, &canon, ctx, acc);
    }
    if canon == "async_std::task::JoinHandle" {
        st.plan = LeafPlan::Shim(handle_items());
        return st;
    }
    if let Some(spawn) = spawn_shim(&canon, &local) {
        // The handle type goes with the first spawn of the scope, unless the scope binds
        // async-std's `JoinHandle` itself (then that import becomes it).
        let handle_leaf = ctx
            .sites
            .leaves
            .iter()
            .filter(same_scope)
            .any(|l| l.canon.join("::") == "async_std::task::JoinHandle");
        let first = ctx
            .sites
            .leaves
            .iter()
            .filter(same_scope)
            .find(|l| spawn_shim(&l.canon.join("::"), "").is_some());
        let with_handle = !handle_leaf && first.is_none_or(|l| l.tree == leaf.tree);
        if with_handle && scope_binds(leaf, ctx, "JoinHandle") {
            report(acc, at, &local, &canon);
            st.plan = LeafPlan::Keep;
            return st;
        }
        st.plan = LeafPlan::Shim(if with_handle {
            // Items apart (each gets the use item's attributes: its cfg).
            format!("{spawn}{}{}", super::imports::SHIM_ITEMS, handle_items())
        } else {
            spawn
        });
        return st;
    }
    let m = ctx.cat.lookup(&leaf.canon);
    let handler = m.as_ref().and_then(|m| m.rule.handler.as_deref());
    // Code written for another runtime's `File` too (tokio's does not flush on drop either)
    // flushes by itself: bound to smol's, with a note.
    if handler == Some("file-flush-on-drop") {
        if let LeafPlan::Import(p) = &st.plan {
            if !p.ends_with(&format!("::{local}")) {
                st.plan = LeafPlan::Import(format!("{p} as {local}"));
            }
            st.rename = None;
            acc.findings.push(RawFinding::review(
                at,
                FindingId::CfgSharedName,
                format!("`{local}` is shared with another runtime's file type: async-fs's `File` does not flush on drop (async-std's did; tokio's does not either)"),
                "check that the shared code flushes (or syncs) written files before dropping them",
            ));
            return st;
        }
    }
    let trap = crate::handlers::call_value(handler);
    let shim = m.as_ref().and_then(|m| m.rule.shim.clone());
    match (&st.plan, shim) {
        (LeafPlan::Import(p), _) if !trap && !p.contains('{') => {
            let last = p.rsplit("::").next().unwrap_or("");
            if last != local && !p.contains(" as ") {
                st.plan = LeafPlan::Import(format!("{p} as {local}"));
            }
            st.rename = None;
        }
        (LeafPlan::Fq, Some(shim)) => {
            st.plan = LeafPlan::Shim(shim.replace("{name}", &local));
        }
        (LeafPlan::Keep | LeafPlan::Untouched, _) => {}
        _ => {
            report(acc, at, &local, &leaf.canon.join("::"));
            st.plan = LeafPlan::Keep;
        }
    }
    st
}

/// The items of the detaching handle type, apart (see [`super::imports::SHIM_ITEMS`]).
fn handle_items() -> String {
    JOIN_HANDLE
        .replace("pub struct", "{vis}struct")
        .replace("\n\nimpl", &format!("{}impl", super::imports::SHIM_ITEMS))
}

/// `use async_attributes::test as async_test;` beside `use tokio::test as async_test;`, and
/// `#[async_test] async fn t()`: each use of the attribute names smol-macros' under the
/// import's cfg and the other runtime's under its negation; the import goes.
///
/// ```text
/// #[async_test]
/// ->
/// #[cfg_attr(feature = "smol", macro_rules_attribute::apply(smol_macros::test!))]
/// #[cfg_attr(not(feature = "smol"), async_test)]
/// ```
fn shared_attr(
    leaf: &resolve::UseLeaf,
    mut st: LeafState,
    local: &str,
    canon: &str,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
) -> LeafState {
    let preds: Vec<String> = leaf
        .use_item
        .attrs()
        .filter_map(|a| match a.meta() {
            Some(ast::Meta::CfgMeta(m)) => m
                .cfg_predicate()
                .map(|p| ctx.text_of(p.syntax()).to_string()),
            _ => None,
        })
        .collect();
    let pred = match preds.as_slice() {
        [one] => one.clone(),
        _ => format!("all({})", preds.join(", ")),
    };
    let mac = if canon.ends_with("main") {
        "main"
    } else {
        "test"
    };
    let rule = if mac == "main" {
        "attr-main"
    } else {
        "attr-test"
    };
    // The attributes that name the shared binding: `#[atest]` in the use item's scope (the
    // name may resolve to the other runtime's import, written first: it is the same name).
    shared_attr_uses(
        leaf.use_item.syntax().parent(),
        local,
        &pred,
        mac,
        rule,
        ctx,
        acc,
    );
    st.plan = LeafPlan::Fq;
    st
}

/// Each `#[local]` under `scope` becomes smol-macros' attribute under `pred` and stays `local`
/// (the other runtime's) under its negation.
fn shared_attr_uses(
    scope: Option<ra_ap_syntax::SyntaxNode>,
    local: &str,
    pred: &str,
    mac: &str,
    rule: &str,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
) {
    let attrs: Vec<ast::Attr> = ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::Attr::cast)
        .filter(|a| {
            a.path().is_some_and(|p| p.syntax().text() == local)
                && scope
                    .as_ref()
                    .is_some_and(|s| a.syntax().ancestors().any(|x| x == *s))
        })
        .collect();
    let other = negate(pred);
    for attr in attrs {
        let indent = crate::handlers::indent_of(ctx.src, attr.syntax());
        acc.edits.replace(
            super::range(attr.syntax()),
            format!(
                "#[cfg_attr({pred}, macro_rules_attribute::apply(smol_macros::{mac}!))]\n{indent}#[cfg_attr({other}, {local})]"
            ),
            rule,
        );
    }
}

/// `not(p)`, or `q` for `p` = `not(q)`.
fn negate(p: &str) -> String {
    if let Some(inner) = p.strip_prefix("not(").and_then(|r| r.strip_suffix(')')) {
        // The parenthesis closing `not(` is the last one.
        let mut depth = 0i32;
        let balanced = inner.chars().all(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth >= 0
        });
        if balanced && depth == 0 {
            return inner.to_string();
        }
    }
    format!("not({p})")
}

/// `use async_std::test as atest;` in a branch of an item-level `cfg_if!` whose other branch
/// imports another runtime's attribute under the same name:
///
/// ```text
/// cfg_if! {
///     if #[cfg(not(feature = "hyper"))] {
///         use async_std::test as atest;
///     } else {
///         use tokio::test as atest;
///     }
/// }
/// ```
/// The import goes, and each `#[atest]` of the module becomes smol-macros' attribute under the
/// branch's condition and stays the other runtime's under its negation, as [`shared_attr`]
/// does for a `#[cfg]` import. `toks[i..j]` is the path (after `use`) in the outermost token
/// tree `tt`. Returns whether it applied.
pub(super) fn cfg_if_attr_import(
    ctx: &Ctx<'_>,
    tt: &ast::TokenTree,
    toks: &[ra_ap_syntax::SyntaxToken],
    (i, j): (usize, usize),
    rule: &str,
    acc: &mut Acc,
) -> bool {
    use ra_ap_syntax::{NodeOrToken, SyntaxKind as K};
    let kind = |k: usize| toks.get(k).map(|t| t.kind());
    if i == 0 || kind(i - 1) != Some(K::USE_KW) {
        return false;
    }
    let (Some(K::AS_KW), Some(K::IDENT), Some(K::SEMICOLON)) = (kind(j), kind(j + 1), kind(j + 2))
    else {
        return false;
    };
    let local = toks[j + 1].text().to_string();
    // An item-level `cfg_if!`, the `use` directly in one of its branches.
    let Some(call) = tt.syntax().parent().and_then(ast::MacroCall::cast) else {
        return false;
    };
    let is_cfg_if = call
        .path()
        .and_then(|p| p.segment())
        .and_then(|s| s.name_ref())
        .is_some_and(|n| n.text() == "cfg_if");
    let scope = call
        .syntax()
        .ancestors()
        .skip(1)
        .find(|n| n.kind() != K::MACRO_ITEMS);
    if !is_cfg_if
        || !scope
            .as_ref()
            .is_some_and(|s| matches!(s.kind(), K::SOURCE_FILE | K::ITEM_LIST))
    {
        return false;
    }
    let Some(branch) = toks[i - 1].parent() else {
        return false;
    };
    if branch.parent().as_ref() != Some(tt.syntax()) {
        return false;
    }
    // The branches: `if #[cfg(p)] { .. } else if #[cfg(q)] { .. } else { .. }`.
    let mut preds: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    let mut ours: Option<(usize, Option<String>)> = None;
    for el in tt.syntax().children_with_tokens() {
        let NodeOrToken::Node(n) = el else { continue };
        let Some(inner) = ast::TokenTree::cast(n.clone()) else {
            continue;
        };
        if inner.l_brack_token().is_some() {
            // `[cfg(p)]`: the text inside `cfg( .. )`.
            let text = n.text().to_string();
            let body = text.trim_start_matches('[').trim_end_matches(']').trim();
            match body.strip_prefix("cfg").map(str::trim_start) {
                Some(rest) if rest.starts_with('(') && rest.ends_with(')') => {
                    pending = Some(rest[1..rest.len() - 1].trim().to_string());
                }
                _ => return false,
            }
        } else if inner.l_curly_token().is_some() {
            let pred = pending.take();
            if n == branch {
                ours = Some((preds.len(), pred.clone()));
            }
            match pred {
                Some(p) => preds.push(p),
                // `else { .. }`: the last branch.
                None => {
                    if n != branch {
                        break;
                    }
                }
            }
        }
    }
    let Some((k, own)) = ours else {
        return false;
    };
    let before: Vec<String> = preds[..k].iter().map(|p| format!("not({p})")).collect();
    let pred = match (own, before.is_empty()) {
        (Some(p), true) => p,
        (Some(p), false) => format!("all({}, {p})", before.join(", ")),
        (None, _) if preds.len() == 1 => negate(&preds[0]),
        (None, _) => format!("not(any({}))", preds.join(", ")),
    };
    let mac = if rule == "attr-main" { "main" } else { "test" };
    shared_attr_uses(scope, &local, &pred, mac, rule, ctx, acc);
    // The import goes, with its line when it stands alone there.
    let mut start: usize = toks[i - 1].text_range().start().into();
    let mut end: usize = toks[j + 2].text_range().end().into();
    let line_start = ctx.src[..start].rfind('\n').map_or(0, |n| n + 1);
    let line_end = ctx.src[end..]
        .find('\n')
        .map_or(ctx.src.len(), |n| end + n + 1);
    if ctx.src[line_start..start].trim().is_empty() && ctx.src[end..line_end].trim().is_empty() {
        (start, end) = (line_start, line_end);
    }
    acc.edits.replace(start..end, String::new(), rule);
    true
}

fn report(acc: &mut Acc, at: usize, local: &str, item: &str) {
    acc.findings.push(RawFinding::not_migrated(
        at,
        FindingId::CfgSharedName,
        format!(
            "`{local}` is also imported from another runtime under another cfg, and the code that uses it is shared: `{item}` has no smol binding with async-std's behaviour"
        ),
        "define a cfg'd item of that name that behaves as async-std's did on smol, then run again",
    ));
}

/// async-std's `JoinHandle` on smol: a `Task` that detaches when dropped.
const JOIN_HANDLE: &str = "/// A task handle that detaches its task when dropped, as async-std's did (smol's `Task` cancels).
pub struct JoinHandle<T>(Option<smol::Task<T>>);

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.detach();
        }
    }
}

impl<T> std::future::Future for JoinHandle<T> {
    type Output = T;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<T> {
        let task = self.0.as_mut().expect(\"JoinHandle polled after completion\");
        std::pin::Pin::new(task).poll(cx)
    }
}";

/// A spawn fn with async-std's behaviour (`{vis}` and the name to fill), for `async_std::task`'s
/// spawns.
fn spawn_shim(canon: &str, name: &str) -> Option<String> {
    let text = match canon {
        "async_std::task::spawn" => SPAWN,
        "async_std::task::spawn_blocking" => SPAWN_BLOCKING,
        _ => return None,
    };
    let own = canon.rsplit("::").next().unwrap_or("");
    Some(text.replacen(&format!("pub fn {own}"), &format!("{{vis}}fn {name}"), 1))
}

/// Whether the leaf's scope binds `name` where a new item of that name would clash: outside any
/// cfg, or in one of the async-std imports (which keep their cfg).
fn scope_binds(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>, name: &str) -> bool {
    let Some(scope) = leaf.use_item.syntax().parent() else {
        return false;
    };
    let ours = |u: &ast::Use| ctx.sites.leaves.iter().any(|l| l.use_item == *u);
    let clashes = |item: &ast::Item| match item {
        ast::Item::Use(u) if ours(u) => true,
        other => !has_cfg(other.attrs()),
    };
    scope
        .children()
        .filter_map(ast::Item::cast)
        .filter(clashes)
        .any(|item| match &item {
            ast::Item::Use(u) => resolve::cfg_regions::bound_names(u)
                .iter()
                .any(|b| b == name),
            ast::Item::Struct(x) => x.name().is_some_and(|n| n.text() == name),
            ast::Item::TypeAlias(x) => x.name().is_some_and(|n| n.text() == name),
            ast::Item::Enum(x) => x.name().is_some_and(|n| n.text() == name),
            _ => false,
        })
}

const SPAWN: &str = "pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    JoinHandle(Some(smol::spawn(future)))
}";

const SPAWN_BLOCKING: &str = "pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    JoinHandle(Some(smol::unblock(f)))
}";

/// A module of the members the file uses through the shared module name, or the first member
/// that has no binding.
fn module_shim(leaf: &resolve::UseLeaf, local: &str, ctx: &Ctx<'_>) -> Result<String, String> {
    let members: BTreeSet<String> = ctx
        .sites
        .paths
        .iter()
        .filter(|p| match p.origin {
            Origin::Binding(i) => {
                ctx.sites.leaves[i].use_item == leaf.use_item
                    && ctx.sites.leaves[i].local.as_deref() == Some(local)
            }
            _ => false,
        })
        .filter_map(|p| {
            (p.canon.len() == leaf.canon.len() + 1).then(|| p.canon[leaf.canon.len()].clone())
        })
        .collect();
    if members.is_empty() {
        return Err(leaf.canon.join("::"));
    }
    let mut items = Vec::new();
    let mut handle = false;
    for member in &members {
        let mut canon = leaf.canon.clone();
        canon.push(member.clone());
        let full = canon.join("::");
        match full.as_str() {
            "async_std::task::spawn" => {
                items.push(SPAWN.to_string());
                handle = true;
                continue;
            }
            "async_std::task::spawn_blocking" => {
                items.push(SPAWN_BLOCKING.to_string());
                handle = true;
                continue;
            }
            "async_std::task::JoinHandle" => {
                handle = true;
                continue;
            }
            _ => {}
        }
        let Some(m) = ctx.cat.lookup(&canon) else {
            return Err(full);
        };
        if crate::handlers::call_value(m.rule.handler.as_deref()) {
            return Err(full);
        }
        match (&m.path, &m.rule.shim) {
            (Some(p), _) if !p.is_empty() && !p.contains('<') && !p.contains('{') => {
                let last = p.rsplit("::").next().unwrap_or("");
                items.push(if last == member {
                    format!("pub use {p};")
                } else {
                    format!("pub use {p} as {member};")
                });
            }
            (_, Some(shim)) => items.push(shim.replace("{vis}", "pub ").replace("{name}", member)),
            _ => return Err(full),
        }
    }
    if handle {
        items.push(JOIN_HANDLE.to_string());
    }
    let body = items
        .join("\n\n")
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(format!(
        "{{vis}}mod {local} {{\n    //! async-std's `{}` on smol, for the code shared with another runtime's `{local}`.\n{body}\n}}",
        leaf.canon.join("::")
    ))
}
