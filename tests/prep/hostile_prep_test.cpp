// pixfuse-prep over hostile files (the findings' inputs and files made here at the edge of
// --max-pixels): every file is either processed or reported with a reason naming it, the
// good photo lands, and the run stays within the memory bound the README states for its
// --max-pixels (measured as the peak resident size of the process; not in sanitizer
// builds, whose shadow memory is not the program's).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "prep_runner.hpp"

namespace fs = std::filesystem;
using namespace prep_test;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

void put32be(std::string& s, std::uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
}
void put32le(std::string& s, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
}
void put16le(std::string& s, unsigned v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}

// A gray PNG of width x height with stored (uncompressed) deflate blocks: no zlib needed.
// stb_image checks neither chunk CRCs nor the Adler-32, so they are left zero.
std::string stored_png(std::uint32_t width, std::uint32_t height, unsigned char value) {
  std::string raw;
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    raw.append(width, static_cast<char>(value));
  }
  std::string z = "\x78\x01";
  for (std::size_t at = 0; at < raw.size() || at == 0;) {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + n == raw.size();
    z += static_cast<char>(last ? 1 : 0);
    put16le(z, static_cast<unsigned>(n));
    put16le(z, static_cast<unsigned>(~n & 0xFFFF));
    z.append(raw, at, n);
    at += n;
    if (last) break;
  }
  put32be(z, 0);  // Adler-32 (not checked)
  std::string png = "\x89PNG\r\n\x1a\n";
  auto chunk = [&](const char* kind, const std::string& data) {
    put32be(png, static_cast<std::uint32_t>(data.size()));
    png += kind;
    png += data;
    put32be(png, 0);
  };
  std::string ihdr;
  put32be(ihdr, width);
  put32be(ihdr, height);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit gray, no interlace
  chunk("IHDR", ihdr);
  chunk("IDAT", z);
  chunk("IEND", "");
  return png;
}

// A 24-bit BMP of width x height, every byte `value`.
std::string bmp24(std::uint32_t width, std::uint32_t height, unsigned char value) {
  const std::uint32_t row = (width * 3 + 3) / 4 * 4;
  std::string b = "BM";
  put32le(b, 54 + row * height);
  put32le(b, 0);
  put32le(b, 54);
  put32le(b, 40);
  put32le(b, width);
  put32le(b, height);
  put16le(b, 1);
  put16le(b, 24);
  for (int i = 0; i < 6; ++i) put32le(b, 0);
  b.append(static_cast<std::size_t>(row) * height, static_cast<char>(value));
  return b;
}

// A GIF whose canvas is width x height with a single 1x1 frame (valid: the rest is
// background): the decoder's canvas, not the data, decides the memory.
std::string gif_canvas(unsigned width, unsigned height) {
  std::string g = "GIF89a";
  put16le(g, width);
  put16le(g, height);
  g += std::string("\x80\x00\x00\xff\xff\xff\x00\x00\x00", 9);       // 2-colour table
  g += std::string("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00", 10);  // 1x1 frame
  g += std::string("\x02\x02\x44\x01\x00\x3b", 6);
  return g;
}

long peak_rss_of_children_kib() {
  struct rusage u {};
  getrusage(RUSAGE_CHILDREN, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST_F(Prep, HostileFilesStayWithinTheMemoryBound) {
  constexpr std::int64_t kMaxPixels = 4000000;
  const std::string findings = std::string(PIXFUSE_TEST_DATA_DIR) + "/fuzz/regressions/decode";
  fs::create_directories(path("in"));
  for (const auto& f : fs::directory_iterator(findings))
    fs::copy_file(f.path(), path("in/" + f.path().filename().string()));
  write("in/strip_4000000x1.png",
        stored_png(4000000, 1, 90));  // at --max-pixels: its resize is refused
  write("in/square_2000x2000.png",
        stored_png(2000, 2000, 120));                        // at --max-pixels: decoded and resized
  write("in/strip_1x4000000.bmp", bmp24(1, 4000000, 60));    // at --max-pixels, the other way
  write("in/canvas_2000x2000.gif", gif_canvas(2000, 2000));  // a 35-byte file, a 4-megapixel canvas
  write("in/canvas_65535x65535.gif", gif_canvas(65535, 65535));  // a bomb
  fs::copy_file(kData + "/chelsea.jpg", path("in/good.jpg"));

  const Result r =
      prep("--preset imagenet --threads 1 --max-pixels " + std::to_string(kMaxPixels) +
           " --manifest " + path("m.jsonl") + " -o " + path("o.npy") + " " + path("in"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string manifest = slurp(path("m.jsonl"));
  std::istringstream lines(manifest);
  int entries = 0;
  for (std::string line; std::getline(lines, line); ++entries) {
    if (line.find("\"status\": \"ok\"") != std::string::npos) continue;
    // "error": "<path>: <reason>"
    const std::size_t at = line.find("\"error\": \"");
    ASSERT_NE(at, std::string::npos) << line;
    const std::string error = line.substr(at + 10, line.find("\", \"", at) - at - 10);
    EXPECT_NE(error.find(path("in")), std::string::npos) << "no file named: " << line;
    EXPECT_GT(error.size(), error.find(": ") + 10) << "no reason: " << line;
  }
  int images = 0;  // a directory is searched for image extensions (.bin files are not taken)
  for (const auto& f : fs::directory_iterator(path("in"))) images += f.path().extension() != ".bin";
  EXPECT_EQ(entries, images);
  EXPECT_NE(manifest_line(manifest, "good.jpg").find("\"status\": \"ok\""), std::string::npos)
      << manifest;
  EXPECT_NE(manifest_line(manifest, "square_2000x2000.png").find("\"status\": \"ok\""),
            std::string::npos);
  EXPECT_NE(manifest_line(manifest, "strip_4000000x1.png")
                .find("resize_shorter width: expected a length from 1 to "
                      "1048576, got 1024000000"),
            std::string::npos)
      << manifest;

  // The README's bound for one worker (one thread: the whole process) at this
  // --max-pixels P: the program (64 MiB), the largest file F (12 MB here), decoding 32
  // bytes a pixel (a 16-bit PNG through stb_image; 16 for 8 bits) + 2 F + 64 MiB, a plan of
  // at most 60 MiB, the output chunk (16 MiB).
  const double mib = 1024.0 * 1024.0;
  const double file = 12.0 * mib,
               bound = 64 * mib + 3 * file + 32.0 * kMaxPixels + 64 * mib + 60 * mib + 16 * mib;
  const double peak = static_cast<double>(peak_rss_of_children_kib()) * 1024.0;
  std::printf("pixfuse-prep peak resident size %.1f MiB, bound %.1f MiB (--max-pixels %lld)\n",
              peak / mib, bound / mib, static_cast<long long>(kMaxPixels));
  if (kSanitized) GTEST_SKIP() << "sanitizer build: resident size includes shadow memory";
  EXPECT_LE(peak, bound);
}
