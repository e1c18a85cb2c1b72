//! "Is async needed here?": the blockers of one file, the facts of a package ([`Plan`]) and the
//! units a package is decided in.

use super::{classify, AwaitKind, Plan, ASYNC_CRATES};
use crate::handlers::Ctx;
use crate::handlers::{call_of_path, method_calls, start};
use crate::report::RawFinding;
use crate::resolve::{FileSites, PathSite};
use crate::rules::Action;
use ra_ap_syntax::ast::{self, HasArgList, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode};
use std::collections::BTreeSet;

/// A crate of a package, decided as a whole: `src` (the library and the main binary, which
/// calls it), or one example/test/bench/bin (`examples/chat`, `tests/api`).
pub type Unit = String;

/// What one file contributes to its unit's decision.
#[derive(Debug, Default, Clone)]
pub struct UnitFacts {
    pub blockers: Vec<RawFinding>,
    /// Async fns the file defines.
    pub defines: BTreeSet<String>,
    /// Names the file calls or awaits that some file of the package defines as async fns
    /// (units sharing them are decided together).
    pub uses: BTreeSet<String>,
}

/// The unit of a file (path relative to its package).
pub fn unit_of(rel: &[String]) -> Unit {
    match rel.first().map(String::as_str) {
        Some("src") if rel.get(1).is_none_or(|c| c != "bin") => "src".into(),
        Some("src") => format!("src/bin/{}", stem(&rel[2])),
        Some(dir) if rel.len() >= 2 => format!("{dir}/{}", stem(&rel[1])),
        _ => rel.join("/"),
    }
}

fn stem(s: &str) -> &str {
    s.strip_suffix(".rs").unwrap_or(s)
}

/// Package facts gathered from every parsed file before any decision.
/// `files`: each file's nodes in preorder, with its sites.
pub fn collect_plan(files: &[(&[SyntaxNode], &FileSites)]) -> Plan {
    let mut plan = Plan::default();
    let mut bounded = false;
    let mut sender_named = false;
    let all: Vec<&[SyntaxNode]> = files.iter().map(|(n, _)| *n).collect();
    for ((_, sites), nodes) in files.iter().zip(&all) {
        for f in nodes.iter().cloned().filter_map(ast::Fn::cast) {
            if f.async_token().is_some() {
                if let Some(n) = f.name() {
                    let has_self = f.param_list().is_some_and(|l| l.self_param().is_some());
                    if has_self {
                        plan.async_methods.insert(n.text().to_string());
                    } else {
                        plan.async_fns.insert(n.text().to_string());
                    }
                }
            }
        }
        for p in &sites.paths {
            match p.canon.join("::").as_str() {
                "async_std::task::spawn" | "async_std::task::spawn_blocking" => plan.spawns = true,
                "async_std::channel::bounded" => bounded = true,
                "async_std::channel::Sender" => sender_named = true,
                _ => {}
            }
        }
        // Receivers: `let (tx, rx) = channel::unbounded();` and anything typed `Receiver<..>`.
        for n in nodes.iter() {
            let (name, ty) = match n.kind() {
                SyntaxKind::LET_STMT => {
                    let l = ast::LetStmt::cast(n.clone()).expect("a LET_STMT");
                    if let (Some(ast::Pat::TuplePat(tp)), Some(init)) = (l.pat(), l.initializer()) {
                        let it = init.syntax().text().to_string();
                        if it.contains("unbounded(") || it.contains("bounded(") {
                            if let Some(ast::Pat::IdentPat(ip)) = tp.fields().nth(1) {
                                if let Some(n) = ip.name() {
                                    plan.receivers.insert(n.text().to_string());
                                }
                            }
                        }
                    }
                    let name = match l.pat() {
                        Some(ast::Pat::IdentPat(ip)) => ip.name().map(|n| n.text().to_string()),
                        _ => None,
                    };
                    (name, l.ty())
                }
                SyntaxKind::PARAM => {
                    let p = ast::Param::cast(n.clone()).expect("a PARAM");
                    let name = match p.pat() {
                        Some(ast::Pat::IdentPat(ip)) => ip.name().map(|n| n.text().to_string()),
                        _ => None,
                    };
                    (name, p.ty())
                }
                SyntaxKind::RECORD_FIELD => {
                    let f = ast::RecordField::cast(n.clone()).expect("a RECORD_FIELD");
                    (f.name().map(|n| n.text().to_string()), f.ty())
                }
                _ => continue,
            };
            if let (Some(name), Some(ty)) = (name, ty) {
                if ty.syntax().text().to_string().contains("Receiver<") {
                    plan.receivers.insert(name);
                }
            }
        }
    }
    // std::sync::mpsc fits when each receiver has one owner and nothing needs crossbeam's extras.
    let mut crossbeam = bounded && sender_named;
    for nodes in &all {
        for mc in nodes.iter().cloned().filter_map(ast::MethodCallExpr::cast) {
            let Some(name) = mc.name_ref().map(|n| n.text().to_string()) else {
                continue;
            };
            let on_receiver = mc
                .receiver()
                .is_some_and(|r| plan.receivers.contains(&last_name(r.syntax())));
            if name == "try_send"
                || (on_receiver
                    && matches!(
                        name.as_str(),
                        "clone" | "len" | "is_empty" | "capacity" | "is_full"
                    ))
            {
                crossbeam = true;
            }
        }
    }
    plan.mpsc = !crossbeam;
    plan
}

