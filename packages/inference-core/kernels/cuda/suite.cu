// CUDA backend of the kernel suite. Reads the same cases file as the CPU backend, times every
// case with CUDA events and writes Google Benchmark JSON under the same case names, so the gate
// compares a GPU run exactly like a CPU run.
//
// Kernels are fp32 storage with fp32 accumulation and straightforward tiling: they exercise the
// driver, toolkit and GPU the rollout lands on, which is what the gate guards. GEMMs go through
// cuBLAS when its headers were present at build time (SOVEREIGN_HAVE_CUBLAS); all-reduce needs
// NCCL (SOVEREIGN_HAVE_NCCL) and as many visible GPUs as ranks, otherwise that case is skipped,
// reported on stderr and in the context's "sovereign_skipped", and left out of the results.
#ifdef SOVEREIGN_HOST_EMULATION
// The same kernels and self-test compiled with g++ and run on the CPU (see host_emu.hpp).
#include "host_emu.hpp"
#else
#include <cuda_runtime.h>
#define SOVEREIGN_LAUNCH(kernel, grid, block, ...) kernel<<<grid, block>>>(__VA_ARGS__)
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#ifdef SOVEREIGN_HAVE_CUBLAS
#include <cublas_v2.h>
#endif
#ifdef SOVEREIGN_HAVE_NCCL
#include <nccl.h>
#endif

#include "../common/cases.hpp"
#include "../common/gbench_json.hpp"
#include "../cpu/kernels.hpp"

using sovereign::KernelCase;

