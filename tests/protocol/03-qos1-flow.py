"""QoS 1: PUBACK bytes, delivery, packet identifiers."""

from broker import both_versions
from mqtt_raw import PUBACK, PUBLISH, V311, puback, publish


@both_versions
def test_qos1_puback_exact(raw, proto):
    """[MQTT-4.3.2-2] The server answers a QoS 1 PUBLISH with PUBACK for the same packet id
    (3.1.1: exactly 40 02 <id>)."""
    c = raw(proto)
    c.connect("q1-ack")
    for mid in (1, 0x1234, 0xFFFF):
        c.send(publish("q1/t", b"x", qos=1, mid=mid, proto=proto))
        c.expect_ack(PUBACK, mid, rc=0x00)


@both_versions
def test_qos1_delivery_acked_once(raw, proto):
    """A QoS 1 delivery carries a non-zero packet id; once PUBACKed it is not sent again."""
    sub = raw(proto)
    sub.connect("q1-sub")
    sub.subscribe(1, [("q1/d", 1)])
    pub = raw(proto)
    pub.connect("q1-pub")
    pub.publish("q1/d", b"payload-1", qos=1, mid=77)
    p = sub.expect_publish("q1/d", b"payload-1", qos=1)
    assert p.mid != 0 and not p.dup
    sub.send(puback(p.mid, proto=proto))
    sub.expect_nothing()


@both_versions
def test_qos1_inflight_ids_distinct(raw, proto):
    """[MQTT-2.3.1-2] Unacknowledged deliveries use distinct packet ids; order is kept."""
    sub = raw(proto)
    sub.connect("q1-ids")
    sub.subscribe(1, [("q1/ids", 1)])
    pub = raw(proto)
    pub.connect("q1-ids-pub")
    for i in range(5):
        pub.publish("q1/ids", b"m%d" % i, qos=1, mid=i + 1)
    mids = []
    for i in range(5):
        p = sub.expect_publish("q1/ids", b"m%d" % i, qos=1)
        mids.append(p.mid)
    assert len(set(mids)) == 5 and 0 not in mids, mids
    for m in mids:
        sub.send(puback(m, proto=proto))
    sub.expect_nothing()


def test_qos1_duplicate_publish_acked_again(raw):
    """A re-sent QoS 1 PUBLISH (DUP=1, same id) is acknowledged again."""
    c = raw(V311)
    c.connect("q1-dup")
    c.send(publish("q1/dup", b"x", qos=1, mid=9))
    c.expect_ack(PUBACK, 9)
    c.send(publish("q1/dup", b"x", qos=1, mid=9, dup=True))
    c.expect_ack(PUBACK, 9)


def test_qos1_large_payload_integrity(raw):
    """A 256 KiB QoS 1 payload (multi-byte remaining length) arrives byte for byte."""
    payload = bytes(range(256)) * 1024
    sub = raw(V311)
    sub.connect("q1-big-sub")
    sub.subscribe(1, [("q1/big", 1)])
    pub = raw(V311)
    pub.connect("q1-big-pub")
    pub.publish("q1/big", payload, qos=1, mid=3)
    p = sub.expect_type(PUBLISH)
    assert p.payload == payload and p.qos == 1
