// Reading the golden fixtures of tests/fixtures (written by tests/fixtures/generate.py
// with the real Pillow, torchvision, OpenCV and JAX).
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pixfuse/io/npy.hpp"

namespace fixtures {

inline std::string dir() { return std::string(PIXFUSE_TEST_DATA_DIR) + "/fixtures/data/"; }

// One line of cases.txt: key=value tokens.
struct Case {
  std::map<std::string, std::string> kv;
  const std::string& operator[](const std::string& k) const {
    static const std::string none;
    auto it = kv.find(k);
    return it == kv.end() ? none : it->second;
  }
  int integer(const std::string& k) const { return std::stoi((*this)[k]); }
};

inline std::vector<Case> load_cases() {
  std::ifstream f(dir() + "cases.txt");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    Case c;
    std::string tok;
    while (ss >> tok) {
      const auto eq = tok.find('=');
      if (eq != std::string::npos) c.kv[tok.substr(0, eq)] = tok.substr(eq + 1);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// Element i of an array of any dtype, as a double.
inline double value(const pixfuse::io::NpyArray& a, std::size_t i) {
  switch (a.dtype) {
    case pixfuse::DType::u8: return a.data<std::uint8_t>()[i];
    case pixfuse::DType::u16: return a.data<std::uint16_t>()[i];
    case pixfuse::DType::i8: return a.data<std::int8_t>()[i];
    case pixfuse::DType::f32: return a.data<float>()[i];
    case pixfuse::DType::f16: return pixfuse::to_float(a.data<pixfuse::f16>()[i]);
    case pixfuse::DType::bf16: return pixfuse::to_float(a.data<pixfuse::bf16>()[i]);
  }
  pixfuse::detail::unreachable("fixture value: dtype");
}

inline pixfuse::io::NpyArray load(const std::string& file) {
  return pixfuse::io::read_npy(dir() + file);
}

}  // namespace fixtures
