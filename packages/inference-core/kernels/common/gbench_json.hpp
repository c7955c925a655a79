// Writes results in Google Benchmark's JSON output format (the subset the gate and Google's
// own compare.py read): a context object and one entry per repetition (run_type "iteration",
// repetition_index) followed by mean/median/stddev/cv aggregates. Used by the backends that
// time kernels themselves (CUDA events) so every backend's output reads the same way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace sovereign {

/** Timings of one case: nanoseconds per iteration, one value per repetition. */
struct CaseResult {
  std::string name;  // already carries the run-option suffix, e.g. "/manual_time"
  std::vector<double> ns_per_iteration;
  std::vector<long long> iterations;
};

inline std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string gbench_json(const std::vector<std::pair<std::string, std::string>>& context,
                               const std::vector<CaseResult>& results) {
  std::ostringstream o;
  char date[40];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S+00:00", std::gmtime(&now));
  o << "{\n  \"context\": {\n    \"date\": \"" << date << "\",\n    \"library_build_type\": \"release\"";
  for (const auto& kv : context) o << ",\n    \"" << json_escape(kv.first) << "\": \"" << json_escape(kv.second) << "\"";
  o << "\n  },\n  \"benchmarks\": [";
  bool first = true;
  auto entry = [&](const std::string& body) {
    o << (first ? "\n    {" : ",\n    {") << body << "}";
    first = false;
  };
  for (size_t f = 0; f < results.size(); ++f) {
    const CaseResult& r = results[f];
    const size_t n = r.ns_per_iteration.size();
    const std::string common = "\"family_index\": " + std::to_string(f) +
                               ", \"per_family_instance_index\": 0, \"run_name\": \"" + json_escape(r.name) +
                               "\", \"repetitions\": " + std::to_string(n) + ", \"threads\": 1";
    for (size_t i = 0; i < n; ++i) {
      const std::string t = json_number(r.ns_per_iteration[i]);
      entry("\"name\": \"" + json_escape(r.name) + "\", " + common +
            ", \"run_type\": \"iteration\", \"repetition_index\": " + std::to_string(i) +
            ", \"iterations\": " + std::to_string(r.iterations[i]) + ", \"real_time\": " + t + ", \"cpu_time\": " + t +
            ", \"time_unit\": \"ns\"");
    }
    if (n == 0) continue;
    std::vector<double> v = r.ns_per_iteration;
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(n);
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    const double sd = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0.0;
    std::sort(v.begin(), v.end());
    const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    const std::pair<const char*, double> aggs[] = {{"mean", mean}, {"median", median}, {"stddev", sd}, {"cv", mean > 0 ? sd / mean : 0}};
    for (const auto& a : aggs) {
      const bool pct = std::string(a.first) == "cv";
      entry("\"name\": \"" + json_escape(r.name + "_" + a.first) + "\", " + common +
            ", \"run_type\": \"aggregate\", \"aggregate_name\": \"" + a.first + "\", \"aggregate_unit\": \"" +
            (pct ? "percentage" : "time") + "\", \"iterations\": " + std::to_string(n) +
            ", \"real_time\": " + json_number(a.second) + ", \"cpu_time\": " + json_number(a.second) +
            ", \"time_unit\": \"ns\"");
    }
  }
  o << "\n  ]\n}\n";
  return o.str();
}

/** Writes via a temporary file and a rename, so a crash never leaves half a result behind. */
inline bool write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text;
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace sovereign
