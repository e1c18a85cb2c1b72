//! Every `.await` of a converted crate, and every `async fn`.
//!
//! Before:
//! ```text
//! use async_std::channel;
//! use async_std::fs::File;
//! use async_std::prelude::*;
//! use async_std::sync::Mutex;
//! use async_std::task;
//!
//! async fn load(p: &str, hits: &Mutex<u32>) -> std::io::Result<String> {
//!     let mut s = String::new();
//!     File::open(p).await?.read_to_string(&mut s).await?;
//!     *hits.lock().await += 1;
//!     Ok(s)
//! }
//!
//! fn main() {
//!     task::block_on(async {
//!         let (tx, rx) = channel::unbounded();
//!         let worker = task::spawn(async move {
//!             tx.send(1u32).await.unwrap();
//!         });
//!         let mut rx = rx;
//!         while let Some(j) = rx.next().await {
//!             println!("{j}");
//!         }
//!         worker.await;
//!         let hits = Mutex::new(0);
//!         let _ = load("in.txt", &hits).await;
//!     })
//! }
//! ```
//! After:
//! ```text
//! use std::fs::File;
//! use std::sync::Mutex;
//! use std::thread;
//!
//! use std::io::Read;
//!
//! fn load(p: &str, hits: &Mutex<u32>) -> std::io::Result<String> {
//!     let mut s = String::new();
//!     File::open(p)?.read_to_string(&mut s)?;
//!     *hits.lock().unwrap() += 1;
//!     Ok(s)
//! }
//!
//! fn main() {
//!     {
//!         let (tx, rx) = std::sync::mpsc::channel();
//!         let worker = thread::spawn(move || {
//!             tx.send(1u32).unwrap();
//!         });
//!         let mut rx = rx;
//!         while let Some(j) = rx.recv().ok() {
//!             println!("{j}");
//!         }
//!         worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
//!         let hits = Mutex::new(0);
//!         let _ = load("in.txt", &hits);
//!     }
//! }
//! ```
//!
//! [`classify`] is shared with the analysis: an `.await` it cannot place is a blocker, so a unit
//! that reaches the conversion has none. Which awaited methods keep their name, need an io trait
//! or block is data: `transforms/threads_awaits.toml`.

use super::analyse::last_name;
use super::Plan;
use crate::findings::FindingId;
use crate::handlers::{end, start, Acc, At, Ctx, Flow};
use crate::report::RawFinding;
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::AstNode;

/// Entry: a file pass over every `.await` (and the channel calls, counted as `threads-channel`).
pub(crate) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

/// What an `.await` becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwaitKind {
    /// The awaited call blocks now: `.await` goes.
    Drop,
    /// A lock: `.unwrap()` (std locks report poisoning).
    Unwrap,
    /// A task handle: `.join()`, re-raising the task's panic as the await did.
    Join,
    /// `a(..).join(b(..)).await` over two of the package's async fns: both run at once, `a` on
    /// a scoped thread and `b` on this one, the results in the same order.
    ScopedJoin,
    /// `rx.next().await` on a channel receiver: `rx.recv().ok()`.
    RecvOk,
    /// `cv.wait_until(g, p).await`: `cv.wait_while(g, |v| !(p)(v)).unwrap()`, and
    /// `cv.wait_timeout_until(g, d, p).await`: `cv.wait_timeout_while(g, d, ..).unwrap()`.
    WaitWhile,
    /// `task::spawn_blocking(f).await`: `(f)()` (written by the spawn-blocking handler).
    CallInline,
    /// A child process's `status()`/`output()`: std's `Child` has `wait()`/`wait_with_output()`
    /// (which close its stdin first, as async-process's did); `.await` goes.
    Renamed(&'static str),
    /// `future::timeout(d, rx.recv()).await` on a channel receiver, its error only matched:
    /// `rx.recv_timeout(d)` in the same shapes (`timeout.rs`).
    RecvTimeout,
    /// `io::timeout(d, s.read(..)).await` on a socket: the call under the socket's own read or
    /// write timeout (`timeout.rs`).
    SocketTimeout,
    /// No blocking form: why.
    Blocker(String),
}

