//! Which `.rs` files of a package cargo compiles: the module trees of its targets. A file outside
//! every tree (a code template, a generated snippet kept in the repository, an old file nobody
//! deletes) is no code of the package: it is not migrated, and a syntax error in it is no error
//! of the migration.
//!
//! The roots are cargo's targets: the manifest's `[lib]`, `[[bin]]`, `[[example]]`, `[[test]]`,
//! `[[bench]]` paths and `build`, and the files cargo discovers (`src/lib.rs`, `src/main.rs`,
//! `src/bin/*`, `examples/*`, `tests/*`, `benches/*`, `build.rs`). From each root, `mod x;` items
//! are followed (`x.rs`, `x/mod.rs`, a `#[path]` or `#[cfg_attr(.., path = ..)]`, inside inline
//! modules too), and `include!("file")` counts as part of the file that includes it. Module
//! declarations a macro writes cannot be seen: a package whose tree looks incomplete that way
//! (no root found) is taken whole.

use ra_ap_syntax::ast::{self, HasAttrs, HasModuleItem, HasName};
use ra_ap_syntax::{AstNode, AstToken};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The files of the package's module trees, lexically normalised, or `None` when no target root
/// exists (then every file counts).
pub fn files_in_trees(
    dir: &Path,
    manifest: &toml_edit::DocumentMut,
    edition: &str,
) -> Option<BTreeSet<PathBuf>> {
    files_in_trees_keeping(
        dir,
        manifest,
        edition,
        &mut Parses::new(),
        &mut Default::default(),
    )
}

/// The texts and trees the walk parsed (files that declare modules), by path: the migration
/// reads them again and need not parse them again.
pub type Parses = std::collections::BTreeMap<PathBuf, (String, crate::rewrite::FileParse)>;

/// The `cfg` predicates of the `mod` items on the one way from a target's root to a file: the
/// file is compiled where they all hold (none: always).
pub type Gates = Vec<ast::CfgPredicate>;

/// How the module walk reached a file: the [`Gates`] on the way, and whether it is a target's
/// root (a crate root is its crate's root module whatever its own `#![cfg]`s say).
#[derive(Clone)]
pub struct Reached {
    pub gates: Gates,
    pub root: bool,
}

