// MQTT UTF-8 rules (spec 1.5.4).

#include "codec/detail/utf8.h"

#include <gtest/gtest.h>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using detail::valid_mqtt_utf8;

TEST(utf8, accepts_well_formed) {
    EXPECT_TRUE(valid_mqtt_utf8(""));
    EXPECT_TRUE(valid_mqtt_utf8("sport/tennis"));
    EXPECT_TRUE(valid_mqtt_utf8(hex("C2 A9")));        // U+00A9
    EXPECT_TRUE(valid_mqtt_utf8(hex("E2 82 AC")));     // U+20AC
    EXPECT_TRUE(valid_mqtt_utf8(hex("ED 9F BF")));     // U+D7FF
    EXPECT_TRUE(valid_mqtt_utf8(hex("EE 80 80")));     // U+E000
    EXPECT_TRUE(valid_mqtt_utf8(hex("EF BB BF")));     // U+FEFF: must not be stripped
    EXPECT_TRUE(valid_mqtt_utf8(hex("F0 9F 98 80")));  // U+1F600
    EXPECT_TRUE(valid_mqtt_utf8(hex("F4 8F BF BF")));  // U+10FFFF
    EXPECT_TRUE(valid_mqtt_utf8(hex("01 7F")));        // controls are allowed (SHOULD NOT)
}

TEST(utf8, rejects_ill_formed) {
    EXPECT_FALSE(valid_mqtt_utf8(hex("00")));  // U+0000 [MQTT-1.5.4-2]
    EXPECT_FALSE(valid_mqtt_utf8(hex("61 00 62")));
    EXPECT_FALSE(valid_mqtt_utf8(hex("C0 80")));        // overlong U+0000
    EXPECT_FALSE(valid_mqtt_utf8(hex("C1 BF")));        // overlong
    EXPECT_FALSE(valid_mqtt_utf8(hex("E0 80 AF")));     // overlong '/'
    EXPECT_FALSE(valid_mqtt_utf8(hex("F0 80 80 AF")));  // overlong '/'
    EXPECT_FALSE(valid_mqtt_utf8(hex("ED A0 80")));     // U+D800 [MQTT-1.5.4-1]
    EXPECT_FALSE(valid_mqtt_utf8(hex("ED BF BF")));     // U+DFFF
    EXPECT_FALSE(valid_mqtt_utf8(hex("F4 90 80 80")));  // U+110000
    EXPECT_FALSE(valid_mqtt_utf8(hex("F5 80 80 80")));
    EXPECT_FALSE(valid_mqtt_utf8(hex("80")));  // stray continuation
    EXPECT_FALSE(valid_mqtt_utf8(hex("C2")));  // truncated
    EXPECT_FALSE(valid_mqtt_utf8(hex("E2 82")));
    EXPECT_FALSE(valid_mqtt_utf8(hex("E2 28 A1")));  // bad continuation
    EXPECT_FALSE(valid_mqtt_utf8(hex("F0 9F 98 28")));
    EXPECT_FALSE(valid_mqtt_utf8(hex("FF")));
}

// The ASCII fast path reads 8 bytes at a time: a sequence, good or bad, at any offset of a
// longer string (in a full word or in the tail) is judged as on its own.
TEST(utf8, judges_sequences_at_every_offset) {
    const char* good[] = {"C2 A9", "E2 82 AC", "ED 9F BF", "F0 9F 98 80", "F4 8F BF BF", "7F"};
    const char* bad[] = {"00", "C0 80", "E0 80 AF", "ED A0 80", "F4 90 80 80",
                         "80", "C2",    "E2 82",    "E2 28 A1", "FF"};
    for (std::size_t before = 0; before <= 17; ++before) {
        for (std::size_t after : {0, 1, 7, 8, 9}) {
            const std::string pre(before, 'a'), post(after, 'b');
            for (const char* g : good)
                EXPECT_TRUE(valid_mqtt_utf8(pre + hex(g) + post))
                    << g << " " << before << " " << after;
            for (const char* b : bad)
                EXPECT_FALSE(valid_mqtt_utf8(pre + hex(b) + post))
                    << b << " " << before << " " << after;
        }
    }
}

}  // namespace
}  // namespace emqd::codec::test
