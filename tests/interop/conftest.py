"""Real-client interop tests against the real emqd binary (see tests/broker.py).

Fixtures here start paho (in-process, one loop thread per client, no automatic reconnect)
and mosquitto_pub / mosquitto_sub / helper processes, and stop every one of them at
teardown, even when the test fails.
"""

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from broker import broker, make_broker, raw  # noqa: F401  (fixtures)
from mqtt_raw import TIMEOUT

PAHO_VERSIONS = {"v311": mqtt.MQTTv311, "v5": mqtt.MQTTv5, "v31": mqtt.MQTTv31}


class PahoClient:
    """A paho client driven by our own loop thread; it never reconnects by itself."""

    def __init__(self, broker, client_id, version="v311", clean=True, keepalive=60,
                 will=None, session_expiry=None):
        self.broker = broker
        self.version = version
        self.proto = PAHO_VERSIONS[version]
        self.clean = clean
        self.keepalive = keepalive
        self.session_expiry = session_expiry
        if self.proto == mqtt.MQTTv5:
            self.client = mqtt.Client(client_id, protocol=self.proto)
        else:
            self.client = mqtt.Client(client_id, clean_session=clean, protocol=self.proto)
        if will:
            self.client.will_set(**will)
        self.messages = queue.Queue()
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.connack = None
        self.disconnect_rc = None
        self.subacks = {}
        self.acked = set()
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.thread = None
        c = self.client
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = lambda _c, _u, msg: self.messages.put(msg)
        c.on_subscribe = self._on_subscribe
        c.on_publish = self._on_publish

    def _on_connect(self, _c, _u, flags, rc, properties=None):
        self.connack = (flags.get("session present", 0), rc)
        self.connected.set()

    def _on_disconnect(self, _c, _u, rc, properties=None):
        self.disconnect_rc = rc
        self.disconnected.set()

    def _on_subscribe(self, _c, _u, mid, granted, properties=None):
        codes = [g.value if hasattr(g, "value") else g for g in granted]
        with self.lock:
            self.subacks[mid] = codes

    def _on_publish(self, _c, _u, mid):
        with self.lock:
            self.acked.add(mid)

    def connect(self, expect_session_present=None):
        kw = {}
        if self.proto == mqtt.MQTTv5:
            kw["clean_start"] = self.clean
            if self.session_expiry is not None:
                p = Properties(PacketTypes.CONNECT)
                p.SessionExpiryInterval = self.session_expiry
                kw["properties"] = p
        self.client.connect(self.broker.host, self.broker.port, self.keepalive, **kw)
        self.thread = threading.Thread(target=self._run, daemon=True)
        # Tell paho a loop thread exists, so publish() from the test thread only queues the
        # packet and wakes our loop instead of writing to the socket concurrently.
        self.client._thread = self.thread
        self.thread.start()
        assert self.connected.wait(TIMEOUT), "paho %s: no CONNACK" % self.client._client_id
        sp, rc = self.connack
        assert rc == 0, "paho CONNACK rc %s" % rc
        if expect_session_present is not None:
            assert bool(sp) == expect_session_present, "session present %s" % sp
        return self

    def _run(self):
        while not self.stop_flag.is_set():
            rc = self.client.loop(0.05)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self.disconnected.set()
                return

    def subscribe(self, topic, qos, expect=None):
        rc, mid = self.client.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        deadline = time.monotonic() + TIMEOUT
        while True:
            with self.lock:
                if mid in self.subacks:
                    codes = self.subacks[mid]
                    break
            assert time.monotonic() < deadline, "no SUBACK for %s" % topic
            time.sleep(0.01)
        assert codes == [qos if expect is None else expect], codes
        return codes

    def publish(self, topic, payload, qos=0, retain=False, wait=True):
        info = self.client.publish(topic, payload, qos, retain)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, "publish rc %s" % info.rc
        if wait and qos > 0:
            deadline = time.monotonic() + TIMEOUT
            while True:
                with self.lock:
                    if info.mid in self.acked:
                        return info
                assert time.monotonic() < deadline, "publish %s not acknowledged" % topic
                time.sleep(0.005)
        return info

    def get(self, timeout=TIMEOUT):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("paho %s: no message within %.1fs"
                                 % (self.client._client_id.decode(), timeout))

    def expect_none(self, timeout=0.5):
        try:
            msg = self.messages.get(timeout=timeout)
        except queue.Empty:
            return
        raise AssertionError("unexpected message %s %r" % (msg.topic, msg.payload[:50]))

    def disconnect(self):
        """Normal DISCONNECT, then stop the loop thread."""
        if self.thread is not None and not self.disconnected.is_set():
            self.client.disconnect()
            self.disconnected.wait(TIMEOUT)
        self.stop()

    def stop(self):
        self.stop_flag.set()
        if self.thread is not None:
            self.thread.join(TIMEOUT)
        try:
            self.client.socket() and self.client.socket().close()
        except Exception:
            pass


