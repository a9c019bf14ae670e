#pragma once
// Keys and values of the store (store.h has the layout). Internal to src/storage.
//
// Keys: a one-byte kind, then big-endian ids, so that RocksDB's bytewise order is the order
// of restore (sessions by store id, deliveries by message id within a session).
// Values: a format version byte (1), then fixed-width big-endian integers and strings with
// a u32 length. Decoding reads untrusted bytes: it never throws and never reads out of
// bounds; any inconsistency (short value, trailing bytes, unknown version, QoS above 2)
// makes the whole record undecodable (nullopt).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/guid.h"
#include "core/message.h"
#include "router/subscriber.h"
#include "session/session_store.h"

namespace emqd::storage::detail {

inline constexpr std::uint8_t format_version = 1;

namespace kind {
inline constexpr char awaiting_rel = 'A';
inline constexpr char delivery = 'D';
inline constexpr char meta = 'M';
inline constexpr char qos2 = 'Q';
inline constexpr char retained = 'R';
inline constexpr char session = 'S';
}  // namespace kind

/// The meta record holding the store's format version (one byte).
inline constexpr std::string_view format_key = "Mformat";
/// The meta record holding the next store id to allocate (the commit thread writes it in a
/// batch whenever ids were allocated since its last batch: before any record of them).
inline constexpr std::string_view next_store_id_key = "Mnext_store_id";

/// A key of a session's records, built without allocating (the shard builds several per
/// message).
class id_key {
public:
    static constexpr std::size_t capacity = 1 + 8 + 16;

    id_key(char kind, std::uint64_t store_id);
    void append_be(std::uint64_t v, std::size_t bytes);
    std::string_view view() const { return {_bytes.data(), _size}; }
    operator std::string_view() const { return view(); }

private:
    std::array<char, capacity> _bytes;
    std::size_t _size = 0;
};

id_key session_key(std::uint64_t store_id);
id_key delivery_key(std::uint64_t store_id, const core::guid& msg);
id_key qos2_key(std::uint64_t store_id, const core::guid& msg);
id_key awaiting_rel_key(std::uint64_t store_id, std::uint16_t packet_id);
std::string retained_key(std::string_view topic);
/// The range [begin, end) of a session's records of one kind (D, Q or A), for DeleteRange.
struct key_range {
    id_key begin;
    id_key end;
};
key_range session_range(char kind, std::uint64_t store_id);

/// A key taken apart; which fields are set depends on the kind.
struct parsed_key {
    char kind = 0;
    std::uint64_t store_id = 0;   // S, D, Q, A
    core::guid msg;               // D, Q
    std::uint16_t packet_id = 0;  // A
    std::string_view topic;       // R (views the key)
};
/// nullopt for a key of unknown kind or of the wrong length for its kind.
std::optional<parsed_key> parse_key(std::string_view key);

/// Both clocks read at one moment: message times are stored as wall-clock arrival times and
/// converted back to core::message::clock (steady) with the clocks of the reading process.
struct clock_pair {
    std::chrono::system_clock::time_point wall;
    std::chrono::steady_clock::time_point steady;

    static clock_pair now() {
        return {std::chrono::system_clock::now(), std::chrono::steady_clock::now()};
    }
};

/// Encoders append the value to `out` (which may already hold other bytes).
void encode_session(std::string& out, const session::stored_session& s, const clock_pair& now);
void encode_delivery(std::string& out, const core::message& msg,
                     std::span<const router::subscription_options> matched, const clock_pair& now);
void encode_qos2(std::string& out, std::uint16_t packet_id, session::qos2_progress p);
void encode_awaiting_rel(std::string& out);
void encode_retained(std::string& out, const core::message& msg, const clock_pair& now);
void encode_next_store_id(std::string& out, std::uint64_t next);

struct decoded_delivery {
    core::message_ptr msg;
    std::vector<router::subscription_options> matched;
};
struct decoded_qos2 {
    std::uint16_t packet_id = 0;
    session::qos2_progress progress = session::qos2_progress::none;
};

/// Decoders convert times with `now` (received_at = now.steady - (now.wall - arrival), never
/// after now.steady). store_id is not in the value: the caller sets it from the key.
std::optional<session::stored_session> decode_session(std::string_view v, const clock_pair& now);
std::optional<decoded_delivery> decode_delivery(std::string_view v, const clock_pair& now);
std::optional<decoded_qos2> decode_qos2(std::string_view v);
bool decode_awaiting_rel(std::string_view v);
core::message_ptr decode_retained(std::string_view v, const clock_pair& now);  // null: bad
std::optional<std::uint64_t> decode_next_store_id(std::string_view v);

}  // namespace emqd::storage::detail
