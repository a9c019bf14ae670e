// stream_parser: frames cut at every split point, size limits before the body, memory.

#include "codec/stream_parser.h"

#include <gtest/gtest.h>

#include <vector>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using core::reason_code;

struct cut {
    std::uint8_t header;
    std::string body;
};

/// Pulls every available frame out of `p`, copying them (frames are views).
std::vector<cut> drain(stream_parser& p) {
    std::vector<cut> out;
    while (true) {
        auto r = p.next();
        if (!r) {
            ADD_FAILURE() << "parser error: " << r.err().what;
            break;
        }
        if (!*r)
            break;
        const frame& f = **r;
        out.push_back(
            {f.header, std::string(reinterpret_cast<const char*>(f.body.data()), f.body.size())});
    }
    return out;
}

std::string sample_stream() {
    std::string s;
    connect_packet c;
    c.client_id = "abc";
    encode(c, s);
    publish_packet p;
    p.topic = "a/b";
    std::string big(300, 'z');  // two-byte Remaining Length
    p.payload = big;
    encode(p, protocol_version::v3_1_1, s);
    encode(pingreq_packet{}, protocol_version::v3_1_1, s);  // empty body
    ack_packet a;
    a.packet_id = 7;
    encode(a, protocol_version::v3_1_1, s);
    return s;
}

TEST(stream_parser, whole_stream_at_once) {
    const std::string s = sample_stream();
    stream_parser p;
    p.feed(as_bytes(s));
    auto frames = drain(p);
    ASSERT_EQ(frames.size(), 4u);
    EXPECT_EQ(frames[0].header, 0x10);
    EXPECT_EQ(frames[1].header, 0x30);
    EXPECT_EQ(frames[1].body.size(), 305u);
    EXPECT_EQ(frames[2].header, 0xC0);
    EXPECT_TRUE(frames[2].body.empty());
    EXPECT_EQ(frames[3].body, hex("00 07"));
    EXPECT_EQ(p.buffered(), 0u);
    EXPECT_EQ(p.capacity(), 0u);  // released when drained
}

TEST(stream_parser, split_at_every_boundary) {
    const std::string s = sample_stream();
    stream_parser whole;
    whole.feed(as_bytes(s));
    const auto expected = drain(whole);
    for (std::size_t i = 0; i <= s.size(); ++i) {
        for (std::size_t j = i; j <= s.size(); j += 7) {  // three pieces: [0,i) [i,j) [j,end)
            stream_parser p;
            std::vector<cut> got;
            for (auto piece :
                 {std::string_view(s).substr(0, i), std::string_view(s).substr(i, j - i),
                  std::string_view(s).substr(j)}) {
                p.feed(as_bytes(piece));
                for (auto& c : drain(p))
                    got.push_back(std::move(c));
            }
            ASSERT_EQ(got.size(), expected.size()) << "split at " << i << "," << j;
            for (std::size_t k = 0; k < got.size(); ++k) {
                EXPECT_EQ(got[k].header, expected[k].header);
                EXPECT_EQ(got[k].body, expected[k].body);
            }
        }
    }
}

TEST(stream_parser, byte_by_byte) {
    const std::string s = sample_stream();
    stream_parser p;
    std::size_t n = 0;
    for (char c : s) {
        p.feed(as_bytes(std::string_view(&c, 1)));
        n += drain(p).size();
    }
    EXPECT_EQ(n, 4u);
    EXPECT_EQ(p.capacity(), 0u);
}

TEST(stream_parser, prepare_commit_like_a_socket) {
    const std::string s = sample_stream();
    stream_parser p;
    std::size_t pos = 0, frames = 0;
    while (pos < s.size()) {
        auto space = p.prepare(64);
        ASSERT_GE(space.size(), 64u);
        const std::size_t n = std::min<std::size_t>(50, s.size() - pos);
        std::copy_n(s.data() + pos, n, space.begin());
        p.commit(n);
        pos += n;
        frames += drain(p).size();
    }
    EXPECT_EQ(frames, 4u);
}

