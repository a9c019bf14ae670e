// Group commit: tickets, durability callbacks, sync policies, hand-over at shutdown.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "storage/test/test_support.h"

namespace emqd::storage::test {
namespace {

using namespace std::chrono_literals;

class commit : public storage_test {};

/// Records every on_durable call of several writers.
struct durable_log {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::vector<std::uint64_t>> calls;

    explicit durable_log(std::size_t writers) : calls(writers) {}

    std::function<void(std::uint64_t)> callback(std::size_t writer) {
        return [this, writer](std::uint64_t t) {
            std::lock_guard lock(mutex);
            calls[writer].push_back(t);
            cv.notify_all();
        };
    }
    /// Waits (a hang guard, not a time limit) until `writer` reported `ticket`.
    bool wait(std::size_t writer, std::uint64_t ticket) {
        std::unique_lock lock(mutex);
        return cv.wait_for(
            lock, 1min, [&] { return !calls[writer].empty() && calls[writer].back() >= ticket; });
    }
};

TEST_F(commit, every_writer_hears_its_last_ticket_in_increasing_order) {
    constexpr std::size_t writers = 4;
    constexpr std::uint64_t per_writer = 2000;
    durable_log log(writers);
    auto s = open();
    std::vector<std::unique_ptr<shard_writer>> w;
    for (std::size_t i = 0; i < writers; ++i)
        w.push_back(s->make_writer(log.callback(i)));
    s->start();

    std::vector<std::thread> shards;
    for (std::size_t i = 0; i < writers; ++i)
        shards.emplace_back([&, i] {
            auto& writer = *w[i];
            const std::uint64_t id = i + 1;
            writer.put_session(full_session(id, "c" + std::to_string(id)));
            for (std::uint64_t n = 1; n < per_writer; ++n) {
                writer.put_delivery(id, full_message(n), {});
                if (n % (i + 3) == 0)  // loop passes of different lengths
                    writer.flush();
            }
            writer.flush();
        });
    for (auto& t : shards)
        t.join();

    for (std::size_t i = 0; i < writers; ++i) {
        EXPECT_EQ(w[i]->ticket(), per_writer);
        ASSERT_TRUE(log.wait(i, per_writer)) << "writer " << i;
        std::lock_guard lock(log.mutex);
        const auto& c = log.calls[i];
        EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
        EXPECT_EQ(std::adjacent_find(c.begin(), c.end()), c.end());  // strictly
        EXPECT_EQ(c.back(), per_writer);
    }
    const auto st = s->stats();
    EXPECT_GE(st.batches, 1u);
    EXPECT_EQ(st.syncs, st.batches);  // `always`: one sync per batch
    EXPECT_EQ(st.operations, writers * per_writer);
    EXPECT_GT(st.bytes, 0u);

    w.clear();
    s.reset();
    auto rec = open()->take_recovered();
    ASSERT_EQ(rec.sessions.size(), writers);
    for (const auto& r : rec.sessions)
        EXPECT_EQ(r.deliveries.size(), per_writer - 1);
}

TEST_F(commit, nothing_is_reported_for_an_empty_flush) {
    durable_log log(1);
    auto s = open();
    auto w = s->make_writer(log.callback(0));
    s->start();
    w->flush();
    EXPECT_EQ(w->ticket(), 0u);
    w->put_retained(full_message(1, "t"));
    w->flush();
    ASSERT_TRUE(log.wait(0, 1));
    w->flush();  // nothing new
    w.reset();
    s.reset();
    EXPECT_EQ(log.calls[0], std::vector<std::uint64_t>{1});
}

TEST_F(commit, interval_policy_reports_durability_and_keeps_the_data) {
    _sync = sync_policy::interval;
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        for (std::uint64_t n = 1; n <= 50; ++n) {
            w->put_retained(full_message(n, "r/" + std::to_string(n)));
            ASSERT_TRUE(w.flush_and_wait());
        }
        const auto st = s->stats();
        EXPECT_EQ(st.batches, 50u);
        EXPECT_LT(st.syncs, st.batches);  // batches are not synced one by one
    }
    auto rec = open()->take_recovered();
    EXPECT_EQ(rec.retained.size(), 50u);
}

TEST_F(commit, writes_before_start_and_unflushed_writes_are_applied_at_close) {
    {
        auto s = open();
        auto flushed = s->make_writer([](std::uint64_t) {});
        auto unflushed = s->make_writer([](std::uint64_t) {});
        flushed->put_session(full_session(1, "a"));
        flushed->flush();  // queued: the commit thread never started
        unflushed->put_session(full_session(2, "b"));
        unflushed.reset();  // its destructor hands the write over
        flushed.reset();
    }
    auto rec = open()->take_recovered();
    ASSERT_EQ(rec.sessions.size(), 2u);
    EXPECT_EQ(rec.sessions[0].session.client_id, "a");
    EXPECT_EQ(rec.sessions[1].session.client_id, "b");
}

TEST_F(commit, the_backlog_is_what_is_handed_over_and_not_yet_written) {
    _max_backlog = 1000;  // about 5 deliveries of full_message
    auto s = open();
    waited_writer w(*s);
    EXPECT_EQ(s->backlog(), 0u);
    EXPECT_FALSE(s->behind());
    for (std::uint64_t n = 1; n <= 10; ++n)
        w->put_delivery(1, full_message(n), {});
    w->flush();  // queued: the commit thread is not started
    EXPECT_GT(s->backlog(), 1000u);
    EXPECT_TRUE(s->behind());
    EXPECT_TRUE(s->behind());  // asking twice still makes one wake-up
    s->start();
    ASSERT_TRUE(w.flush_and_wait());
    EXPECT_EQ(s->backlog(), 0u);
    EXPECT_FALSE(s->behind());
    EXPECT_EQ(w.caught_up(), 1);  // called before on_durable: both under one lock

    // Behind again, but nobody asked: nobody is woken.
    for (std::uint64_t n = 11; n <= 20; ++n)
        w->put_delivery(1, full_message(n), {});
    ASSERT_TRUE(w.flush_and_wait());
    EXPECT_EQ(w.caught_up(), 1);
}

TEST_F(commit, a_batch_leaves_out_what_it_makes_moot) {
    auto s = open();
    auto w = std::make_unique<waited_writer>(*s);
    (**w).put_session(full_session(1, "c"));
    (**w).put_delivery(1, full_message(1), {});  // written in a later batch than its erase
    s->start();
    ASSERT_TRUE(w->flush_and_wait());
    auto written = s->stats();
    EXPECT_EQ(written.operations, 2u);
    EXPECT_EQ(written.moot, 0u);

    (**w).erase_delivery(1, guid_of(1), false);  // written: its put is on disk
    (**w).put_delivery(1, full_message(2), {});  // put and erased in one batch:
    (**w).erase_delivery(1, guid_of(2), false);  //   neither is written
    (**w).put_delivery(1, full_message(3), {});  // put, QoS 2 progress twice,
    (**w).put_qos2_progress(1, guid_of(3), 9, session::qos2_progress::sent);
    (**w).put_qos2_progress(1, guid_of(3), 9, session::qos2_progress::released);
    (**w).put_delivery(1, full_message(4), {});  // kept
    (**w).put_retained(full_message(5, "r"));    // overwritten by the next
    (**w).put_retained(full_message(6, "r"));
    ASSERT_TRUE(w->flush_and_wait());
    auto st = s->stats();
    // Written: the erase of 1, the put of 3, its `released`, the put of 4, retained 6.
    EXPECT_EQ(st.operations - written.operations, 5u);
    EXPECT_EQ(st.moot, 4u);  // put+erase of 2, `sent`, retained 5
    EXPECT_EQ(st.batches, written.batches + 1);

    written = st;
    (**w).erase_delivery(1, guid_of(3), true);  // a QoS 2 record on disk: its erase is written
    (**w).put_delivery(1, full_message(7), {});
    (**w).erase_delivery(1, guid_of(7), false);
    ASSERT_TRUE(w->flush_and_wait());
    st = s->stats();
    EXPECT_EQ(st.operations - written.operations, 2u);
    EXPECT_EQ(st.moot - written.moot, 2u);

    written = st;
    (**w).put_delivery(1, full_message(8), {});
    (**w).erase_delivery(1, guid_of(8), false);
    ASSERT_TRUE(w->flush_and_wait());  // all moot: reported durable without a write
    st = s->stats();
    EXPECT_EQ(st.batches, written.batches);
    EXPECT_EQ(st.moot - written.moot, 2u);

    w.reset();
    s.reset();
    auto rec = open()->take_recovered();
    EXPECT_EQ(rec.orphans, 0u);
    ASSERT_EQ(rec.sessions.size(), 1u);
    ASSERT_EQ(rec.sessions[0].deliveries.size(), 1u);
    EXPECT_EQ(rec.sessions[0].deliveries[0].msg->id, guid_of(4));
    ASSERT_EQ(rec.retained.size(), 1u);
    EXPECT_EQ(rec.retained[0]->id, guid_of(6));
}

}  // namespace
}  // namespace emqd::storage::test
