//! Rewriting one file: the resolved sites are mapped through the catalogue, handlers add their
//! structural edits, `use` items are regenerated, and the edits are applied together. The result
//! is re-parsed (no new syntax errors) and re-resolved (what async-std is left must have been
//! reported).

pub mod doctests;
pub mod edit;
pub mod features;
pub mod imports;
pub mod macros;
pub mod reparse;
mod shared;

use crate::handlers::{self, Flow};
use crate::report::RawFinding;
use crate::resolve::{self, CrateContext, FileSites, Oracle, Origin};
use crate::rules::{Catalogue, Mapped};
use edit::EditSet;
use ra_ap_syntax::ast::{self, HasGenericArgs};
use ra_ap_syntax::{AstNode, Edition, SourceFile};
use std::collections::BTreeSet;

/// The read-only context handlers work in.
pub struct Ctx<'a> {
    pub src: &'a str,
    pub sf: &'a ast::SourceFile,
    pub sites: &'a FileSites,
    pub cat: &'a Catalogue,
    pub oracle: &'a dyn Oracle,
    pub krate: &'a CrateContext,
    /// The package's edition (`"2021"`).
    pub edition: &'a str,
    /// The file belongs to the package's `src/` tree (library and main binary).
    pub in_lib: bool,
    /// `--to threads`: the crate facts the conversion needs (`None` when migrating to smol).
    pub threads: Option<&'a crate::threads::Plan>,
    /// Every node of `sf` in preorder, collected on first use: the passes iterate this instead of
    /// walking the tree again (a walk allocates a cursor per node).
    pub nodes: std::cell::OnceCell<Vec<ra_ap_syntax::SyntaxNode>>,
}

impl Ctx<'_> {
    /// Every node of the file, in preorder.
    pub fn nodes(&self) -> &[ra_ap_syntax::SyntaxNode] {
        self.nodes
            .get_or_init(|| self.sf.syntax().descendants().collect())
    }

    /// A node's text, read from the source (no walk of the node's tokens, no allocation). The
    /// tree is the shadow tree: inside macro arguments the source has `!` where it has a space.
    pub fn text_of(&self, n: &ra_ap_syntax::SyntaxNode) -> &str {
        let r = n.text_range();
        self.src
            .get(usize::from(r.start())..usize::from(r.end()))
            .unwrap_or("")
    }
}

/// The accumulator: edits and findings, plus trait imports the new code needs.
#[derive(Default)]
pub struct Acc {
    pub edits: EditSet,
    pub findings: Vec<RawFinding>,
    /// Traits (full paths) that must be in scope for rewritten method calls.
    pub traits: BTreeSet<String>,
    /// Sites migrated without an edit of their own (an import regenerated under its new path
    /// covers them), counted under their rule.
    pub credits: Vec<String>,
}

/// What became of one file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub new_text: Option<String>,
    pub counts: Vec<(String, usize)>,
    pub findings: Vec<RawFinding>,
    /// The file (after the rewrite) names smol.
    pub needs_smol: bool,
    /// The file (after the rewrite) still refers to async-std.
    pub keeps_async_std: bool,
    /// The file had syntax errors and was not rewritten.
    pub skipped_for_syntax: Option<String>,
}

/// A parsed file: its tree and what the lexer and the parser reported.
///
/// Not rust-analyzer's `Parse`: that one runs its validation pass (a walk of the whole tree
/// for what the compiler reports anyway: misplaced `crate` in paths, literal escapes, ...)
/// each time its errors are asked for, and hands its trees to a dropper thread. The tool only
/// needs to know whether a text parses.
pub struct FileParse {
    tree: SourceFile,
    errors: Vec<ra_ap_syntax::SyntaxError>,
}

impl FileParse {
    pub fn tree(&self) -> SourceFile {
        self.tree.clone()
    }

    /// The lexer's and the parser's errors, in that order.
    pub fn errors(&self) -> &[ra_ap_syntax::SyntaxError] {
        &self.errors
    }
}

pub fn parse(text: &str, edition: &str) -> FileParse {
    parse_in(text, edition_of(edition))
}

