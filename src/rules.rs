//! The catalogue: mapping rows and structural handlers, read from `transforms/` (embedded in the
//! binary with `include_str!`). A raw row ([`RawRule`]) is validated into a [`Rule`]; lookups go
//! by the longest `from` prefix of a canonical async-std path.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The embedded catalogue files, in the order they are documented.
pub const SMOL_TOML: &str = include_str!("../transforms/smol.toml");
pub const HANDLERS_TOML: &str = include_str!("../transforms/handlers.toml");
pub const THREADS_TOML: &str = include_str!("../transforms/threads.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    from: String,
    to: Option<String>,
    advice: Option<String>,
    handler: Option<String>,
    note: Option<String>,
    shim: Option<String>,
    /// A behaviour difference the mapping keeps: each use gets a `review` finding saying it.
    review: Option<String>,
    /// threads.toml: the target when the crate's channels fit std::sync::mpsc.
    mpsc: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHandlers {
    handler: Vec<Handler>,
}

/// A structural rewrite, documented in `transforms/handlers.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handler {
    pub id: String,
    pub file: String,
    pub summary: String,
}

/// What a rule does with a matching path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Replace the matched prefix with this path (or use-tree, for glob rows).
    MapTo(String),
    /// Leave the site in place and report it with this advice.
    Report(String),
}

/// A validated mapping row.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub from: Vec<String>,
    pub action: Action,
    pub handler: Option<String>,
    pub note: Option<String>,
    /// For items whose smol form is not a path that can be imported (an associated fn, a handler
    /// rewrite): the item a public re-export becomes, `{vis}` and `{name}` filled in.
    pub shim: Option<String>,
    /// A behaviour difference of the mapped item: every use is reported for review with it.
    pub review: Option<String>,
    /// threads.toml: the `to` of the std::sync::mpsc variant.
    pub mpsc: Option<String>,
}

impl Rule {
    pub fn from_text(&self) -> String {
        self.from.join("::")
    }
}

/// The result of mapping one canonical path.
#[derive(Debug, Clone)]
pub struct Mapped<'a> {
    pub rule: &'a Rule,
    /// The new path (`None` when the rule reports instead of mapping).
    pub path: Option<String>,
}

/// Every rule and handler of one target, ready for lookups.
#[derive(Debug)]
pub struct Catalogue {
    pub rules: Vec<Rule>,
    pub handlers: Vec<Handler>,
    by_from: BTreeMap<Vec<String>, usize>,
}

/// A catalogue file that does not validate; the message says which row and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("invalid catalogue {file}: {message}")]
pub struct CatalogueError {
    pub file: &'static str,
    pub message: String,
}

impl Catalogue {
    /// The built-in smol catalogue.
    pub fn smol() -> &'static Catalogue {
        static CAT: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        CAT.get_or_init(|| {
            Catalogue::parse(SMOL_TOML, HANDLERS_TOML)
                .expect("the embedded catalogue is checked by tests")
        })
    }

    /// The built-in blocking-std catalogue; `mpsc` picks the std::sync::mpsc channel rows over
    /// crossbeam-channel's.
    pub fn threads(mpsc: bool) -> &'static Catalogue {
        static CB: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        static MPSC: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        let cell = if mpsc { &MPSC } else { &CB };
        cell.get_or_init(|| {
            let mut c =
                Catalogue::parse_file("transforms/threads.toml", THREADS_TOML, HANDLERS_TOML)
                    .expect("the embedded catalogue is checked by tests");
            if mpsc {
                for r in &mut c.rules {
                    if let Some(m) = &r.mpsc {
                        r.action = Action::MapTo(m.clone());
                    }
                }
            }
            c
        })
    }

    pub fn parse(rules: &str, handlers: &str) -> Result<Catalogue, CatalogueError> {
        Self::parse_file("transforms/smol.toml", rules, handlers)
    }

    pub fn parse_file(
        file: &'static str,
        rules: &str,
        handlers: &str,
    ) -> Result<Catalogue, CatalogueError> {
        let err = |file, message: String| CatalogueError { file, message };
        let raw: RawRules = toml_edit::de::from_str(rules).map_err(|e| err(file, e.to_string()))?;
        let hs: RawHandlers = toml_edit::de::from_str(handlers)
            .map_err(|e| err("transforms/handlers.toml", e.to_string()))?;
        let mut out = Catalogue {
            rules: Vec::new(),
            handlers: hs.handler,
            by_from: BTreeMap::new(),
        };
        let mut ids = std::collections::BTreeSet::new();
        for r in raw.rule {
            let f = file;
            if !ids.insert(r.id.clone()) {
                return Err(err(
                    f,
                    format!("rule id `{}` is used twice: give each row its own id", r.id),
                ));
            }
            if !r.from.starts_with("async_std") {
                return Err(err(
                    f,
                    format!("rule `{}`: `from` must start with `async_std::`", r.id),
                ));
            }
            let action = match (r.to, r.advice) {
                (Some(to), None) => Action::MapTo(to),
                (None, Some(a)) => Action::Report(a),
                (Some(_), Some(_)) => {
                    return Err(err(
                        f,
                        format!("rule `{}` has both `to` and `advice`: keep one", r.id),
                    ))
                }
                (None, None) => {
                    return Err(err(f, format!("rule `{}` needs `to` or `advice`", r.id)))
                }
            };
            if let Some(h) = &r.handler {
                if !out.handlers.iter().any(|x| &x.id == h) {
                    return Err(err(
                        f,
                        format!(
                            "rule `{}` names handler `{h}`, which handlers.toml does not list",
                            r.id
                        ),
                    ));
                }
            }
            let from: Vec<String> = r.from.split("::").map(str::to_string).collect();
            if out.by_from.insert(from.clone(), out.rules.len()).is_some() {
                return Err(err(
                    f,
                    format!("rule `{}`: another row already maps `{}`", r.id, r.from),
                ));
            }
            out.rules.push(Rule {
                id: r.id,
                from,
                action,
                handler: r.handler,
                note: r.note,
                shim: r.shim,
                review: r.review,
                mpsc: r.mpsc,
            });
        }
        Ok(out)
    }

    /// The rule with the longest `from` that is a prefix of `canon`, and the mapped path.
    pub fn lookup(&self, canon: &[String]) -> Option<Mapped<'_>> {
        for n in (2..=canon.len()).rev() {
            if let Some(&i) = self.by_from.get(&canon[..n]) {
                let rule = &self.rules[i];
                let path = match &rule.action {
                    // Nothing to import (a prelude whose members are in std's prelude).
                    Action::MapTo(to) if to.is_empty() => Some(String::new()),
                    Action::MapTo(to) => {
                        let mut p = to.clone();
                        for seg in &canon[n..] {
                            p.push_str("::");
                            p.push_str(seg);
                        }
                        Some(p)
                    }
                    Action::Report(_) => None,
                };
                return Some(Mapped { rule, path });
            }
        }
        None
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn handler(&self, id: &str) -> Option<&Handler> {
        self.handlers.iter().find(|h| h.id == id)
    }
}

