#pragma once
// Test doubles for the session tests: a session_sink that records every packet it is asked
// to send, and message builders. Time is always explicit (no sleeps).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "session/session.h"

namespace emqd::session::test {

inline const clock::time_point t0 = clock::time_point{} + std::chrono::hours(1);

inline clock::time_point at(int seconds) {
    return t0 + std::chrono::seconds(seconds);
}

struct sent_packet {
    enum class kind { publish, pubrel };
    kind type;
    std::string payload;  // empty for PUBREL
    std::uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;
    std::vector<std::uint32_t> subscription_ids;
};

class recording_sink final : public session_sink {
public:
    bool send_publish(const publish_out& p) override {
        sent.push_back(sent_packet{sent_packet::kind::publish,
                                   p.msg.payload,
                                   p.qos,
                                   p.retain,
                                   p.dup,
                                   p.packet_id,
                                   {p.subscription_ids.begin(), p.subscription_ids.end()}});
        return accept;
    }
    void send_pubrel(std::uint16_t packet_id) override {
        sent.push_back(sent_packet{sent_packet::kind::pubrel, {}, 0, false, false, packet_id, {}});
    }

    /// Payloads of the PUBLISH packets recorded so far, in order.
    std::vector<std::string> payloads() const {
        std::vector<std::string> out;
        for (const auto& s : sent) {
            if (s.type == sent_packet::kind::publish) {
                out.push_back(s.payload);
            }
        }
        return out;
    }

    std::vector<sent_packet> sent;
    bool accept = true;  // what send_publish returns
};

struct msg_spec {
    std::string payload = "p";
    std::uint8_t qos = 0;
    bool retain = false;
    std::string from{};
    std::optional<std::uint32_t> expiry{};
    clock::time_point received_at = t0;
    std::string topic = "a/b";
};

inline core::message_ptr make_msg(const msg_spec& s) {
    auto m = std::make_shared<core::message>();
    m->topic = s.topic;
    m->payload = s.payload;
    m->qos = s.qos;
    m->retain = s.retain;
    m->from_client_id = s.from;
    m->received_at = s.received_at;
    m->props.message_expiry_interval = s.expiry;
    return m;
}

inline router::subscription_options opts(std::uint8_t qos, std::uint32_t sub_id = 0) {
    router::subscription_options o;
    o.qos = qos;
    o.subscription_id = sub_id;
    return o;
}

}  // namespace emqd::session::test
