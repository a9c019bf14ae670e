#pragma once
// The inbound rate limits of one connection (zone.<name>.rate_limit.conn_bytes_in and
// conn_messages_in): a token bucket for bytes read and one for messages handled (what a
// "message" is, the caller decides: emqd counts PUBLISH packets).
//
// The owner asks before each socket read how much it may read, and tells after each
// message; when a budget is spent it stops reading (and handling) until ready_at(), then
// asks again. So a client over its rate is slowed down, never disconnected, and nothing
// is buffered beyond one read.
//
// Thread safety: none; one limiter belongs to one connection on one shard.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "transport/token_bucket.h"

namespace emqd::transport {

class rate_limiter {
public:
    using clock = token_bucket::clock;

    /// Null when neither limit is enabled (the connection then holds no limiter at all).
    /// `read_size` is the owner's usual read: after a pause for bytes, reading resumes
    /// once that much (or the whole bucket, if smaller) is available again.
    static std::unique_ptr<rate_limiter> make(rate_limit bytes, rate_limit messages,
                                              std::size_t read_size, clock::time_point now);

    /// Bytes the next read may take, at most `want`; 0: none before ready_at().
    std::size_t read_allowance(std::size_t want, clock::time_point now);
    /// `n` bytes were read.
    void bytes_read(std::size_t n, clock::time_point now);
    /// One message was handled; false when that spent the budget: no more before
    /// ready_at().
    bool message_handled(clock::time_point now);
    /// When every spent budget allows again: a read's worth of bytes, one message.
    clock::time_point ready_at() const;

    rate_limiter(rate_limit bytes, rate_limit messages, std::size_t read_size,
                 clock::time_point now);

private:
    std::optional<token_bucket> _bytes;
    std::optional<token_bucket> _messages;
    std::size_t _read_size;
    bool _bytes_spent = false;
    bool _messages_spent = false;
};

}  // namespace emqd::transport
