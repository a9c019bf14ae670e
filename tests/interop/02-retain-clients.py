"""Retained messages with real clients: set, replace, clear, delivery on subscribe."""

import pytest


@pytest.mark.parametrize("version", ["v311", "v5"])
def test_retained_set_replace_clear(paho, mosquitto_pub, mosquitto_sub, version):
    """[MQTT-3.3.1-5/6/10] mosquitto_pub -r sets and replaces the retained message; a new
    subscriber gets the latest with retain=1; an empty retained payload clears it."""
    mosquitto_pub("-t", "rc/t", "-r", "-q", "1", "-m", "v1")
    mosquitto_pub("-t", "rc/t", "-r", "-q", "1", "-m", "v2")
    s1 = paho("rc-sub1", version).connect()
    s1.subscribe("rc/t", 1)
    m = s1.get()
    assert (m.payload, m.retain, m.qos) == (b"v2", 1, 1)
    s1.expect_none()
    mosquitto_pub("-t", "rc/t", "-r", "-n")
    m = s1.get()  # the clearing message itself is forwarded to current subscribers
    assert (m.payload, m.retain) == (b"", 0)
    s2 = paho("rc-sub2", version).connect()
    s2.subscribe("rc/t", 1)
    s2.expect_none()
    ms = mosquitto_sub("rc/#", 0, "mqttv311")
    mosquitto_pub("-t", "rc/other", "-m", "live")
    assert ms.next_msg() == (0, 0, "rc/other", b"live")


def test_retained_paho_to_mosquitto_sub(paho, mosquitto_sub):
    """A paho retained QoS 2 message is delivered to a later mosquitto_sub with retain 1 and
    QoS min(2, 1)."""
    pub = paho("rp-pub", "v5").connect()
    pub.publish("rp/a/b", b"\x01\x02retained", qos=2, retain=True)
    ms = mosquitto_sub("rp/+/b", 1, "5")
    assert ms.next_msg() == (1, 1, "rp/a/b", b"\x01\x02retained")


def test_retained_many_topics_wildcard(paho):
    """100 retained topics are all delivered to one '#'-style wildcard subscriber."""
    pub = paho("rm-pub", "v311").connect()
    for i in range(100):
        pub.publish("rm/%d" % i, b"%d" % i, qos=1, retain=True)
    sub = paho("rm-sub", "v311").connect()
    sub.subscribe("rm/#", 0)
    got = {}
    for _ in range(100):
        m = sub.get()
        assert m.retain == 1
        got[m.topic] = m.payload
    assert got == {"rm/%d" % i: b"%d" % i for i in range(100)}
