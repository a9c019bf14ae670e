"""Configured limits: max_qos_allowed, wildcard_subscription, retain_available,
max_topic_levels, max_clientid_len, max_inflight, max_mqueue_len, max_awaiting_rel,
retry_interval."""

import pytest

from broker import both_versions
from mqtt_raw import (CONNACK, DISCONNECT, MAXIMUM_QOS, PUBACK, PUBCOMP, PUBREC,
                      RC_QOS_NOT_SUPPORTED,
                      RC_RECEIVE_MAXIMUM_EXCEEDED, RC_RETAIN_NOT_SUPPORTED,
                      RC_WILDCARD_SUBS_NOT_SUPPORTED, RETAIN_AVAILABLE, SESSION_EXPIRY_INTERVAL,
                      TIMEOUT, V311, V5, WILDCARD_SUBSCRIPTION_AVAILABLE, connack, connect,
                      puback, publish, pubrel, subscribe)


@both_versions
@pytest.mark.emqd({"mqtt.max_qos_allowed": 1})
def test_max_qos_allowed_grants_qos1(raw, proto):
    """[MQTT-3.2.2-..] max_qos_allowed=1: a QoS 2 subscription is granted QoS 1; a QoS 2
    message is delivered at QoS 1. v5 CONNACK announces Maximum QoS 1."""
    sub = raw(proto)
    sub.send(connect("mq-sub", proto))
    p = sub.expect_connack(0)
    if proto == V5:
        assert p.prop(MAXIMUM_QOS) == 1, p.props
    sub.subscribe(1, [("mq/t", 2)], codes=[1])
    pub = raw(proto)
    pub.connect("mq-pub")
    pub.publish("mq/t", b"one", qos=1)
    sub.expect_publish("mq/t", b"one", qos=1)


@pytest.mark.emqd({"mqtt.max_qos_allowed": 1})
def test_v5_publish_above_maximum_qos(raw):
    """[MQTT-3.2.2-11] v5: a PUBLISH with QoS above the announced Maximum QoS -> 0x9B
    (DISCONNECT, or PUBREC with 0x9B)."""
    c = raw(V5)
    c.connect("mq-over")
    c.send(publish("mq/x", b"x", qos=2, mid=3, proto=V5))
    p = c.recv()
    if p.type == DISCONNECT:
        assert p.rc == RC_QOS_NOT_SUPPORTED, p
        c.expect_closed()
    else:
        assert p.type == PUBREC and p.mid == 3 and p.rc == RC_QOS_NOT_SUPPORTED, p


@pytest.mark.emqd({"mqtt.wildcard_subscription": "false"})
def test_v5_wildcard_subscription_disabled(raw):
    """[MQTT-3.9.3] wildcard_subscription=false: CONNACK says Wildcard Subscription Available 0;
    wildcard filters get SUBACK 0xA2; exact filters still work."""
    c = raw(V5)
    c.send(connect("nowild", V5))
    p = c.expect_connack(0)
    assert p.prop(WILDCARD_SUBSCRIPTION_AVAILABLE) == 0, p.props
    c.subscribe(1, [("nw/+", 0), ("nw/#", 1), ("nw/exact", 1)],
                codes=[RC_WILDCARD_SUBS_NOT_SUPPORTED, RC_WILDCARD_SUBS_NOT_SUPPORTED, 1])


@pytest.mark.emqd({"mqtt.wildcard_subscription": "false"})
def test_v311_wildcard_subscription_disabled(raw):
    """3.1.1 with wildcard_subscription=false: wildcard filters get SUBACK 0x80."""
    c = raw(V311)
    c.connect("nowild311")
    c.subscribe(1, [("nw/+", 0), ("nw/exact", 1)], codes=[0x80, 1])


@pytest.mark.emqd({"mqtt.retain_available": "false"})
def test_v5_retain_not_available(raw):
    """[MQTT-3.2.2-14] retain_available=false: CONNACK says Retain Available 0; a retained
    PUBLISH gets DISCONNECT 0x9A."""
    c = raw(V5)
    c.send(connect("noretain", V5))
    p = c.expect_connack(0)
    assert p.prop(RETAIN_AVAILABLE) == 0, p.props
    c.publish("nr/t", b"plain")
    c.send(publish("nr/t", b"kept", retain=True, proto=V5))
    c.expect_disconnect(RC_RETAIN_NOT_SUPPORTED)


@both_versions
@pytest.mark.emqd({"mqtt.max_topic_levels": 3})
def test_max_topic_levels(raw, proto):
    """max_topic_levels=3: a 4-level filter is refused (0x80 / 0x8F), 3 levels are granted."""
    c = raw(proto)
    c.connect("levels")
    c.subscribe(1, [("a/b/c/d", 0), ("a/b/c", 0)], codes=[0x80 if proto == V311 else 0x8F, 0])


