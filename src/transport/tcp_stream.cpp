#include "transport/tcp_stream.h"

#include <boost/asio/write.hpp>
#include <vector>

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

    void write(std::span<const std::string_view> buffers) override {
        _buffers.clear();
        for (auto b : buffers)
            _buffers.emplace_back(b.data(), b.size());
        asio::async_write(
            _state->socket, _buffers,
            [s = _state->shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (s->handler)
                    s->handler->on_write_complete(ec);
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
    std::string _peer;
    std::vector<asio::const_buffer> _buffers;  // the write in flight (reused)
};

}  // namespace

std::unique_ptr<stream> make_tcp_stream(tcp::socket socket) {
    return std::make_unique<tcp_stream>(std::move(socket));
}

}  // namespace emqd::transport
