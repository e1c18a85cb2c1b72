//! "Is async needed here?": the blockers of one file, the facts of a package ([`Plan`]) and the
//! units a package is decided in.
//!
//! Each kind of blocker is one check in [`BLOCKERS`], a sorted list that [`analyse_file`] runs.
//! The names the checks look for (async crates, lock and channel methods, future traits,
//! macros...) are data: `transforms/threads_blockers.toml`.

use super::{classify, AwaitKind, Plan};
use crate::findings::FindingId;
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
                "async_std::task::spawn"
                | "async_std::task::spawn_blocking"
                | "async_std::task::Builder::new" => plan.spawns = true,
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
                        // `bounded(4)`, `unbounded()`, with a turbofish too (`bounded::<u32>(4)`).
                        if it.contains("bounded(") || it.contains("bounded::<") {
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
    let channels = crate::tables::threads_blockers();
    for nodes in &all {
        for mc in nodes.iter().cloned().filter_map(ast::MethodCallExpr::cast) {
            let Some(name) = mc.name_ref().map(|n| n.text().to_string()) else {
                continue;
            };
            let on_receiver = mc
                .receiver()
                .is_some_and(|r| plan.receivers.contains(&last_name(r.syntax())));
            if channels.crossbeam_methods.contains(&name)
                || (on_receiver && channels.crossbeam_receiver_methods.contains(&name))
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

/// Dependencies on other async crates (`[async_crates]` of transforms/threads_blockers.toml), as
/// (the name code uses, the reason). A crate that names one of them keeps a runtime.
pub fn package_blockers(deps: &BTreeSet<String>) -> Vec<(String, String)> {
    deps.iter()
        .filter(|d| crate::tables::threads_blockers().async_crates.contains(d))
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
/// Runs every check of [`BLOCKERS`]; the caller sorts the findings.
pub fn analyse_file(ctx: &Ctx<'_>, plan: &Plan, public_api: Option<&str>) -> UnitFacts {
    let file = FileInput {
        ctx,
        plan,
        public_api,
    };
    let mut out = UnitFacts::default();
    for f in async_fns(ctx) {
        let name = f.name().map(|n| n.text().to_string()).unwrap_or_default();
        out.defines.insert(name);
    }
    for (_, check) in BLOCKERS {
        check(&file, &mut out);
    }
    out
}

/// What a blocker check reads: the file, its package's facts, and whether (and why) the file's
/// `pub async fn`s are a library's contract.
struct FileInput<'a, 'c> {
    ctx: &'a Ctx<'c>,
    plan: &'a Plan,
    public_api: Option<&'a str>,
}

/// One blocker check: it pushes a finding for each site of the file that needs a runtime (and
/// may note the crate's async fns the file uses).
type Check = fn(&FileInput<'_, '_>, &mut UnitFacts);

/// Every blocker check, sorted by id (a test checks the order). Each is independent of the
/// others: the findings are sorted by the caller, so the order here changes nothing.
const BLOCKERS: &[(&str, Check)] = &[
    ("async-block", async_block),
    ("async-closure", async_closure),
    ("async-fn-value", async_fn_value),
    ("async-macro", async_macro),
    ("async-method-value", async_method_value),
    ("async-std-future-value", async_std_future_value),
    ("await-unknown", await_unknown),
    ("channel-close", channel_close),
    ("foreign-attribute", foreign_attribute),
    ("future-impl", future_impl),
    ("future-type", future_type),
    ("item-row", item_row),
    ("lock-api", lock_api),
    ("macro-rules", macro_rules),
    ("public-async-api", public_async_api),
    ("socket-clone", socket_clone),
];

/// The advice of a blocker that only a runtime resolves.
const KEEP: &str = "kept on an async runtime (smol with --to auto)";

fn blocker(at: &SyntaxNode, rule: impl AsRef<str>, msg: String, advice: &str) -> RawFinding {
    RawFinding::not_migrated(start(at), rule, msg, advice)
}

fn async_fns<'a>(ctx: &'a Ctx<'_>) -> impl Iterator<Item = ast::Fn> + 'a {
    ctx.nodes()
        .iter()
        .cloned()
        .filter_map(ast::Fn::cast)
        .filter(|f| f.async_token().is_some())
}

/// An async-std item with no blocking counterpart: unknown to threads.toml, a row without a
/// target, a prelude named explicitly, or a handler site of the wrong shape (see
/// [`check_handler_site`]).
fn item_row(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    for site in &ctx.sites.paths {
        let canon = site.canon.join("::");
        match ctx.cat.lookup(&site.canon) {
            None => out.blockers.push(blocker(
                site.path.syntax(),
                FindingId::UnknownItem,
                format!("`{canon}` is not in transforms/threads.toml"),
                KEEP,
            )),
            Some(m) => match (&m.rule.action, &m.rule.handler) {
                (Action::Report(advice), None) => out.blockers.push(blocker(
                    site.path.syntax(),
                    &m.rule.id,
                    format!("uses `{canon}`: {advice}"),
                    KEEP,
                )),
                (Action::MapTo(t), _) if t.is_empty() && !site.in_attr => {
                    out.blockers.push(blocker(
                        site.path.syntax(),
                        &m.rule.id,
                        format!("names `{canon}` explicitly (a bound, a qualified call)"),
                        "write the call as a method call, then run again",
                    ))
                }
                _ => check_handler_site(site, &canon, f, out),
            },
        }
    }
}

/// An async-std future kept in a value (`let f = fs::read(p); .. f.await`): only a runtime
/// drives it.
fn async_std_future_value(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let table = &crate::tables::threads_blockers().future_calls;
    for site in &f.ctx.sites.paths {
        let canon = site.canon.join("::");
        if !table.returns_future(&canon) {
            continue;
        }
        if let Some(call) = call_of_path(&site.path) {
            if crate::handlers::awaited(call.syntax()).is_none() {
                out.blockers.push(blocker(
                    call.syntax(),
                    FindingId::FutureValue,
                    format!("the future of `{canon}(..)` is used as a value (not awaited at once)"),
                    KEEP,
                ));
            }
        }
    }
}

/// An `.await` with no blocking form ([`classify`]); an awaited async-std call is left to its
/// row ([`item_row`]), which reports it once.
fn await_unknown(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    for aw in ctx.nodes().iter().cloned().filter_map(ast::AwaitExpr::cast) {
        let on_site = matches!(aw.expr(), Some(ast::Expr::CallExpr(c))
            if matches!(c.expr(), Some(ast::Expr::PathExpr(pe))
                if pe.path().is_some_and(|p| ctx.sites.paths.iter().any(|s| s.path.syntax() == p.syntax()))));
        if on_site {
            continue;
        }
        if let AwaitKind::Blocker(why) = classify(&aw, ctx, f.plan) {
            out.blockers
                .push(blocker(aw.syntax(), FindingId::AwaitUnknown, why, KEEP));
        }
    }
}

/// An async block that is not the argument of spawn/block_on: a future kept as a value.
fn async_block(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    for be in ctx.nodes().iter().cloned().filter_map(ast::BlockExpr::cast) {
        if be.async_token().is_some() && !is_runtime_arg(be.syntax(), ctx.sites) {
            out.blockers.push(blocker(
                be.syntax(),
                FindingId::AsyncBlock,
                "an async block used as a value (stored, passed, raced or joined): a future only a runtime can drive".into(),
                KEEP,
            ));
        }
    }
}

/// An async closure: its futures need a runtime.
fn async_closure(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    for c in f
        .ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::ClosureExpr::cast)
    {
        if c.async_token().is_some() {
            out.blockers.push(blocker(
                c.syntax(),
                FindingId::AsyncBlock,
                "an async closure: a future only a runtime can drive".into(),
                KEEP,
            ));
        }
    }
}

/// A call of one of the package's async fns that is neither awaited nor the argument of
/// spawn/block_on: its future is a value. Every such call is noted as a use.
fn async_fn_value(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    let mut own: Option<FileAsyncFns> = None;
    let plan = f.plan;
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
        // rust-analyzer says it is another function of the name (another example's own); asked
        // only for the names of async fns the file does not define itself (the query infers the
        // body around the call).
        let mut not_async = || {
            !own.get_or_insert_with(|| FileAsyncFns::of(ctx.sf))
                .calls(&pe, &name, plan)
                && ctx.oracle.call_is_async(&ast::Expr::CallExpr(call.clone())) == Some(false)
        };
        if f.plan.async_fns.contains(&name) && !not_async() {
            out.uses.insert(name.clone());
            if crate::handlers::awaited(call.syntax()).is_none()
                && !is_runtime_arg(call.syntax(), ctx.sites)
                && !joined_on_threads(call.syntax(), f)
                && !super::join::is_operand(call.syntax(), f.ctx, f.plan)
            {
                out.blockers.push(blocker(
                    call.syntax(),
                    FindingId::FutureValue,
                    format!("the future of `{name}(..)` is used as a value (not awaited at once)"),
                    KEEP,
                ));
            }
        }
    }
}

/// The async fns a file defines at its top level whose name nothing else in the file binds (no
/// other item, binding, parameter, field or `use` of the name): a call of the bare name
/// outside an inline module is that fn, by the syntax alone. A library's root file's are its
/// crate's (`lib::name(..)` calls them from its dependents: [`Plan::crate_async_fns`]).
pub struct FileAsyncFns {
    file: SyntaxNode,
    pub names: BTreeSet<String>,
    /// How many times each name is bound in the file (`use a::name` counts).
    bound: std::collections::BTreeMap<String, usize>,
    /// Where a glob import of the crate's own modules (`use super::*`), which may bind any
    /// name, is in scope: the item lists (or blocks) that hold one.
    local_globs: Vec<SyntaxNode>,
}

impl FileAsyncFns {
    pub fn of(sf: &ast::SourceFile) -> Self {
        use ast::HasModuleItem;
        let file = sf.syntax().clone();
        let mut bound: std::collections::BTreeMap<String, usize> = Default::default();
        let mut local_globs = Vec::new();
        for n in file.descendants() {
            if let Some(name) = ast::Name::cast(n.clone()) {
                *bound.entry(name.text().to_string()).or_default() += 1;
            } else if let Some(tree) = ast::UseTree::cast(n) {
                // `use a::name;` binds without a `Name` node (`as name` has one).
                if let Some(seg) = tree.path().and_then(|p| p.segment()) {
                    *bound.entry(seg.syntax().text().to_string()).or_default() += 2;
                }
                if tree.star_token().is_some() {
                    let first = tree
                        .syntax()
                        .ancestors()
                        .filter_map(ast::UseTree::cast)
                        .filter_map(|t| t.path())
                        .last()
                        .and_then(|p| p.first_segment())
                        .map(|s| s.syntax().text().to_string());
                    let own =
                        first.is_none_or(|f| matches!(f.as_str(), "crate" | "self" | "super"));
                    let scope = tree
                        .syntax()
                        .ancestors()
                        .find(|a| a.kind() == SyntaxKind::USE)
                        .and_then(|u| u.parent());
                    if let Some(scope) = scope.filter(|_| own) {
                        local_globs.push(scope);
                    }
                }
            }
        }
        let names = sf
            .items()
            .filter_map(|i| match i {
                ast::Item::Fn(f) if f.async_token().is_some() => f.name(),
                _ => None,
            })
            .map(|n| n.text().to_string())
            .filter(|n| bound.get(n) == Some(&1))
            .collect();
        FileAsyncFns {
            file,
            names,
            bound,
            local_globs,
        }
    }

    /// The call whose callee is `pe` calls an async fn: the file's own (`name(..)`), or one at
    /// the root of a library the package uses (`lib::name(..)`, `lib` bound to nothing else
    /// here).
    fn calls(&self, pe: &ast::PathExpr, name: &str, plan: &Plan) -> bool {
        let Some(path) = pe.path() else {
            return false;
        };
        if pe.syntax().ancestors().last().as_ref() != Some(&self.file) {
            return false; // a macro's argument, read as a tree of its own
        }
        match path.qualifier() {
            None => {
                self.names.contains(name)
                    && !pe
                        .syntax()
                        .ancestors()
                        .any(|a| ast::Module::can_cast(a.kind()))
            }
            Some(q) => {
                let Some(lib) = q
                    .segment()
                    .filter(|_| q.qualifier().is_none())
                    .and_then(|s| s.name_ref())
                    .map(|n| n.text().to_string())
                else {
                    return false;
                };
                let in_glob_scope = pe
                    .syntax()
                    .ancestors()
                    .any(|a| self.local_globs.contains(&a));
                !in_glob_scope
                    && !self.bound.contains_key(&lib)
                    && plan.crate_async_fns.contains(&format!("{lib}::{name}"))
            }
        }
    }
}

/// An operand of an awaited `a(..).join(b(..))` that becomes scoped threads
/// ([`super::awaits::scoped_join`]): its future is joined, not kept.
fn joined_on_threads(call: &SyntaxNode, f: &FileInput<'_, '_>) -> bool {
    let join = call.parent().and_then(|p| {
        ast::MethodCallExpr::cast(p.clone())
            .or_else(|| p.parent().and_then(ast::MethodCallExpr::cast))
    });
    join.is_some_and(|mc| {
        crate::handlers::awaited(mc.syntax()).is_some()
            && super::awaits::scoped_join(&mc, f.ctx, f.plan).is_some()
    })
}

/// A call of one of the package's async methods that is neither awaited nor the argument of
/// spawn/block_on: its future is a value. Every such call is noted as a use.
fn async_method_value(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    for (mc, name) in method_calls(ctx) {
        // rust-analyzer says it is another method of the name (a `Vec::push`); asked only for
        // the names of async methods.
        let not_async = || {
            ctx.oracle
                .call_is_async(&ast::Expr::MethodCallExpr(mc.clone()))
                == Some(false)
        };
        if f.plan.async_methods.contains(&name) && !not_async() {
            out.uses.insert(name.clone());
            if crate::handlers::awaited(mc.syntax()).is_none()
                && !is_runtime_arg(mc.syntax(), ctx.sites)
            {
                out.blockers.push(blocker(
                    mc.syntax(),
                    FindingId::FutureValue,
                    format!("the future of `.{name}(..)` is used as a value (not awaited at once)"),
                    KEEP,
                ));
            }
        }
    }
}

/// `close()` and friends on an async-std channel: std and crossbeam channels cannot be closed.
fn channel_close(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    if !crate::handlers::file_uses(ctx, &["async_std::channel"]) {
        return;
    }
    let methods = &crate::tables::threads_blockers().channel_close_methods;
    for (mc, name) in method_calls(ctx) {
        if methods.contains(&name) {
            out.blockers.push(blocker(
                mc.syntax(),
                FindingId::ChannelClose,
                format!("`.{name}()` on a channel: std and crossbeam channels close only when every sender or receiver is dropped"),
                "restructure so that dropping the senders ends the receivers, or keep a runtime",
            ));
        }
    }
}

/// `try_lock()` and friends on an async-std lock: std's forms have another shape.
fn lock_api(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    if !crate::handlers::file_uses(ctx, &["async_std::sync"]) {
        return;
    }
    let methods = &crate::tables::threads_blockers().lock_methods;
    for (mc, name) in method_calls(ctx) {
        if !methods.contains(&name) {
            continue;
        }
        // rust-analyzer says it is another type's method (a channel error's `into_inner`).
        let not_a_lock = ctx.oracle.resolved_method(&mc).is_some_and(|m| {
            let ty = m.rsplit("::").nth(1).unwrap_or("");
            !matches!(ty, "Mutex" | "RwLock")
        });
        if !not_a_lock && lock_shape(ctx, &mc).is_none() {
            out.blockers.push(blocker(
                mc.syntax(),
                FindingId::LockApi,
                format!("`.{name}()` on an async-std lock has a different shape in std (Option vs LockResult)"),
                "convert this call by hand, or keep a runtime",
            ));
        }
    }
}

/// `lock.try_lock()` (async-std: `Option`; std: `TryLockResult`) -> `.ok()` after it, and
/// `get_mut()`/`into_inner()` (async-std: the value; std: `LockResult`) -> `.unwrap()` (std locks
/// report poisoning, as `lock().unwrap()` does): the suffix, when the call takes no argument and
/// its receiver is an async-std `Mutex` or `RwLock` (by type, or without types by the binding it
/// got its value from).
pub(crate) fn lock_shape(
    ctx: &crate::handlers::Ctx<'_>,
    mc: &ast::MethodCallExpr,
) -> Option<&'static str> {
    let name = mc.name_ref()?.text().to_string();
    let suffix = match name.as_str() {
        "try_lock" | "try_read" | "try_write" => ".ok()",
        "get_mut" | "into_inner" => ".unwrap()",
        _ => return None,
    };
    if !crate::handlers::args(mc).is_empty() {
        return None;
    }
    let receiver = mc.receiver()?;
    let lock = |t: &str| {
        let t = t.split('<').next().unwrap_or(t);
        t.ends_with("Mutex") || t.ends_with("RwLock")
    };
    let is_lock = match ctx.oracle.type_of(&receiver) {
        Some(t) => lock(&t),
        None => crate::handlers::binding_source(ctx, &receiver).is_some_and(|n| {
            let text = ctx.text_of(&n);
            text.contains("Mutex") || text.contains("RwLock")
        }),
    };
    is_lock.then_some(suffix)
}

/// `.clone()` of a socket: std sockets are not Clone (try_clone can fail).
fn socket_clone(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    let typed = &crate::tables::threads_blockers().sockets_typed;
    // The file's sockets are looked for once, at its first `.clone()`.
    let mut known: Option<BTreeSet<String>> = None;
    for (mc, name) in method_calls(ctx) {
        if name != "clone" {
            continue;
        }
        let sockets = known.get_or_insert_with(|| socket_names(ctx.nodes()));
        if mc
            .receiver()
            .is_some_and(|r| sockets.contains(&last_name(r.syntax())))
        {
            out.blockers.push(blocker(
                mc.syntax(),
                FindingId::SocketClone,
                format!(
                    "clones the socket `{}`: std sockets are not Clone (try_clone can fail)",
                    mc.receiver()
                        .map(|r| r.syntax().text().to_string())
                        .unwrap_or_default()
                ),
                "use try_clone()? by hand, or keep a runtime",
            ));
        } else if ctx.oracle.is_semantic() && !mc.receiver().is_some_and(|r| lock_guard(ctx, &r)) {
            if let Some(t) = mc.receiver().and_then(|r| ctx.oracle.type_of(&r)) {
                if typed.iter().any(|s| t.ends_with(s.as_str())) {
                    out.blockers.push(blocker(
                        mc.syntax(),
                        FindingId::SocketClone,
                        format!("clones a `{t}`: std sockets are not Clone (try_clone can fail)"),
                        "use try_clone()? by hand, or keep a runtime",
                    ));
                }
            }
        }
    }
}

/// `m.lock().await`, `l.read().await`, `l.write().await` (no arguments, methods the crate does
/// not define): a lock's guard, whose type is no socket's; rust-analyzer need not be asked
/// (each question infers the function's body).
fn lock_guard(ctx: &Ctx<'_>, e: &ast::Expr) -> bool {
    let ast::Expr::AwaitExpr(aw) = e else {
        return false;
    };
    let Some(ast::Expr::MethodCallExpr(mc)) = aw.expr() else {
        return false;
    };
    crate::handlers::named_not_own(ctx, &mc, &["lock", "read", "write"])
        && crate::handlers::args(&mc).is_empty()
}

/// A `Future`/`Stream`/io trait implemented by hand: poll-based code has no blocking form.
fn future_impl(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let traits = &crate::tables::threads_blockers().future_impl_traits;
    for imp in f.ctx.nodes().iter().cloned().filter_map(ast::Impl::cast) {
        if let Some(t) = imp.trait_() {
            let name = t.syntax().text().to_string();
            let last = name
                .rsplit("::")
                .next()
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap_or("");
            if traits.contains(last) {
                out.blockers.push(blocker(
                    imp.syntax(),
                    FindingId::HandWrittenFuture,
                    format!("implements `{last}` by hand"),
                    KEEP,
                ));
            }
        }
    }
}

/// A future or stream type named in the code (`impl Future`, `Pin<Box<..>>`, `BoxFuture`): code
/// that handles futures as values.
fn future_type(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    let table = crate::tables::threads_blockers();
    let contains_any =
        |t: &str, words: &BTreeSet<String>| words.iter().any(|w| t.contains(w.as_str()));
    for n in ctx.nodes().iter().cloned() {
        let hit = match n.kind() {
            SyntaxKind::IMPL_TRAIT_TYPE | SyntaxKind::DYN_TRAIT_TYPE => {
                let t = ctx.text_of(&n);
                contains_any(t, &table.future_trait_object_words).then(|| t.to_string())
            }
            SyntaxKind::PATH_TYPE => {
                let t = ctx.text_of(&n);
                (table
                    .future_type_prefixes
                    .iter()
                    .any(|p| t.starts_with(p.as_str()))
                    || contains_any(t, &table.future_type_words))
                .then(|| t.to_string())
            }
            _ => None,
        };
        if let Some(t) = hit {
            out.blockers.push(blocker(
                &n,
                FindingId::HandWrittenFuture,
                format!(
                    "names the future type `{}`",
                    t.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
                KEEP,
            ));
        }
    }
}

/// `select!`, `join!` and other macros that drive futures concurrently or by hand.
fn async_macro(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let macros = &crate::tables::threads_blockers().async_macros;
    // futures' `join!`/`try_join!` over the package's async fns become scoped threads.
    let joins = super::join::joins(f.ctx, f.plan);
    for m in f
        .ctx
        .nodes()
        .iter()
        .cloned()
        .filter_map(ast::MacroCall::cast)
    {
        let name = m
            .path()
            .and_then(|p| p.segment())
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        if macros.contains(&name) && !joins.iter().any(|j| &j.node == m.syntax()) {
            out.blockers.push(blocker(
                m.syntax(),
                FindingId::AsyncMacro,
                format!("`{name}!` drives futures concurrently or by hand"),
                KEEP,
            ));
        }
    }
}

/// A `macro_rules!` body with async code: macro bodies are token soup, not converted reliably.
fn macro_rules(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
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
            out.blockers.push(blocker(
                m.syntax(),
                FindingId::AsyncMacro,
                "a `macro_rules!` body with async code (macro bodies are not converted to blocking code)".into(),
                KEEP,
            ));
        }
    }
}

