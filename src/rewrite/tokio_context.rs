//! A package that enables async-std's `tokio1` feature ran every task inside a Tokio runtime's
//! context: async-global-executor enters one in each `block_on` and on its worker threads, so
//! Tokio-based crates (an HTTP server built on tokio, `tokio::time::sleep`) worked under
//! async-std. smol enters none: the migrated code compiles and then panics at its first Tokio type
//! ("there is no reactor running"). So, in such a package, once its files are migrated, every
//! future that smol's `block_on` drives or `spawn` runs is wrapped in `async_compat::Compat`,
//! which enters a Tokio context whenever it is polled (the one running, or a runtime of its own
//! on a thread of its own, as async-global-executor's was), and the package depends on
//! async-compat. Doc examples get the same (they are doctests), and so do the bodies of the
//! functions smol-macros' attributes run (`macro_fn_bodies`). `unblock` is left alone: the
//! blocking threads of async-std had no Tokio context either.
//!
//! Before (the migrated file):
//! ```text
//! fn main() {
//!     smol::block_on(async {
//!         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     })
//! }
//! ```
//! After:
//! ```text
//! fn main() {
//!     smol::block_on(async_compat::Compat::new(async {
//!         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
//!     }))
//! }
//! ```
//! The calls are found by tokens: `smol::block_on(..)` and `smol::spawn(..)`, and the names a
//! `use smol::..` item binds to them (`use smol::{block_on as run, spawn};`).

use ra_ap_parser::LexedStr;
use ra_ap_syntax::SyntaxKind;
use std::collections::BTreeSet;

/// What wraps a future: it enters a Tokio context whenever it is polled.
pub const WRAP: &str = "async_compat::Compat::new(";

/// What became of one file's text.
#[derive(Debug, PartialEq, Eq)]
pub struct Entered {
    pub text: String,
    /// Calls wrapped in code (not in doc examples).
    pub in_code: usize,
    /// Calls wrapped in doc examples.
    pub in_docs: usize,
}

/// Wraps the futures of `text`'s smol `block_on` and `spawn` calls (in its code when `code`, and
/// in its doc examples), and the bodies of the functions smol-macros' attributes run; `None`
/// when there is none.
pub fn enter(text: &str, edition: &str, code: bool) -> Option<Entered> {
    if !text.contains("smol") {
        return None;
    }
    let (owned, macro_fns) = match code.then(|| macro_fn_bodies(text, edition)).flatten() {
        Some((t, n)) => (Some(t), n),
        None => (None, 0),
    };
    let text = owned.as_deref().unwrap_or(text);
    let edition = super::edition_of(edition);
    let mut inserts = if code {
        insertions(text, edition)
    } else {
        Vec::new()
    };
    let in_code = inserts.len() / 2 + macro_fns;
    let docs = super::doctests::code_block_insertions(text, |code| insertions(code, edition));
    let in_docs = docs.len() / 2;
    inserts.extend(docs);
    if inserts.is_empty() {
        return owned.map(|text| Entered {
            text,
            in_code,
            in_docs,
        });
    }
    // Stable: two insertions at one offset keep the order they were made in (a call's `)` before
    // the `)` of the call around it).
    inserts.sort_by_key(|(at, _)| *at);
    let mut out = String::with_capacity(text.len() + inserts.len() * WRAP.len());
    let mut last = 0;
    for (at, t) in inserts {
        out.push_str(&text[last..at]);
        out.push_str(t);
        last = at;
    }
    out.push_str(&text[last..]);
    Some(Entered {
        text: out,
        in_code,
        in_docs,
    })
}

