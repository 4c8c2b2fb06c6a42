// The README's Loader example, built and run as a test: images from a directory (files)
// and from memory (encoded bytes, as a server receives them) through the ImageNet recipe,
// batch by batch, on an executor of every CPU this process may use; the batches are
// streamed to one .npy and every image's status is printed.
//
//   loader_example [PHOTO_DIR] [OUT.npy]
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <pixfuse/io/inputs.hpp>
#include <pixfuse/io/loader.hpp>
#include <pixfuse/io/npy_writer.hpp>
#include <pixfuse/pixfuse.hpp>

int main(int argc, char** argv) {
  namespace pf = pixfuse;
  namespace io = pixfuse::io;
  const std::string dir = argc > 1 ? argv[1] : "examples/data";
  const std::string output = argc > 2 ? argv[2] : "loaded.npy";
  try {
    std::vector<io::Source> sources = io::list_inputs({dir}).sources;  // files, sorted
    const std::vector<unsigned char> bytes = io::read_file(dir + "/chelsea.jpg");
    sources.push_back(
        io::Source::encoded(bytes.data(), bytes.size(), "request 1"));  // bytes you own

    pf::Executor executor;  // every CPU available
    io::LoaderOptions options;
    options.batch_size = 4;  // the next batch is prepared while you use this one
    io::Loader loader(executor, sources, pf::jit(pf::presets::imagenet()), options);

    std::unique_ptr<io::NpyWriter> out;
    std::size_t failed = 0;
    for (io::LoadedBatch batch; loader.next(batch);) {
      const pf::TensorShape s = batch.tensor.shape();  // (rows, 3, 224, 224) f32
      if (s.n > 0) {                                   // 0: every image of it failed
        if (!out)
          out = std::make_unique<io::NpyWriter>(output, batch.tensor.dtype(),
                                                std::vector<std::int64_t>{s.c, s.h, s.w});
        out->append(batch.tensor.data(), static_cast<std::size_t>(s.n));  // rows of (3, 224, 224)
      }
      for (const io::SourceStatus& st : batch.status) {
        if (st.ok()) {
          std::printf("batch %zu row %lld: %s (%dx%d, %s)\n", batch.index,
                      static_cast<long long>(st.row), st.source.c_str(), st.width, st.height,
                      io::name(st.decoder));
        } else {
          std::printf("batch %zu: %s failed at %s: %s\n", batch.index, st.source.c_str(),
                      io::name(st.failed), st.message.c_str());
          ++failed;
        }
      }
    }
    if (out) out->finish();
    const io::LoaderStats stats = loader.stats();
    std::printf("wrote %s: %zu images, %zu failed, %d threads, decode %.3f s, preprocess %.3f s\n",
                output.c_str(), stats.images - stats.failed, stats.failed, executor.threads(),
                stats.decode_seconds, stats.preprocess_seconds);
    return failed == 0 ? 0 : 1;
  } catch (const pf::Error& e) {
    std::fprintf(stderr, "loader_example: %s\n", e.what());
    return 1;
  }
}
