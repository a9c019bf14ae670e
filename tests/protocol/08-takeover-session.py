"""Takeover: a second connection with the same client id replaces the first."""

import select
import socket
import threading
import time

import pytest

from broker import both_versions
from mqtt_raw import (DISCONNECT, PUBLISH, PUBREL, RC_SESSION_TAKEN_OVER,
                      SESSION_EXPIRY_INTERVAL, TIMEOUT, V311, V5, connack, connect, puback,
                      pubcomp, publish, pubrec, wait_until)


def persistent(proto):
    return [(SESSION_EXPIRY_INTERVAL, 300)] if proto == V5 else None


def test_takeover_v311_closes_first(raw):
    """[MQTT-3.1.4-2] 3.1.1: the existing connection with the same client id is closed."""
    a = raw(V311)
    a.connect("same")
    b = raw(V311)
    b.send(connect("same", V311))
    b.expect_connack(0, session_present=False)
    assert a.expect_closed() == []
    b.ping()


def test_takeover_v5_disconnect_8e(raw):
    """[MQTT-3.1.4-3] v5: the old connection receives DISCONNECT 0x8E (Session taken over)."""
    a = raw(V5)
    a.connect("same5")
    b = raw(V5)
    b.send(connect("same5", V5))
    b.expect_connack(0, session_present=False)
    a.expect_disconnect(RC_SESSION_TAKEN_OVER)
    b.ping()


@both_versions
def test_takeover_resends_inflight_with_dup(raw, proto):
    """[MQTT-4.4.0-1] On takeover with clean start 0 the session (session present 1) moves to
    the new connection and the unacknowledged QoS 1 message is re-sent with DUP=1 and
    the same packet id."""
    a = raw(proto)
    a.connect("inflight", clean=proto == V5, properties=persistent(proto))
    a.subscribe(1, [("to/t", 1)])
    pub = raw(proto)
    pub.connect("inflight-pub")
    pub.publish("to/t", b"unacked", qos=1)
    first = a.expect_publish("to/t", b"unacked", qos=1, dup=False)
    b = raw(proto)
    b.send(connect("inflight", proto, clean=False, properties=persistent(proto)))
    b.expect_connack(0, session_present=True)
    again = b.expect_publish("to/t", b"unacked", qos=1, dup=True)
    assert again.mid == first.mid, (first, again)
    a.expect_closed(allow=(DISCONNECT,))
    b.send(puback(again.mid, proto=proto))
    b.expect_nothing()
    pub.publish("to/t", b"next", qos=1, mid=2)
    b.expect_publish("to/t", b"next", qos=1, dup=False)


@both_versions
def test_takeover_resends_pubrel(raw, proto):
    """[MQTT-4.4.0-1] A QoS 2 delivery that reached PUBREL continues with PUBREL (not
    PUBLISH) on the new connection."""
    a = raw(proto)
    a.connect("rel", clean=proto == V5, properties=persistent(proto))
    a.subscribe(1, [("to/q2", 2)])
    pub = raw(proto)
    pub.connect("rel-pub")
    pub.publish("to/q2", b"two", qos=2)
    p = a.expect_publish("to/q2", b"two", qos=2)
    a.send(pubrec(p.mid, proto=proto))
    a.expect_ack(PUBREL, p.mid)
    b = raw(proto)
    b.send(connect("rel", proto, clean=False, properties=persistent(proto)))
    b.expect_connack(0, session_present=True)
    b.expect_ack(PUBREL, p.mid)
    b.send(pubcomp(p.mid, proto=proto))
    b.expect_nothing()


@both_versions
def test_takeover_clean_start_fresh_session(raw, proto):
    """Takeover with clean start 1: session present 0 and the old subscriptions are gone."""
    a = raw(proto)
    a.connect("fresh", clean=proto == V5, properties=persistent(proto))
    a.subscribe(1, [("to/fresh", 1)])
    b = raw(proto)
    b.send(connect("fresh", proto, clean=True))
    b.expect_connack(0, session_present=False)
    a.expect_closed(allow=(DISCONNECT,))
    pub = raw(proto)
    pub.connect("fresh-pub")
    pub.publish("to/fresh", b"x", qos=1)
    b.expect_nothing()


def test_takeover_across_versions(raw):
    """A 5.0 client taking over a 3.1.1 client's id: the old one is closed, the new one works."""
    a = raw(V311)
    a.connect("mixed")
    b = raw(V5)
    b.send(connect("mixed", V5))
    b.expect_connack(0)
    a.expect_closed()
    b.ping()


def test_repeated_takeover(raw):
    """Five successive takeovers of one client id: each predecessor is closed, the last works."""
    prev = None
    for i in range(5):
        c = raw(V5)
        c.send(connect("chain", V5))
        c.expect_connack(0)
        if prev is not None:
            prev.expect_disconnect(RC_SESSION_TAKEN_OVER)
        prev = c
    prev.ping()


