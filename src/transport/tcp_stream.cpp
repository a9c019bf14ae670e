// The TCP stream: a non-blocking socket watched by its loop's poller (poller.h says why not
// by Asio), so an idle connection costs this object and nothing else in user space.
//
// Reading: start() and wait_readable() ask for one on_readable(); the poller's
// edge-triggered events call it when input (or EOF, or an error) arrives. Edges that come
// while no call is wanted are dropped: the owner reads until EAGAIN before it waits again,
// and each new arrival after that makes a new edge.
//
// Writing: write() sends at once as much as the kernel takes (sendmsg with the buffers as
// iovecs, MSG_NOSIGNAL); the rest waits for an EPOLLOUT edge, sending from where it
// stopped, with no copy (the caller keeps the buffers until on_write_complete). A write
// that finishes (or fails) inside write() completes through poller::defer, never inside
// the call, as the stream contract promises.

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

    void write(std::span<const std::string_view> buffers) override {
        _out = buffers;
        _out_index = 0;
        _out_offset = 0;
        _writing = true;
        const int err = send_more();
        if (err != 0 || _out_index == _out.size()) {
            _writing = false;
            _write_errno = err;
            _deferred_write = true;
            _poller.defer(*this);
        }
        // else: the kernel's buffer is full; EPOLLOUT continues (on_events).
    }

    void close() override {
        _handler = nullptr;
        _writing = false;
        if (_fd < 0)
            return;
        release();
        ::shutdown(_fd, SHUT_RDWR);
        ::close(_fd);
        _fd = -1;
    }

    void abort() override {
        _handler = nullptr;
        _writing = false;
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
        else if (_deferred_read || _deferred_write)
            _poller.forget(*this);
        _watched = false;
        _deferred_read = _deferred_write = false;
    }

    /// Sends from (_out_index, _out_offset) until done or EAGAIN; an errno on failure.
    int send_more() {
        constexpr std::size_t k_iov = 64;
        iovec iov[k_iov];
        while (_out_index < _out.size()) {
            std::size_t n = 0;
            for (std::size_t i = _out_index; i < _out.size() && n < k_iov; ++i) {
                const std::size_t skip = i == _out_index ? _out_offset : 0;
                if (_out[i].size() > skip)
                    iov[n++] = {const_cast<char*>(_out[i].data() + skip), _out[i].size() - skip};
            }
            if (n == 0) {  // only empty buffers left
                _out_index = _out.size();
                break;
            }
            msghdr m{};
            m.msg_iov = iov;
            m.msg_iovlen = n;
            const ssize_t sent = ::sendmsg(_fd, &m, MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return 0;
                return errno;
            }
            advance(static_cast<std::size_t>(sent));
        }
        return 0;
    }

    void advance(std::size_t sent) {
        while (_out_index < _out.size()) {
            const std::size_t left = _out[_out_index].size() - _out_offset;
            if (sent < left) {
                _out_offset += static_cast<std::uint32_t>(sent);
                return;
            }
            sent -= left;
            ++_out_index;
            _out_offset = 0;
        }
    }

    // poller::watcher
    void on_events(std::uint32_t events) override {
        // As Asio orders them: the write's completion first, then the read.
        if (_writing && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            const int err = send_more();
            if (err != 0 || _out_index == _out.size()) {
                _writing = false;
                if (_handler)
                    _handler->on_write_complete(err != 0 ? error_of(err) : std::error_code());
            }
        }
        if (_want_read && _handler && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
            _want_read = false;
            _handler->on_readable();
        }
    }

    void on_deferred() override {
        if (_deferred_write) {
            _deferred_write = false;
            if (_handler)
                _handler->on_write_complete(_write_errno != 0 ? error_of(_write_errno)
                                                              : std::error_code());
        }
        if (_deferred_read && _handler) {
            _deferred_read = false;
            _want_read = false;
            _handler->on_readable();
        }
    }

    poller& _poller;
    stream_handler* _handler = nullptr;      // null once closed: callbacks are dropped
    std::span<const std::string_view> _out;  // the write in progress (the caller's buffers)
    std::uint32_t _out_index = 0;            // first buffer not fully sent
    std::uint32_t _out_offset = 0;           // bytes of it already sent (a frame is < 4 GB)
    int _write_errno = 0;                    // of a write completed inside write()
    int _watch_errno = 0;                    // the socket could not be watched
    int _fd;
    std::uint16_t _port = 0;
    bool _watched = false;
    bool _want_read = false;  // on_readable() is due at the next input edge
    bool _writing = false;    // a write waits for EPOLLOUT
    bool _deferred_write = false;
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
