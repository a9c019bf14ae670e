"""MQTT 5.0 properties: Topic Alias, Message Expiry, pass-through properties, Receive
Maximum, Maximum Packet Size, Subscription Identifier."""

import time

import pytest

from mqtt_raw import (CONTENT_TYPE, CORRELATION_DATA, PUBACK, MAXIMUM_PACKET_SIZE,
                      MESSAGE_EXPIRY_INTERVAL, PAYLOAD_FORMAT_INDICATOR, PUBLISH,
                      RC_PACKET_TOO_LARGE, RC_PROTOCOL_ERROR, RC_TOPIC_ALIAS_INVALID,
                      RECEIVE_MAXIMUM, RESPONSE_TOPIC, SESSION_EXPIRY_INTERVAL, TOPIC_ALIAS,
                      TOPIC_ALIAS_MAXIMUM, USER_PROPERTY, V311, V5, connect, puback, publish)


def alias_client(raw, cid):
    c = raw(V5)
    c.send(connect(cid, V5))
    p = c.expect_connack(0)
    maximum = p.prop(TOPIC_ALIAS_MAXIMUM, 0)
    assert maximum > 0, "the broker must announce a Topic Alias Maximum > 0"
    return c, maximum


def test_topic_alias_inbound(raw):
    """[MQTT-3.3.2-12] A Topic Alias set with a topic can then be used with an empty topic;
    an alias can be re-mapped to another topic."""
    sub = raw(V5)
    sub.connect("alias-sub")
    sub.subscribe(1, [("al/#", 0)])
    c, _ = alias_client(raw, "alias-pub")
    c.send(publish("al/one", b"1", proto=V5, properties=[(TOPIC_ALIAS, 1)]))
    c.send(publish("", b"2", proto=V5, properties=[(TOPIC_ALIAS, 1)]))
    c.send(publish("al/two", b"3", proto=V5, properties=[(TOPIC_ALIAS, 1)]))
    c.send(publish("", b"4", proto=V5, properties=[(TOPIC_ALIAS, 1)]))
    c.send(publish("", b"5", qos=1, mid=5, proto=V5, properties=[(TOPIC_ALIAS, 1)]))
    c.expect_ack(PUBACK, 5, rc=0x00)
    for topic, payload in [("al/one", b"1"), ("al/one", b"2"), ("al/two", b"3"),
                           ("al/two", b"4")]:
        p = sub.expect_publish(topic, payload, properties=[])
    p = sub.expect_publish("al/two", b"5")
    assert p.prop(TOPIC_ALIAS) is None


def test_topic_alias_zero(raw):
    """[MQTT-3.3.2-8] Topic Alias 0 is invalid: DISCONNECT 0x94, close."""
    c, _ = alias_client(raw, "alias-zero")
    c.send(publish("al/z", b"x", proto=V5, properties=[(TOPIC_ALIAS, 0)]))
    c.expect_disconnect(RC_TOPIC_ALIAS_INVALID)


@pytest.mark.emqd({"mqtt.max_topic_alias": 10})
def test_topic_alias_above_maximum(raw):
    """[MQTT-3.3.2-9] mqtt.max_topic_alias=10 is announced as Topic Alias Maximum 10; alias 10
    works, alias 11 gets DISCONNECT 0x94, close."""
    c, maximum = alias_client(raw, "alias-big")
    assert maximum == 10
    c.send(publish("al/b", b"x", qos=1, mid=1, proto=V5, properties=[(TOPIC_ALIAS, 10)]))
    c.expect_ack(PUBACK, 1, rc=0x00)
    c.send(publish("al/b", b"x", proto=V5, properties=[(TOPIC_ALIAS, 11)]))
    c.expect_disconnect(RC_TOPIC_ALIAS_INVALID)


def test_topic_alias_unknown(raw):
    """[MQTT-3.3.2-7..] An empty topic with an alias never set is a protocol error:
    DISCONNECT 0x82 (or 0x94), close."""
    c, _ = alias_client(raw, "alias-unknown")
    c.send(publish("", b"x", proto=V5, properties=[(TOPIC_ALIAS, 1)]))
    c.expect_disconnect(RC_PROTOCOL_ERROR)


def test_message_expiry_drops_expired_queued(raw):
    """[MQTT-3.3.2-5] A queued message whose Message Expiry Interval (1s) passed while the
    subscriber was offline is not delivered; a message without expiry is."""
    s = raw(V5)
    s.connect("exp-sub", properties=[(SESSION_EXPIRY_INTERVAL, 60)])
    s.subscribe(1, [("me/t", 1)])
    s.disconnect()
    pub = raw(V5)
    pub.connect("exp-pub")
    pub.publish("me/t", b"expires", qos=1, mid=1, properties=[(MESSAGE_EXPIRY_INTERVAL, 1)])
    pub.publish("me/t", b"stays", qos=1, mid=2)
    time.sleep(2.1)  # 1s expiry; allow brokers with whole-second clocks
    s2 = raw(V5)
    s2.send(connect("exp-sub", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 60)]))
    s2.expect_connack(0, session_present=True)
    p = s2.expect_publish("me/t", b"stays", qos=1, properties=[])
    s2.send(puback(p.mid, proto=V5))
    s2.expect_nothing()


