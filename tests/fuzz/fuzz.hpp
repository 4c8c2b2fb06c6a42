// What every harness shares: a byte reader over the fuzzer's input, and the checks that
// turn a broken promise into a crash libFuzzer records (an error without a reason, a
// result that disagrees with the reference).
//
// Each harness defines LLVMFuzzerTestOneInput. Built with PIXFUSE_FUZZ (clang,
// -fsanitize=fuzzer) it is a libFuzzer program; in every other build it is linked with
// replay_main.cpp and ctest feeds it the committed seeds and regression inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pixfuse/core/error.hpp"

namespace fuzz {

// Prints what broke and aborts: libFuzzer (or the replay test) reports the input.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}
inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// An error must say what went wrong: "<name>: <reason>", the reason non-empty and not an
// empty parenthesis at the end ("cannot decode ()"; a function's "f()", or text quoted
// from the file, inside the message is fine).
inline void check_reason(const pixfuse::Error& e, const std::string& name) {
  const std::string m = e.what();
  check(m.rfind(name + ": ", 0) == 0 && m.size() > name.size() + 2,
        "error without the name first: '" + m + "'");
  auto ends_with = [&](const char* tail) {
    const std::size_t n = std::strlen(tail);
    return m.size() >= n && m.compare(m.size() - n, n, tail) == 0;
  };
  check(!ends_with("()") && !ends_with("( )"), "error with an empty reason: '" + m + "'");
}

// Reads little values off the front of the input; zeros once it is used up.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::uint8_t u8() { return n_ ? (--n_, *p_++) : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint32_t u32() { return u16() | (static_cast<std::uint32_t>(u16()) << 16); }
  std::uint64_t u64() { return u32() | (static_cast<std::uint64_t>(u32()) << 32); }
  // An integer in [lo, hi].
  int range(int lo, int hi) {
    return lo + static_cast<int>(
                    u32() % static_cast<std::uint32_t>(static_cast<std::int64_t>(hi) - lo + 1));
  }
  bool flag() { return u8() & 1; }
  template <class T, std::size_t N>
  T pick(const T (&options)[N]) {
    return options[u8() % N];
  }
  const std::uint8_t* rest() const { return p_; }
  std::size_t left() const { return n_; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace fuzz
