// outbound_pool: buffers come back for reuse; a tick frees only those unused for a whole
// interval; a burst-sized output buffer is not kept.

#include "broker/outbound_pool.h"

#include <gtest/gtest.h>

namespace emqd::broker {
namespace {

TEST(outbound_pool, reuses_what_is_given_back) {
    outbound_pool pool;
    auto a = pool.take();
    a->output.reserve(1000);
    outbound* const raw = a.get();
    pool.give(std::move(a));
    auto b = pool.take();
    EXPECT_EQ(b.get(), raw);
    EXPECT_GE(b->output.capacity(), 1000u);  // capacity kept for the next writer
}

TEST(outbound_pool, trim_frees_what_stayed_unused_for_a_whole_interval) {
    outbound_pool pool;
    auto a = pool.take();
    auto b = pool.take();
    auto c = pool.take();
    outbound* const raw_c = c.get();
    pool.give(std::move(a));
    pool.give(std::move(b));
    pool.give(std::move(c));
    pool.trim();                    // starts the first interval: 3 pooled
    auto again = pool.take();       // one is needed during this interval (low-water mark 2)
    EXPECT_EQ(again.get(), raw_c);  // the last given back
    pool.give(std::move(again));
    pool.trim();  // the two never taken go, the one in use stays
    auto d = pool.take();
    EXPECT_EQ(d.get(), raw_c);
    auto e = pool.take();
    EXPECT_NE(e.get(), nullptr);  // a fresh one
    pool.give(std::move(d));
    pool.give(std::move(e));
}

TEST(outbound_pool, a_burst_sized_output_buffer_is_not_kept) {
    outbound_pool pool;
    auto a = pool.take();
    a->output.reserve(outbound_pool::keep_capacity + 1);
    pool.give(std::move(a));
    EXPECT_LE(pool.take()->output.capacity(), outbound_pool::keep_capacity);
}

}  // namespace
}  // namespace emqd::broker
