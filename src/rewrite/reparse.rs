//! Parsing again only what changed.
//!
//! A Rust file is a sequence of units that parse on their own: the items of the file or of a
//! module, the items of an `impl` or a `trait`, the statements (and tail expression) of a
//! block. A change inside one unit cannot change how the others parse, so a changed text is
//! parsed unit by unit, each in a wrapper that gives it the surroundings it had:
//!
//! ```text
//! statement:  fn __asm_unit() {\n<unit>\n __asm_next(); }   (the call only when a statement followed)
//! item:       <unit>\nfn __asm_next() {}                     (the fn only when an item followed)
//! impl item:  impl __AsmUnit {\n<unit>\n}
//! trait item: trait __AsmUnit {\n<unit>\n}
//! ```
//!
//! The stand-in for what followed keeps a lost `;` an error (`f()` alone is a fine tail
//! expression; `f() __asm_next();` is not). Two uses:
//!
//! - [`graft`]: the shadow text of macro arguments (same length as the original) is parsed per
//!   unit and grafted into the tree, which is then the tree a parse of the whole shadow text
//!   gives (`tests::grafts_equal_full_parses` holds that on every fixture);
//! - [`check`]: a rewrite's output is proved to parse by parsing the units it changed.
//!
//! When an edit falls in no unit (a comment, an inner attribute of the file), or a wrapper does
//! not parse the original unit cleanly, both answer "don't know" and the caller parses the
//! whole text, as it did before.

use ra_ap_syntax::{
    AstNode, Edition, GreenNode, NodeOrToken, SyntaxKind, SyntaxNode, TextRange, TextSize,
};

/// What surrounds a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Stmt,
    Item,
    Impl,
    Trait,
}

#[derive(Debug, Clone)]
struct Unit {
    range: TextRange,
    wrap: Wrap,
    /// Another unit of the same list follows it.
    followed: bool,
    /// The kind of the list that holds it (to find it again in a grafted tree).
    parent: SyntaxKind,
    /// The range of that list: units of one list can be merged.
    list: TextRange,
    /// One node (not a run of a list's members and the space between them).
    single: bool,
}

/// The wrapper for the members of `list`, when it is a list of units.
fn list_wrap(list: &SyntaxNode) -> Option<Wrap> {
    match list.kind() {
        SyntaxKind::STMT_LIST => Some(Wrap::Stmt),
        SyntaxKind::SOURCE_FILE | SyntaxKind::ITEM_LIST => Some(Wrap::Item),
        SyntaxKind::ASSOC_ITEM_LIST => match list.parent()?.kind() {
            SyntaxKind::IMPL => Some(Wrap::Impl),
            SyntaxKind::TRAIT => Some(Wrap::Trait),
            _ => None,
        },
        _ => None,
    }
}

fn followed(list: &SyntaxNode, end: TextSize) -> bool {
    list.children()
        .any(|c| c.kind() != SyntaxKind::ATTR && c.text_range().start() >= end)
}

