// knn_match's batch kernel: the product of a block of queries with corpus rows and the threshold test of its
// keys in one pass, so no score matrix is written, cleared or read back (see include/CKernels.h).
//
// Why not sgemm then a scan (the way before, still used where the kernel below does not run): OpenBLAS packs the
// queries again for every call, clears C (beta = 0) and writes it, and the scan reads it back; and while one
// core scans, OpenBLAS's threads spin on sched_yield. With 1,000 queries over 100,000 x 384 on this machine
// (perf) sgemm's beta pass was 7% of the batch and the spinning ~7%. Here the queries are packed once per batch,
// 32 to a group, dimension-major (packed[g][k][32]); a block of R corpus rows is read straight from the packed
// corpus, each element broadcast once and multiplied into the 32 queries' accumulators: 2·R zmm accumulators
// (R = 12, AVX-512F) or, in halves of 16 queries, 2·R ymm (R = 6, AVX2+FMA), which keeps the FMA units busy
// without the loads limiting them. Each core runs its own share of the rows (KNNBatchScan.swift). That batch,
// medians of 6 in one process, alternated: 379–386 ms against 421–426 ms with sgemm and the scan (whose
// bare sgemm calls alone take ~382 ms); faiss's IndexFlatIP ~410 ms.
//
// Keys are float32 sums in another order than sgemm's; knn_match's exactness does not depend on the order (its
// float32 keys only select candidates, rescored in float64 within a bound that holds for any order).
#include "CKernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

void strata_batch_pack_query(const float *query, ptrdiff_t index, ptrdiff_t d, float *out) {
  float *g = out + (index / STRATA_BATCH_GROUP) * STRATA_BATCH_GROUP * d + index % STRATA_BATCH_GROUP;
  for (ptrdiff_t k = 0; k < d; k++) g[k * STRATA_BATCH_GROUP] = query[k];
}

void strata_batch_pack_queries(const float *queries, ptrdiff_t count, ptrdiff_t d, float *out) {
  ptrdiff_t groups = (count + STRATA_BATCH_GROUP - 1) / STRATA_BATCH_GROUP;
  memset(out, 0, sizeof(float) * (size_t)(groups * STRATA_BATCH_GROUP * d));
  for (ptrdiff_t i = 0; i < count; i++) strata_batch_pack_query(queries + i * d, i, d, out);
}

// The key of a raw product s for row j: alpha·s, then × aux[j] (cosine), + aux[j] (l2) or as it is (dot).
static inline float finish_key(float s, float alpha, const float *aux, ptrdiff_t j, int mode) {
  float key = alpha * s;
  if (mode == STRATA_BATCH_TIMES_AUX) key *= aux[j];
  else if (mode == STRATA_BATCH_PLUS_AUX) key += aux[j];
  return key;
}

// Rows one at a time, every query of every group: the remainder of a block, and CPUs without AVX2.
static size_t scan_rows_plain(const float *packed, ptrdiff_t groups, ptrdiff_t d, const float *rows, ptrdiff_t from,
                              ptrdiff_t to, const float *aux, int mode, float alpha, const float *thresholds,
                              strata_batch_hit *hits, size_t found) {
  for (ptrdiff_t j = from; j < to; j++) {
    const float *x = rows + j * d;
    for (ptrdiff_t g = 0; g < groups; g++) {
      const float *q = packed + g * d * STRATA_BATCH_GROUP;
      float acc[STRATA_BATCH_GROUP] = {0};
      for (ptrdiff_t k = 0; k < d; k++) {
        float b = x[k];
        for (int l = 0; l < STRATA_BATCH_GROUP; l++) acc[l] += q[k * STRATA_BATCH_GROUP + l] * b;
      }
      for (int l = 0; l < STRATA_BATCH_GROUP; l++) {
        ptrdiff_t query = g * STRATA_BATCH_GROUP + l;
        float key = finish_key(acc[l], alpha, aux, j, mode);
        if (key <= thresholds[query]) hits[found++] = (strata_batch_hit){(int32_t)query, (int32_t)j, key};
      }
    }
  }
  return found;
}

#if defined(__x86_64__)
#define R512 12

// Appends the lanes of `keys` (queries base ..< base + 16, row j) at or under their thresholds.
__attribute__((target("avx512f")))
static inline size_t emit512(__m512 keys, __m512 thr, ptrdiff_t base, ptrdiff_t j, strata_batch_hit *hits,
                             size_t found) {
  __mmask16 m = _mm512_cmp_ps_mask(keys, thr, _CMP_LE_OQ);
  if (__builtin_expect(m != 0, 0)) {
    float lanes[16];
    _mm512_storeu_ps(lanes, keys);
    while (m) {
      int l = __builtin_ctz(m);
      m &= m - 1;
      hits[found++] = (strata_batch_hit){(int32_t)(base + l), (int32_t)j, lanes[l]};
    }
  }
  return found;
}

