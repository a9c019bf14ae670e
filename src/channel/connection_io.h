#pragma once
// The byte side of one connection, as the channel sees it (implemented by the broker over a
// transport stream). No sockets here: unit tests implement it with a string.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/ip_address.h"

namespace emqd::channel {

class connection_io {
public:
    virtual ~connection_io() = default;
    /// The buffer to append outbound bytes to. The broker flushes it once per event-loop
    /// turn (gathered write); the channel calls notify_output() after appending.
    virtual std::string& output() = 0;
    virtual void notify_output() = 0;
    /// Appends bytes shared with others (a large payload): written by reference after what
    /// output() holds so far, never copied; `bytes` keeps them alive until written. Calls
    /// notify_output().
    virtual void append_by_reference(std::shared_ptr<const std::string> bytes) = 0;
    /// Bytes queued and not yet written to the socket (for backpressure on QoS 0).
    virtual std::size_t pending_output() const = 0;
    /// Called after each inbound PUBLISH the channel handled. False: the connection is over
    /// its message rate; the channel handles nothing more (its bytes stay buffered) until
    /// channel::resume(), which the broker calls when the rate allows again.
    virtual bool count_publish(std::chrono::steady_clock::time_point now) {
        (void)now;
        return true;
    }
    /// The peer's IP address, or nullopt when unknown. Called once per CONNECT (bans).
    virtual std::optional<core::ip_address> peer_address() const = 0;
    /// Flushes what is queued, then closes the socket. The channel makes no further calls
    /// on the connection after this.
    virtual void close() = 0;
};

}  // namespace emqd::channel
