#pragma once
// A token bucket (the leaky bucket of design.md, seen from the tokens' side): it holds at
// most `amount` tokens and refills continuously at `amount` per `period`, so it allows a
// burst of `amount` and then `amount / period` on average. It is the per-connection
// mechanism behind zone.<name>.rate_limit.conn_bytes_in / conn_messages_in
// ("100KB,10s": 100 KB per 10 s).
//
// A consumer either takes tokens it is sure to use (take) or reports what it already used
// (consume, e.g. bytes a read returned): the bucket may then go into debt, and ready_at()
// says when the debt is paid and the wanted amount is available again. The refill is
// computed lazily from the time of the last call, so the bucket needs no timer.
//
// Thread safety: none; a bucket belongs to one connection on one shard.

#include <chrono>
#include <cstdint>

namespace emqd::transport {

/// `amount` per `period`; off (no limit) when either is zero.
struct rate_limit {
    std::uint64_t amount = 0;
    std::chrono::milliseconds period{0};

    bool enabled() const { return amount > 0 && period.count() > 0; }
    bool operator==(const rate_limit&) const = default;
};

class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    /// A full bucket for `limit` (which must be enabled()).
    token_bucket(rate_limit limit, clock::time_point now);

    /// Whole tokens available at `now` (refills first); 0 while in debt.
    std::uint64_t available(clock::time_point now);
    /// Takes `n` tokens if that many are available at `now`; else takes nothing.
    bool take(std::uint64_t n, clock::time_point now);
    /// Takes `n` tokens that were already used, going into debt if there were fewer.
    void consume(std::uint64_t n, clock::time_point now);
    /// When min(n, capacity) tokens will be available (at or before the last call's time
    /// if they already are).
    clock::time_point ready_at(std::uint64_t n) const;
    std::uint64_t capacity() const { return _capacity; }

private:
    void refill(clock::time_point now);

    std::uint64_t _capacity;
    double _per_ns;  // refill rate, tokens per nanosecond
    double _tokens;  // may be negative (debt)
    clock::time_point _last;
};

}  // namespace emqd::transport
