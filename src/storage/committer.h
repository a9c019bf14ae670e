#pragma once
// The commit thread (store.h, "Group commit" and "Sync policies"). Internal to src/storage.
//
// Loop: take everything handed over (commit_queue::take), replay the op buffers into one
// WriteBatch in hand-over order, write it (sync under `always`), report durability
// (commit_queue::durable), and between batches: sync the WAL when `interval` has unsynced
// writes older than sync_interval, refresh store_counters::full about once a second.
// A batch also carries the store id counter when ids were allocated since the previous
// batch: an id is allocated before any record of it is handed over, so the counter on disk
// is always above the ids of the records on disk, erased ones included.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
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
    std::uint64_t _persisted_next_id;  // next_store_id as last written
    bool _unsynced = false;            // interval: written since the last WAL sync
    std::chrono::steady_clock::time_point _sync_due{};
};

}  // namespace emqd::storage::detail