/// The smallest unit whose range holds `range`: one member of a list (an item, a statement),
/// or, for a range over several members or the space between them, the run of members it
/// touches.
fn unit_of(root: &SyntaxNode, range: TextRange) -> Option<Unit> {
    if !root.text_range().contains_range(range) {
        return None;
    }
    let start = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    for n in start.ancestors() {
        if !n.text_range().contains_range(range) {
            continue;
        }
        let parent = n.parent();
        if let Some(list) = parent.as_ref().filter(|_| n.kind() != SyntaxKind::ATTR) {
            if let Some(wrap) = list_wrap(list) {
                return Some(Unit {
                    range: n.text_range(),
                    wrap,
                    followed: followed(list, n.text_range().end()),
                    parent: list.kind(),
                    list: list.text_range(),
                    single: true,
                });
            }
        }
        if let Some(wrap) = list_wrap(&n) {
            // Inside the braces (a file has none).
            let inner_start = n
                .children_with_tokens()
                .find(|c| c.kind() == SyntaxKind::L_CURLY)
                .map_or(n.text_range().start(), |c| c.text_range().end());
            let inner_end = n
                .children_with_tokens()
                .find(|c| c.kind() == SyntaxKind::R_CURLY)
                .map_or(n.text_range().end(), |c| c.text_range().start());
            if range.start() < inner_start || range.end() > inner_end {
                return None;
            }
            let touched: Vec<SyntaxNode> = n
                .children()
                .filter(|c| {
                    let r = c.text_range();
                    (r.start() < range.end() && range.start() < r.end())
                        || (range.is_empty()
                            && r.start() < range.start()
                            && range.start() < r.end())
                })
                .collect();
            if touched.iter().any(|c| c.kind() == SyntaxKind::ATTR) {
                return None;
            }
            let mut span = range;
            for c in &touched {
                span = span.cover(c.text_range());
            }
            return Some(Unit {
                range: span,
                wrap,
                followed: followed(&n, span.end()),
                parent: n.kind(),
                list: n.text_range(),
                single: false,
            });
        }
    }
    None
}

/// The outermost units holding `ranges` (sorted, disjoint), or `None` when one is in no unit.
fn units_of(root: &SyntaxNode, ranges: impl Iterator<Item = TextRange>) -> Option<Vec<Unit>> {
    let mut units = Vec::new();
    for r in ranges {
        units.push(unit_of(root, r)?);
    }
    units.sort_by_key(|u| (u.range.start(), std::cmp::Reverse(u.range.end())));
    let mut out: Vec<Unit> = Vec::new();
    for u in units {
        match out.last_mut() {
            Some(last) if last.range.contains_range(u.range) => {}
            // Runs of one list that overlap or touch become one run.
            Some(last) if u.range.start() <= last.range.end() => {
                if last.list != u.list || last.parent != u.parent {
                    return None;
                }
                last.range = last.range.cover(u.range);
                last.single = false;
                last.followed = u.followed;
            }
            _ => out.push(u),
        }
    }
    Some(out)
}

/// `body` in its wrapper, and where the body starts in it.
fn wrapped(unit: &Unit, body: &str) -> (String, usize) {
    let (head, tail) = match (unit.wrap, unit.followed) {
        (Wrap::Stmt, false) => ("fn __asm_unit() {\n", "\n}\n"),
        (Wrap::Stmt, true) => ("fn __asm_unit() {\n", "\n __asm_next(); }\n"),
        (Wrap::Item, false) => ("", "\n"),
        (Wrap::Item, true) => ("", "\nfn __asm_next() {}\n"),
        (Wrap::Impl, _) => ("impl __AsmUnit {\n", "\n}\n"),
        (Wrap::Trait, _) => ("trait __AsmUnit {\n", "\n}\n"),
    };
    (format!("{head}{body}{tail}"), head.len())
}

fn parse_wrapped(unit: &Unit, body: &str, edition: Edition) -> (super::FileParse, usize) {
    let (text, at) = wrapped(unit, body);
    (super::parse_in(&text, edition), at)
}

/// The tree of `new_text`, a text of the same length as `root`'s that differs from it only
/// inside `changed` ranges; `None` when a whole parse is needed instead.
pub fn graft(
    root: &SyntaxNode,
    new_text: &str,
    changed: &[TextRange],
    edition: Edition,
) -> Option<SyntaxNode> {
    if TextSize::of(new_text) != root.text_range().len() {
        return None;
    }
    let units = units_of(root, changed.iter().copied())?;
    let mut greens: Vec<(Unit, SyntaxKind, GreenNode)> = Vec::new();
    for u in units {
        if !u.single {
            return None;
        }
        let body = new_text.get(usize::from(u.range.start())..usize::from(u.range.end()))?;
        let (parse, at) = parse_wrapped(&u, body, edition);
        let tree = parse.tree().syntax().clone();
        let want = TextRange::at(TextSize::from(at as u32), u.range.len());
        let node = outermost_with_range(&tree, want, u.parent)?;
        // One node, the whole body: nothing of the body spilled into the wrapper.
        if node.text_range() != want {
            return None;
        }
        greens.push((u, node.kind(), node.green().to_owned()));
    }
    let mut current = root.clone();
    for (u, kind, green) in greens {
        let node = outermost_with_range(&current, u.range, u.parent)?;
        // A statement can change kind (a macro statement becomes an expression statement):
        // then its list takes the new child in its place.
        current = SyntaxNode::new_root(if node.kind() == kind {
            node.replace_with(green)
        } else {
            let list = node.parent()?;
            let new_list = list.green().replace_child(node.index(), green.into());
            list.replace_with(new_list)
        });
    }
    Some(current)
}

