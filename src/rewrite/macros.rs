//! Macro arguments are token trees, invisible to a syntax tree walk. Expression-like macro calls
//! (`println!("{}", p.exists().await)`, `assert_eq!(task::block_on(f), 1)`, `vec![..]`) are made
//! visible by a same-length "shadow" of the text: `name!(` becomes `name (` and `vec![`
//! becomes `    [`, so the arguments parse as a call's or an array's and every byte offset stays
//! the same. Edits found on the shadow apply to the real text unchanged. A macro whose arguments
//! do not parse as expressions (`select! { .. }`, `matches!(x, A { .. } if ..)`) is left alone,
//! and so are macros that quote their input (`stringify!`, `concat!`, ...).

use crate::findings::FindingId;
use ra_ap_syntax::ast::{self, AstNode};
use ra_ap_syntax::{SyntaxKind, SyntaxNode};

const QUOTING: &[&str] = &[
    "stringify",
    "concat",
    "include",
    "include_str",
    "include_bytes",
    "env",
    "option_env",
    "cfg",
    "compile_error",
    "concat_idents",
    "module_path",
    "file",
    "line",
    "column",
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
    "macro_rules",
];

/// Macros whose tokens are code a procedural macro generates for the crates that invoke it.
const GENERATING: &[&str] = &[
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
];

/// `quote!`, `quote_spanned!`, .. when `tt` is such a call's argument: its paths name items in
/// the scope of the crates that invoke the procedural macro, not of this file.
fn generating_macro(tt: &ast::TokenTree) -> Option<String> {
    let call = tt.syntax().parent().and_then(ast::MacroCall::cast)?;
    let name = call.path()?.segment()?.name_ref()?.text().to_string();
    GENERATING.contains(&name.as_str()).then_some(name)
}

/// Macros whose bodies are items, made visible as a function's body of the same length:
/// `lazy_static! { static ref X: T = e; }` reads as `fn x()       { static     X: T = e; }`, and
/// `cfg_if! { if #[cfg(a)] { .. } else { .. } }` as `fn x() { #[cfg(a)] { .. } { .. } }`. The
/// code inside is then migrated like any other. A body that imports from async-std is not (the
/// name it binds is the module's, used outside the macro).
const ITEM_MACROS: &[&str] = &["cfg_if", "lazy_static"];

fn shadow_item_macro(
    mc: &ast::MacroCall,
    edition: &str,
    bytes: &mut [u8],
) -> Option<ra_ap_syntax::TextRange> {
    let (path, bang, tt) = (mc.path()?, mc.excl_token()?, mc.token_tree()?);
    let name = path.segment()?.name_ref()?.text().to_string();
    if !ITEM_MACROS.contains(&name.as_str()) || tt.l_curly_token().is_none() {
        return None;
    }
    // A `use` of async-std in the body binds in the enclosing module (`#[atest]` beside the
    // macro), not in a function's body: such a body stays tokens (reported there).
    // `use async_std::..;` directly in the body or a branch.
    let binds_in_module = |n: &SyntaxNode| {
        let toks: Vec<_> = n
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| !t.kind().is_trivia())
            .collect();
        toks.windows(2).any(|w| {
            w[0].kind() == SyntaxKind::USE_KW
                && matches!(w[1].text(), "async_std" | "async_attributes")
        })
    };
    if binds_in_module(tt.syntax())
        || tt
            .syntax()
            .children()
            .filter(|c| c.kind() == SyntaxKind::TOKEN_TREE)
            .any(|branch| binds_in_module(&branch))
    {
        return None;
    }
    let p: usize = path.syntax().text_range().start().into();
    let b: usize = bang.text_range().end().into();
    let head = "fn x()";
    if b - p < head.len() {
        return None;
    }
    let end: usize = tt.syntax().text_range().end().into();
    let mut shadow = bytes[p..end].to_vec();
    shadow[..head.len()].copy_from_slice(head.as_bytes());
    for x in &mut shadow[head.len()..b - p] {
        *x = b' ';
    }
    // Tokens directly in the body: `ref` after `static`, or the `if` / `else` of a branch.
    let toks: Vec<_> = tt
        .syntax()
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    for (k, t) in toks.iter().enumerate() {
        let blank = match name.as_str() {
            "lazy_static" => {
                t.kind() == SyntaxKind::REF_KW
                    && k > 0
                    && toks[k - 1].kind() == SyntaxKind::STATIC_KW
            }
            _ => matches!(t.kind(), SyntaxKind::IF_KW | SyntaxKind::ELSE_KW),
        };
        if blank {
            let s = usize::from(t.text_range().start()) - p;
            let e = usize::from(t.text_range().end()) - p;
            for x in &mut shadow[s..e] {
                *x = b' ';
            }
        }
    }
    let shadow_text = String::from_utf8(shadow.clone()).ok()?;
    if !super::parse(&shadow_text, edition).errors().is_empty() {
        return None;
    }
    bytes[p..end].copy_from_slice(&shadow);
    Some(ra_ap_syntax::TextRange::new(
        (p as u32).into(),
        (end as u32).into(),
    ))
}

