"""From run results (runner.run_once dicts) to bench/RESULTS.md.

Figures per scenario and broker are medians over the successful repetitions. The
"Targets" table restates each target of issue 4 and compares it with those medians. Text
between the markers <!-- notes --> and <!-- /notes --> of the previous RESULTS.md is kept.
"""

import datetime
import os
import resource
import shlex
import statistics

from . import scenarios as scen

NOTES_OPEN, NOTES_CLOSE = "<!-- notes -->", "<!-- /notes -->"
KERNEL_BYTES_PER_SOCKET = 4700  # the figure for the kernel's part of one TCP socket
SEED_GROWTH_TOLERANCE = (4 << 20, 0.02)  # "no growth": at most max(4 MB, 2%) after warm-up
BROKERS = ("emqd", "mosquitto")


# ---------------------------------------------------------------- metrics of one run

def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _sum(values):
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def run_metrics(res, sc):
    """The figures of one successful run, None where not measured."""
    jsons = [j for j in res["bench"] if j]
    m = {"idle_rss": res.get("idle_rss"), "loadavg": res.get("loadavg"),
         "bench_cpu": _sum(_num(j.get("cpu_percent")) for j in jsons)}
    broker = [j.get("broker") or {} for j in jsons]
    peaks = [res.get("peak_rss")] + [_num(b.get("rss_peak_bytes")) for b in broker]
    m["peak_rss"] = max((p for p in peaks if p is not None), default=None)
    if m["peak_rss"] is not None and m["idle_rss"] is not None:
        m["above_idle"] = m["peak_rss"] - m["idle_rss"]
    if sc.mode == "conn":
        held = _sum(_num(j.get("connections")) for j in jsons)
        m["connections"] = held
        m["conn_failed"] = _sum(_num(j.get("conn_failed")) for j in jsons)
        m["conn_lost"] = _sum(_num(j.get("conn_lost")) for j in jsons)
        m["dropped"] = m["conn_lost"]  # up, then ended during the hold
        # processes connect side by side: all connections over the slowest one's connect time
        times = [j["connections"] / j["conn_rate"] for j in jsons
                 if _num(j.get("conn_rate")) and _num(j.get("connections"))]
        if times and held:
            m["conn_rate"] = held / max(times)
        elif res.get("connect_s"):
            m["conn_rate"] = held / res["connect_s"]
        m["broker_cpu"] = _sum(_num(b.get("cpu_percent")) for b in broker[:1])
        with_conns = res.get("rss_with_conns")
        if with_conns is not None and m["idle_rss"] is not None and held:
            m["rss_with_conns"] = with_conns
            m["bytes_per_conn"] = (with_conns - m["idle_rss"]) / held
        return m
    j = jsons[0]
    for k in ("send_rate", "recv_rate", "lost", "expected", "out_of_order"):
        m[k] = _num(j.get(k))
    if m["lost"] is not None and m["expected"]:
        m["loss_pct"] = 100.0 * m["lost"] / m["expected"]
    lat = j.get("latency_us") or {}
    for k in ("p50", "p99", "p999", "max"):
        v = _num(lat.get(k))
        m[k] = v / 1000.0 if v is not None else None
    m["broker_cpu"] = _num(broker[0].get("cpu_percent"))
    if res.get("rss_after_warmup") is not None and res.get("rss_load_end") is not None:
        m["rss_after_warmup"] = res["rss_after_warmup"]
        m["rss_load_end"] = res["rss_load_end"]
        m["growth"] = res["rss_load_end"] - res["rss_after_warmup"]
    return m


def medians(results, sc):
    """{broker: {"metrics": {name: median}, "ok": n, "runs": n, "failures": [(rep, reason)]}}"""
    out = {}
    for b in BROKERS:
        runs = [r for r in results if r["scenario"] == sc.name and r["broker"] == b]
        ok = [run_metrics(r, sc) for r in runs if r["ok"]]
        keys = {k for m in ok for k in m}
        med = {}
        for k in keys:
            vals = [m[k] for m in ok if m.get(k) is not None]
            if vals:
                med[k] = statistics.median(vals)
        out[b] = {"metrics": med, "ok": len(ok), "runs": len(runs),
                  "failures": [(r["rep"], r["reason"]) for r in runs if not r["ok"]]}
    return out


