#pragma once
// DISCONNECT and AUTH (spec 3.14, 3.15), PINGREQ and PINGRESP (3.12, 3.13).

#include <cstdint>
#include <optional>
#include <string>

#include "core/message.h"
#include "core/reason_code.h"

namespace emqd::codec {

struct disconnect_packet {
    core::reason_code reason = core::reason_code::success;  // v5 only
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::string> reason_string;
    std::optional<std::string> server_reference;
    core::user_properties user;
};

struct auth_packet {  // v5 only
    core::reason_code reason = core::reason_code::success;
    std::optional<std::string> authentication_method;
    std::optional<std::string> authentication_data;
    std::optional<std::string> reason_string;
    core::user_properties user;
};

struct pingreq_packet {};
struct pingresp_packet {};

}  // namespace emqd::codec
