// Per-connection inbound rate limits on a shard (zone rate_limit.conn_bytes_in and
// conn_messages_in). A connection over its limit stops reading (connection.cpp) and asks to
// be woken when its limiter allows again; every such wake-up of the shard goes through one
// throttle_list, so idle connections carry no timer and a throttled connection costs the
// others nothing: it simply is not read until then.
//
// THREADING: runs on this shard's thread.

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "broker/shard.h"

namespace emqd::broker {

std::unique_ptr<transport::rate_limiter> shard::make_rate_limiter(std::size_t read_size,
                                                                  clock::time_point now) const {
    return transport::rate_limiter::make(_ctx.config.conn_bytes_in, _ctx.config.conn_messages_in,
                                         read_size, now);
}

void shard::throttle(connection& c, clock::time_point when) {
    _throttled.add(c.id(), when);
}

}  // namespace emqd::broker
