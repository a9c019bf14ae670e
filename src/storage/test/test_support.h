#pragma once
// Shared by the storage tests: a fresh temporary directory per test (removed afterwards),
// sample records, and a writer whose durability the test can wait for.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "storage/store.h"

namespace emqd::storage::test {

class temp_dir {
public:
    temp_dir() {
        auto pattern = (std::filesystem::temp_directory_path() / "emqd-storage-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        _path = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(_path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return _path; }

private:
    std::filesystem::path _path;
};

/// Tests use a `store` subdirectory of a temp_dir, so that quarantined copies
/// (store.corrupt-...) land inside the temp_dir too.
class storage_test : public ::testing::Test {
protected:
    std::filesystem::path dir() const { return _tmp.path() / "store"; }
    store_options options() const {
        store_options o;
        o.dir = dir();
        return o;
    }
    std::unique_ptr<store> open(
        std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
        auto o = options();
        o.sync = _sync;
        o.max_backlog = _max_backlog;
        return store::open(o, now);
    }

    sync_policy _sync = sync_policy::always;
    std::uint64_t _max_backlog = store_options{}.max_backlog;

private:
    temp_dir _tmp;
};

/// A writer plus the highest ticket its store reported durable.
class waited_writer {
public:
    explicit waited_writer(store& s)
        : _writer(s.make_writer(
              [this](std::uint64_t t) {
                  std::lock_guard lock(_mutex);
                  _durable = t;
                  _cv.notify_all();
              },
              [this] {
                  std::lock_guard lock(_mutex);
                  ++_caught_up;
                  _cv.notify_all();
              })) {}

    shard_writer& operator*() { return *_writer; }
    shard_writer* operator->() { return _writer.get(); }

    /// Flushes and waits (a hang guard of a minute, not a time limit) until everything
    /// written is durable.
    bool flush_and_wait() {
        _writer->flush();
        std::unique_lock lock(_mutex);
        return _cv.wait_for(lock, std::chrono::minutes(1),
                            [&] { return _durable >= _writer->ticket(); });
    }
    /// How many times the store called on_caught_up.
    int caught_up() {
        std::lock_guard lock(_mutex);
        return _caught_up;
    }

private:
    std::mutex _mutex;
    std::condition_variable _cv;
    std::uint64_t _durable = 0;
    int _caught_up = 0;
    std::unique_ptr<shard_writer> _writer;
};

inline core::guid guid_of(std::uint64_t n) {
    return {1'700'000'000'000'000 + n, n};
}

/// A QoS 1 message with every v5 property set.
inline core::message full_message(std::uint64_t n, std::string topic = "a/b") {
    core::message m;
    m.id = guid_of(n);
    m.topic = std::move(topic);
    m.payload = std::string("payload\0with nul ", 17) + std::to_string(n);
    m.qos = 1;
    m.retain = false;
    m.from_client_id = "publisher";
    m.received_at = core::message::clock::now();
    m.props.payload_format_indicator = 1;
    m.props.message_expiry_interval = 3600;
    m.props.content_type = "text/plain";
    m.props.response_topic = "reply/here";
    m.props.correlation_data = std::string("\x00\x01\xff", 3);
    m.props.user = {{"k1", "v1"}, {"k1", "v2"}, {"", ""}};
    return m;
}

inline session::stored_session full_session(std::uint64_t id, std::string client_id) {
    session::stored_session s;
    s.store_id = id;
    s.client_id = std::move(client_id);
    s.expiry_interval = 7200;
    s.disconnected_at = std::chrono::system_clock::now();
    router::subscription_options o;
    o.qos = 2;
    o.no_local = true;
    o.retain_as_published = true;
    o.retain_handling = 2;
    o.subscription_id = 77;
    s.subscriptions.emplace("a/+", o);
    router::subscription_options plain;
    plain.qos = 1;
    s.subscriptions.emplace("b/#", plain);
    auto will = full_message(999, "will/topic");
    will.retain = true;
    s.will = std::make_shared<core::message>(will);
    s.will_delay = 30;
    return s;
}

/// Message equality on everything stored; received_at only to the second (it goes through
/// the wall clock and back).
inline void expect_same_message(const core::message& a, const core::message& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.topic, b.topic);
    EXPECT_EQ(a.payload, b.payload);
    EXPECT_EQ(a.qos, b.qos);
    EXPECT_EQ(a.retain, b.retain);
    EXPECT_EQ(a.from_client_id, b.from_client_id);
    EXPECT_EQ(a.props.payload_format_indicator, b.props.payload_format_indicator);
    EXPECT_EQ(a.props.message_expiry_interval, b.props.message_expiry_interval);
    EXPECT_EQ(a.props.content_type, b.props.content_type);
    EXPECT_EQ(a.props.response_topic, b.props.response_topic);
    EXPECT_EQ(a.props.correlation_data, b.props.correlation_data);
    EXPECT_EQ(a.props.user, b.props.user);
    const auto skew = a.received_at - b.received_at;
    EXPECT_LT(std::chrono::abs(skew), std::chrono::seconds(1));
}

}  // namespace emqd::storage::test
