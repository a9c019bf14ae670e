// Session ownership on a shard: opening a session for a CONNECT, taking one over from
// another connection (possibly on another shard), discarding and expiring sessions.
//
// Takeover protocol. The client registry names the newest owner of each client id. A
// CONNECT on shard B claims the id at once (registry.exchange) and creates a *pending*
// entry for its new session id; then it asks the previous owner's shard A to surrender:
//
//   B: open_session -- claim id, pending entry ------------------> A: surrender_session
//                                                                   kick the old connection
//                                                                   rebind subscriptions to B
//                                                                   forward stragglers to B
//   B: adopt_session <-- the session (or nothing: clean start) --   (post)
//      grant the CONNECT, replay what arrived while pending
//
// Nothing routed to the client in between is lost: the router points at B's id as soon as
// A has surrendered; deliveries that reach B before the session does are held in the
// pending entry, and deliveries that still reach A under the old id are forwarded for a
// while. If a third connection claims the id while B is still pending, the claim is
// recorded in B's entry and served when B's session arrives: the newest CONNECT wins and
// B's connection is closed as taken over.
//
// THREADING: every function here runs on this shard's thread; cross-shard steps are posts.

#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "broker/shard.h"

namespace emqd::broker {

namespace asio = boost::asio;

namespace {
// How long deliveries addressed to a surrendered session id are forwarded to its new
// owner: long enough for every batch already queued anywhere to drain.
constexpr auto forward_lifetime = std::chrono::seconds(30);
}  // namespace

std::string shard::assign_client_id() {
    return "emqd-" + _guids.next().to_string();
}

void shard::open_session(connection& c, const channel::session_request& req,
                         std::function<void(channel::session_grant)> done) {
    const std::uint64_t new_id = _ctx.next_session_id.fetch_add(1, std::memory_order_relaxed);
    const auto prev = _ctx.registry.exchange(req.client_id, {_index, new_id});
    _sessions[new_id].pending = std::make_unique<pending_session>();
    const std::uint64_t conn_id = c.id();
    if (!prev) {
        adopt_session(conn_id, new_id, nullptr, req, done);
        return;
    }
    handoff h;
    h.to = {_index, new_id};
    h.discard = req.clean_start;
    h.send = [this, conn_id, new_id, req, done](std::unique_ptr<session::session> s) {
        // Runs on the surrendering shard: carry the session's ownership back here.
        asio::post(*_io, [this, conn_id, new_id, req, done, s = std::move(s)]() mutable {
            adopt_session(conn_id, new_id, std::move(s), req, done);
        });
    };
    shard& owner = *_ctx.shards.at(prev->shard);
    asio::post(owner.io(), [&owner, old_id = prev->session, h = std::move(h)]() mutable {
        owner.surrender_session(old_id, std::move(h));
    });
}

void shard::surrender_session(std::uint64_t id, handoff h) {
    auto it = _sessions.find(id);
    if (it == _sessions.end()) {
        h.send(nullptr);  // ended meanwhile: the new connection starts afresh
        return;
    }
    if (it->second.pending) {
        // This session is itself still on its way here: serve the newer claim when it
        // arrives (adopt_session). The registry names one owner, so one claim at most.
        it->second.pending->claim = std::move(h);
        return;
    }
    hand_over(it, std::move(h));
}

void shard::hand_over(std::unordered_map<std::uint64_t, session_entry>::iterator it, handoff h) {
    const std::uint64_t old_id = it->first;
    session_entry& e = it->second;
    e.surrendering = true;  // the kick below must not discard it (session_closed)
    if (e.conn)
        e.conn->chan().kick(core::reason_code::session_taken_over, clock::now());
    auto s = std::move(e.session);
    _sessions.erase(it);
    if (!s) {
        h.send(nullptr);
        return;
    }
    if (h.discard || s->expiry_interval() == 0) {
        // Clean start, or a session that was to end with its connection: it ends here and
        // is not reused (spec 3.1.2.4).
        hand_off_shared(*s, /*ending=*/true, clock::now());
        publish_will(*s);
        forget_stored(*s);
        s.reset();
        h.send(nullptr);
        return;
    }
    // From now on the router delivers to the new owner; what is already on its way to the
    // old id is forwarded (deliver_local). Its queued bytes leave this shard's budget here,
    // on this thread, and join the new owner's in adopt_session.
    s->rebind(h.to);
    s->set_shard(nullptr);
    _forwards[old_id] = forward{h.to, clock::now() + forward_lifetime};
    // What this shard wrote about the session reaches the store before anything its new
    // shard writes (session_store.h).
    if (_writer)
        _writer->flush();
    h.send(std::move(s));
}

void shard::adopt_session(std::uint64_t conn_id, std::uint64_t new_id,
                          std::unique_ptr<session::session> s, const channel::session_request& req,
                          const std::function<void(channel::session_grant)>& done) {
    auto eit = _sessions.find(new_id);
    if (eit == _sessions.end())
        return;  // cannot happen: the pending entry lives until here
    const auto now = clock::now();
    const bool present = s != nullptr;
    if (s) {
        s->set_shard(&_session_context);
    } else {
        s = std::make_unique<session::session>(_ctx.config.zone.session, req.client_id, _ctx.router,
                                               router::subscriber_id{_index, new_id},
                                               &_session_context);
        // State that outlives the connection is stored (session_store.h).
        if (req.expiry_interval != 0 && _ctx.store)
            s->set_store_id(_ctx.store->allocate_store_id());
    }
    s->set_expiry_interval(req.expiry_interval);
    session::session* raw = s.get();
    session_entry& entry = eit->second;
    entry.session = std::move(s);
    const std::unique_ptr<pending_session> pending = std::move(entry.pending);
    std::vector<delivery_item>& held = pending->held;

    auto cit = _connections.find(conn_id);
    connection* conn =
        cit == _connections.end() || cit->second->finished() ? nullptr : cit->second.get();

    if (pending->claim) {
        // A newer connection claimed the client id while this one waited: it wins.
        handoff h = std::move(*pending->claim);
        deliver_items(held, now);  // queued in the (detached) session, not lost
        if (conn)
            conn->chan().kick(core::reason_code::session_taken_over, now);
        hand_over(_sessions.find(new_id), std::move(h));
        return;
    }
    if (!conn) {
        // The connection went away while its session was being fetched: keep the old
        // client's delayed will, queue what arrived, and apply the expiry rules.
        deliver_items(held, now);
        session_closed(raw);
        return;
    }
    raw->will().reset();  // resumed before the will delay ran out: not sent (3.1.3.2.2)
    entry.conn = conn;
    // `entry` may be gone after done(): the channel handles frames it held back, which can
    // end the session. The connection outlives this turn (retire() frees later), and
    // deliver_items looks sessions up again.
    done(channel::session_grant{core::reason_code::success, raw, present});
    deliver_items(held, now);
    conn->resume_after_grant();
}

void shard::deliver_local(const core::message_ptr& msg, std::uint64_t session,
                          std::span<const router::subscription_options> opts,
                          clock::time_point now) {
    auto is_shared = [](const router::subscription_options& o) { return o.shared_group != 0; };
    if (auto it = _sessions.find(session); it != _sessions.end()) {
        session_entry& e = it->second;
        const bool fastlane =
            std::all_of(opts.begin(), opts.end(),
                        [](const router::subscription_options& o) { return o.fastlane; });
        if (fastlane) {
            if (e.conn)  // $fastlane: straight to the connection, never queued
                e.conn->chan().deliver_fastlane(msg, opts);
        } else if (e.session) {
            std::vector<router::subscription_options> kept;
            if (!e.session->attached() && std::any_of(opts.begin(), opts.end(), is_shared)) {
                // Picked while its connection was going away: another member that has one
                // takes the shared part, if there is one.
                for (const auto& o : opts)
                    if (!is_shared(o) || !redispatch(msg, o.shared_group, e.session->id(),
                                                     /*any_member=*/false, now))
                        kept.push_back(o);
                opts = kept;
            }
            e.session->deliver(msg, opts, now);
        } else if (e.pending) {
            for (const auto& o : opts)
                e.pending->held.push_back(delivery_item{msg, session, o});
        }
        return;
    }
    auto f = _forwards.find(session);
    if (f == _forwards.end()) {
        // The session ended: only a shared subscription's message has somewhere else to go.
        for (const auto& o : opts)
            if (is_shared(o))
                redispatch(msg, o.shared_group, {_index, session}, /*any_member=*/true, now);
        return;
    }
    const router::subscriber_id to = f->second.to;
    if (to.shard == _index) {
        deliver_local(msg, to.session, opts, now);
        return;
    }
    for (const auto& o : opts)
        send_to_shard(to.shard, delivery_item{msg, to.session, o});
}

void shard::session_closed(session::session* s) {
    if (!s)
        return;
    auto it = _sessions.find(s->id().session);
    if (it == _sessions.end())
        return;
    it->second.conn = nullptr;
    if (it->second.surrendering || _stopping)
        return;  // hand_over takes it from here; at shutdown every session ends as it is
    if (s->expiry_interval() == 0)
        discard_session(it->first);
    else
        hand_off_shared(*s, /*ending=*/false, clock::now());
}

void shard::discard_session(std::uint64_t id) {
    auto it = _sessions.find(id);
    if (it == _sessions.end())
        return;
    auto s = std::move(it->second.session);
    _sessions.erase(it);
    if (!s)
        return;
    hand_off_shared(*s, /*ending=*/true, clock::now());
    publish_will(*s);
    forget_stored(*s);
    _ctx.registry.erase_if_owner(s->client_id().view(), s->id());
}

void shard::forget_stored(const session::session& s) {
    if (s.store_id() != 0 && _writer)
        _writer->erase_session(s.store_id());
}

void shard::publish_will(session::session& s) {
    if (auto& w = s.will()) {
        auto msg = std::move(w->msg);
        w.reset();
        publish(std::move(msg), clock::now());
    }
}

void shard::expire_sessions(clock::time_point now) {
    std::vector<std::uint64_t> expired;
    for (auto& [id, e] : _sessions) {
        if (e.conn || !e.session)
            continue;
        session::session& s = *e.session;
        if (auto& w = s.will(); w && w->due <= now) {
            publish_will(s);
            s.persist(now);  // without the will
        }
        s.tick(now, false);
        if (s.expired(now))
            expired.push_back(id);
    }
    for (auto id : expired)
        discard_session(id);
    std::erase_if(_forwards, [now](const auto& kv) { return kv.second.until <= now; });
}

}  // namespace emqd::broker
