#pragma once
// The byte side of a client, as the protocol sees it: implemented by a binding (tcp_client)
// or by a test. The client keeps its pending output itself (client::swap_output); this
// interface only tells the binding when to act.

namespace emqd::client {

class client_io {
public:
    virtual ~client_io() = default;
    /// The client queued output while it had none pending: write it, typically once at the
    /// end of the current event-loop turn so that everything queued meanwhile goes in one
    /// gathered write.
    virtual void on_output() = 0;
    /// The client is done with the connection (disconnect(), a refused CONNACK, a protocol
    /// error, a server DISCONNECT): write what is pending, then close the socket. Not called
    /// after client::on_socket_closed().
    virtual void on_close() = 0;
};

}  // namespace emqd::client
