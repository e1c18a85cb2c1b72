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
# then the default semantic mode (`diff -j 2`) on medium and large, SEMANTIC_RUNS times each
# (default 1), with its peak and its ratio to ast-grep.
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
declare -A sg_wall=()

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
  sg_wall[$size]=$w_ast_grep
done
# The default mode (semantic), `diff -j 2` as issue 15 measures it, SEMANTIC_RUNS times per tree
# (minutes each on large), with its peak and the ratio to the peer's median above.
for size in medium large; do
  s_walls=""; s_peaks=""
  for i in $(seq "${SEMANTIC_RUNS:-1}"); do
    r=$(measure "$tool" diff -j 2 "$work/tree-$size")
    s_walls+="${r% *} "; s_peaks+="${r#* } "
  done
  w=$(echo $s_walls | tr ' ' '\n' | median)
  p=$(echo $s_peaks | tr ' ' '\n' | median)
  echo "| $size | semantic \`diff -j 2\` | $w | $((p / 1024)) |"
  echo "| $size | ratio semantic / ast-grep | $(echo "$w / ${sg_wall[$size]}" | bc -l | cut -c1-4) | |"
done
