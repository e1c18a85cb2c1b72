//! Sockets from std ones. async-std implements `From<std::net::TcpListener>` (and for the other
//! socket types), panicking when the socket cannot be registered with the reactor; async-net has
//! only `TryFrom`. `expect` on `try_from` is the same behaviour.
//!
//! Before:
//! ```text
//! use async_std::net::TcpListener;
//!
//! fn adopt(std_listener: std::net::TcpListener) -> TcpListener {
//!     TcpListener::from(std_listener)
//! }
//! ```
//! After:
//! ```text
//! use smol::net::TcpListener;
//!
//! fn adopt(std_listener: std::net::TcpListener) -> TcpListener {
//!     TcpListener::try_from(std_listener).expect("registering the socket with smol's reactor")
//! }
//! ```
//! A std socket's `.into()` whose result types show to be async-std's socket (rust-analyzer) is
//! the same conversion:
//!
//! ```text
//! Self(Tcp(std_listener.into()))  ->  Self(Tcp(<TcpListener as TryFrom<_>>::try_from(std_listener).expect("..")))
//! ```
//! (the type by the name the file imports it under, `TryFrom` by its prelude name from edition
//! 2021 on: crates that deny `unused_qualifications` reject the full paths). Without types, an
//! `.into()` that a function returns (as its tail or `return`, inside `Ok`/`Some` too) is the
//! conversion when the function's declared result is the socket (`io::Result<TcpStream>`): into
//! async-std's socket converts only std's socket, or the socket itself, which `try_from` takes too.
//!
//! A parameter `p: impl Into<TcpListener>` whose every use is `p.into()` takes both sockets still:
//!
//! ```text
//! pub fn from_listener(l: impl Into<TcpListener>) -> Self { Self(l.into()) }
//! ->
//! pub fn from_listener(l: impl TryInto<TcpListener, Error: std::fmt::Debug>) -> Self {
//!     Self(l.try_into().expect("registering the socket with smol's reactor"))
//! }
//! ```
//! (smol's socket converts infallibly, std's through `TryFrom`; the panic is async-std's `From`'s;
//! `std::convert::TryInto` in editions 2015 and 2018). A function with another `Into<TcpListener>`
//! bound keeps its signature (reported: callers outside the crate that pass a std socket break),
//! and its calls in the crate that pass a std socket (known from types) convert it first, as
//! async-std's `From` did:
//!
//! ```text
//! TcpListener::from_listener(std_listener)
//! ->
//! TcpListener::from_listener(<TcpListener as TryFrom<_>>::try_from(std_listener).expect(".."))
//! ```

use super::At;
use super::{call_of_path, end, Flow};
use super::{range, Acc, Ctx};
use crate::resolve::PathSite;
use ra_ap_syntax::ast::HasGenericArgs;
use ra_ap_syntax::AstNode;
use ra_ap_syntax::SyntaxKind;

/// Entry: a socket's path site (a raw-descriptor conversion there is [`super::raw_fd`]'s first), and a file pass for `.into()`.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    match at {
        At::Path(site, _) => {
            super::raw_fd::on_path(site, ctx, acc);
            on_from(site, ctx, acc)
        }
        At::File => {
            pass(ctx, acc);
            Flow::Continue
        }
    }
}

const RULE: &str = "socket-try-from";
pub(super) fn on_from(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    into_bound(site, ctx, acc);
    let Some((last, ty)) = site.canon.split_last() else {
        return Flow::Continue;
    };
    if last != "from"
        || !crate::tables::smol_api()
            .sockets_from_std
            .contains(&ty.join("::"))
    {
        return Flow::Continue;
    }
    let Some(call) = call_of_path(&site.path) else {
        return Flow::Continue;
    };
    let Some(seg) = site.path.segment().and_then(|s| s.name_ref()) else {
        return Flow::Continue;
    };
    acc.edits.replace(range(seg.syntax()), "try_from", RULE);
    expect_registered(&call, ctx, acc, RULE);
    Flow::Continue
}

