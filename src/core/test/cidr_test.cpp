#include "core/cidr.h"

#include <gtest/gtest.h>

namespace emqd::core {
namespace {

ip_address ip(std::string_view s) {
    auto a = parse_ip_address(s);
    EXPECT_TRUE(a) << s;
    return a.value_or(ip_address{});
}

TEST(ip_address, parses_v4_and_v6_literals) {
    EXPECT_EQ(ip("127.0.0.1").fam, ip_address::family::v4);
    EXPECT_EQ(ip("127.0.0.1").to_string(), "127.0.0.1");
    EXPECT_EQ(ip("::1").fam, ip_address::family::v6);
    EXPECT_EQ(ip("2001:DB8::1").to_string(), "2001:db8::1");
}

TEST(ip_address, ipv4_mapped_ipv6_is_ipv4) {
    EXPECT_EQ(ip("::ffff:10.1.2.3"), ip("10.1.2.3"));
    EXPECT_EQ(ip("::ffff:10.1.2.3").to_string(), "10.1.2.3");
}

TEST(ip_address, rejects_what_is_not_a_literal) {
    for (std::string_view bad :
         {"", "localhost", "1.2.3", "1.2.3.256", "[::1]", "127.0.0.1:1883", "::1%lo", " 1.2.3.4",
          "1.2.3.4/8", "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"})
        EXPECT_FALSE(parse_ip_address(bad)) << bad;
}

TEST(cidr, bare_address_is_a_block_of_one) {
    auto c = parse_cidr("192.168.1.7");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->prefix, 32);
    EXPECT_TRUE(c->contains(ip("192.168.1.7")));
    EXPECT_FALSE(c->contains(ip("192.168.1.8")));
    auto c6 = parse_cidr("::1");
    ASSERT_TRUE(c6);
    EXPECT_EQ(c6->prefix, 128);
    EXPECT_TRUE(c6->contains(ip("::1")));
    EXPECT_FALSE(c6->contains(ip("::2")));
}

TEST(cidr, prefix_matches_leading_bits_only) {
    auto c = parse_cidr("10.1.2.3/8");  // host bits are cleared
    ASSERT_TRUE(c);
    EXPECT_EQ(c->base.to_string(), "10.0.0.0");
    EXPECT_EQ(c->prefix, 8);
    EXPECT_TRUE(c->contains(ip("10.255.0.1")));
    EXPECT_FALSE(c->contains(ip("11.0.0.1")));

    auto odd = parse_cidr("192.168.0.0/23");  // a prefix that ends inside a byte
    ASSERT_TRUE(odd);
    EXPECT_TRUE(odd->contains(ip("192.168.1.255")));
    EXPECT_FALSE(odd->contains(ip("192.168.2.0")));

    auto v6 = parse_cidr("2001:db8::/33");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains(ip("2001:db8:7fff::1")));
    EXPECT_FALSE(v6->contains(ip("2001:db8:8000::1")));

    auto all = parse_cidr("0.0.0.0/0");
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->contains(ip("255.255.255.255")));
    EXPECT_FALSE(all->contains(ip("::1")));  // families never mix
}

TEST(cidr, ipv4_blocks_match_mapped_peers) {
    auto c = parse_cidr("127.0.0.0/8");
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->contains(ip("::ffff:127.0.0.2")));
}

TEST(cidr, rejects_malformed_blocks) {
    for (std::string_view bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
                                 "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", "host/8"})
        EXPECT_FALSE(parse_cidr(bad)) << bad;
}

}  // namespace
}  // namespace emqd::core