/// `a(..).join(b(..))` (async-std's `FutureExt::join`, or `try_join`) whose two futures are calls
/// of the package's async fns, which become blocking: the operands. Not where the file names `Rc` or
/// `Cell` (a scoped thread needs what it borrows to be `Sync`), nor for chains of joins.
pub fn scoped_join(
    mc: &ast::MethodCallExpr,
    ctx: &Ctx<'_>,
    plan: &Plan,
) -> Option<(ast::Expr, ast::Expr)> {
    if !matches!(&*mc.name_ref()?.text(), "join" | "try_join") {
        return None;
    }
    let a = mc.receiver()?;
    let args: Vec<ast::Expr> = mc.arg_list()?.args().collect();
    let [b] = args.as_slice() else { return None };
    let own_call = |e: &ast::Expr| match e {
        ast::Expr::CallExpr(c) => match c.expr() {
            Some(ast::Expr::PathExpr(pe)) => pe
                .path()
                .filter(|p| p.qualifier().is_none())
                .and_then(|p| p.segment()?.name_ref())
                .is_some_and(|n| plan.async_fns.contains(&n.text().to_string())),
            _ => false,
        },
        _ => false,
    };
    let not_sync = ["Rc<", "Rc::", "RefCell", "Cell<", "Cell::"]
        .iter()
        .any(|t| ctx.src.contains(t));
    (own_call(&a) && own_call(b) && !not_sync).then(|| (a, b.clone()))
}

/// How this `.await` becomes blocking code.
pub fn classify(aw: &ast::AwaitExpr, ctx: &Ctx<'_>, plan: &Plan) -> AwaitKind {
    let Some(mut op) = aw.expr() else {
        return AwaitKind::Blocker("an incomplete .await".into());
    };
    while let ast::Expr::ParenExpr(p) = &op {
        match p.expr() {
            Some(e) => op = e,
            None => break,
        }
    }
    match &op {
        ast::Expr::CallExpr(call) => {
            let Some(ast::Expr::PathExpr(pe)) = call.expr() else {
                return AwaitKind::Blocker("awaits the result of a computed callee".into());
            };
            let Some(path) = pe.path() else {
                return AwaitKind::Blocker("awaits an unnamed call".into());
            };
            if let Some(site) = ctx
                .sites
                .paths
                .iter()
                .find(|s| s.path.syntax() == path.syntax())
            {
                let canon = site.canon.join("::");
                if super::timeout::recv_timeout(aw, ctx, plan).is_some() {
                    return AwaitKind::RecvTimeout;
                }
                if super::timeout::socket_timeout(aw, ctx).is_some() {
                    return AwaitKind::SocketTimeout;
                }
                return match canon.as_str() {
                    "async_std::task::spawn" => AwaitKind::Join,
                    "async_std::task::spawn_blocking" => AwaitKind::CallInline,
                    _ => match ctx.cat.lookup(&site.canon) {
                        Some(m) if m.path.as_deref().is_some_and(|p| !p.is_empty()) => {
                            AwaitKind::Drop
                        }
                        Some(m) => AwaitKind::Blocker(format!(
                            "awaits `{canon}`, which has no blocking form (row `{}`)",
                            m.rule.id
                        )),
                        None => AwaitKind::Blocker(format!("awaits `{canon}`, an unknown item")),
                    },
                };
            }
            let name = path
                .segment()
                .and_then(|s| s.name_ref())
                .map(|n| n.text().to_string())
                .unwrap_or_default();
            if plan.async_fns.contains(&name) || super::join::awaits_join(call, ctx, plan) {
                AwaitKind::Drop
            } else {
                AwaitKind::Blocker(format!(
                    "awaits `{}(..)`, which is neither an async fn of this package nor an async-std item",
                    path.syntax().text()
                ))
            }
        }
        ast::Expr::MethodCallExpr(mc) => {
            let name = mc
                .name_ref()
                .map(|n| n.text().to_string())
                .unwrap_or_default();
            let nargs = mc.arg_list().map(|l| l.args().count()).unwrap_or(0);
            if plan.async_methods.contains(&name) {
                return AwaitKind::Drop;
            }
            let table = crate::tables::threads_awaits();
            if (name == "join" || name == "try_join") && scoped_join(mc, ctx, plan).is_some() {
                return AwaitKind::ScopedJoin;
            }
            match (name.as_str(), nargs) {
                // std's forms return the same values (`(guard, WaitTimeoutResult)` for the
                // timeouts) in a `LockResult`.
                ("lock", 0) | ("read", 0) | ("write", 0) | ("wait", 1) | ("wait_timeout", 2) => {
                    AwaitKind::Unwrap
                }
                ("wait_until", 2) | ("wait_timeout_until", 3) => AwaitKind::WaitWhile,
                ("next", 0) => {
                    let on_receiver = mc.receiver().is_some_and(|r| {
                        plan.receivers.contains(&last_name(r.syntax()))
                            || (!crate::handlers::made_as_no_channel(ctx, &r)
                                && ctx
                                    .oracle
                                    .type_of(&r)
                                    .is_some_and(|t| t.contains("channel::Receiver")))
                    });
                    if on_receiver {
                        AwaitKind::RecvOk
                    } else {
                        AwaitKind::Drop
                    }
                }
                // `Command::status`/`output` are std's; a `Child`'s are `wait`/`wait_with_output`.
                ("status", 0) | ("output", 0) => match child_or_command(mc, ctx) {
                    Some(true) if name == "status" => AwaitKind::Renamed("wait"),
                    Some(true) => AwaitKind::Renamed("wait_with_output"),
                    Some(false) => AwaitKind::Drop,
                    None => AwaitKind::Blocker(format!(
                        "awaits `.{name}()` on a value the tool cannot tell a `Command` from a `Child` (std's `Child` has `wait`/`wait_with_output`)"
                    )),
                },
                (n, _) if table.io_trait(n).is_some() || table.same_name.contains(n) => {
                    AwaitKind::Drop
                }
                (n, _) if table.concurrent.contains(n) => AwaitKind::Blocker(format!(
                    "`.{n}(..).await` runs futures concurrently or against a clock: threads have no equivalent"
                )),
                (n, _) => AwaitKind::Blocker(format!(
                    "awaits `.{n}(..)`, which the tool cannot map to a blocking call"
                )),
            }
        }
        ast::Expr::MacroExpr(m) => {
            let name = m
                .macro_call()
                .and_then(|c| c.path())
                .and_then(|p| p.segment())
                .and_then(|s| s.name_ref())
                .map(|n| n.text().to_string())
                .unwrap_or_default();
            if matches!(name.as_str(), "write" | "writeln") {
                AwaitKind::Drop
            } else {
                AwaitKind::Blocker(format!("awaits the result of `{name}!`"))
            }
        }
        ast::Expr::PathExpr(_) | ast::Expr::FieldExpr(_) | ast::Expr::IndexExpr(_)
            if plan.spawns =>
        {
            AwaitKind::Join
        }
        _ => AwaitKind::Blocker(
            "awaits a future kept in a value: only task handles have a blocking form (join)".into(),
        ),
    }
}

