#pragma once
// How the embedded store is opened (the broker maps the `storage.*` config keys onto it).
// store.h explains what each policy means for durability.

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace emqd::storage {

/// When a write becomes durable (store.h, "Sync policies").
enum class sync_policy {
    /// fsync before on_durable: survives an OS crash or power loss.
    always,
    /// No fsync per batch, one every sync_interval: survives a process crash; an OS crash
    /// or power loss can lose up to one interval of acknowledged writes.
    interval,
};

/// What open() does with a store that RocksDB reports as corrupt (store.h, "Corruption").
enum class corruption_policy {
    /// Move it aside, start with what RocksDB can repair, or empty.
    quarantine,
    /// Refuse to start (open() throws storage_error).
    stop,
};

struct store_options {
    std::filesystem::path dir;
    sync_policy sync = sync_policy::always;
    std::chrono::milliseconds sync_interval{1000};
    corruption_policy on_corruption = corruption_policy::quarantine;
    /// Bytes of live data plus memtables above which store::full() says true; 0 = unbounded.
    std::uint64_t max_size = 0;
    /// Bytes handed to the commit thread and not yet written above which store::behind()
    /// says true (store.h, "Backlog"); at least 1.
    std::uint64_t max_backlog = 16 << 20;
};

}  // namespace emqd::storage
