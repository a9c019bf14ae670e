"""Malformed and invalid packets after CONNECT: the connection is closed (v5: DISCONNECT
with 0x81 Malformed Packet / 0x82 Protocol Error / 0x90 Topic Name invalid first)."""

from broker import both_versions
from mqtt_raw import (DISCONNECT, RC_MALFORMED, RC_PROTOCOL_ERROR, RC_TOPIC_NAME_INVALID, V311,
                      V5, fixed, props, publish, string, subscribe, u16, unsubscribe)


def connected(raw, proto, cid):
    c = raw(proto)
    c.connect(cid)
    return c


def expect_rejected(c, proto, rcs, strict=True):
    """3.1.1: closed without a reply. v5: DISCONNECT with one of `rcs`, then closed; when not
    `strict`, a close without DISCONNECT is accepted too (the spec says MAY)."""
    if proto == V5 and strict:
        c.expect_disconnect(rcs)
        return
    for p in c.expect_closed(allow=(DISCONNECT,) if proto == V5 else ()):
        assert p.rc in (rcs if isinstance(rcs, set) else {rcs}), p


def raw_publish(topic_bytes, payload=b"x", proto=V311):
    body = string(topic_bytes) + (props() if proto == V5 else b"") + payload
    return fixed(0x30, body)


@both_versions
def test_remaining_length_five_bytes(raw, proto):
    """[MQTT-1.5.5] A Remaining Length of more than 4 bytes is malformed."""
    c = connected(raw, proto, "rl5")
    c.send(b"\x30\xff\xff\xff\xff\x01")
    expect_rejected(c, proto, RC_MALFORMED)


@both_versions
def test_publish_qos3(raw, proto):
    """[MQTT-3.3.1-4] QoS 3 (both QoS bits set) is malformed."""
    c = connected(raw, proto, "qos3")
    pkt = bytearray(publish("m/q3", b"x", qos=1, mid=1, proto=proto))
    pkt[0] |= 0x06
    c.send(bytes(pkt))
    expect_rejected(c, proto, RC_MALFORMED)


@both_versions
def test_wildcard_in_topic_name(raw, proto):
    """[MQTT-3.3.2-2] A topic name with wildcard characters ('m/+', 'm/#', '+', '#'): v5
    DISCONNECT 0x90 (0x81/0x82 tolerated); closed; nothing delivered."""
    sub = raw(proto)
    sub.connect("wild-watch")
    sub.subscribe(1, [("#", 0)])
    for i, topic in enumerate(["m/+", "m/#", "+", "#"]):
        c = connected(raw, proto, "wild-topic%d" % i)
        c.send(publish(topic, b"x", proto=proto))
        expect_rejected(c, proto, RC_TOPIC_NAME_INVALID)
    sub.expect_nothing()


@both_versions
def test_empty_topic_name(raw, proto):
    """[MQTT-4.7.3-1] A topic name must have at least one character (3.1.1: closed; v5
    without a Topic Alias: DISCONNECT 0x90)."""
    c = connected(raw, proto, "empty-topic")
    c.send(publish("", b"x", proto=proto))
    expect_rejected(c, proto, RC_TOPIC_NAME_INVALID)


@both_versions
def test_invalid_utf8_topic(raw, proto):
    """[MQTT-1.5.4-1/2] A topic with U+0000, a surrogate (U+D800 as ED A0 80), an overlong
    encoding or byte FF is malformed: v5 DISCONNECT 0x81; closed; nothing is
    delivered."""
    sub = raw(proto)
    sub.connect("utf8-watch")
    sub.subscribe(1, [("m/#", 0)])
    for i, bad in enumerate([b"m/a\x00b", b"m/\xed\xa0\x80", b"m/\xc0\xaf", b"m/\xff"]):
        c = connected(raw, proto, "utf8-%d" % i)
        c.send(raw_publish(bad, proto=proto))
        expect_rejected(c, proto, RC_MALFORMED)
    sub.expect_nothing()


