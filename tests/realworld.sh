#!/usr/bin/env bash
# Runs the tool on the real-world corpus and writes the table of docs/real-world.md.
#
#   tests/realworld.sh REPOS_DIR [CORPUS_TSV]
#
# REPOS_DIR holds one checkout per corpus row, named as the row's `name` (this script fetches
# nothing: bring them with the fetch tool and `git archive COMMIT`, see ../shared/realworld/).
# For each row and each target of MODES (default: "smol auto"), the checkout is copied to a
# scratch directory, migrated with `apply --to MODE` (no hand edits), and checked with the row's
# check command (features the tool renamed are passed under their new names), in a
# CARGO_TARGET_DIR per row (CACHE=dir keeps them between runs). With TESTS=1 the row's test
# command runs too, before (on the original) and after. The async-std row migrates the crate's
# examples and tests (`--exclude src --exclude benches`: src/ is the runtime itself, benches
# need nightly). Prints the table rows on stdout, then the totals: repositories check clean,
# fully migrated (check clean and no "not migrated" finding), and "not migrated" findings by
# rule, per target. Not part of `cargo test` (network, time).
#
# Environment: TOOL (a built binary; default: build this checkout's release binary), MODES
# (targets, default "smol auto"), CACHE (directory of per-row target directories, kept between
# runs; default: a scratch directory), PRUNE=1 (delete a row's target directory once the row is
# done: the corpus needs ~0.3-1 GB per row), OUT (where the reports, check logs and results go;
# default: the scratch directory), ONLY (space-separated row names to run), TESTS=1 (tests too),
# WARNINGS=1 (the check on the original first too: warnings before and after, per row), CHECK=0
# (with TESTS=1: skip the check after, whose figures another run has; the test build compiles
# the same code, and its failure shows as fewer tests passed).
set -u
repos=${1:?usage: tests/realworld.sh REPOS_DIR [CORPUS_TSV]}
corpus=${2:-$(dirname "$0")/corpus.tsv}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${TOOL:-$here/target/release/async-std-migrate}
[ -n "${TOOL:-}" ] || (cd "$here" && cargo build --release -q) || exit 2
scratch=$(mktemp -d)
cache=${CACHE:-$scratch}
out=${OUT:-$scratch}
mkdir -p "$out" "$cache"
: > "$out/results.tsv"
modes=${MODES:-smol auto}