# ---------------------------------------------------------------- formatting

def f_int(v):
    return "—" if v is None else f"{v:,.0f}"


def f_ms(v):
    if v is None:
        return "—"
    return f"{v:.3g}" if v < 100 else f"{v:,.0f}"


def f_mb(v):
    return "—" if v is None else f"{v / 1e6:,.1f}"


def f_pct(v):
    return "—" if v is None else f"{v:.0f}"


def f_ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"


def f_lost(m):
    lost = m.get("lost")
    if lost is None:
        return "—"
    if m.get("loss_pct") is None or lost == 0:
        return f_int(lost)
    return f"{lost:,.0f} ({m['loss_pct']:.2g}%)"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- per-scenario section

def _display_cmd(cmd, res, root):
    """A recorded command line with the per-run values (port, broker pid, temp paths)
    replaced by names, binaries relative to the repository."""
    text = shlex.join(str(c) for c in cmd)
    text = text.replace(str(root) + "/", "")
    text = text.replace(res["workdir"], "$RUNDIR")
    text = text.replace(f"-p {res['port']}", "-p $PORT").replace(f":{res['port']}", ":$PORT")
    text = text.replace(f"-{res['port']}-", "-$PORT-")
    return text.replace(f"--broker-pid {res['broker_pid']}", "--broker-pid $BROKER_PID")


def _commands(sc, results, root):
    out = []
    for b in BROKERS:
        r = next((r for r in results if r["scenario"] == sc.name and r["broker"] == b
                  and r.get("bench_cmds")), None)
        if r is None:
            continue
        out.append(f"# {b}")
        out.append(_display_cmd(r["broker_cmd"], r, root))
        if r.get("broker_config"):
            conf = r["broker_config"].replace(f" {r['port']} ", " $PORT ")
            out += ["#   " + l for l in conf.splitlines()]
        out += [_display_cmd(c, r, root) for c in r["bench_cmds"]]
    return "```\n" + "\n".join(out) + "\n```" if out else ""


def _rows_run(med):
    rows = []
    for b in BROKERS:
        m = med[b]["metrics"]
        if med[b]["ok"] == 0:
            reason = med[b]["failures"][0][1] if med[b]["failures"] else "not run"
            rows.append([b, f"failed: {reason}"] + ["—"] * 10)
            continue
        rows.append([b, f_int(m.get("send_rate")), f_int(m.get("recv_rate")), f_lost(m),
                     f_int(m.get("out_of_order")), f_ms(m.get("p50")), f_ms(m.get("p99")),
                     f_ms(m.get("p999")), f_pct(m.get("broker_cpu")),
                     f"{f_mb(m.get('idle_rss'))} → {f_mb(m.get('peak_rss'))}",
                     f_pct(m.get("bench_cpu")), f"{med[b]['ok']}/{med[b]['runs']}"])
    e, q = med["emqd"]["metrics"], med["mosquitto"]["metrics"]
    rows.append(["emqd / mosquitto"] + [f_ratio(e.get(k), q.get(k)) for k in
                ("send_rate", "recv_rate")] + ["", ""] +
                [f_ratio(e.get(k), q.get(k)) for k in ("p50", "p99", "p999", "broker_cpu",
                                                       "peak_rss", "bench_cpu")] + [""])
    header = ["broker", "sent msg/s", "received msg/s", "lost", "out of order", "p50 ms",
              "p99 ms", "p999 ms", "broker CPU %", "broker RSS MB idle → peak", "bench CPU %",
              "runs ok"]
    return table(header, rows)


