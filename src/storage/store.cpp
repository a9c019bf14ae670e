#include "storage/store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <string>
#include <system_error>
#include <utility>

#include "storage/commit_queue.h"
#include "storage/committer.h"
#include "storage/recovery.h"

namespace emqd::storage {

namespace fs = std::filesystem;
using namespace detail;

namespace {

rocksdb::Options db_options() {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.paranoid_checks = true;
    // A torn or truncated WAL tail is what a crash leaves: keep the prefix before it.
    o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    o.max_open_files = -1;  // opens every table at open: a damaged footer or size shows then
    o.max_background_jobs = 2;
    o.keep_log_file_num = 3;
    o.max_log_file_size = 4 << 20;
    // Deliveries live for milliseconds: put, then erased on acknowledgement (most such
    // pairs never reach RocksDB, committer.h "Moot writes"). Measured with 20 publishers to
    // 20 persistent subscribers at QoS 1: 16 MB memtables instead of the default 64 MB keep
    // the rate and take about 50 MB off the broker's RSS. (Also measured, and not kept:
    // a vector memtable inserts 2.5 times faster, but the commit thread then writes smaller
    // batches in which fewer writes are moot, and the broker as a whole is slower; an insert
    // hint per session prefix helps the storage bench and not the broker.)
    o.write_buffer_size = 16 << 20;
    return o;
}

/// RocksDB with create_if_missing silently starts a new database where CURRENT is gone
/// (and later deletes the old tables as obsolete): treat that as the damage it is.
rocksdb::Status check_current(const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir / "CURRENT", ec))
        return rocksdb::Status::OK();
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const auto name = e.path().filename().string();
        if (name.starts_with("MANIFEST-") || name.ends_with(".sst") || name.ends_with(".log"))
            return rocksdb::Status::Corruption("CURRENT is missing", name);
    }
    return rocksdb::Status::OK();
}

/// DIR.corrupt-<UTC time>, with a counter if a store was quarantined in the same second.
fs::path quarantine_path(const fs::path& dir) {
    const auto base =
        dir.string() +
        fmt::format(".corrupt-{:%Y%m%dT%H%M%SZ}",
                    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    fs::path p = base;
    std::error_code ec;
    for (int n = 1; fs::exists(p, ec); ++n)
        p = base + "-" + std::to_string(n);
    return p;
}

}  // namespace

struct store::impl {
    explicit impl(const store_options& o) : options(o), queue(o.max_backlog) {}

    store_options options;
    std::unique_ptr<rocksdb::DB> db;
    commit_queue queue;
    store_counters counters;
    std::unique_ptr<committer> commit;  // after open succeeded
    recovery recovered;
    std::optional<fs::path> quarantined;

    /// Opens and reads back; on failure the database is closed again and `recovered` empty.
    rocksdb::Status open_and_read(const clock_pair& now) {
        recovered = {};
        auto st = check_current(options.dir);
        rocksdb::DB* raw = nullptr;
        if (st.ok())
            st = rocksdb::DB::Open(db_options(), options.dir.string(), &raw);
        if (!st.ok())
            return st;
        db.reset(raw);
        st = db->VerifyChecksum();
        if (st.ok())
            st = recover(*db, now, recovered);
        if (!st.ok()) {
            db->Close();
            db.reset();
            recovered = {};
        }
        return st;
    }

    std::string summary() const {
        return fmt::format("{} sessions, {} deliveries, {} retained messages",
                           recovered.state.sessions.size(), recovered.deliveries,
                           recovered.state.retained.size());
    }

