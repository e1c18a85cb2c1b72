#!/usr/bin/env bash
# The speed benchmark (not a test: it needs minutes, an idle machine, and ast-grep).
#
#   tests/bench.sh SHARED_BENCH_DIR [AST_GREP_BINARY]
#
# Generates the medium and large trees of ../shared/bench/gen_monorepo.py (seed 1), then, on
# copies, runs in turn (A B A B ..., 3 runs each, medians):
#   - ast-grep's 23 peer rules, `scan --update-all` (2 threads);
#   - `async-std-migrate apply --syntax-only --to smol` (the same target as the peer rules);
#   - `async-std-migrate apply --syntax-only` (the default, --to auto);
# and once, on medium, the semantic mode (`apply`, one rust-analyzer database for the run).
# Copy time is excluded (copies are made before the clock starts). Prints a markdown table and
# the paired ratios; docs/performance.md holds the last results.
# Without AST_GREP_BINARY, ast-grep 0.51.1 is installed from npm into a temporary directory.
set -euo pipefail
bench=${1:?usage: tests/bench.sh SHARED_BENCH_DIR [AST_GREP_BINARY]}
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

# Prints "wall_s peak_kb" of one command.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/out.txt" 2> "$work/err.txt" || true
  cat "$work/time.txt" | tail -1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| tree | what | wall s (median of $runs) | peak MiB |"
echo "| --- | --- | ---: | ---: |"
for size in medium large; do
  tree="$work/tree-$size"
  [ -d "$tree" ] || python3 "$bench/gen_monorepo.py" "$tree" --size "$size" --seed 1 > /dev/null
  declare -A walls=() peaks=()
  for i in $(seq "$runs"); do
    for what in ast-grep smol auto; do
      rm -rf "$work/copy" && cp -r "$tree" "$work/copy"
      case $what in
        ast-grep) r=$(measure "$sg" scan -c "$bench/ast-grep-rules/sgconfig.yml" --update-all -j 2 "$work/copy") ;;
        smol) r=$(measure "$tool" apply --syntax-only --to smol --allow-dirty --allow-no-vcs -j 2 "$work/copy") ;;
        auto) r=$(measure "$tool" apply --syntax-only --allow-dirty --allow-no-vcs -j 2 "$work/copy") ;;
      esac
      walls[$what]+="${r% *} "
      peaks[$what]+="${r#* } "
    done
  done
  for what in ast-grep smol auto; do
    w=$(echo ${walls[$what]} | tr ' ' '\n' | median)
    p=$(echo ${peaks[$what]} | tr ' ' '\n' | median)
    echo "| $size | $what | $w | $((p / 1024)) |"
    eval "w_${what//-/_}=$w"
  done
  echo "| $size | ratio smol / ast-grep | $(echo "$w_smol / $w_ast_grep" | bc -l | cut -c1-4) | |"
  echo "| $size | ratio auto / ast-grep | $(echo "$w_auto / $w_ast_grep" | bc -l | cut -c1-4) | |"
done
# Semantic mode, once, on medium.
rm -rf "$work/copy" && cp -r "$work/tree-medium" "$work/copy"
r=$(measure "$tool" apply --allow-dirty --allow-no-vcs -j 2 "$work/copy")
echo "| medium | semantic (\`apply\`, one rust-analyzer database, -j 2) | ${r% *} | $(( ${r#* } / 1024 )) |"
