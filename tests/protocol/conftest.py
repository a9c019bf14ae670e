"""Raw-packet protocol tests against the real emqd binary (see tests/broker.py)."""
from broker import broker, make_broker, raw  # noqa: F401  (fixtures)
