"""Bad input never takes the broker down: 50 abusive connections (garbage, truncated,
oversized, slow) run while a paho pair keeps exchanging messages."""

import random
import socket
import struct
import threading
import time

from mqtt_raw import RawClient, V311, V5, connect, publish, varint


def _abuse(host, port, kind, rng, errors):
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.settimeout(2)
        conn = connect("abuser-%d" % rng.randrange(1 << 30), V5 if kind % 2 else V311)
        if kind == 0:    # random bytes instead of CONNECT
            s.sendall(rng.randbytes(rng.randrange(1, 4096)))
        elif kind == 1:  # truncated CONNECT, then close
            s.sendall(conn[:rng.randrange(1, len(conn))])
        elif kind == 2:  # CONNECT announcing a 256 MB body, then some of it
            s.sendall(b"\x10" + varint(268435455) + rng.randbytes(8192))
        elif kind == 3:  # valid CONNECT followed by garbage
            s.sendall(conn + rng.randbytes(2048))
        elif kind == 4:  # valid CONNECT, then a PUBLISH cut in the middle, then close
            s.sendall(conn + publish("abuse/t", b"x" * 1000, qos=1, mid=1)[:500])
        elif kind == 5:  # valid CONNECT, then a 4 MB PUBLISH (over any sane packet limit)
            s.sendall(conn)
            s.sendall(publish("abuse/big", b"B" * (4 << 20)))
        elif kind == 6:  # slow byte-by-byte CONNECT
            for b in conn:
                s.send(bytes([b]))
                time.sleep(0.02)
        elif kind == 7:  # remaining length with 5 continuation bytes
            s.sendall(conn + b"\x30\xff\xff\xff\xff\xff\x01")
        elif kind == 8:  # valid CONNECT, then thousands of tiny bad SUBSCRIBEs
            s.sendall(conn + b"\x82\x03\x00\x01\x00" * 2000)
        else:            # bogus string lengths everywhere
            s.sendall(b"\x10\x10\x00\xff" + struct.pack("!H", 65535) * 7)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
        s.close()
    except (ConnectionError, socket.timeout, BrokenPipeError):
        pass  # the broker closing on us is the expected outcome
    except Exception as e:  # a harness bug must not pass silently
        errors.append(repr(e))


def test_bad_input_does_not_disturb_good_clients(broker, paho):
    """While 50 connections send garbage, truncated, oversized and slow packets, a paho
    publisher/subscriber pair exchanges 300 QoS 1 messages without loss, and the broker is
    still alive and accepting afterwards."""
    sub = paho("good-sub", "v5").connect()
    sub.subscribe("good/t", 1)
    pub = paho("good-pub", "v311").connect()
    rng = random.Random(1234)
    errors = []
    threads = [threading.Thread(target=_abuse, daemon=True,
                                args=(broker.host, broker.port, i % 10,
                                      random.Random(rng.random()), errors))
               for i in range(50)]
    for t in threads:
        t.start()
    for i in range(300):
        pub.publish("good/t", b"msg-%03d" % i, qos=1)
    got = [sub.get().payload for _ in range(300)]
    assert got == [b"msg-%03d" % i for i in range(300)]
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert broker.alive(), "broker died under bad input"
    c = RawClient(broker.host, broker.port, V311)
    try:
        c.connect("after-abuse")
        c.ping()
    finally:
        c.close()
    sub.expect_none(0.2)


def test_many_truncated_connections_in_a_row(broker):
    """500 connections that each send a random prefix of a CONNECT and vanish (RST):
    the broker keeps serving."""
    rng = random.Random(99)
    pkt = connect("trunc", V5, will={"topic": "w", "payload": b"p"}, username="u",
                  password=b"p", properties=[(0x11, 10)])
    for _ in range(500):
        s = socket.create_connection((broker.host, broker.port), timeout=5)
        s.sendall(pkt[:rng.randrange(0, len(pkt))])
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    assert broker.alive()
    c = RawClient(broker.host, broker.port, V5)
    try:
        c.connect("after-trunc")
        c.ping()
    finally:
        c.close()
