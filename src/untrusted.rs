//! A repository is untrusted input: `diff`, `scan` and `apply` (without `--verify`) execute
//! nothing from it. rust-analyzer's workspace load and the tool's own `cargo metadata`,
//! `generate-lockfile` and `tree` start cargo, which reads the repository's `.cargo/config.toml`:
//! a `build.rustc-wrapper`, `build.rustc-workspace-wrapper` or `build.rustc` there would run when
//! cargo probes rustc. Every such command gets [`ENV`], which overrides those settings with the
//! toolchain's own rustc and no wrapper (the environment wins over config files; an empty wrapper
//! is none). Build scripts and procedural macros are not run either: the semantic load uses
//! neither (`load_out_dirs_from_check: false`, no proc-macro server). `apply --verify` builds the
//! code, and says so.

use std::process::Command;

/// The variables set on every cargo the tool starts on a repository (see the module doc).
pub const ENV: &[(&str, &str)] = &[
    ("RUSTC_WRAPPER", ""),
    ("RUSTC_WORKSPACE_WRAPPER", ""),
    ("CARGO_BUILD_RUSTC_WRAPPER", ""),
    ("CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER", ""),
    ("RUSTC", "rustc"),
    ("CARGO_BUILD_RUSTC", "rustc"),
];

/// `cmd` with [`ENV`] set.
pub fn cargo(cmd: &mut Command) -> &mut Command {
    cmd.envs(ENV.iter().copied())
}
