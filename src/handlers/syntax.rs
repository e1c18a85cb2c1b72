//! Syntax helpers the handlers share: the call of a path, the await of an expression, a node's
//! range and text, where a local got its value, indentation and statement boundaries.

use super::Ctx;
use crate::resolve::MethodFact;
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};

/// A node's byte range in the file.
pub fn range(node: &ra_ap_syntax::SyntaxNode) -> std::ops::Range<usize> {
    let r = node.text_range();
    r.start().into()..r.end().into()
}

/// The call whose callee is this path (`task::spawn(..)` for the path `task::spawn`).
pub(crate) fn call_of_path(path: &ast::Path) -> Option<ast::CallExpr> {
    let pe = ast::PathExpr::cast(path.syntax().parent()?)?;
    let call = ast::CallExpr::cast(pe.syntax().parent()?)?;
    (call.expr()?.syntax() == pe.syntax()).then_some(call)
}

/// The `.await` applied directly to `expr`.
/// Every `receiver.name().await` of the file (a method call without arguments, awaited at once):
/// the call, its await and its receiver.
pub(crate) fn awaited_calls<'a>(
    ctx: &'a Ctx<'_>,
    name: &'a str,
) -> impl Iterator<Item = (ast::MethodCallExpr, ast::AwaitExpr, ast::Expr)> + 'a {
    use ast::HasArgList;
    ctx.nodes()
        .iter()
        .cloned()
        .filter_map(ast::MethodCallExpr::cast)
        .filter(move |mc| {
            mc.name_ref().is_some_and(|n| n.text() == name)
                && mc.arg_list().is_some_and(|l| l.args().next().is_none())
        })
        .filter_map(|mc| {
            let aw = awaited(mc.syntax())?;
            let receiver = mc.receiver()?;
            Some((mc, aw, receiver))
        })
}

pub(crate) fn awaited(expr: &SyntaxNode) -> Option<ast::AwaitExpr> {
    ast::AwaitExpr::cast(skip_parens_up(expr).parent()?)
}

/// `expr`, or the outermost parenthesised expression around it.
pub(crate) fn skip_parens_up(expr: &SyntaxNode) -> SyntaxNode {
    let mut e = expr.clone();
    while let Some(p) = e.parent().filter(|p| p.kind() == SyntaxKind::PAREN_EXPR) {
        e = p;
    }
    e
}

pub(crate) fn args(call: &impl HasArgList) -> Vec<ast::Expr> {
    call.arg_list()
        .map(|l| l.args().collect())
        .unwrap_or_default()
}

pub(crate) fn text_of(ctx: &Ctx<'_>, node: &SyntaxNode) -> String {
    ctx.src[range(node)].to_string()
}

pub(crate) fn start(node: &SyntaxNode) -> usize {
    node.text_range().start().into()
}

pub(crate) fn end(node: &SyntaxNode) -> usize {
    node.text_range().end().into()
}

/// The oracle's answer for a method call, with the syntactic evidence as the fallback:
/// `Some(true)` the call is on async-std, `Some(false)` it is not, `None` unknown.
pub(crate) fn method_is(
    ctx: &Ctx<'_>,
    call: &ast::MethodCallExpr,
    item_suffix: &[&str],
) -> Option<bool> {
    match ctx.oracle.method(call) {
        MethodFact::AsyncStd(p) => Some(item_suffix.iter().any(|s| p.ends_with(s))),
        MethodFact::Other => Some(false),
        // Without types (no rust-analyzer, or code outside its cfg), a method of the crate's own
        // with this name may be the one called.
        MethodFact::Unknown
            if call
                .name_ref()
                .is_some_and(|n| ctx.krate.own_methods.contains(&n.text().to_string())) =>
        {
            Some(false)
        }
        MethodFact::Unknown => None,
    }
}

/// Every method call of the file, with its method name.
pub(crate) fn method_calls<'a>(
    ctx: &'a Ctx<'_>,
) -> impl Iterator<Item = (ast::MethodCallExpr, String)> + 'a {
    ctx.nodes()
        .iter()
        .cloned()
        .filter_map(ast::MethodCallExpr::cast)
        .filter_map(|mc| {
            let name = mc.name_ref()?.text().to_string();
            Some((mc, name))
        })
}

/// Whether the file imports (or names) anything under one of these async-std paths.
pub(crate) fn file_uses(ctx: &Ctx<'_>, prefixes: &[&str]) -> bool {
    let hit = |canon: &[String]| {
        let c = canon.join("::");
        prefixes
            .iter()
            .any(|p| c == *p || c.starts_with(&format!("{p}::")))
    };
    ctx.sites.leaves.iter().any(|l| hit(&l.canon)) || ctx.sites.paths.iter().any(|p| hit(&p.canon))
}

