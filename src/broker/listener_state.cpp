#include "broker/listener_state.h"

namespace emqd::broker {

namespace {

/// Takes one unit of `counter` if it stays within `max` (exact under concurrency: a shard
/// that overshoots gives its unit back).
bool take(std::atomic<std::size_t>& counter, std::size_t max) {
    if (counter.fetch_add(1, std::memory_order_relaxed) < max)
        return true;
    counter.fetch_sub(1, std::memory_order_relaxed);
    return false;
}

}  // namespace

listener_state::listener_state(listener_spec s)
    : spec(std::move(s)),
      _access(spec.access),
      _rate(spec.max_conn_rate ? std::make_unique<transport::accept_limiter>(spec.max_conn_rate)
                               : nullptr) {}

listener_state::admission listener_state::admit() {
    if (take(_connections, spec.max_connections))
        return admission::admit;
    if (take(_refusals, k_max_refusals))
        return admission::refuse;
    return admission::drop;
}

void listener_state::release(admission a) {
    if (a == admission::admit)
        _connections.fetch_sub(1, std::memory_order_relaxed);
    else if (a == admission::refuse)
        _refusals.fetch_sub(1, std::memory_order_relaxed);
}

transport::tcp_listener::policy listener_state::policy() {
    return {&_access, _rate.get()};
}

}  // namespace emqd::broker
