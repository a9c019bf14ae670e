"""The named scenarios of issue 4 and how each one is run.

A scenario says what emqd-bench does (its arguments, without the per-run ones: host, port,
--json, --broker-pid), how long, how many bench processes, and how both brokers are sized
for it (the per-session queue both get, and emqd's extra overrides). bench/run turns that
into command lines; nothing here starts a process.

Parameters follow the issue: 64-byte payloads, 10 s of measured load (after a warm-up
that --warmup excludes from rates and latency), closed loop = each publisher keeps at
most 100 messages in flight end to end. --quick keeps the shapes but shortens the load to
3 s and shrinks the two connection-heavy scenarios (a smoke run, not a measurement).
"""

from dataclasses import dataclass, field

PAYLOAD = 64
WINDOW = 100
# The seed's 2015 figure (emqttd 0.13 on 8 cores): 250K subscribers, 50K topics, 4K QoS 1
# msg/s in, about 20K out. 19,000 connections x 13 subscriptions keeps both the number of
# subscriptions (247K) and the fan-out per topic (about 5), so the same 4K/s in gives
# about 20K/s out.
SEED_RATE = 4000
SEED_TOPICS = 50000
SEED_SUBS_PER_CONN = 13
LATENCY_RATE = 10000
# emqd's inflight window for the QoS 1 scenarios: the closed-loop window, so a session
# never holds back what a publisher may send (mosquitto keeps its default of 20).
QOS1_INFLIGHT = 128


@dataclass
class scenario:
    name: str
    title: str
    about: str  # one paragraph for RESULTS.md and the README
    mode: str  # "run" or "conn"
    args: list  # emqd-bench arguments after the mode
    load_s: float  # measured seconds (run) or hold seconds (conn)
    warmup_s: float = 0
    processes: int = 1  # conn mode: bench processes, each with its own source address
    connections: int = 0  # total connections over all processes (conn mode / for timeouts)
    qos: int = 0
    queue_len: int = 1000  # per-session queue: mosquitto max_queued_messages, emqd max_mqueue_len
    emqd_sets: dict = field(default_factory=dict)
    persistent: bool = False  # both brokers store sessions (mosquitto: persistence true)

    def bench_duration(self):
        """--duration: the load including its warm-up (conn: the hold)."""
        return self.load_s + self.warmup_s


def _load(quick):
    return (3, 1) if quick else (10, 2)


def _qos1_sets():
    return {"zone.external.max_inflight": str(QOS1_INFLIGHT)}


