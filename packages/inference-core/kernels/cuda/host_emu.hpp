// Host emulation of the CUDA subset the suite's kernels use, so the very same kernels, launch
// configurations and GPU self-test (suite.cu) compile with g++ and run on a CPU. Every CUDA
// thread of a block is a fiber (ucontext) on one host thread; blocks run one after another;
// __syncthreads waits until every live thread of the block reaches it; a warp shuffle exchanges
// through a per-warp slot array behind a barrier of the warp's live lanes. Deterministic and
// single-threaded. It checks the kernels' arithmetic and indexing, not speed or memory model.
// Build: make cuda-host (g++ -std=c++20 -DSOVEREIGN_HOST_EMULATION -x c++ suite.cu ...).
#pragma once

#include <ucontext.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

#define __global__
#define __device__
#define __shared__ static

inline dim3 threadIdx;
inline dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace sovereign::emu {

enum class State { Ready, AtBlockBarrier, AtWarpBarrier, Done };

struct Fiber {
  ucontext_t ctx{};
  std::vector<char> stack;
  State state = State::Ready;
  dim3 tid;
};

struct Block {
  ucontext_t scheduler{};
  std::vector<Fiber> fibers;
  std::vector<float> slots;  // 32 per warp
  int current = 0;
  const std::function<void()>* kernel = nullptr;
};

inline Block* block = nullptr;

/** Parks the running fiber in `s` and returns to the scheduler until it is released. */
inline void wait_in(State s) {
  Fiber& f = block->fibers[block->current];
  f.state = s;
  swapcontext(&f.ctx, &block->scheduler);
  threadIdx = f.tid;
}

inline void fiber_main() {
  (*block->kernel)();
  block->fibers[block->current].state = State::Done;
  swapcontext(&block->fibers[block->current].ctx, &block->scheduler);
}

/** Releases a barrier whose live participants have all arrived; true when one was released. */
inline bool release(int from, int to, State s) {
  bool any = false;
  for (int i = from; i < to; ++i) {
    const State st = block->fibers[i].state;
    if (st == State::Ready || (st != State::Done && st != s)) return false;
    any = any || st == s;
  }
  if (!any) return false;
  for (int i = from; i < to; ++i)
    if (block->fibers[i].state == s) block->fibers[i].state = State::Ready;
  return true;
}

// Context switches live in functions of their own: getcontext returns twice, and locals of a
// function calling it could otherwise be clobbered.
[[gnu::noinline]] inline void reset(Fiber& f, dim3 tid) {
  f.state = State::Ready;
  f.tid = tid;
  getcontext(&f.ctx);
  f.ctx.uc_stack.ss_sp = f.stack.data();
  f.ctx.uc_stack.ss_size = f.stack.size();
  f.ctx.uc_link = nullptr;
  makecontext(&f.ctx, fiber_main, 0);
}

[[gnu::noinline]] inline void resume(int t) {
  block->current = t;
  threadIdx = block->fibers[t].tid;
  swapcontext(&block->scheduler, &block->fibers[t].ctx);
}

/** Runs `kernel` for every thread of every block of the grid, block after block. */
inline void launch(dim3 grid, dim3 blk, const std::function<void()>& kernel) {
  gridDim = grid;
  blockDim = blk;
  const int n = (int)(blk.x * blk.y * blk.z);
  Block b;
  b.kernel = &kernel;
  b.fibers.resize(n);
  b.slots.assign(32 * ((n + 31) / 32), 0.f);
  for (auto& f : b.fibers) f.stack.resize(64 * 1024);
  block = &b;
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        blockIdx = dim3(bx, by, bz);
        for (int t = 0; t < n; ++t) reset(b.fibers[t], dim3(t % blk.x, (t / blk.x) % blk.y, t / (blk.x * blk.y)));
        for (;;) {
          bool ran = false, done = true;
          for (int t = 0; t < n; ++t) {
            if (b.fibers[t].state != State::Ready) continue;
            ran = true;
            resume(t);
          }
          bool released = false;
          for (int w = 0; w < n; w += 32) released = release(w, std::min(n, w + 32), State::AtWarpBarrier) || released;
          released = release(0, n, State::AtBlockBarrier) || released;
          for (const auto& f : b.fibers) done = done && f.state == State::Done;
          if (done) break;
          if (!ran && !released) {
            std::fprintf(stderr, "host emulation: threads of block (%u,%u,%u) deadlocked at a barrier\n", bx, by, bz);
            std::abort();
          }
        }
      }
  block = nullptr;
}

}  // namespace sovereign::emu

inline void __syncthreads() { sovereign::emu::wait_in(sovereign::emu::State::AtBlockBarrier); }

inline float __shfl_xor_sync(unsigned /*mask*/, float v, int lane_mask) {
  using namespace sovereign::emu;
  const int t = block->current;
  float* warp = &block->slots[(size_t)(t / 32) * 32];
  warp[t % 32] = v;
  wait_in(State::AtWarpBarrier);
  const float r = warp[(t % 32) ^ lane_mask];
  wait_in(State::AtWarpBarrier);
  return r;
}

inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }

// The CUDA runtime calls the self-test makes, on host memory.
using cudaError_t = int;
constexpr cudaError_t cudaSuccess = 0;
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost };
inline const char* cudaGetErrorString(cudaError_t) { return "host emulation error"; }
inline cudaError_t cudaMalloc(float** p, size_t bytes) {
  *p = static_cast<float*>(std::malloc(bytes == 0 ? 1 : bytes));
  return *p ? cudaSuccess : 2;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  std::memcpy(dst, src, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }

#define SOVEREIGN_LAUNCH(kernel, grid, block, ...) \
  sovereign::emu::launch(dim3(grid), dim3(block), [&] { kernel(__VA_ARGS__); })
