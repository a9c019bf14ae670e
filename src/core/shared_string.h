#pragma once
// An immutable string shared by reference count: one heap block holding the count, the
// length and the characters (at most 4 GiB), behind one pointer.
//
// Design note. A client id is held by its channel, its session and the client registry,
// for as long as the client is connected. As three std::string it costs 3 x 32 bytes
// inline plus, past the 15 characters std::string keeps inline (as most real client ids
// are), three heap copies. Shared, it costs 8 bytes in each holder and one block of
// 8 + length bytes. The count is atomic: the registry is read by every shard, and a session
// moves between shards on takeover. Copies happen per CONNECT, never per message.
//
// An empty string holds no block. Equality compares contents (a shared block first).
//
// Thread safety: like a shared_ptr<const char[]>: distinct objects may be copied and
// destroyed concurrently, also when they share a block; the characters never change.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace emqd::core {

class shared_string {
public:
    shared_string() = default;
    /// Copies `s` (anything that converts to std::string_view: literals, std::string).
    template <class T>
    requires(std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, shared_string>)
        shared_string(const T& s)
        : shared_string(make(std::string_view(s))) {}  // NOLINT

    shared_string(const shared_string& o) noexcept : _block(o._block) {
        if (_block)
            _block->refs.fetch_add(1, std::memory_order_relaxed);
    }
    shared_string(shared_string&& o) noexcept : _block(std::exchange(o._block, nullptr)) {}
    shared_string& operator=(shared_string o) noexcept {
        std::swap(_block, o._block);
        return *this;
    }
    ~shared_string() { release(); }

    std::string_view view() const {
        return _block ? std::string_view(chars(_block), _block->size) : std::string_view();
    }
    std::size_t size() const { return _block ? _block->size : 0; }
    bool empty() const { return _block == nullptr; }
    std::string str() const { return std::string(view()); }

    friend bool operator==(const shared_string& a, const shared_string& b) {
        return a._block == b._block || a.view() == b.view();
    }
    /// With anything that converts to std::string_view (without making a shared_string).
    template <class T>
    requires(std::is_convertible_v<const T&, std::string_view> &&
             !std::is_same_v<T, shared_string>) friend bool
    operator==(const shared_string& a, const T& b) {
        return a.view() == std::string_view(b);
    }

private:
    struct block {
        std::atomic<std::uint32_t> refs;
        std::uint32_t size;
    };
    static char* chars(block* b) { return reinterpret_cast<char*>(b + 1); }

    explicit shared_string(block* b) : _block(b) {}
    static shared_string make(std::string_view s) {
        if (s.empty())
            return shared_string();
        void* mem = ::operator new(sizeof(block) + s.size());
        block* b = new (mem) block{{1}, static_cast<std::uint32_t>(s.size())};
        std::memcpy(chars(b), s.data(), s.size());
        return shared_string(b);
    }
    void release() noexcept {
        if (_block && _block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            _block->~block();
            ::operator delete(_block);
        }
        _block = nullptr;
    }

    block* _block = nullptr;
};

/// Hashes contents, so a shared_string and a std::string_view of the same characters hash
/// alike (heterogeneous lookup).
struct shared_string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
    std::size_t operator()(const shared_string& s) const noexcept { return (*this)(s.view()); }
};

struct shared_string_equal {
    using is_transparent = void;
    bool operator()(const shared_string& a, const shared_string& b) const { return a == b; }
    bool operator()(const shared_string& a, std::string_view b) const { return a.view() == b; }
    bool operator()(std::string_view a, const shared_string& b) const { return b.view() == a; }
};

}  // namespace emqd::core
