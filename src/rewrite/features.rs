//! `cfg(feature = "..")` gates that follow a renamed feature (see `manifest::rename_features`).
//!
//! ```text
//! before: #[cfg(feature = "async-std")]           #[cfg_attr(feature = "runtime-async-std", ..)]
//! after:  #[cfg(feature = "smol")]                #[cfg_attr(feature = "runtime-smol", ..)]
//! ```
//!
//! Every `feature = "old"` of the package's code is rewritten (`cfg`, `cfg_attr`, `cfg!`,
//! `doc(cfg(..))`), read by the lexer: a gate can sit in any file of the package, async-std or
//! not, and in attributes of any item. Doc comments too: their examples are doctests, compiled
//! with the package's features (`/// #[cfg(feature = "runtime-async-std")] use ..;`). Other
//! comments and strings are left alone.

use ra_ap_syntax::{Edition, SyntaxKind};

/// The text with the gates renamed, and how many; `None` when nothing changes.
pub fn rename_cfg_features(
    text: &str,
    renames: &[(String, String)],
    edition: Edition,
) -> Option<(String, usize)> {
    if !renames
        .iter()
        .any(|(old, _)| text.contains(&format!("\"{old}\"")))
    {
        return None;
    }
    let lexed = ra_ap_parser::LexedStr::new(edition, text);
    let significant: Vec<usize> = (0..lexed.len())
        .filter(|&i| !matches!(lexed.kind(i), SyntaxKind::WHITESPACE | SyntaxKind::COMMENT))
        .collect();
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for w in significant.windows(3) {
        let (f, eq, s) = (w[0], w[1], w[2]);
        if lexed.kind(f) != SyntaxKind::IDENT
            || lexed.text(f) != "feature"
            || lexed.kind(eq) != SyntaxKind::EQ
            || lexed.kind(s) != SyntaxKind::STRING
        {
            continue;
        }
        let lit = lexed.text(s);
        let Some((_, new)) = renames.iter().find(|(old, _)| lit == format!("\"{old}\"")) else {
            continue;
        };
        edits.push((lexed.text_range(s), format!("\"{new}\"")));
    }
    for i in (0..lexed.len()).filter(|&i| lexed.kind(i) == SyntaxKind::COMMENT) {
        let c = lexed.text(i);
        if !["///", "//!", "/**", "/*!"]
            .iter()
            .any(|p| c.starts_with(p))
        {
            continue;
        }
        let base = lexed.text_range(i).start;
        edits.extend(
            doc_gates(c, renames)
                .into_iter()
                .map(|(r, t)| (base + r.start..base + r.end, t)),
        );
    }
    edits.sort_by_key(|(r, _)| r.start);
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (r, t) in &edits {
        out.push_str(&text[pos..r.start]);
        out.push_str(t);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    Some((out, edits.len()))
}

/// `feature = "old"` in a doc comment's text (spaces around `=` allowed): the quoted names'
/// ranges and their new texts.
fn doc_gates(text: &str, renames: &[(String, String)]) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("feature") {
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let rest = &text[at + "feature".len()..];
        let Some(after_eq) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let quoted = after_eq.trim_start();
        let start = text.len() - quoted.len();
        for (old, new) in renames {
            let lit = format!("\"{old}\"");
            if before_ok && quoted.starts_with(&lit) {
                out.push((start..start + lit.len(), format!("\"{new}\"")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_follow_the_renamed_feature_and_nothing_else_does() {
        let renames = vec![("async-std".to_string(), "smol".to_string())];
        let src = "#[cfg(feature = \"async-std\")]\nmod rt; // feature = \"async-std\"\n\
                   #[cfg_attr(all(test, feature=\"async-std\"), smol::test)]\nfn f() { \
                   if cfg!(feature = \"async-std\") { println!(\"async-std\"); } }\n";
        let (out, n) = rename_cfg_features(src, &renames, Edition::Edition2021).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            out,
            "#[cfg(feature = \"smol\")]\nmod rt; // feature = \"async-std\"\n\
             #[cfg_attr(all(test, feature=\"smol\"), smol::test)]\nfn f() { \
             if cfg!(feature = \"smol\") { println!(\"async-std\"); } }\n"
        );
        // A doc example is a doctest, built with the package's features.
        let doc = "/// ```\n/// #[cfg(feature = \"async-std\")]\n/// use async_std::net::TcpStream;\n/// ```\n//! features = [\"async-std\"], a_feature=\"async-std\"\n// feature = \"async-std\"\nfn h() {}\n";
        let (out, n) = rename_cfg_features(doc, &renames, Edition::Edition2021).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            out,
            "/// ```\n/// #[cfg(feature = \"smol\")]\n/// use async_std::net::TcpStream;\n/// ```\n//! features = [\"async-std\"], a_feature=\"async-std\"\n// feature = \"async-std\"\nfn h() {}\n"
        );
        assert_eq!(
            rename_cfg_features(
                "#[cfg(feature = \"tokio\")] fn g() {}",
                &renames,
                Edition::Edition2021
            ),
            None
        );
    }
}
