"""Graceful stop: SIGTERM tells v5 clients why (DISCONNECT 0x8B) and exits cleanly."""

from mqtt_raw import RC_SERVER_SHUTTING_DOWN, V311, V5


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
