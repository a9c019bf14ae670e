#pragma once
// level_map<T>: a hash map keyed by std::string that is searched by std::string_view
// without building a temporary string (C++20 heterogeneous lookup for unordered
// containers). Used for topic levels in the tries and for exact filters/topics, so the
// publish path never allocates to look a level up. It can also be searched by a
// hashed_level, a level whose hash was computed beforehand: router::match looks one topic
// level up in several trie nodes ('+' branches) and hashes it once for all of them.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace emqd::router::detail {

/// A level and its hash (string_hash of `text`).
struct hashed_level {
    std::string_view text;
    std::size_t hash = 0;
};

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
    std::size_t operator()(const hashed_level& l) const noexcept { return l.hash; }
};

struct level_equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
    bool operator()(const hashed_level& a, std::string_view b) const noexcept {
        return a.text == b;
    }
    bool operator()(std::string_view a, const hashed_level& b) const noexcept {
        return a == b.text;
    }
};

template <class T>
using level_map = std::unordered_map<std::string, T, string_hash, level_equal>;

/// Iterates the '/'-separated levels of a topic or filter without allocating.
/// `pos` is the start of the current level, or npos once every level has been consumed
/// (so "a/" has two levels, "a" and "", and the empty string has one empty level).
struct level_cursor {
    static constexpr std::size_t end = std::string_view::npos;

    /// The level that starts at `pos` (pos != end).
    static std::string_view level(std::string_view s, std::size_t pos) {
        const std::size_t slash = s.find('/', pos);
        return s.substr(pos, slash == std::string_view::npos ? s.size() - pos : slash - pos);
    }
    /// Start of the level after the one at `pos`, or end.
    static std::size_t next(std::string_view s, std::size_t pos) {
        const std::size_t slash = s.find('/', pos);
        return slash == std::string_view::npos ? end : slash + 1;
    }
};

}  // namespace emqd::router::detail
