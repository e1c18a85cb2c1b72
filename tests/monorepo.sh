#!/usr/bin/env bash
# The monorepo acceptance run (not part of `cargo test`: it needs the generator and minutes):
#
#   tests/monorepo.sh SHARED_BENCH_DIR SEED [generator size args...] [-- tool args...]
#   e.g. tests/monorepo.sh ../shared/bench 11 --crates 24 --files-per-crate 6 -- --syntax-only
#
# Generates a tree with ../shared/bench/gen_monorepo.py, commits it to a scratch git repository,
# runs one `apply` at its root, then `cargo check --all-targets` in every workspace root and
# standalone crate with default and with all features, then `diff --check` (a second run must
# have nothing to do) and `scan --check` (no async-std left). Prints one line per failure and a
# summary; exits 1 when anything failed.
set -uo pipefail
bench=${1:?usage: tests/monorepo.sh SHARED_BENCH_DIR SEED [size args] [-- tool args]}
seed=${2:?seed}
shift 2
gen=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do gen+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#gen[@]} -eq 0 ] && gen=(--size tiny)
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release -q)
tool="$here/target/release/async-std-migrate"
d=${MONOREPO_WORK:-/tmp/asm-monorepo}-$seed
rm -rf "$d" && python3 "$bench/gen_monorepo.py" "$d" "${gen[@]}" --seed "$seed" > /dev/null
cd "$d" && git init -q && git add -A && git -c user.email=x@y -c user.name=x commit -qm init
"$tool" apply "$@" . > "$d.apply.txt" 2>&1
echo "apply exit $?: $(tail -1 "$d.apply.txt")"
fails=0
for w in workspaces/* standalone/*; do
  for f in "" "--all-features"; do
    if ! (cd "$w" && CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/asm-monorepo-target} cargo check -q --all-targets $f > "$d.check.txt" 2>&1); then
      fails=$((fails + 1))
      echo "FAIL $w $f"
      grep -E "^error" -A 6 "$d.check.txt" | head -14
    fi
  done
done
"$tool" diff --check "$@" . > "$d.second.txt" 2>&1; second=$?
"$tool" scan --check "$@" . > "$d.scan.txt" 2>&1; scan=$?
echo "seed $seed: $(ls -d workspaces/* standalone/* | wc -l) roots, check failures: $fails, second run diff --check: $second, scan --check: $scan"
[ $fails -eq 0 ] && [ $second -eq 0 ] && [ $scan -eq 0 ]
