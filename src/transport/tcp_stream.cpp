#include "transport/tcp_stream.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace emqd::transport {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct tcp_state : std::enable_shared_from_this<tcp_state> {
    explicit tcp_state(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    stream_handler* handler = nullptr;  // null once closed: completions are dropped
};

class tcp_stream final : public stream {
public:
    explicit tcp_stream(tcp::socket socket)
        : _state(std::make_shared<tcp_state>(std::move(socket))) {
        boost::system::error_code ec;
        auto ep = _state->socket.remote_endpoint(ec);
        _peer = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
        _state->socket.set_option(tcp::no_delay(true), ec);
        _state->socket.non_blocking(true, ec);
    }
    ~tcp_stream() override { close(); }

    void start(stream_handler& handler) override {
        _state->handler = &handler;
        wait_readable();
    }

    void wait_readable() override {
        _state->socket.async_wait(tcp::socket::wait_read,
                                  [s = _state->shared_from_this()](boost::system::error_code ec) {
                                      // On error read_some reports it; on abort we are closed.
                                      if (ec == asio::error::operation_aborted || !s->handler)
                                          return;
                                      s->handler->on_readable();
                                  });
    }

    std::size_t read_some(std::span<std::uint8_t> buf, std::error_code& ec) override {
        boost::system::error_code bec;
        const std::size_t n = _state->socket.read_some(asio::buffer(buf.data(), buf.size()), bec);
        if (bec == asio::error::would_block || bec == asio::error::try_again) {
            ec.clear();
            return 0;
        }
        ec = bec;
        return n;
    }

    std::size_t write_some(std::span<const std::string_view> buffers,
                           std::error_code& ec) override {
        // sendmsg directly rather than Asio's write_some, which gathers at most 64 buffers
        // per call; one call takes as many pieces as the kernel allows.
        std::array<iovec, max_iov> iov;
        const std::size_t count = std::min(buffers.size(), iov.size());
        for (std::size_t i = 0; i < count; ++i)
            iov[i] = iovec{const_cast<char*>(buffers[i].data()), buffers[i].size()};
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        for (;;) {
            const ssize_t n = ::sendmsg(_state->socket.native_handle(), &msg, MSG_NOSIGNAL);
            if (n >= 0) {
                ec.clear();
                return static_cast<std::size_t>(n);
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ec.clear();
                return 0;
            }
            ec = std::error_code(errno, std::system_category());
            return 0;
        }
    }

    void wait_writable() override {
        _state->socket.async_wait(tcp::socket::wait_write,
                                  [s = _state->shared_from_this()](boost::system::error_code ec) {
                                      // On error write_some reports it; on abort we are closed.
                                      if (ec == asio::error::operation_aborted || !s->handler)
                                          return;
                                      s->handler->on_writable();
                                  });
    }

    void close() override {
        if (!_state->handler && !_state->socket.is_open())
            return;
        _state->handler = nullptr;
        boost::system::error_code ec;
        _state->socket.shutdown(tcp::socket::shutdown_both, ec);
        _state->socket.close(ec);
    }

    void abort() override {
        if (_state->socket.is_open()) {
            boost::system::error_code ec;
            _state->socket.set_option(asio::socket_base::linger(true, 0), ec);
        }
        _state->handler = nullptr;
        boost::system::error_code ec;
        _state->socket.close(ec);  // with linger 0: RST, send queue dropped
    }

    const std::string& peer() const override { return _peer; }

private:
    std::shared_ptr<tcp_state> _state;
    static constexpr std::size_t max_iov = 128;  // pieces per sendmsg; callers loop for more
    std::string _peer;
};

}  // namespace

std::unique_ptr<stream> make_tcp_stream(tcp::socket socket) {
    return std::make_unique<tcp_stream>(std::move(socket));
}

}  // namespace emqd::transport