/// The tree of the shadow text, down to nested macro calls (each round makes the calls inside the
/// previous round's arguments visible), or `sf` itself when no macro call changes.
/// `nodes`, when given, are `sf`'s nodes in preorder (saves a walk of the tree).
pub fn shadow_tree(
    text: &str,
    sf: ast::SourceFile,
    nodes: Option<&[SyntaxNode]>,
    edition: &str,
) -> ast::SourceFile {
    shadow_tree_by(text, sf, nodes, edition, true)
}

/// [`shadow_tree`], grafting reparsed units (`graft`) or parsing each round's whole text.
pub(crate) fn shadow_tree_by(
    text: &str,
    sf: ast::SourceFile,
    nodes: Option<&[SyntaxNode]>,
    edition: &str,
    graft: bool,
) -> ast::SourceFile {
    let walked;
    let nodes = match nodes {
        Some(n) => n,
        None => {
            walked = sf.syntax().descendants().collect::<Vec<_>>();
            &walked
        }
    };
    // Only arguments that can hold something to rewrite are worth a shadow (and a re-parse):
    // an await, an async block, or a name that a `use` of the file binds from async-std (or
    // any `::` path when the file has no such `use`, since roots are written in full then).
    let mut names: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for u in nodes.iter().cloned().filter_map(ast::Use::cast) {
        for t in u
            .syntax()
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::IDENT)
        {
            names.insert(t.text().to_string());
        }
    }
    let mut tree = sf;
    let mut current = text.to_string();
    for round in 0..8 {
        let calls: Box<dyn Iterator<Item = ast::MacroCall>> = if round == 0 {
            Box::new(nodes.iter().cloned().filter_map(ast::MacroCall::cast))
        } else {
            Box::new(tree.syntax().descendants().filter_map(ast::MacroCall::cast))
        };
        match shadow_with(&current, calls, edition, Some(&names)) {
            Some((next, changed)) => {
                // Only the statements (items) around the changed macro calls are parsed
                // again, unless that cannot be done (see reparse.rs).
                tree = graft
                    .then(|| {
                        super::reparse::graft(
                            tree.syntax(),
                            &next,
                            &changed,
                            super::edition_of(edition),
                        )
                    })
                    .flatten()
                    .and_then(ast::SourceFile::cast)
                    .unwrap_or_else(|| super::parse(&next, edition).tree());
                current = next;
            }
            None => break,
        }
    }
    tree
}

/// The shadow text, or `None` when no macro call changes.
pub fn shadow(text: &str, sf: &ast::SourceFile, edition: &str) -> Option<String> {
    let calls = sf.syntax().descendants().filter_map(ast::MacroCall::cast);
    shadow_with(text, calls, edition, None).map(|(text, _)| text)
}

/// Method calls that rewrites recognise by name and receiver, not by a path: a macro argument
/// holding one is made visible (`println!("{}", m.try_lock().is_some())`).
const KEYED_METHODS: &[&str] = &[
    ".get_mut()",
    ".into_incoming()",
    ".into_inner()",
    ".try_lock()",
    ".try_read()",
    ".try_write()",
];

