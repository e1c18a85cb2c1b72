//! futures' `join!`/`try_join!` and `future::join`/`try_join` (and their 3-, 4- and 5-ary forms)
//! over calls of the package's own async fns: each operand but the last on a scoped thread, the
//! last on the current one, the results in the same order; a panic re-raised. When the file used
//! `futures` for nothing else, its imports go (and the package's `futures` dependency when no file
//! names it any more: `engine/package.rs`), so the crate needs no runtime for them.
//!
//! Before:
//! ```text
//! use futures::join;
//!
//! async fn square(n: u64) -> u64 {
//!     n * n
//! }
//!
//! async fn twice(n: u64) -> u64 {
//!     2 * n
//! }
//!
//! #[async_std::main]
//! async fn main() {
//!     let (a, b, c) = join!(square(2), square(3), twice(4));
//!     println!("{a} {b} {c}");
//! }
//! ```
//! After:
//! ```text
//! fn square(n: u64) -> u64 {
//!     n * n
//! }
//!
//! fn twice(n: u64) -> u64 {
//!     2 * n
//! }
//!
//! fn main() {
//!     let (a, b, c) = std::thread::scope(|s| {
//!         let h1 = s.spawn(|| square(2));
//!         let h2 = s.spawn(|| square(3));
//!         let r3 = twice(4);
//!         (
//!             h1.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
//!             h2.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
//!             r3,
//!         )
//!     });
//!     println!("{a} {b} {c}");
//! }
//! ```
//! `try_join!` gives the first error in the operands' order once every thread has finished
//! (futures' gave the first to occur and dropped the others): reported for review. Operands that
//! are not calls of the package's async fns (an async block, another crate's future), a file
//! that uses `Rc`/`Cell` (a scoped thread needs what it borrows to be `Sync`) and any other use of
//! `futures` keep the crate on a runtime.

use super::Plan;
use crate::handlers::{range, start, Acc, At, Ctx, Flow};
use crate::report::RawFinding;
use ra_ap_syntax::ast::{self, HasArgList, HasName};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};
use std::collections::{BTreeMap, BTreeSet};

/// The handler id (also the rule its edits count under).
pub(crate) const RULE: &str = "threads-join";

/// Entry: a file pass.
pub(crate) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let (At::File, Some(plan)) = (at, ctx.threads) {
        pass(ctx, plan, acc);
    }
    Flow::Continue
}

/// One join over the package's async fns.
pub(crate) struct Join {
    /// What is replaced: the macro call, or the call of `future::join` (its `.await` is dropped
    /// by the await pass).
    pub node: SyntaxNode,
    pub try_join: bool,
    pub operands: Vec<String>,
}

/// Names the file's `use futures::..` items bind: name -> canonical path (`join` ->
/// `futures::join`, `future` -> `futures::future`), and the use items.
fn futures_imports(ctx: &Ctx<'_>) -> (BTreeMap<String, String>, Vec<ast::Use>) {
    let root = ctx.krate.futures_crate.as_deref().unwrap_or("futures");
    let mut names = BTreeMap::new();
    let mut items = Vec::new();
    for u in ctx.nodes().iter().cloned().filter_map(ast::Use::cast) {
        let Some(tree) = u.use_tree() else { continue };
        let mut found = Vec::new();
        leaves(&tree, String::new(), &mut found);
        let ours: Vec<_> = found
            .iter()
            .filter(|(p, _)| p == root || p.starts_with(&format!("{root}::")))
            .collect();
        if ours.is_empty() {
            continue;
        }
        for (p, bound) in &ours {
            let canon = format!("futures{}", &p[root.len()..]);
            names.insert(bound.clone(), canon);
        }
        items.push(u);
    }
    (names, items)
}

