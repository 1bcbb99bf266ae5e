#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The rpc plugin says why it could not reach the agent: the address and the errno text, at error
# level, once per failed connect (before, only "(121)" appeared, even at debug level).
# usage: connect_error_log.sh <build_dir>
set -u
B=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vaccel-connect-log.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command...
	local what=$1
	shift
	if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fail=1; fi
}

# A unix path nobody listens on; the noop example creates one session, so one connect is tried.
addr="unix://$tmp/nobody.sock"
VACCEL_PLUGINS=$B/plugins/rpc/libvaccel-rpc.so VACCEL_RPC_ADDRESS=$addr VACCEL_LOG_LEVEL=1 \
	timeout 20 "$B/examples/noop" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
check "noop failed (rc=$rc)" test "$rc" -ne 0 -a "$rc" -ne 124
reason_lines=$(grep -c "<error> \[rpc\] .*$tmp/nobody.sock: No such file or directory" "$tmp/out")
check "one error line names the address and the errno text" test "$reason_lines" -eq 1
exit $fail
