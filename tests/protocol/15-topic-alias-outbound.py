"""Outbound topic aliases (MQTT 5, spec 3.3.2.3.4): the broker names the topics it sends with
aliases within the client's Topic Alias Maximum. Exact bytes: the first PUBLISH of a topic
carries the topic and the alias, later ones an empty topic and the alias; when every alias
is in use the least recently used one is redefined. Per connection: a reconnect starts
again, resends included. A client without a Topic Alias Maximum never gets aliases."""

import pytest

from mqtt_raw import (PUBLISH, PUBREL, SESSION_EXPIRY_INTERVAL, TOPIC_ALIAS, TOPIC_ALIAS_MAXIMUM, V5,
                      connect, puback, pubcomp, publish, pubrec)


def alias_sub(raw, cid, maximum, filters=(("ta/#", 0),), **kw):
    """A v5 subscriber that takes `maximum` topic aliases (None: no property at all)."""
    c = raw(V5)
    props = [(TOPIC_ALIAS_MAXIMUM, maximum)] if maximum is not None else []
    c.connect(cid, properties=props + kw.pop("properties", []), **kw)
    c.subscribe(1, list(filters))
    return c


def with_alias(topic, payload, alias, **kw):
    """The exact PUBLISH the broker must send: `topic` ("" once known) and Topic Alias."""
    return publish(topic, payload, proto=V5, properties=[(TOPIC_ALIAS, alias)], **kw)


def plain(topic, payload, **kw):
    return publish(topic, payload, proto=V5, **kw)


def test_first_publish_has_topic_and_alias_later_ones_only_the_alias(raw):
    sub = alias_sub(raw, "ta-sub", 5)
    pub = raw(V5)
    pub.connect("ta-pub")
    for payload in (b"1", b"2", b"3"):
        pub.publish("ta/x", payload)
    pub.publish("ta/y", b"4")
    pub.publish("ta/x", b"5")
    sub.expect(with_alias("ta/x", b"1", 1))
    sub.expect(with_alias("", b"2", 1))
    sub.expect(with_alias("", b"3", 1))
    sub.expect(with_alias("ta/y", b"4", 2))
    sub.expect(with_alias("", b"5", 1))


def test_the_client_maximum_is_respected_least_recently_used_alias_redefined(raw):
    sub = alias_sub(raw, "ta-lru", 2)
    pub = raw(V5)
    pub.connect("ta-lru-pub")
    for i, t in enumerate("abacba"):
        pub.publish("ta/" + t, b"%d" % i)
    sub.expect(with_alias("ta/a", b"0", 1))
    sub.expect(with_alias("ta/b", b"1", 2))
    sub.expect(with_alias("", b"2", 1))      # ta/a, now the most recent
    sub.expect(with_alias("ta/c", b"3", 2))  # full: ta/b was the least recently used
    sub.expect(with_alias("ta/b", b"4", 1))  # and now ta/a is
    sub.expect(with_alias("ta/a", b"5", 2))
    sub.expect_nothing()


@pytest.mark.emqd({"mqtt.max_topic_alias": 1})
def test_the_zone_maximum_caps_the_client_maximum(raw):
    sub = alias_sub(raw, "ta-cap", 100)
    pub = raw(V5)
    pub.connect("ta-cap-pub")
    for t in "aab":
        pub.publish("ta/" + t, b"p")
    sub.expect(with_alias("ta/a", b"p", 1))
    sub.expect(with_alias("", b"p", 1))
    sub.expect(with_alias("ta/b", b"p", 1))


def test_qos1_and_qos2_carry_aliases(raw):
    sub = alias_sub(raw, "ta-qos", 5, filters=(("ta/#", 2),))
    pub = raw(V5)
    pub.connect("ta-qos-pub")
    pub.publish("ta/q", b"one", qos=1, mid=1)
    pub.publish("ta/q", b"two", qos=2, mid=2)
    sub.expect(with_alias("ta/q", b"one", 1, qos=1, mid=1))
    sub.send(puback(1, proto=V5))
    sub.expect(with_alias("", b"two", 1, qos=2, mid=2))
    sub.send(pubrec(2, proto=V5))
    sub.expect_ack(PUBREL, 2)
    sub.send(pubcomp(2, proto=V5))
    sub.ping()


def test_a_reconnect_starts_a_new_table(raw):
    first = alias_sub(raw, "ta-again", 5)
    pub = raw(V5)
    pub.connect("ta-again-pub")
    pub.publish("ta/r", b"1")
    pub.publish("ta/r", b"2")
    first.expect(with_alias("ta/r", b"1", 1))
    first.expect(with_alias("", b"2", 1))
    first.disconnect()
    second = alias_sub(raw, "ta-again", 5)
    pub.publish("ta/r", b"3")
    second.expect(with_alias("ta/r", b"3", 1))  # the topic again: new connection


def test_resends_after_a_reconnect_define_their_alias_again(raw):
    """Unacknowledged QoS 1 messages are resent (DUP) on the new connection: the first one
    of a topic with the topic, as the old connection's aliases are gone."""
    expiry = [(SESSION_EXPIRY_INTERVAL, 300)]
    first = alias_sub(raw, "ta-dup", 5, filters=(("ta/#", 1),), properties=expiry)
    pub = raw(V5)
    pub.connect("ta-dup-pub")
    pub.publish("ta/d", b"1", qos=1, mid=1)
    pub.publish("ta/d", b"2", qos=1, mid=2)
    first.expect(with_alias("ta/d", b"1", 1, qos=1, mid=1))
    first.expect(with_alias("", b"2", 1, qos=1, mid=2))
    first.abort()  # no PUBACK: both stay in flight
    second = raw(V5)
    second.send(connect("ta-dup", V5, clean=False,
                        properties=[(TOPIC_ALIAS_MAXIMUM, 5)] + expiry))
    second.expect_connack(0, session_present=True)
    second.expect(with_alias("ta/d", b"1", 1, qos=1, mid=1, dup=True))
    second.expect(with_alias("", b"2", 1, qos=1, mid=2, dup=True))


@pytest.mark.parametrize("maximum", [None, 0], ids=["absent", "zero"])
def test_no_aliases_for_a_client_without_topic_alias_maximum(raw, maximum):
    sub = alias_sub(raw, "ta-none", maximum, filters=(("ta/#", 1),))
    pub = raw(V5)
    pub.connect("ta-none-pub")
    pub.publish("ta/n", b"1")
    pub.publish("ta/n", b"2")
    pub.publish("ta/n", b"3", qos=1, mid=1)
    sub.expect(plain("ta/n", b"1"))
    sub.expect(plain("ta/n", b"2"))
    p = sub.expect_type(PUBLISH)
    assert p.raw == plain("ta/n", b"3", qos=1, mid=p.mid), p
