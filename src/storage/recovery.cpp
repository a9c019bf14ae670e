#include "storage/recovery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace emqd::storage::detail {
namespace {

using std::chrono::system_clock;

constexpr std::uint32_t never_expires = 0xFFFFFFFF;

bool session_expired(const session::stored_session& s, system_clock::time_point now) {
    if (s.expiry_interval == never_expires || !s.disconnected_at)
        return false;
    return *s.disconnected_at + std::chrono::seconds(s.expiry_interval) <= now;
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

class reader {
public:
    reader(rocksdb::DB& db, const clock_pair& now, recovery& out) : _db(db), _now(now), _out(out) {}

    rocksdb::Status run() {
        if (auto st = check_format(); !st.ok())
            return st;
        if (auto st = read_next_store_id(); !st.ok())
            return st;
        for (auto [kind, fn] : {std::pair{kind::session, &reader::on_session},
                                {kind::delivery, &reader::on_delivery},
                                {kind::qos2, &reader::on_qos2},
                                {kind::awaiting_rel, &reader::on_awaiting_rel},
                                {kind::retained, &reader::on_retained}}) {
            if (auto st = scan(kind, fn); !st.ok())
                return st;
        }
        log();
        if (_purge.Count() == 0)
            return rocksdb::Status::OK();
        rocksdb::WriteOptions wo;
        wo.sync = true;
        return _db.Write(wo, &_purge);
    }

private:
    using handler = void (reader::*)(const parsed_key&, std::string_view key,
                                     std::string_view value);

    rocksdb::Status check_format() {
        std::string v;
        const auto st =
            _db.Get(read_options(), rocksdb::Slice(format_key.data(), format_key.size()), &v);
        if (st.IsNotFound()) {
            const std::string current(1, static_cast<char>(format_version));
            _purge.Put(rocksdb::Slice(format_key.data(), format_key.size()), current);
            return rocksdb::Status::OK();
        }
        if (!st.ok())
            return st;
        if (v.size() != 1 || static_cast<std::uint8_t>(v[0]) > format_version)
            return rocksdb::Status::NotSupported(
                "the store was written in a newer format than this emqd reads (format " +
                std::to_string(format_version) + ")");
        return rocksdb::Status::OK();
    }

    rocksdb::Status read_next_store_id() {
        std::string v;
        const rocksdb::Slice key(next_store_id_key.data(), next_store_id_key.size());
        const auto st = _db.Get(read_options(), key, &v);
        if (st.IsNotFound())
            return rocksdb::Status::OK();
        if (!st.ok())
            return st;
        if (const auto next = decode_next_store_id(v))
            _out.next_store_id = std::max(_out.next_store_id, *next);
        else
            undecodable(next_store_id_key, "value");  // the keys still bound the ids
        return rocksdb::Status::OK();
    }

    static rocksdb::ReadOptions read_options() {
        rocksdb::ReadOptions ro;
        ro.verify_checksums = true;
        ro.fill_cache = false;
        return ro;
    }

    rocksdb::Status scan(char kind, handler fn) {
        std::unique_ptr<rocksdb::Iterator> it(_db.NewIterator(read_options()));
        const char prefix[1] = {kind};
        for (it->Seek(rocksdb::Slice(prefix, 1)); it->Valid(); it->Next()) {
            const auto k = it->key();
            if (k.size() == 0 || k[0] != kind)
                break;
            const std::string_view key(k.data(), k.size());
            const auto parsed = parse_key(key);
            if (!parsed) {
                undecodable(key, "key");
                continue;
            }
            if (kind != kind::retained)
                _out.next_store_id = std::max(_out.next_store_id, parsed->store_id + 1);
            (this->*fn)(*parsed, key, std::string_view(it->value().data(), it->value().size()));
        }
        return it->status();
    }

    recovered_session* find_session(std::uint64_t store_id) {
        auto& v = _out.state.sessions;
        auto i = std::lower_bound(v.begin(), v.end(), store_id,
                                  [](const auto& s, auto id) { return s.session.store_id < id; });
        return i != v.end() && i->session.store_id == store_id ? &*i : nullptr;
    }

    bool expired_session(std::uint64_t store_id) const {
        return std::binary_search(_expired.begin(), _expired.end(), store_id);
    }

    void undecodable(std::string_view key, const char* what) {
        // The first few by key, then only the count (log()): a badly damaged store must not
        // flood the log.
        if (++_out.state.undecodable <= 10)
            spdlog::warn("storage: deleting a record whose {} cannot be decoded (key {})", what,
                         hex(key));
        _purge.Delete(rocksdb::Slice(key.data(), key.size()));
    }

    /// A record of a session that is gone: expired (its ranges are being deleted already)
    /// or missing.
    bool orphan(const parsed_key& p, std::string_view key) {
        if (find_session(p.store_id))
            return false;
        if (!expired_session(p.store_id)) {
            ++_out.state.orphans;
            _purge.Delete(rocksdb::Slice(key.data(), key.size()));
        }
        return true;
    }

    void on_session(const parsed_key& p, std::string_view key, std::string_view value) {
        auto s = decode_session(value, _now);
        if (!s) {
            undecodable(key, "value");
            return;
        }
        s->store_id = p.store_id;
        if (session_expired(*s, _now.wall)) {
            ++_out.state.expired_sessions;
            _expired.push_back(p.store_id);
            _purge.Delete(rocksdb::Slice(key.data(), key.size()));
            for (char k : {kind::delivery, kind::qos2, kind::awaiting_rel}) {
                const auto r = session_range(k, p.store_id);
                _purge.DeleteRange(r.begin.view(), r.end.view());
            }
            return;
        }
        if (!s->disconnected_at)
            s->disconnected_at = _now.wall;
        _out.state.sessions.push_back({std::move(*s), {}, {}});
    }

    void on_delivery(const parsed_key& p, std::string_view key, std::string_view value) {
        if (orphan(p, key))
            return;
        auto d = decode_delivery(value, _now);
        if (!d || d->msg->id != p.msg) {
            undecodable(key, "value");
            return;
        }
        if (d->msg->expired(_now.steady)) {
            ++_out.state.expired_deliveries;
            _expired_deliveries.emplace_back(p.store_id, p.msg);
            _purge.Delete(rocksdb::Slice(key.data(), key.size()));
            const auto q = qos2_key(p.store_id, p.msg);
            _purge.Delete(q.view());
            return;
        }
        find_session(p.store_id)->deliveries.push_back({std::move(d->msg), std::move(d->matched)});
        ++_out.deliveries;
    }

    void on_qos2(const parsed_key& p, std::string_view key, std::string_view value) {
        if (orphan(p, key))
            return;
        auto& ds = find_session(p.store_id)->deliveries;
        auto i = std::lower_bound(ds.begin(), ds.end(), p.msg,
                                  [](const auto& d, const auto& id) { return d.msg->id < id; });
        if (i == ds.end() || i->msg->id != p.msg) {
            // Its delivery expired just now (and this record is deleted with it) or is gone.
            const std::pair id{p.store_id, p.msg};
            if (!std::binary_search(_expired_deliveries.begin(), _expired_deliveries.end(), id)) {
                ++_out.state.orphans;
                _purge.Delete(rocksdb::Slice(key.data(), key.size()));
            }
            return;
        }
        const auto q = decode_qos2(value);
        if (!q) {
            undecodable(key, "value");
            return;
        }
        i->packet_id = q->packet_id;
        i->progress = q->progress;
    }

    void on_awaiting_rel(const parsed_key& p, std::string_view key, std::string_view value) {
        if (orphan(p, key))
            return;
        if (!decode_awaiting_rel(value)) {
            undecodable(key, "value");
            return;
        }
        find_session(p.store_id)->awaiting_rel.push_back(p.packet_id);
    }

    void on_retained(const parsed_key& p, std::string_view key, std::string_view value) {
        auto m = decode_retained(value, _now);
        if (!m || m->topic != p.topic) {
            undecodable(key, "value");
            return;
        }
        if (m->expired(_now.steady)) {
            ++_out.state.expired_retained;
            _purge.Delete(rocksdb::Slice(key.data(), key.size()));
            return;
        }
        _out.state.retained.push_back(std::move(m));
    }

    void log() const {
        const auto& s = _out.state;
        spdlog::info(
            "storage: read back {} sessions, {} deliveries, {} retained messages; deleted {} "
            "expired sessions, {} expired deliveries, {} expired retained messages",
            s.sessions.size(), _out.deliveries, s.retained.size(), s.expired_sessions,
            s.expired_deliveries, s.expired_retained);
        if (s.undecodable != 0 || s.orphans != 0)
            spdlog::warn(
                "storage: deleted {} records that could not be decoded and {} records whose "
                "session or delivery was missing",
                s.undecodable, s.orphans);
    }

    rocksdb::DB& _db;
    const clock_pair& _now;
    recovery& _out;
    rocksdb::WriteBatch _purge;
    // Both ascending: keys come in order.
    std::vector<std::uint64_t> _expired;  // store ids of expired sessions
    std::vector<std::pair<std::uint64_t, core::guid>> _expired_deliveries;
};

}  // namespace

rocksdb::Status recover(rocksdb::DB& db, const clock_pair& now, recovery& out) {
    return reader(db, now, out).run();
}

}  // namespace emqd::storage::detail