#define CUDA_OK(expr)                                                                                     \
  do {                                                                                                    \
    cudaError_t err_ = (expr);                                                                            \
    if (err_ != cudaSuccess) throw std::runtime_error(std::string(#expr) + ": " + cudaGetErrorString(err_)); \
  } while (0)

namespace {

constexpr int TILE = 16;
constexpr int WARP = 32;

#ifndef SOVEREIGN_HAVE_CUBLAS
// C[m×n] = A[m×k] · B[k×n], row-major; shared-memory tiles of TILE×TILE.
__global__ void gemm_tiled(const float* __restrict a, const float* __restrict b, float* __restrict c, int m, int n,
                           int k) {
  __shared__ float as[TILE][TILE];
  __shared__ float bs[TILE][TILE];
  const int row = blockIdx.y * TILE + threadIdx.y;
  const int col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.f;
  for (int p0 = 0; p0 < k; p0 += TILE) {
    as[threadIdx.y][threadIdx.x] = (row < m && p0 + threadIdx.x < k) ? a[(size_t)row * k + p0 + threadIdx.x] : 0.f;
    bs[threadIdx.y][threadIdx.x] = (col < n && p0 + threadIdx.y < k) ? b[(size_t)(p0 + threadIdx.y) * n + col] : 0.f;
    __syncthreads();
#pragma unroll
    for (int p = 0; p < TILE; ++p) acc += as[threadIdx.y][p] * bs[p][threadIdx.x];
    __syncthreads();
  }
  if (row < m && col < n) c[(size_t)row * n + col] = acc;
}
#endif

__device__ float warp_sum(float v) {
  for (int o = WARP / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ float warp_max(float v) {
  for (int o = WARP / 2; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// One warp per (query row, head): online softmax over keys [0, len), each lane owning d/32
// (rounded up) elements of the head dimension. D_MAX bounds the per-lane registers.
constexpr int D_PER_LANE_MAX = 8;  // head_dim ≤ 256

__device__ void attend_warp(const float* q, const float* k, const float* v, float* out, int len, int kstride, int d,
                            float scale) {
  const int lane = threadIdx.x % WARP;
  float qr[D_PER_LANE_MAX], acc[D_PER_LANE_MAX];
  for (int t = 0; t < D_PER_LANE_MAX; ++t) {
    const int idx = lane + t * WARP;
    qr[t] = idx < d ? q[idx] : 0.f;
    acc[t] = 0.f;
  }
  float running_max = -INFINITY, running_sum = 0.f;
  for (int j = 0; j < len; ++j) {
    const float* kj = k + (size_t)j * kstride;
    float part = 0.f;
    for (int t = 0; t < D_PER_LANE_MAX; ++t) {
      const int idx = lane + t * WARP;
      if (idx < d) part += qr[t] * kj[idx];
    }
    const float s = warp_sum(part) * scale;
    const float new_max = fmaxf(running_max, s);
    const float correction = __expf(running_max - new_max);
    const float p = __expf(s - new_max);
    running_sum = running_sum * correction + p;
    const float* vj = v + (size_t)j * kstride;
    for (int t = 0; t < D_PER_LANE_MAX; ++t) {
      const int idx = lane + t * WARP;
      if (idx < d) acc[t] = acc[t] * correction + p * vj[idx];
    }
    running_max = new_max;
  }
  for (int t = 0; t < D_PER_LANE_MAX; ++t) {
    const int idx = lane + t * WARP;
    if (idx < d) out[idx] = acc[t] / running_sum;
  }
}

__global__ void attention_prefill(const float* q, const float* k, const float* v, float* out, int seq, int heads,
                                  int kv_heads, int d) {
  const long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / WARP;
  if (w >= (long long)seq * heads) return;
  const int i = (int)(w / heads), h = (int)(w % heads);
  const int kvh = h / (heads / kv_heads);
  attend_warp(q + ((size_t)i * heads + h) * d, k + (size_t)kvh * d, v + (size_t)kvh * d,
              out + ((size_t)i * heads + h) * d, i + 1, kv_heads * d, d, rsqrtf((float)d));
}

__global__ void attention_decode(const float* q, const float* k, const float* v, float* out, int batch, int ctx,
                                 int heads, int kv_heads, int d) {
  const long long w = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / WARP;
  if (w >= (long long)batch * heads) return;
  const int b = (int)(w / heads), h = (int)(w % heads);
  const int kvh = h / (heads / kv_heads);
  const size_t base = ((size_t)b * ctx * kv_heads + kvh) * d;
  attend_warp(q + ((size_t)b * heads + h) * d, k + base, v + base, out + ((size_t)b * heads + h) * d, ctx,
              kv_heads * d, d, rsqrtf((float)d));
}

// One block per row: strided partial sums, warp then block reduction.
__global__ void rmsnorm(const float* __restrict x, const float* __restrict w, float* __restrict y, int hidden,
                        float eps) {
  __shared__ float partial[32];
  const float* xr = x + (size_t)blockIdx.x * hidden;
  float* yr = y + (size_t)blockIdx.x * hidden;
  float s = 0.f;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) s += xr[i] * xr[i];
  s = warp_sum(s);
  if (threadIdx.x % WARP == 0) partial[threadIdx.x / WARP] = s;
  __syncthreads();
  if (threadIdx.x < WARP) {
    s = threadIdx.x < blockDim.x / WARP ? partial[threadIdx.x] : 0.f;
    s = warp_sum(s);
    if (threadIdx.x == 0) partial[0] = rsqrtf(s / hidden + eps);
  }
  __syncthreads();
  const float inv = partial[0];
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) yr[i] = xr[i] * inv * w[i];
}

// The slow path (SOVEREIGN_KERNEL_VARIANT=rmsnorm-naive): one thread walks a whole row.
__global__ void rmsnorm_naive(const float* x, const float* w, float* y, int rows, int hidden, float eps) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  const float* xr = x + (size_t)r * hidden;
  float s = 0.f;
  for (int i = 0; i < hidden; ++i) s += xr[i] * xr[i];
  const float rms = sqrtf(s / hidden + eps);
  for (int i = 0; i < hidden; ++i) y[(size_t)r * hidden + i] = xr[i] / rms * w[i];
}

__global__ void rope(float* x, const float* cosv, const float* sinv, int tokens, int heads, int d) {
  const int half = d / 2;
  const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= (long long)tokens * heads * half) return;
  const int i = (int)(idx % half);
  const long long th = idx / half;
  const int t = (int)(th / heads);
  float* xv = x + th * d;
  const float c = cosv[(size_t)t * half + i], s = sinv[(size_t)t * half + i];
  const float x0 = xv[i], x1 = xv[i + half];
  xv[i] = x0 * c - x1 * s;
  xv[i + half] = x1 * c + x0 * s;
}

// One block per row: max, then sum of exponentials, then normalise (reads the logits, writes probs).
__global__ void softmax(const float* __restrict logits, float* __restrict probs, int vocab) {
  __shared__ float partial[32];
  __shared__ float bcast;
  const float* row = logits + (size_t)blockIdx.x * vocab;
  float* out = probs + (size_t)blockIdx.x * vocab;
  float m = -INFINITY;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) m = fmaxf(m, row[i]);
  m = warp_max(m);
  if (threadIdx.x % WARP == 0) partial[threadIdx.x / WARP] = m;
  __syncthreads();
  if (threadIdx.x < WARP) {
    m = threadIdx.x < blockDim.x / WARP ? partial[threadIdx.x] : -INFINITY;
    m = warp_max(m);
    if (threadIdx.x == 0) bcast = m;
  }
  __syncthreads();
  const float mx = bcast;
  float s = 0.f;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) s += __expf(row[i] - mx);
  s = warp_sum(s);
  __syncthreads();
  if (threadIdx.x % WARP == 0) partial[threadIdx.x / WARP] = s;
  __syncthreads();
  if (threadIdx.x < WARP) {
    s = threadIdx.x < blockDim.x / WARP ? partial[threadIdx.x] : 0.f;
    s = warp_sum(s);
    if (threadIdx.x == 0) bcast = 1.f / s;
  }
  __syncthreads();
  const float inv = bcast;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) out[i] = __expf(row[i] - mx) * inv;
}

