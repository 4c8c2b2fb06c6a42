// Uses the installed package: a view, the ImageNet preset through the fused kernels on
// the active target, checked against the reference kernels, and the error type. Built
// three times: with runtime dispatch (pixfuse::pixfuse), baseline-only
// (pixfuse::static_dispatch), and with the kernels in a library (pixfuse_add_kernel_library).
#include <pixfuse/pixfuse.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

int main() {
  const int w = 97, h = 61;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<unsigned char>((i * 7) ^ (i >> 5));
  const pixfuse::ImageView<const unsigned char, 3> image(pixels.data(), w, h);

  const auto recipe = pixfuse::presets::imagenet();
  const pixfuse::Plan plan = pixfuse::make_plan(recipe, pixfuse::InputShape::of(image));
  std::vector<float> fused(3 * 224 * 224), reference(3 * 224 * 224);
  pixfuse::run(plan, image, pixfuse::output_view_t<decltype(recipe)>(fused.data()));
  pixfuse::run_reference(plan, image, pixfuse::output_view_t<decltype(recipe)>(reference.data()));
  if (std::memcmp(fused.data(), reference.data(), fused.size() * sizeof(float)) != 0) {
    std::printf("consumer: target %s differs from the reference\n",
                pixfuse::active_target().c_str());
    return 1;
  }
  try {
    pixfuse::ImageView<const unsigned char, 3> bad(pixels.data(), 4, 0);
  } catch (const pixfuse::Error& e) {
    std::printf("pixfuse %s: imagenet on %dx%d on target %s equals the reference; JPEG decoder %s; "
                "error text: %s\n",
                pixfuse::version_string, w, h, pixfuse::active_target().c_str(),
                pixfuse::io::have_turbojpeg() ? "libjpeg-turbo" : "stb_image", e.what());
    return 0;
  }
  return 1;
}
