#include "storage/records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/test/test_support.h"

namespace emqd::storage::detail {
namespace {

using namespace std::chrono_literals;
using test::expect_same_message;
using test::full_message;
using test::full_session;

TEST(records, session_keys_sort_by_store_id) {
    EXPECT_LT(session_key(255).view(), session_key(256).view());
    EXPECT_LT(session_key(1).view(), session_key(1ull << 40).view());
}

TEST(records, delivery_keys_sort_by_session_then_message_id) {
    const core::guid early{100, 5}, later_same_us{100, 6}, later{101, 0};
    EXPECT_LT(delivery_key(7, early).view(), delivery_key(7, later_same_us).view());
    EXPECT_LT(delivery_key(7, later_same_us).view(), delivery_key(7, later).view());
    EXPECT_LT(delivery_key(7, later).view(), delivery_key(8, early).view());
}

TEST(records, session_range_covers_exactly_one_session) {
    for (char k : {kind::delivery, kind::qos2}) {
        const auto r = session_range(k, 0xFF);
        const auto inside_low =
            k == kind::delivery ? delivery_key(0xFF, {0, 0}) : qos2_key(0xFF, {0, 0});
        const auto inside_high = k == kind::delivery ? delivery_key(0xFF, {~0ull, ~0ull})
                                                     : qos2_key(0xFF, {~0ull, ~0ull});
        const auto next =
            k == kind::delivery ? delivery_key(0x100, {0, 0}) : qos2_key(0x100, {0, 0});
        const auto previous = k == kind::delivery ? delivery_key(0xFE, {~0ull, ~0ull})
                                                  : qos2_key(0xFE, {~0ull, ~0ull});
        EXPECT_LE(r.begin.view(), inside_low.view());
        EXPECT_LT(inside_high.view(), r.end.view());
        EXPECT_LE(r.end.view(), next.view());
        EXPECT_LT(previous.view(), r.begin.view());
    }
    const auto a = session_range(kind::awaiting_rel, 3);
    EXPECT_LT(awaiting_rel_key(3, 0xFFFF).view(), a.end.view());
    EXPECT_LE(a.end.view(), awaiting_rel_key(4, 0).view());
}

TEST(records, keys_parse_back) {
    const core::guid g{0x0102030405060708, 0x1112131415161718};
    auto d = parse_key(delivery_key(42, g));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, kind::delivery);
    EXPECT_EQ(d->store_id, 42u);
    EXPECT_EQ(d->msg, g);
    auto q = parse_key(qos2_key(43, g));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->kind, kind::qos2);
    EXPECT_EQ(q->msg, g);
    auto a = parse_key(awaiting_rel_key(44, 0xABCD));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->store_id, 44u);
    EXPECT_EQ(a->packet_id, 0xABCD);
    auto s = parse_key(session_key(~0ull - 1));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->store_id, ~0ull - 1);
    const auto rk = retained_key("x/y");
    auto r = parse_key(rk);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->topic, "x/y");

    EXPECT_FALSE(parse_key(""));
    EXPECT_FALSE(parse_key("R"));
    EXPECT_FALSE(parse_key("Zwhatever"));
    EXPECT_FALSE(parse_key(std::string(session_key(1).view()) + "x"));
    EXPECT_FALSE(parse_key(std::string(delivery_key(1, g).view()).substr(0, 20)));
}

TEST(records, session_round_trip) {
    const auto now = clock_pair::now();
    const auto s = full_session(9, "client-9");
    std::string v;
    encode_session(v, s, now);
    auto back = decode_session(v, now);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->client_id, s.client_id);
    EXPECT_EQ(back->expiry_interval, s.expiry_interval);
    ASSERT_TRUE(back->disconnected_at);
    EXPECT_EQ(std::chrono::floor<std::chrono::microseconds>(*back->disconnected_at),
              std::chrono::floor<std::chrono::microseconds>(*s.disconnected_at));
    EXPECT_EQ(back->subscriptions, s.subscriptions);
    ASSERT_TRUE(back->will);
    expect_same_message(*back->will, *s.will);
    EXPECT_EQ(back->will_delay, 30u);

    session::stored_session bare;
    bare.client_id = "bare";
    v.clear();
    encode_session(v, bare, now);
    back = decode_session(v, now);
    ASSERT_TRUE(back);
    EXPECT_FALSE(back->disconnected_at);
    EXPECT_FALSE(back->will);
    EXPECT_TRUE(back->subscriptions.empty());
}

TEST(records, shared_group_is_not_stored) {
    const auto now = clock_pair::now();
    router::subscription_options o;
    o.qos = 1;
    o.shared_group = 12;
    std::string v;
    const auto m = full_message(1);
    encode_delivery(v, m, std::span(&o, 1), now);
    auto d = decode_delivery(v, now);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->matched.size(), 1u);
    EXPECT_EQ(d->matched[0].qos, 1);
    EXPECT_EQ(d->matched[0].shared_group, 0u);
}

