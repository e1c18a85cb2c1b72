//! A killed `apply` leaves every file whole: 20 `kill -9`s at seeded moments while `apply`
//! writes a generated tree (200 module files), and after each, every file is either
//! its original or its migrated version, never a mix or a cut.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const FILES: usize = 200;

fn generate(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"killed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nasync-std = \"1\"\n\n[workspace]\n",
    )
    .unwrap();
    let mut main = String::new();
    for i in 0..FILES {
        main.push_str(&format!("mod m{i};\n"));
        // Long enough to take more than one page to write.
        let mut body = String::from("use async_std::task;\nuse std::time::Duration;\n\n");
        for j in 0..40 {
            body.push_str(&format!(
                "pub async fn f{j}() -> u64 {{\n    task::sleep(Duration::from_millis({j})).await;\n    task::spawn(async {{ {i} }}).await + {j}\n}}\n\n"
            ));
        }
        std::fs::write(dir.join(format!("src/m{i}.rs")), body).unwrap();
    }
    main.push_str("\nfn main() {\n    task_main();\n}\n\nfn task_main() {\n    async_std::task::block_on(m0::f0());\n}\n");
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

/// A fresh copy of `from` at `to`.
fn copy(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    super::util::copy_tree(from, to);
}

fn apply(dir: &Path) -> std::process::Child {
    // A killed run leaves its scratch copy (the lockfile resolution) behind: in the test's own
    // directory, not in /tmp.
    let scratch = dir.with_extension("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    Command::new(env!("CARGO_BIN_EXE_async-std-migrate"))
        .env("TMPDIR", &scratch)
        .args([
            "apply",
            "--to",
            "smol",
            "--syntax-only",
            "--allow-dirty",
            "--allow-no-vcs",
            "-j",
            "1",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn mtimes(dir: &Path) -> (std::time::SystemTime, std::time::SystemTime) {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).unwrap();
    (m(dir), m(&dir.join("src")))
}

/// Polls until a file of `dir` is replaced (a directory's mtime moves); the time since `start`.
fn wait_for_writes(dir: &Path, start: Instant) -> std::time::Duration {
    let before = mtimes(dir);
    while mtimes(dir) == before && start.elapsed() < std::time::Duration::from_secs(120) {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    start.elapsed()
}

/// A whole apply of `dir`: when its first write happened and when it ended.
fn timed_apply(dir: &Path) -> (std::time::Duration, std::time::Duration) {
    let start = Instant::now();
    let mut child = apply(dir);
    let first = wait_for_writes(dir, start);
    assert!(child.wait().unwrap().success());
    (first, start.elapsed().max(first))
}

#[test]
fn twenty_kills_during_apply_leave_every_file_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let original = tmp.path().join("original");
    let migrated = tmp.path().join("migrated");
    generate(&original);
    copy(&original, &migrated);
    // When the writes begin (a rename into a directory changes its mtime) and when the run
    // ends: the kills land between the two, where the files are written.
    let (first_write, full) = timed_apply(&migrated);
    let files: Vec<String> = walkdir::WalkDir::new(&original)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&original)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    assert!(files
        .iter()
        .filter(|f| f.ends_with(".rs"))
        .all(|f| read(&original, f) != read(&migrated, f)));

    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut interrupted_writes = 0;
    for round in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // A moment between the end of planning and the end of the run (a little either side).
        let u = (seed % 1000) as f64 / 1000.0;
        // The files go first, then Cargo.lock is brought in line (most of the time left).
        let after = (full - first_write).mul_f64(u * 0.2);
        let work = tmp.path().join("work");
        copy(&original, &work);
        let mut child = apply(&work);
        let at = wait_for_writes(&work, Instant::now()) + after;
        std::thread::sleep(after);
        let _ = child.kill();
        let _ = child.wait();
        let mut new = 0;
        for f in &files {
            let now = read(&work, f);
            let (o, m) = (read(&original, f), read(&migrated, f));
            assert!(
                now == o || now == m,
                "round {round} (killed after {at:?}): {f} is neither the original nor the migrated version ({} bytes; {} or {})",
                now.len(),
                o.len(),
                m.len()
            );
            new += usize::from(now == m && o != m);
        }
        if new > 0 && new < FILES {
            interrupted_writes += 1;
        }
    }
    // Some kills landed while files were being written (the test is not only about planning).
    eprintln!(
        "kills during the write phase: {interrupted_writes} of 20 (writes from {first_write:?}, a run {full:?})"
    );
}
