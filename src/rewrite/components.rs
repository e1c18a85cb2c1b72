//! Libraries get the component crates, not the smol facade. smol re-exports the crates it is made
//! of (`smol::net` is `async_net`, `smol::Timer` is `async_io::Timer`); a library that names
//! smol makes every crate that depends on it pull in the whole runtime. So, once a library's file
//! is migrated, its `smol::` paths are written as paths of the crates that define them
//! (`transforms/smol_api.toml` `[[component]]`), and the package depends on those crates
//! (`manifest.rs`). The types are the same types: the library's public API does not change.
//!
//! Before (the migrated library file):
//! ```text
//! use smol::{io::AsyncReadExt, net::TcpStream};
//!
//! pub async fn fetch(addr: &str) -> std::io::Result<Vec<u8>> {
//!     let mut s = TcpStream::connect(addr).await?;
//!     let mut buf = Vec::new();
//!     s.read_to_end(&mut buf).await?;
//!     smol::Timer::after(std::time::Duration::from_millis(1)).await;
//!     Ok(buf)
//! }
//! ```
//! After:
//! ```text
//! use async_net::TcpStream;
//! use futures_lite::io::AsyncReadExt;
//!
//! pub async fn fetch(addr: &str) -> std::io::Result<Vec<u8>> {
//!     let mut s = TcpStream::connect(addr).await?;
//!     let mut buf = Vec::new();
//!     s.read_to_end(&mut buf).await?;
//!     async_io::Timer::after(std::time::Duration::from_millis(1)).await;
//!     Ok(buf)
//! }
//! ```
//! `smol::spawn` becomes `async_global_executor::spawn`: smol's global executor is smol's own, and
//! async-global-executor's is the one async-std spawned on. A library that names `smol` itself
//! (`use smol;`, `smol::*`) keeps smol: [`Outcome::Keeps`] says which path, for the report. Code examples in doc comments and test code (`#[cfg(test)]`)
//! keep `smol::`: they build as the package's tests, which get smol as a dev-dependency.

use super::macros::{follows_separator, path_tail};
use crate::tables::{smol_api, Component};
use ra_ap_syntax::ast::{self, HasAttrs, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode, SyntaxToken};
use std::collections::{BTreeMap, BTreeSet};

/// What became of one library file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The file names no smol path in code.
    Unchanged,
    /// Its smol paths, written as the components': the new text and the crates it names (as
    /// Cargo.toml names them: `async-net`).
    Components {
        text: String,
        crates: BTreeSet<String>,
    },
    /// A smol path with no component (`smol::*`): the package keeps smol.
    Keeps(String),
}