/// rust-analyzer's own steps (ra_ap_syntax::parsing::parse_text), without its validation.
pub fn parse_in(text: &str, edition: Edition) -> FileParse {
    use ra_ap_parser::StrStep;
    use ra_ap_syntax::{SyntaxError, TextRange, TextSize};
    let lexed = ra_ap_parser::LexedStr::new(edition, text);
    let input = lexed.to_input(edition);
    let output = ra_ap_parser::TopEntryPoint::SourceFile.parse(&input);
    let mut builder = ra_ap_syntax::SyntaxTreeBuilder::default();
    let mut errors = Vec::new();
    for (i, err) in lexed.errors() {
        let r = lexed.text_range(i);
        errors.push(SyntaxError::new(
            err,
            TextRange::new(TextSize::from(r.start as u32), TextSize::from(r.end as u32)),
        ));
    }
    lexed.intersperse_trivia(&output, &mut |step| match step {
        StrStep::Token { kind, text } => builder.token(kind, text),
        StrStep::Enter { kind } => builder.start_node(kind),
        StrStep::Exit => builder.finish_node(),
        StrStep::Error { msg, pos } => {
            errors.push(SyntaxError::new_at_offset(msg, TextSize::from(pos as u32)))
        }
    });
    let root = builder.finish().syntax_node();
    FileParse {
        tree: SourceFile::cast(root).expect("a source file parse gives a SOURCE_FILE"),
        errors,
    }
}

/// The parser's edition for a manifest's `edition` value.
pub fn edition_of(edition: &str) -> Edition {
    match edition {
        "2015" => Edition::Edition2015,
        "2018" => Edition::Edition2018,
        "2024" => Edition::Edition2024,
        _ => Edition::Edition2021,
    }
}

