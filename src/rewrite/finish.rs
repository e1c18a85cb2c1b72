//! The end of a file's rewrite: the edits applied together (an overlap is a conflict, reported,
//! never an overwrite), the result re-parsed (no new syntax errors) and re-resolved (what
//! async-std is left must have been reported), the counts per rule.

use super::{edition_of, imports, macros, parse, reparse, Acc, Ctx, FileOutcome};
use crate::findings::FindingId;
use crate::report::RawFinding;
use crate::resolve::{CrateContext, Origin};
use ra_ap_syntax::ast;
use ra_ap_syntax::AstNode;

pub(super) fn finish(text: &str, sf: &ast::SourceFile, mut acc: Acc, ctx: &Ctx<'_>) -> FileOutcome {
    imports::ensure_traits(ctx, &mut acc);
    if ctx.edition != "2015" && names_own_smol(ctx) {
        acc.edits.map_texts(extern_smol);
    }
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
                    FindingId::EditConflict,
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
                    if std::env::var_os("ASM_DUMP_BROKEN").is_some() {
                        eprintln!("---- broken rewrite ----\n{new}\n----");
                    }
                    acc.findings.push(RawFinding::not_migrated(
                        0,
                        FindingId::RewriteSyntaxError,
                        format!("the rewrite would introduce a syntax error ({error}); the file was left unchanged"),
                        "migrate this file by hand, and report the case to the tool's maintainers",
                    ));
                    out.keeps_async_std = true;
                } else {
                    out.crates = acc
                        .edits
                        .crates_named(crate::tables::versions().code_names());
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

/// The file has an item or import named `smol` of its own (`pub mod smol;` beside `mod async_std;`
/// in a crate with a module per runtime, redis-rs): a `smol::` path there means it, so the
/// crate's paths are written `::smol::`.
fn names_own_smol(ctx: &Ctx<'_>) -> bool {
    use ast::HasName;
    ctx.nodes().iter().any(|n| {
        if let Some(m) = ast::Module::cast(n.clone()) {
            return m.name().is_some_and(|x| x.text() == "smol");
        }
        if let Some(r) = ast::Rename::cast(n.clone()) {
            return r.name().is_some_and(|x| x.text() == "smol");
        }
        // `use crate::aio::smol;`: the last segment binds the name.
        if let Some(t) = ast::UseTree::cast(n.clone()) {
            let Some(p) = t.path() else { return false };
            return t.rename().is_none()
                && t.use_tree_list().is_none()
                && t.star_token().is_none()
                && p.qualifier().is_some()
                && p.segment().is_some_and(|s| s.syntax().text() == "smol");
        }
        false
    })
}

/// `smol::x` -> `::smol::x` wherever a path starts with `smol` in an edit's text.
fn extern_smol(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(i) = rest.find("smol::") {
        let before = &rest[..i];
        let prev = before.chars().next_back();
        out.push_str(before);
        if !prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            out.push_str("::");
        }
        out.push_str("smol::");
        rest = &rest[i + "smol::".len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn smol_paths_become_extern_paths() {
        assert_eq!(
            super::extern_smol(
                "use smol::net::TcpStream; ::smol::spawn(x); my_smol::y; smol::Timer"
            ),
            "use ::smol::net::TcpStream; ::smol::spawn(x); my_smol::y; ::smol::Timer"
        );
    }
}