/// After a `Type::try_from(..)` call put in place of a conversion that could not fail in
/// async-std (it panicked): the same panic, and `TryFrom` in scope where the prelude lacks it.
pub(super) fn expect_registered(
    call: &ra_ap_syntax::ast::CallExpr,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
    rule: &str,
) {
    if matches!(ctx.edition, "2015" | "2018") {
        acc.traits.insert("std::convert::TryFrom".into());
    }
    acc.edits.insert(
        end(call.syntax()),
        ".expect(\"registering the socket with smol's reactor\")",
        rule,
    );
}

/// `impl Into<TcpListener>` / `T: Into<TcpListener>`: callers that passed a std socket relied on
/// async-std's `From`, which async-net does not have. A parameter `p: impl Into<Socket>` whose
/// every use is `p.into()` takes `impl TryInto<Socket, Error: std::fmt::Debug>` instead: smol's
/// socket converts (infallibly) and so does std's (`TryFrom`, registering it with the reactor), and
/// `p.try_into().expect(..)` panics where async-std's `From` did. Any other bound is reported.
fn into_bound(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) {
    if !crate::tables::smol_api()
        .sockets_from_std
        .contains(&site.canon.join("::"))
    {
        return;
    }
    let Some(into) = site
        .path
        .syntax()
        .ancestors()
        .filter_map(ra_ap_syntax::ast::PathSegment::cast)
        .find(|seg| {
            seg.name_ref().is_some_and(|n| n.text() == "Into") && seg.generic_arg_list().is_some()
        })
    else {
        return;
    };
    if let Some((name_ref, args, uses)) = try_into_param(&into) {
        // The bound puts `try_into` in scope for the parameter: no import. A bare `Into` names
        // the prelude's; `TryInto` is not in the 2015/2018 prelude.
        let bare_into = into
            .syntax()
            .parent()
            .and_then(ra_ap_syntax::ast::Path::cast)
            .is_some_and(|p| p.qualifier().is_none());
        // Imported already (tide-rustls denies `unused_qualifications`): by its name.
        let imported = || {
            ctx.nodes()
                .iter()
                .filter_map(|n| ra_ap_syntax::ast::UseTree::cast(n.clone()))
                .any(|t| {
                    t.rename().is_none()
                        && t.use_tree_list().is_none()
                        && t.path()
                            .and_then(|p| p.segment())
                            .is_some_and(|s| s.syntax().text() == "TryInto")
                })
        };
        let name = if matches!(ctx.edition, "2015" | "2018") && bare_into && !imported() {
            "std::convert::TryInto"
        } else {
            "TryInto"
        };
        acc.edits.replace(range(name_ref.syntax()), name, RULE);
        if let Some(r_angle) = args.r_angle_token() {
            let at: usize = r_angle.text_range().start().into();
            acc.edits.insert(at, ", Error: std::fmt::Debug", RULE);
        }
        for call in uses {
            if let Some(n) = call.name_ref() {
                acc.edits.replace(range(n.syntax()), "try_into", RULE);
            }
            acc.edits.insert(
                end(call.syntax()),
                ".expect(\"registering the socket with smol's reactor\")",
                RULE,
            );
        }
        return;
    }
    // The same finding with or without types: the signature is a decision for a person either
    // way (with types, this crate's own calls that pass a std socket are converted).
    acc.findings.push(crate::report::RawFinding::not_migrated(
        super::start(site.path.syntax()),
        RULE,
        format!("`Into<{}>` accepted std sockets through async-std's From, which async-net does not have (a public API change for callers that pass one)", site.path.syntax()),
        "keep the signature and have callers convert with try_from (this crate's calls are converted where types show a std socket), or take the std socket explicitly",
    ));
}

