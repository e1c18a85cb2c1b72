//! The integration tests, compiled as one binary so that rust-analyzer's crates are linked once
//! (ripgrep's layout). Each module of `tests/it/` is one former test binary; `util` holds the
//! shared helpers. Run one module with `cargo test --test main cli::`, one test by its name.
//! The checks that the generated docs are current, and every handler's example and cases, are
//! library tests (`cargo test --lib`): they need no build.

mod it {
    mod util;

    mod behaviour;
    mod cli;
    mod crates;
    mod fixtures;
    mod kill;
    mod monorepo;
    mod mutations;
    mod threads;
}
