// Group-commit throughput of the embedded store (src/storage), and the raw fsync rate of the
// disk under it. Not a Google Benchmark: what it measures is fsyncs and wall time, and a
// run needs a real directory on the disk the broker would use.
//
//     build/bench/micro/storage_bench [--threads N] [--window W] [--seconds S]
//                                     [--payload BYTES] [--policy always|interval|both]
//                                     [--acks none|late|early] [--dir DIR]
//
// Each of N threads plays a shard with publishers waiting for their acknowledgement: it
// puts W deliveries (BYTES of payload) for its own persistent session, flushes, waits until
// the commit thread reports them durable, and starts over. --acks adds the subscribers'
// acknowledgements (each erases a delivery record): `late` erases the previous round's
// deliveries with this round's puts (each put and its erase reach RocksDB: the worst case),
// `early` erases this round's deliveries before the flush (acknowledged before their batch
// was written: the commit thread leaves both out). Printed per policy: deliveries
// per second, batches and syncs per second, deliveries per batch. The fsync line is the
// disk's own limit: 100-byte writes each followed by fdatasync, one thread.

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace {

using namespace emqd;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct config {
    int threads = 4;
    int window = 1;
    double seconds = 3;
    std::size_t payload = 100;
    std::string policy = "both";
    std::string acks = "none";
    std::string dir;
};

struct shard {
    std::mutex mutex;
    std::condition_variable cv;
    std::uint64_t durable = 0;
    std::uint64_t done = 0;  // deliveries acknowledged
};

void run_policy(const config& cfg, storage::sync_policy policy, const fs::path& dir) {
    fs::remove_all(dir);
    storage::store_options o;
    o.dir = dir;
    o.sync = policy;
    auto store = storage::store::open(o, std::chrono::system_clock::now());
    std::vector<shard> shards(static_cast<std::size_t>(cfg.threads));
    std::vector<std::unique_ptr<storage::shard_writer>> writers;
    for (auto& sh : shards)
        writers.push_back(store->make_writer([&sh](std::uint64_t t) {
            std::lock_guard lock(sh.mutex);
            sh.durable = t;
            sh.cv.notify_one();
        }));
    store->start();

    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < shards.size(); ++i)
        threads.emplace_back([&, i] {
            auto& w = *writers[i];
            auto& sh = shards[i];
            const std::uint64_t store_id = i + 1;
            core::message m;
            m.topic = "bench/" + std::to_string(i);
            m.payload.assign(cfg.payload, 'x');
            m.qos = 1;
            m.received_at = core::message::clock::now();
            router::subscription_options opts;
            opts.qos = 1;
            std::uint64_t seq = 0;
            const auto window = static_cast<std::uint64_t>(cfg.window);
            auto erase_from = [&](std::uint64_t first) {
                for (std::uint64_t n = first; n < first + window; ++n)
                    w.erase_delivery(store_id, {static_cast<std::uint64_t>(i), n}, false);
            };
            while (!stop.load(std::memory_order_relaxed)) {
                for (int k = 0; k < cfg.window; ++k) {
                    m.id = {static_cast<std::uint64_t>(i), ++seq};
                    w.put_delivery(store_id, m, std::span(&opts, 1));
                }
                if (cfg.acks == "early")
                    erase_from(seq - window + 1);
                else if (cfg.acks == "late" && seq > window)
                    erase_from(seq - 2 * window + 1);
                w.flush();
                std::unique_lock lock(sh.mutex);
                sh.cv.wait(lock, [&] { return sh.durable >= w.ticket(); });
                sh.done += static_cast<std::uint64_t>(cfg.window);
            }
        });
    std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds));
    stop = true;
    for (auto& t : threads)
        t.join();
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    const auto st = store->stats();
    std::uint64_t done = 0;
    for (auto& sh : shards)
        done += sh.done;
    std::printf(
        "%-8s threads=%d window=%d payload=%zu acks=%s: %10.0f deliveries/s  %8.0f batches/s  "
        "%8.0f syncs/s  %6.1f ops/batch  %6.1f MB/s  %4.0f%% moot\n",
        policy == storage::sync_policy::always ? "always" : "interval", cfg.threads, cfg.window,
        cfg.payload, cfg.acks.c_str(), static_cast<double>(done) / elapsed,
        static_cast<double>(st.batches) / elapsed, static_cast<double>(st.syncs) / elapsed,
        st.batches ? static_cast<double>(st.operations) / static_cast<double>(st.batches) : 0.0,
        static_cast<double>(st.bytes) / elapsed / 1e6,
        100.0 * static_cast<double>(st.moot) /
            std::max(1.0, static_cast<double>(st.moot + st.operations)));
    writers.clear();
    store.reset();
    fs::remove_all(dir);
}

void raw_fsync(const fs::path& dir, double seconds) {
    const auto file = dir / "fsync-probe";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        std::perror("open");
        return;
    }
    const std::string block(100, 'x');
    std::uint64_t n = 0;
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    while (clock_type::now() < end) {
        if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) {
            std::perror("write/fdatasync");
            break;
        }
        ++n;
    }
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    ::close(fd);
    fs::remove(file);
    std::printf("fsync    100-byte write + fdatasync, 1 thread: %10.0f per second\n",
                static_cast<double>(n) / elapsed);
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: storage_bench [--threads N] [--window W] [--seconds S] [--payload "
                 "BYTES] [--policy always|interval|both] [--acks none|late|early] [--dir "
                 "DIR]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    config cfg;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char* v = argv[++i];
        if (a == "--threads")
            cfg.threads = std::atoi(v);
        else if (a == "--window")
            cfg.window = std::atoi(v);
        else if (a == "--seconds")
            cfg.seconds = std::atof(v);
        else if (a == "--payload")
            cfg.payload = static_cast<std::size_t>(std::atol(v));
        else if (a == "--policy")
            cfg.policy = v;
        else if (a == "--acks")
            cfg.acks = v;
        else if (a == "--dir")
            cfg.dir = v;
        else
            usage();
    }
    if (cfg.threads < 1 || cfg.window < 1 || cfg.seconds <= 0 ||
        (cfg.policy != "always" && cfg.policy != "interval" && cfg.policy != "both") ||
        (cfg.acks != "none" && cfg.acks != "late" && cfg.acks != "early"))
        usage();

    // The default is on the disk (/var/tmp), not a tmpfs /tmp.
    std::string base = cfg.dir.empty() ? "/var/tmp/emqd-storage-bench-XXXXXX" : cfg.dir;
    if (cfg.dir.empty() && !::mkdtemp(base.data())) {
        std::perror("mkdtemp");
        return 1;
    }
    fs::create_directories(base);
    const fs::path dir = fs::path(base) / "store";
    try {
        raw_fsync(base, 1.0);
        if (cfg.policy != "interval")
            run_policy(cfg, storage::sync_policy::always, dir);
        if (cfg.policy != "always")
            run_policy(cfg, storage::sync_policy::interval, dir);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "storage_bench: %s\n", e.what());
        return 1;
    }
    if (cfg.dir.empty())
        fs::remove_all(base);
    return 0;
}
