// amx_horizontal: would Intel AMX (tile int8 multiply) beat the permute path on Pillow's
// horizontal pass? One experiment, not a kernel: the ImageNet crop of a 1600x1067 RGB
// image (934 source rows, 224 output columns of 384, bilinear, Pillow's 22-bit weights)
// as a banded matrix product, 16 rows x 16 columns of one channel plane per tile:
//   C (16 x 16 int32) += A (16 rows x 64 samples, u8) . B (64 x 16, u8)
// with each weight split into three unsigned bytes (three products, recombined as
// t0 + (t1 << 8) + (t2 << 16), exact), two 64-sample blocks per window (~75 samples).
// Prints the time of the pass (planes already split, outputs packed to bytes), checks
// every byte against the scalar sum, and the cost of single tile instructions.
//
// Usage: amx_horizontal   (exits 0 with a message where the CPU or OS has no AMX)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cpuid.h>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#define AMX_ATTR __attribute__((target("amx-tile,amx-int8,avx512f,avx512bw")))

namespace {

struct alignas(64) TileConfig {
  std::uint8_t palette = 1, start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {};
  std::uint8_t rows[16] = {};
};

bool amx_usable() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool tile = (d >> 24) & 1, int8 = (d >> 25) & 1;
  constexpr long request_permission = 0x1023, tile_data = 18;  // ARCH_REQ_XCOMP_PERM
  return tile && int8 && syscall(SYS_arch_prctl, request_permission, tile_data) == 0;
}

template <class F>
double median_us(F&& f, int reps) {
  std::vector<double> t;
  for (int i = 0; i < 15; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int j = 0; j < reps; ++j) f();
    t.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
        reps);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

