#!/usr/bin/env bash
# Lines the migration changed per corpus row (issue 16: the diff a maintainer reviews).
#
#   tests/changed_lines.sh REPOS_DIR WORK_DIR [MODE]
#
# REPOS_DIR holds the original checkouts (as for tests/realworld.sh); WORK_DIR the migrated copies
# a realworld.sh run left in its scratch directory (`<name>.<MODE>`, MODE default `auto`). Prints
# one TSV line per row that has a migrated copy: name, files changed, lines added, lines removed,
# and the same three for `.rs` files only. Cargo.lock is left out (a check writes one), and so is
# anything under target/.
set -u
repos=${1:?usage: tests/changed_lines.sh REPOS_DIR WORK_DIR [MODE]}
work=${2:?usage: tests/changed_lines.sh REPOS_DIR WORK_DIR [MODE]}
mode=${3:-auto}
printf 'name\tfiles\tadded\tremoved\trs_files\trs_added\trs_removed\n'
for dir in "$work"/*."$mode"; do
  [ -d "$dir" ] || continue
  name=$(basename "$dir" ".$mode")
  [ -d "$repos/$name" ] || continue
  git diff --no-index --numstat "$repos/$name" "$dir" 2>/dev/null |
    awk -v name="$name" -F'\t' '
      $3 ~ /(^|\/)Cargo\.lock( |$|\})/ || $3 ~ /(^|\/)target\// { next }
      { f++; a += $1; r += $2 }
      $3 ~ /\.rs( |$|\})/ { rf++; ra += $1; rr += $2 }
      END { printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", name, f, a, r, rf, ra, rr }'
done