# The warnings a check printed for the repository's own crates (cargo prints none for
# dependencies): each `warning:` line but the "generated N warnings" totals.
warnings_of() { grep -E '^warning' "$1" | grep -vcE 'generated [0-9]+ warnings?|build failed|emitted [0-9]+' || true; }
# `--features async-std/x` names a feature of the async-std dependency: once the migrated
# manifest has no async-std entry, cargo rejects it ("does not have a dependency named"), and
# the code needs nothing of it. Dropped from the command (a renamed feature keeps `async-std` as
# a feature name, whose `/x` is no dependency's either).
drop_gone_dep_features() { # dir cmd -> cmd
  if python3 - "$1/Cargo.toml" <<'PY'
import sys, tomllib
try:
    m = tomllib.load(open(sys.argv[1], "rb"))
except Exception:
    sys.exit(0)
tables = [m.get(t, {}) for t in ("dependencies", "dev-dependencies", "build-dependencies")]
for t in m.get("target", {}).values():
    tables += [t.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
tables.append(m.get("workspace", {}).get("dependencies", {}))
has = any(k in ("async-std", "async_std") or (isinstance(v, dict) and v.get("package") == "async-std")
          for t in tables for k, v in t.items())
sys.exit(0 if has else 1)
PY
  then
    echo "$2"
  else
    echo "$2" | sed -E 's#,async-std/[A-Za-z0-9_-]+##g; s#(features[ =])async-std/[A-Za-z0-9_-]+,#\1#g'
  fi
}
tests_of() { # dir cmd -> "P passed, F failed"
  (cd "$1" && CARGO_TARGET_DIR="$2" timeout 1800 bash -c "$3" > "$4" 2>&1 < /dev/null)
  grep -E '^test result' "$4" | awk '{p+=$4; f+=$6} END {print p+0" passed, "f+0" failed"}'
}

echo "| repository | target | files changed | sites rewritten | not migrated | to review | features renamed | check after | tests before -> after |"
echo "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |"
tail -n +2 "$corpus" | while IFS=$'\t' read -r name repo commit check test notes; do
  if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $name "* ]]; then continue; fi
  [ -d "$repos/$name" ] || { echo "| $name | | | | | | | not checked out | |"; continue; }
  target="$cache/target-$name"
  # Every test binary runs (`--no-fail-fast`), so before and after count the same binaries even
  # when one fails (async-std's io_timeout under a closed stdin).
  tcmd=$(echo "$test" | sed -E 's/ \(.*//; s/;.*//; s/(^|[[:space:]])cargo test/\1cargo test --no-fail-fast/')
  before_tests=""
  before_warnings=""
  # WARNINGS=1: the check on the original first (same target directory: the after check then
  # rebuilds only what the migration changed), its warnings counted.
  if [ "${WARNINGS:-0}" = 1 ]; then
    orig="$scratch/$name.orig"
    rm -rf "$orig" && cp -rL "$repos/$name" "$orig"
    if [ "$name" = async-tar ]; then (cd "$orig" && cargo generate-lockfile -q && cargo update -q -p libc --precise 0.2.186); fi
    (cd "$orig" && CARGO_TARGET_DIR="$target" timeout 1800 bash -c "$check" > "$out/$name.before.check" 2>&1 < /dev/null)
    before_warnings=$(warnings_of "$out/$name.before.check")
  fi
  if [ "${TESTS:-0}" = 1 ]; then
    orig="$scratch/$name.orig"
    rm -rf "$orig" && cp -rL "$repos/$name" "$orig"
    if [ "$name" = async-tar ]; then (cd "$orig" && cargo generate-lockfile -q && cargo update -q -p libc --precise 0.2.186); fi
    before_tests=$(tests_of "$orig" "$target" "$tcmd" "$scratch/$name.test-before")
  fi
  for mode in $modes; do
    work="$scratch/$name.$mode"
    rm -rf "$work" && cp -rL "$repos/$name" "$work"
    args=(apply --allow-dirty --allow-no-vcs --to "$mode" --format json)
    [ "$name" = async-std ] && args+=(--exclude src --exclude benches)
    (cd "$work" && "$bin" "${args[@]}" . > "$out/$name.$mode.json" 2> "$out/$name.$mode.err")
    read -r files sites nm rv renamed < <(python3 - "$out/$name.$mode.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))["roots"]
files = sum(len(x["files"]) for x in r)
sites = sum(n for x in r for f in x["files"] for k, n in f["rules"].items() if k not in ("use", "manifest"))
nm = sum(1 for x in r for f in x["findings"] if f["severity"] == "not-migrated")
rv = sum(len(x["findings"]) for x in r) - nm
ren = []
for x in r:
    for n in x["manifest_notes"]:
        m = re.search(r"feature `([^`]+)` added \(smol\); `([^`]+)` kept", n)
        if m:
            ren.append(f"{m.group(2)}={m.group(1)}")
print(files, sites, nm, rv, ",".join(ren) or "-")
PY
)
    # Dependency rot the corpus notes ask to keep (async-tar: libc pin for xattr 0.2).
    if [ "$name" = async-tar ]; then (cd "$work" && cargo generate-lockfile -q && cargo update -q -p libc --precise 0.2.186); fi
    # The check runs with the features' new names.
    cmd=$(drop_gone_dep_features "$work" "$check")
    if [ "$renamed" != "-" ]; then
      for pair in ${renamed//,/ }; do
        old=${pair%%=*}; new=${pair#*=}
        # `old/feat` named a feature of the async-std dependency, which is gone: dropped.
        cmd=$(echo "$cmd" | sed -E "s#,$old/[A-Za-z0-9_-]+##g")
        # Whole feature names only: `use-async-std` is not `async-std` renamed.
        cmd=$(echo "$cmd" | sed -E "s#(features[ =]([^ ]*[,/])?)$old(,| |\$)#\1$new\3#")
      done
    fi
    if [ "${CHECK:-1}" = 0 ] && [ "${TESTS:-0}" = 1 ]; then
      result=skipped
    elif (cd "$work" && CARGO_TARGET_DIR="$target" timeout 1800 bash -c "$cmd" > "$out/$name.$mode.check" 2>&1 < /dev/null); then
      result=pass
    else
      n=$(grep -cE '^error(\[|:)' "$out/$name.$mode.check")
      result="fail ($n): $(grep -m1 -E '^error' "$out/$name.$mode.check" | cut -c1-90 | sed 's/|/\\|/g')"
    fi
    after_tests=""
    if [ "${TESTS:-0}" = 1 ]; then
      tc=$(drop_gone_dep_features "$work" "$tcmd")
      for pair in ${renamed//,/ }; do [ "$renamed" = "-" ] && break; old=${pair%%=*}; new=${pair#*=}; tc=$(echo "$tc" | sed -E "s#(features[ =]([^ ]*[,/])?)$old(,| |\$)#\1$new\3#"); done
      after_tests=$(tests_of "$work" "$target" "$tc" "$scratch/$name.$mode.test-after")
    fi
    tests_col=""
    [ "${TESTS:-0}" = 1 ] && tests_col="$before_tests -> $after_tests"
    echo "| $name | $mode | $files | $sites | $nm | $rv | $renamed | $result | $tests_col |"
    after_warnings=""
    [ "${WARNINGS:-0}" = 1 ] && after_warnings=$(warnings_of "$out/$name.$mode.check")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mode" "${result%% *}" "$nm" "$before_warnings" "$after_warnings" >> "$out/results.tsv"
    echo "$name $mode: $result ${cmd}" >&2
  done
  [ "${PRUNE:-0}" = 1 ] && rm -rf "$target"
done
python3 - "$out" <<'PY'
import collections, json, os, sys
out = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "results.tsv")) if l.strip()]
for mode in sorted({r[1] for r in rows}):
    rs = [r for r in rows if r[1] == mode]
    clean = [r for r in rs if r[2] == "pass"]
    full = [r for r in clean if r[3] == "0"]
    pct = lambda k: f"{k}/{len(rs)} ({100 * k / len(rs):.0f}%)"
    if all(r[2] == "skipped" for r in rs):
        print(f"\n**{mode}**: check skipped (CHECK=0), {len(rs)} rows")
    else:
        print(f"\n**{mode}**: check clean {pct(len(clean))}, fully migrated {pct(len(full))}")
    by_rule = collections.Counter()
    for r in rs:
        try:
            report = json.load(open(os.path.join(out, f"{r[0]}.{mode}.json")))
        except (OSError, ValueError):
            continue
        for root in report["roots"]:
            for f in root["findings"]:
                if f["severity"] == "not-migrated":
                    by_rule[f["rule"]] += 1
    if by_rule:
        print("not migrated by rule: " + ", ".join(f"{k} {n}" for k, n in by_rule.most_common()))
    # WARNINGS=1: the check's warnings before and after, per repository.
    counted = [r for r in rs if len(r) > 5 and r[4] != "" and r[5] != ""]
    if counted:
        more = [f"{r[0]} {r[4]} -> {r[5]}" for r in counted if int(r[5]) > int(r[4])]
        print(f"warnings after <= before: {len(counted) - len(more)}/{len(counted)}"
              + (f"; more after: {', '.join(more)}" if more else ""))
PY
echo "reports: $out" >&2
