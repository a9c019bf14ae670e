#pragma once
// tcp_client: a client (client.h) over a TCP socket on an Asio event loop. No Asio in this
// header; the io_context is only named.
//
// Writes are gathered: whatever the client queues during one loop turn goes out in one
// write (a flush posted once when output appears, or at the end of a read). Reads are
// readiness-based and large: up to `max_read` bytes per read into the client's kept
// buffer, which starts small and doubles while reads fill it, so an idle connection holds
// little. TCP_NODELAY is on.
//
// Keep alive needs the application to call protocol().on_tick() about once a second; the
// binding keeps no timers (a load generator ticks thousands of connections from one timer).
//
// Lifetime: the tcp_client may be destroyed at any time; pending socket operations hold
// the state they need and find the client gone. Destroying it closes the socket without a
// DISCONNECT and without callbacks.
//
// THREADING WARNING: every call, and every handler callback, on the io_context's thread.

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "client/client.h"

namespace boost::asio {
class io_context;
}

namespace emqd::client {

struct tcp_endpoint {
    std::string host;  // an IPv4 or IPv6 address (not a name)
    std::uint16_t port = 1883;
    /// Source address to bind before connecting (empty: the kernel's choice). The source
    /// port is still picked at connect time (IP_BIND_ADDRESS_NO_PORT), so each source
    /// address gives up to a full ephemeral port range per destination.
    std::string source;
};

class tcp_client {
public:
    /// `handler` must outlive the tcp_client (or its socket: see Lifetime).
    tcp_client(boost::asio::io_context& io, client_options opts, client_handler& handler);
    ~tcp_client();
    tcp_client(const tcp_client&) = delete;
    tcp_client& operator=(const tcp_client&) = delete;

    /// Opens the connection without blocking, then the client sends CONNECT. A failure
    /// (bad address, refused, unreachable) is reported by handler.on_closed() with
    /// unspecified_error; last_error() tells which.
    void connect(const tcp_endpoint& ep);
    /// The protocol object: publish, subscribe, disconnect, on_tick. What it queues is
    /// written at the end of the current loop turn.
    client& protocol();
    const client& protocol() const;
    /// The socket error that ended the connection, if one did.
    std::error_code last_error() const;

    struct impl;

private:
    std::shared_ptr<impl> _impl;
};

}  // namespace emqd::client
