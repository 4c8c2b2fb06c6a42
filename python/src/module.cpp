// pixfuse._pixfuse: the compiled part of the pixfuse Python package (python/pixfuse/ holds
// the Python API that wraps it).
#include "binding.hpp"
#include "pixfuse/version.hpp"

NB_MODULE(_pixfuse, m) {
  m.doc() = "pixfuse's C++ core: recipes, decoding and the GIL-free batch call";
  m.attr("__version__") = pixfuse::version_string;
  pixfuse::python::bind_errors(m);
  pixfuse::python::bind_recipe(m);
  pixfuse::python::bind_ops(m);
}
