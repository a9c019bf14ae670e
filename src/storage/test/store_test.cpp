#include "storage/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/test/test_support.h"

namespace emqd::storage::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

class store_round_trip : public storage_test {};

router::subscription_options qos(std::uint8_t q, std::uint32_t sub_id = 0) {
    router::subscription_options o;
    o.qos = q;
    o.subscription_id = sub_id;
    return o;
}

const recovered_session* find(const recovered_state& st, std::uint64_t id) {
    for (const auto& s : st.sessions)
        if (s.session.store_id == id)
            return &s;
    return nullptr;
}

TEST_F(store_round_trip, every_record_kind_survives_close_and_reopen) {
    const auto sess = full_session(3, "client-3");
    const auto m1 = full_message(1), m2 = full_message(2);
    auto retained = full_message(50, "r/1");
    retained.retain = true;
    const std::vector<router::subscription_options> matched{qos(1, 5), qos(2)};
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        w->put_session(sess);
        w->put_delivery(3, m1, matched);
        w->put_delivery(3, m2, std::span(matched).first(1));
        w->put_qos2_progress(3, m2.id, 17, session::qos2_progress::sent);
        w->put_awaiting_rel(3, 9);
        w->put_awaiting_rel(3, 4);
        w->put_retained(retained);
        ASSERT_TRUE(w.flush_and_wait());
        EXPECT_EQ(w->ticket(), 7u);
    }
    auto s = open();
    EXPECT_FALSE(s->quarantined());
    auto st = s->take_recovered();
    ASSERT_EQ(st.sessions.size(), 1u);
    const auto& r = st.sessions[0];
    EXPECT_EQ(r.session.store_id, 3u);
    EXPECT_EQ(r.session.client_id, "client-3");
    EXPECT_EQ(r.session.expiry_interval, sess.expiry_interval);
    EXPECT_EQ(std::chrono::floor<std::chrono::microseconds>(*r.session.disconnected_at),
              std::chrono::floor<std::chrono::microseconds>(*sess.disconnected_at));
    EXPECT_EQ(r.session.subscriptions, sess.subscriptions);
    ASSERT_TRUE(r.session.will);
    expect_same_message(*r.session.will, *sess.will);
    EXPECT_EQ(r.session.will_delay, sess.will_delay);

    ASSERT_EQ(r.deliveries.size(), 2u);
    expect_same_message(*r.deliveries[0].msg, m1);
    EXPECT_EQ(r.deliveries[0].matched, matched);
    EXPECT_EQ(r.deliveries[0].packet_id, 0);
    EXPECT_EQ(r.deliveries[0].progress, session::qos2_progress::none);
    expect_same_message(*r.deliveries[1].msg, m2);
    EXPECT_EQ(r.deliveries[1].matched, std::vector{matched[0]});
    EXPECT_EQ(r.deliveries[1].packet_id, 17);
    EXPECT_EQ(r.deliveries[1].progress, session::qos2_progress::sent);
    EXPECT_EQ(r.awaiting_rel, (std::vector<std::uint16_t>{4, 9}));

    ASSERT_EQ(st.retained.size(), 1u);
    expect_same_message(*st.retained[0], retained);
    EXPECT_EQ(st.expired_sessions + st.expired_deliveries + st.expired_retained, 0u);
    EXPECT_EQ(st.undecodable + st.orphans, 0u);

    EXPECT_TRUE(s->take_recovered().sessions.empty());  // once
}

TEST_F(store_round_trip, deliveries_come_back_in_message_id_order_per_session) {
    std::vector<std::uint64_t> order(200);
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i + 1;
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        for (std::uint64_t id : {1, 2, 256})
            w->put_session(full_session(id, "c" + std::to_string(id)));
        for (auto n : order)
            for (std::uint64_t id : {256, 1, 2})
                w->put_delivery(id, full_message(n * 10 + id), {});
        ASSERT_TRUE(w.flush_and_wait());
    }
    auto st = open()->take_recovered();
    ASSERT_EQ(st.sessions.size(), 3u);
    std::vector<std::uint64_t> ids;
    for (const auto& r : st.sessions) {
        ids.push_back(r.session.store_id);
        ASSERT_EQ(r.deliveries.size(), order.size());
        for (std::size_t i = 0; i < r.deliveries.size(); ++i)
            EXPECT_EQ(r.deliveries[i].msg->id, guid_of((i + 1) * 10 + r.session.store_id));
    }
    EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 2, 256}));
}

