// tcp_stream over the poller, against real loopback sockets: readiness, gathered writes
// larger than the kernel's buffers, EOF, close, and streams destroyed while their events
// are being dispatched.

#include "transport/tcp_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "transport/tcp_listener.h"

namespace emqd::transport {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct recorder : stream_handler {
    int readable = 0;
    int writable = 0;
    std::function<void()> on_read;
    std::function<void()> on_write;
    void on_readable() override {
        ++readable;
        if (on_read)
            on_read();
    }
    void on_writable() override {
        ++writable;
        if (on_write)
            on_write();
    }
};

class tcp_stream_test : public ::testing::Test {
protected:
    tcp_stream_test()
        : _listener(_io, "127.0.0.1", 0, {},
                    [this](std::unique_ptr<stream> s) { _accepted.push_back(std::move(s)); }) {
        _listener.start();
    }
    ~tcp_stream_test() override { _accepted.clear(); }

    /// Runs the loop until `done` or 5 s; false on timeout.
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            _io.run_one_for(50ms);
        }
        return true;
    }
    /// A connected client and the broker side's stream, started with `h`.
    std::pair<tcp::socket, std::unique_ptr<stream>> connect(recorder& h) {
        tcp::socket client(_client_io);
        client.connect({asio::ip::make_address("127.0.0.1"), _listener.port()});
        const std::size_t before = _accepted.size();
        EXPECT_TRUE(run_until([&] { return _accepted.size() > before; }));
        auto s = std::move(_accepted.back());
        _accepted.pop_back();
        s->start(h);
        return {std::move(client), std::move(s)};
    }
    /// Reads everything readable from `s` now.
    static std::string drain(stream& s, std::error_code& ec) {
        std::string got;
        std::uint8_t buf[4096];
        for (;;) {
            const std::size_t n = s.read_some(buf, ec);
            if (n == 0 || ec)
                return got;
            got.append(reinterpret_cast<const char*>(buf), n);
        }
    }

    asio::io_context _io;
    asio::io_context _client_io;  // blocking client sockets only
    tcp_listener _listener;
    std::vector<std::unique_ptr<stream>> _accepted;
};

TEST_F(tcp_stream_test, reports_input_once_per_wait) {
    recorder h;
    auto [client, s] = connect(h);
    EXPECT_EQ(s->peer_address(), core::parse_ip_address("127.0.0.1"));
    EXPECT_EQ(s->peer(), "127.0.0.1:" + std::to_string(client.local_endpoint().port()));

    asio::write(client, asio::buffer(std::string("hello")));
    ASSERT_TRUE(run_until([&] { return h.readable == 1; }));
    std::error_code ec;
    EXPECT_EQ(drain(*s, ec), "hello");
    EXPECT_FALSE(ec);

    // Not waiting: more input is not reported...
    asio::write(client, asio::buffer(std::string("more")));
    _io.run_for(100ms);
    EXPECT_EQ(h.readable, 1);
    // ... but it is there for a direct read, and after that drain a wait reports the next.
    EXPECT_EQ(drain(*s, ec), "more");
    s->wait_readable();
    asio::write(client, asio::buffer(std::string("again")));
    ASSERT_TRUE(run_until([&] { return h.readable == 2; }));
    EXPECT_EQ(drain(*s, ec), "again");
}

TEST_F(tcp_stream_test, a_large_gathered_write_goes_out_in_order_across_writability_waits) {
    recorder h;
    auto [client, s] = connect(h);
    // Far more than the socket buffers take at once: the rest goes out after EPOLLOUT.
    std::vector<std::string> parts;
    std::string expected;
    for (int i = 0; i < 200; ++i) {
        parts.push_back(std::string(40000 + i, static_cast<char>('a' + i % 26)));
        expected += parts.back();
    }
    parts.insert(parts.begin() + 5, std::string());  // empty buffers are allowed
    std::size_t part = 0;                            // first part not fully written
    std::size_t skip = 0;                            // bytes of it written
    std::error_code wec;
    auto write_more = [&] {
        while (part < parts.size()) {
            std::vector<std::string_view> views;
            for (std::size_t i = part; i < parts.size(); ++i)
                views.push_back(std::string_view(parts[i]).substr(i == part ? skip : 0));
            std::size_t n = s->write_some(views, wec);
            if (wec)
                return;
            if (n == 0) {
                s->wait_writable();
                return;
            }
            for (; n > 0 || (part < parts.size() && parts[part].size() == skip);) {
                const std::size_t left = parts[part].size() - skip;
                if (n < left) {
                    skip += n;
                    break;
                }
                n -= left;
                ++part;
                skip = 0;
            }
        }
    };
    h.on_write = write_more;
    write_more();
    EXPECT_LT(part, parts.size());  // the kernel did not take it all at once

    std::string got(expected.size(), '\0');
    std::size_t have = 0;
    client.non_blocking(true);
    ASSERT_TRUE(run_until([&] {
        boost::system::error_code rec;
        have += client.read_some(asio::buffer(got.data() + have, got.size() - have), rec);
        return have == got.size();
    }));
    EXPECT_EQ(got, expected);
    EXPECT_FALSE(wec);
    EXPECT_GE(h.writable, 1);  // continued on writability, not by polling
    EXPECT_EQ(part, parts.size());
}

TEST_F(tcp_stream_test, eof_and_close) {
    recorder h;
    auto [client, s] = connect(h);
    client.close();
    ASSERT_TRUE(run_until([&] { return h.readable == 1; }));
    std::error_code ec;
    drain(*s, ec);
    EXPECT_TRUE(ec);  // EOF

    recorder h2;
    auto [client2, s2] = connect(h2);
    s2->close();
    s2->close();  // twice is fine
    boost::system::error_code wec;
    asio::write(client2, asio::buffer(std::string("ignored")), wec);
    _io.run_for(100ms);
    EXPECT_EQ(h2.readable, 0);  // no callback after close()
    char c;
    boost::system::error_code rec;
    client2.read_some(asio::buffer(&c, 1), rec);
    EXPECT_TRUE(rec);  // the peer sees the connection end
}

TEST_F(tcp_stream_test, a_stream_destroyed_during_dispatch_gets_no_call) {
    // Two streams readable in the same batch; whichever is called first destroys the other.
    recorder h1, h2;
    auto [c1, s1] = connect(h1);
    auto [c2, s2] = connect(h2);
    h1.on_read = [&] { s2.reset(); };
    h2.on_read = [&] { s1.reset(); };
    asio::write(c1, asio::buffer(std::string("1")));
    asio::write(c2, asio::buffer(std::string("2")));
    ASSERT_TRUE(run_until([&] { return h1.readable + h2.readable > 0; }));
    _io.run_for(100ms);
    EXPECT_EQ(h1.readable + h2.readable, 1);
}

}  // namespace
}  // namespace emqd::transport
