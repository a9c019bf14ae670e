"""Per-connection inbound rate limits (zone.external.rate_limit.conn_messages_in and
conn_bytes_in): a client over its rate is slowed down, not disconnected; none of its
messages is dropped and their order is kept; other clients are not slowed by it."""

import threading

import pytest

from broker import both_versions
from mqtt_raw import PUBACK, PUBLISH, TIMEOUT, V311, V5, publish

# Long enough for any limit below; the limits are what the tests observe, not the time.
SLOW = 20 * TIMEOUT


def collect(sub, count):
    """Reads `count` PUBLISHes; returns their (topic, payload) in arrival order."""
    got = []
    while len(got) < count:
        p = sub.recv(timeout=SLOW)
        assert p.type == PUBLISH, p
        got.append((p.topic, p.payload))
    return got


def run_pair(raw, proto, heavy_payloads, light_payloads, qos=0):
    """A subscriber to rl/#; `heavy` sends all its messages at once, then, once the broker
    has started throttling it, `light` sends its few. Returns what the subscriber got, and
    the heavy client (still connected)."""
    sub = raw(proto)
    sub.connect("rl-sub")
    sub.subscribe(1, [("rl/#", 0)])
    heavy = raw(proto)
    heavy.connect("rl-heavy")
    light = raw(proto)
    light.connect("rl-light")
    data = b"".join(publish("rl/heavy", p, qos=qos, mid=i + 1 if qos else None, proto=proto)
                    for i, p in enumerate(heavy_payloads))
    # Send from a thread: a throttled broker stops reading, so a large send may block.
    sender = threading.Thread(target=heavy.send, args=(data,))
    sender.start()
    got = collect(sub, 1)  # the broker is serving the heavy client's burst
    for p in light_payloads:
        light.send(publish("rl/light", p, proto=proto))
    got += collect(sub, len(heavy_payloads) + len(light_payloads) - 1)
    sender.join(SLOW)
    assert not sender.is_alive()
    return got, heavy


def check_order_and_fairness(got, heavy_payloads, light_payloads):
    heavy_got = [p for t, p in got if t == "rl/heavy"]
    light_got = [p for t, p in got if t == "rl/light"]
    assert heavy_got == heavy_payloads, "heavy messages lost or reordered"
    assert light_got == light_payloads, "light messages lost or reordered"
    last_heavy = max(i for i, (t, _) in enumerate(got) if t == "rl/heavy")
    last_light = max(i for i, (t, _) in enumerate(got) if t == "rl/light")
    # The light client is not held behind the throttled one.
    assert last_light < last_heavy, "light client's messages waited for the heavy client"


@both_versions
@pytest.mark.emqd({"zone.external.rate_limit.conn_messages_in": "10,1s", "broker.shards": 2})
def test_message_rate_slows_a_client_without_loss(raw, proto):
    """10 PUBLISH per second (burst 10): 40 messages sent at once all arrive, in order, over
    about 3 s; a client publishing 3 messages meanwhile (within its own rate) gets them all
    through before the throttled client's last one. The throttled client stays connected."""
    heavy_payloads = [b"h%02d" % i for i in range(40)]
    light_payloads = [b"l%d" % i for i in range(3)]
    got, heavy = run_pair(raw, proto, heavy_payloads, light_payloads)
    check_order_and_fairness(got, heavy_payloads, light_payloads)
    heavy.ping()


@pytest.mark.emqd({"zone.external.rate_limit.conn_messages_in": "10,1s"})
def test_message_rate_qos1_all_acknowledged(raw):
    """QoS 1 over the message rate: every PUBLISH is delivered and acknowledged, in order."""
    heavy_payloads = [b"q%02d" % i for i in range(25)]
    got, heavy = run_pair(raw, V5, heavy_payloads, [b"l0"], qos=1)
    check_order_and_fairness(got, heavy_payloads, [b"l0"])
    mids = [heavy.expect_type(PUBACK, timeout=SLOW).mid for _ in heavy_payloads]
    assert mids == list(range(1, len(heavy_payloads) + 1))
    heavy.ping()


@pytest.mark.emqd({"zone.external.rate_limit.conn_bytes_in": "2KB,1s", "broker.shards": 2})
def test_byte_rate_slows_a_client_without_loss(raw):
    """2 KB per second: about 8 KB sent at once all arrive, in order, over about 3 s; a client
    sending a few small messages meanwhile is not held behind it."""
    heavy_payloads = [b"%03d" % i + b"x" * 197 for i in range(40)]
    light_payloads = [b"l%d" % i for i in range(3)]
    got, heavy = run_pair(raw, V311, heavy_payloads, light_payloads)
    check_order_and_fairness(got, heavy_payloads, light_payloads)
    heavy.ping()


@pytest.mark.emqd({"zone.external.rate_limit.conn_messages_in": "1,2s"})
def test_throttled_client_is_not_disconnected_by_keepalive(raw):
    """While the broker does not read a throttled client, that client's keep alive does not
    run out: with keep alive 1 s and one message per 2 s, three messages all get through."""
    sub = raw(V311)
    sub.connect("ka-sub")
    sub.subscribe(1, [("ka/t", 0)])
    c = raw(V311)
    c.connect("ka-pub", keepalive=1)
    c.send(b"".join(publish("ka/t", b"m%d" % i) for i in range(3)))
    for i in range(3):
        sub.expect_publish("ka/t", b"m%d" % i, timeout=SLOW)
    c.ping()
