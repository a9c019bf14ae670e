"""Processes of one benchmark run: the broker under test, a sampler of its memory and CPU,
and the emqd-bench processes.

Every process is started in its own session (so a Ctrl-C at the terminal reaches only
bench/run, which then stops them in order) and recorded in LIVE until it has been reaped;
stop() is SIGTERM, a grace period, then SIGKILL. bench/run calls stop_all() on every exit
path, so nothing outlives it.
"""

import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

LIVE = set()  # Popen objects started here and not yet reaped


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    LIVE.add(p)
    return p


def stop(p, grace):
    """SIGTERM, wait up to `grace` seconds, then SIGKILL. Returns the exit status. The process
    leaves LIVE only once reaped, so an interrupted stop() is finished by stop_all()."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    LIVE.discard(p)
    return p.returncode


def stop_all():
    for p in list(LIVE):
        stop(p, 2)


def describe_exit(code):
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


_used_ports = set()


def free_port():
    """A port below 32768 (out of the kernel's ephemeral range, so no client socket can hold
    it) that nothing listens on; never the same twice in one bench/run."""
    for _ in range(1000):
        port = random.randrange(10000, 32000)
        if port in _used_ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port below 32768")


def wait_accepting(port, proc, timeout):
    """Waits until something accepts on 127.0.0.1:port. Returns None, or why not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"broker {describe_exit(proc.returncode)} before accepting"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return None
        except OSError:
            time.sleep(0.05)
    return f"broker not accepting on port {port} after {timeout} s"


def rss_bytes(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class sampler:
    """Samples a process's RSS and CPU time every `period` seconds on a thread:
    samples = [(monotonic time, rss bytes, cpu seconds)]."""

    def __init__(self, pid, period=0.25):
        self.pid, self.period, self.samples = pid, period, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            rss, cpu = rss_bytes(self.pid), cpu_seconds(self.pid)
            if rss is not None:
                self.samples.append((time.monotonic(), rss, cpu))
            self._stop.wait(self.period)

    def close(self):
        self._stop.set()
        self._thread.join()

    def peak(self):
        return max((s[1] for s in self.samples), default=None)

    def rss_at(self, t):
        """RSS of the sample nearest to time t."""
        if not self.samples:
            return None
        return min(self.samples, key=lambda s: abs(s[0] - t))[1]

    def rss_median(self, t0, t1):
        vals = sorted(s[1] for s in self.samples if t0 <= s[0] <= t1)
        return vals[len(vals) // 2] if vals else None


_FIELD = re.compile(r"(\w+)=(\S+)")


def parse_line(line):
    """The once-a-second report `t=3s sent=812345/s ... conn=116 ...` as a dict of strings."""
    return dict(_FIELD.findall(line))


def leading_number(text):
    m = re.match(r"[-+]?[0-9.]+", text or "")
    return float(m.group()) if m else 0.0


class bench_process:
    """One emqd-bench process: its stdout is read on a thread, echoed with a tag, and its
    per-second reports kept with the time they arrived."""

    def __init__(self, cmd, tag, stderr_path, echo):
        self.cmd, self.tag, self.echo = cmd, tag, echo
        self.lines = []  # (monotonic time, parsed fields)
        self.tail = []  # last lines of stdout, for a failure's reason
        self._stderr = open(stderr_path, "w+")
        try:
            self.proc = spawn(cmd, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        except OSError:
            self._stderr.close()
            raise
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.tail = (self.tail + [line])[-5:]
            if line.startswith("t="):
                self.lines.append((time.monotonic(), parse_line(line)))
            if self.echo:
                print(f"    {self.tag}: {line}", flush=True)

    def connected(self):
        return int(leading_number(self.lines[-1][1].get("conn"))) if self.lines else 0

    def load_window(self):
        """(first, last) arrival time of reports that show messages being sent, or None."""
        busy = [t for t, f in self.lines if leading_number(f.get("sent")) > 0]
        return (busy[0], busy[-1]) if busy else None

    def finish(self, grace):
        code = stop(self.proc, grace)
        self._reader.join(2)
        self._stderr.seek(0)
        err = [l for l in self._stderr.read().splitlines() if l.strip()]
        self._stderr.close()
        return code, err