/// `rx` for `rx`, `self.rx`, `state.inner.rx`.
pub(super) fn last_name(n: &SyntaxNode) -> String {
    // The text after the last '.', trimmed (`self.rx` -> `rx`), read backwards from the last
    // token: a receiver's whole text can be long (a chain, a block).
    let first = n.first_token();
    let mut parts: Vec<&str> = Vec::new();
    let mut owned: Vec<ra_ap_syntax::SyntaxToken> = Vec::new();
    let mut t = n.last_token();
    while let Some(tok) = t {
        let stop = tok.text().contains('.') || Some(&tok) == first.as_ref();
        t = if stop { None } else { tok.prev_token() };
        owned.push(tok);
    }
    for tok in owned.iter().rev() {
        let text = tok.text();
        parts.push(match text.rfind('.') {
            Some(i) => &text[i + 1..],
            None => text,
        });
    }
    parts.concat().trim().to_string()
}

/// Dependencies on other async crates, as (the name code uses, the reason). A crate that names
/// one of them keeps a runtime.
pub fn package_blockers(deps: &BTreeSet<String>) -> Vec<(String, String)> {
    deps.iter()
        .filter(|d| {
            ASYNC_CRATES.contains(&d.as_str())
                || d.starts_with("tokio")
                || d.starts_with("futures")
                || d.starts_with("async-")
                    && d.as_str() != "async-std"
                    && d.as_str() != "async-attributes"
        })
        .map(|d| {
            (
                d.replace('-', "_"),
                format!("uses `{d}`, an async crate: its futures and types need a runtime"),
            )
        })
        .collect()
}

