//! Cargo.toml edits with toml_edit: comments, order and style are kept. async-std becomes
//! `smol = "2"` in every dependency table where it appears (`[dependencies]`,
//! `[dev-dependencies]`, `[build-dependencies]`, `[target.'cfg(..)'.*]`,
//! `[workspace.dependencies]`), renamed and optional dependencies and the features that name them
//! included. Only what the rewritten code needs is added. The versions written are data:
//! `transforms/versions.toml`.

use crate::tables::version;
use toml_edit::{DocumentMut, Item, Key, Table, Value};

/// Features of other crates that pull async-std in (crate, feature, what to switch to).
const DEPENDENCY_FEATURES: &str = include_str!("../transforms/dependency_features.toml");

/// The rows of transforms/dependency_features.toml.
pub fn dependency_features() -> Vec<(String, String, String)> {
    let doc: DocumentMut = DEPENDENCY_FEATURES
        .parse()
        .expect("transforms/dependency_features.toml parses");
    doc.get("feature")
        .and_then(|f| f.as_array_of_tables())
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t.get("crate")?.as_str()?.to_string(),
                        t.get("feature")?.as_str()?.to_string(),
                        t.get("switch")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The entries of the manifest's feature lists that enable a dependency's feature
/// (`x = ["surf/h1-client", "async-std?/tokio1"]`): (the list's feature, the dependency key, its
/// feature).
fn dependency_feature_entries(doc: &DocumentMut) -> Vec<(String, String, String)> {
    let Some(features) = doc.get("features").and_then(|f| f.as_table_like()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, v) in features.iter() {
        for e in v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str())
        {
            if let Some((dep, f)) = e.split_once('/') {
                out.push((
                    name.to_string(),
                    dep.trim_end_matches('?').to_string(),
                    f.to_string(),
                ));
            }
        }
    }
    out
}

/// Notes for the dependency features of `doc` that pull async-std in.
fn dependency_feature_notes(doc: &DocumentMut) -> Vec<String> {
    let rows = dependency_features();
    let mut notes = Vec::new();
    let mut crate_of: Vec<(String, String)> = Vec::new(); // dependency key -> crate
    visit_dependency_tables(doc, |_, key, item| {
        let krate = item.get("package").and_then(|p| p.as_str()).unwrap_or(key);
        crate_of.push((key.to_string(), krate.to_string()));
    });
    // `[features] x = ["surf/h1-client"]` enables it too.
    for (name, dep, f) in dependency_feature_entries(doc) {
        let Some((_, krate)) = crate_of.iter().find(|(k, _)| *k == dep) else {
            continue;
        };
        if let Some((_, _, switch)) = rows.iter().find(|(c, feat, _)| c == krate && *feat == f) {
            notes.push(format!(
                "feature `{name}` enables `{dep}/{f}`, which pulls async-std in: switch to {switch}"
            ));
        }
    }
    visit_dependency_tables(doc, |table, key, item| {
        let krate = item
            .get("package")
            .and_then(|p| p.as_str())
            .unwrap_or(key)
            .to_string();
        let Some(features) = item.get("features").and_then(|f| f.as_array()) else {
            return;
        };
        for f in features.iter().filter_map(|f| f.as_str()) {
            if let Some((_, _, switch)) = rows.iter().find(|(c, feat, _)| *c == krate && feat == f)
            {
                notes.push(format!(
                    "[{table}] {key} enables `{f}`, which pulls async-std in: switch to {switch}"
                ));
            }
        }
    });
    notes
}

const DEP_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// Calls `f(table_name, table)` for every dependency table: `[dependencies]`,
/// `[dev-dependencies]`, `[build-dependencies]`, their `[target.'cfg(..)'.*]` forms and
/// `[workspace.dependencies]`.
pub fn for_each_dependency_table_mut(doc: &mut DocumentMut, mut f: impl FnMut(&str, &mut Item)) {
    for name in DEP_TABLES {
        if let Some(t) = doc.get_mut(name) {
            f(name, t);
        }
    }
    if let Some(targets) = doc.get_mut("target").and_then(|t| t.as_table_like_mut()) {
        for (tname, target) in targets.iter_mut() {
            for name in DEP_TABLES {
                if let Some(t) = target.get_mut(name) {
                    f(&format!("target.{}.{name}", tname.get()), t);
                }
            }
        }
    }
    if let Some(t) = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
    {
        f("workspace.dependencies", t);
    }
}

/// Calls `f(table_name, key, item)` for each dependency entry of every dependency table.
pub fn visit_dependency_tables(doc: &DocumentMut, mut f: impl FnMut(&str, &str, &Item)) {
    // Read-only: walk a copy with the one table walker.
    let mut copy = doc.clone();
    for_each_dependency_table_mut(&mut copy, |name, t| {
        if let Some(t) = t.as_table_like() {
            for (k, v) in t.iter() {
                f(name, k, v);
            }
        }
    });
}

/// The cfg predicate every async-std entry of a manifest sits under, when each is in a
/// `[target.'cfg(..)'.*dependencies]` table (zellij-utils: `not(target_family = "wasm")`): code
/// the tool writes for the package whole (a generated module) is gated the same, since the crates
/// that replace async-std are in those tables too. `None` when one entry is not so gated.
pub fn async_std_target_cfg(text: &str) -> Option<String> {
    let doc = text.parse::<DocumentMut>().ok()?;
    let mut preds: Vec<String> = Vec::new();
    let mut ungated = false;
    visit_dependency_tables(&doc, |table, key, item| {
        if !is_async_std(key, item) || table == "workspace.dependencies" {
            return;
        }
        let pred = table
            .strip_prefix("target.cfg(")
            .and_then(|r| r.rsplit_once(")."))
            .map(|(p, _)| p.to_string());
        match pred {
            Some(p) if !preds.contains(&p) => preds.push(p),
            Some(_) => {}
            None => ungated = true,
        }
    });
    match preds.len() {
        _ if ungated => None,
        0 => None,
        1 => Some(preds.remove(0)),
        _ => Some(format!("any({})", preds.join(", "))),
    }
}

/// The `cfg` predicate under which a package's optional async-std is enabled (`feature = "rt"`,
/// `any(..)`): the features that enable the dependency directly (`"dep:async-std"`,
/// `"async-std/x"`, a bare `"async-std"`) and its implicit feature when it has one. A feature that
/// enables one of those enables it too, so they are enough. `None` when some [dependencies] entry
/// of async-std is not optional (or there is none). Code the tool writes for async-std's code
/// (a generated module) is gated by it, as that code was: the runtime it names is optional too.
pub fn async_std_feature_cfg(text: &str) -> Option<String> {
    let doc = text.parse::<DocumentMut>().ok()?;
    let mut keys: Vec<String> = Vec::new();
    let mut required = false;
    visit_dependency_tables(&doc, |table, key, item| {
        let normal = table == "dependencies"
            || (table.starts_with("target.") && table.ends_with(".dependencies"));
        if !normal || !is_async_std(key, item) {
            return;
        }
        if item.get("optional").and_then(|o| o.as_bool()) == Some(true) {
            if !keys.iter().any(|k| k == key) {
                keys.push(key.to_string());
            }
        } else {
            required = true;
        }
    });
    if required || keys.is_empty() {
        return None;
    }
    let features = doc.get("features").and_then(|f| f.as_table_like());
    let explicit: Vec<String> = features
        .map(|f| f.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    // An entry with an implicit feature: whatever enables the dependency enables that feature
    // (`"async-std/x"` too). Else the features naming `dep:k` or `k/x`.
    let (implicit, hidden): (Vec<&String>, Vec<&String>) = keys
        .iter()
        .partition(|k| !names_dep(&doc, k) && !explicit.iter().any(|e| e == *k));
    let mut names: Vec<String> = implicit.into_iter().cloned().collect();
    for (name, v) in features.into_iter().flat_map(|f| f.iter()) {
        let enables = v.as_array().is_some_and(|a| {
            a.iter().filter_map(|x| x.as_str()).any(|s| {
                hidden.iter().any(|k| {
                    names_dependency(s, k, &explicit)
                        || s.split_once('/').is_some_and(|(d, _)| d == *k)
                })
            })
        });
        if enables && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    let preds: Vec<String> = names.iter().map(|n| format!("feature = \"{n}\"")).collect();
    match preds.len() {
        0 => None,
        1 => preds.into_iter().next(),
        _ => Some(format!("any({})", preds.join(", "))),
    }
}

/// Whether a manifest has async-std among its [dev-dependencies] (any target's).
pub fn async_std_dev_dependency(text: &str) -> bool {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return false;
    };
    let mut dev = false;
    visit_dependency_tables(&doc, |table, key, item| {
        dev |= table.ends_with("dev-dependencies") && is_async_std(key, item);
    });
    dev
}

/// Whether a dependency entry is async-std (by key, or by `package = "async-std"`).
pub fn is_async_std(key: &str, item: &Item) -> bool {
    match item.get("package").and_then(|p| p.as_str()) {
        Some(p) => p == "async-std",
        None => key == "async-std" || key == "async_std",
    }
}

/// async-std's `tokio1` (`tokio03`, `tokio02`) feature, as a package enables it: async-global-
/// executor then enters a Tokio runtime's context in every `block_on` and on its worker threads,
/// so Tokio-based crates work inside async-std's tasks. smol enters none: the same code compiles
/// and panics when it first uses a Tokio type ("there is no reactor running").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokioContext {
    /// The feature's name.
    pub feature: String,
    /// The async-std entry that enables it is optional (a runtime feature of the package).
    pub optional: bool,
    /// How the package gets it, when not from its own async-std entry: "its feature `hyper`"
    /// (`hyper = ["async-std/tokio02"]`), "the workspace dependency `core`".
    pub through: Option<String>,
    /// Only [dev-dependencies] entries enable it: only tests, examples and doc examples ran in
    /// the context.
    pub dev_only: bool,
}

