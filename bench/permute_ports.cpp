// permute_ports: what the permute path's multiply-add loop costs per step, by loop shape.
// The loop (cpu/fused/permute_horizontal-inl.h) does, per step and each of four rows, one
// two-table byte permute (vpermt2b) of the row's 128-byte window, or one or two one-table
// permutes (vpermb) of 64-byte windows, and some VNNI multiply-adds with weights read from
// memory. Two shapes compute Pillow's exact sums:
//   pairs   two samples per permute as zero-extended int16, the 22-bit weights in two
//           11-bit halves: 2 vpdpwssd per permute (1 where weights fit int16)
//   quads   four samples per permute as bytes, the weights as three signed base-256
//           digits: 3 vpdpbusd per permute (2 where weights fit int16)
// Which is faster depends on where the permute runs: this prints cycles per step of four
// rows for each shape, per sample, and the single instructions' throughput, on this CPU.
// Register-only loops (the weights in L1), so it is the core's bound, not memory's.
//
// Usage: permute_ports   (exits 0 with a message where the CPU lacks AVX512-VBMI or -VNNI)
#include <cpuid.h>

#include <chrono>
#include <cstdio>

namespace {

constexpr long kIterations = 20000000;

bool has_vbmi_vnni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool avx512bw = (b >> 30) & 1, vbmi = (c >> 1) & 1, vnni = (c >> 11) & 1;
  return avx512bw && vbmi && vnni;
}

alignas(64) unsigned char weights[64];

