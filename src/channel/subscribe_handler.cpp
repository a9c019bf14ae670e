// SUBSCRIBE and UNSUBSCRIBE (spec 3.8 - 3.11).
//
// Each filter of a SUBSCRIBE is judged on its own: a refused filter gets its failure code
// in the SUBACK and the others still succeed (spec 3.9.3). Checks, in order:
//   $share/... or $queue/... while mqtt.shared_subscription is off -> 0x9E
//   invalid filter / too deep (for a shared one: group or filter)  -> 0x8F
//   wildcard while disabled                                         -> 0xA2
//   $fastlane/ on a session that outlives the connection            -> 0x83
//   invalid once mounted (a mountpoint not ending in '/' before '+' or '#') -> 0x8F
//   a new subscription past mqtt.max_subscriptions -> 0x97 (replacing one is always allowed)
// The granted QoS is min(requested, max_qos_allowed). 3.1.1 encodes every failure as 0x80.
// The first failure's description goes in the v5 Reason String (one per SUBACK).
// No Local on a shared subscription ($share/ or $queue/) is a protocol error for the whole
// packet [MQTT-3.8.3-4]: the codec refuses it, so fail() answers DISCONNECT 0x82.
//
// Filters are mounted (mountpoint.h) before they reach the session; so are the filters of
// an UNSUBSCRIBE, where an invalid one is answered 0x8F (v5) and the others 0x00 / 0x11.
//
// Shared subscriptions: $queue/<filter> is EMQ's name for $share/$queue/<filter> (the same
// group), so SUBSCRIBE and UNSUBSCRIBE use the $share form with the session: one
// subscription, whichever way the client writes it. They never get retained messages
// (spec 4.8.2).
//
// $fastlane/<filter> (EMQ): for data collection by clean-session clients. Messages matching
// <filter> are written straight to the connection at QoS 0, bypassing the session: never
// queued, not merged with the client's other subscriptions, no Subscription Identifier.
// So it is granted QoS 0 whatever was asked, and refused for a session that survives the
// connection (it would lose everything while offline, silently). It cannot be shared.
//
// Ordering: SUBACK is written before any retained message, so the client sees its
// subscription acknowledged before the messages it causes (and the session's packet ids for
// them never precede the SUBACK on the wire).
//
// Retained messages are owed (spec 3.3.1.3), so they are never dropped as a slow consumer's
// backlog; instead they are written at the pace the client reads: while more than
// k_max_pending_output bytes wait, the rest stays owed (a snapshot of pointers into the
// retained store) and the channel handles no further packet until the output drains. So a
// SUBSCRIBE naming one filter a thousand times, from a client that doesn't read, costs a
// list of a thousand filters, not a thousand copies of the retained set.

#include <algorithm>
#include <string_view>
#include <vector>

#include "channel/channel_impl.h"
#include "core/topic.h"

