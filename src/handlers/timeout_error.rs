//! `async_std::future::TimeoutError` has no smol type: the timeouts smol code writes by hand fail
//! with whatever error it picks. A crate that names the type (an error enum converting from it,
//! a `match` on `Err(TimeoutError { .. })`) keeps a type of that name and behaviour: a small
//! module of its own, `timeout_error` (see [`MODULE`]), written once at the end of the crate's root
//! file, and the crate's `future::timeout` and `.timeout()` rewrites fail with it instead of
//! `std::io::Error`. The names then point at the crate's type. Another crate of the package (a
//! test, an example) uses its library's type when the library has one, so the errors it gets
//! from the library are the type it names.
//!
//! Before:
//! ```text
//! use async_std::future::{timeout, TimeoutError};
//! use std::time::Duration;
//!
//! async fn bounded() -> Result<u8, TimeoutError> {
//!     timeout(Duration::from_secs(1), async { 1 }).await
//! }
//! ```
//! After:
//! ```text
//! use crate::timeout_error::TimeoutError;
//! use std::time::Duration;
//!
//! async fn bounded() -> Result<u8, TimeoutError> {
//!     ({ let dur = Duration::from_secs(1); let fut = async { 1 }; smol::future::FutureExt::or(async move { Ok::<_, crate::timeout_error::TimeoutError>(fut.await) }, async move { let _ = smol::Timer::after(dur).await; Err(crate::timeout_error::TimeoutError { _private: () }) }) }).await
//! }
//!
//! /// async-std's `future::TimeoutError`, which smol has no type for: the error of this crate's
//! /// timeouts (written by async-std-migrate).
//! mod timeout_error {
//!     /// A future did not complete within its timeout.
//!     #[derive(Clone, Copy, Debug, Eq, PartialEq)]
//!     pub struct TimeoutError {
//!         pub(crate) _private: (),
//!     }
//!
//!     impl std::fmt::Display for TimeoutError {
//!         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!             f.write_str("future has timed out")
//!         }
//!     }
//!
//!     impl std::error::Error for TimeoutError {}
//! }
//! ```

use super::generated::{self, Generated};
use super::{Acc, At, Ctx, Flow};

/// The handler id (also the rule id its edits count under).
pub(crate) const RULE: &str = "timeout-error";

pub(crate) const MODULE: &str = "
/// async-std's `future::TimeoutError`, which smol has no type for: the error of this crate's
/// timeouts (written by async-std-migrate).
{vis}mod timeout_error {
    /// A future did not complete within its timeout.
    #[derive(Clone, Copy, Debug, Eq, PartialEq)]
    pub struct TimeoutError {
        {field}_private: (),
    }

    impl std::fmt::Display for TimeoutError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(\"future has timed out\")
        }
    }

    impl std::error::Error for TimeoutError {}
}
";

const ITEMS: &[(&str, &str)] = &[("async_std::future::TimeoutError", "TimeoutError")];

/// The module kind (see `generated.rs`).
pub(crate) const GENERATED: Generated = Generated {
    rule: RULE,
    module: "timeout_error",
    items: ITEMS,
    names_it: |sites| generated::names_any(sites, ITEMS),
    crate_wants: None,
    crate_blocked_by: None,
    shared: true,
    package_wide: false,
    text: |root, public| generated::module_text(root, MODULE, public),
};

/// Entry: a path naming the type. Imported by name, the regenerated import points at the
/// crate's type and the usage stays as written; written out, the path is replaced.
pub(super) fn run(at: At<'_>, ctx: &Ctx<'_>, acc: &mut Acc) -> Flow {
    generated::point_at_module(at, ctx, acc, RULE)
}

#[cfg(test)]
mod tests {
    use crate::handlers::check::*;

    #[test]
    fn a_pattern_and_a_from_impl_keep_their_type() {
        check_rewrite(
            "timeout-error",
            r#"use async_std::future;
use std::time::Duration;

#[derive(Debug)]
pub enum Error {
    Timeout(future::TimeoutError),
}

impl From<async_std::future::TimeoutError> for Error {
    fn from(e: async_std::future::TimeoutError) -> Self {
        Error::Timeout(e)
    }
}

async fn run() -> bool {
    match future::timeout(Duration::from_millis(1), future::pending::<()>()).await {
        Err(future::TimeoutError { .. }) => true,
        Ok(()) => false,
    }
}
"#,
            r#"use std::time::Duration;

#[derive(Debug)]
pub enum Error {
    Timeout(crate::timeout_error::TimeoutError),
}

impl From<crate::timeout_error::TimeoutError> for Error {
    fn from(e: crate::timeout_error::TimeoutError) -> Self {
        Error::Timeout(e)
    }
}

async fn run() -> bool {
    match ({ let dur = Duration::from_millis(1); let fut = smol::future::pending::<()>(); smol::future::FutureExt::or(async move { Ok::<_, crate::timeout_error::TimeoutError>(fut.await) }, async move { let _ = smol::Timer::after(dur).await; Err(crate::timeout_error::TimeoutError { _private: () }) }) }).await {
        Err(crate::timeout_error::TimeoutError { .. }) => true,
        Ok(()) => false,
    }
}

/// async-std's `future::TimeoutError`, which smol has no type for: the error of this crate's
/// timeouts (written by async-std-migrate).
mod timeout_error {
    /// A future did not complete within its timeout.
    #[derive(Clone, Copy, Debug, Eq, PartialEq)]
    pub struct TimeoutError {
        pub(crate) _private: (),
    }

    impl std::fmt::Display for TimeoutError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("future has timed out")
        }
    }

    impl std::error::Error for TimeoutError {}
}
"#,
        );
    }

    #[test]
    fn a_crate_that_does_not_name_it_keeps_io_errors() {
        check_not_applicable(
            "timeout-error",
            r#"use async_std::future;
use std::time::Duration;

async fn run() -> bool {
    future::timeout(Duration::from_millis(1), async { 1 }).await.is_ok()
}
"#,
        );
    }
}
