// Status propagation for absl::Status and absl::StatusOr (Debian's Abseil 20220623 has no
// macros for it):
//
//   WM_RETURN_IF_ERROR(WriteHeader(file));          // returns the error, if any
//   WM_ASSIGN_OR_RETURN(std::string text, Read(p));  // declares `text`, or returns the error
//   WM_ASSIGN_OR_RETURN(existing, Read(p));          // assigns to an existing variable
//
// Both work in functions returning absl::Status or any absl::StatusOr<T>, and accept either
// kind of expression (WM_RETURN_IF_ERROR of a StatusOr checks it and drops the value). The
// expression is evaluated once. `lhs` must not contain an unparenthesized comma.
#ifndef WORDMILL_BASE_STATUS_MACROS_H_
#define WORDMILL_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace wordmill::status_internal {

inline const absl::Status& AsStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace wordmill::status_internal

#define WM_STATUS_CONCAT_INNER_(a, b) a##b
#define WM_STATUS_CONCAT_(a, b) WM_STATUS_CONCAT_INNER_(a, b)

#define WM_RETURN_IF_ERROR(expr)                                         \
  do {                                                                   \
    if (const auto& wm_status_value_ = (expr); !wm_status_value_.ok()) { \
      return ::wordmill::status_internal::AsStatus(wm_status_value_);    \
    }                                                                    \
  } while (false)

#define WM_ASSIGN_OR_RETURN(lhs, expr) \
  WM_ASSIGN_OR_RETURN_IMPL_(WM_STATUS_CONCAT_(wm_status_or_, __COUNTER__), lhs, expr)

#define WM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = *std::move(tmp)

#endif  // WORDMILL_BASE_STATUS_MACROS_H_