/// For `Into<Socket>` as the bound of a function parameter `p: impl Into<Socket>` whose every use
/// in the body is `p.into()`: the `Into` name, its generic arguments and those calls.
pub(crate) fn try_into_param(
    into: &ra_ap_syntax::ast::PathSegment,
) -> Option<(
    ra_ap_syntax::ast::NameRef,
    ra_ap_syntax::ast::GenericArgList,
    Vec<ra_ap_syntax::ast::MethodCallExpr>,
)> {
    use ra_ap_syntax::ast::{self, HasArgList, HasName};
    let name_ref = into.name_ref()?;
    let args = into.generic_arg_list()?;
    if args.generic_args().count() != 1 {
        return None;
    }
    // `impl Into<Socket>` as the whole type of a parameter.
    let path_type = into
        .syntax()
        .parent()
        .and_then(ast::Path::cast)?
        .syntax()
        .parent()
        .and_then(ast::PathType::cast)?;
    let bound = path_type.syntax().parent().and_then(ast::TypeBound::cast)?;
    let list = bound.syntax().parent().and_then(ast::TypeBoundList::cast)?;
    if list.bounds().count() != 1 {
        return None;
    }
    let impl_trait = list.syntax().parent().and_then(ast::ImplTraitType::cast)?;
    let param = impl_trait.syntax().parent().and_then(ast::Param::cast)?;
    let Some(ast::Pat::IdentPat(pat)) = param.pat() else {
        return None;
    };
    let pname = pat.name()?.text().to_string();
    let f = param.syntax().ancestors().find_map(ast::Fn::cast)?;
    let body = f.body()?;
    let mut uses = Vec::new();
    for pe in body.syntax().descendants().filter_map(ast::PathExpr::cast) {
        if pe.syntax().text() != pname.as_str() {
            continue;
        }
        let call = pe.syntax().parent().and_then(ast::MethodCallExpr::cast)?;
        let is_into = call.receiver().is_some_and(|r| r.syntax() == pe.syntax())
            && call.name_ref().is_some_and(|n| n.text() == "into")
            && call.generic_arg_list().is_none()
            && call.arg_list().is_some_and(|a| a.args().next().is_none());
        if !is_into {
            return None;
        }
        uses.push(call);
    }
    // A use the tree does not show (in a macro's arguments) would keep calling `into`; a binding
    // of the same name shadows the parameter.
    let in_macro = body
        .syntax()
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::TOKEN_TREE)
        .flat_map(|tt| tt.children_with_tokens().filter_map(|e| e.into_token()))
        .any(|t| t.kind() == SyntaxKind::IDENT && t.text() == pname);
    let shadowed = body
        .syntax()
        .descendants()
        .filter_map(ast::IdentPat::cast)
        .any(|p| p.name().is_some_and(|n| n.text() == pname.as_str()));
    if uses.is_empty() || in_macro || shadowed {
        return None;
    }
    Some((name_ref, args, uses))
}

/// How the type oracle names `krate`'s type of that name (`std::TcpListener`): crate and name.
fn typed_as(krate: &str, canon: &str) -> String {
    format!("{krate}::{}", canon.rsplit("::").next().unwrap_or(""))
}

/// The smol type for an async-std socket path.
fn smol_socket(canon: &str) -> Option<String> {
    let name = canon.rsplit("::").next()?;
    if canon.starts_with("async_std::os::unix::net::") {
        Some(format!("smol::net::unix::{name}"))
    } else {
        Some(format!("smol::net::{name}"))
    }
}

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    to_std_calls(ctx, acc);
    into_calls(ctx, acc);
    if ctx.oracle.is_semantic() {
        passed_to_into_params(ctx, acc);
    }
}

