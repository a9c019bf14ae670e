#include "core/cidr.h"

#include <gtest/gtest.h>

namespace emqd::core {
namespace {

ip_address ip(std::string_view s) {
    auto a = parse_ip_address(s);
    EXPECT_TRUE(a) << s;
    return a.value_or(ip_address{});
}

cidr block(std::string_view s) {
    std::string why;
    auto c = parse_cidr(s, &why);
    EXPECT_TRUE(c) << s << ": " << why;
    return c.value_or(cidr{});
}

std::string cidr_error(std::string_view s) {
    std::string why;
    EXPECT_FALSE(parse_cidr(s, &why)) << s;
    return why;
}

TEST(ip_address, parses_v4_and_v6_literals) {
    EXPECT_EQ(ip("127.0.0.1").fam, ip_address::family::v4);
    EXPECT_EQ(ip("127.0.0.1").to_string(), "127.0.0.1");
    EXPECT_EQ(ip("10.1.2.3"), ip_address::from_v4({10, 1, 2, 3}));
    EXPECT_EQ(ip("::1").fam, ip_address::family::v6);
    EXPECT_EQ(ip("2001:DB8::1").to_string(), "2001:db8::1");
}

TEST(ip_address, ipv4_mapped_ipv6_is_ipv4) {
    EXPECT_EQ(ip("::ffff:10.1.2.3"), ip("10.1.2.3"));
    EXPECT_EQ(ip("::ffff:10.1.2.3").to_string(), "10.1.2.3");
    // What a dual-stack socket reports for an IPv4 peer, given as bytes.
    EXPECT_EQ(ip_address::from_v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2}),
              ip("127.0.0.2"));
    EXPECT_EQ(ip_address::from_v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), ip("::1"));
    // IPv4-compatible (::a.b.c.d, deprecated) is not mapped: it stays IPv6.
    EXPECT_EQ(ip("::127.0.0.2").fam, ip_address::family::v6);
}

TEST(ip_address, rejects_what_is_not_a_literal) {
    for (std::string_view bad : {"", "localhost", "1.2.3", "1.2.3.256", "1.2.3.4.5", "::g", "[::1]",
                                 "127.0.0.1:1883", "::1%lo", "fe80::1%eth0", " 1.2.3.4",
                                 "1.2.3.4/8", "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"})
        EXPECT_FALSE(parse_ip_address(bad)) << bad;
}

TEST(cidr, bare_address_is_a_block_of_one) {
    const cidr c = block("192.168.1.7");
    EXPECT_EQ(c.prefix, 32);
    EXPECT_TRUE(c.contains(ip("192.168.1.7")));
    EXPECT_FALSE(c.contains(ip("192.168.1.8")));
    const cidr c6 = block("::1");
    EXPECT_EQ(c6.prefix, 128);
    EXPECT_TRUE(c6.contains(ip("::1")));
    EXPECT_FALSE(c6.contains(ip("::2")));
}

TEST(cidr, prefix_matches_leading_bits_only) {
    const cidr c = block("10.0.0.0/8");
    EXPECT_TRUE(c.contains(ip("10.255.0.1")));
    EXPECT_FALSE(c.contains(ip("11.0.0.1")));

    const cidr odd = block("10.20.0.0/14");  // a prefix that ends inside a byte
    EXPECT_TRUE(odd.contains(ip("10.20.0.0")));
    EXPECT_TRUE(odd.contains(ip("10.23.255.255")));
    EXPECT_FALSE(odd.contains(ip("10.24.0.0")));
    EXPECT_FALSE(odd.contains(ip("10.19.255.255")));

    const cidr v6 = block("2001:db8::/33");
    EXPECT_TRUE(v6.contains(ip("2001:db8:7fff::1")));
    EXPECT_FALSE(v6.contains(ip("2001:db8:8000::1")));
    const cidr v6_odd = block("2001:db8:abcd:12::/63");
    EXPECT_TRUE(v6_odd.contains(ip("2001:db8:abcd:12::1")));
    EXPECT_TRUE(v6_odd.contains(ip("2001:db8:abcd:13:ffff::")));
    EXPECT_FALSE(v6_odd.contains(ip("2001:db8:abcd:14::")));

    EXPECT_TRUE(block("0.0.0.0/0").contains(ip("255.255.255.255")));
    EXPECT_TRUE(block("::/0").contains(ip("ffff::1")));
}

TEST(cidr, host_bits_are_cleared) {
    const cidr c = block("10.1.2.3/8");
    EXPECT_EQ(c.base.to_string(), "10.0.0.0");
    EXPECT_EQ(c.prefix, 8);
    EXPECT_EQ(c, block("10.0.0.0/8"));
    EXPECT_EQ(c.to_string(), "10.0.0.0/8");
    EXPECT_EQ(block("2001:db8::ff/120").to_string(), "2001:db8::/120");
    EXPECT_EQ(block("192.168.1.7").to_string(), "192.168.1.7/32");
}

TEST(cidr, families_never_match_each_other) {
    EXPECT_FALSE(block("0.0.0.0/0").contains(ip("::1")));
    EXPECT_FALSE(block("::/0").contains(ip("10.0.0.1")));
}

TEST(cidr, ipv4_blocks_match_mapped_peers) {
    EXPECT_TRUE(block("127.0.0.0/8").contains(ip("::ffff:127.0.0.2")));
}

TEST(cidr, rejects_malformed_blocks) {
    for (std::string_view bad :
         {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8",
          "10.0.0.0/8x", "10.0.0.0/8/8", "10.0.0.0/ 8", "host/8"})
        EXPECT_FALSE(parse_cidr(bad)) << bad;
}

TEST(cidr, errors_say_what_is_wrong) {
    EXPECT_EQ(cidr_error("10.0.0.0/33"), "bad prefix length \"/33\" (expected 0..32)");
    EXPECT_EQ(cidr_error("::/129"), "bad prefix length \"/129\" (expected 0..128)");
    EXPECT_EQ(cidr_error("10.0.0.0/"), "bad prefix length \"/\" (expected 0..32)");
    EXPECT_EQ(cidr_error("10.0.0.0/8x"), "bad prefix length \"/8x\" (expected 0..32)");
    EXPECT_EQ(cidr_error("10.0.0.0/-1"), "bad prefix length \"/-1\" (expected 0..32)");
    EXPECT_EQ(cidr_error("example.com/8"), "\"example.com\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(cidr_error("localhost"), "\"localhost\" is not an IPv4 or IPv6 address");
}

}  // namespace
}  // namespace emqd::core
