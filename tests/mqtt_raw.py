"""Raw MQTT 3.1 / 3.1.1 / 5.0 packet builder and reader for black-box broker tests.

Written from the OASIS specifications, independently of the broker's codec, so the
two cannot share a misreading. Builders return bytes; `RawClient` wraps one socket
with a reader that returns one whole packet (or None on close) and `expect_*`
helpers that assert either exact bytes or decoded fields.
"""

import os
import socket
import struct
import time

# Seconds to wait for a packet the broker must send. ASan builds are slower, so
# the whole suite scales with EMQD_TEST_TIMEOUT.
TIMEOUT = float(os.environ.get("EMQD_TEST_TIMEOUT", "5"))
# Seconds to wait when asserting that nothing arrives.
QUIET = float(os.environ.get("EMQD_TEST_QUIET", "0.3"))

V31, V311, V5 = 3, 4, 5

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP = 8, 9, 10, 11, 12, 13
DISCONNECT, AUTH = 14, 15
PACKET_NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC",
                6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE",
                11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}

# v5 property identifiers.
PAYLOAD_FORMAT_INDICATOR = 0x01
MESSAGE_EXPIRY_INTERVAL = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_IDENTIFIER = 0x0B
SESSION_EXPIRY_INTERVAL = 0x11
ASSIGNED_CLIENT_IDENTIFIER = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTHENTICATION_METHOD = 0x15
AUTHENTICATION_DATA = 0x16
REQUEST_PROBLEM_INFORMATION = 0x17
WILL_DELAY_INTERVAL = 0x18
REQUEST_RESPONSE_INFORMATION = 0x19
RESPONSE_INFORMATION = 0x1A
SERVER_REFERENCE = 0x1C
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27
WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28
SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29
SHARED_SUBSCRIPTION_AVAILABLE = 0x2A

_BYTE, _U16, _U32, _VARINT, _STR, _BIN, _PAIR = range(7)
PROPERTY_TYPES = {
    0x01: _BYTE, 0x02: _U32, 0x03: _STR, 0x08: _STR, 0x09: _BIN, 0x0B: _VARINT,
    0x11: _U32, 0x12: _STR, 0x13: _U16, 0x15: _STR, 0x16: _BIN, 0x17: _BYTE,
    0x18: _U32, 0x19: _BYTE, 0x1A: _STR, 0x1C: _STR, 0x1F: _STR, 0x21: _U16,
    0x22: _U16, 0x23: _U16, 0x24: _BYTE, 0x25: _BYTE, 0x26: _PAIR, 0x27: _U32,
    0x28: _BYTE, 0x29: _BYTE, 0x2A: _BYTE,
}

# Reason codes used by the tests.
RC_SUCCESS = 0x00
RC_DISCONNECT_WITH_WILL = 0x04
RC_UNSPECIFIED = 0x80
RC_MALFORMED = 0x81
RC_PROTOCOL_ERROR = 0x82
RC_IMPLEMENTATION_SPECIFIC = 0x83
RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84
RC_CLIENT_ID_NOT_VALID = 0x85
RC_SERVER_SHUTTING_DOWN = 0x8B
RC_KEEPALIVE_TIMEOUT = 0x8D
RC_SESSION_TAKEN_OVER = 0x8E
RC_TOPIC_FILTER_INVALID = 0x8F
RC_TOPIC_NAME_INVALID = 0x90
RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93
RC_TOPIC_ALIAS_INVALID = 0x94
RC_PACKET_TOO_LARGE = 0x95
RC_QOS_NOT_SUPPORTED = 0x9B
RC_RETAIN_NOT_SUPPORTED = 0x9A
RC_WILDCARD_SUBS_NOT_SUPPORTED = 0xA2


# ---------------------------------------------------------------- primitives

def varint(n):
    """Variable Byte Integer (MQTT 5.0 1.5.5 / 3.1.1 2.2.3)."""
    if n < 0 or n > 268435455:
        raise ValueError("varint out of range: %d" % n)
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n:
            byte |= 0x80
        out.append(byte)
        if not n:
            return bytes(out)


