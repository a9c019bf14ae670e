// session: subscriptions, outbound QoS flows and inbound QoS 2 state of one client.
//
// Design note. Outbound messages flow one way (design.md "Session"):
//
//     deliver() --> dispatch() --> message_queue --> inflight_window --> sink
//     No Local,          \                                              ^
//     merge, QoS cap      \------------- QoS 0 while attached ---------/
//
// Invariant kept by every member: while attached, if the window has room then the queue is
// empty (whatever frees a slot or grows the window calls drain()). So dispatch() may send a
// QoS 1/2 message directly only when the queue is empty and the window has room; order is
// preserved because everything else goes through the queue, and drain() stops at the first
// QoS 1/2 message that does not fit (a queued QoS 0 message behind it waits its turn).
// QoS 0 while attached bypasses the queue entirely: it has no flow control (spec 4.9).
//
// Message expiry is checked where a message starts onward delivery (deliver, drain) and in
// tick(); once in the window a message is completed regardless (spec 3.3.2.3.3).
//
// Shared subscriptions: a route with options.shared_group is a delivery of its own that
// keeps the group id; attach/detach mark the memberships (un)available in the router, and
// hand_off_shared gives unacknowledged ones away (the broker decides to whom).
//
// The sink is re-read after every call out: it must not call back into the session (see
// session_sink), but a missing sink is never dereferenced either way.

#include "session/session.h"

#include <algorithm>
#include <utility>

#include "core/topic.h"
#include "session/delivery.h"
#include "session/inflight_window.h"
#include "session/message_queue.h"
#include "session/packet_id_map.h"

namespace emqd::session {

using detail::delivery;

struct session::state {
    explicit state(std::uint16_t next_packet_id) : inflight(next_packet_id) {}
    detail::inflight_window inflight;
    detail::message_queue queue;
    detail::packet_id_map<clock::time_point> awaiting_rel;  // inbound QoS 2: id -> received at
    std::size_t unsent = 0;                                 // inflight entries marked unsent

    bool empty() const { return inflight.empty() && queue.empty() && awaiting_rel.size() == 0; }
    /// The inflight entry for `packet_id` in `s` (may be null: nothing inflight), or null.
    static detail::inflight_window::entry* find(state* s, std::uint16_t packet_id) {
        return s ? s->inflight.find(packet_id) : nullptr;
    }

