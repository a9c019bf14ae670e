// Design note: a constexpr table indexed by property identifier (0x00..0x2A) gives each
// property its value type and a bit mask of the packets allowed to carry it (spec 2.2.2.2,
// table 2-4). read_property() is the only place that parses a property, so the rules
// "not allowed here => malformed", "duplicate => protocol error" and the value range
// checks hold for every packet alike. Duplicate detection is one 64-bit mask per block.

#include "codec/detail/properties.h"

#include <array>

#include "core/topic.h"

namespace emqd::codec::detail {
namespace {

constexpr std::uint16_t bit(prop_set s) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s));
}

constexpr std::uint16_t k_ack_sets = bit(prop_set::puback);
constexpr std::uint16_t k_message_sets = bit(prop_set::publish) | bit(prop_set::will);
constexpr std::uint16_t k_all_sets = 0x07FF;

struct prop_info {
    bool known = false;
    prop_type type = prop_type::byte;
    std::uint16_t allowed = 0;
};

constexpr std::array<prop_info, 0x2B> make_table() {
    std::array<prop_info, 0x2B> t{};
    auto set = [&t](std::uint8_t id, prop_type type, std::uint16_t allowed) {
        t[id] = prop_info{true, type, allowed};
    };
    using enum prop_type;
    set(prop::payload_format_indicator, byte, k_message_sets);
    set(prop::message_expiry_interval, u32, k_message_sets);
    set(prop::content_type, utf8, k_message_sets);
    set(prop::response_topic, utf8, k_message_sets);
    set(prop::correlation_data, binary, k_message_sets);
    set(prop::subscription_identifier, vbi, bit(prop_set::publish) | bit(prop_set::subscribe));
    set(prop::session_expiry_interval, u32,
        bit(prop_set::connect) | bit(prop_set::connack) | bit(prop_set::disconnect));
    set(prop::assigned_client_identifier, utf8, bit(prop_set::connack));
    set(prop::server_keep_alive, u16, bit(prop_set::connack));
    set(prop::authentication_method, utf8,
        bit(prop_set::connect) | bit(prop_set::connack) | bit(prop_set::auth));
    set(prop::authentication_data, binary,
        bit(prop_set::connect) | bit(prop_set::connack) | bit(prop_set::auth));
    set(prop::request_problem_information, byte, bit(prop_set::connect));
    set(prop::will_delay_interval, u32, bit(prop_set::will));
    set(prop::request_response_information, byte, bit(prop_set::connect));
    set(prop::response_information, utf8, bit(prop_set::connack));
    set(prop::server_reference, utf8, bit(prop_set::connack) | bit(prop_set::disconnect));
    set(prop::reason_string, utf8,
        bit(prop_set::connack) | k_ack_sets | bit(prop_set::suback) | bit(prop_set::unsuback) |
            bit(prop_set::disconnect) | bit(prop_set::auth));
    set(prop::receive_maximum, u16, bit(prop_set::connect) | bit(prop_set::connack));
    set(prop::topic_alias_maximum, u16, bit(prop_set::connect) | bit(prop_set::connack));
    set(prop::topic_alias, u16, bit(prop_set::publish));
    set(prop::maximum_qos, byte, bit(prop_set::connack));
    set(prop::retain_available, byte, bit(prop_set::connack));
    set(prop::user_property, utf8_pair, k_all_sets);
    set(prop::maximum_packet_size, u32, bit(prop_set::connect) | bit(prop_set::connack));
    set(prop::wildcard_subscription_available, byte, bit(prop_set::connack));
    set(prop::subscription_identifier_available, byte, bit(prop_set::connack));
    set(prop::shared_subscription_available, byte, bit(prop_set::connack));
    return t;
}

constexpr auto k_table = make_table();

