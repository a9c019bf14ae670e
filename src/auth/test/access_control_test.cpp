#include "auth/access_control.h"

#include <gtest/gtest.h>

namespace emqd::auth {
namespace {

using namespace std::chrono_literals;

const clock::time_point t0 = clock::time_point{} + 1h;

client_info client(std::string_view id) {
    return client_info{id, std::nullopt, core::parse_ip_address("127.0.0.1")};
}

TEST(access_control, static_bans_last_their_duration_from_start) {
    access_config cfg;
    cfg.bans.push_back({ban_kind::clientid, "temp", 30s});
    cfg.bans.push_back({ban_kind::peerhost, "127.0.0.0/8", std::nullopt});
    access_control ac(cfg, t0);
    EXPECT_EQ(ac.check_connect(client("temp"), t0 + 29s).err().code, core::reason_code::banned);
    auto st = ac.check_connect(client_info{"temp", std::nullopt, std::nullopt}, t0 + 30s);
    EXPECT_TRUE(st);
    EXPECT_FALSE(ac.check_connect(client("any"), t0 + 1000h));  // the host ban never ends
}

TEST(access_control, flapping_bans_the_client_id_for_ban_time) {
    access_config cfg;
    cfg.flapping = flapping_policy{3, 60s, 2s};
    access_control ac(cfg, t0);
    const client_info c{"flappy", std::nullopt, std::nullopt};
    ac.connection_closed("flappy", t0);
    ac.connection_closed("flappy", t0 + 1s);
    EXPECT_TRUE(ac.check_connect(c, t0 + 1s));
    ac.connection_closed("flappy", t0 + 2s);
    auto st = ac.check_connect(c, t0 + 2s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.err().code, core::reason_code::banned);
    EXPECT_FALSE(ac.check_connect(c, t0 + 3900ms));
    EXPECT_TRUE(ac.check_connect(c, t0 + 4s));  // ban_time over
    EXPECT_TRUE(ac.check_connect(client_info{"other", std::nullopt, std::nullopt}, t0 + 2s));
    ac.purge(t0 + 4s);
    EXPECT_EQ(ac.bans().size(), 0u);
}

}  // namespace
}  // namespace emqd::auth
