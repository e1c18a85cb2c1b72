//! Text edits against the original source. Every edit carries the rule that made it; a file's hard
//! edits must be disjoint (an overlap is a conflict and the file is left untouched, never a silent
//! overwrite). Soft edits (re-indentation) give way to hard ones.

use std::fmt;

/// One replacement of `start..end` (bytes of the original text) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub rule: String,
    /// Dropped, not reported, when it falls inside a hard edit.
    pub soft: bool,
    /// The site this edit belongs to: a site is counted once per rule however many edits it takes.
    pub anchor: usize,
}

/// Two hard edits that touch the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub first: (usize, usize, String),
    pub second: (usize, usize, String),
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rule `{}` ({}..{}) overlaps rule `{}` ({}..{})",
            self.first.2, self.first.0, self.first.1, self.second.2, self.second.0, self.second.1
        )
    }
}

/// The accumulator of a file's edits.
#[derive(Debug, Default, Clone)]
pub struct EditSet {
    edits: Vec<Edit>,
    anchor: Option<usize>,
}

impl EditSet {
    /// Edits made from now on belong to the site at `offset` (`None`: each edit is its own site).
    pub fn set_anchor(&mut self, offset: Option<usize>) {
        self.anchor = offset;
    }

    pub fn replace(&mut self, range: std::ops::Range<usize>, text: impl Into<String>, rule: &str) {
        let anchor = self.anchor.unwrap_or(range.start);
        self.edits.push(Edit {
            start: range.start,
            end: range.end,
            text: text.into(),
            rule: rule.to_string(),
            soft: false,
            anchor,
        });
    }

    /// Rewrites the text of every edit (a path prefix the file needs written otherwise).
    pub fn map_texts(&mut self, f: impl Fn(&str) -> String) {
        for e in &mut self.edits {
            e.text = f(&e.text);
        }
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>, rule: &str) {
        self.replace(at..at, text, rule);
    }

    pub fn delete(&mut self, range: std::ops::Range<usize>, rule: &str) {
        self.replace(range, "", rule);
    }

    pub fn soft_insert(&mut self, at: usize, text: impl Into<String>, rule: &str) {
        self.edits.push(Edit {
            start: at,
            end: at,
            text: text.into(),
            rule: rule.to_string(),
            soft: true,
            anchor: at,
        });
    }

    /// Writes the line breaks of inserted text as `\r\n` (for files that use them).
    pub fn use_crlf(&mut self) {
        for e in &mut self.edits {
            if e.text.contains('\n') {
                e.text = e.text.replace("\r\n", "\n").replace('\n', "\r\n");
            }
        }
    }

    /// The crates (of `known`, by their names in code) that the edits' texts name as the first
    /// segment of a path (`smol::spawn`, `use smol::io;`): what the rules applied need in the
    /// manifest.
    pub fn crates_named(&self, known: &[String]) -> std::collections::BTreeSet<String> {
        known
            .iter()
            .filter(|k| self.edits.iter().any(|e| names_crate(&e.text, k)))
            .cloned()
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.edits.iter().all(|e| e.soft)
    }

    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// Whether a hard edit already covers `range` (used by handlers that rewrite a whole span).
    pub fn touches(&self, range: std::ops::Range<usize>) -> bool {
        self.edits
            .iter()
            .any(|e| !e.soft && e.start < range.end && range.start < e.end)
    }

    /// Applies the edits to `src`. Returns the new text and, per rule, how many hard edits it made;
    /// or the conflicts, in which case nothing is applied.
    pub fn apply(&self, src: &str) -> Result<(String, Vec<(String, usize)>), Vec<Conflict>> {
        self.apply_spans(src).map(|(out, counts, _)| (out, counts))
    }

