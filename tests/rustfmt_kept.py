#!/usr/bin/env python3
"""Issue 16: every file that was rustfmt-clean before the migration is rustfmt-clean after.

    tests/rustfmt_kept.py REPOS_DIR WORK_DIR [MODE]

For each row migrated by a tests/realworld.sh run (WORK_DIR/<name>.<MODE>, MODE default auto),
checks each changed .rs file with the toolchain's rustfmt (`--check`, the edition of the nearest
Cargo.toml, the repository's rustfmt.toml as rustfmt finds it) before and after, and prints per
row: changed files, clean before, clean before and not after (with their names). Runs nothing but
rustfmt."""
import os, re, subprocess, sys

repos, work = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "auto"


def edition(path):
    d = os.path.dirname(path)
    while True:
        m = os.path.join(d, "Cargo.toml")
        if os.path.isfile(m):
            e = re.search(r'^\s*edition\s*=\s*"(\d+)"', open(m, errors="replace").read(), re.M)
            if e:
                return e.group(1)
        up = os.path.dirname(d)
        if up == d:
            return "2021"
        d = up


def clean(path):
    r = subprocess.run(["rustfmt", "--check", "--edition", edition(path), path],
                       capture_output=True, cwd="/tmp")
    return r.returncode == 0


print("name\tchanged_rs\tclean_before\tbroken_after\tfiles")
for entry in sorted(os.listdir(work)):
    if not entry.endswith("." + mode):
        continue
    name = entry[: -len(mode) - 1]
    orig, new = os.path.join(repos, name), os.path.join(work, entry)
    if not os.path.isdir(orig):
        continue
    diff = subprocess.run(["git", "diff", "--no-index", "--name-only", orig, new],
                          capture_output=True, text=True).stdout.split()
    changed = sorted({os.path.relpath(p, new) for p in diff
                      if p.endswith(".rs") and p.startswith(new) and "/target/" not in p})
    changed = [c for c in changed if os.path.isfile(os.path.join(orig, c))]
    before = [c for c in changed if clean(os.path.join(orig, c))]
    broken = [c for c in before if not clean(os.path.join(new, c))]
    print(f"{name}\t{len(changed)}\t{len(before)}\t{len(broken)}\t{' '.join(broken)}")
