#pragma once
// reader: a bounds-checked, big-endian cursor over a byte span (spec 1.5 data representation).
//
// Design note: every accessor checks the remaining length before touching memory and
// reports a short read as malformed_packet (0x81); it never reads past the end and never
// throws, whatever the input. Strings come back as views into the span, so decoding
// allocates only where the packet structs own std::string fields.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "codec/detail/utf8.h"
#include "core/result.h"

/// Propagates an error from an expression yielding core::status or core::result<T>.
#define EMQD_CODEC_TRY(expr)                     \
    do {                                         \
        if (auto _emqd_st = (expr); !_emqd_st) { \
            return _emqd_st.err();               \
        }                                        \
    } while (0)

namespace emqd::codec::detail {

inline core::error malformed(const char* what) {
    return core::fail(core::reason_code::malformed_packet, what);
}
inline core::error protocol_error(const char* what) {
    return core::fail(core::reason_code::protocol_error, what);
}

class reader {
public:
    reader() = default;
    explicit reader(std::span<const std::uint8_t> data) : _data(data) {}

    std::size_t remaining() const { return _data.size() - _pos; }
    bool empty() const { return _pos == _data.size(); }

    core::status u8(std::uint8_t& v) {
        if (remaining() < 1)
            return malformed("truncated byte");
        v = _data[_pos++];
        return {};
    }
    core::status u16(std::uint16_t& v) {
        if (remaining() < 2)
            return malformed("truncated two byte integer");
        v = static_cast<std::uint16_t>((_data[_pos] << 8) | _data[_pos + 1]);
        _pos += 2;
        return {};
    }
    core::status u32(std::uint32_t& v) {
        if (remaining() < 4)
            return malformed("truncated four byte integer");
        v = (std::uint32_t{_data[_pos]} << 24) | (std::uint32_t{_data[_pos + 1]} << 16) |
            (std::uint32_t{_data[_pos + 2]} << 8) | std::uint32_t{_data[_pos + 3]};
        _pos += 4;
        return {};
    }
    /// Variable Byte Integer (spec 1.5.5): at most 4 bytes, value <= 268,435,455.
    core::status vbi(std::uint32_t& v) {
        v = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b = 0;
            if (remaining() < 1)
                return malformed("truncated variable byte integer");
            b = _data[_pos++];
            v |= std::uint32_t{b & 0x7Fu} << (7 * i);
            if ((b & 0x80) == 0)
                return {};
        }
        return malformed("variable byte integer longer than 4 bytes");
    }
    /// `n` raw bytes as a view.
    core::status bytes(std::size_t n, std::string_view& out) {
        if (remaining() < n)
            return malformed("truncated data");
        out = std::string_view(reinterpret_cast<const char*>(_data.data() + _pos), n);
        _pos += n;
        return {};
    }
    /// Binary Data (spec 1.5.6): two byte length, then bytes.
    core::status binary(std::string_view& out) {
        std::uint16_t n = 0;
        EMQD_CODEC_TRY(u16(n));
        return bytes(n, out);
    }
    /// UTF-8 Encoded String (spec 1.5.4): like binary, then checked [MQTT-1.5.4-1..3].
    core::status utf8(std::string_view& out) {
        EMQD_CODEC_TRY(binary(out));
        if (!valid_mqtt_utf8(out))
            return malformed("invalid UTF-8 string");
        return {};
    }
    /// Splits off the next `n` bytes as a reader of their own.
    core::status sub(std::size_t n, reader& out) {
        if (remaining() < n)
            return malformed("length exceeds packet");
        out = reader(_data.subspan(_pos, n));
        _pos += n;
        return {};
    }
    /// A packet identifier, which must not be 0 where one is present ([MQTT-2.2.1-3]).
    core::status packet_id(std::uint16_t& id) {
        EMQD_CODEC_TRY(u16(id));
        if (id == 0)
            return protocol_error("packet identifier 0");
        return {};
    }
    /// All remaining bytes.
    std::string_view rest() {
        std::string_view s(reinterpret_cast<const char*>(_data.data() + _pos), remaining());
        _pos = _data.size();
        return s;
    }

private:
    std::span<const std::uint8_t> _data;
    std::size_t _pos = 0;
};

}  // namespace emqd::codec::detail