    /// [`EditSet::apply`], also giving the edits applied (start, end, text), in order.
    #[allow(clippy::type_complexity)]
    pub fn apply_spans(
        &self,
        src: &str,
    ) -> Result<(String, Vec<(String, usize)>, Vec<(usize, usize, &str)>), Vec<Conflict>> {
        let mut hard: Vec<(usize, &Edit)> = self
            .edits
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.soft)
            .collect();
        // Stable order: by start, insertions before replacements at the same start, then by arrival.
        hard.sort_by_key(|(i, e)| (e.start, e.end != e.start, *i));
        hard.dedup_by(|b, a| {
            a.1.start == b.1.start
                && a.1.end == b.1.end
                && a.1.text == b.1.text
                && a.1.start != a.1.end
        });
        // A deletion supersedes the edits strictly inside what it deletes (an impl removed whole
        // needs no path rewritten in its header).
        let deletions: Vec<(usize, usize)> = hard
            .iter()
            .filter(|(_, e)| e.text.is_empty() && e.start < e.end)
            .map(|(_, e)| (e.start, e.end))
            .collect();
        hard.retain(|(_, e)| {
            !deletions.iter().any(|&(s, t)| {
                s <= e.start
                    && e.end <= t
                    && (s, t) != (e.start, e.end)
                    && !(e.start == s && e.end == s)
                    && !(e.start == t && e.end == t)
            })
        });
        let mut conflicts = Vec::new();
        for w in hard.windows(2) {
            let (a, b) = (w[0].1, w[1].1);
            let overlap = if a.start == a.end {
                false
            } else {
                b.start < a.end
            };
            if overlap {
                conflicts.push(Conflict {
                    first: (a.start, a.end, a.rule.clone()),
                    second: (b.start, b.end, b.rule.clone()),
                });
            }
        }
        if !conflicts.is_empty() {
            return Err(conflicts);
        }
        let inside_hard = |p: usize| hard.iter().any(|(_, e)| e.start < p && p < e.end);
        let mut all: Vec<(usize, &Edit)> = hard.clone();
        all.extend(
            self.edits
                .iter()
                .enumerate()
                .filter(|(_, e)| e.soft && !inside_hard(e.start)),
        );
        all.sort_by_key(|(i, e)| (e.start, e.end != e.start, !e.soft, *i));
        let mut out = String::with_capacity(src.len() + 64);
        let mut pos = 0;
        let mut sites: std::collections::BTreeSet<(String, usize)> = Default::default();
        let mut spans = Vec::with_capacity(all.len());
        for (_, e) in all {
            spans.push((e.start, e.end, e.text.as_str()));
            out.push_str(&src[pos..e.start]);
            out.push_str(&e.text);
            pos = pos.max(e.end);
            if !e.soft {
                sites.insert((e.rule.clone(), e.anchor));
            }
        }
        out.push_str(&src[pos..]);
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for (rule, _) in sites {
            *counts.entry(rule).or_default() += 1;
        }
        Ok((out, counts.into_iter().collect(), spans))
    }
}

/// Whether `text` names `path` at the start of a path: `path` followed by `::` or `!` (a macro),
/// not preceded by an identifier character or `::` (`my_smol::x` and `a::smol::x` do not name
/// the crate `smol`).
pub fn names_crate(text: &str, path: &str) -> bool {
    text.match_indices(path).any(|(i, _)| {
        let before = &text[..i];
        let after = &text[i + path.len()..];
        !before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
            && !before.ends_with("::")
            && (after.starts_with("::") || after.starts_with('!'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_is_named_at_the_start_of_a_path_only() {
        assert!(names_crate("smol::spawn(f)", "smol"));
        assert!(names_crate("use smol::io;", "smol"));
        assert!(names_crate("<smol::net::TcpStream as X>", "smol"));
        assert!(!names_crate("my_smol::x", "smol"));
        assert!(!names_crate("a::smol::x", "smol"));
        assert!(!names_crate("smol_macros::main!", "smol"));
        assert!(names_crate("smol_macros::main!", "smol_macros"));
        assert!(names_crate(
            "apply(smol_macros::main!)",
            "smol_macros::main"
        ));
        assert!(!names_crate("smol_macros::maintain!", "smol_macros::main"));
    }

    #[test]
    fn disjoint_edits_apply_together() {
        let mut e = EditSet::default();
        e.replace(0..4, "smol", "a");
        e.insert(11, ".detach()", "b");
        let (out, counts) = e.apply("task::sp(x);").unwrap();
        assert_eq!(out, "smol::sp(x).detach();");
        assert_eq!(counts, vec![("a".to_string(), 1), ("b".to_string(), 1)]);
    }

    #[test]
    fn overlapping_edits_are_a_conflict() {
        let mut e = EditSet::default();
        e.replace(0..6, "x", "a");
        e.replace(4..8, "y", "b");
        let c = e.apply("0123456789").unwrap_err();
        assert_eq!(c[0].to_string(), "rule `a` (0..6) overlaps rule `b` (4..8)");
    }

    #[test]
    fn a_deletion_supersedes_edits_inside_it() {
        let mut e = EditSet::default();
        e.delete(2..8, "a");
        e.replace(4..6, "x", "b");
        assert_eq!(e.apply("0123456789").unwrap().0, "0189");
    }

    #[test]
    fn soft_edits_give_way() {
        let mut e = EditSet::default();
        e.replace(2..8, "--", "a");
        e.soft_insert(4, "  ", "indent");
        e.soft_insert(9, "  ", "indent");
        assert_eq!(e.apply("0123456789").unwrap().0, "01--8  9");
    }
}
