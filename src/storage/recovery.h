#pragma once
// Reading a store back at open (store.h, "Open"). Internal to src/storage.
//
// One pass per key kind, in the order that lets each record find what it belongs to:
// sessions (S) first, then their deliveries (D, in message id order), the QoS 2 progress of
// those deliveries (Q), awaiting-PUBREL ids (A), then retained messages (R). What expired
// at `now`, what cannot be decoded and what lost its owner goes into one WriteBatch of
// deletions, written with sync before recover() returns. The meta records (M) are read
// first.

#include <cstddef>
#include <cstdint>

#include <rocksdb/db.h>

#include "storage/records.h"
#include "storage/recovered_state.h"

namespace emqd::storage::detail {

struct recovery {
    recovered_state state;
    /// Above every store id in a key (deleted ones too) and every id allocated before the
    /// last batch of the previous run (next_store_id_key).
    std::uint64_t next_store_id = 1;
    std::size_t deliveries = 0;  // in state.sessions
};

/// Fills `out` (empty on entry). Every read verifies checksums. Returns the iterator's or the
/// purge write's status when not ok (a Corruption there is the caller's to handle), or
/// NotSupported for a store written in a newer format.
rocksdb::Status recover(rocksdb::DB& db, const clock_pair& now, recovery& out);

}  // namespace emqd::storage::detail
