#include "storage/committer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/records.h"

namespace emqd::storage::detail {

using std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
constexpr auto size_refresh = 1s;
constexpr int attempts_at_stop = 10;
constexpr auto max_backoff = 5000ms;
}  // namespace

committer::committer(rocksdb::DB& db, commit_queue& queue, const store_options& options,
                     store_counters& counters)
    : _db(db),
      _queue(queue),
      _options(options),
      _counters(counters),
      _persisted_next_id(counters.next_store_id.load()) {
    refresh_size();
}

committer::~committer() {
    stop();
}

void committer::start() {
    _thread = std::thread([this] { run(); });
}

void committer::stop() {
    if (_stopped)
        return;
    _stopped = true;
    _stopping = true;
    _queue.stop();
    if (_thread.joinable())
        _thread.join();
    else
        run();
}

void committer::run() {
    const bool interval = _options.sync == sync_policy::interval;
    auto size_due = steady_clock::now() + size_refresh;
    handovers batch;
    for (;;) {
        // Nothing timed to do: wake up only for hand-overs (and once an hour, harmlessly).
        auto deadline = _options.max_size != 0 ? size_due : steady_clock::now() + 1h;
        if (_unsynced)
            deadline = std::min(deadline, _sync_due);
        const bool more = _queue.take(batch, deadline);
        if (!batch.empty())
            commit(batch);
        if (!more)
            break;
        const auto now = steady_clock::now();
        if (interval && _unsynced && now >= _sync_due)
            sync_wal();
        if (_options.max_size != 0 && now >= size_due) {
            refresh_size();
            size_due = now + size_refresh;
        }
    }
    if (_unsynced)
        sync_wal();
}

std::uint64_t committer::mark_moot(const handovers& batch) {
    std::size_t total = 0;
    for (const auto& h : batch)
        total += h.ops.size();
    _moot.assign(total, false);
    _last_put.clear();
    std::uint64_t moot = 0;
    std::size_t i = 0;
    for (const auto& h : batch)
        h.ops.for_each([&](op_buffer::op o, std::string_view key, std::string_view) {
            if (o == op_buffer::op::put) {
                const auto [it, fresh] = _last_put.try_emplace(key, i);
                if (!fresh) {
                    _moot[it->second] = true;  // overwritten
                    ++moot;
                    it->second = i;
                }
            } else if (o == op_buffer::op::erase) {
                if (const auto it = _last_put.find(key); it != _last_put.end()) {
                    _moot[it->second] = true;  // erased
                    ++moot;
                    if (key.front() == kind::delivery) {  // put once: nothing to erase
                        _moot[i] = true;
                        ++moot;
                    }
                    _last_put.erase(it);
                }
            }
            ++i;
        });
    return moot;
}

void committer::commit(handovers& batch) {
    _batch.Clear();
    const std::uint64_t moot = mark_moot(batch);
    std::uint64_t ops = 0;
    std::size_t i = 0;
    for (const auto& h : batch) {
        h.ops.for_each([&](op_buffer::op o, std::string_view key, std::string_view value) {
            if (_moot[i++])
                return;
            ++ops;
            const rocksdb::Slice k(key.data(), key.size());
            const rocksdb::Slice v(value.data(), value.size());
            switch (o) {
                case op_buffer::op::put:
                    _batch.Put(k, v);
                    break;
                case op_buffer::op::erase:
                    _batch.Delete(k);
                    break;
                case op_buffer::op::erase_range:
                    _batch.DeleteRange(k, v);
                    break;
            }
        });
    }
    // The ops were handed over (through the queue's mutex) after their ids were allocated,
    // so this load sees every one of those ids.
    const auto next_id = _counters.next_store_id.load(std::memory_order_relaxed);
    if (next_id != _persisted_next_id) {
        _scratch.clear();
        encode_next_store_id(_scratch, next_id);
        _batch.Put(rocksdb::Slice(next_store_id_key.data(), next_store_id_key.size()), _scratch);
        _persisted_next_id = next_id;
    }

    _counters.moot.fetch_add(moot, std::memory_order_relaxed);
    // Everything moot: nothing to write, and what came before is as durable as it was.
    if (_batch.Count() != 0 && !write(ops)) {
        _queue.drop(batch);
        return;
    }
    _queue.durable(batch);
}

bool committer::write(std::uint64_t ops) {
    rocksdb::WriteOptions wo;
    wo.sync = _options.sync == sync_policy::always;
    auto backoff = 100ms;
    for (int attempt = 1;; ++attempt) {
        const auto st = _db.Write(wo, &_batch);
        if (st.ok())
            break;
        if (attempt == 1 || attempt % 10 == 0)
            spdlog::error("storage: writing {} operations failed ({}), attempt {}; retrying", ops,
                          st.ToString(), attempt);
        if (_stopping && attempt >= attempts_at_stop) {
            spdlog::error(
                "storage: giving up at shutdown: {} operations ({} bytes) were not written "
                "and were never acknowledged",
                ops, _batch.GetDataSize());
            return false;
        }
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, max_backoff);
        _db.Resume();  // clears a background error so the write can be tried again
    }
    _counters.batches.fetch_add(1, std::memory_order_relaxed);
    _counters.operations.fetch_add(ops, std::memory_order_relaxed);
    _counters.bytes.fetch_add(_batch.GetDataSize(), std::memory_order_relaxed);
    if (wo.sync) {
        _counters.syncs.fetch_add(1, std::memory_order_relaxed);
    } else if (!_unsynced) {
        _unsynced = true;
        _sync_due = steady_clock::now() + _options.sync_interval;
    }
    return true;
}

void committer::sync_wal() {
    const auto st = _db.FlushWAL(true);
    if (!st.ok()) {
        spdlog::error("storage: syncing the WAL failed ({}); retrying in {} ms", st.ToString(),
                      _options.sync_interval.count());
        _sync_due = steady_clock::now() + _options.sync_interval;
        return;
    }
    _counters.syncs.fetch_add(1, std::memory_order_relaxed);
    _unsynced = false;
}

void committer::refresh_size() {
    if (_options.max_size == 0)
        return;
    std::uint64_t live = 0, mem = 0;
    _db.GetIntProperty(rocksdb::DB::Properties::kEstimateLiveDataSize, &live);
    _db.GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
    _counters.full.store(live + mem >= _options.max_size, std::memory_order_relaxed);
}

}  // namespace emqd::storage::detail
