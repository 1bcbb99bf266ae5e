#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install_test.sh: installs the build into a temporary prefix and checks that applications build
# and run against it the three documented ways:
#   1. cc app.c $(pkg-config --cflags --libs vaccel)            (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)
#   2. gcc -I.. -L.. classification.c -o classify -lvaccel -ldl (the reference write-up's command)
#   3. find_package(vaccel) -> vaccel::vaccel                     (CMAKE_PREFIX_PATH=<prefix>)
# and that the installed examples run from <prefix>/bin (RPATH) with the installed plugins.
#
# Usage: install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER CMAKE [EXTRA_CFLAGS]
# EXTRA_CFLAGS: e.g. -fsanitize=address,undefined when the build uses sanitizers.
set -u
build_dir=$1
src_dir=$2
cc=$3
cmake=$4
extra_cflags=${5:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-install-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "== $*"; }

# run_check NAME EXPECTED_LINE CMD...: CMD must exit 0 and print EXPECTED_LINE.
run_check() {
	name=$1; expected=$2; shift 2
	out=$(timeout -s KILL 60 "$@" 2>&1); rc=$?
	echo "$out" | sed 's/^/    /'
	[ "$rc" -eq 0 ] || { fail "$name: exit status $rc"; return; }
	echo "$out" | grep -Fxq -- "$expected" || fail "$name: missing line '$expected'"
}

step "cmake --install $build_dir --prefix $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" > "$work/install.log" 2>&1 || {
	cat "$work/install.log"; echo "FAIL: install"; exit 1; }

libdir=$(dirname "$(find "$prefix" -name 'libvaccel.so' | head -n 1)")
[ -n "$libdir" ] && [ -e "$libdir/libvaccel.so" ] || { echo "FAIL: no libvaccel.so installed"; exit 1; }
for f in include/vaccel.h include/vaccel/session.h include/vaccel/ops/image.h bin/classify \
	bin/exec bin/noop; do
	[ -e "$prefix/$f" ] || fail "not installed: $f"
done
for f in libvaccel-noop.so libvaccel-exec.so libvaccel-mbench.so libmytestlib.so \
	pkgconfig/vaccel.pc cmake/vaccel/vaccelConfig.cmake cmake/vaccel/vaccelTargets.cmake; do
	[ -e "$libdir/$f" ] || fail "not installed: $libdir/$f"
done
noop_plugin="$libdir/libvaccel-noop.so"
dummy_tag="app: This is a dummy classification tag!"

step "pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
if ! flags=$(pkg-config --cflags --libs vaccel); then
	fail "pkg-config --cflags --libs vaccel"
else
	echo "    pkg-config --cflags --libs vaccel: $flags"
	[ "$(pkg-config --modversion vaccel)" = "0.8.0" ] || fail "pkg-config --modversion"
	# shellcheck disable=SC2086 # word splitting of the flags is intended
	if "$cc" $extra_cflags "$src_dir/tests/examples/install_app/app.c" $flags -o "$work/app-pc"; then
		run_check "pkg-config app" "$dummy_tag" \
			env LD_LIBRARY_PATH="$libdir" VACCEL_PLUGINS="$noop_plugin" "$work/app-pc"
	else
		fail "compile app.c with pkg-config flags"
	fi
fi

step "gcc classification.c -o classify -lvaccel -ldl"
cp "$src_dir/examples/classify.c" "$work/classification.c"
# shellcheck disable=SC2086
if (cd "$work" && "$cc" $extra_cflags -I"$prefix/include" -L"$libdir" classification.c -o classify -lvaccel -ldl); then
	run_check "classification.c" "classification tags: This is a dummy classification tag!" \
		env LD_LIBRARY_PATH="$libdir" VACCEL_PLUGINS="$noop_plugin" "$work/classify" \
		"$src_dir/tests/examples/data/tiny.bmp"
else
	fail "compile classification.c"
fi

step "find_package(vaccel)"
if "$cmake" -S "$src_dir/tests/examples/install_app" -B "$work/app-build" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$extra_cflags" \
	> "$work/app-cmake.log" 2>&1 && "$cmake" --build "$work/app-build" >> "$work/app-cmake.log" 2>&1; then
	run_check "find_package app" "$dummy_tag" \
		env LD_LIBRARY_PATH="$libdir" VACCEL_PLUGINS="$noop_plugin" "$work/app-build/app"
else
	cat "$work/app-cmake.log"
	fail "configure/build the find_package consumer"
fi

step "installed examples (no LD_LIBRARY_PATH: they find libvaccel through their RPATH)"
run_check "installed classify" "classification tags: This is a dummy classification tag!" \
	env VACCEL_PLUGINS="$noop_plugin" "$prefix/bin/classify" "$src_dir/tests/examples/data/tiny.bmp"
run_check "installed exec" "output: 20" \
	env VACCEL_PLUGINS="$libdir/libvaccel-exec.so" "$prefix/bin/exec" "$libdir/libmytestlib.so"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "install test passed"
