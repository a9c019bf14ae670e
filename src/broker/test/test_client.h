#pragma once
// A blocking MQTT test client over a real loopback socket, for in-process broker tests.
// Encodes with the codec and reads with a receive timeout, so a missing answer fails the
// test instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "codec/packet.h"
#include "codec/stream_parser.h"

namespace emqd::broker::test {

class test_client {
public:
    test_client(std::uint16_t port, codec::protocol_version v) : _version(v) {
        _fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{2, 0};
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("connect failed");
    }
    ~test_client() { ::close(_fd); }
    test_client(const test_client&) = delete;
    test_client& operator=(const test_client&) = delete;

    template <class Packet>
    void send(const Packet& p) {
        std::string out;
        if constexpr (std::is_same_v<Packet, codec::connect_packet>)
            codec::encode(p, out);
        else
            codec::encode(p, _version, out);
        send_raw(out);
    }
    void send_raw(const std::string& bytes) {
        ::send(_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }

    /// The next packet, or nullopt on timeout / close.
    std::optional<codec::packet> receive() {
        while (true) {
            auto f = _parser.next();
            if (!f.ok())
                return std::nullopt;
            if (*f) {
                auto p = codec::decode(**f, _version);
                if (!p.ok())
                    return std::nullopt;
                // Copy views (publish topic/payload) before the parser moves on.
                if (auto* pub = std::get_if<codec::publish_packet>(&*p)) {
                    _last_topic.assign(pub->topic);
                    _last_payload.assign(pub->payload);
                    pub->topic = _last_topic;
                    pub->payload = _last_payload;
                }
                return std::move(*p);
            }
            auto buf = _parser.prepare(4096);
            const ssize_t n = ::recv(_fd, buf.data(), buf.size(), 0);
            if (n <= 0)
                return std::nullopt;
            _parser.commit(static_cast<std::size_t>(n));
        }
    }

    template <class Packet>
    Packet expect() {
        auto p = receive();
        if (!p)
            throw std::runtime_error("no packet received");
        if (!std::holds_alternative<Packet>(*p))
            throw std::runtime_error("unexpected packet type (variant index " +
                                     std::to_string(p->index()) + ")");
        return std::get<Packet>(std::move(*p));
    }

    /// True if the broker closed the connection (read returns 0) within the timeout.
    bool closed_by_peer() {
        char c;
        return ::recv(_fd, &c, 1, 0) == 0;
    }

    codec::connack_packet connect(const std::string& client_id, bool clean_start = true,
                                  std::uint32_t expiry = 0) {
        codec::connect_packet c;
        c.version = _version;
        c.client_id = client_id;
        c.clean_start = clean_start;
        c.keep_alive = 60;
        if (_version == codec::protocol_version::v5 && expiry)
            c.props.session_expiry_interval = expiry;
        send(c);
        return expect<codec::connack_packet>();
    }

private:
    int _fd = -1;
    codec::protocol_version _version;
    codec::stream_parser _parser;
    std::string _last_topic, _last_payload;
};

}  // namespace emqd::broker::test
