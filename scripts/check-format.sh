#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks (or applies) the C/C++ style of .clang-format with clang-format.
#   scripts/check-format.sh                 check every tracked C/C++ file; exit 1 listing those that differ
#   scripts/check-format.sh FILE...         check only these files
#   scripts/check-format.sh --fix [FILE...] rewrite the files (all tracked C/C++ files without FILE) in place
#   scripts/check-format.sh --changed [REV] check the C/C++ files changed since REV (default: main)
# CLANG_FORMAT names the binary (default: clang-format, Debian 12's is version 14).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
clang_format="${CLANG_FORMAT:-clang-format}"
mode=check
files=()
case "${1:-}" in
  --fix) mode=fix; shift; files=("$@") ;;
  --changed)
    base="${2:-main}"
    mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.c' '*.cc' '*.cpp' '*.h' '*.hpp')
    if [ ${#files[@]} -eq 0 ]; then echo "check-format: no C/C++ file changed since $base"; exit 0; fi ;;
  -h|--help) sed -n '3,8p' "$0"; exit 0 ;;
  *) files=("$@") ;;
esac
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(git ls-files -- '*.c' '*.cc' '*.cpp' '*.h' '*.hpp')
fi
command -v "$clang_format" >/dev/null || { echo "check-format: $clang_format not found (scripts/install-deps.sh)" >&2; exit 2; }

if [ "$mode" = fix ]; then
  printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P "$(nproc)" "$clang_format" -i --style=file
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi

# One line per file that would change; clang-format reports each with a warning on stderr.
bad="$(printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P "$(nproc)" "$clang_format" --dry-run --style=file 2>&1 |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: .*/\1/p' | sort -u)"
if [ -n "$bad" ]; then
  echo "$bad" >&2
  echo "check-format: $(echo "$bad" | wc -l) of ${#files[@]} files differ from .clang-format;" \
       "fix with: scripts/check-format.sh --fix FILE..." >&2
  exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format"
