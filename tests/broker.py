"""Starts and stops the emqd binary under test, one process per test.

The binary comes from $EMQD_BIN (default: build/bin/emqd under the repository root).
Each broker gets an empty config file, a free loopback port, its own data directory and
the `--set` overrides a test asks for. Teardown sends SIGTERM, waits, kills if needed,
and fails the test if the broker crashed, hung on shutdown, or a sanitizer reported an
error in its stderr.

Tests ask for settings with a marker:

    @pytest.mark.emqd({"mqtt.max_qos_allowed": 1})
    def test_x(broker): ...

or start brokers themselves with the `make_broker` factory fixture.

Environment knobs (seconds): EMQD_START_TIMEOUT (readiness, 15), EMQD_STOP_TIMEOUT (SIGTERM to
exit, 15); in mqtt_raw.py, EMQD_TEST_TIMEOUT (wait for an expected packet, 5) and
EMQD_TEST_QUIET (wait when asserting that nothing arrives, 0.3).
"""

import os
import resource
import signal
import socket
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT = float(os.environ.get("EMQD_START_TIMEOUT", "15"))
STOP_TIMEOUT = float(os.environ.get("EMQD_STOP_TIMEOUT", "15"))
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "ERROR: ThreadSanitizer",
                     "ERROR: MemorySanitizer")


