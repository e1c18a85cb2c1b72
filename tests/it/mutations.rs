//! Bad input is part of the feature: the fixtures' async-std programs, each mutated at seeded
//! places (an item added, a statement cut, doubled or moved, a token spliced in, the file
//! truncated), are
//! migrated in one package, syntax-level and semantic. Whatever the input: no panic, no output
//! with more syntax errors than its input, and migrating the output again changes nothing.
//! `MUTATION_SEED=n` runs another seed (the CI runs the fixed one: bounded and repeatable).

use super::util::*;
use async_std_migrate::{Config, Target};

/// A small seeded generator (xorshift64*): the test needs repeatable choices, not a crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// Whole items, put before the first line.
const ITEMS: &[&str] = &[
    "use async_std::prelude::*;",
    "use async_std::{io, task};",
    "use async_std::task::spawn;",
    "#[allow(unused)]\nasync fn extra() { async_std::task::sleep(std::time::Duration::from_millis(1)).await; }",
    "#[async_std::test]\nasync fn extra_test() { let _ = async_std::task::spawn(async { 1 }).await; }",
];

/// Tokens spliced anywhere (the mutants that break the syntax).
const TOKENS: &[&str] = &[".await", "async ", "::", "{", "}", "#[async_std::main]"];

/// One mutation. Most keep the file parseable (an item added, a statement cut, doubled or
/// moved, a `use` doubled), so that the rewrite runs on them; a few break it.
fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    let statements: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = &lines[i];
            l.starts_with(' ') && l.trim_end().ends_with(';') && !l.trim_start().starts_with("//")
        })
        .collect();
    let pick = |rng: &mut Rng, v: &[usize]| v[rng.below(v.len())];
    match rng.below(8) {
        0 | 1 => lines.insert(0, ITEMS[rng.below(ITEMS.len())].to_string()),
        2 if !statements.is_empty() => {
            lines.remove(pick(rng, &statements));
        }
        3 if !statements.is_empty() => {
            let i = pick(rng, &statements);
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        4 if statements.len() > 1 => {
            let (a, b) = (pick(rng, &statements), pick(rng, &statements));
            lines.swap(a, b);
        }
        5 => {
            let uses: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].starts_with("use "))
                .collect();
            if !uses.is_empty() {
                let i = pick(rng, &uses);
                let l = lines[i].clone();
                lines.insert(i, l);
            }
        }
        6 => {
            let mut at = rng.below(src.len());
            while !src.is_char_boundary(at) {
                at -= 1;
            }
            return format!(
                "{}{}{}",
                &src[..at],
                TOKENS[rng.below(TOKENS.len())],
                &src[at..]
            );
        }
        _ => {
            let mut cut = rng.below(src.len());
            while !src.is_char_boundary(cut) {
                cut -= 1;
            }
            return src[..cut].to_string();
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn errors(text: &str) -> usize {
    ra_ap_syntax::SourceFile::parse(text, ra_ap_syntax::Edition::Edition2021)
        .errors()
        .len()
}

fn migrate(dir: &std::path::Path, syntax_only: bool) -> async_std_migrate::report::RootReport {
    async_std_migrate::engine::plan(
        dir,
        &Config {
            target: Target::Smol,
            syntax_only,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn mutated_programs_never_panic_break_more_or_change_twice() {
    let seed: u64 = std::env::var("MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234);
    let mut rng = Rng(seed | 1);
    let mut inputs = Vec::new();
    for (name, before, _) in cases("smol") {
        for k in 0..3 {
            let mut text = before.clone();
            for _ in 0..=rng.below(2) {
                text = mutate(&text, &mut rng);
            }
            inputs.push((format!("{name}_{k}"), text));
        }
    }
    let dir = work_dir("mutations");
    package(&dir, "mutations", ASYNC_STD, &inputs);
    for syntax_only in [true, false] {
        let first = migrate(&dir, syntax_only);
        let mut outputs = Vec::new();
        for (name, text) in &inputs {
            let file = format!("examples/{name}.rs");
            let after = first
                .files
                .iter()
                .find(|f| f.file == file)
                .map_or_else(|| text.clone(), |f| f.after.clone());
            assert!(
                errors(&after) <= errors(text),
                "seed {seed}: {file} has more syntax errors after migration:\n--- input\n{text}\n--- output\n{after}"
            );
            outputs.push((name.clone(), after));
        }
        // Not vacuous: most mutants still parse well enough to be migrated.
        let changed = first
            .files
            .iter()
            .filter(|f| f.file.starts_with("examples/"))
            .count();
        assert!(
            changed * 2 > inputs.len(),
            "seed {seed}: only {changed} of {} mutants were migrated",
            inputs.len()
        );
        let again = work_dir("mutations-again");
        package(
            &again,
            "mutations-again",
            &format!("{SMOL}\n{ASYNC_STD}"),
            &outputs,
        );
        let second = migrate(&again, syntax_only);
        for f in second
            .files
            .iter()
            .filter(|f| f.file.starts_with("examples/"))
        {
            panic!(
                "seed {seed} (syntax_only {syntax_only}): a second run changed {}:\n--- first output\n{}\n--- second\n{}",
                f.file, f.before, f.after
            );
        }
    }
}