@both_versions
@pytest.mark.emqd({"mqtt.max_clientid_len": 23})
def test_max_clientid_len(raw, proto):
    """max_clientid_len=23: a 24-char id gets CONNACK 0x02 (3.1.1) / 0x85 (v5); 23 is fine."""
    ok = raw(proto)
    ok.connect("x" * 23)
    c = raw(proto)
    c.send(connect("y" * 24, proto))
    if proto == V311:
        c.expect(connack(False, 2))
    else:
        c.expect_connack(0x85)
    c.expect_closed()


@pytest.mark.emqd({"zone.external.max_inflight": 2})
def test_max_inflight_window(raw):
    """max_inflight=2: at most 2 unacknowledged QoS 1 deliveries; each PUBACK releases one
    more; nothing is lost."""
    sub = raw(V311)
    sub.connect("window")
    sub.subscribe(1, [("win/t", 1)])
    pub = raw(V311)
    pub.connect("window-pub")
    for i in range(5):
        pub.publish("win/t", b"%d" % i, qos=1, mid=i + 1)
    got = [sub.expect_publish("win/t", b"0", qos=1), sub.expect_publish("win/t", b"1", qos=1)]
    sub.expect_nothing()
    for i in range(2, 5):
        sub.send(puback(got.pop(0).mid))
        got.append(sub.expect_publish("win/t", b"%d" % i, qos=1))
        sub.expect_nothing(0.2)
    for p in got:
        sub.send(puback(p.mid))
    sub.expect_nothing()


@both_versions
@pytest.mark.emqd({"zone.external.max_mqueue_len": 3})
def test_max_mqueue_len_drops_oldest(raw, proto):
    """max_mqueue_len=3: 6 QoS 1 messages for an offline session -> 3 delivered on resume,
    the newest ones (the queue drops the oldest when full)."""
    props = [(SESSION_EXPIRY_INTERVAL, 300)] if proto == V5 else None
    c = raw(proto)
    c.connect("mq", clean=proto == V5, properties=props)
    c.subscribe(1, [("mql/t", 1)])
    c.disconnect()
    pub = raw(proto)
    pub.connect("mq-pub")
    for i in range(6):
        pub.publish("mql/t", b"%d" % i, qos=1, mid=i + 1)
    c2 = raw(proto)
    c2.send(connect("mq", proto, clean=False, properties=props))
    c2.expect_connack(0, session_present=True)
    payloads = []
    while True:
        p = c2.poll()
        if p is None:
            break
        assert p.type == 3 and p.topic == "mql/t", p
        payloads.append(p.payload)
        c2.send(puback(p.mid, proto=proto))
    assert payloads == [b"3", b"4", b"5"], payloads


@pytest.mark.emqd({"zone.external.max_awaiting_rel": 2})
def test_v5_max_awaiting_rel(raw):
    """max_awaiting_rel=2: a third QoS 2 PUBLISH waiting for PUBREL is refused with 0x93
    (PUBREC or DISCONNECT); completing the first two still works."""
    c = raw(V5)
    c.connect("awaiting")
    for mid in (1, 2):
        c.send(publish("ar/t", b"x", qos=2, mid=mid, proto=V5))
        c.expect_ack(PUBREC, mid, rc={0x00, 0x10})
    c.send(publish("ar/t", b"x", qos=2, mid=3, proto=V5))
    p = c.recv()
    if p.type == DISCONNECT:
        assert p.rc == RC_RECEIVE_MAXIMUM_EXCEEDED, p
        c.expect_closed()
        return
    assert p.type == PUBREC and p.mid == 3 and p.rc == RC_RECEIVE_MAXIMUM_EXCEEDED, p
    for mid in (1, 2):
        c.send(pubrel(mid, proto=V5))
        c.expect_ack(PUBCOMP, mid)


@pytest.mark.emqd({"zone.external.retry_interval": "1s"})
def test_retry_interval_redelivers_with_dup(raw):
    """EMQ retry_interval=1s: an unacknowledged QoS 1 delivery is re-sent with DUP=1 and the
    same packet id."""
    sub = raw(V311)
    sub.connect("retry")
    sub.subscribe(1, [("rt/t", 1)])
    pub = raw(V311)
    pub.connect("retry-pub")
    pub.publish("rt/t", b"again", qos=1)
    first = sub.expect_publish("rt/t", b"again", qos=1, dup=False)
    again = sub.expect_publish("rt/t", b"again", qos=1, dup=True, timeout=TIMEOUT + 2)
    assert again.mid == first.mid
    sub.send(puback(first.mid))
    sub.expect_nothing(1.5)


def test_connack_is_first_packet(raw):
    """[MQTT-3.2.0-1] The first packet from the server is CONNACK even when the client
    pipelines SUBSCRIBE and PUBLISH right behind its CONNECT."""
    c = raw(V311)
    c.send(connect("pipelined") + subscribe(1, [("pl/t", 1)]) + publish("pl/t", b"p", 1, mid=2))
    assert c.recv().type == CONNACK
    seen = {c.recv().type for _ in range(3)}
    assert seen == {9, PUBACK, 3}, seen
