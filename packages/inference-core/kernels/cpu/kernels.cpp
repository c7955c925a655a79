#include "kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sovereign::cpu {

namespace {
// Tile sizes: an A panel (MB×KB) and a B panel (KB×NB) stay in L2 while a C tile is updated.
constexpr int64_t MB = 32;
constexpr int64_t NB = 256;
constexpr int64_t KB = 256;
}  // namespace

void gemm(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k) {
  const int64_t mt = (m + MB - 1) / MB;
  const int64_t nt = (n + NB - 1) / NB;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t ti = 0; ti < mt; ++ti) {
    for (int64_t tj = 0; tj < nt; ++tj) {
      const int64_t i0 = ti * MB, i1 = std::min(m, i0 + MB);
      const int64_t j0 = tj * NB, j1 = std::min(n, j0 + NB);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) c[i * n + j] = 0.f;
      for (int64_t p0 = 0; p0 < k; p0 += KB) {
        const int64_t p1 = std::min(k, p0 + KB);
        for (int64_t i = i0; i < i1; ++i) {
          float* __restrict ci = c + i * n;
          const float* ai = a + i * k;
          for (int64_t p = p0; p < p1; ++p) {
            const float aip = ai[p];
            const float* __restrict bp = b + p * n;
            for (int64_t j = j0; j < j1; ++j) ci[j] += aip * bp[j];
          }
        }
      }
    }
  }
}

namespace {
// Online softmax over keys [0, len) for one query row: running max, running sum, rescaled output.
inline void attend_row(const float* q, const float* k, const float* v, float* out, int64_t len, int64_t kstride,
                       int64_t d, float scale, float* acc) {
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.f;
  for (int64_t t = 0; t < d; ++t) acc[t] = 0.f;
  for (int64_t j = 0; j < len; ++j) {
    const float* kj = k + j * kstride;
    float s = 0.f;
    for (int64_t t = 0; t < d; ++t) s += q[t] * kj[t];
    s *= scale;
    if (s > running_max) {
      const float correction = std::exp(running_max - s);
      running_sum *= correction;
      for (int64_t t = 0; t < d; ++t) acc[t] *= correction;
      running_max = s;
    }
    const float p = std::exp(s - running_max);
    running_sum += p;
    const float* vj = v + j * kstride;
    for (int64_t t = 0; t < d; ++t) acc[t] += p * vj[t];
  }
  const float inv = 1.f / running_sum;
  for (int64_t t = 0; t < d; ++t) out[t] = acc[t] * inv;
}
}  // namespace

void attention_prefill(const float* q, const float* k, const float* v, float* out, int64_t seq, int64_t heads,
                       int64_t kv_heads, int64_t d) {
  const int64_t group = heads / kv_heads;
  const float scale = 1.f / std::sqrt(static_cast<float>(d));
#pragma omp parallel
  {
    std::vector<float> acc(static_cast<size_t>(d));
#pragma omp for collapse(2) schedule(dynamic, 4)
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < seq; ++i) {
        const int64_t kvh = h / group;
        attend_row(q + (i * heads + h) * d, k + kvh * d, v + kvh * d, out + (i * heads + h) * d, i + 1, kv_heads * d,
                   d, scale, acc.data());
      }
    }
  }
}

void attention_decode(const float* q, const float* k, const float* v, float* out, int64_t batch, int64_t ctx,
                      int64_t heads, int64_t kv_heads, int64_t d) {
  const int64_t group = heads / kv_heads;
  const float scale = 1.f / std::sqrt(static_cast<float>(d));
#pragma omp parallel
  {
    std::vector<float> acc(static_cast<size_t>(d));
#pragma omp for collapse(2) schedule(static)
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t kvh = h / group;
        const int64_t base = (b * ctx * kv_heads + kvh) * d;
        attend_row(q + (b * heads + h) * d, k + base, v + base, out + (b * heads + h) * d, ctx, kv_heads * d, d, scale,
                   acc.data());
      }
    }
  }
}