@both_versions
def test_invalid_utf8_client_id(raw, proto):
    """[MQTT-1.5.4-1] A CONNECT whose client id is ill-formed UTF-8 is not accepted."""
    c = raw(proto)
    body = string("MQTT") + bytes([proto, 0x02]) + u16(60)
    body += (props() if proto == V5 else b"") + string(b"id\xed\xa0\x80")
    c.send(fixed(0x10, body))
    for p in c.expect_closed(allow=(0x02,)):
        assert p.rc != 0, "ill-formed client id accepted"


@both_versions
def test_subscribe_invalid_filter(raw, proto):
    """[MQTT-4.7.1] Invalid topic filters ('f/#/b', 'f+/b', 'f/b#', 'f/#a', '') get SUBACK 0x80
    (3.1.1) / 0x8F (v5) while a valid filter in the same SUBSCRIBE is granted and the
    connection stays usable."""
    for i, flt in enumerate(["f/#/b", "f+/b", "f/b#", "f/#a", ""]):
        c = connected(raw, proto, "badfilter%d" % i)
        c.send(subscribe(2, [(flt, 0), ("f/ok", 1)], proto))
        p = c.read()
        assert p is not None and p.type == 9 and p.mid == 2, "filter %r: %r" % (flt, p)
        assert p.codes == [0x80 if proto == V311 else 0x8F, 1], "filter %r: %r" % (flt, p)
        c.ping()


@both_versions
def test_subscribe_without_filters(raw, proto):
    """[MQTT-3.8.3-3] A SUBSCRIBE with no topic filter is a protocol violation: closed."""
    c = connected(raw, proto, "nofilter")
    c.send(fixed(0x82, u16(1) + (props() if proto == V5 else b"")))
    expect_rejected(c, proto, RC_PROTOCOL_ERROR)


@both_versions
def test_unsubscribe_without_filters(raw, proto):
    """[MQTT-3.10.3-2] An UNSUBSCRIBE with no topic filter is a protocol violation: closed."""
    c = connected(raw, proto, "nounsub")
    c.send(fixed(0xA2, u16(1) + (props() if proto == V5 else b"")))
    expect_rejected(c, proto, RC_PROTOCOL_ERROR)


@both_versions
def test_subscribe_bad_fixed_header_flags(raw, proto):
    """[MQTT-3.8.1-1] SUBSCRIBE fixed-header flags must be 0010: 0x80 is malformed."""
    c = connected(raw, proto, "subflags")
    pkt = bytearray(subscribe(1, [("a/b", 0)], proto))
    pkt[0] = 0x80
    c.send(bytes(pkt))
    expect_rejected(c, proto, RC_MALFORMED)


@both_versions
def test_unsubscribe_bad_fixed_header_flags(raw, proto):
    """[MQTT-3.10.1-1] UNSUBSCRIBE fixed-header flags must be 0010."""
    c = connected(raw, proto, "unsubflags")
    pkt = bytearray(unsubscribe(1, ["a/b"], proto))
    pkt[0] = 0xA0
    c.send(bytes(pkt))
    expect_rejected(c, proto, RC_MALFORMED)


@both_versions
def test_subscribe_qos3(raw, proto):
    """[MQTT-3-8.3-4] A requested QoS of 3 is malformed: closed."""
    c = connected(raw, proto, "subq3")
    c.send(subscribe(1, [("a/b", 3)], proto))
    expect_rejected(c, proto, {RC_MALFORMED, RC_PROTOCOL_ERROR})


def test_v5_subscribe_reserved_option_bits(raw):
    """[MQTT-3.8.3-5] v5 subscription option bits 6-7 are reserved: malformed."""
    c = connected(raw, V5, "subres")
    c.send(subscribe(1, [("a/b", 0xC0)], V5))
    expect_rejected(c, V5, {RC_MALFORMED, RC_PROTOCOL_ERROR})


def test_v5_retain_handling_3(raw):
    """[MQTT-3.8.3-..] Retain Handling 3 is reserved: malformed / protocol error."""
    c = connected(raw, V5, "rh3")
    c.send(subscribe(1, [("a/b", 0x30)], V5))
    expect_rejected(c, V5, {RC_MALFORMED, RC_PROTOCOL_ERROR})