/// An attribute on an `async fn` other than Rust's own lint/doc/cfg/test ones and async-std's:
/// another runtime or macro expects the fn async.
fn foreign_attribute(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let ctx = f.ctx;
    for func in async_fns(ctx) {
        let name = func
            .name()
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        for attr in ra_ap_syntax::ast::HasAttrs::attrs(&func) {
            let path = attr
                .path()
                .map(|p| p.syntax().text().to_string())
                .unwrap_or_default();
            // Rust's own attributes, which say nothing about async.
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
                out.blockers.push(blocker(
                    attr.syntax(),
                    FindingId::ForeignAttribute,
                    format!("`#[{path}]` on `async fn {name}`: another runtime or macro expects it async"),
                    KEEP,
                ));
            }
        }
    }
}

/// A library's `pub async fn` (when its async API is a contract): making it blocking breaks
/// its users.
fn public_async_api(f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let Some(why) = f.public_api else { return };
    for func in async_fns(f.ctx) {
        if is_public(&func) {
            let name = func
                .name()
                .map(|n| n.text().to_string())
                .unwrap_or_default();
            out.blockers.push(blocker(
                func.syntax(),
                FindingId::PublicAsyncApi,
                format!("`pub async fn {name}` {why}"),
                "pass --allow-api-change (or set `publish = false`) to convert a library no other package here uses",
            ));
        }
    }
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

/// Whether `node` (an expression) is the argument of a `task::spawn`/`task::block_on` call, or
/// of the `.spawn(..)` of a `task::Builder::new()` chain.
fn is_runtime_arg(node: &SyntaxNode, sites: &FileSites) -> bool {
    let Some(list) = node.parent().and_then(ast::ArgList::cast) else {
        return false;
    };
    if let Some(mc) = list.syntax().parent().and_then(ast::MethodCallExpr::cast) {
        return sites.paths.iter().any(|s| {
            s.canon.join("::") == "async_std::task::Builder::new"
                && crate::threads::spawn::builder_spawn(&s.path).is_some_and(|(sp, _)| sp == mc)
        });
    }
    let Some(call) = list.syntax().parent().and_then(ast::CallExpr::cast) else {
        return false;
    };
    let Some(ast::Expr::PathExpr(pe)) = call.expr() else {
        return false;
    };
    let Some(path) = pe.path() else { return false };
    let driving = &crate::tables::threads_blockers().runtime_driving_calls;
    sites
        .paths
        .iter()
        .any(|s| s.path.syntax() == path.syntax() && driving.contains(&s.canon.join("::")))
}

/// Sites whose rows have handlers: the shape they need.
fn check_handler_site(site: &PathSite, canon: &str, f: &FileInput<'_, '_>, out: &mut UnitFacts) {
    let keep = "kept on an async runtime (smol with --to auto)";
    let at = site.path.syntax();
    match canon {
        // Only a channel receive whose timeout error is only matched, one socket call, a
        // child's status (`timeout.rs`).
        "async_std::future::timeout" | "async_std::io::timeout" => {
            if !super::timeout::converts(&site.path, f.ctx, f.plan) {
                let (row, why) = if canon == "async_std::future::timeout" {
                    ("future-timeout", "a timeout over a future needs a runtime (a thread cannot be cancelled); only `timeout(d, rx.recv())` on a channel, its error only matched, becomes `recv_timeout`")
                } else {
                    ("io-timeout", "a timeout over I/O needs a runtime (a thread cannot be cancelled); only `io::timeout(d, s.read(..))` and the other single calls of a socket (read, recv, recv_from, peek, peek_from, write, send, send_to) become the socket's own timeout, and `io::timeout(d, child.status())` a deadline polled with `try_wait`")
                };
                out.blockers
                    .push(blocker(at, row, format!("uses `{canon}`: {why}"), KEEP));
            }
        }
        "async_std::task::spawn" | "async_std::task::block_on" => {
            let Some(call) = call_of_path(&site.path) else {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    FindingId::RuntimeValue,
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
                    FindingId::RuntimeValue,
                    format!("`{canon}` gets a future value, not an async block or a call"),
                    keep,
                ));
            }
            if canon.ends_with("spawn") && in_unbounded_loop(call.syntax()) {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    FindingId::SpawnPerItem,
                    "spawns a task on every turn of an unbounded loop (one per connection or message): as threads this would not scale",
                    keep,
                ));
            }
        }
        "async_std::task::Builder::new" => {
            // `Builder::new()[.name(n)].spawn(fut)` with a future `task::spawn` takes.
            let spawn_arg = crate::threads::spawn::builder_spawn(&site.path).map(|(mc, _)| mc);
            let ok = spawn_arg
                .as_ref()
                .and_then(|mc| crate::handlers::args(mc).into_iter().next())
                .is_some_and(|a| match &a {
                    ast::Expr::BlockExpr(be) => be.async_token().is_some(),
                    ast::Expr::CallExpr(c) => matches!(c.expr(), Some(ast::Expr::PathExpr(_))),
                    _ => false,
                });
            if !ok {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    FindingId::RuntimeValue,
                    "a task builder used other than as `Builder::new()[.name(n)].spawn(async block or call)`",
                    keep,
                ));
            } else if spawn_arg.is_some_and(|mc| in_unbounded_loop(mc.syntax())) {
                out.blockers.push(RawFinding::not_migrated(
                    start(at),
                    FindingId::SpawnPerItem,
                    "spawns a task on every turn of an unbounded loop (one per connection or message): as threads this would not scale",
                    keep,
                ));
            }
        }
        c if c.starts_with("async_std::task::Builder") => {
            out.blockers.push(RawFinding::not_migrated(
                start(at),
                FindingId::RuntimeValue,
                format!("names `{c}` other than in `Builder::new()[.name(n)].spawn(..)`"),
                keep,
            ));
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
                    FindingId::RuntimeValue,
                    format!("#[{canon}] is not on an async fn with a body"),
                    keep,
                ));
            }
        }
        _ => {}
    }
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

