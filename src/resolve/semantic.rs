//! The semantic layer: rust-analyzer loads the workspace once per PATH (cargo metadata, sysroot,
//! no build scripts, no proc-macro server) and answers, for candidate method calls only, which
//! item they resolve to and what type their receiver has. Paths and `use` trees are resolved by
//! the syntax resolver, which is exact for them and 40-90x cheaper (see docs/performance.md);
//! this layer is what makes `p.exists().await` on an async-std `Path`, `FutureExt::race` and a
//! channel receiver's `next()` certain rather than inferred from syntax.
//!
//! Every query runs inside `ra_ap_hir::attach_db`, which type inference requires.

use super::{plain_workspace, profile, MethodFact, Oracle};
use ra_ap_hir::{AsAssocItem, AssocItemContainer, HasCrate, Semantics};
use ra_ap_ide_db::RootDatabase;
use ra_ap_project_model::{CargoConfig, RustLibSource};
use ra_ap_syntax::{ast, AstNode};
use ra_ap_vfs::{AbsPathBuf, Vfs, VfsPath};
use std::path::Path;

/// A loaded workspace, or several in one database. Cloning is cheap: the clone is another
/// handle on the same database (salsa's), for another thread.
#[derive(Clone)]
pub struct Semantic {
    db: RootDatabase,
    vfs: std::sync::Arc<Vfs>,
}

/// The workspaces of a batch as [`Semantic::load_workspaces`] loaded them, one per root, in order
/// (`None` where loading panicked).
pub struct Workspaces(Vec<Option<Result<ra_ap_project_model::ProjectWorkspace, String>>>);

/// How rust-analyzer runs cargo: the sysroot discovered, every target, `cfg(test)`, and nothing
/// of the repository's (no rustc wrapper from its cargo config).
fn cargo_config() -> CargoConfig {
    CargoConfig {
        sysroot: Some(RustLibSource::Discover),
        all_targets: true,
        // `cfg(test)` code (unit-test modules) is analysed too, as the migration edits it.
        set_test: true,
        // Nothing of the repository's runs: no rustc wrapper from its cargo config.
        extra_env: crate::untrusted::ENV
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
        ..Default::default()
    }
}

impl Semantic {
    /// Loads the cargo workspaces at `roots` into ONE database, as rust-analyzer does for several
    /// linked projects (`ws_to_crate_graph` in its server): each workspace's crate graph is
    /// merged into the first (`CrateGraphBuilder::extend` shares the standard library and every
    /// dependency they have in common), the files of all of them in one vfs. Per root: loaded,
    /// or why not (that workspace falls back alone). `None` when none loaded.
    pub fn load_all(roots: &[&Path]) -> (Option<Semantic>, Vec<Result<(), String>>) {
        Semantic::from_workspaces(Semantic::load_workspaces(roots))
    }

