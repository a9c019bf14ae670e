"""Overload protection (overload_protection.*) and the bounds on clients that don't read.

Overload: over the memory watermark or the loop-lag watermark the broker accepts no new
connection (a new client's TCP connect lands in the backlog, no CONNACK) and doesn't read
its publishers (clients that published in the last 10 s: connection.cpp), but keeps reading
and writing to everyone else, so subscribers' acknowledgements are handled and their
queues drain; it recovers by itself after the cool-down.
Slow readers: a client that doesn't read its answers stops being read (its memory in the
broker stays bounded, its sends block) and resumes when it reads; a kicked client that
never reads what is left is reset after the close timeout.

Memory is read from /proc (VmRSS); bounds are derived from the configuration, never from
timing. Clients that "don't read" rely on the kernel: a socket whose application doesn't
read keeps its initial receive buffer (autotuning grows it only as the application reads), so
what it doesn't take stays in the broker."""

import signal
import socket
import threading
import time

import pytest

from broker import small_asan_quarantine
from mqtt_raw import (PINGRESP, PUBACK, PUBLISH, QUIET, TIMEOUT, V311, connect, pingreq,
                      puback, publish, subscribe, wait_until)

MB = 1024 * 1024
# channel_impl.h: requests wait while this much output is queued for their client.
MAX_PENDING_OUTPUT = 4 * MB
# connection.cpp: a closing connection whose peer doesn't read is reset after this.
CLOSE_TIMEOUT = 5


def send_until_blocked(sock, data, quiet=1.0):
    """Sends `data` without blocking until the socket has accepted no byte for `quiet`
    seconds (the peer stopped reading) or all is sent. Returns how many bytes were sent."""
    sock.setblocking(False)
    sent = 0
    view = memoryview(data)
    try:
        while sent < len(data):
            try:
                sent += sock.send(view[sent:sent + 65536])
            except BlockingIOError:
                import select
                _, writable, _ = select.select([], [sock], [], quiet)
                if not writable:
                    break
    finally:
        sock.setblocking(True)
    return sent


@pytest.fixture(autouse=True)
def _rss_without_sanitizer_quarantine(monkeypatch):
    small_asan_quarantine(monkeypatch)


def wait_log(broker, text, timeout=TIMEOUT * 3):
    return wait_until(lambda: text in broker.log_text(), timeout=timeout,
                      what="log line %r" % text)


# --- overload -------------------------------------------------------------------------------


def test_memory_overload_stops_publishers_but_drains_acknowledging_subscribers(make_broker,
                                                                                raw):
    """Over mem_high_watermark: a new client gets no CONNACK and a publisher is not read,
    but a QoS 1 subscriber is: its PUBACKs free its inflight window, so it receives every
    message queued for it (far more than max_inflight), in order."""
    b = make_broker({"overload_protection.mem_high_watermark": "0"})
    base = b.rss()
    b.stop()
    watermark = base + 32 * MB
    b.settings["overload_protection.mem_high_watermark"] = str(watermark)
    b.start()

    sub = raw(V311, target=b)
    sub.connect("ovl-sub")
    sub.subscribe(1, [("q/t", 1), ("after/#", 0)])
    pub = raw(V311, target=b)
    pub.connect("ovl-pub")
    # The subscriber doesn't acknowledge yet: 32 (max_inflight) are sent, the rest queue.
    queued = 200
    for i in range(queued):
        pub.send(publish("q/t", b"%d" % i, qos=1, mid=i + 1))
    for i in range(queued):
        pub.expect_ack(PUBACK, i + 1)
    # Retained messages stay in memory: 48 MB of them push the RSS over the watermark.
    payload = b"x" * (512 * 1024)
    pub.sock.settimeout(TIMEOUT)
    for i in range(96):
        if "overload:" in b.log_text():
            break
        try:
            pub.send(publish("fill/%d" % i, payload, retain=True))
        except socket.timeout:
            break  # the broker stopped reading us: overloaded
    wait_log(b, "overload: memory")
    assert b.rss() > watermark * 0.9, (b.rss(), watermark)

    late = raw(V311, target=b)  # the TCP connect succeeds: the kernel's backlog holds it
    late.send(connect("ovl-late"))
    late.expect_nothing()

    # The publisher is not read: what it sends now is not delivered.
    pub.sock.setblocking(False)
    try:
        pub.sock.send(publish("after/1", b"late"))
    except (BlockingIOError, socket.timeout):
        pass
    # The subscriber is: acknowledging each message brings the next, all 200 in order.
    got = []
    while len(got) < queued:
        p = sub.expect_type(PUBLISH)
        assert p.topic == "q/t", p
        got.append(p.payload)
        sub.send(puback(p.mid))
    assert got == [b"%d" % i for i in range(queued)], got
    sub.expect_nothing()  # not after/1
    late.expect_nothing()
    assert "overload over" not in b.log_text()  # memory stays over 90% of the watermark