void rmsnorm(const float* x, const float* w, float* y, int64_t rows, int64_t hidden, float eps) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict xr = x + r * hidden;
    float* __restrict yr = y + r * hidden;
    // Eight independent partial sums: the compiler maps them onto vector lanes.
    float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= hidden; i += 8)
      for (int l = 0; l < 8; ++l) part[l] += xr[i + l] * xr[i + l];
    float sum = 0.f;
    for (int l = 0; l < 8; ++l) sum += part[l];
    for (; i < hidden; ++i) sum += xr[i] * xr[i];
    const float inv = 1.f / std::sqrt(sum / static_cast<float>(hidden) + eps);
    for (int64_t j = 0; j < hidden; ++j) yr[j] = xr[j] * inv * w[j];
  }
}

void rmsnorm_naive(const float* x, const float* w, float* y, int64_t rows, int64_t hidden, float eps) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * hidden;
    float* yr = y + r * hidden;
    float sum = 0.f;
    for (int64_t i = 0; i < hidden; ++i) sum += xr[i] * xr[i];
    const float rms = std::sqrt(sum / static_cast<float>(hidden) + eps);
    for (int64_t j = 0; j < hidden; ++j) yr[j] = xr[j] / rms * w[j];
  }
}

void rope(float* x, const float* cos, const float* sin, int64_t tokens, int64_t heads, int64_t d) {
  const int64_t half = d / 2;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t h = 0; h < heads; ++h) {
      float* __restrict xv = x + (t * heads + h) * d;
      const float* c = cos + t * half;
      const float* s = sin + t * half;
      for (int64_t i = 0; i < half; ++i) {
        const float x0 = xv[i], x1 = xv[i + half];
        xv[i] = x0 * c[i] - x1 * s[i];
        xv[i + half] = x1 * c[i] + x0 * s[i];
      }
    }
  }
}

void softmax(float* logits, int64_t batch, int64_t vocab) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    float* __restrict row = logits + b * vocab;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < vocab; ++i) mx = std::max(mx, row[i]);
    float sum = 0.f;
    for (int64_t i = 0; i < vocab; ++i) {
      row[i] = std::exp(row[i] - mx);
      sum += row[i];
    }
    const float inv = 1.f / sum;
    for (int64_t i = 0; i < vocab; ++i) row[i] *= inv;
  }
}

void ring_allreduce(std::vector<std::vector<float>>& bufs, int64_t n) {
  const int64_t R = static_cast<int64_t>(bufs.size());
  if (R < 2) return;
  auto chunk_begin = [&](int64_t c) { return (n * c) / R; };
  // Reduce-scatter: in step s rank r adds its chunk (r - s) into rank r+1. Within a step every
  // rank touches a different chunk, so ranks run in parallel like independent GPUs.
  for (int64_t s = 0; s < R - 1; ++s) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < R; ++r) {
      const int64_t c = ((r - s) % R + R) % R;
      const float* __restrict src = bufs[static_cast<size_t>(r)].data();
      float* __restrict dst = bufs[static_cast<size_t>((r + 1) % R)].data();
      for (int64_t i = chunk_begin(c); i < chunk_begin(c + 1); ++i) dst[i] += src[i];
    }
  }
  // All-gather: rank r now owns the reduced chunk (r + 1); pass it around the ring.
  for (int64_t s = 0; s < R - 1; ++s) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < R; ++r) {
      const int64_t c = ((r + 1 - s) % R + R) % R;
      const float* __restrict src = bufs[static_cast<size_t>(r)].data();
      float* __restrict dst = bufs[static_cast<size_t>((r + 1) % R)].data();
      std::copy(src + chunk_begin(c), src + chunk_begin(c + 1), dst + chunk_begin(c));
    }
  }
}

}  // namespace sovereign::cpu
