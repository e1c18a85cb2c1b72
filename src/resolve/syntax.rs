//! The syntax-level resolver: `use` trees (grouped, nested, `self`, aliases, globs), lexical
//! scopes (a `use` inside a fn body binds only there, an inline `mod` does not inherit its
//! parent's imports), items and imports that shadow a root name (a local `mod async_std`),
//! `extern crate` aliases, renamed dependencies and re-exports through the crate's own modules.

use super::{CrateContext, ExternCrateSite, FileSites, Origin, PathSite, UseLeaf};
use ra_ap_syntax::ast::{self, HasAttrs, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};
use std::collections::HashMap;
use std::path::Path;

/// Where a file sits: which crate target it belongs to and its module path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlace {
    /// Part of the package's `src/` tree (the library and main binary), where `crate::` paths
    /// reach the re-export tables.
    pub in_lib: bool,
    pub module: Vec<String>,
}

/// The module path of `file` inside its package (`src/a/b.rs` -> `a::b`).
pub fn place_of(file: &Path, package_dir: &Path) -> FilePlace {
    let rel = file.strip_prefix(package_dir).unwrap_or(file);
    let comps: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let in_lib =
        comps.first().is_some_and(|c| c == "src") && comps.get(1).is_none_or(|c| c != "bin");
    let mut module: Vec<String> = comps
        .iter()
        .skip(1)
        .map(|c| c.trim_end_matches(".rs").to_string())
        .collect();
    if in_lib {
        if matches!(
            module.last().map(String::as_str),
            Some("lib" | "main" | "mod")
        ) {
            module.pop();
        }
    } else {
        // tests/x.rs, examples/x.rs, src/bin/x.rs: each file is its own crate root; a `mod.rs`
        // below is a module of it.
        if comps.first().is_some_and(|c| c == "src") {
            module.remove(0);
        }
        if module.len() <= 1 {
            module.clear();
        } else if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
    }
    FilePlace { in_lib, module }
}

#[derive(Debug, Clone, Copy)]
enum Bind {
    Leaf(usize),
    /// A name brought in by glob leaf `n`, member `m` of its glob row in transforms/async_std_api.toml (explicit imports
    /// and items win over it).
    Glob(usize, usize),
    /// Bound to something that is not async-std (an item, or another import).
    Local,
    /// A module declared here (`mod rt;`), possibly re-exporting async-std items.
    Module,
}

/// Resolves one parsed file.
pub fn resolve_file(sf: &ast::SourceFile, place: &FilePlace, ctx: &CrateContext) -> FileSites {
    let nodes: Vec<SyntaxNode> = sf.syntax().descendants().collect();
    resolve_nodes(&nodes, place, ctx)
}

/// [`resolve_file`] over the file's nodes in preorder, when the caller has them.
pub fn resolve_nodes(nodes: &[SyntaxNode], place: &FilePlace, ctx: &CrateContext) -> FileSites {
    let mut r = Resolver {
        ctx,
        place,
        scopes: HashMap::new(),
        cfg_binds: HashMap::new(),
        sites: FileSites::default(),
    };
    r.collect_items(nodes);
    r.collect_uses(nodes);
    r.collect_paths(nodes);
    r.sites
}

struct Resolver<'a> {
    ctx: &'a CrateContext,
    place: &'a FilePlace,
    scopes: HashMap<SyntaxNode, HashMap<String, Bind>>,
    /// Imports under a cfg, per scope and name: (the cfg attributes' text, the binding). Two
    /// runtimes' imports of one name under exclusive cfgs (`#[cfg(feature = "tokio")] use
    /// tokio::net::UnixListener;` and async-std's): code under one of those cfgs means that one.
    cfg_binds: HashMap<(SyntaxNode, String), Vec<(String, Bind)>>,
    sites: FileSites,
}

/// The node whose items a `use` or item at `node` belongs to.
fn scope_of(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.parent()
}

/// The `#[cfg(..)]` attributes of a node (an item, a statement), whitespace removed, joined.
pub(crate) fn cfg_text(node: &SyntaxNode) -> String {
    node.children()
        .filter_map(ast::Attr::cast)
        .map(|a| a.syntax().text().to_string().replace([' ', '\n', '\t'], ""))
        .filter(|t| t.starts_with("#[cfg("))
        .collect::<Vec<_>>()
        .join("")
}

