"""Publish/subscribe with real clients: the nine QoS pairings (delivered QoS =
min(publish, subscription)) and payload integrity, paho 3.1/3.1.1/5.0 and mosquitto."""

import os

import pytest

PAIRS = [(p, s) for p in (0, 1, 2) for s in (0, 1, 2)]


@pytest.mark.parametrize("version", ["v31", "v311", "v5"])
def test_paho_qos_matrix(paho, version):
    """[MQTT-3.8.4-6] paho publisher -> paho subscriber, all nine QoS pairings: delivered QoS
    is min(pub, sub) and the binary payload arrives unchanged."""
    sub = paho("matrix-sub", version).connect()
    for s in (0, 1, 2):
        sub.subscribe("mx/%d" % s, s)
    pub = paho("matrix-pub", version).connect()
    for p, s in PAIRS:
        payload = os.urandom(100 + 97 * (3 * p + s))
        pub.publish("mx/%d" % s, payload, qos=p)
        m = sub.get()
        assert (m.topic, m.qos, m.payload) == ("mx/%d" % s, min(p, s), payload), \
            "pub %d sub %d: got %s qos %d" % (p, s, m.topic, m.qos)
    sub.expect_none()
    pub.disconnect()
    sub.disconnect()


@pytest.mark.parametrize("version", ["mqttv311", "5"])
def test_mosquitto_clients_qos_matrix(mosquitto_sub, mosquitto_pub, tmp_path, version):
    """mosquitto_pub -> mosquitto_sub, nine QoS pairings: delivered QoS = min; binary payload
    (all 256 byte values, sent from a file) unchanged."""
    subs = {s: mosquitto_sub("mm/%d" % s, s, version) for s in (0, 1, 2)}
    payload = bytes(range(256)) * 4
    f = tmp_path / "payload.bin"
    f.write_bytes(payload)
    for p, s in PAIRS:
        mosquitto_pub("-t", "mm/%d" % s, "-q", str(p), "-f", str(f), version=version)
        qos, retain, topic, got = subs[s].next_msg()
        assert (qos, retain, topic) == (min(p, s), 0, "mm/%d" % s), (p, s, qos, retain, topic)
        assert got == payload


def test_mixed_clients_and_versions(paho, mosquitto_sub, mosquitto_pub):
    """mosquitto_pub (3.1.1) -> paho 5.0 and paho 3.1.1 -> mosquitto_sub (5.0): versions mix
    through the broker with topic, QoS and payload intact."""
    p5 = paho("mixed-5", "v5").connect()
    p5.subscribe("mix/a", 2)
    msub = mosquitto_sub("mix/b", 1, "5")
    mosquitto_pub("-t", "mix/a", "-q", "2", "-m", "from-mosquitto")
    m = p5.get()
    assert (m.topic, m.qos, m.payload) == ("mix/a", 2, b"from-mosquitto")
    p3 = paho("mixed-3", "v311").connect()
    p3.publish("mix/b", b"\x00\xffbinary", qos=2)
    assert msub.next_msg() == (1, 0, "mix/b", b"\x00\xffbinary")


def test_many_messages_in_order(paho):
    """QoS 1 stream of 500 messages from one publisher arrives complete and in order."""
    sub = paho("order-sub", "v5").connect()
    sub.subscribe("ord/t", 1)
    pub = paho("order-pub", "v5").connect()
    for i in range(500):
        pub.publish("ord/t", b"%05d" % i, qos=1, wait=False)
    got = [sub.get().payload for _ in range(500)]
    assert got == [b"%05d" % i for i in range(500)]
