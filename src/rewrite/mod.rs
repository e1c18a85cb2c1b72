//! Rewriting one file: the resolved sites are mapped through the catalogue, handlers add their
//! structural edits, `use` items are regenerated, and the edits are applied together. The result
//! is re-parsed (no new syntax errors) and re-resolved (what async-std is left must have been
//! reported).

pub mod components;
pub mod doctests;
pub mod edit;
pub mod features;
mod finish;
pub mod imports;
mod leaves;
pub mod macros;
mod parse;
pub mod reparse;
mod shared;
mod sites;
pub mod tokio_context;

pub use crate::handlers::{range, Acc, Ctx, FileCtx};
pub use leaves::LeafPlan;
pub use parse::{edition_of, parse, parse_in, FileParse};

use crate::handlers;
use crate::report::RawFinding;
use crate::resolve::FileSites;
use ra_ap_syntax::ast;

/// What became of one file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub new_text: Option<String>,
    pub counts: Vec<(String, usize)>,
    pub findings: Vec<RawFinding>,
    /// What the applied rules' code names of what the tool can add to a manifest (`smol`,
    /// `crossbeam_channel`, ..., see [`crate::tables::Versions::code_names`]): what the
    /// manifest needs for this file, derived from the edits, not from the rewritten text.
    pub crates: std::collections::BTreeSet<String>,
    /// The file (after the rewrite) still refers to async-std.
    pub keeps_async_std: bool,
    /// The file had syntax errors and was not rewritten.
    pub skipped_for_syntax: Option<String>,
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
        doc: ctx_in.doc,
        threads: ctx_in.threads,
        generated: ctx_in.generated,
        nodes: ctx_in
            .nodes
            .map(|n| std::cell::OnceCell::from(n.to_vec()))
            .unwrap_or_default(),
    };
    let mut acc = Acc::default();

    let mut states: Vec<leaves::LeafState> = sites
        .leaves
        .iter()
        .map(|l| leaves::plan_leaf(l, &ctx, &mut acc))
        .collect();

    sites::map_paths(&ctx, &mut states, &mut acc);
    // Names a `use` binds, written in `macro_rules!` bodies (`task::spawn(..)`): rewritten in
    // full where that is safe, else reported with the import kept.
    for (leaf, ok) in macros::bound_paths(&ctx, &mut acc) {
        if !ok {
            states[leaf].keep_original = true;
        }
    }
    leaves::keep_handles_with_spawn(&ctx, &mut states, &mut acc);
    leaves::write_usages(&ctx, &states, &mut acc);
    imports::regenerate(
        &ctx,
        &leaves::states_view(&states, sites, &ctx, &acc.edits),
        &mut acc,
    );
    leaves::extern_crates(&ctx, &states, &mut acc);
    macros::token_paths(&ctx, &mut acc);
    handlers::file_passes(&ctx, &mut acc);

    finish::finish(text, sf, acc, &ctx)
}