/// Whether code under the cfg attributes `under` (each a [`cfg_text`]) is under the cfg `own` of an
/// import: the same text, or the same `feature = ".."` conditions (`#[cfg(feature = "rt")]` code
/// under `#[cfg(all(unix, feature = "rt"))] use ..`: without the feature the name is not bound by
/// this import, with it only by this one). Negations are not read: no match.
pub(crate) fn under_own_cfg(under: &[String], own: &str) -> bool {
    if own.is_empty() {
        return false;
    }
    if under.iter().any(|c| c == own) {
        return true;
    }
    if own.contains("not(") || under.iter().any(|c| c.contains("not(")) {
        return false;
    }
    let mine = feature_atoms(own);
    let theirs: std::collections::BTreeSet<String> =
        under.iter().flat_map(|c| feature_atoms(c)).collect();
    !mine.is_empty() && mine == theirs
}

/// The features a cfg text names (`feature="x"`, spaces removed by [`cfg_text`]).
fn feature_atoms(cfg: &str) -> std::collections::BTreeSet<String> {
    cfg.match_indices("feature=\"")
        .filter_map(|(i, m)| {
            let rest = &cfg[i + m.len()..];
            rest.find('"').map(|e| rest[..e].to_string())
        })
        .collect()
}

/// Whether a module's item list has `use super::*;`.
fn globs_super(items: &SyntaxNode) -> bool {
    items.children().filter_map(ast::Use::cast).any(|u| {
        u.use_tree().is_some_and(|t| {
            t.star_token().is_some() && t.path().is_some_and(|p| p.syntax().text() == "super")
        })
    })
}

fn is_scope(node: &SyntaxNode) -> bool {
    matches!(
        node.kind(),
        SyntaxKind::SOURCE_FILE | SyntaxKind::ITEM_LIST | SyntaxKind::STMT_LIST
    )
}

/// The module path of an inline module nesting at `node`, on top of the file's.
fn inline_module_path(node: &SyntaxNode, base: &[String]) -> Vec<String> {
    let mut mods: Vec<String> = node
        .ancestors()
        .filter_map(ast::Module::cast)
        .filter_map(|m| m.name().map(|n| n.text().to_string()))
        .collect();
    mods.reverse();
    let mut out = base.to_vec();
    out.extend(mods);
    out
}

fn seg_text(seg: &ast::PathSegment) -> Option<String> {
    match seg.kind()? {
        ast::PathSegmentKind::Name(n) => Some(n.text().to_string()),
        ast::PathSegmentKind::SelfKw => Some("self".into()),
        ast::PathSegmentKind::SuperKw => Some("super".into()),
        ast::PathSegmentKind::CrateKw => Some("crate".into()),
        _ => None,
    }
}

/// The segments of a path as text, or `None` for paths with a qualified self type (`<T as X>::y`).
pub fn path_segments(path: &ast::Path) -> Option<Vec<String>> {
    path.segments().map(|s| seg_text(&s)).collect()
}

