#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build-guest.sh: builds the Linux guest used by the VM end-to-end tests.
#
# The guest is Debian's LZ4-compressed cloud kernel (fast to decompress under QEMU TCG) plus a busybox
# initramfs holding the virtio modules, an /init script, and whatever host files the caller lists. ELF files
# given with -b bring their whole `ldd` closure (dynamic loader included), so unmodified dynamically linked
# programs run in the guest. Everything comes from Debian packages; nothing is compiled here.
#
# Usage: build-guest.sh -o OUTDIR [-c CACHEDIR] [-b ELF[:GUESTPATH]]... [-f FILE[:GUESTPATH]]...
#   -o OUTDIR   writes OUTDIR/vmlinuz and OUTDIR/initrd.img (created if missing)
#   -c CACHEDIR where the kernel .deb is downloaded and unpacked (default: OUTDIR/cache); reused if present
#   -b ELF      an executable or shared library; copied to GUESTPATH (default: its host path) together with every
#               library `ldd` lists for it, each at the host path ldd resolved
#   -f FILE     a plain file copied to GUESTPATH (default: its host path)
# Environment: VACCEL_VM_KERNEL_DEB=<path of a linux-image-*-cloud-amd64 .deb> skips the download.
#
# The guest's /init runs /guest/run.sh (appended per run by run-vm.sh), prints `VM-E2E: GUEST-EXIT=<rc>` and
# powers off. It symlinks every named virtio-serial port to /dev/virtio-ports/<name>, as udev would.
# Exit status: 0 on success, 125 on any failure (matching run-vm.sh's "infrastructure failure").
set -euo pipefail

readonly INFRA_FAILURE=125
readonly VIRTIO_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio"
# AF_VSOCK inside the guest (insmod order matters: no modprobe data in the image): the core, the
# virtio transport's common part, guest-internal loopback (CID 1), and the virtio-vsock driver.
readonly VSOCK_MODULES="vsock vmw_vsock_virtio_transport_common vsock_loopback vmw_vsock_virtio_transport"

die() {
  echo "build-guest: error: $*" >&2
  exit "$INFRA_FAILURE"
}

usage() {
  sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'
}

out_dir=""
cache_dir=""
elf_specs=()
file_specs=()
while getopts "o:c:b:f:h" opt; do
  case "$opt" in
    o) out_dir="$OPTARG" ;;
    c) cache_dir="$OPTARG" ;;
    b) elf_specs+=("$OPTARG") ;;
    f) file_specs+=("$OPTARG") ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit "$INFRA_FAILURE" ;;
  esac
done
[[ -n "$out_dir" ]] || { usage >&2; die "-o OUTDIR is required"; }
cache_dir="${cache_dir:-$out_dir/cache}"

for tool in cpio gzip ldd dpkg readelf; do
  command -v "$tool" >/dev/null || die "missing host tool '$tool'"
done
# The static busybox is required: the initramfs has no libc of its own for busybox to use.
busybox_bin=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [[ -x "$candidate" ]] && ! readelf -l "$candidate" 2>/dev/null | grep -q 'program interpreter'; then
    busybox_bin="$candidate"
    break
  fi
done
[[ -n "$busybox_bin" ]] || die "no static busybox found (install the Debian package busybox-static)"

mkdir -p "$out_dir" "$cache_dir"
out_dir="$(cd "$out_dir" && pwd)"
cache_dir="$(cd "$cache_dir" && pwd)"

# --- kernel --------------------------------------------------------------------------------------------------

# Prints the name of the concrete package that linux-image-cloud-amd64 currently depends on.
resolve_kernel_package() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}

