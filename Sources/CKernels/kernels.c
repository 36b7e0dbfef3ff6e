// See include/CKernels.h. Three versions of one loop — one row at a time, front to back, several accumulators
// — compiled for AVX-512F, AVX2+FMA and the baseline, chosen once per process with
// __builtin_cpu_supports. Sums are float32 with fused multiply-adds; knn_match's exactness does not depend on
// them (its float32 scores only select candidates, rescored in float64 within a proven error bound).
#include "CKernels.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define ROW(j) (indices ? data + (ptrdiff_t)indices[first + (j)] * d : data + (first + (j)) * d)

static void score_baseline(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                           const float *q, float alpha, float *y) {
  for (ptrdiff_t j = 0; j < n; j++) {
    const float *p = ROW(j);
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    ptrdiff_t i = 0;
    for (; i + 4 <= d; i += 4) {
      s0 += p[i] * q[i]; s1 += p[i + 1] * q[i + 1]; s2 += p[i + 2] * q[i + 2]; s3 += p[i + 3] * q[i + 3];
    }
    for (; i < d; i++) s0 += p[i] * q[i];
    y[j] = alpha * ((s0 + s1) + (s2 + s3));
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// One row at a time, front to back, with four independent accumulators: the rows are read as one sequential
// stream, which the hardware prefetcher follows at full speed. (Four rows at a time sharing each load of q —
// the former design — read four streams 1.5 KB apart and ran at 12 GB/s on one core of this machine against
// 31 GB/s for this loop; with two threads 23 against 37 GB/s, 100,000 x 384, page cache of the test warm.)
__attribute__((target("avx2,fma")))
static void score_avx2(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                       const float *q, float alpha, float *y) {
  for (ptrdiff_t j = 0; j < n; j++) {
    const float *p = ROW(j);
    __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps(), c = _mm256_setzero_ps(), e = _mm256_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 32 <= d; i += 32) {
      a = _mm256_fmadd_ps(_mm256_loadu_ps(p + i), _mm256_loadu_ps(q + i), a);
      b = _mm256_fmadd_ps(_mm256_loadu_ps(p + i + 8), _mm256_loadu_ps(q + i + 8), b);
      c = _mm256_fmadd_ps(_mm256_loadu_ps(p + i + 16), _mm256_loadu_ps(q + i + 16), c);
      e = _mm256_fmadd_ps(_mm256_loadu_ps(p + i + 24), _mm256_loadu_ps(q + i + 24), e);
    }
    for (; i + 8 <= d; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(p + i), _mm256_loadu_ps(q + i), a);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, e)));
    for (; i < d; i++) s += p[i] * q[i];
    y[j] = alpha * s;
  }
}

__attribute__((target("avx512f")))
static void score_avx512(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                         const float *q, float alpha, float *y) {
  for (ptrdiff_t j = 0; j < n; j++) {
    const float *p = ROW(j);
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps(), c = _mm512_setzero_ps(), e = _mm512_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 64 <= d; i += 64) {
      a = _mm512_fmadd_ps(_mm512_loadu_ps(p + i), _mm512_loadu_ps(q + i), a);
      b = _mm512_fmadd_ps(_mm512_loadu_ps(p + i + 16), _mm512_loadu_ps(q + i + 16), b);
      c = _mm512_fmadd_ps(_mm512_loadu_ps(p + i + 32), _mm512_loadu_ps(q + i + 32), c);
      e = _mm512_fmadd_ps(_mm512_loadu_ps(p + i + 48), _mm512_loadu_ps(q + i + 48), e);
    }
    for (; i + 16 <= d; i += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(p + i), _mm512_loadu_ps(q + i), a);
    if (i < d) {  // the last d % 16 lanes, masked
      __mmask16 m = (__mmask16)((1u << (d - i)) - 1u);
      b = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p + i), _mm512_maskz_loadu_ps(m, q + i), b);
    }
    y[j] = alpha * _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, e)));
  }
}
#endif