/// `std::net::TcpStream::try_from(stream)` of an async-std stream (by type): async-std's
/// conversion took the stream's only reference to its reactor handle, made it blocking again, and
/// failed when clones were alive. async-net has no such `TryFrom`; the same steps are written out
/// through its `Arc<Async<std::net::TcpStream>>` (redis-rs).
fn to_std_calls(ctx: &Ctx<'_>, acc: &mut Acc) {
    // async-std's stream rebuilt on smol (`shared_io_stream.rs`) has async-std's conversion.
    if super::shared_io_stream::covers(ctx.generated, "TcpStream") {
        return;
    }
    for call in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ra_ap_syntax::ast::CallExpr::cast)
    {
        let Some(ra_ap_syntax::ast::Expr::PathExpr(pe)) = call.expr() else {
            continue;
        };
        let path = ctx.text_of(pe.syntax()).replace(' ', "");
        if !(path.ends_with("std::net::TcpStream::try_from")
            || path.ends_with("std::net::TcpStream>::try_from")
            || path.starts_with("<std::net::TcpStream as"))
        {
            continue;
        }
        let args: Vec<_> = ra_ap_syntax::ast::HasArgList::arg_list(&call)
            .map(|a| a.args().collect())
            .unwrap_or_default();
        let [arg] = args.as_slice() else { continue };
        // Without a type (no rust-analyzer, or code outside its cfg): a file that names
        // async-std's TcpStream converts one (std's own try_from of a std stream is an identity
        // nobody writes).
        let async_std_stream = match ctx.oracle.type_of(arg) {
            Some(t) => t == typed_as("async_std", "TcpStream"),
            None => {
                let canon = ["async_std", "net", "TcpStream"];
                ctx.sites.leaves.iter().any(|l| l.canon == canon)
                    || ctx.sites.paths.iter().any(|p| p.canon == canon)
            }
        };
        if !async_std_stream {
            continue;
        }
        let text = match arg {
            ra_ap_syntax::ast::Expr::PathExpr(_) => super::text_of(ctx, arg.syntax()).to_string(),
            _ => format!("({})", super::text_of(ctx, arg.syntax())),
        };
        let (open, close) = if super::needs_parens(call.syntax()) {
            ("(", ")")
        } else {
            ("", "")
        };
        acc.edits.set_anchor(Some(super::start(call.syntax())));
        acc.edits.replace(
            super::range(call.syntax()),
            format!("{open}{{ let handle: std::sync::Arc<smol::Async<std::net::TcpStream>> = {text}.into(); std::sync::Arc::try_unwrap(handle).map_err(|_| std::io::Error::other(\"Cannot convert TcpStream to synchronous: multiple references\")).and_then(smol::Async::into_inner).and_then(|s| s.set_nonblocking(false).map(|()| s)) }}{close}"),
            RULE,
        );
    }
}

/// `std_socket.into()` where the result is async-std's socket (by type).
fn into_calls(ctx: &Ctx<'_>, acc: &mut Acc) {
    for call in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ra_ap_syntax::ast::MethodCallExpr::cast)
    {
        if call.name_ref().is_none_or(|n| n.text() != "into")
            || ra_ap_syntax::ast::HasArgList::arg_list(&call)
                .is_none_or(|a| a.args().next().is_some())
        {
            continue;
        }
        let Some(receiver) = call.receiver() else {
            continue;
        };
        let expr = ra_ap_syntax::ast::Expr::MethodCallExpr(call.clone());
        let canon = match (ctx.oracle.type_of(&receiver), ctx.oracle.type_of(&expr)) {
            (Some(from), Some(to)) => {
                let Some(canon) = crate::tables::smol_api()
                    .sockets_from_std
                    .iter()
                    .find(|t| to == typed_as("async_std", t))
                else {
                    continue;
                };
                if from != typed_as("std", canon) {
                    continue;
                }
                canon.clone()
            }
            // Without types, the function's declared result: async-std's socket converts into it
            // only from std's (or from itself, which `try_from` also accepts).
            (None, None) if !param_of_other_type(&receiver) => match returned_socket(ctx, &expr) {
                Some(canon) => canon,
                None => continue,
            },
            _ => continue,
        };
        let canon = &canon;
        // async-std's stream rebuilt on smol (`shared_io_stream.rs`) converts as it did.
        if super::shared_io_stream::covers(ctx.generated, canon) {
            continue;
        }
        let Some(smol) = smol_socket(canon) else {
            continue;
        };
        acc.edits.set_anchor(Some(super::start(call.syntax())));
        acc.edits.insert(
            super::start(receiver.syntax()),
            format!(
                "<{} as {}<_>>::try_from(",
                in_scope(ctx, &smol),
                try_from(ctx)
            ),
            RULE,
        );
        acc.edits.replace(
            super::end(receiver.syntax())..super::end(call.syntax()),
            ").expect(\"registering the socket with smol's reactor\")",
            RULE,
        );
    }
    acc.edits.set_anchor(None);
}

