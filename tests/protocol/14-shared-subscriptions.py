"""Shared subscriptions: $share/<group>/<filter> and $queue/<filter> (spec 4.8.2, EMQ X).

Every message goes to exactly one member of each matching group; the strategies of
broker.shared_subscription_strategy are checked by what the members receive; a member that
goes away hands its unacknowledged QoS 1 messages to another member (also across shards).
"""

import time

import pytest

from broker import both_versions
from mqtt_raw import (CONNACK, PUBLISH, RC_PROTOCOL_ERROR, RC_TOPIC_FILTER_INVALID,
                      SESSION_EXPIRY_INTERVAL, SHARED_SUBSCRIPTION_AVAILABLE, TIMEOUT, V311, V5,
                      connect, publish, sub_opts, subscribe, unsubscribe)

RC_SHARED_NOT_SUPPORTED = 0x9E


def members(raw, proto, n, flt="$share/g/t", qos=1, prefix="m"):
    """n connected clients subscribed to `flt`."""
    out = []
    for i in range(n):
        c = raw(proto)
        c.connect("%s-%s-%d" % (prefix, proto, i))
        c.subscribe(1, [(flt, qos)])
        out.append(c)
    return out


def publisher(raw, proto=V311, client_id="pub"):
    p = raw(proto)
    p.connect(client_id)
    return p


def collect(clients, total, ack=True):
    """Reads PUBLISH packets from `clients` (acknowledging QoS 1) until `total` arrived in
    all, then checks that nothing more comes. Returns {client index: [payload, ...]}."""
    got = {i: [] for i in range(len(clients))}
    deadline = time.monotonic() + 3 * TIMEOUT
    while sum(len(v) for v in got.values()) < total:
        assert time.monotonic() < deadline, "only %d of %d messages arrived: %r" % (
            sum(len(v) for v in got.values()), total, got)
        for i, c in enumerate(clients):
            p = c.poll(0.02)
            while p is not None:
                assert p.type == PUBLISH, "unexpected %r" % p
                got[i].append(p.payload)
                if ack:
                    c.ack(p)
                p = c.poll(0.001)
    for c in clients:
        c.expect_nothing()
    return got


def payloads(n, prefix="m"):
    return [(prefix + "%02d" % i).encode() for i in range(n)]


def exactly_once(got, sent):
    """Every sent payload arrived exactly once, at some member."""
    received = [m for v in got.values() for m in v]
    assert sorted(received) == sorted(sent), "received %r" % got


# ---------------------------------------------------------------- basics

@both_versions
def test_each_message_to_exactly_one_member(raw, proto):
    """[MQTT-4.8.2] A message goes to one member of the group, not to all."""
    subs = members(raw, proto, 3)
    pub = publisher(raw, proto)
    sent = payloads(30)
    for i, m in enumerate(sent):
        pub.publish("t", m, qos=1, mid=i + 1)
    exactly_once(collect(subs, len(sent)), sent)


@both_versions
def test_queue_form(raw, proto):
    """EMQ's $queue/<filter> is a shared subscription (group $queue)."""
    subs = members(raw, proto, 2, flt="$queue/q/+")
    pub = publisher(raw, proto)
    sent = payloads(20)
    for m in sent:
        pub.publish("q/x", m)
    exactly_once(collect(subs, len(sent)), sent)


@both_versions
def test_shared_and_plain_subscriptions_in_one_session(raw, proto):
    """$share/g/t, $share/h/t and t in one session are three subscriptions: three copies."""
    c = raw(proto)
    c.connect("three")
    c.subscribe(1, [("$share/g/t", 1), ("$share/h/t", 1), ("t", 1)])
    pub = publisher(raw, proto)
    pub.publish("t", b"x", qos=1)
    got = collect([c], 3)
    assert got[0] == [b"x"] * 3
    # Unsubscribing one leaves the others.
    c.send(unsubscribe(2, ["$share/g/t"], proto))
    c.expect_unsuback(2, [0] if proto == V5 else ())
    pub.publish("t", b"y", qos=1)
    assert collect([c], 2)[0] == [b"y"] * 2


@both_versions
def test_invalid_shared_filters(raw, proto):
    """Empty or wildcard group, or no valid filter after it: 0x8F (3.1.1: 0x80)."""
    c = raw(proto)
    c.connect("bad")
    bad = ["$share//t", "$share/g", "$share/g+/t", "$share/#/t", "$share/g/a#", "$queue/"]
    code = RC_TOPIC_FILTER_INVALID if proto == V5 else 0x80
    c.subscribe(1, [(f, 0) for f in bad] + [("$share/ok/t", 0)], codes=[code] * len(bad) + [0])