def _rows_conn(med):
    rows = []
    for b in BROKERS:
        m = med[b]["metrics"]
        if med[b]["ok"] == 0:
            reason = med[b]["failures"][0][1] if med[b]["failures"] else "not run"
            rows.append([b, f"failed: {reason}"] + ["—"] * 7)
            continue
        rows.append([b, f_int(m.get("connections")), f_int(m.get("conn_failed")),
                     f_int(m.get("dropped")), f_int(m.get("conn_rate")), f_mb(m.get("idle_rss")),
                     f_mb(m.get("rss_with_conns")), f_int(m.get("bytes_per_conn")),
                     f"{med[b]['ok']}/{med[b]['runs']}"])
    e, q = med["emqd"]["metrics"], med["mosquitto"]["metrics"]
    rows.append(["emqd / mosquitto", "", "", "", f_ratio(e.get("conn_rate"), q.get("conn_rate")),
                 f_ratio(e.get("idle_rss"), q.get("idle_rss")),
                 f_ratio(e.get("rss_with_conns"), q.get("rss_with_conns")),
                 f_ratio(e.get("bytes_per_conn"), q.get("bytes_per_conn")), ""])
    header = ["broker", "connections held", "failed", "dropped", "connect rate conn/s",
              "idle RSS MB", "RSS with connections MB", "bytes / connection", "runs ok"]
    return table(header, rows)


def projection(bytes_per_conn):
    total = (bytes_per_conn + KERNEL_BYTES_PER_SOCKET) * 1e6
    return (f"{bytes_per_conn:,.0f} B × 1M + the kernel's ~{KERNEL_BYTES_PER_SOCKET:,} B per "
            f"socket × 1M ≈ **{total / 1e9:.1f} GB** for 1M connections per node")


def scenario_section(sc, results, root):
    med = medians(results, sc)
    out = [f"### {sc.name}: {sc.title}", "", sc.about, "", _commands(sc, results, root), ""]
    out.append(_rows_conn(med) if sc.mode == "conn" else _rows_run(med))
    if sc.mode == "conn":
        for b in BROKERS:
            bpc = med[b]["metrics"].get("bytes_per_conn")
            if bpc is not None:
                out += ["", f"Projection, {b}: {projection(bpc)}."]
    if sc.warmup_s and sc.name == "seed-shape":
        rows = []
        for b in BROKERS:
            m = med[b]["metrics"]
            rows.append([b, f_mb(m.get("rss_after_warmup")), f_mb(m.get("rss_load_end")),
                         f_mb(m.get("growth"))])
        out += ["", table(["broker", f"RSS MB after the {sc.warmup_s:g} s warm-up",
                           "RSS MB at the end of the load", "growth MB"], rows)]
    fails = [(b, rep, why) for b in BROKERS for rep, why in med[b]["failures"]]
    if fails:
        out += [""] + [f"- failed: {b} repetition {rep}: {why}" for b, rep, why in fails]
    loads = [r["loadavg"] for r in results if r["scenario"] == sc.name]
    if loads:
        out += ["", f"Load average (1 min) before the runs: {min(loads):.2f} to {max(loads):.2f}."]
    return "\n".join(out), med


# ---------------------------------------------------------------- targets

def _status(ok):
    return "**met**" if ok else "**not met**"


