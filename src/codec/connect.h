#pragma once
// CONNECT and CONNACK (spec 3.1, 3.2), all three protocol versions. v5-only fields are
// ignored when encoding for 3.1/3.1.1 and left empty when decoding them.

#include <cstdint>
#include <optional>
#include <string>

#include "codec/protocol_version.h"
#include "core/message.h"
#include "core/reason_code.h"

namespace emqd::codec {

struct will_message {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    // v5 Will Properties (spec 3.1.3.2)
    std::uint32_t will_delay_interval = 0;
    core::message_properties props;
};

struct connect_properties {  // spec 3.1.2.11
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::uint8_t> request_response_information;
    std::optional<std::uint8_t> request_problem_information;
    core::user_properties user;
    std::optional<std::string> authentication_method;
    std::optional<std::string> authentication_data;
};

struct connect_packet {
    protocol_version version = protocol_version::v3_1_1;
    bool clean_start = true;  // "clean session" before v5
    std::uint16_t keep_alive = 0;
    std::string client_id;
    std::optional<std::string> username;
    std::optional<std::string> password;  // binary
    std::optional<will_message> will;
    connect_properties props;
};

struct connack_properties {  // spec 3.2.2.3
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint8_t> maximum_qos;
    std::optional<std::uint8_t> retain_available;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::string> assigned_client_identifier;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::string> reason_string;
    core::user_properties user;
    std::optional<std::uint8_t> wildcard_subscription_available;
    std::optional<std::uint8_t> subscription_identifiers_available;
    std::optional<std::uint8_t> shared_subscription_available;
    std::optional<std::uint16_t> server_keep_alive;
    std::optional<std::string> response_information;
    std::optional<std::string> server_reference;
    std::optional<std::string> authentication_method;
    std::optional<std::string> authentication_data;
};

struct connack_packet {
    bool session_present = false;
    /// v5 reason code; encoded for 3.1/3.1.1 via core::to_v3_connack_code.
    core::reason_code reason = core::reason_code::success;
    connack_properties props;
};

}  // namespace emqd::codec
