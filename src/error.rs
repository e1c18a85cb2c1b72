//! Errors of the core. Messages are lowercase, name the thing and, where there is one, the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("{path} is not a directory or a Cargo.toml")]
    NotAPackage { path: PathBuf },
    #[error(
        "refusing to write: {count} file(s) with uncommitted changes would be touched ({first}); commit or stash them, or pass --allow-dirty"
    )]
    Dirty { count: usize, first: String },
    #[error("refusing to write: {path} changed since it was read; run the tool again")]
    Changed { path: PathBuf },
    #[error("refusing to write: {path} is read-only")]
    ReadOnly { path: PathBuf },
    #[error(
        "refusing to write: {path} is not in a git work tree, so nothing would hold the originals; commit it to git first, or pass --allow-no-vcs"
    )]
    NoVcs { path: PathBuf },
    #[error(
        "refusing to write: cannot check {path} for uncommitted changes ({reason}); fix git, or pass --allow-no-vcs"
    )]
    VcsUnreadable { path: PathBuf, reason: String },
}
