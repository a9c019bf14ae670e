#pragma once
// client_info: who is connecting, as access control sees it (EMQ X's ClientInfo): the
// identities a ban or an authentication rule can name. Views into the CONNECT being handled;
// valid for the duration of the call they are passed to.

#include <optional>
#include <string_view>

#include "core/ip_address.h"

namespace emqd::auth {

struct client_info {
    std::string_view client_id;
    std::optional<std::string_view> username;   // absent: no User Name in CONNECT
    std::optional<core::ip_address> peer_host;  // absent: unknown (socket already gone)
};

}  // namespace emqd::auth
