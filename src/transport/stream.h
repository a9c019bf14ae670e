#pragma once
// A connection's byte stream, as the broker sees it: TCP now, TLS and WebSocket later, all
// behind this one interface (redis's connection.h pattern). No Asio in this header: the
// layers above never compile Asio templates.
//
// Both directions are readiness-based, like a reactor: the stream tells its handler that
// bytes are readable (or that the socket takes bytes again) and the handler moves them with
// read_some() / write_some() from and into buffers it owns. No buffer is held while a
// connection is idle, which keeps idle connections small; and a write goes to the kernel at
// once, in as few system calls as its pieces allow, instead of waiting for a completion
// to be scheduled after every other ready connection.
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
    /// The socket takes bytes again (after wait_writable()); call write_some().
    virtual void on_writable() = 0;
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
    /// is available now; EOF and failures are reported in `ec`. Fewer bytes than `buf`
    /// holds means the stream holds nothing more now: a wait_readable() then reports the
    /// next arrival (a stream that buffers internally, like TLS, must keep this promise).
    virtual std::size_t read_some(std::span<std::uint8_t> buf, std::error_code& ec) = 0;
    /// Non-blocking gathered write of `buffers`, in order. Returns the number of bytes the
    /// kernel took (possibly fewer than offered, 0 with no error when it takes nothing now);
    /// failures are reported in `ec`. Nothing is kept: the caller owns what remains.
    virtual std::size_t write_some(std::span<const std::string_view> buffers,
                                   std::error_code& ec) = 0;
    /// Calls on_writable() once the socket takes bytes again (one-shot, like wait_readable).
    virtual void wait_writable() = 0;
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