/// [`files_in_trees`], keeping what it parsed in `parses`, and in `gates` how the walk reached
/// ([`Reached`]) the files reached one way only, through `mod x;` items whose attributes are `cfg`s or change
/// nothing of where the file is (`doc`, lints), outside macros and `include!` (a `#[path]`, a
/// `cfg_attr`, a macro, a second way: no entry).
pub fn files_in_trees_keeping(
    dir: &Path,
    manifest: &toml_edit::DocumentMut,
    edition: &str,
    parses: &mut Parses,
    gates: &mut std::collections::BTreeMap<PathBuf, Reached>,
) -> Option<BTreeSet<PathBuf>> {
    let roots = roots(dir, manifest);
    if roots.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    let target_roots: BTreeSet<PathBuf> = roots.iter().map(|r| normalise(r)).collect();
    // (file, is a mod-rs file, its gates when known)
    let mut todo: Vec<(PathBuf, bool, Option<Gates>)> = roots
        .into_iter()
        .map(|r| (r, true, Some(Vec::new())))
        .collect();
    while let Some((file, is_root, file_gates)) = todo.pop() {
        let file = normalise(&file);
        if !file.is_file() {
            continue;
        }
        if !seen.insert(file.clone()) {
            gates.remove(&file); // reached another way too
            continue;
        }
        if let Some(g) = &file_gates {
            gates.insert(
                file.clone(),
                Reached {
                    gates: g.clone(),
                    root: target_roots.contains(&file),
                },
            );
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if !text.contains("mod ") && !text.contains("include!") {
            continue;
        }
        let parse = crate::rewrite::parse(&text, edition);
        let sf = parse.tree();
        let here = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `mod x;` in a root or a mod.rs looks beside it; in `a.rs`, in `a/`.
        let children = if is_root || stem == "mod" {
            here.clone()
        } else {
            here.join(&stem)
        };
        walk_items(sf.items(), &here, &children, file_gates, &mut todo);
        for mc in sf.syntax().descendants().filter_map(ast::MacroCall::cast) {
            // `cfg_if! { if #[cfg(unix)] { mod unix; } }`: declarations inside a macro's tokens.
            if let Some(tt) = mc.token_tree() {
                for name in macro_mod_decls(tt.syntax()) {
                    todo.push((children.join(format!("{name}.rs")), false, None));
                    todo.push((children.join(&name).join("mod.rs"), true, None));
                }
            }
            let is_include = mc
                .path()
                .and_then(|p| p.segment())
                .is_some_and(|s| s.syntax().text() == "include");
            if !is_include {
                continue;
            }
            if let Some(lit) = mc.token_tree().and_then(|t| first_string(t.syntax())) {
                todo.push((here.join(lit), true, None));
            }
        }
        parses.insert(file, (text, parse));
    }
    Some(seen)
}

/// Follows the `mod` items of one item list. `attr_base` is where a `#[path]` is relative to,
/// `children` where `mod x;` looks; `gates`: the list's [`Gates`], when known.
fn walk_items(
    items: impl Iterator<Item = ast::Item>,
    attr_base: &Path,
    children: &Path,
    gates: Option<Gates>,
    todo: &mut Vec<(PathBuf, bool, Option<Gates>)>,
) {
    for item in items {
        let ast::Item::Module(m) = item else { continue };
        let Some(name) = m.name().map(|n| n.text().to_string()) else {
            continue;
        };
        let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
        let paths = path_attrs(&m);
        let gates = gates.clone().and_then(|g| with_gates(g, &m));
        match m.item_list() {
            Some(list) => {
                let dir = match paths.first() {
                    Some(p) => attr_base.join(p),
                    None => children.join(&name),
                };
                walk_items(list.items(), &dir, &dir, gates, todo);
            }
            None if !paths.is_empty() => {
                // A file reached by `#[path]` is a mod-rs file: its children sit beside it.
                for p in paths {
                    todo.push((attr_base.join(p), true, None));
                }
            }
            None => {
                todo.push((children.join(format!("{name}.rs")), false, gates.clone()));
                todo.push((children.join(&name).join("mod.rs"), true, gates));
            }
        }
    }
}

/// `gates` and the `cfg`s of a `mod` item; `None` when another of its attributes may change
/// where (or whether) the module is (a `cfg_attr`, a `path`, a macro's).
fn with_gates(mut gates: Gates, m: &ast::Module) -> Option<Gates> {
    for a in m.attrs() {
        let harmless = |p: Option<ast::Path>| {
            p.is_some_and(|p| {
                matches!(
                    p.syntax().text().to_string().as_str(),
                    "doc" | "allow" | "warn" | "deny" | "forbid" | "expect"
                )
            })
        };
        match a.meta()? {
            ast::Meta::CfgMeta(c) => gates.push(c.cfg_predicate()?),
            ast::Meta::TokenTreeMeta(t) if harmless(t.path()) => {}
            ast::Meta::KeyValueMeta(kv) if harmless(kv.path()) => {}
            _ => return None,
        }
    }
    Some(gates)
}

/// `#[path = "x"]` and `#[cfg_attr(pred, path = "x")]` values of a module, unescaped as rustc
/// reads them (`"a b.rs"`, `"x\u{1b}.rs"`: whitespace and escapes are the file's name).
fn path_attrs(m: &ast::Module) -> Vec<String> {
    use ra_ap_syntax::SyntaxKind::{EQ, IDENT, STRING};
    let mut out = Vec::new();
    for a in m.attrs() {
        let tokens: Vec<_> = a
            .syntax()
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| !t.kind().is_trivia())
            .collect();
        let first = tokens
            .iter()
            .find(|t| t.kind() == IDENT)
            .map(|t| t.text().to_string());
        if !matches!(first.as_deref(), Some("path" | "cfg_attr")) {
            continue;
        }
        for w in tokens.windows(3) {
            if w[0].kind() == IDENT
                && w[0].text() == "path"
                && w[1].kind() == EQ
                && w[2].kind() == STRING
            {
                if let Some(v) = ast::String::cast(w[2].clone())
                    .and_then(|s| s.value().ok().map(|v| v.into_owned()))
                {
                    out.push(v);
                }
                break;
            }
        }
    }
    out
}

/// The `mod x;` declarations written in a macro call's tokens.
fn macro_mod_decls(tt: &ra_ap_syntax::SyntaxNode) -> Vec<String> {
    use ra_ap_syntax::SyntaxKind::{IDENT, MOD_KW, SEMICOLON};
    let tokens: Vec<_> = tt
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    tokens
        .windows(3)
        .filter(|w| w[0].kind() == MOD_KW && w[1].kind() == IDENT && w[2].kind() == SEMICOLON)
        .map(|w| w[1].text().trim_start_matches("r#").to_string())
        .collect()
}

