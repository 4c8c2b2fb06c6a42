// The memory-bandwidth roofline: how fast one thread (and all threads) can read memory.
//
//   build/bench/bench/bandwidth [--size_mib=256] [--repeats=11] [--threads=N] [--json]
//
// read: sum a buffer of --size_mib MiB (uint64 lanes; the loop is vectorised at -O3
//       -march=native); GB/s = buffer bytes / time.
// copy: memcpy half the buffer into the other half; GB/s counts the bytes read plus the bytes
//       written (STREAM's convention), and `copied` the bytes copied.
// Each figure is the median of --repeats timed passes after one untimed pass; buffers are
// touched before timing. "all threads" splits the buffer into one slice per thread
// (std::thread::hardware_concurrency() unless --threads), started together, timed until the
// last one finishes.
//
// The roofline of a preprocessing recipe on an image is bytes_read / read bandwidth, where
// bytes_read is the source pixels it must read once (width * height * channels bytes):
// images/s can't exceed read_GB/s / (bytes per image), and a pipeline's "fraction of the
// roofline" is its source GB/s over the single-thread read GB/s (bench/peers/peers.py).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Sum of n uint64 values: a plain loop that GCC and Clang vectorise at -O3; four
// independent accumulators keep the adds off the critical path.
__attribute__((noinline)) std::uint64_t sum(const std::uint64_t* p, std::size_t n) {
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  return a + b + c + d;
}

std::atomic<std::uint64_t> g_sink{0};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Run work(thread_index) on `threads` threads at once; seconds until the last finishes.
template <class F>
double timed_parallel(int threads, F work) {
  if (threads == 1) {
    const auto t0 = Clock::now();
    work(0);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  std::vector<Clock::time_point> end(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      work(t);
      end[static_cast<std::size_t>(t)] = Clock::now();
    });
  while (ready.load() != threads) {
  }
  const auto t0 = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread& th : pool) th.join();
  return std::chrono::duration<double>(*std::max_element(end.begin(), end.end()) - t0).count();
}

struct Result {
  double median_gbs, min_gbs, max_gbs;
};

template <class F>
Result measure(int repeats, double bytes, int threads, F work) {
  timed_parallel(threads, work);  // warm-up
  std::vector<double> gbs;
  for (int r = 0; r < repeats; ++r) gbs.push_back(bytes / timed_parallel(threads, work) / 1e9);
  return {median(gbs), *std::min_element(gbs.begin(), gbs.end()),
          *std::max_element(gbs.begin(), gbs.end())};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t size_mib = 256;
  int repeats = 11;
  int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--size_mib=", 0) == 0) size_mib = std::strtoul(a.c_str() + 11, nullptr, 10);
    else if (a.rfind("--repeats=", 0) == 0) repeats = std::atoi(a.c_str() + 10);
    else if (a.rfind("--threads=", 0) == 0) all = std::atoi(a.c_str() + 10);
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: %s [--size_mib=256] [--repeats=11] [--threads=N] [--json]\n",
                   argv[0]);
      return 2;
    }
  }
  if (size_mib < 8 || repeats < 1 || all < 1) {
    std::fprintf(stderr, "bandwidth: need --size_mib >= 8, --repeats >= 1, --threads >= 1\n");
    return 2;
  }
  const std::size_t bytes = size_mib << 20;
  const std::size_t words = bytes / sizeof(std::uint64_t);
  std::vector<std::uint64_t> buf(words);
  for (std::size_t i = 0; i < words; ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;  // touch every page

  // Slice k of `parts` near-equal slices of [0, total): the slices cover every word, so the
  // bytes counted are the bytes touched whatever the thread count.
  auto slice = [](std::size_t total, int parts, int k) {
    const std::size_t p = static_cast<std::size_t>(parts), i = static_cast<std::size_t>(k);
    const std::size_t begin = total * i / p, end = total * (i + 1) / p;
    return std::make_pair(begin, end - begin);
  };
  auto read_work = [&](int threads) {
    return [&, threads](int t) {
      const auto [off, n] = slice(words, threads, t);
      g_sink.fetch_add(sum(buf.data() + off, n), std::memory_order_relaxed);
    };
  };
  // copy: the first half of the buffer into the second half.
  const std::size_t half = words / 2;
  auto copy_work = [&](int threads) {
    return [&, threads](int t) {
      const auto [off, n] = slice(half, threads, t);
      std::memcpy(buf.data() + half + off, buf.data() + off, n * sizeof(std::uint64_t));
    };
  };
  const double half_bytes = static_cast<double>(half * sizeof(std::uint64_t));

  // With --threads=1 (or one CPU) "all threads" is the one-thread measurement: measured once
  // and printed once (it used to be measured twice and printed as two rows).
  const Result r1 = measure(repeats, static_cast<double>(bytes), 1, read_work(1));
  const Result rn =
      all > 1 ? measure(repeats, static_cast<double>(bytes), all, read_work(all)) : r1;
  const Result c1 = measure(repeats, 2 * half_bytes, 1, copy_work(1));
  const Result cn = all > 1 ? measure(repeats, 2 * half_bytes, all, copy_work(all)) : c1;

  if (json) {
    std::printf(
        "{\"size_mib\": %zu, \"repeats\": %d, \"threads\": %d,\n"
        " \"read_gbs_1\": %.3f, \"read_gbs_all\": %.3f, \"copy_gbs_1\": %.3f, \"copy_gbs_all\": "
        "%.3f,\n"
        " \"read_gbs_1_range\": [%.3f, %.3f], \"read_gbs_all_range\": [%.3f, %.3f],\n"
        " \"copy_gbs_1_range\": [%.3f, %.3f], \"copy_gbs_all_range\": [%.3f, %.3f],\n"
        " \"copy_counts\": \"bytes read + bytes written\"}\n",
        size_mib, repeats, all, r1.median_gbs, rn.median_gbs, c1.median_gbs, cn.median_gbs,
        r1.min_gbs, r1.max_gbs, rn.min_gbs, rn.max_gbs, c1.min_gbs, c1.max_gbs, cn.min_gbs,
        cn.max_gbs);
  } else {
    std::printf("memory bandwidth, %zu MiB buffer, median of %d (min - max), GB = 1e9 bytes\n",
                size_mib, repeats);
    std::printf("  read, 1 thread    %7.2f GB/s  (%.2f - %.2f)\n", r1.median_gbs, r1.min_gbs,
                r1.max_gbs);
    if (all > 1)
      std::printf("  read, %d threads  %7.2f GB/s  (%.2f - %.2f)\n", all, rn.median_gbs, rn.min_gbs,
                  rn.max_gbs);
    std::printf("  copy, 1 thread    %7.2f GB/s  (%.2f - %.2f; read + written; %.2f GB/s copied)\n",
                c1.median_gbs, c1.min_gbs, c1.max_gbs, c1.median_gbs / 2);
    if (all > 1)
      std::printf(
          "  copy, %d threads  %7.2f GB/s  (%.2f - %.2f; read + written; %.2f GB/s copied)\n", all,
          cn.median_gbs, cn.min_gbs, cn.max_gbs, cn.median_gbs / 2);
  }
  return g_sink.load() == 42 ? 3 : 0;  // keeps the sums observable
}