namespace emqd::channel {

using core::reason_code;

namespace {

/// The session's name of a subscription: $queue/<f> is $share/$queue/<f>.
std::string session_filter(const std::string& f) {
    return f.starts_with("$queue/") ? "$share/" + f : f;
}

}  // namespace

core::status channel::impl::check_filter(const codec::subscription_request& r) const {
    std::string_view filter = session::session::routed_filter(r.filter);
    const bool fastlane = filter.size() != r.filter.size();
    if (core::is_shared_filter(filter)) {
        if (fastlane)
            return core::fail(reason_code::topic_filter_invalid,
                              "a $fastlane subscription cannot be shared");
        if (!_cfg.shared_subscription)
            return core::fail(reason_code::shared_subscriptions_not_supported,
                              "shared subscriptions not available");
        const auto shared = core::parse_shared_filter(filter, {_cfg.max_topic_levels});
        if (!shared)
            return core::fail(reason_code::topic_filter_invalid, shared.err().what);
        filter = shared->filter;
    } else if (auto st = core::validate_topic_filter(filter, {_cfg.max_topic_levels}); !st) {
        return core::fail(reason_code::topic_filter_invalid, st.err().what);
    }
    if (!_cfg.wildcard_subscription && core::has_wildcard(filter))
        return core::fail(reason_code::wildcard_subscriptions_not_supported,
                          "wildcard subscriptions not available");
    if (fastlane && _expiry_interval != 0)
        return core::fail(reason_code::implementation_specific_error,
                          "$fastlane needs a session that ends with the connection");
    // AUTHORIZATION SEAM: the ACL check (`client.authorize` subscribe) goes here and
    // answers 0x87 not_authorized for a denied filter.
    return {};
}

core::result<std::string> channel::impl::mount_filter(std::string_view filter) const {
    if (mount().empty())
        return std::string(filter);
    std::string mounted = mount().mount_filter(filter);
    if (!core::validate_topic_filter(mounted))
        return core::fail(reason_code::topic_filter_invalid, "filter invalid under the mountpoint");
    return mounted;
}

core::status channel::impl::handle_subscribe(const codec::subscribe_packet& p,
                                             clock::time_point now) {
    codec::suback_packet ack;
    ack.packet_id = p.packet_id;
    ack.reasons.reserve(p.topics.size());

    const char* problem = "";  // the first failure's description

    for (const codec::subscription_request& r : p.topics) {
        auto filter = [&]() -> core::result<std::string> {
            if (auto st = check_filter(r); !st)
                return st.err();
            auto mounted = mount_filter(session_filter(r.filter));
            if (!mounted)
                return mounted;
            const auto& subs = _session->subscriptions();
            if (_cfg.max_subscriptions != 0 && subs.size() >= _cfg.max_subscriptions &&
                !subs.contains(*mounted))
                return core::fail(reason_code::quota_exceeded, "too many subscriptions");
            return mounted;
        }();
        if (!filter) {
            ack.reasons.push_back(filter.err().code);
            if (*problem == '\0')
                problem = filter.err().what;
            continue;
        }
        const std::string_view routed = session::session::routed_filter(r.filter);
        router::subscription_options opts;
        opts.fastlane = routed.size() != r.filter.size();
        opts.qos = opts.fastlane ? 0 : std::min(r.qos, _cfg.max_qos_allowed);
        opts.no_local = r.no_local;
        opts.retain_as_published = r.retain_as_published;
        opts.retain_handling = r.retain_handling;
        opts.subscription_id = p.subscription_identifier.value_or(0);
        const bool is_new = _session->subscribe(*filter, opts);
        ack.reasons.push_back(static_cast<reason_code>(opts.qos));
        // Retain Handling (spec 3.8.3.1): 0 always, 1 only for a new subscription, 2 never.
        // Shared subscriptions never get retained messages (spec 4.8.2).
        const bool send_retained = r.retain_handling == 0 || (r.retain_handling == 1 && is_new);
        if (send_retained && !core::is_shared_filter(*filter)) {
            if (!_owed)
                _owed = std::make_unique<owed_retained_list>();
            _owed->entries.push_back(
                {std::string(session::session::routed_filter(*filter)), opts, {}, 0, false});
        }
    }
    _session->persist(now);  // a persistent session's record, with its subscriptions
    send_with_reason(std::move(ack), problem);

    send_owed_retained(now);  // after the SUBACK
    return {};
}

bool channel::impl::send_owed_retained(clock::time_point now) {
    _delivering_retained = true;
    struct reset_flag {
        bool& flag;
        ~reset_flag() { flag = false; }
    } reset{_delivering_retained};
    if (!_owed)
        return true;
    while (_owed->next < _owed->entries.size()) {
        owed_retained& o = _owed->entries[_owed->next];
        if (!o.matched) {
            _broker.retained().match(o.filter, o.messages);
            o.matched = true;
        }
        while (o.sent < o.messages.size()) {
            // deliver_retained may fail and close us (a kick from within is not expected,
            // but don't touch a closed channel).
            if (_state != state::connected)
                return true;
            if (_io.pending_output() > k_max_pending_output) {
                _output_blocked = true;  // on_output_drained continues from here
                return false;
            }
            _session->deliver_retained(o.messages[o.sent++], o.opts, now);
        }
        o.messages = {};  // done: free the snapshot now
        ++_owed->next;
    }
    _owed.reset();  // an idle connection keeps nothing
    return true;
}

core::status channel::impl::handle_unsubscribe(const codec::unsubscribe_packet& p) {
    codec::unsuback_packet ack;
    ack.packet_id = p.packet_id;
    ack.reasons.reserve(p.filters.size());
    const char* problem = "";
    for (const std::string& f : p.filters) {
        auto filter = [&]() -> core::result<std::string> {
            if (auto st = core::validate_topic_filter(f); !st)
                return core::fail(reason_code::topic_filter_invalid, st.err().what);
            return mount_filter(session_filter(f));
        }();
        if (!filter) {
            ack.reasons.push_back(filter.err().code);
            if (*problem == '\0')
                problem = filter.err().what;
            continue;
        }
        const bool existed = _session->unsubscribe(*filter);
        ack.reasons.push_back(existed ? reason_code::success
                                      : reason_code::no_subscription_existed);
    }
    _session->persist(_now);
    // 3.x: the codec drops the per-filter codes (3.1.1 UNSUBACK has none).
    send_with_reason(std::move(ack), problem);
    return {};
}

}  // namespace emqd::channel
