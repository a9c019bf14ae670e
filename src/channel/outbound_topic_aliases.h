#pragma once
// Server-to-client Topic Aliases (MQTT 5, spec 3.3.2.3.4): the broker names each topic it
// sends with a number from 1 to the client's Topic Alias Maximum, so that a repeated topic
// costs two bytes instead of the whole name.
//
//   first PUBLISH of a topic      topic "a/b" + Topic Alias n    (client learns n -> a/b)
//   later PUBLISHes of it         topic ""    + Topic Alias n
//
// When all aliases are in use, a new topic takes the alias used least recently: its PUBLISH
// carries the new topic with that alias, which redefines it on the client (the spec lets a
// sender change a mapping at any time). A topic that keeps coming back therefore keeps its
// alias, and a passing one costs only the three bytes of the property.
//
// Two steps, so that the table only ever holds what the client was told: choose() says what
// to put in the packet; commit() records it once the packet was actually written (it may be
// dropped, e.g. over the client's Maximum Packet Size). The mapping belongs to one network
// connection and is never kept in the session (spec: aliases end with the connection); a
// resend (DUP) after a reconnect is a new PUBLISH on a new table, so it gets its topic again.
//
// Data structure: a hash map topic -> alias for the lookup, and an array indexed by alias
// holding a doubly linked recency list (entry 0 is the list head: head.next is the most
// recently used alias, head.prev the least). Aliases are handed out 1, 2, 3, ... until
// `maximum`, then recycled from the tail. Every operation is O(1); memory is bounded by
// `maximum` topics.
//
// Thread safety: none; owned by one channel on its shard.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace emqd::channel {

class outbound_topic_aliases {
public:
    /// `maximum` = the client's Topic Alias Maximum (capped by the server); 0 = no aliases.
    explicit outbound_topic_aliases(std::uint16_t maximum = 0);

    std::uint16_t maximum() const { return _maximum; }
    /// Aliases in use (at most maximum()).
    std::size_t size() const { return _by_topic.size(); }

    struct choice {
        std::uint16_t alias = 0;  // 0: send without an alias
        bool known = false;       // the client already maps `alias` to the topic: empty topic
    };
    /// What to send for `topic`. Changes nothing.
    choice choose(std::string_view topic) const;
    /// The PUBLISH built from `c` (returned by choose(topic) just before) was written: the
    /// alias now means `topic` and becomes the most recently used.
    void commit(const choice& c, std::string_view topic);

private:
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    struct entry {
        const std::string* topic = nullptr;  // key in _by_topic (node-based: stable)
        std::uint16_t prev = 0;
        std::uint16_t next = 0;
    };

    void unlink(std::uint16_t alias);
    void push_front(std::uint16_t alias);

    std::uint16_t _maximum;
    std::unordered_map<std::string, std::uint16_t, string_hash, std::equal_to<>> _by_topic;
    std::vector<entry> _entries;  // [0] = list head, [n] = alias n; grows up to maximum + 1
};

}  // namespace emqd::channel
