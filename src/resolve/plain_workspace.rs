//! The cargo side of the semantic load, made cheap for "plain" workspaces (issue 15).
//!
//! rust-analyzer's `ProjectWorkspace::load` starts about twenty processes per workspace, most of
//! them twice through rustup's proxy: the toolchain's version, the host target, `rustc --print
//! cfg`, the data layout, `cargo config get`, `cargo locate-project`, and `cargo metadata` with
//! and without dependencies. On a monorepo of 25 workspaces that was 1,049 processes and about
//! 10 s of the medium benchmark tree's 45 s. Only `cargo metadata` differs between workspaces
//! that share a toolchain and a cargo configuration, so the first such workspace of a run loads
//! as rust-analyzer does, and each other [`is_plain`] one runs `cargo metadata` alone (the
//! toolchain's own cargo, no proxy) and takes the rest from the first ([`load_like`]): the same
//! crate graph, so the same answers.
//!
//! Written here rather than through rust-analyzer because the pieces it would take
//! (`FetchMetadata`, `CargoConfigFile`) are private to `ra_ap_project_model` 0.0.345.

use ra_ap_project_model::{
    CargoWorkspace, ManifestPath, Metadata, ProjectWorkspace, ProjectWorkspaceKind,
    WorkspaceBuildScripts,
};
use ra_ap_vfs::AbsPathBuf;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether what rust-analyzer asks the toolchain about `root` is what it asks about any other
/// plain workspace: no toolchain file above it (`rust-toolchain`, `rust-toolchain.toml`: another
/// toolchain), and no cargo configuration above it or in `CARGO_HOME` that sets what the
/// answers depend on (`build.target`, `build.rustflags`, `[target]`, `[env]`). A configuration
/// file that cannot be read counts as one that does.
pub fn is_plain(root: &Path) -> bool {
    let Ok(abs) = std::fs::canonicalize(root) else {
        return false;
    };
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let toolchain_file = own_toolchain(&abs);
    let configs = abs
        .ancestors()
        .map(|d| d.join(".cargo"))
        .chain(home)
        .flat_map(|d| [d.join("config"), d.join("config.toml")]);
    !toolchain_file && configs.filter(|f| f.is_file()).all(|f| neutral_config(&f))
}

/// Whether a toolchain file (`rust-toolchain`, `rust-toolchain.toml`) above `root` may choose
/// another toolchain for it.
pub fn own_toolchain(root: &Path) -> bool {
    std::fs::canonicalize(root).is_ok_and(|abs| {
        abs.ancestors()
            .any(|d| d.join("rust-toolchain").exists() || d.join("rust-toolchain.toml").exists())
    })
}

/// A cargo configuration file that changes none of the toolchain's answers (see [`is_plain`]).
fn neutral_config(file: &Path) -> bool {
    let Ok(doc) = std::fs::read_to_string(file).map(|t| t.parse::<toml_edit::DocumentMut>()) else {
        return false;
    };
    let Ok(doc) = doc else {
        return false;
    };
    let build = doc.get("build");
    !doc.contains_key("target")
        && !doc.contains_key("env")
        && !build.is_some_and(|b| b.get("target").is_some() || b.get("rustflags").is_some())
}

