// Design note: the buffer holds received bytes in [_begin, _end); frames are cut from
// _begin. Three rules keep memory bounded:
//   * lazy: no buffer until bytes arrive, and next() releases it (capacity and all) when
//     every byte has been consumed, so an idle connection holds no buffer memory (unless
//     set_keep_buffer(true): a busy client trades that for no allocation per read);
//   * compaction: prepare() first slides the unconsumed tail to the front, and grows the
//     buffer only if that does not free enough room, so the buffer never exceeds one
//     packet plus one read;
//   * no zero-fill: the buffer is a plain array (not a vector, whose growth value-
//     initialises every byte), since a busy connection allocates it once per drained read
//     and only bytes a read wrote are ever looked at;
//   * early rejection: next() decodes the fixed header as soon as its bytes are present
//     and fails a packet larger than max_packet_size (0x95) or with a Remaining Length
//     longer than 4 bytes (0x81, spec 1.5.5) before waiting for, or buffering, its body.

#include "codec/stream_parser.h"

#include <algorithm>
#include <cstring>

namespace emqd::codec {
namespace {

constexpr std::size_t k_min_capacity = 256;

}  // namespace

stream_parser::stream_parser(std::uint32_t max_packet_size) : _max_packet_size(max_packet_size) {}

std::span<std::uint8_t> stream_parser::prepare(std::size_t n) {
    if (_begin == _end)
        _begin = _end = 0;
    if (_capacity - _end < n) {
        if (_begin > 0) {  // compaction
            std::memmove(_buf.get(), _buf.get() + _begin, _end - _begin);
            _end -= _begin;
            _begin = 0;
        }
        if (_capacity - _end < n) {
            const std::size_t capacity =
                std::max({_end + n, _capacity + _capacity / 2, k_min_capacity});
            auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
            if (_end > 0)
                std::memcpy(grown.get(), _buf.get(), _end);
            _buf = std::move(grown);
            _capacity = capacity;
        }
    }
    return std::span<std::uint8_t>(_buf.get() + _end, n);
}

void stream_parser::commit(std::size_t n) {
    _end += std::min(n, _capacity - _end);
    if (_begin == _end)  // a read that brought nothing: give it back
        release();
}

void stream_parser::release() {
    _begin = _end = 0;
    if (_keep_buffer)
        return;
    _buf.reset();
    _capacity = 0;
}

void stream_parser::feed(std::span<const std::uint8_t> bytes) {
    if (bytes.empty())
        return;
    auto space = prepare(bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    commit(bytes.size());
}

core::result<std::optional<frame>> stream_parser::next() {
    if (_begin == _end) {
        release();  // drained
        return std::optional<frame>{};
    }
    const std::uint8_t* p = _buf.get() + _begin;
    const std::size_t avail = _end - _begin;
    std::uint32_t remaining = 0;
    std::size_t header_size = 0;
    for (std::size_t k = 0; k < 4; ++k) {  // Remaining Length, spec 2.1.4
        if (1 + k >= avail)
            return std::optional<frame>{};
        const std::uint8_t b = p[1 + k];
        remaining |= std::uint32_t{b & 0x7Fu} << (7 * k);
        if ((b & 0x80) == 0) {
            header_size = 2 + k;
            break;
        }
    }
    if (header_size == 0)
        return core::fail(core::reason_code::malformed_packet, "remaining length over 4 bytes");
    const std::size_t total = header_size + remaining;
    if (total > _max_packet_size)  // spec 3.1.2.11.4: checked before buffering the body
        return core::fail(core::reason_code::packet_too_large, "packet exceeds maximum size");
    if (avail < total)
        return std::optional<frame>{};
    frame f;
    f.header = p[0];
    f.body = std::span<const std::uint8_t>(p + header_size, remaining);
    _begin += total;
    return std::optional<frame>{f};
}

}  // namespace emqd::codec
