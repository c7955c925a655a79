// The kernel-suite case list (written by casesJson() in src/cases-json.ts) and the small JSON
// reader both backends use to load it. The reader accepts standard JSON; the cases file needs
// only objects, arrays, strings and integers. Header-only so nvcc and g++ compile the same code.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sovereign {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // keeps the file's key order

  const JsonValue* get(const std::string& key) const {
    for (const auto& kv : object)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(const std::string& text) : s_(text) {}

  JsonValue parse() {
    JsonValue v = value();
    ws();
    if (i_ != s_.size()) fail("trailing characters after the document");
    return v;
  }

 private:
  const std::string& s_;
  size_t i_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("cases JSON at offset " + std::to_string(i_) + ": " + what);
  }
  void ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(i_, n, word) == 0) {
      i_ += n;
      return true;
    }
    return false;
  }

  JsonValue value() {
    ws();
    if (i_ >= s_.size()) fail("unexpected end of input");
    JsonValue v;
    char c = s_[i_];
    if (c == '{') {
      v.kind = JsonValue::Kind::Object;
      ++i_;
      if (eat('}')) return v;
      do {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected an object key");
        std::string key = str();
        expect(':');
        v.object.emplace_back(key, value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      v.kind = JsonValue::Kind::Array;
      ++i_;
      if (eat(']')) return v;
      do v.array.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = JsonValue::Kind::String;
      v.string = str();
    } else if (literal("true")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = true;
    } else if (literal("false")) {
      v.kind = JsonValue::Kind::Bool;
    } else if (literal("null")) {
      v.kind = JsonValue::Kind::Null;
    } else {
      v.kind = JsonValue::Kind::Number;
      const char* start = s_.c_str() + i_;
      char* end = nullptr;
      v.number = std::strtod(start, &end);
      if (end == start) fail("expected a value");
      i_ += static_cast<size_t>(end - start);
    }
    return v;
  }

  std::string str() {
    ++i_;  // opening quote
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail("short \\u escape");
          unsigned cp = static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16));
          i_ += 4;
          // Case files are ASCII; anything else is kept as UTF-8 for the BMP.
          if (cp < 0x80) out += static_cast<char>(cp);
          else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: out += e;
      }
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;  // closing quote
    return out;
  }
};

/** One case: the kernel, its shape and the name results are reported under. */
struct KernelCase {
  std::string name;
  std::string kernel;
  std::map<std::string, int64_t> shape;

  int64_t dim(const std::string& key) const {
    auto it = shape.find(key);
    if (it == shape.end()) throw std::runtime_error("case " + name + " has no shape key '" + key + "'");
    return it->second;
  }
};

inline std::vector<KernelCase> parse_cases(const std::string& text) {
  JsonValue doc = JsonReader(text).parse();
  const JsonValue* api = doc.get("apiVersion");
  const JsonValue* kind = doc.get("kind");
  const JsonValue* cases = doc.get("cases");
  if (!api || api->string != "sovereign.ai/v1alpha1" || !kind || kind->string != "KernelCases" || !cases ||
      cases->kind != JsonValue::Kind::Array) {
    throw std::runtime_error("not a KernelCases file (apiVersion sovereign.ai/v1alpha1, kind KernelCases, cases[])");
  }
  std::vector<KernelCase> out;
  for (size_t i = 0; i < cases->array.size(); ++i) {
    const JsonValue& c = cases->array[i];
    const JsonValue* name = c.get("name");
    const JsonValue* kernel = c.get("kernel");
    const JsonValue* shape = c.get("shape");
    if (!name || name->kind != JsonValue::Kind::String || !kernel || kernel->kind != JsonValue::Kind::String ||
        !shape || shape->kind != JsonValue::Kind::Object) {
      throw std::runtime_error("cases[" + std::to_string(i) + "] needs a string name, a string kernel and a shape object");
    }
    KernelCase kc{name->string, kernel->string, {}};
    for (const auto& kv : shape->object) {
      double v = kv.second.number;
      if (kv.second.kind != JsonValue::Kind::Number || v < 1 || v != static_cast<double>(static_cast<int64_t>(v))) {
        throw std::runtime_error("cases[" + std::to_string(i) + "].shape." + kv.first + " must be a positive integer");
      }
      kc.shape[kv.first] = static_cast<int64_t>(v);
    }
    out.push_back(std::move(kc));
  }
  return out;
}

inline std::vector<KernelCase> load_cases(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read cases file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_cases(ss.str());
}

/** The suite's own flags; everything starting with --benchmark_ passes through untouched. */
struct SuiteArgs {
  std::string cases;
  std::string out;
  int repetitions = 10;
  double min_time = 0.05;  // seconds per repetition; short kernels still get many iterations
  int threads = 0;         // 0: all hardware threads
  std::string clock = "wall";  // wall | cpu (CPU backend only; see --clock in usage())
  bool list = false;
  std::vector<std::string> passthrough;
};

inline std::string usage() {
  return "usage: kernel-suite --cases <file> [--repetitions <n>] [--out <file.json>] [--min-time <seconds>]\n"
         "                    [--threads <n>] [--clock wall|cpu] [--list] [--benchmark_* ...]\n"
         "  --clock cpu (CPU backend) times CPU seconds instead of wall time, for shared machines\n"
         "  env SOVEREIGN_KERNEL_VARIANT=rmsnorm-naive selects the scalar RMSNorm (gate self-test)\n";
}

inline SuiteArgs parse_args(int argc, char** argv) {
  SuiteArgs a;
  auto need = [&](int& i, const std::string& flag) -> std::string {
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
    return argv[++i];
  };
  auto positive = [](const std::string& flag, const std::string& v) {
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || n < 1) throw std::invalid_argument(flag + " must be a positive integer, got '" + v + "'");
    return static_cast<int>(n);
  };
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--cases") a.cases = need(i, f);
    else if (f == "--out") a.out = need(i, f);
    else if (f == "--repetitions") a.repetitions = positive(f, need(i, f));
    else if (f == "--threads") a.threads = positive(f, need(i, f));
    else if (f == "--min-time") {
      std::string v = need(i, f);
      char* end = nullptr;
      a.min_time = std::strtod(v.c_str(), &end);
      if (*end != '\0' || !(a.min_time > 0)) throw std::invalid_argument("--min-time must be seconds > 0, got '" + v + "'");
    } else if (f == "--clock") {
      a.clock = need(i, f);
      if (a.clock != "wall" && a.clock != "cpu") throw std::invalid_argument("--clock must be wall or cpu, got '" + a.clock + "'");
    } else if (f == "--list") a.list = true;
    else if (f.rfind("--benchmark_", 0) == 0) a.passthrough.push_back(f);
    else if (f == "--help" || f == "-h") throw std::invalid_argument("");
    else throw std::invalid_argument("unknown flag " + f);
  }
  if (a.cases.empty()) throw std::invalid_argument("--cases <file> is required");
  return a;
}

/** Which implementation variant to run, from SOVEREIGN_KERNEL_VARIANT (empty: the default). */
inline std::string kernel_variant() {
  const char* v = std::getenv("SOVEREIGN_KERNEL_VARIANT");
  return v ? std::string(v) : std::string();
}

}  // namespace sovereign
