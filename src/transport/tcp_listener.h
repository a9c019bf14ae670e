#pragma once
// A TCP listening socket on one event loop. Each shard opens its own listener on the same
// address with SO_REUSEPORT, so the kernel spreads new connections across shards and no
// accepted socket ever changes thread.
//
// Admission, before any byte is read: a peer the access list denies is closed at once; then
// the accept rate is enforced: when the listener's budget is spent, the accepted socket
// waits (it is not refused) and this loop accepts nothing more until a slot opens, so
// further connections wait in the kernel's backlog.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "transport/accept_limiter.h"
#include "transport/access_list.h"
#include "transport/stream.h"

namespace boost::asio {
class io_context;
}

namespace emqd::transport {

class tcp_listener {
public:
    using accept_fn = std::function<void(std::unique_ptr<stream>)>;

    /// Who may connect and how fast; both shared with the other shards' listeners and owned
    /// by the caller, who keeps them alive as long as the io_context. Null: no rule/limit.
    struct policy {
        const access_list* access = nullptr;
        accept_limiter* rate = nullptr;
    };

    /// Binds and listens (throws std::system_error naming the address on failure). Port 0
    /// picks a free port; port() tells which.
    tcp_listener(boost::asio::io_context& io, const std::string& address, std::uint16_t port,
                 policy admission, accept_fn on_accept);
    ~tcp_listener();

    std::uint16_t port() const;
    /// Accepts until stop(); runs on the io_context's thread.
    void start();
    void stop();
    /// Stops accepting until resume(): new connections wait in the kernel's listen backlog
    /// (and are refused by the kernel once it is full). A connection accepted just before
    /// pause() may still be handed out. Both are idempotent; on the io_context's thread.
    void pause();
    void resume();

private:
    struct impl;
    std::shared_ptr<impl> _impl;
};

}  // namespace emqd::transport