core::status read_value(reader& r, property& p) {
    switch (p.type) {
        case prop_type::byte: {
            std::uint8_t v = 0;
            EMQD_CODEC_TRY(r.u8(v));
            p.num = v;
            return {};
        }
        case prop_type::u16: {
            std::uint16_t v = 0;
            EMQD_CODEC_TRY(r.u16(v));
            p.num = v;
            return {};
        }
        case prop_type::u32:
            return r.u32(p.num);
        case prop_type::vbi:
            return r.vbi(p.num);
        case prop_type::utf8:
            return r.utf8(p.str);
        case prop_type::binary:
            return r.binary(p.str);
        case prop_type::utf8_pair:  // [MQTT-3.1.3-?] both name and value are UTF-8 strings
            EMQD_CODEC_TRY(r.utf8(p.str));
            return r.utf8(p.value);
    }
    return malformed("unknown property type");
}

core::status check_range(const property& p) {
    switch (p.id) {
        case prop::receive_maximum:  // spec 3.1.2.11.3 / 3.2.2.3.3
            if (p.num == 0)
                return protocol_error("Receive Maximum is 0");
            break;
        case prop::maximum_packet_size:  // spec 3.1.2.11.4 / 3.2.2.3.6
            if (p.num == 0)
                return protocol_error("Maximum Packet Size is 0");
            break;
        case prop::subscription_identifier:  // spec 3.8.2.1.2: 1..268,435,455
            if (p.num == 0)
                return protocol_error("Subscription Identifier is 0");
            break;
        case prop::topic_alias:  // [MQTT-3.3.2-8], spec 3.3.2.3.4: reason 0x94
            if (p.num == 0)
                return core::fail(core::reason_code::topic_alias_invalid, "Topic Alias is 0");
            break;
        case prop::payload_format_indicator:
        case prop::request_problem_information:   // spec 3.1.2.11.7
        case prop::request_response_information:  // spec 3.1.2.11.6
        case prop::maximum_qos:                   // spec 3.2.2.3.4
        case prop::retain_available:
        case prop::wildcard_subscription_available:
        case prop::subscription_identifier_available:
        case prop::shared_subscription_available:
            if (p.num > 1)
                return protocol_error("property value must be 0 or 1");
            break;
        case prop::response_topic:  // [MQTT-3.3.2-14]: a Topic Name, no wildcards
            if (!core::validate_topic_name(p.str))
                return protocol_error("invalid Response Topic");
            break;
        default:
            break;
    }
    return {};
}

}  // namespace

core::status read_property(reader& r, prop_set set, std::uint64_t& seen, property& out) {
    std::uint32_t id = 0;
    EMQD_CODEC_TRY(r.vbi(id));  // identifiers are Variable Byte Integers (spec 2.2.2.2)
    if (id >= k_table.size() || !k_table[id].known)
        return malformed("unknown property");
    const prop_info& info = k_table[id];
    if ((info.allowed & bit(set)) == 0)
        return malformed("property not allowed in this packet");
    const std::uint64_t mask = std::uint64_t{1} << id;
    const bool may_repeat = id == prop::user_property ||
                            (id == prop::subscription_identifier && set == prop_set::publish);
    if ((seen & mask) && !may_repeat)
        return protocol_error("duplicate property");
    seen |= mask;
    out.id = static_cast<std::uint8_t>(id);
    out.type = info.type;
    EMQD_CODEC_TRY(read_value(r, out));
    return check_range(out);
}

bool store_message_property(const property& p, core::message_properties& m) {
    switch (p.id) {
        case prop::payload_format_indicator:
            m.payload_format_indicator = static_cast<std::uint8_t>(p.num);
            return true;
        case prop::message_expiry_interval:
            m.message_expiry_interval = p.num;
            return true;
        case prop::content_type:
            m.content_type.emplace(p.str);
            return true;
        case prop::response_topic:
            m.response_topic.emplace(p.str);
            return true;
        case prop::correlation_data:
            m.correlation_data.emplace(p.str);
            return true;
        case prop::user_property:
            m.user.emplace_back(p.str, p.value);
            return true;
        default:
            return false;
    }
}

}  // namespace emqd::codec::detail