@both_versions
def test_unsubscribe_leaves_the_group(raw, proto):
    """UNSUBSCRIBE with the full $share string; afterwards the other member gets all."""
    a, b = members(raw, proto, 2)
    a.send(unsubscribe(2, ["t", "$share/g/t"], proto))
    a.expect_unsuback(2, [0x11, 0] if proto == V5 else ())
    pub = publisher(raw, proto)
    sent = payloads(10)
    for m in sent:
        pub.publish("t", m)
    got = collect([a, b], len(sent))
    assert got[0] == [] and sorted(got[1]) == sorted(sent)


def test_no_retained_messages_for_shared_subscriptions(raw):
    """Spec 4.8.2: retained messages are not sent to a shared subscription."""
    pub = publisher(raw, V5)
    pub.publish("r", b"kept", qos=1, retain=True)
    c = raw(V5)
    c.connect("ret")
    c.subscribe(1, [("$share/g/r", 1)])
    c.expect_nothing()
    c.subscribe(2, [("r", 1)])
    c.expect_publish("r", b"kept", qos=1, retain=True)


@pytest.mark.parametrize("flt", ["$share/g/t", "$queue/t"])
def test_no_local_on_shared_is_protocol_error(raw, flt):
    """[MQTT-3.8.3-4] No Local = 1 on a shared subscription: DISCONNECT 0x82."""
    c = raw(V5)
    c.connect("nl")
    c.send(subscribe(1, [(flt, sub_opts(qos=1, no_local=True))], V5))
    c.expect_disconnect(RC_PROTOCOL_ERROR)


def test_connack_omits_shared_available_by_default(raw):
    """Available is the default meaning of an absent property (spec 3.2.2.3.17)."""
    c = raw(V5)
    p = c.connect("avail")
    assert p.prop(SHARED_SUBSCRIPTION_AVAILABLE) is None


@pytest.mark.emqd({"mqtt.shared_subscription": "false"})
@both_versions
def test_disabled(raw, proto):
    """mqtt.shared_subscription = false: SUBACK 0x9E (3.1.1: 0x80), v5 CONNACK says 0."""
    c = raw(proto)
    p = c.connect("off")
    if proto == V5:
        assert p.prop(SHARED_SUBSCRIPTION_AVAILABLE) == 0
    code = RC_SHARED_NOT_SUPPORTED if proto == V5 else 0x80
    c.subscribe(1, [("$share/g/t", 1), ("$queue/t", 1), ("t", 1)], codes=[code, code, 1])


# ---------------------------------------------------------------- strategies

@pytest.mark.emqd({"broker.shared_subscription_strategy": "round_robin"})
def test_round_robin_alternates_exactly(raw):
    subs = members(raw, V311, 2)
    pub = publisher(raw)
    sent = payloads(20)
    for i, m in enumerate(sent):
        pub.publish("t", m, qos=1, mid=i + 1)
    got = collect(subs, len(sent))
    assert sorted([got[0], got[1]]) == sorted([sent[0::2], sent[1::2]]), got


@pytest.mark.emqd({"broker.shared_subscription_strategy": "hash_clientid"})
def test_hash_clientid_one_publisher_one_member(raw):
    subs = members(raw, V311, 3)
    pubs = [publisher(raw, V311, "publisher-%d" % i) for i in range(4)]
    for n in range(10):
        for i, p in enumerate(pubs):
            p.publish("t", b"p%d-%02d" % (i, n), qos=1, mid=n + 1)
    got = collect(subs, 40)
    for i in range(4):
        holders = [k for k, v in got.items() if any(m.startswith(b"p%d-" % i) for m in v)]
        assert len(holders) == 1, "publisher %d reached members %s" % (i, holders)
        assert sum(m.startswith(b"p%d-" % i) for m in got[holders[0]]) == 10


@pytest.mark.emqd({"broker.shared_subscription_strategy": "hash_topic"})
def test_hash_topic_one_topic_one_member(raw):
    subs = members(raw, V311, 3, flt="$share/g/t/+")
    pubs = [publisher(raw, V311, "publisher-%d" % i) for i in range(2)]
    for n in range(3):
        for t in range(8):
            pubs[(n + t) % 2].publish("t/%d" % t, b"t%d-%d" % (t, n), qos=1)
    got = collect(subs, 24)
    for t in range(8):
        holders = [k for k, v in got.items() if any(m.startswith(b"t%d-" % t) for m in v)]
        assert len(holders) == 1, "topic t/%d reached members %s" % (t, holders)


