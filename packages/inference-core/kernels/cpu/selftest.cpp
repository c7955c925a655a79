// Correctness checks of the CPU kernels against straightforward reference computations, so a
// fast kernel is known to compute the right thing before its timings mean anything.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels.hpp"

namespace sc = sovereign::cpu;

namespace {

std::vector<float> rnd(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

int failures = 0;

void check(const char* what, const std::vector<float>& got, const std::vector<float>& want, float tol) {
  float worst = 0.f;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
  const bool ok = worst <= tol && got.size() == want.size();
  std::printf("%-18s %s (max abs error %.2e)\n", what, ok ? "ok" : "FAILED", static_cast<double>(worst));
  if (!ok) ++failures;
}

// Plain softmax attention for one query against keys [0, len).
void ref_attend(const float* q, const float* k, const float* v, float* out, int64_t len, int64_t stride, int64_t d) {
  std::vector<double> s(static_cast<size_t>(len));
  double mx = -1e300, sum = 0;
  for (int64_t j = 0; j < len; ++j) {
    double dot = 0;
    for (int64_t t = 0; t < d; ++t) dot += q[t] * k[j * stride + t];
    s[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(d));
    mx = std::max(mx, s[static_cast<size_t>(j)]);
  }
  for (auto& x : s) sum += (x = std::exp(x - mx));
  for (int64_t t = 0; t < d; ++t) {
    double acc = 0;
    for (int64_t j = 0; j < len; ++j) acc += s[static_cast<size_t>(j)] * v[j * stride + t];
    out[t] = static_cast<float>(acc / sum);
  }
}

}  // namespace

int self_test() {
  {  // GEMM with sizes that are not multiples of the tiles
    const int64_t m = 37, n = 301, k = 283;
    auto a = rnd(m * k, 1), b = rnd(k * n, 2);
    std::vector<float> c(m * n), r(m * n);
    sc::gemm(a.data(), b.data(), c.data(), m, n, k);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * n + j];
        r[i * n + j] = static_cast<float>(acc);
      }
    check("gemm", c, r, 1e-3f);
  }
  {  // prefill attention, grouped-query (6 heads over 2 KV heads)
    const int64_t s = 19, h = 6, kvh = 2, d = 16;
    auto q = rnd(s * h * d, 3), k = rnd(s * kvh * d, 4), v = rnd(s * kvh * d, 5);
    std::vector<float> o(s * h * d), r(s * h * d);
    sc::attention_prefill(q.data(), k.data(), v.data(), o.data(), s, h, kvh, d);
    for (int64_t i = 0; i < s; ++i)
      for (int64_t hh = 0; hh < h; ++hh)
        ref_attend(&q[(i * h + hh) * d], &k[(hh / 3) * d], &v[(hh / 3) * d], &r[(i * h + hh) * d], i + 1, kvh * d, d);
    check("attention_prefill", o, r, 1e-4f);
  }
  {  // decode attention over a cache
    const int64_t b = 3, ctx = 41, h = 4, kvh = 1, d = 8;
    auto q = rnd(b * h * d, 6), k = rnd(b * ctx * kvh * d, 7), v = rnd(b * ctx * kvh * d, 8);
    std::vector<float> o(b * h * d), r(b * h * d);
    sc::attention_decode(q.data(), k.data(), v.data(), o.data(), b, ctx, h, kvh, d);
    for (int64_t bb = 0; bb < b; ++bb)
      for (int64_t hh = 0; hh < h; ++hh)
        ref_attend(&q[(bb * h + hh) * d], &k[bb * ctx * kvh * d], &v[bb * ctx * kvh * d], &r[(bb * h + hh) * d], ctx,
                   kvh * d, d);
    check("attention_decode", o, r, 1e-4f);
  }
  {  // both RMSNorm paths agree with the definition
    const int64_t rows = 5, hidden = 77;
    auto x = rnd(rows * hidden, 9), w = rnd(hidden, 10);
    std::vector<float> y(rows * hidden), yn(rows * hidden), r(rows * hidden);
    sc::rmsnorm(x.data(), w.data(), y.data(), rows, hidden, 1e-6f);
    sc::rmsnorm_naive(x.data(), w.data(), yn.data(), rows, hidden, 1e-6f);
    for (int64_t i = 0; i < rows; ++i) {
      double ss = 0;
      for (int64_t j = 0; j < hidden; ++j) ss += x[i * hidden + j] * x[i * hidden + j];
      const double inv = 1 / std::sqrt(ss / hidden + 1e-6);
      for (int64_t j = 0; j < hidden; ++j) r[i * hidden + j] = static_cast<float>(x[i * hidden + j] * inv * w[j]);
    }
    check("rmsnorm", y, r, 1e-5f);
    check("rmsnorm_naive", yn, r, 1e-5f);
  }
  {  // RoPE preserves each pair's norm and rotates by the given angle
    const int64_t t = 3, h = 2, d = 8;
    auto x = rnd(t * h * d, 11);
    std::vector<float> cs(t * d / 2), sn(t * d / 2), r(x);
    for (size_t i = 0; i < cs.size(); ++i) {
      cs[i] = std::cos(0.1f * static_cast<float>(i));
      sn[i] = std::sin(0.1f * static_cast<float>(i));
    }
    for (int64_t p = 0; p < t; ++p)
      for (int64_t hh = 0; hh < h; ++hh)
        for (int64_t i = 0; i < d / 2; ++i) {
          const float a = x[(p * h + hh) * d + i], b = x[(p * h + hh) * d + i + d / 2];
          r[(p * h + hh) * d + i] = a * cs[p * d / 2 + i] - b * sn[p * d / 2 + i];
          r[(p * h + hh) * d + i + d / 2] = b * cs[p * d / 2 + i] + a * sn[p * d / 2 + i];
        }
    sc::rope(x.data(), cs.data(), sn.data(), t, h, d);
    check("rope", x, r, 1e-6f);
  }
  {  // softmax rows sum to one and keep order
    const int64_t b = 2, vocab = 1001;
    auto l = rnd(b * vocab, 12), r(l);
    for (int64_t i = 0; i < b; ++i) {
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < vocab; ++j) mx = std::max(mx, static_cast<double>(l[i * vocab + j]));
      for (int64_t j = 0; j < vocab; ++j) sum += std::exp(l[i * vocab + j] - mx);
      for (int64_t j = 0; j < vocab; ++j) r[i * vocab + j] = static_cast<float>(std::exp(l[i * vocab + j] - mx) / sum);
    }
    sc::softmax(l.data(), b, vocab);
    check("softmax", l, r, 1e-6f);
  }
  {  // ring all-reduce: every rank ends with the element-wise sum
    const int64_t n = 1003;
    for (int64_t ranks : {2, 3, 4, 8}) {
      std::vector<std::vector<float>> bufs;
      std::vector<float> sum(n, 0.f);
      for (int64_t r = 0; r < ranks; ++r) {
        bufs.push_back(rnd(n, 20 + static_cast<unsigned>(r)));
        for (int64_t i = 0; i < n; ++i) sum[i] += bufs.back()[i];
      }
      sc::ring_allreduce(bufs, n);
      char label[64];
      for (int64_t r = 0; r < ranks; ++r) {
        std::snprintf(label, sizeof label, "allreduce %lldx r%lld", static_cast<long long>(ranks), static_cast<long long>(r));
        check(label, bufs[r], sum, 1e-5f);
      }
    }
  }
  std::printf("%s\n", failures == 0 ? "self-test passed" : "self-test FAILED");
  return failures == 0 ? 0 : 1;
}