/// How a usage through a `use` binding is to be written.
#[derive(Debug, Clone)]
enum Usage {
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

struct LeafState {
    plan: LeafPlan,
    /// New local name of an item whose name changes (`Read` -> `AsyncRead`).
    rename: Option<String>,
    keep_original: bool,
    usages: Vec<(usize, Usage)>,
    /// Names a migrated glob brought in that stay async-std's (`task_local` from the prelude):
    /// imported explicitly beside the new glob.
    extra: Vec<String>,
    /// The name is also bound, under another cfg, by another runtime's import (see
    /// [`shared::cfg_shared`]): its usages compile against both and are not touched.
    shared: bool,
}

/// A site left in place needs the import it came through.
fn keep_for(site: &resolve::PathSite, sites: &FileSites, states: &mut [LeafState]) {
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

/// Migrates one file's text. `sf` must be the parse of `text`.
pub fn migrate_file(
    text: &str,
    sf: &ast::SourceFile,
    sites: &FileSites,
    ctx_in: FileCtx<'_>,
) -> FileOutcome {
    let ctx = Ctx {
        src: text,
        sf,
        sites,
        cat: ctx_in.cat,
        oracle: ctx_in.oracle,
        krate: ctx_in.krate,
        edition: ctx_in.edition,
        in_lib: ctx_in.in_lib,
        threads: ctx_in.threads,
        nodes: ctx_in
            .nodes
            .map(|n| std::cell::OnceCell::from(n.to_vec()))
            .unwrap_or_default(),
    };
    let mut acc = Acc::default();

    for u in &sites.mixed_uses {
        acc.findings.push(RawFinding::not_migrated(
            u.syntax().text_range().start().into(),
            "use-mixed-tree",
            "a `use` tree mixes async-std with other crates",
            "split it into one `use` per crate and run the tool again",
        ));
    }

    let mut states: Vec<LeafState> = sites
        .leaves
        .iter()
        .map(|l| plan_leaf(l, &ctx, &mut acc))
        .collect();

    for (si, site) in sites.paths.iter().enumerate() {
        // A name shared with another runtime: its code stays as written (the import or shim
        // under the cfg gives the name its smol meaning).
        if let Origin::Binding(i) = site.origin {
            if states[i].shared {
                if states[i].plan == LeafPlan::Keep {
                    states[i].keep_original = true;
                } else {
                    states[i].usages.push((
                        si,
                        Usage::Relies {
                            rename: None,
                            fq: None,
                        },
                    ));
                }
                continue;
            }
        }
        let m = ctx.cat.lookup(&site.canon);
        // Through the crate's own re-export, the re-exported item (an import, or a shim with
        // async-std's signature) is migrated where it is defined; only handlers about the value a
        // call returns (a task handle to detach, a file to flush) still apply at the call.
        let handler = m.as_ref().and_then(|m| m.rule.handler.clone()).filter(|h| {
            site.origin != Origin::ReExport
                || matches!(h.as_str(), "detach-dropped-handle" | "file-flush-on-drop")
        });
        if let Some(h) = handler {
            acc.edits
                .set_anchor(Some(site.path.syntax().text_range().start().into()));
            let flow = handlers::on_path(&h, site, m.as_ref().unwrap(), &ctx, &mut acc);
            acc.edits.set_anchor(None);
            match flow {
                Flow::Done => {
                    if let (Some(_), Origin::Binding(i)) = (ctx.threads, &site.origin) {
                        states[*i].usages.push((si, Usage::Gone));
                    }
                    continue;
                }
                Flow::Continue => {}
            }
        }
        if site.origin == Origin::ReExport {
            continue;
        }
        let Some(m) = m else {
            acc.findings.push(RawFinding::unknown_item(
                site.path.syntax().text_range().start().into(),
                &site.canon,
            ));
            keep_for(site, sites, &mut states);
            continue;
        };
        // A use of an item whose mapping keeps a behaviour difference (in code, not imports).
        if let (Some(review), false) = (&m.rule.review, site.in_attr) {
            if m.rule.from.len() == site.canon.len() {
                acc.findings.push(RawFinding::review(
                    site.path.syntax().text_range().start().into(),
                    &m.rule.id,
                    format!("`{}` behaves differently on smol", site.canon.join("::")),
                    review.clone(),
                ));
            }
        }
        let Some(new_path) = m.path.clone() else {
            acc.findings.push(RawFinding::not_migrated(
                site.path.syntax().text_range().start().into(),
                &m.rule.id,
                format!("`{}` has no smol equivalent", site.canon.join("::")),
                advice(&m),
            ));
            keep_for(site, sites, &mut states);
            continue;
        };
        match site.origin {
            Origin::Root => match fq_edit(site, &m, 0) {
                Some(e) => acc.edits.replace(e.0, e.1, &m.rule.id),
                None => generic_args_finding(site, &mut acc),
            },
            Origin::Binding(i) => {
                let leaf = &sites.leaves[i];
                let offset = leaf.canon.len() - 1;
                let fq = fq_edit(site, &m, offset);
                let usage = match &states[i].plan {
                    LeafPlan::Import(p) if !leaf.glob => {
                        let mut expected = p.clone();
                        for s in &site.canon[leaf.canon.len()..] {
                            expected.push_str("::");
                            expected.push_str(s);
                        }
                        if expected == new_path {
                            let rename = states[i].rename.as_ref().and_then(|n| {
                                let seg = site.path.first_segment()?.name_ref()?;
                                Some((range(seg.syntax()), n.clone()))
                            });
                            Usage::Relies { rename, fq }
                        } else {
                            match fq {
                                Some(e) => Usage::Fq(e),
                                None => {
                                    generic_args_finding(site, &mut acc);
                                    states[i].keep_original = true;
                                    continue;
                                }
                            }
                        }
                    }
                    _ => match fq {
                        Some(e) => Usage::Fq(e),
                        None => {
                            generic_args_finding(site, &mut acc);
                            states[i].keep_original = true;
                            continue;
                        }
                    },
                };
                states[i].usages.push((si, usage));
            }
            Origin::Glob { leaf: i, offset } => {
                // Covered by the new glob (`smol::prelude::*` still has `Future`), or written in full.
                let new_glob = match &states[i].plan {
                    LeafPlan::Import(p) => p.strip_suffix("::*").map(str::to_string),
                    _ => None,
                };
                let covered = new_glob.is_some_and(|g| {
                    let rest: Vec<&str> = site.canon[offset..].iter().map(String::as_str).collect();
                    format!("{g}::{}", rest.join("::")) == new_path
                });
                if covered {
                    acc.credits.push(m.rule.id.clone());
                } else {
                    match fq_edit(site, &m, offset) {
                        Some(e) => acc.edits.replace(e.0, e.1, &m.rule.id),
                        None => generic_args_finding(site, &mut acc),
                    }
                }
            }
            Origin::ReExport => {}
        }
    }

    // Leaves and their usages, now that every usage is known.
    for (i, st) in states.iter().enumerate() {
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
        let _ = i;
    }
    // Names a `use` binds, written in `macro_rules!` bodies (`task::spawn(..)`): rewritten in
    // full where that is safe, else reported with the import kept.
    for (leaf, ok) in macros::bound_paths(&ctx, &mut acc) {
        if !ok {
            states[leaf].keep_original = true;
        }
    }
    imports::regenerate(&ctx, &states_view(&states, sites), &mut acc);
    extern_crates(&ctx, &states, &mut acc);
    macros::token_paths(&ctx, &mut acc);
    handlers::file_passes(&ctx, &mut acc);

    finish(text, sf, acc, &ctx)
}

/// The inputs of [`migrate_file`] besides the text and its sites.
#[derive(Clone, Copy)]
pub struct FileCtx<'a> {
    pub cat: &'a Catalogue,
    pub oracle: &'a dyn Oracle,
    pub krate: &'a CrateContext,
    pub edition: &'a str,
    pub in_lib: bool,
    pub threads: Option<&'a crate::threads::Plan>,
    /// The nodes of `sf` in preorder when the caller has them already.
    pub nodes: Option<&'a [ra_ap_syntax::SyntaxNode]>,
}

/// Traits whose smol counterpart has no public method (`AsyncToSocketAddrs` resolves through
/// `smol::net::resolve`): their import is needed only where the name is written.
const PATH_ONLY_TRAITS: &[&str] = &["async_std::net::ToSocketAddrs"];

fn path_only(leaf: &resolve::UseLeaf) -> bool {
    !leaf.glob && PATH_ONLY_TRAITS.contains(&leaf.canon.join("::").as_str())
}

fn states_view(states: &[LeafState], sites: &FileSites) -> Vec<imports::LeafDecision> {
    states
        .iter()
        .zip(&sites.leaves)
        .map(|(s, leaf)| imports::LeafDecision {
            plan: s.plan.clone(),
            keep_original: s.keep_original,
            extra: s.extra.clone(),
            // Only a module, or a trait that has no methods to bring, can go when every
            // usage was written out (an item imported for its methods must stay).
            needed: !(resolve::is_module(&leaf.canon) || path_only(leaf))
                || (s.usages.is_empty() && !path_only(leaf))
                || s.usages
                    .iter()
                    .any(|(_, u)| matches!(u, Usage::Relies { .. })),
        })
        .collect()
}

fn plan_leaf(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>, acc: &mut Acc) -> LeafState {
    let mut st = plan_leaf_inner(leaf, ctx, acc);
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
                    "reexport-no-equivalent",
                    format!("the public re-export of `{}` has no importable smol equivalent", leaf.canon.join("::")),
                    "define the item the crate exports by hand (a fn or module of your own), then run again",
                ));
                st.plan = LeafPlan::Keep;
            }
        }
    }
    st
}