/// The leaves of a use tree: (full path, the name it binds); a glob binds `*`.
fn leaves(t: &ast::UseTree, prefix: String, out: &mut Vec<(String, String)>) {
    let here = match t.path() {
        Some(p) => {
            let p = p.syntax().text().to_string();
            let p = p.trim_start_matches("::").to_string();
            if prefix.is_empty() {
                p
            } else {
                format!("{prefix}::{p}")
            }
        }
        None => prefix,
    };
    if let Some(list) = t.use_tree_list() {
        for c in list.use_trees() {
            leaves(&c, here.clone(), out);
        }
        return;
    }
    if t.star_token().is_some() {
        out.push((format!("{here}::*"), "*".into()));
        return;
    }
    let bound = match t.rename().and_then(|r| r.name()) {
        Some(n) => n.text().to_string(),
        None => here.rsplit("::").next().unwrap_or_default().to_string(),
    };
    let here = here.strip_suffix("::self").unwrap_or(&here).to_string();
    let bound = if bound == "self" {
        here.rsplit("::").next().unwrap_or_default().to_string()
    } else {
        bound
    };
    out.push((here, bound));
}

/// The canonical path of a path written in the file, when it names futures.
fn canon_of(path: &str, imports: &BTreeMap<String, String>, root: &str) -> Option<String> {
    let path: String = path.split_whitespace().collect();
    let path = path.trim_start_matches("::");
    let (first, rest) = path.split_once("::").unwrap_or((path, ""));
    let base = if first == root {
        "futures".to_string()
    } else {
        imports.get(first)?.clone()
    };
    Some(if rest.is_empty() {
        base
    } else {
        format!("{base}::{rest}")
    })
}

const MACROS: &[&str] = &["futures::join", "futures::try_join"];
const FNS: &[&str] = &[
    "futures::future::join",
    "futures::future::join3",
    "futures::future::join4",
    "futures::future::join5",
    "futures::future::try_join",
    "futures::future::try_join3",
    "futures::future::try_join4",
    "futures::future::try_join5",
];

/// The joins of the file that become scoped threads.
pub(crate) fn joins(ctx: &Ctx<'_>, plan: &Plan) -> Vec<Join> {
    // Asked per file and per await: most files have no join at all.
    if !ctx.src.contains("join") {
        return Vec::new();
    }
    let root = ctx.krate.futures_crate.as_deref().unwrap_or("futures");
    let (imports, _) = futures_imports(ctx);
    let not_sync = ["Rc<", "Rc::", "RefCell", "Cell<", "Cell::"]
        .iter()
        .any(|t| ctx.src.contains(t));
    if not_sync {
        return Vec::new();
    }
    let mut out = Vec::new();
    for n in ctx.nodes().iter() {
        if let Some(m) = ast::MacroCall::cast(n.clone()) {
            let Some(path) = m.path() else { continue };
            let Some(canon) = canon_of(&path.syntax().text().to_string(), &imports, root) else {
                continue;
            };
            if !MACROS.contains(&canon.as_str()) {
                continue;
            }
            let Some(tt) = m.token_tree() else { continue };
            let Some(ops) = operands_of_tokens(&tt.syntax().text().to_string(), plan) else {
                continue;
            };
            out.push(Join {
                node: m.syntax().clone(),
                try_join: canon.ends_with("try_join"),
                operands: ops,
            });
        } else if let Some(call) = ast::CallExpr::cast(n.clone()) {
            let Some(ast::Expr::PathExpr(pe)) = call.expr() else {
                continue;
            };
            let Some(path) = pe.path() else { continue };
            let Some(canon) = canon_of(&path.syntax().text().to_string(), &imports, root) else {
                continue;
            };
            if !FNS.contains(&canon.as_str()) || crate::handlers::awaited(call.syntax()).is_none() {
                continue;
            }
            let Some(args) = call.arg_list() else {
                continue;
            };
            let args: Vec<ast::Expr> = args.args().collect();
            let want = match canon.trim_end_matches(char::is_alphabetic).chars().last() {
                Some(d) if d.is_ascii_digit() => d.to_digit(10).unwrap_or(2) as usize,
                _ => 2,
            };
            if args.len() != want || !args.iter().all(|a| own_call(a, plan)) {
                continue;
            }
            out.push(Join {
                node: call.syntax().clone(),
                try_join: canon.contains("try_join"),
                operands: args.iter().map(|a| a.syntax().text().to_string()).collect(),
            });
        }
    }
    out
}