    /// The cargo half of [`Semantic::load_all`]: each root's workspace as `cargo metadata` and
    /// the toolchain describe it, or why it could not be loaded. No database yet, so it can run
    /// while another batch's database answers questions.
    pub fn load_workspaces(roots: &[&Path]) -> Workspaces {
        use ra_ap_project_model::{ProjectManifest, ProjectWorkspace};
        let cargo_config = cargo_config();
        // The standard library is found and read (`cargo metadata` of its sources) once, for
        // the first workspace that has no toolchain file of its own; the others that have none
        // load without one and get that one (a workspace with a `rust-toolchain` file may use
        // another toolchain: it finds its own).
        let own_toolchain = plain_workspace::own_toolchain;
        let shared_at = roots.iter().position(|r| !own_toolchain(r));
        let no_sysroot = CargoConfig {
            sysroot: None,
            ..cargo_config.clone()
        };
        let borrows = |i: usize| shared_at.is_some_and(|s| s != i) && !own_toolchain(roots[i]);
        // `cargo metadata` offline first: without a lockfile, cargo asks the registry about
        // every dependency (0.5 s a workspace here, 0.1 s offline); where the offline index
        // cannot resolve it (rust-analyzer then keeps the workspace without its dependencies),
        // again online.
        let offline = |config: &CargoConfig| CargoConfig {
            metadata_extra_args: vec!["--offline".into()],
            ..config.clone()
        };
        let load_once = |root: &Path, config: &CargoConfig| {
            std::fs::canonicalize(root)
                .map_err(|e| format!("cannot resolve {}: {e}", root.display()))
                .and_then(|abs| {
                    let abs = AbsPathBuf::assert_utf8(abs);
                    ProjectManifest::discover_single(&abs)
                        .and_then(|m| ProjectWorkspace::load(m, config, &|_| {}))
                        .map_err(|e| {
                            format!(
                                "rust-analyzer could not load the workspace: {}",
                                first_line(&e.to_string())
                            )
                        })
                })
        };
        let load_one = |i: usize, config: &CargoConfig| {
            let root = roots[i];
            match load_once(root, &offline(config)) {
                Ok(ws) if !without_dependencies(&ws) => Ok(ws),
                _ => load_once(root, config),
            }
        };
        // `cargo metadata` per workspace, on as many threads as there are cores.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(roots.len())
            .max(1);
        let mut each: Vec<Option<Result<ProjectWorkspace, String>>> =
            (0..roots.len()).map(|_| None).collect();
        let started = std::time::Instant::now();
        // The first plain workspace (`plain_workspace::is_plain`) loads alone, as rust-analyzer
        // loads it; every other plain one then runs `cargo metadata` only and takes the rest
        // from it (a twentieth of the processes).
        let plain: Vec<bool> = roots.iter().map(|r| plain_workspace::is_plain(r)).collect();
        let first_plain = shared_at.filter(|&s| plain[s]);
        if let Some(s) = first_plain {
            each[s] = Some(load_one(s, &cargo_config));
        }
        let like = first_plain.and_then(|s| {
            let Some(Ok(ws)) = &each[s] else {
                return None;
            };
            let host = ra_ap_project_model::toolchain_info::target_tuple::get(
                ra_ap_project_model::toolchain_info::QueryConfig::Rustc(&ws.sysroot, roots[s]),
                None,
                &cargo_config.extra_env,
            )
            .ok()?
            .into_iter()
            .next()?;
            // The toolchain's rustc for cargo's own probes (rustup's proxy otherwise).
            let rustc = ws.sysroot.root()?.join("bin").join("rustc").to_string();
            let env: Vec<(String, String)> = crate::untrusted::ENV
                .iter()
                .map(|&(k, v)| {
                    let v = if v == "rustc" { rustc.as_str() } else { v };
                    (k.to_string(), v.to_string())
                })
                .collect();
            Some((ws.clone(), host, env))
        });
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let load_one = &load_one;
                    let (cargo_config, no_sysroot) = (&cargo_config, &no_sysroot);
                    let (like, plain) = (&like, &plain);
                    s.spawn(move || {
                        (t..roots.len())
                            .step_by(threads)
                            .filter(|&i| Some(i) != first_plain)
                            .map(|i| {
                                let fast = like.as_ref().filter(|_| plain[i]).and_then(
                                    |(first, host, env)| {
                                        plain_workspace::load_like(first, roots[i], host, env)
                                    },
                                );
                                let config = if borrows(i) { no_sysroot } else { cargo_config };
                                (i, fast.map_or_else(|| load_one(i, config), Ok))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                for (i, r) in h.join().unwrap_or_default() {
                    each[i] = Some(r);
                }
            }
        });
        // The shared standard library into the workspaces that borrow it (loaded alone, with
        // their own, when the shared one did not load).
        let shared = shared_at.and_then(|s| match &each[s] {
            Some(Ok(ws)) if ws.sysroot.error().is_none() => Some(ws.sysroot.clone()),
            _ => None,
        });
        for (i, slot) in each.iter_mut().enumerate() {
            if !borrows(i) {
                continue;
            }
            match (&shared, slot.as_mut()) {
                (Some(sysroot), Some(Ok(ws))) => ws.sysroot = sysroot.clone(),
                _ => *slot = Some(load_one(i, &cargo_config)),
            }
        }
        profile::record(profile::Kind::LoadWorkspaces, started);
        Workspaces(each)
    }

    /// The database half of [`Semantic::load_all`]: the loaded workspaces' crate graphs merged,
    /// their files read, one database.
    pub fn from_workspaces(
        Workspaces(each): Workspaces,
    ) -> (Option<Semantic>, Vec<Result<(), String>>) {
        use ra_ap_hir::ChangeWithProcMacros;
        use ra_ap_ide_db::base_db::ProcMacroLoadingError;
        use ra_ap_load_cargo::ProjectFolders;
        use ra_ap_project_model::ProjectWorkspace;
        use ra_ap_vfs::loader::Handle;
        let cargo_config = cargo_config();
        let started = std::time::Instant::now();
        let mut loaded: Vec<ProjectWorkspace> = Vec::new();
        let mut status = Vec::new();
        for r in each {
            let r = r.unwrap_or_else(|| Err("rust-analyzer's workspace load panicked".into()));
            status.push(r.map(|ws| loaded.push(ws)));
        }
        if loaded.is_empty() {
            return (None, status);
        }
        let (sender, receiver) = crossbeam_channel::unbounded();
        let mut vfs = Vfs::default();
        let mut loader = ra_ap_vfs_notify::NotifyHandle::spawn(sender);
        let mut graph: Option<ra_ap_ide_db::base_db::CrateGraphBuilder> = None;
        let mut proc_macros: ra_ap_ide_db::base_db::ProcMacroPaths = Default::default();
        for ws in &loaded {
            let (g, mut pm) = ws.to_crate_graph(
                &mut |path: &ra_ap_paths::AbsPath| {
                    let contents = loader.load_sync(path);
                    let path = VfsPath::from(path.to_path_buf());
                    vfs.set_file_contents(path.clone(), contents);
                    vfs.file_id(&path).and_then(|(id, excluded)| {
                        (excluded == ra_ap_vfs::FileExcluded::No).then_some(id)
                    })
                },
                &cargo_config.extra_env,
            );
            match &mut graph {
                None => {
                    graph = Some(g);
                    proc_macros = pm;
                }
                Some(base) => {
                    base.extend(g, &mut pm);
                    proc_macros.extend(pm);
                }
            }
        }
        // No proc-macro server: every crate's macros are disabled, as the single load does.
        let proc_macros: ra_ap_hir_expand::proc_macro::ProcMacrosBuilder = proc_macros
            .into_keys()
            .map(|id| (id, Err(ProcMacroLoadingError::Disabled)))
            .collect();
        let folders = ProjectFolders::new(&loaded, &[], None);
        loader.set_config(ra_ap_vfs::loader::Config {
            load: folders.load,
            watch: vec![],
            version: 0,
        });
        // ra_ap_load_cargo's private `load_crate_graph_into_db`, for the merged graph.
        let mut db = RootDatabase::new(
            std::env::var("RA_LRU_CAP")
                .ok()
                .and_then(|it| it.parse::<u16>().ok()),
        );
        let mut change = ChangeWithProcMacros::default();
        db.enable_proc_attr_macros();
        for task in receiver {
            match task {
                ra_ap_vfs::loader::Message::Progress { n_done, .. } => {
                    if n_done == ra_ap_vfs::loader::LoadingProgress::Finished {
                        break;
                    }
                }
                ra_ap_vfs::loader::Message::Loaded { files }
                | ra_ap_vfs::loader::Message::Changed { files } => {
                    for (path, contents) in files {
                        vfs.set_file_contents(path.into(), contents);
                    }
                }
            }
        }
        for (_, file) in vfs.take_changes() {
            if let ra_ap_vfs::Change::Create(v, _) | ra_ap_vfs::Change::Modify(v, _) = file.change {
                if let Ok(text) = String::from_utf8(v) {
                    change.change_file(file.file_id, Some(text));
                }
            }
        }
        change.set_roots(folders.source_root_config.partition(&vfs));
        if let Some(g) = graph {
            change.set_crate_graph(g);
        }
        change.set_proc_macros(proc_macros);
        db.apply_change(change);
        profile::record(profile::Kind::LoadDatabase, started);
        (
            Some(Semantic {
                db,
                vfs: std::sync::Arc::new(vfs),
            }),
            status,
        )
    }

    /// Loads the cargo workspace at `root` ([`Semantic::load_all`] of one). The error says
    /// why, for the report's fallback note.
    pub fn load(root: &Path) -> Result<Semantic, String> {
        let (db, mut status) = Semantic::load_all(&[root]);
        status.pop().unwrap_or(Ok(()))?;
        db.ok_or_else(|| "rust-analyzer loaded nothing".to_string())
    }

    /// The oracle for one file, if the workspace knows it.
    /// `gates`: the cfgs that decide whether the file is a module of the crates of its source
    /// root, when known: the `mod` items' on the way to it and its own `#![cfg]`s (see
    /// `cfg_active`).
    pub fn oracle_for(
        &self,
        path: &Path,
        gates: Option<&(crate::module_tree::Gates, crate::module_tree::Gates)>,
    ) -> Option<FileOracle<'_>> {
        let abs = std::fs::canonicalize(path).ok()?;
        let vp = VfsPath::from(AbsPathBuf::assert_utf8(abs));
        let (file_id, _) = self.vfs.file_id(&vp)?;
        Some(FileOracle {
            db: &self.db,
            sema: Semantics::new(&self.db),
            tree: std::cell::OnceCell::new(),
            file_id,
            gates: gates.cloned(),
        })
    }
}

