#include "transport/rate_limiter.h"

#include <algorithm>

namespace emqd::transport {

std::unique_ptr<rate_limiter> rate_limiter::make(rate_limit bytes, rate_limit messages,
                                                 std::size_t read_size, clock::time_point now) {
    if (!bytes.enabled() && !messages.enabled())
        return nullptr;
    return std::make_unique<rate_limiter>(bytes, messages, read_size, now);
}

rate_limiter::rate_limiter(rate_limit bytes, rate_limit messages, std::size_t read_size,
                           clock::time_point now)
    : _read_size(read_size) {
    if (bytes.enabled())
        _bytes.emplace(bytes, now);
    if (messages.enabled())
        _messages.emplace(messages, now);
}

std::size_t rate_limiter::read_allowance(std::size_t want, clock::time_point now) {
    if (!_bytes)
        return want;
    const std::uint64_t n = std::min<std::uint64_t>(want, _bytes->available(now));
    _bytes_spent = n == 0;
    return static_cast<std::size_t>(n);
}

void rate_limiter::bytes_read(std::size_t n, clock::time_point now) {
    if (_bytes)
        _bytes->consume(n, now);
}

bool rate_limiter::message_handled(clock::time_point now) {
    if (!_messages)
        return true;
    _messages->consume(1, now);
    _messages_spent = _messages->available(now) == 0;
    return !_messages_spent;
}

rate_limiter::clock::time_point rate_limiter::ready_at() const {
    clock::time_point t{};
    if (_bytes_spent)
        t = std::max(t, _bytes->ready_at(_read_size));
    if (_messages_spent)
        t = std::max(t, _messages->ready_at(1));
    return t;
}

}  // namespace emqd::transport
