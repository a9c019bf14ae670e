"""Persistent sessions: offline queueing, session present, clean start, v5 session expiry."""

import time

from broker import both_versions
from mqtt_raw import (DISCONNECT, SESSION_EXPIRY_INTERVAL, V311, V5, connect, disconnect,
                      puback)


def persistent_props(proto, expiry=300):
    return [(SESSION_EXPIRY_INTERVAL, expiry)] if proto == V5 else None


def open_session(raw, proto, cid, filters, expiry=300):
    """Connects with a persistent session, subscribes, disconnects normally."""
    c = raw(proto)
    c.connect(cid, clean=False if proto == V311 else True,
              properties=persistent_props(proto, expiry))
    c.subscribe(1, filters)
    c.disconnect()
    return c


@both_versions
def test_offline_messages_queued_and_resumed(raw, proto):
    """[MQTT-3.1.2-4/5, MQTT-3.2.2-2] QoS 1 messages published while a persistent-session
    client is offline are delivered, in order, when it reconnects with clean start 0,
    and CONNACK says session present."""
    open_session(raw, proto, "persist", [("ps/t", 1)])
    pub = raw(proto)
    pub.connect("persist-pub")
    for i in range(3):
        pub.publish("ps/t", b"offline-%d" % i, qos=1, mid=i + 1)
    c = raw(proto)
    c.send(connect("persist", proto, clean=False, properties=persistent_props(proto)))
    c.expect_connack(0, session_present=True)
    for i in range(3):
        p = c.expect_publish("ps/t", b"offline-%d" % i, qos=1)
        c.send(puback(p.mid, proto=proto))
    c.expect_nothing()
    # The subscription itself survived too.
    pub.publish("ps/t", b"online", qos=1, mid=9)
    c.expect_publish("ps/t", b"online", qos=1)


@both_versions
def test_offline_qos2_and_qos0_subscription(raw, proto):
    """Offline QoS 2 messages are queued at the granted QoS (2); the downgrade to a QoS 1
    subscription applies too."""
    open_session(raw, proto, "persist-q", [("ps/q2", 2), ("ps/q1", 1)])
    pub = raw(proto)
    pub.connect("persist-q-pub")
    pub.publish("ps/q2", b"two", qos=2, mid=1)
    pub.publish("ps/q1", b"one", qos=2, mid=2)
    c = raw(proto)
    c.send(connect("persist-q", proto, clean=False, properties=persistent_props(proto)))
    c.expect_connack(0, session_present=True)
    p = c.expect_publish("ps/q2", b"two", qos=2)
    q = c.expect_publish("ps/q1", b"one", qos=1)
    c.ack(p)
    c.ack(q)
    c.expect_nothing()


@both_versions
def test_clean_start_discards_session(raw, proto):
    """[MQTT-3.1.2-4/6, MQTT-3.2.2-1] Clean start 1 discards the stored session: session
    present 0, no queued messages, no subscriptions."""
    open_session(raw, proto, "discard", [("ds/t", 1)])
    pub = raw(proto)
    pub.connect("discard-pub")
    pub.publish("ds/t", b"lost", qos=1)
    c = raw(proto)
    c.send(connect("discard", proto, clean=True))
    c.expect_connack(0, session_present=False)
    c.expect_nothing()
    pub.publish("ds/t", b"after", qos=1, mid=2)
    c.expect_nothing()


def test_v311_clean_session_not_kept(raw):
    """[MQTT-3.1.2-6] 3.1.1 CleanSession=1: the session ends with the connection."""
    c = raw(V311)
    c.connect("cs1", clean=True)
    c.subscribe(1, [("cs/t", 1)])
    c.disconnect()
    c2 = raw(V311)
    c2.send(connect("cs1", V311, clean=False))
    c2.expect_connack(0, session_present=False)
    c2.disconnect()


def test_v5_session_expiry(raw):
    """[MQTT-3.1.2-23] v5 Session Expiry Interval 1s: after 2s offline the session is gone
    (session present 0, no queued message)."""
    open_session(raw, V5, "expire", [("ex/t", 1)], expiry=1)
    time.sleep(2.2)
    pub = raw(V5)
    pub.connect("expire-pub")
    pub.publish("ex/t", b"too-late", qos=1)
    c = raw(V5)
    c.send(connect("expire", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 60)]))
    c.expect_connack(0, session_present=False)
    c.expect_nothing()


def test_v5_session_kept_within_expiry(raw):
    """v5 Session Expiry 60s with clean start 0: the session outlives the connection."""
    open_session(raw, V5, "keep", [("kp/t", 1)], expiry=60)
    c = raw(V5)
    c.send(connect("keep", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 60)]))
    c.expect_connack(0, session_present=True)


def test_v5_session_expiry_absent_means_zero(raw):
    """[MQTT-3.1.2-11..] v5 without Session Expiry Interval: the session ends when the
    network connection closes, even with clean start 0."""
    c = raw(V5)
    c.connect("noexp", clean=False)
    c.subscribe(1, [("ne/t", 1)])
    c.disconnect()
    c2 = raw(V5)
    c2.send(connect("noexp", V5, clean=False))
    c2.expect_connack(0, session_present=False)


def test_v5_disconnect_sets_expiry_zero(raw):
    """v5: a DISCONNECT carrying Session Expiry Interval 0 ends a session that had 300s."""
    c = raw(V5)
    c.connect("dis0", properties=[(SESSION_EXPIRY_INTERVAL, 300)])
    c.subscribe(1, [("d0/t", 1)])
    c.send(disconnect(0, V5, [(SESSION_EXPIRY_INTERVAL, 0)]))
    c.expect_closed()
    c2 = raw(V5)
    c2.send(connect("dis0", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 300)]))
    c2.expect_connack(0, session_present=False)


def test_v5_disconnect_expiry_from_zero_is_protocol_error(raw):
    """[MQTT-3.14.2-2] Setting a non-zero Session Expiry on DISCONNECT when CONNECT had 0 is a
    protocol error: the server may answer DISCONNECT 0x82; the session is not kept."""
    c = raw(V5)
    c.connect("dis-bad")
    c.send(disconnect(0, V5, [(SESSION_EXPIRY_INTERVAL, 300)]))
    for p in c.expect_closed(allow=(DISCONNECT,)):
        assert p.rc == 0x82, p
    c2 = raw(V5)
    c2.send(connect("dis-bad", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 300)]))
    c2.expect_connack(0, session_present=False)


def test_offline_qos0_not_resent_as_qos1(raw):
    """Messages queued for an offline QoS 0 subscription are never upgraded: any that are
    delivered on resume arrive with QoS 0 (storing them is optional)."""
    open_session(raw, V311, "q0off", [("q0/t", 0)])
    pub = raw(V311)
    pub.connect("q0off-pub")
    pub.publish("q0/t", b"zero", qos=1)
    c = raw(V311)
    c.send(connect("q0off", V311, clean=False))
    c.expect_connack(0, session_present=True)
    p = c.poll()
    if p is not None:
        assert (p.topic, p.payload, p.qos) == ("q0/t", b"zero", 0), p
    c.expect_nothing()
