#include "core/topic.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace emqd::core {
namespace {

using namespace std::string_view_literals;

struct validity_case {
    std::string_view text;
    bool valid;
};

// Topic names (spec 4.7.1, 4.7.3): non-empty, no wildcards, no U+0000; any other character,
// '$' and empty levels included, is allowed.
TEST(topic, validate_topic_name) {
    const validity_case cases[] = {
        {"sport/tennis/player1", true},
        {"/finance", true},
        {"finance/", true},
        {"/", true},
        {"//", true},
        {"a", true},
        {" ", true},
        {"$SYS/broker/uptime", true},
        {"sport/tennis#", false},
        {"sport/+/player1", false},
        {"+", false},
        {"#", false},
        {"a/b+c", false},
        {"", false},
        {"a\0b"sv, false},
    };
    for (const auto& c : cases)
        EXPECT_EQ(validate_topic_name(c.text).ok(), c.valid) << "'" << c.text << "'";
    EXPECT_EQ(validate_topic_name("").err().code, reason_code::topic_name_invalid);
    EXPECT_TRUE(validate_topic_name(std::string(65535, 'a')).ok());
    EXPECT_FALSE(validate_topic_name(std::string(65536, 'a')).ok());
}

// validate_topic_name scans 8 bytes at a time: a wildcard or NUL at any offset, in the
// body or in the tail shorter than a word, is found and named as the byte loop names it,
// and the levels are counted exactly across word boundaries.
TEST(topic, validate_topic_name_at_every_offset) {
    for (std::size_t len = 1; len <= 40; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string name(len, 'x');
            for (char bad : {'+', '#', '\0'}) {
                name[at] = bad;
                const auto st = validate_topic_name(name);
                ASSERT_FALSE(st.ok()) << len << " " << at << " " << int(bad);
                EXPECT_STREQ(st.err().what,
                             bad == '\0' ? "U+0000 in topic name" : "wildcard in topic name");
            }
            name[at] = '/';
            EXPECT_TRUE(validate_topic_name(name, {.max_levels = 2}).ok()) << len << " " << at;
            EXPECT_FALSE(validate_topic_name(name, {.max_levels = 1}).ok()) << len << " " << at;
        }
        std::string slashes(len, '/');  // len + 1 empty levels
        EXPECT_TRUE(validate_topic_name(slashes, {.max_levels = len + 1}).ok()) << len;
        EXPECT_FALSE(validate_topic_name(slashes, {.max_levels = len}).ok()) << len;
    }
    // The first offence decides the message, as before.
    EXPECT_STREQ(validate_topic_name("abcdefghij+k\0"sv).err().what, "wildcard in topic name");
    EXPECT_STREQ(validate_topic_name("abcdefghij\0k+"sv).err().what, "U+0000 in topic name");
    // Bytes that differ from a special one by a carry (0x01 above NUL, 0x2A/0x2C around '+').
    EXPECT_TRUE(validate_topic_name("\x01\x2a\x2c\x22\x24\x2e\x30\xff\x80\x7f"sv).ok());
}

// is_plain_topic_name: ASCII without NUL and wildcards, at any offset of a word or tail;
// anything else (also valid non-ASCII names) is not plain and goes to the exact checks.
TEST(topic, is_plain_topic_name) {
    EXPECT_TRUE(is_plain_topic_name(""));  // plain; emptiness is the caller's rule
    EXPECT_TRUE(is_plain_topic_name("sport/tennis/player1"));
    EXPECT_TRUE(is_plain_topic_name("$SYS/ \x01\x7f/\x2a\x2c\x22\x24"sv));
    EXPECT_FALSE(is_plain_topic_name("caf\xC3\xA9"));  // valid, but not ASCII
    for (std::size_t len = 1; len <= 40; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string name(len, 'x');
            EXPECT_TRUE(is_plain_topic_name(name));
            for (char bad : {'+', '#', '\0', '\x80', '\xFF'}) {
                name[at] = bad;
                EXPECT_FALSE(is_plain_topic_name(name)) << len << " " << at << " " << int(bad);
            }
        }
    }
}

