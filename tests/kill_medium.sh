#!/usr/bin/env bash
# 20 kill -9s during `apply` on the generated medium tree (../shared/bench/gen_monorepo.py
# --size medium: 2,000 files, 25 cargo roots), at seeded moments across a whole run; after each,
# every file must be its original or its migrated version (issue 14's measure; the CI runs the
# smaller in-process test `kill::twenty_kills_during_apply_leave_every_file_whole`).
# Usage: tests/kill_medium.sh [TOOL] [SCRATCH]   (defaults: this checkout's release build, mktemp)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tool=${1:-$here/target/release/async-std-migrate}
[ -n "${1:-}" ] || (cd "$here" && cargo build --release -q)
scratch=${2:-$(mktemp -d)}
# A killed run leaves its scratch copy behind (the lockfile resolution): in $scratch, not /tmp.
export TMPDIR="$scratch/tmp"; mkdir -p "$TMPDIR"
gen=$here/../shared/bench/gen_monorepo.py
run() { "$tool" apply --syntax-only --allow-no-vcs --allow-dirty "$1" >/dev/null 2>&1; }
rm -rf "$scratch/orig" "$scratch/mig"
python3 "$gen" "$scratch/orig" --size medium >/dev/null
cp -a "$scratch/orig" "$scratch/mig"
start=$(date +%s%N); run "$scratch/mig"; full=$(( ($(date +%s%N) - start) / 1000000 ))
echo "a whole apply: ${full} ms"
seed=12345
for round in $(seq 1 20); do
  seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
  at=$(( full / 10 + seed % (full - full / 10) ))
  rm -rf "$scratch/work"; cp -a "$scratch/orig" "$scratch/work"
  "$tool" apply --syntax-only --allow-no-vcs --allow-dirty "$scratch/work" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk "BEGIN{print $at/1000}")"
  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  python3 - "$scratch" "$round" "$at" <<'PY'
import os, sys
s, rnd, at = sys.argv[1], sys.argv[2], sys.argv[3]
orig, mig, work = (os.path.join(s, d) for d in ("orig", "mig", "work"))
new = same = 0
for dp, _, fs in os.walk(orig):
    for f in fs:
        rel = os.path.relpath(os.path.join(dp, f), orig)
        o = open(os.path.join(orig, rel), "rb").read()
        m = open(os.path.join(mig, rel), "rb").read()
        w = open(os.path.join(work, rel), "rb").read()
        if w != o and w != m:
            sys.exit(f"round {rnd} (killed at {at} ms): {rel} is neither the original nor the migrated version")
        if o != m:
            new += w == m
            same += w == o
print(f"round {rnd}: killed at {at} ms: {new} files migrated, {same} original, none cut")
PY
done
rm -rf "$scratch/orig" "$scratch/mig" "$scratch/work"
