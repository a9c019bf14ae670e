#pragma once
// The commit thread (store.h, "Group commit" and "Sync policies"). Internal to src/storage.
//
// Loop: take everything handed over (commit_queue::take), replay the op buffers into one
// WriteBatch in hand-over order, less what the batch itself makes moot (below), write it
// (sync under `always`), report durability (commit_queue::durable), and between batches:
// sync the WAL when `interval` has unsynced writes older than sync_interval, refresh
// store_counters::full about once a second. A batch also carries the store id counter when
// ids were allocated since the previous batch: an id is allocated before any record of it
// is handed over, so the counter on disk is always above the ids of the records on disk,
// erased ones included.
//
// Moot writes. A WriteBatch is applied atomically, and only the last write of a key in it
// counts: a put followed, later in the same batch, by a put or an erase of the same key is
// left out. A delivery record is put once in its life (session_store.h), so the key did not
// exist before that put: a delivery put and its erase in one batch (a QoS 1 message
// acknowledged before its group was written) are both left out and RocksDB never sees
// either. Under load the batches are large and most acknowledged deliveries go that way.
// The keys are looked up in a hash table of the puts seen so far in the batch (views into
// the op buffers, which live until the batch is durable); erase_range needs no care: an
// erased range between a put and a later write of the key changes nothing.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/commit_queue.h"
#include "storage/store_options.h"

namespace emqd::storage::detail {

/// Shared between the commit thread (writes) and store's accessors (reads).
struct store_counters {
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> syncs{0};
    std::atomic<std::uint64_t> operations{0};
    std::atomic<std::uint64_t> moot{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<bool> full{false};
    /// store::allocate_store_id()'s counter; the commit thread persists it.
    std::atomic<std::uint64_t> next_store_id{1};
};

class committer {
public:
    /// Refreshes counters.full once before returning.
    committer(rocksdb::DB& db, commit_queue& queue, const store_options& options,
              store_counters& counters);
    ~committer();
    committer(const committer&) = delete;
    committer& operator=(const committer&) = delete;

    void start();
    /// Applies everything handed over, syncs the WAL, and ends the thread (or, if start()
    /// was never called, does the same on the calling thread). Idempotent.
    void stop();

private:
    using handovers = std::vector<commit_queue::handover>;

    void run();
    void commit(handovers& batch);
    /// Marks in _moot the ops of `batch` that a later op of the same batch makes moot
    /// ("Moot writes"); returns how many.
    std::uint64_t mark_moot(const handovers& batch);
    /// Writes _batch (`ops` operations), retrying on failure; false when it gave up
    /// (only at shutdown).
    bool write(std::uint64_t ops);
    void sync_wal();
    void refresh_size();

    rocksdb::DB& _db;
    commit_queue& _queue;
    const store_options _options;
    store_counters& _counters;

    std::thread _thread;
    std::atomic<bool> _stopping{false};
    bool _stopped = false;
    rocksdb::WriteBatch _batch;  // reused: keeps its capacity
    std::string _scratch;
    /// mark_moot's scratch: key -> index of its last put; moot or not, by op index.
    std::unordered_map<std::string_view, std::size_t> _last_put;
    std::vector<bool> _moot;
    std::uint64_t _persisted_next_id;  // next_store_id as last written
    bool _unsynced = false;            // interval: written since the last WAL sync
    std::chrono::steady_clock::time_point _sync_due{};
};

}  // namespace emqd::storage::detail