/// The functions that smol-macros' `main!`/`test!` run (async-std's attributes under a
/// `cfg_attr` beside another runtime's): that executor enters no Tokio context, so the body runs
/// in `async_compat::Compat`, under the attribute's own condition (the other runtime's build may
/// lack async-compat, and needs no wrapper):
/// ```text
/// #[cfg_attr(feature = "rt-smol", macro_rules_attribute::apply(smol_macros::main!))]
/// #[cfg_attr(feature = "rt-tokio", tokio::main)]
/// async fn main() {
///     let body = async move { serve().await };
///     #[cfg(feature = "rt-smol")]
///     let body = async_compat::Compat::new(body);
///     body.await
/// }
/// ```
/// The new text and how many bodies, or `None`.
fn macro_fn_bodies(text: &str, edition: &str) -> Option<(String, usize)> {
    use ra_ap_syntax::ast::{self, HasAttrs};
    use ra_ap_syntax::AstNode;
    if !text.contains("smol_macros::") {
        return None;
    }
    let file = ra_ap_syntax::SourceFile::parse(text, super::edition_of(edition)).tree();
    let mut edits: Vec<(ra_ap_syntax::TextRange, String)> = Vec::new();
    for f in file.syntax().descendants().filter_map(ast::Fn::cast) {
        let (Some(body), Some(_)) = (f.body(), f.async_token()) else {
            continue;
        };
        let Some(pred) = f.attrs().find_map(|a| {
            let t = a.syntax().text().to_string();
            let at = ["smol_macros::main!", "smol_macros::test!"]
                .iter()
                .find_map(|m| t.find(m))?;
            Some(condition_around(&t, at))
        }) else {
            continue;
        };
        let inner = body.syntax().text().to_string();
        if inner.contains("async_compat::Compat::new(") && inner.contains("async move") {
            continue; // a second run
        }
        let indent = crate::handlers::syntax::indent_of(text, f.syntax());
        let new = match pred {
            Some(pred) => format!(
                "{{
{indent}    let body = async move {inner};
{indent}    #[cfg({pred})]
{indent}    let body = async_compat::Compat::new(body);
{indent}    body.await
{indent}}}"
            ),
            None => format!(
                "{{
{indent}    async_compat::Compat::new(async move {inner}).await
{indent}}}"
            ),
        };
        edits.push((body.syntax().text_range(), new));
    }
    if edits.is_empty() {
        return None;
    }
    let n = edits.len();
    let mut out = text.to_string();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start()));
    for (r, new) in edits {
        out.replace_range(usize::from(r.start())..usize::from(r.end()), &new);
    }
    Some((out, n))
}

/// The condition of the group around `at` in an attribute's text: `P` of `cfg_attr(P, ..)` or
/// of maybe-async's `async(P, ..)`; `None` for an unconditional attribute. Nested groups are
/// skipped by their parentheses.
fn condition_around(t: &str, at: usize) -> Option<String> {
    let b = t.as_bytes();
    let mut depth = 0i32;
    let mut open = None;
    for i in (0..at).rev() {
        match b[i] {
            b')' => depth += 1,
            b'(' if depth == 0 => {
                let head = t[..i].trim_end();
                let name = head
                    .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                if name == "cfg_attr" || name == "async" {
                    open = Some(i);
                    break;
                }
                if name == "apply" {
                    continue;
                }
                return None;
            }
            b'(' => depth -= 1,
            _ => {}
        }
    }
    let open = open?;
    let mut depth = 0i32;
    for (i, c) in t[open + 1..].char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => return Some(t[open + 1..open + 1 + i].trim().to_string()),
            _ => {}
        }
    }
    None
}

