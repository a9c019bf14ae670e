#pragma once
// Mountpoint (EMQ X `zone.<name>.mountpoint`): a topic prefix that puts each client of a zone
// in its own part of the topic tree. Everything the client names is mounted on the way in,
// everything delivered to it is unmounted on the way out:
//
//   client publishes "t"            -> routed as "<prefix>t"       (also its will topic)
//   client subscribes "a/+"         -> filter "<prefix>a/+"        (unsubscribe likewise)
//   client subscribes "$share/g/a"  -> filter "$share/g/<prefix>a"  (the group stays a group;
//                                      "$queue/a" is "$share/$queue/a" by then, so it becomes
//                                      "$share/$queue/<prefix>a")
//   client subscribes "$fastlane/a" -> filter "$fastlane/<prefix>a"
//   "<prefix>t" delivered           -> the client sees "t"
//
// The prefix is plain concatenation, as in EMQ X ("dev/" + "t" = "dev/t"; "dev" + "t" =
// "devt"). A template's levels that are exactly "%c" or "%u" are replaced by the client id
// and the user name (feed_vars); without a user name "%u" stays as it is, as EMQ X 4 leaves
// it. A client can reach nothing outside its prefix: its filters all start with it, and a
// message that matches one of them without starting with the prefix (filter "dev/#" also
// matches the topic "dev") is not delivered (unmount() returns nothing); nor is the prefix
// itself ("dev/#" matches "dev/", which would leave the client an empty topic).
//
// Thread safety: immutable after construction.

#include <optional>
#include <string>
#include <string_view>

namespace emqd::channel {

/// `tmpl` with every topic level that is exactly "%c" replaced by `client_id` and every level
/// that is exactly "%u" by `username` (kept as "%u" when there is no user name). Other text,
/// "%c" inside a longer level included, is left alone (EMQ X emqx_topic:feed_var).
std::string feed_vars(std::string_view tmpl, std::string_view client_id,
                      const std::optional<std::string>& username);

/// True if `tmpl` uses the "%c" or "%u" level placeholder (the values must then be usable as
/// one topic level: see placeholder_value_ok).
bool uses_client_id(std::string_view tmpl);
bool uses_username(std::string_view tmpl);

/// A client id or user name may stand for a mountpoint level only if it is one non-empty
/// level without wildcards: "/" would let it reach into another client's mountpoint, '+' or
/// '#' would make the mounted topics invalid.
bool placeholder_value_ok(std::string_view value);

class mountpoint {
public:
    mountpoint() = default;  // none: every function is the identity
    /// `prefix` is already resolved (no placeholders) and contains no wildcard.
    explicit mountpoint(std::string prefix) : _prefix(std::move(prefix)) {}

    bool empty() const { return _prefix.empty(); }
    const std::string& prefix() const { return _prefix; }

    /// A topic name the client sent (publish, will): "<prefix>topic".
    std::string mount_topic(std::string_view topic) const;
    /// A filter the client sent (subscribe, unsubscribe), shared forms included.
    std::string mount_filter(std::string_view filter) const;
    /// A routed topic as the client must see it, or nothing if it lies outside the prefix or
    /// is the prefix itself (nothing would be left to send). Inline: runs per delivery.
    std::optional<std::string_view> unmount(std::string_view topic) const {
        if (_prefix.empty())
            return topic;
        // The prefix itself would leave an empty topic, which a PUBLISH cannot carry.
        if (!topic.starts_with(_prefix) || topic.size() == _prefix.size())
            return std::nullopt;
        return topic.substr(_prefix.size());
    }

private:
    std::string _prefix;
};

}  // namespace emqd::channel