/// The conversion of a file: async fns, awaits, channel `next`, and the std io traits.
pub fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    let Some(plan) = ctx.threads else { return };
    for f in ctx.nodes().iter().cloned().filter_map(ast::Fn::cast) {
        if let Some(kw) = f.async_token() {
            let from = usize::from(kw.text_range().start());
            let mut to = usize::from(kw.text_range().end());
            to += ctx.src[to..].len() - ctx.src[to..].trim_start().len();
            acc.edits.delete(from..to, "threads-await");
        }
    }
    let had_io_traits = ctx.sites.leaves.iter().any(|l| {
        let c = l.canon.join("::");
        c.starts_with("async_std::prelude") || c.starts_with("async_std::io::prelude")
    }) || ctx
        .sites
        .paths
        .iter()
        .any(|p| p.canon.join("::").starts_with("async_std::io::prelude"));
    // `try_lock()`, `get_mut()`, `into_inner()` on a lock: std's shapes (analyse::lock_shape).
    if crate::handlers::file_uses(ctx, &["async_std::sync"]) {
        for mc in ctx
            .nodes()
            .iter()
            .cloned()
            .filter_map(ast::MethodCallExpr::cast)
        {
            if let Some(suffix) = super::analyse::lock_shape(ctx, &mc) {
                acc.edits.insert(end(mc.syntax()), suffix, "threads-await");
            }
        }
    }
    for aw in ctx.nodes().iter().cloned().filter_map(ast::AwaitExpr::cast) {
        let Some(op) = aw.expr() else { continue };
        let tail = end(op.syntax())..end(aw.syntax());
        match classify(&aw, ctx, plan) {
            AwaitKind::Drop => {
                acc.edits.delete(tail, "threads-await");
                if had_io_traits {
                    if let ast::Expr::MethodCallExpr(mc) = strip(&op) {
                        let name = mc
                            .name_ref()
                            .map(|n| n.text().to_string())
                            .unwrap_or_default();
                        // std's Stdin has read_line of its own.
                        let on_stdin = name == "read_line"
                            && mc
                                .receiver()
                                .is_some_and(|r| r.syntax().text().to_string().contains("stdin"));
                        if let Some(t) = crate::tables::threads_awaits().io_trait(&name) {
                            if !on_stdin {
                                acc.traits.insert(t.to_string());
                            }
                        }
                    }
                }
                if matches!(strip(&op), ast::Expr::MacroExpr(_)) {
                    acc.traits.insert("std::io::Write".into());
                }
            }
            AwaitKind::Unwrap => {
                let field = guard_dropped_by_let(&aw, &op, ctx, acc);
                acc.edits
                    .replace(tail, format!(".unwrap(){field}"), "threads-await")
            }
            AwaitKind::Join => acc.edits.replace(
                tail,
                ".join().unwrap_or_else(|e| std::panic::resume_unwind(e))",
                "threads-await",
            ),
            AwaitKind::ScopedJoin => {
                if let ast::Expr::MethodCallExpr(mc) = strip(&op) {
                    if let Some((a, b)) = scoped_join(&mc, ctx, plan) {
                        let rule = "threads-await";
                        // Names the operands do not use (they are written inside the scope).
                        let operands = format!(
                            "{} {}",
                            crate::handlers::text_of(ctx, a.syntax()),
                            crate::handlers::text_of(ctx, b.syntax())
                        );
                        let free = |names: &[&'static str]| -> &'static str {
                            names
                                .iter()
                                .find(|n| {
                                    !crate::workspace::mentions_any(
                                        &operands,
                                        &[n.to_string()].into(),
                                    )
                                })
                                .copied()
                                .unwrap_or(names[names.len() - 1])
                        };
                        let (sc, h, e) = (
                            free(&["s", "scope", "join_scope"]),
                            free(&["a", "first", "first_handle"]),
                            free(&["e", "panic", "join_panic"]),
                        );
                        acc.edits.insert(
                            start(a.syntax()),
                            format!("std::thread::scope(|{sc}| {{ let {h} = {sc}.spawn(|| "),
                            rule,
                        );
                        acc.edits
                            .replace(end(a.syntax())..start(b.syntax()), "); let b = ", rule);
                        let joined = format!(
                            "{h}.join().unwrap_or_else(|{e}| std::panic::resume_unwind({e}))"
                        );
                        let tail = if mc.name_ref().is_some_and(|n| n.text() == "try_join") {
                            // The first error, `a`'s before `b`'s; both ran to their end.
                            acc.findings.push(RawFinding::review(
                                start(aw.syntax()),
                                "threads-await",
                                "`try_join` became two scoped threads: where one fails, the other still runs to its end (async-std dropped it at its next await), and `a`'s error wins when both fail".to_string(),
                                "check that the other branch's work is harmless after a failure",
                            ));
                            format!("; {joined}.and_then(|{h}| b.map(|b| ({h}, b))) }})")
                        } else {
                            format!("; ({joined}, b) }})")
                        };
                        acc.edits
                            .replace(end(b.syntax())..end(aw.syntax()), tail, rule);
                    }
                }
            }
            AwaitKind::RecvTimeout => {
                if let Some((rx, d)) = super::timeout::recv_timeout(&aw, ctx, plan) {
                    let indent = crate::handlers::indent_of(ctx.src, aw.syntax());
                    let text = super::timeout::text(
                        &crate::handlers::text_of(ctx, rx.syntax()),
                        &crate::handlers::text_of(ctx, d.syntax()),
                        plan,
                        &indent,
                    );
                    acc.edits.replace(
                        crate::handlers::range(aw.syntax()),
                        text,
                        super::timeout::RULE,
                    );
                }
            }
            AwaitKind::SocketTimeout => {
                if let Some(sc) = super::timeout::socket_timeout(&aw, ctx) {
                    let indent = crate::handlers::indent_of(ctx.src, aw.syntax());
                    let name = sc.call.name_ref().map(|n| n.text().to_string());
                    if let Some(t) = name.and_then(|n| crate::tables::threads_awaits().io_trait(&n))
                    {
                        acc.traits.insert(t.to_string());
                    }
                    acc.edits.replace(
                        crate::handlers::range(aw.syntax()),
                        super::timeout::socket_text(ctx, &sc, &indent),
                        super::timeout::RULE,
                    );
                }
            }
            AwaitKind::RecvOk => {
                if let ast::Expr::MethodCallExpr(mc) = strip(&op) {
                    if let Some(n) = mc.name_ref() {
                        acc.edits.replace(
                            crate::handlers::range(n.syntax()),
                            "recv",
                            "threads-channel",
                        );
                    }
                }
                acc.edits.replace(tail, ".ok()", "threads-channel");
            }
            AwaitKind::WaitWhile => {
                if let ast::Expr::MethodCallExpr(mc) = strip(&op) {
                    let pred = mc.arg_list().and_then(|l| l.args().last());
                    if let (Some(n), Some(p)) = (mc.name_ref(), pred) {
                        let std_name = if n.text() == "wait_timeout_until" {
                            "wait_timeout_while"
                        } else {
                            "wait_while"
                        };
                        acc.edits.replace(
                            crate::handlers::range(n.syntax()),
                            std_name,
                            "threads-await",
                        );
                        // `|x| body` -> `|x| !(body)`; a named predicate is called.
                        match &p {
                            ast::Expr::ClosureExpr(c) if c.body().is_some() => {
                                let body = c.body().unwrap();
                                let text = &ctx.src[crate::handlers::range(body.syntax())];
                                acc.edits.replace(
                                    crate::handlers::range(body.syntax()),
                                    format!("!({text})"),
                                    "threads-await",
                                );
                            }
                            _ => {
                                let text = &ctx.src[crate::handlers::range(p.syntax())];
                                acc.edits.replace(
                                    crate::handlers::range(p.syntax()),
                                    format!("|v| !({text})(v)"),
                                    "threads-await",
                                );
                            }
                        }
                    }
                }
                let field = guard_dropped_by_let(&aw, &op, ctx, acc);
                acc.edits
                    .replace(tail, format!(".unwrap(){field}"), "threads-await");
            }
            AwaitKind::Renamed(std_name) => {
                if let ast::Expr::MethodCallExpr(mc) = strip(&op) {
                    if let Some(n) = mc.name_ref() {
                        acc.edits.replace(
                            crate::handlers::range(n.syntax()),
                            std_name,
                            "threads-await",
                        );
                    }
                }
                acc.edits.delete(tail, "threads-await");
            }
            AwaitKind::CallInline => {} // the spawn-blocking handler wrote it
            AwaitKind::Blocker(why) => acc.findings.push(RawFinding::not_migrated(
                start(aw.syntax()),
                FindingId::AwaitUnknown,
                why,
                "convert by hand",
            )),
        }
    }
    // `lines()`/`split()` on a reader need BufRead once the async-std traits are gone.
    if had_io_traits {
        for mc in ctx
            .nodes()
            .iter()
            .cloned()
            .filter_map(ast::MethodCallExpr::cast)
        {
            let name = mc
                .name_ref()
                .map(|n| n.text().to_string())
                .unwrap_or_default();
            // str::lines needs nothing; a reader's needs BufRead (an unused import at worst). A
            // string is a literal, or a binding made from text (`fs::read_to_string(p)`).
            let on_reader = mc.receiver().is_some_and(|r| {
                let text_binding = crate::handlers::binding_source(ctx, &r).is_some_and(|n| {
                    let t = ctx.text_of(&n);
                    [
                        "read_to_string(",
                        "to_string()",
                        "String::",
                        "format!(",
                        "to_owned()",
                    ]
                    .iter()
                    .any(|m| t.contains(m))
                        && !t.contains("BufReader")
                });
                !matches!(r, ast::Expr::Literal(_)) && !text_binding
            });
            if name == "lines" && on_reader {
                acc.traits.insert("std::io::BufRead".into());
            }
            if name == "bytes" && on_reader {
                acc.traits.insert("std::io::Read".into());
            }
        }
    }
}

