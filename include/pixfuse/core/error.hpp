// pixfuse::Error: the one exception type of the library.
//
// Every message names what was wrong, what was expected and what was found,
// e.g. "output tensor: expected extents (3, 224, 224), got (3, 224, 200)",
// so a failure in a batch of a million images can be acted on without a debugger.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace pixfuse {

class Error : public std::runtime_error {
 public:
  // Free-form message, for failures that are not a mismatch (e.g. a decoder's reason).
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  // "<subject>: expected <expected>, got <actual>".
  Error(std::string subject, std::string expected, std::string actual)
      : std::runtime_error(subject + ": expected " + expected + ", got " + actual),
        subject_(std::move(subject)),
        expected_(std::move(expected)),
        actual_(std::move(actual)) {}

  // The argument or object at fault ("output tensor", "image 3 (cat.jpg)", "--resize").
  const std::string& subject() const noexcept { return subject_; }
  const std::string& expected() const noexcept { return expected_; }
  const std::string& actual() const noexcept { return actual_; }

 private:
  std::string subject_, expected_, actual_;
};

namespace detail {

// Stream any number of values into one string: to_text("(", 3, ", ", 224, ")").
template <class... Parts>
std::string to_text(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

template <class Expected, class Actual>
[[noreturn]] void fail_mismatch(const std::string& subject, const Expected& expected,
                                const Actual& actual) {
  throw Error(subject, to_text(expected), to_text(actual));
}

// The one way to report a state the library's own invariants rule out (an enum value no
// enumerator names, a plan no lowering makes): a pixfuse::Error naming `where` and saying it
// is a pixfuse bug, never a silent fallback. Switches over the library's enums list every
// enumerator (no default:, -Wswitch-enum) and call this after the switch for values outside
// the enum; device code, which cannot throw, has its launcher check on the host.
[[noreturn]] inline void unreachable(const char* where) {
  throw Error(std::string(where) + ": reached a state that cannot happen (a pixfuse bug)");
}

}  // namespace detail
}  // namespace pixfuse