/// The [`TokioContext`] a manifest enables: in an async-std entry's `features` (any dependency
/// table; `workspace = true` entries also by the root's `[workspace.dependencies]`, `root`), or
/// in a feature list (`"async-std/tokio1"`).
pub fn tokio_context(doc: &DocumentMut, root: &DocumentMut) -> Option<TokioContext> {
    let features = &crate::tables::smol_api().tokio_context_features;
    let tokio_of = |item: &Item| -> Option<String> {
        item.get("features")?
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str())
            .find(|f| features.contains(*f))
            .map(str::to_string)
    };
    let mut ws_feature = None;
    if let Some(deps) = root
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table_like())
    {
        for (k, v) in deps.iter() {
            if is_async_std(k, v) {
                ws_feature = ws_feature.or_else(|| tokio_of(v));
            }
        }
    }
    let mut found: Option<TokioContext> = None;
    let mut keys = Vec::new();
    visit_dependency_tables(doc, |table, key, item| {
        if !is_async_std(key, item) || table == "workspace.dependencies" {
            return;
        }
        let optional = item.get("optional").and_then(|o| o.as_bool()) == Some(true);
        keys.push((key.to_string(), optional));
        let inherited = item.get("workspace").and_then(|w| w.as_bool()) == Some(true);
        let feature = tokio_of(item).or(if inherited { ws_feature.clone() } else { None });
        if let Some(feature) = feature {
            let dev = table.ends_with("dev-dependencies");
            let t = found.get_or_insert(TokioContext {
                feature,
                optional,
                through: None,
                dev_only: dev,
            });
            t.dev_only &= dev;
            t.optional |= optional;
        }
    });
    if found.is_some() {
        return found;
    }
    // `[features] rt = ["async-std/tokio1"]` (`async-std?/tokio1`).
    dependency_feature_entries(doc)
        .into_iter()
        .find_map(|(name, dep, feature)| {
            let (_, optional) = keys.iter().find(|(k, _)| *k == dep)?;
            features.contains(&feature).then(|| TokioContext {
                feature,
                optional: *optional,
                through: Some(format!("its feature `{name}`")),
                dev_only: false,
            })
        })
}

/// What the migrated code of a package needs from its manifest.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    /// The rewritten code names `smol`.
    pub smol: bool,
    /// Some async-std references were left in place (reported findings): async-std stays.
    pub keep_async_std: bool,
    /// Code converted to threads uses crossbeam-channel.
    pub crossbeam: bool,
    /// `--rename-features`: a feature named after async-std is renamed without keeping the old
    /// name as an alias.
    pub rename_features: bool,
    /// Only dev targets (examples, tests, benches) name smol: when smol has to be added without
    /// an async-std entry to replace (async-std's own examples), it goes to [dev-dependencies].
    pub smol_dev_only: bool,
    /// The code uses smol-macros' attributes (async-std's under a cfg_attr beside another
    /// runtime's): smol-macros and macro_rules_attribute are added, to [dependencies] when a
    /// `main!` is in src/ (`smol_macros_main`), else to [dev-dependencies].
    pub smol_macros: bool,
    pub smol_macros_main: bool,
    /// The library names smol's component crates, not smol (`rewrite/components.rs`): a set
    /// over [`component_crates`]. Its async-std entries outside [dev-dependencies] become these
    /// crates; smol, when the package's tests, examples or doc examples name it, is a
    /// dev-dependency.
    pub components: u32,
    /// Dependencies no file of the package names after the migration because of it (`futures`,
    /// whose joins became scoped threads: `threads/join.rs`): removed from [dependencies] and
    /// [dev-dependencies] where they are plain entries no feature names.
    pub unused: std::collections::BTreeSet<String>,
    /// The code wraps futures in `async_compat::Compat` (async-std's `tokio1` feature,
    /// `rewrite/tokio_context.rs`): `Some(true)` when only tests, examples, benches and doc
    /// examples do (async-compat goes to [dev-dependencies]), `Some(false)` when the package's
    /// own code does ([dependencies]).
    pub async_compat: Option<bool>,
    /// async-std's Tokio context keeps the package's files on async-std (`engine::package`'s
    /// `holds`): nothing is wrapped, the files are reported.
    pub tokio_context_held: bool,
}

/// The crates smol is made of that a library may depend on instead (`transforms/smol_api.toml`
/// `[[component]]`), sorted: the bits of [`Needs::components`].
pub fn component_crates() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = crate::tables::smol_api()
        .components
        .iter()
        .map(|c| c.krate.as_str())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The set of [`component_crates`] named (as Cargo.toml names them).
pub fn component_bits<'a>(names: impl IntoIterator<Item = &'a String>) -> u32 {
    let all = component_crates();
    names
        .into_iter()
        .filter_map(|n| all.iter().position(|c| c == n))
        .fold(0, |acc, i| acc | (1 << i))
}

/// Whether a library's async-std can become component crates: there is an async-std entry
/// outside [dev-dependencies] for them to replace, and every such entry is a plain one (an
/// optional one is a runtime feature, whose feature lists name it: it becomes smol).
fn k_is_smol(key: &str, item: &Item) -> bool {
    key == "smol" || item.get("package").and_then(|p| p.as_str()) == Some("smol")
}

pub fn components_allowed(text: &str) -> bool {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return false;
    };
    let mut ok = true;
    let mut replaced = false;
    visit_dependency_tables(&doc, |table, key, item| {
        if is_async_std(key, item)
            && !table.ends_with("dev-dependencies")
            && table != "workspace.dependencies"
        {
            replaced = true;
        }
        // smol already a dependency (a runtime feature of its own): the migrated code joins it.
        ok &= !(k_is_smol(key, item)
            && !table.ends_with("dev-dependencies")
            && table != "workspace.dependencies");
    });
    // Without one (async-std only for tests), the library's smol is its test code's.
    ok && replaced
}

/// The outcome of a manifest migration.
#[derive(Debug, Default)]
pub struct ManifestChange {
    pub text: String,
    /// Human-readable notes on what was done ("async-std -> smol in [dependencies]").
    pub notes: Vec<String>,
    /// Features renamed (old, new): `cfg(feature = "old")` in the package's code follows.
    pub feature_renames: Vec<(String, String)>,
}