def targets(meds, quick):
    """Rows (target, measured, status) for every target of the issue; a target whose
    scenario did not run or failed is 'not measured'."""
    rows = []

    def get(name, broker, key):
        return (meds.get(name) or {}).get(broker, {}).get("metrics", {}).get(key)

    def ratio_target(label, name, need):
        e, q = get(name, "emqd", "recv_rate"), get(name, "mosquitto", "recv_rate")
        if e is None or q is None or q == 0:
            rows.append((label, "not measured", "—"))
            return
        rows.append((label, f"{e / q:.2f}× ({f_int(e)} vs {f_int(q)} msg/s received)",
                     _status(e / q >= need)))

    ratio_target("Fan-in QoS 0, closed loop: ≥ 12× mosquitto", "fanin-closed", 12)
    ratio_target("Fan-out QoS 0, closed loop: ≥ 10× mosquitto", "fanout-closed", 10)
    ratio_target("Pairwise QoS 1, closed loop: ≥ 25× mosquitto", "pairwise-qos1", 25)

    mem = get("pairwise-qos1", "emqd", "recv_rate")
    for policy in ("always", "interval"):
        e = get(f"persistent-qos1-{policy}", "emqd", "recv_rate")
        q = get(f"persistent-qos1-{policy}", "mosquitto", "recv_rate")
        rows.append((f"Persistent sessions, QoS 1, sync_policy {policy}: emqd vs its in-memory "
                     "pairwise QoS 1 (issue 5)",
                     "not measured" if e is None or not mem else
                     f"{e / mem:.2f}× ({f_int(e)} vs {f_int(mem)} msg/s); mosquitto "
                     f"(persistence true): {f_int(q)} msg/s", "(information)"))

    e, q = get("latency-qos1", "emqd", "p99"), get("latency-qos1", "mosquitto", "p99")
    rows.append(("Latency at 10K msg/s QoS 1: p99 ≤ mosquitto's p99",
                 "not measured" if e is None or q is None else f"{f_ms(e)} ms vs {f_ms(q)} ms",
                 "—" if e is None or q is None else _status(e <= q)))

    for kind in ("fanin", "fanout"):
        label = "Fan-in" if kind == "fanin" else "Fan-out"
        above = get(f"{kind}-open", "emqd", "above_idle")
        rows.append((f"{label} open loop: emqd memory ≤ 100 MB above idle",
                     "not measured" if above is None else f"{f_mb(above)} MB above idle (peak)",
                     "—" if above is None else _status(above <= 100e6)))
        o, c = get(f"{kind}-open", "emqd", "recv_rate"), get(f"{kind}-closed", "emqd", "recv_rate")
        rows.append((f"{label} open loop: received ≥ 80% of emqd's closed-loop rate",
                     "not measured" if o is None or not c else
                     f"{100 * o / c:.0f}% ({f_int(o)} vs {f_int(c)} msg/s)",
                     "—" if o is None or not c else _status(o >= 0.8 * c)))

    bpc = get("idle-conns", "emqd", "bytes_per_conn")
    rows.append(("Idle connections: ≤ 700 B of broker memory per connection",
                 "not measured" if bpc is None else f"{bpc:,.0f} B (mosquitto: "
                 f"{f_int(get('idle-conns', 'mosquitto', 'bytes_per_conn'))} B)",
                 "—" if bpc is None else _status(bpc <= 700)))
    held, dropped = get("idle-conns", "emqd", "connections"), get("idle-conns", "emqd", "dropped")
    failed = get("idle-conns", "emqd", "conn_failed") or 0
    if held is None:
        rows.append(("Idle connections: 19,000 held, no drops", "not measured", "—"))
    else:
        rows.append(("Idle connections: 19,000 held, no drops",
                     f"{f_int(held)} held, {f_int(failed)} failed, {f_int(dropped)} dropped",
                     "n/a (--quick)" if quick else
                     _status(held >= 19000 and not dropped and not failed)))
    e, q = get("idle-conns", "emqd", "conn_rate"), get("idle-conns", "mosquitto", "conn_rate")
    rows.append(("Idle connections: connect rate ≥ mosquitto's",
                 "not measured" if e is None or q is None else f"{f_int(e)} vs {f_int(q)} conn/s",
                 "—" if e is None or q is None else _status(e >= q)))
    rows.append(("Idle connections: projection for 1M connections per node",
                 "not measured" if bpc is None else projection(bpc), "(information)"))

    lost, exp = get("seed-shape", "emqd", "lost"), get("seed-shape", "emqd", "expected")
    rows.append(("Seed shape: no loss",
                 "not measured" if lost is None else f"{f_int(lost)} lost of {f_int(exp)}",
                 "—" if lost is None else _status(lost == 0)))
    g, w = get("seed-shape", "emqd", "growth"), get("seed-shape", "emqd", "rss_after_warmup")
    floor, frac = SEED_GROWTH_TOLERANCE
    rows.append((f"Seed shape: no memory growth after warm-up (≤ max({floor >> 20} MB, "
                 f"{frac:.0%}))",
                 "not measured" if g is None else f"{f_mb(g)} MB ({f_mb(w)} → "
                 f"{f_mb(w + g)} MB)",
                 "—" if g is None else _status(g <= max(floor, frac * w))))
    return rows


# ---------------------------------------------------------------- the whole file

def previous_notes(path):
    try:
        text = open(path).read()
    except OSError:
        return None
    i, j = text.find(NOTES_OPEN), text.find(NOTES_CLOSE)
    if i < 0 or j < i:
        return None
    return text[i + len(NOTES_OPEN):j].strip("\n")


