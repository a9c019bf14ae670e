#include "topic_plan.h"

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/topic.h"

namespace emqd::bench {

topic_plan::topic_plan(const bench_options& o) : _o(o), _topics(o.topics) {
    const std::uint32_t pubs = o.publisher_count();
    const std::uint32_t subs = o.mode == bench_mode::run ? o.subs : 0;  // ours to count
    if (seeded()) {
        if (o.topic.find('%') != std::string::npos)
            throw std::invalid_argument("--topics: -t is a plain prefix here (no %i, %c)");
        _topic_fanout.assign(_topics, 0);
        const std::uint32_t s = o.subs_per_conn;
        for (std::uint32_t j = 0; j < subs; ++j) {
            for (std::uint32_t m = 0; m < s; ++m)
                ++_topic_fanout[(std::uint64_t{j} * s + m) % _topics];
        }
        _seed_mean = static_cast<double>(subs) * s / _topics;
        return;
    }
    // Group the subscribers' filters: exact ones by name, wildcards by filter, shared
    // subscriptions once per (group, filter).
    std::unordered_map<std::string, std::uint32_t> exact, wild;
    std::unordered_set<std::string> shared_seen;
    for (std::uint32_t j = 0; j < subs; ++j) {
        for (std::string& f : subscriber_filters(j)) {
            std::string filter = f;
            if (core::is_shared_filter(f)) {
                if (!shared_seen.insert(f).second)
                    continue;  // the group gets each message once
                auto parsed = core::parse_shared_filter(f);
                if (!parsed)
                    continue;  // the broker will refuse it
                filter = std::string(parsed->filter);
            }
            ++(core::has_wildcard(filter) ? wild : exact)[filter];
        }
    }
    _pub_fanout.assign(pubs, 0);
    for (std::uint32_t i = 0; i < pubs; ++i) {
        const std::string t = publisher_topic(i);
        std::uint32_t n = 0;
        if (auto it = exact.find(t); it != exact.end())
            n += it->second;
        for (const auto& [filter, count] : wild) {
            if (core::topic_matches(filter, t))
                n += count;
        }
        _pub_fanout[i] = n;
    }
}

std::string topic_plan::expand(std::string_view tmpl, std::uint32_t index, std::string_view id) {
    std::string out;
    out.reserve(tmpl.size() + 16);
    for (std::size_t k = 0; k < tmpl.size(); ++k) {
        if (tmpl[k] == '%' && k + 1 < tmpl.size() && (tmpl[k + 1] == 'i' || tmpl[k + 1] == 'c')) {
            if (tmpl[k + 1] == 'i')
                out += std::to_string(index);
            else
                out += id;
            ++k;
        } else {
            out += tmpl[k];
        }
    }
    return out;
}

std::string topic_plan::publisher_id(std::uint32_t i) const {
    return _o.prefix + (_o.mode == bench_mode::run ? "p" : "") + std::to_string(i);
}

std::string topic_plan::subscriber_id(std::uint32_t j) const {
    return _o.prefix + (_o.mode == bench_mode::run ? "s" : "") + std::to_string(j);
}

std::string topic_plan::connection_id(std::uint32_t i) const {
    return _o.prefix + std::to_string(i);
}

std::string topic_plan::publisher_topic(std::uint32_t i) const {
    return expand(_o.topic, i, publisher_id(i));
}

std::vector<std::string> topic_plan::subscriber_filters(std::uint32_t j) const {
    if (!seeded())
        return {expand(_o.sub_topic, j, subscriber_id(j))};
    std::vector<std::string> out;
    for (std::uint32_t m = 0; m < _o.subs_per_conn; ++m)
        out.push_back(_o.topic + "/" +
                      std::to_string((std::uint64_t{j} * _o.subs_per_conn + m) % _topics));
    return out;
}

double topic_plan::mean_fanout(std::uint32_t i) const {
    return seeded() ? _seed_mean : _pub_fanout[i];
}

}  // namespace emqd::bench