def all_scenarios(quick=False):
    load, warm = _load(quick)
    common = ["-s", str(PAYLOAD)]
    fanin = ["--pubs", "16", "--subs", "1", "-t", "bench/fanin/%i", "--sub-topic", "bench/fanin/#",
             "-q", "0"] + common
    fanout = ["--pubs", "1", "--subs", "100", "-t", "bench/fanout", "-q", "0"] + common
    pairs = 20 if quick else 100
    pairwise = ["--pubs", str(pairs), "--subs", str(pairs), "-t", "bench/pair/%i", "--sub-topic",
                "bench/pair/%i", "-q", "1"] + common
    # fan-in: 16 x 100 messages may wait for the one subscriber; twice that as its queue
    fanin_queue = 2 * 16 * WINDOW
    idle_total, idle_procs = (2000, 2) if quick else (19000, 4)
    seed_subs, seed_pubs = (1000, 10) if quick else (19000, 100)
    seed_warm = 2 if quick else 5
    return [
        scenario("fanin-closed", "Fan-in QoS 0, closed loop",
                 "16 publishers -> 1 subscriber of `bench/fanin/#`, QoS 0; each publisher keeps at "
                 f"most {WINDOW} messages in flight end to end: the best lossless rate.",
                 "run", fanin + ["--window", str(WINDOW)], load, warm, queue_len=fanin_queue),
        scenario("fanin-open", "Fan-in QoS 0, open loop",
                 "The same 16 -> 1 with publishers sending as fast as TCP takes: overload "
                 "behaviour (memory must stay bounded, the subscriber keep its rate).",
                 "run", fanin, load, warm, queue_len=fanin_queue),
        scenario("fanout-closed", "Fan-out QoS 0, closed loop",
                 "1 publisher -> 100 subscribers of one topic, QoS 0, at most "
                 f"{WINDOW} messages in flight end to end.",
                 "run", fanout + ["--window", str(WINDOW)], load, warm),
        scenario("fanout-open", "Fan-out QoS 0, open loop",
                 "The same 1 -> 100 with the publisher sending as fast as TCP takes.",
                 "run", fanout, load, warm),
        scenario("pairwise-qos1", "Pairwise QoS 1, closed loop",
                 f"{pairs} publishers, each to its own subscriber (`bench/pair/<i>`), QoS 1 in "
                 f"and out, at most {WINDOW} messages in flight per publisher.",
                 "run", pairwise + ["--window", str(WINDOW)], load, warm, qos=1,
                 emqd_sets=_qos1_sets()),
        *[scenario(f"persistent-qos1-{policy}",
                   f"Pairwise QoS 1 to persistent sessions, storage.sync_policy = {policy}",
                   f"The pairwise shape with persistent sessions (clean session false): emqd "
                   f"stores every message before its PUBACK, {how}. mosquitto runs with "
                   "`persistence true` (it saves a snapshot every 30 minutes and at exit; "
                   "its PUBACK does not wait for the disk).",
                   "run", pairwise + ["--window", str(WINDOW), "-C", "false"], load, warm, qos=1,
                   emqd_sets={**_qos1_sets(), "storage.sync_policy": policy}, persistent=True)
          for policy, how in (("always", "the write-ahead log synced (fsync), publishers "
                                         "sharing each sync"),
                              ("interval", "the write-ahead log written (it survives a crash "
                                           "of emqd) and synced every second"))],
        scenario("latency-qos1", "Latency, pairwise QoS 1 at 10,000 msg/s",
                 f"The pairwise shape paced at {LATENCY_RATE:,} msg/s in total (evenly over the "
                 "publishers, no window): end-to-end latency p50/p99/p999.",
                 "run", pairwise + ["--rate", str(LATENCY_RATE)], load, warm, qos=1,
                 emqd_sets=_qos1_sets()),
        scenario("idle-conns", "Idle connections",
                 f"{idle_total:,} MQTT connections (keepalive 300 s) from {idle_procs} bench "
                 "processes, each from its own 127.0.0.x source address, held idle: broker RSS "
                 "per connection = (RSS with the connections - idle RSS) / N, connect rate, "
                 "drops. The machine's open-file limit (20,000, `ulimit -Hn`) caps one process.",
                 "conn", ["-c", str(idle_total // idle_procs)], load, 0, processes=idle_procs,
                 connections=idle_total),
        scenario("seed-shape", "The seed's 2015 shape, scaled",
                 f"{seed_subs:,} subscriber connections with {SEED_SUBS_PER_CONN} subscriptions each "
                 f"over {SEED_TOPICS:,} topics (`bench/seed/<k>`), plus {seed_pubs} publishers, QoS 1 "
                 f"in and out at {SEED_RATE:,} msg/s in (about 5 copies out each): no loss, and no "
                 f"memory growth after a {seed_warm} s warm-up.",
                 "run", ["--pubs", str(seed_pubs), "--subs", str(seed_subs), "-t", "bench/seed",
                         "--topics", str(SEED_TOPICS), "--subs-per-conn", str(SEED_SUBS_PER_CONN),
                         "-q", "1", "--rate", str(SEED_RATE)] + common,
                 load, seed_warm, connections=seed_subs + seed_pubs, qos=1,
                 emqd_sets=_qos1_sets()),
    ]


NAMES = [s.name for s in all_scenarios()]
