#pragma once
#include <cstdint>

namespace emqd::codec {

/// The protocol level byte of CONNECT: "MQIsdp"/3, "MQTT"/4, "MQTT"/5.
enum class protocol_version : std::uint8_t { v3_1 = 3, v3_1_1 = 4, v5 = 5 };

constexpr bool is_v5(protocol_version v) {
    return v == protocol_version::v5;
}

/// Fixed-header packet types (spec 2.1.2).
enum class packet_type : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
    auth = 15,
};

}  // namespace emqd::codec