// check_topic_levels counts only names long enough to exceed the limit, and then exactly.
TEST(topic, check_topic_levels) {
    EXPECT_TRUE(check_topic_levels("a/b/c", {3}).ok());
    EXPECT_TRUE(check_topic_levels("//", {3}).ok());
    EXPECT_TRUE(check_topic_levels("a/b/c/d", {0}).ok());  // 0 = unlimited
    const auto st = check_topic_levels("a/b/c/d", {3});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.err().code, reason_code::topic_name_invalid);
    EXPECT_STREQ(st.err().what, "too many topic levels");
    EXPECT_FALSE(check_topic_levels("///", {3}).ok());
    for (std::size_t len = 1; len <= 40; ++len) {
        const std::string slashes(len, '/');  // len + 1 levels
        EXPECT_TRUE(check_topic_levels(slashes, {len + 1}).ok()) << len;
        EXPECT_FALSE(check_topic_levels(slashes, {len}).ok()) << len;
        EXPECT_TRUE(check_topic_levels(std::string(len, 'a'), {1}).ok()) << len;
    }
}

// Topic filters (spec 4.7.1): '#' only as the whole last level, '+' only as a whole level.
TEST(topic, validate_topic_filter) {
    const validity_case cases[] = {
        {"sport/tennis/player1", true},
        {"sport/#", true},
        {"#", true},
        {"+", true},
        {"+/+", true},
        {"+/tennis/#", true},
        {"sport/+/player1", true},
        {"/+", true},
        {"+/", true},
        {"/#", true},
        {"//#", true},
        {"$SYS/#", true},
        {"$share/g/a/+", true},
        {"sport/tennis#", false},
        {"sport/#/ranking", false},
        {"sport+", false},
        {"sp+ort", false},
        {"++", false},
        {"##", false},
        {"#/", false},
        {"#/a", false},
        {"+#", false},
        {"a/+b", false},
        {"", false},
        {"a\0/b"sv, false},
    };
    for (const auto& c : cases)
        EXPECT_EQ(validate_topic_filter(c.text).ok(), c.valid) << "'" << c.text << "'";
    EXPECT_EQ(validate_topic_filter("a#").err().code, reason_code::topic_filter_invalid);
    EXPECT_TRUE(validate_topic_filter(std::string(65535, 'a')).ok());
    EXPECT_FALSE(validate_topic_filter(std::string(65536, 'a')).ok());
}

TEST(topic, max_levels) {
    const topic_limits three{3};
    EXPECT_TRUE(validate_topic_name("a/b/c", three).ok());
    EXPECT_FALSE(validate_topic_name("a/b/c/d", three).ok());
    EXPECT_FALSE(validate_topic_name("a/b/c/", three).ok());  // the empty level counts
    EXPECT_TRUE(validate_topic_name("//", three).ok());
    EXPECT_FALSE(validate_topic_name("///", three).ok());
    EXPECT_TRUE(validate_topic_filter("a/+/#", three).ok());
    EXPECT_FALSE(validate_topic_filter("a/+/b/#", three).ok());
    const topic_limits one{1};
    EXPECT_TRUE(validate_topic_filter("#", one).ok());
    EXPECT_FALSE(validate_topic_filter("a/#", one).ok());
    // 0 = unlimited.
    std::string deep = "a";
    for (int i = 0; i < 1000; ++i)
        deep += "/a";
    EXPECT_TRUE(validate_topic_name(deep).ok());
    EXPECT_TRUE(validate_topic_filter(deep + "/#").ok());
}

TEST(topic, has_wildcard) {
    EXPECT_FALSE(has_wildcard("a/b"));
    EXPECT_FALSE(has_wildcard("$SYS/x"));
    EXPECT_TRUE(has_wildcard("a/+"));
    EXPECT_TRUE(has_wildcard("#"));
}

struct match_case {
    std::string_view filter;
    std::string_view topic;
    bool matches;
};

// Shared subscriptions (spec 4.8.2): $share/<group>/<filter>, and EMQ's $queue/<filter>.
TEST(topic, shared_filter) {
    EXPECT_TRUE(is_shared_filter("$share/g/t"));
    EXPECT_TRUE(is_shared_filter("$queue/t"));
    EXPECT_TRUE(is_shared_filter("$share/"));
    EXPECT_FALSE(is_shared_filter("$share"));
    EXPECT_FALSE(is_shared_filter("$sharex/g/t"));
    EXPECT_FALSE(is_shared_filter("share/g/t"));
    EXPECT_FALSE(is_shared_filter("$SYS/#"));

    auto p = parse_shared_filter("$share/g1/sport/#");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->group, "g1");
    EXPECT_EQ(p->filter, "sport/#");
    p = parse_shared_filter("$queue/a/+/c");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->group, "$queue");
    EXPECT_EQ(p->filter, "a/+/c");
    p = parse_shared_filter("$share/$queue/x");  // any character but + # / in a group name
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->group, "$queue");
    EXPECT_EQ(p->filter, "x");

    for (std::string_view bad :
         {"$share/", "$share/g", "$share//t", "$share/g+/t", "$share/#/t", "$share/g/",
          "$share/g/a#", "$share/g/a/#/b", "$queue/", "$queue/a+"}) {
        auto r = parse_shared_filter(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.err().code, reason_code::topic_filter_invalid) << bad;
    }
    EXPECT_TRUE(parse_shared_filter("$share/g/a/b", {2}).ok());
    EXPECT_FALSE(parse_shared_filter("$share/g/a/b/c", {2}).ok());  // levels of the filter
}