/// [`shadow`], leaving alone macro calls whose arguments hold no await, no `async`, no `::` path
/// and none of `names` (when given); with the ranges it changed.
fn shadow_with(
    text: &str,
    calls: impl Iterator<Item = ast::MacroCall>,
    edition: &str,
    names: Option<&std::collections::BTreeSet<String>>,
) -> Option<(String, Vec<ra_ap_syntax::TextRange>)> {
    let mut bytes = text.as_bytes().to_vec();
    let mut changed = Vec::new();
    for mc in calls {
        let Some(parent) = mc.syntax().parent() else {
            continue;
        };
        if let Some(r) = shadow_item_macro(&mc, edition, &mut bytes) {
            changed.push(r);
            continue;
        }
        // Expression or statement position; item-position macros (`task_local! { .. }` at the
        // top of a module) define items, not expressions.
        if matches!(
            parent.kind(),
            SyntaxKind::SOURCE_FILE | SyntaxKind::ITEM_LIST
        ) {
            continue;
        }
        let (Some(path), Some(bang), Some(tt)) = (mc.path(), mc.excl_token(), mc.token_tree())
        else {
            continue;
        };
        let Some(name) = path
            .segment()
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string())
        else {
            continue;
        };
        if QUOTING.contains(&name.as_str()) {
            continue;
        }
        let tt_text = tt.syntax().text().to_string();
        // Arguments without a path, a call or an await hold nothing to rewrite (the common
        // `println!("{}", x)`): no probe parse, no shadow.
        let inner = tt_text
            .get(1..tt_text.len().saturating_sub(1))
            .unwrap_or("");
        // An awaited macro (`write!(w, ..).await`) is itself a site.
        let after: usize = tt.syntax().text_range().end().into();
        let awaited = text[after..].trim_start().starts_with(".await");
        if !awaited
            && !inner.contains("::")
            && !inner.contains('(')
            && !inner.contains(".await")
            && !inner.contains("async")
        {
            continue;
        }
        // Calls of the methods whose rewrites go by name (a lock's `try_lock()`, a listener's
        // `into_incoming()`) are sites without a path or an await.
        let keyed = KEYED_METHODS.iter().any(|m| inner.contains(m));
        if let Some(names) = names {
            if !awaited
                && !keyed
                && !inner.contains(".await")
                && !inner.contains("async")
                && !inner.contains("::")
                && !crate::workspace::mentions_any(inner, names)
            {
                continue;
            }
        }
        let open = tt_text.chars().next();
        let probe_src = match open {
            Some('(') => format!("fn __probe() {{ __m{tt_text}; }}"),
            Some('[') if name == "vec" => format!("fn __probe() {{ {tt_text}; }}"),
            _ => continue,
        };
        if !super::parse(&probe_src, edition).errors().is_empty() {
            continue;
        }
        let b: usize = bang.text_range().start().into();
        if open == Some('[') {
            // `vec![` -> `    [`: the whole path and the bang become spaces.
            let p: usize = path.syntax().text_range().start().into();
            for x in &mut bytes[p..=b] {
                *x = b' ';
            }
            changed.push(ra_ap_syntax::TextRange::new(
                (p as u32).into(),
                (b as u32 + 1).into(),
            ));
        } else {
            // `name!(..)` -> `name (..)`: a call, and the macro's path stays as written.
            bytes[b] = b' ';
            changed.push(ra_ap_syntax::TextRange::at((b as u32).into(), 1.into()));
        }
    }
    if changed.is_empty() {
        return None;
    }
    String::from_utf8(bytes).ok().map(|t| (t, changed))
}

#[cfg(test)]
mod tests {
    fn shadow(src: &str) -> Option<String> {
        let p = super::super::parse(src, "2021");
        super::shadow(src, &p.tree(), "2021")
    }

    #[test]
    fn a_root_name_before_a_single_colon_is_no_path() {
        let names = |src: &str| {
            let roots = ["async_std".to_string()].into_iter().collect();
            super::token_trees_name_roots(&super::super::parse(src, "2021").tree(), &roots)
        };
        // build.rs of agnostik: a cfg alias named `async_std`.
        assert!(!names(
            "fn main() { cfg_aliases! { async_std: { feature = \"rt\" } } }"
        ));
        assert!(names("m! { async_std::task::spawn(f) }"));
        assert!(!names("m! { async_std: :task }"));
    }

    #[test]
    fn expression_macros_become_calls_of_the_same_length() {
        assert_eq!(
            shadow("fn f() { println!(\"{}\", p.exists().await); let v = vec![g(1)]; }").unwrap(),
            "fn f() { println (\"{}\", p.exists().await); let v =     [g(1)]; }"
        );
    }

    #[test]
    fn arguments_with_nothing_to_rewrite_are_not_shadowed() {
        assert_eq!(
            shadow("fn f() { println!(\"{} {}\", a, b); let v = vec![1]; }"),
            None
        );
        // An awaited macro is a site itself.
        assert!(shadow("async fn f() { write!(w, \"x\").await; }").is_some());
    }

