// mqtt.* keys: protocol limits, stored in config::zone (a channel::channel_config).

#include "app/config/config_registry.h"

namespace emqd::app::detail {

void register_mqtt_keys(key_registry& r) {
    // 268435455 is the largest packet the MQTT remaining-length field can describe.
    r.key("mqtt.max_packet_size", [](load_state& s, const setting& v) {
        s.cfg.zone.max_packet_size = as_size<std::uint32_t>(v, 1, 268435455);
    });
    // MQTT 3.1.1 §3.1.3.1: a server must accept client ids of at least 23 bytes.
    r.key("mqtt.max_clientid_len", [](load_state& s, const setting& v) {
        s.cfg.zone.max_clientid_len = as_uint<std::size_t>(v, 23, 65535);
    });
    r.key("mqtt.max_topic_levels", [](load_state& s, const setting& v) {
        s.cfg.zone.max_topic_levels = as_uint<std::size_t>(v, 0, 65535);
    });
    r.key("mqtt.max_qos_allowed", [](load_state& s, const setting& v) {
        s.cfg.zone.max_qos_allowed = as_uint<std::uint8_t>(v, 0, 2);
    });
    r.key("mqtt.max_topic_alias", [](load_state& s, const setting& v) {
        s.cfg.zone.max_topic_alias = as_uint<std::uint16_t>(v, 0, 65535);
    });
    r.key("mqtt.retain_available",
          [](load_state& s, const setting& v) { s.cfg.zone.retain_available = as_bool(v); });
    r.key("mqtt.delayed.max_delayed_messages", [](load_state& s, const setting& v) {
        s.cfg.max_delayed_messages = as_uint<std::size_t>(v, 0, 100'000'000);
    });
    r.key("mqtt.delayed.max_delayed_bytes", [](load_state& s, const setting& v) {
        s.cfg.max_delayed_bytes = as_size<std::uint64_t>(v, 0, std::uint64_t{1} << 50);
    });
    r.key("mqtt.wildcard_subscription",
          [](load_state& s, const setting& v) { s.cfg.zone.wildcard_subscription = as_bool(v); });
    r.key("mqtt.max_subscriptions", [](load_state& s, const setting& v) {
        s.cfg.zone.max_subscriptions = as_uint<std::size_t>(v, 0, 4294967295);
    });
    // Any text (the spec leaves its meaning to the application); empty = not sent.
    r.key("mqtt.response_information", [](load_state& s, const setting& v) {
        s.cfg.zone.response_information = std::string(v.value);
    });
    r.key("mqtt.shared_subscription",
          [](load_state& s, const setting& v) { s.cfg.zone.shared_subscription = as_bool(v); });
}

}  // namespace emqd::app::detail