impl Resolver<'_> {
    fn bind(&mut self, scope: SyntaxNode, name: String, b: Bind) {
        let map = self.scopes.entry(scope).or_default();
        // An async-std binding wins over a Local one of the same name only if it came first; the
        // compiler rejects real duplicates, so this only matters for broken code.
        map.entry(name).or_insert(b);
    }

    fn bind_cfg(&mut self, scope: &SyntaxNode, name: &str, u: &ast::Use, b: Bind) {
        let cfg = cfg_text(u.syntax());
        if !cfg.is_empty() {
            self.cfg_binds
                .entry((scope.clone(), name.to_string()))
                .or_default()
                .push((cfg, b));
        }
    }

    fn lookup(&self, at: &SyntaxNode, name: &str) -> Option<Bind> {
        for anc in at.ancestors() {
            if is_scope(&anc) {
                // Code under the cfg of one of several cfg'd imports of the name means that one.
                if let Some(binds) = self.cfg_binds.get(&(anc.clone(), name.to_string())) {
                    if binds.len() > 1 {
                        let under: Vec<String> = at
                            .ancestors()
                            .take_while(|x| x != &anc)
                            .map(|x| cfg_text(&x))
                            .filter(|c| !c.is_empty())
                            .collect();
                        if let Some((_, b)) = binds.iter().find(|(c, _)| under.contains(c)) {
                            return Some(*b);
                        }
                        let by_features: Vec<_> = binds
                            .iter()
                            .filter(|(c, _)| under_own_cfg(&under, c))
                            .collect();
                        if let [(_, b)] = by_features.as_slice() {
                            return Some(*b);
                        }
                    }
                }
                if let Some(b) = self.scopes.get(&anc).and_then(|m| m.get(name)) {
                    return Some(*b);
                }
                if anc.kind() == SyntaxKind::SOURCE_FILE {
                    break;
                }
                if anc.kind() == SyntaxKind::ITEM_LIST
                    && anc
                        .parent()
                        .is_some_and(|p| ast::Module::can_cast(p.kind()))
                {
                    // `use super::*;` brings the parent module's names (its imports too), below
                    // the module's own.
                    if globs_super(&anc) {
                        continue;
                    }
                    break;
                }
            }
        }
        None
    }

    /// Items that bind names (they shadow root names such as a local `mod async_std`).
    fn collect_items(&mut self, nodes: &[SyntaxNode]) {
        for node in nodes.iter().cloned() {
            let name = if let Some(m) = ast::Module::cast(node.clone()) {
                m.name()
            } else if let Some(f) = ast::Fn::cast(node.clone()) {
                f.name()
            } else if let Some(s) = ast::Struct::cast(node.clone()) {
                s.name()
            } else if let Some(e) = ast::Enum::cast(node.clone()) {
                e.name()
            } else if let Some(t) = ast::Trait::cast(node.clone()) {
                t.name()
            } else if let Some(t) = ast::TypeAlias::cast(node.clone()) {
                t.name()
            } else if let Some(c) = ast::Const::cast(node.clone()) {
                c.name()
            } else if let Some(s) = ast::Static::cast(node.clone()) {
                s.name()
            } else {
                None
            };
            if let (Some(name), Some(scope)) = (name, scope_of(&node)) {
                if is_scope(&scope) {
                    let b = if ast::Module::can_cast(node.kind()) {
                        Bind::Module
                    } else {
                        Bind::Local
                    };
                    self.bind(scope, name.text().to_string(), b);
                }
            }
            if let Some(ec) = ast::ExternCrate::cast(node.clone()) {
                self.extern_crate(ec);
            }
        }
    }

    fn extern_crate(&mut self, ec: ast::ExternCrate) {
        let Some(name) = ec.name_ref().map(|n| n.text().to_string()) else {
            return;
        };
        if name != "async_std" && !self.ctx.roots.contains(&name) {
            return;
        }
        let alias = ec
            .rename()
            .and_then(|r| r.name())
            .map(|n| n.text().to_string());
        let macro_use = ec
            .attrs()
            .any(|a| a.path().is_some_and(|p| p.syntax().text() == "macro_use"));
        self.sites.extern_crates.push(ExternCrateSite {
            item: ec,
            alias,
            macro_use,
        });
    }

    fn is_root(&self, name: &str) -> bool {
        name == "async_std"
            || self.ctx.roots.contains(name)
            || self
                .sites
                .extern_crates
                .iter()
                .any(|e| e.alias.as_deref() == Some(name))
    }

    /// The canonical async-std path of a path that starts with `segs`, as seen from `at`, and how
    /// it got there. `in_use`: the path is a `use` path.
    fn resolve_segments(
        &self,
        at: &SyntaxNode,
        segs: &[String],
        leading_colons: bool,
    ) -> Option<(Vec<String>, Origin)> {
        let first = segs.first()?.as_str();
        let module = inline_module_path(at, &self.place.module);
        match first {
            "crate" if self.place.in_lib => {
                return Some((self.ctx.reexport(&segs[1..])?, Origin::ReExport));
            }
            "self" | "super" if self.place.in_lib => {
                let mut base = module.clone();
                let mut i = 0;
                while segs.get(i).is_some_and(|s| s == "super" || s == "self") {
                    if segs[i] == "super" {
                        base.pop();
                    }
                    i += 1;
                }
                base.extend(segs[i..].iter().cloned());
                return Some((self.ctx.reexport(&base)?, Origin::ReExport));
            }
            _ => {}
        }
        if !leading_colons {
            match self.lookup(at, first) {
                Some(Bind::Leaf(i)) => {
                    let leaf = &self.sites.leaves[i];
                    let mut canon = leaf.canon.clone();
                    canon.extend(segs[1..].iter().cloned());
                    let origin = if leaf.via_reexport {
                        Origin::ReExport
                    } else {
                        Origin::Binding(i)
                    };
                    return Some((canon, origin));
                }
                Some(Bind::Glob(i, m)) => {
                    let canon_text = self.sites.leaves[i].canon.join("::");
                    let members = super::glob_members(&canon_text)?;
                    let mut canon = crate::rules::segments(&members[m].1);
                    let offset = canon.len() - 1;
                    canon.extend(segs[1..].iter().cloned());
                    return Some((canon, Origin::Glob { leaf: i, offset }));
                }
                Some(Bind::Local) => return None,
                // The crate's own module: async-std only through its re-exports.
                Some(Bind::Module) if self.place.in_lib => {
                    let mut full = module.clone();
                    full.extend(segs.iter().cloned());
                    return Some((self.ctx.reexport(&full)?, Origin::ReExport));
                }
                Some(Bind::Module) => return None,
                None => {}
            }
        }
        if self.is_root(first) {
            let mut canon = vec!["async_std".to_string()];
            canon.extend(segs[1..].iter().cloned());
            return Some((canon, Origin::Root));
        }
        if self.ctx.lib_name.as_deref() == Some(first) {
            return Some((self.ctx.reexport(&segs[1..])?, Origin::ReExport));
        }
        if self.place.in_lib && !leading_colons {
            let mut child = module.clone();
            child.push(first.to_string());
            if self.ctx.has_reexports_under(&child) {
                let mut full = module;
                full.extend(segs.iter().cloned());
                return Some((self.ctx.reexport(&full)?, Origin::ReExport));
            }
        }
        None
    }

    fn collect_uses(&mut self, nodes: &[SyntaxNode]) {
        let uses: Vec<ast::Use> = nodes.iter().cloned().filter_map(ast::Use::cast).collect();
        for u in uses {
            let Some(tree) = u.use_tree() else { continue };
            let Some(scope) = scope_of(u.syntax()).filter(is_scope) else {
                continue;
            };
            let mut leaves = Vec::new();
            flatten(&tree, &[], false, &mut leaves);
            let mut any_async = false;
            let mut any_other = false;
            let first_leaf = self.sites.leaves.len();
            for (leaf_tree, segs, glob, leading) in leaves {
                let alias = leaf_tree.rename().map(|r| {
                    r.name()
                        .map(|n| n.text().to_string())
                        .unwrap_or_else(|| "_".to_string())
                });
                let mut segs = segs;
                let self_leaf = segs.last().is_some_and(|s| s == "self");
                if self_leaf {
                    segs.pop();
                }
                let local = match &alias {
                    Some(a) if a == "_" => None,
                    Some(a) => Some(a.clone()),
                    None if glob => None,
                    None => segs.last().cloned(),
                };
                match self.resolve_segments(u.syntax(), &segs, leading) {
                    Some((canon, origin)) if canon.first().is_some_and(|c| c == "async_std") => {
                        any_async = true;
                        let via_reexport = origin == Origin::ReExport;
                        let idx = self.sites.leaves.len();
                        self.sites.leaves.push(UseLeaf {
                            use_item: u.clone(),
                            tree: leaf_tree,
                            canon,
                            glob,
                            local: local.clone(),
                            alias,
                            via_reexport,
                            written: segs.clone(),
                        });
                        if let Some(l) = local {
                            self.bind_cfg(&scope, &l, &u, Bind::Leaf(idx));
                            self.bind(scope.clone(), l, Bind::Leaf(idx));
                        }
                    }
                    _ => {
                        any_other = true;
                        if let Some(l) = local {
                            self.bind_cfg(&scope, &l, &u, Bind::Local);
                            self.bind(scope.clone(), l, Bind::Local);
                        }
                    }
                }
            }
            if any_async && any_other {
                // `use {async_std::task, std::fs};`: not regenerated, reported instead.
                let all_reexport = self.sites.leaves[first_leaf..]
                    .iter()
                    .all(|l| l.via_reexport);
                if !all_reexport {
                    self.sites.mixed_uses.push(u.clone());
                }
            }
        }
        // Names that globs bring in, after every explicit binding (which win).
        for (i, leaf) in self.sites.leaves.clone().into_iter().enumerate() {
            if !leaf.glob || leaf.via_reexport {
                continue;
            }
            let canon = leaf.canon.join("::");
            let Some(members) = super::glob_members(&canon) else {
                continue;
            };
            let Some(scope) = scope_of(leaf.use_item.syntax()).filter(is_scope) else {
                continue;
            };
            for (m, (name, _)) in members.iter().enumerate() {
                self.bind(scope.clone(), name.to_string(), Bind::Glob(i, m));
            }
        }
    }

    fn collect_paths(&mut self, nodes: &[SyntaxNode]) {
        // A path can only reach async-std through a name some scope binds, a root name, or the
        // crate's own paths: every other path (`String`, `x`, `Vec::new`) is skipped at once.
        let mut interesting: std::collections::HashSet<String> = self
            .scopes
            .values()
            .flat_map(|m| m.keys().cloned())
            .collect();
        interesting.extend(self.ctx.roots.iter().cloned());
        interesting.extend(self.ctx.lib_name.iter().cloned());
        for k in ["crate", "self", "super", "async_std"] {
            interesting.insert(k.to_string());
        }
        // `extern crate async_std as rt;` binds `rt` outside the scope maps.
        for e in &self.sites.extern_crates {
            interesting.extend(e.alias.iter().cloned());
        }
        let root = nodes.first().cloned();
        for e in root
            .iter()
            .flat_map(|r| r.children())
            .filter_map(ast::ExternCrate::cast)
        {
            if let Some(r) = e.rename().and_then(|r| r.name()) {
                interesting.insert(r.text().to_string());
            }
        }
        for node in nodes.iter().cloned() {
            let Some(path) = ast::Path::cast(node.clone()) else {
                continue;
            };
            if node.parent().is_some_and(|p| ast::Path::can_cast(p.kind())) {
                continue; // not the outermost
            }
            let first = path
                .first_segment()
                .and_then(|s| seg_text(&s))
                .unwrap_or_default();
            if !interesting.contains(&first) {
                continue;
            }
            if node
                .ancestors()
                .any(|a| ast::Use::can_cast(a.kind()) || ast::ExternCrate::can_cast(a.kind()))
            {
                continue;
            }
            if node.ancestors().any(|a| a.kind() == SyntaxKind::VISIBILITY) {
                continue;
            }
            let Some(segs) = path_segments(&path) else {
                continue;
            };
            // A local variable shadows an imported function of the same name (`let stdin = ..;
            // stdin.lines()`).
            if segs.len() == 1
                && node
                    .parent()
                    .is_some_and(|p| p.kind() == SyntaxKind::PATH_EXPR)
                && shadowed_by_local(&node, &segs[0])
            {
                continue;
            }
            let leading = path
                .first_segment()
                .and_then(|s| s.coloncolon_token())
                .is_some();
            let Some((canon, origin)) = self.resolve_segments(&node, &segs, leading) else {
                continue;
            };
            if canon.first().is_none_or(|c| c != "async_std") {
                continue;
            }
            // A bare root (`async_std` alone) is only a path in macros; nothing to map.
            if canon.len() < 2 {
                continue;
            }
            let in_attr = node.ancestors().any(|a| ast::Attr::can_cast(a.kind()));
            self.sites.paths.push(PathSite {
                path,
                canon,
                origin,
                in_attr,
            });
        }
    }
}