@pytest.fixture
def paho(broker):
    """Factory: paho(client_id, version="v311"|"v5"|"v31", clean=..., will=...)."""
    clients = []

    def make(client_id, version="v311", target=None, **kw):
        c = PahoClient(target or broker, client_id, version, **kw)
        clients.append(c)
        return c

    try:
        yield make
    finally:
        for c in clients:
            c.stop()


class Process:
    """A child process whose stdout lines are collected by a reader thread."""

    def __init__(self, argv):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = queue.Queue()
        self.output = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            text = line.decode("utf-8", "replace").rstrip("\n")
            self.output.append(text)
            self.lines.put(text)
        self.lines.put(None)

    def wait_line(self, predicate, timeout=TIMEOUT, what="line"):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if line is None:
                raise AssertionError("%s exited (%s) before %s; output:\n%s" % (
                    self.argv[0], self.proc.poll(), what, "\n".join(self.output[-20:])))
            if line and predicate(line):
                return line
            if time.monotonic() > deadline:
                raise AssertionError("no %s from %s within %.1fs; output:\n%s" % (
                    what, self.argv[0], timeout, "\n".join(self.output[-20:])))

    def next_msg(self, timeout=TIMEOUT):
        """The next mosquitto_sub message line (see MSG_FORMAT) as (qos, retain, topic,
        payload bytes)."""
        return parse_msg(self.wait_line(lambda line: line.startswith("MSG "), timeout,
                                        what="message"))

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=TIMEOUT):
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        self.proc.stdout.close()


@pytest.fixture
def spawn():
    """Factory: spawn(argv) starts a child process; every one is killed at teardown."""
    procs = []

    def make(argv):
        p = Process(argv)
        procs.append(p)
        return p

    try:
        yield make
    finally:
        for p in procs:
            p.kill()


MSG_FORMAT = "MSG %q %r %t %x"


@pytest.fixture
def mosquitto_sub(broker, spawn):
    """Factory: mosquitto_sub(topic, qos, version, *extra) -> a Process already subscribed
    (its SUBACK seen). Received messages are lines 'MSG <qos> <retain> <topic> <hex>'."""

    def make(topic, qos=0, version="mqttv311", *extra, client_id=None, wait_suback=True):
        # stdbuf: line-buffered stdout, so SUBACK debug lines and messages arrive promptly.
        argv = ["stdbuf", "-oL", "mosquitto_sub", "-h", broker.host, "-p", str(broker.port),
                "-V", version, "-t", topic, "-q", str(qos), "-d", "-F", MSG_FORMAT]
        argv += list(extra)
        if client_id:
            argv += ["-i", client_id]
        p = spawn(argv)
        if wait_suback:
            p.wait_line(lambda line: "SUBACK" in line, what="SUBACK")
        return p

    return make


def parse_msg(line):
    """'MSG q r topic hex' -> (qos, retain, topic, payload bytes)."""
    _, q, r, topic, *rest = line.split(" ")
    return int(q), int(r), topic, bytes.fromhex(rest[0] if rest else "")


@pytest.fixture
def mosquitto_pub(broker):
    """mosquitto_pub(*args): runs it to completion against the broker; asserts exit 0."""

    def run(*args, version="mqttv311", input_bytes=None):
        argv = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-V", version]
        argv += list(args)
        r = subprocess.run(argv, input=input_bytes, capture_output=True, timeout=TIMEOUT * 2)
        assert r.returncode == 0, "mosquitto_pub %s failed: %s" % (args, r.stderr)
        return r

    return run


@pytest.fixture
def python_client(broker, spawn):
    """Factory: python_client(code) runs /usr/bin/python3 -c code with HOST/PORT set as
    globals; the child prints READY when its setup is done."""

    def make(code):
        prelude = "HOST, PORT = %r, %d\n" % (broker.host, broker.port)
        p = spawn([sys.executable, "-u", "-c", prelude + code])
        p.wait_line(lambda line: line == "READY", what="READY")
        return p

    return make