def binary():
    path = os.environ.get("EMQD_BIN") or os.path.join(ROOT, "build", "bin", "emqd")
    if not os.access(path, os.X_OK):
        pytest.fail("broker binary %s not found or not executable (set EMQD_BIN)" % path,
                    pytrace=False)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65536)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Broker:
    """One emqd process. `host`/`port` address its TCP listener."""

    def __init__(self, workdir, settings=None, name="emqd"):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.workdir = str(workdir)
        self.name = name
        self.data_dir = os.path.join(self.workdir, name + "-data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.config = os.path.join(self.workdir, name + ".conf")
        open(self.config, "w").close()
        self.settings = {
            "listener.tcp.external": "%s:%d" % (self.host, self.port),
            "node.data_dir": self.data_dir,
            "log.level": "info",
        }
        self.settings.update({k: str(v) for k, v in (settings or {}).items()})
        self.proc = None
        self.runs = 0
        self.problems = []

    @property
    def stderr_path(self):
        return os.path.join(self.workdir, "%s.%d.stderr" % (self.name, self.runs))

    def command(self):
        cmd = [binary(), "--config", self.config]
        for k, v in self.settings.items():
            cmd += ["--set", "%s=%s" % (k, v)]
        return cmd

    def start(self):
        assert self.proc is None, "broker already running"
        self.runs += 1
        out = open(os.path.join(self.workdir, "%s.%d.stdout" % (self.name, self.runs)), "wb")
        err = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, cwd=self.workdir,
                                         preexec_fn=raise_nofile_limit,
                                         start_new_session=True)
        finally:
            out.close()
            err.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                pytest.fail("broker exited during start-up with %s\n%s" % (rc, self.log_tail()),
                            pytrace=False)
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop(check=False)
                    pytest.fail("broker not accepting on port %d after %.0fs\n%s"
                                % (self.port, START_TIMEOUT, self.log_tail()), pytrace=False)
                time.sleep(0.02)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _proc_status(self, field):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError("no %s in /proc/%d/status" % (field, self.proc.pid))

    def rss(self):
        """Resident memory of the running broker in bytes (VmRSS)."""
        return self._proc_status("VmRSS") * 1024

    def peak_rss(self):
        """Highest resident memory of the broker so far in bytes (VmHWM)."""
        return self._proc_status("VmHWM") * 1024

    def open_sockets(self):
        """How many sockets the broker process holds open (listeners and connections)."""
        fd_dir = "/proc/%d/fd" % self.proc.pid
        n = 0
        for fd in os.listdir(fd_dir):
            try:
                n += os.readlink(os.path.join(fd_dir, fd)).startswith("socket:")
            except OSError:
                pass  # closed meanwhile
        return n

    def log_text(self):
        """What the current run logged so far (stdout and stderr)."""
        text = ""
        for path in (self.stderr_path.replace(".stderr", ".stdout"), self.stderr_path):
            with open(path, "r", errors="replace") as f:
                text += f.read()
        return text

    def stop(self, check=True):
        """SIGTERM, wait, SIGKILL if needed. Records crashes, hangs and sanitizer reports
        in self.problems (and fails the current test if check is true)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        problems = []
        if proc.poll() is not None:
            problems.append("broker died during the test (exit status %s)" % proc.returncode)
        else:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
                if proc.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
                    problems.append("broker exited with %s after SIGTERM" % proc.returncode)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                problems.append("broker still running %.0fs after SIGTERM; killed"
                                % STOP_TIMEOUT)
        try:  # anything the broker left behind in its own process group
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        problems += self.sanitizer_reports()
        if problems:
            self.problems += problems
            if check:
                pytest.fail("\n".join(problems) + "\n" + self.log_tail(), pytrace=False)
        return proc.returncode

    def restart(self):
        """Graceful stop then start on the same port and data directory."""
        self.stop()
        self.start()

    def kill(self):
        """SIGKILL, as a crash or a power cut of the process would end it: nothing is
        flushed. start() then runs it again on the same port and data directory."""
        assert self.proc is not None, "broker not running"
        proc, self.proc = self.proc, None
        if proc.poll() is not None:
            self.problems.append("broker died before it was killed (exit status %s)"
                                 % proc.returncode)
        proc.kill()
        proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.problems += self.sanitizer_reports()

    def sanitizer_reports(self):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                text = f.read()
        except OSError:
            return []
        return ["sanitizer report in broker stderr: " + line.strip()
                for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)][:5]

    def log_tail(self, lines=40):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return ""
        return "--- %s (last %d lines)\n%s" % (self.stderr_path, lines, "\n".join(tail))


def small_asan_quarantine(monkeypatch):
    """For tests that bound the broker's memory (RSS): an ASan build keeps freed memory
    in a quarantine (256 MB by default), which would count as the broker's. Call before
    starting a broker; harmless for other builds."""
    monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") +
                       ":quarantine_size_mb=8:thread_local_quarantine_size_kb=256")


@pytest.fixture
def make_broker(tmp_path):
    """Factory: make_broker(settings) starts another broker; all are stopped and checked
    at teardown."""
    brokers = []

    def make(settings=None, start=True):
        b = Broker(tmp_path, settings, name="emqd%d" % len(brokers))
        brokers.append(b)
        return b.start() if start else b

    try:
        yield make
    finally:
        failures = []
        for b in brokers:
            try:
                b.stop(check=False)
            except Exception as e:  # keep stopping the others
                b.problems.append("stop failed: %r" % e)
            if b.problems:
                failures.append("\n".join(b.problems) + "\n" + b.log_tail())
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture
def broker(request, make_broker):
    """A running broker configured by the test's @pytest.mark.emqd({...}) settings."""
    settings = {}
    for marker in reversed(list(request.node.iter_markers("emqd"))):
        settings.update(marker.args[0] if marker.args else {})
        settings.update(marker.kwargs)
    return make_broker(settings)


@pytest.fixture
def raw(broker):
    """Factory: raw(proto) opens a RawClient to `broker`; all are closed at teardown."""
    from mqtt_raw import RawClient, V311
    opened = []

    def make(proto=V311, target=None):
        b = target or broker
        c = RawClient(b.host, b.port, proto)
        opened.append(c)
        return c

    try:
        yield make
    finally:
        for c in opened:
            c.close()


def _versions():
    from mqtt_raw import V311, V5
    return pytest.mark.parametrize("proto", [V311, V5], ids=["v311", "v5"])


# Parametrizes a test over MQTT 3.1.1 and 5.0 (argument name: proto).
both_versions = _versions()