/// Migrates one manifest. Returns `None` when there is nothing to change.
pub fn migrate(text: &str, needs: Needs) -> Result<Option<ManifestChange>, toml_edit::TomlError> {
    let mut doc: DocumentMut = text.parse()?;
    let mut notes = Vec::new();
    // The package's own optional dependencies' implicit features (its `smol` connector's
    // `feature = "smol"`): no renamed feature may take one of their names.
    let implicit = implicit_features(&doc);
    let mut replaced = Vec::new(); // keys of async-std entries that were replaced or removed
    let mut kept_optional = Vec::new(); // optional async-std entries kept, with an optional smol beside
    let mut optional = false;
    // `dep:` entries of the optional component crates that replace an optional async-std.
    let mut optional_components: Vec<String> = Vec::new();
    let mut optional_to_components = false;
    // Component crates some feature names `dep:k` (they have no implicit feature).
    let dep_named: Vec<&str> = component_crates()
        .into_iter()
        .filter(|k| names_dep(&doc, k))
        .collect();

    // A package that has smol already (smol 1 as a dev-dependency, sea-orm-cli) gets that same
    // version where smol is added: two majors of one crate name do not build together.
    let mut existing_smol: Option<String> = None;
    visit_dependency_tables(&doc, |_, k, v| {
        if k == "smol" && existing_smol.is_none() {
            existing_smol = v
                .as_str()
                .or_else(|| v.get("version").and_then(|x| x.as_str()))
                .map(str::to_string);
        }
    });
    let smol_item = |old: &Item| -> Item {
        let mut item = smol_item(old);
        if let Some(v) = &existing_smol {
            if item.is_str() {
                let decor = item.as_value().map(|x| x.decor().clone());
                let mut val = Value::from(v.as_str());
                if let Some(d) = decor {
                    *val.decor_mut() = d;
                }
                item = Item::Value(val);
            } else if let Some(t) = item.as_inline_table_mut() {
                if t.contains_key("version") {
                    t.insert("version", v.as_str().into());
                }
            }
        }
        item
    };
    let mut smol_to_dev: Option<Item> = None;
    let mut edit = |table_name: &str, t: &mut Item| {
        let Some(t) = t.as_table_mut() else { return };
        let keys: Vec<String> = t
            .iter()
            .filter(|(k, v)| is_async_std(k, v))
            .map(|(k, _)| k.to_string())
            .collect();
        for key in keys {
            let Some(old) = t.get(&key).cloned() else {
                continue;
            };
            if needs.keep_async_std {
                let old_optional = old
                    .get("optional")
                    .and_then(|o| o.as_bool())
                    .unwrap_or(false);
                // smol is already an optional dependency (a runtime feature of its own): the
                // features that enable async-std now enable it too, for the migrated code.
                if needs.smol && old_optional && t.get("smol").is_some() {
                    kept_optional.push(key.clone());
                    notes.push(format!(
                        "the features that enable {key} now enable smol too (smol was already an optional dependency)"
                    ));
                    continue;
                }
                if needs.smol && t.get("smol").is_none() {
                    if old
                        .get("optional")
                        .and_then(|o| o.as_bool())
                        .unwrap_or(false)
                    {
                        kept_optional.push(key.clone());
                    }
                    t.insert("smol", smol_item(&old));
                    notes.push(format!(
                        "added smol beside async-std in [{table_name}] (async-std stays for the findings left in place)"
                    ));
                }
                continue;
            }
            let is_optional = old
                .get("optional")
                .and_then(|o| o.as_bool())
                .unwrap_or(false);
            optional |= is_optional;
            let new = (needs.smol || is_optional) && t.get("smol").is_none();
            // A library that names only smol's component crates gets those (rewrite/components.rs).
            // ([workspace.dependencies] serve the members: smol there, as they need it.)
            // An optional async-std (a runtime feature) becomes optional component crates, which
            // the features that enabled it enable.
            if needs.components != 0
                && !table_name.ends_with("dev-dependencies")
                && table_name != "workspace.dependencies"
            {
                let names: Vec<&str> = component_crates()
                    .into_iter()
                    .enumerate()
                    .filter(|(i, n)| needs.components & (1 << i) != 0 && t.get(n).is_none())
                    .map(|(_, n)| n)
                    .collect();
                // The first takes the old line's place and spacing (`async-std="1"`).
                let items = names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let mut item = if is_optional {
                            let mut t = toml_edit::InlineTable::new();
                            t.insert("version", version(n).into());
                            t.insert("optional", true.into());
                            toml_edit::value(t)
                        } else {
                            toml_edit::value(version(n))
                        };
                        if let (0, Some(new), Some(old)) = (i, item.as_value_mut(), old.as_value())
                        {
                            if old.is_str() || old.is_inline_table() {
                                *new.decor_mut() = old.decor().clone();
                            }
                        }
                        (*n, item)
                    })
                    .collect();
                if is_optional {
                    optional_to_components = true;
                    // Each component the code needs: added here, or an optional dependency of
                    // the table already (async-net beside async-std); a plain one is always on.
                    optional_components.extend(
                        component_crates()
                            .into_iter()
                            .enumerate()
                            .filter(|(i, n)| {
                                needs.components & (1 << i) != 0
                                    && (names.contains(n)
                                        || t.get(n).is_some_and(|d| {
                                            d.get("optional").and_then(|o| o.as_bool())
                                                == Some(true)
                                        }))
                            })
                            .map(|(_, n)| {
                                // An optional dependency the features already enable by its
                                // implicit feature keeps it: one `dep:` would remove it, and
                                // those features would no longer parse (async_executors'
                                // `async_global = ["async-global-executor"]`).
                                let implicit = t.get(n).is_some() && !dep_named.contains(&n);
                                if implicit {
                                    n.to_string()
                                } else {
                                    format!("dep:{n}")
                                }
                            }),
                    );
                }
                replace_entry(t, &key, items);
                notes.push(format!(
                    "{key} -> {} in [{table_name}] (the library names only these of smol's crates)",
                    names.join(", ")
                ));
                replaced.push(key);
                continue;
            }
            // Only the package's examples, tests or benches name smol (a library whose example
            // used async-std): smol is theirs, in [dev-dependencies], not every dependent's.
            let plain = old.get("optional").and_then(|o| o.as_bool()) != Some(true);
            if new && needs.smol_dev_only && table_name == "dependencies" && plain {
                replace_entry(t, &key, Vec::new());
                smol_to_dev = Some(smol_item(&old));
                notes.push(format!(
                    "{key} -> smol in [dev-dependencies] (only the package's examples, tests or benches name it)"
                ));
                replaced.push(key);
                continue;
            }
            replace_entry(
                t,
                &key,
                new.then(|| ("smol", smol_item(&old))).into_iter().collect(),
            );
            notes.push(if new {
                format!("{key} -> smol in [{table_name}]")
            } else {
                format!("removed {key} from [{table_name}] (the migrated code does not need it)")
            });
            replaced.push(key);
        }
    };

    for_each_dependency_table_mut(&mut doc, &mut edit);
    if let Some(item) = smol_to_dev {
        if let Some(dev) = doc
            .entry("dev-dependencies")
            .or_insert_with(toml_edit::table)
            .as_table_mut()
        {
            if !dev.contains_key("smol") {
                // A dev-dependency async-std the same edit made smol already has it.
                dev.insert("smol", item);
            }
        }
    }

    if !kept_optional.is_empty() {
        enable_smol_beside(&mut doc, &kept_optional);
    }
    // Code that names smol in a package that had no async-std entry to replace (the examples
    // and tests of async-std itself, or a crate that had it through a facade's re-export).
    let mut has_smol = false;
    visit_dependency_tables(&doc, |_, k, v| {
        has_smol |= k == "smol" || v.get("package").and_then(|p| p.as_str()) == Some("smol");
    });
    if needs.smol && replaced.is_empty() && kept_optional.is_empty() && !has_smol {
        let table = if needs.smol_dev_only {
            "dev-dependencies"
        } else {
            "dependencies"
        };
        if let Some(deps) = doc
            .entry(table)
            .or_insert_with(toml_edit::table)
            .as_table_mut()
        {
            deps.insert("smol", toml_edit::value(version("smol")));
            notes.push(format!(
                "added smol to [{table}] (the migrated code names it)"
            ));
        }
    }
    // A library with component crates whose tests, examples or doc examples name smol.
    // (smol in [workspace.dependencies] serves the members, not this package.)
    let mut own_smol = false;
    visit_dependency_tables(&doc, |table, k, v| {
        own_smol |= table != "workspace.dependencies"
            && (k == "smol" || v.get("package").and_then(|p| p.as_str()) == Some("smol"));
    });
    if needs.components != 0 && needs.smol && !own_smol && kept_optional.is_empty() {
        if let Some(deps) = doc
            .entry("dev-dependencies")
            .or_insert_with(toml_edit::table)
            .as_table_mut()
        {
            deps.insert("smol", toml_edit::value(version("smol")));
            notes.push(
                "added smol to [dev-dependencies] (the package's tests, examples or doc examples name it)"
                    .into(),
            );
        }
    }
    // Optional dependencies the features that enable the (optional) runtime enable too.
    let mut beside_runtime: Vec<&str> = Vec::new();
    if needs.smol_macros {
        let table = if needs.smol_macros_main {
            "dependencies"
        } else {
            "dev-dependencies"
        };
        // The attributes apply only under their cfg_attr's condition, which enables the runtime.
        let optional = table == "dependencies" && !optional_runtime(&doc).is_empty();
        if let Some(deps) = doc
            .entry(table)
            .or_insert_with(toml_edit::table)
            .as_table_mut()
        {
            for k in ["smol-macros", "macro_rules_attribute"] {
                if !deps.contains_key(k) {
                    deps.insert(k, dependency_item(k, optional));
                    if optional {
                        beside_runtime.push(k);
                    }
                }
            }
            notes.push(format!(
                "added {}smol-macros and macro_rules_attribute to [{table}] (async-std's attributes under cfg_attr beside another runtime's)",
                if optional { "an optional " } else { "" }
            ));
        }
    }
    // The runtime the migrated code names is optional (async-std was, with `tokio1` in its own
    // entry): async-compat is too, and the features that enable the runtime enable it.
    if let Some(dev_only) = needs.async_compat {
        let table = if dev_only {
            "dev-dependencies"
        } else {
            "dependencies"
        };
        let runtime_optional = !dev_only && !optional_runtime(&doc).is_empty();
        if let Some(deps) = doc
            .entry(table)
            .or_insert_with(toml_edit::table)
            .as_table_mut()
        {
            if !deps.contains_key("async-compat") {
                deps.insert(
                    "async-compat",
                    dependency_item("async-compat", runtime_optional),
                );
                if runtime_optional {
                    beside_runtime.push("async-compat");
                }
                notes.push(format!(
                    "added {}async-compat to [{table}] (async-std's tokio1 feature ran every task in a Tokio context; smol's block_on and spawn get it from async_compat::Compat)",
                    if runtime_optional { "an optional " } else { "" }
                ));
            }
        }
    }
    for k in &needs.unused {
        let named_by_feature = doc
            .get("features")
            .and_then(|f| f.as_table_like())
            .is_some_and(|f| {
                f.iter().any(|(_, v)| {
                    v.as_array().is_some_and(|a| {
                        a.iter().filter_map(|x| x.as_str()).any(|x| {
                            x == k
                                || x.strip_prefix("dep:") == Some(k.as_str())
                                || x.split(['/', '?']).next() == Some(k.as_str())
                        })
                    })
                })
            });
        if named_by_feature {
            continue;
        }
        for table in ["dependencies", "dev-dependencies"] {
            let Some(deps) = doc.get_mut(table).and_then(|t| t.as_table_like_mut()) else {
                continue;
            };
            let optional = deps
                .get(k)
                .and_then(|v| v.get("optional"))
                .and_then(|o| o.as_bool())
                .unwrap_or(false);
            if deps.contains_key(k) && !optional {
                deps.remove(k);
                notes.push(format!(
                    "removed {k} from [{table}] (the migrated code no longer names it)"
                ));
            }
        }
    }
    if needs.crossbeam {
        let deps = doc
            .entry("dependencies")
            .or_insert_with(toml_edit::table)
            .as_table_mut();
        if let Some(deps) = deps {
            if !deps.contains_key("crossbeam-channel") {
                deps.insert(
                    "crossbeam-channel",
                    toml_edit::value(version("crossbeam-channel")),
                );
                notes.push("added crossbeam-channel to [dependencies] (channels whose receivers are shared)".into());
            }
        }
    }
    replaced.sort();
    replaced.dedup();
    optional_components.sort();
    optional_components.dedup();
    let enables = if !optional_to_components {
        vec!["dep:smol".to_string()]
    } else {
        optional_components
    };
    migrate_features(&mut doc, &replaced, optional, &enables, &mut notes);
    notes.extend(dependency_feature_notes(&doc));
    let feature_renames = if replaced.is_empty() {
        Vec::new()
    } else {
        rename_features(
            &mut doc,
            needs.rename_features,
            &enables,
            &implicit,
            &mut notes,
        )
    };
    for k in &beside_runtime {
        enable_beside_runtime(&mut doc, k);
    }
    restore_implicit_features(&mut doc, &implicit);
    drop_required_features_of_removed(&mut doc, &replaced);
    if !beside_runtime.is_empty() {
        notes.push(format!(
            "the features that enable smol enable {} too",
            beside_runtime.join(", ")
        ));
    }
    let mut new = doc.to_string();
    // A CRLF manifest stays CRLF (toml_edit writes the lines it makes with LF).
    if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        new = new.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    if new == text {
        return Ok(None);
    }
    Ok(Some(ManifestChange {
        text: new,
        notes,
        feature_renames,
    }))
}

