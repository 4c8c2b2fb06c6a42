// .npy: the streaming writer, header-only reads, row reads, malformed headers.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "pixfuse/io/npy.hpp"
#include "pixfuse/io/npy_writer.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {
std::string temp(const std::string& name) {
  return (fs::temp_directory_path() / ("pixfuse_npy_" + name)).string();
}
}  // namespace

TEST(Npy, StreamingWriterRoundTrip) {
  const std::string path = temp("stream.npy");
  std::vector<float> rows(5 * 2 * 3);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i) * 0.5f;
  {
    io::NpyWriter w(path, pf::DType::f32, {2, 3});
    EXPECT_EQ(w.row_bytes(), 24u);
    w.append(rows.data(), 2);
    w.append(rows.data() + 6 * 2, 3);
    EXPECT_FALSE(fs::exists(path));  // only PATH.partial until finish()
    w.finish();
  }
  const io::NpyArray a = io::read_npy(path);
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{5, 2, 3}));
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(a.data<float>()[i], rows[i]);
  const io::NpyHeader h = io::read_npy_header(path);
  EXPECT_EQ(h.data_offset % 64, 0u);
  const io::NpyArray two = io::read_npy_rows(path, h, 3, 2);
  EXPECT_EQ(two.shape, (std::vector<std::int64_t>{2, 2, 3}));
  EXPECT_EQ(two.data<float>()[0], rows[18]);
  EXPECT_THROW((void)io::read_npy_rows(path, h, 4, 2), pf::Error);
  fs::remove(path);
}

TEST(Npy, UnfinishedWriterLeavesNothing) {
  const std::string path = temp("unfinished.npy");
  {
    io::NpyWriter w(path, pf::DType::u8, {4});
    const unsigned char row[4] = {1, 2, 3, 4};
    w.append(row, 1);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(Npy, WriterKeepsADeviceNodeADeviceNode) {
  // -o /dev/null (timing runs): written in place, never replaced by a renamed file.
  if (!fs::is_character_file("/dev/null")) GTEST_SKIP() << "no /dev/null character device here";
  {
    io::NpyWriter w("/dev/null", pf::DType::u8, {4});
    const unsigned char row[4] = {1, 2, 3, 4};
    w.append(row, 1);
    w.finish();
  }
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_FALSE(fs::exists("/dev/null.partial"));
}

TEST(Npy, MalformedHeaders) {
  auto error = [](const std::string& header, std::size_t data) {
    std::string dict = header;
    dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
    dict += '\n';
    std::string b = "\x93NUMPY";
    b += '\x01';
    b += '\x00';
    b += static_cast<char>(dict.size() & 0xFF);
    b += static_cast<char>(dict.size() >> 8);
    b += dict + std::string(data, '\0');
    try {
      (void)io::parse_npy(std::vector<unsigned char>(b.begin(), b.end()), "x.npy");
    } catch (const pf::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6), "");
  EXPECT_NE(error("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 5)
                .find("data size does not match"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8)
                .find("unsupported dtype <f8"),
            std::string::npos);
  EXPECT_NE(
      error("{'descr': '|u1', 'fortran_order': False, 'shape': (-1, 3), }", 0).find("negative"),
      std::string::npos);
  EXPECT_NE(
      error("{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999, 99999999999), }", 0)
          .find("too large"),
      std::string::npos);
  EXPECT_NE(error("{'descr': '|u1', 'fortran_order': True, 'shape': (1,), }", 1).find("Fortran"),
            std::string::npos);
  EXPECT_NE(error("{'descr'", 0).find("x.npy: not a readable .npy file"), std::string::npos);
  EXPECT_THROW((void)io::parse_npy({}, "e.npy"), pf::Error);
}
