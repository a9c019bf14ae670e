#include "transport/tcp_listener.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <system_error>

#include "transport/tcp_stream.h"

namespace emqd::transport {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

/// The peer as core sees it; from_v6 turns a dual-stack socket's IPv4-mapped peer into IPv4.
core::ip_address to_ip_address(const asio::ip::address& a) {
    if (a.is_v4())
        return core::ip_address::from_v4(a.to_v4().to_bytes());
    return core::ip_address::from_v6(a.to_v6().to_bytes());
}

}  // namespace

struct tcp_listener::impl : std::enable_shared_from_this<impl> {
    impl(asio::io_context& io, policy p, accept_fn fn)
        : acceptor(io), backoff(io), admission(p), on_accept(std::move(fn)) {}
    tcp::acceptor acceptor;
    asio::steady_timer backoff;
    policy admission;
    accept_fn on_accept;
    tcp::socket waiting{acceptor.get_executor()};  // accepted, waiting for a rate slot
    bool stopped = false;
    bool paused = false;
    bool accepting = false;  // an accept (or its backoff) is pending

    /// An accepted socket: closed at once if the access rules deny its peer, else handed
    /// over as the accept rate allows.
    void admit(tcp::socket socket) {
        if (admission.access && !admission.access->empty()) {
            boost::system::error_code ec;
            const auto peer = socket.remote_endpoint(ec);
            if (ec || !admission.access->allows(to_ip_address(peer.address()))) {
                spdlog::debug("listener: access denied to {}",
                              ec ? std::string("unknown peer") : peer.address().to_string());
                socket.close(ec);
                accept_next();
                return;
            }
        }
        hand_over(std::move(socket));
    }

    /// Hands `socket` to the owner when the rate has a slot; otherwise it waits for one,
    /// and nothing more is accepted meanwhile (the kernel backlog holds new connections).
    void hand_over(tcp::socket socket) {
        if (admission.rate) {
            const auto wait = admission.rate->try_acquire(std::chrono::steady_clock::now());
            if (wait > std::chrono::steady_clock::duration::zero()) {
                waiting = std::move(socket);
                backoff.expires_after(wait);
                backoff.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                    if (!ec && !self->stopped)
                        self->hand_over(std::move(self->waiting));
                });
                return;
            }
        }
        if (auto s = make_tcp_stream(std::move(socket)))
            on_accept(std::move(s));
        accept_next();
    }

    /// Arms the next accept unless stopped or paused (pause() cancels a pending one, which
    /// lands here with operation_aborted; resume() re-arms).
    void accept_next() {
        if (stopped || paused) {
            accepting = false;
            return;
        }
        accepting = true;
        acceptor.async_accept(
            [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
                if (self->stopped)
                    return;
                if (!ec) {
                    self->admit(std::move(socket));
                    return;
                }
                if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
                    // Out of descriptors: retrying at once would spin; the kernel's backlog
                    // holds new connections while existing ones close.
                    self->backoff.expires_after(std::chrono::milliseconds(100));
                    self->backoff.async_wait([self](boost::system::error_code) {
                        if (!self->stopped)
                            self->accept_next();
                    });
                    return;
                }
                self->accept_next();
            });
    }
};

tcp_listener::tcp_listener(asio::io_context& io, const std::string& address, std::uint16_t port,
                           policy admission, accept_fn on_accept)
    : _impl(std::make_shared<impl>(io, admission, std::move(on_accept))) {
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(address, ec);
    if (ec)
        throw std::system_error(ec, "bad listener address '" + address + "'");
    const tcp::endpoint ep(addr, port);
    auto& a = _impl->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec)
        a.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) {
        const int one = 1;
        if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
            ec.assign(errno, boost::system::system_category());
    }
    if (!ec)
        a.bind(ep, ec);
    if (!ec)
        a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::system_error(ec, "cannot listen on " + address + ":" + std::to_string(port));
}

tcp_listener::~tcp_listener() {
    stop();
}

std::uint16_t tcp_listener::port() const {
    boost::system::error_code ec;
    return _impl->acceptor.local_endpoint(ec).port();
}

void tcp_listener::start() {
    _impl->accept_next();
}

void tcp_listener::pause() {
    if (_impl->paused)
        return;
    _impl->paused = true;
    // The pending accept completes with operation_aborted (or with a socket it had already
    // taken); accept_next() then does not re-arm.
    boost::system::error_code ec;
    _impl->acceptor.cancel(ec);
}

void tcp_listener::resume() {
    if (!_impl->paused)
        return;
    _impl->paused = false;
    if (!_impl->accepting && !_impl->stopped)
        _impl->accept_next();
}

void tcp_listener::stop() {
    _impl->stopped = true;
    _impl->backoff.cancel();
    boost::system::error_code ec;
    _impl->acceptor.close(ec);
    _impl->waiting.close(ec);
}

}  // namespace emqd::transport