/// Replaces (or removes) one entry in place, keeping the order of the table and the key's decor.
fn replace_entry(t: &mut Table, old_key: &str, new: Vec<(&str, Item)>) {
    let entries: Vec<(Key, Item)> = t
        .iter()
        .filter_map(|(k, _)| {
            t.get_key_value(k)
                .map(|(key, item)| (key.clone(), item.clone()))
        })
        .collect();
    t.clear();
    for (key, item) in entries {
        if key.get() != old_key {
            t.insert_formatted(&key, item);
            continue;
        }
        for (i, (name, new)) in new.iter().enumerate() {
            let mut nk = Key::new(*name);
            // The first takes the old line's comments; a `[dependencies.async-std]` header's key
            // decor does not fit a `key = value` line.
            if i == 0 && item.is_table() == new.is_table() {
                *nk.leaf_decor_mut() = key.leaf_decor().clone();
            }
            t.insert_formatted(&nk, new.clone());
        }
    }
}

/// A new entry: `"v"`, or `{ version = "v", optional = true }`.
fn dependency_item(k: &str, optional: bool) -> Item {
    if !optional {
        return toml_edit::value(version(k));
    }
    let mut t = toml_edit::InlineTable::new();
    t.insert("version", version(k).into());
    t.insert("optional", true.into());
    toml_edit::value(t)
}

