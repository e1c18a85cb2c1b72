//! Worker threads: async-std ran tasks on one worker per CPU (`ASYNC_STD_THREAD_COUNT`), smol's
//! global executor on `SMOL_THREADS` (default 1). A program whose crate spawns tasks is reported
//! once, at its `main` (review): no maintainer who migrated by hand added code for it, and setting
//! the variable leaks into every process the program starts. With `--keep-worker-threads` the
//! migrated `main` starts with a few lines that set `SMOL_THREADS` as async-std sized its pool,
//! unless the user set it; smol reads it when the first task is spawned.
//!
//! With `--keep-worker-threads` (the handler cases run with it):
//!
//! Before:
//! ```text
//! use async_std::task;
//!
//! async fn work() {}
//!
//! #[async_std::main]
//! async fn main() {
//!     task::spawn(work()).await;
//! }
//! ```
//! After:
//! ```text
//! async fn work() {}
//!
//! fn main() {
//!     // async-std ran one worker thread per CPU; smol's default is SMOL_THREADS=1. Keep async-std's.
//!     if std::env::var_os("SMOL_THREADS").is_none() {
//!         let n = std::env::var("ASYNC_STD_THREAD_COUNT").ok().and_then(|n| n.parse::<usize>().ok()).map(|n| n.max(1))
//!             .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
//!         std::env::set_var("SMOL_THREADS", n.to_string());
//!     }
//!     smol::block_on(async_main())
//! }
//!
//! async fn async_main() {
//!     smol::spawn(work()).await;
//! }
//! ```

use super::At;
use super::{indent_of, Flow};
use super::{Acc, Ctx};
use crate::report::RawFinding;
use crate::resolve::PathSite;
use ra_ap_syntax::ast::{self, HasName};
use ra_ap_syntax::AstNode;

/// Entry: the `task::block_on` path site.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let At::Path(site, _) = at else {
        return Flow::Continue;
    };
    on_block_on(site, ctx, acc)
}

const RULE: &str = "worker-threads";

/// `task::block_on` directly in `fn main` of a program that spawns: keep the worker count.
pub(super) fn on_block_on(site: &PathSite, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    let Some(func) = site.path.syntax().ancestors().find_map(ast::Fn::cast) else {
        return Flow::Continue;
    };
    if func.name().is_some_and(|n| n.text() == "main")
        && func
            .syntax()
            .parent()
            .is_some_and(|p| ast::SourceFile::can_cast(p.kind()))
    {
        let ind = indent_of(ctx.src, func.syntax());
        let prologue = keep_worker_count(&func, ctx, acc, &ind);
        if let (false, Some(l)) = (
            prologue.is_empty(),
            func.body()
                .and_then(|b| b.stmt_list())
                .and_then(|l| l.l_curly_token()),
        ) {
            acc.edits.insert(
                l.text_range().end().into(),
                format!("\n{}", prologue.trim_end()),
                RULE,
            );
        }
    }
    Flow::Continue
}

/// When the program spawns tasks (the lib crate (src/) spawns anywhere, or this target file, an
/// example, a test, a bin, does): with `--keep-worker-threads` the statements for the top of
/// `main`'s body (each line ending with a newline; `fn_indent` is main's indentation), else ""
/// and the difference reported at `main`.
pub(super) fn keep_worker_count(
    main: &ast::Fn,
    ctx: &Ctx<'_>,
    acc: &mut Acc,
    fn_indent: &str,
) -> String {
    let spawns = (ctx.krate.uses_spawn && ctx.in_lib) || crate::resolve::syntax::spawns(ctx.sites);
    if !spawns {
        return String::new();
    }
    if ctx.krate.keep_worker_threads {
        acc.edits.set_anchor(Some(super::start(main.syntax())));
        acc.credits.push(RULE.into());
        format!("{}\n", prologue(ctx, fn_indent).trim_start_matches('\n'))
    } else {
        let at = main
            .name()
            .map_or(super::start(main.syntax()), |n| super::start(n.syntax()));
        acc.findings.push(RawFinding::review(
            at.into(),
            RULE,
            "async-std ran this program's tasks on one worker thread per CPU; smol's executor runs SMOL_THREADS of them, 1 unless set: tasks that compute or block now share one thread",
            "set SMOL_THREADS where the program is started, or migrate with --keep-worker-threads to size it in main",
        ));
        String::new()
    }
}

/// The statements inserted at the top of `main`, each line indented one level below `fn_indent`.
fn prologue(ctx: &Ctx<'_>, fn_indent: &str) -> String {
    let i = format!("{fn_indent}    ");
    let set = if ctx.edition == "2024" {
        format!(
            "{i}    // SAFETY: nothing else runs yet: this is the first statement of main.\n{i}    unsafe {{ std::env::set_var(\"SMOL_THREADS\", n.to_string()) }};\n"
        )
    } else {
        format!("{i}    std::env::set_var(\"SMOL_THREADS\", n.to_string());\n")
    };
    format!(
        "\n{i}// async-std ran one worker thread per CPU; smol's default is SMOL_THREADS=1. Keep async-std's.\n\
         {i}if std::env::var_os(\"SMOL_THREADS\").is_none() {{\n\
         {i}    let n = std::env::var(\"ASYNC_STD_THREAD_COUNT\").ok().and_then(|n| n.parse::<usize>().ok()).map(|n| n.max(1))\n\
         {i}        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));\n\
         {set}\
         {i}}}"
    )
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_main_that_spawns_nothing() {
        check_not_applicable(
            "worker-threads",
            r#"#[async_std::main]
async fn main() {
    println!("no tasks");
}
"#,
        );
    }
}