@both_versions
def test_clean_session_is_not_resumed_by_takeover(raw, proto):
    """[MQTT-3.1.2-4] A session that ends with its connection (3.1.1 clean session / v5
    expiry 0) is not reused when another connection takes the client id over, even one
    asking to resume: session present 0, the old subscription is gone."""
    a = raw(proto)
    a.connect("clean-old")
    a.subscribe(1, [("co/t", 1)])
    b = raw(proto)
    b.send(connect("clean-old", proto, clean=False, properties=persistent(proto)))
    b.expect_connack(0, session_present=False)
    pub = raw(proto)
    pub.connect("clean-old-pub")
    pub.publish("co/t", b"x", qos=1)
    b.expect_nothing()


# The queue holds the whole stream, so any loss is the takeover's.
@pytest.mark.emqd({"broker.shards": 2, "zone.external.max_mqueue_len": 10000})
def test_takeover_during_a_qos1_stream_loses_nothing(raw):
    """Every QoS 1 message the broker acknowledged to its publisher reaches the subscriber's
    session, on the old connection or the new one, while a persistent subscriber is taken
    over mid-stream (deliveries in flight to the old owner are forwarded, those arriving
    before the session are held)."""
    count = 1500
    for rnd in range(3):
        cid, topic = "stream-sub%d" % rnd, "stream/%d" % rnd
        got, lock = set(), threading.Lock()

        def read_all(c, stop):
            while not stop.is_set():
                try:
                    p = c.read(timeout=0.05)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if p is None:
                    return
                if p.type == PUBLISH:
                    with lock:
                        got.add(int(p.payload))
                    if p.qos == 1:
                        try:
                            c.send(puback(p.mid))
                        except OSError:
                            return  # taken over: the broker closed this connection

        old = raw(V311)
        old.connect(cid, clean=False)
        old.subscribe(1, [(topic, 1)])
        pub = raw(V311)
        pub.connect("stream-pub%d" % rnd)
        stop = threading.Event()
        readers = [threading.Thread(target=read_all, args=(old, stop))]
        readers[0].start()
        for i in range(count):
            pub.send(publish(topic, str(i), qos=1, mid=i % 65000 + 1))
            if i == count // 3:
                new = raw(V311)
                new.send(connect(cid, V311, clean=False))
                readers.append(threading.Thread(target=read_all, args=(new, stop)))
                readers[1].start()
        try:
            wait_until(lambda: len(got) >= count, timeout=15, what="all messages delivered")
        finally:
            stop.set()
            for t in readers:
                t.join()
        assert got == set(range(count))


def first_closed(clients):
    """Reads from every client until the broker closes one of them; returns its index and
    the packets each client had received by then (a packet still buffered in a client that
    stays open is left for its next read)."""
    seen = [[] for _ in clients]
    deadline = time.monotonic() + TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        ready = select.select([c.sock for c in clients], [], [], max(0, remaining))[0]
        assert ready, "no connection was closed within %.1fs" % TIMEOUT
        for i, c in enumerate(clients):
            if c.sock in ready:
                p = c.read()
                if p is None:
                    return i, seen
                seen[i].append(p)


@pytest.mark.emqd({"broker.shards": 1})
def test_concurrent_takeovers_leave_one_owner(raw):
    """Two connections claim a persistent session at about the same moment, behind a flood
    from a third client that ends with a QoS 1 message for the session. The broker serves
    the claims in the order it reads them: the earlier claimer is closed, before its CONNACK
    (both claims read in one batch) or after it (the later claim read afterwards; until then
    it owns the session and may receive its messages). The later one keeps the connection
    and the session (present 1), and receives both the message published during the
    takeover and one published afterwards."""
    for rnd in range(5):
        cid, topic = "dup-owner%d" % rnd, "dup/%d" % rnd
        owner = raw(V311)
        owner.connect(cid, clean=False)
        owner.subscribe(1, [(topic, 1)])
        flood = raw(V311)
        flood.connect("dup-flood%d" % rnd)
        a, b = raw(V311), raw(V311)
        blob = publish("dup/flood", b"z" * 1000) * 2000 + publish(topic, b"during", qos=1)
        sender = threading.Thread(target=flood.send, args=(blob,))
        sender.start()
        a.send(connect(cid, V311, clean=False))
        b.send(connect(cid, V311, clean=False))
        sender.join()
        # Which claim comes last is the broker's to decide, and a loser may answer a ping
        # before the later claim is served: the owner is the one that is not closed.
        lost, seen = first_closed([a, b])
        for p in seen[lost]:
            assert p.raw == connack(True) or (p.type, p.topic) == (PUBLISH, topic), p
        winner, early = (b, a)[lost], seen[1 - lost]

        def next_packet():
            return early.pop(0) if early else winner.recv()

        ack = next_packet()
        assert ack.raw == connack(True), ack  # session present
        # Re-sent with DUP 1 if an earlier owner had it in flight.
        p = next_packet()
        assert (p.type, p.topic, p.payload, p.qos) == (PUBLISH, topic, b"during", 1), p
        assert not early, early
        winner.ping()
        pub = raw(V311)
        pub.connect("dup-pub%d" % rnd)
        pub.publish(topic, b"hello", qos=1)
        winner.expect_publish(topic, b"hello", qos=1)
