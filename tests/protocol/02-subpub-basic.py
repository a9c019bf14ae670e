"""SUBSCRIBE / PUBLISH / UNSUBSCRIBE routing: QoS downgrade, overlap, $-topics."""

from broker import both_versions
from mqtt_raw import (PUBACK, PUBLISH, SUBSCRIPTION_IDENTIFIER, V311, V5, publish,
                      sub_opts, unsubscribe)


@both_versions
def test_qos0_roundtrip_exact(raw, proto):
    """A QoS 0 PUBLISH reaches a QoS 0 subscriber unchanged, retain flag 0."""
    sub = raw(proto)
    sub.connect("sub")
    sub.subscribe(1, [("sp/a", 0)])
    pub = raw(proto)
    pub.connect("pub")
    pub.publish("sp/a", b"hello")
    sub.expect_publish("sp/a", b"hello", qos=0, properties=[])
    sub.expect_nothing()


@both_versions
def test_delivered_qos_is_minimum(raw, proto):
    """[MQTT-3.8.4-6] The nine pub/sub QoS pairings: delivered QoS = min(publish, granted)."""
    sub = raw(proto)
    sub.connect("sub-min")
    sub.subscribe(1, [("q/0", 0), ("q/1", 1), ("q/2", 2)])
    pub = raw(proto)
    pub.connect("pub-min")
    mid = 10
    for pub_qos in (0, 1, 2):
        for sub_qos in (0, 1, 2):
            payload = b"p%d-s%d" % (pub_qos, sub_qos)
            mid += 1
            pub.publish("q/%d" % sub_qos, payload, qos=pub_qos, mid=mid)
            p = sub.expect_publish("q/%d" % sub_qos, payload, qos=min(pub_qos, sub_qos))
            if p.qos:
                assert p.mid != 0
            sub.ack(p)
    sub.expect_nothing()


@both_versions
def test_unsubscribe_stops_delivery(raw, proto):
    """[MQTT-3.10.4-1/4] UNSUBACK echoes the packet id; the filter no longer matches."""
    sub = raw(proto)
    sub.connect("unsub")
    sub.subscribe(3, [("u/a", 1)])
    sub.send(unsubscribe(4, ["u/a"], proto))
    sub.expect_unsuback(4, [0x00])
    pub = raw(proto)
    pub.connect("unsub-pub")
    pub.publish("u/a", b"gone", qos=1)
    sub.expect_nothing()


def test_v5_unsubscribe_unknown_filter(raw):
    """v5 UNSUBACK reason 0x11 (No subscription existed) for a filter never subscribed."""
    c = raw(V5)
    c.connect("unsub-none")
    c.subscribe(1, [("x/known", 0)])
    c.send(unsubscribe(2, ["x/unknown", "x/known"], V5))
    c.expect_unsuback(2, [0x11, 0x00])


@both_versions
def test_subscribe_several_filters(raw, proto):
    """[MQTT-3.9.3-1] SUBACK return codes are in the order of the filters."""
    c = raw(proto)
    c.connect("multi")
    c.subscribe(9, [("m/a", 2), ("m/b", 0), ("m/+", 1)])


@both_versions
def test_resubscribe_replaces(raw, proto):
    """[MQTT-3.8.4-3] Subscribing again to the same filter replaces its QoS; one copy."""
    sub = raw(proto)
    sub.connect("resub")
    sub.subscribe(1, [("r/a", 2)])
    sub.subscribe(2, [("r/a", 0)])
    pub = raw(proto)
    pub.connect("resub-pub")
    pub.publish("r/a", b"once", qos=2)
    sub.expect_publish("r/a", b"once", qos=0)
    sub.expect_nothing()


def test_overlapping_subscriptions_v311(raw):
    """[MQTT-3.3.5-1] Overlapping filters: one copy, at the highest granted QoS."""
    sub = raw(V311)
    sub.connect("overlap")
    sub.subscribe(1, [("o/+", 0), ("o/#", 2), ("o/b", 1)])
    pub = raw(V311)
    pub.connect("overlap-pub")
    pub.publish("o/b", b"x", qos=2)
    p = sub.expect_publish("o/b", b"x", qos=2)
    sub.ack(p)
    sub.expect_nothing()


