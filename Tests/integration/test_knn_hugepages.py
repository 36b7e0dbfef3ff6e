"""A packed corpus used a second time moves onto 2 MB pages in the background (issue 15, item 7).

Warm queries read the whole packed matrix; on 4 KB pages they miss the TLB once per page
(Sources/Vectors/HugePageCollapser.swift). Checked from outside, as a user would see it: the process's
AnonHugePages grows by about the corpus's size after the second query, not after the first, the answers stay
NumPy's throughout, STRATA_KNN_HUGEPAGES=0 turns it off, and closing the connection mid-collapse is clean
(in the process, and in a child forked meanwhile).
Each case runs in its own process so the huge-page count is the corpus's alone.
"""
import ctypes
import mmap
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import LIB

SCRIPT = textwrap.dedent(r"""
    import os, sqlite3, sys, time
    import numpy as np
    lib, mode, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
    D = 384                                # 24,000 rows: 36.9 MB packed, above the 32 MB threshold
    rng = np.random.default_rng(5)
    X = rng.standard_normal((N, D)).astype(np.float32)
    Q = rng.standard_normal((3, D)).astype(np.float32)

    def huge_kb():
        for line in open("/proc/self/smaps_rollup"):
            if line.startswith("AnonHugePages:"):
                return int(line.split()[1])

    def oracle(q):
        x = X.astype(np.float64); qq = q.astype(np.float64)
        d = 1 - x @ qq / (np.linalg.norm(x, axis=1) * np.linalg.norm(qq))
        return sorted(range(N), key=lambda i: (d[i], i))[:10]

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, embedding BLOB)")
    conn.executemany("INSERT INTO docs VALUES (?, ?)", ((i, X[i].tobytes()) for i in range(N)))
    conn.commit()
    conn.enable_load_extension(True)
    conn.load_extension(lib)
    sql = "SELECT id FROM knn_match('docs.embedding', ?, 10) ORDER BY rank"
    def knn(q): return [r[0] for r in conn.execute(sql, (q.tobytes(),))]
    expected = [oracle(q) for q in Q]

    start = huge_kb()
    assert knn(Q[0]) == expected[0]       # the first use streams the rows (nothing packed)
    assert knn(Q[0]) == expected[0]       # the second packs and caches the corpus
    time.sleep(0.5)
    after_first = huge_kb()
    assert knn(Q[1]) == expected[1]       # used again: the collapse begins
    if mode == "fork":
        # A child forked while the pages move (multiprocessing does this) has no collapsing thread: closing
        # its copy of the connection must not wait for one.
        pid = os.fork()
        if pid == 0:
            ok = knn(Q[0]) == expected[0]
            conn.close()
            os._exit(0 if ok else 3)
        deadline = time.time() + 20
        while time.time() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            print("child hung")
            sys.exit(0)
        print("child", os.waitstatus_to_exitcode(status))
        assert knn(Q[2]) == expected[2]
        sys.exit(0)
    if mode == "close":
        conn.close()                      # while the thread works: it is stopped and joined first
        print("closed")
        sys.exit(0)
    grown, deadline = 0, time.time() + 30
    while time.time() < deadline:
        assert knn(Q[2]) == expected[2]   # answers while the pages move
        grown = huge_kb() - after_first
        if mode == "on" and grown >= 30 << 10:
            break
        time.sleep(0.1 if mode == "on" else 0.5)
        if mode == "off" and time.time() > deadline - 27:
            break
    for q, e in zip(Q, expected):
        assert knn(q) == e
    print(after_first - start, grown)
""")


def kernel_collapses():
    """MADV_COLLAPSE works here (Linux >= 6.1, THP not `never`): probed on a mapping of our own."""
    try:
        if "[never]" in open("/sys/kernel/mm/transparent_hugepage/enabled").read():
            return False
    except OSError:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    m = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # shared would be shmem
    m.write(b"\1" * (8 << 20))
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    aligned = (addr + (2 << 20) - 1) // (2 << 20) * (2 << 20)
    ok = libc.madvise(aligned, 2 << 20, 25) == 0
    del addr
    return ok


def run(mode, rows=24000, **env):
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(LIB), mode, str(rows)], capture_output=True, text=True,
                       timeout=120,
                       env={**os.environ, **env})
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


@pytest.mark.skipif(not kernel_collapses(), reason="this kernel cannot collapse ranges into huge pages")
def test_a_corpus_used_again_moves_onto_huge_pages_and_answers_stay_the_same():
    first, grown = map(int, run("on"))
    assert first < 4 << 10, "the first query alone must not collapse anything"
    assert grown >= 30 << 10, f"AnonHugePages grew by {grown} kB after the second query"


def test_strata_knn_hugepages_0_turns_it_off():
    first, grown = map(int, run("off", STRATA_KNN_HUGEPAGES="0"))
    assert first < 4 << 10 and grown < 4 << 10, (first, grown)


def test_closing_while_pages_move_is_clean():
    assert run("close") == ["closed"]


def test_a_child_forked_while_pages_move_closes_without_waiting():
    # 120,000 rows (184 MB): the copy takes long enough for the fork to land while it runs.
    assert run("fork", rows=120000) == ["child", "0"]