/// What a `let`, a parameter or a struct field binds: its pattern (a field's name), and the texts
/// of its initializer and type (empty when it has none).
pub(super) struct Binding {
    pat: Option<ast::Pat>,
    field: Option<String>,
    pub init: String,
    pub ty: String,
}

impl Binding {
    /// The one name it binds (`s` of `let s`, `mut s`, a field `s`).
    pub fn name(&self) -> Option<String> {
        self.field.clone().or_else(|| ident_of(self.pat.clone()))
    }

    /// The first name a tuple pattern binds (`s` of `let (s, _)`).
    fn tuple_first(&self) -> Option<String> {
        match &self.pat {
            Some(ast::Pat::TuplePat(tp)) => ident_of(tp.fields().next()),
            _ => None,
        }
    }
}

fn ident_of(p: Option<ast::Pat>) -> Option<String> {
    match p {
        Some(ast::Pat::IdentPat(ip)) => ip.name().map(|n| n.text().to_string()),
        _ => None,
    }
}

/// Every `let`, parameter and struct field of the file.
pub(super) fn bindings(nodes: &[SyntaxNode]) -> Vec<Binding> {
    let text = |n: Option<&SyntaxNode>| n.map(|n| n.text().to_string()).unwrap_or_default();
    nodes
        .iter()
        .filter_map(|n| {
            if let Some(l) = ast::LetStmt::cast(n.clone()) {
                Some(Binding {
                    pat: l.pat(),
                    field: None,
                    init: text(l.initializer().as_ref().map(|i| i.syntax())),
                    ty: text(l.ty().as_ref().map(|t| t.syntax())),
                })
            } else if let Some(p) = ast::Param::cast(n.clone()) {
                Some(Binding {
                    pat: p.pat(),
                    field: None,
                    init: String::new(),
                    ty: text(p.ty().as_ref().map(|t| t.syntax())),
                })
            } else {
                ast::RecordField::cast(n.clone()).map(|f| Binding {
                    pat: None,
                    field: f.name().map(|n| n.text().to_string()),
                    init: String::new(),
                    ty: text(f.ty().as_ref().map(|t| t.syntax())),
                })
            }
        })
        .collect()
}