// The keys of a block's sums for row j (finish_key, 16 or 8 queries at once).
__attribute__((target("avx512f")))
static inline __m512 finish512(__m512 sums, __m512 alpha, const float *aux, ptrdiff_t j, int mode) {
  __m512 key = _mm512_mul_ps(sums, alpha);
  if (mode == STRATA_BATCH_TIMES_AUX) key = _mm512_mul_ps(key, _mm512_set1_ps(aux[j]));
  else if (mode == STRATA_BATCH_PLUS_AUX) key = _mm512_add_ps(key, _mm512_set1_ps(aux[j]));
  return key;
}

__attribute__((target("avx512f")))
static size_t scan_avx512(const float *packed, ptrdiff_t groups, ptrdiff_t d, const float *rows, ptrdiff_t n,
                          const float *aux, int mode, float alpha, const float *thresholds, strata_batch_hit *hits) {
  size_t found = 0;
  ptrdiff_t j = 0;
  const __m512 va = _mm512_set1_ps(alpha);
  for (; j + R512 <= n; j += R512) {
    const float *x = rows + j * d;
    for (ptrdiff_t g = 0; g < groups; g++) {
      const float *q = packed + g * d * STRATA_BATCH_GROUP;
      __m512 a[R512][2];
      for (int r = 0; r < R512; r++) a[r][0] = a[r][1] = _mm512_setzero_ps();
      for (ptrdiff_t k = 0; k < d; k++) {
        __m512 q0 = _mm512_loadu_ps(q + k * STRATA_BATCH_GROUP);
        __m512 q1 = _mm512_loadu_ps(q + k * STRATA_BATCH_GROUP + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < R512; r++) {
          __m512 b = _mm512_set1_ps(x[r * d + k]);
          a[r][0] = _mm512_fmadd_ps(q0, b, a[r][0]);
          a[r][1] = _mm512_fmadd_ps(q1, b, a[r][1]);
        }
      }
      const float *t = thresholds + g * STRATA_BATCH_GROUP;
      __m512 t0 = _mm512_loadu_ps(t), t1 = _mm512_loadu_ps(t + 16);
      for (int r = 0; r < R512; r++) {
        found = emit512(finish512(a[r][0], va, aux, j + r, mode), t0, g * STRATA_BATCH_GROUP, j + r, hits, found);
        found = emit512(finish512(a[r][1], va, aux, j + r, mode), t1, g * STRATA_BATCH_GROUP + 16, j + r, hits, found);
      }
    }
  }
  // The rows left over (fewer than a block): one at a time, still 32 queries per step.
  for (; j < n; j++) {
    const float *x = rows + j * d;
    for (ptrdiff_t g = 0; g < groups; g++) {
      const float *q = packed + g * d * STRATA_BATCH_GROUP;
      __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
      for (ptrdiff_t k = 0; k < d; k++) {
        __m512 b = _mm512_set1_ps(x[k]);
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + k * STRATA_BATCH_GROUP), b, a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + k * STRATA_BATCH_GROUP + 16), b, a1);
      }
      const float *t = thresholds + g * STRATA_BATCH_GROUP;
      found = emit512(finish512(a0, va, aux, j, mode), _mm512_loadu_ps(t), g * STRATA_BATCH_GROUP, j, hits, found);
      found = emit512(finish512(a1, va, aux, j, mode), _mm512_loadu_ps(t + 16), g * STRATA_BATCH_GROUP + 16, j, hits,
                      found);
    }
  }
  return found;
}

#define R2 6

__attribute__((target("avx2,fma")))
static inline size_t emit256(__m256 keys, __m256 thr, ptrdiff_t base, ptrdiff_t j, strata_batch_hit *hits,
                             size_t found) {
  int m = _mm256_movemask_ps(_mm256_cmp_ps(keys, thr, _CMP_LE_OQ));
  if (__builtin_expect(m != 0, 0)) {
    float lanes[8];
    _mm256_storeu_ps(lanes, keys);
    while (m) {
      int l = __builtin_ctz((unsigned)m);
      m &= m - 1;
      hits[found++] = (strata_batch_hit){(int32_t)(base + l), (int32_t)j, lanes[l]};
    }
  }
  return found;
}

__attribute__((target("avx2,fma")))
static inline __m256 finish256(__m256 sums, __m256 alpha, const float *aux, ptrdiff_t j, int mode) {
  __m256 key = _mm256_mul_ps(sums, alpha);
  if (mode == STRATA_BATCH_TIMES_AUX) key = _mm256_mul_ps(key, _mm256_set1_ps(aux[j]));
  else if (mode == STRATA_BATCH_PLUS_AUX) key = _mm256_add_ps(key, _mm256_set1_ps(aux[j]));
  return key;
}

