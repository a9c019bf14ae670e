"""Takeover with real clients: the same client id connecting twice."""

import pytest


@pytest.mark.parametrize("version", ["v311", "v5"])
def test_paho_takeover(paho, version):
    """[MQTT-3.1.4-2] A second paho client with the same id disconnects the first; the
    second one's session (clean 0) keeps the subscription and receives messages."""
    kw = {"clean": False, "session_expiry": 300 if version == "v5" else None}
    a = paho("dup-id", version, **kw).connect()
    a.subscribe("tk/t", 1)
    b = paho("dup-id", version, **kw).connect(expect_session_present=True)
    assert a.disconnected.wait(5), "first client was not disconnected"
    pub = paho("tk-pub", version).connect()
    pub.publish("tk/t", b"to-b", qos=1)
    m = b.get()
    assert m.payload == b"to-b"
    a.expect_none()


def test_takeover_paho_by_mosquitto_sub(paho, mosquitto_sub, mosquitto_pub):
    """mosquitto_sub taking over a paho client's id: paho is disconnected, mosquitto_sub works."""
    a = paho("shared-id", "v5").connect()
    ms = mosquitto_sub("tk/ms", 0, "5", client_id="shared-id")
    assert a.disconnected.wait(5), "paho client was not disconnected"
    mosquitto_pub("-t", "tk/ms", "-m", "hello")
    assert ms.next_msg() == (0, 0, "tk/ms", b"hello")
