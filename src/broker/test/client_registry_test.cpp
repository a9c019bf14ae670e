#include "broker/client_registry.h"

#include <gtest/gtest.h>

namespace emqd::broker {
namespace {

TEST(client_registry, exchange_returns_previous_owner) {
    client_registry r;
    EXPECT_FALSE(r.exchange("a", {0, 1}).has_value());
    auto prev = r.exchange("a", {1, 2});
    ASSERT_TRUE(prev.has_value());
    EXPECT_EQ(*prev, (router::subscriber_id{0, 1}));
    EXPECT_EQ(*r.find("a"), (router::subscriber_id{1, 2}));
}

TEST(client_registry, erase_only_by_current_owner) {
    client_registry r;
    (void)r.exchange("a", {0, 1});
    (void)r.exchange("a", {1, 2});
    r.erase_if_owner("a", {0, 1});  // stale owner: a newer connection claimed the id
    EXPECT_TRUE(r.find("a").has_value());
    r.erase_if_owner("a", {1, 2});
    EXPECT_FALSE(r.find("a").has_value());
    EXPECT_EQ(r.size(), 0u);
}

}  // namespace
}  // namespace emqd::broker
