#pragma once
// Helpers for the codec tests: hex literals, framing a wire packet, decode/encode shortcuts.

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "codec/packet.h"

namespace emqd::codec::test {

/// "30 07 00 03" -> bytes; spaces are ignored.
inline std::string hex(std::string_view s) {
    std::string out;
    int nibble = -1;
    for (char c : s) {
        int v = -1;
        if (c >= '0' && c <= '9')
            v = c - '0';
        if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        if (v < 0)
            continue;
        if (nibble < 0) {
            nibble = v;
        } else {
            out.push_back(static_cast<char>(nibble * 16 + v));
            nibble = -1;
        }
    }
    return out;
}

inline std::string to_hex(std::string_view s) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (!out.empty())
            out.push_back(' ');
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// The frame of one complete wire packet held by `wire` (which must outlive it).
inline frame frame_of(const std::string& wire) {
    frame f;
    f.header = static_cast<std::uint8_t>(wire.at(0));
    std::size_t i = 1;
    std::uint32_t len = 0;
    for (int shift = 0; i < wire.size(); shift += 7) {
        const auto b = static_cast<std::uint8_t>(wire[i++]);
        len |= std::uint32_t{b & 0x7Fu} << shift;
        if ((b & 0x80) == 0)
            break;
    }
    EXPECT_EQ(wire.size() - i, len) << "bad remaining length in test vector";
    f.body = as_bytes(std::string_view(wire).substr(i));
    return f;
}

inline core::result<packet> decode_wire(const std::string& wire, protocol_version v) {
    return decode(frame_of(wire), v);
}

/// Decodes `wire` expecting a packet of type P; fails the test otherwise.
template <class P>
P decode_as(const std::string& wire, protocol_version v) {
    auto r = decode_wire(wire, v);
    if (!r) {
        ADD_FAILURE() << "decode failed: " << r.err().what << " for " << to_hex(wire);
        return P{};
    }
    if (!std::holds_alternative<P>(*r)) {
        ADD_FAILURE() << "decoded the wrong packet type for " << to_hex(wire);
        return P{};
    }
    return std::get<P>(std::move(*r));
}

template <class P>
std::string encoded(const P& p, protocol_version v) {
    std::string out;
    const std::size_t n = encode(packet{p}, v, out);
    EXPECT_EQ(n, out.size());
    return out;
}

/// Encodes, decodes, re-encodes: returns the decoded packet and checks byte equality.
template <class P>
P round_trip(const P& p, protocol_version v) {
    const std::string wire = encoded(p, v);
    auto back = decode_as<P>(wire, v);
    EXPECT_EQ(to_hex(encoded(back, v)), to_hex(wire));
    return back;
}

inline core::reason_code decode_error(const std::string& wire, protocol_version v) {
    auto r = decode_wire(wire, v);
    if (r)
        return core::reason_code::success;
    return r.err().code;
}

constexpr protocol_version all_versions[] = {protocol_version::v3_1, protocol_version::v3_1_1,
                                             protocol_version::v5};

}  // namespace emqd::codec::test