def test_message_expiry_remaining_forwarded(raw):
    """[MQTT-3.3.2-6] The forwarded Message Expiry Interval is the received value minus the
    time the message waited in the server."""
    s = raw(V5)
    s.connect("rem-sub", properties=[(SESSION_EXPIRY_INTERVAL, 60)])
    s.subscribe(1, [("me/r", 1)])
    pub = raw(V5)
    pub.connect("rem-pub")
    pub.publish("me/r", b"live", qos=1, mid=1, properties=[(MESSAGE_EXPIRY_INTERVAL, 60)])
    p = s.expect_publish("me/r", b"live", qos=1)
    assert 58 <= p.prop(MESSAGE_EXPIRY_INTERVAL, -1) <= 60, p.props
    s.send(puback(p.mid, proto=V5))
    s.disconnect()
    pub.publish("me/r", b"waited", qos=1, mid=2, properties=[(MESSAGE_EXPIRY_INTERVAL, 30)])
    time.sleep(1.3)
    s2 = raw(V5)
    s2.send(connect("rem-sub", V5, clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 60)]))
    s2.expect_connack(0, session_present=True)
    p = s2.expect_publish("me/r", b"waited", qos=1)
    assert 1 <= p.prop(MESSAGE_EXPIRY_INTERVAL, -1) <= 29, p.props


def test_retained_message_expiry(raw):
    """[MQTT-3.3.2-5] A retained message expires: a subscriber arriving before its 1s expiry
    receives it, one arriving after does not."""
    pub = raw(V5)
    pub.connect("ret-exp-pub")
    pub.publish("me/ret", b"short", retain=True, properties=[(MESSAGE_EXPIRY_INTERVAL, 1)])
    pub.ping()
    early = raw(V5)
    early.connect("ret-exp-early")
    early.subscribe(1, [("me/ret", 0)])
    early.expect_publish("me/ret", b"short", retain=True)
    time.sleep(2.1)  # 1s expiry; allow brokers with whole-second clocks
    s = raw(V5)
    s.connect("ret-exp-sub")
    s.subscribe(1, [("me/ret", 0)])
    s.expect_nothing()


PASS_THROUGH = [
    (PAYLOAD_FORMAT_INDICATOR, 1),
    (CONTENT_TYPE, "application/json"),
    (RESPONSE_TOPIC, "reply/here"),
    (CORRELATION_DATA, b"\x00\x01corr\xff"),
    (USER_PROPERTY, ("b", "2")),
    (USER_PROPERTY, ("a", "1")),
    (USER_PROPERTY, ("a", "0")),
]


def test_properties_passed_through(raw):
    """[MQTT-3.3.2-4/15/16/17/18] Payload Format Indicator, Content Type, Response Topic,
    Correlation Data and User Properties (order kept) are forwarded unchanged, at QoS 0/1/2."""
    sub = raw(V5)
    sub.connect("pt-sub")
    sub.subscribe(1, [("pt/t", 2)])
    pub = raw(V5)
    pub.connect("pt-pub")
    for qos in (0, 1, 2):
        pub.publish("pt/t", b'{"k": 1}', qos=qos, mid=qos + 1, properties=PASS_THROUGH)
        p = sub.expect_publish("pt/t", b'{"k": 1}', qos=qos, properties=PASS_THROUGH)
        sub.ack(p)


def test_properties_dropped_for_v311_subscriber(raw):
    """A 5.0 message with properties reaches a 3.1.1 subscriber as a plain 3.1.1 PUBLISH."""
    sub = raw(V311)
    sub.connect("pt-311")
    sub.subscribe(1, [("pt/old", 0)])
    pub = raw(V5)
    pub.connect("pt-pub5")
    pub.publish("pt/old", b"data", properties=PASS_THROUGH)
    sub.expect(publish("pt/old", b"data"))


def test_receive_maximum_announced(raw):
    """[MQTT-3.2.2-..] CONNACK announces the server's Receive Maximum (1..65535)."""
    c = raw(V5)
    c.send(connect("rm", V5))
    p = c.expect_connack(0)
    value = p.prop(RECEIVE_MAXIMUM)
    assert value is not None and 1 <= value <= 65535, p.props


