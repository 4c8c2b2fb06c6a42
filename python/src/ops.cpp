// pixfuse.decode and pixfuse.preprocess: the calls that do the work, with the GIL released.
// This is the one file of the module that compiles the SIMD kernels.
//
// Threads and plans live per process: a pool of `threads` (created on first use) and, per
// Recipe, a Jit. Both are made again in a forked child (a DataLoader worker, a Ray actor
// started by fork): the parent's threads do not exist there, and a lock another thread held
// at the fork would stay locked. The parent's objects are left alone (not destroyed) in the
// child for that reason.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "binding.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/cpus.hpp"
#include "pixfuse/executor.hpp"
#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/file.hpp"
#include "pixfuse/io/loader.hpp"
#include "pixfuse/jit.hpp"
#include "pixfuse/run.hpp"

namespace pixfuse::python {

struct RecipeRuntime {
  explicit RecipeRuntime(const DynamicRecipe& r) : jit(r, 256) {}
  Jit<DynamicRecipe> jit;
  pid_t pid = getpid();
};

namespace {

// One pool per thread count, per process; shared by every call (calls from several Python
// threads share its workers), never destroyed (threads may still be inside one at exit).
std::shared_ptr<Executor> executor_for(int threads) {
  static pid_t owner = getpid();
  static auto* pools = new std::map<int, std::shared_ptr<Executor>>();
  if (owner != getpid()) {  // forked: the parent's pools have no threads here
    pools = new std::map<int, std::shared_ptr<Executor>>();
    owner = getpid();
  }
  std::shared_ptr<Executor>& e = (*pools)[threads];
  if (!e) e = std::make_shared<Executor>(threads);
  return e;
}

std::shared_ptr<RecipeRuntime> runtime_of(PyRecipe& r) {
  if (!r.runtime || r.runtime->pid != getpid()) {
    if (r.runtime)
      new std::shared_ptr<RecipeRuntime>(std::move(r.runtime));  // the parent's: kept, unused
    r.runtime = std::make_shared<RecipeRuntime>(r.recipe);
  }
  return r.runtime;
}

int threads_arg(int threads) {
  if (threads < 0) detail::fail_mismatch("threads", "None or at least 1", threads);
  return threads == 0 ? available_cpus()
                      : threads;  // the affinity mask, capped by a cgroup CPU quota
}

// --- output arrays: the Batch's 64-byte aligned buffer, owned by the array -------------------

nb::dlpack::dtype dlpack_dtype(DType t) {
  switch (t) {
    case DType::u8: return nb::dtype<std::uint8_t>();
    case DType::i8: return nb::dtype<std::int8_t>();
    case DType::u16: return nb::dtype<std::uint16_t>();
    case DType::f32: return nb::dtype<float>();
    case DType::f16:
      return nb::dlpack::dtype{static_cast<std::uint8_t>(nb::dlpack::dtype_code::Float), 16, 1};
    case DType::bf16:
      return nb::dlpack::dtype{static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat), 16, 1};
  }
  return nb::dtype<float>();
}

std::vector<std::size_t> shape_of(const Batch& b, bool single) {
  const TensorShape s = b.shape();
  std::vector<std::size_t> shape;
  if (!single) shape.push_back(static_cast<std::size_t>(s.n));
  const auto c = static_cast<std::size_t>(s.c), h = static_cast<std::size_t>(s.h),
             w = static_cast<std::size_t>(s.w);
  if (b.layout() == Layout::nchw) shape.insert(shape.end(), {c, h, w});
  else shape.insert(shape.end(), {h, w, c});
  return shape;
}

// The numpy array that owns the buffer. numpy has no bfloat16: a bf16 batch shows its bits
// as uint16 (Batch.__dlpack__ exports them as bfloat16, through bfloat16_capsule).
nb::object numpy_of(Batch&& batch, bool single) {
  auto* owned = new Batch(std::move(batch));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Batch*>(p); });
  const std::vector<std::size_t> shape = shape_of(*owned, single);
  const DType t = owned->dtype() == DType::bf16 ? DType::u16 : owned->dtype();
  nb::ndarray<nb::numpy> np(owned->data(), shape.size(), shape.data(), owner, nullptr,
                            dlpack_dtype(t));
  return nb::cast(np, nb::rv_policy::reference);
}