/// The expression inside any parentheses.
pub(crate) fn strip(e: &ast::Expr) -> ast::Expr {
    let mut e = e.clone();
    while let ast::Expr::ParenExpr(p) = &e {
        match p.expr() {
            Some(x) => e = x,
            None => break,
        }
    }
    e
}

#[cfg(test)]
mod check_tests {
    use crate::handlers::check::*;

    #[test]
    fn nexts_on_values_made_as_no_channel_are_not_asked_about() {
        // A receiver's `next().await` is `recv()`; any other stream's keeps its `Option`. How the
        // value was made says which, without asking for its type, and so does a parameter typed
        // by a type parameter or an `impl Trait` (no channel type).
        let src = "use async_std::prelude::*;\n\
            use async_std::{fs, net::TcpListener, stream};\n\
            async fn a(l: &TcpListener, d: &str) -> std::io::Result<()> {\n    \
                let mut incoming = l.incoming();\n    \
                while let Some(s) = incoming.next().await { drop(s?); }\n    \
                let mut entries = fs::read_dir(d).await?;\n    \
                while let Some(e) = entries.next().await { drop(e?); }\n    \
                let mut items = stream::repeat(1u8).take(2);\n    \
                while let Some(i) = items.next().await { drop(i); }\n    \
                Ok(())\n}\n\
            async fn b(rx: R) {\n    let mut rx2 = rx.clone();\n    while let Some(i) = rx2.next().await { drop(i); }\n}\n\
            async fn c<S: Stream<Item = u8> + Unpin>(mut source: S, mut other: impl Stream<Item = u8> + Unpin) {\n    \
                while let Some(i) = source.next().await { drop(i); }\n    \
                while let Some(i) = other.next().await { drop(i); }\n}\n\
            fn main() {}\n";
        let oracle = Asked::default();
        migrate_asking(
            src,
            crate::handlers::HandlerTarget::Threads,
            "2021",
            &oracle,
        );
        assert_eq!(oracle.0.into_inner(), vec!["rx2"]);
    }