@both_versions
def test_publish_qos1_packet_id_zero(raw, proto):
    """[MQTT-2.3.1-1] A QoS 1 PUBLISH must have a non-zero packet id."""
    c = connected(raw, proto, "mid0")
    c.send(publish("m/z", b"x", qos=1, mid=0, proto=proto))
    expect_rejected(c, proto, {RC_MALFORMED, RC_PROTOCOL_ERROR})


@both_versions
def test_reserved_packet_type(raw, proto):
    """[MQTT-2.1] Packet type 0 is reserved: closed."""
    c = connected(raw, proto, "type0")
    c.send(b"\x00\x00")
    expect_rejected(c, proto, {RC_MALFORMED, RC_PROTOCOL_ERROR})


def test_auth_packet_in_v311(raw):
    """AUTH (type 15) does not exist in 3.1.1: closed."""
    c = connected(raw, V311, "auth311")
    c.send(b"\xf0\x00")
    assert c.expect_closed() == []


@both_versions
def test_server_only_packet_from_client(raw, proto):
    """A CONNACK sent by a client is a protocol violation: closed."""
    c = connected(raw, proto, "connack-in")
    c.send(b"\x20\x02\x00\x00")
    expect_rejected(c, proto, {RC_MALFORMED, RC_PROTOCOL_ERROR})


def test_v5_unknown_property(raw):
    """[MQTT-2.2.2-..] An unknown property identifier (0x7F) in PUBLISH is malformed."""
    c = connected(raw, V5, "unkprop")
    body = string("m/p") + b"\x02\x7f\x00" + b"x"
    c.send(fixed(0x30, body))
    expect_rejected(c, V5, {RC_MALFORMED, RC_PROTOCOL_ERROR})


def test_v5_property_length_overrun(raw):
    """A property length running past the packet end is malformed."""
    c = connected(raw, V5, "overrun")
    c.send(fixed(0x30, string("m/p") + b"\x20\x01"))
    expect_rejected(c, V5, {RC_MALFORMED, RC_PROTOCOL_ERROR})


def test_v5_duplicate_property(raw):
    """[MQTT-3.3.2-..] Including a single-valued property (Message Expiry) twice is a
    protocol error."""
    c = connected(raw, V5, "dupprop")
    body = string("m/p") + props((0x02, 10), (0x02, 20)) + b"x"
    c.send(fixed(0x30, body))
    expect_rejected(c, V5, {RC_MALFORMED, RC_PROTOCOL_ERROR})


@both_versions
def test_pubrel_bad_flags(raw, proto):
    """[MQTT-3.6.1-1] PUBREL fixed-header flags must be 0010."""
    c = connected(raw, proto, "relflags")
    c.send(b"\x60\x02\x00\x01")
    expect_rejected(c, proto, {RC_MALFORMED, RC_PROTOCOL_ERROR})


@both_versions
def test_string_longer_than_packet(raw, proto):
    """A topic length field that runs past the Remaining Length is malformed."""
    c = connected(raw, proto, "strlen")
    c.send(fixed(0x30, u16(50) + b"short"))
    expect_rejected(c, proto, {RC_MALFORMED, RC_PROTOCOL_ERROR})


@both_versions
def test_broker_survives_malformed_and_serves_others(raw, proto):
    """After many malformed connections, the broker still serves a normal pub/sub."""
    for i, junk in enumerate([b"\x30\xff\xff\xff\xff\x01", b"\x36\x03\x00\x01a",
                              b"\x00\x00", b"\x82\x00", b"\x30\x05\x00\x09abc"]):
        c = connected(raw, proto, "junk%d" % i)
        c.send(junk)
        c.expect_closed(allow=(DISCONNECT,))
    sub = raw(proto)
    sub.connect("survivor")
    sub.subscribe(1, [("ok/t", 1)])
    pub = raw(proto)
    pub.connect("survivor-pub")
    pub.publish("ok/t", b"fine", qos=1)
    p = sub.expect_publish("ok/t", b"fine", qos=1)
    assert p.payload == b"fine"