// A DLPack capsule of a uint16 array's bits as bfloat16, keeping the array alive.
nb::object bfloat16_capsule(nb::ndarray<std::uint16_t, nb::c_contig, nb::device::cpu> bits,
                            nb::handle array) {
  std::vector<std::size_t> shape(bits.ndim());
  for (std::size_t i = 0; i < shape.size(); ++i) shape[i] = bits.shape(i);
  nb::ndarray<> view(bits.data(), shape.size(), shape.data(), array, nullptr,
                     dlpack_dtype(DType::bf16));
  return nb::cast(view, nb::rv_policy::reference);
}

// --- decode ----------------------------------------------------------------------------------

using Bytes = nb::ndarray<const std::uint8_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

// The image upright (EXIF applied when asked) as (H, W, C) u8: an identity recipe lowered
// with the orientation, so the kernels turn it in one pass.
nb::object decode_to_array(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                           bool exif) {
  Batch out;
  {
    nb::gil_scoped_release unlocked;
    io::DecodeOptions options;
    options.keep_16_bit = false;
    const io::DecodedImage image = io::decode(bytes, size, name, options);
    const Orientation o = exif ? image.orientation() : Orientation::normal;
    DynamicRecipe identity;
    identity.add(layout(Layout::nhwc)).add(cast(DType::u8));
    const Plan plan = make_plan(identity, InputShape::of(image.view(), o));
    out.reshape(DType::u8, Layout::nhwc, plan.output_shape());
    run(plan, image.view(), out.view().slot(0));
  }
  return numpy_of(std::move(out), true);
}

// --- preprocess ------------------------------------------------------------------------------

// One input, gathered while the GIL is held; everything it points to is owned by Python
// objects the caller keeps alive for the call.
struct Input {
  enum Kind { path, encoded, decoded, invalid } kind = invalid;
  std::string name;
  std::string path_text;
  const std::uint8_t* bytes = nullptr;
  std::size_t size = 0;
  AnyImageView view;
  std::string error;  // invalid: why
};

const char* dtype_text(nb::dlpack::dtype t) {
  if (t == nb::dtype<std::uint8_t>()) return "uint8";
  if (t == nb::dtype<float>()) return "float32";
  if (t == nb::dtype<std::uint16_t>()) return "uint16";
  if (t == nb::dtype<double>()) return "float64";
  if (t == nb::dtype<std::int64_t>()) return "int64";
  if (t == nb::dtype<std::int32_t>()) return "int32";
  if (t == nb::dtype<std::int8_t>()) return "int8";
  if (t == nb::dtype<bool>()) return "bool";
  return "another dtype";
}

// A decoded image: (H, W) or (H, W, C) of uint8, uint16 or float32, pixels of a row contiguous.
Input decoded_input(nb::handle obj, const std::string& name) {
  Input in;
  in.name = name;
  using Pixels = nb::ndarray<nb::ro, nb::device::cpu>;
  Pixels a;
  if (!nb::try_cast(obj, a)) {
    in.error = name + ": expected an array on the CPU, got " + nb::inst_name(obj).c_str();
    return in;
  }
  const std::size_t nd = a.ndim();
  DType t;
  if (a.dtype() == nb::dtype<std::uint8_t>()) t = DType::u8;
  else if (a.dtype() == nb::dtype<float>()) t = DType::f32;
  else if (a.dtype() == nb::dtype<std::uint16_t>()) t = DType::u16;
  else {
    in.error = name + ": expected a uint8 or float32 image, got dtype " + dtype_text(a.dtype());
    return in;
  }
  if (nd != 2 && nd != 3) {
    in.error =
        name + ": expected an (H, W, C) or (H, W) image, got " + std::to_string(nd) + " dimensions";
    return in;
  }
  const std::int64_t c = nd == 3 ? static_cast<std::int64_t>(a.shape(2)) : 1;
  if (nd == 3 && ((c != 1 && c != 3 && c != 4) || a.stride(2) != 1 || a.stride(1) != c)) {
    in.error =
        name + (c != 1 && c != 3 && c != 4
                    ? ": expected 1, 3 or 4 channels (H, W, C), got " + std::to_string(c)
                    : std::string(": expected the pixels of a row contiguous (C-order rows)"));
    return in;
  }
  if (nd == 2 && a.stride(1) != 1) {
    in.error = name + ": expected the pixels of a row contiguous (C-order rows)";
    return in;
  }
  try {
    in.view = AnyImageView(a.data(), t, static_cast<std::int64_t>(a.shape(1)),
                           static_cast<std::int64_t>(a.shape(0)), c,
                           a.stride(0) * static_cast<std::int64_t>(size_of(t)));
    in.kind = Input::decoded;
  } catch (const std::exception& e) {
    in.error = name + ": " + e.what();
  }
  return in;
}

