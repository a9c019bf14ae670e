#pragma once
// A connection's byte stream, as the broker sees it: TCP now, TLS and WebSocket later, all
// behind this one interface (redis's connection.h pattern). No Asio in this header: the
// layers above never compile Asio templates.
//
// Reading is readiness-based: the stream tells its handler that bytes are readable and the
// handler pulls them with read_some() into a buffer it owns. No buffer is held while a
// connection is idle, which keeps idle connections small.
//
// Lifetime: the owner may destroy a stream at any time (destruction closes it), except from
// inside one of that stream's own callbacks; nothing is called on the handler after close().
//
// THREADING WARNING: a stream belongs to the event loop (shard) that accepted it; every
// call and every callback happens on that loop's thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "core/ip_address.h"

namespace emqd::transport {

class stream_handler {
public:
    virtual ~stream_handler() = default;
    /// Bytes (or EOF / an error) can be read without blocking; call read_some().
    virtual void on_readable() = 0;
    /// The write started by stream::write() finished (successfully or not).
    virtual void on_write_complete(std::error_code ec) = 0;
};

class stream {
public:
    virtual ~stream() = default;

    /// Starts watching for readability; callbacks go to `handler` until close().
    virtual void start(stream_handler& handler) = 0;
    /// Watch for readability again after on_readable() (not re-armed automatically, so
    /// the owner can pause reading for backpressure).
    virtual void wait_readable() = 0;
    /// Non-blocking read. Returns the number of bytes read; 0 with no error means nothing
    /// is available now; EOF and failures are reported in `ec`.
    virtual std::size_t read_some(std::span<std::uint8_t> buf, std::error_code& ec) = 0;
    /// Writes all of `buffers`, in order, as one gathered write; at most one write
    /// outstanding. The span and the bytes it refers to must stay valid until
    /// on_write_complete().
    virtual void write(std::span<const std::string_view> buffers) = 0;
    /// Closes now; pending callbacks are dropped. Safe to call twice. Bytes already handed
    /// to the kernel are still delivered, then FIN.
    virtual void close() = 0;
    /// Closes now and discards what the kernel has not sent yet: the peer gets a reset. For
    /// a peer that stopped reading, so its unsent bytes don't keep kernel memory. Safe to
    /// call twice, and after close().
    virtual void abort() = 0;

    /// The peer's IP address (ban list, access rules); nullopt when unknown.
    virtual std::optional<core::ip_address> peer_address() const = 0;
    /// "ip:port" of the peer (IPv6 without brackets), or "unknown": for logs.
    virtual std::string peer() const = 0;
};

}  // namespace emqd::transport