TEST(records, delivery_qos2_and_retained_round_trip) {
    const auto now = clock_pair::now();
    auto m = full_message(5);
    m.qos = 2;
    m.props = {};  // no properties at all
    std::vector<router::subscription_options> matched(2);
    matched[0].qos = 2;
    matched[1].subscription_id = 268435455;
    matched[1].fastlane = true;
    std::string v;
    encode_delivery(v, m, matched, now);
    auto d = decode_delivery(v, now);
    ASSERT_TRUE(d);
    expect_same_message(*d->msg, m);
    EXPECT_EQ(d->matched, matched);

    v.clear();
    encode_qos2(v, 0xFFFF, session::qos2_progress::released);
    auto q = decode_qos2(v);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->packet_id, 0xFFFF);
    EXPECT_EQ(q->progress, session::qos2_progress::released);

    v.clear();
    auto r = full_message(6, "retained/topic");
    r.retain = true;
    encode_retained(v, r, now);
    auto rm = decode_retained(v, now);
    ASSERT_TRUE(rm);
    expect_same_message(*rm, r);

    v.clear();
    encode_awaiting_rel(v);
    EXPECT_TRUE(decode_awaiting_rel(v));
    EXPECT_FALSE(decode_awaiting_rel(""));
    EXPECT_FALSE(decode_awaiting_rel(v + "x"));
}

TEST(records, message_age_carries_over_through_the_wall_clock) {
    const auto write = clock_pair::now();
    auto m = full_message(1);
    m.received_at = write.steady - 10s;  // arrived 10 s before the write
    std::string v;
    encode_retained(v, m, write);
    // Read by another process 50 s later, whose steady clock started elsewhere.
    const clock_pair read{write.wall + 50s, core::message::clock::time_point{} + 1h};
    auto back = decode_retained(v, read);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->remaining_expiry(read.steady), 3600u - 60u);

    // A wall clock set back since: the message is as young as possible, not from the future.
    const clock_pair back_in_time{write.wall - 1h, read.steady};
    back = decode_retained(v, back_in_time);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->received_at, read.steady);
}

TEST(records, every_truncation_and_bad_versions_are_undecodable) {
    const auto now = clock_pair::now();
    std::string session_v, delivery_v, qos2_v, retained_v;
    encode_session(session_v, full_session(1, "c"), now);
    const auto m = full_message(1);
    router::subscription_options o;
    encode_delivery(delivery_v, m, std::span(&o, 1), now);
    encode_qos2(qos2_v, 1, session::qos2_progress::sent);
    encode_retained(retained_v, m, now);

    for (std::size_t n = 0; n < session_v.size(); ++n)
        EXPECT_FALSE(decode_session(session_v.substr(0, n), now)) << n;
    for (std::size_t n = 0; n < delivery_v.size(); ++n)
        EXPECT_FALSE(decode_delivery(delivery_v.substr(0, n), now)) << n;
    for (std::size_t n = 0; n < qos2_v.size(); ++n)
        EXPECT_FALSE(decode_qos2(qos2_v.substr(0, n))) << n;
    for (std::size_t n = 0; n < retained_v.size(); ++n)
        EXPECT_FALSE(decode_retained(retained_v.substr(0, n), now)) << n;

    EXPECT_FALSE(decode_session(session_v + "x", now));
    EXPECT_FALSE(decode_delivery(delivery_v + "x", now));
    for (auto* v : {&session_v, &delivery_v, &qos2_v, &retained_v})
        (*v)[0] = 2;  // a format this build does not know
    EXPECT_FALSE(decode_session(session_v, now));
    EXPECT_FALSE(decode_delivery(delivery_v, now));
    EXPECT_FALSE(decode_qos2(qos2_v));
    EXPECT_FALSE(decode_retained(retained_v, now));
}

TEST(records, out_of_range_fields_are_undecodable) {
    const auto now = clock_pair::now();
    std::string v;
    encode_qos2(v, 1, session::qos2_progress::sent);
    v.back() = 3;  // no such progress
    EXPECT_FALSE(decode_qos2(v));

    auto m = full_message(1);
    m.props = {};
    v.clear();
    encode_retained(v, m, now);
    // Layout: version(1) guid(16) topic(4+3) payload(4+n) qos(1) ...: set qos to 3.
    const auto qos_at = 1 + 16 + 4 + m.topic.size() + 4 + m.payload.size();
    v[qos_at] = 3;
    EXPECT_FALSE(decode_retained(v, now));

    // A count that claims far more entries than there are bytes.
    v.clear();
    encode_session(v, session::stored_session{}, now);
    const auto count_at = 1 + 4 + 4 + 1;  // version, empty client id, expiry, no disconnect
    v[count_at] = '\x7f';
    EXPECT_FALSE(decode_session(v, now));
}

}  // namespace
}  // namespace emqd::storage::detail
