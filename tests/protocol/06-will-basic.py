"""Will messages: abrupt close, keepalive timeout, protocol error, normal DISCONNECT,
v5 DISCONNECT 0x04, v5 Will Delay Interval, will properties."""

import time

from broker import both_versions
from mqtt_raw import (CONTENT_TYPE, DISCONNECT, RC_DISCONNECT_WITH_WILL, SESSION_EXPIRY_INTERVAL,
                      TIMEOUT, USER_PROPERTY, V5, WILL_DELAY_INTERVAL, connect, disconnect,
                      fixed)


def watcher(raw, proto, topic):
    w = raw(proto)
    w.connect("watch-" + topic.replace("/", "-"))
    w.subscribe(1, [(topic, 1)])
    return w


def will(topic, payload=b"gone", qos=1, retain=False, properties=None):
    return {"topic": topic, "payload": payload, "qos": qos, "retain": retain,
            "properties": properties or []}


@both_versions
def test_will_on_abrupt_close(raw, proto):
    """[MQTT-3.1.2-8] The will is published when the network connection is lost."""
    w = watcher(raw, proto, "will/abrupt")
    c = raw(proto)
    c.connect("dying", will=will("will/abrupt", b"bye"))
    c.abort()
    p = w.expect_publish("will/abrupt", b"bye", qos=1, retain=False)
    w.ack(p)
    w.expect_nothing()


@both_versions
def test_will_on_keepalive_timeout(raw, proto):
    """[MQTT-3.1.2-24] A keepalive timeout closes the connection and publishes the will."""
    w = watcher(raw, proto, "will/ka")
    c = raw(proto)
    c.connect("silent", keepalive=1, will=will("will/ka", b"timeout", qos=0))
    w.expect_publish("will/ka", b"timeout", qos=0, timeout=TIMEOUT + 2)


@both_versions
def test_will_on_protocol_error(raw, proto):
    """[MQTT-3.1.2-8] A connection closed by the server for a protocol error publishes the will."""
    w = watcher(raw, proto, "will/err")
    c = raw(proto)
    c.connect("erring", will=will("will/err", b"bad", qos=0))
    c.send(fixed(0x00, b""))  # reserved packet type 0
    c.expect_closed(allow=(DISCONNECT,))
    w.expect_publish("will/err", b"bad", qos=0)


@both_versions
def test_no_will_after_disconnect(raw, proto):
    """[MQTT-3.1.2-10] A normal DISCONNECT (reason 0) discards the will."""
    w = watcher(raw, proto, "will/none")
    c = raw(proto)
    c.connect("polite", will=will("will/none"))
    c.send(disconnect(0, proto))
    c.expect_closed()
    w.expect_nothing(1.0)


def test_v5_disconnect_with_will_message(raw):
    """v5 DISCONNECT reason 0x04 (Disconnect with Will Message) publishes the will."""
    w = watcher(raw, V5, "will/04")
    c = raw(V5)
    c.connect("with-will", will=will("will/04", b"asked", qos=0))
    c.send(disconnect(RC_DISCONNECT_WITH_WILL, V5))
    c.expect_closed()
    w.expect_publish("will/04", b"asked", qos=0)


@both_versions
def test_will_retained(raw, proto):
    """[MQTT-3.1.2-17] A will with Will Retain=1 becomes the retained message of its topic."""
    c = raw(proto)
    c.connect("ret-will", will=will("will/ret", b"last", qos=0, retain=True))
    c.abort()
    late = raw(proto)
    late.connect("late")
    deadline = time.monotonic() + TIMEOUT
    sid = 1
    while True:  # the will is published asynchronously after the close is noticed
        late.subscribe(sid, [("will/ret", 0)])
        p = late.poll(0.3)
        if p is not None:
            assert (p.topic, p.payload, p.retain) == ("will/ret", b"last", True), p
            break
        assert time.monotonic() < deadline, "retained will never appeared"
        sid += 1


def test_v5_will_properties_forwarded(raw):
    """[MQTT-3.1.3-9..] Will properties (content type, user properties) reach the subscriber."""
    w = watcher(raw, V5, "will/props")
    c = raw(V5)
    wp = [(CONTENT_TYPE, "text/plain"), (USER_PROPERTY, ("k", "v1")), (USER_PROPERTY, ("k", "v2"))]
    c.connect("props-will", will=will("will/props", b"p", qos=0, properties=wp))
    c.abort()
    w.expect_publish("will/props", b"p", qos=0, properties=wp)


def test_v5_will_delay_interval(raw):
    """[MQTT-3.1.3-9] Will Delay Interval 1s: the will is not sent at once, but after the delay."""
    w = watcher(raw, V5, "will/delay")
    c = raw(V5)
    c.connect("delayed", properties=[(SESSION_EXPIRY_INTERVAL, 60)],
              will=will("will/delay", b"late", qos=0, properties=[(WILL_DELAY_INTERVAL, 1)]))
    c.abort()
    start = time.monotonic()
    w.expect_nothing(0.5)
    w.expect_publish("will/delay", b"late", qos=0, timeout=TIMEOUT + 1)
    assert time.monotonic() - start >= 0.8


def test_v5_will_delay_cancelled_by_reconnect(raw):
    """[MQTT-3.1.3-9] If the client reconnects (resuming the session) within the Will Delay
    Interval, the will is not sent."""
    w = watcher(raw, V5, "will/cancel")
    c = raw(V5)
    c.connect("comeback", properties=[(SESSION_EXPIRY_INTERVAL, 60)],
              will=will("will/cancel", b"never", qos=0, properties=[(WILL_DELAY_INTERVAL, 1)]))
    c.abort()
    time.sleep(0.2)
    c2 = raw(V5)
    c2.send(connect("comeback", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 60)]))
    c2.expect_connack(0, session_present=True)
    w.expect_nothing(1.8)


def test_v5_will_sent_when_session_expires_first(raw):
    """[MQTT-3.1.3-9] The will is sent when the session ends even if the delay is longer
    (Session Expiry 1s < Will Delay 30s)."""
    w = watcher(raw, V5, "will/exp")
    c = raw(V5)
    c.connect("expiring", properties=[(SESSION_EXPIRY_INTERVAL, 1)],
              will=will("will/exp", b"end", qos=0, properties=[(WILL_DELAY_INTERVAL, 30)]))
    c.abort()
    w.expect_publish("will/exp", b"end", qos=0, timeout=TIMEOUT + 1)