def decode_varint(data, pos=0):
    """Returns (value, new_pos); raises ValueError on more than 4 bytes."""
    value, mult = 0, 1
    for i in range(4):
        if pos + i >= len(data):
            raise ValueError("truncated varint")
        b = data[pos + i]
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, pos + i + 1
        mult *= 128
    raise ValueError("varint longer than 4 bytes")


def u16(n):
    return struct.pack("!H", n)


def u32(n):
    return struct.pack("!I", n)


def string(s):
    """UTF-8 Encoded String; bytes are passed through unchecked (for invalid input tests)."""
    b = s if isinstance(s, (bytes, bytearray)) else s.encode("utf-8")
    return u16(len(b)) + bytes(b)


def binary(b):
    b = b if isinstance(b, (bytes, bytearray)) else b.encode("utf-8")
    return u16(len(b)) + bytes(b)


def props(*pairs):
    """Encodes v5 properties with their length prefix. Each pair is (id, value); a user
    property's value is a (key, value) tuple. Order is kept as given."""
    body = bytearray()
    for pid, value in pairs:
        kind = PROPERTY_TYPES[pid]
        body += varint(pid)
        if kind == _BYTE:
            body.append(value)
        elif kind == _U16:
            body += u16(value)
        elif kind == _U32:
            body += u32(value)
        elif kind == _VARINT:
            body += varint(value)
        elif kind == _STR:
            body += string(value)
        elif kind == _BIN:
            body += binary(value)
        else:
            body += string(value[0]) + string(value[1])
    return varint(len(body)) + bytes(body)


def parse_props(data, pos):
    """Returns (list of (id, value), new_pos); strings are decoded as str, binary as bytes."""
    length, pos = decode_varint(data, pos)
    end = pos + length
    if end > len(data):
        raise ValueError("property length beyond packet")
    out = []
    while pos < end:
        pid, pos = decode_varint(data, pos)
        kind = PROPERTY_TYPES.get(pid)
        if kind is None:
            raise ValueError("unknown property 0x%02x" % pid)
        if kind == _BYTE:
            value, pos = data[pos], pos + 1
        elif kind == _U16:
            value, pos = struct.unpack_from("!H", data, pos)[0], pos + 2
        elif kind == _U32:
            value, pos = struct.unpack_from("!I", data, pos)[0], pos + 4
        elif kind == _VARINT:
            value, pos = decode_varint(data, pos)
        elif kind == _STR:
            value, pos = _read_str(data, pos)
        elif kind == _BIN:
            value, pos = _read_bin(data, pos)
        else:
            k, pos = _read_str(data, pos)
            v, pos = _read_str(data, pos)
            value = (k, v)
        out.append((pid, value))
    if pos != end:
        raise ValueError("property overran its length")
    return out, end


def _read_bin(data, pos):
    n = struct.unpack_from("!H", data, pos)[0]
    if pos + 2 + n > len(data):
        raise ValueError("string beyond packet")
    return bytes(data[pos + 2:pos + 2 + n]), pos + 2 + n


def _read_str(data, pos):
    b, pos = _read_bin(data, pos)
    return b.decode("utf-8"), pos


def fixed(first_byte, body):
    return bytes([first_byte]) + varint(len(body)) + bytes(body)


# ---------------------------------------------------------------- builders

def connect(client_id="", proto=V311, clean=True, keepalive=60, will=None,
            username=None, password=None, properties=None, reserved=False,
            proto_name=None):
    """CONNECT. will = dict(topic, payload, qos=0, retain=False, properties=[...]).
    properties is a list of (id, value) pairs (v5 only; None means empty)."""
    if proto_name is None:
        proto_name = "MQIsdp" if proto == V31 else "MQTT"
    flags = 0
    if reserved:
        flags |= 0x01
    if clean:
        flags |= 0x02
    if will is not None:
        flags |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
    if password is not None:
        flags |= 0x40
    if username is not None:
        flags |= 0x80
    body = string(proto_name) + bytes([proto, flags]) + u16(keepalive)
    if proto == V5:
        body += props(*(properties or []))
    body += string(client_id)
    if will is not None:
        if proto == V5:
            body += props(*will.get("properties", []))
        body += string(will["topic"]) + binary(will.get("payload", b""))
    if username is not None:
        body += string(username)
    if password is not None:
        body += binary(password)
    return fixed(0x10, body)


