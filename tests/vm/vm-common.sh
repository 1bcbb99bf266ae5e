# SPDX-License-Identifier: Apache-2.0
# vm-common.sh: helpers shared by the VM end-to-end tests (sourced, not run).
# Expects REPO_ROOT to be set by the sourcing script.

VM_SCRIPTS="$REPO_ROOT/scripts/vm"
vm_failures=0
vm_checks=0

vm_log() { echo "[vm-test $(date -u +%H:%M:%S)] $*"; }

# Fails the test run at once (setup problems; nothing to assert on).
vm_die() {
  echo "[vm-test] FATAL: $*" >&2
  exit 1
}

vm_check() {
  local what="$1"
  shift
  vm_checks=$((vm_checks + 1))
  if "$@"; then
    vm_log "ok   - $what"
  else
    vm_log "FAIL - $what"
    vm_failures=$((vm_failures + 1))
  fi
}

# True when FILE has a line matching the extended regex.
vm_has_line() { grep -Eq -- "$2" "$1"; }
vm_lacks_line() { ! grep -Eq -- "$2" "$1"; }
vm_equals() { [[ "$1" == "$2" ]]; }
vm_less_than() { (($1 < $2)); }

# Runs the runner and records its exit status and wall time in VM_RC and VM_MS.
vm_run() {
  local start_ns
  start_ns=$(date +%s%N)
  "$VM_SCRIPTS/run-vm.sh" "$@"
  VM_RC=$?
  VM_MS=$((($(date +%s%N) - start_ns) / 1000000))
  vm_log "run-vm.sh exit $VM_RC after $VM_MS ms"
}

vm_summary() {
  vm_log "$((vm_checks - vm_failures))/$vm_checks checks passed"
  ((vm_failures == 0))
}
