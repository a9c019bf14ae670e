// The TCP stream: a non-blocking socket watched by its loop's poller (poller.h says why not
// by Asio), so an idle connection costs this object and nothing else in user space.
//
// Reading: start() and wait_readable() ask for one on_readable(); the poller's
// edge-triggered events call it when input (or EOF, or an error) arrives. Edges that come
// while no call is wanted are dropped: the owner reads until EAGAIN before it waits again,
// and each new arrival after that makes a new edge.
//
// Writing: write_some() sends at once as much as the kernel takes (sendmsg with the
// buffers as iovecs, MSG_NOSIGNAL) and returns; wait_writable() asks for one on_writable()
// at the next EPOLLOUT edge (the owner wrote until EAGAIN before it waits, so that edge
// comes when the peer has read).

#include "transport/tcp_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>

#include "transport/poller.h"

namespace emqd::transport {
namespace {

namespace asio = boost::asio;

std::error_code error_of(int err) {
    return {err, std::system_category()};
}

class tcp_stream final : public stream, private poller::watcher {
public:
    tcp_stream(poller& p, int fd) : _poller(p), _fd(fd) {
        sockaddr_storage sa{};
        socklen_t len = sizeof sa;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
            if (sa.ss_family == AF_INET) {
                const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
                std::array<std::uint8_t, 4> b;
                std::memcpy(b.data(), &in.sin_addr, 4);
                _peer = core::ip_address::from_v4(b);
                _port = ntohs(in.sin_port);
            } else if (sa.ss_family == AF_INET6) {
                const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
                std::array<std::uint8_t, 16> b;
                std::memcpy(b.data(), &in6.sin6_addr, 16);
                _peer = core::ip_address::from_v6(b);
                _port = ntohs(in6.sin6_port);
            }
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~tcp_stream() override { close(); }

    void start(stream_handler& handler) override {
        _handler = &handler;
        _want_read = true;
        if (const std::error_code ec = _poller.add(_fd, *this)) {
            // Not watched: say "readable" once, and let read_some report why.
            _watch_errno = ec.value();
            _deferred_read = true;
            _poller.defer(*this);
            return;
        }
        _watched = true;
    }

    void wait_readable() override { _want_read = true; }

    std::size_t read_some(std::span<std::uint8_t> buf, std::error_code& ec) override {
        ec.clear();
        if (_watch_errno != 0) {
            ec = error_of(_watch_errno);
            return 0;
        }
        if (_fd < 0) {
            ec = error_of(EBADF);
            return 0;
        }
        if (buf.empty())
            return 0;
        for (;;) {
            const ssize_t n = ::recv(_fd, buf.data(), buf.size(), 0);
            if (n > 0)
                return static_cast<std::size_t>(n);
            if (n == 0) {
                ec = boost::system::error_code(asio::error::eof);  // as Asio reports it
                return 0;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                ec = error_of(errno);
            return 0;
        }
    }

    std::size_t write_some(std::span<const std::string_view> buffers,
                           std::error_code& ec) override {
        ec.clear();
        if (_fd < 0) {
            ec = error_of(EBADF);
            return 0;
        }
        constexpr std::size_t k_iov = 64;
        iovec iov[k_iov];
        std::size_t n = 0;
        for (std::size_t i = 0; i < buffers.size() && n < k_iov; ++i)
            if (!buffers[i].empty())
                iov[n++] = {const_cast<char*>(buffers[i].data()), buffers[i].size()};
        if (n == 0)
            return 0;
        msghdr m{};
        m.msg_iov = iov;
        m.msg_iovlen = n;
        for (;;) {
            const ssize_t sent = ::sendmsg(_fd, &m, MSG_NOSIGNAL);
            if (sent >= 0)
                return static_cast<std::size_t>(sent);
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                ec = error_of(errno);
            return 0;
        }
    }

    void wait_writable() override { _want_write = true; }

    void close() override {
        _handler = nullptr;
        _want_write = false;
        if (_fd < 0)
            return;
        release();
        ::shutdown(_fd, SHUT_RDWR);
        ::close(_fd);
        _fd = -1;
    }

    void abort() override {
        _handler = nullptr;
        _want_write = false;
        if (_fd < 0)
            return;
        release();
        const linger l{1, 0};  // close sends RST and drops the send queue
        ::setsockopt(_fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(_fd);
        _fd = -1;
    }

    std::optional<core::ip_address> peer_address() const override { return _peer; }

    std::string peer() const override {
        if (!_peer)
            return "unknown";
        return _peer->to_string() + ":" + std::to_string(_port);
    }

private:
    /// Out of the poller, before the descriptor closes; pending callbacks are dropped.
    void release() {
        if (_watched)
            _poller.remove(_fd, *this);
        else if (_deferred_read)
            _poller.forget(*this);
        _watched = false;
        _deferred_read = false;
    }

    // poller::watcher
    void on_events(std::uint32_t events) override {
        // Writing first: output that goes out may let a paused reader continue.
        if (_want_write && _handler && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            _want_write = false;
            _handler->on_writable();  // an error shows in write_some
        }
        if (_want_read && _handler && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
            _want_read = false;
            _handler->on_readable();
        }
    }

    void on_deferred() override {
        if (_deferred_read && _handler) {
            _deferred_read = false;
            _want_read = false;
            _handler->on_readable();
        }
    }

    poller& _poller;
    stream_handler* _handler = nullptr;  // null once closed: callbacks are dropped
    int _watch_errno = 0;                // the socket could not be watched
    int _fd;
    std::uint16_t _port = 0;
    bool _watched = false;
    bool _want_read = false;   // on_readable() is due at the next input edge
    bool _want_write = false;  // on_writable() is due at the next output edge
    bool _deferred_read = false;
    std::optional<core::ip_address> _peer;
};

}  // namespace

std::unique_ptr<stream> make_tcp_stream(asio::ip::tcp::socket socket) {
    // Sockets here come from tcp_listener, whose executor is an io_context's.
    poller& p = poller::of(static_cast<asio::io_context&>(
        asio::query(socket.get_executor(), asio::execution::context)));
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    const int fd = socket.release(ec);  // leaves Asio's reactor; the stream owns it now
    if (ec)
        return nullptr;
    return std::make_unique<tcp_stream>(p, fd);
}

}  // namespace emqd::transport
