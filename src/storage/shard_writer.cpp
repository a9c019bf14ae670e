#include "storage/shard_writer.h"

#include <string>
#include <utility>

#include "storage/commit_queue.h"
#include "storage/records.h"

namespace emqd::storage {

using namespace detail;

shard_writer::shard_writer(commit_queue& queue, std::function<void(std::uint64_t)> on_durable,
                           std::function<void()> on_caught_up)
    : _queue(queue), _index(queue.add_writer(std::move(on_durable), std::move(on_caught_up))) {}

shard_writer::~shard_writer() {
    _queue.remove_writer(_index);
    flush();
}

void shard_writer::put_session(const session::stored_session& s) {
    const auto now = clock_pair::now();
    _ops.put(session_key(s.store_id), [&](std::string& out) { encode_session(out, s, now); });
    ++_ticket;
}

void shard_writer::erase_session(std::uint64_t store_id) {
    _ops.erase(session_key(store_id));
    for (char k : {kind::delivery, kind::qos2, kind::awaiting_rel}) {
        const auto range = session_range(k, store_id);
        _ops.erase_range(range.begin, range.end);
    }
    ++_ticket;
}

void shard_writer::put_delivery(std::uint64_t store_id, const core::message& msg,
                                std::span<const router::subscription_options> matched) {
    const auto now = clock_pair::now();
    _ops.put(delivery_key(store_id, msg.id),
             [&](std::string& out) { encode_delivery(out, msg, matched, now); });
    ++_ticket;
}

void shard_writer::put_qos2_progress(std::uint64_t store_id, const core::guid& msg,
                                     std::uint16_t packet_id, session::qos2_progress p) {
    if (p == session::qos2_progress::none)
        _ops.erase(qos2_key(store_id, msg));
    else
        _ops.put(qos2_key(store_id, msg),
                 [&](std::string& out) { encode_qos2(out, packet_id, p); });
    ++_ticket;
}

void shard_writer::erase_delivery(std::uint64_t store_id, const core::guid& msg, bool progress) {
    _ops.erase(delivery_key(store_id, msg));
    if (progress)
        _ops.erase(qos2_key(store_id, msg));
    ++_ticket;
}

void shard_writer::put_awaiting_rel(std::uint64_t store_id, std::uint16_t packet_id) {
    _ops.put(awaiting_rel_key(store_id, packet_id),
             [](std::string& out) { encode_awaiting_rel(out); });
    ++_ticket;
}

void shard_writer::erase_awaiting_rel(std::uint64_t store_id, std::uint16_t packet_id) {
    _ops.erase(awaiting_rel_key(store_id, packet_id));
    ++_ticket;
}

void shard_writer::put_retained(const core::message& msg) {
    const auto now = clock_pair::now();
    _ops.put(retained_key(msg.topic), [&](std::string& out) { encode_retained(out, msg, now); });
    ++_ticket;
}

void shard_writer::erase_retained(std::string_view topic) {
    _ops.erase(retained_key(topic));
    ++_ticket;
}

void shard_writer::flush() {
    if (!_ops.empty())
        _queue.hand_over(_index, _ops, _ticket);
}

}  // namespace emqd::storage