# Downloads (if needed) and unpacks the cloud kernel into $cache_dir/kernel. Serialised with flock so that
# parallel test runs sharing one cache do not unpack over each other.
fetch_kernel() {
  local deb="${VACCEL_VM_KERNEL_DEB:-}"
  if [[ -z "$deb" ]]; then
    deb="$(ls -1 "$cache_dir"/linux-image-*-cloud-amd64_*.deb 2>/dev/null | tail -n1 || true)"
  fi
  if [[ -z "$deb" ]]; then
    local pkg
    pkg="$(resolve_kernel_package)"
    [[ -n "$pkg" ]] || die "cannot resolve linux-image-cloud-amd64 with apt-cache (run apt-get update?)"
    echo "build-guest: downloading $pkg into $cache_dir" >&2
    (cd "$cache_dir" && apt-get download "$pkg" >/dev/null 2>"$cache_dir/apt-download.log") ||
      die "apt-get download $pkg failed: $(tail -n 3 "$cache_dir/apt-download.log")"
    deb="$(ls -1 "$cache_dir"/linux-image-*-cloud-amd64_*.deb | tail -n1)"
  fi
  [[ -f "$deb" ]] || die "kernel package '$deb' not found"
  local stamp="$cache_dir/kernel/.unpacked-from"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$deb" ]]; then
    rm -rf "$cache_dir/kernel"
    dpkg -x "$deb" "$cache_dir/kernel" || die "dpkg -x $deb failed"
    echo "$deb" > "$stamp"
  fi
}

exec 9>"$cache_dir/.lock"
flock -w 300 9 || die "timed out waiting for the cache lock $cache_dir/.lock"
fetch_kernel
vmlinuz="$(ls -1 "$cache_dir"/kernel/boot/vmlinuz-*-cloud-amd64 2>/dev/null | tail -n1)"
[[ -n "$vmlinuz" ]] || die "no vmlinuz in the unpacked kernel package"
kver="${vmlinuz##*/vmlinuz-}"
module_root="$cache_dir/kernel/lib/modules/$kver/kernel/drivers"
flock -u 9

# --- initramfs staging ---------------------------------------------------------------------------------------

stage="$(mktemp -d "$out_dir/stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,etc,guest,lib/modules}
cp "$busybox_bin" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"

for module in $VIRTIO_MODULES; do
  cp "$module_root/virtio/$module.ko" "$stage/lib/modules/" || die "kernel module $module.ko missing"
done
cp "$module_root/char/virtio_console.ko" "$stage/lib/modules/" || die "kernel module virtio_console.ko missing"
for module in $VSOCK_MODULES; do
  cp "$module_root/../net/vmw_vsock/$module.ko" "$stage/lib/modules/" || die "kernel module $module.ko missing"
done

declare -A library_dirs=()

