// extents<Index, E...>: the shape of a tensor, each extent known at compile time or
// dynamic (== dynamic_extent), in the style of C++23 std::extents. Only the dynamic
// extents are stored, so extents<int, 3, 224, 224> is an empty object and loops over
// it have constant trip counts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "pixfuse/core/dynamic_extent.hpp"
#include "pixfuse/core/error.hpp"

namespace pixfuse {

namespace detail {
// Storage of the dynamic extents; empty (and so free, as a base) when there are none.
template <class IndexType, std::size_t N>
struct extent_storage {
  std::array<IndexType, N> dynamic_{};
};
template <class IndexType>
struct extent_storage<IndexType, 0> {};
}  // namespace detail

template <class IndexType, std::size_t... Extents>
class extents
    : private detail::extent_storage<IndexType, ((Extents == dynamic_extent ? 1 : 0) + ... + 0)> {
  static_assert(std::is_integral_v<IndexType>);

 public:
  using index_type = IndexType;
  using rank_type = std::size_t;

  static constexpr rank_type rank() noexcept { return sizeof...(Extents); }
  static constexpr rank_type rank_dynamic() noexcept {
    return ((Extents == dynamic_extent ? 1 : 0) + ... + 0);
  }
  static constexpr std::size_t static_extent(rank_type r) noexcept { return static_extents_[r]; }
  static constexpr bool is_static() noexcept { return rank_dynamic() == 0; }

  constexpr extents() noexcept = default;

  // From the dynamic extents only, or from all extents (static ones must then agree).
  template <class... Ints,
            std::enable_if_t<(sizeof...(Ints) > 0) &&
                                 (sizeof...(Ints) == rank_dynamic() || sizeof...(Ints) == rank()) &&
                                 (std::is_integral_v<Ints> && ...),
                             int> = 0>
  explicit extents(Ints... values) {
    const std::array<long long, sizeof...(Ints)> given{static_cast<long long>(values)...};
    for (long long v : given)
      if (v < 0 || static_cast<unsigned long long>(v) >
                       static_cast<unsigned long long>(std::numeric_limits<IndexType>::max()))
        detail::fail_mismatch("extents", "non-negative values that fit the index type",
                              to_string_of(given));
    if constexpr (sizeof...(Ints) == rank() && rank() != rank_dynamic()) {
      for (rank_type r = 0; r < rank(); ++r)
        if (static_extents_[r] != dynamic_extent &&
            static_cast<long long>(static_extents_[r]) != given[r])
          detail::fail_mismatch("extents", static_string(), to_string_of(given));
      if constexpr (rank_dynamic() > 0) {
        rank_type d = 0;
        for (rank_type r = 0; r < rank(); ++r)
          if (static_extents_[r] == dynamic_extent)
            this->dynamic_[d++] = static_cast<IndexType>(given[r]);
      }
    } else if constexpr (rank_dynamic() > 0) {
      for (rank_type d = 0; d < rank_dynamic(); ++d)
        this->dynamic_[d] = static_cast<IndexType>(given[d]);
    }
  }

  constexpr index_type extent(rank_type r) const noexcept {
    if constexpr (rank_dynamic() == 0) {
      return static_cast<index_type>(static_extents_[r]);
    } else {
      if (static_extents_[r] != dynamic_extent) return static_cast<index_type>(static_extents_[r]);
      return this->dynamic_[dynamic_index(r)];
    }
  }

  // Product of all extents (the caller checks overflow where sizes come from outside).
  constexpr std::size_t size() const noexcept {
    std::size_t n = 1;
    for (rank_type r = 0; r < rank(); ++r) n *= static_cast<std::size_t>(extent(r));
    return n;
  }

  // "(3, 224, 224)", the form used in error messages.
  std::string to_string() const {
    std::string s = "(";
    for (rank_type r = 0; r < rank(); ++r) s += (r ? ", " : "") + std::to_string(extent(r));
    return s + (rank() == 1 ? ",)" : ")");
  }

  template <class OtherIndex, std::size_t... Other>
  friend constexpr bool operator==(const extents& a, const extents<OtherIndex, Other...>& b) {
    if (a.rank() != b.rank()) return false;
    for (rank_type r = 0; r < a.rank(); ++r)
      if (static_cast<long long>(a.extent(r)) != static_cast<long long>(b.extent(r))) return false;
    return true;
  }

 private:
  static constexpr std::array<std::size_t, rank()> static_extents_{Extents...};

  static constexpr rank_type dynamic_index(rank_type r) noexcept {
    rank_type d = 0;
    for (rank_type i = 0; i < r; ++i) d += static_extents_[i] == dynamic_extent ? 1 : 0;
    return d;
  }

  static std::string static_string() {
    std::string s = "(";
    for (rank_type r = 0; r < rank(); ++r)
      s += (r ? ", " : "") + (static_extents_[r] == dynamic_extent
                                  ? std::string("?")
                                  : std::to_string(static_extents_[r]));
    return s + (rank() == 1 ? ",)" : ")");
  }

  template <std::size_t N>
  static std::string to_string_of(const std::array<long long, N>& v) {
    std::string s = "(";
    for (std::size_t i = 0; i < N; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + (N == 1 ? ",)" : ")");
  }
};

namespace detail {
template <class IndexType, std::size_t Rank, class Seq = std::make_index_sequence<Rank>>
struct make_dextents;
template <class IndexType, std::size_t Rank, std::size_t... I>
struct make_dextents<IndexType, Rank, std::index_sequence<I...>> {
  using type = extents<IndexType, ((void)I, dynamic_extent)...>;
};
}  // namespace detail

// All-dynamic extents of the given rank.
template <std::size_t Rank, class IndexType = std::int64_t>
using dextents = typename detail::make_dextents<IndexType, Rank>::type;

template <class E>
inline constexpr bool is_extents_v = false;
template <class I, std::size_t... E>
inline constexpr bool is_extents_v<extents<I, E...>> = true;

}  // namespace pixfuse
