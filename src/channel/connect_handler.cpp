// CONNECT: decode (learning the protocol version even from a bad CONNECT, to know how to
// answer), refuse it while the broker redirects clients (broker.redirect_to), validate
// client id and will, authenticate, resolve the mountpoint, negotiate keep alive, session
// expiry and topic aliases, ask the broker for the session, and answer with CONNACK once it
// is granted.
//
// What a v5 client says about the answers it wants is taken first, so that even a refusal
// honours it: its Maximum Packet Size, and Request Problem Information (Reason Strings).
//
// The session grant may arrive later (takeover across shards). Meanwhile the channel is
// `connecting`: process() dispatches nothing and whatever the client pipelined after its
// CONNECT stays in the parser, so no packet is handled before CONNACK and nothing is
// buffered twice. on_session_granted() restarts the dispatch loop.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "channel/channel_impl.h"
#include "core/topic.h"

namespace emqd::channel {

using codec::protocol_version;
using core::reason_code;

namespace {
/// The largest packet the Remaining Length field can describe (spec 2.2.3).
constexpr std::uint32_t k_max_packet_size = 268'435'455;
}  // namespace

core::status channel::impl::handle_connect_frame(const codec::frame& f, clock::time_point now) {
    // Not CONNECT first: no version known, so fail() closes without a reply (spec 3.1.4-1).
    if (f.type() != codec::packet_type::connect)
        return core::fail(reason_code::protocol_error, "first packet is not CONNECT");

    auto decoded = codec::decode(f, protocol_version::v3_1_1);  // version read from the frame
    if (!decoded) {
        // Answer in the client's own format when we can tell what it is. An unknown
        // protocol level gets the 3.1.1 answer "unacceptable protocol version" (code 1):
        // the only CONNACK every client version understands (spec 3.1.2.2).
        if (auto v = codec::peek_connect_version(f)) {
            _version = *v;
            _version_known = true;
        } else if (decoded.err().code == reason_code::unsupported_protocol_version) {
            _version = protocol_version::v3_1_1;
            _version_known = true;
        }
        return decoded.err();
    }
    auto* connect = std::get_if<codec::connect_packet>(&*decoded);
    if (!connect)
        return core::fail(reason_code::protocol_error, "first packet is not CONNECT");
    codec::connect_packet& c = *connect;
    _version = c.version;
    _version_known = true;
    const bool v5 = codec::is_v5(_version);
    if (v5) {
        _client_max_packet_size = c.props.maximum_packet_size.value_or(0);
        _problem_information = c.props.request_problem_information.value_or(1) != 0;
    }

    if (_refusal != reason_code::success)  // past a listener limit: no session, just why
        return core::fail(_refusal, "listener connection limit reached");

    // Maintenance redirection: fail() adds the Server Reference (v5) to the CONNACK.
    if (!_cfg.redirect_to.empty()) {
        return _cfg.redirect_permanent
                   ? core::fail(reason_code::server_moved, "server moved")
                   : core::fail(reason_code::use_another_server, "use another server");
    }
    if (auto st = validate_connect(c); !st)
        return st;
    if (auto st = authenticate(c, now); !st)
        return st;
    if (auto st = resolve_mountpoint(c); !st)
        return st;

    _client_id = core::shared_string(c.client_id);
    // Request Response Information (spec 3.1.2.11.6): the server may send nothing.
    if (v5 && c.props.request_response_information.value_or(0) != 0 &&
        !_cfg.response_information.empty())
        more().response_information =
            feed_vars(_cfg.response_information, _client_id.view(), c.username);
    if (c.will)
        _will = std::make_unique<codec::will_message>(std::move(*c.will));

    // Keep alive: v5 lets the server impose its own value (Server Keep Alive, 3.2.2.3.14).
    _keep_alive = c.keep_alive;
    if (v5 && _cfg.server_keepalive != 0) {
        _keep_alive = _cfg.server_keepalive;
        _server_keep_alive = true;
    }
    _last_received = now;

    // Session expiry: v5 says it (absent = 0); 3.x: clean session ends with the connection,
    // a persistent one lives zone.session_expiry_interval (EMQ X semantics).
    if (v5)
        _expiry_interval = c.props.session_expiry_interval.value_or(0);
    else
        _expiry_interval = c.clean_start ? 0 : _cfg.session.session_expiry_interval;
    if (v5) {
        _client_receive_maximum = c.props.receive_maximum.value_or(65535);
        // Outbound aliases: as many as the client takes, but no more than we accept inbound
        // (mqtt.max_topic_alias), which bounds the topics a connection may make us keep.
        const std::uint16_t out_aliases =
            std::min(c.props.topic_alias_maximum.value_or(0), _cfg.max_topic_alias);
        if (out_aliases != 0)
            _aliases = std::make_unique<topic_aliases>(out_aliases);
    }

    _state = state::connecting;
    session_request req;
    req.client_id = _client_id;
    req.clean_start = c.clean_start;
    req.expiry_interval = _expiry_interval;
    req.version = _version;
    // The broker calls back only while this channel exists (broker_services.h), so
    // capturing `this` is safe; the callback may also run synchronously, right here.
    _broker.open_session(req, [this](session_grant g) { on_session_granted(g); });
    return {};
}

core::status channel::impl::validate_connect(codec::connect_packet& c) {
    const bool v5 = codec::is_v5(_version);
    // --- client identifier (spec 3.1.3.1) ---
    if (_version == protocol_version::v3_1) {
        // 3.1 insists on 1-23 characters and has no assigned identifiers.
        if (c.client_id.empty() || c.client_id.size() > 23)
            return core::fail(reason_code::client_identifier_not_valid,
                              "3.1 client id must be 1-23 characters");
    } else if (c.client_id.empty()) {
        if (!v5 && !c.clean_start)
            return core::fail(reason_code::client_identifier_not_valid,
                              "empty client id needs clean session");
        c.client_id = _broker.assign_client_id();
        _client_id_assigned = true;
    }
    if (c.client_id.size() > _cfg.max_clientid_len)
        return core::fail(reason_code::client_identifier_not_valid, "client id too long");

    // --- enhanced authentication (v5, spec 4.12) is not supported ---
    if (v5 && c.props.authentication_method)
        return core::fail(reason_code::bad_authentication_method,
                          "enhanced authentication not supported");

    // --- will (spec 3.1.2.5 - 3.1.2.7) ---
    if (c.will) {
        const codec::will_message& w = *c.will;
        if (auto st = core::validate_topic_name(w.topic, {_cfg.max_topic_levels}); !st)
            return core::fail(reason_code::topic_name_invalid, st.err().what);
        if (w.qos > _cfg.max_qos_allowed)
            return core::fail(reason_code::qos_not_supported, "will QoS above maximum");
        if (w.retain && !_cfg.retain_available)
            return core::fail(reason_code::retain_not_supported, "will retain not available");
    }
    return {};
}

core::status channel::impl::authenticate(const codec::connect_packet& c, clock::time_point now) {
    // Bans first, as EMQ X does: a banned client costs no authentication work. fail()
    // answers `banned` with 3.x CONNACK 5 / v5 0x8A.
    if (_cfg.enable_ban) {
        const auth::client_info who{c.client_id, c.username, _io.peer_address()};
        if (auto st = _broker.access().check_connect(who, now); !st)
            return st;
    }
    // AUTHENTICATION SEAM. The auth chain (src/auth: anonymous, built-in users, plugins,
    // the `client.authenticate` hook) will be called here with client id, username,
    // password and peer address; it may complete asynchronously, like open_session, in
    // which case this becomes one more `connecting` step. Failures are returned as
    // bad_user_name_or_password / not_authorized and fail() answers them (3.x CONNACK 4/5,
    // v5 0x86/0x87). Until then: anonymous access is allowed.
    return {};
}

core::status channel::impl::resolve_mountpoint(const codec::connect_packet& c) {
    if (_cfg.mountpoint.empty())
        return {};
    // The placeholders stand for one topic level each: a value with '/' would reach into
    // another client's mountpoint, one with '+' or '#' would make the topics invalid.
    if (uses_client_id(_cfg.mountpoint) && !placeholder_value_ok(c.client_id))
        return core::fail(reason_code::client_identifier_not_valid,
                          "client id not usable in the mountpoint");
    if (c.username && uses_username(_cfg.mountpoint) && !placeholder_value_ok(*c.username))
        return core::fail(reason_code::bad_user_name_or_password,
                          "user name not usable in the mountpoint");
    more().mount = mountpoint(feed_vars(_cfg.mountpoint, c.client_id, c.username));
    return {};
}

void channel::impl::on_session_granted(session_grant g) {
    if (_state != state::connecting) {
        // The socket closed (or we were kicked) while the broker was opening the session:
        // hand it straight back, unattached.
        if (g.session)
            _broker.session_closed(g.session);
        return;
    }
    if (core::is_error(g.reason) || !g.session) {
        if (g.session)
            _broker.session_closed(g.session);
        fail(core::fail(core::is_error(g.reason) ? g.reason : reason_code::server_unavailable,
                        "session refused"),
             _now);
        return;
    }
    _session = g.session;
    _session->set_expiry_interval(_expiry_interval);
    // A new connection cancels a will still waiting for its delay (spec 3.1.3.2.2).
    _session->will().reset();

    send_connack(g.session_present);
    _state = state::connected;
    _last_received = std::max(_last_received, _now);
    // attach() resends the inflight window and drains the queue: after CONNACK, on purpose.
    _session->attach(&_self, _client_receive_maximum, _now);
    spdlog::debug("channel {}: connected (v{}, keep alive {}s, expiry {}s)", _client_id.view(),
                  static_cast<int>(_version), _keep_alive, _expiry_interval);
    process(_now);  // no-op when called from inside process()
}

void channel::impl::send_connack(bool session_present) {
    codec::connack_packet ack;
    // 3.1 has no Session Present flag.
    ack.session_present = session_present && _version != protocol_version::v3_1;
    ack.reason = reason_code::success;
    if (codec::is_v5(_version)) {
        // Announce every limit that differs from the spec's default (spec 3.2.2.3), so a
        // client never has to learn them from a DISCONNECT.
        codec::connack_properties& p = ack.props;
        // Receive Maximum bounds the client's unacknowledged QoS 1/2 PUBLISHes. QoS 1 is
        // acknowledged at once, so only QoS 2 awaiting PUBREL counts: the limit enforced is
        // max_awaiting_rel (0x93 past it), and that is what is announced.
        // Each property is left out when the spec's default (its absence) says the same.
        const std::size_t max_rel = _cfg.session.max_awaiting_rel;
        if (max_rel != 0 && max_rel < 65535)  // absent: 65535
            p.receive_maximum = static_cast<std::uint16_t>(max_rel);
        if (_cfg.max_qos_allowed < 2)  // absent: 2
            p.maximum_qos = _cfg.max_qos_allowed;
        if (!_cfg.retain_available)  // absent: available
            p.retain_available = 0;
        if (_cfg.max_packet_size < k_max_packet_size)  // absent: the protocol's limit
            p.maximum_packet_size = _cfg.max_packet_size;
        if (_cfg.max_topic_alias > 0)  // absent: 0, no inbound aliases
            p.topic_alias_maximum = _cfg.max_topic_alias;
        if (!_cfg.wildcard_subscription)  // absent: available
            p.wildcard_subscription_available = 0;
        // Subscription Identifiers are always available: absent.
        if (!_cfg.shared_subscription)
            p.shared_subscription_available = 0;  // SUBSCRIBE answers 0x9E
        if (_server_keep_alive)
            p.server_keep_alive = _keep_alive;
        if (_client_id_assigned)
            p.assigned_client_identifier = _client_id.str();
        if (_extras)
            p.response_information = std::exchange(_extras->response_information, std::nullopt);
    }
    send(ack);
}

}  // namespace emqd::channel
