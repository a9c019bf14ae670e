"""zone.external.mountpoint (EMQ X): every topic a client publishes (its will included) and
every filter it subscribes or unsubscribes is prefixed with the mountpoint, whose `%c` / `%u`
levels are its client id / user name; deliveries come back without the prefix. So clients
with different mountpoints cannot reach each other, clients sharing one can."""

import pytest

from broker import both_versions
from mqtt_raw import V311, V5, connect, publish, unsubscribe


def client(raw, proto, cid, username=None, will=None):
    c = raw(proto)
    c.connect(cid, username=username, will=will)
    return c


@both_versions
@pytest.mark.emqd({"zone.external.mountpoint": "dev/%c/"})
def test_client_id_mountpoint_round_trip_and_isolation(raw, proto):
    """A client sees its own publishes under the topic it used (exact bytes: no prefix);
    another client id is another mountpoint, so it sees nothing of them."""
    c1 = client(raw, proto, "c1")
    c2 = client(raw, proto, "c2")
    c1.subscribe(1, [("t/#", 0)])
    c2.subscribe(1, [("t/#", 0)])
    c1.publish("t/x", b"from-c1")
    c1.expect(publish("t/x", b"from-c1", proto=proto))
    c2.publish("t/x", b"from-c2")
    c2.expect(publish("t/x", b"from-c2", proto=proto))
    c1.expect_nothing()


@pytest.mark.emqd({"zone.external.mountpoint": "org/%u/"})
def test_user_name_mountpoint_is_shared_by_that_user_only(raw):
    alice1 = client(raw, V5, "a1", username="alice")
    alice2 = client(raw, V5, "a2", username="alice")
    bob = client(raw, V5, "b1", username="bob")
    alice1.subscribe(1, [("#", 1)])
    alice2.publish("news", b"hello", qos=1)
    alice1.expect_publish("news", b"hello", qos=1)
    bob.publish("news", b"not for alice", qos=1)
    alice1.expect_nothing()


@pytest.mark.emqd({"zone.external.mountpoint": "org/%u/"})
def test_without_user_name_the_placeholder_stays(raw):
    """EMQ X 4 leaves %u as it is when the client has no user name: anonymous clients share
    the mountpoint org/%u/, and are apart from named ones."""
    anon1 = client(raw, V311, "n1")
    anon2 = client(raw, V311, "n2")
    named = client(raw, V311, "n3", username="carol")
    anon1.subscribe(1, [("t", 0)])
    named.subscribe(1, [("t", 0)])
    anon2.publish("t", b"anon")
    anon1.expect(publish("t", b"anon"))
    named.expect_nothing()


@both_versions
@pytest.mark.emqd({"zone.external.mountpoint": "dev/%c/"})
def test_unsubscribe_goes_through_the_mountpoint(raw, proto):
    c = client(raw, proto, "u1")
    c.subscribe(1, [("t", 0)])
    c.send(unsubscribe(2, ["t"], proto=proto))
    c.expect_unsuback(2, [0x00])  # the mounted subscription existed and is gone
    c.publish("t", b"x")
    c.expect_nothing()


@pytest.mark.emqd({"zone.external.mountpoint": "org/%u/"})
def test_will_is_published_under_the_mountpoint(raw):
    watcher = client(raw, V5, "w1", username="dave")
    stranger = client(raw, V5, "w2", username="erin")
    watcher.subscribe(1, [("status/+", 1)])
    stranger.subscribe(1, [("status/+", 1)])
    dying = client(raw, V5, "w3", username="dave",
                   will={"topic": "status/w3", "payload": b"gone", "qos": 1})
    dying.abort()
    watcher.expect_publish("status/w3", b"gone", qos=1)
    stranger.expect_nothing()


@pytest.mark.emqd({"zone.external.mountpoint": "dev/%c/"})
def test_retained_messages_stay_in_their_mountpoint(raw):
    c1 = client(raw, V311, "r1")
    c1.publish("cfg", b"mine", qos=1, retain=True)
    c2 = client(raw, V311, "r2")
    c2.subscribe(1, [("cfg", 0)])
    c2.expect_nothing()
    c1.subscribe(2, [("cfg", 0)])
    c1.expect(publish("cfg", b"mine", retain=True))


@pytest.mark.emqd({"zone.external.mountpoint": "dev/%c/"})
@pytest.mark.parametrize("proto,code", [(V311, 2), (V5, 0x85)], ids=["v311", "v5"])
def test_client_id_that_is_not_one_level_is_refused(raw, proto, code):
    c = raw(proto)
    c.send(connect("a/b", proto))
    c.expect_connack(code)
    c.expect_closed()


@pytest.mark.emqd({"zone.external.mountpoint": "org/%u/"})
def test_user_name_that_is_not_one_level_is_refused(raw):
    c = raw(V5)
    c.send(connect("x1", V5, username="a+b"))
    c.expect_connack(0x86)
    c.expect_closed()
