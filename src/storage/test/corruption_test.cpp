// A damaged store: quarantine and stop policies, a torn WAL tail after a crash, records that
// cannot be decoded. Damage is done to the files of a closed store (the store's destructor
// writes the memtables to table files, so the data is in an .sst).
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/records.h"
#include "storage/store.h"
#include "storage/test/test_support.h"

namespace emqd::storage::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

constexpr std::size_t sessions = 3;
constexpr std::size_t deliveries_per_session = 100;

class corruption : public storage_test {
protected:
    /// Sessions 1..3 with 100 deliveries of 1 KB each, and one retained message.
    void populate() {
        auto s = open();
        waited_writer w(*s);
        s->start();
        for (std::uint64_t id = 1; id <= sessions; ++id) {
            w->put_session(full_session(id, "c" + std::to_string(id)));
            for (std::uint64_t n = 1; n <= deliveries_per_session; ++n) {
                auto m = full_message(n);
                m.payload.assign(1024, static_cast<char>('a' + n % 26));
                w->put_delivery(id, m, {});
            }
        }
        w->put_retained(full_message(1000, "r/1"));
        ASSERT_TRUE(w.flush_and_wait());
    }

    std::vector<fs::path> files(const fs::path& in, const std::string& pattern) const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(in)) {
            const auto name = e.path().filename().string();
            if (name.find(pattern) != std::string::npos)
                out.push_back(e.path());
        }
        return out;
    }
    fs::path only_file(const std::string& pattern) const {
        auto f = files(dir(), pattern);
        EXPECT_EQ(f.size(), 1u) << pattern;
        return f.empty() ? fs::path{} : f[0];
    }

    static void overwrite(const fs::path& f, std::uintmax_t at, std::size_t n) {
        std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(static_cast<std::streamoff>(at));
        const std::string junk(n, '\x55');
        io.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }

    /// Opens under the quarantine policy; checks the damaged copy is kept beside the store
    /// and that the store it started with works (writes, reopen without a new quarantine).
    recovered_state open_quarantined() {
        auto s = open();
        EXPECT_TRUE(s->quarantined());
        if (!s->quarantined())
            return {};
        const auto aside = *s->quarantined();
        EXPECT_EQ(aside.parent_path(), dir().parent_path());
        EXPECT_TRUE(aside.filename().string().starts_with("store.corrupt-")) << aside;
        EXPECT_TRUE(fs::exists(aside / "CURRENT") || !files(aside, ".sst").empty());
        auto rec = s->take_recovered();
        {
            waited_writer w(*s);
            s->start();
            w->put_session(full_session(100, "after"));
            EXPECT_TRUE(w.flush_and_wait());
        }
        s.reset();
        auto again = open();
        EXPECT_FALSE(again->quarantined());
        EXPECT_TRUE(again->take_recovered().sessions.back().session.client_id == "after");
        return rec;
    }

    static std::size_t deliveries(const recovered_state& st) {
        std::size_t n = 0;
        for (const auto& s : st.sessions)
            n += s.deliveries.size();
        return n;
    }
};

TEST_F(corruption, overwritten_table_bytes_are_quarantined) {
    populate();
    const auto sst = only_file(".sst");
    overwrite(sst, fs::file_size(sst) / 3, 64);
    const auto rec = open_quarantined();
    // RepairDB drops what it cannot read: whatever came back is intact, never invented.
    EXPECT_LE(rec.sessions.size(), sessions);
    EXPECT_LE(deliveries(rec), sessions * deliveries_per_session);
}

TEST_F(corruption, truncated_table_file_is_quarantined) {
    populate();
    const auto sst = only_file(".sst");
    fs::resize_file(sst, fs::file_size(sst) / 2);
    const auto rec = open_quarantined();
    EXPECT_LE(rec.sessions.size(), sessions);
}

TEST_F(corruption, damaged_manifest_is_repaired_from_the_tables) {
    populate();
    const auto manifest = only_file("MANIFEST-");
    overwrite(manifest, 20, 32);
    const auto rec = open_quarantined();
    EXPECT_EQ(rec.sessions.size(), sessions);
    EXPECT_EQ(deliveries(rec), sessions * deliveries_per_session);
    EXPECT_EQ(rec.retained.size(), 1u);
}

TEST_F(corruption, emptied_or_missing_current_is_repaired) {
    for (bool remove : {false, true}) {
        SCOPED_TRACE(remove ? "removed" : "emptied");
        fs::remove_all(dir());
        populate();
        if (remove)
            fs::remove(dir() / "CURRENT");
        else
            fs::resize_file(dir() / "CURRENT", 0);
        const auto rec = open_quarantined();
        EXPECT_EQ(rec.sessions.size(), sessions);
        EXPECT_EQ(deliveries(rec), sessions * deliveries_per_session);
    }
}

