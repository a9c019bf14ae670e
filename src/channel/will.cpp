// The Last Will (spec 3.1.2.5, 3.1.3.2), settled exactly once, when the connection ends.
//
//   client DISCONNECT 0x00 (or any 3.x DISCONNECT)     -> deleted
//   v5 DISCONNECT 0x04, keep alive timeout, protocol
//   error, socket closed, kick (shutdown, takeover)    -> published, unless delayed:
//   v5 Will Delay Interval > 0 and the session outlives the connection (expiry > 0)
//                                                      -> parked in session->will() with
//                                                         due = now + min(delay, expiry)
//
// A parked will belongs to the session: the broker publishes it when it falls due or the
// session ends, and a new connection to the session cancels it (on_session_granted).

#include <algorithm>
#include <chrono>
#include <memory>

#include "channel/channel_impl.h"

namespace emqd::channel {

void channel::impl::settle_will(will_action action, clock::time_point now) {
    if (!_will)
        return;
    codec::will_message w = std::move(*_will);
    _will.reset();
    if (action == will_action::discard)
        return;

    auto msg = std::make_shared<core::message>();
    msg->id = _broker.next_guid(now);
    msg->topic = mount().mount_topic(w.topic);
    msg->payload = std::move(w.payload);
    msg->qos = w.qos;
    msg->retain = w.retain;
    msg->from_client_id = _client_id.str();
    msg->received_at = now;  // its Message Expiry (a will property) starts at publication
    msg->props = std::move(w.props);

    const std::uint32_t expiry = _session ? _session->expiry_interval() : 0;
    if (codec::is_v5(_version) && w.will_delay_interval > 0 && _session && expiry > 0) {
        const auto delay = std::chrono::seconds(std::min(w.will_delay_interval, expiry));
        _session->will() = std::make_unique<session::session::pending_will>(
            session::session::pending_will{std::move(msg), now + delay});
        _session->persist(now);  // a restart publishes it when due, unless resumed first
        return;
    }
    _broker.publish(std::move(msg));
}

}  // namespace emqd::channel