/// The methods of smol's io extension traits: a glob that becomes `{AsyncReadExt as _, ..}`
/// imports only the traits whose methods the file calls (an unused import is a warning, and an
/// error under `deny(warnings)`, which doctests often set).
const EXT_METHODS: &[(&str, &[&str])] = &[
    (
        "AsyncBufReadExt",
        &[
            "fill_buf",
            "consume",
            "read_until",
            "read_line",
            "lines",
            "split",
        ],
    ),
    (
        "AsyncReadExt",
        &[
            "read",
            "read_vectored",
            "read_to_end",
            "read_to_string",
            "read_exact",
            "take",
            "bytes",
            "chain",
            "boxed_reader",
        ],
    ),
    ("AsyncSeekExt", &["seek"]),
    (
        "AsyncWriteExt",
        &[
            "write",
            "write_vectored",
            "write_all",
            "flush",
            "close",
            "boxed_writer",
        ],
    ),
];

/// Whether the text calls a method of this name (`.name(`, spaces allowed): read from the text,
/// so that calls inside macro arguments the tree does not show (`select! { .. }`) count.
fn method_called(src: &str, name: &str) -> bool {
    let pat = format!(".{name}");
    src.match_indices(&pat).any(|(i, _)| {
        let rest = &src[i + pat.len()..];
        let next_is_ident = rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        !next_is_ident && (rest.trim_start().starts_with('(') || rest.starts_with("::<"))
    })
}