@pytest.mark.emqd({"broker.shared_subscription_strategy": "sticky"})
def test_sticky_until_member_disconnects(raw):
    subs = members(raw, V311, 3)
    pub = publisher(raw)
    first = payloads(10, "a")
    for m in first:
        pub.publish("t", m, qos=1)
    got = collect(subs, 10)
    [chosen] = [k for k, v in got.items() if v]
    assert got[chosen] == first
    subs[chosen].disconnect()
    rest = [c for k, c in enumerate(subs) if k != chosen]
    second = payloads(10, "b")
    for m in second:
        pub.publish("t", m, qos=1)
    got = collect(rest, 10)
    [other] = [k for k, v in got.items() if v]
    assert got[other] == second


def test_random_reaches_every_member(raw):
    """The default strategy (random): over 200 messages both members get some."""
    subs = members(raw, V311, 2, qos=0)
    pub = publisher(raw)
    sent = payloads(200)
    for m in sent:
        pub.publish("t", m)
    got = collect(subs, len(sent))
    exactly_once(got, sent)
    assert got[0] and got[1], "one member got all %d" % len(sent)


# ---------------------------------------------------------------- redispatch

def run_redispatch(raw, proto, persistent):
    """Member A receives its share of a QoS 1 stream, acknowledges only some, and its
    socket is reset; the others must receive everything A did not acknowledge, and nothing
    twice. Round robin over four members makes A's share exact."""
    props = [(SESSION_EXPIRY_INTERVAL, 300)] if persistent and proto == V5 else None
    a = raw(proto)
    a.send(connect("member-a", proto, clean=not persistent, properties=props))
    a.expect_connack(0)
    a.subscribe(1, [("$share/g/t", 1)])
    others = members(raw, proto, 3, prefix="other")
    pub = publisher(raw, proto)
    first = payloads(20, "a")
    for i, m in enumerate(first):
        pub.publish("t", m, qos=1, mid=i + 1)
    mine = [a.expect_type(PUBLISH) for _ in range(5)]  # a quarter of 20
    for p in mine[:2]:
        a.ack(p)
    a.ping()  # the acks are processed
    acked = {p.payload for p in mine[:2]}
    a.abort()
    second = payloads(20, "b")
    for i, m in enumerate(second):
        pub.publish("t", m, qos=1, mid=i + 1)
    got = collect(others, 40 - len(acked))
    exactly_once(got, [m for m in first + second if m not in acked])
    return a


@pytest.mark.emqd({"broker.shards": 2, "broker.shared_subscription_strategy": "round_robin"})
@both_versions
def test_redispatch_when_member_killed(raw, proto):
    run_redispatch(raw, proto, persistent=False)


@pytest.mark.emqd({"broker.shards": 2, "broker.shared_subscription_strategy": "round_robin"})
@both_versions
def test_redispatch_from_persistent_member_killed(raw, proto):
    """A persistent member's session stays, but what it did not acknowledge went to the
    others: it is not sent again when the member comes back."""
    run_redispatch(raw, proto, persistent=True)
    back = raw(proto)
    props = [(SESSION_EXPIRY_INTERVAL, 300)] if proto == V5 else None
    back.send(connect("member-a", proto, clean=False, properties=props))
    back.expect_connack(0, session_present=True)
    back.expect_nothing()


@pytest.mark.emqd({"broker.shards": 2})
def test_persistent_member_alone_keeps_its_messages(raw):
    """No other member: the unacknowledged messages stay with the session and are resent
    (DUP) when it reconnects."""
    a = raw(V311)
    a.connect("alone", clean=False)
    a.subscribe(1, [("$share/g/t", 1)])
    pub = publisher(raw)
    for i in range(3):
        pub.publish("t", b"k%d" % i, qos=1, mid=i + 1)
    got = [a.expect_publish("t", b"k%d" % i, qos=1) for i in range(3)]
    a.abort()
    back = raw(V311)
    back.send(connect("alone", V311, clean=False))
    p = back.recv()
    assert p.type == CONNACK and p.session_present
    for i in range(3):
        back.expect_publish("t", b"k%d" % i, qos=1, dup=True, mid=got[i].mid)