static double pack_baseline(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot, int stream) {
  (void)stream;
  double s0 = 0, s1 = 0;
  float t0 = 0, t1 = 0;
  ptrdiff_t i = 0;
  memcpy(dst, src, (size_t)d * sizeof(float));
  for (; i + 2 <= d; i += 2) {
    double x0 = dst[i], x1 = dst[i + 1];
    s0 += x0 * x0; s1 += x1 * x1;
    if (q) { t0 += dst[i] * q[i]; t1 += dst[i + 1] * q[i + 1]; }
  }
  for (; i < d; i++) { double x = dst[i]; s0 += x * x; if (q) t0 += dst[i] * q[i]; }
  if (q) *dot = t0 + t1;
  return s0 + s1;
}

#if defined(__x86_64__)
// The same one pass on AVX2 CPUs (AMD Zen 3 has no AVX-512): before it, those ran the baseline's memcpy and a
// float64 loop that read the row back, 45 ms of a 215 ms first query at 100,000 x 384 under perf.
__attribute__((target("avx2,fma")))
static double pack_avx2(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot, int stream) {
  int nt = stream && ((uintptr_t)dst & 31) == 0;
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
  __m256 t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps();
  ptrdiff_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m256 x = _mm256_loadu_ps(src + i), y = _mm256_loadu_ps(src + i + 8);
    if (nt) {
      _mm256_stream_ps(dst + i, x);
      _mm256_stream_ps(dst + i + 8, y);
    } else {
      _mm256_storeu_ps(dst + i, x);
      _mm256_storeu_ps(dst + i + 8, y);
    }
    __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    __m256d y0 = _mm256_cvtps_pd(_mm256_castps256_ps128(y)), y1 = _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1));
    s0 = _mm256_fmadd_pd(x0, x0, s0);
    s1 = _mm256_fmadd_pd(x1, x1, s1);
    s2 = _mm256_fmadd_pd(y0, y0, s2);
    s3 = _mm256_fmadd_pd(y1, y1, s3);
    if (q) {
      t0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(q + i), t0);
      t1 = _mm256_fmadd_ps(y, _mm256_loadu_ps(q + i + 8), t1);
    }
  }
  __m256d s4 = _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3));
  __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  float t = hsum256(_mm256_add_ps(t0, t1));
  for (; i < d; i++) {  // the last d % 16 floats (a streamed row's tail is an ordinary store)
    float x = src[i];
    dst[i] = x;
    s += (double)x * x;
    if (q) t += x * q[i];
  }
  if (q) *dot = t;
  return s;
}

__attribute__((target("avx512f")))
static double pack_avx512(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot, int stream) {
  // Streaming stores write the packed row to memory without first reading its lines into the cache (and
  // without pulling them from the other core, which has just had the kernel zero them ahead of us): the first
  // query at 100,000 x 384 went from ~105 to ~95 ms. Only whole, aligned vectors are streamed.
  int nt = stream && ((uintptr_t)dst & 63) == 0;
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  __m512 t = _mm512_setzero_ps();
  for (ptrdiff_t i = 0; i < d; i += 16) {
    __mmask16 m = d - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (d - i)) - 1u);
    __m512 x = _mm512_maskz_loadu_ps(m, src + i);
    if (nt && m == (__mmask16)0xFFFF) _mm512_stream_ps(dst + i, x); else _mm512_mask_storeu_ps(dst + i, m, x);
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
    __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
    s0 = _mm512_fmadd_pd(lo, lo, s0);
    s1 = _mm512_fmadd_pd(hi, hi, s1);
    if (q) t = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, q + i), t);
  }
  if (q) *dot = _mm512_reduce_add_ps(t);
  return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}
#endif

