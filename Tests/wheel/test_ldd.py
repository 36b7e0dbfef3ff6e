"""What the installed binaries take from the host: glibc, libstdc++ and libgcc only; the rest is in the wheel."""
import pathlib
import subprocess

import pytest

import strata_sqlite
from conftest import SITE

HOST = {"linux-vdso.so.1", "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
        "librt.so.1", "libstdc++.so.6", "libgcc_s.so.1"}


def ldd(path):
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=True).stdout
    libs = {}
    for line in out.splitlines():
        parts = line.split()
        name = pathlib.Path(parts[0]).name
        libs[name] = parts[2] if len(parts) > 2 and parts[1] == "=>" else parts[0]
    return libs


BLAS_SHIM = pathlib.Path(strata_sqlite.loadable_path()).with_name("libstrata_blas.so")


@pytest.mark.parametrize("binary", [strata_sqlite.loadable_path(), strata_sqlite.cli_path(), BLAS_SHIM],
                         ids=["libstrata.so", "bin/strata", "libstrata_blas.so"])
def test_only_glibc_libstdcxx_and_libgcc_come_from_the_host(binary):
    libs = ldd(binary)
    vendored = SITE.resolve() / "strata_sqlite.libs"
    outside = {n: p for n, p in libs.items() if n not in HOST and vendored not in pathlib.Path(p).resolve().parents}
    assert outside == {}
    assert "not found" not in libs.values()
    names = " ".join(libs)
    # OpenBLAS is opened on first use through libstrata_blas.so, which needs the vendored copy; the library and
    # the shell do not link it (its thread pool would start, and spin, whenever they are loaded).
    if binary == BLAS_SHIM:
        assert "libopenblas" in names
    else:
        assert "libopenblas" not in names and "libz-" in names
    assert not any(n.startswith(("libopenblas.so", "libz.so", "libgfortran.so")) for n in libs)


def test_the_library_does_not_link_sqlite():
    out = subprocess.run(["nm", "-D", "--undefined-only", strata_sqlite.loadable_path()],
                         capture_output=True, text=True, check=True).stdout
    assert [l for l in out.splitlines() if "sqlite3_" in l] == []
