"""Persistent sessions with real clients: offline queueing and resume."""

import pytest


@pytest.mark.parametrize("version", ["v311", "v5"])
def test_paho_offline_queue_and_resume(paho, version):
    """[MQTT-3.1.2-4/5, MQTT-4.6.0-6] paho clean_session=False (v5: clean_start=False, expiry
    300): QoS 1 and 2 messages published while offline all arrive on reconnect at their QoS,
    in order per topic and QoS, with session present 1."""
    kw = {"clean": False, "session_expiry": 300 if version == "v5" else None}
    sub = paho("resume-me", version, **kw).connect()
    sub.subscribe("off/#", 2)
    sub.disconnect()
    pub = paho("resume-pub", version).connect()
    sent = []
    for i in range(20):
        payload = b"queued-%02d" % i
        pub.publish("off/%d" % (i % 3), payload, qos=1 + i % 2)
        sent.append(payload)
    back = paho("resume-me", version, **kw).connect(expect_session_present=True)
    got = [back.get() for _ in range(20)]
    assert sorted(m.payload for m in got) == sent
    for m in got:
        i = int(m.payload[-2:])
        assert (m.topic, m.qos) == ("off/%d" % (i % 3), 1 + i % 2), (m.topic, m.qos, i)
    for t in range(3):
        for q in (1, 2):
            flow = [m.payload for m in got if (m.topic, m.qos) == ("off/%d" % t, q)]
            assert flow == sorted(flow), "off/%d QoS %d out of order: %s" % (t, q, flow)
    back.expect_none()
    pub.publish("off/live", b"live", qos=1)
    assert back.get().payload == b"live"


def test_paho_clean_session_discards(paho):
    """[MQTT-3.1.2-6] Reconnecting with clean_session=True discards the queued messages."""
    sub = paho("discard-me", "v311", clean=False).connect()
    sub.subscribe("dis/t", 1)
    sub.disconnect()
    pub = paho("discard-pub", "v311").connect()
    pub.publish("dis/t", b"lost", qos=1)
    back = paho("discard-me", "v311", clean=True).connect(expect_session_present=False)
    back.expect_none()


def test_mosquitto_sub_persistent_session(mosquitto_sub, mosquitto_pub, spawn):
    """mosquitto_sub -c (clean session off) resumes and receives what was published while
    it was gone."""
    first = mosquitto_sub("ms/t", 1, "mqttv311", "-c", client_id="ms-persist")
    first.kill()
    for i in range(3):
        mosquitto_pub("-t", "ms/t", "-q", "1", "-m", "m%d" % i)
    again = mosquitto_sub("ms/t", 1, "mqttv311", "-c", client_id="ms-persist",
                          wait_suback=False)
    assert [again.next_msg() for _ in range(3)] == [(1, 0, "ms/t", b"m%d" % i)
                                                   for i in range(3)]
