// Running the built pixfuse-prep (PIXFUSE_PREP) from a test: exit status and output, a
// scratch directory per test, and the manifest's fields.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace prep_test {

struct Result {
  int status = -1;
  std::string out;  // stdout and stderr together
};

// `program args`, stdout and stderr together.
inline Result prep_command(const std::string& program, const std::string& args) {
  const std::string cmd = program + " " + args + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p)) r.out += buf.data();
  const int s = pclose(p);
  r.status = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  return r;
}
inline Result prep(const std::string& args) { return prep_command(PIXFUSE_PREP, args); }

inline std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The examples' photos and the decode fixtures (tests/data/make_bad_inputs.py).
inline const std::string kData = std::string(PIXFUSE_TEST_DATA_DIR) + "/../examples/data";
inline const std::string kBad = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/bad";

// A scratch directory per test, removed afterwards.
class Prep : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pixfuse_prep_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  std::filesystem::path dir_;
};

// The manifest line of `file` (matched on "path": "...file"), or "".
inline std::string manifest_line(const std::string& manifest, const std::string& file) {
  const std::size_t at = manifest.find(file + "\"");
  if (at == std::string::npos) return "";
  const std::size_t begin = manifest.rfind('\n', at), end = manifest.find('\n', at);
  return manifest.substr(begin == std::string::npos ? 0 : begin + 1,
                         end - (begin == std::string::npos ? 0 : begin + 1));
}

// The integer value of "key": in a manifest line; -1 if absent or null.
inline long long field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find("\"" + key + "\": ");
  if (at == std::string::npos) return -1;
  const std::string v = line.substr(at + key.size() + 4);
  return v.rfind("null", 0) == 0 ? -1 : std::stoll(v);
}

}  // namespace prep_test