/// The optional entries of [dependencies] that are smol or its component crates.
fn optional_runtime(doc: &DocumentMut) -> Vec<String> {
    let runtime = component_crates();
    doc.get("dependencies")
        .and_then(|d| d.as_table_like())
        .map(|deps| {
            deps.iter()
                .filter(|(k, v)| {
                    (*k == "smol" || runtime.contains(k))
                        && v.get("optional").and_then(|o| o.as_bool()) == Some(true)
                })
                .map(|(k, _)| k.to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every feature that enables one of the optional runtime entries ([`optional_runtime`]:
/// `"dep:smol"`, the implicit `"smol"`, `"smol/x"`) enables optional dependency `dep` too.
fn enable_beside_runtime(doc: &mut DocumentMut, dep: &str) {
    let runtime = optional_runtime(doc);
    let Some(features) = doc.get_mut("features").and_then(|f| f.as_table_like_mut()) else {
        return;
    };
    let explicit: Vec<String> = features.iter().map(|(k, _)| k.to_string()).collect();
    let entry = format!("dep:{dep}");
    for (_, v) in features.iter_mut() {
        let Some(arr) = v.as_array_mut() else {
            continue;
        };
        let enables = arr.iter().filter_map(|x| x.as_str()).any(|s| {
            runtime.iter().any(|k| {
                names_dependency(s, k, &explicit) || s.split_once('/').is_some_and(|(d, _)| d == k)
            })
        });
        if enables && !arr.iter().any(|x| x.as_str() == Some(entry.as_str())) {
            arr.push(entry.as_str());
        }
    }
}

/// Whether a feature-list entry enables dependency `k`: `"dep:k"`, or a bare `"k"` when no
/// explicit feature of that name exists (then it is the optional dependency's implicit feature).
fn names_dependency(s: &str, k: &str, explicit: &[String]) -> bool {
    (s == k && !explicit.iter().any(|e| e == k)) || s == format!("dep:{k}")
}

/// Some feature names optional dependency `k` as `dep:k` (then `k` has no implicit feature).
fn names_dep(doc: &DocumentMut, k: &str) -> bool {
    doc.get("features")
        .and_then(|f| f.as_table_like())
        .is_some_and(|f| {
            f.iter().any(|(_, v)| {
                v.as_array().is_some_and(|a| {
                    a.iter()
                        .any(|x| x.as_str() == Some(format!("dep:{k}").as_str()))
                })
            })
        })
}

/// The implicit features of a manifest's optional dependencies other than async-std (an
/// optional `smol` no feature names as `dep:smol`): features of the package whose meaning is
/// the dependency's alone.
fn implicit_features(doc: &DocumentMut) -> Vec<String> {
    let explicit: Vec<String> = doc
        .get("features")
        .and_then(|f| f.as_table_like())
        .map(|f| f.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    visit_dependency_tables(doc, |table, key, item| {
        let normal = table == "dependencies"
            || table == "build-dependencies"
            || (table.starts_with("target.") && !table.ends_with("dev-dependencies"));
        if normal
            && !is_async_std(key, item)
            && item.get("optional").and_then(|o| o.as_bool()) == Some(true)
            && !names_dep(doc, key)
            && !explicit.iter().any(|e| e == key)
            && !out.iter().any(|o| o == key)
        {
            out.push(key.to_string());
        }
    });
    out
}

/// An implicit feature the package had (`implicit_features`) that a `dep:k` written since
/// removed becomes an explicit feature of the same meaning (`smol = ["dep:smol"]`): `--features
/// smol`, `required-features` and the code's `cfg(feature = "smol")` keep working.
fn restore_implicit_features(doc: &mut DocumentMut, implicit: &[String]) {
    let lost: Vec<&String> = implicit.iter().filter(|k| names_dep(doc, k)).collect();
    let Some(features) = doc.get_mut("features").and_then(|f| f.as_table_like_mut()) else {
        return;
    };
    for k in lost {
        if features.get(k).is_none() {
            features.insert(
                k,
                Item::Value(Value::Array(toml_edit::Array::from_iter([format!(
                    "dep:{k}"
                )]))),
            );
        }
    }
}

/// `required-features` entries of a dependency that is gone (`"async-std/attributes"`): cargo
/// warns of each ("dependency `async-std` does not exist"), and the target needs nothing of it
/// now.
fn drop_required_features_of_removed(doc: &mut DocumentMut, removed: &[String]) {
    let mut present: Vec<String> = Vec::new();
    visit_dependency_tables(doc, |_, k, _| present.push(k.to_string()));
    let gone: Vec<&String> = removed.iter().filter(|k| !present.contains(k)).collect();
    if gone.is_empty() {
        return;
    }
    for kind in ["bin", "example", "test", "bench"] {
        let Some(targets) = doc.get_mut(kind).and_then(|t| t.as_array_of_tables_mut()) else {
            continue;
        };
        for t in targets.iter_mut() {
            let Some(arr) = t
                .get_mut("required-features")
                .and_then(|r| r.as_array_mut())
            else {
                continue;
            };
            arr.retain(|v| {
                !v.as_str().is_some_and(|e| {
                    e.split_once('/').is_some_and(|(d, _)| {
                        gone.iter().any(|k| d == k.as_str() || d == format!("{k}?"))
                    })
                })
            });
        }
    }
}

/// Features that enable a kept optional async-std enable the optional smol added beside it.
fn enable_smol_beside(doc: &mut DocumentMut, keys: &[String]) {
    // smol's implicit feature exists unless something names it `dep:smol` (or a feature is
    // called smol).
    let smol_implicit = !names_dep(doc, "smol");
    // A kept optional async-std enabled only through its implicit feature (`--features
    // async-std`, twitchchat): that feature becomes explicit, enabling smol too.
    let implicit_async_std: Vec<String> = keys
        .iter()
        .filter(|k| !names_dep(doc, k))
        .filter(|k| {
            doc.get("features")
                .and_then(|f| f.as_table_like())
                .is_none_or(|f| {
                    f.get(k).is_none()
                        && !f.iter().any(|(_, v)| {
                            v.as_array()
                                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(k.as_str())))
                        })
                })
        })
        .cloned()
        .collect();
    if !implicit_async_std.is_empty() && doc.get("features").is_none() {
        doc.insert("features", Item::Table(Table::new()));
    }
    let Some(features) = doc.get_mut("features").and_then(|f| f.as_table_like_mut()) else {
        return;
    };
    let explicit: Vec<String> = features.iter().map(|(k, _)| k.to_string()).collect();
    // The dependency, not a feature named smol: a crate whose own code is gated on
    // `feature = "smol"` (twitchchat's smol connector) must not get that code whenever async-std's
    // feature is on. Its implicit feature, which `dep:smol` removes, becomes an explicit one of
    // the same meaning (`smol = ["dep:smol"]`), so `--features smol` and `required-features`
    // keep working.
    let name = "dep:smol";
    let mut explicit = explicit;
    if smol_implicit && !explicit.iter().any(|k| k == "smol") {
        features.insert(
            "smol",
            Item::Value(Value::Array(toml_edit::Array::from_iter(["dep:smol"]))),
        );
        explicit.push("smol".into());
    }
    for k in implicit_async_std {
        features.insert(
            &k,
            Item::Value(Value::Array(toml_edit::Array::from_iter([
                format!("dep:{k}"),
                name.to_string(),
            ]))),
        );
    }
    for (_, v) in features.iter_mut() {
        let Some(arr) = v.as_array_mut() else {
            continue;
        };
        let enables = arr.iter().any(|x| {
            x.as_str()
                .is_some_and(|s| keys.iter().any(|k| names_dependency(s, k, &explicit)))
        });
        if enables && !arr.iter().any(|x| x.as_str() == Some(name)) {
            arr.push(name);
        }
    }
}

/// `smol = "2"` in the same style as the entry it replaces (inline table, dotted table,
/// `workspace = true`, `optional = true`).
fn smol_item(old: &Item) -> Item {
    let workspace = old
        .get("workspace")
        .and_then(|w| w.as_bool())
        .unwrap_or(false);
    let optional = old
        .get("optional")
        .and_then(|o| o.as_bool())
        .unwrap_or(false);
    let decor_prefix = old.as_value().map(|v| v.decor().clone());
    if !workspace && !optional {
        let mut v = Value::from(version("smol"));
        if let Some(d) = decor_prefix {
            *v.decor_mut() = d;
        }
        return Item::Value(v);
    }
    let mut it = toml_edit::InlineTable::new();
    if workspace {
        it.insert("workspace", true.into());
    } else {
        it.insert("version", version("smol").into());
    }
    if optional {
        it.insert("optional", true.into());
    }
    match old {
        Item::Table(old_t) => {
            let mut t = Table::new();
            t.set_dotted(old_t.is_dotted());
            for (k, v) in it.iter() {
                t.insert(k, Item::Value(v.clone()));
            }
            Item::Table(t)
        }
        _ => {
            let mut v = Value::InlineTable(it);
            if let Some(d) = decor_prefix {
                *v.decor_mut() = d;
            }
            Item::Value(v)
        }
    }
}

/// Rewrites `[features]` entries that name the old dependency: `"async-std"` and
/// `"dep:async-std"` become `"dep:smol"`, `"async-std/attributes"` (a feature of async-std) goes.
/// A feature that an optional dependency created implicitly keeps its name as an explicit feature
/// (`async-std = ["dep:smol"]`), so `cfg(feature = "async-std")` gates and users'
/// `features = ["async-std"]` keep working.
/// `enables`: what enables the code async-std's features enabled (`dep:smol`, or the optional
/// component crates).
fn migrate_features(
    doc: &mut DocumentMut,
    keys: &[String],
    optional: bool,
    enables: &[String],
    notes: &mut Vec<String>,
) {
    // Implicit features exist only for optional dependencies never named with `dep:`.
    let implicit: Vec<String> = if optional {
        keys.iter()
            .filter(|k| !names_dep(doc, k))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    if doc.get("features").is_none() && !implicit.is_empty() {
        doc.insert("features", Item::Table(Table::new()));
    }
    let Some(features) = doc.get_mut("features").and_then(|f| f.as_table_like_mut()) else {
        return;
    };
    // The optional dependency's implicit feature becomes an explicit one first, so that bare
    // references to it (`default = ["async-std"]`) stay references to the feature.
    for k in implicit {
        if features.get(&k).is_none() {
            features.insert(
                &k,
                Item::Value(Value::Array(toml_edit::Array::from_iter(
                    enables.iter().map(String::as_str),
                ))),
            );
            notes.push(format!(
                "feature `{k}` kept: it now enables {}",
                what_enables(enables)
            ));
        }
    }
    let explicit: Vec<String> = features.iter().map(|(k, _)| k.to_string()).collect();
    for (_, v) in features.iter_mut() {
        let Some(arr) = v.as_array_mut() else {
            continue;
        };
        let mut out = toml_edit::Array::new();
        let mut changed = false;
        for x in arr.iter() {
            match x.as_str().map(|s| feature_entry(s, keys, &explicit)) {
                None | Some(FeatureEntry::Keep) => out.push_formatted(x.clone()),
                Some(FeatureEntry::Drop) => changed = true,
                Some(FeatureEntry::Replace) => {
                    changed = true;
                    for (i, n) in enables.iter().enumerate() {
                        let mut nv = Value::from(n.as_str());
                        if i == 0 {
                            *nv.decor_mut() = x.decor().clone();
                        }
                        if !out.iter().any(|y| y.as_str() == nv.as_str()) {
                            out.push_formatted(nv);
                        }
                    }
                }
            }
        }
        if changed {
            out.set_trailing(arr.trailing().clone());
            out.set_trailing_comma(arr.trailing_comma());
            *arr = out;
        }
    }
}

/// The name a feature named after async-std takes (`runtime-async-std` -> `runtime-smol`).
/// A name that carries async-std's major version (`async-std1`, `async_std_1`, beside a
/// `tokio1`) carries smol's: `smol2`, `smol_2`.
pub fn smol_feature_name(old: &str) -> Option<String> {
    let mut new = String::new();
    let mut rest = old;
    while let Some(i) = rest.find("async-std").or_else(|| rest.find("async_std")) {
        new.push_str(&rest[..i]);
        new.push_str("smol");
        rest = &rest[i + "async-std".len()..];
        let sep = rest
            .strip_prefix(['-', '_'])
            .map_or("", |r| &rest[..rest.len() - r.len()]);
        let after = &rest[sep.len()..];
        if after.starts_with('1')
            && !after[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
        {
            new.push_str(sep);
            new.push('2');
            rest = &after[1..];
        }
    }
    new.push_str(rest);
    (new != old).then_some(new)
}

/// Features named after async-std that enable smol now (`dep:smol`, `smol?/..`, or a feature
/// renamed here) get the smol name: the new feature does the work, the old name stays as its
/// alias (documented as deprecated in a comment) unless `rename`. Lists that name the old
/// feature (`default`, other features, `required-features` of targets) name the new one.
/// A new name that is taken already leaves the feature as it is (noted).
fn rename_features(
    doc: &mut DocumentMut,
    rename: bool,
    enabled_by: &[String],
    implicit: &[String],
    notes: &mut Vec<String>,
) -> Vec<(String, String)> {
    let mut renames: Vec<(String, String)> = Vec::new();
    let Some(features) = doc.get("features").and_then(|f| f.as_table_like()) else {
        return renames;
    };
    // A new name must not be a feature, nor the key of a dependency the feature does not enable
    // as `dep:key` (an optional dependency is a feature by that name: agnostik's
    // `smol_crate = { package = "smol", optional = true }`).
    let taken: Vec<String> = features.iter().map(|(k, _)| k.to_string()).collect();
    let mut deps: Vec<String> = Vec::new();
    let dep_keys = |t: Option<&Item>| -> Vec<String> {
        t.and_then(|t| t.as_table_like())
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default()
    };
    let dependency_tables = ["dependencies", "build-dependencies"];
    for table in dependency_tables {
        deps.extend(dep_keys(doc.get(table)));
    }
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
        for (_, target) in targets.iter() {
            for table in dependency_tables {
                deps.extend(dep_keys(target.get(table)));
            }
        }
    }
    let list = |k: &str| -> Vec<String> {
        features
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    loop {
        let before = renames.len();
        for k in &taken {
            if renames.iter().any(|(o, _)| o == k) {
                continue;
            }
            let Some(new) = smol_feature_name(k) else {
                continue;
            };
            let enables = list(k).iter().any(|e| {
                e == "dep:smol"
                    || enabled_by.contains(e)
                    || e.starts_with("smol/")
                    || e.starts_with("smol?/")
                    || renames.iter().any(|(o, n)| e == o || e == n)
            });
            if !enables {
                continue;
            }
            let other_dep = deps.contains(&new) && !list(k).contains(&format!("dep:{new}"));
            if taken.contains(&new)
                || implicit.contains(&new)
                || other_dep
                || renames.iter().any(|(_, n)| n == &new)
            {
                notes.push(format!(
                    "feature `{k}` keeps its name: a feature or dependency `{new}` exists already"
                ));
                renames.push((k.clone(), k.clone()));
                continue;
            }
            renames.push((k.clone(), new));
        }
        if renames.len() == before {
            break;
        }
    }
    renames.retain(|(o, n)| o != n);
    if renames.is_empty() {
        return renames;
    }
    let new_of = |e: &str| -> Option<String> {
        renames.iter().find(|(o, _)| o == e).map(|(_, n)| n.clone())
    };
    // Rebuild [features] in order: each renamed feature's entries under the new name, then the
    // old name as an alias of it (or nothing, with `rename`).
    let Some(features) = doc.get_mut("features").and_then(|f| f.as_table_mut()) else {
        return renames;
    };
    let entries: Vec<(Key, Item)> = features
        .iter()
        .filter_map(|(k, _)| {
            features
                .get_key_value(k)
                .map(|(key, item)| (key.clone(), item.clone()))
        })
        .collect();
    features.clear();
    for (key, mut item) in entries {
        if let Some(arr) = item.as_array_mut() {
            for v in arr.iter_mut() {
                if let Some(n) = v.as_str().and_then(|e| new_of(e)) {
                    let decor = v.decor().clone();
                    *v = Value::from(n);
                    *v.decor_mut() = decor;
                }
            }
        }
        match new_of(key.get()) {
            None => {
                features.insert_formatted(&key, item);
            }
            Some(new) => {
                let mut nk = Key::new(new.as_str());
                *nk.leaf_decor_mut() = key.leaf_decor().clone();
                features.insert_formatted(&nk, item);
                if rename {
                    notes.push(format!("feature `{}` renamed `{new}`", key.get()));
                } else {
                    let mut ok = Key::new(key.get());
                    ok.leaf_decor_mut().set_prefix(format!(
                        "# Deprecated: an alias of `{new}` (async-std was replaced by smol).\n"
                    ));
                    let alias = Value::Array(toml_edit::Array::from_iter([new.as_str()]));
                    features.insert_formatted(&ok, Item::Value(alias));
                    notes.push(format!(
                        "feature `{new}` added (smol); `{}` kept as its deprecated alias",
                        key.get()
                    ));
                }
            }
        }
    }
    // Targets that require a renamed feature.
    for kind in ["bin", "example", "test", "bench"] {
        let Some(targets) = doc.get_mut(kind).and_then(|t| t.as_array_of_tables_mut()) else {
            continue;
        };
        for t in targets.iter_mut() {
            let Some(arr) = t
                .get_mut("required-features")
                .and_then(|r| r.as_array_mut())
            else {
                continue;
            };
            for v in arr.iter_mut() {
                if let Some(n) = v.as_str().and_then(|e| new_of(e)) {
                    let decor = v.decor().clone();
                    *v = Value::from(n);
                    *v.decor_mut() = decor;
                }
            }
        }
    }
    renames
}

enum FeatureEntry {
    Keep,
    Drop,
    /// By what enables the migrated code (`dep:smol`, or the component crates).
    Replace,
}

/// "smol", or "async-io, futures-lite" for the `dep:` entries of component crates.
fn what_enables(enables: &[String]) -> String {
    enables
        .iter()
        .map(|e| e.trim_start_matches("dep:"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `explicit`: the names `[features]` defines; a bare name that is one of them is that feature,
/// not the dependency.
fn feature_entry(s: &str, keys: &[String], explicit: &[String]) -> FeatureEntry {
    for k in keys {
        if names_dependency(s, k, explicit) {
            return FeatureEntry::Replace;
        }
        if s.starts_with(&format!("{k}/")) || s.starts_with(&format!("{k}?/")) {
            // smol has no features.
            return FeatureEntry::Drop;
        }
    }
    FeatureEntry::Keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_gets_its_component_crates_and_tests_get_smol() {
        let before = "[package]\nname = \"x\"\n\n[workspace.dependencies]\nasync-std = \"1\"\n\n[dependencies]\nasync-std=\"1\"\nserde = \"1\"\n";
        assert!(components_allowed(before));
        // async-std for the tests only: the library's smol is its test code's.
        assert!(!components_allowed(
            "[package]\nname = \"x\"\n\n[dev-dependencies]\nasync-std = \"1\"\n"
        ));
        // A runtime feature's optional async-std becomes optional component crates, unless smol
        // is a dependency already (the migrated code joins it).
        assert!(components_allowed("[package]\nname = \"x\"\n\n[dependencies]\nasync-std = { version = \"1\", optional = true }\n"));
        assert!(!components_allowed("[package]\nname = \"x\"\n\n[dependencies]\nasync-std = { version = \"1\", optional = true }\nsmol = { version = \"2\", optional = true }\n"));
        let needs = Needs {
            smol: true,
            components: component_bits(&["async-io".to_string(), "futures-lite".to_string()]),
            ..Needs::default()
        };
        let after = migrate(before, needs).unwrap().unwrap().text;
        // [workspace.dependencies] serve the members (smol); the package's own tests get smol.
        assert_eq!(after, "[package]\nname = \"x\"\n\n[workspace.dependencies]\nsmol = \"2\"\n\n[dependencies]\nasync-io=\"2\"\nfutures-lite = \"2\"\nserde = \"1\"\n\n[dev-dependencies]\nsmol = \"2\"\n");
    }

    #[test]
    fn a_component_already_enabled_by_its_implicit_feature_keeps_it() {
        // async_executors: `async_global` enables the optional async-global-executor by its
        // implicit feature; a `dep:async-global-executor` anywhere would remove that feature.
        let before = "[package]\nname = \"x\"\n\n[features]\nasync_global = [\"async-global-executor\"]\nrt = [\"async-std\"]\n\n[dependencies]\nasync-global-executor = { version = \"3\", optional = true }\nasync-std = { version = \"1\", optional = true }\n";
        let needs = Needs {
            components: component_bits(&[
                "async-global-executor".to_string(),
                "async-io".to_string(),
            ]),
            ..Needs::default()
        };
        let after = migrate(before, needs).unwrap().unwrap().text;
        assert!(
            after.contains("smol = [\"async-global-executor\", \"dep:async-io\"]"),
            "{after}"
        );
        assert!(
            after.contains("async_global = [\"async-global-executor\"]"),
            "{after}"
        );
    }

    #[test]
    fn smol_that_only_dev_targets_name_is_a_dev_dependency() {
        let before =
            "[package]\nname = \"x\"\n\n[dependencies]\nasync-std = \"1\"\nserde = \"1\"\n";
        let needs = Needs {
            smol: true,
            smol_dev_only: true,
            ..Needs::default()
        };
        let after = migrate(before, needs).unwrap().unwrap().text;
        assert_eq!(after, "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n\n[dev-dependencies]\nsmol = \"2\"\n");
    }

    #[test]
    fn code_for_a_target_gated_async_std_is_gated_alike() {
        let wasm = "[package]\nname = \"x\"\n\n[target.'cfg(not(target_family = \"wasm\"))'.dependencies]\nasync-std = \"1\"\n";
        assert_eq!(
            async_std_target_cfg(wasm).as_deref(),
            Some("not(target_family = \"wasm\")")
        );
        let both = format!("{wasm}\n[dev-dependencies]\nasync-std = \"1\"\n");
        assert_eq!(async_std_target_cfg(&both), None);
        assert_eq!(
            async_std_target_cfg("[dependencies]\nasync-std = \"1\"\n"),
            None
        );
    }

    #[test]
    fn code_for_an_optional_async_std_is_gated_by_the_features_that_enable_it() {
        let dep = "[dependencies]\nasync-std = { version = \"1\", optional = true }\n";
        // The implicit feature: whatever enables the dependency (`default`, `x/..`) enables it.
        let implicit =
            format!("{dep}[features]\ndefault = [\"async-std\"]\ntls = [\"async-std/tls\"]\n");
        assert_eq!(
            async_std_feature_cfg(&implicit).as_deref(),
            Some("feature = \"async-std\"")
        );
        // No implicit feature (`dep:`): the features that name the dependency.
        let hidden = format!("{dep}[features]\nrt = [\"dep:async-std\"]\nunstable = [\"async-std/unstable\", \"rt\"]\nweak = [\"async-std?/attributes\"]\n");
        assert_eq!(
            async_std_feature_cfg(&hidden).as_deref(),
            Some("any(feature = \"rt\", feature = \"unstable\")")
        );
        // Not optional, or only a dev-dependency: no gate.
        assert_eq!(
            async_std_feature_cfg("[dependencies]\nasync-std = \"1\"\n"),
            None
        );
        assert_eq!(
            async_std_feature_cfg("[dev-dependencies]\nasync-std = \"1\"\n"),
            None
        );
    }

    #[test]
    fn an_optional_async_std_becomes_optional_components_its_features_enable() {
        let before = "[package]\nname = \"x\"\n\n[features]\ndefault = [\"rt-async-std\"]\nrt-async-std = [\"async-std\"]\n\n[dependencies]\nasync-std = { version = \"1\", optional = true }\n";
        let needs = Needs {
            components: component_bits(&["async-io".to_string(), "futures-lite".to_string()]),
            rename_features: true,
            ..Needs::default()
        };
        let after = migrate(before, needs).unwrap().unwrap().text;
        assert_eq!(after, "[package]\nname = \"x\"\n\n[features]\ndefault = [\"rt-smol\"]\nrt-smol = [\"smol\"]\nsmol = [\"dep:async-io\", \"dep:futures-lite\"]\n\n[dependencies]\nasync-io = { version = \"2\", optional = true }\nfutures-lite = { version = \"2\", optional = true }\n");
    }

    fn smol() -> Needs {
        Needs {
            smol: true,
            ..Needs::default()
        }
    }

    #[test]
    fn plain_dependency_becomes_smol_and_comments_stay() {
        let before = "[package]\nname = \"x\"\n\n[dependencies]\n# runtime\nasync-std = { version = \"1.12\", features = [\"attributes\"] } # pinned\nserde = \"1\"\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert_eq!(after, "[package]\nname = \"x\"\n\n[dependencies]\n# runtime\nsmol = \"2\" # pinned\nserde = \"1\"\n");
    }

    #[test]
    fn a_kept_optional_async_std_enabled_by_its_implicit_feature_enables_smol() {
        // twitchchat: `--features async-std`, no feature names it; smol optional beside, named
        // by examples' required-features through its implicit feature.
        let before = "[features]\nasync = [\"futures-lite\"]\n\n[dependencies]\nsmol = { version = \"1.2\", optional = true }\nasync-std = { version = \"1.9\", optional = true }\n";
        let needs = Needs {
            keep_async_std: true,
            ..smol()
        };
        let after = migrate(before, needs).unwrap().unwrap().text;
        // The dependency, not the crate's own `smol` feature (which gates its smol connector):
        // that one stays what it was, explicit now that `dep:smol` is written.
        assert!(
            after.contains("async-std = [\"dep:async-std\", \"dep:smol\"]"),
            "{after}"
        );
        assert!(after.contains("smol = [\"dep:smol\"]"), "{after}");
    }

    #[test]
    fn a_crlf_manifest_keeps_its_line_endings() {
        let before = "[package]\r\nname = \"x\"\r\n\r\n[dependencies]\r\nasync-std = { version = \"1\", optional = true }\r\n\r\n[features]\r\nrt = [\"async-std\"]\r\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
        assert!(
            after.contains("smol = { version = \"2\", optional = true }\r\n"),
            "{after:?}"
        );
    }

    #[test]
    fn a_smol_that_is_already_an_optional_runtime_is_enabled_by_async_stds_features() {
        // abci-rs: `use-smol = ["smol"]` beside `use-async-std = ["async-std"]`; async-std stays
        // (findings), and the migrated code under `use-async-std` names smol.
        let before = "[dependencies]\nasync-std = { version = \"1\", optional = true }\nsmol = { version = \"1.2.5\", optional = true }\n\n[features]\nuse-async-std = [\"async-std\"]\nuse-smol = [\"smol\"]\n";
        let needs = Needs {
            keep_async_std: true,
            ..smol()
        };
        let after = migrate(before, needs).unwrap().unwrap().text;
        assert!(
            after.contains("use-async-std = [\"async-std\", \"dep:smol\"]"),
            "{after}"
        );
        assert!(after.contains("use-smol = [\"smol\"]"), "{after}");
        assert!(after.contains("\nsmol = [\"dep:smol\"]"), "{after}");
        assert!(
            after.contains("smol = { version = \"1.2.5\", optional = true }"),
            "{after}"
        );
    }

    #[test]
    fn a_package_with_smol_already_gets_that_version_where_smol_is_added() {
        // sea-orm-cli: smol 1.2.5 for its tests; a second major under the same name would make
        // `smol::` ambiguous in them (E0464).
        let before = "[dependencies]\nasync-std = { version = \"1\", optional = true }\n\n[dev-dependencies]\nsmol = \"1.2.5\"\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(
            after.contains("smol = { version = \"1.2.5\", optional = true }"),
            "{after}"
        );
        assert!(!after.contains("\"2\""), "{after}");
    }

    #[test]
    fn renamed_optional_and_features() {
        let before = "[dependencies]\nrt = { package = \"async-std\", version = \"1\", optional = true }\n\n[features]\ndefault = [\"rt\"]\nattrs = [\"rt/attributes\"]\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(
            after.contains("smol = { version = \"2\", optional = true }"),
            "{after}"
        );
        // `default` enabled the implicit feature `rt`: it still does (now explicit).
        assert!(after.contains("default = [\"rt\"]"), "{after}");
        assert!(after.contains("attrs = []"), "{after}");
        assert!(after.contains("rt = [\"dep:smol\"]"), "{after}");
    }

    #[test]
    fn a_bare_name_that_is_a_feature_stays_a_feature() {
        let before = "[dependencies]\nasync-std = { version = \"1\", optional = true }\n\n[features]\ndefault = [\"async-std\"]\nasync-std = [\"dep:async-std\", \"futures\"]\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        // The feature (not the dependency) keeps its entries, under the smol name.
        assert!(after.contains("default = [\"smol\"]"), "{after}");
        assert!(
            after.contains("smol = [\"dep:smol\", \"futures\"]"),
            "{after}"
        );
        assert!(after.contains("async-std = [\"smol\"]"), "{after}");
    }

    #[test]
    fn a_new_feature_name_never_takes_another_dependency_s_name() {
        // agnostik: `async_std_crate` would become `smol_crate`, the key of its smol 1 dependency
        // (an optional dependency is a feature by its key): the feature keeps its name, and
        // `runtime_smol` still enables the smol 1 dependency.
        let before = "[features]\nruntime_asyncstd = [\"async_std_crate\"]\nruntime_smol = [\"smol_crate\"]\n\n[dependencies]\nasync_std_crate = { version = \"1\", optional = true, package = \"async-std\" }\nsmol_crate = { version = \"1\", optional = true, package = \"smol\" }\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(after.contains("runtime_smol = [\"smol_crate\"]"), "{after}");
        assert!(
            after.contains("runtime_asyncstd = [\"async_std_crate\"]"),
            "{after}"
        );
        assert!(
            after.contains("async_std_crate = [\"dep:smol\"]"),
            "{after}"
        );
        assert!(!after.contains("smol_crate = ["), "{after}");
    }

    #[test]
    fn a_dependency_table_header_becomes_a_plain_entry() {
        let before = "[package]\nname = \"x\"\n\n[dev-dependencies.async-std]\nversion = \"1.12.0\"\nfeatures = [\"attributes\"]\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(
            after.contains("[dev-dependencies]\nsmol = \"2\"\n"),
            "{after}"
        );
        assert!(!after.contains("async-std"), "{after}");
    }

    #[test]
    fn workspace_inheritance_and_target_tables() {
        let before = "[workspace.dependencies]\nasync-std = \"1\"\n\n[target.'cfg(unix)'.dev-dependencies]\nasync-std = { workspace = true }\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(
            after.contains("[workspace.dependencies]\nsmol = \"2\""),
            "{after}"
        );
        assert!(after.contains("smol = { workspace = true }"), "{after}");
    }

    #[test]
    fn kept_when_findings_remain() {
        let before = "[dependencies]\nasync-std = \"1\"\n";
        let after = migrate(
            before,
            Needs {
                smol: true,
                keep_async_std: true,
                ..Needs::default()
            },
        )
        .unwrap()
        .unwrap()
        .text;
        assert_eq!(after, "[dependencies]\nasync-std = \"1\"\nsmol = \"2\"\n");
    }

    const RUNTIMES: &str = "[dependencies]\nasync-std = { version = \"1\", optional = true }\n\
        tokio = { version = \"1\", optional = true }\n\n[features]\ndefault = [\"runtime-async-std\"]\n\
        runtime-async-std = [\"async-std\"]\nruntime-tokio = [\"tokio\"]\n\n\
        [[example]]\nname = \"demo\"\nrequired-features = [\"runtime-async-std\"]\n";

    #[test]
    fn a_feature_named_after_async_std_gets_the_smol_name_and_the_old_one_stays_an_alias() {
        let change = migrate(RUNTIMES, smol()).unwrap().unwrap();
        let after = change.text;
        assert!(after.contains("default = [\"runtime-smol\"]"), "{after}");
        assert!(after.contains("runtime-smol = [\"smol\"]\n# Deprecated: an alias of `runtime-smol` (async-std was replaced by smol).\nruntime-async-std = [\"runtime-smol\"]\n"), "{after}");
        assert!(after.contains("smol = [\"dep:smol\"]"), "{after}");
        assert!(after.contains("runtime-tokio = [\"tokio\"]"), "{after}");
        assert!(
            after.contains("required-features = [\"runtime-smol\"]"),
            "{after}"
        );
        // The optional dependency's implicit feature `async-std` was a feature too.
        let mut renames = change.feature_renames.clone();
        renames.sort();
        assert_eq!(
            renames,
            vec![
                ("async-std".to_string(), "smol".to_string()),
                ("runtime-async-std".to_string(), "runtime-smol".to_string())
            ]
        );
    }

    #[test]
    fn feature_names_follow_the_runtime_and_its_major_version() {
        let name = |s: &str| smol_feature_name(s);
        assert_eq!(name("runtime-async-std").as_deref(), Some("runtime-smol"));
        assert_eq!(name("aio_async_std").as_deref(), Some("aio_smol"));
        assert_eq!(name("async-std1").as_deref(), Some("smol2"));
        assert_eq!(name("async-std1-rustls").as_deref(), Some("smol2-rustls"));
        assert_eq!(name("async_std_1").as_deref(), Some("smol_2"));
        assert_eq!(name("async-std-12").as_deref(), Some("smol-12"));
        assert_eq!(name("tokio1"), None);
    }

    #[test]
    fn dependency_features_that_pull_async_std_in_are_noted() {
        let before = "[dependencies]\nasync-std = \"1\"\nsurf = { version = \"2\", default-features = false, features = [\"h1-client\"] }\n";
        let change = migrate(before, smol()).unwrap().unwrap();
        assert!(
            change.notes.iter().any(|n| n.contains(
                "surf enables `h1-client`, which pulls async-std in: switch to curl-client"
            )),
            "{:?}",
            change.notes
        );
        assert!(dependency_features().len() >= 5);
    }

    #[test]
    fn rename_features_leaves_no_alias() {
        let needs = Needs {
            rename_features: true,
            ..smol()
        };
        let after = migrate(RUNTIMES, needs).unwrap().unwrap().text;
        assert!(!after.contains("async-std"), "{after}");
        assert!(after.contains("runtime-smol = [\"smol\"]"), "{after}");
    }

    #[test]
    fn an_implicit_feature_of_the_optional_dependency_is_renamed_too() {
        let before = "[dependencies]\nasync-std = { version = \"1\", optional = true }\n";
        let change = migrate(before, smol()).unwrap().unwrap();
        assert!(
            change.text.contains("smol = [\"dep:smol\"]"),
            "{}",
            change.text
        );
        assert!(
            change.text.contains("async-std = [\"smol\"]"),
            "{}",
            change.text
        );
    }

    #[test]
    fn a_feature_the_package_s_own_optional_smol_gives_is_not_taken() {
        // twitchchat: its own smol connector is gated on smol's implicit feature; async-std's
        // feature must not become that feature (enabling it would compile the smol connector).
        let before = "[features]\nasync = []\n\n[dependencies]\nsmol = { version = \"1.2\", optional = true }\nasync-std = { version = \"1.9\", optional = true }\n";
        let change = migrate(before, smol()).unwrap().unwrap();
        assert!(change.feature_renames.is_empty(), "{}", change.text);
        assert!(
            change.text.contains("async-std = [\"dep:smol\"]"),
            "{}",
            change.text
        );
        // `dep:smol` removes smol's implicit feature: it stays, explicit, of the same meaning.
        assert!(
            change.text.contains("smol = [\"dep:smol\"]"),
            "{}",
            change.text
        );
    }

    #[test]
    fn required_features_of_the_removed_dependency_go() {
        let before = "[dependencies]\nasync-std = { version = \"1\", optional = true }\n\n[[example]]\nname = \"demo\"\nrequired-features = [\"async-std\", \"async-std/attributes\"]\n";
        let after = migrate(before, smol()).unwrap().unwrap().text;
        assert!(after.contains("required-features = [\"smol\"]"), "{after}");
    }

    #[test]
    fn a_taken_name_keeps_the_old_feature() {
        let before =
            "[dependencies]\nasync-std = { version = \"1\", optional = true }\n\n[features]\n\
                      async-std = [\"dep:async-std\"]\nsmol = []\n";
        let change = migrate(before, smol()).unwrap().unwrap();
        assert!(change.feature_renames.is_empty());
        assert!(
            change.text.contains("async-std = [\"dep:smol\"]"),
            "{}",
            change.text
        );
    }

    #[test]
    fn tokio_context_is_read_from_entries_features_and_the_workspace() {
        let ctx = |member: &str, root: &str| {
            let m: DocumentMut = member.parse().unwrap();
            let r: DocumentMut = root.parse().unwrap();
            tokio_context(&m, &r).map(|t| (t.feature, t.optional, t.dev_only))
        };
        let none = "";
        assert_eq!(
            ctx("[dev-dependencies]\nasync-std = { version = \"1\", features = [\"attributes\", \"tokio1\"] }\n", none),
            Some(("tokio1".into(), false, true))
        );
        assert_eq!(
            ctx("[target.'cfg(unix)'.dependencies.rt]\npackage = \"async-std\"\nversion = \"1\"\nfeatures = [\"tokio03\"]\n", none),
            Some(("tokio03".into(), false, false))
        );
        assert_eq!(
            ctx(
                "[dependencies]\nasync-std = { workspace = true }\n",
                "[workspace.dependencies]\nasync-std = { version = \"1\", features = [\"tokio1\"] }\n"
            ),
            Some(("tokio1".into(), false, false))
        );
        assert_eq!(
            ctx("[dependencies]\nasync-std = { version = \"1\", optional = true }\n[features]\nrt = [\"async-std?/tokio1\"]\n", none),
            Some(("tokio1".into(), true, false))
        );
        assert_eq!(
            ctx("[dependencies]\nasync-std = \"1\"\ntokio = { version = \"1\", features = [\"tokio1\"] }\n", none),
            None
        );
    }
}