/// Rewrites the smol paths of one file (a library's, already migrated) to the component crates.
pub fn to_components(text: &str, edition: &str) -> Outcome {
    if !text.contains("smol") {
        return Outcome::Unchanged;
    }
    let parse = super::parse(text, edition);
    let sf = parse.tree();
    let root = sf.syntax();
    if owns_smol_name(root) {
        return Outcome::Keeps("a `smol` item of the crate's own".into());
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut crates = BTreeSet::new();
    // Test code (`#[cfg(test)]` modules and fns) builds with the dev-dependencies: it keeps smol.
    // (Looked for only where the text says `test` at all.)
    let test_code: Vec<ra_ap_syntax::TextRange> = if text.contains("test") {
        root.descendants()
            .filter(|n| {
                let cfg = crate::resolve::syntax::cfg_text(n);
                cfg.contains("#[cfg(test)]") || cfg.contains("#[cfg(all(test,")
            })
            .map(|n| n.text_range())
            .collect()
    } else {
        Vec::new()
    };
    let in_tests = |n: &SyntaxNode| test_code.iter().any(|r| r.contains_range(n.text_range()));
    for node in root.descendants().filter(|n| !in_tests(n)) {
        if let Some(u) = ast::Use::cast(node.clone()) {
            let Some(tree) = u.use_tree() else { continue };
            if !starts_with_smol(tree.path().as_ref()) {
                // `use {smol::x, std::y};`: a group without a root that holds smol paths.
                if tree.path().is_none() && tree.syntax().text().to_string().contains("smol") {
                    if has_smol_subtree(&tree) {
                        return Outcome::Keeps(u.syntax().text().to_string());
                    }
                }
                continue;
            }
            match use_item(&u, &tree, text) {
                Ok((replacement, used)) => {
                    let r = u.syntax().text_range();
                    edits.push((r.start().into(), r.end().into(), replacement));
                    crates.extend(used);
                }
                Err(path) => return Outcome::Keeps(path),
            }
        } else if let Some(p) = ast::Path::cast(node.clone()) {
            // The outermost path whose first segment is smol, outside `use` items.
            if p.syntax().ancestors().any(|a| ast::Use::can_cast(a.kind()))
                || p.syntax().parent().and_then(ast::Path::cast).is_some()
                || !starts_with_smol(Some(&p))
            {
                continue;
            }
            let segs = segments(&p);
            if segs.len() < 2 {
                continue; // a local named `smol`
            }
            let Some((c, used)) = component_for(&segs[1..]) else {
                return Outcome::Keeps(segs.join("::"));
            };
            // From the path's start to the last matched segment's name: generic arguments stay.
            let Some(last) = prefix_path(&p, used + 1).and_then(|q| q.segment()?.name_ref()) else {
                return Outcome::Keeps(segs.join("::"));
            };
            edits.push((
                p.syntax().text_range().start().into(),
                last.syntax().text_range().end().into(),
                leading(&p) + &c.path,
            ));
            crates.insert(c.krate.clone());
        } else if let Some(tt) = ast::TokenTree::cast(node.clone()) {
            if tt
                .syntax()
                .parent()
                .is_some_and(|p| p.kind() == SyntaxKind::TOKEN_TREE)
            {
                continue; // its outermost tree covers it
            }
            if let Err(path) = token_paths(&tt, &mut edits, &mut crates) {
                return Outcome::Keeps(path);
            }
        }
    }
    if edits.is_empty() {
        return Outcome::Unchanged;
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, r) in edits {
        out.replace_range(s..e, &r);
    }
    // Never a syntax error of ours: the library keeps smol instead.
    if super::parse(&out, edition).errors().len() > parse.errors().len() {
        return Outcome::Keeps("its rewrite, which would not parse".into());
    }
    Outcome::Components { text: out, crates }
}

/// The longest `[[component]]` row whose smol path starts `rest` (the segments after `smol`),
/// and how many segments it covers.
fn component_for(rest: &[String]) -> Option<(&'static Component, usize)> {
    smol_api()
        .components
        .iter()
        .filter(|c| rest.len() >= c.smol.len() && rest[..c.smol.len()] == c.smol[..])
        .max_by_key(|c| c.smol.len())
        .map(|c| (c, c.smol.len()))
}

fn starts_with_smol(p: Option<&ast::Path>) -> bool {
    p.map(segments)
        .and_then(|s| s.first().cloned())
        .is_some_and(|s| s == "smol")
}

/// `::` when the path is written `::smol::..`.
fn leading(p: &ast::Path) -> String {
    let first = std::iter::successors(Some(p.clone()), |q| q.qualifier()).last();
    match first
        .and_then(|f| f.segment())
        .and_then(|s| s.coloncolon_token())
    {
        Some(_) => "::".into(),
        None => String::new(),
    }
}

/// The names of a path's segments, first to last.
fn segments(p: &ast::Path) -> Vec<String> {
    let mut out: Vec<String> = std::iter::successors(Some(p.clone()), |q| q.qualifier())
        .map(|q| {
            q.segment()
                .and_then(|s| s.name_ref())
                .map(|n| n.text().to_string())
                .unwrap_or_default()
        })
        .collect();
    out.reverse();
    out
}

/// The qualifier of `p` that has `n` segments.
fn prefix_path(p: &ast::Path, n: usize) -> Option<ast::Path> {
    let all: Vec<ast::Path> = std::iter::successors(Some(p.clone()), |q| q.qualifier()).collect();
    all.len().checked_sub(n).and_then(|i| all.get(i).cloned())
}

/// The file declares or imports a `smol` of its own (a module per runtime): its `smol::` paths
/// are not the crate's.
fn owns_smol_name(root: &SyntaxNode) -> bool {
    root.descendants().any(|n| {
        ast::Module::cast(n.clone()).is_some_and(|m| m.name().is_some_and(|x| x.text() == "smol"))
            || ast::Rename::cast(n.clone())
                .is_some_and(|r| r.name().is_some_and(|x| x.text() == "smol"))
            || ast::ExternCrate::cast(n)
                .is_some_and(|e| e.name_ref().is_some_and(|x| x.text() == "smol"))
    })
}

fn has_smol_subtree(tree: &ast::UseTree) -> bool {
    tree.syntax()
        .descendants()
        .filter_map(ast::UseTree::cast)
        .any(|t| starts_with_smol(t.path().as_ref()))
}

/// A `use smol::..` item, as one `use` per component crate (its attributes and visibility on
/// each); or the path that has no component.
fn use_item(
    u: &ast::Use,
    tree: &ast::UseTree,
    text: &str,
) -> Result<(String, BTreeSet<String>), String> {
    let mut leaves: Vec<(Vec<String>, String)> = Vec::new();
    flatten(tree, Vec::new(), &mut leaves);
    // Per crate root (`futures_lite`): the leaves' paths below it.
    let mut by_root: BTreeMap<String, Vec<(Vec<String>, String)>> = BTreeMap::new();
    let mut crates = BTreeSet::new();
    for (segs, tail) in leaves {
        if segs.first().map(String::as_str) != Some("smol") {
            return Err(tree.syntax().text().to_string());
        }
        let Some((c, n)) = component_for(&segs[1..]) else {
            return Err(format!("{}{tail}", segs.join("::")));
        };
        crates.insert(c.krate.clone());
        let mut mapped: Vec<String> = c.path.split("::").map(str::to_string).collect();
        mapped.extend(segs[1 + n..].iter().cloned());
        // The name the import binds stays: `use smol::fs;` is `use async_fs as fs;`.
        let tail = match (tail.is_empty(), segs.last(), mapped.last()) {
            (true, Some(old), Some(new)) if old != new => format!(" as {old}"),
            _ => tail,
        };
        let root = mapped.remove(0);
        by_root.entry(root).or_default().push((mapped, tail));
    }
    let attrs: String = u
        .attrs()
        .map(|a| format!("{}\n", a.syntax().text()))
        .collect();
    let vis = u
        .visibility()
        .map(|v| format!("{} ", v.syntax().text()))
        .unwrap_or_default();
    let indent = {
        let start: usize = u.syntax().text_range().start().into();
        let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
        text[line..start].to_string()
    };
    let items: Vec<String> = by_root
        .into_iter()
        .map(|(root, leaves)| {
            let attrs = attrs.replace('\n', &format!("\n{indent}"));
            format!("{attrs}{vis}use {root}{};", tree_text(&leaves))
        })
        .collect();
    Ok((items.join(&format!("\n{indent}")), crates))
}

/// `::a::b` for one leaf, `::a::{b, c}` for leaves under one module, `::{a::b, c}` otherwise.
fn tree_text(leaves: &[(Vec<String>, String)]) -> String {
    // In a group: the crate itself is `self` (`self as fs`), its glob `*`.
    let leaf = |segs: &[String], tail: &str| match (segs.is_empty(), tail.strip_prefix("::")) {
        (true, Some(glob)) => glob.to_string(),
        (true, None) => format!("self{tail}"),
        (false, _) => format!("{}{tail}", segs.join("::")),
    };
    if let [(segs, tail)] = leaves {
        // `use async_fs as fs;`, `use async_fs::*;`, `use async_net::TcpStream;`
        return if segs.is_empty() {
            tail.clone()
        } else {
            format!("::{}", leaf(segs, tail))
        };
    }
    // The module path every leaf is below (the leaf's own name excluded).
    let mut common: Vec<String> = leaves[0].0.clone();
    for (segs, _) in leaves {
        let below = &segs[..segs.len().saturating_sub(1)];
        let n = common.iter().zip(below).take_while(|(a, b)| a == b).count();
        common.truncate(n);
    }
    let inner: Vec<String> = leaves
        .iter()
        .map(|(segs, tail)| leaf(&segs[common.len()..], tail))
        .collect();
    let prefix: String = common.iter().map(|s| format!("::{s}")).collect();
    format!("{prefix}::{{{}}}", inner.join(", "))
}

/// The leaves of a use tree: the full path, and what follows it (`""`, ` as x`, `::*`; `self`
/// is its module's path).
fn flatten(tree: &ast::UseTree, mut prefix: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    if let Some(p) = tree.path() {
        for s in segments(&p) {
            if s == "self" && !prefix.is_empty() {
                continue;
            }
            prefix.push(s);
        }
    }
    if let Some(list) = tree.use_tree_list() {
        for t in list.use_trees() {
            flatten(&t, prefix.clone(), out);
        }
        return;
    }
    let tail = if tree.star_token().is_some() {
        "::*".to_string()
    } else if let Some(r) = tree.rename() {
        format!(" {}", r.syntax().text())
    } else {
        String::new()
    };
    out.push((prefix, tail));
}

/// `smol::x::y` written in a token tree (a macro's argument or body).
fn token_paths(
    tt: &ast::TokenTree,
    edits: &mut Vec<(usize, usize, String)>,
    crates: &mut BTreeSet<String>,
) -> Result<(), String> {
    let toks: Vec<SyntaxToken> = tt
        .syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    for (i, t) in toks.iter().enumerate() {
        // `smol` starting a path (not the tail of `crate::smol`, not `$smol`).
        if t.kind() != SyntaxKind::IDENT || t.text() != "smol" || follows_separator(&toks, i) {
            continue;
        }
        let mut names = Vec::new();
        let (mut j, mut end) = (i + 1, t.text_range().end());
        path_tail(&toks, &mut j, &mut names, &mut end);
        // The token after `j`'s path separator, if one follows (`::{` of a group).
        let group_at = |j: usize| -> Option<usize> {
            match toks.get(j).map(|x| x.kind()) {
                Some(SyntaxKind::COLON2) => Some(j + 1),
                Some(SyntaxKind::COLON)
                    if toks
                        .get(j + 1)
                        .is_some_and(|x| x.kind() == SyntaxKind::COLON) =>
                {
                    Some(j + 2)
                }
                _ => None,
            }
            .filter(|&g| toks.get(g).is_some_and(|x| x.kind() == SyntaxKind::L_CURLY))
        };
        if names.is_empty() {
            if group_at(j).is_some() {
                // `smol::{a, b::c}` in a token tree: each name would need its own crate.
                return Err("smol::{..}".into());
            }
            continue; // a name, not a path
        }
        let Some((c, n)) = component_for(&names) else {
            return Err(format!("smol::{}", names.join("::")));
        };
        // A module that is a crate's root (`smol::fs` -> `async_fs`) imported as a whole keeps
        // its name: `use smol::fs;` -> `use async_fs as fs;`, `smol::fs::{self, File}` ->
        // `async_fs::{self as fs, File}` (trillium-static's `cfg_if!`).
        let mut alias = String::new();
        if !c.path.contains("::") && n == names.len() {
            let last = &names[n - 1];
            if let Some(g) = group_at(j) {
                let mut depth = 0;
                for (k, tok) in toks.iter().enumerate().skip(g) {
                    match tok.kind() {
                        SyntaxKind::L_CURLY => depth += 1,
                        SyntaxKind::R_CURLY => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        SyntaxKind::SELF_KW
                            if depth == 1
                                && toks
                                    .get(k + 1)
                                    .is_none_or(|x| x.kind() != SyntaxKind::AS_KW) =>
                        {
                            edits.push((
                                tok.text_range().start().into(),
                                tok.text_range().end().into(),
                                format!("self as {last}"),
                            ));
                        }
                        _ => {}
                    }
                }
            } else if i > 0
                && toks[i - 1].kind() == SyntaxKind::USE_KW
                && toks
                    .get(j)
                    .is_some_and(|x| x.kind() == SyntaxKind::SEMICOLON)
            {
                alias = format!(" as {last}");
            }
        }
        // The end of the n-th segment: walk the tokens again up to it.
        let mut seen = 0;
        let mut end = t.text_range().end();
        for tok in &toks[i + 1..] {
            if tok.kind() == SyntaxKind::IDENT {
                seen += 1;
                end = tok.text_range().end();
                if seen == n {
                    break;
                }
            }
        }
        edits.push((
            t.text_range().start().into(),
            end.into(),
            format!("{}{alias}", c.path),
        ));
        crates.insert(c.krate.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(before: &str) -> (String, Vec<String>) {
        match to_components(before, "2021") {
            Outcome::Components { text, crates } => (text, crates.into_iter().collect()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_module_doc_example() {
        let (text, crates) = components(
            "use smol::{io::AsyncReadExt, net::TcpStream};

pub async fn fetch(addr: &str) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    smol::Timer::after(std::time::Duration::from_millis(1)).await;
    Ok(buf)
}
",
        );
        assert_eq!(
            text,
            "use async_net::TcpStream;
use futures_lite::io::AsyncReadExt;

pub async fn fetch(addr: &str) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    async_io::Timer::after(std::time::Duration::from_millis(1)).await;
    Ok(buf)
}
"
        );
        assert_eq!(crates, ["async-io", "async-net", "futures-lite"]);
    }

    #[test]
    fn groups_aliases_globs_and_attributes() {
        let (text, _) = components(
            "    #[cfg(unix)]
    pub(crate) use smol::{io::{self, AsyncWriteExt as _}, prelude::*, lock::Mutex as Lock};
    use smol::{fs, channel::{self, Sender}};
",
        );
        assert_eq!(
            text,
            "    #[cfg(unix)]
    pub(crate) use async_lock::Mutex as Lock;
    #[cfg(unix)]
    pub(crate) use futures_lite::{io, io::AsyncWriteExt as _, prelude::*};
    use async_channel::{self as channel, Sender};
    use async_fs as fs;
"
        );
    }

    #[test]
    fn a_crate_root_module_imported_in_a_macro_keeps_its_name() {
        // trillium-static: the async-std branch of a `cfg_if!`.
        let (text, crates) = components(
            "cfg_if::cfg_if! {\n    if #[cfg(feature = \"a\")] {\n        pub(crate) use smol::fs::{self, File};\n        use smol::net;\n    }\n}\n",
        );
        assert_eq!(
            text,
            "cfg_if::cfg_if! {\n    if #[cfg(feature = \"a\")] {\n        pub(crate) use async_fs::{self as fs, File};\n        use async_net as net;\n    }\n}\n"
        );
        assert_eq!(crates, ["async-fs", "async-net"]);
        assert_eq!(
            to_components("m! { use smol::{fs, net}; }", "2021"),
            Outcome::Keeps("smol::{..}".into())
        );
    }

    #[test]
    fn generic_arguments_and_macros_stay() {
        let (text, crates) = components(
            "fn f(t: smol::Task<u8>, s: ::smol::channel::Sender<u8>) {
    smol::pin!(t);
    futures::select! { x = smol::future::pending::<()>() => x }
    thread_local! { static E: smol::LocalExecutor<'static> = smol::LocalExecutor::new(); }
    drop(s);
}
",
        );
        assert_eq!(
            text,
            "fn f(t: async_executor::Task<u8>, s: ::async_channel::Sender<u8>) {
    futures_lite::pin!(t);
    futures::select! { x = futures_lite::future::pending::<()>() => x }
    thread_local! { static E: async_executor::LocalExecutor<'static> = async_executor::LocalExecutor::new(); }
    drop(s);
}
"
        );
        assert_eq!(crates, ["async-channel", "async-executor", "futures-lite"]);
    }

    #[test]
    fn spawn_goes_to_the_executor_async_std_spawned_on() {
        let (text, crates) = components(
            "use smol::{net::TcpStream, spawn};\nfn f() { smol::spawn(async {}).detach(); spawn(async {}).detach(); }\n",
        );
        assert!(text.contains("fn f() { async_global_executor::spawn(async {}).detach(); spawn(async {}).detach(); }"), "{text}");
        assert!(
            text.contains("async_global_executor::spawn") && text.contains("async_net::TcpStream"),
            "{text}"
        );
        assert_eq!(crates, ["async-global-executor", "async-net"]);
    }

    #[test]
    fn what_has_no_component_keeps_smol() {
        for (src, path) in [
            ("use smol::*;", "smol::*"),
            (
                "mod smol; fn f() { smol::x(); }",
                "a `smol` item of the crate's own",
            ),
        ] {
            assert_eq!(
                to_components(src, "2021"),
                Outcome::Keeps(path.into()),
                "{src}"
            );
        }
        assert_eq!(
            to_components("/// `smol::block_on(f)`\nfn f() {}", "2021"),
            Outcome::Unchanged
        );
        assert_eq!(
            to_components(
                "#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { smol::spawn(async {}).detach(); }\n}\n",
                "2021"
            ),
            Outcome::Unchanged
        );
    }
}