    #[test]
    fn other_macros_are_left_alone() {
        assert_eq!(
            shadow("fn f() { select! { a = x => 1 }; stringify!(a::b); }"),
            None
        );
    }
}

/// A path that ends in a type's name (`net::TcpListener`, not `TcpListener::bind`).
fn names_type(segs: &[String]) -> bool {
    segs.last()
        .and_then(|s| s.chars().next())
        .is_some_and(|c| c.is_uppercase())
}

/// The file's token trees that are not inside another (a macro call's or body's whole argument).
fn outermost_token_trees<'a>(ctx: &'a super::Ctx<'_>) -> impl Iterator<Item = ast::TokenTree> + 'a {
    ctx.nodes()
        .iter()
        .cloned()
        .filter_map(ast::TokenTree::cast)
        .filter(|t| {
            !t.syntax()
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::TOKEN_TREE)
        })
}

/// Paths inside token trees that are not parsed as code (`macro_rules!` bodies, item-position
/// macro calls, arguments that are not expressions): `async_std::task::ready!($e)` in a macro
/// body is mapped token by token. Only plain path rows apply there; a row whose meaning needs a
/// handler, or that has no smol equivalent, is reported.
pub fn token_paths(ctx: &super::Ctx<'_>, acc: &mut super::Acc) {
    // A workspace's own test-helper macro: what it quotes maps as code does, and the packages
    // that expand it get smol (`engine::plan_workspace`).
    let quoted_here = ctx.krate.quoted_for_workspace && ctx.threads.is_none();
    for tt in outermost_token_trees(ctx) {
        let generating = generating_macro(&tt);
        let toks = significant_tokens(&tt);
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            if t.kind() != SyntaxKind::IDENT
                || follows_separator(&toks, i)
                || !ctx.krate.roots.contains(t.text())
            {
                i += 1;
                continue;
            }
            // root (:: ident)*
            let mut segs = vec!["async_std".to_string()];
            let mut j = i + 1;
            let mut end = t.text_range().end();
            path_tail(&toks, &mut j, &mut segs, &mut end);
            let start: usize = t.text_range().start().into();
            if let Some(name) = generating.as_ref().filter(|_| !quoted_here) {
                // smol would have to be a dependency of every crate that invokes the macro.
                acc.findings.push(crate::report::RawFinding::not_migrated(
                    start,
                    FindingId::QuotedCode,
                    format!("`{}` is in code `{name}!` generates for the crates that invoke this macro: they keep needing async-std", segs.join("::")),
                    "rewrite the generated code by hand to smol's form (docs/mapping.md) and add smol to the crates that use the macro",
                ));
            } else if segs.len() >= 2 {
                match ctx.cat.lookup(&segs) {
                    Some(m) => match (&m.path, &m.rule.handler) {
                        (Some(p), None) => acc.edits.replace(start..end.into(), p.clone(), &m.rule.id),
                        // Handlers that act on calls or methods only: a type or module named
                        // in a macro body maps as a plain path.
                        (Some(p), Some(h))
                            if (segs.len() == m.rule.from.len() || names_type(&segs))
                                && (crate::handlers::calls_only(h)
                                    || h == "worker-threads") =>
                        {
                            acc.edits.replace(start..end.into(), p.clone(), &m.rule.id)
                        }
                        // A socket type's associated function other than `from`
                        // (`TcpStream::connect(a)`): the same in async-net.
                        (Some(p), Some(h))
                            if h == "socket-try-from"
                                && names_type(&segs[..segs.len() - 1])
                                && segs.last().is_some_and(|s| s != "from") =>
                        {
                            acc.edits.replace(start..end.into(), p.clone(), &m.rule.id)
                        }
                        // A spawn whose handle every invocation of the macro awaits.
                        (Some(p), Some(h))
                            if h == "detach-dropped-handle"
                                && tt
                                    .syntax()
                                    .parent()
                                    .and_then(ast::MacroRules::cast)
                                    .and_then(|r| ast::HasName::name(&r))
                                    .is_some_and(|n| macro_results_awaited(ctx, &n.text().to_string())) =>
                        {
                            acc.edits.replace(start..end.into(), p.clone(), &m.rule.id)
                        }
                        // `use async_std::test as atest;` in an item-level `cfg_if!` branch.
                        (_, Some(h))
                            if (h == "attr-test" || h == "attr-main")
                                && super::shared::cfg_if_attr_import(ctx, &tt, &toks, (i, j), h, acc) => {}
                        // `#[test_log::test(async_std::test)] async fn`: a plain test that
                        // runs the async fn (as `#[async_std::test]` becomes).
                        (_, Some(h))
                            if h == "attr-test"
                                && crate::handlers::test_attribute_argument(t, ctx, acc) => {}
                        // `#[async_std::test]` / `#[async_std::main]` on the fns a macro writes:
                        // smol-macros' attribute through macro_rules_attribute, which takes the
                        // async fn as written.
                        (_, Some(h))
                            if (h == "attr-test" || h == "attr-main")
                                && (in_attribute(&toks, i, j) || attribute_argument(&tt, &toks, i, j)) =>
                        {
                            let mac = if h == "attr-test" { "test" } else { "main" };
                            acc.edits.replace(
                                start..end.into(),
                                format!("macro_rules_attribute::apply(smol_macros::{mac}!)"),
                                &m.rule.id,
                            )
                        }
                        // `task::sleep(d).await;`: the timer's instant is dropped as the unit was.
                        (_, Some(h)) if h == "sleep-to-timer" && awaited_statement(&toks, j) => {
                            acc.edits.replace(start..end.into(), "smol::Timer::after", &m.rule.id)
                        }
                        // `future::timeout(d, f)` written as a call: the race, token by token.
                        (_, Some(h)) if h == "timeout-to-or" && timeout_call(ctx, &toks, j).is_some() => {
                            let (call_end, d, f) = timeout_call(ctx, &toks, j).unwrap();
                            let io = segs.join("::") == "async_std::io::timeout";
                            let tail = crate::handlers::timeout_tail(ctx, io);
                            acc.edits.replace(
                                start..call_end,
                                format!("({{ let dur = {d}; let fut = {f}{tail}"),
                                &m.rule.id,
                            )
                        }
                        _ => acc.findings.push(crate::report::RawFinding::not_migrated(
                            start,
                            &m.rule.id,
                            format!("`{}` inside a macro body cannot be rewritten safely", segs.join("::")),
                            "rewrite the macro body by hand (see docs/mapping.md for the smol form)",
                        )),
                    },
                    None => acc.findings.push(crate::report::RawFinding::unknown_item(start, &segs)),
                }
            }
            i = j.max(i + 1);
        }
    }
}