// sources[i] is ("path", str), ("bytes", 1-D uint8 array), ("array", array) or ("invalid",
// why), named names[i].
std::vector<Input> gather(const nb::list& sources, const std::vector<std::string>& names) {
  std::vector<Input> inputs;
  inputs.reserve(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const nb::tuple item = nb::borrow<nb::tuple>(sources[i]);
    const std::string kind = nb::cast<std::string>(item[0]);
    Input in;
    in.name = names[i];
    if (kind == "path") {
      in.kind = Input::path;
      in.path_text = nb::cast<std::string>(item[1]);
    } else if (kind == "bytes") {
      const Bytes b = nb::cast<Bytes>(item[1]);
      in.kind = Input::encoded;
      in.bytes = b.data();
      in.size = b.shape(0);
    } else if (kind == "array") {
      in = decoded_input(item[1], names[i]);
    } else {  // "invalid": the Python side says why
      in.error = nb::cast<std::string>(item[1]);
    }
    inputs.push_back(std::move(in));
  }
  return inputs;
}

struct Outcome {
  Batch tensor;
  std::vector<std::tuple<std::size_t, std::string, std::string, std::string>>
      failures;                    // index, source, stage, message
  std::vector<std::int64_t> rows;  // input index of each row
};

// fast_decode's value as the Python side passes it: the names pixfuse-prep's summary line
// gives the modes (io::name(FastDecode)): "exact", "fast" (--fast-decode), "pil"
// (--fast-decode=pil).
io::FastDecode fast_decode_of(const std::string& mode) {
  for (io::FastDecode f : {io::FastDecode::off, io::FastDecode::conservative, io::FastDecode::pil})
    if (mode == io::name(f)) return f;
  throw pixfuse::Error("fast_decode: expected False, True or 'pil', got '" + mode + "'");
}

// The inputs as one batch of the library's Loader (the one files-to-tensor implementation):
// read, decode (EXIF applied), plan from the recipe's cache, run, a status per input.
Outcome run_batch(RecipeRuntime& rt, Executor& executor, const std::vector<Input>& inputs,
                  bool keep_failed_rows, const io::PlanDecodeOptions& decode) {
  std::vector<io::Source> sources;
  sources.reserve(inputs.size());
  for (const Input& in : inputs) {
    switch (in.kind) {
      case Input::path: sources.push_back(io::Source::file(in.path_text)); break;
      case Input::encoded:
        sources.push_back(io::Source::encoded(in.bytes, in.size, in.name));
        break;
      case Input::decoded: sources.push_back(io::Source::decoded(in.view, in.name)); break;
      case Input::invalid:
        sources.push_back(io::Source::failed(io::SourceKind::decoded, in.name, in.error));
        break;
    }
  }
  io::LoaderOptions options;
  options.batch_size = std::max<std::size_t>(inputs.size(), 1);
  options.prefetch = 1;
  options.keep_failed_rows = keep_failed_rows;
  options.decode = decode;
  io::Loader loader(executor, std::move(sources), rt.jit, options);
  io::LoadedBatch batch;
  loader.next(batch);

  Outcome out;
  out.tensor = std::move(batch.tensor);
  // Rows: one per input with keep_failed_rows (failed ones zeroed), else the good ones in order.
  out.rows.assign(static_cast<std::size_t>(out.tensor.shape().n), -1);
  for (const io::SourceStatus& st : batch.status) {
    const std::int64_t row = keep_failed_rows ? static_cast<std::int64_t>(st.index) : st.row;
    if (row >= 0 && static_cast<std::size_t>(row) < out.rows.size())
      out.rows[static_cast<std::size_t>(row)] = static_cast<std::int64_t>(st.index);
    if (st.ok()) continue;
    // An input the binding refused (wrong type, dtype, ndim) failed before any stage of the
    // Loader: its stage is "input".
    const bool refused = inputs[st.index].kind == Input::invalid;
    out.failures.emplace_back(st.index, st.source, refused ? "input" : io::name(st.failed),
                              st.message);
  }
  return out;
}

}  // namespace

