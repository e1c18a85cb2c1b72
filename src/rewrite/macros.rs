//! Macro arguments are token trees, invisible to a syntax tree walk. Expression-like macro calls
//! (`println!("{}", p.exists().await)`, `assert_eq!(task::block_on(f), 1)`, `vec![..]`) are made
//! visible by a same-length "shadow" of the text: `name!(` becomes `name (` and `vec![`
//! becomes `    [`, so the arguments parse as a call's or an array's and every byte offset stays
//! the same. Edits found on the shadow apply to the real text unchanged. A macro whose arguments
//! do not parse as expressions (`select! { .. }`, `matches!(x, A { .. } if ..)`) is left alone,
//! and so are macros that quote their input (`stringify!`, `concat!`, ...).

use ra_ap_syntax::ast::{self, AstNode};
use ra_ap_syntax::SyntaxKind;

const QUOTING: &[&str] = &[
    "stringify",
    "concat",
    "include",
    "include_str",
    "include_bytes",
    "env",
    "option_env",
    "cfg",
    "compile_error",
    "concat_idents",
    "module_path",
    "file",
    "line",
    "column",
    "quote",
    "macro_rules",
];

/// The shadow text, or `None` when no macro call changes.
pub fn shadow(text: &str, sf: &ast::SourceFile, edition: &str) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let mut changed = false;
    for mc in sf.syntax().descendants().filter_map(ast::MacroCall::cast) {
        let Some(parent) = mc.syntax().parent() else {
            continue;
        };
        if parent.kind() != SyntaxKind::MACRO_EXPR {
            continue;
        }
        let (Some(path), Some(bang), Some(tt)) = (mc.path(), mc.excl_token(), mc.token_tree())
        else {
            continue;
        };
        let Some(name) = path
            .segment()
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string())
        else {
            continue;
        };
        if QUOTING.contains(&name.as_str()) {
            continue;
        }
        let tt_text = tt.syntax().text().to_string();
        let open = tt_text.chars().next();
        let probe_src = match open {
            Some('(') => format!("fn __probe() {{ __m{tt_text}; }}"),
            Some('[') if name == "vec" => format!("fn __probe() {{ {tt_text}; }}"),
            _ => continue,
        };
        if !super::parse(&probe_src, edition).errors().is_empty() {
            continue;
        }
        let b: usize = bang.text_range().start().into();
        if open == Some('[') {
            // `vec![` -> `    [`: the whole path and the bang become spaces.
            let p: usize = path.syntax().text_range().start().into();
            for x in &mut bytes[p..=b] {
                *x = b' ';
            }
        } else {
            // `name!(..)` -> `name (..)`: a call, and the macro's path stays as written.
            bytes[b] = b' ';
        }
        changed = true;
    }
    if !changed {
        return None;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    fn shadow(src: &str) -> Option<String> {
        let p = super::super::parse(src, "2021");
        super::shadow(src, &p.tree(), "2021")
    }

    #[test]
    fn expression_macros_become_calls_of_the_same_length() {
        assert_eq!(
            shadow("fn f() { println!(\"{}\", p.exists().await); let v = vec![1]; }").unwrap(),
            "fn f() { println (\"{}\", p.exists().await); let v =     [1]; }"
        );
    }

    #[test]
    fn other_macros_are_left_alone() {
        assert_eq!(
            shadow("fn f() { select! { a = x => 1 }; stringify!(a::b); }"),
            None
        );
    }
}