// Device buffer filled with uniform values in [lo, hi) from a fixed seed.
struct DeviceBuffer {
  float* ptr = nullptr;
  size_t n = 0;
  DeviceBuffer(size_t count, unsigned seed, float lo = -1.f, float hi = 1.f) : n(count) {
    std::vector<float> host(count);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    for (auto& x : host) x = dist(rng);
    CUDA_OK(cudaMalloc(&ptr, count * sizeof(float)));
    CUDA_OK(cudaMemcpy(ptr, host.data(), count * sizeof(float), cudaMemcpyHostToDevice));
  }
  DeviceBuffer(const std::vector<float>& host) : n(host.size()) {
    CUDA_OK(cudaMalloc(&ptr, n * sizeof(float)));
    CUDA_OK(cudaMemcpy(ptr, host.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

unsigned blocks_for(long long threads, int per_block) { return (unsigned)((threads + per_block - 1) / per_block); }

struct Launch {
  std::vector<std::shared_ptr<void>> keep;  // buffers alive while the launch closure runs
  std::function<void()> run;
  std::string skip;  // non-empty: the case cannot run here, and why
};

#ifdef SOVEREIGN_HAVE_CUBLAS
cublasHandle_t cublas() {
  static cublasHandle_t h = [] {
    cublasHandle_t x;
    if (cublasCreate(&x) != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cublasCreate failed");
    return x;
  }();
  return h;
}
#endif

// One launch of each kernel, shared by the timed cases and the self-test so both run the same
// code path and launch configuration.
void launch_gemm(const float* a, const float* b, float* c, int m, int n, int k) {
#ifdef SOVEREIGN_HAVE_CUBLAS
  const float one = 1.f, zero = 0.f;
  // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ.
  cublasSgemm(cublas(), CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, b, n, a, k, &zero, c, n);
#else
  dim3 block(TILE, TILE), grid((n + TILE - 1) / TILE, (m + TILE - 1) / TILE);
  SOVEREIGN_LAUNCH(gemm_tiled, grid, block, a, b, c, m, n, k);
#endif
}

void launch_attention(bool prefill, const float* q, const float* k, const float* v, float* out, int rows, int ctx,
                      int heads, int kv_heads, int d) {
  const long long threads = (long long)rows * heads * WARP;
  if (prefill) SOVEREIGN_LAUNCH(attention_prefill, blocks_for(threads, 128), 128, q, k, v, out, rows, heads, kv_heads, d);
  else SOVEREIGN_LAUNCH(attention_decode, blocks_for(threads, 128), 128, q, k, v, out, rows, ctx, heads, kv_heads, d);
}

void launch_rmsnorm(bool naive, const float* x, const float* w, float* y, int rows, int hidden) {
  if (naive) SOVEREIGN_LAUNCH(rmsnorm_naive, blocks_for(rows, 128), 128, x, w, y, rows, hidden, 1e-6f);
  else SOVEREIGN_LAUNCH(rmsnorm, rows, 256, x, w, y, hidden, 1e-6f);
}

void launch_rope(float* x, const float* c, const float* s, int tokens, int heads, int d) {
  SOVEREIGN_LAUNCH(rope, blocks_for((long long)tokens * heads * (d / 2), 256), 256, x, c, s, tokens, heads, d);
}

void launch_softmax(const float* logits, float* probs, int batch, int vocab) {
  SOVEREIGN_LAUNCH(softmax, batch, 1024, logits, probs, vocab);
}

template <typename... Args>
std::shared_ptr<DeviceBuffer> buf(Args&&... args) {
  return std::make_shared<DeviceBuffer>(std::forward<Args>(args)...);
}

Launch prepare(const KernelCase& c, bool naive_rmsnorm) {
  Launch l;
  const std::string& k = c.kernel;
  if (k.rfind("gemm_", 0) == 0) {
    const int m = (int)c.dim("m"), n = (int)c.dim("n"), kk = (int)c.dim("k");
    auto a = buf((size_t)m * kk, 1u), b = buf((size_t)kk * n, 2u), out = buf((size_t)m * n, 3u);
    l.keep = {a, b, out};
    l.run = [=] { launch_gemm(a->ptr, b->ptr, out->ptr, m, n, kk); };
  } else if (k == "attention_prefill" || k == "attention_decode") {
    const bool prefill = k == "attention_prefill";
    const int d = (int)c.dim("head_dim"), h = (int)c.dim("heads"), kvh = (int)c.dim("kv_heads");
    if (d > D_PER_LANE_MAX * WARP) {
      l.skip = "head_dim " + std::to_string(d) + " exceeds the attention kernel's limit of 256";
      return l;
    }
    const int rows = prefill ? (int)c.dim("seq") : (int)c.dim("batch");
    const long long kv_len = prefill ? c.dim("seq") : c.dim("batch") * c.dim("ctx");
    auto q = buf((size_t)rows * h * d, 4u), kb = buf((size_t)kv_len * kvh * d, 5u),
         vb = buf((size_t)kv_len * kvh * d, 6u), out = buf((size_t)rows * h * d, 7u);
    l.keep = {q, kb, vb, out};
    const int ctx = prefill ? 0 : (int)c.dim("ctx");
    l.run = [=] { launch_attention(prefill, q->ptr, kb->ptr, vb->ptr, out->ptr, rows, ctx, h, kvh, d); };
  } else if (k == "rmsnorm") {
    const int rows = (int)c.dim("rows"), hidden = (int)c.dim("hidden");
    auto x = buf((size_t)rows * hidden, 9u), w = buf((size_t)hidden, 10u, 0.5f, 1.5f), y = buf((size_t)rows * hidden, 11u);
    l.keep = {x, w, y};
    l.run = [=] { launch_rmsnorm(naive_rmsnorm, x->ptr, w->ptr, y->ptr, rows, hidden); };
  } else if (k == "rope") {
    const int t = (int)c.dim("tokens"), h = (int)c.dim("heads"), d = (int)c.dim("head_dim");
    std::vector<float> cs((size_t)t * (d / 2)), sn(cs.size());
    for (int p = 0; p < t; ++p)
      for (int i = 0; i < d / 2; ++i) {
        const double angle = p * std::pow(10000.0, -2.0 * i / d);
        cs[(size_t)p * (d / 2) + i] = (float)std::cos(angle);
        sn[(size_t)p * (d / 2) + i] = (float)std::sin(angle);
      }
    auto x = buf((size_t)t * h * d, 12u), cb = buf(cs), sb = buf(sn);
    l.keep = {x, cb, sb};
    l.run = [=] { launch_rope(x->ptr, cb->ptr, sb->ptr, t, h, d); };
  } else if (k == "softmax_vocab") {
    const int b = (int)c.dim("batch"), vocab = (int)c.dim("vocab");
    auto logits = buf((size_t)b * vocab, 13u, -20.f, 20.f), probs = buf((size_t)b * vocab, 14u);
    l.keep = {logits, probs};
    l.run = [=] { launch_softmax(logits->ptr, probs->ptr, b, vocab); };
  } else if (k == "allreduce") {
#ifdef SOVEREIGN_HAVE_NCCL
    const int ranks = (int)c.dim("ranks");
    const size_t count = (size_t)(c.dim("bytes") / 2);
    int devices = 0;
    CUDA_OK(cudaGetDeviceCount(&devices));
    if (devices < ranks) {
      l.skip = "needs " + std::to_string(ranks) + " visible GPUs, found " + std::to_string(devices);
      return l;
    }
    auto comms = std::make_shared<std::vector<ncclComm_t>>(ranks);
    if (ncclCommInitAll(comms->data(), ranks, nullptr) != ncclSuccess) throw std::runtime_error("ncclCommInitAll failed");
    auto bufs = std::make_shared<std::vector<std::shared_ptr<DeviceBuffer>>>();
    auto streams = std::make_shared<std::vector<cudaStream_t>>(ranks);
    for (int r = 0; r < ranks; ++r) {
      CUDA_OK(cudaSetDevice(r));
      CUDA_OK(cudaStreamCreate(&(*streams)[r]));
      bufs->push_back(buf(count * 2 / sizeof(float) + 1, 20u + (unsigned)r));  // bf16 payload bytes
    }
    CUDA_OK(cudaSetDevice(0));
    l.keep = {comms, bufs, streams};
    l.run = [=] {
      ncclGroupStart();
      for (int r = 0; r < ranks; ++r)
        ncclAllReduce((*bufs)[r]->ptr, (*bufs)[r]->ptr, count, ncclBfloat16, ncclSum, (*comms)[r], (*streams)[r]);
      ncclGroupEnd();
      for (int r = 0; r < ranks; ++r) cudaStreamSynchronize((*streams)[r]);
    };
#else
    l.skip = "built without NCCL headers; all-reduce is measured only in images built with NCCL";
#endif
  } else {
    throw std::invalid_argument("case " + c.name + " has unknown kernel '" + c.kernel + "'");
  }
  return l;
}

#ifndef SOVEREIGN_HOST_EMULATION
// Mean time of `iters` launches, in ns, measured with events around the whole batch.
double time_launches(const std::function<void()>& run, long long iters, cudaEvent_t start, cudaEvent_t stop) {
  CUDA_OK(cudaEventRecord(start));
  for (long long i = 0; i < iters; ++i) run();
  CUDA_OK(cudaEventRecord(stop));
  CUDA_OK(cudaEventSynchronize(stop));
  CUDA_OK(cudaGetLastError());
  float ms = 0.f;
  CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
  return (double)ms * 1e6 / (double)iters;
}

#endif  // !SOVEREIGN_HOST_EMULATION

// Runs every kernel at small, awkward sizes on the GPU and compares with the CPU backend's
// kernels (compiled into this binary as host code): a kernel that got fast by computing the
// wrong thing must not pass the gate. Exit 0 when all match, 1 otherwise.
int gpu_self_test() {
  namespace sc = sovereign::cpu;
  int failures = 0;
  auto host = [](size_t n, unsigned seed) {
    std::vector<float> v(n);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (auto& x : v) x = dist(rng);
    return v;
  };
  auto fetch = [](const DeviceBuffer& b) {
    CUDA_OK(cudaDeviceSynchronize());
    CUDA_OK(cudaGetLastError());
    std::vector<float> out(b.n);
    CUDA_OK(cudaMemcpy(out.data(), b.ptr, b.n * sizeof(float), cudaMemcpyDeviceToHost));
    return out;
  };
  auto check = [&](const char* what, const std::vector<float>& got, const std::vector<float>& want, float tol) {
    float worst = 0.f;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
    const bool ok = got.size() == want.size() && worst <= tol;
    std::printf("%-22s %s (max abs error %.2e)\n", what, ok ? "ok" : "FAILED", (double)worst);
    if (!ok) ++failures;
  };
  {
    const int m = 37, n = 301, k = 283;
    auto a = host((size_t)m * k, 1), b = host((size_t)k * n, 2);
    std::vector<float> want((size_t)m * n);
    sc::gemm(a.data(), b.data(), want.data(), m, n, k);
    DeviceBuffer da(a), db(b), dc(want.size(), 3u);
    launch_gemm(da.ptr, db.ptr, dc.ptr, m, n, k);
    check("gemm", fetch(dc), want, 1e-3f);
  }
  for (bool prefill : {true, false}) {
    const int rows = prefill ? 19 : 3, ctx = prefill ? 0 : 41, h = 6, kvh = 2, d = 80;
    const size_t kv = prefill ? (size_t)rows * kvh * d : (size_t)rows * ctx * kvh * d;
    auto q = host((size_t)rows * h * d, 4), kk = host(kv, 5), v = host(kv, 6);
    std::vector<float> want((size_t)rows * h * d);
    if (prefill) sc::attention_prefill(q.data(), kk.data(), v.data(), want.data(), rows, h, kvh, d);
    else sc::attention_decode(q.data(), kk.data(), v.data(), want.data(), rows, ctx, h, kvh, d);
    DeviceBuffer dq(q), dk(kk), dv(v), dout(want.size(), 7u);
    launch_attention(prefill, dq.ptr, dk.ptr, dv.ptr, dout.ptr, rows, ctx, h, kvh, d);
    check(prefill ? "attention_prefill" : "attention_decode", fetch(dout), want, 1e-4f);
  }
  for (bool naive : {false, true}) {
    const int rows = 5, hidden = 777;
    auto x = host((size_t)rows * hidden, 8), w = host(hidden, 9);
    std::vector<float> want(x.size());
    sc::rmsnorm(x.data(), w.data(), want.data(), rows, hidden, 1e-6f);
    DeviceBuffer dx(x), dw(w), dy(x.size(), 10u);
    launch_rmsnorm(naive, dx.ptr, dw.ptr, dy.ptr, rows, hidden);
    check(naive ? "rmsnorm_naive" : "rmsnorm", fetch(dy), want, 1e-5f);
  }
  {
    const int t = 3, h = 2, d = 8;
    auto x = host((size_t)t * h * d, 11);
    std::vector<float> cs((size_t)t * d / 2), sn(cs.size());
    for (size_t i = 0; i < cs.size(); ++i) {
      cs[i] = std::cos(0.1f * (float)i);
      sn[i] = std::sin(0.1f * (float)i);
    }
    DeviceBuffer dx(x), dc(cs), ds(sn);
    std::vector<float> want(x);
    sc::rope(want.data(), cs.data(), sn.data(), t, h, d);
    launch_rope(dx.ptr, dc.ptr, ds.ptr, t, h, d);
    check("rope", fetch(dx), want, 1e-5f);
  }
  {
    const int b = 2, vocab = 100003;
    auto l = host((size_t)b * vocab, 12);
    std::vector<float> want(l);
    sc::softmax(want.data(), b, vocab);
    DeviceBuffer dl(l), dp(l.size(), 13u);
    launch_softmax(dl.ptr, dp.ptr, b, vocab);
    check("softmax", fetch(dp), want, 1e-6f);
  }
  std::printf("%s\n", failures == 0 ? "self-test passed" : "self-test FAILED");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--self-test") {
    try {
      return gpu_self_test();
    } catch (const std::exception& e) {
      std::cerr << "kernel-suite-cuda: " << e.what() << "\n";
      return 1;
    }
  }
#ifdef SOVEREIGN_HOST_EMULATION
  std::cerr << "kernel-suite-cuda (host emulation): only --self-test runs here\n";
  return 2;
#else
  sovereign::SuiteArgs args;
  std::vector<KernelCase> cases;
  try {
    args = sovereign::parse_args(argc, argv);
    cases = sovereign::load_cases(args.cases);
  } catch (const std::exception& e) {
    if (*e.what()) std::cerr << "kernel-suite-cuda: " << e.what() << "\n";
    std::cerr << sovereign::usage();
    return 2;
  }
  const std::string variant = sovereign::kernel_variant();
  if (!variant.empty() && variant != "default" && variant != "rmsnorm-naive") {
    std::cerr << "kernel-suite-cuda: unknown SOVEREIGN_KERNEL_VARIANT '" << variant << "' (known: default, rmsnorm-naive)\n";
    return 2;
  }
  if (args.list) {
    for (const auto& c : cases) std::cout << c.name << "\n";
    return 0;
  }
  try {
    cudaDeviceProp prop{};
    CUDA_OK(cudaGetDeviceProperties(&prop, 0));
    int driver = 0;
    CUDA_OK(cudaDriverGetVersion(&driver));
    cudaEvent_t start, stop;
    CUDA_OK(cudaEventCreate(&start));
    CUDA_OK(cudaEventCreate(&stop));

    std::vector<sovereign::CaseResult> results;
    std::string skipped;
    for (const auto& c : cases) {
      Launch l = prepare(c, variant == "rmsnorm-naive");
      if (!l.skip.empty()) {
        std::cerr << "kernel-suite-cuda: skipping " << c.name << ": " << l.skip << "\n";
        skipped += (skipped.empty() ? "" : "; ") + c.name + ": " + l.skip;
        continue;
      }
      // Warm up (module load, clocks), then size a repetition to last at least min_time.
      time_launches(l.run, 3, start, stop);
      const double one = time_launches(l.run, 1, start, stop);
      const long long iters = std::max(1LL, std::min(1000000LL, (long long)std::ceil(args.min_time * 1e9 / std::max(one, 1.0))));
      sovereign::CaseResult r{c.name + "/manual_time", {}, {}};
      for (int rep = 0; rep < args.repetitions; ++rep) {
        r.ns_per_iteration.push_back(time_launches(l.run, iters, start, stop));
        r.iterations.push_back(iters);
      }
      std::fprintf(stderr, "%-70s %14.1f ns (%d reps × %lld iterations)\n", c.name.c_str(), r.ns_per_iteration[0],
                   args.repetitions, iters);
      results.push_back(std::move(r));
    }
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    const std::string json = sovereign::gbench_json(
        {{"host_name", host},
         {"executable", argv[0]},
         {"sovereign_backend", "cuda"},
         {"sovereign_gpu", prop.name},
         {"sovereign_compute_capability", std::to_string(prop.major) + "." + std::to_string(prop.minor)},
         {"sovereign_cuda_driver", std::to_string(driver)},
         {"sovereign_cuda_runtime", std::to_string(CUDART_VERSION)},
         {"sovereign_variant", variant.empty() ? "default" : variant},
         {"sovereign_cases", args.cases},
         {"sovereign_skipped", skipped}},
        results);
    if (args.out.empty()) std::cout << json;
    else if (!sovereign::write_file_atomic(args.out, json)) {
      std::cerr << "kernel-suite-cuda: cannot write " << args.out << "\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "kernel-suite-cuda: " << e.what() << "\n";
    return 1;
  }
  return 0;
#endif
}
