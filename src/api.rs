//! The public API changes a migration makes: listed in the report so that a library's
//! maintainer can say so in the release notes (or choose not to merge).
//!
//! ```text
//! pub fn spawn_worker() -> JoinHandle<()>      (async_std::task::JoinHandle -> smol::Task: breaking,
//!                                                and silent for callers that drop the handle)
//! pub async fn fetch(p: &Path) -> io::Result<()>  (async_std::path::Path -> std::path::Path: breaking;
//!                                                  async_std::io::Result is std's: not breaking)
//! pub async fn load() -> Config                 (--to threads: async fn -> fn: breaking)
//! ```
//!
//! Looked at: the `pub` functions, methods, struct fields, type aliases, consts and statics of a
//! package's library (`src/`), and its `pub use` re-exports. A change is breaking unless the
//! async-std item was std's own type, or a futures-io/futures-core trait, re-exported (then
//! users see the same type): those are listed in `transforms/async_std_api.toml`.

use crate::resolve::FileSites;
use ra_ap_syntax::ast::{self, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};
use serde::Serialize;

/// One public item whose signature the migration changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ApiChange {
    pub file: String,
    pub line: usize,
    /// `fn fetch`, `struct field Server::listener`, `use runtime::spawn`.
    pub item: String,
    /// `async_std::path::Path -> std::path::Path`, `async fn -> fn`.
    pub change: String,
    pub breaking: bool,
}

fn is_pub(n: &SyntaxNode) -> bool {
    ast::AnyHasVisibility::cast(n.clone())
        .and_then(|v| v.visibility())
        .is_some_and(|v| {
            let t = v.syntax().text().to_string();
            t == "pub" // pub(crate) and friends are not the public API
        })
}

fn describe(n: &SyntaxNode) -> Option<String> {
    let name = |x: Option<ast::Name>| x.map(|n| n.text().to_string()).unwrap_or_default();
    Some(match n.kind() {
        SyntaxKind::FN => format!("fn {}", name(ast::Fn::cast(n.clone())?.name())),
        SyntaxKind::RECORD_FIELD => {
            let owner = n
                .ancestors()
                .find_map(ast::Struct::cast)
                .and_then(|s| s.name())
                .map(|n| n.text().to_string())
                .unwrap_or_default();
            format!(
                "field {owner}::{}",
                name(ast::RecordField::cast(n.clone())?.name())
            )
        }
        SyntaxKind::TYPE_ALIAS => format!("type {}", name(ast::TypeAlias::cast(n.clone())?.name())),
        SyntaxKind::CONST => format!("const {}", name(ast::Const::cast(n.clone())?.name())),
        SyntaxKind::STATIC => format!("static {}", name(ast::Static::cast(n.clone())?.name())),
        SyntaxKind::USE => "use".to_string(),
        _ => return None,
    })
}