/// The blockers of one file (in a unit about to be converted), and what it defines and uses.
/// `public_api`: the file belongs to a library whose `pub async fn`s are a contract, and why.
pub fn analyse_file(ctx: &Ctx<'_>, plan: &Plan, public_api: Option<&str>) -> UnitFacts {
    let mut out = UnitFacts::default();
    let b = |at: &SyntaxNode, rule: &str, msg: String, advice: &str| {
        RawFinding::not_migrated(start(at), rule, msg, advice)
    };
    let keep = "kept on an async runtime (smol with --to auto)";

    // Items with no blocking counterpart.
    for site in &ctx.sites.paths {
        let canon = site.canon.join("::");
        match ctx.cat.lookup(&site.canon) {
            None => out.blockers.push(b(
                site.path.syntax(),
                "unknown-item",
                format!("`{canon}` is not in transforms/threads.toml"),
                keep,
            )),
            Some(m) => match (&m.rule.action, &m.rule.handler) {
                (Action::Report(advice), None) => out.blockers.push(b(
                    site.path.syntax(),
                    &m.rule.id,
                    format!("uses `{canon}`: {advice}"),
                    keep,
                )),
                (Action::MapTo(t), _) if t.is_empty() && !site.in_attr => out.blockers.push(b(
                    site.path.syntax(),
                    &m.rule.id,
                    format!("names `{canon}` explicitly (a bound, a qualified call)"),
                    "write the call as a method call, then run again",
                )),
                _ => check_handler_site(site, &canon, ctx, &mut out),
            },
        }
        // An async-std future kept in a value (`let f = fs::read(p); .. f.await`).
        if returns_future(&canon) {
            if let Some(call) = call_of_path(&site.path) {
                if crate::handlers::awaited(call.syntax()).is_none() {
                    out.blockers.push(b(
                        call.syntax(),
                        "future-value",
                        format!(
                            "the future of `{canon}(..)` is used as a value (not awaited at once)"
                        ),
                        keep,
                    ));
                }
            }
        }
    }

    // Every .await must map to a blocking call.
    for aw in ctx.nodes().iter().cloned().filter_map(ast::AwaitExpr::cast) {
        // An awaited async-std call whose row blocks is reported once, by the row.
        let on_site = matches!(aw.expr(), Some(ast::Expr::CallExpr(c))
            if matches!(c.expr(), Some(ast::Expr::PathExpr(pe))
                if pe.path().is_some_and(|p| ctx.sites.paths.iter().any(|s| s.path.syntax() == p.syntax()))));
        if on_site {
            continue;
        }
        if let AwaitKind::Blocker(why) = classify(&aw, ctx, plan) {
            out.blockers
                .push(b(aw.syntax(), "await-unknown", why, keep));
        }
    }

    // Async blocks and closures are only converted as the argument of spawn/block_on.
    for be in ctx.nodes().iter().cloned().filter_map(ast::BlockExpr::cast) {
        if be.async_token().is_some() && !is_runtime_arg(be.syntax(), ctx.sites) {
            out.blockers.push(b(
                be.syntax(),
                "async-block",
                "an async block used as a value (stored, passed, raced or joined): a future only a runtime can drive".into(),
                keep,
            ));
        }
    }
    for c in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::ClosureExpr::cast)
    {
        if c.async_token().is_some() {
            out.blockers.push(b(
                c.syntax(),
                "async-block",
                "an async closure: a future only a runtime can drive".into(),
                keep,
            ));
        }
    }

    // Calls of the crate's async fns: awaited, or the argument of spawn/block_on.
    for call in ctx.nodes().iter().cloned().filter_map(ast::CallExpr::cast) {
        let Some(ast::Expr::PathExpr(pe)) = call.expr() else {
            continue;
        };
        let Some(name) = pe
            .path()
            .and_then(|p| p.segment())
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string())
        else {
            continue;
        };
        if plan.async_fns.contains(&name) {
            out.uses.insert(name.clone());
            if crate::handlers::awaited(call.syntax()).is_none()
                && !is_runtime_arg(call.syntax(), ctx.sites)
            {
                out.blockers.push(b(
                    call.syntax(),
                    "future-value",
                    format!("the future of `{name}(..)` is used as a value (not awaited at once)"),
                    keep,
                ));
            }
        }
    }
    let socket_names = socket_names(ctx.nodes());
    let uses_channel = crate::handlers::file_uses(ctx, &["async_std::channel"]);
    let uses_sync = crate::handlers::file_uses(ctx, &["async_std::sync"]);
    for (mc, name) in method_calls(ctx) {
        if plan.async_methods.contains(&name) {
            out.uses.insert(name.clone());
            if crate::handlers::awaited(mc.syntax()).is_none()
                && !is_runtime_arg(mc.syntax(), ctx.sites)
            {
                out.blockers.push(b(
                    mc.syntax(),
                    "future-value",
                    format!("the future of `.{name}(..)` is used as a value (not awaited at once)"),
                    keep,
                ));
            }
        }
        if uses_channel
            && matches!(
                name.as_str(),
                "close" | "is_closed" | "receiver_count" | "sender_count" | "downgrade"
            )
        {
            out.blockers.push(b(
                mc.syntax(),
                "channel-close",
                format!("`.{name}()` on a channel: std and crossbeam channels close only when every sender or receiver is dropped"),
                "restructure so that dropping the senders ends the receivers, or keep a runtime",
            ));
        }
        if uses_sync
            && matches!(
                name.as_str(),
                "try_lock"
                    | "try_read"
                    | "try_write"
                    | "lock_arc"
                    | "try_lock_arc"
                    | "upgradable_read"
                    | "into_inner"
                    | "get_mut"
            )
        {
            out.blockers.push(b(
                mc.syntax(),
                "lock-api",
                format!("`.{name}()` on an async-std lock has a different shape in std (Option vs LockResult)"),
                "convert this call by hand, or keep a runtime",
            ));
        }
        if name == "clone"
            && mc
                .receiver()
                .is_some_and(|r| socket_names.contains(&last_name(r.syntax())))
        {
            out.blockers.push(b(
                mc.syntax(),
                "socket-clone",
                format!(
                    "clones the socket `{}`: std sockets are not Clone (try_clone can fail)",
                    mc.receiver()
                        .map(|r| r.syntax().text().to_string())
                        .unwrap_or_default()
                ),
                "use try_clone()? by hand, or keep a runtime",
            ));
        } else if name == "clone" && ctx.oracle.is_semantic() {
            if let Some(t) = mc.receiver().and_then(|r| ctx.oracle.type_of(&r)) {
                if t.ends_with("TcpStream") || t.ends_with("UnixStream") || t.ends_with("UdpSocket")
                {
                    out.blockers.push(b(
                        mc.syntax(),
                        "socket-clone",
                        format!("clones a `{t}`: std sockets are not Clone (try_clone can fail)"),
                        "use try_clone()? by hand, or keep a runtime",
                    ));
                }
            }
        }
    }

    // Futures and streams written by hand, and async macros.
    for imp in ctx.nodes().iter().cloned().filter_map(ast::Impl::cast) {
        if let Some(t) = imp.trait_() {
            let name = t.syntax().text().to_string();
            let last = name
                .rsplit("::")
                .next()
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap_or("");
            if matches!(
                last,
                "Future"
                    | "Stream"
                    | "AsyncRead"
                    | "AsyncWrite"
                    | "AsyncBufRead"
                    | "AsyncSeek"
                    | "IntoFuture"
            ) {
                out.blockers.push(b(
                    imp.syntax(),
                    "hand-written-future",
                    format!("implements `{last}` by hand"),
                    keep,
                ));
            }
        }
    }
    for n in ctx.nodes().iter().cloned() {
        let hit = match n.kind() {
            SyntaxKind::IMPL_TRAIT_TYPE | SyntaxKind::DYN_TRAIT_TYPE => {
                let t = ctx.text_of(&n);
                (t.contains("Future") || t.contains("Stream")).then(|| t.to_string())
            }
            SyntaxKind::PATH_TYPE => {
                let t = ctx.text_of(&n);
                (t.starts_with("Pin<") || t.contains("BoxFuture") || t.contains("::Poll<"))
                    .then(|| t.to_string())
            }
            _ => None,
        };
        if let Some(t) = hit {
            out.blockers.push(b(
                &n,
                "hand-written-future",
                format!(
                    "names the future type `{}`",
                    t.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
                keep,
            ));
        }
    }
    for m in ctx.nodes().iter().cloned().filter_map(ast::MacroCall::cast) {
        let name = m
            .path()
            .and_then(|p| p.segment())
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        if matches!(
            name.as_str(),
            "select"
                | "select_biased"
                | "join"
                | "try_join"
                | "pin_mut"
                | "stream"
                | "try_stream"
                | "ready"
                | "poll_fn"
        ) {
            out.blockers.push(b(
                m.syntax(),
                "async-macro",
                format!("`{name}!` drives futures concurrently or by hand"),
                keep,
            ));
        }
    }

    // `macro_rules!` bodies are token soup: async code there cannot be converted reliably.
    for m in ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::MacroRules::cast)
    {
        let body = m
            .token_tree()
            .map(|t| t.syntax().text().to_string())
            .unwrap_or_default();
        let words: BTreeSet<String> = ["async".to_string(), "await".to_string()].into();
        if crate::workspace::mentions_any(&body, &words)
            || crate::workspace::mentions_any(&body, &ctx.krate.roots)
        {
            out.blockers.push(b(
                m.syntax(),
                "async-macro",
                "a `macro_rules!` body with async code (macro bodies are not converted to blocking code)".into(),
                keep,
            ));
        }
    }

    // Definitions, and the library's public async API.
    for f in ctx.nodes().iter().cloned().filter_map(ast::Fn::cast) {
        if f.async_token().is_none() {
            continue;
        }
        let name = f.name().map(|n| n.text().to_string()).unwrap_or_default();
        out.defines.insert(name.clone());
        for attr in ra_ap_syntax::ast::HasAttrs::attrs(&f) {
            let path = attr
                .path()
                .map(|p| p.syntax().text().to_string())
                .unwrap_or_default();
            let harmless = matches!(
                path.as_str(),
                "allow"
                    | "warn"
                    | "deny"
                    | "expect"
                    | "forbid"
                    | "doc"
                    | "cfg"
                    | "cfg_attr"
                    | "inline"
                    | "must_use"
                    | "deprecated"
                    | "track_caller"
                    | "cold"
                    | "ignore"
                    | "should_panic"
                    | "rustfmt::skip"
            ) || path.starts_with("clippy::")
                || ctx.sites.paths.iter().any(|s| {
                    s.in_attr
                        && attr
                            .syntax()
                            .text_range()
                            .contains_range(s.path.syntax().text_range())
                });
            if !harmless {
                out.blockers.push(b(
                    attr.syntax(),
                    "foreign-attribute",
                    format!("`#[{path}]` on `async fn {name}`: another runtime or macro expects it async"),
                    keep,
                ));
            }
        }
        if let Some(why) = public_api.filter(|_| is_public(&f)) {
            out.blockers.push(b(
                f.syntax(),
                "public-async-api",
                format!("`pub async fn {name}` {why}"),
                "pass --allow-api-change (or set `publish = false`) to convert a library no other package here uses",
            ));
        }
    }
    out
}

