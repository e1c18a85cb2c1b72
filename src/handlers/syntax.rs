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

/// An expression whose value is never a future by its syntax: a literal, an array, a tuple or a
/// range (std implements `Future` for none of these types, and the orphan rule lets no crate do
/// it). `FutureExt::join(self, other)` takes a future: `names.join(", ")` is a slice's.
pub(crate) fn never_a_future(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Literal(_)
        | ast::Expr::ArrayExpr(_)
        | ast::Expr::TupleExpr(_)
        | ast::Expr::RangeExpr(_) => true,
        ast::Expr::ParenExpr(p) => p.expr().is_some_and(|e| never_a_future(&e)),
        _ => false,
    }
}

/// The oracle's answer for a method call, with the syntactic evidence as the fallback:
/// `Some(true)` the call is on async-std, `Some(false)` it is not, `None` unknown.
pub(crate) fn method_is(
    ctx: &Ctx<'_>,
    call: &ast::MethodCallExpr,
    item_suffix: &[&str],
) -> Option<bool> {
    // A method of a standard library iterator is no async-std method: known without asking
    // (each question infers the function's body; `xs.iter().sum()` was a third of them).
    if std_iterator_method(ctx, call) {
        return Some(false);
    }
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

/// `Iterator`'s adapters: over a standard library iterator, an iterator of the standard library.
const ITERATOR_ADAPTERS: &[&str] = &[
    "chain",
    "cloned",
    "copied",
    "enumerate",
    "filter",
    "filter_map",
    "flat_map",
    "flatten",
    "inspect",
    "map",
    "peekable",
    "rev",
    "skip",
    "skip_while",
    "step_by",
    "take",
    "take_while",
    "zip",
];

/// How many method calls, from `e` inwards, make a standard library iterator by their syntax
/// alone: a chain of iterator adapters over a method only std's collections and strings have
/// (`xs.iter()`, `s.chars()`, `m.keys()`: 1 and more), or over a range (0). Its `.map(..)` is
/// `Iterator::map`, no stream's, and rust-analyzer need not be asked (each question infers the
/// function's body). Sources async-std's traits also have (`bytes`, `lines`, `split`) are not
/// among them (no async-std, futures or smol trait has a `splitn`); what a source is called on
/// does not matter (`self.name().chars()`).
fn std_chain_len(e: &ast::Expr) -> Option<usize> {
    const SOURCES: &[&str] = &[
        "char_indices",
        "chars",
        "chunks",
        "drain",
        "into_iter",
        "iter",
        "iter_mut",
        "keys",
        "match_indices",
        "matches",
        "rsplit",
        "rsplitn",
        "split_ascii_whitespace",
        "split_inclusive",
        "split_terminator",
        "split_whitespace",
        "splitn",
        "values",
        "values_mut",
        "windows",
    ];
    match e {
        ast::Expr::RangeExpr(_) => Some(0),
        ast::Expr::ParenExpr(p) => std_chain_len(&p.expr()?),
        ast::Expr::MethodCallExpr(mc) => {
            let name = mc.name_ref()?.text().to_string();
            if SOURCES.contains(&name.as_str()) {
                Some(1)
            } else if ITERATOR_ADAPTERS.contains(&name.as_str()) {
                std_chain_len(&mc.receiver()?).map(|n| n + 1)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A standard library iterator by its syntax in this file ([`std_chain_len`], or a local bound
/// once to one), none of whose methods is one the crate defines itself (its own `iter` may
/// return anything); a `str`'s own iterators count too (`text.lines()`, `s.split(',')`,
/// `s.bytes()`: async-std's readers have methods of these names) where the receiver holds a
/// `str` or a `String` by its syntax ([`str_binding`]).
pub(crate) fn std_iterator(ctx: &Ctx<'_>, e: &ast::Expr) -> bool {
    // The chain's calls, outermost first, and what the innermost is called on.
    let mut calls = Vec::new();
    let mut at = e.clone();
    let root = loop {
        match at {
            ast::Expr::MethodCallExpr(mc) => {
                let Some(r) = mc.receiver() else { return false };
                calls.push(mc);
                at = r;
            }
            ast::Expr::ParenExpr(p) => match p.expr() {
                Some(inner) => at = inner,
                None => return false,
            },
            other => break other,
        }
    };
    let names: Vec<String> = calls
        .iter()
        .map(|mc| {
            mc.name_ref()
                .map(|n| n.text().to_string())
                .unwrap_or_default()
        })
        .collect();
    let own = |names: &[String]| names.iter().any(|n| ctx.krate.own_methods.contains(n));
    if let Some(n) = std_chain_len(e) {
        return !own(&names[..n]);
    }
    // Adapters over a local that holds one (`let mut parts = line.splitn(2, '=');`, bound once:
    // its type is its initialiser's).
    if names
        .iter()
        .all(|a| ITERATOR_ADAPTERS.contains(&a.as_str()))
        && !own(&names)
        && matches!(root, ast::Expr::PathExpr(_))
        && sole_binding_source(ctx, &root)
            .and_then(ast::Expr::cast)
            .is_some_and(|init| std_iterator(ctx, &init))
    {
        return true;
    }
    let Some((source, adapters)) = names.split_last() else {
        return false;
    };
    matches!(source.as_str(), "lines" | "split" | "bytes")
        && adapters
            .iter()
            .all(|a| ITERATOR_ADAPTERS.contains(&a.as_str()))
        && !own(&names)
        && str_binding(ctx, &root)
}

/// A method that is no async-std method by its syntax: one of a standard library iterator
/// ([`std_iterator`]: `xs.iter().map(f)`, `xs.iter().sum()`), or one called on the `Option` such
/// an iterator's method returned (`xs.iter().find(f).map(g)` is `Option::map`: `Option`
/// implements none of async-std's traits).
pub(crate) fn std_iterator_method(ctx: &Ctx<'_>, call: &ast::MethodCallExpr) -> bool {
    const TO_OPTION: &[&str] = &[
        "find",
        "find_map",
        "last",
        "max",
        "max_by",
        "max_by_key",
        "min",
        "min_by",
        "min_by_key",
        "next",
        "nth",
        "position",
        "reduce",
        "rposition",
    ];
    let option_of_iterator = |e: &ast::Expr| {
        let ast::Expr::MethodCallExpr(mc) = e else {
            return false;
        };
        named_not_own(ctx, mc, TO_OPTION) && mc.receiver().is_some_and(|r| std_iterator(ctx, &r))
    };
    std_iterator(ctx, &ast::Expr::MethodCallExpr(call.clone()))
        || call
            .receiver()
            .is_some_and(|r| std_iterator(ctx, &r) || option_of_iterator(&r))
}

/// A plain name that is the only binding of its name in its function (no `let`, pattern or
/// closure parameter shadows it anywhere) and holds a `str` or a `String` by its syntax: a
/// parameter typed `&str`, `String` or `&String`, or a `let` of `format!(..)`, `String::new()`,
/// `String::from(..)`, `x.to_string()`, or of a file read whole (`fs::read_to_string(p).await?`,
/// async-std's as the file's paths resolve it, or `std::fs::read_to_string(p)?`).
fn str_binding(ctx: &Ctx<'_>, e: &ast::Expr) -> bool {
    match sole_binding_source(ctx, e) {
        Some(source) => match source.kind() {
            SyntaxKind::REF_TYPE | SyntaxKind::PATH_TYPE => {
                matches!(compact(&source).as_str(), "&str" | "String" | "&String")
            }
            _ => ast::Expr::cast(source).is_some_and(|init| string_value(ctx, &init)),
        },
        None => false,
    }
}

/// [`binding_source`] of a plain name that is the only binding of its name in its function (no
/// `let`, pattern or closure parameter shadows it anywhere, so the source is the value's).
pub(crate) fn sole_binding_source(ctx: &Ctx<'_>, e: &ast::Expr) -> Option<SyntaxNode> {
    use ast::HasName;
    let ast::Expr::PathExpr(p) = e else {
        return None;
    };
    let path = p.path().filter(|p| p.qualifier().is_none())?;
    let name = ctx.text_of(path.syntax());
    let source = binding_source(ctx, e)?;
    let f = e.syntax().ancestors().find_map(ast::Fn::cast)?;
    let bindings = f
        .syntax()
        .descendants()
        .filter_map(ast::IdentPat::cast)
        .filter(|ip| ip.name().is_some_and(|n| n.text() == name))
        .count();
    (bindings == 1).then_some(source)
}

/// A local that is no channel's receiver by how it was made, so rust-analyzer need not be asked
/// its type (each question infers the function's body): a `let` of an async-std function other
/// than a channel's (`fs::read_dir(d).await?`, `stream::repeat(1)`) or of a stream's source or
/// adapter method the crate does not define itself (`listener.incoming()`, `items.take(3)`: a
/// receiver's `take` is a `Take`, no receiver), or a parameter whose type is one of its
/// function's type parameters or an `impl Trait` (`source: S`: no channel type).
pub(crate) fn made_as_no_channel(ctx: &Ctx<'_>, r: &ast::Expr) -> bool {
    let Some(source) = sole_binding_source(ctx, r) else {
        return false;
    };
    if let Some(ty) = ast::Type::cast(source.clone()) {
        return generic_or_impl(&ty);
    }
    let Some(e) = ast::Expr::cast(source) else {
        return false;
    };
    match awaited_value(e) {
        ast::Expr::CallExpr(call) => call_canon(ctx, &call)
            .is_some_and(|c| c.starts_with("async_std::") && !c.starts_with("async_std::channel")),
        ast::Expr::MethodCallExpr(mc) => named_not_own(ctx, &mc, STREAM_METHODS),
        _ => false,
    }
}

/// Streams' sources and adapters by name (`listener.incoming()`, `s.take(3)`).
const STREAM_METHODS: &[&str] = &[
    "bytes",
    "chain",
    "enumerate",
    "filter",
    "filter_map",
    "fuse",
    "incoming",
    "lines",
    "map",
    "peekable",
    "skip",
    "skip_while",
    "split",
    "step_by",
    "take",
    "take_while",
    "zip",
];

/// A local made as one of async-std's streams, by its `let`: a call of a function of
/// `async_std::stream` (`stream::from_iter(xs)`, `stream::repeat(1)`) or of `fs::read_dir(d)`
/// (awaited, `?`), or the `incoming()` of a listener async-std's `bind` made, under stream
/// adapters the crate does not define itself (`.take(3)`). These
/// types have no inherent methods: a `StreamExt` method called on the value is the trait's,
/// and rust-analyzer need not be asked (each question infers the function's body).
pub(crate) fn made_as_async_std_stream(ctx: &Ctx<'_>, r: &ast::Expr) -> bool {
    let Some(e) = sole_binding_source(ctx, r).and_then(ast::Expr::cast) else {
        return false;
    };
    let mut at = awaited_value(e);
    loop {
        match at {
            // A listener's connections (`TcpListener::bind(a).await?`, then `.incoming()`).
            ast::Expr::MethodCallExpr(mc)
                if named_not_own(ctx, &mc, &["incoming"]) && args(&mc).is_empty() =>
            {
                let api = crate::tables::async_std_api();
                return mc
                    .receiver()
                    .and_then(|l| made_by_call(ctx, &l))
                    .is_some_and(|c| api.made_by(&c).is_some_and(|v| v.connections.is_some()));
            }
            ast::Expr::MethodCallExpr(mc) => match mc.receiver() {
                Some(r) if named_not_own(ctx, &mc, STREAM_METHODS) => at = r,
                _ => return false,
            },
            ast::Expr::CallExpr(call) => {
                return call_canon(ctx, &call).is_some_and(|c| {
                    let segs: Vec<&str> = c.split("::").collect();
                    matches!(
                        segs.as_slice(),
                        // `extend` is the one function there that makes no stream.
                        ["async_std", "stream", f]
                            if f.starts_with(char::is_lowercase) && *f != "extend"
                    ) || c == "async_std::fs::read_dir"
                });
            }
            _ => return false,
        }
    }
}

/// For a local async-std made ([`value_made`]), whether `method` (an io extension trait's name)
/// is the trait's (`Some(false)`: the type's own, `Stdin::read_line`); `None` for another value.
/// rust-analyzer need not be asked.
pub(crate) fn io_trait_method_of_async_std_value(
    ctx: &Ctx<'_>,
    r: &ast::Expr,
    method: &str,
) -> Option<bool> {
    value_made(ctx, r).map(|v| !v.inherent.contains(method))
}

/// The async-std function a call calls, by the file's paths (`async_std::fs::read_dir` for
/// `fs::read_dir(d)`).
fn call_canon(ctx: &Ctx<'_>, call: &ast::CallExpr) -> Option<String> {
    let ast::Expr::PathExpr(p) = call.expr()? else {
        return None;
    };
    site_canon(ctx, &p.path()?)
}

/// A call of a method named one of `names` that the crate does not define a method of.
pub(crate) fn named_not_own(ctx: &Ctx<'_>, mc: &ast::MethodCallExpr, names: &[&str]) -> bool {
    mc.name_ref().is_some_and(|n| {
        let name = n.text().to_string();
        names.contains(&name.as_str()) && !ctx.krate.own_methods.contains(&name)
    })
}

/// The async-std function whose value (awaited, `?`) a local's only binding holds:
/// `async_std::net::TcpListener::bind` for `let l = TcpListener::bind(a).await?;`.
fn made_by_call(ctx: &Ctx<'_>, r: &ast::Expr) -> Option<String> {
    let e = sole_binding_source(ctx, r).and_then(ast::Expr::cast)?;
    let ast::Expr::CallExpr(call) = awaited_value(e) else {
        return None;
    };
    call_canon(ctx, &call)
}

/// The async-std value a local holds by how it was made (its name bound once in its function):
/// the `[[value]]` row of `transforms/async_std_api.toml` whose function its `let` called
/// (`TcpStream::connect(a).await?`, `BufReader::new(s)`), or a listener's connections for the
/// first of `listener.accept().await?` where such a function made the listener.
pub(crate) fn value_made(ctx: &Ctx<'_>, r: &ast::Expr) -> Option<&'static crate::tables::Value> {
    use ast::HasName;
    let api = crate::tables::async_std_api();
    let source = sole_binding_source(ctx, r).and_then(ast::Expr::cast)?;
    let let_stmt = source.syntax().parent().and_then(ast::LetStmt::cast)?;
    let name = ctx.text_of(r.syntax());
    match (let_stmt.pat()?, awaited_value(source)) {
        (ast::Pat::IdentPat(_), ast::Expr::CallExpr(call)) => api.made_by(&call_canon(ctx, &call)?),
        (ast::Pat::TuplePat(t), ast::Expr::MethodCallExpr(mc)) => {
            let ast::Pat::IdentPat(ip) = t.fields().next()? else {
                return None;
            };
            if ip.name()?.text() != name
                || !named_not_own(ctx, &mc, &["accept"])
                || !args(&mc).is_empty()
            {
                return None;
            }
            let listener = api.made_by(&made_by_call(ctx, &mc.receiver()?)?)?;
            api.value(listener.connections.as_deref()?)
        }
        _ => None,
    }
}

/// A parameter's type (behind references) that is an `impl Trait` or one of its function's type
/// parameters: no named type, so no channel's.
fn generic_or_impl(ty: &ast::Type) -> bool {
    use ast::{HasGenericArgs, HasGenericParams, HasName};
    match ty {
        ast::Type::RefType(r) => r.ty().is_some_and(|t| generic_or_impl(&t)),
        ast::Type::ImplTraitType(_) => true,
        ast::Type::PathType(pt) => {
            let Some(path) = pt.path().filter(|p| p.qualifier().is_none()) else {
                return false;
            };
            let Some(seg) = path.segment().filter(|s| s.generic_arg_list().is_none()) else {
                return false;
            };
            let Some(name) = seg.name_ref() else {
                return false;
            };
            let Some(f) = ty.syntax().ancestors().find_map(ast::Fn::cast) else {
                return false;
            };
            f.generic_param_list().is_some_and(|l| {
                l.type_or_const_params().any(|p| match p {
                    ast::TypeOrConstParam::Type(t) => {
                        t.name().is_some_and(|n| n.text() == name.text())
                    }
                    ast::TypeOrConstParam::Const(_) => false,
                })
            })
        }
        _ => false,
    }
}

/// An expression whose value is a `String` by its syntax (see [`str_binding`]).
fn string_value(ctx: &Ctx<'_>, e: &ast::Expr) -> bool {
    let callee = |call: &ast::CallExpr| match call.expr() {
        Some(ast::Expr::PathExpr(p)) => p.path(),
        _ => None,
    };
    match e {
        ast::Expr::MacroExpr(m) => m
            .macro_call()
            .and_then(|c| c.path())
            .is_some_and(|p| matches!(compact(p.syntax()).as_str(), "format" | "std::format")),
        ast::Expr::CallExpr(c) => callee(c).is_some_and(|p| {
            matches!(
                compact(p.syntax()).as_str(),
                "String::new" | "String::from" | "String::with_capacity"
            )
        }),
        ast::Expr::MethodCallExpr(mc) => {
            mc.name_ref().is_some_and(|n| n.text() == "to_string")
                && !ctx.krate.own_methods.contains("to_string")
        }
        // A file read whole: `std::fs::read_to_string(p)?`, async-std's `.await?`.
        ast::Expr::TryExpr(_) => match awaited_value(e.clone()) {
            ast::Expr::CallExpr(c) => callee(&c).is_some_and(|p| {
                compact(p.syntax()) == "std::fs::read_to_string"
                    || site_canon(ctx, &p).is_some_and(|c| c == "async_std::fs::read_to_string")
            }),
            _ => false,
        },
        _ => false,
    }
}

/// A node's text without its whitespace (`std :: fs` is `std::fs`).
fn compact(node: &SyntaxNode) -> String {
    node.text().to_string().split_whitespace().collect()
}

/// `e` without the `?` and `.await` around what it calls: `f(..).await?` is what `f` returns.
pub(crate) fn awaited_value(mut e: ast::Expr) -> ast::Expr {
    loop {
        let inner = match &e {
            ast::Expr::TryExpr(t) => t.expr(),
            ast::Expr::AwaitExpr(a) => a.expr(),
            _ => None,
        };
        match inner {
            Some(inner) => e = inner,
            None => return e,
        }
    }
}

/// The async-std item a path of the file resolves to (`async_std::fs::read_dir`), if it is one.
pub(crate) fn site_canon(ctx: &Ctx<'_>, path: &ast::Path) -> Option<String> {
    ctx.sites
        .paths
        .iter()
        .find(|s| s.path.syntax().text_range() == path.syntax().text_range())
        .map(|s| s.canon.join("::"))
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

#[cfg(test)]
mod tests {
    use super::super::check::Asked;

    fn asked(src: &str) -> Vec<String> {
        let oracle = Asked::default();
        super::super::check::migrate_asking(
            src,
            crate::handlers::HandlerTarget::Smol,
            "2021",
            &oracle,
        );
        oracle.0.into_inner()
    }

    #[test]
    fn methods_of_std_iterators_are_known_without_asking() {
        // `StreamExt::sum` has no futures-lite equivalent: every `.sum()` is a question, unless
        // its receiver is a standard library iterator by its syntax.
        let src = "use async_std::prelude::*;\n\
            fn a(xs: &[u32], text: &str) -> u32 {\n    \
                let n: u32 = text.lines().map(|l| l.len() as u32).sum();\n    \
                xs.iter().sum::<u32>() + (1..=3).map(|i| i * 2).sum::<u32>() + n\n}\n\
            fn b(text: String) -> u32 {\n    text.split(',').filter(|s| !s.is_empty()).count() as u32 + text.bytes().map(u32::from).sum::<u32>()\n}\n\
            async fn c(p: &str) -> std::io::Result<Vec<String>> {\n    \
                let text = async_std::fs::read_to_string(p).await?;\n    \
                let joined = format!(\"{text}\\n\");\n    \
                Ok(text.lines().chain(joined.lines()).map(|l| l.trim().to_string()).collect())\n}\n";
        assert_eq!(asked(src), Vec::<String>::new());
    }

    #[test]
    fn joins_of_literals_and_methods_of_iterators_options_are_not_asked_about() {
        // `FutureExt::join` takes a future, which no literal is; what a std iterator's `find`
        // returns is an `Option`, whose `map` is its own; a crate's own `describe` under `chars`
        // does not matter.
        let src = "use async_std::prelude::*;\n\
            struct T;\n\
            impl T {\n    fn describe(&self) -> String { String::new() }\n}\n\
            async fn a(cleaned: Vec<&str>, t: &T, table: &[(u16, &'static str)], code: u16) -> usize {\n    \
                let joined = cleaned.join(\"\\n\");\n    \
                let short: String = t.describe().chars().take(3).collect();\n    \
                let name = table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n);\n    \
                joined.len() + short.len() + name.map_or(0, str::len)\n}\n";
        assert_eq!(asked(src), Vec::<String>::new());
    }

    #[test]
    fn methods_of_streams_async_std_made_are_the_traits_without_asking() {
        // `stream::from_iter`'s, `fs::read_dir`'s and a bound listener's `incoming()` values are
        // streams with no methods of their own; a value made by an adapter the crate defines
        // is asked about.
        let src = "use async_std::prelude::*;\n\
            use async_std::{fs, stream};\n\
            async fn a(limit: u32) -> u32 {\n    \
                let numbers = stream::from_iter(0..limit);\n    \
                numbers.filter(|x| x % 2 == 0).fold(0, |a, x| a + x).await\n}\n\
            async fn b(d: &str) -> std::io::Result<usize> {\n    \
                let mut entries = fs::read_dir(d).await?;\n    \
                let mut n = 0;\n    \
                while let Some(e) = entries.next().await { drop(e?); n += 1; }\n    \
                Ok(n)\n}\n\
            async fn c(addr: &str) -> std::io::Result<()> {\n    \
                let listener = async_std::net::TcpListener::bind(addr).await?;\n    \
                let mut incoming = listener.incoming();\n    \
                while let Some(conn) = incoming.next().await { drop(conn?); }\n    \
                Ok(())\n}\n";
        assert_eq!(asked(src), Vec::<String>::new());
        let own = "use async_std::prelude::*;\n\
            use async_std::stream;\n\
            struct W;\n\
            impl W {\n    fn take(&self, n: u8) -> u8 { n }\n}\n\
            async fn a() -> Option<u8> {\n    \
                let mut items = stream::repeat(1u8).take(2);\n    \
                items.next().await\n}\n";
        assert!(asked(own).contains(&"items.next()".to_string()));
    }

    #[test]
    fn iterators_held_by_locals_and_io_methods_of_readers_async_std_made_are_not_asked_about() {
        // `splitn` is no async trait's method; a local bound once to an iterator is one; a
        // `BufReader` or a `File` async-std made has no inherent `read_line` or `read`.
        let src = "use async_std::prelude::*;\n\
            fn pairs(input: &str) -> Vec<(String, i32)> {\n    \
                input.lines().filter_map(|line| {\n        \
                    let mut parts = line.splitn(2, '=');\n        \
                    let key = parts.next()?.trim();\n        \
                    Some((key.to_string(), parts.next()?.trim().parse().ok()?))\n    \
                }).collect()\n}\n\
            async fn first(conn: async_std::net::TcpStream, p: &str) -> std::io::Result<usize> {\n    \
                let mut reader = async_std::io::BufReader::new(conn);\n    \
                let mut line = String::new();\n    \
                reader.read_line(&mut line).await?;\n    \
                let mut file = async_std::fs::File::open(p).await?;\n    \
                let mut buf = [0u8; 8];\n    \
                Ok(file.read(&mut buf).await? + line.len())\n}\n";
        assert_eq!(asked(src), Vec::<String>::new());
        // Stdin has a `read_line` of its own: no question either (and the trait is not needed
        // for it); a reader the syntax does not know is asked about.
        let src = "use async_std::prelude::*;\n\
            async fn ask(mut r: R) -> std::io::Result<String> {\n    \
                let input = async_std::io::stdin();\n    \
                let mut line = String::from(\">\");\n    \
                while input.read_line(&mut line).await? > 0 {}\n    \
                r.read_line(&mut line).await?;\n    \
                Ok(line)\n}\n";
        let mut got = asked(src);
        got.dedup();
        assert_eq!(got, vec!["r.read_line(&mut line)"]);
    }

    #[test]
    fn a_str_parameter_that_another_binding_shadows_is_asked_about() {
        // `text` is also bound in the body (an async-std reader, for all syntax knows), a
        // crate's own `iter` may return a stream, and a file's reader has `lines` too.
        let src = "use async_std::prelude::*;\n\
            async fn a(text: &str, r: R) -> u32 {\n    \
                if let Some(text) = r.lines_of() { return text.lines().sum::<u32>().await; }\n    0\n}\n\
            struct S;\nimpl S {\n    fn iter(&self) -> X { X }\n}\n\
            async fn b(s: S) -> u32 {\n    s.iter().sum::<u32>().await\n}\n\
            async fn c(p: &str) -> u32 {\n    \
                let text = async_std::io::BufReader::new(async_std::fs::File::open(p).await.unwrap());\n    \
                text.lines().map(|_| 1).sum::<u32>().await\n}\n";
        let mut asked = asked(src);
        asked.sort();
        asked.dedup();
        assert_eq!(
            asked,
            vec![
                "s.iter().sum::<u32>()",
                "text.lines()",
                "text.lines().map(|_| 1)",
                "text.lines().map(|_| 1).sum::<u32>()",
                "text.lines().sum::<u32>()",
            ]
        );
    }
}
