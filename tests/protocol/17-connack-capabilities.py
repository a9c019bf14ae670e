"""What a v5 CONNACK announces under various configs (each property only when it differs from
the spec's default), Request Problem Information (Reason Strings) and Request Response
Information, maintenance redirection (broker.redirect_to) and mqtt.max_subscriptions."""

import pytest

from mqtt_raw import (MAXIMUM_PACKET_SIZE, MAXIMUM_QOS, PUBCOMP, REASON_STRING,
                      RECEIVE_MAXIMUM, REQUEST_PROBLEM_INFORMATION,
                      REQUEST_RESPONSE_INFORMATION, RESPONSE_INFORMATION, RETAIN_AVAILABLE,
                      SERVER_REFERENCE, SHARED_SUBSCRIPTION_AVAILABLE,
                      SUBSCRIPTION_IDENTIFIER_AVAILABLE, TOPIC_ALIAS, TOPIC_ALIAS_MAXIMUM, V311,
                      V5, WILDCARD_SUBSCRIPTION_AVAILABLE, connect, publish, pubrel, subscribe,
                      unsubscribe)

RC_USE_ANOTHER_SERVER = 0x9C
RC_SERVER_MOVED = 0x9D
RC_QUOTA_EXCEEDED = 0x97
RC_PACKET_ID_NOT_FOUND = 0x92


def connack_props(raw, cid="caps", properties=None):
    c = raw(V5)
    c.send(connect(cid, V5, properties=properties))
    return c, dict(c.expect_connack(0).props)


# ---------------------------------------------------------------- capabilities

def test_default_zone(raw):
    _, props = connack_props(raw)
    assert props == {
        RECEIVE_MAXIMUM: 100,                 # zone.external.max_awaiting_rel
        MAXIMUM_PACKET_SIZE: 1024 * 1024,     # mqtt.max_packet_size
        TOPIC_ALIAS_MAXIMUM: 65535,           # mqtt.max_topic_alias
    }, props
    # Maximum QoS 2, Retain / Wildcard / Subscription Identifier / Shared Subscription
    # available: the defaults, so absent.


@pytest.mark.emqd({"mqtt.max_qos_allowed": 1, "mqtt.retain_available": "false",
                   "mqtt.wildcard_subscription": "false", "mqtt.max_topic_alias": 0,
                   "mqtt.shared_subscription": "false",
                   "zone.external.max_awaiting_rel": 0, "mqtt.max_packet_size": 268435455})
def test_restricted_zone(raw):
    _, props = connack_props(raw)
    assert props == {
        MAXIMUM_QOS: 1,
        RETAIN_AVAILABLE: 0,
        WILDCARD_SUBSCRIPTION_AVAILABLE: 0,
        SHARED_SUBSCRIPTION_AVAILABLE: 0,
    }, props
    # Receive Maximum 65535 (max_awaiting_rel unbounded), Maximum Packet Size at the
    # protocol's limit, no Topic Alias Maximum (aliases off): absent, as the spec's defaults.
    assert SUBSCRIPTION_IDENTIFIER_AVAILABLE not in props


@pytest.mark.emqd({"zone.external.max_awaiting_rel": 7, "mqtt.max_qos_allowed": 0,
                   "mqtt.max_topic_alias": 16})
def test_limits_are_announced(raw):
    _, props = connack_props(raw)
    assert props[RECEIVE_MAXIMUM] == 7
    assert props[MAXIMUM_QOS] == 0
    assert props[TOPIC_ALIAS_MAXIMUM] == 16


# ---------------------------------------------------------------- problem information

def test_reason_strings_by_default(raw):
    c, _ = connack_props(raw, "rs")
    c.send(subscribe(1, [("a/#/b", 0)], V5))
    ack = c.expect_suback(1, [0x8F])
    assert ack.prop(REASON_STRING), ack
    c.send(pubrel(9, proto=V5))  # nothing awaits PUBREL 9
    comp = c.expect_ack(PUBCOMP, 9, rc=RC_PACKET_ID_NOT_FOUND)
    assert comp.prop(REASON_STRING), comp
    c.send(unsubscribe(2, ["a/#/b"], V5))
    unack = c.expect_unsuback(2, [0x8F])
    assert unack.prop(REASON_STRING), unack