/// async-std functions whose call is a future (the others build values: channels, readers,
/// stdin handles, streams).
fn returns_future(canon: &str) -> bool {
    let last = canon.rsplit("::").next().unwrap_or("");
    (canon.starts_with("async_std::fs::")
        && last.starts_with(|c: char| c.is_lowercase())
        && !matches!(last, "new" | "from" | "default")
        && !canon.contains("::OpenOptions::")
        && !canon.contains("::DirBuilder::"))
        || matches!(last, "connect" | "bind" | "open" | "create")
        || matches!(
            canon,
            "async_std::task::sleep" | "async_std::task::yield_now" | "async_std::io::copy"
        )
}

/// `pub` (not `pub(crate)`) and not a trait impl's method.
fn is_public(f: &ast::Fn) -> bool {
    let vis = f.visibility().map(|v| v.syntax().text().to_string());
    if vis.as_deref() != Some("pub") {
        return false;
    }
    let in_trait_impl = f
        .syntax()
        .ancestors()
        .find_map(ast::Impl::cast)
        .is_some_and(|i| i.trait_().is_some());
    !in_trait_impl
}

/// Whether `node` (an expression) is the argument of a `task::spawn`/`task::block_on` call.
fn is_runtime_arg(node: &SyntaxNode, sites: &FileSites) -> bool {
    let Some(list) = node.parent().and_then(ast::ArgList::cast) else {
        return false;
    };
    let Some(call) = list.syntax().parent().and_then(ast::CallExpr::cast) else {
        return false;
    };
    let Some(ast::Expr::PathExpr(pe)) = call.expr() else {
        return false;
    };
    let Some(path) = pe.path() else { return false };
    sites.paths.iter().any(|s| {
        s.path.syntax() == path.syntax()
            && matches!(
                s.canon.join("::").as_str(),
                "async_std::task::spawn" | "async_std::task::block_on"
            )
    })
}

