// The README's example, compiled in CI: decode a photo, run the ImageNet recipe written
// out stage by stage, check it equals the preset, print a few values.
#include <cstdio>
#include <cstring>
#include <vector>

#include <pixfuse/pixfuse.hpp>

int main(int argc, char** argv) {
  namespace pf = pixfuse;
  const char* path = argc > 1 ? argv[1] : "examples/data/chelsea.jpg";
  try {
    const pf::io::DecodedImage decoded = pf::io::decode_file(path);

    // torchvision's eval transform: Resize(256) + CenterCrop(224) + ToTensor + Normalize.
    // clang-format off
    auto recipe = pf::to_rgb()
                | pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::pil)
                | pf::center_crop<224, 224>()
                | pf::normalize(pf::over(255), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f})
                | pf::nchw() | pf::cast<float>();
    // clang-format on

    std::vector<float> buffer(3 * 224 * 224);
    pf::output_view_t<decltype(recipe)> out(
        buffer.data());  // TensorView<float, nchw, extents<int, 3, 224, 224>>
    const pf::Plan plan = pf::run(recipe, decoded.view(), out);

    std::vector<float> preset(buffer.size());
    pf::run(pf::presets::imagenet(), decoded.view(),
            pf::output_view_t<decltype(pf::presets::imagenet())>(preset.data()));
    const bool same = std::memcmp(buffer.data(), preset.data(), buffer.size() * sizeof(float)) == 0;

    std::printf(
        "%s: %dx%d -> (3, 224, 224), taps per output column %d, first values %.4f %.4f %.4f, %s\n",
        path, decoded.width(), decoded.height(), plan.x.max_taps, buffer[0], buffer[1], buffer[2],
        same ? "equal to presets::imagenet()" : "DIFFERENT from the preset");
    return same ? 0 : 1;
  } catch (const pf::Error& e) {
    std::fprintf(stderr, "quickstart: %s\n", e.what());
    return 1;
  }
}
