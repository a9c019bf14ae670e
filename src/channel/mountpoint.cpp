// Mountpoint templates and mounting (see mountpoint.h for the rules).

#include "channel/mountpoint.h"

namespace emqd::channel {

namespace {

constexpr std::string_view k_client_id_var = "%c";
constexpr std::string_view k_username_var = "%u";

/// Calls f(level) for every '/'-separated level of `s` (an empty string has one empty level).
template <class F>
void for_each_level(std::string_view s, F&& f) {
    for (;;) {
        const auto slash = s.find('/');
        f(s.substr(0, slash));
        if (slash == std::string_view::npos)
            return;
        s.remove_prefix(slash + 1);
    }
}

bool has_level(std::string_view tmpl, std::string_view var) {
    bool found = false;
    for_each_level(tmpl, [&](std::string_view level) { found = found || level == var; });
    return found;
}

/// "$share/<group>/" or "$fastlane/": the part of a filter that stays in front of the
/// mountpoint. Empty for any other filter. ("$queue/a" never gets here: the subscribe
/// handler makes it "$share/$queue/a" first.)
std::string_view unmounted_head(std::string_view filter) {
    constexpr std::string_view share = "$share/";
    constexpr std::string_view fastlane = "$fastlane/";
    if (filter.starts_with(fastlane))
        return filter.substr(0, fastlane.size());
    if (filter.starts_with(share)) {
        const auto group_end = filter.find('/', share.size());
        if (group_end != std::string_view::npos)
            return filter.substr(0, group_end + 1);
    }
    return {};
}

}  // namespace

std::string feed_vars(std::string_view tmpl, std::string_view client_id,
                      const std::optional<std::string>& username) {
    std::string out;
    out.reserve(tmpl.size() + client_id.size());
    bool first = true;
    for_each_level(tmpl, [&](std::string_view level) {
        if (!first)
            out += '/';
        first = false;
        if (level == k_client_id_var)
            out += client_id;
        else if (level == k_username_var && username)
            out += *username;
        else
            out += level;
    });
    return out;
}

bool uses_client_id(std::string_view tmpl) {
    return has_level(tmpl, k_client_id_var);
}

bool uses_username(std::string_view tmpl) {
    return has_level(tmpl, k_username_var);
}

bool placeholder_value_ok(std::string_view value) {
    return !value.empty() && value.find_first_of("/+#") == std::string_view::npos;
}

std::string mountpoint::mount_topic(std::string_view topic) const {
    if (_prefix.empty())
        return std::string(topic);  // per PUBLISH: one exact construction, no appends
    std::string out;
    out.reserve(_prefix.size() + topic.size());
    out += _prefix;
    out += topic;
    return out;
}

std::string mountpoint::mount_filter(std::string_view filter) const {
    const std::string_view head = unmounted_head(filter);
    std::string out;
    out.reserve(_prefix.size() + filter.size());
    out += head;
    out += _prefix;
    out += filter.substr(head.size());
    return out;
}

}  // namespace emqd::channel
