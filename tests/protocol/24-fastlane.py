"""$fastlane/<filter> (EMQ): QoS 0 subscriptions of clean sessions that the broker writes
straight to the connection, bypassing the session. Granted QoS 0 whatever was asked;
refused for sessions that outlive the connection (v5 0x83, 3.1.1 0x80)."""

import pytest

from broker import both_versions
from mqtt_raw import V311, V5, connect, sub_opts, unsubscribe


@both_versions
@pytest.mark.emqd({"broker.shards": 2})
def test_fastlane_delivers_at_qos0_in_order(raw, proto):
    sub = raw(proto)
    sub.connect("fl-sub")
    sub.subscribe(1, [("$fastlane/fl/#", 2)], codes=[0])
    pubs = []
    for i in range(3):  # several connections: some land on the other shard
        p = raw(proto)
        p.connect("fl-pub%d" % i)
        pubs.append(p)
    for p in pubs:
        for n in range(20):
            p.publish("fl/%s" % p.sock.getsockname()[1], b"%d" % n, qos=1, mid=n + 1)
    got = {}
    for _ in range(60):
        m = sub.expect_type(3)  # PUBLISH
        assert m.qos == 0 and not m.dup
        got.setdefault(m.topic, []).append(int(m.payload))
    assert sorted(len(v) for v in got.values()) == [20, 20, 20]
    for seq in got.values():
        assert seq == list(range(20)), "fastlane reordered one publisher's messages"
    sub.expect_nothing()


@both_versions
def test_fastlane_refused_for_persistent_session(raw, proto):
    c = raw(proto)
    if proto == V5:
        c.send(connect("fl-persist", V5, clean=True, properties=[(0x11, 60)]))
        c.expect_connack()
    else:
        c.connect("fl-persist", clean=False)
    c.subscribe(1, [("$fastlane/fl/p", 0), ("fl/p", 0)], codes=[0x83 if proto == V5 else 0x80, 0])


def test_fastlane_invalid_filter(raw):
    c = raw(V5)
    c.connect("fl-bad")
    c.subscribe(1, [("$fastlane/", 0), ("$fastlane/a/#/b", 0), ("$fastlane/$share/g/t", 0)],
                codes=[0x8F, 0x8F, 0x8F])


def test_plain_and_fastlane_on_one_filter_deliver_once(raw):
    sub = raw(V5)
    sub.connect("fl-both")
    sub.subscribe(1, [("$fastlane/fl/b", 0), ("fl/b", 1)], codes=[0, 1])
    pub = raw(V5)
    pub.connect("fl-both-pub")
    pub.publish("fl/b", b"once", qos=1)
    m = sub.expect_publish("fl/b", b"once", qos=1)  # the plain subscription wins
    sub.ack(m)
    sub.expect_nothing()
    # Without the plain one, the fastlane one takes over (QoS 0).
    sub.send(unsubscribe(2, ["fl/b"], V5))
    sub.expect_unsuback(2, [0])
    pub.publish("fl/b", b"fast", qos=1)
    sub.expect_publish("fl/b", b"fast", qos=0)
    sub.send(unsubscribe(3, ["$fastlane/fl/b"], V5))
    sub.expect_unsuback(3, [0])
    pub.publish("fl/b", b"gone", qos=1)
    sub.expect_nothing()


def test_fastlane_gets_retained_messages_and_honours_no_local(raw):
    pub = raw(V5)
    pub.connect("fl-ret-pub")
    pub.publish("fl/r", b"kept", qos=1, retain=True)
    sub = raw(V5)
    sub.connect("fl-ret-sub")
    sub.subscribe(1, [("$fastlane/fl/r", sub_opts(1, no_local=True))], codes=[0])
    sub.expect_publish("fl/r", b"kept", qos=0, retain=True)
    sub.publish("fl/r", b"mine", qos=1, mid=7)
    sub.expect_nothing()