def connack(session_present=False, rc=0, proto=V311, properties=None):
    body = bytes([1 if session_present else 0, rc])
    if proto == V5:
        body += props(*(properties or []))
    return fixed(0x20, body)


def publish(topic, payload=b"", qos=0, retain=False, dup=False, mid=None, proto=V311,
            properties=None):
    payload = payload if isinstance(payload, (bytes, bytearray)) else payload.encode()
    first = 0x30 | (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = string(topic)
    if qos > 0:
        body += u16(mid if mid is not None else 1)
    if proto == V5:
        body += props(*(properties or []))
    return fixed(first, body + bytes(payload))


def _ack(first, mid, rc, proto, properties):
    body = u16(mid)
    if proto == V5 and (rc or properties):
        body += bytes([rc]) + props(*(properties or []))
    return fixed(first, body)


def puback(mid, rc=0, proto=V311, properties=None):
    return _ack(0x40, mid, rc, proto, properties)


def pubrec(mid, rc=0, proto=V311, properties=None):
    return _ack(0x50, mid, rc, proto, properties)


def pubrel(mid, rc=0, proto=V311, properties=None):
    return _ack(0x62, mid, rc, proto, properties)


def pubcomp(mid, rc=0, proto=V311, properties=None):
    return _ack(0x70, mid, rc, proto, properties)


def subscribe(mid, filters, proto=V311, properties=None, sub_id=None):
    """filters: list of (filter, options) where options is the QoS for 3.1.1, or the
    full v5 options byte (see sub_opts)."""
    body = u16(mid)
    if proto == V5:
        pairs = list(properties or [])
        if sub_id is not None:
            pairs.insert(0, (SUBSCRIPTION_IDENTIFIER, sub_id))
        body += props(*pairs)
    for flt, opts in filters:
        body += string(flt) + bytes([opts])
    return fixed(0x82, body)


def sub_opts(qos=0, no_local=False, rap=False, retain_handling=0):
    """v5 Subscription Options byte (3.8.3.1)."""
    return qos | (0x04 if no_local else 0) | (0x08 if rap else 0) | (retain_handling << 4)


def suback(mid, codes, proto=V311, properties=None):
    body = u16(mid)
    if proto == V5:
        body += props(*(properties or []))
    return fixed(0x90, body + bytes(codes))


def unsubscribe(mid, filters, proto=V311, properties=None):
    body = u16(mid)
    if proto == V5:
        body += props(*(properties or []))
    for flt in filters:
        body += string(flt)
    return fixed(0xA2, body)


def unsuback(mid, codes=(), proto=V311, properties=None):
    body = u16(mid)
    if proto == V5:
        body += props(*(properties or [])) + bytes(codes)
    return fixed(0xB0, body)


def pingreq():
    return b"\xc0\x00"


def pingresp():
    return b"\xd0\x00"


def disconnect(rc=0, proto=V311, properties=None):
    if proto == V5 and (rc or properties):
        return fixed(0xE0, bytes([rc]) + props(*(properties or [])))
    return b"\xe0\x00"


def auth(rc=0, properties=None):
    if rc == 0 and not properties:
        return b"\xf0\x00"
    return fixed(0xF0, bytes([rc]) + props(*(properties or [])))


# ---------------------------------------------------------------- decoding

class Packet:
    """One decoded packet. `raw` holds the exact bytes; fields depend on the type."""

    def __init__(self, raw, proto):
        self.raw = bytes(raw)
        self.proto = proto
        self.type = raw[0] >> 4
        self.flags = raw[0] & 0x0F
        length, pos = decode_varint(raw, 1)
        self.body = self.raw[pos:]
        if len(self.body) != length:
            raise ValueError("body length mismatch")
        self.props = []
        self.rc = 0
        self.mid = None
        getattr(self, "_parse_" + PACKET_NAMES[self.type].lower(), lambda: None)()

    @property
    def name(self):
        return PACKET_NAMES.get(self.type, "?")

    def prop(self, pid, default=None):
        for k, v in self.props:
            if k == pid:
                return v
        return default

    def prop_all(self, pid):
        return [v for k, v in self.props if k == pid]

    def _parse_connack(self):
        b = self.body
        self.session_present = bool(b[0] & 0x01)
        self.ack_flags = b[0]
        self.rc = b[1]
        if self.proto == V5 and len(b) > 2:
            self.props, _ = parse_props(b, 2)

    def _parse_publish(self):
        b = self.body
        self.qos = (self.flags >> 1) & 0x03
        self.retain = bool(self.flags & 0x01)
        self.dup = bool(self.flags & 0x08)
        self.topic, pos = _read_str(b, 0)
        if self.qos:
            self.mid = struct.unpack_from("!H", b, pos)[0]
            pos += 2
        if self.proto == V5:
            self.props, pos = parse_props(b, pos)
        self.payload = bytes(b[pos:])

    def _parse_ack(self):
        b = self.body
        self.mid = struct.unpack_from("!H", b, 0)[0]
        if len(b) > 2:
            self.rc = b[2]
        if len(b) > 3:
            self.props, _ = parse_props(b, 3)

    _parse_puback = _parse_pubrec = _parse_pubrel = _parse_pubcomp = _parse_ack

    def _parse_suback(self):
        b = self.body
        self.mid = struct.unpack_from("!H", b, 0)[0]
        pos = 2
        if self.proto == V5:
            self.props, pos = parse_props(b, pos)
        self.codes = list(b[pos:])

    def _parse_unsuback(self):
        self._parse_suback()

    def _parse_disconnect(self):
        b = self.body
        if b:
            self.rc = b[0]
        if len(b) > 1:
            self.props, _ = parse_props(b, 1)

    _parse_auth = _parse_disconnect

    def __repr__(self):
        return "<%s %s>" % (self.name, self.raw.hex(" "))


def same_props(got, want):
    """Compares property lists: user properties in order, the rest as multisets."""
    def split(pairs):
        users = [v for k, v in pairs if k == USER_PROPERTY]
        rest = sorted((k, repr(v)) for k, v in pairs if k != USER_PROPERTY)
        return users, rest
    return split(got) == split(want)


# ---------------------------------------------------------------- socket client

class Closed(Exception):
    pass


class RawClient:
    """One TCP connection to the broker speaking hand-built packets."""

    def __init__(self, host, port, proto=V311, timeout=TIMEOUT):
        self.proto = proto
        self.buf = bytearray()
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.closed = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Closes with RST (no DISCONNECT, no FIN handshake): an abrupt network loss."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for a packet")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise Closed()
        self.buf += chunk

    def read_raw(self, timeout=TIMEOUT):
        """Reads one whole packet's bytes. Returns None if the connection closed
        (cleanly or by reset) before a whole packet arrived; raises socket.timeout
        if nothing complete arrived in time."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if len(self.buf) >= 2:
                    try:
                        length, pos = decode_varint(self.buf, 1)
                    except ValueError as e:
                        if "truncated" not in str(e):
                            raise
                    else:
                        if len(self.buf) >= pos + length:
                            raw = bytes(self.buf[:pos + length])
                            del self.buf[:pos + length]
                            return raw
                self._fill(deadline)
        except Closed:
            return None

    def read(self, timeout=TIMEOUT):
        """Reads and decodes one packet; None if the connection closed."""
        raw = self.read_raw(timeout)
        return None if raw is None else Packet(raw, self.proto)

    def recv(self, timeout=TIMEOUT):
        """Like read() but a closed connection fails the test."""
        p = self.read(timeout)
        assert p is not None, "connection closed while a packet was expected"
        return p

    def poll(self, timeout=QUIET):
        """Returns the next packet, or None if none arrives within `timeout`; a closed
        connection fails the test."""
        try:
            return self.recv(timeout)
        except socket.timeout:
            return None

    def expect(self, data, timeout=TIMEOUT):
        """Asserts that the next packet is exactly `data`."""
        raw = self.read_raw(timeout)
        assert raw is not None, "connection closed, expected %s" % data.hex(" ")
        assert raw == data, "got %s, expected %s" % (raw.hex(" "), data.hex(" "))
        return Packet(raw, self.proto)

    def expect_type(self, ptype, timeout=TIMEOUT):
        p = self.recv(timeout)
        assert p.type == ptype, "got %r, expected %s" % (p, PACKET_NAMES[ptype])
        return p

    def expect_nothing(self, timeout=QUIET):
        """Asserts that no packet arrives (and the connection stays open) for `timeout`."""
        try:
            p = self.read(timeout)
        except socket.timeout:
            return
        assert p is not None, "connection closed unexpectedly"
        raise AssertionError("unexpected packet %r" % p)

    def expect_closed(self, timeout=TIMEOUT, allow=()):
        """Asserts that the broker closes the connection within `timeout`; packets whose
        type is in `allow` may come first and are returned."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                p = self.read(max(0.01, deadline - time.monotonic()))
            except socket.timeout:
                raise AssertionError("connection still open after %.1fs" % timeout)
            if p is None:
                return seen
            assert p.type in allow, "unexpected %r before close" % p
            seen.append(p)

    def expect_disconnect(self, rc, timeout=TIMEOUT):
        """v5: asserts a DISCONNECT with reason `rc` (an int or a set of ints) then close."""
        p = self.read(timeout)
        assert p is not None, "closed without DISCONNECT 0x%s" % _rcs(rc)
        assert p.type == DISCONNECT, "got %r, expected DISCONNECT" % p
        assert p.rc in _rcset(rc), "DISCONNECT reason 0x%02x, expected 0x%s" % (p.rc, _rcs(rc))
        self.expect_closed()
        return p

    def expect_connack(self, rc=0, session_present=False, timeout=TIMEOUT):
        """Asserts a CONNACK: exact bytes for 3.x, decoded fields for v5 (which may carry
        any properties). Returns the packet."""
        if self.proto != V5:
            return self.expect(connack(session_present, rc), timeout)
        p = self.expect_type(CONNACK, timeout)
        assert p.rc == rc, "CONNACK reason 0x%02x, expected 0x%02x" % (p.rc, rc)
        assert p.session_present == session_present, "session present %s" % p.session_present
        assert p.ack_flags & 0xFE == 0, "reserved CONNACK flags set"
        return p

    def expect_ack(self, ptype, mid, rc=0, timeout=TIMEOUT):
        """Asserts PUBACK/PUBREC/PUBREL/PUBCOMP: exact bytes for 3.x; for v5 the reason
        code (the short form means 0; `rc` may be a set) and packet id, ignoring optional
        properties."""
        first = {PUBACK: 0x40, PUBREC: 0x50, PUBREL: 0x62, PUBCOMP: 0x70}[ptype]
        if self.proto != V5:
            return self.expect(fixed(first, u16(mid)), timeout)
        p = self.expect_type(ptype, timeout)
        assert p.raw[0] == first, "bad fixed header %r" % p
        assert p.mid == mid, "packet id %d, expected %d" % (p.mid, mid)
        assert p.rc in _rcset(rc), "reason 0x%02x, expected 0x%s" % (p.rc, _rcs(rc))
        return p

    def expect_suback(self, mid, codes, timeout=TIMEOUT):
        if self.proto != V5:
            return self.expect(suback(mid, codes), timeout)
        p = self.expect_type(SUBACK, timeout)
        assert p.raw[0] == 0x90
        assert p.mid == mid, "SUBACK id %d, expected %d" % (p.mid, mid)
        assert p.codes == list(codes), "SUBACK codes %s, expected %s" % (
            [hex(c) for c in p.codes], [hex(c) for c in codes])
        return p

    def expect_unsuback(self, mid, codes=(), timeout=TIMEOUT):
        if self.proto != V5:
            return self.expect(unsuback(mid), timeout)
        p = self.expect_type(UNSUBACK, timeout)
        assert p.raw[0] == 0xB0
        assert p.mid == mid and p.codes == list(codes), "got %r" % p
        return p

    def expect_publish(self, topic, payload, qos=0, retain=False, dup=False,
                       properties=None, mid=None, timeout=TIMEOUT):
        """Asserts the next packet is a PUBLISH with these fields. For 3.x the whole packet
        is compared byte for byte (with the broker's packet id, or `mid` if given); for v5
        the properties are compared as by same_props. Returns the packet."""
        p = self.expect_type(PUBLISH, timeout)
        want_mid = mid if mid is not None else p.mid
        if self.proto != V5:
            want = publish(topic, payload, qos, retain, dup, want_mid, self.proto)
            assert p.raw == want, "got %s, expected %s" % (p.raw.hex(" "), want.hex(" "))
            return p
        pl = payload if isinstance(payload, bytes) else payload.encode()
        assert (p.topic, p.payload) == (topic, pl), "got %r %r" % (p.topic, p.payload)
        assert (p.qos, p.retain, p.dup) == (qos, retain, dup), \
            "qos/retain/dup %s, expected %s" % ((p.qos, p.retain, p.dup), (qos, retain, dup))
        if mid is not None:
            assert p.mid == mid, "packet id %s, expected %s" % (p.mid, mid)
        if properties is not None:
            assert same_props(p.props, properties), "props %s, expected %s" % (
                p.props, properties)
        return p

    # -- conveniences built on the above

    def connect(self, client_id, clean=True, keepalive=60, will=None, properties=None,
                session_present=False, **kw):
        self.send(connect(client_id, self.proto, clean, keepalive, will,
                          properties=properties, **kw))
        return self.expect_connack(0, session_present)

    def subscribe(self, mid, filters, codes=None, **kw):
        """Subscribes and checks the SUBACK (granted codes default to the QoS asked)."""
        self.send(subscribe(mid, filters, self.proto, **kw))
        if codes is None:
            codes = [opts & 0x03 for _, opts in filters]
        return self.expect_suback(mid, codes)

    def publish(self, topic, payload, qos=0, retain=False, mid=1, properties=None):
        """Publishes and completes the QoS 1/2 handshake from the sender's side."""
        self.send(publish(topic, payload, qos, retain, False, mid, self.proto, properties))
        if qos == 1:
            self.expect_ack(PUBACK, mid, rc=0)
        elif qos == 2:
            self.expect_ack(PUBREC, mid, rc=0)
            self.send(pubrel(mid, proto=self.proto))
            self.expect_ack(PUBCOMP, mid)

    def ack(self, p):
        """Completes the receiver's side of a delivered PUBLISH."""
        if p.qos == 1:
            self.send(puback(p.mid, proto=self.proto))
        elif p.qos == 2:
            self.send(pubrec(p.mid, proto=self.proto))
            self.expect_ack(PUBREL, p.mid)
            self.send(pubcomp(p.mid, proto=self.proto))

    def ping(self):
        self.send(pingreq())
        self.expect(pingresp())

    def disconnect(self, rc=0, properties=None):
        """Sends DISCONNECT, half-closes, and waits (bounded) for the server to close its side,
        so the broker has processed the DISCONNECT before the test goes on (e.g. publishes to
        the now-offline session)."""
        self.send(disconnect(rc, self.proto, properties))
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.expect_closed()
        except (OSError, AssertionError):
            pass  # the server closing is only a SHOULD; don't fail on it here
        self.close()


def _rcset(rc):
    return set(rc) if isinstance(rc, (set, frozenset, list, tuple)) else {rc}


def _rcs(rc):
    return "/0x".join("%02x" % r for r in sorted(_rcset(rc)))


def wait_until(pred, timeout=TIMEOUT, interval=0.02, what="condition"):
    """Polls `pred` until true or the deadline; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)
