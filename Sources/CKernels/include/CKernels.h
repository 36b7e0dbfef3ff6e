// knn_match's memory-bound scoring kernel in C, so it can be compiled for AVX-512 and AVX2+FMA and the best
// one chosen when the library runs (Swift's SIMD types compile for the baseline x86-64 target: SSE2 only).
// The Swift code calls `strata_score_rows`; which kernel it reaches is `strata_score_kernel_name()`.
#ifndef STRATA_CKERNELS_H
#define STRATA_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// y[j] = alpha * (row · q) for `n` rows: rows first ..< first + n of `data` (row-major, `d` floats a row),
/// or rows indices[first ..< first + n] when `indices` is not NULL.
void strata_score_rows(const float *data, ptrdiff_t d, const int32_t *indices, ptrdiff_t first, ptrdiff_t n,
                       const float *q, float alpha, float *y);

/// Copies one row of `d` floats from `src` to `dst` and returns Σ x² accumulated in float64 (so a finite row
/// gives a finite sum); when `q` is not NULL, also stores the float32 dot product row · q in `*dot`. Packing
/// calls this once per row: one pass over the row instead of three.
double strata_pack_row(float *dst, const float *src, ptrdiff_t d, const float *q, float *dot, int stream);
/// Σ x² of one row of `d` floats, and x · q in `*dot` when `q` is not NULL, both in float32 (fused multiply-adds,
/// several accumulators); reads the row once, writes nothing. A non-finite row gives a non-finite sum (so may a
/// finite row whose squares overflow float32: check such a row in float64).
float strata_row_sums(const float *x, ptrdiff_t d, const float *q, float *dot);
/// strata_row_sums with the version named ("avx512", "avx2", "baseline"), its Σ x² in `*sum`; -1 when this CPU
/// cannot run it. For tests.
int strata_row_sums_using(const char *kernel, const float *x, ptrdiff_t d, const float *q, float *dot, float *sum);
/// Orders the streaming stores of strata_pack_row(..., stream = 1) before anything that follows (an sfence):
/// call once the rows are packed, before other threads read them.
void strata_pack_finish(void);
/// strata_pack_row with the version named ("avx512", "avx2", "baseline"), its Σ x² in `*sum`, for tests comparing
/// them; -1 when this CPU cannot run it.
int strata_pack_row_using(const char *kernel, float *dst, const float *src, ptrdiff_t d, const float *q, float *dot,
                          int stream, double *sum);

/// "avx512", "avx2" or "baseline": the kernel strata_score_rows uses on this CPU (AVX2 where the CPU has it;
/// STRATA_KNN_KERNEL=avx512, =avx2 or =baseline asks for one, for comparison).
const char *strata_score_kernel_name(void);

/// y[j] = Σ_i w[i] · codes[j·d + i] for `n` rows of `d` unsigned 8-bit codes (knn_index's scalar-quantized
/// lists: the query's weights already hold each dimension's scale, the caller adds the offset term).
void strata_score_codes(const uint8_t *codes, ptrdiff_t d, ptrdiff_t n, const float *w, float *y);

/// knn_match's batch kernel (batch_scan.c): queries × corpus rows and the threshold test of each key in one pass.
/// Queries are packed once per batch, STRATA_BATCH_GROUP to a group, dimension-major: packed[g][k][l] is
/// dimension k of query g·32 + l (zero for the padding of the last group).
#define STRATA_BATCH_GROUP 32
/// How a raw product s = row · q becomes a key: alpha·s·aux[row] (cosine), alpha·s + aux[row] (l2), alpha·s (dot).
enum { STRATA_BATCH_PLAIN = 0, STRATA_BATCH_TIMES_AUX = 1, STRATA_BATCH_PLUS_AUX = 2 };
/// A key at or under its query's threshold: query index in the batch, row index from 0 at `rows`.
typedef struct {
  int32_t query;
  int32_t row;
  float key;
} strata_batch_hit;
/// Packs `count` row-major queries of `d` floats into `out` (groups·32·d floats, groups = ⌈count / 32⌉).
void strata_batch_pack_queries(const float *queries, ptrdiff_t count, ptrdiff_t d, float *out);
/// Packs one query, the `index`-th of its batch, into its place in `out` (which the caller has zeroed).
void strata_batch_pack_query(const float *query, ptrdiff_t index, ptrdiff_t d, float *out);
/// Every key of `n` contiguous rows (`d` floats each) against every packed query whose key is ≤ thresholds[q]
/// (`thresholds` holds groups·32 values: -∞ for padding and for queries not to be scanned; NaN keys never pass)
/// goes to `hits`, which must have room for n·groups·32. Returns how many were written.
size_t strata_batch_scan(const float *packed, ptrdiff_t groups, ptrdiff_t d, const float *rows, ptrdiff_t n,
                         const float *aux, int mode, float alpha, const float *thresholds, strata_batch_hit *hits);
/// "avx512" (the default where the CPU has AVX-512F), "avx2" (only when STRATA_KNN_BATCH=avx2 asks), or "sgemm":
/// then callers multiply with sgemm and scan, and strata_batch_scan itself runs a plain loop (correct, slow).
const char *strata_batch_kernel_name(void);
/// strata_batch_scan with the kernel named ("avx512", "avx2", "plain"), for tests comparing them; (size_t)-1
/// when this CPU cannot run it.
size_t strata_batch_scan_using(const char *kernel, const float *packed, ptrdiff_t groups, ptrdiff_t d,
                               const float *rows, ptrdiff_t n, const float *aux, int mode, float alpha,
                               const float *thresholds, strata_batch_hit *hits);

/// OpenBLAS, opened on first use (blas.c): C (m × n, row-major) = alpha · A (m × k) · Bᵀ (B is n × k), and
/// y (m) = alpha · A (m × n) · x. Both return 0, or -1 when OpenBLAS cannot be loaded (then
/// strata_blas_error() says why; it is NULL once OpenBLAS is loaded).
int strata_sgemm_nt(int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float *c,
                    int ldc);
int strata_sgemv_n(int m, int n, float alpha, const float *a, int lda, const float *x, float *y);
const char *strata_blas_error(void);

#endif