/// The receiver is a parameter of its function declared with a type other than a plain socket
/// path (`impl Into<TcpListener>`, a generic): its `.into()` is not std's socket converting.
fn param_of_other_type(receiver: &ra_ap_syntax::ast::Expr) -> bool {
    use ra_ap_syntax::ast::{self, HasName};
    let ast::Expr::PathExpr(pe) = receiver else {
        return false;
    };
    let name = pe.syntax().text().to_string();
    let Some(f) = pe.syntax().ancestors().find_map(ast::Fn::cast) else {
        return false;
    };
    let Some(params) = f.param_list() else {
        return false;
    };
    params.params().any(|p| {
        let named = matches!(p.pat(), Some(ast::Pat::IdentPat(ip)) if ip.name().is_some_and(|n| n.text() == name.as_str()));
        named
            && !matches!(p.ty(), Some(ast::Type::PathType(pt))
                if pt.path().is_some_and(|p| p.segment().is_some_and(|s| s.generic_arg_list().is_none())))
    })
}

/// The async-std socket a function returns, when `expr` is what it returns (its tail or a
/// `return`, inside `Ok(..)`/`Some(..)`) and its declared result is the socket, or a `Result` or
/// `Option` of it, by syntax (redis-rs: `Ok(std_socket.into())` in code rust-analyzer's cfg left
/// out).
fn returned_socket(ctx: &Ctx<'_>, expr: &ra_ap_syntax::ast::Expr) -> Option<String> {
    use ra_ap_syntax::ast;
    let mut node = super::skip_parens_up(expr.syntax());
    // Inside `Ok(..)` / `Some(..)`.
    if let Some(call) = node
        .parent()
        .and_then(ast::ArgList::cast)
        .and_then(|a| a.syntax().parent())
        .and_then(ast::CallExpr::cast)
    {
        let wrapper = match call.expr() {
            Some(ast::Expr::PathExpr(p)) => p.path().map(|p| p.syntax().text().to_string()),
            _ => None,
        };
        if !matches!(wrapper.as_deref(), Some("Ok" | "Some")) || super::args(&call).len() != 1 {
            return None;
        }
        node = super::skip_parens_up(call.syntax());
    }
    let parent = node.parent()?;
    let body = if let Some(r) = ast::ReturnExpr::cast(parent.clone()) {
        r.syntax()
            .ancestors()
            .find(|a| matches!(a.kind(), SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR))?
    } else {
        let list = ast::StmtList::cast(parent)?;
        if list.tail_expr()?.syntax() != &node {
            return None;
        }
        let block = list.syntax().parent()?;
        let f = block.parent()?;
        if f.kind() != SyntaxKind::FN {
            return None;
        }
        f
    };
    let ret = ast::Fn::cast(body)?.ret_type()?.ty()?;
    let mut ty = ret;
    if let ast::Type::PathType(pt) = &ty {
        let seg = pt.path()?.segment()?;
        let name = seg.name_ref()?.text().to_string();
        if name == "Result" || name == "Option" {
            if let Some(ast::GenericArg::TypeArg(t)) = seg.generic_arg_list()?.generic_args().next()
            {
                ty = t.ty()?;
            }
        }
    }
    let ast::Type::PathType(pt) = ty else {
        return None;
    };
    let path = pt.path()?;
    let site = ctx
        .sites
        .paths
        .iter()
        .find(|p| p.path.syntax().text_range() == path.syntax().text_range())?;
    let canon = site.canon.join("::");
    crate::tables::smol_api()
        .sockets_from_std
        .iter()
        .find(|t| **t == canon)
        .cloned()
}