/// rust-analyzer kept the workspace without its dependencies (`cargo metadata` failed, the
/// `--no-deps` one did not).
fn without_dependencies(ws: &ra_ap_project_model::ProjectWorkspace) -> bool {
    matches!(
        &ws.kind,
        ra_ap_project_model::ProjectWorkspaceKind::Cargo { error: Some(_), .. }
    )
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// Answers questions about one file of a loaded workspace.
pub struct FileOracle<'db> {
    db: &'db RootDatabase,
    sema: Semantics<'db, RootDatabase>,
    /// The file's tree in the database, built at the first question (most files get none).
    tree: std::cell::OnceCell<ast::SourceFile>,
    file_id: ra_ap_vfs::FileId,
    gates: Option<(crate::module_tree::Gates, crate::module_tree::Gates)>,
}

impl FileOracle<'_> {
    fn tree(&self) -> &ast::SourceFile {
        self.tree.get_or_init(|| {
            profile::time(profile::Kind::FileOracle, || {
                self.sema.parse_guess_edition(self.file_id)
            })
        })
    }

    /// A function's crate (`async_std`), container (a trait's or a type's name, empty for a free
    /// function) and path `crate::Container::name`. Inside `attach_db`.
    fn item_path(&self, f: ra_ap_hir::Function) -> (String, String, String) {
        let krate = f
            .krate(self.db)
            .display_name(self.db)
            .map(|d| d.to_string())
            .unwrap_or_default()
            .replace('-', "_");
        let container = match f.as_assoc_item(self.db).map(|a| a.container(self.db)) {
            Some(AssocItemContainer::Trait(t)) => t.name(self.db).as_str().to_string(),
            Some(AssocItemContainer::Impl(i)) => i
                .self_ty(self.db)
                .as_adt()
                .map(|a| a.name(self.db).as_str().to_string())
                .unwrap_or_default(),
            None => String::new(),
        };
        let item = format!("{krate}::{container}::{}", f.name(self.db).as_str());
        (krate, container, item)
    }

    /// Whether the call resolves into the standard library (an iterator adapter's own `count`)
    /// or to an inherent impl's method. Inside `attach_db`.
    fn resolves_to_std_or_inherent(&self, call: &ast::MethodCallExpr) -> bool {
        self.sema.resolve_method_call(call).is_some_and(|f| {
            let in_std = |k: ra_ap_hir::Crate| {
                k.display_name(self.db)
                    .is_some_and(|d| matches!(d.to_string().as_str(), "core" | "alloc" | "std"))
            };
            in_std(f.krate(self.db))
                || matches!(
                    f.as_assoc_item(self.db).map(|a| a.container(self.db)),
                    Some(AssocItemContainer::Impl(i)) if i.trait_(self.db).is_none()
                )
        })
    }

    /// Notes, when profiling, which function body a `kind` question reaches.
    fn body_of(&self, kind: profile::Kind, node: &ra_ap_syntax::SyntaxNode) {
        profile::body(kind, || {
            let body = node.ancestors().find(|a| {
                matches!(
                    a.kind(),
                    ra_ap_syntax::SyntaxKind::FN
                        | ra_ap_syntax::SyntaxKind::CONST
                        | ra_ap_syntax::SyntaxKind::STATIC
                )
            })?;
            Some((self.file_id.index(), body.text_range().start().into()))
        });
    }

    /// rust-analyzer's node for our node (the same text, so the same range).
    fn same_node<N: AstNode>(&self, node: &N) -> Option<N> {
        let range = node.syntax().text_range();
        let elem = self.tree().syntax().covering_element(range);
        let start = match elem {
            ra_ap_syntax::NodeOrToken::Node(n) => n,
            ra_ap_syntax::NodeOrToken::Token(t) => t.parent()?,
        };
        start
            .ancestors()
            .filter(|a| a.text_range() == range)
            .find_map(N::cast)
    }

    /// `crate::Type` of an expression (references stripped), e.g. `async_channel::Receiver`.
    pub fn type_name(&self, expr: &ast::Expr) -> Option<String> {
        let expr = self.same_node(expr)?;
        ra_ap_hir::attach_db(self.db, || {
            let ty = self.sema.type_of_expr(&expr)?.original.strip_references();
            let adt = ty.as_adt()?;
            let krate = adt
                .module(self.db)
                .krate(self.db)
                .display_name(self.db)?
                .to_string();
            Some(format!(
                "{}::{}",
                krate.replace('-', "_"),
                adt.name(self.db).as_str()
            ))
        })
    }
}

