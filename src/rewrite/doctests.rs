//! Rust code blocks in doc comments (doctests) are migrated like code: each block is taken out of
//! its `///` or `//!` lines (hidden `# ` lines included), wrapped in `fn main` as rustdoc does when
//! it has none, migrated with the same rules, and written back with the same prefixes. A block
//! that does not parse, or that is not Rust (` ```text `, ` ```ignore `...), is left alone.
//!
//! Before:
//! ````text
//! /// Sleeps a little.
//! ///
//! /// ```
//! /// # async_std::task::block_on(async {
//! /// async_std::task::sleep(std::time::Duration::from_millis(1)).await;
//! /// # });
//! /// ```
//! pub fn documented() {}
//! ````
//! After:
//! ````text
//! /// Sleeps a little.
//! ///
//! /// ```
//! /// # smol::block_on(async {
//! /// smol::Timer::after(std::time::Duration::from_millis(1)).await;
//! /// # });
//! /// ```
//! pub fn documented() {}
//! ````

use super::{migrate_file, FileCtx};
use crate::report::RawFinding;
use crate::resolve::syntax::{resolve_file, FilePlace};

/// One line of a code block: where its code starts in the file text and whether it is hidden.
struct CodeLine {
    /// Byte range of the whole line (without the line break).
    line: std::ops::Range<usize>,
    /// The comment prefix (`/// `, `    //! `) as written.
    prefix: String,
    hidden: bool,
    /// A hidden line's indentation before its `# ` (rustdoc hides `    # x` too).
    hidden_indent: String,
    code: String,
}

fn comment_prefix(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    for marker in ["///", "//!"] {
        if let Some(rest) = trimmed.strip_prefix(marker) {
            if rest.starts_with('/') {
                return None; // `////` is a plain comment
            }
            let space = usize::from(rest.starts_with(' '));
            return Some((
                indent + marker.len() + space,
                &line[..indent + marker.len() + space],
            ));
        }
    }
    None
}

/// Whether a fence's info string is a Rust doctest.
fn is_rust_fence(info: &str) -> bool {
    let words: Vec<&str> = info
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().all(|w| {
        matches!(
            *w,
            "rust"
                | "no_run"
                | "should_panic"
                | "compile_fail"
                | "edition2018"
                | "edition2021"
                | "edition2024"
        )
    })
}

/// What migrating a file's doc blocks gave.
pub struct DocOutcome {
    /// The file's text with its blocks migrated.
    pub text: String,
    /// The blocks changed.
    pub blocks: usize,
    /// The crates the blocks' rewrites name (see [`super::FileOutcome::crates`]).
    pub crates: std::collections::BTreeSet<String>,
}

/// The rule id doc blocks are counted under.
pub const RULE: &str = "doctest-blocks";

/// Migrates the doc blocks of `text` (already migrated as code) with the smol catalogue `cat`:
/// each block as a file of its own, by syntax (rust-analyzer does not see doc blocks). Returns
/// the new text and how many blocks changed, or `None` when none did.
pub fn migrate_doc_blocks(
    text: &str,
    cat: &crate::rules::Catalogue,
    krate: &crate::resolve::CrateContext,
    edition: &str,
    findings: &mut Vec<RawFinding>,
) -> Option<DocOutcome> {
    migrate_doc_blocks_to(text, cat, krate, edition, None, findings)
}

/// Migrates the Rust code blocks of a Markdown file a crate includes as its docs (its README):
/// each line read as a line of a doc comment, the blocks migrated as doc comments' are. Returns
/// the new text and how many blocks changed, or `None` when none did or a block keeps async-std
/// code (a finding in `findings` says where).
pub fn migrate_markdown(
    text: &str,
    cat: &crate::rules::Catalogue,
    krate: &crate::resolve::CrateContext,
    edition: &str,
    findings: &mut Vec<RawFinding>,
) -> Option<(String, usize)> {
    let prefixed: String = text
        .split_inclusive('\n')
        .map(|l| format!("/// {l}"))
        .collect();
    let out = migrate_doc_blocks(&prefixed, cat, krate, edition, findings)?;
    let back: String = out
        .text
        .split_inclusive('\n')
        .map(|l| {
            l.strip_prefix("/// ")
                .or_else(|| l.strip_prefix("///"))
                .unwrap_or(l)
        })
        .collect();
    // What a block still says of async-std: the file is not migrated.
    let left = rust_blocks(&out.text).iter().any(|b| {
        b.iter()
            .any(|l| crate::workspace::mentions_any(&l.code, &krate.roots))
    });
    let kept = findings
        .iter()
        .any(|f| f.severity == crate::report::Severity::NotMigrated);
    (!left && !kept).then_some((back, out.blocks))
}