TEST_F(corruption, an_unrepairable_store_starts_empty_and_keeps_the_damaged_copy) {
    populate();
    const auto sst = only_file(".sst");
    overwrite(sst, fs::file_size(sst) / 3, 64);
    // A FIFO cannot be copied back after the move aside: repair is impossible.
    ASSERT_EQ(::mkfifo((dir() / "fifo").c_str(), 0600), 0);
    auto o = options();
    o.dir = dir().string() + "/";  // a trailing slash: the copy still goes beside the store
    auto s = store::open(o, system_clock::now());
    ASSERT_TRUE(s->quarantined());
    EXPECT_EQ(s->quarantined()->parent_path(), dir().parent_path());
    EXPECT_TRUE(fs::exists(*s->quarantined() / sst.filename()));
    EXPECT_FALSE(fs::exists(dir() / "fifo"));
    const auto rec = s->take_recovered();
    EXPECT_TRUE(rec.sessions.empty());
    EXPECT_TRUE(rec.retained.empty());
}

TEST_F(corruption, stop_policy_refuses_to_start_and_leaves_the_store_alone) {
    populate();
    const auto sst = only_file(".sst");
    overwrite(sst, fs::file_size(sst) / 3, 64);
    auto o = options();
    o.on_corruption = corruption_policy::stop;
    try {
        store::open(o, system_clock::now());
        FAIL() << "no storage_error";
    } catch (const storage_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(dir().string()), std::string::npos) << what;
        EXPECT_NE(what.find("storage.on_corruption = stop"), std::string::npos) << what;
        EXPECT_NE(what.find("Corruption"), std::string::npos) << what;
    }
    EXPECT_TRUE(files(dir().parent_path(), ".corrupt-").empty());
    EXPECT_TRUE(fs::exists(sst));
}

TEST_F(corruption, torn_wal_tail_loses_only_the_tail) {
    const auto crash = dir().parent_path() / "crash";
    {
        auto s = open();
        waited_writer w(*s);
        s->start();
        for (std::uint64_t id = 1; id <= 10; ++id) {
            w->put_session(full_session(id, "c" + std::to_string(id)));
            ASSERT_TRUE(w.flush_and_wait());  // one WAL record each
        }
        // What a crash now would leave: the live files, memtables not written to tables.
        fs::copy(dir(), crash, fs::copy_options::recursive);
    }
    auto wal = files(crash, ".log");
    ASSERT_EQ(wal.size(), 1u);
    fs::resize_file(wal[0], fs::file_size(wal[0]) - 5);

    auto o = options();
    o.dir = crash;
    auto s = store::open(o, system_clock::now());
    EXPECT_FALSE(s->quarantined());
    const auto rec = s->take_recovered();
    ASSERT_EQ(rec.sessions.size(), 9u);
    for (std::uint64_t id = 1; id <= 9; ++id)
        EXPECT_EQ(rec.sessions[id - 1].session.store_id, id);
}

TEST_F(corruption, undecodable_records_are_skipped_counted_and_deleted) {
    populate();
    {
        rocksdb::DB* raw = nullptr;
        ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir().string(), &raw).ok());
        std::unique_ptr<rocksdb::DB> db(raw);
        const rocksdb::WriteOptions wo;
        ASSERT_TRUE(db->Put(wo, detail::session_key(2).view(), "garbage").ok());
        ASSERT_TRUE(db->Put(wo, detail::delivery_key(1, guid_of(5)).view(), "\x01").ok());
        ASSERT_TRUE(db->Put(wo, detail::retained_key("r/1"), "").ok());
        ASSERT_TRUE(db->Close().ok());
    }
    {
        auto s = open();
        EXPECT_FALSE(s->quarantined());
        const auto rec = s->take_recovered();
        EXPECT_EQ(rec.undecodable, 3u);
        EXPECT_EQ(rec.orphans, deliveries_per_session);  // session 2's deliveries
        ASSERT_EQ(rec.sessions.size(), 2u);
        EXPECT_EQ(rec.sessions[0].session.store_id, 1u);
        EXPECT_EQ(rec.sessions[0].deliveries.size(), deliveries_per_session - 1);
        EXPECT_EQ(rec.sessions[1].session.store_id, 3u);
        EXPECT_EQ(rec.sessions[1].deliveries.size(), deliveries_per_session);
        EXPECT_TRUE(rec.retained.empty());
    }
    const auto rec = open()->take_recovered();
    EXPECT_EQ(rec.undecodable + rec.orphans, 0u);
    EXPECT_EQ(rec.sessions.size(), 2u);
}

}  // namespace
}  // namespace emqd::storage::test
