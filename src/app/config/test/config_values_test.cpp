// Value parsers: every type, good and bad input, and the wording of their errors.

#include <gtest/gtest.h>

#include "app/config/config_values.h"

namespace emqd::app::detail {
namespace {

using namespace std::chrono_literals;

TEST(config_values, bool_words) {
    EXPECT_EQ(*parse_bool("true").value, true);
    EXPECT_EQ(*parse_bool("on").value, true);
    EXPECT_EQ(*parse_bool("false").value, false);
    EXPECT_EQ(*parse_bool("off").value, false);
    for (const char* bad : {"", "yes", "1", "TRUE ", "tru"}) {
        auto p = parse_bool(bad);
        EXPECT_FALSE(p.ok()) << bad;
        EXPECT_NE(p.error.find("expected a boolean"), std::string::npos) << p.error;
    }
}

TEST(config_values, uint_range) {
    EXPECT_EQ(*parse_uint("0", 0, 2).value, 0u);
    EXPECT_EQ(*parse_uint("2", 0, 2).value, 2u);
    EXPECT_EQ(*parse_uint("18446744073709551615", 0, UINT64_MAX).value, UINT64_MAX);

    auto high = parse_uint("3", 0, 2);
    EXPECT_FALSE(high.ok());
    EXPECT_EQ(high.error, "out of range: 3 (expected 0..2)");
    auto low = parse_uint("22", 23, 65535);
    EXPECT_EQ(low.error, "out of range: 22 (expected 23..65535)");
    auto huge = parse_uint("99999999999999999999999", 0, 10);
    EXPECT_NE(huge.error.find("out of range"), std::string::npos);

    for (const char* bad : {"", "-1", "+1", "1.5", "12abc", "0x10", " 1"}) {
        auto p = parse_uint(bad, 0, 100);
        EXPECT_FALSE(p.ok()) << bad;
        EXPECT_NE(p.error.find("expected an integer in 0..100"), std::string::npos) << p.error;
    }
}

TEST(config_values, positive_double) {
    EXPECT_DOUBLE_EQ(*parse_positive_double("0.75").value, 0.75);
    EXPECT_DOUBLE_EQ(*parse_positive_double("1").value, 1.0);
    EXPECT_DOUBLE_EQ(*parse_positive_double("1.5").value, 1.5);
    EXPECT_NE(parse_positive_double("0").error.find("greater than 0"), std::string::npos);
    EXPECT_NE(parse_positive_double("-0.5").error.find("greater than 0"), std::string::npos);
    for (const char* bad : {"", "abc", "0.75x", "inf", "nan", "1e400"}) {
        auto p = parse_positive_double(bad);
        EXPECT_FALSE(p.ok()) << bad;
    }
    EXPECT_NE(parse_positive_double("x").error.find("expected a decimal number"),
              std::string::npos);
}

TEST(config_values, size_units) {
    constexpr std::uint64_t any = UINT64_MAX;
    EXPECT_EQ(*parse_size("512B", 0, any).value, 512u);
    EXPECT_EQ(*parse_size("512", 0, any).value, 512u);
    EXPECT_EQ(*parse_size("64KB", 0, any).value, 64u * 1024);
    EXPECT_EQ(*parse_size("1MB", 0, any).value, 1024u * 1024);
    EXPECT_EQ(*parse_size("1mb", 0, any).value, 1024u * 1024);
    EXPECT_EQ(*parse_size("2GB", 0, any).value, 2ull << 30);
    EXPECT_EQ(*parse_size("0", 0, any).value, 0u);

    for (const char* bad : {"", "MB", "1TB", "1 MB", "1.5MB", "-1MB", "1M", "KB1"}) {
        auto p = parse_size(bad, 0, any);
        EXPECT_FALSE(p.ok()) << bad;
        EXPECT_NE(p.error.find("expected a size like 1MB"), std::string::npos) << p.error;
    }
    auto big = parse_size("256MB", 1, 268435455);
    EXPECT_EQ(big.error, "out of range: 256MB (expected 1..268435455 bytes)");
    EXPECT_TRUE(parse_size("268435455", 1, 268435455).ok());
    auto wrap = parse_size("99999999999999GB", 0, any);
    EXPECT_NE(wrap.error.find("out of range"), std::string::npos);
}

TEST(config_values, size_or_percent) {
    EXPECT_EQ(parse_size_or_percent("2GB").value->bytes, 2ull << 30);
    EXPECT_EQ(parse_size_or_percent("2GB").value->fraction, 0.0);
    EXPECT_DOUBLE_EQ(parse_size_or_percent("80%").value->fraction, 0.8);
    EXPECT_EQ(parse_size_or_percent("80%").value->bytes, 0u);
    EXPECT_DOUBLE_EQ(parse_size_or_percent("100%").value->fraction, 1.0);
    EXPECT_EQ(parse_size_or_percent("0").value->bytes, 0u);
    for (const char* bad : {"", "%", "0%", "101%", "80 %", "0.5%", "-1%", "1TB", "80%%"}) {
        EXPECT_FALSE(parse_size_or_percent(bad).ok()) << bad;
    }
}

TEST(config_values, duration_units) {
    EXPECT_EQ(*parse_duration("100ms").value, 100ms);
    EXPECT_EQ(*parse_duration("30s").value, 30s);
    EXPECT_EQ(*parse_duration("1m").value, 1min);
    EXPECT_EQ(*parse_duration("2h").value, 2h);
    EXPECT_EQ(*parse_duration("5d").value, 5 * 24h);
    EXPECT_EQ(*parse_duration("1w").value, 7 * 24h);
    EXPECT_EQ(*parse_duration("1h30m").value, 90min);
    EXPECT_EQ(*parse_duration("0").value, 0ms);
    EXPECT_EQ(*parse_duration("15").value, 15s);
    EXPECT_EQ(*parse_duration("15", bare_unit::milliseconds).value, 15ms);

    for (const char* bad : {"", "s", "1x", "1.5s", "-1s", "1 s", "1S", "30sec", "ms100"}) {
        auto p = parse_duration(bad);
        EXPECT_FALSE(p.ok()) << bad;
        EXPECT_NE(p.error.find("expected a duration like 30s"), std::string::npos) << p.error;
    }
    auto big = parse_duration("25d", bare_unit::seconds, std::chrono::milliseconds(INT32_MAX));
    EXPECT_NE(big.error.find("out of range: 25d"), std::string::npos) << big.error;
    EXPECT_NE(parse_duration("999999999999999999999s").error.find("out of range"),
              std::string::npos);
    EXPECT_NE(parse_duration("99999999999999999").error.find("out of range"), std::string::npos);
}

TEST(config_values, choice) {
    EXPECT_EQ(*parse_choice("info", {"debug", "info"}).value, "info");
    auto p = parse_choice("verbose", {"debug", "info"});
    EXPECT_EQ(p.error, "invalid value \"verbose\": expected one of debug, info");
}

TEST(config_values, listen_address_forms) {
    auto port_only = parse_listen_address("1883");
    ASSERT_TRUE(port_only.ok());
    EXPECT_EQ(port_only.value->host, "0.0.0.0");
    EXPECT_EQ(port_only.value->port, 1883);

    auto v4 = parse_listen_address("127.0.0.1:11883");
    ASSERT_TRUE(v4.ok());
    EXPECT_EQ(v4.value->host, "127.0.0.1");
    EXPECT_EQ(v4.value->port, 11883);

    auto v6 = parse_listen_address("[::1]:1884");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6.value->host, "::1");
    EXPECT_EQ(v6.value->port, 1884);