TEST_F(store_round_trip, erase_session_removes_that_session_only) {
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        for (std::uint64_t id : {4, 5, 6}) {
            w->put_session(full_session(id, "c" + std::to_string(id)));
            w->put_delivery(id, full_message(id), {});
            w->put_qos2_progress(id, guid_of(id), 1, session::qos2_progress::released);
            w->put_awaiting_rel(id, 0xFFFF);
            w->put_awaiting_rel(id, 1);
        }
        w->erase_session(5);
        ASSERT_TRUE(w.flush_and_wait());
    }
    auto st = open()->take_recovered();
    EXPECT_EQ(st.orphans, 0u);
    ASSERT_EQ(st.sessions.size(), 2u);
    EXPECT_FALSE(find(st, 5));
    for (std::uint64_t id : {4, 6}) {
        const auto* r = find(st, id);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->deliveries.size(), 1u);
        EXPECT_EQ(r->deliveries[0].progress, session::qos2_progress::released);
        EXPECT_EQ(r->awaiting_rel, (std::vector<std::uint16_t>{1, 0xFFFF}));
    }
}

TEST_F(store_round_trip, erase_delivery_awaiting_rel_retained_and_qos2_none) {
    auto retained = full_message(8, "r/x");
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        w->put_session(full_session(1, "c"));
        w->put_delivery(1, full_message(1), {});
        w->put_delivery(1, full_message(2), {});
        w->put_delivery(1, full_message(3), {});
        w->put_qos2_progress(1, guid_of(1), 5, session::qos2_progress::sent);
        w->put_qos2_progress(1, guid_of(3), 6, session::qos2_progress::sent);
        w->put_qos2_progress(1, guid_of(3), 6, session::qos2_progress::none);
        w->erase_delivery(1, guid_of(1), true);
        w->put_awaiting_rel(1, 10);
        w->put_awaiting_rel(1, 11);
        w->erase_awaiting_rel(1, 10);
        w->put_retained(retained);
        w->put_retained(full_message(9, "r/y"));
        w->erase_retained("r/y");
        ASSERT_TRUE(w.flush_and_wait());
    }
    auto st = open()->take_recovered();
    EXPECT_EQ(st.orphans, 0u);  // erase_delivery took the QoS 2 record along
    ASSERT_EQ(st.sessions.size(), 1u);
    const auto& r = st.sessions[0];
    ASSERT_EQ(r.deliveries.size(), 2u);
    EXPECT_EQ(r.deliveries[0].msg->id, guid_of(2));
    EXPECT_EQ(r.deliveries[1].msg->id, guid_of(3));
    EXPECT_EQ(r.deliveries[1].progress, session::qos2_progress::none);
    EXPECT_EQ(r.awaiting_rel, std::vector<std::uint16_t>{11});
    ASSERT_EQ(st.retained.size(), 1u);
    EXPECT_EQ(st.retained[0]->topic, "r/x");
}

TEST_F(store_round_trip, expired_records_are_purged_at_open_for_good) {
    const auto now = system_clock::now();
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        auto short_lived = full_session(1, "short");
        short_lived.expiry_interval = 60;
        short_lived.disconnected_at = now;
        w->put_session(short_lived);
        w->put_delivery(1, full_message(1), {});
        w->put_awaiting_rel(1, 3);

        auto forever = full_session(2, "forever");
        forever.expiry_interval = 0xFFFFFFFF;
        w->put_session(forever);
        auto lasting = full_message(2);
        lasting.props.message_expiry_interval.reset();
        w->put_delivery(2, lasting, {});
        w->put_delivery(2, full_message(3), {});  // expires after an hour
        w->put_qos2_progress(2, guid_of(3), 8, session::qos2_progress::sent);

        auto attached = full_session(3, "attached");
        attached.expiry_interval = 60;
        attached.disconnected_at.reset();
        w->put_session(attached);

        w->put_retained(full_message(4, "r/expiring"));
        auto kept = full_message(5, "r/kept");
        kept.props.message_expiry_interval.reset();
        w->put_retained(kept);
        ASSERT_TRUE(w.flush_and_wait());
    }
    const auto later = now + 2h;
    {
        auto st = open(later)->take_recovered();
        EXPECT_EQ(st.expired_sessions, 1u);
        EXPECT_EQ(st.expired_deliveries, 1u);  // session 1's went with it, uncounted
        EXPECT_EQ(st.expired_retained, 1u);
        EXPECT_EQ(st.orphans, 0u);
        ASSERT_EQ(st.sessions.size(), 2u);
        const auto* forever = find(st, 2);
        ASSERT_TRUE(forever);
        ASSERT_EQ(forever->deliveries.size(), 1u);
        EXPECT_EQ(forever->deliveries[0].msg->id, guid_of(2));
        // Attached at the crash: counts as disconnected at the restart, so not expired.
        const auto* attached = find(st, 3);
        ASSERT_TRUE(attached);
        EXPECT_EQ(attached->session.disconnected_at, later);
        ASSERT_EQ(st.retained.size(), 1u);
        EXPECT_EQ(st.retained[0]->topic, "r/kept");
    }
    // The purge was written: an open at the real time finds nothing of it either.
    auto st = open(now)->take_recovered();
    EXPECT_EQ(st.sessions.size(), 2u);
    EXPECT_FALSE(find(st, 1));
    EXPECT_EQ(find(st, 2)->deliveries.size(), 1u);
    EXPECT_EQ(st.retained.size(), 1u);
    EXPECT_EQ(st.expired_sessions + st.expired_deliveries + st.expired_retained, 0u);
}

