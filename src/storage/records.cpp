#include "storage/records.h"

#include <memory>
#include <utility>

namespace emqd::storage::detail {
namespace {

using std::chrono::microseconds;
using std::chrono::system_clock;

// ---- fixed-width big-endian primitives ------------------------------------------------

void put_u8(std::string& out, std::uint8_t v) {
    out.push_back(static_cast<char>(v));
}

template <class T>
void put_be(std::string& out, T v) {
    for (int shift = 8 * (static_cast<int>(sizeof(T)) - 1); shift >= 0; shift -= 8)
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(v >> shift)));
}

void put_str(std::string& out, std::string_view s) {
    put_be<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

/// Reads untrusted bytes: a read past the end sets the failure flag and yields zeros, so a
/// decoder checks ok() once at the end instead of after every field.
class reader {
public:
    explicit reader(std::string_view in) : _in(in) {}

    std::uint8_t u8() { return static_cast<std::uint8_t>(be(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(be(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(be(4)); }
    std::uint64_t u64() { return be(8); }
    std::string_view str() {
        const std::uint32_t n = u32();
        if (!_ok || n > _in.size()) {
            _ok = false;
            return {};
        }
        auto s = _in.substr(0, n);
        _in.remove_prefix(n);
        return s;
    }
    /// Fails the read unless `cond` holds (a field value out of range).
    void check(bool cond) { _ok = _ok && cond; }
    /// Everything read, nothing left over.
    bool done() const { return _ok && _in.empty(); }
    bool ok() const { return _ok; }

private:
    std::uint64_t be(std::size_t n) {
        if (!_ok || _in.size() < n) {
            _ok = false;
            return 0;
        }
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | static_cast<std::uint8_t>(_in[i]);
        _in.remove_prefix(n);
        return v;
    }

    std::string_view _in;
    bool _ok = true;
};

std::uint64_t read_be64(std::string_view s) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i)
        v = (v << 8) | static_cast<std::uint8_t>(s[i]);
    return v;
}

// ---- times ----------------------------------------------------------------------------

std::int64_t to_us(system_clock::time_point t) {
    return std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
}
system_clock::time_point from_us(std::int64_t us) {
    return system_clock::time_point{
        std::chrono::duration_cast<system_clock::duration>(microseconds{us})};
}

system_clock::time_point wall_arrival(const core::message& m, const clock_pair& now) {
    return now.wall -
           std::chrono::duration_cast<system_clock::duration>(now.steady - m.received_at);
}
core::message::clock::time_point steady_arrival(system_clock::time_point arrival,
                                                const clock_pair& now) {
    const auto age = now.wall - arrival;
    if (age <= system_clock::duration::zero())
        return now.steady;  // arrived "in the future": the wall clock went back since
    return now.steady - std::chrono::duration_cast<core::message::clock::duration>(age);
}

// ---- subscription options, messages ---------------------------------------------------

enum : std::uint8_t { opt_no_local = 1, opt_retain_as_published = 2, opt_fastlane = 4 };

void put_options(std::string& out, const router::subscription_options& o) {
    put_u8(out, o.qos);
    put_u8(out, static_cast<std::uint8_t>((o.no_local ? opt_no_local : 0) |
                                          (o.retain_as_published ? opt_retain_as_published : 0) |
                                          (o.fastlane ? opt_fastlane : 0)));
    put_u8(out, o.retain_handling);
    put_be<std::uint32_t>(out, o.subscription_id);
}

router::subscription_options read_options(reader& r) {
    router::subscription_options o;
    o.qos = r.u8();
    const auto flags = r.u8();
    o.no_local = flags & opt_no_local;
    o.retain_as_published = flags & opt_retain_as_published;
    o.fastlane = flags & opt_fastlane;
    o.retain_handling = r.u8();
    o.subscription_id = r.u32();
    r.check(o.qos <= 2 && o.retain_handling <= 2 && flags < 8);
    return o;
}

enum : std::uint8_t {
    prop_payload_format = 1,
    prop_message_expiry = 2,
    prop_content_type = 4,
    prop_response_topic = 8,
    prop_correlation_data = 16,
};

void put_message(std::string& out, const core::message& m, const clock_pair& now) {
    put_be(out, m.id.hi);
    put_be(out, m.id.lo);
    put_str(out, m.topic);
    put_str(out, m.payload);
    put_u8(out, m.qos);
    put_u8(out, m.retain ? 1 : 0);
    put_str(out, m.from_client_id);
    put_be(out, to_us(wall_arrival(m, now)));
    const auto& p = m.props;
    put_u8(out, static_cast<std::uint8_t>((p.payload_format_indicator ? prop_payload_format : 0) |
                                          (p.message_expiry_interval ? prop_message_expiry : 0) |
                                          (p.content_type ? prop_content_type : 0) |
                                          (p.response_topic ? prop_response_topic : 0) |
                                          (p.correlation_data ? prop_correlation_data : 0)));
    if (p.payload_format_indicator)
        put_u8(out, *p.payload_format_indicator);
    if (p.message_expiry_interval)
        put_be(out, *p.message_expiry_interval);
    if (p.content_type)
        put_str(out, *p.content_type);
    if (p.response_topic)
        put_str(out, *p.response_topic);
    if (p.correlation_data)
        put_str(out, *p.correlation_data);
    put_be<std::uint32_t>(out, static_cast<std::uint32_t>(p.user.size()));
    for (const auto& [k, v] : p.user) {
        put_str(out, k);
        put_str(out, v);
    }
}

/// Null when the read failed (the reader says why: ok() is false).
std::shared_ptr<core::message> read_message(reader& r, const clock_pair& now) {
    auto m = std::make_shared<core::message>();
    m->id.hi = r.u64();
    m->id.lo = r.u64();
    m->topic = r.str();
    m->payload = r.str();
    m->qos = r.u8();
    const auto retain = r.u8();
    m->retain = retain == 1;
    m->from_client_id = r.str();
    m->received_at = steady_arrival(from_us(static_cast<std::int64_t>(r.u64())), now);
    auto& p = m->props;
    const auto mask = r.u8();
    if (mask & prop_payload_format)
        p.payload_format_indicator = r.u8();
    if (mask & prop_message_expiry)
        p.message_expiry_interval = r.u32();
    if (mask & prop_content_type)
        p.content_type = r.str();
    if (mask & prop_response_topic)
        p.response_topic = r.str();
    if (mask & prop_correlation_data)
        p.correlation_data = r.str();
    const auto users = r.u32();
    for (std::uint32_t i = 0; i < users && r.ok(); ++i) {
        auto k = r.str();
        auto v = r.str();
        p.user.emplace_back(k, v);
    }
    r.check(m->qos <= 2 && retain <= 1 && mask < 32);
    return r.ok() ? m : nullptr;
}

}  // namespace

// ---- keys -----------------------------------------------------------------------------

id_key::id_key(char kind, std::uint64_t store_id) {
    _bytes[0] = kind;
    _size = 1;
    append_be(store_id, 8);
}

void id_key::append_be(std::uint64_t v, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i)
        _bytes[_size++] = static_cast<char>(static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i))));
}

