// CPU reference kernels of the suite: fp32 storage and accumulation, OpenMP across cores.
// They are real implementations of the operations a transformer layer runs, so a slower build
// (compiler flags, a fallback path) shows up as a slower measurement.
#pragma once

#include <cstdint>
#include <vector>

namespace sovereign::cpu {

/** C[m×n] = A[m×k] · B[k×n], all row-major; cache-blocked, parallel over output tiles. */
void gemm(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k);

/**
 * Causal self-attention over one prompt with grouped-query heads and an online softmax.
 * q: [seq][heads][d], k/v: [seq][kv_heads][d], out: [seq][heads][d].
 */
void attention_prefill(const float* q, const float* k, const float* v, float* out, int64_t seq, int64_t heads,
                       int64_t kv_heads, int64_t d);

/**
 * One new token per sequence attending to its KV cache (online softmax).
 * q: [batch][heads][d], k/v cache: [batch][ctx][kv_heads][d], out: [batch][heads][d].
 */
void attention_decode(const float* q, const float* k, const float* v, float* out, int64_t batch, int64_t ctx,
                      int64_t heads, int64_t kv_heads, int64_t d);

/** y = x / sqrt(mean(x²) + eps) · w per row; x, y: [rows][hidden]. Vectorisable accumulators. */
void rmsnorm(const float* x, const float* w, float* y, int64_t rows, int64_t hidden, float eps);

/**
 * The same RMSNorm through a scalar path: one serial accumulator (the compiler may not reorder
 * float additions, so it cannot vectorise) and a division per element. This is the code path a
 * build falls back to without its vectorised kernel; the gate's end-to-end test must catch it.
 */
void rmsnorm_naive(const float* x, const float* w, float* y, int64_t rows, int64_t hidden, float eps);

/** Rotary embedding in place (rotate-half layout); x: [tokens][heads][d], cos/sin: [tokens][d/2]. */
void rope(float* x, const float* cos, const float* sin, int64_t tokens, int64_t heads, int64_t d);

/** Row-wise softmax over the vocabulary in place (max-subtracted); logits: [batch][vocab]. */
void softmax(float* logits, int64_t batch, int64_t vocab);

/**
 * Ring all-reduce (reduce-scatter then all-gather) over `ranks` host buffers of n elements,
 * the data movement NCCL performs between GPUs, here between buffers in host memory.
 */
void ring_allreduce(std::vector<std::vector<float>>& bufs, int64_t n);

}  // namespace sovereign::cpu
