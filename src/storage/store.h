#pragma once
// The embedded store (design.md "Storage"): persistent sessions, their QoS 1/2 deliveries,
// QoS 2 state and retained messages in one RocksDB database under storage.dir. Nothing
// outside src/storage includes RocksDB.
//
// Key layout (records.h): a one-byte kind, then big-endian ids, so that RocksDB's bytewise
// order is the order of restore.
//     S store_id(8)                  -> session (client id, expiry, subscriptions, will)
//     D store_id(8) guid(16: hi, lo) -> delivery (the message inline + matched options)
//     Q store_id(8) guid(16)         -> QoS 2 progress of that delivery (packet id, state)
//     A store_id(8) packet_id(2)     -> inbound QoS 2 id awaiting PUBREL
//     R topic                        -> retained message
//     Mformat                        -> format version of the store (1)
//     Mnext_store_id                 -> the store id counter
// Each value starts with its own format version byte. Message times are stored as wall
// clock arrival times (core::message::received_at is a steady clock time, meaningless in
// another process) and converted back at open, so Message Expiry counts on across a
// restart. erase_session deletes the S record and DeleteRange's the D, Q and A ranges of
// the id. Store ids are never reused: the commit thread adds the id counter to a batch
// whenever ids were allocated since the previous one, so the counter on disk is above every
// id that has a record (or had one), and open() starts above it and above every id in a key.
//
// Group commit: each shard appends its writes to its own shard_writer buffer (no lock, no
// RocksDB call on the shard) and hands the buffer over once per loop pass (flush()). One
// commit thread takes everything handed over, from all shards at once, writes it as a
// single WriteBatch in hand-over order, and then tells each writer the highest ticket
// made durable (on_durable). Writes the batch itself makes moot are left out (a put
// followed by an erase of the same key: committer.h, "Moot writes"). While one batch is
// being synced, the next one gathers: under load one fsync covers the publishers of many
// shards and loop passes. A write that fails is logged and retried (RocksDB's Resume()
// after a background error, backing off up to 5 s) in the same order; meanwhile nothing is
// reported durable and hand-overs queue up, so acknowledgements stop instead of lying. At
// shutdown a batch that still fails after 10 attempts is dropped (logged with its size);
// its on_durable calls never come.
//
// Backlog: the shards can hand over writes faster than one commit thread applies them.
// What is handed over and not yet written (bytes of the hand-over buffers) is measured by
// one atomic; behind() says when it passes options.max_backlog, and then the store calls
// every writer's on_caught_up once it falls below a quarter of that. The broker stops
// reading publishers while the store is behind (broker/shard_flow.cpp), so the backlog, the
// memory it holds and the wait of every acknowledgement behind it stay bounded.
//
// Sync policies (store_options.h): `always` writes each batch with WriteOptions::sync, so
// on_durable means "on the disk" (survives an OS crash or power loss). `interval` writes
// without sync (the WAL record is in the OS page cache when on_durable runs: it survives a
// crash of the process, not of the OS) and syncs the WAL every sync_interval while there is
// something unsynced: an OS crash or power loss loses at most about one interval of
// acknowledged writes. Either way RocksDB's point-in-time WAL recovery restores a prefix of
// the write order, never a write without the writes before it.
//
// Open: create the directory, open RocksDB (paranoid checks, every table file opened and its
// size checked), verify every block checksum, read every record back (decoding failures
// are counted, logged and deleted, never fatal), purge what expired by the wall clock
// `now` (sessions disconnected longer than their expiry interval with all their records,
// deliveries and retained messages whose Message Expiry passed), and sync those deletions.
//
// Corruption: a truncated WAL tail is what a crash leaves; point-in-time recovery keeps the
// prefix and that is not corruption. Anything else RocksDB reports as Corruption at open or
// during the read-back (a damaged table file, MANIFEST or CURRENT; a missing CURRENT beside
// table files) is handled by store_options::on_corruption:
//   - quarantine: rename DIR to DIR.corrupt-<UTC time>, copy it back to DIR, run RocksDB's
//     RepairDB on the copy, reopen and read back; if that fails too, start with an empty
//     DIR. An error-level log line says what happened: RocksDB's status, where the damaged
//     copy is kept, what was recovered, or that everything stored before is only in the
//     damaged copy.
//   - stop: open() throws storage_error and leaves DIR as it was.
//
// THREADING WARNING: open(), start(), make_writer() and the destructor belong to the thread
// that runs the broker's start and stop; full(), behind(), backlog(), stats(),
// allocate_store_id() and quarantined() may be called from any thread; each shard_writer
// belongs to one shard.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "storage/recovered_state.h"
#include "storage/shard_writer.h"
#include "storage/storage_error.h"
#include "storage/store_options.h"

namespace emqd::storage {

/// Counters since open (for metrics and the bench).
struct store_stats {
    std::uint64_t batches = 0;     // WriteBatches committed
    std::uint64_t syncs = 0;       // WAL syncs (synced batches and interval syncs)
    std::uint64_t operations = 0;  // puts and deletes in those batches
    std::uint64_t moot = 0;        // handed over, left out: a later write in the batch won
    std::uint64_t bytes = 0;       // WriteBatch bytes written
};

class store {
public:
    /// Opens (creating if missing) the store at options.dir and reads it back, purging what
    /// expired at the wall clock time `now`. Blocks on disk I/O: call it before the shards
    /// run. Throws storage_error when the store cannot be used (the message names the
    /// directory and RocksDB's status): the directory cannot be created or locked, the store
    /// is damaged and on_corruption is stop, the store has a newer format.
    static std::unique_ptr<store> open(const store_options& options,
                                       std::chrono::system_clock::time_point now);

    /// Applies everything handed over (writers must be destroyed first: their destructors
    /// hand over what they had not flushed), syncs it, stops the commit thread, writes the
    /// memtables to table files (a quick reopen) and closes the database.
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    /// What the previous run left (the first call; later calls return an empty state).
    recovered_state take_recovered();

    /// A new store id: non-zero, never returned before by this store, above every id on
    /// disk at open. Thread-safe, lock-free.
    std::uint64_t allocate_store_id();

    /// A writer for one shard; on_durable(ticket) runs on the commit thread (shard_writer.h),
    /// and so does on_caught_up() (if given): the backlog fell below the low watermark after
    /// a behind() that said true. Make the writers, then start().
    std::unique_ptr<shard_writer> make_writer(std::function<void(std::uint64_t)> on_durable,
                                              std::function<void()> on_caught_up = {});
    /// Starts the commit thread. Until then hand-overs queue up.
    void start();

    /// Whether the live data plus memtables exceed options.max_size (refreshed by the commit
    /// thread about once a second; always false when max_size is 0). Cheap: one atomic load.
    bool full() const;
    /// Whether the backlog is past options.max_backlog ("Backlog" above). When it says true,
    /// every writer's on_caught_up runs once the backlog is below a quarter of that (no lost
    /// wake-up). Cheap while the store keeps up: one atomic load.
    bool behind();
    /// Bytes handed over and not yet written (or dropped at shutdown).
    std::uint64_t backlog() const;
    store_stats stats() const;
    /// Where open() moved a damaged store (quarantine policy), if it did.
    std::optional<std::filesystem::path> quarantined() const;

private:
    struct impl;
    explicit store(std::unique_ptr<impl> i);
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::storage
