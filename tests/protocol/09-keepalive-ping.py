"""Keepalive: PINGREQ/PINGRESP and closing a silent client after 1.5x the keepalive."""

import time

import pytest

from broker import both_versions
from mqtt_raw import RC_KEEPALIVE_TIMEOUT, TIMEOUT, V311, V5, pingreq, pingresp


@both_versions
def test_pingreq_pingresp(raw, proto):
    """[MQTT-3.12.4-1] PINGREQ (c0 00) is answered with PINGRESP (d0 00)."""
    c = raw(proto)
    c.connect("pinger")
    for _ in range(3):
        c.send(pingreq())
        c.expect(pingresp())


# keepalive_backoff 0.75 (EMQ): the connection may stay silent for 2 x 0.75 = 1.5 keepalives.
BACKOFF = {"zone.external.keepalive_backoff": 0.75}


def check_elapsed(start):
    elapsed = time.monotonic() - start
    assert elapsed >= 1.0, "closed after %.2fs, before the keepalive elapsed" % elapsed
    # 1.5 s is the rule; the rest is slack for timer granularity and sanitizer builds.
    assert elapsed <= 1.5 + 2.0, "closed only after %.2fs" % elapsed


@pytest.mark.emqd(BACKOFF)
def test_keepalive_timeout_v311(raw):
    """[MQTT-3.1.2-24] 3.1.1: no packet for 1.5x keepalive (1s) -> the server closes."""
    c = raw(V311)
    c.connect("quiet311", keepalive=1)
    start = time.monotonic()
    assert c.expect_closed(timeout=TIMEOUT + 2) == []
    check_elapsed(start)


@pytest.mark.emqd(BACKOFF)
def test_keepalive_timeout_v5(raw):
    """[MQTT-3.1.2-22] v5: no packet for 1.5x keepalive -> DISCONNECT 0x8D, then close."""
    c = raw(V5)
    c.connect("quiet5", keepalive=1)
    start = time.monotonic()
    c.expect_disconnect(RC_KEEPALIVE_TIMEOUT, timeout=TIMEOUT + 2)
    check_elapsed(start)


@both_versions
def test_pings_keep_connection_alive(raw, proto):
    """Regular PINGREQs within the keepalive keep the connection open past 1.5x keepalive."""
    c = raw(proto)
    c.connect("busy", keepalive=1)
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        c.send(pingreq())
        c.expect(pingresp())
        time.sleep(0.4)
    c.ping()


def test_other_packets_keep_connection_alive(raw):
    """[MQTT-3.1.2-23] Any control packet (here PUBLISH QoS 0) resets the keepalive timer."""
    c = raw(V311)
    c.connect("publisher-ka", keepalive=1)
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        c.publish("ka/t", b"x")
        time.sleep(0.4)
    c.ping()


def test_keepalive_zero_disables(raw):
    """Keepalive 0 turns the mechanism off: a silent client stays connected."""
    c = raw(V311)
    c.connect("forever", keepalive=0)
    c.expect_nothing(1.7)
    c.ping()