/// Sites whose rows have handlers: the shape they need.
fn check_handler_site(site: &PathSite, canon: &str, ctx: &Ctx<'_>, out: &mut UnitFacts) {
    let keep = "kept on an async runtime (smol with --to auto)";
    let at = site.path.syntax();
    match canon {
        "async_std::task::spawn" | "async_std::task::block_on" => {
            let Some(call) = call_of_path(&site.path) else {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    "runtime-value",
                    format!("`{canon}` is used as a value, not called"),
                    keep,
                ));
                return;
            };
            let args: Vec<ast::Expr> = call
                .arg_list()
                .map(|l| l.args().collect())
                .unwrap_or_default();
            let ok = args.len() == 1
                && match &args[0] {
                    ast::Expr::BlockExpr(be) => be.async_token().is_some(),
                    ast::Expr::CallExpr(c) => matches!(c.expr(), Some(ast::Expr::PathExpr(_))),
                    ast::Expr::MethodCallExpr(_) => canon.ends_with("block_on"),
                    _ => false,
                };
            if !ok {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    "runtime-value",
                    format!("`{canon}` gets a future value, not an async block or a call"),
                    keep,
                ));
            }
            if canon.ends_with("spawn") && in_unbounded_loop(call.syntax()) {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    "spawn-per-item",
                    "spawns a task on every turn of an unbounded loop (one per connection or message): as threads this would not scale",
                    keep,
                ));
            }
        }
        "async_std::main" | "async_std::test" => {
            let on_async_fn = site
                .path
                .syntax()
                .ancestors()
                .find_map(ast::Attr::cast)
                .and_then(|a| a.syntax().parent().and_then(ast::Fn::cast))
                .is_some_and(|f| f.async_token().is_some() && f.body().is_some());
            if !on_async_fn {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    "runtime-value",
                    format!("#[{canon}] is not on an async fn with a body"),
                    keep,
                ));
            }
        }
        _ => {}
    }
    let _ = ctx;
}