/// `(a(..), b(..), ..)`, a macro's arguments, when each is a call of the package's async fns.
fn operands_of_tokens(tt: &str, plan: &Plan) -> Option<Vec<String>> {
    // The arguments as a tuple (a trailing comma keeps one argument a tuple too).
    let inner = tt.strip_prefix('(')?.strip_suffix(')')?.trim();
    let inner = inner.strip_suffix(',').unwrap_or(inner);
    if inner.is_empty() {
        return None;
    }
    let text = format!("fn f() {{ ({inner},); }}");
    let parsed = crate::rewrite::parse_in(&text, ra_ap_syntax::Edition::Edition2021);
    if !parsed.errors().is_empty() {
        return None;
    }
    let tuple = parsed
        .tree()
        .syntax()
        .descendants()
        .find_map(ast::TupleExpr::cast)?;
    let ops: Vec<ast::Expr> = tuple.fields().collect();
    ops.iter()
        .all(|e| own_call(e, plan))
        .then(|| ops.iter().map(|e| e.syntax().text().to_string()).collect())
}

/// A call of one of the package's async fns or methods, with no `.await`, async block or
/// closure inside (they would run on another thread, or need converting themselves).
fn own_call(e: &ast::Expr, plan: &Plan) -> bool {
    let named = match e {
        ast::Expr::CallExpr(c) => match c.expr() {
            Some(ast::Expr::PathExpr(pe)) => pe
                .path()
                .and_then(|p| p.segment())
                .and_then(|s| s.name_ref())
                .is_some_and(|n| plan.async_fns.contains(&n.text().to_string())),
            _ => false,
        },
        ast::Expr::MethodCallExpr(mc) => mc
            .name_ref()
            .is_some_and(|n| plan.async_methods.contains(&n.text().to_string())),
        _ => false,
    };
    named
        && !e.syntax().descendants().any(|n| {
            matches!(
                n.kind(),
                SyntaxKind::AWAIT_EXPR | SyntaxKind::CLOSURE_EXPR | SyntaxKind::BLOCK_EXPR
            )
        })
}

/// Whether every mention of futures in the file (its crate name, and each name its imports
/// bind) is a join this pass converts, or an import of one: then the file needs no futures.
pub(crate) fn only_joins(ctx: &Ctx<'_>, plan: &Plan) -> bool {
    let root = ctx.krate.futures_crate.as_deref().unwrap_or("futures");
    // A file that never names the crate uses none of it (the walk below would find no name).
    if !ctx.src.contains(root) {
        return true;
    }
    let (imports, items) = futures_imports(ctx);
    let joins = joins(ctx, plan);
    let converted: Vec<std::ops::Range<usize>> = joins.iter().map(|j| range(&j.node)).collect();
    let in_use: Vec<std::ops::Range<usize>> = items.iter().map(|u| range(u.syntax())).collect();
    // Imports bind only what the joins use.
    let mut allowed: BTreeSet<&str> = MACROS.iter().chain(FNS).copied().collect();
    allowed.insert("futures::future");
    if imports.values().any(|c| !allowed.contains(c.as_str())) {
        return false;
    }
    let mut words: BTreeSet<&str> = imports.keys().map(String::as_str).collect();
    words.insert(root);
    ctx.sf
        .syntax()
        .descendants_with_tokens()
        .filter_map(|t| t.into_token())
        .filter(|t| t.kind() == SyntaxKind::IDENT && words.contains(t.text()))
        .all(|t| {
            let at = usize::from(t.text_range().start());
            converted.iter().chain(&in_use).any(|r| r.contains(&at))
        })
}

