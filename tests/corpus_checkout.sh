#!/usr/bin/env bash
# Extracts every row of the corpus at its pinned commit, for tests/realworld.sh.
#
#   tests/corpus_checkout.sh MIRRORS_DIR REPOS_DIR [CORPUS_TSV]
#
# MIRRORS_DIR holds the git directories the fetch tool brings (`OWNER+NAME/repo`, or
# `OWNER+NAME` itself being a git directory). Each row's tree at its commit is written to
# REPOS_DIR/<name> (left alone when it exists). Rows whose repository is not fetched are listed
# on stderr. Fetches nothing.
set -u
mirrors=${1:?usage: tests/corpus_checkout.sh MIRRORS_DIR REPOS_DIR [CORPUS_TSV]}
repos=${2:?usage: tests/corpus_checkout.sh MIRRORS_DIR REPOS_DIR [CORPUS_TSV]}
corpus=${3:-$(dirname "$0")/corpus.tsv}
mkdir -p "$repos"
tail -n +2 "$corpus" | while IFS=$'\t' read -r name repo commit _; do
  [ -d "$repos/$name" ] && continue
  gitdir="$mirrors/${repo/\//+}"
  [ -d "$gitdir/repo" ] && gitdir="$gitdir/repo"
  if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "not fetched: $name ($repo at $commit)" >&2
    continue
  fi
  rm -rf "$repos/$name.part" && mkdir -p "$repos/$name.part"
  # A snapshot may lack its largest blobs (zellij's assets/demo.gif): those files are left out.
  gone=$(git --git-dir="$gitdir" ls-tree -r "$commit" 2>/dev/null | awk '$2 == "blob" {print $3}' |
    git --git-dir="$gitdir" cat-file --batch-check | awk '$2 == "missing" {print $1}')
  missing=""
  for blob in $gone; do
    missing="$missing :(exclude)$(git --git-dir="$gitdir" ls-tree -r "$commit" 2>/dev/null | awk -v b="$blob" '$3 == b {print $4; exit}')"
  done
  # shellcheck disable=SC2086
  git --git-dir="$gitdir" archive "$commit" -- . $missing | tar -x -C "$repos/$name.part" && mv "$repos/$name.part" "$repos/$name"
done