/// Split a `a::b::c` text into segments.
pub fn segments(path: &str) -> Vec<String> {
    path.split("::").map(|s| s.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each handler file's example, read from the source tree.
    fn file_example(file: &str) -> Option<(String, String)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        doc_example(&std::fs::read_to_string(path).ok()?)
    }

    fn check_doc(file: &str, text: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, text).unwrap();
        } else {
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                old == text,
                "{file} is stale: run `UPDATE_FIXTURES=1 cargo test --lib rules`"
            );
        }
    }

    #[test]
    fn docs_mapping_is_generated_from_transforms_and_handler_examples() {
        check_doc(
            "docs/mapping.md",
            &mapping_markdown(Catalogue::smol(), &file_example),
        );
        check_doc(
            "docs/mapping-threads.md",
            &threads_mapping_markdown(&file_example),
        );
    }

    #[test]
    fn doc_example_reads_the_header_blocks() {
        let src = "//! Intro.\n//!\n//! Before:\n//! ```rust\n//! a\n//! ```\n//! After:\n//! ```rust\n//! b\n//!\n//! c\n//! ```\n\nfn x() {}\n";
        assert_eq!(
            doc_example(src),
            Some(("a\n".to_string(), "b\n\nc\n".to_string()))
        );
        assert_eq!(doc_example("//! no example\nfn x() {}"), None);
        let nested = "//! Before:\n//! ````text\n//! /// ```\n//! /// x\n//! /// ```\n//! ````\n//! After:\n//! ```text\n//! y\n//! ```\n";
        assert_eq!(
            doc_example(nested),
            Some(("/// ```\n/// x\n/// ```\n".to_string(), "y\n".to_string()))
        );
    }

    fn canon(s: &str) -> Vec<String> {
        segments(s)
    }

    #[test]
    fn the_embedded_catalogue_validates() {
        let c = Catalogue::smol();
        assert!(c.rules.len() > 80);
    }

    #[test]
    fn longest_prefix_wins_and_members_follow_modules() {
        let c = Catalogue::smol();
        let m = c.lookup(&canon("async_std::fs::File::create")).unwrap();
        assert_eq!(m.rule.id, "fs-file");
        assert_eq!(m.path.as_deref(), Some("smol::fs::File::create"));
        let m = c.lookup(&canon("async_std::fs::read_to_string")).unwrap();
        assert_eq!(m.path.as_deref(), Some("smol::fs::read_to_string"));
        let m = c.lookup(&canon("async_std::task::spawn")).unwrap();
        assert_eq!(m.path.as_deref(), Some("smol::spawn"));
        assert!(c
            .lookup(&canon("async_std::task::current"))
            .unwrap()
            .path
            .is_none());
        assert!(c.lookup(&canon("async_std::task")).is_none());
    }

    #[test]
    fn a_bad_row_is_explained() {
        let e = Catalogue::parse(
            "[[rule]]\nid = \"x\"\nfrom = \"async_std::a\"\n",
            HANDLERS_TOML,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid catalogue transforms/smol.toml: rule `x` needs `to` or `advice`"
        );
    }
}

