"""Publishers wait while the store is behind (storage.max_backlog, issue 5), against the
real binary.

With storage.max_backlog at one byte, every write handed to the store puts it behind
until the commit thread has written it: publishers of messages for persistent sessions are
parked after each read and resumed when the store catches up (not failed, not dropped,
not disconnected). Subscribers are still read: their acknowledgements are what lets the
store drop the deliveries. What the clients observe is that everything arrives, in order,
and every acknowledgement comes back; that publishers were parked is not visible on the
wire (only as time, which tests don't measure)."""

import pytest

from broker import both_versions
from mqtt_raw import PUBACK, SESSION_EXPIRY_INTERVAL, V5, puback, publish

COUNT = 300
PAYLOAD = b"x" * 1000  # a burst of 300 KB: many reads of 16 KB


def persistent(proto):
    if proto == V5:
        return dict(clean=True, properties=[(SESSION_EXPIRY_INTERVAL, 300)])
    return dict(clean=False)


@both_versions
@pytest.mark.emqd({"storage.max_backlog": "1"})
def test_publishers_are_slowed_not_failed_while_storage_is_behind(raw, proto):
    subs = []
    for n in range(2):
        s = raw(proto)
        s.connect("bl-sub%d" % n, **persistent(proto))
        s.subscribe(1, [("bl/%d/#" % n, 1)])
        subs.append(s)
    pubs = []
    for n in range(2):
        p = raw(proto)
        p.connect("bl-pub%d" % n)
        pubs.append(p)
    # Each publisher sends its whole burst at once: the broker reads it in pieces, parking
    # the publisher between them.
    for n, p in enumerate(pubs):
        p.send(b"".join(publish("bl/%d/t" % n, b"m%d" % i + PAYLOAD, qos=1, mid=i + 1,
                                proto=proto)
                        for i in range(COUNT)))
    for n, s in enumerate(subs):
        for i in range(COUNT):
            m = s.expect_publish("bl/%d/t" % n, b"m%d" % i + PAYLOAD, qos=1)
            s.send(puback(m.mid, proto=proto))
    for p in pubs:
        for i in range(COUNT):
            p.expect_ack(PUBACK, i + 1)
        p.expect_nothing()
    for s in subs:
        s.expect_nothing()

