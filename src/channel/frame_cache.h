#pragma once
// QoS 0 fan-out reuses one serialized frame (design.md "Threading and the hot path").
//
// A QoS 0 PUBLISH carries no per-subscriber field (no packet id, no DUP), so every
// subscriber of one protocol family (3.1/3.1.1 share one encoding; 5.0 has its own) that gets
// the same retain flag and no subscription identifier receives the same bytes. The shard
// delivers a message to all its local subscribers in one run, so remembering the last frame
// per (family, retain) catches the whole run: the first subscriber encodes the frame into a
// slot here, and every subscriber, the first included, copies it into its own output.
//
// Key: the message's address and guid (the guid rules out a new message at a reused
// address) plus the remaining Message Expiry forwarded in the frame and how many leading
// bytes of the topic a mountpoint strips (clients with mountpoints of one length see the
// same topic: the mountpoint is a prefix of every topic they are sent).
//
// Only small frames are cached (delivery.cpp): copying the cached bytes into each output
// costs less than an allocation and a by-reference write piece per message and subscriber;
// a large payload is written by reference instead. The slots' buffers are reused, so a
// cache hit or miss allocates nothing once they have grown.
//
// One subscriber: a message the shard delivers to a single subscriber (fan-in, the common
// shape) has nobody to share its frame with, and the slot would only add a copy. The shard
// says so before delivering (expect()); the channel then encodes straight into its output
// (single()). Without that word (a message the shard did not announce: retained, queued,
// handed to another shared-subscription member) the frame is cached as above, so one
// message run is still encoded once per family whatever the fan-out.
//
// THREADING WARNING: one cache per shard; used only on that shard's thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/message.h"

namespace emqd::channel {

class frame_cache {
public:
    struct key {
        const core::message* msg = nullptr;
        core::guid id;
        bool v5 = false;
        bool retain = false;
        std::optional<std::uint32_t> expiry;
        std::size_t topic_offset = 0;  // bytes of the message's topic not sent (mountpoint)
        friend bool operator==(const key&, const key&) = default;
    };

    /// The cached frame for `k`, or an empty view. Valid until the next store().
    std::string_view find(const key& k) const {
        const slot& s = _slots[index(k)];
        return s.valid && s.k == k ? std::string_view(s.bytes) : std::string_view();
    }
    /// Encodes the frame for `k` with `encode(std::string&)` into its slot, replacing what
    /// the slot held; returns the bytes (valid until the next store()).
    template <class Encode>
    std::string_view store(const key& k, Encode&& encode) {
        slot& s = _slots[index(k)];
        s.bytes.clear();
        encode(s.bytes);
        s.k = k;
        s.valid = true;
        ++_encodes;
        return s.bytes;
    }
    /// Frames encoded so far (misses): with N subscribers of one family, 1 per message.
    std::uint64_t encodes() const { return _encodes; }

    /// The shard's word before it delivers `msg` to its local subscribers: to a single one
    /// (`single`), or maybe to more. Holds until the next expect().
    void expect(const core::message& msg, bool single) {
        _single = single ? &msg : nullptr;
        _single_id = msg.id;
    }
    /// True if `msg` was announced as going to a single subscriber: not worth caching.
    bool single(const core::message& msg) const { return _single == &msg && _single_id == msg.id; }

private:
    struct slot {
        key k;
        bool valid = false;
        std::string bytes;
    };
    static std::size_t index(const key& k) { return (k.v5 ? 2 : 0) + (k.retain ? 1 : 0); }
    slot _slots[4];
    std::uint64_t _encodes = 0;
    const core::message* _single = nullptr;  // with _single_id: see expect()
    core::guid _single_id;
};

}  // namespace emqd::channel