/// The outermost node with exactly `range` whose parent is a `parent`.
fn outermost_with_range(
    root: &SyntaxNode,
    range: TextRange,
    parent: SyntaxKind,
) -> Option<SyntaxNode> {
    let start = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    start
        .ancestors()
        .take_while(|n| n.text_range() == range)
        .filter(|n| n.parent().is_some_and(|p| p.kind() == parent))
        .last()
}

/// Whether a rewrite's output parses, known from its changed units.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Every changed unit parses.
    Parses,
    /// A changed unit no longer parses: the parser's first message.
    Broken(String),
    /// Not known this way: parse the whole output.
    Unknown,
}

fn is_ident(t: &str) -> bool {
    let mut c = t.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// A whole path replaced by a plain path (`async_std::task::spawn` -> `smol::spawn`), or a name
/// by a name.
fn safe_edit(root: &SyntaxNode, s: usize, e: usize, text: &str) -> bool {
    if s == e || text.is_empty() {
        return false;
    }
    let path_text = text.split("::").all(is_ident);
    if !path_text {
        return false;
    }
    let range = TextRange::new(TextSize::from(s as u32), TextSize::from(e as u32));
    if !root.text_range().contains_range(range) {
        return false;
    }
    match root.covering_element(range) {
        NodeOrToken::Node(n) => {
            n.text_range() == range
                && n.ancestors()
                    .take_while(|a| a.text_range() == range)
                    .any(|a| a.kind() == SyntaxKind::PATH)
        }
        NodeOrToken::Token(t) => {
            t.text_range() == range && t.kind() == SyntaxKind::IDENT && is_ident(text)
        }
    }
}

/// Checks the output of `edits` (start, end, new text; in the order they were applied, on
/// `src`, the text of `root`).
pub fn check(
    root: &SyntaxNode,
    src: &str,
    edits: &[(usize, usize, &str)],
    edition: Edition,
) -> Checked {
    // A path put in place of a whole path, or a name in place of a name, cannot break the
    // parse: such edits need no unit parsed (they are still applied in units parsed for other
    // edits).
    let ranges = edits
        .iter()
        .filter(|&&(s, e, t)| !safe_edit(root, s, e, t))
        .map(|&(s, e, _)| TextRange::new(TextSize::from(s as u32), TextSize::from(e as u32)));
    let Some(units) = units_of(root, ranges) else {
        return Checked::Unknown;
    };
    let mut i = 0;
    for u in &units {
        let (us, ue) = (usize::from(u.range.start()), usize::from(u.range.end()));
        let mut body = String::with_capacity(ue - us + 16);
        let mut pos = us;
        // The unit's edits: those that start in it, and insertions at its end.
        while let Some(&(s, e, t)) = edits.get(i) {
            if s < us {
                i += 1; // before the unit: a safe edit in no unit
                continue;
            }
            if s > ue || (s == ue && e != ue) {
                break;
            }
            if e > ue {
                return Checked::Unknown; // across the unit's end: cannot happen
            }
            body.push_str(&src[pos..s]);
            body.push_str(t);
            pos = pos.max(e);
            i += 1;
        }
        body.push_str(&src[pos.min(ue)..ue]);
        let (parse, _) = parse_wrapped(u, &body, edition);
        let errors = parse.errors();
        if let Some(first) = errors.first() {
            let (orig, _) = parse_wrapped(u, &src[us..ue], edition);
            if !orig.errors().is_empty() {
                return Checked::Unknown;
            }
            return Checked::Broken(first.to_string());
        }
    }
    Checked::Parses
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(src: &str) -> SyntaxNode {
        ast::SourceFile::parse(src, Edition::Edition2021).syntax_node()
    }

    fn check_one(src: &str, at: std::ops::Range<usize>, new: &str) -> Checked {
        check(
            &tree(src),
            src,
            &[(at.start, at.end, new)],
            Edition::Edition2021,
        )
    }

    #[test]
    fn a_lost_semicolon_is_an_error_where_a_statement_follows() {
        let src = "fn f() {\n    a();\n    b();\n}\n";
        let semi = src.find("a();").unwrap() + 3;
        assert!(matches!(
            check_one(src, semi..semi + 1, ""),
            Checked::Broken(_)
        ));
        // The last one becomes a tail expression: still valid Rust.
        let semi = src.find("b();").unwrap() + 3;
        assert_eq!(check_one(src, semi..semi + 1, ""), Checked::Parses);
    }

    #[test]
    fn items_and_impl_items_are_units() {
        let src = "use a::b;\nimpl S {\n    fn f(&self) { x(); }\n}\n";
        let at = src.find("x()").unwrap();
        assert_eq!(check_one(src, at..at + 1, "y::z"), Checked::Parses);
        assert!(matches!(
            check_one(src, at..at + 1, "y::"),
            Checked::Broken(_)
        ));
        assert_eq!(check_one(src, 0..9, "use c::{d, e};"), Checked::Parses);
    }

    #[test]
    fn unbalanced_output_is_broken() {
        let src = "fn f() {\n    g(1);\n}\nfn h() {}\n";
        let at = src.find("g(1)").unwrap();
        assert!(matches!(
            check_one(src, at..at + 4, "g(1"),
            Checked::Broken(_)
        ));
    }

    #[test]
    fn a_graft_gives_the_tree_of_a_whole_parse() {
        let src = "fn f() {\n    println!(\"{}\", x.await);\n    let v = vec![g(1)];\n}\n";
        let shadow = "fn f() {\n    println (\"{}\", x.await);\n    let v =     [g(1)];\n}\n";
        let root = tree(src);
        let changed: Vec<TextRange> = [src.find('!').unwrap(), src.find("vec").unwrap()]
            .iter()
            .map(|&s| TextRange::at(TextSize::from(s as u32), TextSize::from(4)))
            .collect();
        let grafted = graft(&root, shadow, &changed, Edition::Edition2021).unwrap();
        assert_eq!(format!("{grafted:#?}"), format!("{:#?}", tree(shadow)));
    }

    use ra_ap_syntax::ast;

    /// The shadow trees of every fixture (and of the files below `ASM_GRAFT_CORPUS`, to try a
    /// larger tree) are the same grafted as parsed whole.
    #[test]
    fn grafts_equal_full_parses() {
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        dirs.extend(std::env::var_os("ASM_GRAFT_CORPUS").map(std::path::PathBuf::from));
        let mut files = 0;
        for dir in dirs {
            for e in walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(Result::ok)
            {
                if e.path().extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue;
                };
                let sf = crate::rewrite::parse(&text, "2021").tree();
                let by_graft =
                    crate::rewrite::macros::shadow_tree_by(&text, sf.clone(), None, "2021", true);
                let whole = crate::rewrite::macros::shadow_tree_by(&text, sf, None, "2021", false);
                assert_eq!(
                    format!("{:#?}", by_graft.syntax()),
                    format!("{:#?}", whole.syntax()),
                    "{}",
                    e.path().display()
                );
                files += 1;
            }
        }
        assert!(files > 50, "{files} files");
    }
}
