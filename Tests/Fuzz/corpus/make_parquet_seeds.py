"""Writes the parquet_file fuzz target's seed corpus: small files from pyarrow covering the encodings, codecs
and page versions the reader decodes, and nested types (run with the test venv's Python, from the repository
root: .build-venv/bin/python Tests/Fuzz/corpus/make_parquet_seeds.py)."""
import datetime as dt
import decimal
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

OUT = pathlib.Path(__file__).parent / "parquet_file"
OUT.mkdir(exist_ok=True)
n = 40
t = pa.table({
    "i": pa.array([None if i % 7 == 0 else i * 3 for i in range(n)], pa.int64()),
    "s": pa.array([None if i % 5 == 0 else f"w{i % 6}" for i in range(n)]),
    "f": pa.array([i / 4 for i in range(n)], pa.float32()),
    "b": [i % 2 == 0 for i in range(n)],
    "d": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)],
    "ts": pa.array([i * 1_000_001 for i in range(n)], pa.timestamp("us", tz="UTC")),
    "dec": pa.array([decimal.Decimal(i).scaleb(-2) for i in range(n)], pa.decimal128(20, 2)),
    "v": pa.array([[float(i), 1.0] for i in range(n)], pa.list_(pa.float32())),
    "m": pa.array([[("k", i)] for i in range(n)], pa.map_(pa.string(), pa.int32())),
    "st": pa.array([{"a": i, "l": [i, None]} for i in range(n)]),
})
pq.write_table(t, OUT / "dict_snappy_v1.parquet", compression="snappy", row_group_size=16)
pq.write_table(t, OUT / "plain_zstd_v2.parquet", compression="zstd", use_dictionary=False, data_page_version="2.0")
pq.write_table(t, OUT / "gzip.parquet", compression="gzip", data_page_size=64)
pq.write_table(t, OUT / "lz4.parquet", compression="lz4")
pq.write_table(t.select(["i", "s", "f"]), OUT / "delta.parquet", use_dictionary=False, compression="none",
               column_encoding={"i": "DELTA_BINARY_PACKED", "s": "DELTA_BYTE_ARRAY", "f": "BYTE_STREAM_SPLIT"})
pq.write_table(t.select(["s"]), OUT / "delta_length.parquet", use_dictionary=False, compression="none",
               column_encoding={"s": "DELTA_LENGTH_BYTE_ARRAY"}, data_page_version="2.0")
# Every list present (knn_match's direct page path), BYTE_STREAM_SPLIT floats in many small pages.
pq.write_table(pa.table({"v": pa.FixedSizeListArray.from_arrays(pa.array([i / 8 for i in range(4 * 64)], pa.float32()), 4)}),
               OUT / "vectors_bss.parquet", use_dictionary=False, compression="none", data_page_size=64, row_group_size=32,
               column_encoding={"v.list.element": "BYTE_STREAM_SPLIT"})
