"""Durable sessions and retained messages (embedded store, issue 5): what a restart or a
crash (SIGKILL) keeps, against the real binary.

An acknowledgement is the broker's promise: a PUBACK or PUBREC for a message that goes to a
persistent session, or a retained message, means the message is in the store. A
barrier used below: a client's later QoS 1 publish to a persistent session is acknowledged
only once everything its shard wrote before is durable, so after its PUBACK the broker may
be killed without losing what that client's session wrote before."""

import os
import subprocess
import time

import pytest

from broker import both_versions
from mqtt_raw import (MESSAGE_EXPIRY_INTERVAL, PUBACK, PUBCOMP, PUBREC, PUBREL,
                      SESSION_EXPIRY_INTERVAL, V311, V5, WILL_DELAY_INTERVAL, connect, pubcomp,
                      publish, pubrec, pubrel)


def persistent(proto, expiry=300):
    """CONNECT arguments of a persistent session in `proto`."""
    if proto == V5:
        return dict(clean=True, properties=[(SESSION_EXPIRY_INTERVAL, expiry)])
    return dict(clean=False)


def resumed(proto, expiry=300):
    return dict(clean=False, properties=[(SESSION_EXPIRY_INTERVAL, expiry)] if proto == V5
                else None)


def subscribe_offline(raw, proto, cid, filters, **kw):
    c = raw(proto)
    c.connect(cid, **persistent(proto, **kw))
    c.subscribe(1, filters)
    c.disconnect()


@both_versions
def test_acknowledged_messages_survive_a_crash_in_order(broker, raw, proto):
    subscribe_offline(raw, proto, "dur-sub", [("dur/#", 1)])
    pub = raw(proto)
    pub.connect("dur-pub")
    for i in range(20):
        pub.publish("dur/a" if i % 2 else "dur/b", b"m%d" % i, qos=1, mid=i + 1)
    broker.kill()
    broker.start()
    c = raw(proto)
    c.connect("dur-sub", session_present=True, **resumed(proto))
    for i in range(20):
        p = c.expect_publish("dur/a" if i % 2 else "dur/b", b"m%d" % i, qos=1)
        c.ack(p)
    c.expect_nothing()
    # The subscription came back too.
    raw(proto).connect("dur-pub2")
    pub2 = raw(proto)
    pub2.connect("dur-pub3")
    pub2.publish("dur/c", b"after", qos=1)
    c.expect_publish("dur/c", b"after", qos=1)


def test_acknowledged_messages_are_not_delivered_again_after_a_restart(broker, raw):
    subscribe_offline(raw, V311, "once-sub", [("once/t", 1)])
    subscribe_offline(raw, V311, "once-other", [("once/other", 1)])
    pub = raw()
    pub.connect("once-pub")
    for i in range(3):
        pub.publish("once/t", b"m%d" % i, qos=1, mid=i + 1)
    c = raw()
    c.connect("once-sub", clean=False, session_present=True)
    for i in range(3):
        c.ack(c.expect_publish("once/t", b"m%d" % i, qos=1))
    pub.publish("once/t", b"acked", qos=1, mid=9)
    c.ack(c.expect_publish("once/t", b"acked", qos=1))
    # The barrier for the deletions: they were written by the subscriber's shard (which
    # need not be the publisher's), so the subscriber's own connection publishes it.
    c.publish("once/other", b"barrier", qos=1, mid=20)
    pub.publish("once/t", b"barrier2", qos=1, mid=10)
    c.close()
    broker.kill()
    broker.start()
    c = raw()
    c.connect("once-sub", clean=False, session_present=True)
    c.ack(c.expect_publish("once/t", b"barrier2", qos=1))
    c.expect_nothing()


