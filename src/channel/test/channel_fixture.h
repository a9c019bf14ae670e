#pragma once
// Test doubles for the channel tests (style.md §7.1: a stub transport that feeds scripted
// bytes and checks writes; no sockets, no sleeps).
//
//   fake_io      connection_io over a std::string, with a closed flag and extra "pending"
//                bytes to simulate a socket that does not drain.
//   fake_broker  broker_services with a real router and retained store; owns sessions by
//                client id, records publishes and routes them to local sessions, and can hold
//                open_session grants back to test the asynchronous path.
//   channel_test the fixture: opens connections, feeds hex, takes the output as hex.
//
// Time is explicit: at(s) is t0 + s seconds.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "channel/channel.h"
#include "codec/packet.h"
#include "codec/test/test_util.h"
#include "router/retained_store.h"
#include "router/router.h"
#include "session/session.h"

namespace emqd::channel::test {

using codec::protocol_version;
using core::reason_code;

inline const clock::time_point t0 = clock::time_point{} + std::chrono::hours(1);
inline clock::time_point at(double seconds) {
    return t0 + std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

using codec::test::hex;
using codec::test::to_hex;

template <class P>
std::string wire(const P& p, protocol_version v) {
    std::string out;
    codec::encode(p, v, out);
    return out;
}

/// A v5 packet as hex: first byte `first`, then the fields `fields_hex` (packet id, reason
/// code, ...) and a property block holding only the Reason String `what`, then `tail_hex`
/// (SUBACK codes). How an error answer with a reason string looks on the wire.
inline std::string with_reason(std::uint8_t first, std::string_view fields_hex,
                               std::string_view what, std::string_view tail_hex = "") {
    std::string props = "\x1F";
    props += static_cast<char>(what.size() >> 8);
    props += static_cast<char>(what.size() & 0xFF);
    props += what;
    std::string body = hex(fields_hex);
    body += static_cast<char>(props.size());  // short strings: one-byte lengths
    body += props;
    body += hex(tail_hex);
    std::string out(1, static_cast<char>(first));
    out += static_cast<char>(body.size());
    out += body;
    return to_hex(out);
}

class fake_io final : public connection_io {
public:
    std::string& output() override { return out; }
    void notify_output() override { ++notified; }
    void append_by_reference(std::shared_ptr<const std::string> bytes) override {
        out += *bytes;
        by_reference.push_back(std::move(bytes));
        notify_output();
    }
    std::size_t pending_output() const override { return out.size() + stuck; }
    bool count_publish(clock::time_point) override { return ++counted < publish_budget; }
    std::optional<core::ip_address> peer_address() const override { return peer; }
    void close() override {
        EXPECT_FALSE(closed) << "close() called twice";
        closed = true;
    }

    std::string out;
    bool closed = false;
    std::optional<core::ip_address> peer = core::parse_ip_address("192.0.2.10");
    std::size_t stuck = 0;  // bytes the "socket" has not written
    std::vector<std::shared_ptr<const std::string>> by_reference;  // large payloads appended
    int notified = 0;
    std::size_t counted = 0;                // PUBLISHes counted (count_publish)
    std::size_t publish_budget = SIZE_MAX;  // count_publish refuses once this many counted
};

class fake_broker final : public broker_services {
public:
    fake_broker() { scfg.retry_interval = std::chrono::seconds(30); }

    void open_session(const session_request& req,
                      std::function<void(session_grant)> done) override {
        requests.push_back(req);
        auto grant = [this, req, done] {
            session_grant g;
            if (refuse != reason_code::success) {
                g.reason = refuse;
                done(g);
                return;
            }
            auto& slot = sessions[req.client_id.str()];
            if (slot && req.clean_start)
                slot.reset();
            g.session_present = slot != nullptr;
            if (!slot)
                slot = std::make_unique<session::session>(scfg, req.client_id, router,
                                                          router::subscriber_id{0, next_sid++});
            g.session = slot.get();
            done(g);
        };
        if (defer_grants)
            deferred.push_back(grant);
        else
            grant();
    }
    void session_closed(session::session* s) override {
        const std::string id = s->client_id().str();
        closed_sessions.push_back(id);
        if (s->expiry_interval() == 0)
            sessions.erase(id);
    }
    void publish(core::message_ptr msg) override {
        published.push_back(msg);
        if (write_on_publish)
            ++ticket;
        if (msg->retain)
            retained_store.put(msg);
        // Local routing, as a shard would do it: group matches by session.
        std::vector<router::route> routes;
        router.match(msg->topic, msg->from_client_id, routes);
        frames.expect(*msg, routes.size() == 1);  // as broker::shard::publish
        for (auto& [id, s] : sessions) {
            std::vector<router::subscription_options> matched;
            for (const router::route& r : routes)
                if (r.subscriber == s->id())
                    matched.push_back(r.options);
            if (!matched.empty())
                s->deliver(msg, matched, msg->received_at);
        }
    }
    bool publish_delayed(core::message_ptr msg, std::uint32_t seconds) override {
        if (delayed.size() >= max_delayed)
            return false;
        delayed.emplace_back(std::move(msg), seconds);
        return true;
    }
    std::uint64_t storage_ticket() const override { return ticket; }
    void notify_when_durable(std::uint64_t t) override { durable_requests.push_back(t); }
    auth::access_control& access() override { return access_control; }
    const router::retained_store& retained() const override { return retained_store; }
    frame_cache& qos0_frames() override { return frames; }
    frame_cache frames;
    core::guid next_guid(clock::time_point) override { return core::guid{1, ++guid_seq}; }
    std::string assign_client_id() override { return "auto-" + std::to_string(++assigned); }

    session::session* find(const std::string& id) {
        auto it = sessions.find(id);
        return it == sessions.end() ? nullptr : it->second.get();
    }
    void release_grants() {
        auto d = std::move(deferred);
        deferred.clear();
        for (auto& g : d)
            g();
    }

    session::session_config scfg;
    /// A storage ticket; publish() advances it when write_on_publish (a message stored).
    std::uint64_t ticket = 0;
    bool write_on_publish = false;
    std::vector<std::uint64_t> durable_requests;  // notify_when_durable
    router::router router;
    router::retained_store retained_store;
    auth::access_control access_control{auth::access_config{}, t0};
    std::map<std::string, std::unique_ptr<session::session>> sessions;
    std::vector<session_request> requests;
    std::vector<core::message_ptr> published;
    std::vector<std::pair<core::message_ptr, std::uint32_t>> delayed;  // held, with delay
    std::size_t max_delayed = 100;
    std::vector<std::string> closed_sessions;
    std::vector<std::function<void()>> deferred;
    bool defer_grants = false;
    reason_code refuse = reason_code::success;
    std::uint64_t next_sid = 1;
    std::uint64_t guid_seq = 0;
    int assigned = 0;
};

/// One client connection under test.
struct conn {
    fake_io io;
    std::unique_ptr<channel> ch;

    /// Feeds raw bytes as one socket read.
    void feed(const std::string& bytes, clock::time_point now) {
        auto buf = ch->read_buffer(bytes.size());
        std::memcpy(buf.data(), bytes.data(), bytes.size());
        ch->on_read(bytes.size(), now);
    }
    void feed_hex(std::string_view h, clock::time_point now) { feed(hex(h), now); }
    /// Everything written since the last take(), as spaced hex.
    std::string take() {
        std::string s = to_hex(io.out);
        io.out.clear();
        return s;
    }
};

class channel_test : public ::testing::Test {
protected:
    conn& open(clock::time_point now = at(0)) {
        auto c = std::make_unique<conn>();
        c->ch = std::make_unique<channel>(cfg, broker, c->io, now);
        conns.push_back(std::move(c));
        return *conns.back();
    }

    static codec::connect_packet connect_packet(protocol_version v, std::string id,
                                                bool clean = true, std::uint16_t keep_alive = 60) {
        codec::connect_packet p;
        p.version = v;
        p.client_id = std::move(id);
        p.clean_start = clean;
        p.keep_alive = keep_alive;
        return p;
    }

    /// Opens a connection and completes CONNECT/CONNACK; the CONNACK is consumed.
    conn& connected(const codec::connect_packet& p, clock::time_point now = at(0)) {
        conn& c = open(now);
        c.feed(wire(p, p.version), now);
        EXPECT_FALSE(c.ch->closed());
        EXPECT_NE(c.ch->attached_session(), nullptr);
        c.io.out.clear();
        return c;
    }
    conn& connected(protocol_version v, std::string id, clock::time_point now = at(0)) {
        return connected(connect_packet(v, std::move(id)), now);
    }

    channel_config cfg;
    fake_broker broker;  // declared before conns: channels die first
    std::vector<std::unique_ptr<conn>> conns;
};

}  // namespace emqd::channel::test