__attribute__((target("avx2,fma")))
static size_t scan_avx2(const float *packed, ptrdiff_t groups, ptrdiff_t d, const float *rows, ptrdiff_t n,
                        const float *aux, int mode, float alpha, const float *thresholds, strata_batch_hit *hits) {
  size_t found = 0;
  ptrdiff_t j = 0;
  const __m256 va = _mm256_set1_ps(alpha);
  for (; j + R2 <= n; j += R2) {
    const float *x = rows + j * d;
    for (ptrdiff_t g = 0; g < groups; g++) {
      // A group's 32 queries in two halves of 16 (2 ymm each): 12 accumulators fit AVX2's 16 registers.
      for (int half = 0; half < 2; half++) {
        const float *q = packed + g * d * STRATA_BATCH_GROUP + half * 16;
        __m256 a[R2][2];
        for (int r = 0; r < R2; r++) a[r][0] = a[r][1] = _mm256_setzero_ps();
        for (ptrdiff_t k = 0; k < d; k++) {
          __m256 q0 = _mm256_loadu_ps(q + k * STRATA_BATCH_GROUP);
          __m256 q1 = _mm256_loadu_ps(q + k * STRATA_BATCH_GROUP + 8);
#pragma clang loop unroll(full)
          for (int r = 0; r < R2; r++) {
            __m256 b = _mm256_broadcast_ss(x + r * d + k);
            a[r][0] = _mm256_fmadd_ps(q0, b, a[r][0]);
            a[r][1] = _mm256_fmadd_ps(q1, b, a[r][1]);
          }
        }
        ptrdiff_t base = g * STRATA_BATCH_GROUP + half * 16;
        __m256 t0 = _mm256_loadu_ps(thresholds + base), t1 = _mm256_loadu_ps(thresholds + base + 8);
        for (int r = 0; r < R2; r++) {
          found = emit256(finish256(a[r][0], va, aux, j + r, mode), t0, base, j + r, hits, found);
          found = emit256(finish256(a[r][1], va, aux, j + r, mode), t1, base + 8, j + r, hits, found);
        }
      }
    }
  }
  for (; j < n; j++) {
    const float *x = rows + j * d;
    for (ptrdiff_t g = 0; g < groups * 4; g++) {
      // Eight queries per step: group g / 4, lanes (g % 4)·8 ...
      const float *q = packed + (g / 4) * d * STRATA_BATCH_GROUP + (g % 4) * 8;
      __m256 a0 = _mm256_setzero_ps();
      for (ptrdiff_t k = 0; k < d; k++)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + k * STRATA_BATCH_GROUP), _mm256_broadcast_ss(x + k), a0);
      ptrdiff_t base = (g / 4) * STRATA_BATCH_GROUP + (g % 4) * 8;
      found = emit256(finish256(a0, va, aux, j, mode), _mm256_loadu_ps(thresholds + base), base, j, hits, found);
    }
  }
  return found;
}
#endif

typedef size_t (*batch_fn)(const float *, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, const float *, int, float,
                           const float *, strata_batch_hit *);
static batch_fn chosen_batch;
static const char *chosen_batch_name;

// Chosen once (pthread_once orders it before every use). AVX-512F by default; the AVX2 kernel only when
// STRATA_KNN_BATCH=avx2 asks: on this machine it was slower than sgemm and a scan (1,000 queries over 100,000 x
// 384, medians of 4: 433 ms against 426 and 379 for AVX-512), so CPUs without AVX-512 keep sgemm.
// STRATA_KNN_BATCH=sgemm turns the kernel off.
static void choose_batch(void) {
  const char *want = getenv("STRATA_KNN_BATCH");
  batch_fn f = NULL;
  const char *name = "sgemm";
#if defined(__x86_64__)
  __builtin_cpu_init();
  int off = want && strcmp(want, "sgemm") == 0;
  int ask2 = want && strcmp(want, "avx2") == 0;
  if (!off && !ask2 && __builtin_cpu_supports("avx512f")) {
    f = scan_avx512; name = "avx512";
  } else if (ask2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    f = scan_avx2; name = "avx2";
  }
#else
  (void)want;
#endif
  chosen_batch_name = name;
  chosen_batch = f;
}

static pthread_once_t batch_once = PTHREAD_ONCE_INIT;

const char *strata_batch_kernel_name(void) {
  pthread_once(&batch_once, choose_batch);
  return chosen_batch_name;
}

size_t strata_batch_scan(const float *packed, ptrdiff_t groups, ptrdiff_t d, const float *rows, ptrdiff_t n,
                         const float *aux, int mode, float alpha, const float *thresholds, strata_batch_hit *hits) {
  pthread_once(&batch_once, choose_batch);
  batch_fn f = chosen_batch;
  if (f) return f(packed, groups, d, rows, n, aux, mode, alpha, thresholds, hits);
  return scan_rows_plain(packed, groups, d, rows, 0, n, aux, mode, alpha, thresholds, hits, 0);
}

size_t strata_batch_scan_using(const char *kernel, const float *packed, ptrdiff_t groups, ptrdiff_t d,
                               const float *rows, ptrdiff_t n, const float *aux, int mode, float alpha,
                               const float *thresholds, strata_batch_hit *hits) {
  batch_fn f = NULL;
  if (strcmp(kernel, "plain") == 0)
    return scan_rows_plain(packed, groups, d, rows, 0, n, aux, mode, alpha, thresholds, hits, 0);
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (strcmp(kernel, "avx512") == 0 && __builtin_cpu_supports("avx512f")) f = scan_avx512;
  if (strcmp(kernel, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f = scan_avx2;
#endif
  return f ? f(packed, groups, d, rows, n, aux, mode, alpha, thresholds, hits) : (size_t)-1;
}