id_key session_key(std::uint64_t store_id) {
    return id_key(kind::session, store_id);
}

id_key delivery_key(std::uint64_t store_id, const core::guid& msg) {
    id_key k(kind::delivery, store_id);
    k.append_be(msg.hi, 8);
    k.append_be(msg.lo, 8);
    return k;
}

id_key qos2_key(std::uint64_t store_id, const core::guid& msg) {
    id_key k(kind::qos2, store_id);
    k.append_be(msg.hi, 8);
    k.append_be(msg.lo, 8);
    return k;
}

id_key awaiting_rel_key(std::uint64_t store_id, std::uint16_t packet_id) {
    id_key k(kind::awaiting_rel, store_id);
    k.append_be(packet_id, 2);
    return k;
}

std::string retained_key(std::string_view topic) {
    std::string k;
    k.reserve(1 + topic.size());
    k.push_back(kind::retained);
    k.append(topic);
    return k;
}

key_range session_range(char kind, std::uint64_t store_id) {
    // Every key of the session is kind + store_id + more bytes; the next store id's prefix
    // is above them all. Store ids are allocated from 1 upward and never reach 2^64 - 1.
    return {id_key(kind, store_id), id_key(kind, store_id + 1)};
}

std::optional<parsed_key> parse_key(std::string_view key) {
    if (key.empty())
        return std::nullopt;
    parsed_key p;
    p.kind = key[0];
    const auto rest = key.substr(1);
    switch (p.kind) {
        case kind::session:
            if (rest.size() != 8)
                return std::nullopt;
            p.store_id = read_be64(rest);
            return p;
        case kind::delivery:
        case kind::qos2:
            if (rest.size() != 24)
                return std::nullopt;
            p.store_id = read_be64(rest);
            p.msg.hi = read_be64(rest.substr(8));
            p.msg.lo = read_be64(rest.substr(16));
            return p;
        case kind::awaiting_rel:
            if (rest.size() != 10)
                return std::nullopt;
            p.store_id = read_be64(rest);
            p.packet_id = static_cast<std::uint16_t>(static_cast<std::uint8_t>(rest[8]) << 8 |
                                                     static_cast<std::uint8_t>(rest[9]));
            return p;
        case kind::retained:
            if (rest.empty())
                return std::nullopt;
            p.topic = rest;
            return p;
        default:
            return std::nullopt;
    }
}