// Σ x² and x · q of one row in float32, reading the row once and writing nothing: a streamed query (knn_match's
// first use of a corpus) scores each row as SQLite hands it over. float32 is enough there — the keys only select
// rows for float64 rescoring, within a bound that covers these sums — and it is a quarter of the float64
// pack's arithmetic (Zen 3: ~10 of a ~140 ms first query at 100,000 x 384 went to the pack's float64 sum).
static float sums_baseline(const float *x, ptrdiff_t d, const float *q, float *dot) {
  float s0 = 0, s1 = 0, t0 = 0, t1 = 0;
  ptrdiff_t i = 0;
  for (; i + 2 <= d; i += 2) {
    s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1];
    if (q) { t0 += x[i] * q[i]; t1 += x[i + 1] * q[i + 1]; }
  }
  for (; i < d; i++) { s0 += x[i] * x[i]; if (q) t0 += x[i] * q[i]; }
  if (q) *dot = t0 + t1;
  return s0 + s1;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static float sums_avx2(const float *x, ptrdiff_t d, const float *q, float *dot) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps();
  ptrdiff_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    s0 = _mm256_fmadd_ps(a, a, s0);
    s1 = _mm256_fmadd_ps(b, b, s1);
    if (q) {
      t0 = _mm256_fmadd_ps(a, _mm256_loadu_ps(q + i), t0);
      t1 = _mm256_fmadd_ps(b, _mm256_loadu_ps(q + i + 8), t1);
    }
  }
  float s = hsum256(_mm256_add_ps(s0, s1)), t = hsum256(_mm256_add_ps(t0, t1));
  for (; i < d; i++) { s += x[i] * x[i]; if (q) t += x[i] * q[i]; }
  if (q) *dot = t;
  return s;
}

__attribute__((target("avx512f")))
static float sums_avx512(const float *x, ptrdiff_t d, const float *q, float *dot) {
  __m512 s = _mm512_setzero_ps(), t = _mm512_setzero_ps();
  for (ptrdiff_t i = 0; i < d; i += 16) {
    __mmask16 m = d - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (d - i)) - 1u);
    __m512 a = _mm512_maskz_loadu_ps(m, x + i);
    s = _mm512_fmadd_ps(a, a, s);
    if (q) t = _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, q + i), t);
  }
  if (q) *dot = _mm512_reduce_add_ps(t);
  return _mm512_reduce_add_ps(s);
}
#endif

typedef float (*sums_fn)(const float *, ptrdiff_t, const float *, float *);
static sums_fn chosen_sums;

typedef double (*pack_fn)(float *, const float *, ptrdiff_t, const float *, float *, int);
static pack_fn chosen_pack;

typedef void (*score_fn)(const float *, ptrdiff_t, const int32_t *, ptrdiff_t, ptrdiff_t, const float *, float, float *);

static score_fn chosen;
static const char *chosen_name;

static void choose(void) {
  const char *want = getenv("STRATA_KNN_KERNEL");
  score_fn f = score_baseline;
  const char *name = "baseline";
#if defined(__x86_64__)
  __builtin_cpu_init();
  // AVX2 is the default even where AVX-512 exists: the scan is bound by memory, and on this machine (Cooper
  // Lake, 2 cores) the 512-bit loop was slower in knn_match — warm query at 100,000 x 384, medians of 300,
  // four alternated runs: 4.5-4.6 ms with AVX2 against 5.4-5.5 ms with AVX-512. STRATA_KNN_KERNEL=avx512
  // asks for it.
  int want512 = want && strcmp(want, "avx512") == 0;
  int allow2 = !want || want512 || strcmp(want, "avx2") == 0;
  int has512 = __builtin_cpu_supports("avx512f");
  int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (want512 && has512) {
    f = score_avx512; name = "avx512";
  } else if (allow2 && has2) {
    f = score_avx2; name = "avx2";
  } else if (allow2 && has512) {
    f = score_avx512; name = "avx512";
  }
#endif
  pack_fn p = pack_baseline;
#if defined(__x86_64__)
  // The pack (copy, norm and dot in one pass) keeps its AVX-512 version unless a lesser kernel is asked for.
  if ((!want || want512) && has512) p = pack_avx512;
  else if (allow2 && has2) p = pack_avx2;
#endif
  __atomic_store_n(&chosen_pack, p, __ATOMIC_RELAXED);
  sums_fn r = sums_baseline;
#if defined(__x86_64__)
  if ((!want || want512) && has512) r = sums_avx512;
  else if (allow2 && has2) r = sums_avx2;
#endif
  __atomic_store_n(&chosen_sums, r, __ATOMIC_RELAXED);
  __atomic_store_n(&chosen_name, name, __ATOMIC_RELAXED);
  __atomic_store_n(&chosen, f, __ATOMIC_RELEASE);
}