/// Paths in `macro_rules!` bodies, and in macro call arguments that are not code the shadow can
/// parse, that start with a name a top-level `use` of the file binds to async-std
/// (`task::spawn`, `fs::read`). Each is rewritten to its full new path when the row
/// maps it plainly; a spawn is rewritten when every invocation of the macro awaits its result
/// (a dropped smol Task would cancel). Returns (leaf, rewritten) per use; a leaf with an
/// unrewritten use must keep its import.
pub fn bound_paths(ctx: &super::Ctx<'_>, acc: &mut super::Acc) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let top_leaves: Vec<(usize, &crate::resolve::UseLeaf)> = ctx
        .sites
        .leaves
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            !l.glob
                && !l.via_reexport
                && l.local.is_some()
                && l.use_item
                    .syntax()
                    .parent()
                    .is_some_and(|p| p.kind() == SyntaxKind::SOURCE_FILE)
        })
        .collect();
    if top_leaves.is_empty() {
        return out;
    }
    // `macro_rules!` bodies, and the arguments of macro calls the shadow could not parse as
    // code (`lazy_static! { static ref X: T = task::block_on(..); }`): outermost token trees.
    for tt in outermost_token_trees(ctx) {
        // Names in generated code are the invoking crate's, not this file's imports.
        if generating_macro(&tt).is_some() {
            continue;
        }
        let rules = tt.syntax().parent().and_then(ast::MacroRules::cast);
        let macro_name = match &rules {
            Some(r) => ast::HasName::name(r)
                .map(|n| n.text().to_string())
                .unwrap_or_default(),
            None => match tt.syntax().parent().and_then(ast::MacroCall::cast) {
                Some(call) => call
                    .path()
                    .map(|p| p.syntax().text().to_string())
                    .unwrap_or_default(),
                // An attribute's arguments, a `macro` 2.0 body: not code to map.
                None => continue,
            },
        };
        // Only a macro_rules! body can show how its results are used.
        let awaited = rules.is_some() && macro_results_awaited(ctx, &macro_name);
        let toks = significant_tokens(&tt);
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            let prev_is_sep =
                follows_separator(&toks, i) || (i > 0 && toks[i - 1].kind() == SyntaxKind::DOT);
            let leaf = top_leaves
                .iter()
                .find(|(_, l)| l.local.as_deref() == Some(t.text()));
            let (Some((li, leaf)), false) = (leaf, prev_is_sep || t.kind() != SyntaxKind::IDENT)
            else {
                i += 1;
                continue;
            };
            let mut segs = leaf.canon.clone();
            let mut j = i + 1;
            let mut end = t.text_range().end();
            path_tail(&toks, &mut j, &mut segs, &mut end);
            let start: usize = t.text_range().start().into();
            // A name bound again from another runtime under another cfg: the body is shared
            // with that runtime and stays as written, the new import binds the name with
            // async-std's behaviour (`shared.rs`).
            // (An item's name only: a module's shim has the members the parsed code names,
            // not those only a macro body does.)
            if !crate::resolve::is_module(&leaf.canon) && super::shared::cfg_shared(leaf, ctx) {
                out.push((*li, true));
                i = j.max(i + 1);
                continue;
            }
            let m = ctx.cat.lookup(&segs);
            let plain = m.as_ref().and_then(|m| match (&m.path, &m.rule.handler) {
                (Some(p), None) if !p.is_empty() => Some(p.clone()),
                (Some(p), Some(h)) if h == "detach-dropped-handle" && awaited => Some(p.clone()),
                // Its handler only adds the worker-count prologue to a program's main.
                (Some(p), Some(h)) if h == "worker-threads" => Some(p.clone()),
                // The bound name itself (a type, a module): handlers that act on calls or
                // methods have nothing to do with it.
                (Some(p), Some(h))
                    if (segs.len() == leaf.canon.len() || names_type(&segs))
                        && crate::handlers::calls_only(h) =>
                {
                    Some(p.clone())
                }
                _ => None,
            });
            let names_item =
                segs.len() > leaf.canon.len() || !crate::resolve::is_module(&leaf.canon);
            // A spawn the crate's `join_handle` module stands for (a handle the macro hides,
            // `handlers/join_handle.rs`): the import points at the module; a path through a
            // module import becomes the module's item, `$crate::` in a `macro_rules!` body.
            let module_item = ctx.generated.item_for(&segs).filter(|_| {
                crate::handlers::generated::handler_for(ctx.generated, &segs)
                    == Some(crate::handlers::join_handle::RULE)
            });
            match (plain, names_item) {
                // The bare name: its import is regenerated with the new path.
                (Some(_), true) if segs.len() == leaf.canon.len() => out.push((*li, true)),
                (Some(p), true) => {
                    let rule = m.map(|m| m.rule.id.clone()).unwrap_or_default();
                    acc.edits.replace(start..end.into(), p, &rule);
                    out.push((*li, true));
                }
                _ if module_item.is_some() && names_item => {
                    let p = module_item.unwrap();
                    if segs.len() > leaf.canon.len() {
                        let p = match (&rules, p.strip_prefix("crate::")) {
                            (Some(_), Some(rest)) => format!("$crate::{rest}"),
                            _ => p,
                        };
                        acc.edits
                            .replace(start..end.into(), p, crate::handlers::join_handle::RULE);
                    }
                    out.push((*li, true));
                }
                _ => {
                    acc.findings.push(crate::report::RawFinding::not_migrated(
                        start,
                        &m.map(|m| m.rule.id.clone()).unwrap_or_else(|| FindingId::UnknownItem.into()),
                        format!("`{}` inside the body of `{macro_name}!` cannot be rewritten safely; its import was kept", segs.join("::")),
                        "rewrite the macro body by hand (see docs/mapping.md for the new form)",
                    ));
                    out.push((*li, false));
                }
            }
            i = j.max(i + 1);
        }
    }
    out
}

