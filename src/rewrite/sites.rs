//! Path sites: each reference to async-std mapped through its catalogue row, after the handler
//! the row names ran.

use super::leaves::{advice, keep_for, LeafPlan, LeafState, Usage};
use super::{Acc, Ctx};
use crate::findings::FindingId;
use crate::handlers::{self, range, Flow};
use crate::report::RawFinding;
use crate::resolve::{self, Origin};
use crate::rules::Mapped;
use ra_ap_syntax::ast::{self, HasGenericArgs};
use ra_ap_syntax::AstNode;

/// Maps every path site of the file: its handler first (when its catalogue row names one), then
/// the row's path, written in full or left to the regenerated import its binding came through.
pub(super) fn map_paths(ctx: &Ctx<'_>, states: &mut [LeafState], acc: &mut Acc) {
    let sites = ctx.sites;
    for (si, site) in sites.paths.iter().enumerate() {
        // A name shared with another runtime: its code stays as written (the import or shim
        // under the cfg gives the name its smol meaning).
        if let Origin::Binding(i) = site.origin {
            // Code under the import's own cfg is async-std's only: migrated as any other.
            let own_cfg = crate::resolve::syntax::cfg_text(sites.leaves[i].use_item.syntax());
            let under: Vec<String> = site
                .path
                .syntax()
                .ancestors()
                .map(|a| crate::resolve::syntax::cfg_text(&a))
                .filter(|c| !c.is_empty())
                .collect();
            let only_ours = crate::resolve::syntax::under_own_cfg(&under, &own_cfg);
            if states[i].shared && !only_ours {
                if states[i].plan == LeafPlan::Keep {
                    states[i].keep_original = true;
                } else {
                    states[i].usages.push((
                        si,
                        Usage::Relies {
                            rename: None,
                            fq: None,
                        },
                    ));
                }
                continue;
            }
        }
        // A spawn whose handle converts through the crate's own `From` impl over a name other
        // runtimes share: that impl stays async-std's, so does the spawn (zmq.rs).
        if ctx.krate.handle_from_shared
            && super::leaves::SPAWNERS.contains(&site.canon.join("::").as_str())
            && handle_converted(&site.path)
        {
            acc.findings.push(RawFinding::not_migrated(
                site.path.syntax().text_range().start().into(),
                "task-join-handle",
                format!("the handle of this `{}` converts into the crate's own type through a `From` impl for a `JoinHandle` other runtimes share, which stays async-std's", site.canon.join("::")),
                "move the wrapper and its From impl to smol::Task under async-std's cfg by hand, then run again",
            ));
            keep_for(site, sites, states);
            continue;
        }
        // The trait of the crate's own impl, sealed in smol: the impl stays async-std's.
        if crate::tables::smol_api()
            .sealed_in_smol
            .contains(&site.canon.join("::"))
            && is_impl_trait(&site.path)
        {
            acc.findings.push(RawFinding::not_migrated(
                site.path.syntax().text_range().start().into(),
                FindingId::TraitSealed,
                format!("`{}` is sealed in smol (async-fs): this impl cannot become one of smol's trait, and stays async-std's", site.canon.join("::")),
                "drop the impl, or give the type an inherent method of the same name, then run again",
            ));
            keep_for(site, sites, states);
            continue;
        }
        let m = ctx.cat.lookup(&site.canon);
        // Through the crate's own re-export, the re-exported item (an import, or a shim with
        // async-std's signature) is migrated where it is defined; only handlers about the value a
        // call returns (a task handle to detach, a file to flush) still apply at the call.
        // An item the crate has a generated module for (`block_on` beside a local executor) is
        // that module's handler's, whatever the row's handler.
        let handler = handlers::generated::handler_for(ctx.generated, &site.canon)
            .map(str::to_string)
            .or_else(|| m.as_ref().and_then(|m| m.rule.handler.clone()))
            .filter(|h| site.origin != Origin::ReExport || handlers::call_value(Some(h.as_str())));
        if let Some(h) = handler {
            acc.edits
                .set_anchor(Some(site.path.syntax().text_range().start().into()));
            let flow = handlers::on_path(&h, site, m.as_ref().unwrap(), ctx, acc);
            acc.edits.set_anchor(None);
            match flow {
                Flow::Done => {
                    if let (Some(_), Origin::Binding(i)) = (ctx.threads, &site.origin) {
                        states[*i].usages.push((si, Usage::Gone));
                    }
                    continue;
                }
                Flow::Continue => {}
            }
        }
        if site.origin == Origin::ReExport {
            continue;
        }
        let Some(m) = m else {
            acc.findings.push(RawFinding::unknown_item(
                site.path.syntax().text_range().start().into(),
                &site.canon,
            ));
            keep_for(site, sites, states);
            continue;
        };
        // A use of an item whose mapping keeps a behaviour difference (in code, not imports).
        if let (Some(review), false) = (&m.rule.review, site.in_attr) {
            if m.rule.from.len() == site.canon.len() {
                acc.findings.push(RawFinding::review(
                    site.path.syntax().text_range().start().into(),
                    &m.rule.id,
                    format!("`{}` behaves differently on smol", site.canon.join("::")),
                    review.clone(),
                ));
            }
        }
        let Some(new_path) = m.path.clone() else {
            acc.findings.push(RawFinding::not_migrated(
                site.path.syntax().text_range().start().into(),
                &m.rule.id,
                format!("`{}` has no smol equivalent", site.canon.join("::")),
                advice(&m),
            ));
            keep_for(site, sites, states);
            continue;
        };
        match site.origin {
            Origin::Root => match fq_edit(site, &m, 0) {
                Some(e) => acc.edits.replace(e.0, e.1, &m.rule.id),
                None => generic_args_finding(site, acc),
            },
            Origin::Binding(i) => {
                let leaf = &sites.leaves[i];
                let offset = leaf.canon.len() - 1;
                let fq = fq_edit(site, &m, offset);
                let usage = match &states[i].plan {
                    LeafPlan::Import(p) if !leaf.glob => {
                        // `smol::io::AsyncRead as Read` (a name shared with another runtime's
                        // import, or a re-export's) binds the name the usage writes.
                        let alias = leaf.local.as_ref().map(|l| format!(" as {l}"));
                        let expected = with_rest(
                            alias.and_then(|a| p.strip_suffix(&a)).unwrap_or(p),
                            &site.canon[leaf.canon.len()..],
                        );
                        if expected == new_path {
                            let rename = states[i].rename.as_ref().and_then(|n| {
                                let seg = site.path.first_segment()?.name_ref()?;
                                Some((range(seg.syntax()), n.clone()))
                            });
                            Usage::Relies { rename, fq }
                        } else {
                            match fq {
                                Some(e) => Usage::Fq(e),
                                None => {
                                    generic_args_finding(site, acc);
                                    states[i].keep_original = true;
                                    continue;
                                }
                            }
                        }
                    }
                    _ => match fq {
                        Some(e) => Usage::Fq(e),
                        None => {
                            generic_args_finding(site, acc);
                            states[i].keep_original = true;
                            continue;
                        }
                    },
                };
                states[i].usages.push((si, usage));
            }
            Origin::Glob { leaf: i, offset } => {
                // Covered by the new glob (`smol::prelude::*` still has `Future`), or written in full.
                let new_glob = match &states[i].plan {
                    LeafPlan::Import(p) => p.strip_suffix("::*").map(str::to_string),
                    _ => None,
                };
                let rest: Vec<&str> = site.canon[offset..].iter().map(String::as_str).collect();
                let covered = new_glob.is_some_and(|g| with_rest(&g, &rest) == new_path)
                    // Or by a name the migrated glob imports beside it (`smol::io::AsyncRead as
                    // Read`, for child modules that take it through `use super::*`).
                    || rest.first().is_some_and(|name| {
                        states[i].extra.iter().any(|x| {
                            let bound = x
                                .strip_suffix(&format!(" as {name}"))
                                .or_else(|| x.ends_with(&format!("::{name}")).then_some(x.as_str()));
                            bound.is_some_and(|b| with_rest(b, &rest[1..]) == new_path)
                        })
                    });
                if covered {
                    acc.credits.push(m.rule.id.clone());
                } else {
                    match fq_edit(site, &m, offset) {
                        Some(e) => acc.edits.replace(e.0, e.1, &m.rule.id),
                        None => generic_args_finding(site, acc),
                    }
                }
            }
            Origin::ReExport => {}
        }
    }
}

