// See include/CKernels.h. Three versions of one loop — four rows at a time sharing each load of q, one
// accumulator per row — compiled for AVX-512F, AVX2+FMA and the baseline, chosen once per process with
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

__attribute__((target("avx2,fma")))
static void score_avx2(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                       const float *q, float alpha, float *y) {
  ptrdiff_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *p0 = ROW(j), *p1 = ROW(j + 1), *p2 = ROW(j + 2), *p3 = ROW(j + 3);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 16 <= d; i += 16) {
      __m256 qa = _mm256_loadu_ps(q + i), qb = _mm256_loadu_ps(q + i + 8);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p0 + i), qa, a0); b0 = _mm256_fmadd_ps(_mm256_loadu_ps(p0 + i + 8), qb, b0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p1 + i), qa, a1); b1 = _mm256_fmadd_ps(_mm256_loadu_ps(p1 + i + 8), qb, b1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p2 + i), qa, a2); b2 = _mm256_fmadd_ps(_mm256_loadu_ps(p2 + i + 8), qb, b2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(p3 + i), qa, a3); b3 = _mm256_fmadd_ps(_mm256_loadu_ps(p3 + i + 8), qb, b3);
    }
    for (; i + 8 <= d; i += 8) {
      __m256 qa = _mm256_loadu_ps(q + i);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p0 + i), qa, a0); a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p1 + i), qa, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p2 + i), qa, a2); a3 = _mm256_fmadd_ps(_mm256_loadu_ps(p3 + i), qa, a3);
    }
    float s0 = hsum256(_mm256_add_ps(a0, b0)), s1 = hsum256(_mm256_add_ps(a1, b1));
    float s2 = hsum256(_mm256_add_ps(a2, b2)), s3 = hsum256(_mm256_add_ps(a3, b3));
    for (; i < d; i++) { s0 += p0[i] * q[i]; s1 += p1[i] * q[i]; s2 += p2[i] * q[i]; s3 += p3[i] * q[i]; }
    y[j] = alpha * s0; y[j + 1] = alpha * s1; y[j + 2] = alpha * s2; y[j + 3] = alpha * s3;
  }
  if (j < n) score_baseline(data, d, indices, first + j, n - j, q, alpha, y + j);
}

__attribute__((target("avx512f")))
static void score_avx512(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                         const float *q, float alpha, float *y) {
  ptrdiff_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *p0 = ROW(j), *p1 = ROW(j + 1), *p2 = ROW(j + 2), *p3 = ROW(j + 3);
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps(), b2 = _mm512_setzero_ps(), b3 = _mm512_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 32 <= d; i += 32) {
      __m512 qa = _mm512_loadu_ps(q + i), qb = _mm512_loadu_ps(q + i + 16);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(p0 + i), qa, a0); b0 = _mm512_fmadd_ps(_mm512_loadu_ps(p0 + i + 16), qb, b0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(p1 + i), qa, a1); b1 = _mm512_fmadd_ps(_mm512_loadu_ps(p1 + i + 16), qb, b1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(p2 + i), qa, a2); b2 = _mm512_fmadd_ps(_mm512_loadu_ps(p2 + i + 16), qb, b2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(p3 + i), qa, a3); b3 = _mm512_fmadd_ps(_mm512_loadu_ps(p3 + i + 16), qb, b3);
    }
    for (; i + 16 <= d; i += 16) {
      __m512 qa = _mm512_loadu_ps(q + i);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(p0 + i), qa, a0); a1 = _mm512_fmadd_ps(_mm512_loadu_ps(p1 + i), qa, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(p2 + i), qa, a2); a3 = _mm512_fmadd_ps(_mm512_loadu_ps(p3 + i), qa, a3);
    }
    if (i < d) {  // the last d % 16 lanes, masked
      __mmask16 m = (__mmask16)((1u << (d - i)) - 1u);
      __m512 qa = _mm512_maskz_loadu_ps(m, q + i);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p0 + i), qa, a0);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p1 + i), qa, a1);
      a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p2 + i), qa, a2);
      a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p3 + i), qa, a3);
    }
    y[j] = alpha * _mm512_reduce_add_ps(_mm512_add_ps(a0, b0));
    y[j + 1] = alpha * _mm512_reduce_add_ps(_mm512_add_ps(a1, b1));
    y[j + 2] = alpha * _mm512_reduce_add_ps(_mm512_add_ps(a2, b2));
    y[j + 3] = alpha * _mm512_reduce_add_ps(_mm512_add_ps(a3, b3));
  }
  if (j < n) score_baseline(data, d, indices, first + j, n - j, q, alpha, y + j);
}
#endif

static double pack_baseline(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot) {
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
__attribute__((target("avx512f")))
static double pack_avx512(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot) {
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  __m512 t = _mm512_setzero_ps();
  for (ptrdiff_t i = 0; i < d; i += 16) {
    __mmask16 m = d - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (d - i)) - 1u);
    __m512 x = _mm512_maskz_loadu_ps(m, src + i);
    _mm512_mask_storeu_ps(dst + i, m, x);
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

typedef double (*pack_fn)(float *, const float *, ptrdiff_t, const float *, float *);
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
  int allow512 = !want || strcmp(want, "avx512") == 0;
  int allow2 = allow512 || strcmp(want, "avx2") == 0;
  if (allow512 && __builtin_cpu_supports("avx512f")) {
    f = score_avx512; name = "avx512";
  } else if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    f = score_avx2; name = "avx2";
  }
#endif
  pack_fn p = pack_baseline;
#if defined(__x86_64__)
  if (f == score_avx512) p = pack_avx512;
#endif
  __atomic_store_n(&chosen_pack, p, __ATOMIC_RELAXED);
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

double strata_pack_row(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot) {
  if (!__atomic_load_n(&chosen, __ATOMIC_ACQUIRE)) choose();
  return __atomic_load_n(&chosen_pack, __ATOMIC_RELAXED)(dst, src, d, q, dot);
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
