#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run_example.sh: runs one example program and checks its exit status and output.
#
#   run_example.sh [--fail] [--timeout S] [--expect LINE]... [--expect-re ERE]... -- CMD [ARGS...]
#
#   --expect LINE    stdout+stderr must contain LINE as a whole line (exact match)
#   --expect-re ERE  ... a line matching the extended regular expression ERE (anchored with ^$)
#   --fail           the program must exit with a non-zero status of its own (1..125), i.e. fail
#                    cleanly with a message, not crash or be killed
#   --timeout S      kill the program after S seconds (default 60); a timeout always fails
# Prints the program's output when a check fails.
set -u
expect_fail=0
timeout_s=60
checks_file=$(mktemp) || exit 2
out_file=$(mktemp) || exit 2
trap 'rm -f "$checks_file" "$out_file"' EXIT

while [ $# -gt 0 ]; do
	case "$1" in
	--fail) expect_fail=1; shift ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--expect) printf 'F\t%s\n' "$2" >> "$checks_file"; shift 2 ;;
	--expect-re) printf 'R\t%s\n' "$2" >> "$checks_file"; shift 2 ;;
	--) shift; break ;;
	*) echo "run_example.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "run_example.sh: no command given" >&2; exit 2; }

timeout -s KILL "$timeout_s" "$@" > "$out_file" 2>&1
rc=$?
failed=0
if [ "$expect_fail" -eq 1 ]; then
	if [ "$rc" -eq 0 ] || [ "$rc" -gt 125 ]; then
		echo "FAIL: expected a clean failure (exit 1..125), got exit status $rc"
		failed=1
	fi
elif [ "$rc" -ne 0 ]; then
	echo "FAIL: exit status $rc (expected 0)"
	failed=1
fi

tab=$(printf '\t')
while IFS="$tab" read -r kind text; do
	if [ "$kind" = F ]; then
		grep -Fxq -- "$text" "$out_file" || { echo "FAIL: missing line: $text"; failed=1; }
	else
		grep -Eq -- "^($text)\$" "$out_file" || { echo "FAIL: no line matches: $text"; failed=1; }
	fi
done < "$checks_file"

echo "---- output of: $* (exit $rc)"
cat "$out_file"
exit "$failed"
