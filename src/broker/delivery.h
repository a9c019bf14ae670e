#pragma once
// A message on its way to one subscription of a session on another shard. A publish that
// matches several subscriptions of one session produces adjacent items for it; the owning
// shard merges them into one delivery.

#include <cstdint>

#include "core/message.h"
#include "router/subscriber.h"

namespace emqd::broker {

struct delivery_item {
    core::message_ptr msg;
    std::uint64_t session = 0;
    router::subscription_options options;
};

}  // namespace emqd::broker
