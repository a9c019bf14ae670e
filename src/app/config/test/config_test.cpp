// load_config: file format, every key, source order (file < --set < env), error messages
// (origin, key, problem), listeners, and etc/emqd.conf == built-in defaults.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/config/config.h"

namespace emqd::app {
namespace {

using namespace std::chrono_literals;

// A config file in a private temp directory, removed with the fixture.
class config_test : public ::testing::Test {
protected:
    void SetUp() override {
        _dir = std::filesystem::temp_directory_path() /
               ("emqd_config_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(_dir);
    }
    void TearDown() override { std::filesystem::remove_all(_dir); }

    std::string write(const std::string& text, const std::string& name = "emqd.conf") {
        const std::string path = (_dir / name).string();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    config load(const std::string& text, const overrides& sets = {},
                std::vector<std::string> env = {}) {
        std::vector<char*> envp;
        for (std::string& e : env) {
            envp.push_back(e.data());
        }
        envp.push_back(nullptr);
        return load_config(write(text), sets, envp.data());
    }

    // The error message of loading `text`, or "" (and a failure) when it loads.
    std::string error_of(const std::string& text, const overrides& sets = {},
                         std::vector<std::string> env = {}) {
        try {
            load(text, sets, std::move(env));
        } catch (const config_error& e) {
            return e.what();
        }
        ADD_FAILURE() << "loaded without error:\n" << text;
        return {};
    }

    std::string path() const { return (_dir / "emqd.conf").string(); }

private:
    std::filesystem::path _dir;
};

void expect_same(const config& a, const config& b) {
    EXPECT_EQ(a.node_name, b.node_name);
    EXPECT_EQ(a.data_dir, b.data_dir);
    EXPECT_EQ(a.shards, b.shards);
    EXPECT_EQ(a.shared_subscription_strategy, b.shared_subscription_strategy);
    EXPECT_EQ(a.max_mqueue_bytes_total, b.max_mqueue_bytes_total);
    EXPECT_EQ(a.max_delayed_messages, b.max_delayed_messages);
    EXPECT_EQ(a.max_delayed_bytes, b.max_delayed_bytes);
    EXPECT_EQ(a.log_level, b.log_level);
    EXPECT_EQ(a.tcp_listeners, b.tcp_listeners);
    EXPECT_EQ(a.storage.sync, b.storage.sync);
    EXPECT_EQ(a.storage.sync_interval, b.storage.sync_interval);
    EXPECT_EQ(a.storage.on_corruption, b.storage.on_corruption);
    EXPECT_EQ(a.storage.max_size, b.storage.max_size);
    const channel::channel_config& x = a.zone;
    const channel::channel_config& y = b.zone;
    EXPECT_EQ(x.max_packet_size, y.max_packet_size);
    EXPECT_EQ(x.max_clientid_len, y.max_clientid_len);
    EXPECT_EQ(x.max_topic_levels, y.max_topic_levels);
    EXPECT_EQ(x.max_qos_allowed, y.max_qos_allowed);
    EXPECT_EQ(x.max_topic_alias, y.max_topic_alias);
    EXPECT_EQ(x.retain_available, y.retain_available);
    EXPECT_EQ(x.wildcard_subscription, y.wildcard_subscription);
    EXPECT_EQ(x.max_subscriptions, y.max_subscriptions);
    EXPECT_EQ(x.response_information, y.response_information);
    EXPECT_EQ(x.mountpoint, y.mountpoint);
    EXPECT_EQ(x.redirect_to, y.redirect_to);
    EXPECT_EQ(x.redirect_permanent, y.redirect_permanent);
    EXPECT_EQ(x.shared_subscription, y.shared_subscription);
    EXPECT_EQ(x.idle_timeout, y.idle_timeout);
    EXPECT_EQ(x.keepalive_backoff, y.keepalive_backoff);
    EXPECT_EQ(x.server_keepalive, y.server_keepalive);
    EXPECT_EQ(x.session.max_inflight, y.session.max_inflight);
    EXPECT_EQ(x.session.max_mqueue_len, y.session.max_mqueue_len);
    EXPECT_EQ(x.session.max_mqueue_bytes, y.session.max_mqueue_bytes);
    EXPECT_EQ(x.session.mqueue_store_qos0, y.session.mqueue_store_qos0);
    EXPECT_EQ(x.session.retry_interval, y.session.retry_interval);
    EXPECT_EQ(x.session.max_awaiting_rel, y.session.max_awaiting_rel);
    EXPECT_EQ(x.session.await_rel_timeout, y.session.await_rel_timeout);
    EXPECT_EQ(x.session.session_expiry_interval, y.session.session_expiry_interval);
    EXPECT_EQ(x.session.upgrade_qos, y.session.upgrade_qos);
    EXPECT_EQ(a.conn_bytes_in, b.conn_bytes_in);
    EXPECT_EQ(a.conn_messages_in, b.conn_messages_in);
    const broker::overload_settings& o = a.overload;
    const broker::overload_settings& p = b.overload;
    EXPECT_EQ(o.enable, p.enable);
    EXPECT_EQ(o.backoff_new_conn, p.backoff_new_conn);
    EXPECT_EQ(o.mem_high_watermark_bytes, p.mem_high_watermark_bytes);
    EXPECT_EQ(o.mem_high_watermark_fraction, p.mem_high_watermark_fraction);
    EXPECT_EQ(o.loop_lag_high_watermark, p.loop_lag_high_watermark);
    EXPECT_EQ(o.cool_down, p.cool_down);
    EXPECT_EQ(x.enable_ban, y.enable_ban);
    EXPECT_EQ(x.enable_flapping_detect, y.enable_flapping_detect);
    EXPECT_EQ(a.access.bans, b.access.bans);
    EXPECT_EQ(a.access.flapping, b.access.flapping);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// --- defaults and etc/emqd.conf -------------------------------------------------------------

TEST_F(config_test, defaults_are_emqx_defaults) {
    const config c = load_config("", {}, nullptr);
    EXPECT_EQ(c.node_name, "emqd@127.0.0.1");
    EXPECT_EQ(c.data_dir, "data/");
    EXPECT_EQ(c.shards, 0u);
    EXPECT_EQ(c.log_level, "warning");
    ASSERT_EQ(c.tcp_listeners.size(), 1u);
    EXPECT_EQ(c.tcp_listeners[0], (listener_config{"external", "0.0.0.0", 1883, 1024000}));
    EXPECT_EQ(c.zone.max_packet_size, 1024u * 1024);
    EXPECT_EQ(c.zone.idle_timeout, 15s);
    EXPECT_EQ(c.zone.session.session_expiry_interval, 7200u);
    EXPECT_EQ(c.zone.session.max_mqueue_bytes, 64u << 20);
    EXPECT_EQ(c.max_mqueue_bytes_total, 1u << 30);
    EXPECT_EQ(c.max_delayed_bytes, 256u << 20);
    EXPECT_EQ(c.storage.sync, storage::sync_policy::always);
    EXPECT_EQ(c.storage.sync_interval, 1s);
    EXPECT_EQ(c.storage.on_corruption, storage::corruption_policy::quarantine);
    EXPECT_EQ(c.storage.max_size, 0u);
    // The built-in defaults are config{}'s plus the default listener.
    config plain;
    plain.tcp_listeners = c.tcp_listeners;
    expect_same(c, plain);
}

TEST_F(config_test, shipped_emqd_conf_loads_and_equals_defaults) {
    const config shipped = load_config(EMQD_DEFAULT_CONF, {}, nullptr);
    expect_same(shipped, load_config("", {}, nullptr));
}

TEST_F(config_test, shipped_emqd_conf_documents_every_key) {
    std::ifstream in(EMQD_DEFAULT_CONF);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    for (const char* key : {"node.name",
                            "node.data_dir",
                            "broker.shards",
                            "broker.redirect_to",
                            "broker.redirect_permanent",
                            "broker.shared_subscription_strategy",
                            "broker.max_mqueue_bytes_total",
                            "log.level",
                            "listener.tcp.external",
                            "listener.tcp.external.max_connections",
                            "listener.tcp.external.max_conn_rate",
                            "mqtt.max_packet_size",
                            "mqtt.max_clientid_len",
                            "mqtt.max_topic_levels",
                            "mqtt.max_qos_allowed",
                            "mqtt.max_topic_alias",
                            "mqtt.retain_available",
                            "mqtt.wildcard_subscription",
                            "mqtt.max_subscriptions",
                            "mqtt.response_information",
                            "mqtt.shared_subscription",
                            "mqtt.delayed.max_delayed_messages",
                            "mqtt.delayed.max_delayed_bytes",
                            "zone.external.idle_timeout",
                            "zone.external.keepalive_backoff",
                            "zone.external.server_keepalive",
                            "zone.external.max_inflight",
                            "zone.external.max_mqueue_len",
                            "zone.external.max_mqueue_bytes",
                            "zone.external.mqueue_store_qos0",
                            "zone.external.retry_interval",
                            "zone.external.max_awaiting_rel",
                            "zone.external.await_rel_timeout",
                            "zone.external.session_expiry_interval",
                            "zone.external.upgrade_qos",
                            "zone.external.mountpoint",
                            "zone.external.rate_limit.conn_bytes_in",
                            "zone.external.rate_limit.conn_messages_in",
                            "zone.external.enable_ban",
                            "zone.external.enable_flapping_detect",
                            "flapping_detect_policy"}) {
        EXPECT_PRED2(contains, text, "\n" + std::string(key) + " = ") << key;
    }
    EXPECT_PRED2(contains, text, "\n##   listener.tcp.external.access.1 = ");  // an example
    EXPECT_PRED2(contains, text, "## Value:");
    EXPECT_PRED2(contains, text, "## Default:");
}

// --- overload_protection.* ------------------------------------------------------------------

TEST_F(config_test, overload_protection_defaults_and_shipped_documentation) {
    const config c = load_config("", {}, nullptr);
    EXPECT_TRUE(c.overload.enable);
    EXPECT_TRUE(c.overload.backoff_new_conn);
    EXPECT_EQ(c.overload.mem_high_watermark_bytes, 0u);
    EXPECT_DOUBLE_EQ(c.overload.mem_high_watermark_fraction, 0.8);
    EXPECT_EQ(c.overload.loop_lag_high_watermark, 500ms);
    EXPECT_EQ(c.overload.cool_down, 5s);
    std::ifstream in(EMQD_DEFAULT_CONF);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    for (const char* key :
         {"overload_protection.enable", "overload_protection.backoff_new_conn",
          "overload_protection.mem_high_watermark", "overload_protection.loop_lag_high_watermark",
          "overload_protection.cool_down"}) {
        EXPECT_PRED2(contains, text, "\n" + std::string(key) + " = ") << key;
    }
}

TEST_F(config_test, overload_protection_keys) {
    const config c = load(
        "overload_protection.enable = off\n"
        "overload_protection.backoff_new_conn = false\n"
        "overload_protection.mem_high_watermark = 2GB\n"
        "overload_protection.loop_lag_high_watermark = 1s\n"
        "overload_protection.cool_down = 1m\n");
    EXPECT_FALSE(c.overload.enable);
    EXPECT_FALSE(c.overload.backoff_new_conn);
    EXPECT_EQ(c.overload.mem_high_watermark_bytes, 2ull << 30);
    EXPECT_EQ(c.overload.mem_high_watermark_fraction, 0.0);  // bytes win
    EXPECT_EQ(c.overload.loop_lag_high_watermark, 1s);
    EXPECT_EQ(c.overload.cool_down, 1min);

    const config pct = load(
        "overload_protection.mem_high_watermark = 2GB\n"
        "overload_protection.mem_high_watermark = 65%\n");
    EXPECT_EQ(pct.overload.mem_high_watermark_bytes, 0u);  // the later line replaces both
    EXPECT_DOUBLE_EQ(pct.overload.mem_high_watermark_fraction, 0.65);

    const config off = load(
        "overload_protection.mem_high_watermark = 0\n"
        "overload_protection.loop_lag_high_watermark = 0\n");
    EXPECT_EQ(off.overload.mem_high_watermark_bytes, 0u);
    EXPECT_EQ(off.overload.mem_high_watermark_fraction, 0.0);
    EXPECT_EQ(off.overload.loop_lag_high_watermark, 0ms);
}

TEST_F(config_test, overload_protection_bad_values) {
    struct case_ {
        const char* line;
        const char* key;
        const char* why;
    };
    for (const case_& c : std::initializer_list<case_>{
             {"overload_protection.enable = 1", "overload_protection.enable", "expected a boolean"},
             {"overload_protection.mem_high_watermark = 0%",
              "overload_protection.mem_high_watermark", "expected a percentage from 1% to 100%"},
             {"overload_protection.mem_high_watermark = 101%",
              "overload_protection.mem_high_watermark", "expected a percentage"},
             {"overload_protection.mem_high_watermark = lots",
              "overload_protection.mem_high_watermark", "or a percentage like 80%"},
             {"overload_protection.loop_lag_high_watermark = fast",
              "overload_protection.loop_lag_high_watermark", "expected a duration"},
             {"overload_protection.cool_down = 30d", "overload_protection.cool_down",
              "out of range"},
         }) {
        const std::string msg = error_of("# first line\n\n" + std::string(c.line) + "\n");
        EXPECT_PRED2(contains, msg, path() + ":3: " + c.key + ": ") << c.line;
        EXPECT_PRED2(contains, msg, c.why) << c.line << ": " << msg;
    }
}

// --- file format ------------------------------------------------------------------------------

TEST_F(config_test, comments_blank_lines_spacing_quotes) {
    const config c = load(
        "## section\n"
        "# a comment\n"
        "\n"
        "   \t\n"
        "node.name=a@b\n"
        "  log.level   =   info   # trailing comment\n"
        "node.data_dir = \"/var/lib/emqd # not a comment\"  # but this is\r\n"
        "mqtt.max_qos_allowed = 1");  // no final newline
    EXPECT_EQ(c.node_name, "a@b");
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.data_dir, "/var/lib/emqd # not a comment");
    EXPECT_EQ(c.zone.max_qos_allowed, 1);
}

TEST_F(config_test, later_duplicate_key_wins) {
    const config c = load("log.level = info\nlog.level = error\n");
    EXPECT_EQ(c.log_level, "error");
}

TEST_F(config_test, empty_file_gives_defaults) {
    expect_same(load(""), load_config("", {}, nullptr));
}

// --- every key --------------------------------------------------------------------------------

TEST_F(config_test, every_key_is_applied) {
    const config c = load(
        "node.name = emqd@10.0.0.1\n"
        "node.data_dir = /var/lib/emqd\n"
        "broker.shards = 4\n"
        "broker.redirect_to = [::1]:1884\n"
        "broker.redirect_permanent = on\n"
        "broker.shared_subscription_strategy = hash_topic\n"
        "broker.max_mqueue_bytes_total = 2GB\n"
        "log.level = debug\n"
        "storage.sync_policy = interval\n"
        "storage.sync_interval = 20ms\n"
        "storage.on_corruption = stop\n"
        "storage.max_size = 1GB\n"
        "mqtt.max_packet_size = 64KB\n"
        "mqtt.max_clientid_len = 23\n"
        "mqtt.max_topic_levels = 0\n"
        "mqtt.max_qos_allowed = 1\n"
        "mqtt.max_topic_alias = 10\n"
        "mqtt.retain_available = off\n"
        "mqtt.wildcard_subscription = false\n"
        "mqtt.max_subscriptions = 10\n"
        "mqtt.response_information = replies/%c/\n"
        "mqtt.shared_subscription = false\n"
        "mqtt.delayed.max_delayed_messages = 0\n"
        "mqtt.delayed.max_delayed_bytes = 10MB\n"
        "zone.external.idle_timeout = 100ms\n"
        "zone.external.keepalive_backoff = 1.5\n"
        "zone.external.server_keepalive = 1m\n"
        "zone.external.max_inflight = 0\n"
        "zone.external.max_mqueue_len = 5\n"
        "zone.external.max_mqueue_bytes = 64KB\n"
        "zone.external.mqueue_store_qos0 = off\n"
        "zone.external.retry_interval = 10\n"
        "zone.external.max_awaiting_rel = 7\n"
        "zone.external.await_rel_timeout = 1h30m\n"
        "zone.external.session_expiry_interval = 5d\n"
        "zone.external.upgrade_qos = on\n"
        "zone.external.mountpoint = devices/%c/\n"
        "zone.external.rate_limit.conn_bytes_in = 100KB,10s\n"
        "zone.external.rate_limit.conn_messages_in = 100,1m\n"
        "zone.external.enable_ban = off\n"
        "zone.external.enable_flapping_detect = on\n"
        "flapping_detect_policy = 3,10s , 1h\n");
    EXPECT_EQ(c.node_name, "emqd@10.0.0.1");
    EXPECT_EQ(c.data_dir, "/var/lib/emqd");
    EXPECT_EQ(c.shards, 4u);
    EXPECT_EQ(c.zone.redirect_to, "[::1]:1884");
    EXPECT_TRUE(c.zone.redirect_permanent);
    EXPECT_EQ(c.shared_subscription_strategy, router::shared_strategy::hash_topic);
    EXPECT_EQ(c.max_mqueue_bytes_total, 2u << 30);
    EXPECT_EQ(c.max_delayed_messages, 0u);
    EXPECT_EQ(c.max_delayed_bytes, 10u << 20);
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.storage.sync, storage::sync_policy::interval);
    EXPECT_EQ(c.storage.sync_interval, 20ms);
    EXPECT_EQ(c.storage.on_corruption, storage::corruption_policy::stop);
    EXPECT_EQ(c.storage.max_size, 1u << 30);
    EXPECT_EQ(c.zone.max_packet_size, 65536u);
    EXPECT_EQ(c.zone.max_clientid_len, 23u);
    EXPECT_EQ(c.zone.max_topic_levels, 0u);
    EXPECT_EQ(c.zone.max_qos_allowed, 1);
    EXPECT_EQ(c.zone.max_topic_alias, 10);
    EXPECT_FALSE(c.zone.retain_available);
    EXPECT_FALSE(c.zone.wildcard_subscription);
    EXPECT_EQ(c.zone.max_subscriptions, 10u);
    EXPECT_EQ(c.zone.response_information, "replies/%c/");
    EXPECT_FALSE(c.zone.shared_subscription);
    EXPECT_EQ(c.zone.idle_timeout, 100ms);
    EXPECT_DOUBLE_EQ(c.zone.keepalive_backoff, 1.5);
    EXPECT_EQ(c.zone.server_keepalive, 60);
    EXPECT_EQ(c.zone.session.max_inflight, 0);
    EXPECT_EQ(c.zone.session.max_mqueue_len, 5u);
    EXPECT_EQ(c.zone.session.max_mqueue_bytes, 65536u);
    EXPECT_FALSE(c.zone.session.mqueue_store_qos0);
    EXPECT_EQ(c.zone.session.retry_interval, 10s);
    EXPECT_EQ(c.zone.session.max_awaiting_rel, 7u);
    EXPECT_EQ(c.zone.session.await_rel_timeout, 90min);
    EXPECT_EQ(c.zone.session.session_expiry_interval, 5u * 86400);
    EXPECT_TRUE(c.zone.session.upgrade_qos);
    EXPECT_EQ(c.zone.mountpoint, "devices/%c/");
    EXPECT_EQ(c.conn_bytes_in, (transport::rate_limit{100 * 1024, 10s}));
    EXPECT_EQ(c.conn_messages_in, (transport::rate_limit{100, 60s}));
    EXPECT_FALSE(c.zone.enable_ban);
    EXPECT_TRUE(c.zone.enable_flapping_detect);
    EXPECT_EQ(c.access.flapping, (auth::flapping_policy{3, 10s, 1h}));
}

TEST_F(config_test, rate_limits_off_by_default_and_by_off) {
    EXPECT_FALSE(load("").conn_bytes_in.enabled());
    EXPECT_FALSE(load("").conn_messages_in.enabled());
    const config c = load("zone.external.rate_limit.conn_bytes_in = 1MB,1s\n",
                          {"zone.external.rate_limit.conn_bytes_in=off"});
    EXPECT_FALSE(c.conn_bytes_in.enabled());
    EXPECT_EQ(load("zone.external.rate_limit.conn_messages_in = 5,500ms").conn_messages_in,
              (transport::rate_limit{5, 500ms}));
}

TEST_F(config_test, shared_subscription_strategies) {
    using router::shared_strategy;
    EXPECT_EQ(load("").shared_subscription_strategy, shared_strategy::random);  // EMQ X 4
    EXPECT_TRUE(load("").zone.shared_subscription);
    const std::pair<const char*, shared_strategy> cases[] = {
        {"random", shared_strategy::random},
        {"round_robin", shared_strategy::round_robin},
        {"sticky", shared_strategy::sticky},
        {"hash_clientid", shared_strategy::hash_clientid},
        {"hash_topic", shared_strategy::hash_topic}};
    for (const auto& [name, want] : cases)
        EXPECT_EQ(load(std::string("broker.shared_subscription_strategy = ") + name)
                      .shared_subscription_strategy,
                  want)
            << name;
    EXPECT_EQ(error_of("broker.shared_subscription_strategy = hash\n"),
              path() +
                  ":1: broker.shared_subscription_strategy: invalid value \"hash\": expected one "
                  "of random, round_robin, sticky, hash_clientid, hash_topic");
    EXPECT_PRED2(contains, error_of("mqtt.shared_subscription = yes\n"),
                 ":1: mqtt.shared_subscription: ");
}

TEST_F(config_test, banned_entries) {
    const config c = load(
        "banned.2 = username  eve\n"
        "banned.1 = clientid bad-device 1h\n"
        "banned.10 = peerhost 10.0.0.0/8 30m\n"
        "banned.3 = peerhost ::1\n"
        "banned.2 = username mallory\n");  // the same entry again: replaced
    using auth::ban_kind;
    const std::vector<auth::static_ban> want{
        {ban_kind::clientid, "bad-device", 1h},
        {ban_kind::username, "mallory", std::nullopt},
        {ban_kind::peerhost, "::1", std::nullopt},
        {ban_kind::peerhost, "10.0.0.0/8", 30min},
    };
    EXPECT_EQ(c.access.bans, want);  // in N order, numerically
    EXPECT_TRUE(load("").access.bans.empty());
}

TEST_F(config_test, range_limits) {
    EXPECT_EQ(load("mqtt.max_packet_size = 268435455").zone.max_packet_size, 268435455u);
    EXPECT_EQ(load("zone.external.session_expiry_interval = 4294967295")
                  .zone.session.session_expiry_interval,
              4294967295u);
    EXPECT_EQ(load("zone.external.max_inflight = 65535").zone.session.max_inflight, 65535);
    EXPECT_EQ(load("zone.external.server_keepalive = 65535").zone.server_keepalive, 65535);
}

// --- errors: origin, key, what is wrong -------------------------------------------------------

TEST_F(config_test, bad_values_name_file_line_key_and_expectation) {
    struct case_ {
        const char* line;
        const char* key;
        const char* why;
    };
    for (const case_& c : std::initializer_list<case_>{
             {"node.name = emqd", "node.name", "expected name@host"},
             {"node.data_dir = \"\"", "node.data_dir", "non-empty"},
             {"broker.shards = -1", "broker.shards", "expected an integer in 0..1024"},
             {"broker.shards = 5000", "broker.shards", "out of range: 5000"},
             {"log.level = verbose", "log.level", "expected one of debug, info"},
             {"storage.sync_policy = never", "storage.sync_policy",
              "expected one of always, interval"},
             {"storage.sync_interval = 0", "storage.sync_interval", "must be above 0"},
             {"storage.sync_interval = soon", "storage.sync_interval", "expected a duration"},
             {"storage.on_corruption = ignore", "storage.on_corruption",
              "expected one of quarantine, stop"},
             {"storage.max_size = lots", "storage.max_size", "expected a size"},
             {"broker.redirect_to = other", "broker.redirect_to", "expected host:port"},
             {"broker.redirect_to = :1883", "broker.redirect_to", "expected host:port"},
             {"broker.redirect_to = host:0", "broker.redirect_to", "expected host:port"},
             {"broker.redirect_permanent = 2", "broker.redirect_permanent", "expected a boolean"},
             {"mqtt.max_subscriptions = -1", "mqtt.max_subscriptions", "expected an integer"},
             {"zone.external.mountpoint = a/+/", "zone.external.mountpoint", "without wildcards"},
             {"zone.external.mountpoint = $share/g/", "zone.external.mountpoint",
              "without wildcards"},
             {"mqtt.max_packet_size = big", "mqtt.max_packet_size", "expected a size like 1MB"},
             {"mqtt.max_packet_size = 256MB", "mqtt.max_packet_size", "out of range: 256MB"},
             {"mqtt.max_packet_size = 0", "mqtt.max_packet_size", "out of range"},
             {"mqtt.max_clientid_len = 22", "mqtt.max_clientid_len", "out of range: 22"},
             {"mqtt.max_topic_levels = x", "mqtt.max_topic_levels", "expected an integer"},
             {"mqtt.max_qos_allowed = 3", "mqtt.max_qos_allowed",
              "out of range: 3 (expected 0..2)"},
             {"mqtt.max_topic_alias = 65536", "mqtt.max_topic_alias", "out of range"},
             {"mqtt.retain_available = yes", "mqtt.retain_available", "expected a boolean"},
             {"mqtt.wildcard_subscription = 1", "mqtt.wildcard_subscription", "expected a boolean"},
             {"zone.external.idle_timeout = 15x", "zone.external.idle_timeout",
              "expected a duration like 30s"},
             {"zone.external.idle_timeout = 30d", "zone.external.idle_timeout", "out of range"},
             {"zone.external.keepalive_backoff = 0", "zone.external.keepalive_backoff",
              "greater than 0"},
             {"zone.external.keepalive_backoff = abc", "zone.external.keepalive_backoff",
              "expected a decimal number"},
             {"zone.external.server_keepalive = 1500ms", "zone.external.server_keepalive",
              "whole seconds"},
             {"zone.external.server_keepalive = 65536", "zone.external.server_keepalive",
              "out of range"},
             {"zone.external.max_inflight = 65536", "zone.external.max_inflight",
              "out of range: 65536 (expected 0..65535)"},
             {"zone.external.max_mqueue_len = 4294967296", "zone.external.max_mqueue_len",
              "out of range"},
             {"zone.external.mqueue_store_qos0 = maybe", "zone.external.mqueue_store_qos0",
              "expected a boolean"},
             {"zone.external.retry_interval = -1", "zone.external.retry_interval",
              "expected a duration"},
             {"zone.external.max_awaiting_rel = 1e3", "zone.external.max_awaiting_rel",
              "expected an integer"},
             {"zone.external.await_rel_timeout = 5 m", "zone.external.await_rel_timeout",
              "expected a duration"},
             {"zone.external.session_expiry_interval = 4294967296",
              "zone.external.session_expiry_interval", "out of range"},
             {"zone.external.upgrade_qos = 2", "zone.external.upgrade_qos", "expected a boolean"},
             {"listener.tcp.external = localhost:1883", "listener.tcp.external",
              "not an IPv4 address"},
             {"listener.tcp.external = 70000", "listener.tcp.external", "out of range: port"},
             {"listener.tcp.external.max_connections = 0", "listener.tcp.external.max_connections",
              "out of range"},
             {"listener.tcp.external.max_conn_rate = -5", "listener.tcp.external.max_conn_rate",
              "expected an integer"},
             {"listener.tcp.external.max_conn_rate = 1000001",
              "listener.tcp.external.max_conn_rate", "out of range"},
             {"listener.tcp.external.access.1 = deny", "listener.tcp.external.access.1",
              "invalid value \"deny\": expected \"allow|deny <cidr>|all\""},
             {"listener.tcp.external.access.1 = reject all", "listener.tcp.external.access.1",
              "expected \"allow|deny <cidr>|all\""},
             {"listener.tcp.external.access.2 = allow 10.0.0.0/33",
              "listener.tcp.external.access.2", "bad prefix length \"/33\" (expected 0..32)"},
             {"listener.tcp.external.access.3 = deny ::1/129", "listener.tcp.external.access.3",
              "expected 0..128"},
             {"listener.tcp.external.access.4 = deny localhost", "listener.tcp.external.access.4",
              "\"localhost\" is not an IPv4 or IPv6 address"},
             {"listener.tcp.external.access.x = deny all", "listener.tcp.external.access.x",
              "access rule number \"x\" must be an integer"},
             {"zone.external.rate_limit.conn_bytes_in = 100KB",
              "zone.external.rate_limit.conn_bytes_in",
              "invalid value \"100KB\": expected <size>,<duration> like 100KB,10s, or off"},
             {"zone.external.rate_limit.conn_bytes_in = 100XB,10s",
              "zone.external.rate_limit.conn_bytes_in", "expected a size like 1MB"},
             {"zone.external.rate_limit.conn_bytes_in = 0,10s",
              "zone.external.rate_limit.conn_bytes_in", "out of range"},
             {"zone.external.rate_limit.conn_bytes_in = 1KB,0s",
              "zone.external.rate_limit.conn_bytes_in", "the period must be longer than 0"},
             {"zone.external.rate_limit.conn_messages_in = 100",
              "zone.external.rate_limit.conn_messages_in",
              "expected <count>,<duration> like 100,10s, or off"},
             {"zone.external.rate_limit.conn_messages_in = 10KB,1s",
              "zone.external.rate_limit.conn_messages_in", "expected an integer"},
             {"zone.external.rate_limit.conn_messages_in = 10,soon",
              "zone.external.rate_limit.conn_messages_in", "expected a duration"},
             {"broker.max_mqueue_bytes_total = lots", "broker.max_mqueue_bytes_total",
              "expected a size like 1MB"},
             {"mqtt.delayed.max_delayed_bytes = many", "mqtt.delayed.max_delayed_bytes",
              "expected a size like 1MB"},
             {"zone.external.max_mqueue_bytes = -1", "zone.external.max_mqueue_bytes",
              "expected a size like 1MB"},
             {"zone.external.max_mqueue_bytes = 2000000GB", "zone.external.max_mqueue_bytes",
              "out of range"},
             {"zone.external.enable_ban = no", "zone.external.enable_ban", "expected a boolean"},
             {"zone.external.enable_flapping_detect = 1", "zone.external.enable_flapping_detect",
              "expected a boolean"},
             {"flapping_detect_policy = 30, 1m", "flapping_detect_policy",
              "expected <max_count>, <window>, <ban_time>"},
             {"flapping_detect_policy = 0, 1m, 5m", "flapping_detect_policy", "out of range: 0"},
             {"flapping_detect_policy = 30, 0s, 5m", "flapping_detect_policy", "greater than 0"},
             {"flapping_detect_policy = 30, 1m, forever", "flapping_detect_policy",
              "expected a duration"},
             {"banned.1 = clientid", "banned.1", "expected <clientid|username|peerhost> <value>"},
             {"banned.1 = ip 10.0.0.1", "banned.1", "expected one of clientid, username, peerhost"},
             {"banned.1 = peerhost example.com", "banned.1",
              "invalid peerhost: \"example.com\" is not an IPv4 or IPv6 address; expected an "
              "IP address or CIDR block like 10.0.0.0/8"},
             {"banned.1 = peerhost 10.0.0.0/33", "banned.1",
              "invalid peerhost: bad prefix length \"/33\" (expected 0..32)"},
             {"banned.1 = clientid x 1y", "banned.1", "expected a duration"},
             {"banned.1 = clientid x 0s", "banned.1", "greater than 0"},
             {"banned.1 = clientid x 1h extra", "banned.1", "expected <clientid|username"},
             {"banned.first = clientid x", "banned.first", "not an entry number"},
         }) {
        const std::string msg = error_of("# first line\n\n" + std::string(c.line) + "\n");
        EXPECT_PRED2(contains, msg, path() + ":3: " + c.key + ": ") << c.line;
        EXPECT_PRED2(contains, msg, c.why) << c.line;
    }
}

TEST_F(config_test, exact_error_format) {
    EXPECT_EQ(error_of("mqtt.max_qos_allowed = 3\n"),
              path() + ":1: mqtt.max_qos_allowed: out of range: 3 (expected 0..2)");
    EXPECT_EQ(error_of("\nmqtt.max_packet_size = 1XB\n"),
              path() +
                  ":2: mqtt.max_packet_size: invalid value \"1XB\": expected a size like "
                  "1MB, 64KB or 512B (a plain number is bytes)");
}

TEST_F(config_test, first_error_in_source_order_stops_loading) {
    const std::string msg = error_of("log.level = bad\nmqtt.max_qos_allowed = 9\n");
    EXPECT_PRED2(contains, msg, ":1: log.level:");
}

TEST_F(config_test, unknown_key_suggests_closest) {
    EXPECT_EQ(
        error_of("log.level = info\nmqtt.max_packet_sise = 1MB\n"),
        path() + ":2: mqtt.max_packet_sise: unknown key (did you mean mqtt.max_packet_size?)");
    EXPECT_PRED2(contains, error_of("zone.external.max_inflights = 1"),
                 "did you mean zone.external.max_inflight?");
    EXPECT_PRED2(contains, error_of("zone.internal.max_inflight = 1"),
                 "did you mean zone.external.max_inflight?");
    EXPECT_PRED2(contains, error_of("listener.tcp.internal.max_connection = 1"),
                 "did you mean listener.tcp.internal.max_connections?");
}

TEST_F(config_test, unknown_key_far_from_everything_has_no_suggestion) {
    const std::string msg = error_of("cluster.discovery = manual\n");
    EXPECT_EQ(msg, path() + ":1: cluster.discovery: unknown key");
}

TEST_F(config_test, syntax_errors) {
    EXPECT_EQ(error_of("log.level = info\nlog.level info\n"),
              path() + ":2: log.level info: syntax error: expected 'key = value'");
    EXPECT_PRED2(contains, error_of("= 5\n"), path() + ":1: = 5: syntax error");
    EXPECT_PRED2(contains, error_of("my key = 5\n"), path() + ":1: my key: syntax error");
    EXPECT_PRED2(contains, error_of("node.name = \"a@b\n"), path() + ":1: node.name: syntax error");
    EXPECT_PRED2(contains, error_of("node.name = \"a@b\" x\n"),
                 path() + ":1: node.name: syntax error");
}

TEST_F(config_test, missing_file) {
    try {
        load_config(path() + ".missing", {}, nullptr);
        FAIL();
    } catch (const config_error& e) {
        EXPECT_PRED2(contains, e.what(), path() + ".missing: cannot open");
    }
}

// --- sources: file < --set < env --------------------------------------------------------------

TEST_F(config_test, set_overrides_file_and_env_overrides_set) {
    const std::string file = "log.level = info\nmqtt.max_qos_allowed = 1\nbroker.shards = 2\n";
    EXPECT_EQ(load(file).log_level, "info");
    EXPECT_EQ(load(file, {"log.level=error"}).log_level, "error");
    EXPECT_EQ(load(file, {"log.level=error", "log.level = debug"}).log_level, "debug");
    const config c = load(file, {"log.level=error", "broker.shards=3"},
                          {"EMQD_LOG__LEVEL=critical", "PATH=/bin"});
    EXPECT_EQ(c.log_level, "critical");
    EXPECT_EQ(c.shards, 3u);
    EXPECT_EQ(c.zone.max_qos_allowed, 1);
}

TEST_F(config_test, set_without_file) {
    const config c = load_config("", {"log.level=info"}, nullptr);
    EXPECT_EQ(c.log_level, "info");
}

TEST_F(config_test, env_names_map_to_keys) {
    const config c = load("", {},
                          {"EMQD_ZONE__EXTERNAL__MAX_INFLIGHT=64", "EMQD_Mqtt__Max_Packet_Size=2MB",
                           "EMQD_LISTENER__TCP__EXTERNAL=127.0.0.1:1884", "EMQD_BIN=/usr/bin/emqd",
                           "EMQD_HOME=/opt", "OTHER__X=1"});
    EXPECT_EQ(c.zone.session.max_inflight, 64);
    EXPECT_EQ(c.zone.max_packet_size, 2u << 20);
    ASSERT_EQ(c.tcp_listeners.size(), 1u);
    EXPECT_EQ(c.tcp_listeners[0].address, "127.0.0.1");
    EXPECT_EQ(c.tcp_listeners[0].port, 1884);
}

TEST_F(config_test, set_errors_name_the_argument) {
    EXPECT_EQ(error_of("", {"log.level=info", "mqtt.max_qos_allowed=5"}),
              "--set:2: mqtt.max_qos_allowed: out of range: 5 (expected 0..2)");
    EXPECT_EQ(error_of("", {"log.levle=info"}),
              "--set:1: log.levle: unknown key (did you mean log.level?)");
    EXPECT_PRED2(contains, error_of("", {"log.level"}), "--set:1: log.level: syntax error");
    EXPECT_PRED2(contains, error_of("", {"=info"}), "--set:1: =info: syntax error");
}

TEST_F(config_test, env_errors_name_the_variable) {
    EXPECT_EQ(error_of("", {}, {"EMQD_ZONE__EXTERNAL__MAX_INFLIGHT=lots"}),
              "EMQD_ZONE__EXTERNAL__MAX_INFLIGHT: zone.external.max_inflight: invalid value "
              "\"lots\": expected an integer in 0..65535");
    EXPECT_EQ(error_of("", {}, {"EMQD_ZONE__EXTERNAL__MAX_INFLIHGT=1"}),
              "EMQD_ZONE__EXTERNAL__MAX_INFLIHGT: zone.external.max_inflihgt: unknown key (did "
              "you mean zone.external.max_inflight?)");
}

// --- listeners --------------------------------------------------------------------------------

TEST_F(config_test, listeners_forms_order_and_max_connections) {
    const config c = load(
        "listener.tcp.internal.max_connections = 10\n"
        "listener.tcp.external = 1884\n"
        "listener.tcp.internal = 127.0.0.1:11883\n"
        "listener.tcp.v6 = [::1]:1885\n"
        "listener.tcp.any6 = [::]:1883\n");
    ASSERT_EQ(c.tcp_listeners.size(), 4u);
    EXPECT_EQ(c.tcp_listeners[0], (listener_config{"external", "0.0.0.0", 1884, 1024000}));
    EXPECT_EQ(c.tcp_listeners[1], (listener_config{"internal", "127.0.0.1", 11883, 10}));
    EXPECT_EQ(c.tcp_listeners[2], (listener_config{"v6", "::1", 1885, 1024000}));
    EXPECT_EQ(c.tcp_listeners[3], (listener_config{"any6", "::", 1883, 1024000}));
}

TEST_F(config_test, listener_off_removes_and_later_address_restores) {
    EXPECT_TRUE(load("listener.tcp.external = off\n").tcp_listeners.empty());
    const config c = load("listener.tcp.external = off\n", {}, {"EMQD_LISTENER__TCP__EXTERNAL=0"});
    ASSERT_EQ(c.tcp_listeners.size(), 1u);
    EXPECT_EQ(c.tcp_listeners[0].port, 0);
    // max_connections of a listener that is off is accepted and ignored.
    EXPECT_TRUE(load("listener.tcp.external = off\nlistener.tcp.external.max_connections = 5\n")
                    .tcp_listeners.empty());
}

TEST_F(config_test, duplicate_listener_address) {
    EXPECT_EQ(error_of("listener.tcp.a = 127.0.0.1:2000\n"
                       "listener.tcp.b = 127.0.0.1:2000\n"),
              path() +
                  ":2: listener.tcp.b: duplicate listener address 127.0.0.1:2000 (also "
                  "listener.tcp.a)");
    EXPECT_PRED2(contains, error_of("listener.tcp.internal = 1883\n"),
                 ":1: listener.tcp.internal: duplicate");
    EXPECT_PRED2(
        contains,
        error_of("", {}, {"EMQD_LISTENER__TCP__B=[::1]:7", "EMQD_LISTENER__TCP__A=[::1]:7"}),
        "EMQD_LISTENER__TCP__A: listener.tcp.a: duplicate listener address ::1:7");
    // Same port on different addresses, and several port-0 listeners, are fine.
    EXPECT_EQ(load("listener.tcp.b = 127.0.0.1:1883\nlistener.tcp.c = 0\nlistener.tcp.d = 0\n")
                  .tcp_listeners.size(),
              4u);
}

TEST_F(config_test, max_connections_without_address) {
    EXPECT_EQ(error_of("listener.tcp.extra.max_connections = 5\n"),
              path() +
                  ":1: listener.tcp.extra.max_connections: listener.tcp.extra has no "
                  "address (set listener.tcp.extra = PORT)");
}

TEST_F(config_test, max_conn_rate_and_access_rules) {
    const config c = load(
        "listener.tcp.external.max_conn_rate = 500\n"
        "listener.tcp.external.access.10 = deny all\n"
        "listener.tcp.external.access.2 = allow 10.0.0.0/8\n"
        "listener.tcp.external.access.1 = deny 10.1.2.3\n"
        "listener.tcp.external.access.3 = allow 2001:db8::/32\n"
        "listener.tcp.external.access.3 = allow ::1\n");  // the same N again: replaces
    ASSERT_EQ(c.tcp_listeners.size(), 1u);
    const listener_config& l = c.tcp_listeners[0];
    EXPECT_EQ(l.max_conn_rate, 500u);
    std::vector<std::string> rules;
    for (const auto& r : l.access)
        rules.push_back(r.to_string());
    // Numeric order of N (10 after 3), not the order of the lines.
    EXPECT_EQ(rules, (std::vector<std::string>{"deny 10.1.2.3/32", "allow 10.0.0.0/8",
                                               "allow ::1/128", "deny all"}));
    EXPECT_EQ(load("").tcp_listeners[0].max_conn_rate, 0u);
    EXPECT_TRUE(load("").tcp_listeners[0].access.empty());
}

TEST_F(config_test, access_rule_without_address) {
    EXPECT_EQ(error_of("log.level = info\nlistener.tcp.extra.access.1 = deny all\n"),
              path() +
                  ":2: listener.tcp.extra.access.1: listener.tcp.extra has no "
                  "address (set listener.tcp.extra = PORT)");
}

TEST_F(config_test, listener_name_must_be_a_word) {
    EXPECT_PRED2(contains, error_of("listener.tcp.a/b = 1883\n"), "listener.tcp.a/b: unknown key");
    EXPECT_PRED2(contains, error_of("listener.tcp.max_connections = 1000\n"),
                 ":1: listener.tcp.max_connections: \"max_connections\" is not a listener name");
    EXPECT_PRED2(contains, error_of("listener.tcp.max_conn_rate = 10\n"),
                 "\"max_conn_rate\" is not a listener name; did you mean "
                 "listener.tcp.external.max_conn_rate?");
}

}  // namespace
}  // namespace emqd::app
