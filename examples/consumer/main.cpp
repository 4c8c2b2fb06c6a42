// Uses the installed package: views, a dtype conversion and the error type.
#include <pixfuse/pixfuse.hpp>

#include <cstdio>
#include <vector>

int main() {
  std::vector<unsigned char> pixels(4 * 2 * 3, 128);
  const pixfuse::ImageView<const unsigned char, 3> image(pixels.data(), 4, 2);
  const pixfuse::f16 h = pixfuse::to_f16(image(1, 1, 2) / 255.0f);
  try {
    pixfuse::ImageView<const unsigned char, 3> bad(pixels.data(), 4, 0);
  } catch (const pixfuse::Error& e) {
    std::printf("pixfuse %s: %dx%d image, f16 0x%04x, error text: %s\n", pixfuse::version_string,
                image.width(), image.height(), h.bits, e.what());
    return 0;
  }
  return 1;
}