def test_loop_lag_overload_and_recovery(make_broker, raw):
    """A stalled event loop (SIGSTOP) lags past loop_lag_high_watermark: the broker is
    overloaded, then recovers by itself; what waited meanwhile is served, nothing lost."""
    b = make_broker({"overload_protection.loop_lag_high_watermark": "300ms",
                     "overload_protection.cool_down": "3s",
                     "overload_protection.mem_high_watermark": "0"})
    sub = raw(V311, target=b)
    sub.connect("lag-sub")
    sub.subscribe(1, [("lag/t", 1)])
    pub = raw(V311, target=b)
    pub.connect("lag-pub")
    # A publisher is a client that published recently (10 s, far more than this test takes
    # to reach the overload): this one is.
    pub.publish("lag/t", b"before", qos=0)
    sub.expect_publish("lag/t", b"before", qos=0)

    b.proc.send_signal(signal.SIGSTOP)
    time.sleep(1.5)
    b.proc.send_signal(signal.SIGCONT)
    wait_log(b, "overload: loop lag")

    late = raw(V311, target=b)
    late.send(connect("lag-late"))
    pub.send(publish("lag/t", b"during", qos=1, mid=7))
    late.expect_nothing()
    sub.expect_nothing()  # the publisher is not read while overloaded
    sub.send(pingreq())  # ... but the subscriber is
    sub.expect_type(PINGRESP)

    # Recovery: the new client is accepted and the held publish is delivered.
    late.expect_connack(0, timeout=TIMEOUT + 10)
    assert "overload over" in b.log_text()
    pub.expect_ack(4, 7)
    got = sub.expect_publish("lag/t", b"during", qos=1)
    assert got is not None
    late.publish("lag/t", b"after", qos=0)
    sub.expect_type(PUBLISH)


# --- slow readers ---------------------------------------------------------------------------


@pytest.mark.emqd({"overload_protection.enable": "false"})  # not what is tested here
def test_publisher_not_reading_pubacks_stops_being_read_then_resumes(broker, raw):
    """A client sending QoS 1 without reading its PUBACKs stops being read once about 4 MB
    of PUBACKs wait (its sends block, broker memory stays bounded); reading them resumes
    it, and every PUBACK arrives."""
    c = raw(V311)
    c.connect("nopuback")
    base = broker.rss()
    count = 3 * 1000 * 1000  # 12 MB of PUBACKs: far more than the bound and every buffer
    one = [publish("t", b"", qos=1, mid=(i % 65535) + 1) for i in range(65535)]
    blob = b"".join(one[i % 65535] for i in range(count))
    sent = send_until_blocked(c.sock, blob)
    assert sent < len(blob), "the broker read everything from a client that never reads"
    # Held in the broker: at most the output bound plus one read's worth of answers (and
    # the kernel's socket buffers, which are not in the RSS).
    assert broker.rss() - base < MAX_PENDING_OUTPUT + 16 * MB, (broker.rss(), base)

    # Reading resumes it: send the rest while reading every PUBACK (4 bytes each).
    received = bytearray()
    reader_done = threading.Event()

    # Generous: a sanitizer build handles these 3 million publishes ten times slower.
    c.sock.settimeout(TIMEOUT * 12)

    def read_all():
        try:
            while len(received) < 4 * count:
                chunk = c.sock.recv(1 << 20)
                if not chunk:
                    break
                received.extend(chunk)
        except OSError:
            pass
        reader_done.set()

    t = threading.Thread(target=read_all, daemon=True)
    t.start()
    c.sock.sendall(memoryview(blob)[sent:])
    t.join(TIMEOUT * 24)
    assert len(received) == 4 * count, (len(received), 4 * count)
    assert received[:4] == b"\x40\x02\x00\x01" and received[-4:] == bytes(
        [0x40, 2]) + ((count - 1) % 65535 + 1).to_bytes(2, "big")