TEST_F(store_round_trip, message_expiry_counts_on_across_the_restart) {
    auto m = full_message(1);
    m.props.message_expiry_interval = 100;
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        w->put_session(full_session(1, "c"));
        w->put_delivery(1, m, {});
        w->put_retained(m);
        ASSERT_TRUE(w.flush_and_wait());
    }
    // Reopened "30 s later" by the wall clock.
    auto st = open(system_clock::now() + 30s)->take_recovered();
    ASSERT_EQ(st.sessions.size(), 1u);
    ASSERT_EQ(st.sessions[0].deliveries.size(), 1u);
    const auto steady_now = core::message::clock::now();
    for (const auto& msg : {st.sessions[0].deliveries[0].msg, st.retained.at(0)}) {
        const auto left = msg->remaining_expiry(steady_now);
        ASSERT_TRUE(left);
        EXPECT_LE(*left, 70u);
        EXPECT_GE(*left, 68u);
    }
}

TEST_F(store_round_trip, store_ids_of_erased_sessions_are_not_reused) {
    {
        auto s = open();
        const auto a = s->allocate_store_id(), b = s->allocate_store_id();
        EXPECT_EQ(a, 1u);
        EXPECT_EQ(b, 2u);
        waited_writer w(*s);
        s->start();
        w->put_session(full_session(b, "c"));
        w->erase_session(b);  // no record of either id remains
        ASSERT_TRUE(w.flush_and_wait());
    }
    for (int restart = 0; restart < 2; ++restart) {
        auto s = open();
        EXPECT_TRUE(s->take_recovered().sessions.empty());
        EXPECT_EQ(s->allocate_store_id(), 3u + restart) << restart;
        waited_writer w(*s);
        s->start();
        w->erase_session(99);  // any batch carries the counter
        ASSERT_TRUE(w.flush_and_wait());
    }
}

TEST_F(store_round_trip, store_ids_start_above_every_id_on_disk) {
    {
        auto s = open();
        EXPECT_EQ(s->allocate_store_id(), 1u);
        EXPECT_EQ(s->allocate_store_id(), 2u);
        waited_writer w(*s);
        s->start();
        w->put_session(full_session(41, "c"));
        w->put_session(full_session(57, "d"));
        w->put_delivery(57, full_message(1), {});
        w->erase_session(57);
        w->put_delivery(60, full_message(2), {});  // a delivery without its session
        ASSERT_TRUE(w.flush_and_wait());
    }
    auto s = open();
    auto st = s->take_recovered();
    EXPECT_EQ(st.orphans, 1u);
    EXPECT_EQ(st.sessions.size(), 1u);
    const auto first = s->allocate_store_id();
    EXPECT_GT(first, 60u);

    // Concurrent allocation hands out distinct ids.
    std::vector<std::vector<std::uint64_t>> got(4);
    std::vector<std::thread> threads;
    for (auto& g : got)
        threads.emplace_back([&s, &g] {
            for (int i = 0; i < 1000; ++i)
                g.push_back(s->allocate_store_id());
        });
    for (auto& t : threads)
        t.join();
    std::set<std::uint64_t> all{first};
    for (const auto& g : got)
        all.insert(g.begin(), g.end());
    EXPECT_EQ(all.size(), 4001u);
}

TEST_F(store_round_trip, full_compares_the_size_with_max_size) {
    {
        auto o = options();
        auto unbounded = store::open(o, system_clock::now());
        EXPECT_FALSE(unbounded->full());
    }
    auto o = options();
    o.max_size = 1;  // any data at all: the format record written at creation
    EXPECT_TRUE(store::open(o, system_clock::now())->full());
    o.max_size = 1ull << 40;
    EXPECT_FALSE(store::open(o, system_clock::now())->full());
}

TEST_F(store_round_trip, unusable_directories_throw_storage_error_naming_them) {
    std::filesystem::create_directories(dir().parent_path());
    std::ofstream(dir().parent_path() / "file") << "x";
    auto o = options();
    o.dir = dir().parent_path() / "file" / "store";
    try {
        store::open(o, system_clock::now());
        FAIL() << "no storage_error";
    } catch (const storage_error& e) {
        EXPECT_NE(std::string(e.what()).find(o.dir.string()), std::string::npos) << e.what();
    }

    auto held = open();  // RocksDB's lock: a second open of the same directory fails
    try {
        open();
        FAIL() << "no storage_error";
    } catch (const storage_error& e) {
        EXPECT_NE(std::string(e.what()).find(dir().string()), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace emqd::storage::test