def test_overlapping_subscriptions_v5_ids(raw):
    """[MQTT-3.3.4-2/3/4] v5 overlap: one copy at max QoS carrying every matching
    Subscription Identifier."""
    sub = raw(V5)
    sub.connect("overlap5")
    sub.subscribe(1, [("o/+", 0)], sub_id=11)
    sub.subscribe(2, [("o/#", sub_opts(2))], sub_id=22)
    sub.subscribe(3, [("o/b", sub_opts(1))], sub_id=33)
    sub.subscribe(4, [("o/c", sub_opts(1))], sub_id=44)
    pub = raw(V5)
    pub.connect("overlap5-pub")
    pub.publish("o/b", b"x", qos=2)
    p = sub.expect_publish("o/b", b"x", qos=2)
    assert sorted(p.prop_all(SUBSCRIPTION_IDENTIFIER)) == [11, 22, 33], p.props
    sub.ack(p)
    sub.expect_nothing()


def test_v5_subscription_identifier(raw):
    """[MQTT-3.3.4-3] The Subscription Identifier of the matching subscription is sent;
    none when the subscription had none."""
    sub = raw(V5)
    sub.connect("subid")
    sub.subscribe(1, [("s/a", 0)], sub_id=268435455)
    sub.subscribe(2, [("s/b", 0)])
    pub = raw(V5)
    pub.connect("subid-pub")
    pub.publish("s/a", b"1")
    sub.expect_publish("s/a", b"1", properties=[(SUBSCRIPTION_IDENTIFIER, 268435455)])
    pub.publish("s/b", b"2")
    sub.expect_publish("s/b", b"2", properties=[])


def test_dollar_topics_not_matched_by_wildcards(raw):
    """[MQTT-4.7.2-1] '#' and '+/x' do not match topics beginning with '$' (e.g. $SYS/x);
    an explicit '$SYS/x' subscription does."""
    wild = raw(V311)
    wild.connect("wild")
    wild.subscribe(1, [("#", 0), ("+/x", 0), ("+/+", 0), ("+/#", 0)])
    exact = raw(V311)
    exact.connect("exact")
    exact.subscribe(1, [("$SYS/x", 0), ("$test/x", 0)])
    pub = raw(V311)
    pub.connect("dollar-pub")
    pub.publish("$test/x", b"d")
    exact.expect_publish("$test/x", b"d")
    pub.publish("$SYS/x", b"s")
    pub.publish("plain/x", b"p")
    # The wildcard subscriber gets only the plain message: one copy (overlap), nothing
    # with '$' (including anything the broker itself publishes under $SYS).
    p = wild.expect_publish("plain/x", b"p")
    assert not p.topic.startswith("$")
    wild.expect_nothing()


def test_dollar_share_not_a_dollar_topic_for_wildcard(raw):
    """[MQTT-4.7.2-1] A normal topic containing '$' later ('a/$b') is matched by 'a/+'."""
    sub = raw(V311)
    sub.connect("dollar-mid")
    sub.subscribe(1, [("a/+", 0)])
    pub = raw(V311)
    pub.connect("dollar-mid-pub")
    pub.publish("a/$b", b"m")
    sub.expect_publish("a/$b", b"m")


def test_v5_puback_no_matching_subscribers(raw):
    """v5 PUBACK for a message nobody receives: reason 0x00 (0x10 No matching subscribers is optional and not sent)."""
    c = raw(V5)
    c.connect("nosub")
    c.send(publish("nobody/here", b"x", qos=1, mid=5, proto=V5))
    p = c.expect_type(PUBACK)
    assert p.mid == 5 and p.rc == 0x00, p


@both_versions
def test_publisher_receives_own_message(raw, proto):
    """Without No Local, a client subscribed to its own topic receives its own PUBLISH."""
    c = raw(proto)
    c.connect("self")
    c.subscribe(1, [("self/t", 1)])
    c.send(publish("self/t", b"me", qos=1, mid=2, proto=proto))
    got = {}
    for _ in range(2):  # PUBACK and the delivery may come in either order
        p = c.recv()
        got[p.type] = p
    assert set(got) == {PUBACK, PUBLISH}, got
    assert got[PUBACK].mid == 2
    assert (got[PUBLISH].topic, got[PUBLISH].payload, got[PUBLISH].qos) == ("self/t", b"me", 1)


@both_versions
def test_single_level_and_multi_level_wildcards(raw, proto):
    """[MQTT-4.7.1] '+' matches one level (including empty), '#' the parent and all below."""
    sub = raw(proto)
    sub.connect("wildcards")
    sub.subscribe(1, [("w/+/c", 0), ("w/d/#", 0)])
    pub = raw(proto)
    pub.connect("wildcards-pub")
    for topic, matches in [("w/b/c", True), ("w//c", True), ("w/b/x/c", False),
                           ("w/d", True), ("w/d/e/f", True), ("w/de", False)]:
        pub.publish(topic, topic.encode())
        if matches:
            sub.expect_publish(topic, topic.encode())
    sub.expect_nothing()
