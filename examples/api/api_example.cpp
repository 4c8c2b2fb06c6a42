// The README's batch example, compiled in CI and run as a test: decode the bundled photos
// (mixed sizes, gray and RGB) on an executor, preprocess them with the ImageNet recipe as
// one (N, 3, 224, 224) batch with jit + vmap, and write it as a .npy.
//
//   api_example [PHOTO_DIR] [OUT.npy]
#include <cstdio>
#include <string>
#include <vector>

#include <pixfuse/pixfuse.hpp>

int main(int argc, char** argv) {
  namespace pf = pixfuse;
  const std::string dir = argc > 1 ? argv[1] : "examples/data";
  const std::string output = argc > 2 ? argv[2] : "batch.npy";
  const std::vector<std::string> files = {"astronaut.jpg", "camera.png", "chelsea.jpg",
                                          "coffee.jpg", "rocket.jpg"};
  try {
    pf::Executor executor(2);  // 1 worker + this thread, started once
    const auto preprocess = pf::jit(pf::presets::imagenet());  // a Plan per input shape, cached
    const auto batched = pf::vmap(preprocess);  // images -> one (N, 3, 224, 224) tensor

    std::vector<pf::io::DecodedImage> decoded(files.size());
    executor.parallel_for(files.size(), [&](std::size_t i) {
      decoded[i] = pf::io::decode_file(dir + "/" + files[i]);
    });
    std::vector<pf::AnyImageView> images;
    for (const pf::io::DecodedImage& d : decoded) images.push_back(d.view());

    pf::Batch batch;  // reused by later calls of the same shape
    const pf::BatchStatus& status = batched(executor, images, batch);
    for (const pf::ImageStatus& s : status)
      if (!s.ok()) std::fprintf(stderr, "api_example: %s\n", s.error.c_str());  // its row is zeros
    pf::io::write_npy(output, batch.view());

    const pf::TensorShape shape = batch.shape();
    const pf::JitStats stats = preprocess.stats();
    std::printf("wrote %s: (%lld, %lld, %lld, %lld) f32, %zu/%zu images ok, %llu plans lowered, %d "
                "threads\n",
                output.c_str(), static_cast<long long>(shape.n), static_cast<long long>(shape.c),
                static_cast<long long>(shape.h), static_cast<long long>(shape.w), status.ok_count(),
                status.size(), static_cast<unsigned long long>(stats.misses), executor.threads());
    return status.all_ok() ? 0 : 1;
  } catch (const pf::Error& e) {
    std::fprintf(stderr, "api_example: %s\n", e.what());
    return 1;
  }
}
