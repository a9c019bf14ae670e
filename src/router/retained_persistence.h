#pragma once
// Where retained messages are made durable (design.md "Storage"): the router declares it,
// src/storage implements it on RocksDB, and the broker calls it next to retained_store::put
// and erase, on the publishing shard's writer (session_store.h explains the writers).
//
// Every retained message is stored, whatever its QoS: a retained message is the last known
// state of its topic, and users expect it back after a restart. Its Message Expiry counts
// on across the restart; an expired one is deleted from the store when the broker purges it
// from memory (retained_store::purge_expired, every minute) or at the next start.
//
// THREADING WARNING: one writer per shard, used only on that shard's thread.

#include <string_view>

#include "core/message.h"

namespace emqd::router {

class retained_persistence {
public:
    virtual ~retained_persistence() = default;
    /// Stores `msg` (non-empty payload) as its topic's retained message.
    virtual void put_retained(const core::message& msg) = 0;
    /// Deletes the topic's retained message (an empty retained PUBLISH, or expiry).
    virtual void erase_retained(std::string_view topic) = 0;
};

}  // namespace emqd::router
