"""Byte caps on session queues: zone.external.max_mqueue_bytes per session and
broker.max_mqueue_bytes_total across all sessions.

A queued message counts 64 bytes + topic + payload (+ v5 properties, none here): with the
4-byte topics and 12-byte payloads below every message costs exactly 80 bytes. Past a cap a
QoS 0 message is dropped first (the incoming one when it is QoS 0), then the oldest; what
survives is delivered, in order, when the client comes back.
"""

import pytest

from broker import both_versions
from mqtt_raw import SESSION_EXPIRY_INTERVAL, V311, V5, connect

MSG_BYTES = 80


def payload(name):
    assert len(name) <= 12
    return name.ljust(12, ".").encode()


def persistent(proto):
    return [(SESSION_EXPIRY_INTERVAL, 300)] if proto == V5 else None


def park(raw, proto, cid, topic):
    """A persistent session subscribed to `topic` at QoS 1, then offline."""
    c = raw(proto)
    c.connect(cid, clean=(proto == V5), properties=persistent(proto))
    c.subscribe(1, [(topic, 1)])
    c.disconnect()


def resume(raw, proto, cid, topic, expected):
    """Reconnects `cid` and checks it receives exactly `expected` [(name, qos)], in order."""
    c = raw(proto)
    c.send(connect(cid, proto, clean=False, properties=persistent(proto)))
    c.expect_connack(0, session_present=True)
    for name, qos in expected:
        p = c.expect_publish(topic, payload(name), qos=qos)
        c.ack(p)
    c.expect_nothing()
    return c


@pytest.mark.emqd({"broker.shards": 2, "zone.external.max_mqueue_bytes": 3 * MSG_BYTES})
@both_versions
def test_session_byte_cap_drops_qos0_first_then_oldest(raw, proto):
    park(raw, proto, "capped", "qb/t")
    pub = raw(proto)
    pub.connect("capped-pub")
    # Room for three. m4 (QoS 0) is dropped itself; m5 evicts the queued QoS 0 (m2); m6,
    # with no QoS 0 left, evicts the oldest (m1).
    for i, qos in enumerate([1, 0, 1, 0, 1, 1], start=1):
        pub.publish("qb/t", payload("m%d" % i), qos=qos, mid=i)
    resume(raw, proto, "capped", "qb/t", [("m3", 1), ("m5", 1), ("m6", 1)])


@pytest.mark.emqd({"broker.shards": 2, "zone.external.max_mqueue_bytes": MSG_BYTES - 1})
def test_message_larger_than_the_cap_is_never_queued(raw):
    park(raw, V311, "tiny", "qb/t")
    pub = raw()
    pub.connect("tiny-pub")
    pub.publish("qb/t", payload("big"), qos=1)
    resume(raw, V311, "tiny", "qb/t", [])


@pytest.mark.emqd({"broker.shards": 1, "zone.external.max_mqueue_bytes": 0,
                   "broker.max_mqueue_bytes_total": 5 * MSG_BYTES})
@both_versions
def test_global_cap_spans_sessions(raw, proto):
    park(raw, proto, "glob-a", "qa/t")
    park(raw, proto, "glob-b", "qb/t")
    pub = raw(proto)
    pub.connect("glob-pub")
    mid = 0
    for name, topic in [("a1", "qa/t"), ("a2", "qa/t"), ("a3", "qa/t"),
                        ("b1", "qb/t"), ("b2", "qb/t"), ("b3", "qb/t")]:
        mid += 1
        pub.publish(topic, payload(name), qos=1, mid=mid)
    # Five fit in the whole broker: b3 found it full and evicted b's own oldest (b1);
    # a's queue, already there, is untouched.
    resume(raw, proto, "glob-a", "qa/t", [("a1", 1), ("a2", 1), ("a3", 1)])
    # a's messages left the queues, so b has room again.
    pub.publish("qb/t", payload("b4"), qos=1, mid=mid + 1)
    resume(raw, proto, "glob-b", "qb/t", [("b2", 1), ("b3", 1), ("b4", 1)])
