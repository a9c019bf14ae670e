"""emqd-bench (tools/bench) against the real broker: the tool's JSON report must add up.

The bench binary is found next to the broker binary ($EMQD_BIN). Runs are short and
bounded by --duration or -L; every assertion is on counts the tool reports (sent,
received, expected, lost, out of order, connections), never on rates or timings.
"""

import json
import os
import signal
import subprocess

import pytest

from broker import binary
from mqtt_raw import TIMEOUT

# Seconds a short bench run may take before the test gives up (ASan builds are slow).
RUN_TIMEOUT = 30 + 4 * TIMEOUT


def bench_binary():
    path = os.path.join(os.path.dirname(binary()), "emqd-bench")
    if not os.access(path, os.X_OK):
        pytest.fail("emqd-bench not found next to %s" % binary(), pytrace=False)
    return path


def bench(broker, tmp_path, *args, expect_rc=0):
    """Runs emqd-bench against `broker` with --json; returns the parsed report."""
    out = tmp_path / "report.json"
    argv = [bench_binary(), args[0], "-p", str(broker.port), "--json", str(out)] + list(args[1:])
    r = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert r.returncode == expect_rc, "rc %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr)
    with open(out) as f:
        return json.load(f)


def assert_lossless(rep):
    assert rep["conn_failed"] == 0 and rep["conn_lost"] == 0, rep
    assert rep["received"] == rep["expected"] > 0, rep
    assert rep["lost"] == 0, rep
    assert rep["out_of_order"] == 0, rep


def test_closed_loop_qos1_fan_in_is_lossless_and_ordered(broker, tmp_path):
    """4 publishers to their own topics, 2 subscribers on a wildcard, QoS 1, window 100,
    2 s: every message reaches both subscribers, in order."""
    rep = bench(broker, tmp_path, "run", "--pubs", "4", "--subs", "2", "-t", "bt/%i",
                "--sub-topic", "bt/#", "-q", "1", "--window", "100", "--duration", "2")
    assert_lossless(rep)
    assert rep["connections"] == 6
    assert rep["expected"] == 2 * rep["sent"]
    assert rep["latency_us"]["samples"] > 0
    assert rep["mode"] == "run" and rep["qos"] == 1 and rep["payload"] == 64


def test_fan_out_counts_every_subscriber(broker, tmp_path):
    """1 publisher, 5 subscribers of one topic, QoS 0, 2,000 messages in a closed loop:
    expected is sent x 5 and all of it arrives."""
    rep = bench(broker, tmp_path, "run", "--pubs", "1", "--subs", "5", "-t", "fo/all",
                "-L", "2000", "--window", "50")
    assert rep["sent"] == 2000
    assert rep["expected"] == 2000 * 5
    assert_lossless(rep)


@pytest.mark.parametrize("version", ["3", "5"])
def test_qos2_pairwise_each_protocol_version(broker, tmp_path, version):
    """Pairwise QoS 2 (publisher i to subscriber i) over MQTT 3.1 and 5.0."""
    rep = bench(broker, tmp_path, "run", "-V", version, "--pubs", "3", "--subs", "3",
                "-t", "pw/%i", "-q", "2", "-L", "300", "--window", "20")
    assert rep["sent"] == 900 and rep["expected"] == 900
    assert_lossless(rep)
    assert rep["version"] == int(version)


def test_seed_shape_fan_out_is_known_exactly(broker, tmp_path):
    """--topics/--subs-per-conn: random topics, each subscriber on 3 of 20; whatever the
    draw, the expected copies are counted exactly and all arrive (QoS 1)."""
    rep = bench(broker, tmp_path, "run", "--pubs", "2", "--subs", "10", "-t", "seed",
                "--topics", "20", "--subs-per-conn", "3", "-q", "1", "-L", "500",
                "--window", "20")
    assert rep["sent"] == 1000
    assert rep["expected"] > 0
    assert_lossless(rep)


def test_conn_mode_holds_200_connections(broker, tmp_path):
    rep = bench(broker, tmp_path, "conn", "-c", "200", "--duration", "0.5",
                "--conn-parallel", "50")
    assert rep["connections"] == 200
    assert rep["conn_failed"] == 0 and rep["conn_lost"] == 0


def test_unreachable_broker_exits_1_and_reports_failures(tmp_path):
    """Nothing listens on the port: the run cannot proceed (exit 1), the report says so."""
    from broker import free_port

    class Nowhere:
        port = free_port()

    rep = bench(Nowhere, tmp_path, "run", "--pubs", "1", "--subs", "1", "-t", "x",
                expect_rc=1)
    assert rep["connections"] == 0 and rep["conn_failed"] == 2
    assert "connect" in rep["first_error"]


def test_sigterm_ends_the_run_with_a_report(broker, tmp_path):
    """--duration 0 runs until a signal; SIGTERM still produces the summary and JSON."""
    out = tmp_path / "sig.json"
    p = subprocess.Popen([bench_binary(), "run", "-p", str(broker.port), "--pubs", "1",
                          "--subs", "1", "-t", "sig/t", "--window", "10", "--json", str(out)],
                         stdout=subprocess.PIPE, text=True)
    try:
        while True:  # a per-second line that shows the load running
            line = p.stdout.readline()
            assert line.startswith("t="), "no per-second line: %r" % line
            if " sent=0/s " not in line:
                break
        p.send_signal(signal.SIGTERM)
        rest, _ = p.communicate(timeout=RUN_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0
    assert "== emqd-bench run" in rest
    with open(out) as f:
        rep = json.load(f)
    assert rep["sent"] > 0
    assert_lossless(rep)


@pytest.mark.parametrize("args, message", [
    ([], "subcommand is required"),
    (["run", "-t", "x", "-q", "3"], "--qos"),
    (["pub", "-t", "x", "-s", "10"], "--size"),
    (["run", "-t", "x", "--rate", "10", "-I", "5"], "not both"),
    (["sub"], "--topic"),
])
def test_bad_usage_exits_2_with_a_message(args, message):
    r = subprocess.run([bench_binary()] + args, capture_output=True, text=True,
                       timeout=RUN_TIMEOUT)
    assert r.returncode == 2
    assert message in r.stderr + r.stdout, r.stderr
