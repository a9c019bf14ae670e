"""Will messages with real clients: kill -9 of a process holding a will, keepalive
timeout of a stopped process, and no will after a normal disconnect."""

import signal

import pytest

PAHO_WILL_CLIENT = """
import time, paho.mqtt.client as mqtt
c = mqtt.Client("paho-will", protocol=%s)
c.will_set("wk/paho", b"paho-died", qos=1, retain=False)
c.connect(HOST, PORT, %d)
c.loop_start()
while not c.is_connected():
    time.sleep(0.01)
print("READY", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("version", ["mqttv311", "5"])
def test_will_on_kill9_mosquitto_sub(paho, mosquitto_sub, version):
    """[MQTT-3.1.2-8] kill -9 of mosquitto_sub holding a will -> the will is published."""
    watch = paho("wk-watch", "v311").connect()
    watch.subscribe("wk/sub", 1)
    victim = mosquitto_sub("wk/ignored", 0, version, "--will-topic", "wk/sub",
                           "--will-payload", "sub-died", "--will-qos", "1")
    victim.signal(signal.SIGKILL)
    m = watch.get()
    assert (m.topic, m.payload, m.qos, m.retain) == ("wk/sub", b"sub-died", 1, 0)
    watch.expect_none()


@pytest.mark.parametrize("version", ["MQTTv311", "MQTTv5"])
def test_will_on_kill9_paho_process(paho, python_client, version):
    """[MQTT-3.1.2-8] kill -9 of a paho process holding a will -> the will is published."""
    watch = paho("wk-watch2", "v5").connect()
    watch.subscribe("wk/paho", 2)
    victim = python_client(PAHO_WILL_CLIENT % ("mqtt." + version, 60))
    watch.expect_none(0.3)
    victim.signal(signal.SIGKILL)
    m = watch.get()
    assert (m.topic, m.payload, m.qos) == ("wk/paho", b"paho-died", 1)


def test_will_on_keepalive_timeout(paho, python_client):
    """[MQTT-3.1.2-24] A paho process with keepalive 1s that stops (SIGSTOP, socket left
    open) is disconnected after 1.5x keepalive and its will is published."""
    watch = paho("wk-watch3", "v311").connect()
    watch.subscribe("wk/paho", 1)
    victim = python_client(PAHO_WILL_CLIENT % ("mqtt.MQTTv311", 1))
    watch.expect_none(1.6)  # alive and pinging: no will while it runs
    victim.signal(signal.SIGSTOP)
    try:
        m = watch.get(timeout=8)
        assert (m.topic, m.payload) == ("wk/paho", b"paho-died")
    finally:
        victim.signal(signal.SIGKILL)


def test_no_will_after_normal_disconnect(paho, mosquitto_sub, mosquitto_pub):
    """[MQTT-3.1.2-10] mosquitto_sub -C 1 exits with a normal DISCONNECT: no will."""
    watch = paho("wk-watch4", "v311").connect()
    watch.subscribe("wk/clean", 1)
    sub = mosquitto_sub("wk/one", 0, "mqttv311", "-C", "1", "--will-topic", "wk/clean",
                        "--will-payload", "should-not-appear")
    mosquitto_pub("-t", "wk/one", "-m", "x")
    assert sub.next_msg() == (0, 0, "wk/one", b"x")
    assert sub.wait() == 0
    watch.expect_none(1.0)


def test_paho_will_v5_with_delay(paho):
    """v5 Will Delay Interval 1s via paho: the will arrives after the delay on abrupt close."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    watch = paho("wk-watch5", "v5").connect()
    watch.subscribe("wk/delay", 0)
    wp = Properties(PacketTypes.WILLMESSAGE)
    wp.WillDelayInterval = 1
    victim = paho("wk-delayed", "v5", session_expiry=30,
                  will={"topic": "wk/delay", "payload": b"late", "properties": wp}).connect()
    victim.stop()  # stop the loop thread and close the socket without DISCONNECT
    watch.expect_none(0.5)
    m = watch.get(timeout=6)
    assert m.payload == b"late"
