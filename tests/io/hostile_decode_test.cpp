// The decoder findings of the hostile-input review, one test each, on the files
// tests/fuzz/make_inputs.py writes to tests/fuzz/regressions/decode (the fuzz replay runs
// them under the sanitizers too; here the outcome is checked): what each file is, and
// that it is now refused with a reason or decoded as what it is.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/detail/jpeg_structure.hpp"
#include "pixfuse/io/npy.hpp"

namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {

const std::string kFindings = std::string(PIXFUSE_TEST_DATA_DIR) + "/fuzz/regressions/decode/";
const std::string kSeeds = std::string(PIXFUSE_TEST_DATA_DIR) + "/fuzz/corpus/decode/";

std::string error_of(const std::vector<unsigned char>& bytes, const std::string& name,
                     const io::DecodeOptions& o = {}) {
  try {
    (void)io::decode(bytes.data(), bytes.size(), name, o);
  } catch (const pf::Error& e) {
    return e.what();
  }
  return "";
}
std::string error_of_file(const std::string& file, const io::DecodeOptions& o = {}) {
  return error_of(io::read_file(kFindings + file), file, o);
}
io::DecodeOptions stb_only() {
  io::DecodeOptions o;
  o.use_turbojpeg = false;
  return o;
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

// A DHT table of 257 codes: Debian's stb_image 2.27 wrote size[257] past its end.
TEST(HostileDecode, HuffmanTableOfMoreThan256CodesIsRefused) {
  const std::string stb = error_of_file("jpeg_dht_257_codes.jpg", stb_only());
  EXPECT_TRUE(
      contains(stb,
               "jpeg_dht_257_codes.jpg: not a decodable image (jpeg: Huffman table with 257 codes"))
      << stb;
  EXPECT_NE(error_of_file("jpeg_dht_257_codes.jpg"),
            "");  // libjpeg-turbo: "Bogus Huffman table definition"
}

// A scan decoding with a table the file never defines: stb read the table's
// uninitialised (2.27) or zeroed (2.30) decode tables, maxcode[] past its end.
TEST(HostileDecode, ScanWithAnUndefinedHuffmanTableIsRefusedByTheStbPath) {
  const std::string e = error_of_file("jpeg_undefined_huffman_table.jpg", stb_only());
  EXPECT_TRUE(
      contains(e, "scan 1 uses DC Huffman table 3, which the file does not define before it"))
      << e;
  // The pre-flight reads tables and scans as stb does: a baseline scan uses DC and AC,
  // a progressive DC refinement scan no table, a progressive AC scan only its AC table.
  for (const char* seed :
       {"rgb420.jpg", "rgb444.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg", "exif6.jpg"}) {
    const std::vector<unsigned char> b = io::read_file(kSeeds + seed);
    const io::detail::JpegStructure j = io::detail::read_jpeg_structure(b.data(), b.size());
    EXPECT_EQ(j.stb_problem, "") << seed;
    EXPECT_GE(j.scans, 1) << seed;
    EXPECT_EQ(error_of(b, seed, stb_only()), "") << seed;
  }
}

// The entropy-coded data of a scan runs to the first marker that is not FF 00 (stuffing),
// a restart marker or FF fill: counted byte for byte, whatever the run between FFs.
TEST(JpegStructure, EntropyDataEndsAtTheFirstRealMarker) {
  auto scan = [](const std::vector<unsigned char>& data, bool eoi) {
    std::vector<unsigned char> b = {0xFF, 0xD8,                    // SOI
                                    0xFF, 0xDA, 0x00, 0x08, 0x01,  // SOS: 1 component
                                    0x01, 0x00, 0x00, 0x3F, 0x00};
    b.insert(b.end(), data.begin(), data.end());
    if (eoi) b.insert(b.end(), {0xFF, 0xD9});
    return io::detail::read_jpeg_structure(b.data(), b.size());
  };
  std::vector<unsigned char> data(1000, 0x5A);
  data[3] = 0xFF, data[4] = 0x00;                        // stuffed FF
  data[100] = 0xFF, data[101] = 0xD3;                    // restart marker
  data[500] = 0xFF, data[501] = 0xFF, data[502] = 0x00;  // fill, then stuffing
  data[998] = 0xFF, data[999] = 0x00;
  const io::detail::JpegStructure j = scan(data, true);
  EXPECT_EQ(j.scans, 1);
  EXPECT_EQ(j.entropy_bytes, 1000u);
  // Without EOI the data runs to the end of the file; a lone FF last is data too.
  EXPECT_EQ(scan(data, false).entropy_bytes, 1000u);
  data.push_back(0xFF);
  EXPECT_EQ(scan(data, false).entropy_bytes, 1001u);
  // A second SOS after the data starts a second scan.
  data.pop_back();
  data.insert(data.end(), {0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x11, 0x22});
  const io::detail::JpegStructure two = scan(data, true);
  EXPECT_EQ(two.scans, 2);
  EXPECT_EQ(two.entropy_bytes, 1002u);
}

// FF fill bytes before the SOI: not a JPEG for libjpeg and Pillow; it reached stb's JPEG
// reader through the try-every-format loader, even in libjpeg-turbo builds.
TEST(HostileDecode, FillBytesBeforeSoiAreNotAJpeg) {
  for (const io::DecodeOptions& o : {io::DecodeOptions{}, stb_only()}) {
    const std::string e = error_of_file("jpeg_fill_before_soi.jpg", o);
    EXPECT_TRUE(contains(e, "jpeg_fill_before_soi.jpg: not a decodable image (unknown format: the "
                            "file starts FF FF FF D8"))
        << e;
    EXPECT_TRUE(contains(e, "fill bytes before a JPEG's SOI marker are not accepted")) << e;
  }
}

// An empty IDAT chunk before the image data: stb_image called memcpy(NULL, p, 0). The file
// is valid PNG, so it decodes (from a copy without the empty chunk) to the same pixels.
TEST(HostileDecode, EmptyFirstIdatDecodes) {
  const std::vector<unsigned char> b = io::read_file(kFindings + "png_empty_first_idat.png");
  const io::DecodedImage img = io::decode(b.data(), b.size(), "png_empty_first_idat.png");
  EXPECT_EQ(img.width(), 6);
  EXPECT_EQ(img.height(), 5);
  // The same file without the 12-byte empty chunk.
  std::string text(b.begin(), b.end());
  const std::size_t idat = text.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  text.erase(idat - 4, 12);
  const std::vector<unsigned char> plain(text.begin(), text.end());
  const io::DecodedImage want = io::decode(plain.data(), plain.size(), "plain.png");
  EXPECT_EQ(0, std::memcmp(img.view().data, want.view().data, 6 * 5 * 3));
}

// The same chunk with the file ending before its CRC (a local fuzz campaign): stb copies a
// chunk's data before it reads the CRC, so it reached the memcpy too. The file holds no
// image data: refused before stb sees it (the asan preset's fuzz replay runs it under
// UBSan).
TEST(HostileDecode, EmptyIdatWithoutItsCrcIsRefused) {
  EXPECT_EQ(error_of_file("png_empty_idat_without_crc.png"),
            "png_empty_idat_without_crc.png: not a decodable image (png: truncated PNG: the file "
            "ends inside an empty IDAT chunk, before its CRC)");
}

// A 64x64 PNG whose zlib stream inflates to 16 MiB: stb_image grew its buffer for all of
// it. Its allocations are now bounded by the declared size.
TEST(HostileDecode, ZipBombStopsAtTheBudget) {
  const std::string e = error_of_file("png_zip_bomb.png");
  EXPECT_EQ(e, "png_zip_bomb.png: cannot decode (decoding needs more memory than an image of its "
               "declared size can: "
               "corrupt png data or a decompression bomb)");
}

// Small files declaring 175 megapixels (under the default max_pixels): refused from the
// amount of data they hold, instead of decoding 175 megapixels of nothing.
TEST(HostileDecode, DataTooShortForTheDeclaredSize) {
  for (const io::DecodeOptions& o : {io::DecodeOptions{}, stb_only()}) {
    std::string e = error_of_file("jpeg_declares_175_megapixels.jpg", o);
    EXPECT_TRUE(contains(e, "jpeg_declares_175_megapixels.jpg: not a decodable image (jpeg: its "))
        << e;
    EXPECT_TRUE(contains(
        e,
        " bytes of image data cannot hold the 8238750 blocks its header declares (at least 1 bit "
        "each): truncated or corrupt)"))
        << e;
  }
  const std::string e = error_of_file("png_declares_175_megapixels.png");
  EXPECT_TRUE(contains(e, "png_declares_175_megapixels.png: not a decodable image (png: its "))
      << e;
  EXPECT_TRUE(
      contains(e, " bytes of image data cannot inflate to the 526500000 bytes its header declares"))
      << e;
  // A bomb is still reported as one (the size limit comes first).
  io::DecodeOptions small;
  small.max_pixels = 1000;
  EXPECT_TRUE(contains(error_of_file("jpeg_declares_175_megapixels.jpg", small),
                       "expected at most 1000 pixels"));
}

// A BMP height of INT_MIN: stb_image computed abs(INT_MIN).
TEST(HostileDecode, BmpHeightIntMinIsRefused) {
  const std::string e = error_of_file("bmp_height_int_min.bmp");
  EXPECT_TRUE(
      contains(e, "bmp_height_int_min.bmp: not a decodable image (bmp: BMP size 4x-2147483648)"))
      << e;
}

// A 90-byte BMP claiming 16777216 x 6 pixels: stb read the missing rows as zeros (and the
// plan then built tables for a 715 M-column resize). The pixel data is checked first.
TEST(HostileDecode, TruncatedBmpIsRefused) {
  const std::string e = error_of_file("bmp_16777216x6.bmp");
  EXPECT_TRUE(contains(e, "bmp_16777216x6.bmp: not a decodable image (bmp: truncated BMP: 90 "
                          "bytes, its header asks for "))
      << e;
}

// Bytes no signature claims were sniffed as TGA, and stb's TGA reader made an image of
// them. TGA now needs a .tga name and a header that passes a strict check.
TEST(HostileDecode, UnknownBytesAreNoFormat) {
  std::string e = error_of_file("tga_like_bytes.bin");
  EXPECT_TRUE(contains(
      e, "tga_like_bytes.bin: not a decodable image (unknown format: the file starts 00 00 02 00"))
      << e;
  e = error_of_file("tga_like_bytes.tga");
  EXPECT_TRUE(contains(e, "tga_like_bytes.tga: not a decodable image (not a TGA file: truncated "
                          "(58 bytes, at least 210"))
      << e;
  e = error_of_file("random_bytes.bin");
  EXPECT_TRUE(contains(e, "random_bytes.bin: not a decodable image (unknown format")) << e;
  // Real TGA files still decode, by their name.
  for (const char* seed : {"rgb.tga", "rle.tga", "gray.tga", "palette.tga"}) {
    const std::vector<unsigned char> b = io::read_file(kSeeds + seed);
    EXPECT_EQ(error_of(b, seed), "") << seed;
    EXPECT_TRUE(contains(error_of(b, "renamed.bin"), "unknown format")) << seed;
  }
}

// stb_image's GIF reader fails on an LZW code size over 12 without a reason: the message
// was "cannot decode ()".
TEST(HostileDecode, EveryFailureHasAReason) {
  const std::string e = error_of_file("gif_lzw_code_size_13.gif");
  EXPECT_EQ(e, "gif_lzw_code_size_13.gif: cannot decode (corrupt or unsupported gif data)");
}

// A GIF whose logical screen is 0 pixels wide (CI's 20 s decode fuzz run): stb_image
// "decoded" it into an image of no pixels, which reached the caller as a success.
TEST(HostileDecode, AnEmptyImageIsRefusedByName) {
  const std::string e = error_of_file("gif_zero_width.gif");
  EXPECT_EQ(e,
            "gif_zero_width.gif: expected an image of at least 1x1 pixels, got 0x1024 in its gif "
            "header");
  const std::vector<unsigned char> bytes = io::read_file(kFindings + "gif_zero_width.gif");
  EXPECT_THROW(io::probe(bytes.data(), bytes.size(), "gif_zero_width.gif"), pf::Error);
}

// A progressive JPEG of refinement scans only (valgrind over local fuzz corpora, after
// CI's decode fuzz run failed on an input its log did not show): stb refined
// coefficients that no scan had written, in memory fresh from malloc, so how many bits
// each scan consumed, and so whether the file decoded and to which pixels, followed what
// the heap held before. Its allocator zeroes now: one outcome whatever the freed blocks
// it is handed contain. (With no history to refine, the scans' codes stop making sense:
// stb calls the file corrupt.)
TEST(HostileDecode, RefinementScansAloneDecodeTheSameWhateverTheHeapHeld) {
  const std::string file = "jpeg_refinement_scans_only.jpg";
  const std::vector<unsigned char> bytes = io::read_file(kFindings + file);
  auto outcome_after_freeing = [&](unsigned char fill) {
    // Freed blocks of every small size, several each (malloc hands them back first).
    std::vector<void*> blocks;
    for (int copy = 0; copy < 6; ++copy)
      for (std::size_t n = 16; n <= 4096; n += 16) {
        blocks.push_back(std::malloc(n));
        std::memset(blocks.back(), fill, n);
      }
    for (void* b : blocks) std::free(b);
    try {
      const io::DecodedImage img = io::decode(bytes.data(), bytes.size(), file, stb_only());
      const auto* p = static_cast<const unsigned char*>(img.view().data);
      return "pixels " + std::string(p, p + std::size_t{16} * 16 * 3);
    } catch (const pf::Error& e) {
      return std::string(e.what());
    }
  };
  const std::string zeros = outcome_after_freeing(0x00);
  EXPECT_EQ(zeros, file + ": cannot decode (Corrupt JPEG)");
  EXPECT_EQ(outcome_after_freeing(0xFF), zeros);
  EXPECT_EQ(outcome_after_freeing(0x5A), zeros);
  // libjpeg-turbo, the default JPEG decoder, reads it (its coefficients start at 0; the
  // progression is a warning), as Pillow does.
  EXPECT_EQ(error_of(bytes, file), "");
}

// Each format's seeds decode, and the format is the one the signature names.
TEST(HostileDecode, SignaturesChooseTheFormat) {
  const struct {
    const char* file;
    const char* format;
  } seeds[] = {{"rgb420.jpg", "jpeg"}, {"rgb.png", "png"},    {"rgb16.png", "png"},
               {"static.gif", "gif"},  {"rgb24.bmp", "bmp"},  {"palette8.bmp", "bmp"},
               {"bits1.bmp", "bmp"},   {"rgba32.bmp", "bmp"}, {"rle.tga", "tga"}};
  for (const auto& s : seeds) {
    const std::vector<unsigned char> b = io::read_file(kSeeds + s.file);
    const io::DecodedImage img = io::decode(b.data(), b.size(), s.file);
    EXPECT_EQ(img.format(), s.format) << s.file;
  }
}

// A progressive JPEG is decoded in one pass per scan: the scan count is bounded.
TEST(HostileDecode, JpegScanCountIsBounded) {
  const std::vector<unsigned char> b = io::read_file(kSeeds + "progressive.jpg");
  const int scans = io::detail::read_jpeg_structure(b.data(), b.size()).scans;
  EXPECT_GT(scans, 1);
  io::DecodeOptions o;
  o.max_jpeg_scans = scans - 1;
  const std::string e = error_of(b, "p.jpg", o);
  EXPECT_TRUE(contains(e, "p.jpg: expected at most " + std::to_string(scans - 1) +
                              " JPEG scans, got " + std::to_string(scans)))
      << e;
  o.max_jpeg_scans = scans;
  EXPECT_EQ(error_of(b, "p.jpg", o), "");
}

// A .npy with a zero dimension was rejected as "expected a non-null pointer, got nullptr";
// a dtype string from the file was echoed raw (invalid UTF-8 in the manifest).
TEST(HostileDecode, NpyMessages) {
  io::NpyHeader h;
  h.dtype = pf::DType::u8;
  h.shape = {0, 4, 3};
  try {
    (void)io::npy_images(h, "zero.npy");
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_STREQ(
        e.what(),
        "zero.npy: expected images of at least 1x1 pixels, got shape (0, 4, 3) (an empty array)");
  }
  h.shape = {5, 2, 3, 3, 1};
  try {
    (void)io::npy_images(h, "five.npy");
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_STREQ(
        e.what(),
        "five.npy: expected a .npy array of shape (H, W), (H, W, C) or (N, H, W, C), got shape "
        "(5, 2, 3, 3, 1) (5 dimensions)");
  }
  std::string dict = "{'descr': '<\xff\xfe\x01', 'fortran_order': False, 'shape': (1,), }";
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string file =
      std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(dict.size()) + '\0' + dict;
  try {
    (void)io::parse_npy(std::vector<unsigned char>(file.begin(), file.end()), "bad.npy");
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_TRUE(contains(e.what(), "unsupported dtype <\\xFF\\xFE\\x01;")) << e.what();
  }
}