def micro_section(micro):
    """micro: None (not asked), a string (why it did not run), or bench/micro/run's JSON."""
    if micro is None:
        return None
    out = ["## Micro-benchmarks (`bench/micro/run`)", ""]
    if isinstance(micro, str):
        return "\n".join(out + [micro])
    out.append(f"Commit {micro.get('commit', '?')[:12]}, {micro.get('build', '?')} build, "
               f"min time {micro.get('min_time', '?')} s, {micro.get('repetitions', 1)} "
               f"repetition(s){', with callgrind' if micro.get('callgrind') else ''}. "
               "Raw: `results/micro.json`.")
    out.append("")
    marks = micro.get("benchmarks", [])
    with_ipi = any(b.get("instructions_per_item") is not None for b in marks)
    rows = []
    for b in marks:
        ipi = b.get("instructions_per_item")
        row = [f"{b.get('binary', '')}/{b.get('name', '')}",
               "—" if b.get("ns_per_item") is None else f"{b['ns_per_item']:.1f}",
               f_int(b.get("items_per_second"))]
        row += ["—" if ipi is None else f"{ipi:,.0f}"] if with_ipi else []
        rows.append(row + [b.get("error") or ""])
    header = ["benchmark", "ns / item", "items / s"]
    header += ["instructions / item"] if with_ipi else []
    out.append(table(header + ["error"], rows))
    return "\n".join(out)


def render(ctx, scs, results, micro, notes, quick):
    sections, meds = [], {}
    for sc in scs:
        text, med = scenario_section(sc, results, ctx["root"])
        sections.append(text)
        meds[sc.name] = med
    reps = ctx["reps"]
    load = scs[0].load_s if scs else 0
    out = ["# emqd benchmark results", "",
           f"Written by `{ctx['command']}` on {ctx['date']}. Regenerate with `bench/run`; only "
           "the Notes section is kept across runs. Raw JSON of every run: `results/` beside this file.", ""]
    if quick:
        out += ["**Quick run (`--quick`): a smoke test with 1 repetition, 3 s of load and fewer "
                "connections. Not a measurement.**", ""]
    out += ["## Machine and run", "", table(["", ""], [
        ["CPU", ctx["cpu"]], ["cores", ctx["cores"]], ["RAM", ctx["ram"]],
        ["kernel", ctx["kernel"]], ["open files (hard limit)", ctx["nofile"]],
        ["load average at start", ctx["loadavg"]],
        ["emqd commit", ctx["commit"]], ["emqd", ctx["emqd_version"]],
        ["mosquitto", ctx["mosquitto_version"]], ["emqd-bench", ctx["bench"]],
        ["method", f"{reps} repetition(s) per scenario, interleaved emqd, mosquitto, emqd, ...; "
                   f"{load:g} s of load after the warm-up; {scen.PAYLOAD}-byte payloads; each "
                   "broker started fresh on a free port of 127.0.0.1; figures are medians over "
                   "the successful repetitions"],
    ]), ""]
    if scs:
        out += ["## Targets", "", table(["target (issue 4)", "measured (emqd)", "status"],
                                        targets(meds, quick)), ""]
        out += ["## Scenarios", "",
                "Rates are per second over the measured period; lost = expected copies not "
                "received after the drain; latency is publish to delivery; CPU 100% = one "
                "core; broker RSS is sampled by the harness (idle: before any client) and by "
                "emqd-bench.", ""]
        out += ["\n\n".join(sections), ""]
    m = micro_section(micro)
    if m:
        out += [m, ""]
    out += ["## Notes", "", NOTES_OPEN, notes if notes is not None else
            "(Kept when bench/run rewrites this file: findings, profiles, caveats.)", NOTES_CLOSE, ""]
    return "\n".join(out)


def machine():
    def first(path, key):
        try:
            for line in open(path):
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"
    cores = sum(1 for l in open("/proc/cpuinfo") if l.startswith("processor"))
    mem_kb = int(first("/proc/meminfo", "MemTotal").split()[0])
    return {"cpu": first("/proc/cpuinfo", "model name"), "cores": str(cores),
            "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "kernel": open("/proc/sys/kernel/osrelease").read().strip(),
            "nofile": str(resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
