#include "sequence_tracker.h"

namespace emqd::bench {

sequence_tracker::outcome sequence_tracker::observe(std::uint32_t publisher, std::uint64_t seq) {
    if ((_size + 1) * 2 > _slots.size())
        grow();
    const std::uint32_t key = publisher + 1;
    const std::size_t mask = _slots.size() - 1;
    std::size_t i = (key * std::size_t{0x9E3779B1u}) & mask;
    while (_slots[i].key != 0 && _slots[i].key != key)
        i = (i + 1) & mask;
    slot& s = _slots[i];
    const auto seq32 = static_cast<std::uint32_t>(seq);
    if (s.key == 0) {
        s.key = key;
        ++_size;
        s.next = seq32 + 1;
        return {false, seq32};
    }
    const auto d = static_cast<std::int32_t>(seq32 - s.next);
    if (d < 0)
        return {true, 0};
    s.next = seq32 + 1;
    return {false, static_cast<std::uint64_t>(d)};
}

void sequence_tracker::grow() {
    std::vector<slot> old = std::move(_slots);
    _slots.assign(old.empty() ? 8 : old.size() * 2, slot{});
    const std::size_t mask = _slots.size() - 1;
    for (const slot& s : old) {
        if (s.key == 0)
            continue;
        std::size_t i = (s.key * std::size_t{0x9E3779B1u}) & mask;
        while (_slots[i].key != 0)
            i = (i + 1) & mask;
        _slots[i] = s;
    }
}

}  // namespace emqd::bench