fn generic_args_finding(site: &resolve::PathSite, acc: &mut Acc) {
    acc.findings.push(RawFinding::not_migrated(
        site.path.syntax().text_range().start().into(),
        FindingId::PathGenericArgs,
        format!(
            "`{}` carries generic arguments inside the part that changes",
            site.path.syntax().text()
        ),
        "write the path by hand with the smol name",
    ));
}

/// The edit that writes `site` as the full mapped path. `offset`: canonical index of the path's
/// first text segment. `None` when a segment that would be replaced carries generic arguments.
fn fq_edit(
    site: &resolve::PathSite,
    m: &Mapped<'_>,
    offset: usize,
) -> Option<(std::ops::Range<usize>, String)> {
    let crate::rules::Action::MapTo(to) = &m.rule.action else {
        return None;
    };
    let segs: Vec<ast::PathSegment> = site.path.segments().collect();
    let f = m.rule.from.len();
    let idx_end = (f as isize - 1 - offset as isize).max(0) as usize;
    let seg_end = segs.get(idx_end)?;
    for s in &segs[..idx_end] {
        if s.generic_arg_list().is_some() {
            return None;
        }
    }
    let mut text = to.clone();
    for c in site.canon.iter().take(offset + idx_end + 1).skip(f) {
        text.push_str("::");
        text.push_str(c);
    }
    let start: usize = site.path.syntax().text_range().start().into();
    let end: usize = seg_end
        .name_ref()
        .map(|n| n.syntax().text_range().end().into())?;
    // A generic instantiation (`smol::Unblock<std::io::Stdin>`) used as a path qualifier needs `<..>::`.
    if text.contains('<') && idx_end + 1 < segs.len() {
        text = format!("<{text}>");
    }
    // `::async_std::..` was written so to pass by a module of the crate named like the crate
    // (redis has its own `smol` and `async_std` modules): the new path keeps the `::`.
    let leading = segs.first().and_then(|s| s.coloncolon_token()).is_some();
    if leading && !text.starts_with('<') && !text.starts_with("::") {
        text = format!("::{text}");
    }
    Some((start..end, text))
}