impl Oracle for FileOracle<'_> {
    fn method(&self, call: &ast::MethodCallExpr) -> MethodFact {
        profile::time(profile::Kind::Method, || {
            self.body_of(profile::Kind::Method, call.syntax());
            let Some(call) = self.same_node(call) else {
                return MethodFact::Unknown;
            };
            ra_ap_hir::attach_db(self.db, || {
                let Some(f) = self.sema.resolve_method_call(&call) else {
                    return MethodFact::Unknown;
                };
                let (krate, _, item) = self.item_path(f);
                // async-std's own stream methods on a receiver (`rx.merge(..)`) stay what they are.
                if krate == "async_std" && f.name(self.db).as_str() != "next" {
                    return MethodFact::AsyncStd(item);
                }
                // The channel receiver's `next` is StreamExt's, on async-channel's type.
                let recv_ty = call.receiver().and_then(|r| {
                    let ty = self.sema.type_of_expr(&r)?.original.strip_references();
                    let adt = ty.as_adt()?;
                    let k = adt
                        .module(self.db)
                        .krate(self.db)
                        .display_name(self.db)?
                        .to_string()
                        .replace('-', "_");
                    Some(format!("{k}::{}", adt.name(self.db).as_str()))
                });
                // A channel receiver's `next` (StreamExt's, from async-std or the futures crate) is on
                // async-channel 1.9's type, which async-std re-exports.
                if recv_ty.as_deref() == Some("async_channel::Receiver") {
                    return MethodFact::AsyncStd(format!(
                        "async_channel::Receiver::{}",
                        f.name(self.db).as_str()
                    ));
                }
                if krate == "async_std" {
                    return MethodFact::AsyncStd(item);
                }
                MethodFact::Other
            })
        })
    }

    fn resolved_method(&self, call: &ast::MethodCallExpr) -> Option<String> {
        profile::time(profile::Kind::ResolvedMethod, || {
            self.body_of(profile::Kind::ResolvedMethod, call.syntax());
            let call = self.same_node(call)?;
            ra_ap_hir::attach_db(self.db, || {
                let (_, container, item) = self.item_path(self.sema.resolve_method_call(&call)?);
                // A free function, or an impl on no named type: not known by a type.
                (!container.is_empty()).then_some(item)
            })
        })
    }

    fn call_is_async(&self, call: &ast::Expr) -> Option<bool> {
        profile::time(profile::Kind::CallIsAsync, || {
            self.body_of(profile::Kind::CallIsAsync, call.syntax());
            let call = self.same_node(call)?;
            ra_ap_hir::attach_db(self.db, || {
                let f = match &call {
                    ast::Expr::MethodCallExpr(mc) => self.sema.resolve_method_call(mc)?,
                    ast::Expr::CallExpr(c) => {
                        let ast::Expr::PathExpr(pe) = c.expr()? else {
                            return None;
                        };
                        match self.sema.resolve_path(&pe.path()?)? {
                            ra_ap_hir::PathResolution::Def(ra_ap_hir::ModuleDef::Function(f)) => f,
                            _ => return None,
                        }
                    }
                    _ => return None,
                };
                Some(f.is_async(self.db))
            })
        })
    }

    fn std_or_inherent_method(&self, call: &ast::MethodCallExpr) -> bool {
        profile::time(profile::Kind::StdOrInherentMethod, || {
            self.body_of(profile::Kind::StdOrInherentMethod, call.syntax());
            let Some(call) = self.same_node(call) else {
                return false;
            };
            ra_ap_hir::attach_db(self.db, || self.resolves_to_std_or_inherent(&call))
        })
    }

    fn std_or_inherent_method_in_macro(&self, name: ra_ap_syntax::TextRange) -> bool {
        profile::time(profile::Kind::StdOrInherentInMacro, || {
            let Some(token) = self.tree().syntax().covering_element(name).into_token() else {
                return false;
            };
            if token.text_range() != name {
                return false;
            }
            ra_ap_hir::attach_db(self.db, || {
                // Every expansion the token lands in (a macro may use an argument twice).
                let calls: Vec<ast::MethodCallExpr> = self
                    .sema
                    .descend_into_macros_exact(token)
                    .into_iter()
                    .filter_map(|t| {
                        let name_ref = t.parent().and_then(ast::NameRef::cast)?;
                        ast::MethodCallExpr::cast(name_ref.syntax().parent()?)
                    })
                    .collect();
                !calls.is_empty() && calls.iter().all(|c| self.resolves_to_std_or_inherent(c))
            })
        })
    }

    fn type_of(&self, expr: &ast::Expr) -> Option<String> {
        profile::time(profile::Kind::TypeOf, || {
            self.body_of(profile::Kind::TypeOf, expr.syntax());
            self.type_name(expr)
        })
    }

    fn is_semantic(&self) -> bool {
        true
    }

    fn cfg_active(&self, pred: &ast::CfgPredicate) -> Option<bool> {
        profile::time(profile::Kind::CfgActive, || {
            ra_ap_hir::attach_db(self.db, || {
                let expr = ra_ap_cfg::CfgExpr::parse_from_ast(pred.clone());
                // Where the crates of the file's source root all have the same cfg, the file is
                // a module of theirs when its gates hold (the `mod` items' cfgs on the one way
                // to it, and its own `#![cfg]`s), and of none where a `mod` item's does not:
                // the answer needs no name resolution (what finding the file's crate costs).
                // A false `#![cfg]` of its own, or a cfg it cannot judge, is asked as before.
                if let Some((outer, inner)) = &self.gates {
                    let crates = ra_ap_ide_db::base_db::relevant_crates(self.db, self.file_id);
                    if let Some((first, rest)) = crates.split_first() {
                        let cfg = first.cfg_options(self.db);
                        if rest.iter().all(|k| k.cfg_options(self.db) == cfg) {
                            let on = |gates: &crate::module_tree::Gates| -> Option<bool> {
                                gates.iter().try_fold(true, |all, g| {
                                    let e = ra_ap_cfg::CfgExpr::parse_from_ast(g.clone());
                                    Some(all && cfg.check(&e)?)
                                })
                            };
                            match (on(outer), on(inner)) {
                                (Some(false), _) => return None,
                                (Some(true), Some(true)) => return cfg.check(&expr),
                                _ => {}
                            }
                        }
                    }
                }
                let krate = self
                    .sema
                    .file_to_module_defs(self.file_id)
                    .next()?
                    .krate(self.db);
                krate.cfg(self.db).check(&expr)
            })
        })
    }
}