AMX_ATTR int run() {
  constexpr int W = 1600, resized = 384, x0 = 80, cols = 224, H = 934, C = 3;
  const double scale = static_cast<double>(W) / resized;
  // Pillow's bilinear taps and 22-bit weights for the resized columns.
  std::vector<int> first(resized), count(resized);
  std::vector<std::vector<std::uint32_t>> k(resized);
  for (int o = 0; o < resized; ++o) {
    const double center = (o + 0.5) * scale;
    const int a = std::max(0, static_cast<int>(center - scale + 0.5)),
              b = std::min(W, static_cast<int>(center + scale + 0.5));
    std::vector<double> w;
    double sum = 0;
    for (int x = a; x < b; ++x) {
      w.push_back(std::max(0.0, 1 - std::fabs((x - center + 0.5) / scale)));
      sum += w.back();
    }
    first[o] = a;
    count[o] = b - a;
    for (double v : w) k[o].push_back(static_cast<std::uint32_t>(std::lround(v / sum * (1 << 22))));
  }
  const std::size_t plane = W + 192;  // a row's samples and slack for the last window
  std::vector<std::uint8_t> planes(static_cast<std::size_t>(H) * C * plane);
  std::mt19937 rng(7);
  for (auto& v : planes) v = static_cast<std::uint8_t>(rng());
  // Per group of 16 columns: window start, 64-sample blocks, and B tiles per block and byte.
  constexpr int groups = (cols + 15) / 16;
  int start[groups], blocks[groups], max_blocks = 0;
  for (int g = 0; g < groups; ++g) {
    const int a = x0 + 16 * g, b = std::min(a + 16, x0 + cols);
    int end = 0;
    for (int o = a; o < b; ++o) end = std::max(end, first[o] + count[o]);
    start[g] = first[a];
    blocks[g] = (end - start[g] + 63) / 64;
    max_blocks = std::max(max_blocks, blocks[g]);
  }
  auto tile_at = [&](int g, int block, int byte) {
    return (static_cast<std::size_t>(g * max_blocks + block) * 3 + static_cast<std::size_t>(byte)) *
           1024;
  };
  std::vector<std::uint8_t> B(tile_at(groups, 0, 0), 0);
  for (int g = 0; g < groups; ++g)
    for (int n = 0; n < 16; ++n) {
      const int o = std::min(x0 + 16 * g + n, x0 + cols - 1);
      for (int t = 0; t < count[o]; ++t) {
        const int s = first[o] + t - start[g];  // B[s][n] at row s / 4, byte 4 n + s % 4
        for (int byte = 0; byte < 3; ++byte)
          B[tile_at(g, s / 64, byte) +
            static_cast<std::size_t>((s % 64) / 4 * 64 + 4 * n + s % 4)] =
              static_cast<std::uint8_t>(k[o][static_cast<std::size_t>(t)] >> (8 * byte));
      }
    }
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.bytes_per_row[t] = 64;
    config.rows[t] = 16;
  }
  _tile_loadconfig(&config);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(H) * C * cols);
  alignas(64) std::int32_t sums[3][16][16];
  const __m512i half = _mm512_set1_epi32(1 << 21);
  // Zero-masked forms: GCC 12's unmasked AVX-512 shifts warn (-Wuninitialized) here.
  const __m128i eight = _mm_cvtsi32_si128(8), precision = _mm_cvtsi32_si128(22);
  auto pass = [&]() AMX_ATTR {
    for (int r0 = 0; r0 + 16 <= H; r0 += 16)
      for (int c = 0; c < C; ++c) {
        const std::uint8_t* rows = planes.data() + (static_cast<std::size_t>(r0) * C + c) * plane;
        for (int g = 0; g < groups; ++g) {
          _tile_zero(2);
          _tile_zero(3);
          _tile_zero(4);
          _tile_loadd(0, rows + start[g], C * plane);
          _tile_loadd(5, &B[tile_at(g, 0, 0)], 64);
          _tile_dpbuud(2, 0, 5);
          _tile_loadd(6, &B[tile_at(g, 0, 1)], 64);
          _tile_dpbuud(3, 0, 6);
          _tile_loadd(7, &B[tile_at(g, 0, 2)], 64);
          _tile_dpbuud(4, 0, 7);
          if (blocks[g] > 1) {
            _tile_loadd(1, rows + start[g] + 64, C * plane);
            _tile_loadd(5, &B[tile_at(g, 1, 0)], 64);
            _tile_dpbuud(2, 1, 5);
            _tile_loadd(6, &B[tile_at(g, 1, 1)], 64);
            _tile_dpbuud(3, 1, 6);
            _tile_loadd(7, &B[tile_at(g, 1, 2)], 64);
            _tile_dpbuud(4, 1, 7);
          }
          _tile_stored(2, sums[0], 64);
          _tile_stored(3, sums[1], 64);
          _tile_stored(4, sums[2], 64);
          for (int r = 0; r < 16; ++r) {
            __m512i s = _mm512_maskz_sll_epi32(0xFFFF, _mm512_load_si512(sums[2][r]), eight);
            s = _mm512_maskz_sll_epi32(0xFFFF, _mm512_add_epi32(s, _mm512_load_si512(sums[1][r])),
                                       eight);
            s = _mm512_add_epi32(s, _mm512_load_si512(sums[0][r]));
            s = _mm512_maskz_sra_epi32(0xFFFF, _mm512_add_epi32(s, half), precision);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(
                                 &out[(static_cast<std::size_t>(r0 + r) * C + c) * cols + 16 * g]),
                             _mm512_mask_cvtusepi32_epi8(_mm_setzero_si128(), 0xFFFF, s));
          }
        }
      }
  };
  pass();
  long differ = 0;
  for (int r = 0; r < H / 16 * 16; ++r)
    for (int c = 0; c < C; ++c)
      for (int x = 0; x < cols; ++x) {
        const int o = x0 + x;
        std::int64_t s = 1 << 21;
        for (int t = 0; t < count[o]; ++t)
          s += std::int64_t{k[o][static_cast<std::size_t>(t)]} *
               planes[(static_cast<std::size_t>(r) * C + c) * plane +
                      static_cast<std::size_t>(first[o] + t)];
        differ += std::clamp<std::int64_t>(s >> 22, 0, 255) !=
                  out[(static_cast<std::size_t>(r) * C + c) * cols + static_cast<std::size_t>(x)];
      }
  std::printf("horizontal pass, %d rows x %d columns x %d channels: %.1f us (median of 15), %ld "
              "bytes differ\n",
              H / 16 * 16, cols, C, median_us(pass, 10), differ);
  // Single instructions, back to back on independent tiles.
  alignas(64) static std::uint8_t data[8][1024];
  const double dp = median_us(
                        []() AMX_ATTR {
                          for (int i = 0; i < 1000; ++i) {
                            _tile_dpbuud(2, 0, 4);
                            _tile_dpbuud(3, 1, 5);
                            _tile_dpbuud(6, 0, 5);
                            _tile_dpbuud(7, 1, 4);
                          }
                        },
                        20) /
                    4;
  const double load = median_us(
                          []() AMX_ATTR {
                            for (int i = 0; i < 1000; ++i) {
                              _tile_loadd(4, data[4], 64);
                              _tile_loadd(5, data[5], 64);
                            }
                          },
                          20) /
                      2;
  const double store = median_us(
                           []() AMX_ATTR {
                             for (int i = 0; i < 1000; ++i) {
                               _tile_stored(2, data[2], 64);
                               _tile_stored(3, data[3], 64);
                             }
                           },
                           20) /
                       2;
  std::printf("per instruction: tdpbuud %.2f ns, tileloadd %.2f ns, tilestored %.2f ns\n", dp, load,
              store);
  _tile_release();
  return differ == 0 ? 0 : 1;
}

int main() {
  if (!amx_usable()) {
    std::printf("amx_horizontal: this CPU or OS has no AMX-INT8 (nothing measured)\n");
    return 0;
  }
  return run();
}
