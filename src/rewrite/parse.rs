//! Parsing a file the way the rewrite needs: rust-analyzer's lexer and parser without its
//! validation pass, and the edition a manifest names.

use ra_ap_syntax::{AstNode, Edition, SourceFile};

/// A parsed file: its tree and what the lexer and the parser reported.
///
/// Not rust-analyzer's `Parse`: that one runs its validation pass (a walk of the whole tree
/// for what the compiler reports anyway: misplaced `crate` in paths, literal escapes, ...)
/// each time its errors are asked for, and hands its trees to a dropper thread. The tool only
/// needs to know whether a text parses.
pub struct FileParse {
    tree: SourceFile,
    errors: Vec<ra_ap_syntax::SyntaxError>,
}

impl FileParse {
    pub fn tree(&self) -> SourceFile {
        self.tree.clone()
    }

    /// The lexer's and the parser's errors, in that order.
    pub fn errors(&self) -> &[ra_ap_syntax::SyntaxError] {
        &self.errors
    }
}

pub fn parse(text: &str, edition: &str) -> FileParse {
    parse_in(text, edition_of(edition))
}

/// rust-analyzer's own steps (ra_ap_syntax::parsing::parse_text), without its validation.
pub fn parse_in(text: &str, edition: Edition) -> FileParse {
    use ra_ap_parser::StrStep;
    use ra_ap_syntax::{SyntaxError, TextRange, TextSize};
    let lexed = ra_ap_parser::LexedStr::new(edition, text);
    let input = lexed.to_input(edition);
    let output = ra_ap_parser::TopEntryPoint::SourceFile.parse(&input);
    let mut builder = ra_ap_syntax::SyntaxTreeBuilder::default();
    let mut errors = Vec::new();
    for (i, err) in lexed.errors() {
        let r = lexed.text_range(i);
        errors.push(SyntaxError::new(
            err,
            TextRange::new(TextSize::from(r.start as u32), TextSize::from(r.end as u32)),
        ));
    }
    lexed.intersperse_trivia(&output, &mut |step| match step {
        StrStep::Token { kind, text } => builder.token(kind, text),
        StrStep::Enter { kind } => builder.start_node(kind),
        StrStep::Exit => builder.finish_node(),
        StrStep::Error { msg, pos } => {
            errors.push(SyntaxError::new_at_offset(msg, TextSize::from(pos as u32)))
        }
    });
    let root = builder.finish().syntax_node();
    FileParse {
        tree: SourceFile::cast(root).expect("a source file parse gives a SOURCE_FILE"),
        errors,
    }
}

/// The parser's edition for a manifest's `edition` value.
pub fn edition_of(edition: &str) -> Edition {
    match edition {
        "2015" => Edition::Edition2015,
        "2018" => Edition::Edition2018,
        "2024" => Edition::Edition2024,
        _ => Edition::Edition2021,
    }
}