/// `root` loaded as `first` was (a plain workspace loaded by rust-analyzer, with its standard
/// library): `cargo metadata` of `root`, run as rust-analyzer runs it (the host target, the
/// lockfile read from a copy so that the repository's is never written), offline first and
/// online where the offline index cannot resolve it; every other fact is `first`'s. `None`
/// where this cannot be done the same way (a toolchain older than 1.82, whose cargo cannot read
/// a lockfile copy; `cargo metadata` failing both ways): rust-analyzer's own load then.
pub fn load_like(
    first: &ProjectWorkspace,
    root: &Path,
    host: &str,
    extra_env: &[(String, String)],
) -> Option<ProjectWorkspace> {
    let ProjectWorkspaceKind::Cargo {
        cargo: first_cargo,
        error: None,
        ..
    } = &first.kind
    else {
        return None;
    };
    let version = first.toolchain.as_ref()?;
    let usage = match (version.major, version.minor) {
        (1, m) if m >= 97 => Lockfile::EnvVar,
        (1, m) if m >= 95 => Lockfile::EnvVarUnstable,
        (1, m) if m >= 82 => Lockfile::Flag,
        _ => return None,
    };
    // The toolchain's cargo itself, not rustup's proxy (which would start it again).
    let cargo = first
        .sysroot
        .root()
        .map(|r| Path::new(r.as_str()).join("bin").join("cargo"))
        .filter(|c| c.is_file())?;
    let dir = std::fs::canonicalize(root).ok()?;
    let manifest = dir.join("Cargo.toml");
    let scratch = tempfile::Builder::new()
        .prefix("async-std-migrate-metadata")
        .tempdir()
        .ok()?;
    let lock_copy = scratch.path().join("Cargo.lock");
    let run = |offline: bool| -> Option<Metadata> {
        // Copied afresh for each run: an online run may have resolved into the copy.
        match std::fs::copy(dir.join("Cargo.lock"), &lock_copy) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_file(&lock_copy);
            }
            Err(_) => return None,
        }
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&dir)
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(&manifest)
            .args(["--filter-platform", host])
            .env("RUSTUP_AUTO_INSTALL", "0")
            .env("__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS", "nightly")
            .envs(extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null());
        if offline {
            cmd.arg("--offline");
        }
        match usage {
            Lockfile::Flag => {
                cmd.arg("--lockfile-path").arg(&lock_copy);
            }
            Lockfile::EnvVarUnstable => {
                cmd.arg("-Zlockfile-path")
                    .env("CARGO_RESOLVER_LOCKFILE_PATH", &lock_copy);
            }
            Lockfile::EnvVar => {
                cmd.env("CARGO_RESOLVER_LOCKFILE_PATH", &lock_copy);
            }
        }
        cmd.arg("-Zunstable-options");
        let out = cmd.output().ok()?;
        if !out.status.success() {
            return None;
        }
        let stdout = String::from_utf8(out.stdout).ok()?;
        let json = stdout.lines().find(|l| l.starts_with('{'))?;
        serde_json::from_str(json).ok()
    };
    let meta = run(true).or_else(|| run(false))?;
    let ws_manifest = AbsPathBuf::try_from(meta.workspace_root.join("Cargo.toml").as_str())
        .ok()
        .and_then(|p| ManifestPath::try_from(p).ok())?;
    let mut ws = first.clone();
    ws.kind = ProjectWorkspaceKind::Cargo {
        cargo: CargoWorkspace::new(meta, ws_manifest, first_cargo.env().clone(), false),
        error: None,
        build_scripts: WorkspaceBuildScripts::default(),
        rustc: Err(None),
    };
    Some(ws)
}

/// How the toolchain's cargo is told to read a lockfile elsewhere (rust-analyzer's
/// `LockfileUsage`, by cargo version).
#[derive(Clone, Copy)]
enum Lockfile {
    /// 1.82 to 1.94: `--lockfile-path`.
    Flag,
    /// 1.95 and 1.96: `-Zlockfile-path` and `CARGO_RESOLVER_LOCKFILE_PATH`.
    EnvVarUnstable,
    /// 1.97 on: `CARGO_RESOLVER_LOCKFILE_PATH`.
    EnvVar,
}

#[cfg(test)]
mod tests {
    use super::is_plain;

    #[test]
    fn a_workspace_is_plain_unless_a_file_above_it_changes_the_toolchain_s_answers() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("a/ws");
        std::fs::create_dir_all(ws.join(".cargo")).unwrap();
        // What this machine's CARGO_HOME says is the same for every workspace of the test.
        let base = is_plain(&ws);
        // Settings that change nothing rustc is asked (aliases, the network, jobs).
        std::fs::write(
            ws.join(".cargo/config.toml"),
            "[alias]\nb = \"build\"\n[net]\noffline = true\n[build]\njobs = 2\n",
        )
        .unwrap();
        assert_eq!(is_plain(&ws), base);
        // A target, rustflags (cfgs), an environment: this workspace's answers are its own.
        for config in [
            "[build]\ntarget = \"wasm32-unknown-unknown\"\n",
            "build.rustflags = [\"--cfg\", \"x\"]\n",
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"x\"]\n",
            "[env]\nX = \"1\"\n",
            "not toml [",
        ] {
            std::fs::write(ws.join(".cargo/config.toml"), config).unwrap();
            assert!(!is_plain(&ws), "{config}");
        }
        std::fs::remove_file(ws.join(".cargo/config.toml")).unwrap();
        // The same above the workspace (`.cargo/config` without the extension too).
        std::fs::create_dir_all(dir.path().join("a/.cargo")).unwrap();
        std::fs::write(dir.path().join("a/.cargo/config"), "[env]\nX = \"1\"\n").unwrap();
        assert!(!is_plain(&ws));
        std::fs::remove_file(dir.path().join("a/.cargo/config")).unwrap();
        assert_eq!(is_plain(&ws), base);
        // A toolchain file above it: another toolchain, maybe.
        std::fs::write(dir.path().join("a/rust-toolchain.toml"), "[toolchain]\n").unwrap();
        assert!(!is_plain(&ws));
        // A directory that does not exist is not one.
        assert!(!is_plain(&dir.path().join("missing")));
    }
}