    /// The client answered `e`, possibly one it got on an earlier connection and that was
    /// waiting to be resent: it is no longer owed.
    void acknowledged(detail::inflight_window::entry& e) {
        if (e.unsent) {
            e.unsent = false;
            --unsent;
        }
    }
};

namespace {

constexpr std::uint32_t never_expires = 0xFFFFFFFF;

std::uint8_t delivered_qos(std::uint8_t msg_qos, std::uint8_t granted, bool upgrade) {
    const std::uint8_t q = upgrade ? std::max(msg_qos, granted) : std::min(msg_qos, granted);
    return std::min<std::uint8_t>(q, 2);
}

publish_out make_publish(const delivery& d, bool dup, std::uint16_t packet_id) {
    return publish_out{*d.msg, d.qos, d.retain, dup, packet_id, d.sub_ids.view(), d.msg};
}

}  // namespace

session::session(const session_config& cfg, core::shared_string client_id, router::router& router,
                 router::subscriber_id self, shard_context* shard)
    : _cfg(cfg), _client_id(std::move(client_id)), _router(router), _self(self) {
    set_shard(shard);
}

session::~session() {
    for (const auto& [filter, opts] : subscriptions()) {
        _router.unsubscribe(routed_filter(filter), _self);  // a second one finds nothing
    }
}

void session::set_shard(shard_context* shard) {
    _shard = shard;
    if (_state)
        _state->queue.set_budget(budget());
}

session::state& session::flows() {
    if (!_state) {
        _state = std::make_unique<state>(_next_packet_id);
        _state->queue.set_budget(budget());
    }
    return *_state;
}

void session::release_idle_flows() {
    if (_state && _state->empty()) {
        _next_packet_id = _state->inflight.next_packet_id();  // ids go on where they were
        _state.reset();
    }
}

const drop_counters& session::drops() const {
    static const drop_counters none;
    return _drops ? *_drops : none;
}

void session::count_drops(const drop_counters& d) {
    if (d.total() == 0)
        return;
    if (!_drops)
        _drops = std::make_unique<drop_counters>();
    *_drops += d;
    if (queue_budget* b = budget())
        b->drops() += d;
}

void session::count_drop(drop_reason r, std::uint64_t n) {
    if (!_drops)
        _drops = std::make_unique<drop_counters>();
    _drops->add(r, n);
    if (queue_budget* b = budget())
        b->drops().add(r, n);
}

// --- persistence --------------------------------------------------------------------------

bool session::stored(const core::message& msg,
                     std::span<const router::subscription_options> matched) {
    return msg.qos > 0 &&
           std::any_of(matched.begin(), matched.end(),
                       [](const router::subscription_options& o) { return o.qos > 0; });
}

void session::forget(const delivery& d, bool inflight) {
    if (d.stored)
        if (session_store* st = store())
            st->erase_delivery(_store_id, d.msg->id, inflight && d.qos == 2);
}

detail::message_queue::drop_observer session::forgetting() {
    if (!store())
        return {};
    return {
        [](void* self, const delivery& gone) { static_cast<session*>(self)->forget(gone, false); },
        this};
}

stored_session session::record(clock::time_point now) const {
    stored_session r;
    r.store_id = _store_id;
    r.client_id = _client_id.str();
    r.expiry_interval = _expiry_interval;
    const auto wall_now = std::chrono::system_clock::now();
    if (!attached())
        r.disconnected_at =
            wall_now -
            std::chrono::duration_cast<std::chrono::system_clock::duration>(now - _detached_at);
    r.subscriptions.insert(subscriptions().begin(), subscriptions().end());
    if (_will) {
        r.will = _will->msg;
        r.will_delay = static_cast<std::uint32_t>(std::max<long long>(
            0, std::chrono::duration_cast<std::chrono::seconds>(_will->due - now).count()));
    }
    return r;
}

void session::persist(clock::time_point now) const {
    if (session_store* st = store())
        st->put_session(record(now));
}

void session::restore(const core::message_ptr& msg,
                      std::span<const router::subscription_options> matched,
                      std::uint16_t packet_id, qos2_progress progress, clock::time_point now) {
    if (progress == qos2_progress::none || packet_id == 0 || msg->qos < 2 ||
        state::find(_state.get(), packet_id)) {
        // Delivered afresh: a progress record of the old flow goes (forget() would not
        // look for it, the delivery being queued).
        if (progress != qos2_progress::none)
            if (session_store* st = store())
                st->put_qos2_progress(_store_id, msg->id, packet_id, qos2_progress::none);
        deliver(msg, matched, now);
        return;
    }
    // Where the QoS 2 flow stood: the client may hold this packet id, so it keeps it.
    delivery d;
    d.msg = msg;
    d.qos = 2;
    for (const auto& o : matched) {
        d.retain = d.retain || (msg->retain && o.retain_as_published);
        if (o.subscription_id != 0)
            d.sub_ids.push_back(o.subscription_id);
    }
    d.stored = true;
    auto& e = flows().inflight.push_back(std::move(d), packet_id, now);
    e.pubrec = progress == qos2_progress::released;
}

void session::rebind(router::subscriber_id new_id) {
    if (new_id == _self) {
        return;
    }
    for (const auto& [filter, opts] : subscriptions()) {
        const std::string_view routed = routed_filter(filter);
        if (const auto* r = route_of(routed); r == &opts) {
            _router.subscribe(routed, new_id, opts, attached());
            _router.unsubscribe(routed, _self);
        }
    }
    _self = new_id;
}

void session::set_shared_available(bool available) {
    for (const auto& [filter, opts] : subscriptions()) {
        if (core::is_shared_filter(filter)) {
            _router.set_available(filter, _self, available);
        }
    }
}

// --- connection ---------------------------------------------------------------------------

void session::attach(session_sink* sink, std::uint16_t receive_maximum, clock::time_point now) {
    _sink = sink;
    set_shared_available(true);
    _receive_maximum = receive_maximum == 0 ? 65535 : receive_maximum;
    persist(now);  // connected, with this connection's expiry
    // Resend the window in order [MQTT-4.4.0-1], but never have more unacknowledged
    // PUBLISHes out than the client's (possibly smaller) Receive Maximum [MQTT-3.3.4-9]:
    // every entry counts against it, PUBRELs are always resent.
    const std::size_t quota = window_capacity();
    std::size_t outstanding = 0;
    if (!_state)
        return;  // nothing owed
    _state->unsent = 0;
    _state->inflight.sweep([&](detail::inflight_window::entry& e) {
        if (!_sink) {
            return true;
        }
        e.sent_at = now;
        e.unsent = false;
        if (e.pubrec) {
            ++outstanding;
            _sink->send_pubrel(e.packet_id);
            return true;
        }
        if (outstanding >= quota) {
            e.unsent = true;
            ++_state->unsent;
            return true;
        }
        ++outstanding;
        return _sink->send_publish(make_publish(e.d, true, e.packet_id));
    });
    drain(now);
}

void session::detach(clock::time_point now) {
    if (_sink) {
        set_shared_available(false);
    }
    _sink = nullptr;
    _detached_at = now;
    persist(now);
}

bool session::expired(clock::time_point now) const {
    if (attached() || _expiry_interval == never_expires) {
        return false;
    }
    return now - _detached_at >= std::chrono::seconds(_expiry_interval);
}

// --- subscriptions ------------------------------------------------------------------------

std::string_view session::routed_filter(std::string_view filter) {
    return filter.starts_with(fastlane_prefix) ? filter.substr(fastlane_prefix.size()) : filter;
}

const session::subscription_map& session::subscriptions() const {
    static const subscription_map none;
    return _subscriptions ? *_subscriptions : none;
}

const router::subscription_options* session::route_of(std::string_view routed) const {
    const subscription_map& subs = subscriptions();
    if (auto it = subs.find(routed); it != subs.end()) {
        return &it->second;  // a plain subscription wins over a fastlane one
    }
    std::string fast;
    fast.reserve(fastlane_prefix.size() + routed.size());
    fast.append(fastlane_prefix).append(routed);
    auto it = subs.find(fast);
    return it == subs.end() ? nullptr : &it->second;
}

bool session::subscribe(const std::string& filter, const router::subscription_options& opts) {
    if (!_subscriptions) {
        _subscriptions = std::make_unique<subscription_map>();
    }
    router::subscription_options routed_opts = opts;
    routed_opts.store_id = _store_id;
    const bool is_new = _subscriptions->insert_or_assign(filter, routed_opts).second;
    const std::string_view routed = routed_filter(filter);
    _router.subscribe(routed, _self, *route_of(routed), attached());
    return is_new;
}

bool session::unsubscribe(const std::string& filter) {
    if (!_subscriptions) {
        return false;
    }
    auto it = _subscriptions->find(filter);
    if (it == _subscriptions->end()) {
        return false;
    }
    const std::string_view routed = routed_filter(filter);
    const std::string routed_copy(routed);  // `routed` points into the key erased below
    _subscriptions->erase(it);
    if (_subscriptions->empty()) {
        _subscriptions.reset();
    }
    if (const auto* remaining = route_of(routed_copy)) {
        _router.subscribe(routed_copy, _self, *remaining, attached());
    } else {
        _router.unsubscribe(routed_copy, _self);
    }
    return true;
}

// --- outbound -----------------------------------------------------------------------------

void session::deliver(const core::message_ptr& msg,
                      std::span<const router::subscription_options> matched,
                      clock::time_point now) {
    if (!msg) {
        return;
    }
    const bool own = msg->from_client_id == _client_id.view();
    // One delivery for all plain subscriptions, one per shared one.
    struct merge {
        bool any = false;
        bool retain_as_published = false;
        std::uint8_t granted = 0;
        delivery d;

        void add(const router::subscription_options& o) {
            any = true;
            granted = std::max(granted, o.qos);
            retain_as_published = retain_as_published || o.retain_as_published;
            if (o.subscription_id != 0) {
                d.sub_ids.push_back(o.subscription_id);
            }
        }
    };
    // Stored by the publishing shard: whatever this session does not keep is forgotten.
    const bool was_stored = store() && stored(*msg, matched);
    bool kept = false;
    auto send = [&](merge&& m) {
        m.d.qos = delivered_qos(msg->qos, m.granted, _cfg.upgrade_qos);
        m.d.retain = msg->retain && m.retain_as_published;  // spec 3.3.1.3
        if (was_stored && m.d.qos > 0 && !kept) {
            m.d.stored = kept = true;  // one record per message and session
        }
        if (m.d.qos == 0 && _sink && !msg->expired(now)) {
            // Straight out, nothing kept: no reference taken on the message (an atomic on a
            // line the publishing shard writes too, twice per delivery).
            _sink->send_publish(
                publish_out{*msg, 0, m.d.retain, false, 0, m.d.sub_ids.view(), msg});
            return;
        }
        m.d.msg = msg;
        dispatch(std::move(m.d), now);
    };
    merge plain;
    for (const auto& o : matched) {
        if (o.no_local && own) {
            continue;  // spec 3.8.3.1: not to the publisher's own session
        }
        if (o.shared_group == 0) {
            plain.add(o);
            continue;
        }
        merge shared;
        shared.add(o);
        shared.d.shared_group = o.shared_group;
        send(std::move(shared));
    }
    if (plain.any) {
        send(std::move(plain));
    }
    if (was_stored && !kept) {
        store()->erase_delivery(_store_id, msg->id, false);
    }
}

void session::deliver_retained(const core::message_ptr& msg,
                               const router::subscription_options& opts, clock::time_point now) {
    if (!msg) {
        return;
    }
    delivery d;
    d.qos = delivered_qos(msg->qos, opts.qos, _cfg.upgrade_qos);
    d.retain = true;  // spec 3.3.1.3: sent because of a new subscription
    if (opts.subscription_id != 0) {
        d.sub_ids.push_back(opts.subscription_id);
    }
    d.msg = msg;
    dispatch(std::move(d), now);
}

std::size_t session::window_capacity() const {
    const std::size_t configured = _cfg.max_inflight == 0 ? 65535 : _cfg.max_inflight;
    return std::min<std::size_t>(configured, _receive_maximum);
}

void session::dispatch(delivery&& d, clock::time_point now) {
    if (d.msg->expired(now)) {
        forget(d, false);
        count_drop(drop_reason::expired);
        return;
    }
    if (_sink) {
        if (d.qos == 0) {
            _sink->send_publish(make_publish(d, false, 0));
            return;
        }
        if (!_state || (_state->queue.empty() && _state->inflight.size() < window_capacity())) {
            send_new(std::move(d), now);
            return;
        }
    } else if (d.qos == 0 && !_cfg.mqueue_store_qos0) {
        count_drop(drop_reason::qos0_offline);
        return;
    }
    count_drops(flows().queue.push(std::move(d), {_cfg.max_mqueue_len, _cfg.max_mqueue_bytes},
                                   forgetting()));
}

// Precondition: attached, d.qos > 0, window has room.
void session::send_new(delivery&& d, clock::time_point now) {
    auto& inflight = flows().inflight;
    auto& e = inflight.push_back(std::move(d), now);
    const std::uint16_t id = e.packet_id;
    if (e.d.stored && e.d.qos == 2)
        if (session_store* st = store())
            st->put_qos2_progress(_store_id, e.d.msg->id, id, qos2_progress::sent);
    if (!_sink->send_publish(make_publish(e.d, false, id))) {
        forget(e.d, true);
        inflight.erase(id);  // delivered-and-dropped: do not wait for an ack
    }
}

void session::drain(clock::time_point now) {
    if (!_state)
        return;
    resend_unsent(now);
    auto& q = _state->queue;
    while (_sink && !q.empty()) {
        delivery& front = q.front();
        if (front.msg->expired(now)) {
            forget(front, false);
            q.pop_front();
            count_drop(drop_reason::expired);
            continue;
        }
        if (front.qos == 0) {
            delivery d = std::move(front);
            q.pop_front();
            _sink->send_publish(make_publish(d, false, 0));
            continue;
        }
        if (_state->inflight.size() >= window_capacity()) {
            break;
        }
        delivery d = std::move(front);
        q.pop_front();
        send_new(std::move(d), now);
    }
}

void session::resend_unsent(clock::time_point now) {
    if (_state->unsent == 0 || !_sink) {
        return;
    }
    std::size_t outstanding = _state->inflight.size() - _state->unsent;
    const std::size_t quota = window_capacity();
    _state->inflight.sweep([&](detail::inflight_window::entry& e) {
        if (!e.unsent || outstanding >= quota) {
            return true;
        }
        e.unsent = false;
        --_state->unsent;
        ++outstanding;
        e.sent_at = now;
        return _sink->send_publish(make_publish(e.d, true, e.packet_id));
    });
}

// --- acks ---------------------------------------------------------------------------------

core::status session::on_puback(std::uint16_t packet_id, clock::time_point now) {
    auto* e = state::find(_state.get(), packet_id);
    if (!e || e->d.qos != 1) {
        return core::fail(core::reason_code::packet_identifier_not_found,
                          "PUBACK for a packet id not awaiting PUBACK");
    }
    _state->acknowledged(*e);
    forget(e->d, true);
    _state->inflight.erase(packet_id);
    drain(now);
    return {};
}

core::status session::on_pubrec(std::uint16_t packet_id, clock::time_point now) {
    auto* e = state::find(_state.get(), packet_id);
    if (!e || e->d.qos != 2) {
        return core::fail(core::reason_code::packet_identifier_not_found,
                          "PUBREC for a packet id not awaiting PUBREC");
    }
    _state->acknowledged(*e);
    if (!e->pubrec) {
        e->pubrec = true;
        if (e->d.stored) {
            // Its record stays until PUBCOMP, marked so that a restart resends PUBREL; the
            // message (its id keys the record) stays with it.
            if (session_store* st = store())
                st->put_qos2_progress(_store_id, e->d.msg->id, packet_id, qos2_progress::released);
        } else {
            e->d.msg.reset();  // the receiver owns the message now; only the id remains
        }
        e->d.sub_ids.clear();
    }
    e->sent_at = now;  // the retry clock now runs for PUBREL
    if (_sink) {
        _sink->send_pubrel(packet_id);
    }
    return {};
}

core::status session::on_pubrec_refused(std::uint16_t packet_id, clock::time_point now) {
    auto* e = state::find(_state.get(), packet_id);
    if (!e || e->d.qos != 2 || e->pubrec) {
        return core::fail(core::reason_code::packet_identifier_not_found,
                          "PUBREC for a packet id not awaiting PUBREC");
    }
    _state->acknowledged(*e);
    forget(e->d, true);
    _state->inflight.erase(packet_id);
    drain(now);
    return {};
}

core::status session::on_pubcomp(std::uint16_t packet_id, clock::time_point now) {
    auto* e = state::find(_state.get(), packet_id);
    if (!e || !e->pubrec) {
        return core::fail(core::reason_code::packet_identifier_not_found,
                          "PUBCOMP for a packet id not awaiting PUBCOMP");
    }
    forget(e->d, true);
    _state->inflight.erase(packet_id);
    drain(now);
    return {};
}

void session::hand_off_shared(
    const std::function<bool(const core::message_ptr&, std::uint64_t)>& give) {
    auto offer = [&give](const delivery& d) {
        return d.shared_group != 0 && d.qos > 0 && d.msg && give(d.msg, d.shared_group);
    };
    if (!_state)
        return;
    _state->inflight.sweep([&](detail::inflight_window::entry& e) {
        if (e.pubrec || !offer(e.d)) {
            return true;  // PUBREC'd: the client has it; only PUBREL/PUBCOMP remain
        }
        _state->acknowledged(e);  // no longer owed to this client
        forget(e.d, true);
        return false;
    });
    _state->queue.erase_if([&](const delivery& d) {
        if (!offer(d))
            return false;
        forget(d, false);
        return true;
    });
}

// --- inbound QoS 2 ------------------------------------------------------------------------

core::result<bool> session::awaiting_rel_insert(std::uint16_t packet_id, clock::time_point now) {
    auto& awaiting = flows().awaiting_rel;
    if (awaiting.contains(packet_id)) {
        return false;
    }
    if (_cfg.max_awaiting_rel != 0 && awaiting.size() >= _cfg.max_awaiting_rel) {
        return core::fail(core::reason_code::receive_maximum_exceeded,
                          "too many QoS 2 messages awaiting PUBREL");
    }
    awaiting.insert(packet_id, now);
    if (session_store* st = store())
        st->put_awaiting_rel(_store_id, packet_id);
    return true;
}

bool session::awaiting_rel_release(std::uint16_t packet_id) {
    if (!_state || !_state->awaiting_rel.erase(packet_id))
        return false;
    if (session_store* st = store())
        st->erase_awaiting_rel(_store_id, packet_id);
    return true;
}

// --- time ---------------------------------------------------------------------------------

void session::tick(clock::time_point now, bool retry) {
    if (!_state)
        return;  // nothing in flight, queued or awaiting release
    if (retry && _sink && _cfg.retry_interval.count() > 0) {
        _state->inflight.sweep([&](detail::inflight_window::entry& e) {
            if (!_sink || e.unsent || now - e.sent_at < _cfg.retry_interval) {
                return true;
            }
            e.sent_at = now;
            if (e.pubrec) {
                _sink->send_pubrel(e.packet_id);
                return true;
            }
            return _sink->send_publish(make_publish(e.d, true, e.packet_id));
        });
    }
    if (_cfg.await_rel_timeout.count() > 0) {
        _state->awaiting_rel.erase_if([&](std::uint16_t id, clock::time_point received_at) {
            if (now - received_at < _cfg.await_rel_timeout)
                return false;
            if (session_store* st = store())
                st->erase_awaiting_rel(_store_id, id);
            return true;
        });
    }
    if (const std::size_t n = _state->queue.drop_expired(now, forgetting()))
        count_drop(drop_reason::expired, n);
    drain(now);  // a failed resend may have freed slots
    release_idle_flows();
}

// --- introspection ------------------------------------------------------------------------

std::size_t session::inflight_size() const {
    return _state ? _state->inflight.size() : 0;
}
std::size_t session::queue_size() const {
    return _state ? _state->queue.size() : 0;
}
std::uint64_t session::queue_bytes() const {
    return _state ? _state->queue.bytes() : 0;
}
std::size_t session::awaiting_rel_size() const {
    return _state ? _state->awaiting_rel.size() : 0;
}

}  // namespace emqd::session