/// The tokens of a token tree without whitespace and comments.
fn significant_tokens(tt: &ast::TokenTree) -> Vec<ra_ap_syntax::SyntaxToken> {
    tt.syntax()
        .descendants_with_tokens()
        .filter_map(ra_ap_syntax::NodeOrToken::into_token)
        .filter(|t| !t.kind().is_trivia())
        .collect()
}

/// `toks[i]` follows `::` (one token, or two adjacent `:` in a token tree) or `$`: the tail of
/// another path, or a macro variable. A single `:` (`static X: async_std::..`, a field's type)
/// starts a path.
pub(crate) fn follows_separator(toks: &[ra_ap_syntax::SyntaxToken], i: usize) -> bool {
    let kind = |k: usize| toks.get(k).map(|t| t.kind());
    i >= 1
        && match kind(i - 1) {
            Some(SyntaxKind::COLON2 | SyntaxKind::DOLLAR) => true,
            Some(SyntaxKind::COLON) => {
                i >= 2
                    && kind(i - 2) == Some(SyntaxKind::COLON)
                    && toks[i - 2].text_range().end() == toks[i - 1].text_range().start()
            }
            _ => false,
        }
}

/// Reads `(:: ident)*` from token `j` on (`::` is one token, or two `:` tokens in a token tree),
/// pushing the idents onto `segs` and moving `j` and `end` past them.
/// The path `toks[i..j]` is an attribute's whole path: `# [ path ]`.
fn in_attribute(toks: &[ra_ap_syntax::SyntaxToken], i: usize, j: usize) -> bool {
    i >= 2
        && toks[i - 1].kind() == SyntaxKind::L_BRACK
        && toks[i - 2].kind() == SyntaxKind::POUND
        && toks.get(j).is_some_and(|t| t.kind() == SyntaxKind::R_BRACK)
}

