//! async-std's `Path`/`PathBuf` become std's; their async methods become `smol::fs` calls on the
//! path (not std's blocking methods, which would stall the executor thread).
//!
//! Before:
//! ```text
//! use async_std::path::Path;
//!
//! async fn look(path: &Path) -> std::io::Result<bool> {
//!     let present = path.exists().await;
//!     let dir = path.is_dir().await;
//!     let mut entries = path.read_dir().await?;
//!     Ok(present && dir && entries.next().is_some())
//! }
//! ```
//! After:
//! ```text
//! use std::path::Path;
//!
//! async fn look(path: &Path) -> std::io::Result<bool> {
//!     let present = smol::fs::metadata(&path).await.is_ok();
//!     let dir = smol::fs::metadata(&path).await.map(|m| m.is_dir()).unwrap_or(false);
//!     let mut entries = smol::fs::read_dir(&path).await?;
//!     Ok(present && dir && entries.next().is_some())
//! }
//! ```
//! Edits wrap the receiver instead of replacing it, so rewrites inside it still apply.

use super::{end, file_uses, method_is, start};
use super::{Acc, Ctx};
use super::{At, Flow};
use ra_ap_syntax::ast::{self, HasArgList};
use ra_ap_syntax::AstNode;

/// Entry: a file pass.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    if let At::File = at {
        pass(ctx, acc);
    }
    Flow::Continue
}

const RULE: &str = "path-async-methods";

pub(super) fn pass(ctx: &Ctx<'_>, acc: &mut Acc) {
    let evidence = file_uses(ctx, &["async_std::path", "async_std::fs"]);
    for (mc, name) in super::method_calls(ctx) {
        let Some((func, tail)) = crate::tables::smol_api().path_methods.get(name.as_str()) else {
            continue;
        };
        if mc.arg_list().is_none_or(|a| a.args().next().is_some()) {
            continue;
        }
        let Some(aw) = super::awaited(mc.syntax()) else {
            continue;
        };
        let on_async_path = match method_is(
            ctx,
            &mc,
            &[&format!("::Path::{name}"), &format!("::PathBuf::{name}")],
        ) {
            Some(b) => b,
            // std's Path methods are not awaitable: an awaited one on a file that uses async-std's
            // path or fs is async-std's. `metadata` only where the receiver is bound as a path:
            // async-std's File and DirEntry have an async one too.
            None => {
                evidence
                    && (name != "metadata" || mc.receiver().is_some_and(|r| bound_as_path(ctx, &r)))
            }
        };
        if !on_async_path {
            continue;
        }
        let Some(recv) = mc.receiver() else { continue };
        acc.edits
            .insert(start(recv.syntax()), format!("smol::fs::{func}(&"), RULE);
        acc.edits
            .replace(end(recv.syntax())..end(mc.syntax()), ")", RULE);
        if !tail.is_empty() {
            acc.edits.set_anchor(Some(start(mc.syntax())));
            acc.edits.insert(end(aw.syntax()), tail, RULE);
        }
    }
}

/// Whether the receiver is a local bound as a path, without types: a parameter typed `Path` or
/// `PathBuf` (behind references), or a `let` from `Path::new(..)`/`PathBuf::from(..)`.
fn bound_as_path(ctx: &Ctx<'_>, recv: &ast::Expr) -> bool {
    let Some(source) = super::binding_source(ctx, recv) else {
        return false;
    };
    let text = ctx.text_of(&source);
    if let Some(ty) = ast::Type::cast(source.clone()) {
        let name = ty
            .syntax()
            .descendants()
            .filter_map(ast::PathSegment::cast)
            .last()
            .and_then(|s| s.name_ref())
            .map(|n| n.text().to_string());
        return matches!(name.as_deref(), Some("Path" | "PathBuf"));
    }
    text.starts_with("Path::new(") || text.starts_with("PathBuf::from(")
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn metadata_of_a_parameter_typed_as_a_path() {
        check_rewrite(
            "path-async-methods",
            r#"use async_std::path::Path;

async fn size(path: &Path) -> std::io::Result<u64> {
    let m = path.metadata().await?;
    Ok(m.len())
}
"#,
            r#"use std::path::Path;

async fn size(path: &Path) -> std::io::Result<u64> {
    let m = smol::fs::metadata(&path).await?;
    Ok(m.len())
}
"#,
        );
    }

    #[test]
    fn metadata_of_a_file_is_left_alone() {
        check_not_applicable(
            "path-async-methods",
            r#"use async_std::fs::File;

async fn size(f: &File) -> std::io::Result<u64> {
    Ok(f.metadata().await?.len())
}
"#,
        );
    }

    #[test]
    fn std_path_methods_not_awaited() {
        check_not_applicable(
            "path-async-methods",
            r#"use std::path::Path;

fn present(path: &Path) -> bool {
    path.exists()
}
"#,
        );
    }
}
