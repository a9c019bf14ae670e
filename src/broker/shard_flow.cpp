// Cross-shard delivery and its backpressure (design.md "Threading and the hot path").
//
// A publishing shard routes a message and appends one delivery_item per remote subscription
// to its outbox for the owning shard; at the end of its turn it hands each destination the
// whole batch: one lock and at most one wake-up per destination and turn (deliver()).
//
// The destination delivers its inbox in chunks of k_drain_chunk items, posting itself again
// between chunks, so its own reads and flushes interleave with a large inbox instead of
// waiting behind it: the subscribers' output reaches the kernel while more arrives.
//
// Backpressure. _backlog counts the items queued for a shard and not yet delivered, and
// _backlog_bytes the message bytes they stand for (as a session queue counts them; a message
// delivered to several sessions counts once per item, which errs on the safe side). A shard
// whose destinations' backlog passes k_backlog_high items or k_backlog_high_bytes stops
// reading its publishers: they park
// (park_publisher) and wait in their TCP windows, like under overload, so a fast publisher
// on one shard can't make another shard's inbox, and the broker's memory, grow without
// bound. Subscribers are still read (their acknowledgements free windows and queues). When
// the destination's backlog falls below both low watermarks it wakes the shards that parked
// publishers because of it (_producers_waiting), and they resume them.
//
// The store's commit thread is a destination too (storage/store.h, "Backlog"): while the
// writes handed to it and not yet written pass storage.max_backlog, store::behind() says so
// and publishers park the same way; the commit thread calls every shard back
// (on_caught_up, posted here as resume_parked) once that backlog is below a quarter of it.
//
// No lost wake-up: a producer sets the destination's _producers_waiting before it reads the
// backlog a second time to decide to park; the destination lowers the backlog before it
// takes the flag. Either the producer sees the low backlog and doesn't park, or the
// destination sees the flag and wakes it. The 1-second tick resumes parked publishers too
// (shard::tick), should anything else have kept them parked.
//
// THREADING: deliver(), backlog() and the atomics are cross-thread; the rest runs on the
// shard's own thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "broker/shard.h"
#include "session/message_queue.h"

namespace emqd::broker {

namespace asio = boost::asio;

namespace {
// Items delivered per handler run: large enough to amortize the posting, small enough to
// keep the loop turning (a chunk of QoS 0 deliveries takes well under a millisecond).
constexpr std::size_t k_drain_chunk = 4096;
// Backlog (items) past which the shards delivering here park their publishers, and below
// which they resume them. About 40 bytes per item plus the messages they share.
constexpr std::size_t k_backlog_high = 32 * 1024;
constexpr std::size_t k_backlog_low = 8 * 1024;
// The same in bytes, for large messages: 32K items of 1 KB payloads would be 36 MB.
constexpr std::size_t k_backlog_high_bytes = 4 * 1024 * 1024;
constexpr std::size_t k_backlog_low_bytes = 1024 * 1024;

std::size_t bytes_of(std::span<const delivery_item> items) {
    std::size_t n = 0;
    for (const delivery_item& i : items)
        n += session::detail::queued_size(*i.msg);
    return n;
}
}  // namespace

void shard::deliver(std::vector<delivery_item>&& batch) {
    _backlog.fetch_add(batch.size(), std::memory_order_relaxed);
    _backlog_bytes.fetch_add(bytes_of(batch), std::memory_order_relaxed);
    bool wake = false;
    {
        std::lock_guard lock(_inbox_mutex);
        if (_inbox.empty()) {
            _inbox.swap(batch);
            _inbox_since = clock::now();  // the batch's wait is this loop's lag
        } else
            std::move(batch.begin(), batch.end(), std::back_inserter(_inbox));
        if (!_drain_scheduled)
            wake = _drain_scheduled = true;
    }
    if (wake)
        asio::post(*_io, [this] { drain_inbox(); });
}

void shard::drain_inbox() {
    const auto now = clock::now();
    if (_drained == _draining.size()) {
        _draining.clear();
        _drained = 0;
        clock::time_point since;
        {
            std::lock_guard lock(_inbox_mutex);
            _draining.swap(_inbox);
            since = _inbox_since;
        }
        if (!_draining.empty())
            note_lag(now - since);
    }
    // One chunk, never splitting the adjacent items of one message to one session (they
    // merge into one delivery).
    std::size_t end = std::min(_draining.size(), _drained + k_drain_chunk);
    while (end < _draining.size() && _draining[end].session == _draining[end - 1].session &&
           _draining[end].msg == _draining[end - 1].msg)
        ++end;
    const std::span<const delivery_item> chunk{_draining.data() + _drained, end - _drained};
    deliver_items(chunk, now);
    _drained = end;

    const std::size_t bytes = bytes_of(chunk);
    const std::size_t left_bytes =
        _backlog_bytes.fetch_sub(bytes, std::memory_order_seq_cst) - bytes;
    const std::size_t left =
        _backlog.fetch_sub(chunk.size(), std::memory_order_seq_cst) - chunk.size();
    if (left < k_backlog_low && left_bytes < k_backlog_low_bytes &&
        _producers_waiting.exchange(false, std::memory_order_seq_cst))
        for (auto& s : _ctx.shards)
            if (s.get() != this)
                asio::post(s->io(), [sh = s.get()] { sh->resume_parked(); });

    bool more = _drained < _draining.size();
    {
        std::lock_guard lock(_inbox_mutex);
        more = more || !_inbox.empty();
        _drain_scheduled = more;
    }
    if (more)
        asio::post(*_io, [this] { drain_inbox(); });
}

bool shard::publishers_wait() {
    if (_overloaded || (_ctx.store && _ctx.store->behind()))
        return true;
    auto behind = [](const shard& s, std::memory_order order) {
        return s._backlog.load(order) > k_backlog_high ||
               s._backlog_bytes.load(order) > k_backlog_high_bytes;
    };
    for (auto& s : _ctx.shards) {
        if (s.get() == this || !behind(*s, std::memory_order_relaxed))
            continue;
        s->_producers_waiting.store(true, std::memory_order_seq_cst);
        if (behind(*s, std::memory_order_seq_cst))
            return true;
    }
    return false;
}

void shard::park_publisher(connection& c) {
    _parked.push_back(c.id());
}

void shard::resume_parked() {
    if (_parked.empty() || publishers_wait())
        return;
    auto parked = std::move(_parked);
    _parked.clear();
    for (std::uint64_t id : parked)
        if (auto it = _connections.find(id); it != _connections.end())
            it->second->resume_publishing();
}

}  // namespace emqd::broker