/// The path `toks[i..j]` is a whole argument of an attribute (`#[maybe_async::test(..,
/// async(cfg, async_std::test))]`): it becomes an attribute there.
fn attribute_argument(
    tt: &ast::TokenTree,
    toks: &[ra_ap_syntax::SyntaxToken],
    i: usize,
    j: usize,
) -> bool {
    tt.syntax()
        .ancestors()
        .any(|a| ast::Attr::can_cast(a.kind()))
        && i >= 1
        && matches!(toks[i - 1].kind(), SyntaxKind::COMMA | SyntaxKind::L_PAREN)
        && toks
            .get(j)
            .is_some_and(|t| matches!(t.kind(), SyntaxKind::COMMA | SyntaxKind::R_PAREN))
}

/// `toks[j]` opens a call's parentheses, and the call is awaited as a whole statement
/// (`(..).await;`).
fn awaited_statement(toks: &[ra_ap_syntax::SyntaxToken], j: usize) -> bool {
    let Some((close, _)) = call_parens(toks, j) else {
        return false;
    };
    let kinds: Vec<_> = toks[close + 1..].iter().take(3).map(|t| t.kind()).collect();
    kinds.len() == 3
        && kinds[0] == SyntaxKind::DOT
        && toks[close + 2].text() == "await"
        && kinds[2] == SyntaxKind::SEMICOLON
}

/// When `toks[j]` opens a call's parentheses: the index of the closing one, and of the commas
/// between the arguments.
fn call_parens(toks: &[ra_ap_syntax::SyntaxToken], j: usize) -> Option<(usize, Vec<usize>)> {
    call_parens_by(toks.len(), |k| toks[k].kind(), j)
}

/// [`call_parens`] over any token sequence: `len` tokens, the kind of each by `kind` (the
/// lexer's tokens, `rewrite/tokio_context.rs`).
pub(crate) fn call_parens_by(
    len: usize,
    kind: impl Fn(usize) -> SyntaxKind,
    j: usize,
) -> Option<(usize, Vec<usize>)> {
    if j >= len || kind(j) != SyntaxKind::L_PAREN {
        return None;
    }
    let mut depth = 0usize;
    let mut commas = Vec::new();
    for k in j..len {
        match kind(k) {
            SyntaxKind::L_PAREN | SyntaxKind::L_BRACK | SyntaxKind::L_CURLY => depth += 1,
            SyntaxKind::R_PAREN | SyntaxKind::R_BRACK | SyntaxKind::R_CURLY => {
                depth -= 1;
                if depth == 0 {
                    return Some((k, commas));
                }
            }
            SyntaxKind::COMMA if depth == 1 => commas.push(k),
            _ => {}
        }
    }
    None
}

