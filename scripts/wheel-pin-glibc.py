#!/usr/bin/env python3
"""Binds named glibc symbols of an ELF file to an older symbol version that glibc still exports, so the file
stops requiring the newer glibc. Used by scripts/build-wheel.sh on the wheel's copies of the binaries.

Why: the only symbol that makes libstrata.so and the strata binary need glibc 2.35 (not 2.34) is `hypotf`,
referenced by the Swift runtime's static Glibc overlay (libswiftGlibc.a), not by Strata's code. glibc 2.35
gave hypotf a new version (GLIBC_2.35, the same result without the old SVID error-handling wrapper) and kept
the old one, hypotf@GLIBC_2.2.5, which every glibc since 2.2.5 exports. Re-pointing that one reference makes
the binaries manylinux_2_34, which adds RHEL/Rocky/Alma 9 and Amazon Linux 2023 (glibc 2.34) to the wheel's
reach.

How: in .gnu.version_r, the version-need entry (vernaux) that only the pinned symbols use is renamed to the
older version of the same library (its name offset and hash are copied from that version's entry, which the
file already has). The version index in .gnu.version stays, so those symbols now ask for the older version;
nothing moves, no section changes size. The script refuses (exit 1) when any other symbol uses that
version, when the older version is not already needed from the same library, or when the file is not a
little-endian ELF64.

    wheel-pin-glibc.py FILE [SYMBOL=NEW_VERSION=OLD_VERSION ...]   (default: hypotf=GLIBC_2.35=GLIBC_2.2.5)
"""
import struct
import sys

SHT_DYNSYM = 11
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_GNU_VERSYM = 0x6FFFFFFF


def cstring(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end].decode()


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("wheel-pin-glibc: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    out = []
    for i in range(shnum):
        name, kind, flags, addr, offset, size, link, info, align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        out.append(dict(kind=kind, offset=offset, size=size, link=link, info=info, entsize=entsize))
    return out


def pin(path, rules):
    data = bytearray(open(path, "rb").read())
    secs = sections(data)
    verneed = next((s for s in secs if s["kind"] == SHT_GNU_VERNEED), None)
    versym = next((s for s in secs if s["kind"] == SHT_GNU_VERSYM), None)
    dynsym = next((s for s in secs if s["kind"] == SHT_DYNSYM), None)
    if not (verneed and versym and dynsym):
        raise SystemExit(f"wheel-pin-glibc: {path}: no symbol versions")
    dynstr = secs[verneed["link"]]["offset"]

    # Every needed version: index -> (library, name, byte offset of its vernaux entry).
    needs = {}
    at = verneed["offset"]
    for _ in range(verneed["info"]):
        _, count, file_off, aux, nxt = struct.unpack_from("<HHIII", data, at)
        library = cstring(data, dynstr + file_off)
        a = at + aux
        for _ in range(count):
            _, _, index, name_off, anext = struct.unpack_from("<IHHII", data, a)
            needs[index & 0x7FFF] = (library, cstring(data, dynstr + name_off), a)
            a += anext
        at += nxt

    # Which dynamic symbols use each version index.
    users = {}
    for i in range(dynsym["size"] // dynsym["entsize"]):
        name_off, = struct.unpack_from("<I", data, dynsym["offset"] + i * dynsym["entsize"])
        index, = struct.unpack_from("<H", data, versym["offset"] + i * 2)
        users.setdefault(index & 0x7FFF, []).append(
            cstring(data, secs[dynsym["link"]]["offset"] + name_off))

    changed = []
    for symbol, new, old in rules:
        hits = [(i, n) for i, n in needs.items() if n[1] == new and symbol in users.get(i, [])]
        if not hits:
            continue  # this file does not use SYMBOL@NEW
        index, (library, _, entry) = hits[0]
        others = sorted(set(users[index]) - {s for s, n, _ in rules if n == new})
        if others:
            raise SystemExit(f"wheel-pin-glibc: {path}: {new} is also needed by {', '.join(others[:5])}")
        target = next((n for n in needs.values() if n[0] == library and n[1] == old), None)
        if target is None:
            raise SystemExit(f"wheel-pin-glibc: {path}: {old} is not needed from {library} already")
        old_hash, _, _, old_name, _ = struct.unpack_from("<IHHII", data, target[2])
        struct.pack_into("<I", data, entry, old_hash)
        struct.pack_into("<I", data, entry + 8, old_name)
        changed.append(f"{symbol}@{new} -> {symbol}@{old} ({library})")
    open(path, "wb").write(data)
    return changed


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    rules = [tuple(r.split("=")) for r in argv[1:]] or [("hypotf", "GLIBC_2.35", "GLIBC_2.2.5")]
    for change in pin(argv[0], rules):
        print(f"wheel-pin-glibc: {argv[0]}: {change}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
