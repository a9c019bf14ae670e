#pragma once
// What a client reports to the application that drives it.
//
// Every callback runs inside a call the application (or the binding) made on the client:
// on_read(), on_tick(), on_written(), on_socket_closed(), disconnect(). A callback may call
// back into the client (publish from on_message, subscribe from on_connack) but must not
// destroy it.

#include <cstdint>

#include "codec/packet.h"
#include "core/reason_code.h"
#include "core/result.h"

namespace emqd::client {

class client_handler {
public:
    virtual ~client_handler() = default;

    /// The server answered CONNECT. p.reason is success (connected: the client now accepts
    /// publish/subscribe) or the refusal, after which on_closed() follows.
    virtual void on_connack(const codec::connack_packet& p) = 0;
    /// An application message. `p` and the views in it (topic, payload) are valid only
    /// during the call. QoS 1 is acknowledged, QoS 2 answered with PUBREC, right after
    /// the callback returns; a QoS 2 message resent before its PUBREL is not reported twice.
    virtual void on_message(const codec::publish_packet& p) = 0;
    virtual void on_suback(const codec::suback_packet& p) { (void)p; }
    virtual void on_unsuback(const codec::unsuback_packet& p) { (void)p; }
    /// The outbound QoS 1 / QoS 2 PUBLISH `packet_id` is done: PUBACK, PUBCOMP, or (v5) a
    /// PUBREC carrying an error `reason`. Its packet id is free again.
    virtual void on_publish_done(std::uint16_t packet_id, core::reason_code reason) {
        (void)packet_id, (void)reason;
    }
    /// Everything queued so far has been handed to the transport: a good time to queue more
    /// (a publisher that sends as fast as TCP takes).
    virtual void on_writable() {}
    /// The connection is over, exactly once: why.code is success after disconnect(), the
    /// server's reason after a v5 DISCONNECT or a refused CONNACK, a codec error for a bad
    /// packet from the server, keep_alive_timeout, or unspecified_error with the binding's
    /// description when the socket ended. The client accepts no more operations.
    virtual void on_closed(const core::error& why) = 0;
};

}  // namespace emqd::client
