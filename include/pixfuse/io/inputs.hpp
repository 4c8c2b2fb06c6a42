// list_inputs: command-line style inputs -> the Loader's sources, in order.
//
//   io::InputList in = io::list_inputs({"photos/", "@more.txt", "frames.npy", "x.png"});
//
//   file        always tried as an image, whatever its extension
//   directory   searched recursively for .jpg .jpeg .png .bmp .tga .gif (any case), sorted
//   @LIST       a text file of inputs, one per line, relative to the list's directory;
//               blank lines and lines starting with # are skipped; entries are files
//               (a directory named in a list is reported, not searched)
//   X.npy       an (N, H, W, C) array is N images (one source per slice); (H, W) and
//               (H, W, C) arrays are one image
//
// Nothing is dropped silently: a directory that cannot be listed and a .npy file whose
// header cannot be read become sources that fail with the reason (Stage::list); an empty
// directory is a warning. Only an @LIST file that cannot be opened throws (the whole
// input list is then unknown).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/io/source.hpp"

namespace pixfuse::io {

struct InputList {
  std::vector<Source> sources;
  std::vector<std::string> warnings;  // "DIR: warning: no image files in this directory (...)"
};

namespace detail {

inline bool has_image_extension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".tga", ".gif"})
    if (ext == e) return true;
  return false;
}

inline bool is_npy_path(const std::string& p) {
  return p.size() > 4 && p.compare(p.size() - 4, 4, ".npy") == 0;
}

class InputLister {
 public:
  InputList out;

  void add(const std::string& in, bool from_list) {
    if (!in.empty() && in[0] == '@' && !from_list) return add_list(in.substr(1));
    std::error_code ec;
    if (!from_list && std::filesystem::is_directory(in, ec)) return add_directory(in);
    if (is_npy_path(in)) return add_npy(in);
    out.sources.push_back(Source::file(in));
  }

 private:
  void add_directory(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it =
             fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied,
                                              ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code e2;
      if (it->is_regular_file(e2) && has_image_extension(it->path()))
        found.push_back(it->path().string());
    }
    if (ec)
      out.sources.push_back(Source::failed(SourceKind::file, dir,
                                           dir + ": cannot list the directory: " + ec.message()));
    if (found.empty() && !ec)
      out.warnings.push_back(
          dir + ": warning: no image files in this directory (searched recursively for "
                ".jpg .jpeg .png .bmp .tga .gif)");
    std::sort(found.begin(), found.end());
    for (std::string& f : found) out.sources.push_back(Source::file(std::move(f)));
  }

  void add_list(const std::string& list) {
    std::ifstream f(list);
    if (!f) throw Error("@" + list + ": cannot open the list file");
    const std::filesystem::path base = std::filesystem::path(list).parent_path();
    for (std::string line; std::getline(f, line);) {
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
        line.pop_back();
      std::size_t start = 0;
      while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
      line.erase(0, start);
      if (line.empty() || line[0] == '#') continue;
      const std::filesystem::path p(line);
      add(p.is_absolute() || base.empty() ? line : (base / p).string(), true);
    }
  }

  void add_npy(const std::string& path) {
    try {
      const NpyHeader h = read_npy_header(path);
      if (h.shape.size() == 4) {
        if (h.shape[0] == 0) throw Error(path, "(N, H, W, C) with N > 0", "N = 0");
        for (std::int64_t i = 0; i < h.shape[0]; ++i) out.sources.push_back(Source::npy(path, i));
        return;
      }
    } catch (const Error& e) {
      out.sources.push_back(Source::failed(SourceKind::npy, path, e.what()));
      return;
    }
    out.sources.push_back(Source::npy(path));  // 2-d or 3-d (or wrong: reading says why)
  }
};

}  // namespace detail

inline InputList list_inputs(const std::vector<std::string>& inputs) {
  detail::InputLister lister;
  for (const std::string& in : inputs) lister.add(in, false);
  return std::move(lister.out);
}

}  // namespace pixfuse::io
