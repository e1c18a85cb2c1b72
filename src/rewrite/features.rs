//! `cfg(feature = "..")` gates that follow a renamed feature (see `manifest::rename_features`).
//!
//! ```text
//! before: #[cfg(feature = "async-std")]           #[cfg_attr(feature = "runtime-async-std", ..)]
//! after:  #[cfg(feature = "smol")]                #[cfg_attr(feature = "runtime-smol", ..)]
//! ```
//!
//! Every `feature = "old"` of the package's code is rewritten (`cfg`, `cfg_attr`, `cfg!`,
//! `doc(cfg(..))`), read by the lexer: a gate can sit in any file of the package, async-std or
//! not, and in attributes of any item. Comments and other strings are left alone.

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
