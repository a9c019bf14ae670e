#include "core/topic.h"

#include <algorithm>
#include <cstdint>

#include "core/byte_scan.h"

namespace emqd::core {
namespace {

std::size_t count_levels(std::string_view s) {
    std::size_t n = 1;
    for (char c : s)
        n += (c == '/');
    return n;
}

}  // namespace

// A PUBLISH topic is checked by the codec in one scan (is_plain_topic_name) and its levels
// by the channel (check_topic_levels); this full check serves the rarer names (wills,
// delayed topics) and the codec's topics that are not plain. The common case, a valid
// name, is still one scan 8 bytes at a time (core/byte_scan.h) that looks for '+', '#' and
// NUL. Any of the three sends us to the byte loop, which reports the first one found as it
// always did. '+' (0x2B) and '#' (0x23) differ only in bit 0x08, so one test of the word
// with that bit set finds both.
status validate_topic_name(std::string_view name, const topic_limits& limits) {
    if (name.empty())
        return fail(reason_code::topic_name_invalid, "empty topic name");
    if (name.size() > 65535)
        return fail(reason_code::topic_name_invalid, "topic name too long");
    using namespace byte_scan;
    const char* p = name.data();
    const std::size_t n = name.size();
    bool suspect = false;
    for (std::size_t i = 0; i < n && !suspect; i += 8) {
        const std::uint64_t w = i + 8 <= n ? load(p + i) : load_tail(p + i, n - i, 'a');
        suspect = has_zero_byte((w | (k_ones * 0x08)) ^ (k_ones * '+')) || has_zero_byte(w);
    }
    if (suspect) {
        for (char c : name) {
            if (c == '+' || c == '#')
                return fail(reason_code::topic_name_invalid, "wildcard in topic name");
            if (c == '\0')
                return fail(reason_code::topic_name_invalid, "U+0000 in topic name");
        }
    }
    return check_topic_levels(name, limits);
}

// The same word test as validate_topic_name's, plus a high bit (non-ASCII) test: a zero
// byte, a wildcard or a byte >= 0x80 in any word makes the name not plain.
bool is_plain_topic_name(std::string_view name) {
    using namespace byte_scan;
    const char* p = name.data();
    const std::size_t n = name.size();
    for (std::size_t i = 0; i < n; i += 8) {
        const std::uint64_t w = i + 8 <= n ? load(p + i) : load_tail(p + i, n - i, 'a');
        if (non_ascii(w) || has_zero_byte((w | (k_ones * 0x08)) ^ (k_ones * '+')) ||
            has_zero_byte(w))
            return false;
    }
    return true;
}

status check_topic_levels(std::string_view name, const topic_limits& limits) {
    if (limits.max_levels == 0 || name.size() < limits.max_levels)
        return {};  // n bytes hold at most n '/', n + 1 levels
    using namespace byte_scan;
    const char* p = name.data();
    const std::size_t n = name.size();
    std::size_t slashes = 0;
    for (std::size_t i = 0; i < n; i += 8) {
        const std::uint64_t w = i + 8 <= n ? load(p + i) : load_tail(p + i, n - i, 'a');
        slashes += count(bytes_equal(w, '/'));
    }
    if (slashes + 1 > limits.max_levels)
        return fail(reason_code::topic_name_invalid, "too many topic levels");
    return {};
}

status validate_topic_filter(std::string_view filter, const topic_limits& limits) {
    if (filter.empty())
        return fail(reason_code::topic_filter_invalid, "empty topic filter");
    if (filter.size() > 65535)
        return fail(reason_code::topic_filter_invalid, "topic filter too long");
    for (std::size_t i = 0; i < filter.size(); ++i) {
        const char c = filter[i];
        const bool level_start = i == 0 || filter[i - 1] == '/';
        const bool level_end = i + 1 == filter.size() || filter[i + 1] == '/';
        if (c == '\0')
            return fail(reason_code::topic_filter_invalid, "U+0000 in topic filter");
        if (c == '+' && !(level_start && level_end))
            return fail(reason_code::topic_filter_invalid, "'+' must occupy a whole level");
        if (c == '#' && !(level_start && i + 1 == filter.size()))
            return fail(reason_code::topic_filter_invalid, "'#' must be the last whole level");
    }
    if (limits.max_levels && count_levels(filter) > limits.max_levels)
        return fail(reason_code::topic_filter_invalid, "too many topic levels");
    return {};
}

bool has_wildcard(std::string_view filter) {
    return filter.find_first_of("+#") != std::string_view::npos;
}

bool is_shared_filter(std::string_view filter) {
    return filter.starts_with("$share/") || filter.starts_with("$queue/");
}

result<shared_filter> parse_shared_filter(std::string_view filter, const topic_limits& limits) {
    shared_filter out;
    if (filter.starts_with("$queue/")) {
        out.group = filter.substr(0, 6);  // "$queue"
        out.filter = filter.substr(7);
    } else {
        const std::string_view rest = filter.substr(7);  // after "$share/"
        const std::size_t slash = rest.find('/');
        if (slash == std::string_view::npos)
            return fail(reason_code::topic_filter_invalid, "shared subscription without filter");
        out.group = rest.substr(0, slash);
        out.filter = rest.substr(slash + 1);
        if (out.group.empty())
            return fail(reason_code::topic_filter_invalid, "empty share name");
        if (out.group.find_first_of("+#") != std::string_view::npos)
            return fail(reason_code::topic_filter_invalid, "wildcard in share name");
    }
    if (auto st = validate_topic_filter(out.filter, limits); !st)
        return st.err();
    return out;
}

bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#'))
        return false;
    std::size_t f = 0, t = 0;
    while (true) {
        const std::size_t f_end = std::min(filter.find('/', f), filter.size());
        const std::string_view f_level = filter.substr(f, f_end - f);
        if (f_level == "#")
            return true;  // matches the parent level and everything below
        const std::size_t t_end = std::min(topic.find('/', t), topic.size());
        const std::string_view t_level = topic.substr(t, t_end - t);
        if (f_level != "+" && f_level != t_level)
            return false;
        const bool f_last = f_end == filter.size();
        const bool t_last = t_end == topic.size();
        if (f_last || t_last) {
            if (f_last && t_last)
                return true;
            // "a/#" matches "a": the filter's next level is a final '#'.
            return t_last && filter.substr(f_end) == "/#";
        }
        f = f_end + 1;
        t = t_end + 1;
    }
}

result<delayed_topic> parse_delayed_topic(std::string_view name, const topic_limits& limits) {
    std::string_view rest = name.substr(delayed_prefix.size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0)
        return fail(reason_code::topic_name_invalid, "$delayed topic without a delay");
    std::uint64_t seconds = 0;
    for (char c : rest.substr(0, slash)) {
        if (c < '0' || c > '9')
            return fail(reason_code::topic_name_invalid, "$delayed delay is not a number");
        seconds = seconds * 10 + static_cast<std::uint64_t>(c - '0');
        if (seconds > max_delay_seconds)
            return fail(reason_code::topic_name_invalid, "$delayed delay too long");
    }
    delayed_topic d;
    d.seconds = static_cast<std::uint32_t>(seconds);
    d.topic = rest.substr(slash + 1);
    if (auto st = validate_topic_name(d.topic, limits); !st)
        return st.err();
    return d;
}

}  // namespace emqd::core
