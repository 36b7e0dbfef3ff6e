#!/usr/bin/env bash
# The wheel on a bare machine (`make bare-test`, after `make wheel`; slow, so not part of `make test`):
# debootstrap a minimal Debian 12 root (minbase: no Swift, no compiler, no OpenBLAS, no sqlite3 CLI), install
# only python3 and python3-venv (pip, to install a wheel) from the Debian archive, install the wheel into a
# venv there with no index, and run a knn_match with a filter, a read_log over a file Python's logging wrote,
# and the strata command, inside the root with chroot. Needs root (debootstrap, chroot, mounts).
#   scripts/bare-machine.sh [ROOT]      default .build-bare/root, made anew each run
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-.build-bare/root}

wheel=$(ls -t .build-wheel-py/dist/strata_sqlite-*-manylinux_*.whl 2>/dev/null | head -1 || true)
[ -n "$wheel" ] || { echo "bare-machine: no wheel in .build-wheel-py/dist (run make wheel)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bare-machine: needs root (debootstrap, chroot)" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
# The archive this machine's apt uses.
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

unmount() {
  for m in proc dev; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m" || true
  done
}
trap unmount EXIT
unmount
rm -rf "$root"
mkdir -p "$root"
echo "bare-machine: debootstrap --variant=minbase bookworm $root $mirror" >&2
start=$(date +%s)
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$root.debootstrap.log" 2>&1 \
  || { tail -20 "$root.debootstrap.log" >&2; exit 1; }
echo "bare-machine: debootstrap took $(( $(date +%s) - start )) s" >&2
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv \
  > "$root.apt.log" 2>&1 || { tail -20 "$root.apt.log" >&2; exit 1; }
in_root apt-get clean

mkdir -p "$root/tmp/wheel"
cp "$wheel" "$root/tmp/wheel/"
cp scripts/bare-machine-check.py "$root/tmp/check.py"
in_root /bin/sh -c '
  set -e
  echo "== the root: $(. /etc/os-release; echo "$PRETTY_NAME"), glibc $(ldd --version | head -1 | awk "{print \$NF}"), $(python3 --version)"
  for tool in swift swiftc gcc cc clang sqlite3 pip3; do
    if command -v $tool >/dev/null; then echo "unexpected: $tool is installed"; exit 1; fi
  done
  if ls /usr/lib/x86_64-linux-gnu | grep -Ei "openblas|gfortran|libedit" ; then
    echo "   (above: present before the wheel)"
  else
    echo "   no swift, gcc, cc, clang, sqlite3 CLI, pip3; no OpenBLAS, libgfortran, libedit in /usr/lib"
  fi
  python3 -m venv /opt/strata
  /opt/strata/bin/pip install -q --no-index --disable-pip-version-check /tmp/wheel/*.whl
  echo "== installed: $(/opt/strata/bin/pip list 2>/dev/null | grep -i strata)"
  cd /tmp && /opt/strata/bin/python /tmp/check.py
'
echo "bare-machine: passed ($(( $(date +%s) - start )) s in all)" >&2
