#pragma once
// sequence_tracker: what one subscriber has seen of each publisher's sequence numbers, to
// count out-of-order deliveries and gaps per (subscriber, publisher).
//
// Design note. 19,000 subscribers times 19,000 publishers cannot have a dense table, and
// most pairs never exchange a message, so each subscriber keeps only the publishers it has
// heard from: an open-addressing table of 8-byte slots (publisher index + 1, next expected
// sequence number modulo 2^32), linear probing, at most half full, grown by doubling.
// Sequence numbers are compared with serial-number arithmetic on 32 bits, which is exact
// while a pair is less than 2^31 messages apart. Nothing is allocated before the first
// message or once the table has room for every publisher heard.
//
// Thread safety: none; owned by the subscriber's thread.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace emqd::bench {

class sequence_tracker {
public:
    struct outcome {
        bool out_of_order = false;  // seq at or below one already seen (also a duplicate)
        std::uint64_t skipped = 0;  // sequence numbers jumped over (lost, or not for us)
    };
    outcome observe(std::uint32_t publisher, std::uint64_t seq);
    std::size_t publishers() const { return _size; }

private:
    struct slot {
        std::uint32_t key = 0;  // publisher + 1; 0 = empty
        std::uint32_t next = 0;
    };
    void grow();

    std::vector<slot> _slots;
    std::size_t _size = 0;
};

}  // namespace emqd::bench