void strata_score_rows(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                       const float *q, float alpha, float *y) {
  score_fn f = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
  if (!f) { choose(); f = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE); }
  f(data, d, indices, first, n, q, alpha, y);
}

const char *strata_score_kernel_name(void) {
  if (!__atomic_load_n(&chosen, __ATOMIC_ACQUIRE)) choose();
  return __atomic_load_n(&chosen_name, __ATOMIC_RELAXED);
}

double strata_pack_row(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot, int stream) {
  if (!__atomic_load_n(&chosen, __ATOMIC_ACQUIRE)) choose();
  return __atomic_load_n(&chosen_pack, __ATOMIC_RELAXED)(dst, src, d, q, dot, stream);
}

float strata_row_sums(const float *x, ptrdiff_t d, const float *q, float *dot) {
  if (!__atomic_load_n(&chosen, __ATOMIC_ACQUIRE)) choose();
  return __atomic_load_n(&chosen_sums, __ATOMIC_RELAXED)(x, d, q, dot);
}

int strata_row_sums_using(const char *kernel, const float *x, ptrdiff_t d, const float *q, float *dot, float *sum) {
  sums_fn f = NULL;
  if (strcmp(kernel, "baseline") == 0) f = sums_baseline;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (strcmp(kernel, "avx512") == 0 && __builtin_cpu_supports("avx512f")) f = sums_avx512;
  if (strcmp(kernel, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f = sums_avx2;
#endif
  if (!f) return -1;
  *sum = f(x, d, q, dot);
  return 0;
}

int strata_pack_row_using(const char *kernel, float *dst, const float *src, ptrdiff_t d, const float *q, float *dot,
                          int stream, double *sum) {
  pack_fn f = NULL;
  if (strcmp(kernel, "baseline") == 0) f = pack_baseline;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (strcmp(kernel, "avx512") == 0 && __builtin_cpu_supports("avx512f")) f = pack_avx512;
  if (strcmp(kernel, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f = pack_avx2;
#endif
  if (!f) return -1;
  *sum = f(dst, src, d, q, dot, stream);
  strata_pack_finish();
  return 0;
}

void strata_pack_finish(void) {
#if defined(__x86_64__)
  _mm_sfence();
#endif
}

// knn_index's list scan: unsigned 8-bit codes times float weights. One loop compiled three ways, as above;
// the compiler vectorises the inner sum (widening bytes to floats), so one source serves every width.
#define CODES_BODY                                                                  \
  for (ptrdiff_t j = 0; j < n; j++) {                                               \
    const uint8_t *c = codes + j * d;                                               \
    float s = 0;                                                                    \
    _Pragma("clang loop vectorize(enable) interleave_count(4)")                     \
    for (ptrdiff_t i = 0; i < d; i++) s += w[i] * (float)c[i];                      \
    y[j] = s;                                                                       \
  }

static void codes_baseline(const uint8_t *codes, ptrdiff_t d, ptrdiff_t n, const float *w, float *y) {
  CODES_BODY
}
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void codes_avx2(const uint8_t *codes, ptrdiff_t d, ptrdiff_t n, const float *w, float *y) {
  CODES_BODY
}
__attribute__((target("avx512f,avx512bw")))
static void codes_avx512(const uint8_t *codes, ptrdiff_t d, ptrdiff_t n, const float *w, float *y) {
  CODES_BODY
}
#endif

void strata_score_codes(const uint8_t *codes, ptrdiff_t d, ptrdiff_t n, const float *w, float *y) {
  const char *name = strata_score_kernel_name();
#if defined(__x86_64__)
  if (name[0] == 'a' && name[3] == '5') { codes_avx512(codes, d, n, w, y); return; }
  if (name[0] == 'a') { codes_avx2(codes, d, n, w, y); return; }
#endif
  (void)name;
  codes_baseline(codes, d, n, w, y);
}
