#pragma once
// Topic names and topic filters (MQTT spec 4.7): validation and a reference matcher.
//
//   sport/tennis/player1   valid name        sport/+/player1     valid filter
//   sport/#                valid filter      sport/tennis#       invalid (# not a whole level)
//   #                      valid filter      sport/#/ranking     invalid (# not last)
//   +/tennis/#             valid filter      sport+              invalid (+ not a whole level)
//   /finance               valid (empty first level)
//
// Names must not contain wildcards; neither may be empty or contain U+0000 (UTF-8 validity
// is checked by the codec, which sees raw bytes). Topics beginning with '$' are not matched
// by a filter whose first level is a wildcard (spec 4.7.2).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace emqd::core {

struct topic_limits {
    std::size_t max_levels = 0;  // 0 = unlimited (mqtt.max_topic_levels)
};

status validate_topic_name(std::string_view name, const topic_limits& limits = {});

/// True if every byte of `name` is ASCII (0x01..0x7F) other than '+' and '#'. Such a string
/// is valid MQTT UTF-8 (spec 1.5.4) and, if not empty, a valid topic name without limits:
/// the codec's one scan of a PUBLISH topic in the common case (codec/publish.cpp). False
/// says only that the exact checks must decide.
bool is_plain_topic_name(std::string_view name);

/// Only the level limit of validate_topic_name(), for a name already known to be valid
/// (the channel's check of a PUBLISH topic the codec validated). A name of n bytes has at
/// most n + 1 levels, so below the limit nothing is counted.
status check_topic_levels(std::string_view name, const topic_limits& limits);
status validate_topic_filter(std::string_view filter, const topic_limits& limits = {});

bool has_wildcard(std::string_view filter);

/// A shared subscription (spec 4.8.2) split into its parts: views into the string parsed.
///
///   $share/g1/sport/#   group "g1", filter "sport/#"
///   $queue/sport/#      group "$queue", filter "sport/#" (the EMQ form)
struct shared_filter {
    std::string_view group;
    std::string_view filter;
};

/// True if `filter` is written as a shared subscription: starts with "$share/" or "$queue/".
/// Says nothing about validity ("$share/" alone is shared and invalid).
bool is_shared_filter(std::string_view filter);

/// Splits and validates a shared subscription filter: the group must be non-empty and
/// contain none of '+', '#', '/' [MQTT-4.8.2-1, -2]; the filter after it must be a valid
/// topic filter within `limits`. Errors are topic_filter_invalid. Precondition:
/// is_shared_filter(filter).
result<shared_filter> parse_shared_filter(std::string_view filter, const topic_limits& limits = {});

/// Reference matcher: true if `topic` (a valid name) matches `filter` (a valid filter).
/// Used by tests as the brute-force oracle and for one-off checks (ACL); the router has
/// its own indexed matcher.
bool topic_matches(std::string_view filter, std::string_view topic);

/// EMQ X delayed publish: a PUBLISH to `$delayed/<seconds>/<topic>` is published to <topic>
/// after <seconds> (0 to max_delay_seconds, decimal digits only).
inline constexpr std::string_view delayed_prefix = "$delayed/";
inline constexpr std::uint32_t max_delay_seconds = 4294967;  // EMQ X's limit (~49.7 days)
struct delayed_topic {
    std::uint32_t seconds = 0;
    std::string_view topic;  // a view into the name passed in
};
/// Splits a name that starts with delayed_prefix. Errors (topic_name_invalid): no delay,
/// a delay that is not a number or above max_delay_seconds, or an invalid target topic.
result<delayed_topic> parse_delayed_topic(std::string_view name, const topic_limits& limits = {});

}  // namespace emqd::core
