// The embedded stb_image's allocator (STBI_MALLOC / STBI_REALLOC / STBI_FREE): malloc with
// a per-thread budget, so that what stb allocates for one file is bounded by the image its
// header declares, not by what its compressed data expands to (a 1 MB PNG whose zlib
// stream inflates to 1 GB; stb grows its output buffer for as long as the stream goes on).
//
// A decode sets the budget with a Budget guard (io/detail/stb_reader.hpp); an allocation
// past it fails, stb reports "out of memory", and budget_exceeded() says why. Blocks carry
// their size in a 16-byte header, so the budget knows what each free returns.
//
// Blocks come zeroed, and so does the part a reallocation adds: stb reads memory it never
// wrote when a file leaves it unwritten (a progressive JPEG whose refinement scans come
// without the first scans reads its coefficient buffer; a component no scan covers leaves
// its plane as allocated). With malloc's blocks, the pixels, and even how many bits a
// refinement scan consumes, followed whatever the heap held before: a file decoded
// differently from run to run, and showed other data's leftovers. Zeroed, it decodes as
// if the missing coefficients were 0, as libjpeg does.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace pixfuse::io::detail::stb_memory {

struct State {
  std::size_t limit = 0;  // 0: no budget in force
  std::size_t in_use = 0;
  bool exceeded = false;
};
inline State& state() {
  thread_local State s;
  return s;
}

constexpr std::size_t header = 16;  // keeps malloc's 16-byte alignment

inline bool fits(std::size_t more) {
  State& s = state();
  if (s.limit == 0 || (more <= s.limit && s.in_use <= s.limit - more)) return true;
  s.exceeded = true;
  return false;
}

inline void* allocate(std::size_t size) {
  if (size > static_cast<std::size_t>(-1) / 2 || !fits(size)) return nullptr;
  auto* p = static_cast<unsigned char*>(std::calloc(1, header + size));
  if (p == nullptr) return nullptr;
  *reinterpret_cast<std::size_t*>(p) = size;
  state().in_use += size;
  return p + header;
}

inline void release(void* block) {
  if (block == nullptr) return;
  unsigned char* p = static_cast<unsigned char*>(block) - header;
  const std::size_t size = *reinterpret_cast<std::size_t*>(p);
  State& s = state();
  s.in_use = size <= s.in_use ? s.in_use - size : 0;  // a block from another budget's time
  std::free(p);
}

inline void* reallocate(void* block, std::size_t size) {
  if (block == nullptr) return allocate(size);
  unsigned char* p = static_cast<unsigned char*>(block) - header;
  const std::size_t old = *reinterpret_cast<std::size_t*>(p);
  if (size > static_cast<std::size_t>(-1) / 2 || (size > old && !fits(size - old))) return nullptr;
  auto* q = static_cast<unsigned char*>(std::realloc(p, header + size));
  if (q == nullptr) return nullptr;
  if (size > old) std::memset(q + header + old, 0, size - old);
  *reinterpret_cast<std::size_t*>(q) = size;
  State& s = state();
  s.in_use = s.in_use - (old <= s.in_use ? old : s.in_use) + size;
  return q + header;
}

// Sets this thread's budget for one decode; the previous one is restored after.
class Budget {
 public:
  explicit Budget(std::size_t bytes) : saved_(state()) {
    State& s = state();
    s.limit = bytes;
    s.in_use = 0;
    s.exceeded = false;
  }
  ~Budget() {
    const bool exceeded = state().exceeded;
    state() = saved_;
    last_exceeded() = exceeded;
  }
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  // Whether the last decode on this thread failed for want of budget.
  static bool& last_exceeded() {
    thread_local bool e = false;
    return e;
  }

 private:
  State saved_;
};

}  // namespace pixfuse::io::detail::stb_memory
