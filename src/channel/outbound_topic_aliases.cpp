// Outbound topic alias table with least-recently-used reuse (see the header's design note).

#include "channel/outbound_topic_aliases.h"

#include <cassert>

namespace emqd::channel {

outbound_topic_aliases::outbound_topic_aliases(std::uint16_t maximum) : _maximum(maximum) {
    _entries.emplace_back();  // the list head; an empty circular list points at itself
}

outbound_topic_aliases::choice outbound_topic_aliases::choose(std::string_view topic) const {
    if (_maximum == 0)
        return {};
    if (auto it = _by_topic.find(topic); it != _by_topic.end())
        return {it->second, true};
    if (_by_topic.size() < _maximum)
        return {static_cast<std::uint16_t>(_by_topic.size() + 1), false};
    return {_entries[0].prev, false};  // every alias in use: recycle the least recently used
}

void outbound_topic_aliases::commit(const choice& c, std::string_view topic) {
    if (c.alias == 0)
        return;
    if (c.known) {
        unlink(c.alias);
        push_front(c.alias);
        return;
    }
    if (c.alias == _entries.size()) {  // a fresh alias
        _entries.emplace_back();
    } else {  // recycled: the client now forgets its old topic
        assert(c.alias < _entries.size());
        _by_topic.erase(*_entries[c.alias].topic);
        unlink(c.alias);
    }
    auto [it, inserted] = _by_topic.emplace(std::string(topic), c.alias);
    assert(inserted);
    (void)inserted;
    _entries[c.alias].topic = &it->first;
    push_front(c.alias);
}

void outbound_topic_aliases::unlink(std::uint16_t alias) {
    entry& e = _entries[alias];
    _entries[e.prev].next = e.next;
    _entries[e.next].prev = e.prev;
}

void outbound_topic_aliases::push_front(std::uint16_t alias) {
    entry& head = _entries[0];
    entry& e = _entries[alias];
    e.prev = 0;
    e.next = head.next;
    _entries[head.next].prev = alias;
    head.next = alias;
}

}  // namespace emqd::channel