    auto any6 = parse_listen_address("[::]:0");
    ASSERT_TRUE(any6.ok());
    EXPECT_EQ(any6.value->host, "::");
    EXPECT_EQ(any6.value->port, 0);

    for (const char* bad :
         {"", ":", "abc", "127.0.0.1", "127.0.0.1:", "[::1]", "[::1]1883", "[::1:1883",
          "localhost:1883", "1.2.3:1883", "[1.2.3.4]:1883", "::1:1883", "127.0.0.1:-1"}) {
        auto p = parse_listen_address(bad);
        EXPECT_FALSE(p.ok()) << bad;
        EXPECT_FALSE(p.error.empty());
    }
    EXPECT_NE(parse_listen_address("::1:1883").error.find("in brackets"), std::string::npos);
    EXPECT_NE(parse_listen_address("localhost:1883").error.find("not an IPv4 address"),
              std::string::npos);
    EXPECT_NE(parse_listen_address("[zz]:1883").error.find("not an IPv6 address"),
              std::string::npos);
    EXPECT_EQ(parse_listen_address("65536").error, "out of range: port 65536 (expected 0..65535)");
    EXPECT_NE(parse_listen_address("abc").error.find("expected a listener address like 1883"),
              std::string::npos);
}

}  // namespace
}  // namespace emqd::app::detail
