// Design note: a single forward pass over the bytes. ASCII is the common case (topics,
// client ids), so the loop first skips runs of bytes in 0x01..0x7F, 8 at a time (one
// test of a word for a high bit or a zero byte, core/byte_scan.h); a multi-byte sequence
// is then checked against the table of well-formed byte sequences (Unicode 15, table 3-7),
// which excludes overlong encodings, surrogates and code points above U+10FFFF by
// restricting the range of the second byte.

#include "codec/detail/utf8.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/byte_scan.h"

namespace emqd::codec::detail {
namespace {

bool continuation(std::uint8_t b) {
    return (b & 0xC0) == 0x80;
}

}  // namespace

bool valid_mqtt_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const std::size_t left = n - i;
        const char* word = s.data() + i;
        const std::uint64_t w =
            left >= 8 ? core::byte_scan::load(word) : core::byte_scan::load_tail(word, left, 'a');
        if ((core::byte_scan::non_ascii(w) | core::byte_scan::zero_bytes(w)) == 0) {
            i += std::min<std::size_t>(left, 8);  // 8 (or the last) bytes of plain ASCII
            continue;
        }
        const std::uint8_t b = p[i];
        if (b < 0x80) {
            if (b == 0)
                return false;  // U+0000 [MQTT-1.5.4-2]
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
        } else if (b == 0xE0) {
            len = 3, lo = 0xA0;  // no overlong 3-byte forms
        } else if (b == 0xED) {
            len = 3, hi = 0x9F;  // no surrogates U+D800..U+DFFF
        } else if (b >= 0xE1 && b <= 0xEF) {
            len = 3;
        } else if (b == 0xF0) {
            len = 4, lo = 0x90;  // no overlong 4-byte forms
        } else if (b >= 0xF1 && b <= 0xF3) {
            len = 4;
        } else if (b == 0xF4) {
            len = 4, hi = 0x8F;  // nothing above U+10FFFF
        } else {
            return false;  // 0x80..0xC1 (stray continuation, overlong 2-byte), 0xF5..0xFF
        }
        if (n - i < len)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (std::size_t k = 2; k < len; ++k) {
            if (!continuation(p[i + k]))
                return false;
        }
        i += len;
    }
    return true;
}

}  // namespace emqd::codec::detail
