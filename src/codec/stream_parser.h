#pragma once
// Cuts a TCP byte stream into MQTT frames, split at any boundary.
//
// Design: one growable buffer per connection, allocated lazily on the first read and
// released whenever it drains, so an idle connection costs no buffer memory. The fixed
// header is examined as soon as its bytes arrive: a remaining length longer than 4 bytes is
// malformed (0x81), and a packet whose total size exceeds max_packet_size is rejected
// (0x95) before any of its body is buffered. Frames are returned as views into the buffer.
//
// Thread safety: none; one parser belongs to one connection on one shard.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "codec/packet.h"
#include "core/result.h"

namespace emqd::codec {

class stream_parser {
public:
    explicit stream_parser(std::uint32_t max_packet_size = 1024 * 1024);

    void set_max_packet_size(std::uint32_t n) { _max_packet_size = n; }
    /// Keep the buffer's memory when it drains instead of releasing it. For a connection
    /// that reads all the time (a load generator's client): no allocation per read, at the
    /// price of holding the largest read plus one packet. Off by default (a broker holds
    /// many idle connections).
    void set_keep_buffer(bool keep) { _keep_buffer = keep; }

    /// Writable space of at least `n` bytes at the end of the buffer, for a socket read.
    std::span<std::uint8_t> prepare(std::size_t n);
    /// Marks `n` bytes of the span returned by prepare() as received. When nothing is
    /// buffered afterwards (a read that found no data), the space is released.
    void commit(std::size_t n);
    /// Convenience for tests and fuzzers: prepare + copy + commit.
    void feed(std::span<const std::uint8_t> bytes);

    /// The next complete frame; nullopt when more bytes are needed; an error when the stream
    /// is malformed (after which the connection must be closed). The returned frame stays
    /// valid until the next call to next(), prepare() or feed().
    core::result<std::optional<frame>> next();

    std::size_t buffered() const { return _end - _begin; }
    /// Bytes of buffer memory held (0 after a drain: the buffer is released by next()).
    std::size_t capacity() const { return _capacity; }

private:
    /// Empties the buffer; frees it too unless set_keep_buffer(true).
    void release();

    std::unique_ptr<std::uint8_t[]> _buf;  // not zero-filled: only [_begin, _end) is read
    std::size_t _capacity = 0;
    std::size_t _begin = 0;  // first unconsumed byte
    std::size_t _end = 0;    // one past the last received byte
    std::uint32_t _max_packet_size;
    bool _keep_buffer = false;
};

}  // namespace emqd::codec