TEST(topic, topic_matches) {
    const match_case cases[] = {
        // exact
        {"a/b", "a/b", true},
        {"a/b", "a/b/", false},
        {"a/b", "a", false},
        {"a", "a/b", false},
        {"a/b/c", "a/b", false},
        {"/a", "/a", true},
        {"/a", "a", false},
        {"A", "a", false},
        // '#'
        {"#", "a", true},
        {"#", "a/b/c", true},
        {"#", "/", true},
        {"sport/#", "sport", true},  // spec 4.7.1.2: matches the parent level
        {"sport/#", "sport/", true},
        {"sport/#", "sport/tennis/player1", true},
        {"sport/#", "sports", false},
        {"a/b/#", "a", false},
        {"/#", "/", true},
        {"/#", "a", false},
        // '+'
        {"sport/tennis/+", "sport/tennis/player1", true},
        {"sport/tennis/+", "sport/tennis/player1/ranking", false},
        {"sport/+", "sport", false},
        {"sport/+", "sport/", true},  // '+' matches an empty level
        {"+", "a", true},
        {"+", "/", false},
        {"+/+", "/finance", true},
        {"/+", "/finance", true},
        {"+", "/finance", false},
        {"+/+", "/", true},
        {"a/+/c", "a//c", true},
        {"+/#", "a", true},
        {"+/+/#", "a", false},
        {"+/#", "a/b/c", true},
        // '$' topics: no wildcard in the first level (spec 4.7.2)
        {"#", "$SYS/broker", false},
        {"#", "$SYS", false},
        {"+/monitor/Clients", "$SYS/monitor/Clients", false},
        {"+/#", "$SYS/x", false},
        {"$SYS/#", "$SYS/monitor/Clients", true},
        {"$SYS/#", "$SYS", true},
        {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
        {"$SYS/+", "$SYS/x", true},
        {"a/#", "a/$x", true},  // '$' deeper down is an ordinary character
        {"+/+", "a/$x", true},
    };
    for (const auto& c : cases)
        EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches)
            << "filter '" << c.filter << "' topic '" << c.topic << "'";
}

TEST(DelayedTopic, SplitsDelayAndTarget) {
    auto d = parse_delayed_topic("$delayed/15/sensor/temp");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->seconds, 15u);
    EXPECT_EQ(d->topic, "sensor/temp");
    auto zero = parse_delayed_topic("$delayed/0/t");
    ASSERT_TRUE(zero.ok());
    EXPECT_EQ(zero->seconds, 0u);
    auto max = parse_delayed_topic("$delayed/4294967/t");
    ASSERT_TRUE(max.ok());
    EXPECT_EQ(max->seconds, max_delay_seconds);
}

TEST(DelayedTopic, RejectsMalformed) {
    for (const char* bad :
         {"$delayed/", "$delayed/10", "$delayed//t", "$delayed/x/t", "$delayed/-1/t",
          "$delayed/1.5/t", "$delayed/4294968/t", "$delayed/99999999999999999999999/t",
          "$delayed/10/", "$delayed/10/a/+", "$delayed/10/#"}) {
        auto d = parse_delayed_topic(bad);
        ASSERT_FALSE(d.ok()) << bad;
        EXPECT_EQ(d.err().code, reason_code::topic_name_invalid) << bad;
    }
    EXPECT_FALSE(parse_delayed_topic("$delayed/1/a/b/c", {.max_levels = 2}).ok());
    EXPECT_TRUE(parse_delayed_topic("$delayed/1/a/b", {.max_levels = 2}).ok());
}

}  // namespace
}  // namespace emqd::core