/// The API changes of one library file. `map` gives an async-std path's new path (`None`: left
/// in place); `async_fns_sync`: the file's `pub async fn`s become blocking (`--to threads`).
pub fn changes(
    file: &str,
    text: &str,
    nodes: &[SyntaxNode],
    sites: &FileSites,
    map: &dyn Fn(&[String]) -> Option<String>,
    async_fns_sync: bool,
) -> Vec<ApiChange> {
    let mut out = Vec::new();
    let line = |n: &SyntaxNode| crate::report::line_col(text, n.text_range().start().into()).0;
    let mut push = |n: &SyntaxNode, change: String, breaking: bool| {
        if let Some(item) = describe(n) {
            out.push(ApiChange {
                file: file.to_string(),
                line: line(n),
                item,
                change,
                breaking,
            });
        }
    };
    for site in &sites.paths {
        if site.in_attr {
            continue;
        }
        // The public item whose signature (not body) holds the path.
        let Some(item) = site.path.syntax().ancestors().find(|a| {
            matches!(
                a.kind(),
                SyntaxKind::FN
                    | SyntaxKind::RECORD_FIELD
                    | SyntaxKind::TYPE_ALIAS
                    | SyntaxKind::CONST
                    | SyntaxKind::STATIC
            )
        }) else {
            continue;
        };
        if !is_pub(&item) {
            continue;
        }
        if let Some(f) = ast::Fn::cast(item.clone()) {
            let in_body = f.body().is_some_and(|b| {
                b.syntax()
                    .text_range()
                    .contains_range(site.path.syntax().text_range())
            });
            if in_body {
                continue;
            }
            // Methods count when their impl is inherent or of a public trait: approximated by
            // the impl's own type being public is out of reach here; every pub method counts.
        }
        let canon = site.canon.join("::");
        let new = map(&site.canon).unwrap_or_else(|| canon.clone());
        if new == canon {
            continue;
        }
        let breaking = !crate::tables::async_std_api()
            .std_reexports
            .contains(&canon);
        // The one change that still compiles for callers but behaves differently.
        let note = if canon == "async_std::task::JoinHandle" && !new.contains("join_handle") {
            " (code outside the crate that drops the handle now cancels the task (async-std's detached it): it needs .detach())"
        } else {
            ""
        };
        push(&item, format!("{canon} -> {new}{note}"), breaking);
    }
    for leaf in &sites.leaves {
        if !is_pub(leaf.use_item.syntax()) {
            continue;
        }
        let canon = leaf.canon.join("::");
        let new = map(&leaf.canon).unwrap_or_else(|| canon.clone());
        if new != canon {
            let breaking = !crate::tables::async_std_api()
                .std_reexports
                .contains(&canon);
            push(
                leaf.use_item.syntax(),
                format!("re-export {canon} -> {new}"),
                breaking,
            );
        }
    }
    if async_fns_sync {
        for f in nodes.iter().cloned().filter_map(ast::Fn::cast) {
            if f.async_token().is_some() && is_pub(f.syntax()) {
                push(
                    f.syntax(),
                    "async fn -> fn (callers no longer .await it)".into(),
                    true,
                );
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::syntax::{resolve_file, FilePlace};
    use crate::resolve::CrateContext;

    #[test]
    fn public_signatures_are_listed_with_whether_users_see_another_type() {
        let src = "use async_std::{io, path::Path, task::JoinHandle};\n\
                   pub async fn read(p: &Path) -> io::Result<String> { async_std::fs::read_to_string(p).await }\n\
                   pub fn spawn() -> JoinHandle<()> { async_std::task::spawn(async {}) }\n\
                   fn private(p: &Path) {}\n\
                   pub struct S { pub handle: JoinHandle<()>, inner: JoinHandle<()> }\n";
        let sf = crate::rewrite::parse(src, "2021").tree();
        let ctx = CrateContext {
            roots: ["async_std".to_string()].into(),
            ..Default::default()
        };
        let place = FilePlace {
            in_lib: true,
            module: vec![],
        };
        let sites = resolve_file(&sf, &place, &ctx);
        let nodes: Vec<SyntaxNode> = sf.syntax().descendants().collect();
        let cat = crate::rules::Catalogue::smol();
        let map = |c: &[String]| cat.lookup(c).and_then(|m| m.path);
        let got: Vec<String> = changes("src/lib.rs", src, &nodes, &sites, &map, false)
            .iter()
            .map(|c| format!("{} {} {} {}", c.line, c.item, c.change, c.breaking))
            .collect();
        assert_eq!(
            got,
            vec![
                "2 fn read async_std::io::Result -> smol::io::Result false",
                "2 fn read async_std::path::Path -> std::path::Path true",
                "3 fn spawn async_std::task::JoinHandle -> smol::Task (code outside the crate that drops the handle now cancels the task (async-std's detached it): it needs .detach()) true",
                "5 field S::handle async_std::task::JoinHandle -> smol::Task (code outside the crate that drops the handle now cancels the task (async-std's detached it): it needs .detach()) true",
            ]
        );
        let threads = changes("src/lib.rs", src, &nodes, &sites, &map, true);
        assert!(threads
            .iter()
            .any(|c| c.item == "fn read" && c.change.starts_with("async fn -> fn")));
    }
}
