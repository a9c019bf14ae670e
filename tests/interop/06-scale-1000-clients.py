"""1,000 concurrent clients: each connects and subscribes, one PUBLISH reaches all."""

import selectors
import socket
import time

from broker import raise_nofile_limit
from mqtt_raw import TIMEOUT, connack, connect, publish, suback, subscribe

N = 1000


def test_thousand_subscribers_one_publish(broker):
    """1,000 raw 3.1.1 clients each CONNECT + SUBSCRIBE (pipelined); all get CONNACK 0 and
    SUBACK; one QoS 0 PUBLISH is then delivered, byte-exact, to every one of them."""
    assert raise_nofile_limit() >= N + 100, "RLIMIT_NOFILE hard limit too low for this test"
    sel = selectors.DefaultSelector()
    socks = []
    bufs = {}
    try:
        for i in range(N):
            s = socket.create_connection((broker.host, broker.port), timeout=TIMEOUT)
            s.sendall(connect("scale-%04d" % i) + subscribe(1, [("scale/all", 0)]))
            s.setblocking(False)
            socks.append(s)
            bufs[s] = bytearray()
            sel.register(s, selectors.EVENT_READ)

        def read_all(expected, what, deadline_s):
            pending = set(socks)
            deadline = time.monotonic() + deadline_s
            while pending:
                left = deadline - time.monotonic()
                assert left > 0, "%d of %d clients still missing %s" % (len(pending), N, what)
                for key, _ in sel.select(min(left, 1.0)):
                    s = key.fileobj
                    data = s.recv(65536)
                    assert data, "broker closed client %d" % socks.index(s)
                    bufs[s] += data
                    if len(bufs[s]) >= len(expected):
                        assert bytes(bufs[s]) == expected, "client %d got %s" % (
                            socks.index(s), bytes(bufs[s]).hex(" "))
                        bufs[s].clear()
                        pending.discard(s)

        read_all(connack(False, 0) + suback(1, [0]), "CONNACK+SUBACK", 30 + TIMEOUT)
        with socket.create_connection((broker.host, broker.port), timeout=TIMEOUT) as p:
            p.sendall(connect("scale-pub") + publish("scale/all", b"to-everyone"))
            read_all(publish("scale/all", b"to-everyone"), "the PUBLISH", 30 + TIMEOUT)
        assert broker.alive()
    finally:
        sel.close()
        for s in socks:
            s.close()
