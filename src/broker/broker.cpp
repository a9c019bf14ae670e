#include "broker/broker.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "broker/broker_context.h"
#include "broker/shard.h"

namespace emqd::broker {

broker::broker(broker_config cfg) : _ctx(std::make_unique<broker_context>(std::move(cfg))) {
    if (_ctx->config.shards == 0)
        _ctx->config.shards = 1;
    for (const auto& spec : _ctx->config.listeners)
        _ctx->listeners.push_back(std::make_unique<listener_state>(spec));
    if (_ctx->config.storage)
        _ctx->store = storage::store::open(*_ctx->config.storage, std::chrono::system_clock::now());
    for (unsigned i = 0; i < _ctx->config.shards; ++i)
        _ctx->shards.push_back(std::make_unique<shard>(i, *_ctx));
    if (_ctx->store) {
        restore(_ctx->store->take_recovered());
        _ctx->store->start();
    }
}

void broker::restore(storage::recovered_state&& state) {
    // Before any shard thread runs: the shards' tables are touched from this thread only.
    const auto now = std::chrono::steady_clock::now();
    for (const core::message_ptr& m : state.retained)
        _ctx->retained.put(m);
    std::size_t deliveries = 0;
    for (std::size_t i = 0; i < state.sessions.size(); ++i) {
        deliveries += state.sessions[i].deliveries.size();
        _ctx->shards[i % _ctx->shards.size()]->restore_session(std::move(state.sessions[i]), now);
    }
    spdlog::info("storage: restored {} session(s) with {} message(s), {} retained message(s)",
                 state.sessions.size(), deliveries, state.retained.size());
}

broker::~broker() {
    stop();
    // Shards hold sessions that unsubscribe from the router: free them before the router.
    if (_ctx)
        _ctx->shards.clear();
}

void broker::start() {
    for (auto& s : _ctx->shards)
        s->open_listeners();
    for (auto& l : _ctx->listeners)
        spdlog::info("listener {} on {}:{}", l->spec.name, l->spec.address, l->bound_port);
    for (auto& s : _ctx->shards)
        _threads.emplace_back([sh = s.get()] { sh->run(); });
    spdlog::info("emqd started with {} shard(s)", _ctx->shards.size());
    if (_ctx->config.overload.enable)
        spdlog::info("overload protection: memory watermark {}MB, loop lag watermark {}ms",
                     _ctx->overload.mem_high_watermark() >> 20,
                     _ctx->config.overload.loop_lag_high_watermark.count());
}

void broker::stop() {
    if (_stopped)
        return;
    _stopped = true;
    for (auto& s : _ctx->shards)
        s->stop();
    for (auto& t : _threads)
        if (t.joinable())
            t.join();
    _threads.clear();
    // Everything the shards wrote reaches the disk before the store closes.
    for (auto& s : _ctx->shards)
        s->close_storage();
    _ctx->store.reset();
}

std::vector<std::uint16_t> broker::listener_ports() const {
    std::vector<std::uint16_t> ports;
    for (auto& l : _ctx->listeners)
        ports.push_back(l->bound_port);
    return ports;
}

}  // namespace emqd::broker
