"""Slow consumers: many publishers at full speed against a subscriber that never reads.

The broker must keep its memory bounded (read from /proc: VmHWM, the peak resident size)
by what the configuration allows per slow subscriber, never stall the publishers, and keep
serving a fast subscriber (paho, QoS 1: every message sent to it during the load arrives)
and a client that connects during the load."""

import threading

import pytest

from broker import small_asan_quarantine
from mqtt_raw import TIMEOUT, V311, publish

MB = 1024 * 1024
PUBLISHERS = 8          # half QoS 0, half QoS 1
MESSAGES = 10000        # per publisher
PAYLOAD = 1024
# What a subscriber that never reads may hold in the broker (etc/emqd.conf defaults and
# channel_impl.h): QoS 0 output up to 1 MB, the inflight window and the session queue of
# QoS 1 messages, and the 4 MB output bound; each message with generous overhead.
MAX_INFLIGHT, MAX_MQUEUE_LEN = 32, 1000
PER_SLOW_SUBSCRIBER = 1 * MB + (MAX_INFLIGHT + MAX_MQUEUE_LEN) * (PAYLOAD + 512) + 4 * MB


@pytest.fixture(autouse=True)
def _rss_without_sanitizer_quarantine(monkeypatch):
    small_asan_quarantine(monkeypatch)


def test_many_publishers_one_slow_subscriber_memory_bounded(make_broker, raw, paho):
    b = make_broker()

    slow = raw(V311, target=b)  # never reads: its receive buffer stays at the initial size
    slow.connect("slow")
    slow.subscribe(1, [("load/#", 1)])
    fast = paho("fast", target=b).connect()
    fast.subscribe("side/#", 1)
    base = b.rss()

    payload = b"p" * PAYLOAD

    def run_publisher(i):
        qos = 1 if i % 2 else 0
        topic = "load/q%d/%d" % (qos, i // 2)
        c = raw(V311, target=b)
        c.connect("pub%d" % i)
        c.sock.settimeout(TIMEOUT * 6)
        c.send(b"".join(publish(topic, payload, qos=qos, mid=(n % 65535) + 1)
                        for n in range(MESSAGES)))
        done[i] = True

    done = [False] * PUBLISHERS
    threads = [threading.Thread(target=run_publisher, args=(i,), daemon=True)
               for i in range(PUBLISHERS)]
    for t in threads:
        t.start()

    # A client arriving during the load is served, and so is the fast subscriber.
    newcomer = paho("newcomer", target=b).connect()
    newcomer.subscribe("hello", 0)
    newcomer.publish("hello", b"hi")
    assert newcomer.get().payload == b"hi"
    side = 500
    for n in range(side):
        newcomer.publish("side/t", b"%d" % n, qos=1, wait=False)

    for t in threads:
        t.join(TIMEOUT * 6)
    assert all(done), "a publisher was stalled: %s" % done

    # The fast QoS 1 subscriber gets every message sent to it during the load, in order.
    got = [fast.get(TIMEOUT * 2).payload for _ in range(side)]
    assert got == [b"%d" % n for n in range(side)]

    # Everything the publishers sent went through the broker, yet its peak memory grew by
    # no more than what the slow subscriber may hold (twice, for allocator slack), plus the
    # publishers' read buffers and a margin for the allocator's arenas.
    grown = b.peak_rss() - base
    bound = 2 * PER_SLOW_SUBSCRIBER + PUBLISHERS * 64 * 1024 + 16 * MB
    assert grown < bound, "broker grew by %d MB (bound %d MB) after %d MB were published" % (
        grown // MB, bound // MB, PUBLISHERS * MESSAGES * PAYLOAD // MB)
    assert b.alive()