/// Where the wrapper's two halves go in `code`: after each driving call's `(` and before its
/// `)`. A call already wrapped is left.
fn insertions(code: &str, edition: ra_ap_syntax::Edition) -> Vec<(usize, &'static str)> {
    let lexed = LexedStr::new(edition, code);
    let toks: Vec<usize> = (0..lexed.len())
        .filter(|&i| !matches!(lexed.kind(i), SyntaxKind::WHITESPACE | SyntaxKind::COMMENT))
        .collect();
    let kind = |j: usize| toks.get(j).map(|&i| lexed.kind(i));
    let text = |j: usize| toks.get(j).map_or("", |&i| lexed.text(i));
    let is = |j: usize, k: SyntaxKind| kind(j) == Some(k);
    let ident = |j: usize, t: &str| is(j, SyntaxKind::IDENT) && text(j) == t;
    // `::` is two COLON tokens for the lexer.
    let path_sep = |j: usize| is(j, SyntaxKind::COLON) && is(j + 1, SyntaxKind::COLON);
    // smol's functions whose future is wrapped (`transforms/smol_api.toml`).
    let drivers = &crate::tables::smol_api().tokio_context_drivers;
    let bound = bound_names(&toks, &lexed, drivers);
    let mut out = Vec::new();
    for j in 0..toks.len() {
        // `smol::block_on(`, not `x::smol::block_on(`.
        let qualified = ident(j, "smol")
            && !(j >= 2 && path_sep(j - 2))
            && path_sep(j + 1)
            && drivers.iter().any(|d| ident(j + 3, d));
        // A bare name a `use smol::..` binds, called: not a method (`.spawn(`), not a path's
        // tail (`ex::spawn(`), not its definition (`fn spawn(`).
        let bare = is(j, SyntaxKind::IDENT)
            && bound.contains(text(j))
            && !(j >= 1
                && (is(j - 1, SyntaxKind::DOT)
                    || is(j - 1, SyntaxKind::FN_KW)
                    || (j >= 2 && path_sep(j - 2))));
        let name_at = if qualified {
            j + 3
        } else if bare {
            j
        } else {
            continue;
        };
        let mut open = name_at + 1;
        // A turbofish: `spawn::<T>(`.
        if path_sep(open) && is(open + 2, SyntaxKind::L_ANGLE) {
            let mut depth = 0i32;
            let mut k = open + 2;
            while k < toks.len() {
                match kind(k) {
                    Some(SyntaxKind::L_ANGLE) => depth += 1,
                    Some(SyntaxKind::R_ANGLE) => depth -= 1,
                    _ => {}
                }
                k += 1;
                if depth == 0 {
                    break;
                }
            }
            open = k;
        }
        if !is(open, SyntaxKind::L_PAREN) {
            continue;
        }
        let Some((close, _)) =
            super::macros::call_parens_by(toks.len(), |k| lexed.kind(toks[k]), open)
        else {
            continue;
        };
        if close == open + 1 {
            continue; // no argument
        }
        // Already wrapped (a second run).
        if text(open + 1) == "async_compat" || text(open + 1) == "Compat" {
            continue;
        }
        let after_open = usize::from(lexed.text_range(toks[open]).end);
        let before_close = usize::from(lexed.text_range(toks[close]).start);
        // A trailing comma stays outside the wrapper: `block_on(f,)`.
        let end = if is(close - 1, SyntaxKind::COMMA) {
            usize::from(lexed.text_range(toks[close - 1]).start)
        } else {
            before_close
        };
        out.push((after_open, WRAP));
        out.push((end, ")"));
    }
    out
}

/// The names `use smol::..` items bind to smol's driving functions (a glob binds them all).
fn bound_names(
    toks: &[usize],
    lexed: &LexedStr<'_>,
    drivers: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut j = 0;
    while j < toks.len() {
        if lexed.kind(toks[j]) != SyntaxKind::USE_KW {
            j += 1;
            continue;
        }
        let end = (j..toks.len())
            .find(|&k| lexed.kind(toks[k]) == SyntaxKind::SEMICOLON)
            .unwrap_or(toks.len());
        let words: Vec<&str> = toks[j + 1..end].iter().map(|&i| lexed.text(i)).collect();
        let mut leaves = Vec::new();
        use_leaves(&words, &mut 0, Vec::new(), &mut leaves);
        for (path, name) in leaves {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            match p.as_slice() {
                ["smol", d] if drivers.contains(*d) => {
                    out.insert(name);
                }
                ["smol", "*"] => out.extend(drivers.iter().cloned()),
                _ => {}
            }
        }
        j = end + 1;
    }
    out
}

