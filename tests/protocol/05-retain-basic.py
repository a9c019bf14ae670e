"""Retained messages: set, replace, clear, delivery on subscribe; v5 Retain Handling,
Retain As Published, No Local."""

from broker import both_versions
from mqtt_raw import V311, V5, publish, sub_opts


@both_versions
def test_retained_delivered_on_subscribe(raw, proto):
    """[MQTT-3.3.1-6/8] A retained message is sent to a new subscriber with RETAIN=1."""
    pub = raw(proto)
    pub.connect("ret-pub")
    pub.publish("ret/a", b"kept", qos=1, retain=True)
    sub = raw(proto)
    sub.connect("ret-sub")
    sub.subscribe(1, [("ret/a", 1)])
    p = sub.expect_publish("ret/a", b"kept", qos=1, retain=True)
    sub.ack(p)
    sub.expect_nothing()


@both_versions
def test_retained_replace(raw, proto):
    """[MQTT-3.3.1-5] A new retained message on a topic replaces the previous one."""
    pub = raw(proto)
    pub.connect("ret-rep-pub")
    pub.publish("ret/r", b"first", retain=True)
    pub.publish("ret/r", b"second", retain=True)
    pub.ping()  # in order on one connection: both are stored before anyone subscribes
    sub = raw(proto)
    sub.connect("ret-rep-sub")
    sub.subscribe(1, [("ret/r", 0)])
    sub.expect_publish("ret/r", b"second", retain=True)
    sub.expect_nothing()


@both_versions
def test_retained_clear_with_empty_payload(raw, proto):
    """[MQTT-3.3.1-10/11] A retained PUBLISH with an empty payload removes the retained
    message; current subscribers still receive it."""
    live = raw(proto)
    live.connect("ret-clr-live")
    live.subscribe(1, [("ret/c", 0)])
    pub = raw(proto)
    pub.connect("ret-clr-pub")
    pub.publish("ret/c", b"value", retain=True)
    live.expect_publish("ret/c", b"value", retain=False)
    pub.publish("ret/c", b"", retain=True)
    live.expect_publish("ret/c", b"", retain=False)
    sub = raw(proto)
    sub.connect("ret-clr-sub")
    sub.subscribe(1, [("ret/c", 0)])
    sub.expect_nothing()


def test_live_delivery_clears_retain_flag_v311(raw):
    """[MQTT-3.3.1-9] 3.1.1: a retained PUBLISH forwarded to an existing subscriber has RETAIN=0."""
    sub = raw(V311)
    sub.connect("ret-live")
    sub.subscribe(1, [("ret/l", 0)])
    pub = raw(V311)
    pub.connect("ret-live-pub")
    pub.publish("ret/l", b"now", retain=True)
    sub.expect_publish("ret/l", b"now", retain=False)


@both_versions
def test_retained_qos_downgraded(raw, proto):
    """A retained QoS 2 message is delivered at the subscription's QoS (here 0)."""
    pub = raw(proto)
    pub.connect("ret-q-pub")
    pub.publish("ret/q", b"q2", qos=2, retain=True)
    sub = raw(proto)
    sub.connect("ret-q-sub")
    sub.subscribe(1, [("ret/q", 0)])
    sub.expect_publish("ret/q", b"q2", qos=0, retain=True)


@both_versions
def test_retained_wildcard_subscribe(raw, proto):
    """Retained messages of every topic matching a wildcard filter are delivered."""
    pub = raw(proto)
    pub.connect("ret-w-pub")
    for t in ("rw/a", "rw/b", "rw/c/d", "other/x"):
        pub.publish(t, t.encode(), retain=True)
    pub.ping()  # all stored before the subscription
    sub = raw(proto)
    sub.connect("ret-w-sub")
    sub.subscribe(1, [("rw/+", 0)])
    topics = []
    for _ in range(2):
        p = sub.recv()
        assert p.retain and p.payload == p.topic.encode(), p
        topics.append(p.topic)
    assert sorted(topics) == ["rw/a", "rw/b"], topics
    sub.expect_nothing()


def _retained_fixture(raw, topic):
    pub = raw(V5)
    pub.connect("rh-pub-" + topic.replace("/", "-"))
    pub.publish(topic, b"R", retain=True)
    # Stored before the subscriber exists: otherwise the publish, routed concurrently on
    # another shard, may also reach the new subscription live.
    pub.ping()
    sub = raw(V5)
    sub.connect("rh-sub-" + topic.replace("/", "-"))
    return sub


def test_v5_retain_handling_0(raw):
    """[MQTT-3.3.1-9] Retain Handling 0: retained messages are sent at every SUBSCRIBE."""
    sub = _retained_fixture(raw, "rh/0")
    sub.subscribe(1, [("rh/0", sub_opts(0, retain_handling=0))])
    sub.expect_publish("rh/0", b"R", retain=True)
    sub.subscribe(2, [("rh/0", sub_opts(0, retain_handling=0))])
    sub.expect_publish("rh/0", b"R", retain=True)


def test_v5_retain_handling_1(raw):
    """[MQTT-3.3.1-10] Retain Handling 1: sent only if the subscription did not exist."""
    sub = _retained_fixture(raw, "rh/1")
    sub.subscribe(1, [("rh/1", sub_opts(0, retain_handling=1))])
    sub.expect_publish("rh/1", b"R", retain=True)
    sub.subscribe(2, [("rh/1", sub_opts(0, retain_handling=1))])
    sub.expect_nothing()


def test_v5_retain_handling_2(raw):
    """[MQTT-3.3.1-11] Retain Handling 2: retained messages are not sent."""
    sub = _retained_fixture(raw, "rh/2")
    sub.subscribe(1, [("rh/2", sub_opts(0, retain_handling=2))])
    sub.expect_nothing()


def test_v5_retain_as_published(raw):
    """[MQTT-3.3.1-12/13] Retain As Published 1 keeps RETAIN=1 on live forwarding; 0 clears it."""
    rap = raw(V5)
    rap.connect("rap-1")
    rap.subscribe(1, [("rap/t", sub_opts(0, rap=True))])
    norap = raw(V5)
    norap.connect("rap-0")
    norap.subscribe(1, [("rap/t", sub_opts(0, rap=False))])
    pub = raw(V5)
    pub.connect("rap-pub")
    pub.publish("rap/t", b"r1", retain=True)
    pub.publish("rap/t", b"n1", retain=False)
    rap.expect_publish("rap/t", b"r1", retain=True)
    rap.expect_publish("rap/t", b"n1", retain=False)
    norap.expect_publish("rap/t", b"r1", retain=False)
    norap.expect_publish("rap/t", b"n1", retain=False)


def test_v5_no_local(raw):
    """[MQTT-3.8.3-3] No Local: the client's own messages are not forwarded back to it;
    other clients' messages are."""
    me = raw(V5)
    me.connect("nl-me")
    me.subscribe(1, [("nl/t", sub_opts(1, no_local=True))])
    me.send(publish("nl/t", b"mine", qos=0, proto=V5))
    other = raw(V5)
    other.connect("nl-other")
    other.publish("nl/t", b"theirs")
    me.expect_publish("nl/t", b"theirs", qos=0)
    me.expect_nothing()


def test_v5_no_local_off(raw):
    """No Local 0 (default): the client's own messages come back."""
    me = raw(V5)
    me.connect("nl-off")
    me.subscribe(1, [("nl/off", sub_opts(0))])
    me.send(publish("nl/off", b"mine", proto=V5))
    me.expect_publish("nl/off", b"mine")