/// A call's two arguments when `toks[j]` opens its parenthesis: (end of the call, the first
/// argument's text, the second's).
fn timeout_call(
    ctx: &super::Ctx<'_>,
    toks: &[ra_ap_syntax::SyntaxToken],
    j: usize,
) -> Option<(usize, String, String)> {
    let (close, mut commas) = call_parens(toks, j)?;
    // A trailing comma is allowed.
    if commas.last() == Some(&(close - 1)) {
        commas.pop();
    }
    let [comma] = commas.as_slice() else {
        return None;
    };
    let text = |a: usize, b: usize| -> Option<String> {
        if a > b {
            return None;
        }
        let s: usize = toks[a].text_range().start().into();
        let e: usize = toks[b].text_range().end().into();
        Some(ctx.src.get(s..e)?.to_string())
    };
    let d = text(j + 1, comma - 1)?;
    let f = text(comma + 1, close - 1)?;
    let f = f.trim_end().trim_end_matches(',').to_string();
    Some((toks[close].text_range().end().into(), d, f))
}

pub(crate) fn path_tail(
    toks: &[ra_ap_syntax::SyntaxToken],
    j: &mut usize,
    segs: &mut Vec<String>,
    end: &mut ra_ap_syntax::TextSize,
) {
    loop {
        let colons = if toks.get(*j).is_some_and(|x| x.kind() == SyntaxKind::COLON2) {
            1
        } else if toks.get(*j).is_some_and(|x| x.kind() == SyntaxKind::COLON)
            && toks
                .get(*j + 1)
                .is_some_and(|x| x.kind() == SyntaxKind::COLON)
        {
            2
        } else {
            return;
        };
        match toks.get(*j + colons) {
            Some(id) if id.kind() == SyntaxKind::IDENT => {
                segs.push(id.text().to_string());
                *end = id.text_range().end();
                *j += colons + 1;
            }
            _ => return,
        }
    }
}

/// Every invocation of the macro `name` in the file is awaited (`name!(..).await`). In the
/// shadow tree an invocation with arguments reads as a call `name (..)`.
fn macro_results_awaited(ctx: &super::Ctx<'_>, name: &str) -> bool {
    macro_results_awaited_in(ctx.nodes(), name)
}

/// [`macro_results_awaited`] over a file's (shadow tree's) nodes.
pub(crate) fn macro_results_awaited_in(nodes: &[ra_ap_syntax::SyntaxNode], name: &str) -> bool {
    let named = |p: Option<ast::Path>| {
        p.and_then(|p| p.segment())
            .and_then(|s| s.name_ref())
            .is_some_and(|n| n.text() == name)
    };
    let mut calls = Vec::new();
    for n in nodes {
        if let Some(m) = ast::MacroCall::cast(n.clone()) {
            if named(m.path()) {
                calls.push(n.parent().filter(|p| p.kind() == SyntaxKind::MACRO_EXPR));
            }
        } else if let Some(c) = ast::CallExpr::cast(n.clone()) {
            if let Some(ast::Expr::PathExpr(pe)) = c.expr() {
                if pe.path().is_some_and(|p| p.qualifier().is_none()) && named(pe.path()) {
                    calls.push(Some(n.clone()));
                }
            }
        }
    }
    !calls.is_empty()
        && calls.iter().all(|c| {
            c.as_ref()
                .and_then(|e| crate::handlers::awaited(e))
                .is_some()
        })
}

/// Whether a token tree (a macro body, an unparsed macro argument) still names a root as a path
/// (`async_std::..`): such a file keeps async-std.
pub fn token_trees_name_roots(
    sf: &ast::SourceFile,
    roots: &std::collections::BTreeSet<String>,
) -> bool {
    use ra_ap_syntax::NodeOrToken;
    sf.syntax()
        .descendants()
        .filter_map(ast::TokenTree::cast)
        .any(|tt| {
            let toks: Vec<_> = tt
                .syntax()
                .children_with_tokens()
                .filter_map(NodeOrToken::into_token)
                .filter(|t| !t.kind().is_trivia())
                .collect();
            // `async_std::` (`::` is one token, or two adjacent `:`); `async_std: ..` (a key in
            // `cfg_aliases! { async_std: { feature = ".." } }`) is not a path.
            (0..toks.len()).any(|i| {
                toks[i].kind() == SyntaxKind::IDENT
                    && roots.contains(toks[i].text())
                    && match toks.get(i + 1).map(|t| t.kind()) {
                        Some(SyntaxKind::COLON2) => true,
                        Some(SyntaxKind::COLON) => toks.get(i + 2).is_some_and(|t| {
                            t.kind() == SyntaxKind::COLON
                                && t.text_range().start() == toks[i + 1].text_range().end()
                        }),
                        _ => false,
                    }
            })
        })
}