/// The leaves of a use tree given as its tokens (`::` as two `:`): (path, the name it binds).
fn use_leaves(
    w: &[&str],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    let mut path = prefix;
    // A leading `::`.
    while w.get(*i) == Some(&":") {
        *i += 1;
    }
    loop {
        match w.get(*i).copied() {
            Some("{") => {
                *i += 1;
                loop {
                    use_leaves(w, i, path.clone(), out);
                    match w.get(*i).copied() {
                        Some(",") => {
                            *i += 1;
                            if w.get(*i) == Some(&"}") {
                                *i += 1;
                                return;
                            }
                        }
                        Some("}") => {
                            *i += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            Some("*") => {
                *i += 1;
                path.push("*".into());
                out.push((path, "*".into()));
                return;
            }
            Some(seg) if seg != "," && seg != "}" && seg != ":" => {
                *i += 1;
                path.push(seg.to_string());
                if w.get(*i) == Some(&":") && w.get(*i + 1) == Some(&":") {
                    *i += 2;
                    continue;
                }
                let name = if w.get(*i) == Some(&"as") {
                    *i += 2;
                    w.get(*i - 1).map(|s| s.to_string()).unwrap_or_default()
                } else {
                    seg.to_string()
                };
                out.push((path, name));
                return;
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::enter;

    fn check(before: &str, after: &str) {
        let got = enter(before, "2021", true).map(|e| e.text);
        assert_eq!(got.as_deref().unwrap_or(before), after);
    }

    #[test]
    fn block_on_and_spawn_are_wrapped() {
        check(
            "fn main() {\n    smol::block_on(async {\n        smol::spawn(work()).detach();\n    })\n}\n",
            "fn main() {\n    smol::block_on(async_compat::Compat::new(async {\n        smol::spawn(async_compat::Compat::new(work())).detach();\n    }))\n}\n",
        );
    }

    #[test]
    fn names_a_use_binds_are_wrapped_and_others_are_not() {
        check(
            "use smol::{block_on as run, spawn};\nfn f() { run(g()); spawn(h()).detach(); ex.spawn(k()); other::spawn(l()); }\nfn spawn(x: u8) {}\n",
            "use smol::{block_on as run, spawn};\nfn f() { run(async_compat::Compat::new(g())); spawn(async_compat::Compat::new(h())).detach(); ex.spawn(k()); other::spawn(l()); }\nfn spawn(x: u8) {}\n",
        );
    }

    #[test]
    fn a_second_run_changes_nothing_and_a_trailing_comma_stays_outside() {
        let once = enter("fn f() { smol::block_on(g(),); }", "2021", true)
            .unwrap()
            .text;
        assert_eq!(
            once,
            "fn f() { smol::block_on(async_compat::Compat::new(g()),); }"
        );
        assert_eq!(enter(&once, "2021", true), None);
    }

    #[test]
    fn a_function_smol_macros_runs_gets_its_body_wrapped_under_the_attribute_s_condition() {
        check(
            "#[cfg_attr(feature = \"rt-smol\", macro_rules_attribute::apply(smol_macros::main!))]\n#[cfg_attr(feature = \"rt-tokio\", tokio::main)]\nasync fn main() {\n    serve().await\n}\n",
            "#[cfg_attr(feature = \"rt-smol\", macro_rules_attribute::apply(smol_macros::main!))]\n#[cfg_attr(feature = \"rt-tokio\", tokio::main)]\nasync fn main() {\n    let body = async move {\n    serve().await\n};\n    #[cfg(feature = \"rt-smol\")]\n    let body = async_compat::Compat::new(body);\n    body.await\n}\n",
        );
        // maybe-async's `async(P, ..)`, and a second run.
        let once = enter(
            "#[maybe_async::test(feature = \"sync\", async(not(feature = \"sync\"), macro_rules_attribute::apply(smol_macros::test!)))]\nasync fn t() { f().await; }\n",
            "2021",
            true,
        )
        .unwrap();
        assert!(
            once.text.contains(
                "#[cfg(not(feature = \"sync\"))]\n    let body = async_compat::Compat::new(body);"
            ),
            "{}",
            once.text
        );
        assert_eq!(once.in_code, 1);
        assert_eq!(enter(&once.text, "2021", true), None);
    }

    #[test]
    fn doc_examples_are_wrapped_too() {
        check(
            "/// ```\n/// smol::block_on(async {\n/// # let x = 1;\n/// })\n/// ```\npub fn f() {}\n",
            "/// ```\n/// smol::block_on(async_compat::Compat::new(async {\n/// # let x = 1;\n/// }))\n/// ```\npub fn f() {}\n",
        );
    }
}
