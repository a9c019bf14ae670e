// Access rule parsing, first-match evaluation (CIDR parsing and matching: core/test/cidr_test.cpp).

#include "transport/access_list.h"

#include <gtest/gtest.h>

namespace emqd::transport {
namespace {

core::ip_address ip(std::string_view text) {
    auto a = core::parse_ip_address(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(core::ip_address{});
}

access_list rules(std::initializer_list<std::string_view> texts) {
    std::vector<access_rule> v;
    for (auto t : texts) {
        std::string why;
        auto r = access_rule::parse(t, why);
        EXPECT_TRUE(r.has_value()) << t << ": " << why;
        if (r)
            v.push_back(*r);
    }
    return access_list(std::move(v));
}

TEST(access_rule, parses_allow_deny_cidr_all) {
    std::string why;
    auto r = access_rule::parse("deny 10.0.0.0/8", why);
    ASSERT_TRUE(r.has_value()) << why;
    EXPECT_FALSE(r->allow);
    EXPECT_EQ(r->to_string(), "deny 10.0.0.0/8");
    r = access_rule::parse("  allow \t all ", why);
    ASSERT_TRUE(r.has_value()) << why;
    EXPECT_TRUE(r->allow);
    EXPECT_FALSE(r->block.has_value());
    for (auto bad : {"", "allow", "all", "permit all", "allow 10.0.0.0/8 all", "Deny all"}) {
        why.clear();
        EXPECT_FALSE(access_rule::parse(bad, why).has_value()) << bad;
        EXPECT_NE(why.find("expected \"allow|deny <cidr>|all\""), std::string::npos) << why;
    }
    why.clear();
    EXPECT_FALSE(access_rule::parse("deny 10.0.0.300", why).has_value());
    EXPECT_NE(why.find("not an IPv4 or IPv6 address"), std::string::npos) << why;
}

TEST(access_list, no_rules_or_no_match_allows) {
    EXPECT_TRUE(access_list().allows(ip("10.0.0.1")));
    EXPECT_TRUE(rules({"deny 10.0.0.0/8"}).allows(ip("192.168.0.1")));
}

TEST(access_list, first_match_wins) {
    const access_list l = rules({"allow 10.1.0.0/16", "deny 10.0.0.0/8", "allow all"});
    EXPECT_TRUE(l.allows(ip("10.1.2.3")));
    EXPECT_FALSE(l.allows(ip("10.2.0.1")));
    EXPECT_TRUE(l.allows(ip("11.0.0.1")));
    // The same rules in another order decide differently.
    const access_list r = rules({"deny 10.0.0.0/8", "allow 10.1.0.0/16"});
    EXPECT_FALSE(r.allows(ip("10.1.2.3")));
}

TEST(access_list, all_matches_every_family) {
    const access_list l = rules({"allow 127.0.0.1", "deny all"});
    EXPECT_TRUE(l.allows(ip("127.0.0.1")));
    EXPECT_FALSE(l.allows(ip("127.0.0.2")));
    EXPECT_FALSE(l.allows(ip("::1")));
}

TEST(access_list, v4_mapped_peers_match_v4_rules) {
    const access_list l = rules({"deny 127.0.0.2", "deny ::1"});
    EXPECT_FALSE(l.allows(ip("::ffff:127.0.0.2")));
    EXPECT_TRUE(l.allows(ip("::ffff:127.0.0.1")));
    EXPECT_FALSE(l.allows(ip("::1")));
    EXPECT_TRUE(l.allows(ip("127.0.0.1")));
}

}  // namespace
}  // namespace emqd::transport
