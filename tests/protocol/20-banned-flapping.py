"""Ban list and flapping detection (EMQ X `banned` / `flapping_detect_policy`).

A banned client id, username or peer host is refused at CONNECT with 3.1.1 return code 5
(not authorized) or v5 reason 0x8A (Banned), then the connection closes; other clients
connect as usual. Flapping: a client id whose accepted connections end max_count times
within the window is banned for ban_time, then may connect again.
"""

import socket

import pytest

from broker import both_versions
from mqtt_raw import TIMEOUT, V5, RawClient, connect, wait_until

BANNED = 0x8A
NOT_AUTHORIZED = 5

BANS = {
    "banned.1": "clientid banned-id",
    "banned.2": "username banned-user",
    "banned.3": "peerhost 127.0.0.2",
    "banned.4": "peerhost 127.0.1.0/24",
}


class SourcedClient(RawClient):
    """A RawClient whose socket is bound to a given loopback source address."""

    def __init__(self, host, port, proto, source):
        self.proto = proto
        self.buf = bytearray()
        self.closed = False
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT,
                                             source_address=(source, 0))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def refusal(proto):
    return BANNED if proto == V5 else NOT_AUTHORIZED


def expect_refused(c, proto, client_id, **kw):
    c.send(connect(client_id, proto, **kw))
    c.expect_connack(refusal(proto))
    c.expect_closed()


@pytest.mark.emqd(BANS)
@both_versions
def test_banned_client_id_and_username_are_refused(raw, proto):
    expect_refused(raw(proto), proto, "banned-id")
    expect_refused(raw(proto), proto, "innocent", username="banned-user")
    # Exact matches only: neighbours of the banned names connect.
    raw(proto).connect("banned-id-2")
    ok = raw(proto)
    ok.send(connect("innocent-2", proto, username="banned-user-2"))
    ok.expect_connack(0)
    ok.ping()


@pytest.mark.emqd(BANS)
@both_versions
def test_banned_peer_host_and_block_are_refused(broker, proto):
    clients = []
    try:
        for source in ("127.0.0.2", "127.0.1.5"):
            c = SourcedClient(broker.host, broker.port, proto, source)
            clients.append(c)
            expect_refused(c, proto, "from-" + source)
        ok = SourcedClient(broker.host, broker.port, proto, "127.0.0.3")
        clients.append(ok)
        ok.connect("from-127.0.0.3")
        ok.ping()
    finally:
        for c in clients:
            c.close()


@pytest.mark.emqd(dict(BANS, **{"zone.external.enable_ban": "off"}))
def test_enable_ban_off_lets_banned_clients_in(raw):
    raw().connect("banned-id")


@pytest.mark.emqd({"broker.shards": 2, "zone.external.enable_flapping_detect": "on",
                   "flapping_detect_policy": "3, 1m, 2s"})
@both_versions
def test_flapping_client_is_banned_then_readmitted(raw, proto):
    cid = "flappy-%d" % proto
    for _ in range(3):
        c = raw(proto)
        c.connect(cid)
        c.disconnect()  # returns once the broker closed its side: the disconnect is counted
    # The third disconnect within the window banned the id, on whichever shard the next
    # connection lands.
    expect_refused(raw(proto), proto, cid)
    # Other ids are not affected.
    other = raw(proto)
    other.connect("steady-%d" % proto)
    other.ping()
    # Refused attempts are not counted; once ban_time (2s) has passed the id is admitted.
    def admitted():
        c = raw(proto)
        c.send(connect(cid, proto))
        p = c.recv()
        c.close()
        assert p.rc in (0, refusal(proto)), "unexpected CONNACK %r" % p
        return p.rc == 0
    wait_until(admitted, timeout=TIMEOUT + 2, interval=0.25, what="the ban to expire")
    # Admitted for good: this connection stays.
    again = raw(proto)
    again.send(connect(cid, proto))
    again.expect_connack(0)
    again.ping()