/// Where the local variable a receiver names got its value, without types: the initializer of
/// the last `let` before it that binds the name (alone or inside a tuple or struct pattern), or
/// the type of a parameter of that name. `None` for anything but a plain name.
pub(crate) fn binding_source(ctx: &Ctx<'_>, receiver: &ast::Expr) -> Option<SyntaxNode> {
    use ast::HasName;
    let ast::Expr::PathExpr(p) = receiver else {
        return None;
    };
    let path = p.path()?;
    if path.qualifier().is_some() {
        return None;
    }
    let name = ctx.text_of(path.syntax());
    let at = start(receiver.syntax());
    // A macro argument made visible (macros.rs) is a tree of its own: its fn is the innermost one
    // of the file around its offset.
    let f = receiver
        .syntax()
        .ancestors()
        .find_map(ast::Fn::cast)
        .or_else(|| {
            ctx.nodes()
                .iter()
                .filter_map(|n| ast::Fn::cast(n.clone()))
                .filter(|f| {
                    f.syntax()
                        .text_range()
                        .contains_range(receiver.syntax().text_range())
                })
                .last()
        })?;
    let binds = |pat: Option<ast::Pat>| {
        pat.is_some_and(|pat| {
            pat.syntax()
                .descendants()
                .filter_map(ast::IdentPat::cast)
                .any(|ip| ip.name().is_some_and(|x| x.text() == name))
        })
    };
    let mut found = None;
    for n in f.syntax().descendants() {
        if start(&n) >= at {
            break;
        }
        if let Some(l) = ast::LetStmt::cast(n.clone()) {
            // The statement must be over before the use: `let s = f(s);` reads the older `s`.
            if end(l.syntax()) <= at && binds(l.pat()) {
                found = l.initializer().map(|i| i.syntax().clone());
            }
        } else if let Some(prm) = ast::Param::cast(n) {
            if binds(prm.pat()) {
                found = prm.ty().map(|t| t.syntax().clone());
            }
        }
    }
    found
}

/// Whether a block expression put in place of `expr` needs parentheses: it is the operand of a
/// postfix or operator, or it would start a statement. Arguments, `let` initialisers, tail and
/// return values, and fields take a bare block (parentheses there are an `unused_parens` warning).
pub(crate) fn needs_parens(expr: &SyntaxNode) -> bool {
    let Some(parent) = expr.parent() else {
        return true;
    };
    // `let P = { .. } else { .. }` is not allowed.
    if ast::LetStmt::cast(parent.clone()).is_some_and(|l| l.let_else().is_some()) {
        return true;
    }
    !matches!(
        parent.kind(),
        SyntaxKind::ARG_LIST
            | SyntaxKind::LET_STMT
            | SyntaxKind::STMT_LIST
            | SyntaxKind::RETURN_EXPR
            | SyntaxKind::RECORD_EXPR_FIELD
            | SyntaxKind::ARRAY_EXPR
            | SyntaxKind::TUPLE_EXPR
            | SyntaxKind::MATCH_ARM
    )
}

/// `block` as it stands in place of `expr`: in parentheses where [`needs_parens`] says so.
pub(crate) fn block_in_place_of(expr: &SyntaxNode, block: String) -> String {
    if needs_parens(expr) {
        format!("({block})")
    } else {
        block
    }
}

/// The indentation of the line `node` starts on.
pub(crate) fn indent_of(src: &str, node: &SyntaxNode) -> String {
    let s = start(node);
    let line_start = src[..s].rfind('\n').map_or(0, |i| i + 1);
    src[line_start..s]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect()
}

/// The statement (direct child of a statement list) that contains `node`.
pub(crate) fn enclosing_stmt(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.ancestors().find(|a| {
        a.parent()
            .is_some_and(|p| p.kind() == SyntaxKind::STMT_LIST)
    })
}

/// The error-handling suffix of an awaited write in a statement (`?`, `.unwrap()`, `.expect(..)`),
/// so that an inserted flush handles errors the same way.
pub(crate) fn error_suffix(ctx: &Ctx<'_>, await_expr: &ast::AwaitExpr) -> Option<String> {
    let parent = await_expr.syntax().parent()?;
    if parent.kind() == SyntaxKind::TRY_EXPR {
        return Some("?".into());
    }
    if let Some(mc) = ast::MethodCallExpr::cast(parent) {
        let name = mc.name_ref()?.text().to_string();
        if name == "unwrap" || name == "expect" {
            let from = end(await_expr.syntax());
            return Some(ctx.src[from..end(mc.syntax())].to_string());
        }
    }
    None
}