def test_request_problem_information_0(raw):
    """[MQTT-3.1.2-29] No Reason String on SUBACK/PUBCOMP; still on DISCONNECT."""
    c, _ = connack_props(raw, "quiet", [(REQUEST_PROBLEM_INFORMATION, 0)])
    c.send(subscribe(1, [("a/#/b", 0)], V5))
    c.expect(bytes.fromhex("90 04 00 01 00 8f"))
    c.send(pubrel(9, proto=V5))
    c.expect(bytes.fromhex("70 03 00 09 92"))
    c.send(publish("", b"x", proto=V5, properties=[(TOPIC_ALIAS, 9)]))  # unknown alias
    d = c.expect_disconnect(0x82)
    assert d.prop(REASON_STRING) == "unknown topic alias", d


def test_reason_string_left_out_past_the_client_maximum_packet_size(raw):
    c, _ = connack_props(raw, "small", [(MAXIMUM_PACKET_SIZE, 24)])
    c.send(pubrel(9, proto=V5))
    c.expect(bytes.fromhex("70 03 00 09 92"))
    c.send(publish("", b"x", proto=V5, properties=[(TOPIC_ALIAS, 9)]))
    c.expect(bytes.fromhex("e0 01 82"))


@pytest.mark.emqd({"mqtt.max_clientid_len": 23})
def test_refused_connack_carries_a_reason_string(raw):
    c = raw(V5)
    c.send(connect("x" * 30, V5))
    p = c.expect_connack(0x85)
    assert p.prop(REASON_STRING) == "client id too long", p


# ---------------------------------------------------------------- response information

@pytest.mark.emqd({"mqtt.response_information": "replies/%c/"})
def test_response_information_when_requested(raw):
    _, props = connack_props(raw, "asker", [(REQUEST_RESPONSE_INFORMATION, 1)])
    assert props[RESPONSE_INFORMATION] == "replies/asker/"
    _, props = connack_props(raw, "other", [(REQUEST_RESPONSE_INFORMATION, 0)])
    assert RESPONSE_INFORMATION not in props
    _, props = connack_props(raw, "silent")
    assert RESPONSE_INFORMATION not in props


def test_no_response_information_configured(raw):
    _, props = connack_props(raw, "asker", [(REQUEST_RESPONSE_INFORMATION, 1)])
    assert RESPONSE_INFORMATION not in props


# ---------------------------------------------------------------- redirection

@pytest.mark.emqd({"broker.redirect_to": "backup.example:1884"})
def test_redirect_temporary(raw):
    c = raw(V5)
    c.send(connect("r5", V5))
    p = c.expect_connack(RC_USE_ANOTHER_SERVER)
    assert p.prop(SERVER_REFERENCE) == "backup.example:1884", p
    c.expect_closed()
    c3 = raw(V311)
    c3.send(connect("r3", V311))
    c3.expect_connack(3)  # Server unavailable
    c3.expect_closed()


@pytest.mark.emqd({"broker.redirect_to": "backup.example:1884",
                   "broker.redirect_permanent": "true"})
def test_redirect_permanent(raw):
    c = raw(V5)
    c.send(connect("r5", V5))
    p = c.expect_connack(RC_SERVER_MOVED)
    assert p.prop(SERVER_REFERENCE) == "backup.example:1884", p
    c.expect_closed()


# ---------------------------------------------------------------- max_subscriptions

@pytest.mark.emqd({"mqtt.max_subscriptions": 2})
@pytest.mark.parametrize("proto,refused", [(V311, 0x80), (V5, RC_QUOTA_EXCEEDED)],
                         ids=["v311", "v5"])
def test_max_subscriptions(raw, proto, refused):
    c = raw(proto)
    c.connect("subs")
    c.subscribe(1, [("s/1", 0), ("s/2", 0), ("s/3", 0)], codes=[0, 0, refused])
    c.subscribe(2, [("s/1", 1)])  # replacing is allowed
    c.subscribe(3, [("s/4", 0)], codes=[refused])
    c.send(unsubscribe(4, ["s/2"], proto))
    c.expect_unsuback(4, [0x00])
    c.subscribe(5, [("s/4", 0)])  # room again
