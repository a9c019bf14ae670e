// CIDR parsing and matching, access rule parsing, first-match evaluation.

#include "transport/access_list.h"

#include <gtest/gtest.h>

namespace emqd::transport {
namespace {

ip_address ip(std::string_view text) {
    auto a = ip_address::parse(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(ip_address{});
}

cidr block(std::string_view text) {
    std::string why;
    auto c = cidr::parse(text, why);
    EXPECT_TRUE(c.has_value()) << text << ": " << why;
    return c.value_or(cidr{});
}

std::string cidr_error(std::string_view text) {
    std::string why;
    EXPECT_FALSE(cidr::parse(text, why).has_value()) << text;
    return why;
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

TEST(ip_address, parses_v4_and_v6_literals_only) {
    EXPECT_TRUE(ip("10.1.2.3").v4);
    EXPECT_FALSE(ip("::1").v4);
    EXPECT_EQ(ip("10.1.2.3"), ip_address::from_v4(0x0A010203));
    EXPECT_EQ(ip("2001:db8::1").to_string(), "2001:db8::1");
    for (auto bad : {"", "localhost", "10.1.2", "10.1.2.256", "1.2.3.4.5", "::g", "[::1]",
                     "fe80::1%eth0", " 10.0.0.1"})
        EXPECT_FALSE(ip_address::parse(bad).has_value()) << bad;
}

TEST(ip_address, unmapped_turns_v4_mapped_v6_into_v4) {
    EXPECT_EQ(ip("::ffff:127.0.0.2").unmapped(), ip("127.0.0.2"));
    EXPECT_EQ(ip("::1").unmapped(), ip("::1"));
    EXPECT_EQ(ip("::127.0.0.2").unmapped(), ip("::127.0.0.2"));  // v4-compatible: not mapped
    EXPECT_EQ(ip("10.0.0.1").unmapped(), ip("10.0.0.1"));
}

TEST(cidr, bare_address_is_a_host_block) {
    const cidr c = block("192.168.1.7");
    EXPECT_EQ(c.prefix(), 32u);
    EXPECT_TRUE(c.contains(ip("192.168.1.7")));
    EXPECT_FALSE(c.contains(ip("192.168.1.8")));
    EXPECT_EQ(block("::1").prefix(), 128u);
    EXPECT_TRUE(block("::1").contains(ip("::1")));
    EXPECT_FALSE(block("::1").contains(ip("::2")));
}

TEST(cidr, prefix_boundaries_v4) {
    const cidr c = block("10.20.0.0/14");  // 10.20.0.0 - 10.23.255.255
    EXPECT_TRUE(c.contains(ip("10.20.0.0")));
    EXPECT_TRUE(c.contains(ip("10.23.255.255")));
    EXPECT_FALSE(c.contains(ip("10.24.0.0")));
    EXPECT_FALSE(c.contains(ip("10.19.255.255")));
    EXPECT_TRUE(block("0.0.0.0/0").contains(ip("255.255.255.255")));
    EXPECT_TRUE(block("10.0.0.0/8").contains(ip("10.255.0.1")));
    EXPECT_FALSE(block("10.0.0.0/8").contains(ip("11.0.0.1")));
}

TEST(cidr, prefix_boundaries_v6) {
    const cidr c = block("2001:db8:abcd:12::/63");
    EXPECT_TRUE(c.contains(ip("2001:db8:abcd:12::1")));
    EXPECT_TRUE(c.contains(ip("2001:db8:abcd:13:ffff::")));
    EXPECT_FALSE(c.contains(ip("2001:db8:abcd:14::")));
    EXPECT_TRUE(block("::/0").contains(ip("ffff::1")));
}

TEST(cidr, host_bits_are_cleared) {
    EXPECT_EQ(block("10.1.2.3/8").to_string(), "10.0.0.0/8");
    EXPECT_EQ(block("2001:db8::ff/120").to_string(), "2001:db8::/120");
    EXPECT_EQ(block("10.1.2.3/8"), block("10.0.0.0/8"));
}

TEST(cidr, families_never_match_each_other) {
    EXPECT_FALSE(block("0.0.0.0/0").contains(ip("::1")));
    EXPECT_FALSE(block("::/0").contains(ip("10.0.0.1")));
}

TEST(cidr, errors_say_what_is_wrong) {
    EXPECT_NE(cidr_error("10.0.0.0/33").find("bad prefix length \"/33\" (expected 0..32)"),
              std::string::npos);
    EXPECT_NE(cidr_error("::/129").find("expected 0..128"), std::string::npos);
    EXPECT_NE(cidr_error("10.0.0.0/").find("bad prefix length"), std::string::npos);
    EXPECT_NE(cidr_error("10.0.0.0/8x").find("bad prefix length"), std::string::npos);
    EXPECT_NE(cidr_error("10.0.0.0/-1").find("bad prefix length"), std::string::npos);
    EXPECT_NE(cidr_error("example.com/8").find("\"example.com\" is not an IPv4 or IPv6 address"),
              std::string::npos);
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