void bind_errors(nb::module_& m) {
  // Bad arguments and failed batches; a ValueError, so generic handlers catch it too.
  nb::exception<pixfuse::Error>(m, "Error", PyExc_ValueError);
}

void bind_ops(nb::module_& m) {
  m.def(
      "_decode_bytes",
      [](const Bytes& data, const std::string& name, bool exif) {
        return decode_to_array(data.data(), data.shape(0), name, exif);
      },
      nb::arg("data"), nb::arg("name"), nb::arg("exif"),
      nb::sig("def _decode_bytes(data: numpy.typing.NDArray[numpy.uint8], name: str, exif: bool) "
              "-> numpy.typing.NDArray[numpy.uint8]"));
  m.def(
      "_decode_file",
      [](const std::string& path, bool exif) {
        std::vector<unsigned char> bytes;
        {
          nb::gil_scoped_release unlocked;
          bytes = io::read_file(path);
        }
        return decode_to_array(bytes.data(), bytes.size(), path, exif);
      },
      nb::arg("path"), nb::arg("exif"),
      nb::sig("def _decode_file(path: str, exif: bool) -> numpy.typing.NDArray[numpy.uint8]"));

  m.def(
      "_preprocess",
      [](PyRecipe& recipe, const nb::list& sources, const std::vector<std::string>& names,
         int threads, bool keep_failed_rows, const std::string& fast_decode, bool region_decode) {
        // The Loader's defaults (EXIF applied, 16-bit PNGs as 8 bits, limits), with the two
        // choices pixfuse-prep also offers: --fast-decode[=pil] and --no-region-decode.
        io::PlanDecodeOptions decode = io::loader_decode_defaults();
        decode.fast = fast_decode_of(fast_decode);
        decode.region = region_decode;
        const std::vector<Input> inputs = gather(sources, names);
        const std::shared_ptr<RecipeRuntime> rt = runtime_of(recipe);
        const std::shared_ptr<Executor> executor = executor_for(threads_arg(threads));
        Outcome out;
        {
          nb::gil_scoped_release unlocked;
          out = run_batch(*rt, *executor, inputs, keep_failed_rows, decode);
        }
        const bool bf16 = out.tensor.dtype() == DType::bf16;
        return nb::make_tuple(numpy_of(std::move(out.tensor), false), bf16, out.rows, out.failures);
      },
      nb::arg("recipe"), nb::arg("sources"), nb::arg("names"), nb::arg("threads"),
      nb::arg("keep_failed_rows"), nb::arg("fast_decode"), nb::arg("region_decode"));

  m.def(
      "_bfloat16_capsule",
      [](nb::ndarray<std::uint16_t, nb::c_contig, nb::device::cpu> bits) {
        return bfloat16_capsule(bits, nb::find(bits));
      },
      nb::arg("bits"));
  m.def(
      "decoders",
      [] {
        std::vector<std::string> d;
        if (io::have_turbojpeg()) d.push_back("libjpeg-turbo");
        d.push_back("stb_image");
        return d;
      },
      "The decoders built in: libjpeg-turbo (JPEG, Pillow's pixels) when found at build time, "
      "stb_image.");
  m.def("available_cpus", &available_cpus,
        "The CPUs this process may use: the default number of threads.");
  m.def(
      "available_targets", [] { return available_targets(); },
      "The SIMD targets compiled in and usable on this CPU, best first.");
  m.def(
      "active_target", [] { return active_target(); }, "The SIMD target the kernels use now.");
  m.def(
      "set_target", [](const std::string& name) { set_target(name); }, nb::arg("name"),
      "Use this SIMD target ('auto': the best; 'scalar': the reference kernels).");
}

}  // namespace pixfuse::python