def test_kicked_client_that_never_reads_is_reset_after_close_timeout(broker, raw):
    """A client taken over while megabytes of output wait for it, and that never reads
    them, is dropped after the close timeout: its socket gets a reset, not the data."""
    slow = raw(V311)
    slow.connect("kick-me")
    slow.subscribe(1, [("kick/t", 1)])
    pub = raw(V311)
    pub.connect("kick-pub")
    # QoS 1: the whole inflight window (32 x 256 KB) is written to the slow client, more
    # than the kernel's socket buffers take, so output waits in the broker.
    for i in range(40):
        pub.send(publish("kick/t", b"k" * (256 * 1024), qos=1, mid=i + 1))
    pub.send(pingreq())
    while pub.recv().type != 13:  # PUBACKs, then PINGRESP: all published
        pass
    sockets_before = broker.open_sockets()

    new = raw(V311)
    new.connect("kick-me")  # takes the session over: the old connection is kicked
    # The kicked connection can't flush (its peer doesn't read): after the close timeout
    # the broker lets go of its socket.
    wait_until(lambda: broker.open_sockets() <= sockets_before,
               timeout=CLOSE_TIMEOUT + TIMEOUT, what="the kicked connection to be dropped")
    slow.sock.settimeout(TIMEOUT)
    reset = False
    try:
        while slow.sock.recv(1 << 20):
            pass
    except ConnectionResetError:
        reset = True
    assert reset, "the kicked connection ended with FIN after all its data, not a reset"


def test_subscribe_flood_owed_retained_messages_stays_bounded(broker, raw):
    """Each SUBSCRIBE owes the client every matching retained message. A client sending
    a hundred of them in one write without reading doesn't get a hundred copies queued:
    requests wait while its output is over the bound. Nothing owed is lost."""
    pub = raw(V311)
    pub.connect("flood-pub")
    for i in range(8):  # 1 MB of retained messages
        pub.send(publish("flood/%d" % i, b"r" * (128 * 1024), retain=True))
    pub.send(pingreq())
    pub.expect_type(13)

    c = raw(V311)
    c.connect("flooder")
    base = broker.rss()
    subs = 100
    c.send(b"".join(subscribe(i + 1, [("flood/#", 0)]) for i in range(subs)))
    c.send(pingreq())
    time.sleep(1)  # without the bound, 100 MB would be queued by now
    # 100 x 1 MB would be queued without the bound; with it, the output bound and one
    # SUBSCRIBE's worth.
    assert broker.peak_rss() - base < MAX_PENDING_OUTPUT + 2 * MB + 16 * MB, (
        broker.peak_rss(), base)

    # Reading drains it: every SUBACK and every owed retained message arrives.
    counts = {"suback": 0, "publish": 0}
    while counts["suback"] < subs or counts["publish"] < subs * 8:
        p = c.recv(TIMEOUT)
        if p.type == PUBLISH:
            counts["publish"] += 1
        elif p.type == 9:
            counts["suback"] += 1
    assert counts == {"suback": subs, "publish": subs * 8}, counts
    c.expect_type(13)