@both_versions
def test_qos2_from_a_persistent_publisher_is_delivered_once_across_a_crash(broker, raw, proto):
    """The publisher got PUBREC, then the broker died before PUBREL: after the restart it
    resends PUBLISH (DUP) with the same id as a client does; the broker knows the id is
    awaiting PUBREL and does not publish the message again."""
    subscribe_offline(raw, proto, "q2-sub", [("q2/t", 2)])
    pub = raw(proto)
    pub.connect("q2-pub", **persistent(proto))
    pub.send(publish("q2/t", b"exactly-once", qos=2, mid=7, proto=proto))
    pub.expect_ack(PUBREC, 7)
    broker.kill()
    broker.start()
    pub = raw(proto)
    pub.connect("q2-pub", session_present=True, **resumed(proto))
    pub.send(publish("q2/t", b"exactly-once", qos=2, dup=True, mid=7, proto=proto))
    pub.expect_ack(PUBREC, 7)
    pub.send(pubrel(7, proto=proto))
    pub.expect_ack(PUBCOMP, 7)
    c = raw(proto)
    c.connect("q2-sub", session_present=True, **resumed(proto))
    p = c.expect_publish("q2/t", b"exactly-once", qos=2)
    c.ack(p)
    c.expect_nothing()


def test_an_outbound_qos2_flow_resumes_where_it_stood(broker, raw):
    """The subscriber sent PUBREC and got PUBREL; the broker dies before PUBCOMP. After the
    restart it resends the PUBREL with the same packet id, not the message."""
    subscribe_offline(raw, V311, "flow-sub", [("flow/t", 2)])
    subscribe_offline(raw, V311, "flow-other", [("flow/b", 1)])
    c = raw()
    c.connect("flow-sub", clean=False, session_present=True)
    pub = raw()
    pub.connect("flow-pub")
    pub.publish("flow/t", b"one", qos=2, mid=1)
    p = c.expect_publish("flow/t", b"one", qos=2)
    c.send(pubrec(p.mid))
    c.expect_ack(PUBREL, p.mid)
    # Barrier: a QoS 1 publish by the subscriber itself, for another persistent session, is
    # acknowledged after the PUBREC's record is durable (same connection, same shard).
    c.send(publish("flow/b", b"barrier", qos=1, mid=50))
    c.expect_ack(PUBACK, 50)
    broker.kill()
    broker.start()
    c = raw()
    c.connect("flow-sub", clean=False, session_present=True)
    c.expect_ack(PUBREL, p.mid)
    c.send(pubcomp(p.mid))
    c.expect_nothing()


@both_versions
def test_retained_messages_survive_a_crash(broker, raw, proto):
    pub = raw(proto)
    pub.connect("ret-pub")
    pub.publish("ret/kept", b"state", qos=1, retain=True, mid=1)
    pub.publish("ret/gone", b"old", qos=1, retain=True, mid=2)
    pub.publish("ret/gone", b"", qos=1, retain=True, mid=3)  # deletes it
    pub.publish("ret/q0", b"zero", qos=0, retain=True)
    pub.publish("ret/kept2", b"barrier", qos=1, retain=True, mid=4)
    broker.kill()
    broker.start()
    c = raw(proto)
    c.connect("ret-sub")
    c.subscribe(1, [("ret/#", 1)])
    got = {}
    for _ in range(3):
        p = c.recv()
        got[p.topic] = p.payload
    assert got == {"ret/kept": b"state", "ret/q0": b"zero", "ret/kept2": b"barrier"}
    c.expect_nothing()


def test_message_expiry_counts_on_across_a_restart(broker, raw):
    pub = raw(V5)
    pub.connect("exp-pub")
    pub.publish("exp/short", b"gone", qos=1, retain=True, mid=1,
                properties=[(MESSAGE_EXPIRY_INTERVAL, 1)])
    pub.publish("exp/long", b"kept", qos=1, retain=True, mid=2,
                properties=[(MESSAGE_EXPIRY_INTERVAL, 3600)])
    broker.stop()
    time.sleep(1.2)  # the short one expires while the broker is down
    broker.start()
    c = raw(V5)
    c.connect("exp-sub")
    c.subscribe(1, [("exp/#", 1)])
    p = c.expect_publish("exp/long", b"kept", qos=1, retain=True)
    left = dict(p.props)[MESSAGE_EXPIRY_INTERVAL]
    assert 0 < left < 3600, "remaining expiry %d" % left
    c.expect_nothing()