TEST(stream_parser, a_read_that_brings_nothing_gives_the_space_back) {
    stream_parser p;
    (void)p.prepare(16 * 1024);  // a socket read is about to happen
    EXPECT_GE(p.capacity(), 16u * 1024);
    p.commit(0);  // it found nothing: an idle connection must not keep the buffer
    EXPECT_EQ(p.capacity(), 0u);
    p.feed(as_bytes(hex("C0")));  // half a PINGREQ stays buffered across an empty read
    (void)p.prepare(16 * 1024);
    p.commit(0);
    EXPECT_GT(p.capacity(), 0u);
    EXPECT_EQ(p.buffered(), 1u);
}

TEST(stream_parser, keep_buffer_holds_the_space_across_drains) {
    stream_parser p;
    p.set_keep_buffer(true);
    auto space = p.prepare(4096);
    const std::uint8_t* first = space.data();
    p.commit(0);  // an empty read
    EXPECT_GE(p.capacity(), 4096u);
    p.feed(as_bytes(sample_stream()));
    EXPECT_EQ(drain(p).size(), 4u);
    EXPECT_GE(p.capacity(), 4096u);            // drained, still held
    EXPECT_EQ(p.prepare(4096).data(), first);  // same memory: no allocation per read
}

TEST(stream_parser, rejects_oversized_packet_from_the_fixed_header) {
    stream_parser p(100);
    p.feed(as_bytes(hex("30 E5 00")));  // Remaining Length 101: total 104 > 100
    auto r = p.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, reason_code::packet_too_large);
    EXPECT_LE(p.buffered(), 3u);  // no body was needed to decide
}

TEST(stream_parser, limit_counts_the_whole_packet) {
    stream_parser p(10);
    p.feed(as_bytes(hex("30 08 00 01 61 01 02 03 04 05")));  // exactly 10 bytes
    auto r = p.next();
    ASSERT_TRUE(r);
    ASSERT_TRUE(*r);
    EXPECT_EQ((*r)->wire_size(), 10u);
    p.feed(as_bytes(hex("30 09")));
    r = p.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, reason_code::packet_too_large);
}

TEST(stream_parser, remaining_length_over_four_bytes_is_malformed) {
    stream_parser p(0xFFFFFFFF);
    p.feed(as_bytes(hex("30 FF FF FF")));
    auto r = p.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);  // still waiting for the 4th length byte
    p.feed(as_bytes(hex("FF")));
    r = p.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, reason_code::malformed_packet);
}

TEST(stream_parser, maximum_remaining_length_is_accepted_in_the_header) {
    stream_parser p(0xFFFFFFFF);
    p.feed(as_bytes(hex("30 FF FF FF 7F")));  // 268,435,455
    auto r = p.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
}

TEST(stream_parser, compaction_keeps_the_buffer_small) {
    // A long stream fed in pieces that never line up with packet boundaries.
    std::string s;
    publish_packet pub;
    pub.topic = "t";
    std::string payload(100, 'p');
    pub.payload = payload;
    for (int i = 0; i < 1000; ++i)
        encode(pub, protocol_version::v3_1_1, s);
    stream_parser p;
    std::size_t frames = 0, max_capacity = 0;
    for (std::size_t pos = 0; pos < s.size(); pos += 150) {
        p.feed(as_bytes(std::string_view(s).substr(pos, 150)));
        frames += drain(p).size();
        max_capacity = std::max(max_capacity, p.capacity());
    }
    EXPECT_EQ(frames, 1000u);
    EXPECT_LE(max_capacity, 1024u);
}

TEST(stream_parser, frames_decode) {
    const std::string s = sample_stream();
    stream_parser p;
    p.feed(as_bytes(s));
    auto r = p.next();
    ASSERT_TRUE(r && *r);
    auto pk = decode(**r, protocol_version::v3_1_1);
    ASSERT_TRUE(pk);
    EXPECT_EQ(std::get<connect_packet>(*pk).client_id, "abc");
    r = p.next();
    ASSERT_TRUE(r && *r);
    pk = decode(**r, protocol_version::v3_1_1);
    ASSERT_TRUE(pk);
    EXPECT_EQ(std::get<publish_packet>(*pk).payload.size(), 300u);
}

}  // namespace
}  // namespace emqd::codec::test