def test_client_receive_maximum_honoured(raw):
    """[MQTT-3.3.4-9] The server sends no more unacknowledged QoS 1 PUBLISHes than the
    client's Receive Maximum (2); a PUBACK lets the next one through."""
    sub = raw(V5)
    sub.connect("rmax", properties=[(RECEIVE_MAXIMUM, 2)])
    sub.subscribe(1, [("rx/t", 1)])
    pub = raw(V5)
    pub.connect("rmax-pub")
    for i in range(5):
        pub.publish("rx/t", b"%d" % i, qos=1, mid=i + 1)
    a = sub.expect_publish("rx/t", b"0", qos=1)
    sub.expect_publish("rx/t", b"1", qos=1)
    sub.expect_nothing()
    sub.send(puback(a.mid, proto=V5))
    sub.expect_publish("rx/t", b"2", qos=1)
    sub.expect_nothing()


def test_client_maximum_packet_size(raw):
    """[MQTT-3.1.2-24/25] A message larger than the client's Maximum Packet Size (64) is not
    sent to it; later small messages are."""
    sub = raw(V5)
    sub.connect("small", properties=[(MAXIMUM_PACKET_SIZE, 64)])
    sub.subscribe(1, [("mps/t", 1)])
    pub = raw(V5)
    pub.connect("small-pub")
    pub.publish("mps/t", b"x" * 200, qos=1, mid=1)
    pub.publish("mps/t", b"fits", qos=1, mid=2)
    p = sub.expect_publish("mps/t", b"fits", qos=1)
    assert len(p.raw) <= 64
    sub.send(puback(p.mid, proto=V5))
    sub.expect_nothing()


@pytest.mark.emqd({"mqtt.max_packet_size": 1024})
def test_broker_maximum_packet_size_v5(raw):
    """[MQTT-3.2.2-..] CONNACK announces Maximum Packet Size 1024; a larger PUBLISH gets
    DISCONNECT 0x95 (Packet too large) and close."""
    c = raw(V5)
    c.send(connect("big5", V5))
    p = c.expect_connack(0)
    assert p.prop(MAXIMUM_PACKET_SIZE) == 1024, p.props
    c.publish("mps/ok", b"y" * 900)
    c.send(publish("mps/big", b"x" * 2000, proto=V5))
    c.expect_disconnect(RC_PACKET_TOO_LARGE)


@pytest.mark.emqd({"mqtt.max_packet_size": 1024})
def test_broker_maximum_packet_size_v311(raw):
    """3.1.1: a PUBLISH larger than mqtt.max_packet_size closes the connection."""
    sub = raw(V311)
    sub.connect("big-sub")
    sub.subscribe(1, [("mps/#", 0)])
    c = raw(V311)
    c.connect("big311")
    c.send(publish("mps/big", b"x" * 2000))
    assert c.expect_closed() == []
    sub.expect_nothing()


def test_v5_publish_to_v311_sub_keeps_payload_and_qos(raw):
    """Cross-version: a 5.0 QoS 1 publish is delivered to a 3.1.1 QoS 1 subscriber byte-exact."""
    sub = raw(V311)
    sub.connect("x-311")
    sub.subscribe(1, [("xv/t", 1)])
    pub = raw(V5)
    pub.connect("x-5")
    pub.publish("xv/t", b"cross", qos=1, properties=[(USER_PROPERTY, ("k", "v"))])
    p = sub.expect_publish("xv/t", b"cross", qos=1)
    assert p.type == PUBLISH


def test_v5_subscriber_gets_v311_publish(raw):
    """Cross-version: a 3.1.1 publish reaches a 5.0 subscriber with no properties."""
    sub = raw(V5)
    sub.connect("y-5")
    sub.subscribe(1, [("yv/t", 0)])
    pub = raw(V311)
    pub.connect("y-311")
    pub.publish("yv/t", b"old")
    sub.expect_publish("yv/t", b"old", properties=[])


def test_client_disconnect_gets_no_reply(raw):
    """[MQTT-3.14.4-1] After a client's DISCONNECT the server sends nothing and closes."""
    c = raw(V5)
    c.connect("bye")
    c.send(b"\xe0\x00")
    assert c.expect_closed() == []


def test_expired_message_in_flight_is_still_resent(raw):
    """[MQTT-4.4.0-1] A QoS 1 message already sent and not acknowledged is resent with DUP
    and its packet id on reconnect even if its Message Expiry passed meanwhile (onward
    delivery had started, spec 3.3.2.3.3); the remaining expiry it carries is at least 1."""
    sub = raw(V5)
    sub.connect("exp-inflight", clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 300)])
    sub.subscribe(1, [("ei/t", 1)])
    pub = raw(V5)
    pub.connect("exp-inflight-pub")
    pub.publish("ei/t", b"late", qos=1, properties=[(MESSAGE_EXPIRY_INTERVAL, 1)])
    first = sub.expect_type(PUBLISH)
    sub.abort()  # no PUBACK
    time.sleep(2.1)
    back = raw(V5)
    back.connect("exp-inflight", clean=False, properties=[(SESSION_EXPIRY_INTERVAL, 300)],
                 session_present=True)
    again = back.expect_type(PUBLISH)
    assert again.dup and again.mid == first.mid and again.payload == b"late", again
    assert again.prop(MESSAGE_EXPIRY_INTERVAL) == 1, again