/// `smol::io::{A as _, B as _}` narrowed to the traits the file's method calls need; `None` when
/// the path is not such a list of extension traits.
pub(crate) fn used_traits_only(p: &str, ctx: &Ctx<'_>) -> Option<String> {
    let (module, rest) = p.split_once("::{")?;
    let members: Vec<&str> = rest.strip_suffix('}')?.split(", ").collect();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m.strip_suffix(" as _"))
        .collect::<Option<_>>()?;
    let methods: Vec<&[&str]> = names
        .iter()
        .map(|n| EXT_METHODS.iter().find(|(t, _)| t == n).map(|(_, m)| *m))
        .collect::<Option<_>>()?;
    let kept: Vec<&str> = members
        .iter()
        .zip(&methods)
        .filter(|(_, ms)| ms.iter().any(|m| method_called(ctx.src, m)))
        .map(|(m, _)| *m)
        .collect();
    Some(match kept.as_slice() {
        [] => String::new(),
        [one] => format!("{module}::{one}"),
        _ => format!("{module}::{{{}}}", kept.join(", ")),
    })
}

/// smol's prelude, written out: (path from `smol::`, name); the `as _` members are not
/// importable from the prelude by name, so they are named where they are defined.
const SMOL_PRELUDE: &[(&str, &str)] = &[
    ("prelude::Future", "Future"),
    ("prelude::Stream", "Stream"),
    ("prelude::AsyncBufRead", "AsyncBufRead"),
    ("prelude::AsyncRead", "AsyncRead"),
    ("prelude::AsyncSeek", "AsyncSeek"),
    ("prelude::AsyncWrite", "AsyncWrite"),
    ("future::FutureExt as _", "FutureExt"),
    ("stream::StreamExt as _", "StreamExt"),
    ("io::AsyncBufReadExt as _", "AsyncBufReadExt"),
    ("io::AsyncReadExt as _", "AsyncReadExt"),
    ("io::AsyncSeekExt as _", "AsyncSeekExt"),
    ("io::AsyncWriteExt as _", "AsyncWriteExt"),
];

