"""Crash durability with real clients (issue 5): emqd is killed with SIGKILL at random
moments while paho publishers send numbered QoS 1 and QoS 2 messages to an offline
persistent subscriber; after each crash it restarts on the same data directory. In the end
the subscriber gets every message that was acknowledged to its publisher, in order per
publisher, and no message twice."""

import random
import re
import time

import pytest

ROUNDS = 4
PER_ROUND = 400  # queued per publisher per round; paho keeps 20 in flight


def number(payload):
    return int(re.fullmatch(rb"[AB]:(\d+)", payload).group(1))


@pytest.mark.parametrize("policy", ["always", "interval"])
def test_sigkill_loses_no_acknowledged_message(make_broker, paho, policy):
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    # The queue holds everything: this test is about durability, not the queue's bounds.
    broker = make_broker({"storage.sync_policy": policy, "storage.sync_interval": "50ms",
                          "zone.external.max_mqueue_len": 0})
    sub = paho("crash-sub", "v311", target=broker, clean=False).connect()
    sub.subscribe("crash/#", 2)
    sub.disconnect()

    acked = {"A": set(), "B": set()}  # message numbers acknowledged to each publisher
    next_number = {"A": 0, "B": 0}
    for r in range(ROUNDS):
        if r:
            broker.start()
        pubs = {"A": paho("crash-pub-A%d" % r, "v311", target=broker).connect(),
                "B": paho("crash-pub-B%d" % r, "v311", target=broker).connect()}
        sent = {"A": {}, "B": {}}  # mid -> number
        for i in range(PER_ROUND):
            for name, qos in (("A", 1), ("B", 2)):
                n = next_number[name]
                next_number[name] += 1
                info = pubs[name].publish("crash/%s" % name, b"%s:%d" % (name.encode(), n),
                                          qos=qos, wait=False)
                sent[name][info.mid] = n
        # Kill at a random point of the stream: once publisher A has a random share of its
        # messages acknowledged (B runs alongside, its QoS 2 flows at any stage).
        target = rnd.randrange(1, PER_ROUND)
        deadline = time.monotonic() + 30
        while len(pubs["A"].acked) < target and time.monotonic() < deadline:
            time.sleep(0.001)
        broker.kill()
        for name, p in pubs.items():
            p.stop()
            with p.lock:
                acked[name] |= {sent[name][mid] for mid in p.acked}
    assert acked["A"] and acked["B"], "nothing was acknowledged (seed %d)" % seed

    broker.start()
    back = paho("crash-sub", "v311", target=broker, clean=False).connect(
        expect_session_present=True)
    got = {"A": [], "B": []}
    missing = lambda: any(acked[k] - set(got[k]) for k in got)  # noqa: E731
    deadline = time.monotonic() + 60
    while missing() and time.monotonic() < deadline:
        try:
            m = back.get()
        except AssertionError:
            break
        got[m.topic[-1]].append(number(m.payload))
    while True:  # what else arrives (stored but not acknowledged before a crash)
        try:
            m = back.get(timeout=1)
        except AssertionError:
            break
        got[m.topic[-1]].append(number(m.payload))
    for name in ("A", "B"):
        lost = sorted(acked[name] - set(got[name]))
        assert not lost, "seed %d: %s lost %d acknowledged messages, first %s" % (
            seed, name, len(lost), lost[:10])
        assert got[name] == sorted(set(got[name])), (
            "seed %d: %s out of order or duplicated: %s" % (seed, name, got[name][:50]))