fn first_string(tt: &ra_ap_syntax::SyntaxNode) -> Option<String> {
    tt.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| t.kind() == ra_ap_syntax::SyntaxKind::STRING)
        .and_then(|t| ast::String::cast(t)?.value().ok().map(|v| v.into_owned()))
}

/// The target roots that exist.
fn roots(dir: &Path, manifest: &toml_edit::DocumentMut) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut add = |p: PathBuf| {
        if p.is_file() {
            out.push(p);
        }
    };
    add(dir.join("src/lib.rs"));
    add(dir.join("src/main.rs"));
    match manifest.get("package").and_then(|p| p.get("build")) {
        Some(b) => {
            if let Some(s) = b.as_str() {
                add(dir.join(s));
            }
        }
        None => add(dir.join("build.rs")),
    }
    for sub in ["src/bin", "examples", "tests", "benches"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "rs") {
                add(p);
            } else if p.is_dir() {
                add(p.join("main.rs"));
            }
        }
    }
    if let Some(p) = manifest
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
    {
        add(dir.join(p));
    }
    for table in ["bin", "example", "test", "bench"] {
        let Some(arr) = manifest.get(table).and_then(|t| t.as_array_of_tables()) else {
            continue;
        };
        for t in arr.iter() {
            if let Some(p) = t.get("path").and_then(|p| p.as_str()) {
                add(dir.join(p));
            }
        }
    }
    out
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn follows_mod_items_paths_and_includes_but_not_templates() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        write(dir, "Cargo.toml", "[package]\nname = \"p\"\n");
        write(
            dir,
            "src/lib.rs",
            "mod a;\nmod b;\n#[path = \"gen/c_impl.rs\"]\nmod c;\nmod inline { mod deep; }\ninclude!(\"inc.rs\");\ncfg_if::cfg_if! { if #[cfg(unix)] { mod unix; } }\n#[cfg(windows)]\nmod gated;\n",
        );
        write(dir, "src/a.rs", "mod child;\n");
        write(dir, "src/a/child.rs", "");
        write(dir, "src/b/mod.rs", "mod under;\n");
        write(dir, "src/b/under.rs", "");
        write(dir, "src/gen/c_impl.rs", "");
        write(dir, "src/inline/deep.rs", "");
        write(dir, "src/inc.rs", "");
        write(dir, "src/unix.rs", "");
        write(dir, "src/gated.rs", "mod below;\n");
        write(dir, "src/gated/below.rs", "");
        write(dir, "src/bin/tool.rs", "");
        write(dir, "tests/it/main.rs", "mod helpers;\n");
        write(dir, "tests/it/helpers.rs", "");
        write(dir, "src/bindings/template.rs", "fn {{name}}() {}\n");
        write(dir, "src/old.rs", "");
        let doc: toml_edit::DocumentMut = "[package]\nname = \"p\"\n".parse().unwrap();
        let mut gates = Default::default();
        let got =
            files_in_trees_keeping(dir, &doc, "2021", &mut Parses::new(), &mut gates).unwrap();
        let gated = |f: &str| -> Option<Vec<String>> {
            gates.get(&dir.join(f)).map(|g| {
                g.gates
                    .iter()
                    .map(|p| p.syntax().text().to_string())
                    .collect()
            })
        };
        assert_eq!(
            gated("src/gated/below.rs"),
            Some(vec!["windows".to_string()])
        );
        assert_eq!(gated("src/a/child.rs"), Some(vec![]));
        assert!(gates[&dir.join("tests/it/main.rs")].root && !gates[&dir.join("src/a.rs")].root);
        let plain: BTreeSet<PathBuf> = gates.keys().cloned().collect();
        let rel = |set: &BTreeSet<PathBuf>| -> BTreeSet<String> {
            set.iter()
                .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
                .collect()
        };
        // What a `path`, a macro or `include!` reaches has no gates.
        let not_plain: BTreeSet<String> = rel(&got).difference(&rel(&plain)).cloned().collect();
        assert_eq!(
            not_plain,
            ["src/gen/c_impl.rs", "src/inc.rs", "src/unix.rs"]
                .into_iter()
                .map(String::from)
                .collect()
        );
        let rel = rel(&got);
        let want: BTreeSet<String> = [
            "src/lib.rs",
            "src/a.rs",
            "src/a/child.rs",
            "src/b/mod.rs",
            "src/b/under.rs",
            "src/gen/c_impl.rs",
            "src/inline/deep.rs",
            "src/inc.rs",
            "src/unix.rs",
            "src/gated.rs",
            "src/gated/below.rs",
            "src/bin/tool.rs",
            "tests/it/main.rs",
            "tests/it/helpers.rs",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(rel, want);
    }
}