/// async-std's prelude brought `StreamExt` and `FutureExt` by name, so a file that imports
/// another crate's trait of that name (`use futures::StreamExt;`) shadowed them; smol's prelude
/// brings them as `_`, which nothing shadows, and `.next()` would become ambiguous. For such a
/// file the prelude is imported member by member without them.
fn prelude_without_shadowed(leaf: &resolve::UseLeaf, ctx: &Ctx<'_>) -> Option<String> {
    let scope = leaf.use_item.syntax().parent()?;
    let ours = |u: &ast::Use| ctx.sites.leaves.iter().any(|l| l.use_item == *u);
    let mut named = BTreeSet::new();
    for u in scope.children().filter_map(ast::Use::cast) {
        if ours(&u) {
            continue;
        }
        named.extend(resolve::cfg_regions::bound_names(&u));
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
            "FutureExt" => ["or", "race", "catch_unwind", "boxed", "boxed_local"]
                .iter()
                .any(|m| method_called(ctx.src, m)),
            "StreamExt" => true,
            _ => EXT_METHODS
                .iter()
                .find(|(t, _)| *t == name)
                .is_some_and(|(_, ms)| ms.iter().any(|m| method_called(ctx.src, m))),
        }
    };
    let kept: Vec<&str> = SMOL_PRELUDE
        .iter()
        .filter(|(path, name)| {
            // The names (`Future`, `AsyncRead`) are written out in full where the file uses
            // them (only a glob covers them), so only the `as _` traits are imported.
            let by_name = !path.ends_with(" as _");
            !by_name && !shadowed.contains(name) && used(path, name)
        })
        .map(|(path, _)| *path)
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
            return match used_traits_only(&p, ctx) {
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
                    "use-glob",
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
    match ctx.cat.lookup(&leaf.canon) {
        Some(Mapped { path: Some(p), .. }) if p.is_empty() => st(LeafPlan::Fq),
        Some(Mapped { path: Some(p), .. }) if importable(&p) => {
            let new_name = p.rsplit("::").next().unwrap_or("").to_string();
            let rename = match (&leaf.alias, &leaf.local) {
                (None, Some(local)) if *local != new_name => Some(new_name),
                _ => None,
            };
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
fn importable(p: &str) -> bool {
    let segs: Vec<&str> = p.split("::").collect();
    !p.contains('<')
        && !segs[..segs.len().saturating_sub(1)]
            .iter()
            .any(|s| s.starts_with(|c: char| c.is_uppercase()))
}

fn advice(m: &Mapped<'_>) -> String {
    advice_of(m.rule)
}

fn advice_of(rule: &crate::rules::Rule) -> String {
    match &rule.action {
        crate::rules::Action::Report(a) => a.clone(),
        crate::rules::Action::MapTo(t) => format!("use `{t}`"),
    }
}

pub fn range(node: &ra_ap_syntax::SyntaxNode) -> std::ops::Range<usize> {
    let r = node.text_range();
    r.start().into()..r.end().into()
}

fn generic_args_finding(site: &resolve::PathSite, acc: &mut Acc) {
    acc.findings.push(RawFinding::not_migrated(
        site.path.syntax().text_range().start().into(),
        "path-generic-args",
        format!(
            "`{}` carries generic arguments inside the part that changes",
            site.path.syntax().text()
        ),
        "write the path by hand with the smol name",
    ));
}

/// The edit that writes `site` as the full mapped path. `offset`: canonical index of the path's
/// first text segment. `None` when a segment that would be replaced carries generic arguments.
fn fq_edit(
    site: &resolve::PathSite,
    m: &Mapped<'_>,
    offset: usize,
) -> Option<(std::ops::Range<usize>, String)> {
    let crate::rules::Action::MapTo(to) = &m.rule.action else {
        return None;
    };
    let segs: Vec<ast::PathSegment> = site.path.segments().collect();
    let f = m.rule.from.len();
    let idx_end = (f as isize - 1 - offset as isize).max(0) as usize;
    let seg_end = segs.get(idx_end)?;
    for s in &segs[..idx_end] {
        if s.generic_arg_list().is_some() {
            return None;
        }
    }
    let mut text = to.clone();
    for c in site.canon.iter().take(offset + idx_end + 1).skip(f) {
        text.push_str("::");
        text.push_str(c);
    }
    let start: usize = site.path.syntax().text_range().start().into();
    let end: usize = seg_end
        .name_ref()
        .map(|n| n.syntax().text_range().end().into())?;
    // A generic instantiation (`smol::Unblock<std::io::Stdin>`) used as a path qualifier needs `<..>::`.
    if text.contains('<') && idx_end + 1 < segs.len() {
        text = format!("<{text}>");
    }
    Some((start..end, text))
}

fn extern_crates(ctx: &Ctx<'_>, states: &[LeafState], acc: &mut Acc) {
    let kept = states
        .iter()
        .any(|s| s.keep_original || s.plan == LeafPlan::Keep);
    for ec in &ctx.sites.extern_crates {
        let at: usize = ec.item.syntax().text_range().start().into();
        if ec.macro_use {
            acc.findings.push(RawFinding::review(
                at,
                "extern-crate-macro-use",
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
            "extern-crate",
        );
    }
}

fn finish(text: &str, sf: &ast::SourceFile, mut acc: Acc, ctx: &Ctx<'_>) -> FileOutcome {
    imports::ensure_traits(ctx, &mut acc);
    let error_nodes = |n: &ra_ap_syntax::SyntaxNode| {
        n.descendants_with_tokens()
            .filter(|n| n.kind() == ra_ap_syntax::SyntaxKind::ERROR)
            .count()
    };
    let mut out = FileOutcome::default();
    if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        acc.edits.use_crlf();
    }
    let edition = edition_of(ctx.edition);
    match acc.edits.apply_spans(text) {
        Err(conflicts) => {
            for c in conflicts {
                acc.findings.push(RawFinding::not_migrated(
                    c.first.0,
                    "edit-conflict",
                    format!("two rewrites overlap: {c}; the file was left unchanged"),
                    "migrate this file by hand, or report the case to the tool's maintainers",
                ));
            }
            out.keeps_async_std = true;
        }
        Ok((new, counts, spans)) => {
            if new != text {
                // The output must parse: its changed units are parsed again (see
                // reparse.rs), or, when that cannot tell, the whole text.
                let mut reparsed = None;
                let broken = match reparse::check(sf.syntax(), text, &spans, edition) {
                    reparse::Checked::Parses => None,
                    reparse::Checked::Broken(e) => Some(e),
                    reparse::Checked::Unknown => {
                        let p = parse(&new, ctx.edition);
                        // Only counted when the output has error nodes at all.
                        let after_errors = error_nodes(&p.tree().syntax().clone());
                        let broken = (after_errors > 0 && after_errors > error_nodes(sf.syntax()))
                            .then(|| p.errors().first().map(|e| e.to_string()))
                            .flatten();
                        reparsed = Some(p.tree());
                        broken
                    }
                };
                if let Some(error) = broken {
                    acc.findings.push(RawFinding::not_migrated(
                        0,
                        "rewrite-syntax-error",
                        format!("the rewrite would introduce a syntax error ({error}); the file was left unchanged"),
                        "migrate this file by hand, and report the case to the tool's maintainers",
                    ));
                    out.keeps_async_std = true;
                } else {
                    out.needs_smol = new.contains("smol::");
                    out.keeps_async_std = still_uses_async_std(&new, reparsed, ctx);
                    out.new_text = Some(new);
                    let mut counts: std::collections::BTreeMap<String, usize> =
                        counts.into_iter().filter(|(r, _)| r != "indent").collect();
                    for c in std::mem::take(&mut acc.credits) {
                        *counts.entry(c).or_default() += 1;
                    }
                    out.counts = counts.into_iter().collect();
                }
            } else {
                out.keeps_async_std = still_uses_async_std(text, Some(sf.clone()), ctx);
            }
        }
    }

    acc.findings.sort_by_key(|f| f.offset);
    out.findings = acc.findings;
    out
}

/// Whether a (rewritten) file still refers to async-std. `sf` is its tree when at hand.
fn still_uses_async_std(text: &str, sf: Option<ast::SourceFile>, ctx: &Ctx<'_>) -> bool {
    // A text that names no root cannot refer to async-std (the common case after a rewrite);
    // nor can one that names them only in comments and strings (the lexer tells, no parse).
    if !crate::workspace::mentions_any(text, &ctx.krate.roots) {
        return false;
    }
    let edition = edition_of(ctx.edition);
    let lexed = ra_ap_parser::LexedStr::new(edition, text);
    if !(0..lexed.len()).any(|i| {
        lexed.kind(i) == ra_ap_syntax::SyntaxKind::IDENT && ctx.krate.roots.contains(lexed.text(i))
    }) {
        return false;
    }
    let sf = sf.unwrap_or_else(|| parse(text, ctx.edition).tree());
    let sf = &sf;
    let place = crate::resolve::syntax::FilePlace {
        in_lib: false,
        module: vec![],
    };
    let k = CrateContext {
        roots: ctx.krate.roots.clone(),
        ..Default::default()
    };
    let s = crate::resolve::syntax::resolve_file(sf, &place, &k);
    s.leaves.iter().any(|l| !l.via_reexport)
        || s.paths.iter().any(|p| p.origin != Origin::ReExport)
        || !s.extern_crates.is_empty()
        || macros::token_trees_name_roots(sf, &ctx.krate.roots)
}

#[cfg(test)]
mod tests {
    #[test]
    fn method_calls_are_read_from_the_text_macro_arguments_included() {
        let src =
            "select! { _ = w.write_all(b\"x\").fuse() => {} }\nlet n = r.read_to_end (&mut v);";
        assert!(super::method_called(src, "write_all"));
        assert!(super::method_called(src, "read_to_end"));
        // A longer name, a field, a path: not calls of `read`/`write`.
        assert!(!super::method_called(src, "read"));
        assert!(!super::method_called("let x = s.write;", "write"));
        assert!(!super::method_called(
            "AsyncWriteExt::write_all(&mut w, b)",
            "write_all"
        ));
    }
}