/// Whether `call` is an operand of a converted `future::join(..)` (its future is joined, not
/// kept).
pub(crate) fn is_operand(call: &SyntaxNode, ctx: &Ctx<'_>, plan: &Plan) -> bool {
    let Some(outer) = call
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ARG_LIST)
        .and_then(|p| p.parent())
    else {
        return false;
    };
    joins(ctx, plan).iter().any(|j| j.node == outer)
}

/// Whether this `.await`'s call is a converted `future::join(..)`.
pub(crate) fn awaits_join(call: &ast::CallExpr, ctx: &Ctx<'_>, plan: &Plan) -> bool {
    joins(ctx, plan).iter().any(|j| &j.node == call.syntax())
}

/// Edits: each join becomes a scope, the futures imports go when nothing else uses them.
fn pass(ctx: &Ctx<'_>, plan: &Plan, acc: &mut Acc) {
    let joins = joins(ctx, plan);
    if joins.is_empty() {
        return;
    }
    for j in &joins {
        let indent = crate::handlers::indent_of(ctx.src, &j.node);
        acc.edits.replace(range(&j.node), text(j, &indent), RULE);
        if j.try_join {
            acc.findings.push(RawFinding::review(
                start(&j.node),
                RULE,
                "`try_join` became scoped threads: where one fails, the others still run to their end (futures dropped them), and the first error in the operands' order wins",
                "check that the other branches' work is harmless after a failure",
            ));
        }
    }
    if only_joins(ctx, plan) {
        let (_, items) = futures_imports(ctx);
        for u in items {
            let mut r = range(u.syntax());
            if ctx.src[r.end..].starts_with('\n') {
                r.end += 1;
            }
            // An import alone in its block of lines takes the blank line after it too.
            let alone = r.start == 0 || ctx.src[..r.start].ends_with("\n\n");
            if alone && ctx.src[r.end..].starts_with('\n') {
                r.end += 1;
            }
            acc.edits.delete(r, RULE);
        }
    }
}

/// The scope a join becomes.
fn text(j: &Join, indent: &str) -> String {
    let all = j.operands.join(" ");
    let free = |base: &str| super::fresh_name(&all, base);
    let s = free("s");
    let e = free("e");
    let n = j.operands.len();
    let i = indent;
    let mut out = format!("std::thread::scope(|{s}| {{\n");
    let mut results = Vec::new();
    for (k, op) in j.operands.iter().enumerate() {
        let last = k + 1 == n;
        if last {
            let r = free(&format!("r{}", k + 1));
            out.push_str(&format!("{i}    let {r} = {op};\n"));
            results.push(r);
        } else {
            let h = free(&format!("h{}", k + 1));
            out.push_str(&format!("{i}    let {h} = {s}.spawn(|| {op});\n"));
            results.push(format!(
                "{h}.join().unwrap_or_else(|{e}| std::panic::resume_unwind({e}))"
            ));
        }
    }
    if j.try_join {
        // Each result by name, then the first error in order.
        let names: Vec<String> = (1..=n).map(|k| free(&format!("r{k}"))).collect();
        for (k, r) in results.iter().enumerate().take(n - 1) {
            out.push_str(&format!("{i}    let {} = {r};\n", names[k]));
        }
        let tuple = format!("({})", names.join(", "));
        let mut chain = format!("{}.map(|{}| {tuple})", names[n - 1], names[n - 1]);
        for k in (0..n - 1).rev() {
            chain = format!("{}.and_then(|{}| {chain})", names[k], names[k]);
        }
        out.push_str(&format!("{i}    {chain}\n"));
    } else {
        out.push_str(&format!("{i}    (\n"));
        for r in &results {
            out.push_str(&format!("{i}        {r},\n"));
        }
        out.push_str(&format!("{i}    )\n"));
    }
    out.push_str(&format!("{i}}})"));
    out
}
