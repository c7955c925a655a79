// CPU backend of the kernel suite: one Google Benchmark per case of the cases file, reported
// under the case's name so the gate pairs it with the same case from any other run or backend.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>
#include <ctime>
#include <cstdio>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "../common/cases.hpp"
#include "kernels.hpp"

namespace sc = sovereign::cpu;
using sovereign::KernelCase;

int self_test();  // selftest.cpp

namespace {

std::vector<float> random_buffer(int64_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (auto& x : v) x = dist(rng);
  return v;
}

bool rmsnorm_naive_selected = false;
bool cpu_clock = false;

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The timed loop. Wall clock (default): Google Benchmark's own real-time measurement. CPU clock
// (--clock cpu): each iteration reports the CPU time all threads spent on it, which time spent
// descheduled by other processes does not inflate; Google Benchmark records it as manual time.
template <typename F>
void timed(benchmark::State& st, F&& kernel) {
  if (!cpu_clock) {
    for (auto _ : st) kernel();
    return;
  }
  for (auto _ : st) {
    const double t0 = process_cpu_seconds();
    kernel();
    st.SetIterationTime(process_cpu_seconds() - t0);
  }
}

// Builds the benchmark body for one case. Inputs are allocated and filled before the timed loop;
// only the kernel call is inside it.
std::function<void(benchmark::State&)> body(const KernelCase& c) {
  const std::string& k = c.kernel;
  if (k.rfind("gemm_", 0) == 0) {
    return [c](benchmark::State& st) {
      const int64_t m = c.dim("m"), n = c.dim("n"), kk = c.dim("k");
      auto a = random_buffer(m * kk, 1), b = random_buffer(kk * n, 2);
      std::vector<float> out(static_cast<size_t>(m * n));
      timed(st, [&] {
        sc::gemm(a.data(), b.data(), out.data(), m, n, kk);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      });
      st.counters["flops"] = benchmark::Counter(2.0 * m * n * kk, benchmark::Counter::kIsIterationInvariantRate);
    };
  }
  if (k == "attention_prefill") {
    return [c](benchmark::State& st) {
      const int64_t s = c.dim("seq"), h = c.dim("heads"), kvh = c.dim("kv_heads"), d = c.dim("head_dim");
      auto q = random_buffer(s * h * d, 3), kk = random_buffer(s * kvh * d, 4), v = random_buffer(s * kvh * d, 5);
      std::vector<float> out(static_cast<size_t>(s * h * d));
      timed(st, [&] {
        sc::attention_prefill(q.data(), kk.data(), v.data(), out.data(), s, h, kvh, d);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      });
    };
  }
  if (k == "attention_decode") {
    return [c](benchmark::State& st) {
      const int64_t b = c.dim("batch"), ctx = c.dim("ctx"), h = c.dim("heads"), kvh = c.dim("kv_heads"),
                    d = c.dim("head_dim");
      auto q = random_buffer(b * h * d, 6), kk = random_buffer(b * ctx * kvh * d, 7),
           v = random_buffer(b * ctx * kvh * d, 8);
      std::vector<float> out(static_cast<size_t>(b * h * d));
      timed(st, [&] {
        sc::attention_decode(q.data(), kk.data(), v.data(), out.data(), b, ctx, h, kvh, d);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      });
      st.counters["kv_bytes"] = static_cast<double>(2 * b * ctx * kvh * d * sizeof(float));
    };
  }
  if (k == "rmsnorm") {
    return [c](benchmark::State& st) {
      const int64_t rows = c.dim("rows"), hidden = c.dim("hidden");
      auto x = random_buffer(rows * hidden, 9), w = random_buffer(hidden, 10, 0.5f, 1.5f);
      std::vector<float> y(static_cast<size_t>(rows * hidden));
      const auto fn = rmsnorm_naive_selected ? sc::rmsnorm_naive : sc::rmsnorm;
      timed(st, [&] {
        fn(x.data(), w.data(), y.data(), rows, hidden, 1e-6f);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
      });
    };
  }
  if (k == "rope") {
    return [c](benchmark::State& st) {
      const int64_t t = c.dim("tokens"), h = c.dim("heads"), d = c.dim("head_dim");
      auto x = random_buffer(t * h * d, 11);
      // The cos/sin cache a serving engine precomputes once per position (base 10000).
      std::vector<float> cs(static_cast<size_t>(t * (d / 2))), sn(cs.size());
      for (int64_t p = 0; p < t; ++p)
        for (int64_t i = 0; i < d / 2; ++i) {
          const double angle = static_cast<double>(p) * std::pow(10000.0, -2.0 * static_cast<double>(i) / d);
          cs[static_cast<size_t>(p * (d / 2) + i)] = static_cast<float>(std::cos(angle));
          sn[static_cast<size_t>(p * (d / 2) + i)] = static_cast<float>(std::sin(angle));
        }
      timed(st, [&] {
        sc::rope(x.data(), cs.data(), sn.data(), t, h, d);
        benchmark::DoNotOptimize(x.data());
        benchmark::ClobberMemory();
      });
    };
  }
  if (k == "softmax_vocab") {
    return [c](benchmark::State& st) {
      const int64_t b = c.dim("batch"), vocab = c.dim("vocab");
      const auto logits = random_buffer(b * vocab, 12, -20.f, 20.f);
      std::vector<float> work(logits.size());
      timed(st, [&] {
        // Restoring the logits is part of each iteration: softmax is in place, and a second pass
        // over probabilities would be a different (easier) input.
        std::copy(logits.begin(), logits.end(), work.begin());
        sc::softmax(work.data(), b, vocab);
        benchmark::DoNotOptimize(work.data());
        benchmark::ClobberMemory();
      });
    };
  }
  if (k == "allreduce") {
    return [c](benchmark::State& st) {
      // Payload is bf16 on the GPUs; the host simulation reduces the same element count in fp32.
      const int64_t n = c.dim("bytes") / 2, ranks = c.dim("ranks");
      std::vector<std::vector<float>> bufs;
      for (int64_t r = 0; r < ranks; ++r) bufs.push_back(random_buffer(n, 13 + static_cast<uint32_t>(r)));
      timed(st, [&] {
        sc::ring_allreduce(bufs, n);
        benchmark::DoNotOptimize(bufs[0].data());
        benchmark::ClobberMemory();
      });
      st.counters["bytes"] = benchmark::Counter(static_cast<double>(c.dim("bytes")),
                                                benchmark::Counter::kIsIterationInvariantRate);
    };
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--self-test") return self_test();
  sovereign::SuiteArgs args;
  std::vector<KernelCase> cases;
  try {
    args = sovereign::parse_args(argc, argv);
    cases = sovereign::load_cases(args.cases);
  } catch (const std::exception& e) {
    if (*e.what()) std::cerr << "kernel-suite: " << e.what() << "\n";
    std::cerr << sovereign::usage();
    return 2;
  }
  const std::string variant = sovereign::kernel_variant();
  if (variant == "rmsnorm-naive") rmsnorm_naive_selected = true;
  else if (!variant.empty() && variant != "default") {
    std::cerr << "kernel-suite: unknown SOVEREIGN_KERNEL_VARIANT '" << variant << "' (known: default, rmsnorm-naive)\n";
    return 2;
  }
  if (args.threads > 0) omp_set_num_threads(args.threads);
  cpu_clock = args.clock == "cpu";

  for (const auto& c : cases) {
    auto fn = body(c);
    if (!fn) {
      std::cerr << "kernel-suite: case " << c.name << " has unknown kernel '" << c.kernel << "'\n";
      return 2;
    }
    if (args.list) {
      std::cout << c.name << "\n";
      continue;
    }
    auto* b = benchmark::RegisterBenchmark(c.name.c_str(), fn);
    if (cpu_clock) b->UseManualTime();
    else b->UseRealTime();
  }
  if (args.list) return 0;

  std::vector<std::string> flags = {
      argv[0],
      "--benchmark_repetitions=" + std::to_string(args.repetitions),
      "--benchmark_report_aggregates_only=false",
      "--benchmark_min_time=" + std::to_string(args.min_time),
  };
  if (!args.out.empty()) {
    flags.push_back("--benchmark_out=" + args.out);
    flags.push_back("--benchmark_out_format=json");
  }
  for (const auto& f : args.passthrough) flags.push_back(f);
  std::vector<char*> bargv;
  for (auto& f : flags) bargv.push_back(f.data());
  int bargc = static_cast<int>(bargv.size());
  benchmark::Initialize(&bargc, bargv.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, bargv.data())) return 2;

  benchmark::AddCustomContext("sovereign_backend", "cpu");
  benchmark::AddCustomContext("sovereign_variant", variant.empty() ? "default" : variant);
  benchmark::AddCustomContext("sovereign_threads", std::to_string(omp_get_max_threads()));
  benchmark::AddCustomContext("sovereign_clock", cpu_clock ? "cpu" : "wall");
  benchmark::AddCustomContext("sovereign_cases", args.cases);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
