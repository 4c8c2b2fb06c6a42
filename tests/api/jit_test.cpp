// jit: outputs equal pixfuse::run with a freshly lowered plan, the cache key, LRU order,
// statistics, no allocation on warm calls, and concurrent use.
#include "pixfuse/jit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "pixfuse/pixfuse.hpp"
#include "../test_images.hpp"
#include "expected.hpp"

// --- allocation counting -----------------------------------------------------------------------
// The replaced global operator new counts the allocations of threads that opted in, so a
// test can assert that a warm call allocates nothing. It replaces operator new for the whole
// api_tests binary; other threads and tests are unaffected (they are not counted).
namespace {
thread_local bool count_allocations = false;
thread_local long allocations = 0;

void* counted_alloc(std::size_t size, std::size_t align) {
  if (count_allocations) ++allocations;
  if (size == 0) size = 1;
  void* p = align > alignof(std::max_align_t)
                ? std::aligned_alloc(align, (size + align - 1) / align * align)
                : std::malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Allocations made by f() on this thread.
template <class F>
long allocations_during(F&& f) {
  allocations = 0;
  count_allocations = true;
  f();
  count_allocations = false;
  return allocations;
}
}  // namespace

// Not inlined: once GCC (-O3) inlines a replaced delete into its caller it sees free() on
// memory from operator new and warns (-Wmismatched-new-delete), not knowing that this
// operator new is malloc.
#define PIXFUSE_REPLACED [[gnu::noinline]]
PIXFUSE_REPLACED void* operator new(std::size_t size) { return counted_alloc(size, 0); }
PIXFUSE_REPLACED void* operator new[](std::size_t size) { return counted_alloc(size, 0); }
PIXFUSE_REPLACED void* operator new(std::size_t size, std::align_val_t a) {
  return counted_alloc(size, static_cast<std::size_t>(a));
}
PIXFUSE_REPLACED void* operator new[](std::size_t size, std::align_val_t a) {
  return counted_alloc(size, static_cast<std::size_t>(a));
}
PIXFUSE_REPLACED void operator delete(void* p) noexcept { std::free(p); }
PIXFUSE_REPLACED void operator delete[](void* p) noexcept { std::free(p); }
PIXFUSE_REPLACED void operator delete(void* p, std::size_t) noexcept { std::free(p); }
PIXFUSE_REPLACED void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
PIXFUSE_REPLACED void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
PIXFUSE_REPLACED void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
PIXFUSE_REPLACED void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
PIXFUSE_REPLACED void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
#undef PIXFUSE_REPLACED

namespace pf = pixfuse;

namespace {

// The same recipe with the crop fixed at compile time or at run time.
auto static_recipe() {
  return pf::to_rgb() |
         pf::resize_shorter(64).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop<56, 48>() |
         pf::normalize(pf::over(255), {0.5f, 0.4f, 0.3f}, {0.2f, 0.25f, 0.3f}) | pf::nchw() |
         pf::cast<float>();
}
auto dynamic_crop_recipe() {
  return pf::to_rgb() |
         pf::resize_shorter(64).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop(56, 48) |
         pf::normalize(pf::over(255), {0.5f, 0.4f, 0.3f}, {0.2f, 0.25f, 0.3f}) | pf::nchw() |
         pf::cast<float>();
}
pf::DynamicRecipe runtime_recipe() {
  pf::DynamicRecipe r;
  r.add(pf::to_rgb())
      .add(pf::resize_shorter(64).filter(pf::Filter::bicubic).compat(pf::Compat::torchvision))
      .add(pf::center_crop(56, 48))
      .add(pf::layout(pf::Layout::nhwc))
      .add(pf::cast(pf::DType::u8));
  return r;
}

pf::InputShape shape(int w, int h, int c = 3) { return pf::InputShape{w, h, c, pf::DType::u8}; }

using api_test::expected_output;

template <class J>
std::vector<unsigned char> jit_output(const J& f, const pf::AnyImageView& image,
                                      pf::Orientation o = pf::Orientation::normal) {
  const auto plan = f.plan(pf::InputShape::of(image, o));
  std::vector<unsigned char> out(plan->output_elements() * pf::size_of(plan->out_dtype));
  f(image, pf::AnyTensorView(out.data(), plan->out_dtype, plan->layout, plan->output_shape()), o);
  return out;
}

TEST(Jit, StaticExtentsAreDetected) {
  static_assert(pf::Jit<decltype(static_recipe())>::static_extents);
  static_assert(!pf::Jit<decltype(dynamic_crop_recipe())>::static_extents);
  static_assert(!pf::Jit<pf::DynamicRecipe>::static_extents);
  static_assert(pf::Jit<decltype(pf::presets::imagenet())>::static_extents);
}

TEST(Jit, OutputsEqualRunWithAFreshPlan) {
  const auto a = test_images::noise_u8(97, 71, 3, 1);
  const auto b = test_images::noise_u8(80, 120, 4, 2);
  const auto c = test_images::noise_u8(33, 65, 1, 3);
  const auto fs = pf::jit(static_recipe());
  const auto fd = pf::jit(dynamic_crop_recipe());
  const auto fr = pf::jit(runtime_recipe());
  for (const auto* img : {&a, &b, &c}) {
    for (int round = 0; round < 2; ++round) {  // cold, then warm
      EXPECT_EQ(jit_output(fs, img->view()), expected_output(static_recipe(), img->view()));
      EXPECT_EQ(jit_output(fd, img->view()), expected_output(dynamic_crop_recipe(), img->view()));
      EXPECT_EQ(jit_output(fr, img->view()), expected_output(runtime_recipe(), img->view()));
    }
  }
  // Static and dynamic crops are the same computation.
  EXPECT_EQ(jit_output(fs, a.view()), jit_output(fd, a.view()));
  // With an orientation: part of the key, folded into the plan.
  EXPECT_EQ(jit_output(fs, a.view(), pf::Orientation::rotate_90_cw),
            expected_output(static_recipe(), a.view(), pf::Orientation::rotate_90_cw));
  EXPECT_NE(jit_output(fs, a.view(), pf::Orientation::rotate_90_cw), jit_output(fs, a.view()));
}

TEST(Jit, TypedOutputViewWorks) {
  const auto image = test_images::noise_u8(300, 200, 3, 4);
  const auto f = pf::jit(pf::presets::imagenet());
  std::vector<float> buffer(3 * 224 * 224);
  f(image.view(), pf::output_view_t<decltype(pf::presets::imagenet())>(buffer.data()));
  const std::vector<unsigned char> expected =
      expected_output(pf::presets::imagenet(), image.view());
  ASSERT_EQ(expected.size(), buffer.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(expected.data(), buffer.data(), expected.size()), 0);
}

TEST(Jit, KeyIsTheWholeInputShape) {
  const auto f = pf::jit(static_recipe());
  const pf::InputShape base = shape(90, 60);
  const auto p = f.plan(base);
  EXPECT_EQ(f.plan(base), p);  // same object: cached
  pf::InputShape other = base;
  other.orientation = pf::Orientation::rotate_180;
  EXPECT_NE(f.plan(other), p);
  other = base;
  other.dtype = pf::DType::f32;
  EXPECT_NE(f.plan(other), p);
  other = base;
  other.channels = 4;
  EXPECT_NE(f.plan(other), p);
  other = base;
  other.width = 91;
  EXPECT_NE(f.plan(other), p);
  const pf::JitStats s = f.stats();
  EXPECT_EQ(s.misses, 5u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.size, 5u);
  EXPECT_EQ(s.capacity, 64u);
  EXPECT_EQ(p->in_width, 90);
  EXPECT_EQ(p->out_width, 56);
  EXPECT_EQ(p->out_height, 48);
}

TEST(Jit, EvictsTheLeastRecentlyUsed) {
  const auto f = pf::jit(static_recipe(), 3);
  const pf::InputShape a = shape(70, 70), b = shape(80, 70), c = shape(90, 70), d = shape(100, 70),
                       e = shape(110, 70);
  f.plan(a);
  f.plan(b);
  f.plan(c);
  EXPECT_EQ(f.cached_shapes().size(), 3u);
  f.plan(a);  // a is now the most recent; b the least
  f.plan(d);  // evicts b
  EXPECT_TRUE(f.cached(a));
  EXPECT_FALSE(f.cached(b));
  EXPECT_TRUE(f.cached(c));
  EXPECT_TRUE(f.cached(d));
  f.plan(e);  // evicts c
  EXPECT_FALSE(f.cached(c));
  const std::vector<pf::InputShape> order = f.cached_shapes();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].width, 110);
  EXPECT_EQ(order[1].width, 100);
  EXPECT_EQ(order[2].width, 70);
  const pf::JitStats s = f.stats();
  EXPECT_EQ(s.misses, 5u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.evictions, 2u);
  EXPECT_EQ(s.size, 3u);
  // An evicted plan still held by a caller stays valid.
  const auto held = f.plan(b);  // evicts a
  f.plan(shape(120, 70));
  f.plan(shape(130, 70));
  f.plan(shape(140, 70));
  EXPECT_FALSE(f.cached(b));
  EXPECT_EQ(held->in_width, 80);
  f.clear();
  EXPECT_EQ(f.stats().size, 0u);
  EXPECT_TRUE(f.cached_shapes().empty());
  f.plan(a);
  EXPECT_EQ(f.stats().size, 1u);
}

