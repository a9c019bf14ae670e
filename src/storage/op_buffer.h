#pragma once
// A shard's pending writes in a compact form of our own, so that the shard never calls into
// RocksDB: the commit thread replays the buffers of every shard into one WriteBatch.
// Internal to src/storage.
//
// Layout: a sequence of entries `op(1) | key_len(4) | key | value_len(4) | value` with
// native-endian lengths (the buffer never leaves the process); erase_range stores its end
// key as the value, erase an empty value. The value of a put is encoded in place by the
// caller's encoder (no intermediate string).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace emqd::storage::detail {

class op_buffer {
public:
    enum class op : std::uint8_t { put = 1, erase = 2, erase_range = 3 };

    /// Appends a put of `key`; encode(std::string&) appends the value.
    template <class Encode>
    void put(std::string_view key, Encode&& encode) {
        head(op::put, key);
        const auto len_at = _bytes.size();
        _bytes.append(sizeof(std::uint32_t), '\0');
        encode(_bytes);
        const auto len = static_cast<std::uint32_t>(_bytes.size() - len_at - sizeof len);
        std::memcpy(_bytes.data() + len_at, &len, sizeof len);
    }
    void erase(std::string_view key) {
        head(op::erase, key);
        append_sized({});
    }
    /// Erases every key in [begin, end).
    void erase_range(std::string_view begin, std::string_view end) {
        head(op::erase_range, begin);
        append_sized(end);
    }

    bool empty() const { return _bytes.empty(); }
    std::size_t size() const { return _count; }  // entries
    std::size_t bytes() const { return _bytes.size(); }
    /// Empties the buffer, keeping its capacity.
    void clear() {
        _bytes.clear();
        _count = 0;
    }

    /// Calls f(op, key, value) for each entry in order.
    template <class F>
    void for_each(F&& f) const {
        std::string_view in = _bytes;
        while (!in.empty()) {
            const auto o = static_cast<op>(in[0]);
            in.remove_prefix(1);
            const auto key = take_sized(in);
            const auto value = take_sized(in);
            f(o, key, value);
        }
    }

private:
    void head(op o, std::string_view key) {
        _bytes.push_back(static_cast<char>(o));
        append_sized(key);
        ++_count;
    }
    void append_sized(std::string_view s) {
        const auto len = static_cast<std::uint32_t>(s.size());
        _bytes.append(reinterpret_cast<const char*>(&len), sizeof len);
        _bytes.append(s);
    }
    static std::string_view take_sized(std::string_view& in) {
        std::uint32_t len;
        std::memcpy(&len, in.data(), sizeof len);
        auto s = in.substr(sizeof len, len);
        in.remove_prefix(sizeof len + len);
        return s;
    }

    std::string _bytes;
    std::size_t _count = 0;
};

}  // namespace emqd::storage::detail