// Nanoseconds per iteration of `body` (assembly, AT&T) into `ns`, repeated kIterations
// times; zmm28 holds the indices, zmm24 / zmm25 a window, k1 the zero mask, rax the weights.
#define PORTS_TIME(ns, body)                                                                     \
  do {                                                                                           \
    const auto start = std::chrono::steady_clock::now();                                         \
    asm volatile(                                                                                \
        "mov %0, %%rcx\n lea %1, %%rax\n mov $0x5555555555555555, %%rdx\n kmovq %%rdx, %%k1\n"   \
        "1:\n" body "dec %%rcx\n jnz 1b\n"                                                       \
        :                                                                                        \
        : "r"(kIterations), "m"(weights)                                                         \
        : "rax", "rcx", "rdx", "k1", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",     \
          "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", \
          "xmm25", "xmm28", "memory");                                                           \
    ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)      \
             .count() /                                                                          \
         kIterations;                                                                            \
  } while (false)

// One row's permute into zmm2R (from a copy of the window: the instruction overwrites its
// first table), then the multiply-adds into that row's accumulators.
#define PERMUTE_Z(r) \
  "vmovdqa64 %%zmm24, %%zmm2" #r "\n vpermt2b %%zmm25, %%zmm28, %%zmm2" #r "%{%%k1%}%{z%}\n"
#define PERMUTE(r) "vmovdqa64 %%zmm24, %%zmm2" #r "\n vpermt2b %%zmm25, %%zmm28, %%zmm2" #r "\n"
#define MADD(op, r, acc) op " (%%rax), %%zmm2" #r ", %%zmm" #acc "\n"
// The 64-byte windows' permutes: one vpermb, or two (the second merged under mask k1).
#define PERMUTE_ONE(r) "vpermb %%zmm24, %%zmm28, %%zmm2" #r "\n"
#define PERMUTE_TWO(r) PERMUTE_ONE(r) "vpermb %%zmm25, %%zmm28, %%zmm2" #r "%{%%k1%}\n"
// clang-format off
#define QUADS_THREE(PERMUTE_ROW)                                                      \
  PERMUTE_ROW(0) MADD("vpdpbusd", 0, 0) MADD("vpdpbusd", 0, 1) MADD("vpdpbusd", 0, 2)  \
  PERMUTE_ROW(1) MADD("vpdpbusd", 1, 3) MADD("vpdpbusd", 1, 4) MADD("vpdpbusd", 1, 5)  \
  PERMUTE_ROW(2) MADD("vpdpbusd", 2, 6) MADD("vpdpbusd", 2, 7) MADD("vpdpbusd", 2, 8)  \
  PERMUTE_ROW(3) MADD("vpdpbusd", 3, 9) MADD("vpdpbusd", 3, 10) MADD("vpdpbusd", 3, 11)
// clang-format on

__attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vnni"))) void measure() {
  // A dependent chain of adds: one cycle each, so ns per cycle at the clock the loops run.
  const auto start = std::chrono::steady_clock::now();
  asm volatile("mov %0, %%rcx\n xor %%rax, %%rax\n 1:\n add %%rax, %%rax\n add %%rax, %%rax\n"
               "add %%rax, %%rax\n add %%rax, %%rax\n dec %%rcx\n jnz 1b\n"
               :
               : "r"(kIterations)
               : "rax", "rcx");
  const double cycle =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kIterations / 4;

  double pairs_split;
  PORTS_TIME(pairs_split, PERMUTE_Z(0) MADD("vpdpwssd", 0, 0) MADD("vpdpwssd", 0, 1) PERMUTE_Z(1)
                              MADD("vpdpwssd", 1, 2) MADD("vpdpwssd", 1, 3) PERMUTE_Z(2)
                                  MADD("vpdpwssd", 2, 4) MADD("vpdpwssd", 2, 5) PERMUTE_Z(3)
                                      MADD("vpdpwssd", 3, 6) MADD("vpdpwssd", 3, 7));
  double pairs_int16;
  PORTS_TIME(pairs_int16,
             PERMUTE_Z(0) MADD("vpdpwssd", 0, 0) PERMUTE_Z(1) MADD("vpdpwssd", 1, 2) PERMUTE_Z(2)
                 MADD("vpdpwssd", 2, 4) PERMUTE_Z(3) MADD("vpdpwssd", 3, 6));
  double quads_three, quads_one_narrow, quads_two_narrow;
  PORTS_TIME(quads_three, QUADS_THREE(PERMUTE));
  PORTS_TIME(quads_one_narrow, QUADS_THREE(PERMUTE_ONE));
  PORTS_TIME(quads_two_narrow, QUADS_THREE(PERMUTE_TWO));
  double quads_two;
  PORTS_TIME(quads_two, PERMUTE(0) MADD("vpdpbusd", 0, 0) MADD("vpdpbusd", 0, 1) PERMUTE(1)
                            MADD("vpdpbusd", 1, 3) MADD("vpdpbusd", 1, 4) PERMUTE(2)
                                MADD("vpdpbusd", 2, 6) MADD("vpdpbusd", 2, 7) PERMUTE(3)
                                    MADD("vpdpbusd", 3, 9) MADD("vpdpbusd", 3, 10));
  // Single instructions, independent: throughput.
  double vpermt2b;
  PORTS_TIME(vpermt2b, PERMUTE(0) PERMUTE(1) PERMUTE(2) PERMUTE(3));
  vpermt2b /= 4;
  double vpermb;
  PORTS_TIME(vpermb, "vpermb %%zmm24, %%zmm28, %%zmm20\n vpermb %%zmm24, %%zmm28, %%zmm21\n"
                     "vpermb %%zmm24, %%zmm28, %%zmm22\n vpermb %%zmm24, %%zmm28, %%zmm23\n");
  vpermb /= 4;
  double vpdpbusd;
  PORTS_TIME(vpdpbusd,
             MADD("vpdpbusd", 0, 0) MADD("vpdpbusd", 0, 1) MADD("vpdpbusd", 0, 2)
                 MADD("vpdpbusd", 0, 3) MADD("vpdpbusd", 0, 4) MADD("vpdpbusd", 0, 5)
                     MADD("vpdpbusd", 0, 6) MADD("vpdpbusd", 0, 7) MADD("vpdpbusd", 0, 8)
                         MADD("vpdpbusd", 0, 9) MADD("vpdpbusd", 0, 10) MADD("vpdpbusd", 0, 11));
  vpdpbusd /= 12;

  std::printf("clock: %.2f GHz (a dependent add chain)\n", 1 / cycle);
  std::printf("%-44s %8s %12s\n", "one step of four rows", "cycles", "per sample");
  auto row = [&](const char* name, double ns, int samples) {
    std::printf("%-44s %8.2f %12.3f\n", name, ns / cycle, ns / cycle / (4 * samples));
  };
  row("pairs, 22-bit: 4 x (vpermt2b{z} + 2 vpdpwssd)", pairs_split, 2);
  row("quads, 22-bit: 4 x (vpermt2b + 3 vpdpbusd)", quads_three, 4);
  row("quads, 22-bit: 4 x (vpermb + 3 vpdpbusd)", quads_one_narrow, 4);
  row("quads, 22-bit: 4 x (2 vpermb + 3 vpdpbusd)", quads_two_narrow, 4);
  row("pairs, int16:  4 x (vpermt2b{z} + 1 vpdpwssd)", pairs_int16, 2);
  row("quads, int16:  4 x (vpermt2b + 2 vpdpbusd)", quads_two, 4);
  std::printf("single instructions, cycles each (independent): vpermt2b %.2f, vpermb %.2f, "
              "vpdpbusd %.2f\n",
              vpermt2b / cycle, vpermb / cycle, vpdpbusd / cycle);
}

}  // namespace

int main() {
  if (!has_vbmi_vnni()) {
    std::printf("permute_ports: this CPU has no AVX512-VBMI + VNNI; nothing to measure\n");
    return 0;
  }
  measure();
  return 0;
}
