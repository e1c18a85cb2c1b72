#!/usr/bin/env bash
# What `apply`'s atomic writes cost (issue 14): not a test, a measurement for docs/performance.md.
#
#   tests/write_cost.sh SHARED_BENCH_DIR [AST_GREP_BINARY]
#
# On copies of the large generated tree (../shared/bench/gen_monorepo.py, seed 1), runs in turn
# (A B C A B C ..., RUNS=3 each, medians of wall, user and sys seconds):
#   - ast-grep's 23 peer rules, `scan --update-all` (2 threads): the peer, writing in place;
#   - `async-std-migrate apply --syntax-only --to smol -j 2`: every changed file written to a
#     temporary file in its directory and renamed over the original;
#   - `async-std-migrate diff --syntax-only --to smol -j 2 > /dev/null`: the same plan, nothing
#     written (it formats the diff instead).
# apply minus diff bounds the write phase from below (diff formats a unified diff apply does not);
# its sys time is where renames show. Copy time is excluded. Prints a markdown table.
set -euo pipefail
bench=${1:?usage: tests/write_cost.sh SHARED_BENCH_DIR [AST_GREP_BINARY]}
sg=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_WORK:-/tmp/asm-bench}
mkdir -p "$work"
if [ -z "$sg" ]; then
  (cd "$work" && npm install --silent @ast-grep/cli@0.51.1 >/dev/null)
  sg="$work/node_modules/@ast-grep/cli-linux-x64-gnu/ast-grep"
fi
[ -n "${TOOL:-}" ] || (cd "$here" && cargo build --release -q)
tool=${TOOL:-$here/target/release/async-std-migrate}
runs=${RUNS:-3}
tree="$work/tree-large"
[ -d "$tree" ] || python3 "$bench/gen_monorepo.py" "$tree" --size large --seed 1 > /dev/null

# Prints "wall user sys" of one command (stdout to /dev/null).
measure() {
  /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" > /dev/null 2> "$work/err.txt" || true
  tail -1 "$work/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A wall=() user=() sys=()
for i in $(seq "$runs"); do
  for what in ast-grep apply diff; do
    rm -rf "$work/copy" && cp -r "$tree" "$work/copy"
    case $what in
      ast-grep) r=$(measure "$sg" scan -c "$bench/ast-grep-rules/sgconfig.yml" --update-all -j 2 "$work/copy") ;;
      apply) r=$(measure "$tool" apply --syntax-only --to smol --allow-dirty --allow-no-vcs -j 2 "$work/copy") ;;
      diff) r=$(measure "$tool" diff --syntax-only --to smol -j 2 "$work/copy") ;;
    esac
    read -r w u s <<< "$r"
    wall[$what]+="$w "; user[$what]+="$u "; sys[$what]+="$s "
  done
done
# Files the apply run changed (the last copy was diffed: count against the tree).
rm -rf "$work/copy" && cp -r "$tree" "$work/copy"
"$tool" apply --syntax-only --to smol --allow-dirty --allow-no-vcs -j 2 "$work/copy" > /dev/null 2>&1 || true
files=$( (diff -rq "$tree" "$work/copy" || true) | wc -l)
echo "| large ($files files written) | wall s | user s | sys s |"
echo "| --- | ---: | ---: | ---: |"
for what in ast-grep apply diff; do
  m() { echo $1 | tr ' ' '\n' | median; }
  echo "| $what | $(m "${wall[$what]}") | $(m "${user[$what]}") | $(m "${sys[$what]}") |"
done
rm -rf "$work/copy"
