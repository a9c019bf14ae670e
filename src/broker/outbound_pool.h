#pragma once
// The output buffers of a shard's connections, lent while a connection has bytes to write.
//
// Design note. A connection needs an output buffer, its list of sealed segments and the
// view of the write in flight only while it writes. Owning them would cost every idle
// connection ~220 bytes, and freeing them some time after the last write would leave holes
// between the long-lived objects of the connections accepted meanwhile. Instead a
// connection takes an `outbound` from its shard's pool when it first appends output and
// gives it back when a write completes with nothing left. The pool keeps what comes back
// for the next taker (no heap operation on the hot path, capacities included), and each
// tick frees what no connection needed during the whole last interval (the low-water mark
// of the free list), so it holds as many as were writing at once, not one per connection.
//
// THREADING WARNING: one pool per shard, used only on its thread.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace emqd::broker {

/// Outbound bytes of one connection in order: sealed segments, then `output` (the open
/// tail). A segment is either bytes of this connection or bytes shared with others (a large
/// payload, written by reference). `sent` bytes of the first of them are already written.
struct outbound {
    struct segment {
        std::string owned;
        std::shared_ptr<const std::string> shared;
        std::string_view bytes() const { return shared ? std::string_view(*shared) : owned; }
    };
    std::string output;             // appended by the channel
    std::vector<segment> segments;  // sealed, in front of output
    std::size_t segment_bytes = 0;  // bytes in segments, written ones included
    std::size_t sent = 0;           // bytes of the first pending piece already written

    std::size_t pending() const { return segment_bytes + output.size() - sent; }
    bool idle() const { return output.empty() && segments.empty(); }
    /// Drops the first `n` pending bytes (written). A written buffer of this connection's
    /// becomes the output buffer again when that one holds none, so the next turn's output
    /// doesn't allocate.
    void consume(std::size_t n);
};

class outbound_pool {
public:
    /// An idle outbound (a pooled one if any).
    std::unique_ptr<outbound> take();
    /// Returns `o`, which must be idle(). An output buffer grown past `keep_capacity` by a
    /// burst is freed rather than kept.
    void give(std::unique_ptr<outbound> o);
    /// Once per tick: frees the pooled buffers that stayed unused since the last call.
    void trim();

    static constexpr std::size_t keep_capacity = 64 * 1024;

private:
    std::vector<std::unique_ptr<outbound>> _free;
    std::size_t _low = 0;  // the fewest _free held since the last trim()
};

}  // namespace emqd::broker
