// zlib: gzip-compressed (and, through gzopen, plain) files read as one stream (Debian: zlib1g-dev).
#include <zlib.h>
