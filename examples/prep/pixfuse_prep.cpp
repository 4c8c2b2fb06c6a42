// pixfuse-prep: images in, a model-ready tensor out.
// This first version decodes its inputs and describes them; the recipe flags arrive
// with the Recipe/Plan work.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "pixfuse/pixfuse.hpp"

namespace fs = std::filesystem;

namespace {
bool is_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".tga", ".gif"})
    if (ext == e) return true;
  return false;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> inputs;
  std::string output;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-o" && i + 1 < argc) output = argv[++i];
    else inputs.push_back(a);
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: pixfuse-prep INPUT... -o OUT.npy\n");
    return 2;
  }
  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    if (fs::is_directory(in)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in))
        if (e.is_regular_file() && is_image_extension(e.path())) found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);
    }
  }
  int ok = 0;
  for (const std::string& f : files) {
    try {
      const pixfuse::io::DecodedImage img = pixfuse::io::decode_file(f);
      std::printf("%s: %s %dx%d, %d channel(s), %s\n", f.c_str(), img.format().c_str(), img.width(),
                  img.height(), img.channels(), std::string(pixfuse::name(img.dtype())).c_str());
      ++ok;
    } catch (const pixfuse::Error& e) {
      std::fprintf(stderr, "pixfuse-prep: %s\n", e.what());
    }
  }
  std::printf("decoded %d of %zu image(s)%s\n", ok, files.size(),
              output.empty() ? "" : " (tensor output arrives with the recipe flags)");
  return ok > 0 ? 0 : 1;
}