# Copies one host file to a path inside the image, dereferencing symlinks (the loader opens the name ldd
# printed, so the content must live at exactly that name).
copy_into_image() {
  local host_path="$1" guest_path="$2"
  [[ "$guest_path" == /* ]] || die "guest path '$guest_path' must be absolute"
  mkdir -p "$stage$(dirname "$guest_path")"
  cp -L "$host_path" "$stage$guest_path" || die "cannot copy $host_path"
}

# Debug sections (RelWithDebInfo builds) only make the image bigger, and every megabyte costs boot time under
# TCG; code, symbols and dynamic sections stay as they are. Best effort: an unstrippable file is kept whole.
drop_debug_info() {
  command -v strip >/dev/null || return 0
  strip --strip-debug "$1" 2>/dev/null || true
}

# Prints the absolute paths of all libraries `ldd` resolves for an ELF file (the loader included).
ldd_closure() {
  local elf="$1" listing
  listing="$(ldd "$elf" 2>&1)" || true
  # Static programs need nothing else; anything else ldd cannot read is an error.
  if grep -qE 'not a dynamic executable|statically linked' <<<"$listing"; then
    return 0
  fi
  grep -q '=>\|ld-linux' <<<"$listing" || die "ldd $elf failed: $listing"
  if grep -q 'not found' <<<"$listing"; then
    die "ldd cannot resolve every library of $elf:"$'\n'"$(grep 'not found' <<<"$listing")"
  fi
  # Lines look like "libx.so.1 => /path/libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)".
  awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$listing"
}

add_elf() {
  local host_path="${1%%:*}" guest_path="${1#*:}"
  [[ "$1" == *:* ]] || guest_path="$host_path"
  [[ -f "$host_path" ]] || die "ELF file '$host_path' not found"
  copy_into_image "$host_path" "$guest_path"
  drop_debug_info "$stage$guest_path"
  library_dirs["$(dirname "$guest_path")"]=1
  local libs lib
  libs="$(ldd_closure "$host_path")" || exit "$INFRA_FAILURE"
  while IFS= read -r lib; do
    [[ -n "$lib" ]] || continue
    if [[ ! -e "$stage$lib" ]]; then
      copy_into_image "$lib" "$lib"
      drop_debug_info "$stage$lib"
    fi
    library_dirs["$(dirname "$lib")"]=1
  done <<<"$libs"
}

add_file() {
  local host_path="${1%%:*}" guest_path="${1#*:}"
  [[ "$1" == *:* ]] || guest_path="$host_path"
  [[ -f "$host_path" ]] || die "file '$host_path' not found"
  copy_into_image "$host_path" "$guest_path"
}

for spec in "${elf_specs[@]}"; do add_elf "$spec"; done
for spec in "${file_specs[@]}"; do add_file "$spec"; done

# There is no ld.so.cache in the image, so name every directory that received a library explicitly.
{
  ld_path=""
  for dir in "${!library_dirs[@]}"; do ld_path="${ld_path:+$ld_path:}$dir"; done
  echo "export LD_LIBRARY_PATH='$ld_path'"
} > "$stage/etc/guest-env"

cat > "$stage/init" <<'INIT'
#!/bin/busybox sh
# Guest /init: load virtio, name the virtio-serial ports like udev would, run /guest/run.sh, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# No tmpfs on /tmp: the initramfs root is already writable, and files the image carries under /tmp must stay visible.
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio virtio_console \
  vsock vmw_vsock_virtio_transport_common vsock_loopback vmw_vsock_virtio_transport; do
  insmod /lib/modules/$module.ko 2>/dev/null
done

# No udev here: wait (at most 100 x 50 ms) for the ports to appear, then create /dev/virtio-ports/<name>.
ports=""
tries=0
while [ $tries -lt 100 ]; do
  for name_file in /sys/class/virtio-ports/*/name; do
    [ -f "$name_file" ] || continue
    name=$(cat "$name_file")
    [ -n "$name" ] || continue
    device=$(basename "$(dirname "$name_file")")
    mkdir -p /dev/virtio-ports
    ln -sf "/dev/$device" "/dev/virtio-ports/$name"
    ports="$ports $name=/dev/$device"
  done
  [ -n "$ports" ] && break
  usleep 50000
  tries=$((tries + 1))
done
echo "VM-E2E: guest up $(cut -d' ' -f1 /proc/uptime)s, ports:${ports:- MISSING}"

. /etc/guest-env
[ -f /guest/env ] && . /guest/env
cd /
if [ -f /guest/run.sh ]; then
  sh /guest/run.sh
  rc=$?
else
  echo "VM-E2E: no /guest/run.sh in the initramfs"
  rc=125
fi
echo "VM-E2E: GUEST-EXIT=$rc"
sync
reboot -f
INIT
chmod 755 "$stage/init"

# zstd decompresses about twice as fast as gzip inside the TCG guest, which is most of the boot time for a
# 30 MB image; gzip is the fallback when the host has no zstd or the kernel lacks CONFIG_RD_ZSTD.
compress=(gzip -1)
if command -v zstd >/dev/null && grep -q '^CONFIG_RD_ZSTD=y' "$cache_dir/kernel/boot/config-$kver" 2>/dev/null; then
  compress=(zstd -q -3 -T0)
fi
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | "${compress[@]}") > "$out_dir/initrd.img.tmp"
mv "$out_dir/initrd.img.tmp" "$out_dir/initrd.img"
cp "$vmlinuz" "$out_dir/vmlinuz.tmp" && mv "$out_dir/vmlinuz.tmp" "$out_dir/vmlinuz"
echo "build-guest: kernel $kver, initramfs $(du -h "$out_dir/initrd.img" | cut -f1) (${compress[0]}) -> $out_dir" >&2
