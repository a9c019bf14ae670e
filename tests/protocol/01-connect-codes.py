"""CONNECT / CONNACK: protocol names and levels, client identifiers, flags, ordering."""

import time

import pytest

from broker import both_versions
from mqtt_raw import (ASSIGNED_CLIENT_IDENTIFIER, CONNACK, DISCONNECT, RC_PROTOCOL_ERROR,
                      V31, V311, V5, connack, connect, fixed, pingreq, publish, string,
                      subscribe, u16)


@pytest.mark.parametrize("proto", [V31, V311, V5], ids=["v31", "v311", "v5"])
def test_connect_accepted(raw, proto):
    """A well-formed CONNECT gets CONNACK 0 with session present 0 (3.1 MQIsdp/3, 3.1.1, 5.0)."""
    c = raw(proto)
    c.send(connect("connect-ok", proto))
    c.expect_connack(0, False)
    c.ping()


@both_versions
def test_bad_protocol_name(raw, proto):
    """[MQTT-3.1.2-1] A wrong protocol name: the server closes without accepting."""
    c = raw(proto)
    c.send(connect("bad-name", proto, proto_name="MQTX"))
    for p in c.expect_closed(allow=(CONNACK,)):
        assert p.rc != 0, "CONNECT with a wrong protocol name was accepted"


def test_unsupported_protocol_level(raw):
    """[MQTT-3.1.2-2] Level 6 is unknown: CONNACK 0x01 (3.1.1 form) or 0x84 (5.0 form), close."""
    c = raw(V311)
    c.send(connect("level-6", 6))
    p = c.read()
    assert p is not None and p.raw in (b"\x20\x02\x00\x01", b"\x20\x03\x00\x84\x00"), p
    c.expect_closed()


def test_v31_protocol_name_with_level_4(raw):
    """'MQIsdp' belongs to level 3 only; MQIsdp with level 4 is rejected (CONNACK 0x01 or close)."""
    c = raw(V311)
    c.send(connect("mqisdp-4", V311, proto_name="MQIsdp"))
    for p in c.expect_closed(allow=(CONNACK,)):
        assert p.raw == connack(False, 1), p


def test_v31_client_id_23_chars_accepted(raw):
    """MQTT 3.1: client identifiers of 1 to 23 characters are accepted."""
    c = raw(V31)
    c.send(connect("x" * 23, V31))
    c.expect(connack(False, 0))


def test_v31_client_id_too_long(raw):
    """MQTT 3.1: a client identifier longer than 23 characters gets CONNACK 0x02, then close."""
    c = raw(V31)
    c.send(connect("x" * 24, V31))
    c.expect(connack(False, 2))
    c.expect_closed()


def test_v31_empty_client_id(raw):
    """MQTT 3.1: an empty client identifier is invalid: CONNACK 0x02, then close."""
    c = raw(V31)
    c.send(connect("", V31))
    c.expect(connack(False, 2))
    c.expect_closed()


def test_v311_empty_client_id_clean_session(raw):
    """[MQTT-3.1.3-6] 3.1.1 empty client id with CleanSession=1 is accepted."""
    c = raw(V311)
    c.send(connect("", V311, clean=True))
    c.expect(connack(False, 0))
    c.ping()


def test_v311_empty_client_id_persistent(raw):
    """[MQTT-3.1.3-8] 3.1.1 empty client id with CleanSession=0: CONNACK 0x02, then close."""
    c = raw(V311)
    c.send(connect("", V311, clean=False))
    c.expect(connack(False, 2))
    c.expect_closed()


def test_v5_assigned_client_identifier(raw):
    """[MQTT-3.2.2-16] v5 empty client id: CONNACK 0 carries a unique Assigned Client Identifier."""
    ids = []
    for _ in range(2):
        c = raw(V5)
        c.send(connect("", V5))
        p = c.expect_connack(0)
        assigned = p.prop(ASSIGNED_CLIENT_IDENTIFIER)
        assert assigned, "no Assigned Client Identifier in %r" % p
        ids.append(assigned)
    assert ids[0] != ids[1], "two clients got the same assigned id"
    # The assigned identifier is a real session identifier: connecting with it takes over.
    c3 = raw(V5)
    c3.send(connect(ids[0], V5))
    p = c3.expect_connack(0)
    assert p.prop(ASSIGNED_CLIENT_IDENTIFIER) is None, "assigned id sent for a non-empty id"


def test_v5_no_assigned_identifier_when_given(raw):
    """[MQTT-3.2.2-16] Assigned Client Identifier is only sent when the client id was empty."""
    c = raw(V5)
    c.send(connect("has-id", V5))
    p = c.expect_connack(0)
    assert p.prop(ASSIGNED_CLIENT_IDENTIFIER) is None


@both_versions
def test_reserved_flag_set(raw, proto):
    """[MQTT-3.1.2-3] The reserved CONNECT flag must be 0, else the connection is closed
    (v5 may first send CONNACK 0x81)."""
    c = raw(proto)
    c.send(connect("reserved", proto, reserved=True))
    for p in c.expect_closed(allow=(CONNACK,)):
        assert proto == V5 and p.rc == 0x81, "reserved flag accepted: %r" % p


@both_versions
def test_will_qos_without_will_flag(raw, proto):
    """[MQTT-3.1.2-11/13] Will QoS must be 0 when the Will Flag is 0: malformed, closed."""
    c = raw(proto)
    pkt = bytearray(connect("willqos", proto))
    pkt[9] |= 0x08  # Will QoS 1, Will Flag 0 (connect flags byte follows "\x00\x04MQTT\x04")
    c.send(bytes(pkt))
    for p in c.expect_closed(allow=(CONNACK,)):
        assert proto == V5 and p.rc == 0x81, "invalid will flags accepted: %r" % p


@both_versions
def test_second_connect_closes(raw, proto):
    """[MQTT-3.1.0-2] A second CONNECT is a protocol violation: the connection is closed
    (v5: DISCONNECT 0x82 may precede the close)."""
    c = raw(proto)
    c.connect("twice")
    c.send(connect("twice", proto))
    for p in c.expect_closed(allow=(DISCONNECT,)):
        assert proto == V5 and p.rc == RC_PROTOCOL_ERROR, p


def test_first_packet_not_connect(raw):
    """[MQTT-3.1.0-1] The first packet must be CONNECT; PINGREQ, SUBSCRIBE or PUBLISH first
    -> closed without any reply."""
    for first in (pingreq(), subscribe(1, [("a", 0)]), publish("a", b"x")):
        c = raw(V311)
        c.send(first)
        assert c.expect_closed() == [], first.hex(" ")


@pytest.mark.emqd({"zone.external.idle_timeout": "2s"})
def test_idle_timeout_without_connect(raw):
    """EMQ idle_timeout=2s: a TCP connection that never sends CONNECT, and one that sends
    only half a CONNECT, are both closed after ~2s without any reply."""
    silent = raw(V311)
    partial = raw(V311)
    partial.send(connect("partial")[:8])
    start = time.monotonic()
    assert silent.expect_closed(timeout=10) == []
    elapsed = time.monotonic() - start
    assert elapsed >= 1.0, "closed after %.2fs, before the 2s idle timeout" % elapsed
    assert partial.expect_closed(timeout=5) == []


def test_connect_remaining_length_mismatch(raw):
    """A CONNECT whose fields run past its Remaining Length is malformed: closed."""
    c = raw(V311)
    body = string("MQTT") + bytes([4, 0x02]) + u16(60) + u16(20) + b"short"
    c.send(fixed(0x10, body))
    for p in c.expect_closed(allow=(CONNACK,)):
        assert p.rc != 0, p
