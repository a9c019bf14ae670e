#pragma once
// writer: appends big-endian MQTT data types to a std::string; counter: only counts them.
//
// Design note: an MQTT packet starts with its Remaining Length, a Variable Byte Integer
// whose own size depends on the body size, and properties likewise start with their
// length. Instead of encoding into temporaries and copying, every encoder is a generic
// function of its sink (`auto& w`) that is run twice: once with a counter to learn the
// sizes, then with a writer into space sized exactly by one resize() of the output. The two
// are distinct types, so the counting pass compiles down to a few additions, and the
// writing pass stores through a raw pointer with no capacity check per byte. The hot path
// (PUBLISH) therefore makes at most one allocation, and none when `out` already has
// capacity. The shared composite operations (integers, strings, properties) live in
// sink_ops and are written once for both.

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace emqd::codec::detail {

/// Bytes taken by `v` as a Variable Byte Integer (spec 1.5.5).
constexpr std::size_t vbi_size(std::uint32_t v) {
    return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
}

/// The MQTT data types in terms of the sink's u8() and bytes() (CRTP).
template <class Sink>
class sink_ops {
public:
    void u16(std::uint16_t v) {
        self().u8(static_cast<std::uint8_t>(v >> 8));
        self().u8(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    /// Minimal encoding [MQTT-1.5.5-1]; values above 268,435,455 are the caller's bug.
    void vbi(std::uint32_t v) {
        do {
            std::uint8_t b = v & 0x7F;
            v >>= 7;
            if (v)
                b |= 0x80;
            self().u8(b);
        } while (v);
    }
    /// UTF-8 string or binary data with a two byte length. Longer input is cut at 65,535
    /// bytes so the output at least stays well-formed (encode() trusts its caller).
    void str(std::string_view s) {
        s = s.substr(0, std::min<std::size_t>(s.size(), 0xFFFF));
        u16(static_cast<std::uint16_t>(s.size()));
        self().bytes(s);
    }

    // Properties (spec 2.2.2.2): identifier, then value.
    void prop_u8(std::uint8_t id, std::uint8_t v) { self().u8(id), self().u8(v); }
    void prop_u16(std::uint8_t id, std::uint16_t v) { self().u8(id), u16(v); }
    void prop_u32(std::uint8_t id, std::uint32_t v) { self().u8(id), u32(v); }
    void prop_vbi(std::uint8_t id, std::uint32_t v) { self().u8(id), vbi(v); }
    void prop_str(std::uint8_t id, std::string_view v) { self().u8(id), str(v); }
    void prop_pair(std::uint8_t id, std::string_view k, std::string_view v) {
        self().u8(id), str(k), str(v);
    }

    template <class T>
    void opt_u8(std::uint8_t id, const std::optional<T>& v) {
        if (v)
            prop_u8(id, *v);
    }
    template <class T>
    void opt_u16(std::uint8_t id, const std::optional<T>& v) {
        if (v)
            prop_u16(id, *v);
    }
    template <class T>
    void opt_u32(std::uint8_t id, const std::optional<T>& v) {
        if (v)
            prop_u32(id, *v);
    }
    template <class T>
    void opt_vbi(std::uint8_t id, const std::optional<T>& v) {
        if (v)
            prop_vbi(id, *v);
    }
    void opt_str(std::uint8_t id, const std::optional<std::string>& v) {
        if (v)
            prop_str(id, *v);
    }

private:
    Sink& self() { return static_cast<Sink&>(*this); }
};

/// Counts the bytes an encoder would write.
class counter : public sink_ops<counter> {
public:
    std::size_t size() const { return _n; }
    void u8(std::uint8_t) { ++_n; }
    void bytes(std::string_view s) { _n += s.size(); }

private:
    std::size_t _n = 0;
};

/// Writes into memory the caller has sized with a counter's pass.
class writer : public sink_ops<writer> {
public:
    explicit writer(char* out) : _p(out) {}

    char* position() const { return _p; }
    void u8(std::uint8_t v) { *_p++ = static_cast<char>(v); }
    void bytes(std::string_view s) {
        if (!s.empty())
            std::memcpy(_p, s.data(), s.size());
        _p += s.size();
    }

private:
    char* _p;
};

/// Writes a property block: its length, then what `fill(sink&)` writes.
template <class Sink, class Fill>
void write_properties(Sink& w, Fill&& fill) {
    counter c;
    fill(c);
    w.vbi(static_cast<std::uint32_t>(c.size()));
    fill(w);
}

/// Appends a complete packet: fixed header byte, Remaining Length, then the body written
/// by `body(sink&)` (called with a counter, then with a writer). `trailing` bytes that the
/// caller sends after these (by reference) are counted in the Remaining Length but not
/// written. Returns the number of bytes appended.
template <class Body>
std::size_t write_packet(std::uint8_t header, std::string& out, Body&& body,
                         std::size_t trailing = 0) {
    counter c;
    body(c);
    const auto len = static_cast<std::uint32_t>(c.size() + trailing);
    const std::size_t start = out.size();
    const std::size_t n = 1 + vbi_size(len) + c.size();
    out.resize(start + n);
    writer w(out.data() + start);
    w.u8(header);
    w.vbi(len);
    body(w);
    assert(w.position() == out.data() + start + n);
    return n;
}

}  // namespace emqd::codec::detail