/// [`migrate_doc_blocks`] to a target: `threads` is the package's plan for `--to threads` (the
/// blocks become the blocking form of the code they document).
pub fn migrate_doc_blocks_to(
    text: &str,
    cat: &crate::rules::Catalogue,
    krate: &crate::resolve::CrateContext,
    edition: &str,
    threads: Option<&crate::threads::Plan>,
    findings: &mut Vec<RawFinding>,
) -> Option<DocOutcome> {
    let fcx = FileCtx {
        cat,
        oracle: &crate::resolve::NoTypes,
        krate,
        edition,
        in_lib: false,
        doc: true,
        threads,
        generated: &crate::handlers::generated::Paths::NONE,
        nodes: None,
    };
    let mut replacements: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut crates = std::collections::BTreeSet::new();
    for block in rust_blocks(text) {
        if let Some((new_lines, named)) = migrate_block(&block, fcx, findings) {
            crates.extend(named);
            let range = block[0].line.start..block.last().unwrap().line.end;
            let nl = if text[block[0].line.end..].starts_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            replacements.push((range, new_lines.join(nl)));
        }
    }
    if replacements.is_empty() {
        return None;
    }
    let changed = replacements.len();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (r, t) in replacements {
        out.push_str(&text[last..r.start]);
        out.push_str(&t);
        last = r.end;
    }
    out.push_str(&text[last..]);
    Some(DocOutcome {
        text: out,
        blocks: changed,
        crates,
    })
}

/// Insertions into the code of the text's doc examples (`insert` is given each block's code,
/// its lines joined), as offsets of `text`. An insertion that falls in the `# ` of a hidden line
/// goes after it.
pub(crate) fn code_block_insertions<T>(
    text: &str,
    insert: impl Fn(&str) -> Vec<(usize, T)>,
) -> Vec<(usize, T)> {
    let mut out = Vec::new();
    for block in rust_blocks(text) {
        let mut code = String::new();
        // Where each line's code starts in the joined code.
        let mut starts = Vec::new();
        for l in &block {
            starts.push(code.len());
            code.push_str(&l.code);
            code.push('\n');
        }
        for (at, t) in insert(&code) {
            let i = starts.partition_point(|&s| s <= at).saturating_sub(1);
            let l = &block[i];
            let k = (at - starts[i]).min(l.code.len());
            // The line's code begins after its prefix; a hidden line's `# ` sits after its
            // indentation.
            let mut pos = l.line.start + l.prefix.len() + k;
            if l.hidden && k >= l.hidden_indent.len() {
                let original = &text[l.line.clone()];
                let marker = &original[l.prefix.len() + l.hidden_indent.len()..];
                pos += if marker.starts_with("# ") { 2 } else { 1 };
            }
            out.push((pos.min(l.line.end), t));
        }
    }
    out
}

/// The Rust code blocks of the text's doc comments, each non-empty (its lines, `# ` hidden
/// lines marked).
fn rust_blocks(text: &str) -> Vec<Vec<CodeLine>> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut pos = 0;
    for l in text.split_inclusive('\n') {
        lines.push((pos, l.trim_end_matches(['\n', '\r'])));
        pos += l.len();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (_, line) = lines[i];
        let Some((plen, _)) = comment_prefix(line) else {
            i += 1;
            continue;
        };
        let body = &line[plen..];
        let Some(info) = body.trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let rust = is_rust_fence(info.trim());
        // Collect until the closing fence (or the end of the doc comment: rustdoc runs a block
        // left open there too).
        let mut block = Vec::new();
        let mut j = i + 1;
        while j < lines.len() {
            let (s, l) = lines[j];
            let Some((p, prefix)) = comment_prefix(l) else {
                break;
            };
            let b = &l[p..];
            if b.trim_start().starts_with("```") {
                break;
            }
            let t = b.trim_start();
            let indent = &b[..b.len() - t.len()];
            let (hidden, code) = match t.strip_prefix("# ").or_else(|| (t == "#").then_some("")) {
                Some(c) => (true, format!("{indent}{c}")),
                None => (false, b.to_string()),
            };
            block.push(CodeLine {
                line: s..s + l.len(),
                prefix: prefix.to_string(),
                hidden,
                hidden_indent: if hidden {
                    indent.to_string()
                } else {
                    String::new()
                },
                code,
            });
            j += 1;
        }
        if rust && !block.is_empty() {
            out.push(block);
        }
        i = j + 1;
    }
    out
}

/// Why the text's doc examples that use async-std cannot become blocking code (`--to threads`):
/// one reason per block that cannot, from the same analysis as the package's files.
pub fn threads_blockers(
    text: &str,
    plan: &crate::threads::Plan,
    krate: &crate::resolve::CrateContext,
    edition: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for block in rust_blocks(text) {
        let code: String = block.iter().map(|l| format!("{}\n", l.code)).collect();
        if !krate.roots.iter().any(|r| code.contains(r.as_str())) {
            continue;
        }
        let src = if code.contains("fn main") {
            code
        } else {
            format!("fn main() {{\n{code}}}\n")
        };
        let parse = super::parse(&src, edition);
        if !parse.errors().is_empty() {
            out.push("a doc example that does not parse as Rust".to_string());
            continue;
        }
        let sf = super::macros::shadow_tree(&src, parse.tree(), None, edition);
        let sites = resolve_file(
            &sf,
            &FilePlace {
                in_lib: false,
                module: vec![],
            },
            krate,
        );
        let ctx = super::Ctx {
            src: &src,
            sf: &sf,
            sites: &sites,
            cat: crate::rules::Catalogue::threads(plan.mpsc),
            oracle: &crate::resolve::NoTypes,
            krate,
            edition,
            in_lib: false,
            doc: true,
            threads: Some(plan),
            generated: &crate::handlers::generated::Paths::NONE,
            nodes: std::cell::OnceCell::new(),
        };
        let facts = crate::threads::analyse_file(&ctx, plan, None);
        if let Some(b) = facts.blockers.first() {
            out.push(b.message.clone());
        }
    }
    out
}