/// Names bound to async-std sockets, by syntax: `let s = TcpStream::connect(..)`,
/// `let (s, _) = listener.accept()`, `s: TcpStream` (parameters, fields, lets).
pub(super) fn socket_names(nodes: &[SyntaxNode]) -> BTreeSet<String> {
    let types = &crate::tables::threads_blockers().sockets_bound_by_syntax;
    let mut out = BTreeSet::new();
    let built_by: Vec<(String, String)> = types
        .iter()
        .map(|t| (format!("{t}::connect"), format!("{t}::bind")))
        .collect();
    for b in bindings(nodes) {
        let built = types.iter().zip(&built_by).any(|(t, (connect, bind))| {
            b.init.contains(connect.as_str())
                || b.init.contains(bind.as_str())
                || b.ty.contains(t.as_str())
        });
        if built {
            out.extend(b.name());
        }
        if b.init.contains(".accept()") {
            out.extend(b.tuple_first());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocker_checks_are_listed_once_sorted_by_id() {
        let ids: Vec<&str> = super::BLOCKERS.iter().map(|(id, _)| *id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    fn asked(src: &str) -> Vec<String> {
        asked_with(src, &[])
    }

    fn asked_with(src: &str, crate_async_fns: &[&str]) -> Vec<String> {
        let oracle = crate::handlers::check::Asked::default();
        let facts = crate::handlers::check::analyse_asking(src, crate_async_fns, &oracle);
        assert!(facts.uses.contains("echo"));
        oracle.0.into_inner()
    }

    #[test]
    fn calls_of_a_workspace_library_s_root_async_fns_are_not_asked_about() {
        // `net::echo` is the root async fn of the library this package names `net`; the
        // name bound here to something else, or a glob of the crate's own, is asked about.
        let src = "async fn serve() -> u8 { net::echo(1).await }\nfn main() {}\n";
        assert_eq!(asked_with(src, &["net::echo"]), Vec::<String>::new());
        let src = "use crate::other as net;\nasync fn serve() -> u8 { net::echo(1).await }\nfn main() {}\n";
        assert_eq!(asked_with(src, &["net::echo"]), vec!["net::echo(1)"]);
        let src = "use super::*;\nasync fn serve() -> u8 { net::echo(1).await }\nfn main() {}\n";
        assert_eq!(asked_with(src, &["net::echo"]), vec!["net::echo(1)"]);
        // A glob in another scope (a tests module) does not reach the call.
        let src = "async fn serve() -> u8 { net::echo(1).await }\nfn main() {}\n\
            mod tests {\n    use super::*;\n    async fn t() -> u8 { net::echo(2).await }\n}\n";
        assert_eq!(asked_with(src, &["net::echo"]), vec!["net::echo(2)"]);
    }

    #[test]
    fn clones_of_a_lock_s_guard_are_no_socket_s() {
        let src = "struct S { entries: async_std::sync::RwLock<Vec<String>> }\n\
            async fn echo(n: u8) -> u8 { n }\n\
            impl S {\n    async fn snapshot(&self) -> Vec<String> { echo(1).await; self.entries.read().await.clone() }\n}\n\
            fn other(x: &X) -> X { x.clone() }\n\
            fn main() {}\n";
        assert_eq!(asked(src), vec!["x"]);
    }

    #[test]
    fn calls_of_the_file_s_own_async_fns_are_not_asked_about() {
        // `echo(..)` is the file's `async fn echo`: nothing else in the file has the name.
        let src = "async fn echo(n: u8) -> u8 { n }\n\
            async fn serve() -> u8 { echo(1).await + echo(2).await }\n\
            fn main() { drop(serve()); }\n";
        assert_eq!(asked(src), Vec::<String>::new());
        // A closure of the name, a call in an inline module (another scope) and one of
        // another module's `echo` are asked about.
        let src = "async fn echo(n: u8) -> u8 { n }\n\
            async fn serve() -> u8 { let echo = |n: u8| async move { n }; echo(1).await }\n\
            mod inner {\n    use super::*;\n    pub async fn again() -> u8 { echo(2).await }\n}\n\
            fn main() { drop(serve()); }\n";
        assert_eq!(asked(src), vec!["echo(1)", "echo(2)"]);
        let src = "async fn echo(n: u8) -> u8 { n }\n\
            async fn serve() -> u8 { other::echo(3).await }\n\
            fn main() { drop(serve()); }\n";
        assert_eq!(asked(src), vec!["other::echo(3)"]);
    }
}