/// A handler file's example: the source of the file, to its `Before:`/`After:` pair.
pub type Examples<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

/// `docs/mapping.md`, generated from the catalogue and each handler file's example (a test fails
/// when the file is stale).
pub fn mapping_markdown(cat: &Catalogue, examples: Examples<'_>) -> String {
    mapping_markdown_for(cat, false, examples)
}

/// docs/mapping-threads.md: the `--to threads` rows and handlers.
pub fn threads_mapping_markdown(examples: Examples<'_>) -> String {
    mapping_markdown_for(Catalogue::threads(false), true, examples)
}

/// The example of a handler's `//!` header: the code blocks after the lines `Before:` and
/// `After:`, with the `//! ` prefix removed (a block's fence may be longer than three backticks
/// when the example holds doc comments with code blocks).
pub fn doc_example(source: &str) -> Option<(String, String)> {
    let header: Vec<&str> = source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.strip_prefix("//! ")
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect();
    let block = |label: &str| -> Option<String> {
        let at = header.iter().position(|l| l.trim() == label)?;
        let open = at + 1;
        let opening = header.get(open)?;
        let fence: String = opening.chars().take_while(|&c| c == '`').collect();
        if fence.len() < 3 {
            return None;
        }
        let len = header[open + 1..].iter().position(|l| l.trim() == fence)?;
        let mut text = header[open + 1..open + 1 + len].join("\n");
        text.push('\n');
        Some(text)
    };
    Some((block("Before:")?, block("After:")?))
}

fn mapping_markdown_for(cat: &Catalogue, threads: bool, examples: Examples<'_>) -> String {
    let mut out = if threads {
        String::from(
            "# async-std -> blocking std (`--to threads`) mapping\n\n\
             Generated from `transforms/threads.toml` and `transforms/handlers.toml` by\n\
             `UPDATE_FIXTURES=1 cargo test --lib rules`; do not edit by hand. When a crate's\n\
             channels fit std's (see [threads.md](threads.md)), rows with an `mpsc` column use it.\n\n\
             A row without a target is a *blocker*: a crate that uses the item keeps an async runtime.\n\n\
             ## Paths\n\n| id | async-std | std | mpsc | handler | note |\n| --- | --- | --- | --- | --- | --- |\n",
        )
    } else {
        String::from(
            "# async-std -> smol mapping\n\n\
             Generated from `transforms/smol.toml` and `transforms/handlers.toml` by\n\
             `UPDATE_FIXTURES=1 cargo test --lib rules`; do not edit by hand.\n\n\
             A reference to async-std is resolved to its canonical path; the row with the longest `from`\n\
             prefix decides. A module row covers the members no other row names.\n\n\
             ## Paths\n\n| id | async-std | smol | handler | note |\n| --- | --- | --- | --- | --- |\n",
        )
    };
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for r in &cat.rules {
        let to = match &r.action {
            Action::MapTo(t) if t.is_empty() => "(nothing to import)".to_string(),
            Action::MapTo(t) => format!("`{}`", cell(t)),
            Action::Report(_) if threads && r.handler.is_some() => "(the handler)".to_string(),
            Action::Report(a) if threads => format!("blocker: {}", cell(a)),
            Action::Report(a) => format!("not migrated: {}", cell(a)),
        };
        let mpsc = if threads {
            format!(
                " {} |",
                r.mpsc
                    .as_deref()
                    .map(|m| format!("`{m}`"))
                    .unwrap_or_default()
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "| {} | `{}` | {} |{mpsc} {} | {} |\n",
            r.id,
            r.from_text(),
            to,
            r.handler
                .as_deref()
                .map(|h| format!("[{h}](#{h})"))
                .unwrap_or_default(),
            cell(&match (&r.note, &r.review) {
                (Some(n), Some(v)) => format!("{n} Review: {v}"),
                (None, Some(v)) => format!("Reported for review: {v}"),
                (Some(n), None) => n.clone(),
                (None, None) => String::new(),
            })
        ));
    }
    if threads {
        out.push_str("\n## Structural rewrites\n\nEach is a file under `src/threads/`.\n");
    } else {
        out.push_str("\n## Structural rewrites\n\nEach is one file under `src/handlers/`.\n");
    }
    let mut shown = std::collections::BTreeSet::new();
    for h in cat.handlers.iter().filter(|h| {
        let of_threads = crate::handlers::get(&h.id)
            .is_some_and(|r| r.target == crate::handlers::HandlerTarget::Threads);
        of_threads == threads
    }) {
        out.push_str(&format!("\n### {}\n\n{} (`{}`)\n", h.id, h.summary, h.file));
        if !shown.insert(h.file.as_str()) {
            continue; // the file's example is shown under its first handler
        }
        if let Some((before, after)) = examples(&h.file) {
            let fence = if before.contains("```") {
                "````"
            } else {
                "```"
            };
            out.push_str(&format!(
                "\n{fence}rust\n// before\n{before}{fence}\n\n{fence}rust\n// after\n{after}{fence}\n"
            ));
        }
    }
    out
}
