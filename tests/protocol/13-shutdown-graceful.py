"""Graceful stop: SIGTERM tells v5 clients why (DISCONNECT 0x8B) and exits cleanly."""

from mqtt_raw import RC_SERVER_SHUTTING_DOWN, V311, V5, connect, puback


def test_sigterm_disconnects_clients(broker, raw):
    """SIGTERM: v5 clients receive DISCONNECT 0x8B (Server shutting down) then close; 3.1.1
    clients are closed; the broker exits with status 0 (checked by stop())."""
    v5 = raw(V5)
    v5.connect("shut5")
    v3 = raw(V311)
    v3.connect("shut3")
    broker.stop()
    v5.expect_disconnect(RC_SERVER_SHUTTING_DOWN)
    assert v3.expect_closed() == []


def test_persistent_session_survives_restart(broker, raw):
    """Persistent sessions and retained messages live in storage (node.data_dir): after a
    graceful restart a 3.1.1 clean_session=0 client resumes (session present 1) and gets the
    message queued before the restart; the retained message is still there."""
    c = raw(V311)
    c.connect("durable", clean=False)
    c.subscribe(1, [("dur/t", 1)])
    c.disconnect()
    p = raw(V311)
    p.connect("durable-pub")
    p.publish("dur/t", b"queued", qos=1)
    p.publish("dur/r", b"retained", qos=1, retain=True)
    p.disconnect()
    broker.restart()
    c2 = raw(V311)
    c2.send(connect("durable", V311, clean=False))
    c2.expect_connack(0, session_present=True)
    m = c2.expect_publish("dur/t", b"queued", qos=1)
    c2.send(puback(m.mid))
    c2.subscribe(2, [("dur/r", 0)])
    c2.expect_publish("dur/r", b"retained", qos=0, retain=True)