// The cache also has a byte budget: plans of extreme shapes are large (up to ~100 MiB by
// plan/limits.hpp), so a run over hostile files cannot fill memory with them.
TEST(Jit, ByteBudgetEvictsLargePlans) {
  pf::DynamicRecipe r;
  r.add(pf::resize_shorter(256));
  r.add(pf::center_crop(224, 224));
  const pf::Plan one = pf::make_plan(r, pf::InputShape{640, 480, 3, pf::DType::u8});
  const pf::Jit<pf::DynamicRecipe> f(r, 64,
                                     2 * one.bytes() + one.bytes() / 2);  // room for two such plans
  for (int w = 640; w < 650; ++w) (void)f.plan(pf::InputShape{w, 480, 3, pf::DType::u8});
  const pf::JitStats s = f.stats();
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.evictions, 8u);
  EXPECT_LE(s.bytes, s.max_bytes);
  EXPECT_TRUE(f.cached(pf::InputShape{649, 480, 3, pf::DType::u8}));
  // A plan larger than the whole budget is still returned, and kept alone.
  const pf::Jit<pf::DynamicRecipe> tiny(r, 64, 1);
  EXPECT_EQ(tiny.plan(pf::InputShape{640, 480, 3, pf::DType::u8})->out_width, 224);
  EXPECT_EQ(tiny.plan(pf::InputShape{641, 480, 3, pf::DType::u8})->out_width, 224);
  EXPECT_EQ(tiny.stats().size, 1u);
}

