#pragma once
// Typed parsers for config values (EMQ X 4.x / cuttlefish notation). Each parser takes the raw
// text of one value and returns either the value or a message saying what was expected; the
// caller adds the origin (file:line) and the key. No parser throws.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace emqd::app::detail {

/// A parsed value or the reason it could not be parsed ("expected a size like 1MB").
template <class T>
struct parsed {
    std::optional<T> value;
    std::string error;  // non-empty iff !value

    static parsed fail(std::string why) { return parsed{std::nullopt, std::move(why)}; }
    bool ok() const { return value.has_value(); }
};

/// `true|false|on|off`.
parsed<bool> parse_bool(std::string_view text);

/// A decimal integer in [min, max]. Out of range and malformed get different messages.
parsed<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max);

/// A finite decimal number greater than zero (`0.75`).
parsed<double> parse_positive_double(std::string_view text);

/// Bytes: `512B`, `64KB`, `1MB`, `2GB` (units are powers of 1024, case-insensitive); a plain
/// number is bytes. The result is checked against [min, max].
parsed<std::uint64_t> parse_size(std::string_view text, std::uint64_t min, std::uint64_t max);

/// A memory amount as bytes or as a share of a total: `2GB` (see parse_size) or `80%`
/// (1..100 percent). Exactly one of the two fields is set (`0` is 0 bytes).
struct size_or_percent {
    std::uint64_t bytes = 0;
    double fraction = 0;  // 0.8 for 80%
};
parsed<size_or_percent> parse_size_or_percent(std::string_view text);

/// Unit of a duration written as a bare number.
enum class bare_unit { milliseconds, seconds };

/// A duration: `100ms`, `30s`, `1m`, `2h`, `5d`, `1w`, or a sum such as `1h30m`. A bare number
/// is read in `bare` units. Result in milliseconds, at most `max`.
parsed<std::chrono::milliseconds> parse_duration(
    std::string_view text, bare_unit bare = bare_unit::seconds,
    std::chrono::milliseconds max = std::chrono::milliseconds::max());

/// One of `choices`, exactly as written.
parsed<std::string> parse_choice(std::string_view text,
                                 std::initializer_list<std::string_view> choices);

/// A listener address: `1883` (all IPv4 interfaces), `127.0.0.1:1883`, `[::1]:1883` or
/// `[::]:1883`. Hosts are IP literals (no name lookup at startup).
struct listen_address {
    std::string host;  // "0.0.0.0", "127.0.0.1", "::1" (no brackets)
    std::uint16_t port = 0;
};
parsed<listen_address> parse_listen_address(std::string_view text);

}  // namespace emqd::app::detail
