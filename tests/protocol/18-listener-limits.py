"""Listener limits: max_connections (refused with CONNACK 3 / v5 0x9F, without a session),
the bound on refusals in progress, max_conn_rate (connections wait, none refused), and the
CIDR access rules listener.tcp.<name>.access.N (first match wins, no match allows)."""

import socket
import time

import pytest

from broker import both_versions
from mqtt_raw import (TIMEOUT, V311, V5, SESSION_EXPIRY_INTERVAL, RawClient, connack, connect,
                      wait_until)

RC_CONNECTION_RATE_EXCEEDED = 0x9F
REFUSED = {V311: 3, V5: RC_CONNECTION_RATE_EXCEEDED}
MAX_REFUSALS = 64  # listener_state::k_max_refusals


class SourceClient(RawClient):
    """A RawClient whose socket is bound to a chosen source address (127.0.0.2, ::1)."""

    def __init__(self, host, port, source, proto=V311, timeout=TIMEOUT):
        self.proto = proto
        self.buf = bytearray()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.closed = False


def connect_admitted(broker, client_id, proto, opened, **kw):
    """Connects once a slot is free: the broker frees a closed connection's slot at the end
    of its loop turn, which may come just after the peer saw the close."""
    def attempt():
        c = RawClient(broker.host, broker.port, proto)
        opened.append(c)
        c.send(connect(client_id, proto, **kw))
        p = c.recv()
        if p.rc == 0:
            assert not p.session_present, p
            return c
        assert p.rc == REFUSED[proto], p
        c.expect_closed()
        return None
    return wait_until(attempt, what="a free connection slot")


@pytest.fixture
def opened():
    clients = []
    yield clients
    for c in clients:
        c.close()


# ------------------------------------------------------------------ max_connections

@both_versions
@pytest.mark.emqd({"listener.tcp.external.max_connections": 2, "broker.shards": 2})
def test_max_connections_refuses_with_connack(broker, opened, proto):
    """Past max_connections the client gets CONNACK 3 (3.1.1) / 0x9F (v5) and is closed; the
    connected clients are unaffected; once one leaves, a new client gets in."""
    first = connect_admitted(broker, "mc-1", proto, opened)
    second = connect_admitted(broker, "mc-2", proto, opened)
    extra = RawClient(broker.host, broker.port, proto)
    opened.append(extra)
    extra.send(connect("mc-3", proto))
    if proto == V311:
        extra.expect(connack(False, 3))
    else:
        extra.expect_connack(RC_CONNECTION_RATE_EXCEEDED)
    extra.expect_closed()
    first.ping()
    second.ping()
    first.disconnect()
    connect_admitted(broker, "mc-4", proto, opened).ping()
    second.ping()


@pytest.mark.emqd({"listener.tcp.external.max_connections": 1, "broker.shards": 1})
def test_a_flood_of_refusals_is_logged_once(broker, opened):
    """Refusals past max_connections are reported in one log line per interval, with their
    count, not one line each: a connection flood must not flood the log as well."""
    connect_admitted(broker, "log-1", V311, opened)
    for i in range(20):
        c = RawClient(broker.host, broker.port, V311)
        opened.append(c)
        c.send(connect("log-x%d" % i, V311))
        c.expect(connack(False, 3))
        c.expect_closed()
    lines = [l for l in broker.log_text().splitlines() if "max_connections (1) reached" in l]
    assert len(lines) == 1, lines


@pytest.mark.emqd({"listener.tcp.external.max_connections": 1})
def test_refused_connect_holds_no_session_and_takes_nothing_over(broker, opened):
    """A refused CONNECT neither takes over the connected client with the same id nor
    creates a session: later, with a free slot, a persistent CONNECT finds none."""
    first = connect_admitted(broker, "mc-same", V5, opened)
    again = RawClient(broker.host, broker.port, V5)
    opened.append(again)
    again.send(connect("mc-same", V5, clean=False,
                       properties=[(SESSION_EXPIRY_INTERVAL, 600)]))
    again.expect_connack(RC_CONNECTION_RATE_EXCEEDED)
    again.expect_closed()
    first.ping()  # not taken over
    first.disconnect()  # clean start, expiry 0: its session ends
    # The refused persistent CONNECT left nothing behind: session present 0.
    connect_admitted(broker, "mc-same", V5, opened, clean=False,
                     properties=[(SESSION_EXPIRY_INTERVAL, 600)]).ping()


@pytest.mark.emqd({"listener.tcp.external.max_connections": 1, "broker.shards": 1,
                   "zone.external.idle_timeout": "60s"})
def test_refusals_in_progress_are_bounded_and_short_lived(broker, opened):
    """Refusals waiting for their CONNECT are bounded: beyond the bound a connection is
    closed at once, with no answer even to its CONNECT. A refusal that never sends CONNECT
    is closed long before the zone's idle timeout."""
    connect_admitted(broker, "rb-holder", V311, opened)
    waiting = []
    for _ in range(MAX_REFUSALS):
        c = RawClient(broker.host, broker.port, V311)
        opened.append(c)
        waiting.append(c)
    # One listening socket (one shard) accepts in order: these all hold a refusal now.
    over = RawClient(broker.host, broker.port, V311)
    opened.append(over)
    try:
        over.send(connect("rb-over", V311))
    except OSError:
        pass
    assert over.expect_closed() == []
    waiting[-1].send(connect("rb-last", V311))
    waiting[-1].expect(connack(False, 3))
    waiting[-1].expect_closed()
    # Silent refusals end by themselves, well within the 60 s idle timeout.
    for c in waiting[:3]:
        assert c.expect_closed(timeout=2 * TIMEOUT) == []


