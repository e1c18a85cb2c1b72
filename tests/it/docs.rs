//! Generated documentation and the catalogue stay in step with the code.

use super::util;
use async_std_migrate::rules::{mapping_markdown, Catalogue};

#[test]
fn docs_mapping_is_generated_from_transforms() {
    let md = mapping_markdown(Catalogue::smol());
    util::check_file(&util::repo().join("docs/mapping.md"), &md);
}

#[test]
fn docs_mapping_threads_is_generated_from_transforms() {
    let md = async_std_migrate::rules::threads_mapping_markdown();
    util::check_file(&util::repo().join("docs/mapping-threads.md"), &md);
}

#[test]
fn every_listed_handler_is_dispatched_and_every_dispatched_one_listed() {
    let listed: Vec<&str> = Catalogue::smol()
        .handlers
        .iter()
        .map(|h| h.id.as_str())
        .collect();
    let mut a = listed.clone();
    a.sort();
    let mut b = async_std_migrate::handlers::DISPATCHED.to_vec();
    b.sort();
    assert_eq!(a, b);
    for h in &Catalogue::smol().handlers {
        assert!(
            util::repo().join(&h.file).exists(),
            "{} names a missing file {}",
            h.id,
            h.file
        );
    }
}