// ---- values ---------------------------------------------------------------------------

void encode_session(std::string& out, const session::stored_session& s, const clock_pair& now) {
    put_u8(out, format_version);
    put_str(out, s.client_id);
    put_be(out, s.expiry_interval);
    put_u8(out, s.disconnected_at ? 1 : 0);
    if (s.disconnected_at)
        put_be(out, to_us(*s.disconnected_at));
    put_be<std::uint32_t>(out, static_cast<std::uint32_t>(s.subscriptions.size()));
    for (const auto& [filter, options] : s.subscriptions) {
        put_str(out, filter);
        put_options(out, options);
    }
    put_u8(out, s.will ? 1 : 0);
    if (s.will)
        put_message(out, *s.will, now);
    put_be(out, s.will_delay);
}

std::optional<session::stored_session> decode_session(std::string_view v, const clock_pair& now) {
    reader r(v);
    r.check(r.u8() == format_version);
    session::stored_session s;
    s.client_id = r.str();
    s.expiry_interval = r.u32();
    const auto disconnected = r.u8();
    r.check(disconnected <= 1);
    if (disconnected == 1)
        s.disconnected_at = from_us(static_cast<std::int64_t>(r.u64()));
    const auto subs = r.u32();
    for (std::uint32_t i = 0; i < subs && r.ok(); ++i) {
        std::string filter(r.str());
        s.subscriptions.insert_or_assign(std::move(filter), read_options(r));
    }
    const auto has_will = r.u8();
    r.check(has_will <= 1);
    if (has_will == 1 && r.ok())
        s.will = read_message(r, now);
    s.will_delay = r.u32();
    if (!r.done())
        return std::nullopt;
    return s;
}

void encode_delivery(std::string& out, const core::message& msg,
                     std::span<const router::subscription_options> matched, const clock_pair& now) {
    put_u8(out, format_version);
    put_message(out, msg, now);
    put_be<std::uint32_t>(out, static_cast<std::uint32_t>(matched.size()));
    for (const auto& o : matched)
        put_options(out, o);
}

std::optional<decoded_delivery> decode_delivery(std::string_view v, const clock_pair& now) {
    reader r(v);
    r.check(r.u8() == format_version);
    decoded_delivery d;
    d.msg = read_message(r, now);
    const auto n = r.u32();
    for (std::uint32_t i = 0; i < n && r.ok(); ++i)
        d.matched.push_back(read_options(r));
    if (!r.done())
        return std::nullopt;
    return d;
}

void encode_qos2(std::string& out, std::uint16_t packet_id, session::qos2_progress p) {
    put_u8(out, format_version);
    put_be(out, packet_id);
    put_u8(out, static_cast<std::uint8_t>(p));
}

std::optional<decoded_qos2> decode_qos2(std::string_view v) {
    reader r(v);
    r.check(r.u8() == format_version);
    decoded_qos2 q;
    q.packet_id = r.u16();
    const auto p = r.u8();
    r.check(p <= static_cast<std::uint8_t>(session::qos2_progress::released));
    q.progress = static_cast<session::qos2_progress>(p);
    if (!r.done())
        return std::nullopt;
    return q;
}

void encode_awaiting_rel(std::string& out) {
    put_u8(out, format_version);
}

bool decode_awaiting_rel(std::string_view v) {
    reader r(v);
    r.check(r.u8() == format_version);
    return r.done();
}

void encode_retained(std::string& out, const core::message& msg, const clock_pair& now) {
    put_u8(out, format_version);
    put_message(out, msg, now);
}

core::message_ptr decode_retained(std::string_view v, const clock_pair& now) {
    reader r(v);
    r.check(r.u8() == format_version);
    auto m = read_message(r, now);
    return r.done() ? std::move(m) : nullptr;
}

void encode_next_store_id(std::string& out, std::uint64_t next) {
    put_u8(out, format_version);
    put_be(out, next);
}

std::optional<std::uint64_t> decode_next_store_id(std::string_view v) {
    reader r(v);
    r.check(r.u8() == format_version);
    const auto next = r.u64();
    if (!r.done())
        return std::nullopt;
    return next;
}

}  // namespace emqd::storage::detail