fn migrate_block(
    block: &[CodeLine],
    fcx: FileCtx<'_>,
    findings: &mut Vec<RawFinding>,
) -> Option<(Vec<String>, std::collections::BTreeSet<String>)> {
    let code: String = block.iter().map(|l| format!("{}\n", l.code)).collect();
    if !code.contains("async_std") && !fcx.krate.roots.iter().any(|r| code.contains(r.as_str())) {
        return None;
    }
    let wrapped = !code.contains("fn main");
    let src = if wrapped {
        format!("fn main() {{\n{code}}}\n")
    } else {
        code.clone()
    };
    let parse = super::parse(&src, fcx.edition);
    if !parse.errors().is_empty() {
        return None;
    }
    let sf = super::macros::shadow_tree(&src, parse.tree(), None, fcx.edition);
    let sites = resolve_file(
        &sf,
        &FilePlace {
            in_lib: false,
            module: vec![],
        },
        fcx.krate,
    );
    let out = migrate_file(&src, &sf, &sites, fcx);
    let new = out.new_text?;
    let new_code = if wrapped {
        let inner = new.strip_prefix("fn main() {\n")?;
        inner.strip_suffix("}\n")?.to_string()
    } else {
        new
    };
    for f in out.findings {
        // Doc findings are located at the block's first line.
        findings.push(RawFinding {
            offset: block[0].line.start,
            ..f
        });
    }
    // Hidden status follows the old lines: a replaced line keeps the status (and prefix) of the
    // line it replaces, an inserted one that of the line before it.
    let old: Vec<&str> = block.iter().map(|l| l.code.as_str()).collect();
    let new_lines: Vec<&str> = new_code.lines().collect();
    let diff = similar::TextDiff::from_slices(&old, &new_lines);
    let mut source_of = vec![0usize; new_lines.len()];
    for op in diff.ops() {
        match *op {
            similar::DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for t in 0..len {
                    source_of[new_index + t] = old_index + t;
                }
            }
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for t in 0..new_len {
                    source_of[new_index + t] = old_index + t.min(old_len - 1);
                }
            }
            similar::DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                for t in 0..new_len {
                    source_of[new_index + t] = old_index.saturating_sub(1);
                }
            }
            similar::DiffOp::Delete { .. } => {}
        }
    }
    // A blank line's prefix lacks the space after the marker (`//!`): a code line placed on one
    // takes the prefix of the block's code lines.
    let code_prefix = block
        .iter()
        .find(|l| !l.code.is_empty() && !l.hidden)
        .map(|l| l.prefix.clone());
    let result = new_lines
        .iter()
        .zip(source_of)
        .map(|(v, i)| {
            let src = &block[i.min(block.len() - 1)];
            let prefix = match &code_prefix {
                Some(p) if src.code.is_empty() && !v.is_empty() && !src.hidden => p,
                _ => &src.prefix,
            };
            let line = if src.hidden {
                let ind = &src.hidden_indent;
                let v = v.strip_prefix(ind.as_str()).unwrap_or(v);
                if v.is_empty() {
                    format!("{}{ind}#", src.prefix)
                } else {
                    format!("{}{ind}# {v}", src.prefix)
                }
            } else {
                format!("{prefix}{v}")
            };
            line.trim_end().to_string()
        })
        .collect();
    Some((result, out.crates))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rust_fences() {
        assert!(super::is_rust_fence(""));
        assert!(super::is_rust_fence("rust,no_run"));
        assert!(!super::is_rust_fence("text"));
        assert!(!super::is_rust_fence("ignore"));
    }
}

#[cfg(test)]
mod check_tests {
    use crate::handlers::check::*;

    #[test]
    fn a_test_in_a_doc_example_stays_out_of_the_doctest() {
        // rustdoc builds no `#[test]` fn (rstest's docs call items they never define there):
        // the async fn the test runs is built for tests only too.
        check_rewrite(
            super::RULE,
            "/// ```\n/// #[async_std::test]\n/// async fn single() {\n///     undefined().await;\n/// }\n/// ```\npub fn documented() {}\n",
            "/// ```\n/// #[test]\n/// fn single() {\n///     smol::block_on(async_single())\n/// }\n///\n/// #[cfg(test)]\n/// async fn async_single() {\n///     undefined().await;\n/// }\n/// ```\npub fn documented() {}\n",
        );
    }

    #[test]
    fn a_text_block_is_not_rust() {
        check_not_applicable(
            super::RULE,
            "/// ```text\n/// async_std::task::block_on(f());\n/// ```\npub fn documented() {}\n",
        );
    }
}
