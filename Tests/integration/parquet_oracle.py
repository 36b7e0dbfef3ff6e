"""What Strata's Parquet reader must return for a column pyarrow reads, computed here from pyarrow's own
values (the oracle) with Python's datetime and decimal — never from Strata's output.

Mapping (docs/files.md): integers and booleans → int; float/double → float; strings → str; binary → bytes;
uint64 above 2^63-1 → decimal text; decimal → float up to 15 digits of precision, exact text beyond; date → 'YYYY-MM-DD'; time →
'HH:MM:SS.fff' (3/6/9 digits by unit); timestamp → 'YYYY-MM-DD HH:MM:SS.fff' (UTC for adjusted ones,
wall-clock otherwise, no zone applied); list<float32> → float32 bytes; other nested values → JSON.
"""
import base64
import datetime as dt
import decimal
import json

import numpy as np
import pyarrow as pa

EPOCH = dt.datetime(1970, 1, 1)
DIGITS = {"ms": 3, "us": 6, "ns": 9, "s": 0}
PER = {"ms": 10**3, "us": 10**6, "ns": 10**9, "s": 1}


def clock(seconds_of_day, frac, unit):
    h, rem = divmod(seconds_of_day, 3600)
    m, s = divmod(rem, 60)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    return text + "." + str(frac).rjust(DIGITS[unit], "0") if DIGITS[unit] else text + "." + "000"


def timestamp_text(v, unit):
    # Parquet has no second unit: pyarrow stores seconds as milliseconds.
    if unit == "s":
        v, unit = v * 1000, "ms"
    secs, frac = divmod(v, PER[unit])
    days, sod = divmod(secs, 86400)
    d = dt.date(1970, 1, 1) + dt.timedelta(days=days)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} " + clock(sod, frac, unit)


def time_text(v, unit):
    if unit == "s":
        v, unit = v * 1000, "ms"
    secs, frac = divmod(v, PER[unit])
    return clock(secs % 86400, frac, unit)


def jsonable(v):
    """A nested Python value as the JSON Strata writes (bytes as base64, dates as ISO text)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def map_to_dict(v):
    return None if v is None else {k: x for k, x in v}


def expected_column(arr, physical_unit=None):
    """The values Strata must give for a pyarrow ChunkedArray/Array column, one per row."""
    t = arr.type
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=t)
    if pa.types.is_timestamp(t):
        unit = physical_unit or t.unit
        ints = arr.cast(pa.int64()).to_pylist()
        if unit != t.unit:
            ints = [None if x is None else x * PER[unit] // PER[t.unit] for x in ints]
        return [None if x is None else timestamp_text(x, unit) for x in ints]
    if pa.types.is_time(t):
        ints = arr.cast(pa.int32() if t.bit_width == 32 else pa.int64()).to_pylist()
        return [None if x is None else time_text(x, t.unit) for x in ints]
    if pa.types.is_date32(t):
        return [None if x is None else x.isoformat() for x in arr.to_pylist()]
    if pa.types.is_decimal(t):
        if t.precision <= 15:
            return [None if x is None else float(x) for x in arr.to_pylist()]
        return [None if x is None else format(x, "f") for x in arr.to_pylist()]
    if pa.types.is_uint64(t):
        # SQLite integers are signed 64-bit: larger values come as exact decimal text.
        return [None if x is None else (x if x < 2**63 else str(x)) for x in arr.to_pylist()]
    if pa.types.is_boolean(t):
        return [None if x is None else int(x) for x in arr.to_pylist()]
    if pa.types.is_floating(t) and t.bit_width == 32:
        return [None if x is None else float(np.float32(x)) for x in arr.to_pylist()]
    if (pa.types.is_list(t) or pa.types.is_fixed_size_list(t) or pa.types.is_large_list(t)) \
            and pa.types.is_float32(t.value_type) or pa.types.is_large_list(t) and pa.types.is_float32(t.value_type):
        return [None if x is None else np.array(x, dtype="<f4").tobytes() for x in arr.to_pylist()]
    if pa.types.is_map(t):
        return [None if x is None else json.dumps(jsonable(map_to_dict(x))) for x in arr.to_pylist()]
    if pa.types.is_nested(t):
        return [None if x is None else json.dumps(jsonable(x)) for x in arr.to_pylist()]
    return arr.to_pylist()


def normalize(column_type, v):
    """Strata's value in the form expected_column gives (JSON parsed and re-dumped)."""
    if v is None:
        return None
    if column_type == "json":
        return json.dumps(json.loads(v))
    return v
