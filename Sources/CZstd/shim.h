// Zstandard: Parquet's ZSTD pages (Debian: libzstd-dev).
#include <zstd.h>
