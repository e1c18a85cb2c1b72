//! The handler contract: the read-only context a handler works in ([`Ctx`]), the accumulator it
//! writes to ([`Acc`]), where it is called ([`At`]) and what the default mapping does after it
//! ([`Flow`]). Every handler has one entry, `run(at, ctx, acc) -> Flow`, listed in
//! [`super::ALL`].

use crate::report::RawFinding;
use crate::resolve::{CrateContext, FileSites, Oracle, PathSite};
use crate::rewrite::edit::EditSet;
use crate::rules::{Catalogue, Mapped};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;
use std::collections::BTreeSet;

/// Where a handler is called.
#[derive(Clone, Copy)]
pub enum At<'a> {
    /// At a path site whose catalogue row names the handler (the row is in the [`Mapped`]).
    Path(&'a PathSite, &'a Mapped<'a>),
    /// Once over the whole file, after the paths were mapped and the imports planned.
    File,
}

/// What the default path mapping should do after a path handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The handler wrote everything for this site (or reported it).
    Done,
    /// Map the path as the row says, too.
    Continue,
}

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
    /// The text is a doc example's code (a doctest), not a file of the package.
    pub doc: bool,
    /// `--to threads`: the crate facts the conversion needs (`None` when migrating to smol).
    pub threads: Option<&'a crate::threads::Plan>,
    /// The modules the tool writes for the file's crate (`TimeoutError`, `Condvar`: see
    /// `handlers/generated.rs`), and where the file finds them.
    pub generated: &'a super::generated::Paths,
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
    /// Prelude globs dropped because the file used nothing of them (their offsets): traits the
    /// rewrites need are imported on their own, not assumed from them.
    pub dropped_preludes: Vec<usize>,
}

/// The inputs of [`crate::rewrite::migrate_file`] besides the text and its sites.
#[derive(Clone, Copy)]
pub struct FileCtx<'a> {
    pub cat: &'a Catalogue,
    pub oracle: &'a dyn Oracle,
    pub krate: &'a CrateContext,
    pub edition: &'a str,
    pub in_lib: bool,
    /// See [`Ctx::doc`].
    pub doc: bool,
    pub threads: Option<&'a crate::threads::Plan>,
    /// See [`Ctx::generated`].
    pub generated: &'a super::generated::Paths,
    /// The nodes of `sf` in preorder when the caller has them already.
    pub nodes: Option<&'a [ra_ap_syntax::SyntaxNode]>,
}