def test_an_expired_session_is_gone_after_a_restart(broker, raw):
    subscribe_offline(raw, V5, "short-lived", [("sl/t", 1)], expiry=1)
    subscribe_offline(raw, V5, "long-lived", [("sl/t", 1)], expiry=300)
    pub = raw(V5)
    pub.connect("sl-pub")
    pub.publish("sl/t", b"m", qos=1)
    broker.stop()
    time.sleep(1.2)  # past the first session's expiry while the broker is down
    broker.start()
    c = raw(V5)
    c.connect("short-lived", session_present=False, **resumed(V5))
    c.expect_nothing()
    d = raw(V5)
    d.connect("long-lived", session_present=True, **resumed(V5))
    d.expect_publish("sl/t", b"m", qos=1)


def test_a_delayed_will_of_a_persistent_session_is_published_after_a_restart(broker, raw):
    watcher = raw(V5)
    watcher.connect("will-watch", **persistent(V5))
    watcher.subscribe(1, [("will/t", 1)])
    watcher.disconnect()
    c = raw(V5)
    c.send(connect("will-client", V5, clean=True, properties=[(SESSION_EXPIRY_INTERVAL, 300)],
                   will=dict(topic="will/t", payload=b"gone", qos=1,
                             properties=[(WILL_DELAY_INTERVAL, 2)])))
    c.expect_connack(0)
    c.abort()  # no DISCONNECT: the will is parked for 2 s
    time.sleep(0.3)
    broker.stop()
    broker.start()
    w = raw(V5)
    w.connect("will-watch", session_present=True, **resumed(V5))
    w.expect_publish("will/t", b"gone", qos=1, timeout=10)


def test_a_damaged_store_is_quarantined_and_the_broker_starts(broker, raw):
    subscribe_offline(raw, V311, "dmg-sub", [("dmg/t", 1)])
    broker.stop()
    store = os.path.join(broker.data_dir, "rocksdb")
    manifests = [f for f in os.listdir(store) if f.startswith("MANIFEST-")]
    assert manifests
    for f in manifests:
        with open(os.path.join(store, f), "r+b") as m:
            m.write(b"\xde\xad\xbe\xef" * 64)
    broker.start()
    moved = [d for d in os.listdir(broker.data_dir) if d.startswith("rocksdb.corrupt-")]
    assert len(moved) == 1, os.listdir(broker.data_dir)
    log = broker.log_text()
    assert "is damaged" in log and moved[0] in log, log
    c = raw()
    c.connect("after-damage")
    c.subscribe(1, [("dmg/#", 1)])
    pub = raw()
    pub.connect("after-damage-pub")
    pub.publish("dmg/t", b"works", qos=1)
    c.expect_publish("dmg/t", b"works", qos=1)


def test_a_damaged_store_stops_the_broker_when_asked(make_broker):
    b = make_broker()
    b.stop()
    store = os.path.join(b.data_dir, "rocksdb")
    for f in os.listdir(store):
        if f.startswith("MANIFEST-") or f == "CURRENT":
            with open(os.path.join(store, f), "r+b") as m:
                m.write(b"\x00garbage\xff" * 32)
    b.settings["storage.on_corruption"] = "stop"
    r = subprocess.run(b.command(), cwd=b.workdir, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert store in (r.stdout + r.stderr), r.stdout + r.stderr
    assert "storage.on_corruption" in (r.stdout + r.stderr)
    assert not any(d.startswith("rocksdb.corrupt-") for d in os.listdir(b.data_dir))


@pytest.mark.emqd({"storage.max_size": "1"})
def test_a_full_store_drops_messages_for_persistent_sessions(broker, raw):
    """Past storage.max_size a message for a persistent session is dropped (counted and
    logged), not stored: the publisher is still acknowledged, the session never gets it."""
    subscribe_offline(raw, V311, "full-sub", [("full/t", 1)])
    pub = raw()
    pub.connect("full-pub")
    deadline = time.monotonic() + 20
    i = 0
    # The store measures its size about once a second: publish until it reports full.
    while "storage: full" not in broker.log_text():
        assert time.monotonic() < deadline, broker.log_text()
        i += 1
        pub.publish("full/t", b"early-%d" % i, qos=1, mid=i % 60000 + 1)
        time.sleep(0.05)
    pub.publish("full/t", b"after-full", qos=1, mid=60001 % 65535)
    c = raw()
    c.connect("full-sub", clean=False, session_present=True)
    while True:
        p = c.poll()
        if p is None:
            break
        assert p.payload != b"after-full"
        c.ack(p)