/// Inside a `loop` or `while` of the same fn.
fn in_unbounded_loop(node: &SyntaxNode) -> bool {
    for a in node.ancestors().skip(1) {
        match a.kind() {
            SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR => return true,
            SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR => return false,
            _ => {}
        }
    }
    false
}

/// Names bound to async-std sockets, by syntax: `let s = TcpStream::connect(..)`,
/// `let (s, _) = listener.accept()`, `s: TcpStream` (parameters, fields, lets).
fn socket_names(nodes: &[SyntaxNode]) -> BTreeSet<String> {
    const TYPES: &[&str] = &["TcpStream", "UdpSocket", "UnixStream", "UnixDatagram"];
    let mut out = BTreeSet::new();
    let ident = |p: Option<ast::Pat>| match p {
        Some(ast::Pat::IdentPat(ip)) => ip.name().map(|n| n.text().to_string()),
        _ => None,
    };
    for n in nodes.iter().cloned() {
        if let Some(l) = ast::LetStmt::cast(n.clone()) {
            let init = l
                .initializer()
                .map(|i| i.syntax().text().to_string())
                .unwrap_or_default();
            let ty = l
                .ty()
                .map(|t| t.syntax().text().to_string())
                .unwrap_or_default();
            let built = TYPES.iter().any(|t| {
                init.contains(&format!("{t}::connect"))
                    || init.contains(&format!("{t}::bind"))
                    || ty.contains(t)
            });
            if built {
                out.extend(ident(l.pat()));
            }
            if init.contains(".accept()") {
                if let Some(ast::Pat::TuplePat(tp)) = l.pat() {
                    out.extend(ident(tp.fields().next()));
                }
            }
        } else if let Some(p) = ast::Param::cast(n.clone()) {
            let ty = p
                .ty()
                .map(|t| t.syntax().text().to_string())
                .unwrap_or_default();
            if TYPES.iter().any(|t| ty.contains(t)) {
                out.extend(ident(p.pat()));
            }
        } else if let Some(f) = ast::RecordField::cast(n) {
            let ty = f
                .ty()
                .map(|t| t.syntax().text().to_string())
                .unwrap_or_default();
            if TYPES.iter().any(|t| ty.contains(t)) {
                out.extend(f.name().map(|n| n.text().to_string()));
            }
        }
    }
    out
}
