#include "broker/broker.h"

#include <spdlog/spdlog.h>

#include "broker/broker_context.h"
#include "broker/shard.h"

namespace emqd::broker {

broker::broker(broker_config cfg) : _ctx(std::make_unique<broker_context>(std::move(cfg))) {
    if (_ctx->config.shards == 0)
        _ctx->config.shards = 1;
    for (const auto& spec : _ctx->config.listeners) {
        auto l = std::make_unique<listener_state>();
        l->spec = spec;
        _ctx->listeners.push_back(std::move(l));
    }
    for (unsigned i = 0; i < _ctx->config.shards; ++i)
        _ctx->shards.push_back(std::make_unique<shard>(i, *_ctx));
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
}

std::vector<std::uint16_t> broker::listener_ports() const {
    std::vector<std::uint16_t> ports;
    for (auto& l : _ctx->listeners)
        ports.push_back(l->bound_port);
    return ports;
}

}  // namespace emqd::broker