/// Calls of the crate's `impl Into<socket>` functions that pass a std socket (by type).
fn passed_to_into_params(ctx: &Ctx<'_>, acc: &mut Acc) {
    if ctx.krate.into_socket_params.is_empty() {
        return;
    }
    for call in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ra_ap_syntax::ast::CallExpr::cast)
    {
        let Some(ra_ap_syntax::ast::Expr::PathExpr(callee)) = call.expr() else {
            continue;
        };
        let Some(name) = callee
            .path()
            .and_then(|p| p.segment())
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string())
        else {
            continue;
        };
        let Some(params) = ctx.krate.into_socket_params.get(&name) else {
            continue;
        };
        let Some(args) = ra_ap_syntax::ast::HasArgList::arg_list(&call) else {
            continue;
        };
        let args: Vec<_> = args.args().collect();
        for (i, canon) in params {
            let Some(arg) = args.get(*i) else { continue };
            let Some(ty) = ctx.oracle.type_of(arg) else {
                continue;
            };
            if ty != typed_as("std", canon) || super::shared_io_stream::covers(ctx.generated, canon)
            {
                continue;
            }
            let Some(smol) = smol_socket(canon) else {
                continue;
            };
            let text = super::text_of(ctx, arg.syntax());
            acc.edits.set_anchor(Some(super::start(arg.syntax())));
            acc.edits.replace(
                range(arg.syntax()),
                // Written out in full: TryFrom is not in the 2015/2018 preludes.
                format!("<{} as {}<_>>::try_from({text}).expect(\"registering the socket with smol's reactor\")", in_scope(ctx, &smol), try_from(ctx)),
                RULE,
            );
        }
    }
}

/// The name a smol socket type is written by: its last segment where the file imports it under
/// that name (the import regenerated from async-std's), else its full path. A crate that denies
/// `unused_qualifications` (trillium) rejects the full path where the name is in scope.
fn in_scope(ctx: &Ctx<'_>, smol: &str) -> String {
    let last = smol.rsplit("::").next().unwrap_or(smol);
    let imported = ctx.sites.leaves.iter().any(|l| {
        !l.glob
            && l.local.as_deref() == Some(last)
            && ctx
                .cat
                .lookup(&l.canon)
                .and_then(|m| m.path)
                .is_some_and(|p| p == smol)
    });
    if imported {
        last.to_string()
    } else {
        smol.to_string()
    }
}

