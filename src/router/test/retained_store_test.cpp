#include "router/retained_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/topic.h"

namespace emqd::router {
namespace {

using namespace std::chrono_literals;
using clock_type = core::message::clock;

core::message_ptr make(std::string topic, std::string payload,
                       std::optional<std::uint32_t> expiry = std::nullopt,
                       clock_type::time_point at = clock_type::now()) {
    auto m = std::make_shared<core::message>();
    m->topic = std::move(topic);
    m->payload = std::move(payload);
    m->retain = true;
    m->received_at = at;
    m->props.message_expiry_interval = expiry;
    return m;
}

// "topic=payload" of every match, sorted.
std::vector<std::string> matched(const retained_store& s, std::string_view filter) {
    std::vector<core::message_ptr> out;
    s.match(filter, out);
    std::vector<std::string> r;
    for (const auto& m : out)
        r.push_back(m->topic + "=" + m->payload);
    std::sort(r.begin(), r.end());
    return r;
}

using strings = std::vector<std::string>;

TEST(retained_store, put_replace_delete) {
    retained_store s;
    s.put(make("a/b", "1"));
    EXPECT_EQ(s.size(), 1u);
    EXPECT_EQ(matched(s, "a/b"), strings{"a/b=1"});
    s.put(make("a/b", "2"));  // replaces
    EXPECT_EQ(s.size(), 1u);
    EXPECT_EQ(matched(s, "a/b"), strings{"a/b=2"});
    s.put(make("a/b", ""));  // empty payload deletes
    EXPECT_EQ(s.size(), 0u);
    EXPECT_EQ(matched(s, "a/b"), strings{});
    EXPECT_EQ(matched(s, "#"), strings{});
    s.put(make("a/b", ""));  // deleting nothing is fine
    EXPECT_EQ(s.size(), 0u);
}

TEST(retained_store, erase_keeps_neighbours) {
    retained_store s;
    s.put(make("a", "0"));
    s.put(make("a/b", "1"));
    s.put(make("a/b/c", "2"));
    s.erase("a/b");
    s.erase("nope");
    s.erase("a/b/c/d");
    EXPECT_EQ(matched(s, "#"), (strings{"a/b/c=2", "a=0"}));
    s.erase("a/b/c");
    EXPECT_EQ(matched(s, "#"), strings{"a=0"});
    EXPECT_EQ(matched(s, "a/+"), strings{});
    s.erase("a");
    EXPECT_EQ(s.size(), 0u);
    s.put(make("a/b", "3"));  // the emptied trie is usable again
    EXPECT_EQ(matched(s, "a/+"), strings{"a/b=3"});
}

TEST(retained_store, wildcards) {
    retained_store s;
    for (const char* t : {"a", "a/b", "a/c", "a/b/c", "a/", "/a", "b/b", "$SYS/x", "$SYS"})
        s.put(make(t, "p"));
    EXPECT_EQ(matched(s, "a/+"), (strings{"a/=p", "a/b=p", "a/c=p"}));
    EXPECT_EQ(matched(s, "a/#"), (strings{"a/=p", "a/b/c=p", "a/b=p", "a/c=p", "a=p"}));
    EXPECT_EQ(matched(s, "+/b"), (strings{"a/b=p", "b/b=p"}));
    EXPECT_EQ(matched(s, "+"), strings{"a=p"});  // not "$SYS"
    EXPECT_EQ(matched(s, "#").size(), 7u);       // every topic but the two '$' ones
    EXPECT_EQ(matched(s, "+/+").size(), 5u);     // a/b a/c a/ /a b/b
    EXPECT_EQ(matched(s, "$SYS/#"), (strings{"$SYS/x=p", "$SYS=p"}));
    EXPECT_EQ(matched(s, "$SYS/+"), strings{"$SYS/x=p"});
    EXPECT_EQ(matched(s, "+/a"), strings{"/a=p"});
}

TEST(retained_store, agrees_with_reference_matcher) {
    std::mt19937 rng(7);
    const std::vector<std::string> levels = {"a", "b", "$s", "", "c"};
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    auto random_name = [&](bool filter) {
        std::string s;
        const std::size_t n = 1 + pick(4);
        for (std::size_t i = 0; i < n; ++i) {
            if (i)
                s += '/';
            const std::size_t k = pick(10);
            if (filter && k < 2) {
                s += '+';
            } else if (filter && k == 2 && i + 1 == n) {
                s += '#';
            } else {
                s += levels[pick(levels.size())];
            }
        }
        return s.empty() ? std::string("a") : s;  // "" is neither a valid name nor filter
    };

    retained_store s;
    std::map<std::string, std::string> reference;
    for (int i = 0; i < 2000; ++i) {
        const std::string t = random_name(false);
        const std::string payload = pick(5) == 0 ? "" : std::to_string(i);
        s.put(make(t, payload));
        if (payload.empty()) {
            reference.erase(t);
        } else {
            reference[t] = payload;
        }
    }
    EXPECT_EQ(s.size(), reference.size());
    for (int i = 0; i < 500; ++i) {
        const std::string f = random_name(true);
        ASSERT_TRUE(core::validate_topic_filter(f).ok()) << f;
        strings expected;
        for (const auto& [t, p] : reference)
            if (core::topic_matches(f, t))
                expected.push_back(t + "=" + p);
        std::sort(expected.begin(), expected.end());
        ASSERT_EQ(matched(s, f), expected) << "filter '" << f << "'";
    }
}

TEST(retained_store, expired_messages_are_skipped_and_purged) {
    retained_store s;
    const auto now = clock_type::now();
    s.put(make("t/old", "x", 10, now - 11s));  // expired
    s.put(make("t/live", "y", 10, now - 5s));  // 5 s left
    s.put(make("t/forever", "z", std::nullopt, now - 1h));
    EXPECT_EQ(matched(s, "t/#"), (strings{"t/forever=z", "t/live=y"}));
    EXPECT_EQ(matched(s, "t/old"), strings{});
    std::vector<core::message_ptr> out;
    s.match("t/+", out, now + 6s);  // by then t/live has expired too
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(s.size(), 3u);
    EXPECT_EQ(s.purge_expired(now), 1u);
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s.purge_expired(now + 6s), 1u);
    EXPECT_EQ(matched(s, "#"), strings{"t/forever=z"});
}

TEST(retained_store, purge_names_each_purged_topic) {
    retained_store s;
    const auto now = clock_type::now();
    s.put(make("a/old", "x", 10, now - 11s));
    s.put(make("b/old", "x", 1, now - 2s));
    s.put(make("c/live", "y", 10, now));
    std::vector<std::string> purged;
    EXPECT_EQ(s.purge_expired(now, [&](std::string_view t) { purged.emplace_back(t); }), 2u);
    std::sort(purged.begin(), purged.end());
    EXPECT_EQ(purged, (strings{"a/old", "b/old"}));
    EXPECT_EQ(matched(s, "#"), strings{"c/live=y"});
}

TEST(retained_store, concurrent_put_and_match) {
    retained_store s;
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
        threads.emplace_back([&s, w] {
            for (int i = 0; i < 2000; ++i) {
                const std::string t = "w" + std::to_string(w) + "/" + std::to_string(i % 50);
                s.put(make(t, i % 3 == 0 ? "" : "p"));
            }
        });
    }
    for (int r = 0; r < 2; ++r) {
        threads.emplace_back([&s] {
            std::vector<core::message_ptr> out;
            for (int i = 0; i < 2000; ++i) {
                out.clear();
                s.match(i % 2 ? "w0/#" : "+/7", out);
                for (const auto& m : out)
                    ASSERT_TRUE(core::topic_matches(i % 2 ? "w0/#" : "+/7", m->topic));
            }
        });
    }
    for (auto& t : threads)
        t.join();
    std::vector<core::message_ptr> all;
    s.match("#", all);
    EXPECT_EQ(all.size(), s.size());
}

}  // namespace
}  // namespace emqd::router
