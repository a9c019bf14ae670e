#pragma once
// One shard's way into the store (store.h, "Group commit"): it implements the storage
// interfaces of the session and router layers by appending operations to a private buffer;
// flush() hands the buffer to the commit thread.
//
// Cost on the shard: appending the encoded record to the buffer (two clock reads for
// records that carry a message); no RocksDB call, no lock, no syscall. flush() takes one
// lock and notifies the commit thread once; it does nothing when nothing was written.
//
// Tickets: ticket() counts the writes (calls of the put/erase members) made so far; 0 means
// none. After flush(), the commit thread calls on_durable(t) with the highest ticket t it has
// made durable (store.h: synced under sync_policy::always, written to the OS under
// interval): every write up to ticket t, and every write of other writers handed over
// before, is then durable. Calls come in increasing t; one call may cover several flushes.
// Writes not yet flushed are not durable and not reported.
//
// THREADING WARNING: one writer per shard. Every member except the constructor runs on the
// shard's thread only; on_durable runs on the commit thread (it must be quick and must not
// destroy the writer: post to the shard). Destroy the writer before its store: its
// destructor hands over what was not flushed (the store writes it; no on_durable for it).

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "core/guid.h"
#include "core/message.h"
#include "router/retained_persistence.h"
#include "router/subscriber.h"
#include "session/session_store.h"
#include "storage/op_buffer.h"

namespace emqd::storage {

namespace detail {
class commit_queue;
}

class shard_writer final : public session::session_store, public router::retained_persistence {
public:
    /// Made by store::make_writer().
    shard_writer(detail::commit_queue& queue, std::function<void(std::uint64_t)> on_durable,
                 std::function<void()> on_caught_up);
    ~shard_writer() override;
    shard_writer(const shard_writer&) = delete;
    shard_writer& operator=(const shard_writer&) = delete;

    // session::session_store
    void put_session(const session::stored_session& s) override;
    void erase_session(std::uint64_t store_id) override;
    void put_delivery(std::uint64_t store_id, const core::message& msg,
                      std::span<const router::subscription_options> matched) override;
    void put_qos2_progress(std::uint64_t store_id, const core::guid& msg, std::uint16_t packet_id,
                           session::qos2_progress p) override;
    void erase_delivery(std::uint64_t store_id, const core::guid& msg, bool progress) override;
    void put_awaiting_rel(std::uint64_t store_id, std::uint16_t packet_id) override;
    void erase_awaiting_rel(std::uint64_t store_id, std::uint16_t packet_id) override;
    std::uint64_t ticket() const override { return _ticket; }

    // router::retained_persistence
    void put_retained(const core::message& msg) override;
    void erase_retained(std::string_view topic) override;

    /// Hands everything written since the last flush to the commit thread.
    void flush();

private:
    detail::commit_queue& _queue;
    std::size_t _index;
    detail::op_buffer _ops;
    std::uint64_t _ticket = 0;
};

}  // namespace emqd::storage
