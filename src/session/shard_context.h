#pragma once
// What the shard owning a session lends it: the shard's queue budget and its storage writer.
// A session holds one pointer to it and gets another shard's when it moves (takeover), so
// its queued bytes are charged, and its records written, where it lives.
//
// THREADING WARNING: owned by one shard, touched only on its thread.

#include <cstdint>

#include "session/queue_budget.h"
#include "session/session_store.h"

namespace emqd::session {

struct shard_context {
    /// `total` bytes for the broker (0 = unbounded) shared by `shards` shards (queue_budget).
    shard_context(std::uint64_t total, std::uint64_t shards) : budget(total, shards) {}

    queue_budget budget;
    /// The shard's storage writer; null when the broker runs without storage (tests).
    session_store* store = nullptr;
};

}  // namespace emqd::session
