"""QoS 2: PUBREC / PUBREL / PUBCOMP bytes, exactly-once delivery."""

from broker import both_versions
from mqtt_raw import (PUBCOMP, PUBREC, PUBREL, V311, V5, pubcomp, publish, pubrec, pubrel)


@both_versions
def test_qos2_inbound_flow_exact(raw, proto):
    """[MQTT-4.3.3-2/3] PUBLISH QoS 2 -> PUBREC <id>; PUBREL <id> -> PUBCOMP <id>
    (3.1.1: exactly 50 02 <id> and 70 02 <id>)."""
    c = raw(proto)
    c.connect("q2-in")
    c.send(publish("q2/t", b"x", qos=2, mid=0x0102, proto=proto))
    c.expect_ack(PUBREC, 0x0102, rc=0x00)
    c.send(pubrel(0x0102, proto=proto))
    c.expect_ack(PUBCOMP, 0x0102)


@both_versions
def test_qos2_outbound_flow_exact(raw, proto):
    """[MQTT-4.3.3-4..] To a QoS 2 subscriber: PUBLISH, then PUBREL <id> (62 02 <id>) after
    our PUBREC; nothing after our PUBCOMP."""
    sub = raw(proto)
    sub.connect("q2-sub")
    sub.subscribe(1, [("q2/o", 2)])
    pub = raw(proto)
    pub.connect("q2-pub")
    pub.publish("q2/o", b"exactly-once", qos=2, mid=5)
    p = sub.expect_publish("q2/o", b"exactly-once", qos=2)
    sub.send(pubrec(p.mid, proto=proto))
    sub.expect_ack(PUBREL, p.mid)
    sub.send(pubcomp(p.mid, proto=proto))
    sub.expect_nothing()


def test_qos2_resent_publish_delivered_once(raw):
    """[MQTT-4.3.3-9] A QoS 2 PUBLISH re-sent with the same id before PUBREL is
    acknowledged again but delivered only once."""
    sub = raw(V311)
    sub.connect("q2-once-sub")
    sub.subscribe(1, [("q2/once", 0)])
    pub = raw(V311)
    pub.connect("q2-once-pub")
    pub.send(publish("q2/once", b"one", qos=2, mid=7))
    pub.expect_ack(PUBREC, 7)
    pub.send(publish("q2/once", b"one", qos=2, mid=7, dup=True))
    pub.expect_ack(PUBREC, 7)
    pub.send(pubrel(7))
    pub.expect_ack(PUBCOMP, 7)
    sub.expect_publish("q2/once", b"one")
    sub.expect_nothing()


def test_v5_qos2_resent_publish_delivered_once(raw):
    """v5: a re-sent QoS 2 PUBLISH gets PUBREC 0x00 again and
    is delivered once."""
    sub = raw(V5)
    sub.connect("q2-once5-sub")
    sub.subscribe(1, [("q2/once5", 0)])
    pub = raw(V5)
    pub.connect("q2-once5-pub")
    pub.send(publish("q2/once5", b"one", qos=2, mid=7, proto=V5))
    pub.expect_ack(PUBREC, 7)
    pub.send(publish("q2/once5", b"one", qos=2, mid=7, dup=True, proto=V5))
    p = pub.expect_type(PUBREC)
    assert p.mid == 7 and p.rc == 0x00, p
    pub.send(pubrel(7, proto=V5))
    pub.expect_ack(PUBCOMP, 7)
    sub.expect_publish("q2/once5", b"one")
    sub.expect_nothing()


def test_qos2_pubrel_unknown_id_v311(raw):
    """[MQTT-4.3.3-11] PUBREL for an unknown id is still answered with PUBCOMP (70 02 <id>)."""
    c = raw(V311)
    c.connect("q2-unknown")
    c.send(pubrel(0x4242))
    c.expect(pubcomp(0x4242))


def test_qos2_pubrel_unknown_id_v5(raw):
    """v5: PUBREL for an unknown id -> PUBCOMP 0x92 (Packet Identifier not found)."""
    c = raw(V5)
    c.connect("q2-unknown5")
    c.send(pubrel(0x4242, proto=V5))
    c.expect_ack(PUBCOMP, 0x4242, rc=0x92)


@both_versions
def test_qos2_pubrel_resent_gets_pubcomp(raw, proto):
    """A PUBREL repeated after PUBCOMP (lost PUBCOMP) gets PUBCOMP again, no redelivery."""
    sub = raw(proto)
    sub.connect("q2-rel-sub")
    sub.subscribe(1, [("q2/rel", 0)])
    pub = raw(proto)
    pub.connect("q2-rel-pub")
    pub.publish("q2/rel", b"r", qos=2, mid=3)
    sub.expect_publish("q2/rel", b"r")
    pub.send(pubrel(3, proto=proto))  # publish() completed the flow: this repeats PUBREL
    p = pub.expect_type(PUBCOMP)
    # v5 reports the id as unknown now (0x92); 3.1.1 PUBCOMP has no reason code.
    assert p.mid == 3 and p.rc == (0x92 if proto == V5 else 0x00), p
    sub.expect_nothing()
