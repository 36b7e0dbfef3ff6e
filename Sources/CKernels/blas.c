// OpenBLAS, opened the first time a matrix product is needed (a batch of queries, knn_index's k-means,
// STRATA_KNN_SGEMV=1) rather than linked. OpenBLAS starts its thread pool when it is loaded, and each idle
// thread spins on sched_yield for ~0.1 s before it sleeps (its THREAD_TIMEOUT, 2^28 cycles): linked, that was a
// core taken from the first statement of every connection that loaded Strata — read_log's count by level or a
// first knn_match query on this 2-core machine — although most never multiply matrices (and SQLite unloads
// the extension, and with it OpenBLAS, when the connection closes). Once opened it stays open for the process.
//
// Where it comes from: `libstrata_blas.so` beside the library holding this code, if there is one (the wheel
// ships it: an empty library that needs the OpenBLAS copy the wheel carries, so auditwheel vendors it), else the
// system's libopenblas.so.0 (Debian: libopenblas0); STRATA_OPENBLAS=/path/to/libcblas.so picks another.
#define _GNU_SOURCE
#include "CKernels.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// CBLAS's enum values (cblas.h): row-major, no transpose, transpose.
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sgemm_fn sgemm;
static sgemv_fn sgemv;
static char failure[512];

// libstrata_blas.so in the directory of the file holding this code (libstrata.so), or one level up (the
// wheel's bin/strata, whose code is linked in: dladdr then names the program, or nothing, and /proc/self/exe
// says where it is).
static void *open_beside_this_library(void) {
  char self[4096];
  Dl_info info;
  const char *file = NULL;
  if (dladdr((void *)&open_beside_this_library, &info) && info.dli_fname && strchr(info.dli_fname, '/'))
    file = info.dli_fname;
  if (!file) {
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return NULL;
    self[n] = 0;
    file = self;
  }
  const char *slash = strrchr(file, '/');
  if (!slash) return NULL;
  static const char *const candidates[] = {"/libstrata_blas.so", "/../libstrata_blas.so"};
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%.*s%s", (int)(slash - file), file, candidates[i]);
    if (n <= 0 || (size_t)n >= sizeof path) continue;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h) return h;
  }
  return NULL;
}

static void load(void) {
  // STRATA_OPENBLAS names the library to use instead (any CBLAS with cblas_sgemm and cblas_sgemv).
  const char *chosen = getenv("STRATA_OPENBLAS");
  void *h = NULL;
  if (chosen && *chosen) {
    h = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
  } else {
    h = open_beside_this_library();
    if (!h) h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  }
  if (!h) {
    const char *e = dlerror();
    snprintf(failure, sizeof failure, "cannot load OpenBLAS (%s); install it with apt-get install libopenblas0%s",
             e ? e : "libopenblas.so.0 not found", chosen && *chosen ? " or correct STRATA_OPENBLAS" : "");
    return;
  }
  // dlsym on the handle searches the library and what it needs, so libstrata_blas.so finds OpenBLAS's symbols.
  sgemm_fn g = (sgemm_fn)dlsym(h, "cblas_sgemm");
  sgemv_fn v = (sgemv_fn)dlsym(h, "cblas_sgemv");
  if (!g || !v) {
    snprintf(failure, sizeof failure, "the OpenBLAS found has no cblas_sgemm/cblas_sgemv");
    return;
  }
  sgemm = g;
  sgemv = v;
}

const char *strata_blas_error(void) {
  pthread_once(&once, load);
  return sgemm ? NULL : failure;
}

int strata_sgemm_nt(int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float *c,
                    int ldc) {
  pthread_once(&once, load);
  if (!sgemm) return -1;
  sgemm(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc);
  return 0;
}

int strata_sgemv_n(int m, int n, float alpha, const float *a, int lda, const float *x, float *y) {
  pthread_once(&once, load);
  if (!sgemv) return -1;
  sgemv(ROW_MAJOR, NO_TRANS, m, n, alpha, a, lda, x, 1, 0.0f, y, 1);
  return 0;
}
