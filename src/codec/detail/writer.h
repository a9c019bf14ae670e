#pragma once
// writer: appends big-endian MQTT data types to a std::string, or only counts them.
//
// Design note: an MQTT packet starts with its Remaining Length, a Variable Byte Integer
// whose own size depends on the body size, and properties likewise start with their
// length. Instead of encoding into temporaries and copying, every encoder is a function of
// a writer that is run twice: once with a counting writer (no output) to learn the sizes,
// then with the real one after a single reserve(). The hot path (PUBLISH) therefore makes
// at most one allocation, and none when `out` already has capacity.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emqd::codec::detail {

/// Bytes taken by `v` as a Variable Byte Integer (spec 1.5.5).
constexpr std::size_t vbi_size(std::uint32_t v) {
    return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
}

class writer {
public:
    writer() = default;  // counting only
    explicit writer(std::string& out) : _out(&out) {}

    std::size_t size() const { return _n; }

    void u8(std::uint8_t v) {
        if (_out)
            _out->push_back(static_cast<char>(v));
        ++_n;
    }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
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
            u8(b);
        } while (v);
    }
    void bytes(std::string_view s) {
        if (_out)
            _out->append(s);
        _n += s.size();
    }
    /// UTF-8 string or binary data with a two byte length. Longer input is cut at 65,535
    /// bytes so the output at least stays well-formed (encode() trusts its caller).
    void str(std::string_view s) {
        s = s.substr(0, std::min<std::size_t>(s.size(), 0xFFFF));
        u16(static_cast<std::uint16_t>(s.size()));
        bytes(s);
    }

    // Properties (spec 2.2.2.2): identifier, then value.
    void prop_u8(std::uint8_t id, std::uint8_t v) { u8(id), u8(v); }
    void prop_u16(std::uint8_t id, std::uint16_t v) { u8(id), u16(v); }
    void prop_u32(std::uint8_t id, std::uint32_t v) { u8(id), u32(v); }
    void prop_vbi(std::uint8_t id, std::uint32_t v) { u8(id), vbi(v); }
    void prop_str(std::uint8_t id, std::string_view v) { u8(id), str(v); }
    void prop_pair(std::uint8_t id, std::string_view k, std::string_view v) {
        u8(id), str(k), str(v);
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
    std::string* _out = nullptr;
    std::size_t _n = 0;
};

/// Writes a property block: its length, then what `fill(writer&)` writes.
template <class Fill>
void write_properties(writer& w, Fill&& fill) {
    writer counter;
    fill(counter);
    w.vbi(static_cast<std::uint32_t>(counter.size()));
    fill(w);
}

/// Appends a complete packet: fixed header byte, Remaining Length, then the body written
/// by `body(writer&)`. `trailing` bytes that the caller sends after these (by reference) are
/// counted in the Remaining Length but not written. Returns the number of bytes appended.
template <class Body>
std::size_t write_packet(std::uint8_t header, std::string& out, Body&& body,
                         std::size_t trailing = 0) {
    writer counter;
    body(counter);
    const auto len = static_cast<std::uint32_t>(counter.size() + trailing);
    const std::size_t start = out.size();
    out.reserve(start + 1 + vbi_size(len) + len - trailing);
    writer w(out);
    w.u8(header);
    w.vbi(len);
    body(w);
    return out.size() - start;
}

}  // namespace emqd::codec::detail
