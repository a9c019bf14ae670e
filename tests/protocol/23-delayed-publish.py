"""Delayed publish (EMQ X): a PUBLISH to $delayed/<seconds>/<topic> is acknowledged at once
and reaches the subscribers of <topic> after <seconds>; malformed delayed topics and a full
delayed store refuse the message (v5 reason codes), without closing the connection."""

import time

import pytest

from broker import both_versions
from mqtt_raw import PUBACK, PUBREC, V311, V5, publish


@both_versions
@pytest.mark.emqd({"broker.shards": 2})
def test_delayed_message_arrives_after_its_delay(raw, proto):
    sub = raw(proto)
    sub.connect("dl-sub")
    sub.subscribe(1, [("dl/t", 1)])
    pub = raw(proto)
    pub.connect("dl-pub")
    sent = time.monotonic()
    pub.publish("$delayed/2/dl/t", b"later", qos=1)  # acknowledged at once
    sub.expect_nothing(1.0)
    p = sub.expect_publish("dl/t", b"later", qos=1)
    assert time.monotonic() - sent >= 2.0, "delivered before its delay"
    sub.ack(p)
    sub.expect_nothing()


def test_delayed_messages_keep_order_and_zero_means_now(raw):
    sub = raw(V5)
    sub.connect("dl-ord-sub")
    sub.subscribe(1, [("dl/o", 0)])
    pub = raw(V5)
    pub.connect("dl-ord-pub")
    for i in range(3):
        pub.publish("$delayed/1/dl/o", b"d%d" % i)
    pub.publish("$delayed/0/dl/o", b"now")
    sub.expect_publish("dl/o", b"now")
    for i in range(3):
        sub.expect_publish("dl/o", b"d%d" % i)
    sub.expect_nothing()


def test_delayed_retained_message_is_stored_when_published(raw):
    pub = raw(V311)
    pub.connect("dl-ret-pub")
    pub.publish("$delayed/1/dl/r", b"kept", qos=1, retain=True)
    early = raw(V311)
    early.connect("dl-ret-early")
    early.subscribe(1, [("dl/r", 0)])
    early.expect_nothing(0.5)  # not retained yet
    early.expect_publish("dl/r", b"kept")  # live delivery: RETAIN cleared in 3.1.1
    late = raw(V311)
    late.connect("dl-ret-late")
    late.subscribe(1, [("dl/r", 0)])
    late.expect_publish("dl/r", b"kept", retain=True)


@pytest.mark.parametrize("topic", ["$delayed/soon/dl/m", "$delayed/5", "$delayed//dl/m",
                                   "$delayed/4294968/dl/m"])
def test_malformed_delayed_topic_is_refused_v5(raw, topic):
    watcher = raw(V5)
    watcher.connect("dl-bad-watch")
    watcher.subscribe(1, [("dl/#", 0), ("$delayed/#", 0)])
    pub = raw(V5)
    pub.connect("dl-bad-pub")
    pub.send(publish(topic, b"x", qos=1, mid=3, proto=V5))
    pub.expect_ack(PUBACK, 3, rc=0x90)
    pub.send(publish(topic, b"x", qos=2, mid=4, proto=V5))
    pub.expect_ack(PUBREC, 4, rc=0x90)
    pub.ping()  # still connected
    watcher.expect_nothing(1.0)


def test_malformed_delayed_topic_is_dropped_v311(raw):
    watcher = raw(V311)
    watcher.connect("dl-bad3-watch")
    watcher.subscribe(1, [("$delayed/#", 0)])
    pub = raw(V311)
    pub.connect("dl-bad3-pub")
    pub.publish("$delayed/x/dl/m", b"x", qos=1)  # 3.1.1 PUBACK has no code to refuse with
    pub.ping()
    watcher.expect_nothing(0.5)


@pytest.mark.emqd({"mqtt.delayed.max_delayed_messages": 2})
def test_full_delayed_store_refuses_with_quota_exceeded(raw):
    sub = raw(V5)
    sub.connect("dl-q-sub")
    sub.subscribe(1, [("dl/q", 0)])
    pub = raw(V5)
    pub.connect("dl-q-pub")
    pub.publish("$delayed/1/dl/q", b"one", qos=1, mid=1)
    pub.publish("$delayed/1/dl/q", b"two", qos=1, mid=2)
    pub.send(publish("$delayed/1/dl/q", b"three", qos=1, mid=3, proto=V5))
    pub.expect_ack(PUBACK, 3, rc=0x97)
    sub.expect_publish("dl/q", b"one")
    sub.expect_publish("dl/q", b"two")
    sub.expect_nothing(0.5)
    # Released messages free their places.
    pub.publish("$delayed/0/dl/q", b"four", qos=1, mid=4)
    sub.expect_publish("dl/q", b"four")


# Each message counts topic + payload + properties + 64 bytes: 4 + 100 + 64 = 168 here, so
# two fit under 400 bytes and a third would pass it.
@pytest.mark.emqd({"mqtt.delayed.max_delayed_bytes": "400B"})
def test_delayed_store_byte_limit_refuses_with_quota_exceeded(raw):
    sub = raw(V5)
    sub.connect("dl-b-sub")
    sub.subscribe(1, [("dl/b", 0)])
    pub = raw(V5)
    pub.connect("dl-b-pub")
    pub.publish("$delayed/1/dl/b", b"1" * 100, qos=1, mid=1)
    pub.publish("$delayed/1/dl/b", b"2" * 100, qos=1, mid=2)
    pub.send(publish("$delayed/1/dl/b", b"3" * 100, qos=1, mid=3, proto=V5))
    pub.expect_ack(PUBACK, 3, rc=0x97)
    pub.send(publish("$delayed/1/dl/b", b"4" * 100, qos=2, mid=4, proto=V5))
    pub.expect_ack(PUBREC, 4, rc=0x97)
    sub.expect_publish("dl/b", b"1" * 100)
    sub.expect_publish("dl/b", b"2" * 100)
    sub.expect_nothing(0.5)
    # Released messages free their bytes.
    pub.publish("$delayed/0/dl/b", b"5" * 100, qos=1, mid=5)
    sub.expect_publish("dl/b", b"5" * 100)
