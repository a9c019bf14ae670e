#pragma once
// MQTT UTF-8 Encoded String rules (spec 1.5.4).

#include <string_view>

namespace emqd::codec::detail {

/// True if `s` is well-formed UTF-8 [MQTT-1.5.4-1] (no overlong forms, no code points above
/// U+10FFFF, no surrogates U+D800..U+DFFF) and contains no U+0000 [MQTT-1.5.4-2].
/// Other control characters and non-characters are allowed: the spec only says they
/// SHOULD NOT appear, and rejecting them is a policy of the layer above.
bool valid_mqtt_utf8(std::string_view s);

}  // namespace emqd::codec::detail
