// Design note: the state lives in a shared block (impl) that every pending Asio operation
// holds, so the tcp_client may be destroyed with operations in flight: it sets `dead`, closes
// the socket, and the aborted completions return without touching the protocol. Reads are
// async_read_some into the protocol's kept parser buffer (Asio tries the read at once and
// waits for readiness only when the socket is empty: no epoll_ctl per read); writes are one
// async_write of the buffer swapped out of the protocol, with at most one in flight. What
// the protocol queues meanwhile is written when that write completes; what it queues while
// idle is written by one flush posted to the end of the loop turn (or, during a read, right
// after the read is handled), so each turn costs at most one write per connection.

#include "client/tcp_client.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace emqd::client {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::size_t k_first_read = 512;       // an idle connection's buffer
constexpr std::size_t k_max_read = 256 * 1024;  // a busy one's

}  // namespace

struct tcp_client::impl final : client_io, std::enable_shared_from_this<impl> {
    impl(asio::io_context& io, client_options opts, client_handler& handler)
        : io(io), socket(io), proto(std::move(opts), handler, *this) {}

    // client_io
    void on_output() override {
        if (writing || flush_posted || reading || dead)
            return;  // a write completion or the end of the read flushes
        flush_posted = true;
        asio::post(io, [s = shared_from_this()] {
            s->flush_posted = false;
            if (!s->dead)
                s->flush();
        });
    }
    void on_close() override {
        closing = true;
        if (!writing && !flush_posted && !reading)
            flush();  // writes the last bytes (DISCONNECT) or closes now
    }

    void connect(const tcp_endpoint& ep) {
        error_code ec;
        const auto addr = asio::ip::make_address(ep.host, ec);
        tcp::endpoint source;
        if (!ec && !ep.source.empty()) {
            const auto src = asio::ip::make_address(ep.source, ec);
            source = tcp::endpoint(src, 0);
        }
        if (!ec)
            socket.open(addr.is_v4() ? tcp::v4() : tcp::v6(), ec);
        if (!ec && !ep.source.empty()) {
            const int one = 1;  // pick the port at connect(): per destination, not global
            ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                         sizeof one);
            socket.bind(source, ec);
        }
        if (ec) {
            fail(ec, "bad address");
            return;
        }
        socket.async_connect(tcp::endpoint(addr, ep.port), [s = shared_from_this()](error_code ec) {
            if (s->dead)
                return;
            if (ec) {
                s->fail(ec, "TCP connect failed");
                return;
            }
            error_code ignored;
            s->socket.set_option(tcp::no_delay(true), ignored);
            s->reading = true;  // the CONNECT goes out with the first flush below
            s->proto.start(std::chrono::steady_clock::now());
            s->reading = false;
            s->flush();
            s->read();
        });
    }

    void read() {
        if (dead || proto.closed())
            return;
        auto buf = proto.read_buffer(read_size);
        socket.async_read_some(asio::buffer(buf.data(), buf.size()),
                               [s = shared_from_this()](error_code ec, std::size_t n) {
                                   if (!s->dead)
                                       s->on_read(ec, n);
                               });
    }

    void on_read(error_code ec, std::size_t n) {
        if (ec) {
            if (ec != asio::error::operation_aborted && !proto.closed())
                fail(ec,
                     ec == asio::error::eof ? "connection closed by server" : "connection reset");
            return;
        }
        if (n == read_size && read_size < k_max_read)
            read_size *= 2;  // reads fill the buffer: read more at a time
        reading = true;
        proto.on_read(n);
        reading = false;
        if (dead)
            return;
        if (!writing)
            flush();
        read();
    }

    void flush() {
        if (writing || socket_closed)
            return;
        proto.swap_output(out);
        if (out.empty()) {
            if (closing)
                close_socket();
            else
                proto.on_written();
            return;
        }
        writing = true;
        asio::async_write(socket, asio::buffer(out),
                          [s = shared_from_this()](error_code ec, std::size_t) {
                              s->writing = false;
                              s->out.clear();
                              if (s->dead)
                                  return;
                              if (ec) {
                                  if (!s->proto.closed())
                                      s->fail(ec, "write failed");
                                  s->close_socket();
                                  return;
                              }
                              s->flush();  // what was queued meanwhile, or on_written()
                          });
    }

    /// The socket failed: the protocol learns it (on_closed), the socket closes.
    void fail(error_code ec, const char* what) {
        error = ec;
        proto.on_socket_closed(what);
        close_socket();
    }

    void close_socket() {
        if (socket_closed)
            return;
        socket_closed = true;
        error_code ignored;
        socket.close(ignored);  // unsent kernel bytes still go out, then FIN
    }

    asio::io_context& io;
    tcp::socket socket;
    client proto;
    std::string out;  // the write in flight
    std::size_t read_size = k_first_read;
    std::error_code error;
    bool writing = false;
    bool flush_posted = false;
    bool reading = false;  // inside on_read(): flush once at its end
    bool closing = false;  // the protocol is done: close after the last write
    bool socket_closed = false;
    bool dead = false;  // the tcp_client is gone
};

tcp_client::tcp_client(asio::io_context& io, client_options opts, client_handler& handler)
    : _impl(std::make_shared<impl>(io, std::move(opts), handler)) {}

tcp_client::~tcp_client() {
    _impl->dead = true;
    _impl->close_socket();
}

void tcp_client::connect(const tcp_endpoint& ep) {
    _impl->connect(ep);
}

client& tcp_client::protocol() {
    return _impl->proto;
}

const client& tcp_client::protocol() const {
    return _impl->proto;
}

std::error_code tcp_client::last_error() const {
    return _impl->error;
}

}  // namespace emqd::client
