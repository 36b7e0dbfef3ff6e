// LZ4 block format: Parquet's LZ4_RAW pages and the Hadoop-framed LZ4 ones (Debian: liblz4-dev).
#include <lz4.h>
