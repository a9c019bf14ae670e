#pragma once
// result<T>: a value or an error, for code that handles untrusted input. Parsing bytes from
// a client never throws (style.md §5): the error carries the MQTT reason code that the
// channel puts on the wire, and a static description for logs and v5 reason strings.

#include <cassert>
#include <utility>
#include <variant>

#include "core/reason_code.h"

namespace emqd::core {

struct error {
    reason_code code = reason_code::unspecified_error;
    const char* what = "";  // static string; never owned
};

template <class T>
class [[nodiscard]] result {
public:
    result(T value) : _v(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
    result(error e) : _v(std::in_place_index<1>, e) {}                 // NOLINT: implicit
    /// Builds the value in place from `args` (no move of a large T).
    template <class... Args>
    explicit result(std::in_place_t, Args&&... args)
        : _v(std::in_place_index<0>, std::forward<Args>(args)...) {}

    bool ok() const { return _v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(_v); }
    const T& value() const& { return std::get<0>(_v); }
    T&& value() && { return std::get<0>(std::move(_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const core::error& err() const { return std::get<1>(_v); }

private:
    std::variant<T, core::error> _v;
};

/// result<void>: success or an error.
class [[nodiscard]] status {
public:
    status() = default;
    status(error e) : _err(e), _failed(true) {}  // NOLINT: implicit
    bool ok() const { return !_failed; }
    explicit operator bool() const { return ok(); }
    const core::error& err() const { return _err; }

private:
    core::error _err{};
    bool _failed = false;
};

inline error fail(reason_code code, const char* what) {
    return error{code, what};
}

}  // namespace emqd::core
