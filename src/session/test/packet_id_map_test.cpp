#include "session/packet_id_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace emqd::session::detail {
namespace {

TEST(packet_id_map, insert_find_erase) {
    packet_id_map<int> m;
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.find(1), nullptr);
    EXPECT_TRUE(m.insert(1, 10));
    EXPECT_FALSE(m.insert(1, 11));  // present: unchanged
    EXPECT_FALSE(m.insert(0, 5));   // 0 is never a packet id
    ASSERT_NE(m.find(1), nullptr);
    EXPECT_EQ(*m.find(1), 10);
    EXPECT_TRUE(m.erase(1));
    EXPECT_FALSE(m.erase(1));
    EXPECT_EQ(m.size(), 0u);
}

TEST(packet_id_map, colliding_ids_survive_deletes) {
    packet_id_map<int> m;
    // All congruent modulo every small power of two: one long probe run.
    for (int k = 1; k <= 6; ++k) {
        ASSERT_TRUE(m.insert(static_cast<std::uint16_t>(k * 1024), k));
    }
    EXPECT_TRUE(m.erase(2 * 1024));
    EXPECT_TRUE(m.erase(5 * 1024));
    for (int k : {1, 3, 4, 6}) {
        ASSERT_NE(m.find(static_cast<std::uint16_t>(k * 1024)), nullptr) << k;
        EXPECT_EQ(*m.find(static_cast<std::uint16_t>(k * 1024)), k);
    }
    EXPECT_EQ(m.size(), 4u);
}

TEST(packet_id_map, erase_if_removes_matching_only) {
    packet_id_map<int> m;
    for (std::uint16_t id = 1; id <= 100; ++id) {
        ASSERT_TRUE(m.insert(id, id));
    }
    EXPECT_EQ(m.erase_if([](std::uint16_t, int v) { return v % 3 == 0; }), 33u);
    EXPECT_EQ(m.size(), 67u);
    for (std::uint16_t id = 1; id <= 100; ++id) {
        EXPECT_EQ(m.contains(id), id % 3 != 0) << id;
    }
}

// Property test against std::map, with ids drawn so that runs collide and wrap.
TEST(packet_id_map, matches_std_map_under_random_operations) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 20; ++round) {
        packet_id_map<std::uint32_t> m;
        std::map<std::uint16_t, std::uint32_t> ref;
        const std::uint16_t range = round % 2 ? 64 : 65535;
        std::uniform_int_distribution<int> id_dist(1, range);
        for (std::uint32_t step = 0; step < 5000; ++step) {
            const auto id = static_cast<std::uint16_t>(
                round % 4 < 2 ? id_dist(rng) : (id_dist(rng) % 16) * 4096 + 1);
            switch (rng() % 4) {
                case 0:
                case 1:
                    ASSERT_EQ(m.insert(id, step), ref.emplace(id, step).second);
                    break;
                case 2:
                    ASSERT_EQ(m.erase(id), ref.erase(id) == 1);
                    break;
                default: {
                    if (rng() % 50 == 0) {
                        const std::uint32_t cut = step / 2;
                        m.erase_if([cut](std::uint16_t, std::uint32_t v) { return v < cut; });
                        std::erase_if(ref, [cut](const auto& kv) { return kv.second < cut; });
                    }
                }
            }
            ASSERT_EQ(m.size(), ref.size());
        }
        for (const auto& [id, v] : ref) {
            ASSERT_NE(m.find(id), nullptr);
            EXPECT_EQ(*m.find(id), v);
        }
        std::size_t seen = 0;
        m.for_each([&](std::uint16_t id, std::uint32_t v) {
            ++seen;
            EXPECT_EQ(ref.at(id), v);
        });
        EXPECT_EQ(seen, ref.size());
    }
}

}  // namespace
}  // namespace emqd::session::detail
