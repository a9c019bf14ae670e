// Value parsers. Numbers are read with std::from_chars (no locale, no leading '+' or spaces);
// every multiplication is overflow-checked, so `99999999999999999999GB` is "out of range"
// rather than a wrapped value.

#include "app/config/config_values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace emqd::app::detail {

namespace {

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// Reads a non-negative decimal integer that spans all of `text`.
std::optional<std::uint64_t> read_digits(std::string_view text, bool& overflow) {
    overflow = false;
    if (!all_digits(text)) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range) {
        overflow = true;
        return std::nullopt;
    }
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return v;
}

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}

bool checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    return !__builtin_add_overflow(a, b, &out);
}

std::string lower(std::string_view text) {
    std::string s(text);
    for (char& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

std::string range_text(std::uint64_t min, std::uint64_t max) {
    return std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

parsed<bool> parse_bool(std::string_view text) {
    if (text == "true" || text == "on") {
        return {true, {}};
    }
    if (text == "false" || text == "off") {
        return {false, {}};
    }
    return parsed<bool>::fail("invalid value " + quoted(text) +
                              ": expected a boolean (true, false, on or off)");
}

parsed<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max) {
    bool overflow = false;
    auto v = read_digits(text, overflow);
    if (!v && !overflow) {
        return parsed<std::uint64_t>::fail("invalid value " + quoted(text) +
                                           ": expected an integer in " + range_text(min, max));
    }
    if (overflow || *v < min || *v > max) {
        return parsed<std::uint64_t>::fail("out of range: " + std::string(text) + " (expected " +
                                           range_text(min, max) + ")");
    }
    return {*v, {}};
}

parsed<double> parse_positive_double(std::string_view text) {
    double v = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        !std::isfinite(v)) {
        return parsed<double>::fail("invalid value " + quoted(text) +
                                    ": expected a decimal number like 0.75");
    }
    if (v <= 0) {
        return parsed<double>::fail("out of range: " + std::string(text) +
                                    " (expected a number greater than 0)");
    }
    return {v, {}};
}

parsed<size_or_percent> parse_size_or_percent(std::string_view text) {
    if (!text.empty() && text.back() == '%') {
        const auto pct = parse_uint(text.substr(0, text.size() - 1), 1, 100);
        if (!pct.ok()) {
            return parsed<size_or_percent>::fail(
                "invalid value " + quoted(text) +
                ": expected a percentage from 1% to 100%, or a size like 2GB");
        }
        return {size_or_percent{0, static_cast<double>(*pct.value) / 100.0}, {}};
    }
    auto bytes = parse_size(text, 0, std::numeric_limits<std::uint64_t>::max());
    if (!bytes.ok()) {
        return parsed<size_or_percent>::fail(bytes.error + ", or a percentage like 80%");
    }
    return {size_or_percent{*bytes.value, 0}, {}};
}

parsed<std::uint64_t> parse_size(std::string_view text, std::uint64_t min, std::uint64_t max) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        ++digits;
    }
    const std::string unit = lower(text.substr(digits));
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "b") {
        scale = 1;
    } else if (unit == "kb") {
        scale = std::uint64_t{1} << 10;
    } else if (unit == "mb") {
        scale = std::uint64_t{1} << 20;
    } else if (unit == "gb") {
        scale = std::uint64_t{1} << 30;
    }
    bool overflow = false;
    auto n = read_digits(text.substr(0, digits), overflow);
    if (scale == 0 || (!n && !overflow)) {
        return parsed<std::uint64_t>::fail(
            "invalid value " + quoted(text) +
            ": expected a size like 1MB, 64KB or 512B (a plain number is bytes)");
    }
    std::uint64_t bytes = 0;
    if (overflow || !checked_mul(*n, scale, bytes) || bytes < min || bytes > max) {
        return parsed<std::uint64_t>::fail("out of range: " + std::string(text) + " (expected " +
                                           range_text(min, max) + " bytes)");
    }
    return {bytes, {}};
}