    #[test]
    fn a_file_without_awaits() {
        check_not_applicable(
            "threads-await",
            r#"fn main() {
    let v = vec![1];
    println!("{}", v.len());
}
"#,
        );
    }
}

/// `let (_, result) = cv.wait_timeout(guard, d).await`: the guard, unbound, was dropped at the
/// end of the statement. std's guard in a `_` is denied (`let_underscore_lock`), and bound it
/// would stay locked to the end of the block: `let result = cv.wait_timeout(..).unwrap().1`
/// drops it where async-std did. The field to take (`.1`), and the pattern rewritten; else "".
fn guard_dropped_by_let(
    aw: &ast::AwaitExpr,
    op: &ast::Expr,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
) -> &'static str {
    let ast::Expr::MethodCallExpr(mc) = strip(op) else {
        return "";
    };
    if !mc
        .name_ref()
        .is_some_and(|n| matches!(&*n.text(), "wait_timeout" | "wait_timeout_until"))
    {
        return "";
    }
    let Some(let_stmt) = aw.syntax().parent().and_then(ast::LetStmt::cast) else {
        return "";
    };
    let Some(ast::Pat::TuplePat(tuple)) = let_stmt.pat() else {
        return "";
    };
    let fields: Vec<ast::Pat> = tuple.fields().collect();
    match fields.as_slice() {
        [ast::Pat::WildcardPat(_), result] => {
            let text = ctx.src[crate::handlers::range(result.syntax())].to_string();
            acc.edits.replace(
                crate::handlers::range(tuple.syntax()),
                text,
                "threads-await",
            );
            ".1"
        }
        _ => "",
    }
}

/// Whether a `status()`/`output()` receiver is a child process (`Some(true)`) or a `Command`
/// (`Some(false)`): by type, else by what the value was made from (`.spawn()`, `Command::new`).
fn child_or_command(mc: &ast::MethodCallExpr, ctx: &Ctx<'_>) -> Option<bool> {
    let receiver = mc.receiver()?;
    if let Some(t) = ctx.oracle.type_of(&receiver) {
        if t.ends_with("::Child") {
            return Some(true);
        }
        if t.ends_with("::Command") {
            return Some(false);
        }
    }
    let mut text = ctx.text_of(receiver.syntax()).to_string();
    if let Some(source) = crate::handlers::binding_source(ctx, &receiver) {
        text.push_str(ctx.text_of(&source));
    }
    if text.contains(".spawn(") {
        Some(true)
    } else if text.contains("Command") {
        Some(false)
    } else {
        None
    }
}
