// How fast one thread reads the crop of a batch of photos, row by row (one stream, as the
// `bandwidth` roofline reads) or in blocks of R rows a window at a time (R streams, as the
// kernels' fills and two-tap rows read), and blocks of 4 rows while the next block's lines
// are asked for into L2, a few per window (the Pillow permute path's pattern, PacedPrefetch
// in cpu/fused/permute_horizontal-inl.h): whether the roofline is a ceiling for them.
//
//   build/bench/bench/read_patterns [IMAGES=37] [WIDTH=1536] [HEIGHT=1024]
//
// Each image is WIDTH x HEIGHT x 3 bytes; the crop is the ImageNet recipe's on it (the
// central 87% of the rows, the central 58% of the columns of a 3:2 photo). Few images stay
// in the L3 cache; enough of them (60 and more on a 480 MiB L3 shared with other tenants)
// come from memory. Prints GB/s of crop bytes per pattern, the best of 7 passes.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <hwy/highway.h>

namespace {

namespace hn = hwy::HWY_NAMESPACE;

// Reads [p, p + bytes) a vector at a time into two accumulators (byte-wise adds that wrap:
// only the loads matter; one reduction at the end keeps them). Highway's static target:
// AVX2 on x86.
struct Reader {
  using D8 = hn::ScalableTag<std::uint8_t>;
  hn::Vec<D8> a = hn::Zero(D8()), b = hn::Zero(D8());

  void read(const unsigned char* p, std::size_t bytes) {
    const D8 d8;
    const std::size_t N = hn::Lanes(d8);
    auto x = a, y = b;  // locals: the byte loads could alias the members
    std::size_t i = 0;
    for (; i + 2 * N <= bytes; i += 2 * N) {
      x = hn::Add(x, hn::LoadU(d8, p + i));
      y = hn::Add(y, hn::LoadU(d8, p + i + N));
    }
    for (; i + N <= bytes; i += N) x = hn::Add(x, hn::LoadU(d8, p + i));
    a = x, b = y;
  }
  std::uint64_t total() const {
    const hn::Repartition<std::uint64_t, D8> d64;
    return hn::GetLane(hn::SumOfLanes(d64, hn::SumsOf8(hn::Add(a, b))));
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int images = argc > 1 ? std::atoi(argv[1]) : 37;
  const int width = argc > 2 ? std::atoi(argv[2]) : 1536;
  const int height = argc > 3 ? std::atoi(argv[3]) : 1024;
  if (images < 1 || width < 64 || height < 16) {
    std::fprintf(stderr, "read_patterns: expected IMAGES >= 1, WIDTH >= 64, HEIGHT >= 16\n");
    return 2;
  }
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  const int crop_h = height * 7 / 8, crop_w = std::min(width, height * 7 / 8);
  const int y0 = (height - crop_h) / 2, x0 = (width - crop_w) / 2;
  const std::size_t crop_bytes = static_cast<std::size_t>(crop_w) * 3;
  std::vector<std::unique_ptr<unsigned char[]>> image;
  for (int i = 0; i < images; ++i) {
    image.emplace_back(new unsigned char[stride * static_cast<std::size_t>(height)]);
    std::memset(image.back().get(), i + 1, stride * static_cast<std::size_t>(height));
  }
  Reader reader;
  const std::size_t lines = (crop_bytes + 63) / 64 + 1, windows = crop_bytes / 192;
  // rows == 1: row after row; rows > 1: blocks of `rows` rows, 192-byte windows across
  // them; rows == -4: blocks of 4 so, the next block's lines into L2 paced by the windows.
  auto pass = [&](int rows) {
    for (const auto& img : image) {
      const unsigned char* base =
          img.get() + static_cast<std::size_t>(y0) * stride + static_cast<std::size_t>(x0) * 3;
      if (rows == 1) {
        for (int y = 0; y < crop_h; ++y) reader.read(base + y * stride, crop_bytes);
        continue;
      }
      if (rows == -4) {
        for (int b = 0; b < crop_h; b += 4) {
          const unsigned char* next[4];
          for (int r = 0; r < 4; ++r) next[r] = base + std::min(b + 4 + r, crop_h - 1) * stride;
          std::size_t line = 0, w = 0;
          for (std::size_t x = 0; x + 192 <= crop_bytes; x += 192, ++w) {
            for (const std::size_t to = lines * (w + 1) / windows; line < to; ++line)
              for (int r = 0; r < 4; ++r) __builtin_prefetch(next[r] + 64 * line, 0, 2);
            for (int l = b; l < std::min(crop_h, b + 4); ++l)
              reader.read(base + l * stride + x, 192);
          }
        }
        continue;
      }
      for (int b = 0; b < crop_h; b += rows)
        for (std::size_t x = 0; x + 192 <= crop_bytes; x += 192)
          for (int l = b; l < std::min(crop_h, b + rows); ++l)
            reader.read(base + l * stride + x, 192);
    }
  };
  const double bytes = static_cast<double>(crop_bytes) * crop_h * images;
  std::printf("read_patterns: %d images of %dx%dx3, crop %dx%d (%.1f MB of crop)\n", images, width,
              height, crop_w, crop_h, bytes / 1e6);
  for (int rows : {1, 4, 8, 16, -4}) {
    double best = 1e30;
    for (int r = 0; r < 7; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      pass(rows);
      best = std::min(best,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    if (rows == 1) std::printf("  row by row:         %6.2f GB/s\n", bytes / best / 1e9);
    else if (rows < 0)
      std::printf("  blocks of  4 rows, the next 4 into L2: %6.2f GB/s\n", bytes / best / 1e9);
    else std::printf("  blocks of %2d rows:  %6.2f GB/s\n", rows, bytes / best / 1e9);
  }
  return reader.total() == 42 ? 1 : 0;  // keeps the loads
}
