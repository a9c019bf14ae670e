"""Takeover: a second connection with the same client id replaces the first."""

from broker import both_versions
from mqtt_raw import (DISCONNECT, PUBREL, RC_SESSION_TAKEN_OVER, SESSION_EXPIRY_INTERVAL,
                      V311, V5, connect, puback, pubcomp, pubrec)


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
