"""One run: a scenario against one broker, once.

    fresh broker on a free port -> wait until it accepts -> idle RSS -> emqd-bench
    (--json, --broker-pid) -> broker still alive? -> collect -> stop everything

The result is a plain dict (saved as JSON by bench/run). A run that cannot complete
(broker does not start or dies, bench exits non-zero or hangs) comes back with ok=False
and a one-line reason; it never raises for that. The broker and bench processes are
stopped on every path, Ctrl-C included (KeyboardInterrupt passes through the finally).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time

from . import procs

BROKER_GRACE_S = 10  # SIGTERM -> SIGKILL for a broker holding 19,000 connections
BENCH_GRACE_S = 10


def _bench_cmd(bench_bin, sc, port, broker_pid, json_path, proc_index, source_base):
    cmd = [str(bench_bin), sc.mode, "-h", "127.0.0.1", "-p", str(port)] + list(sc.args)
    cmd += ["--duration", f"{sc.bench_duration():g}"]
    if sc.warmup_s:
        cmd += ["--warmup", f"{sc.warmup_s:g}"]
    if sc.processes > 1:
        # several processes: each its own source address and client id prefix
        cmd += ["--ifaddr", f"127.0.0.{source_base + proc_index}",
                "--prefix", f"bench-{port}-{proc_index}-"]
    cmd += ["--json", json_path, "--broker-pid", str(broker_pid)]
    return cmd


def _timeout(sc):
    """How long a bench process may take in all: connecting (a generous 2 ms per connection
    on top of a minute), the load, the drain and the report."""
    return 60 + 0.002 * sc.connections + sc.bench_duration() + 30


def _tail(path, n=3):
    """': <the last lines of the log>', or nothing when it is empty."""
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
    except OSError:
        lines = []
    return ": " + " | ".join(lines[-n:]) if lines else ""


def run_once(sc, broker, bench_bin, rep, run_index, echo=True):
    res = {"scenario": sc.name, "broker": broker.name, "rep": rep, "ok": False, "reason": None,
           "loadavg": os.getloadavg()[0], "bench": [], "bench_exit": []}
    workdir = tempfile.mkdtemp(prefix=f"emqd-bench-{sc.name}-{broker.name}-")
    port = procs.free_port()
    res["port"], res["workdir"] = port, workdir
    proc = sampler = None
    benches = []
    try:
        cmd, config = broker.prepare(sc, port, workdir)
        res["broker_cmd"], res["broker_config"] = cmd, config
        log_path = os.path.join(workdir, "broker.log")
        try:
            with open(log_path, "w") as log:
                proc = procs.spawn(cmd, stdout=log, stderr=subprocess.STDOUT)
        except OSError as e:
            res["reason"] = f"cannot start {cmd[0]}: {e.strerror}"
            return res
        res["broker_pid"] = proc.pid
        why = procs.wait_accepting(port, proc, 15)
        if why:
            res["reason"] = why + _tail(log_path)
            return res
        time.sleep(0.5)  # let the broker settle after the probe connection
        res["idle_rss"] = procs.rss_bytes(proc.pid)
        sampler = procs.sampler(proc.pid)

        # bench processes (several only for conn mode); source addresses rotate per run
        # so that sockets in TIME_WAIT from an earlier run never collide with this one's
        source_base = 10 + (run_index * sc.processes) % 240
        t_start = time.monotonic()
        res["bench_cmds"] = []
        for k in range(sc.processes):
            jpath = os.path.join(workdir, f"bench-{k}.json")
            bcmd = _bench_cmd(bench_bin, sc, port, proc.pid, jpath, k, source_base)
            res["bench_cmds"].append(bcmd)
            tag = f"bench{k}" if sc.processes > 1 else "bench"
            try:
                benches.append((procs.bench_process(bcmd, tag, os.path.join(
                    workdir, f"bench-{k}.err"), echo), jpath))
            except OSError as e:
                res["reason"] = f"cannot start {bcmd[0]}: {e.strerror}"
                return res

        # wait for the bench processes; note when all connections were up (conn mode)
        deadline = t_start + _timeout(sc)
        t_all_connected = None
        broker_died = timed_out = False
        t_first_exit = None  # RSS "with all connections" is read before any process leaves
        while any(b.proc.poll() is None for b, _ in benches):
            now = time.monotonic()
            if proc.poll() is not None:
                broker_died = True
                break
            if now > deadline:
                timed_out = True
                break
            if t_first_exit is None and any(b.proc.poll() is not None for b, _ in benches):
                t_first_exit = now
            if (t_all_connected is None and sc.mode == "conn"
                    and sum(b.connected() for b, _ in benches) >= sc.connections):
                t_all_connected = now
            time.sleep(0.1)
        t_end = t_first_exit or time.monotonic()
        errs = []
        for b, jpath in benches:
            code, err = b.finish(BENCH_GRACE_S)
            res["bench_exit"].append(code)
            errs.append(err)
            try:
                with open(jpath) as f:
                    res["bench"].append(json.load(f))
            except (OSError, ValueError):
                res["bench"].append(None)
        sampler.close()

        _harness_measures(res, sc, sampler, benches, t_start, t_all_connected, t_end)
        if broker_died or proc.poll() is not None:
            res["reason"] = f"broker {procs.describe_exit(proc.returncode)} during the run" + \
                            _tail(log_path)
        elif timed_out:
            res["reason"] = f"emqd-bench did not finish within {_timeout(sc):.0f} s"
        else:
            for k, (code, err) in enumerate(zip(res["bench_exit"], errs)):
                if code != 0 or res["bench"][k] is None:
                    first_error = (res["bench"][k] or {}).get("first_error")
                    last = first_error or (err[-1] if err else
                                           (benches[k][0].tail or ["(no output)"])[-1])
                    what = "no JSON report" if code == 0 else procs.describe_exit(code)
                    res["reason"] = f"emqd-bench {what}: {last}"
                    break
            else:
                res["ok"] = True
        return res
    finally:
        for b, _ in benches:
            if b.proc.poll() is None:
                b.finish(BENCH_GRACE_S)
        if sampler:
            sampler.close()
        if proc is not None:
            code = procs.stop(proc, BROKER_GRACE_S)
            if res.get("ok") and code not in (0, -15):
                res["stop_note"] = f"broker stopped with {procs.describe_exit(code)}"
        shutil.rmtree(workdir, ignore_errors=True)


def _harness_measures(res, sc, sampler, benches, t_start, t_all_connected, t_end):
    """What the harness measures itself from its own samples of the broker (the bench reports
    only its own process's view): peak RSS; for conn mode, RSS with all connections up; for
    a warm-up, RSS when it ended and when the load ended."""
    res["peak_rss"] = sampler.peak()
    if sc.mode == "conn":
        if t_all_connected is not None:
            res["connect_s"] = t_all_connected - t_start
            # settled RSS while everything is held: after 1 s, until the first process ends
            rss = sampler.rss_median(t_all_connected + 1, t_end)
            res["rss_with_conns"] = rss if rss is not None else sampler.rss_at(t_all_connected)
        return
    window = benches[0][0].load_window() if benches else None
    if window and sc.warmup_s:
        first, last = window
        # a report arrives up to 1 s after the load started: first - 1 is its start
        res["rss_after_warmup"] = sampler.rss_at(first - 1 + sc.warmup_s)
        res["rss_load_end"] = sampler.rss_at(last)
