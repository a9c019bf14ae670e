#include "broker/shard.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "session/message_queue.h"
#include "transport/tcp_listener.h"

namespace emqd::broker {

namespace asio = boost::asio;

struct shard::loop_state {
    explicit loop_state(asio::io_context& io) : ticker(io), delayed(io), grace(io) {}
    std::vector<std::unique_ptr<transport::tcp_listener>> listeners;
    asio::steady_timer ticker;
    asio::steady_timer delayed;  // fires at _delayed.next_due()
    asio::steady_timer grace;    // bounds a graceful stop
};

shard::shard(std::uint32_t index, broker_context& ctx)
    : _index(index),
      _ctx(ctx),
      _io(std::make_unique<asio::io_context>(1)),
      _loop(std::make_unique<loop_state>(*_io)),
      _guids(ctx.config.node_id, index),
      _session_context(ctx.config.max_mqueue_bytes_total, ctx.config.shards),
      _throttled(*_io, [this](std::uint64_t id, clock::time_point now) {
          if (auto it = _connections.find(id); it != _connections.end())
              it->second->on_throttle_end(now);
      }) {
    if (ctx.store) {
        // Called on the commit thread: the news travels to this shard's loop.
        _writer = ctx.store->make_writer(
            [this](std::uint64_t ticket) {
                asio::post(*_io, [this, ticket] { on_durable(ticket); });
            },
            [this] { asio::post(*_io, [this] { resume_parked(); }); });
        _session_context.store = _writer.get();
    }
}

shard::~shard() {
    // Connections first: their channels point into sessions.
    _retired.clear();
    _connections.clear();
    _sessions.clear();
}

const channel::channel_config& shard::zone() const {
    return _ctx.config.zone;
}
const router::retained_store& shard::retained() const {
    return _ctx.retained;
}
auth::access_control& shard::access() {
    return _ctx.access;
}

void shard::open_listeners() {
    for (auto& l : _ctx.listeners) {
        // The first shard binds the requested port (0 = any); its siblings join that port.
        const std::uint16_t port = l->bound_port ? l->bound_port : l->spec.port;
        auto listener = std::make_unique<transport::tcp_listener>(
            *_io, l->spec.address, port, l->policy(),
            [this, state = l.get()](std::unique_ptr<transport::stream> s) {
                accept(std::move(s), *state);
            });
        l->bound_port = listener->port();
        _loop->listeners.push_back(std::move(listener));
    }
}

void shard::pause_listeners(bool paused) {
    for (auto& l : _loop->listeners)
        paused ? l->pause() : l->resume();
}

void shard::run() {
    for (auto& l : _loop->listeners)
        l->start();
    arm_tick();
    _io->run();
}

// --- connections ----------------------------------------------------------------------

void shard::accept(std::unique_ptr<transport::stream> stream, listener_state& listener) {
    if (_stopping)
        return;
    const auto admitted = listener.admit();
    if (admitted != listener_state::admission::admit)
        note_refusal(listener, *stream);
    if (admitted == listener_state::admission::drop)
        return;  // too many refusals in progress: the stream's destructor closes the socket
    const std::uint64_t id = _next_connection_id++;
    auto c = std::make_unique<connection>(*this, id, std::move(stream), listener, admitted);
    connection& ref = *c;
    _connections.emplace(id, std::move(c));
    ref.start();
}

void shard::note_refusal(const listener_state& listener, const transport::stream& stream) {
    // One line per interval, not per connection: a flood past the limit must not become a
    // flood in the log too.
    constexpr auto interval = std::chrono::seconds(10);
    ++_refusals.count;
    const auto now = clock::now();
    if (now - _refusals.logged_at < interval)
        return;
    spdlog::warn(
        "listener {}: max_connections ({}) reached: {} connection(s) refused since the "
        "last report on this shard (latest from {})",
        listener.spec.name, listener.spec.max_connections, _refusals.count, stream.peer());
    _refusals = {};
    _refusals.logged_at = now;
}

void shard::retire(connection& c) {
    auto it = _connections.find(c.id());
    if (it == _connections.end())
        return;
    // Close now, free later: a handler further down this turn may still hold &c.
    _retired.push_back(std::move(it->second));
    _connections.erase(it);
    schedule_end_of_turn();
}

void shard::schedule_flush(connection& c) {
    _dirty.push_back(&c);
    schedule_end_of_turn();
}

void shard::schedule_read(connection& c) {
    _readers.push_back(&c);
    schedule_end_of_turn();
}

void shard::schedule_end_of_turn() {
    if (_turn_end_scheduled)
        return;
    _turn_end_scheduled = true;
    asio::post(*_io, [this] { end_of_turn(); });
}

void shard::end_of_turn() {
    _turn_end_scheduled = false;
    // Free only what was retired before this point. A connection retired below (its socket
    // failed during a flush or a resumed read) may still be listed in the new _dirty or
    // _readers lists; it stays allocated until the next turn has walked those lists.
    auto retired = std::move(_retired);
    _retired.clear();
    // This turn's writes go to the store before its deliveries leave: whatever another
    // shard writes about them (an acknowledgement deletes a record) comes after.
    if (_writer)
        _writer->flush();
    // Hand every other shard its batch: one lock and at most one wake-up per destination.
    for (std::size_t i = 0; i < _outbox.size(); ++i) {
        if (!_outbox[i].empty())
            _ctx.shards[i]->deliver(std::move(_outbox[i]));
        _outbox[i].clear();
    }
    // Flush gathered output and resume paused reads; both skip finished connections.
    auto dirty = std::move(_dirty);
    _dirty.clear();
    for (connection* c : dirty)
        c->flush();
    auto readers = std::move(_readers);
    _readers.clear();
    for (connection* c : readers)
        if (!c->finished())
            c->resume_reading();
    if (!_dirty.empty() || !_readers.empty() || !_retired.empty())
        schedule_end_of_turn();
    retired.clear();
    if (_stopping)
        check_stopped();
}

// --- routing --------------------------------------------------------------------------

void shard::publish(core::message_ptr msg, clock::time_point now) {
    if (msg->retain) {
        _ctx.retained.put(msg);
        if (_writer) {
            if (msg->payload.empty())
                _writer->erase_retained(msg->topic);
            else
                _writer->put_retained(*msg);
        }
    }
    _routes.clear();
    _ctx.router.match(msg->topic, msg->from_client_id, _routes);
    if (_routes.empty())
        return;
    // One route: one delivery, whose QoS 0 frame nobody shares (channel/frame_cache.h).
    _frames.expect(*msg, _routes.size() == 1);
    // Group by (shard, session) so that a session matched by several of its filters
    // gets one merged delivery.
    std::sort(_routes.begin(), _routes.end(), [](const router::route& a, const router::route& b) {
        return a.subscriber.shard != b.subscriber.shard
                   ? a.subscriber.shard < b.subscriber.shard
                   : a.subscriber.session < b.subscriber.session;
    });
    auto& opts = _matched;
    for (std::size_t i = 0; i < _routes.size();) {
        const auto who = _routes[i].subscriber;
        std::size_t j = i;
        while (j < _routes.size() && _routes[j].subscriber == who)
            ++j;
        const bool local = who.shard == _index;
        // A persistent session: stored before the publisher hears back (PUBACK).
        const std::uint64_t store_id = _routes[i].options.store_id;
        const bool persistent = store_id != 0 && msg->qos > 0 && _writer;
        if (local || persistent) {
            opts.clear();
            for (std::size_t k = i; k < j; ++k)
                opts.push_back(_routes[k].options);
        }
        if (persistent && session::session::stored(*msg, opts)) {
            if (_ctx.store->full()) {
                note_storage_full(now);  // storage.max_size: dropped, not stored
                i = j;
                continue;
            }
            _writer->put_delivery(store_id, *msg, opts);
        }
        if (local) {
            deliver_local(msg, who.session, opts, now);
        } else {
            for (std::size_t k = i; k < j; ++k)
                send_to_shard(who.shard, delivery_item{msg, who.session, _routes[k].options});
        }
        i = j;
    }
}

// --- delayed publish --------------------------------------------------------------------

bool shard::publish_delayed(core::message_ptr msg, std::uint32_t seconds) {
    // Broker-wide counters, each touched once per delayed message (not per delivery). A
    // message is sized as a session queue sizes it (zone.max_mqueue_bytes).
    const std::size_t limit = _ctx.config.max_delayed_messages;
    if (_ctx.delayed_messages.fetch_add(1, std::memory_order_relaxed) >= limit && limit != 0) {
        _ctx.delayed_messages.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    const std::uint64_t byte_limit = _ctx.config.max_delayed_bytes;
    const std::size_t bytes = session::detail::queued_size(*msg);
    if (_ctx.delayed_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes > byte_limit &&
        byte_limit != 0) {
        _ctx.delayed_bytes.fetch_sub(bytes, std::memory_order_relaxed);
        _ctx.delayed_messages.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    const auto due = clock::now() + std::chrono::seconds(seconds);
    const auto next = _delayed.next_due();
    _delayed.push(std::move(msg), due, bytes);
    if (!next || due < *next)
        arm_delayed(due);
    return true;
}

void shard::arm_delayed(clock::time_point due) {
    _loop->delayed.expires_at(due);  // cancels a wait for a later time
    _loop->delayed.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            release_delayed();
    });
}

void shard::release_delayed() {
    std::vector<core::message_ptr> due;
    const std::uint64_t held = _delayed.bytes();
    const auto now = clock::now();
    _delayed.pop_due(now, due);
    _ctx.delayed_messages.fetch_sub(due.size(), std::memory_order_relaxed);
    _ctx.delayed_bytes.fetch_sub(held - _delayed.bytes(), std::memory_order_relaxed);
    for (core::message_ptr& m : due)
        publish(std::move(m), now);
    if (const auto next = _delayed.next_due())
        arm_delayed(*next);
}

// --- cross-shard delivery ---------------------------------------------------------------

void shard::send_to_shard(std::uint32_t to, delivery_item&& item) {
    if (to >= _ctx.shards.size())
        return;
    if (_outbox.size() < _ctx.shards.size())
        _outbox.resize(_ctx.shards.size());
    _outbox[to].push_back(std::move(item));
    schedule_end_of_turn();
}

bool shard::redispatch(const core::message_ptr& msg, std::uint64_t group,
                       router::subscriber_id from, bool any_member, clock::time_point now) {
    const auto to =
        _ctx.router.pick_other(group, msg->topic, msg->from_client_id, from, any_member);
    if (!to)
        return false;
    if (to->subscriber.shard == _index)
        deliver_local(msg, to->subscriber.session, {&to->options, 1}, now);
    else
        send_to_shard(to->subscriber.shard,
                      delivery_item{msg, to->subscriber.session, to->options});
    return true;
}

void shard::hand_off_shared(session::session& s, bool ending, clock::time_point now) {
    s.hand_off_shared([&](const core::message_ptr& msg, std::uint64_t group) {
        return redispatch(msg, group, s.id(), ending, now);
    });
}

void shard::deliver_items(std::span<const delivery_item> items, clock::time_point now) {
    // A session matched by several filters has adjacent items for one message: merge them.
    auto& opts = _matched;
    for (std::size_t i = 0; i < items.size();) {
        std::size_t j = i;
        opts.clear();
        while (j < items.size() && items[j].session == items[i].session &&
               items[j].msg == items[i].msg) {
            opts.push_back(items[j].options);
            ++j;
        }
        // Another session's items for this message are adjacent (publish() queued them in
        // one run); at either end of the span it cannot tell, so it assumes there are.
        _frames.expect(*items[i].msg, i > 0 && items[i - 1].msg != items[i].msg &&
                                          j < items.size() && items[j].msg != items[i].msg);
        deliver_local(items[i].msg, items[i].session, opts, now);
        i = j;
    }
}

// --- time -----------------------------------------------------------------------------

void shard::arm_tick() {
    _loop->ticker.expires_after(std::chrono::seconds(1));
    _loop->ticker.async_wait([this](boost::system::error_code ec) {
        if (ec)
            return;
        note_lag(clock::now() - _loop->ticker.expiry());
        tick();
        arm_tick();
    });
}

void shard::tick() {
    const auto now = clock::now();
    // on_tick may close (and retire) a connection: don't iterate the map while it changes.
    std::vector<connection*> live;
    live.reserve(_connections.size());
    for (auto& [id, c] : _connections)
        live.push_back(c.get());
    for (connection* c : live)
        if (!c->finished())
            c->on_tick(now);
    expire_sessions(now);
    // What nothing else flushed (acknowledgements, expiries on an idle shard) goes now.
    if (_writer)
        _writer->flush();
    resume_parked();  // normally woken at once (shard_flow.cpp); this is the safety net
    _guids.resync();
    _outbound.trim();
    if (_index == 0)
        sample_overload(now);
    rebalance_queue_budget();
    // Expired retained messages are skipped on match but only freed here: once a minute,
    // by one shard. Expired bans and flapping windows likewise, every second (cheap when
    // nothing is due).
    if (_index == 0) {
        _ctx.access.purge(now);
        if (++_ticks % 60 == 0)
            _ctx.retained.purge_expired(now, [this](std::string_view topic) {
                // Handed over at once, under the retained store's lock: a new retained
                // message for the topic, put after the lock, reaches the store after this.
                if (_writer) {
                    _writer->erase_retained(topic);
                    _writer->flush();
                }
            });
    }
}

void shard::rebalance_queue_budget() {
    session::queue_budget& budget = _session_context.budget;
    _queued_bytes.store(budget.used(), std::memory_order_relaxed);
    const std::uint64_t total = _ctx.config.max_mqueue_bytes_total;
    if (total == 0)
        return;
    // The other shards' numbers are up to a tick old: see session/queue_budget.h.
    std::uint64_t all = 0;
    for (const auto& s : _ctx.shards)
        all += s->queued_bytes();
    budget.rebalance(total, all, _ctx.shards.size());
}

// --- stop -----------------------------------------------------------------------------

void shard::stop() {
    asio::post(*_io, [this] {
        if (_stopping)
            return;
        _stopping = true;
        for (auto& l : _loop->listeners)
            l->stop();
        _loop->ticker.cancel();
        _loop->delayed.cancel();
        if (!_delayed.empty()) {
            spdlog::info("shard {}: {} delayed messages dropped at shutdown", _index,
                         _delayed.size());
            _ctx.delayed_messages.fetch_sub(_delayed.size(), std::memory_order_relaxed);
            _ctx.delayed_bytes.fetch_sub(_delayed.bytes(), std::memory_order_relaxed);
            _delayed.clear();
        }
        const auto now = clock::now();
        std::vector<connection*> all;
        for (auto& [id, c] : _connections)
            all.push_back(c.get());
        for (connection* c : all)
            if (!c->finished())
                c->chan().kick(core::reason_code::server_shutting_down, now);
        // Sessions end with the process (nothing is stored yet): delayed wills are due now.
        for (auto& [id, e] : _sessions)
            if (e.session)
                publish_will(*e.session);
        _loop->grace.expires_after(std::chrono::seconds(3));
        _loop->grace.async_wait([this](boost::system::error_code ec) {
            if (!ec)
                _io->stop();
        });
        schedule_end_of_turn();
    });
}

void shard::check_stopped() {
    if (_connections.empty() && _retired.empty()) {
        _loop->grace.cancel();
        _io->stop();
    }
}

}  // namespace emqd::broker