/// Whether a `let`, parameter or pattern binding named `name` is in scope at `at`.
fn shadowed_by_local(at: &SyntaxNode, name: &str) -> bool {
    let binds = |pat: Option<ast::Pat>| {
        pat.is_some_and(|p| {
            p.syntax()
                .descendants()
                .filter_map(ast::IdentPat::cast)
                .any(|ip| ip.name().is_some_and(|n| n.text() == name))
        })
    };
    let pos = at.text_range().start();
    for anc in at.ancestors() {
        match anc.kind() {
            SyntaxKind::STMT_LIST => {
                for stmt in anc.children().filter_map(ast::LetStmt::cast) {
                    if stmt.syntax().text_range().end() <= pos && binds(stmt.pat()) {
                        return true;
                    }
                }
            }
            SyntaxKind::FN => {
                if let Some(list) = ast::Fn::cast(anc.clone()).and_then(|f| f.param_list()) {
                    if list.params().any(|p| binds(p.pat())) {
                        return true;
                    }
                }
                return false;
            }
            SyntaxKind::CLOSURE_EXPR => {
                if let Some(list) = ast::ClosureExpr::cast(anc.clone()).and_then(|c| c.param_list())
                {
                    if list.params().any(|p| binds(p.pat())) {
                        return true;
                    }
                }
            }
            SyntaxKind::MATCH_ARM => {
                if binds(ast::MatchArm::cast(anc.clone()).and_then(|a| a.pat())) {
                    return true;
                }
            }
            SyntaxKind::FOR_EXPR => {
                if binds(ast::ForExpr::cast(anc.clone()).and_then(|f| f.pat())) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Flattens a use tree into leaves: (leaf tree, full segments, is glob, leading `::`).
pub fn flatten(
    tree: &ast::UseTree,
    prefix: &[String],
    leading: bool,
    out: &mut Vec<(ast::UseTree, Vec<String>, bool, bool)>,
) {
    let mut segs = prefix.to_vec();
    let mut leading = leading;
    if let Some(p) = tree.path() {
        if prefix.is_empty()
            && p.first_segment()
                .and_then(|s| s.coloncolon_token())
                .is_some()
        {
            leading = true;
        }
        match path_segments(&p) {
            Some(s) => segs.extend(s),
            None => return,
        }
    }
    if let Some(list) = tree.use_tree_list() {
        for sub in list.use_trees() {
            flatten(&sub, &segs, leading, out);
        }
    } else if tree.star_token().is_some() {
        out.push((tree.clone(), segs, true, leading));
    } else {
        out.push((tree.clone(), segs, false, leading));
    }
}

/// Whether the file spawns tasks on async-std's executor.
pub fn spawns(sites: &FileSites) -> bool {
    sites
        .paths
        .iter()
        .any(|p| p.canon.join("::") == "async_std::task::spawn")
}

/// The crate pre-pass over one file: its `pub use` re-exports of async-std items, and the
/// functions that return an async-std `JoinHandle`.
/// Records what other files need to know of this one (re-exports, spawns, handle-returning fns)
/// and returns its sites as resolved without the crate's re-exports.
pub fn collect_crate_facts(
    nodes: &[SyntaxNode],
    place: &FilePlace,
    ctx: &mut CrateContext,
) -> FileSites {
    let empty = CrateContext {
        roots: ctx.roots.clone(),
        lib_name: None,
        ..Default::default()
    };
    let sites = resolve_nodes(nodes, place, &empty);
    for leaf in &sites.leaves {
        let is_pub = leaf.use_item.visibility().is_some();
        // A name another runtime's import binds too (under another cfg) is used by code written
        // for both: its callers are not async-std's (the name itself is migrated where it is
        // imported).
        if !is_pub || !place.in_lib || super::cfg_regions::cfg_shared(leaf, &sites) {
            continue;
        }
        let module = inline_module_path(leaf.use_item.syntax(), &place.module);
        if leaf.glob {
            ctx.glob_reexports.insert(module, leaf.canon.clone());
        } else if let Some(local) = &leaf.local {
            let mut key = module;
            key.push(local.clone());
            ctx.reexports.insert(key, leaf.canon.clone());
        }
    }
    if place.in_lib && spawns(&sites) {
        ctx.uses_spawn = true;
    }
    if place.in_lib && !super::runtime_bound_sites(&sites, ctx.local_spawn, false).is_empty() {
        ctx.runtime_bound = true;
    }
    for f in nodes.iter().cloned().filter_map(ast::Fn::cast) {
        let Some(ty) = f.ret_type().and_then(|r| r.ty()) else {
            continue;
        };
        let tr = ty.syntax().text_range();
        let returns_handle = sites.paths.iter().any(|p| {
            tr.contains_range(p.path.syntax().text_range())
                && p.canon.join("::") == "async_std::task::JoinHandle"
        });
        if returns_handle {
            if let Some(n) = f.name() {
                ctx.handle_returning_fns.insert(n.text().to_string());
            }
        }
    }
    for f in nodes.iter().cloned().filter_map(ast::Fn::cast) {
        let (Some(name), Some(params)) = (f.name(), f.param_list()) else {
            continue;
        };
        for (i, p) in params.params().enumerate() {
            let Some(ty) = p.ty() else { continue };
            if !ty.syntax().text().to_string().contains("Into<") {
                continue;
            }
            // A parameter that takes `impl TryInto<..>` once migrated takes std sockets as it is.
            if ty
                .syntax()
                .descendants()
                .filter_map(ast::PathSegment::cast)
                .filter(|s| s.name_ref().is_some_and(|n| n.text() == "Into"))
                .any(|s| crate::handlers::socket_from::try_into_param(&s).is_some())
            {
                continue;
            }
            let tr = ty.syntax().text_range();
            for site in sites.paths.iter() {
                let canon = site.canon.join("::");
                if tr.contains_range(site.path.syntax().text_range())
                    && (canon.starts_with("async_std::net::")
                        || canon.starts_with("async_std::os::unix::net::"))
                {
                    ctx.into_socket_params
                        .entry(name.text().to_string())
                        .or_default()
                        .push((i, canon));
                }
            }
        }
    }
    sites
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn sites(src: &str) -> FileSites {
        let sf = SourceFile::parse(src, Edition::Edition2021).tree();
        let ctx = CrateContext {
            roots: ["async_std".to_string()].into(),
            ..Default::default()
        };
        resolve_file(
            &sf,
            &FilePlace {
                in_lib: true,
                module: vec![],
            },
            &ctx,
        )
    }

    fn canons(s: &FileSites) -> Vec<String> {
        s.paths.iter().map(|p| p.canon.join("::")).collect()
    }

    #[test]
    fn grouped_nested_self_and_alias() {
        let s = sites("use async_std::{io::{self, prelude::*}, task as t, net::TcpStream};\nfn f() { t::spawn(x); io::stdin(); TcpStream::connect(a); }");
        let leaves: Vec<String> = s
            .leaves
            .iter()
            .map(|l| format!("{}{}", l.canon.join("::"), if l.glob { "::*" } else { "" }))
            .collect();
        assert_eq!(
            leaves,
            [
                "async_std::io",
                "async_std::io::prelude::*",
                "async_std::task",
                "async_std::net::TcpStream"
            ]
        );
        assert_eq!(
            canons(&s),
            [
                "async_std::task::spawn",
                "async_std::io::stdin",
                "async_std::net::TcpStream::connect"
            ]
        );
    }

    #[test]
    fn a_local_module_named_task_or_async_std_is_not_touched() {
        let s = sites("mod task { pub fn spawn() {} }\nmod async_std { pub fn f() {} }\nfn g() { task::spawn(); async_std::f(); }");
        assert!(s.paths.is_empty(), "{:?}", canons(&s));
    }

    #[test]
    fn a_use_in_a_fn_body_binds_only_there() {
        let s = sites("fn a() { use async_std::fs::File; File::open(p); }\nfn b() { use std::fs::File; File::open(p); }");
        assert_eq!(canons(&s), ["async_std::fs::File::open"]);
    }

    #[test]
    fn extern_crate_alias() {
        let s = sites("extern crate async_std as rt;\nfn f() { rt::task::block_on(x); }");
        assert_eq!(canons(&s), ["async_std::task::block_on"]);
        assert_eq!(s.extern_crates[0].alias.as_deref(), Some("rt"));
    }

    #[test]
    fn attributes_are_sites() {
        let s = sites("#[async_std::main]\nasync fn main() {}");
        assert!(s.paths[0].in_attr);
    }

    #[test]
    fn places() {
        let d = Path::new("/p");
        assert_eq!(
            place_of(Path::new("/p/src/lib.rs"), d),
            FilePlace {
                in_lib: true,
                module: vec![]
            }
        );
        assert_eq!(place_of(Path::new("/p/src/a/mod.rs"), d).module, ["a"]);
        assert_eq!(place_of(Path::new("/p/src/a/b.rs"), d).module, ["a", "b"]);
        assert_eq!(
            place_of(Path::new("/p/tests/t.rs"), d),
            FilePlace {
                in_lib: false,
                module: vec![]
            }
        );
        assert_eq!(
            place_of(Path::new("/p/tests/common/mod.rs"), d),
            FilePlace {
                in_lib: false,
                module: vec!["common".into()]
            }
        );
    }
}