# ------------------------------------------------------------------ max_conn_rate

RATE = 5
CLIENTS = 20


@pytest.mark.emqd({"listener.tcp.external.max_conn_rate": RATE, "broker.shards": 2})
def test_max_conn_rate_delays_but_admits_everyone(broker, opened):
    """N clients connecting at once all get CONNACK 0, but spread over at least
    (N - burst) / rate seconds: past the rate, connections wait in the backlog."""
    time.sleep(1.0)  # the readiness probe's slot (and the burst) refill
    clients = []
    start = time.monotonic()
    for i in range(CLIENTS):
        c = RawClient(broker.host, broker.port, V311, timeout=60)
        opened.append(c)
        c.send(connect("rate-%d" % i, V311))
        clients.append(c)
    for c in clients:
        c.expect(connack(False, 0), timeout=60)
    spread = time.monotonic() - start
    # A burst of RATE, then RATE per second: a lower bound, not a benchmark.
    assert spread >= (CLIENTS - RATE - 1) / RATE, "%d connections in %.2fs" % (CLIENTS, spread)
    for c in clients:
        c.ping()


# ------------------------------------------------------------------ access rules

def denied(broker, source, host=None):
    """True if a client from `source` is closed without any answer to its CONNECT."""
    c = SourceClient(host or broker.host, broker.port, source)
    try:
        try:
            c.send(connect("acl-" + source, V311))
        except OSError:
            return True
        p = c.read()
        if p is None:
            return True
        assert p.raw == connack(False, 0), p
        c.ping()
        return False
    finally:
        c.close()


@pytest.mark.emqd({"listener.tcp.external.access.1": "deny 127.0.0.2", "broker.shards": 2})
def test_access_deny_one_address(broker):
    """deny 127.0.0.2: that peer is closed before any MQTT; 127.0.0.1 connects (no rule
    matches it: allowed)."""
    assert denied(broker, "127.0.0.2")
    assert not denied(broker, "127.0.0.1")
    assert not denied(broker, "127.0.0.3")


@pytest.mark.emqd({"listener.tcp.external.access.1": "allow 127.0.0.1",
                   "listener.tcp.external.access.2": "deny all"})
def test_access_allow_one_then_deny_all(broker):
    assert not denied(broker, "127.0.0.1")
    assert denied(broker, "127.0.0.2")


@pytest.mark.emqd({"listener.tcp.external.access.2": "allow 127.0.0.1",
                   "listener.tcp.external.access.10": "deny all",
                   "listener.tcp.external.access.1": "deny 127.0.0.0/30"})
def test_access_rules_in_numeric_order_first_match_wins(broker):
    """Rules apply in numeric order of N (1, 2, 10): deny 127.0.0.0/30 comes first, so
    127.0.0.1 is denied although a later rule allows it; 127.0.0.9 only matches `deny all`."""
    assert denied(broker, "127.0.0.1")
    assert denied(broker, "127.0.0.2")
    assert denied(broker, "127.0.0.9")


@pytest.mark.emqd({"listener.tcp.external.access.1": "allow 127.0.0.0/8",
                   "listener.tcp.external.access.2": "deny all"})
def test_access_allow_cidr_before_deny_all(broker):
    assert not denied(broker, "127.0.0.1")
    assert not denied(broker, "127.0.0.200")


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback")
def test_access_ipv6_and_ipv4_mapped_peers(make_broker):
    """A dual-stack listener ([::]): `deny ::1` denies the IPv6 loopback, and IPv4 peers
    (seen as ::ffff:a.b.c.d) are matched against IPv4 rules."""
    b = make_broker({"listener.tcp.external.access.1": "deny ::1",
                     "listener.tcp.external.access.2": "deny 127.0.0.2"}, start=False)
    b.settings["listener.tcp.external"] = "[::]:%d" % b.port
    b.start()
    assert denied(b, "::1", host="::1")
    assert denied(b, "127.0.0.2")
    assert not denied(b, "127.0.0.1")


@pytest.mark.parametrize("rule,problem", [
    ("deny 10.0.0.0/33", "bad prefix length"),
    ("refuse all", "expected \"allow|deny <cidr>|all\""),
    ("allow example.com", "not an IPv4 or IPv6 address"),
])
def test_bad_access_rule_stops_startup(tmp_path, rule, problem):
    """A bad rule stops startup naming the file and line, the key and the problem."""
    import subprocess
    from broker import binary
    conf = tmp_path / "emqd.conf"
    conf.write_text("log.level = info\nlistener.tcp.external.access.1 = %s\n" % rule)
    r = subprocess.run([binary(), "--config", str(conf)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0
    assert "%s:2: listener.tcp.external.access.1: " % conf in r.stderr, r.stderr
    assert problem in r.stderr, r.stderr
