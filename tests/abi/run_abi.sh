#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ABI checks for binaries built against the mirrored vAccel 0.8 headers.
# Usage: run_abi.sh levels|exec|seed <args...> (see tests/abi/CMakeLists.txt).
set -u
fail() { echo "FAIL: $*"; exit 1; }
# has <text> <needle>: 0 if a line of text contains needle.
has() { printf '%s\n' "$1" | grep -qF -- "$2"; }
# run <env...> -- <cmd...>: output of the command, bounded in time.
run() {
	out=$(env -u VACCEL_LOG_FILE "$@" 2>&1) || fail "exit $? from $*: $out"
}

mode=$1
shift
case "$mode" in
levels) # levels <app> <plugin>
	app=$1 plugin=$2
	for level in 1 2 3 4 5; do
		run VACCEL_PLUGINS="$plugin" VACCEL_LOG_LEVEL=$level timeout 30 "$app" none none
		has "$out" "plugin: abi" || fail "level $level: not bound to the abi plugin: $out"
		has "$out" "output: 20" || fail "level $level: exec result missing: $out"
		has "$out" "<error> abi-plugin error line" || fail "level $level: plugin error line missing"
		has "$out" "<error> abi-app error line" || fail "level $level: app error line missing"
		for pair in 2:warn 3:info 4:debug 5:trace; do
			min=${pair%%:*} tag=${pair#*:}
			if [ "$level" -ge "$min" ]; then
				has "$out" "<$tag> " || fail "level $level: no <$tag> line: $out"
				has "$out" "abi-plugin $tag line" || fail "level $level: plugin $tag line missing: $out"
			elif has "$out" "abi-plugin $tag line"; then
				fail "level $level: plugin $tag line shown: $out"
			fi
		done
		if [ "$level" -ge 3 ]; then
			has "$out" "<info> abi-app info line" || fail "level $level: app info line missing"
			has "$out" "<info> abi-plugin init (slog 1.8.22)" || fail "level $level: init line missing"
		elif has "$out" "abi-app info line"; then
			fail "level $level: app info line shown"
		fi
		if [ "$level" -ge 5 ]; then
			has "$out" "<trace> [" || fail "trace lines carry their location: $out"
		fi
	done
	echo "levels: ok"
	;;
exec) # exec <app> <exec plugin> <library>
	app=$1 plugin=$2 lib=$3
	run VACCEL_PLUGINS="$plugin" timeout 30 "$app" "$lib" mytestfunc
	has "$out" "plugin: exec" || fail "DEBUG hint did not fall back to the exec plugin: $out"
	has "$out" "output: 20" || fail "exec result missing: $out"
	echo "exec: ok"
	;;
seed) # seed <program> <noop plugin> <input file>
	prog=$1 plugin=$2 input=$3
	run VACCEL_PLUGINS="$plugin" timeout 30 "$prog" "$input"
	has "$out" "Initialized session with id: 1" || fail "seed session line missing: $out"
	has "$out" "classification tags: This is a dummy classification tag!" || fail "no tags: $out"
	echo "seed: ok"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