TEST(Jit, CapacityOneAndCopiesShareTheCache) {
  const auto f = pf::jit(static_recipe(), 1);
  const auto g = f;  // a handle to the same cache
  g.plan(shape(70, 70));
  EXPECT_TRUE(f.cached(shape(70, 70)));
  f.plan(shape(71, 70));
  EXPECT_FALSE(g.cached(shape(70, 70)));
  EXPECT_EQ(g.stats().evictions, 1u);
}

TEST(Jit, RejectsCapacityZero) {
  try {
    pf::jit(static_recipe(), 0);
    FAIL() << "expected an exception";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "jit capacity: expected 1 to 4294967294 plans, got 0");
  }
}

TEST(Jit, ShapesTheRecipeCannotTakeThrowAndAreNotCached) {
  const auto f = pf::jit(static_recipe());
  try {
    f.plan(shape(0, 10));
    FAIL() << "expected an exception";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "input: expected a non-empty image, got 0x10");
  }
  EXPECT_FALSE(f.cached(shape(0, 10)));
  EXPECT_EQ(f.stats().size, 0u);
  // A wrong output tensor is the kernel's error, with the plan still cached.
  const auto image = test_images::noise_u8(90, 60, 3, 5);
  std::vector<float> small(3 * 48 * 50);
  EXPECT_THROW(f(image.view(),
                 pf::AnyTensorView(small.data(), pf::DType::f32, pf::Layout::nchw, {1, 3, 48, 50})),
               pf::Error);
  EXPECT_TRUE(f.cached(pf::InputShape::of(image.view())));
}

