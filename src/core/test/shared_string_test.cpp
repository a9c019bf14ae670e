#include "core/shared_string.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace emqd::core {
namespace {

TEST(shared_string, holds_a_copy_of_the_characters) {
    std::string source = "a-client-id-longer-than-sso";
    const shared_string s(source);
    source.assign(source.size(), 'x');  // the shared copy is its own
    EXPECT_EQ(s.view(), "a-client-id-longer-than-sso");
    EXPECT_EQ(s.size(), 27u);
    EXPECT_EQ(s.str(), "a-client-id-longer-than-sso");
    EXPECT_FALSE(s.empty());
}

TEST(shared_string, copies_share_one_block) {
    const shared_string a("client");
    const shared_string b = a;
    EXPECT_EQ(a.view().data(), b.view().data());
    shared_string c;
    c = b;
    EXPECT_EQ(c.view().data(), a.view().data());
    shared_string d = std::move(c);
    EXPECT_TRUE(c.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(d, a);
}

TEST(shared_string, empty_holds_nothing) {
    const shared_string e;
    const shared_string from_empty("");
    EXPECT_TRUE(e.empty());
    EXPECT_TRUE(from_empty.empty());
    EXPECT_EQ(e.view(), "");
    EXPECT_EQ(e, from_empty);
}

TEST(shared_string, compares_contents) {
    const shared_string a("c1");
    const shared_string b(std::string("c1"));  // another block, same characters
    EXPECT_NE(a.view().data(), b.view().data());
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, "c1");
    EXPECT_EQ(a, std::string("c1"));
    EXPECT_FALSE(a == "c2");
    EXPECT_FALSE(a == shared_string("c"));
}

TEST(shared_string, looks_up_by_view_without_a_copy) {
    std::unordered_map<shared_string, int, shared_string_hash, shared_string_equal> m;
    m.emplace(shared_string("a"), 1);
    m.emplace(shared_string("bb"), 2);
    const std::string_view key = "bb";
    ASSERT_NE(m.find(key), m.end());
    EXPECT_EQ(m.find(key)->second, 2);
    EXPECT_EQ(m.find(std::string_view("c")), m.end());
}

TEST(shared_string, copies_on_many_threads_release_the_block_once) {
    const shared_string s("shared-between-threads");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&s] {
            for (int i = 0; i < 10000; ++i) {
                shared_string copy = s;
                ASSERT_EQ(copy.view(), "shared-between-threads");
            }
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(s.view(), "shared-between-threads");  // ASan: no early free
}

}  // namespace
}  // namespace emqd::core
