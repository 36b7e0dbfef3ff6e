// Snappy's C interface: Parquet's SNAPPY pages (Debian: libsnappy-dev).
#include <snappy-c.h>