TEST(Jit, WarmCallsDoNotAllocate) {
  const auto image = test_images::noise_u8(120, 90, 3, 6);
  const auto fs = pf::jit(static_recipe());
  const auto fr = pf::jit(runtime_recipe());
  std::vector<float> out_s(3 * 48 * 56);
  std::vector<std::uint8_t> out_r(3 * 48 * 56);
  const pf::AnyTensorView ts(out_s.data(), pf::DType::f32, pf::Layout::nchw, {1, 3, 48, 56});
  const pf::AnyTensorView tr(out_r.data(), pf::DType::u8, pf::Layout::nhwc, {1, 3, 48, 56});
  // Cold: the plan is lowered (allocates), and this thread's kernel scratch grows.
  EXPECT_GT(allocations_during([&] { fs(image.view(), ts); }), 0);
  fr(image.view(), tr);
  const pf::InputShape key = pf::InputShape::of(image.view());
  EXPECT_EQ(allocations_during([&] {
              for (int i = 0; i < 100; ++i) (void)fs.plan(key);
            }),
            0);
  // A warm call allocates nothing: neither the cache lookup, nor view validation, nor the
  // kernel (its scratch is per thread and already grown).
  EXPECT_EQ(allocations_during([&] {
              for (int i = 0; i < 10; ++i) {
                fs(image.view(), ts);
                fr(image.view(), tr);
              }
            }),
            0);
  EXPECT_EQ(fs.stats().misses, 1u);
  EXPECT_EQ(fs.stats().hits, 110u);  // 100 plan() lookups + 10 calls
}

TEST(Jit, ConcurrentUseFromFourThreads) {
  // More shapes than capacity, so threads hit, miss and evict concurrently.
  std::vector<test_images::Image<std::uint8_t>> images;
  for (int i = 0; i < 12; ++i)
    images.push_back(test_images::noise_u8(60 + 7 * i, 50 + 3 * i, i % 3 == 0 ? 1 : 3,
                                           100u + static_cast<unsigned>(i)));
  std::vector<std::vector<unsigned char>> expected;
  for (const auto& im : images) expected.push_back(expected_output(static_recipe(), im.view()));

  const auto f = pf::jit(static_recipe(), 5);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> out(3 * 48 * 56);
      const pf::AnyTensorView view(out.data(), pf::DType::f32, pf::Layout::nchw, {1, 3, 48, 56});
      for (int round = 0; round < 30; ++round) {
        const std::size_t i = static_cast<std::size_t>((round * 5 + t * 3) % 12);
        f(images[i].view(), view);
        if (std::memcmp(out.data(), expected[i].data(), expected[i].size()) != 0)
          mismatches.fetch_add(1);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  const pf::JitStats s = f.stats();
  EXPECT_EQ(s.hits + s.misses, 120u);
  EXPECT_EQ(s.size, 5u);  // every one of the 12 shapes was used: the cache is full
  // Two threads may lower the same shape at once (both count a miss, one plan is kept).
  EXPECT_LE(s.size, s.misses - s.evictions);
  EXPECT_EQ(f.cached_shapes().size(), s.size);
}

}  // namespace