    /// corruption_policy::quarantine (store.h, "Corruption").
    void quarantine(const rocksdb::Status& damage, const clock_pair& now) {
        const auto& dir = options.dir;
        const auto aside = quarantine_path(dir);
        std::error_code ec;
        fs::rename(dir, aside, ec);
        if (ec)
            throw storage_error(fmt::format(
                "storage: the store at {} is damaged ({}) and cannot be moved aside to {}: {}",
                dir.string(), damage.ToString(), aside.string(), ec.message()));
        quarantined = aside;

        fs::copy(aside, dir, fs::copy_options::recursive, ec);
        auto st = ec ? rocksdb::Status::IOError("copying the damaged store back", ec.message())
                     : rocksdb::RepairDB(dir.string(), db_options());
        if (st.ok())
            st = open_and_read(now);
        if (st.ok()) {
            spdlog::error(
                "storage: the store at {} is damaged ({}); the damaged copy is kept at {}; "
                "RocksDB repaired {} and it holds {}: anything else stored before is only "
                "in the damaged copy",
                dir.string(), damage.ToString(), aside.string(), dir.string(), summary());
            return;
        }

        fs::remove_all(dir, ec);
        fs::create_directories(dir, ec);
        const auto fresh = open_and_read(now);
        if (!fresh.ok())
            throw storage_error(fmt::format(
                "storage: the store at {} is damaged ({}) and moved to {}; starting an empty "
                "store there failed: {}",
                dir.string(), damage.ToString(), aside.string(), fresh.ToString()));
        spdlog::error(
            "storage: the store at {} is damaged ({}) and could not be repaired ({}); "
            "started with an empty store: everything stored before is only in the damaged "
            "copy at {}",
            dir.string(), damage.ToString(), st.ToString(), aside.string());
    }
};

store::store(std::unique_ptr<impl> i) : _impl(std::move(i)) {}

std::unique_ptr<store> store::open(const store_options& options,
                                   std::chrono::system_clock::time_point now) {
    auto i = std::make_unique<impl>(options);
    auto& dir = i->options.dir;
    dir = dir.lexically_normal();
    if (!dir.has_filename())  // "data/" -> "data": DIR.corrupt-... must be a sibling
        dir = dir.parent_path();

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw storage_error(fmt::format("storage: cannot create the store directory {}: {}",
                                        dir.string(), ec.message()));

    const clock_pair clocks{now, std::chrono::steady_clock::now()};
    const auto st = i->open_and_read(clocks);
    if (!st.ok()) {
        if (!st.IsCorruption())
            throw storage_error(fmt::format("storage: cannot open the store at {}: {}",
                                            dir.string(), st.ToString()));
        if (options.on_corruption == corruption_policy::stop)
            throw storage_error(fmt::format(
                "storage: the store at {} is damaged ({}); storage.on_corruption = stop "
                "refuses to start; move it aside or set storage.on_corruption = quarantine",
                dir.string(), st.ToString()));
        i->quarantine(st, clocks);
    }
    i->counters.next_store_id = i->recovered.next_store_id;
    i->commit = std::make_unique<committer>(*i->db, i->queue, i->options, i->counters);
    return std::unique_ptr<store>(new store(std::move(i)));
}

store::~store() {
    assert(_impl->queue.writers() == 0 && "destroy every shard_writer before its store");
    _impl->commit->stop();
    _impl->commit.reset();
    const auto st = stats();
    spdlog::info(
        "storage: {} batches ({} syncs) wrote {} operations, {} bytes; {} left out as moot",
        st.batches, st.syncs, st.operations, st.bytes, st.moot);
    const auto flushed = _impl->db->Flush(rocksdb::FlushOptions());
    if (!flushed.ok())
        spdlog::warn(
            "storage: writing the memtables of {} at close failed ({}); the WAL "
            "still has them",
            _impl->options.dir.string(), flushed.ToString());
    _impl->db->Close();
}

recovered_state store::take_recovered() {
    return std::exchange(_impl->recovered.state, {});
}

std::uint64_t store::allocate_store_id() {
    return _impl->counters.next_store_id.fetch_add(1, std::memory_order_relaxed);
}

std::unique_ptr<shard_writer> store::make_writer(std::function<void(std::uint64_t)> on_durable,
                                                 std::function<void()> on_caught_up) {
    return std::make_unique<shard_writer>(_impl->queue, std::move(on_durable),
                                          std::move(on_caught_up));
}

void store::start() {
    _impl->commit->start();
}

bool store::behind() {
    return _impl->queue.behind();
}

std::uint64_t store::backlog() const {
    return _impl->queue.backlog();
}

bool store::full() const {
    return _impl->counters.full.load(std::memory_order_relaxed);
}

store_stats store::stats() const {
    const auto& c = _impl->counters;
    return {c.batches.load(std::memory_order_relaxed), c.syncs.load(std::memory_order_relaxed),
            c.operations.load(std::memory_order_relaxed), c.moot.load(std::memory_order_relaxed),
            c.bytes.load(std::memory_order_relaxed)};
}

std::optional<fs::path> store::quarantined() const {
    return _impl->quarantined;
}

}  // namespace emqd::storage