/// `TryFrom` is in the prelude from edition 2021 on.
fn try_from(ctx: &Ctx<'_>) -> &'static str {
    if ctx.edition == "2015" || ctx.edition == "2018" {
        "std::convert::TryFrom"
    } else {
        "TryFrom"
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_into_returned_as_the_declared_socket_without_types() {
        // redis-rs: the module is behind a feature rust-analyzer's cfg leaves out.
        check_rewrite(
            "socket-try-from",
            r#"use async_std::net::TcpStream;

async fn connect(addr: &str) -> std::io::Result<TcpStream> {
    let std_socket = std::net::TcpStream::connect(addr)?;
    std_socket.set_nodelay(true)?;
    Ok(std_socket.into())
}

fn adopt(s: std::net::TcpStream) -> TcpStream {
    if s.nodelay().unwrap_or(false) {
        return s.into();
    }
    s.into()
}

fn not_a_socket(s: std::net::TcpStream) -> Box<std::net::TcpStream> {
    s.into()
}
"#,
            r#"use smol::net::TcpStream;

async fn connect(addr: &str) -> std::io::Result<TcpStream> {
    let std_socket = std::net::TcpStream::connect(addr)?;
    std_socket.set_nodelay(true)?;
    Ok(<TcpStream as TryFrom<_>>::try_from(std_socket).expect("registering the socket with smol's reactor"))
}

fn adopt(s: std::net::TcpStream) -> TcpStream {
    if s.nodelay().unwrap_or(false) {
        return <TcpStream as TryFrom<_>>::try_from(s).expect("registering the socket with smol's reactor");
    }
    <TcpStream as TryFrom<_>>::try_from(s).expect("registering the socket with smol's reactor")
}

fn not_a_socket(s: std::net::TcpStream) -> Box<std::net::TcpStream> {
    s.into()
}
"#,
        );
    }

    #[test]
    fn an_impl_into_parameter_takes_try_into() {
        check_rewrite(
            "socket-try-from",
            "use async_std::net::TcpListener;
pub struct L(Option<TcpListener>);
pub fn tcp(tcp: impl Into<TcpListener>) -> L {
    L(Some(tcp.into()))
}
",
            "use smol::net::TcpListener;
pub struct L(Option<TcpListener>);
pub fn tcp(tcp: impl TryInto<TcpListener, Error: std::fmt::Debug>) -> L {
    L(Some(tcp.try_into().expect(\"registering the socket with smol's reactor\")))
}
",
        );
        // tide (edition 2018): `TryInto` is not in the prelude.
        check_rewrite_in_edition(
            "socket-try-from",
            "2018",
            "use async_std::net;
pub fn from_listener(l: impl Into<net::TcpListener>) -> net::TcpListener {
    l.into()
}
",
            "use smol::net;
pub fn from_listener(l: impl std::convert::TryInto<net::TcpListener, Error: std::fmt::Debug>) -> net::TcpListener {
    l.try_into().expect(\"registering the socket with smol's reactor\")
}
",
        );
        // Imported already (tide-rustls denies `unused_qualifications`): by its name.
        check_rewrite_in_edition(
            "socket-try-from",
            "2018",
            "use async_std::net;
use std::convert::{TryFrom, TryInto};
pub fn from_listener(l: impl Into<net::TcpListener>) -> net::TcpListener {
    l.into()
}
",
            "use smol::net;
use std::convert::{TryFrom, TryInto};
pub fn from_listener(l: impl TryInto<net::TcpListener, Error: std::fmt::Debug>) -> net::TcpListener {
    l.try_into().expect(\"registering the socket with smol's reactor\")
}
",
        );
    }

    #[test]
    fn an_into_parameter_used_otherwise_is_reported() {
        check_findings(
            "socket-try-from",
            "use async_std::net::TcpListener;
pub fn keep<L: Into<TcpListener>>(l: L) -> TcpListener { l.into() }
pub fn pass(l: impl Into<TcpListener>) -> TcpListener { keep(l) }
",
            "2:21 socket-try-from: `Into<TcpListener>` accepted std sockets through async-std's From, which async-net does not have (a public API change for callers that pass one)
3:26 socket-try-from: `Into<TcpListener>` accepted std sockets through async-std's From, which async-net does not have (a public API change for callers that pass one)",
        );
    }

    #[test]
    fn bind_is_not_a_conversion() {
        check_not_applicable(
            "socket-try-from",
            r#"use async_std::net::TcpListener;

async fn listen() -> std::io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0").await
}
"#,
        );
    }

    #[test]
    fn an_async_std_stream_made_synchronous_again() {
        // redis-rs: std::net::TcpStream::try_from(async_std stream) (no type known here: the
        // file names async-std's TcpStream).
        check_rewrite(
            "socket-try-from",
            r#"use async_std::net::TcpStream;

async fn blocking(addr: &str) -> std::io::Result<std::net::TcpStream> {
    let socket = TcpStream::connect(addr).await?;
    let std_socket = std::net::TcpStream::try_from(socket)?;
    Ok(std_socket)
}
"#,
            r#"use smol::net::TcpStream;

async fn blocking(addr: &str) -> std::io::Result<std::net::TcpStream> {
    let socket = TcpStream::connect(addr).await?;
    let std_socket = ({ let handle: std::sync::Arc<smol::Async<std::net::TcpStream>> = socket.into(); std::sync::Arc::try_unwrap(handle).map_err(|_| std::io::Error::other("Cannot convert TcpStream to synchronous: multiple references")).and_then(smol::Async::into_inner).and_then(|s| s.set_nonblocking(false).map(|()| s)) })?;
    Ok(std_socket)
}
"#,
        );
    }
}
