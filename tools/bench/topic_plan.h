#pragma once
// topic_plan: who publishes where and who subscribes to what, and so how many copies of
// each message the subscribers of this process should receive (the "expected" count).
//
// Two shapes:
//   template  publisher i publishes every message to expand(-t, i); subscriber j subscribes
//             to expand(--sub-topic, j). %i is the index within the role, %c the client id.
//             Fan-out per publisher is counted once at start: exact filters by hash lookup,
//             wildcard filters by the reference matcher, a shared subscription ($share/g/f,
//             $queue/f) once per group.
//   seed      (--topics N --subs-per-conn S) each message goes to "<-t>/<k>" for a random k
//             < N; subscriber j subscribes to "<-t>/<(j*S + m) mod N>" for m < S, so the
//             fan-out of topic k is a count known exactly in advance.
//
// Client ids: "<prefix><i>" in conn, pub and sub modes; "<prefix>p<i>" for publishers and
// "<prefix>s<j>" for subscribers in run mode, so one process never uses an id twice.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench_options.h"

namespace emqd::bench {

class topic_plan {
public:
    /// Throws std::invalid_argument for a template the seed shape cannot use (%i, %c).
    explicit topic_plan(const bench_options& o);

    std::string publisher_id(std::uint32_t i) const;
    std::string subscriber_id(std::uint32_t j) const;
    std::string connection_id(std::uint32_t i) const;  // conn mode

    bool seeded() const { return _topics > 0; }
    std::uint32_t topic_count() const { return _topics; }
    /// Template shape: publisher i's topic. Seed shape: the prefix, "/<k>" follows.
    std::string publisher_topic(std::uint32_t i) const;
    std::vector<std::string> subscriber_filters(std::uint32_t j) const;

    /// Copies of each message of publisher i that this process's subscribers should get
    /// (template shape; 0 when this process has no subscribers).
    std::uint32_t publisher_fanout(std::uint32_t i) const { return _pub_fanout[i]; }
    /// Copies of a message to topic k (seed shape).
    std::uint32_t topic_fanout(std::uint32_t k) const { return _topic_fanout[k]; }
    /// Mean copies per message of publisher i: the window's unit (see worker.h).
    double mean_fanout(std::uint32_t i) const;

private:
    static std::string expand(std::string_view tmpl, std::uint32_t index, std::string_view id);

    const bench_options& _o;
    std::uint32_t _topics;
    std::vector<std::uint32_t> _pub_fanout;    // template shape, per publisher
    std::vector<std::uint32_t> _topic_fanout;  // seed shape, per topic
    double _seed_mean = 0;
};

}  // namespace emqd::bench
