#include "auth/ban_list.h"

#include <gtest/gtest.h>

namespace emqd::auth {
namespace {

using namespace std::chrono_literals;

const clock::time_point t0 = clock::time_point{} + 1h;

client_info who(std::string_view id, std::optional<std::string_view> user = std::nullopt,
                std::string_view host = "192.0.2.1") {
    return client_info{id, user, core::parse_ip_address(host)};
}

TEST(ban_list, matches_client_id_username_and_host_exactly) {
    ban_list l;
    ASSERT_TRUE(l.add({ban_kind::clientid, "bad-id", std::nullopt}));
    ASSERT_TRUE(l.add({ban_kind::username, "bad-user", std::nullopt}));
    ASSERT_TRUE(l.add({ban_kind::peerhost, "198.51.100.7", std::nullopt}));

    EXPECT_EQ(l.match(who("bad-id"), t0), ban_kind::clientid);
    EXPECT_EQ(l.match(who("x", "bad-user"), t0), ban_kind::username);
    EXPECT_EQ(l.match(who("x", std::nullopt, "198.51.100.7"), t0), ban_kind::peerhost);

    EXPECT_FALSE(l.match(who("bad-id2", "bad-user2", "198.51.100.8"), t0));
    EXPECT_FALSE(l.match(who("BAD-ID"), t0));  // ids are case-sensitive
    // A username ban does not ban that string as a client id, nor the reverse.
    EXPECT_FALSE(l.match(who("bad-user"), t0));
    EXPECT_FALSE(l.match(who("x", "bad-id"), t0));
    // No peer address known: only ids can match.
    EXPECT_FALSE(l.match(client_info{"x", std::nullopt, std::nullopt}, t0));
}

TEST(ban_list, host_bans_are_cidr_blocks) {
    ban_list l;
    ASSERT_TRUE(l.add({ban_kind::peerhost, "10.0.0.0/8", std::nullopt}));
    ASSERT_TRUE(l.add({ban_kind::peerhost, "2001:db8::/32", std::nullopt}));
    EXPECT_EQ(l.match(who("a", std::nullopt, "10.200.3.4"), t0), ban_kind::peerhost);
    EXPECT_EQ(l.match(who("a", std::nullopt, "::ffff:10.0.0.1"), t0), ban_kind::peerhost);
    EXPECT_EQ(l.match(who("a", std::nullopt, "2001:db8:1::5"), t0), ban_kind::peerhost);
    EXPECT_FALSE(l.match(who("a", std::nullopt, "11.0.0.1"), t0));
    EXPECT_FALSE(l.match(who("a", std::nullopt, "2001:db9::1"), t0));
}

TEST(ban_list, rejects_invalid_entries) {
    ban_list l;
    EXPECT_FALSE(l.add({ban_kind::clientid, "", std::nullopt}));
    EXPECT_FALSE(l.add({ban_kind::peerhost, "example.com", std::nullopt}));
    EXPECT_FALSE(l.add({ban_kind::peerhost, "10.0.0.0/40", std::nullopt}));
    EXPECT_EQ(l.size(), 0u);
}

TEST(ban_list, expired_bans_stop_matching_then_are_purged) {
    ban_list l;
    ASSERT_TRUE(l.add({ban_kind::clientid, "short", t0 + 10s}));
    ASSERT_TRUE(l.add({ban_kind::peerhost, "203.0.113.0/24", t0 + 20s}));
    ASSERT_TRUE(l.add({ban_kind::username, "forever", std::nullopt}));

    EXPECT_TRUE(l.match(who("short"), t0 + 9s));
    EXPECT_FALSE(l.match(who("short"), t0 + 10s));
    EXPECT_TRUE(l.match(who("a", std::nullopt, "203.0.113.9"), t0 + 19s));

    EXPECT_EQ(l.purge_expired(t0 + 5s), 0u);  // nothing due yet
    EXPECT_EQ(l.purge_expired(t0 + 10s), 1u);
    EXPECT_EQ(l.size(), 2u);
    EXPECT_EQ(l.purge_expired(t0 + 15s), 0u);
    EXPECT_EQ(l.purge_expired(t0 + 20s), 1u);
    EXPECT_FALSE(l.match(who("a", std::nullopt, "203.0.113.9"), t0 + 20s));
    EXPECT_EQ(l.purge_expired(t0 + 1000h), 0u);  // a ban without expiry stays
    EXPECT_EQ(l.match(who("x", "forever"), t0 + 1000h), ban_kind::username);
}

TEST(ban_list, adding_again_replaces_the_expiry) {
    ban_list l;
    ASSERT_TRUE(l.add({ban_kind::clientid, "c", t0 + 10s}));
    ASSERT_TRUE(l.add({ban_kind::clientid, "c", t0 + 60s}));
    ASSERT_TRUE(l.add({ban_kind::peerhost, "10.0.0.1", t0 + 10s}));
    ASSERT_TRUE(l.add({ban_kind::peerhost, "10.0.0.1/32", t0 + 60s}));  // the same block
    EXPECT_EQ(l.size(), 2u);
    EXPECT_EQ(l.purge_expired(t0 + 30s), 0u);
    EXPECT_TRUE(l.match(who("c"), t0 + 30s));
    EXPECT_TRUE(l.match(who("z", std::nullopt, "10.0.0.1"), t0 + 30s));
}

}  // namespace
}  // namespace emqd::auth
