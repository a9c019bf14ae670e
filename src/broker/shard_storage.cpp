// A shard and the store (design.md "Storage", session/session_store.h): acknowledgements
// held until their writes are durable, sessions read back after a restart, and closing.
//
// Durability. Every write of the shard goes through its writer and gets a ticket; the
// writer's buffer goes to the commit thread at the end of each turn (end_of_turn), and the
// commit thread reports the highest ticket it made durable, posted back here (on_durable).
// A channel whose acknowledgement depends on writes (a PUBACK or PUBREC for a message stored
// for a persistent session or retained, a PUBCOMP after its awaiting-PUBREL id was erased)
// holds it and registers the ticket: on_durable calls it back once the ticket is durable,
// and it sends what it held, in order. Tickets only grow, so the waiters stay in ticket
// order and on_durable pops from the front.
//
// THREADING: everything here runs on the shard's thread, except restore_session and
// close_storage, which run while the thread is not running (before start, after stop).

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "broker/shard.h"
#include "storage/shard_writer.h"
#include "storage/store.h"

namespace emqd::broker {

namespace asio = boost::asio;

std::uint64_t shard::storage_ticket() const {
    return _writer ? _writer->ticket() : 0;
}

void shard::notify_when_durable(connection& c, std::uint64_t ticket) {
    _durable_waiters.emplace_back(ticket, c.id());
    if (ticket <= _durable)  // already durable: answer on the next turn, not from within
        asio::post(*_io, [this] { on_durable(_durable); });
    else
        schedule_end_of_turn();  // which hands the writes over
}

void shard::on_durable(std::uint64_t ticket) {
    _durable = std::max(_durable, ticket);
    while (!_durable_waiters.empty() && _durable_waiters.front().first <= _durable) {
        const std::uint64_t id = _durable_waiters.front().second;
        _durable_waiters.pop_front();
        if (auto it = _connections.find(id); it != _connections.end() && !it->second->finished())
            it->second->chan().durable(_durable);
    }
}

void shard::note_storage_full(clock::time_point now) {
    ++_storage_full.count;
    if (now - _storage_full.logged_at < std::chrono::seconds(10))
        return;
    spdlog::warn(
        "storage: full (storage.max_size): {} message(s) for persistent sessions "
        "dropped",
        _storage_full.count);
    _storage_full = {0, now};
}

void shard::restore_session(storage::recovered_session&& r, clock::time_point now) {
    const std::uint64_t id = _ctx.next_session_id.fetch_add(1, std::memory_order_relaxed);
    const core::shared_string client_id(r.session.client_id);
    auto s =
        std::make_unique<session::session>(_ctx.config.zone.session, client_id, _ctx.router,
                                           router::subscriber_id{_index, id}, &_session_context);
    s->set_store_id(r.session.store_id);
    s->set_expiry_interval(r.session.expiry_interval);
    for (const auto& [filter, opts] : r.session.subscriptions)
        s->subscribe(filter, opts);
    // Detached since it went, or, if a connection was attached when the broker stopped,
    // since now: its expiry counts from there.
    auto detached_at = now;
    if (r.session.disconnected_at) {
        const auto ago = std::chrono::system_clock::now() - *r.session.disconnected_at;
        if (ago > std::chrono::system_clock::duration::zero())
            detached_at = now - std::chrono::duration_cast<clock::duration>(ago);
    }
    if (r.session.will)
        s->will() = std::make_unique<session::session::pending_will>(session::session::pending_will{
            r.session.will, now + std::chrono::seconds(r.session.will_delay)});
    s->detach(detached_at);  // writes the record as it now stands
    for (storage::recovered_delivery& d : r.deliveries)
        s->restore(d.msg, d.matched, d.packet_id, d.progress, now);
    for (std::uint16_t packet_id : r.awaiting_rel)
        (void)s->awaiting_rel_insert(packet_id, now);
    _ctx.registry.exchange(client_id, {_index, id});
    _sessions[id].session = std::move(s);
}

void shard::close_storage() {
    if (!_writer)
        return;
    _writer->flush();
    _session_context.store = nullptr;
    _writer.reset();
}

}  // namespace emqd::broker
