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

}  // namespace detail
}  // namespace pixfuse