/// The call of `path` is converted right away: `spawn(f).into()`.
fn handle_converted(path: &ast::Path) -> bool {
    let Some(call) = crate::handlers::call_of_path(path) else {
        return false;
    };
    let outer = crate::handlers::skip_parens_up(call.syntax());
    outer
        .parent()
        .and_then(ast::MethodCallExpr::cast)
        .is_some_and(|mc| {
            mc.name_ref().is_some_and(|n| n.text() == "into")
                && mc.receiver().is_some_and(|r| r.syntax() == &outer)
        })
}

/// The path is the trait of an `impl Trait for Type` header.
fn is_impl_trait(path: &ast::Path) -> bool {
    let Some(ty) = path.syntax().parent().and_then(ast::PathType::cast) else {
        return false;
    };
    ty.syntax()
        .parent()
        .and_then(ast::Impl::cast)
        .and_then(|i| i.trait_())
        .is_some_and(|t| t.syntax() == ty.syntax())
}

/// `base` followed by the segments `rest` (`smol::io` + `[AsyncRead]` -> `smol::io::AsyncRead`).
fn with_rest(base: &str, rest: &[impl AsRef<str>]) -> String {
    let mut out = base.to_string();
    for s in rest {
        out.push_str("::");
        out.push_str(s.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn an_impl_of_a_trait_smol_seals_stays_async_stds() {
        // cap-async-std: its own DirEntry implements the unix DirEntryExt.
        check_findings(
            "attr-main",
            r#"use async_std::os::unix::fs::DirEntryExt;

pub struct DirEntry(u64);

impl DirEntryExt for DirEntry {
    fn ino(&self) -> u64 {
        self.0
    }
}
"#,
            "5:6 trait-sealed: `async_std::os::unix::fs::DirEntryExt` is sealed in smol (async-fs): this impl cannot become one of smol's trait, and stays async-std's",
        );
    }

    #[test]
    fn a_spawn_converted_into_a_wrapper_over_a_shared_alias_stays() {
        // zmq.rs: the wrapper's From impl names tokio's or async-std's JoinHandle by one alias.
        check_findings(
            "attr-main",
            r#"#[cfg(feature = "async-std-runtime")]
use async_std::task as rt_task;
#[cfg(feature = "tokio-runtime")]
use tokio::task as rt_task;

pub struct JoinHandle<T>(rt_task::JoinHandle<T>);

impl<T> From<rt_task::JoinHandle<T>> for JoinHandle<T> {
    fn from(h: rt_task::JoinHandle<T>) -> Self {
        Self(h)
    }
}

pub fn spawn<F: std::future::Future<Output = u8> + Send + 'static>(f: F) -> JoinHandle<u8> {
    #[cfg(feature = "async-std-runtime")]
    let h = async_std::task::spawn(f).into();
    #[cfg(feature = "tokio-runtime")]
    let h = tokio::task::spawn(f).into();
    h
}
"#,
            "16:13 task-join-handle: the handle of this `async_std::task::spawn` converts into the crate's own type through a `From` impl for a `JoinHandle` other runtimes share, which stays async-std's",
        );
    }
}