parsed<std::chrono::milliseconds> parse_duration(std::string_view text, bare_unit bare,
                                                 std::chrono::milliseconds max) {
    using result = parsed<std::chrono::milliseconds>;
    const auto bad = [&] {
        return result::fail("invalid value " + quoted(text) +
                            ": expected a duration like 30s, 100ms, 1m, 2h or 5d");
    };
    const auto too_big = [&] {
        return result::fail("out of range: " + std::string(text) + " (expected at most " +
                            std::to_string(max.count()) + "ms)");
    };
    if (text.empty()) {
        return bad();
    }
    bool overflow = false;
    if (all_digits(text)) {
        auto n = read_digits(text, overflow);
        std::uint64_t ms = 0;
        if (overflow || !checked_mul(*n, bare == bare_unit::seconds ? 1000 : 1, ms) ||
            ms > static_cast<std::uint64_t>(max.count())) {
            return too_big();
        }
        return {std::chrono::milliseconds(ms), {}};
    }
    // A sum of <digits><unit> terms: "1h30m", "1500ms".
    std::uint64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
        }
        const std::size_t unit_start = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
            ++i;
        }
        auto n = read_digits(text.substr(start, unit_start - start), overflow);
        if (overflow) {
            return too_big();
        }
        const std::string_view unit = text.substr(unit_start, i - unit_start);
        std::uint64_t scale = 0;
        if (unit == "ms") {
            scale = 1;
        } else if (unit == "s") {
            scale = 1000;
        } else if (unit == "m") {
            scale = 60'000;
        } else if (unit == "h") {
            scale = 3'600'000;
        } else if (unit == "d") {
            scale = 86'400'000;
        } else if (unit == "w") {
            scale = 604'800'000;
        }
        if (!n || scale == 0) {
            return bad();
        }
        std::uint64_t ms = 0;
        if (!checked_mul(*n, scale, ms) || !checked_add(total, ms, total)) {
            return too_big();
        }
    }
    if (total > static_cast<std::uint64_t>(max.count())) {
        return too_big();
    }
    return {std::chrono::milliseconds(total), {}};
}

parsed<std::string> parse_choice(std::string_view text,
                                 std::initializer_list<std::string_view> choices) {
    std::string list;
    for (std::string_view c : choices) {
        if (c == text) {
            return {std::string(text), {}};
        }
        list += list.empty() ? "" : ", ";
        list += c;
    }
    return parsed<std::string>::fail("invalid value " + quoted(text) + ": expected one of " + list);
}

parsed<listen_address> parse_listen_address(std::string_view text) {
    using result = parsed<listen_address>;
    const auto bad = [&] {
        return result::fail("invalid value " + quoted(text) +
                            ": expected a listener address like 1883, 0.0.0.0:1883 or "
                            "[::1]:1883 (or off)");
    };
    std::string host = "0.0.0.0";
    std::string_view port_text = text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return bad();
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        in6_addr a6{};
        if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) {
            return result::fail("invalid value " + quoted(text) + ": \"" + host +
                                "\" is not an IPv6 address");
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string::npos) {
            return result::fail("invalid value " + quoted(text) +
                                ": write IPv6 addresses in brackets, like [::1]:1883");
        }
        in_addr a4{};
        if (inet_pton(AF_INET, host.c_str(), &a4) != 1) {
            return result::fail("invalid value " + quoted(text) + ": \"" + host +
                                "\" is not an IPv4 address (host names are not resolved)");
        }
    }
    bool overflow = false;
    auto port = read_digits(port_text, overflow);
    if (!port && !overflow) {
        return bad();
    }
    if (overflow || *port > 65535) {
        return result::fail("out of range: port " + std::string(port_text) +
                            " (expected 0..65535)");
    }
    return {listen_address{std::move(host), static_cast<std::uint16_t>(*port)}, {}};
}

}  // namespace emqd::app::detail
