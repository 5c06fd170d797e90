#!/usr/bin/env python3
"""The measuring half of bench/health.sh (standard library only).

  health.py freeport
  health.py render TEMPLATE OUT [--checks N --target-port P] [--set KEY=VALUE ...]
  health.py validate-yaml FILE
  health.py wait-http URL PID TIMEOUT_S LOG
  health.py measure --system S --checks N --warmup W --measure M --out JSON
                    --proc ROLE=PID ... [--nginx-pid PID --nginx-status URL]
                    [--pharos-metrics URL | --prometheus URL]
  health.py report OUT_DIR

The shell script starts and stops processes; this file samples them. CPU is utime+stime of
/proc/PID/stat (all threads), RSS is VmRSS of /proc/PID/status sampled every second from the
moment the process answers HTTP (warm-up included), probes are what the system itself
counted in the window.
"""

import argparse
import csv
import json
import math
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROBES_METRIC = "pharos_health_probes_total"
LATENESS_METRIC = "pharos_health_schedule_lateness_seconds"
# The issue's figures (docs: the health-check issue).
PHAROS_MAX_CORE_PCT = 10.0
PHAROS_MAX_RSS_MB = 80.0
PHAROS_MAX_LATENESS_P99_MS = 100.0
MIN_RATIO = 10.0
MIN_SUCCESS = 0.99


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def die(msg):
    print(f"health.py: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- small commands

def cmd_freeport(_args):
    """A free port below the ephemeral range: the peer's thousands of short probe
    connections take ephemeral ports, and one could hold a listener's port by then."""
    import random
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    for _ in range(200):
        port = random.randrange(min(20000, low // 2), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            print(port)
            return
    die("no free port below the ephemeral range")


def target_url(port, n):
    return f"http://127.0.0.1:{port}/t/{n}"


def cmd_render(args):
    text = open(args.template).read()
    values = dict(kv.split("=", 1) for kv in args.values)
    if args.checks is not None:
        urls = [target_url(args.target_port, n) for n in range(1, args.checks + 1)]
        # Prometheus static_configs targets (host:port/path is not an address, so the full
        # URL goes through __param_target as blackbox users write it).
        values["TARGETS"] = "\n".join(f"          - {u}" for u in urls)
        width = max(5, len(str(args.checks)))
        values["CHECKS"] = "\n".join(
            f"    - name: t{n:0{width}d}\n"
            f"      type: http\n"
            f"      url: {u}\n"
            f"      interval: 10s\n"
            f"      timeout: 5s\n"
            f'      conditions: ["[STATUS] == 200"]'
            for n, u in enumerate(urls, 1))
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = sorted(set(re.findall(r"@([A-Z_]+)@", text)))
    if left:
        die(f"{args.template}: no value for {', '.join(left)}")
    with open(args.out, "w") as f:
        f.write(text)


def cmd_validate_yaml(args):
    try:
        import yaml  # not the standard library: used when present, skipped otherwise
    except ImportError:
        print(f"{args.file}: PyYAML not installed, YAML syntax not checked")
        return
    try:
        doc = yaml.load(open(args.file), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        die(f"{args.file}: not valid YAML: {e}")
    checks = (doc.get("health") or {}).get("checks") if isinstance(doc, dict) else None
    extra = f", {len(checks)} health checks" if isinstance(checks, list) else ""
    print(f"{args.file}: valid YAML{extra}")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def cmd_wait_http(args):
    deadline = time.monotonic() + args.timeout
    last = ""
    while time.monotonic() < deadline:
        if not alive(args.pid):
            die(f"process {args.pid} exited before {args.url} answered; its log "
                f"({args.log}) ends with:\n{tail(args.log)}")
        try:
            status, _ = http_get(args.url, timeout=2)
            if status == 200:
                return
            last = f"status {status}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.2)
    die(f"{args.url} not ready after {args.timeout} s ({last}); log {args.log} ends with:\n"
        f"{tail(args.log)}")


def tail(path, lines=15):
    try:
        return "".join(open(path, errors="replace").readlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------- /proc sampling

def cpu_ticks(pid):
    """utime + stime of every thread of PID (the process line sums them)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        die(f"process {pid} is gone")
    # fields[0] is field 3 (state): utime is field 14, stime 15.
    return int(fields[11]) + int(fields[12])


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def children(pid):
    """nginx's workers: the processes whose parent is PID."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return kids


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


# ---------------------------------------------------------------- Prometheus text format

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{(name, ((label, value), ...)): value} of every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            continue
        labels = tuple(sorted(LABEL_RE.findall(m.group(3) or "")))
        try:
            samples[(m.group(1), labels)] = float(m.group(4))
        except ValueError:
            pass
    return samples


def scrape(url):
    try:
        status, body = http_get(url)
    except (urllib.error.URLError, OSError) as e:
        die(f"GET {url}: {e}")
    if status != 200:
        die(f"GET {url}: status {status}")
    return parse_exposition(body)


def series_of(samples, name):
    return {labels: v for (n, labels), v in samples.items() if n == name}


def require_metrics(samples, url):
    names = {n for n, _ in samples}
    missing = [n for n in (PROBES_METRIC, LATENESS_METRIC + "_bucket") if n not in names]
    if missing:
        health = sorted(n for n in names if "health" in n)
        die(f"{url} has no {' and no '.join(missing)}: this Pharos build does not export the "
            f"health-check metrics the benchmark needs (health metrics it has: "
            f"{', '.join(health) or 'none'})")


def counter_delta(start, end, name):
    """Per label set increase, and the total, of a counter between two scrapes."""
    a, b = series_of(start, name), series_of(end, name)
    per = {labels: v - a.get(labels, 0.0) for labels, v in b.items()}
    return per, sum(per.values())


def bucket_deltas(start, end, name):
    """Cumulative bucket increases by upper bound, summed over the other labels (as
    sum by (le) (increase(name_bucket[window])))."""
    def by_le(series):
        out = {}
        for labels, v in series.items():
            le = dict(labels).get("le")
            if le is not None:
                bound = math.inf if le in ("+Inf", "Inf") else float(le)
                out[bound] = out.get(bound, 0.0) + v
        return out
    a, b = by_le(series_of(start, name + "_bucket")), by_le(series_of(end, name + "_bucket"))
    return sorted((le, v - a.get(le, 0.0)) for le, v in b.items())


def histogram_quantile(q, buckets):
    """Prometheus' bucketQuantile on [(upper bound, cumulative count)] sorted by bound."""
    if not buckets or buckets[-1][0] != math.inf:
        return math.nan
    counts = []
    for _, c in buckets:  # a decreasing cumulative count is coalesced, as Prometheus does
        counts.append(max(c, counts[-1]) if counts else c)
    observations = counts[-1]
    if observations <= 0:
        return math.nan
    rank = q * observations
    b = next(i for i, c in enumerate(counts) if c >= rank)
    if b == len(buckets) - 1:
        return buckets[-2][0] if len(buckets) > 1 else math.nan
    if b == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    start, end, count = 0.0, buckets[b][0], counts[b]
    if b > 0:
        start = buckets[b - 1][0]
        count -= counts[b - 1]
        rank -= counts[b - 1]
    return start + (end - start) * (rank / count)


def fraction_above(buckets, bound):
    total = buckets[-1][1] if buckets else 0
    below = max((c for le, c in buckets if le <= bound), default=0)
    return (total - below) / total if total else math.nan


SUCCESS_LABELS = ("result", "status", "outcome", "success", "up", "state")
SUCCESS_VALUES = {"up", "ok", "success", "succeeded", "true", "1", "pass", "passed", "healthy"}


def success_share(per_labels):
    """Share of probes labelled a success, when the counter carries such a label."""
    for key in SUCCESS_LABELS:
        values = {dict(l).get(key) for l in per_labels}
        if None in values:
            continue
        ok = sum(v for l, v in per_labels.items() if dict(l)[key].lower() in SUCCESS_VALUES)
        total = sum(per_labels.values())
        return key, (ok / total if total else math.nan)
    return None, None


# ---------------------------------------------------------------- Prometheus HTTP API

def prom_query(base, expr, at):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": f"{at:.3f}"})
    try:
        _, body = http_get(url, timeout=60)
    except (urllib.error.URLError, OSError) as e:
        die(f"Prometheus query {expr!r}: {e}")
    doc = json.loads(body)
    if doc.get("status") != "success":
        die(f"Prometheus query {expr!r}: {doc}")
    result = doc["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


# ---------------------------------------------------------------- measure

def nginx_requests(url):
    if not url:
        return None
    _, body = http_get(url)
    m = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s*$", body, re.M)
    return int(m.group(3)) if m else None


def cmd_measure(args):
    procs = dict((role, int(pid)) for role, pid in (p.split("=", 1) for p in args.proc))
    started = time.monotonic()
    rss_series = []  # [seconds since start, {role: KiB}]

    def sample_rss():
        if rss_series and time.monotonic() - started - rss_series[-1][0] < 0.5:
            return
        point = {}
        for role, pid in procs.items():
            if not alive(pid):
                die(f"{role} (pid {pid}) exited during the measurement")
            point[role] = rss_kib(pid)
        rss_series.append([round(time.monotonic() - started, 1), point])

    def sleep_sampling(seconds, label, report=None):
        end = time.monotonic() + seconds
        next_note = time.monotonic() + 15
        while True:
            sample_rss()
            now = time.monotonic()
            if now >= end:
                return
            if now >= next_note:
                note = report() if report else ""
                log(f"  {label}: {end - now:.0f} s left{note}")
                next_note += 15
            time.sleep(min(1.0, end - now))

    load_start = loadavg()
    log(f"{args.system} x{args.checks}: warm-up {args.warmup} s (load {' '.join(load_start)})")
    # The metric names are checked after one interval, not after the whole warm-up.
    first_interval = min(args.warmup, 12.0)
    sleep_sampling(first_interval, "warm-up")
    if args.pharos_metrics:
        require_metrics(scrape(args.pharos_metrics), args.pharos_metrics)
    sleep_sampling(args.warmup - first_interval, "warm-up")

    workers = children(args.nginx_pid) if args.nginx_pid else []
    nginx_pids = ([args.nginx_pid] if args.nginx_pid else []) + workers

    def snapshot():
        return {
            "t": time.monotonic(),
            "wall": time.time(),
            "cpu": {role: cpu_ticks(pid) for role, pid in procs.items()},
            "nginx_cpu": sum(cpu_ticks(p) for p in nginx_pids),
            "nginx_requests": nginx_requests(args.nginx_status),
            "metrics": scrape(args.pharos_metrics) if args.pharos_metrics else None,
        }

    first = snapshot()
    log(f"{args.system} x{args.checks}: measuring {args.measure} s")

    def running_cpu():
        spent = sum(cpu_ticks(pid) for pid in procs.values()) - sum(first["cpu"].values())
        return f", {100.0 * spent / CLK_TCK / (time.monotonic() - first['t']):.1f}% of a core so far"

    sleep_sampling(args.measure, "measure", running_cpu)
    last = snapshot()
    elapsed = last["t"] - first["t"]

    result = {
        "system": args.system,
        "checks": args.checks,
        "warmup_s": args.warmup,
        "measure_s": round(elapsed, 2),
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
        "processes": {},
    }
    cpu_total = 0.0
    for role, pid in procs.items():
        cpu_s = (last["cpu"][role] - first["cpu"][role]) / CLK_TCK
        cpu_total += cpu_s
        rss = [p[role] for _, p in rss_series]
        result["processes"][role] = {
            "pid": pid,
            "cpu_s": cpu_s,
            "core_pct": 100.0 * cpu_s / elapsed,
            "peak_rss_mib": max(rss) / 1024.0,
            "end_rss_mib": rss[-1] / 1024.0,
        }
    result["cpu_s"] = cpu_total
    result["core_pct"] = 100.0 * cpu_total / elapsed
    # Peak of the sum, sample by sample (the peer's two processes live side by side).
    result["peak_rss_mib"] = max(sum(p.values()) for _, p in rss_series) / 1024.0
    result["rss_series"] = [[t, {r: round(v / 1024.0, 2) for r, v in p.items()}]
                            for t, p in rss_series]
    if nginx_pids:
        ncpu = (last["nginx_cpu"] - first["nginx_cpu"]) / CLK_TCK
        result["nginx"] = {"cpu_s": ncpu, "core_pct": 100.0 * ncpu / elapsed}
        if first["nginx_requests"] is not None and last["nginx_requests"] is not None:
            # minus our own two stub_status requests
            result["nginx"]["requests"] = last["nginx_requests"] - first["nginx_requests"] - 1

    if args.pharos_metrics:
        per, probes = counter_delta(first["metrics"], last["metrics"], PROBES_METRIC)
        buckets = bucket_deltas(first["metrics"], last["metrics"], LATENESS_METRIC)
        p99 = histogram_quantile(0.99, buckets)
        result["probes"] = probes
        result["probes_by_labels"] = {",".join(f"{k}={v}" for k, v in l) or "-": v
                                      for l, v in per.items()}
        result["lateness_p99_ms"] = p99 * 1000.0
        result["lateness_p50_ms"] = histogram_quantile(0.5, buckets) * 1000.0
        result["lateness_observations"] = buckets[-1][1] if buckets else 0
        result["lateness_share_over_100ms"] = fraction_above(buckets, 0.1)
        if len(buckets) > 1 and fraction_above(buckets, buckets[-2][0]) > 0.01:
            # histogram_quantile answers the highest finite bound then: a floor, not a value.
            log(f"  warning: over 1% of lateness observations above the top bucket "
                f"({buckets[-2][0]} s): the p99 is only a lower bound")
            result["lateness_p99_is_lower_bound"] = True
        key, share = success_share(per)
        if key is None:
            log("  note: pharos_health_probes_total has no result label; success not verified")
        else:
            result["success_share"] = share
            if not share >= MIN_SUCCESS:
                die(f"only {share:.1%} of Pharos' probes succeeded (label {key}): "
                    f"{result['probes_by_labels']}")
    if args.prometheus:
        time.sleep(2)  # let the last probes of the window be appended before asking
        window = f"{round(elapsed)}s"
        at = last["wall"]
        probes = prom_query(args.prometheus, f"sum(count_over_time(probe_success[{window}]))", at)
        ok = prom_query(args.prometheus, f"sum(sum_over_time(probe_success[{window}]))", at)
        targets = prom_query(args.prometheus, "count(probe_success)", at)
        up_now = prom_query(args.prometheus, "count(probe_success == 1)", at)
        scrapes = prom_query(args.prometheus,
                             f'sum(count_over_time(up{{job="blackbox"}}[{window}]))', at)
        result.update(probes=probes, success_share=ok / probes if probes else 0.0,
                      targets_seen=targets, targets_up=up_now, scrapes=scrapes)
        if targets < MIN_SUCCESS * args.checks or up_now < MIN_SUCCESS * args.checks:
            die(f"Prometheus sees {targets:.0f} targets with probe_success, {up_now:.0f} of "
                f"them succeeding, of {args.checks} configured")
        if not probes or ok / probes < MIN_SUCCESS:
            die(f"only {ok:.0f} of {probes:.0f} probes in the window succeeded")
    if not result.get("probes"):
        die(f"{args.system}: no probes counted in the window")
    result["cpu_ms_per_probe"] = 1000.0 * cpu_total / result["probes"]
    if "nginx" in result:
        result["nginx"]["cpu_us_per_request"] = (
            1e6 * result["nginx"]["cpu_s"] / result["nginx"]["requests"]
            if result["nginx"].get("requests") else None)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    log(f"{args.system} x{args.checks}: {result['probes']:.0f} probes, "
        f"{result['cpu_ms_per_probe']:.3f} ms CPU/probe, {result['core_pct']:.1f}% of a core, "
        f"peak RSS {result['peak_rss_mib']:.1f} MiB")


# ---------------------------------------------------------------- report

def fmt(v, spec):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, spec)


def cmd_report(args):
    runs = []
    for name in sorted(os.listdir(args.dir)):
        if name.startswith("run-") and name.endswith(".json"):
            runs.append(json.load(open(os.path.join(args.dir, name))))
    if not runs:
        die(f"no run-*.json in {args.dir}")
    runs.sort(key=lambda r: (r["system"] != "prometheus+blackbox", r["checks"]))
    meta = {}
    meta_path = os.path.join(args.dir, "meta.json")
    if os.path.exists(meta_path):
        meta = json.load(open(meta_path))

    header = (f"{'system':<24} {'checks':>6} {'probes':>8} {'CPU ms/probe':>12} {'% core':>7} "
              f"{'peak RSS MiB':>12} {'lateness p99':>12} {'nginx % core':>12} {'nginx reqs':>10} "
              f"{'load 1m':>9}")
    print()
    if meta:
        print(f"{meta.get('cores')} cores ({meta.get('cpu', '?')}); uptime at start: "
              f"{meta.get('uptime', '?')}")
    print(header)
    print("-" * len(header))
    rows = []
    for r in runs:
        p99 = r.get("lateness_p99_ms")
        row = {
            "system": r["system"], "checks": r["checks"], "probes": round(r["probes"]),
            "cpu_ms_per_probe": r["cpu_ms_per_probe"], "core_pct": r["core_pct"],
            "peak_rss_mib": r["peak_rss_mib"], "lateness_p99_ms": p99,
            "nginx_core_pct": r.get("nginx", {}).get("core_pct"),
            "nginx_requests": r.get("nginx", {}).get("requests"),
            "measure_s": r["measure_s"], "load_1m_start": float(r["loadavg_start"][0]),
            "load_1m_end": float(r["loadavg_end"][0]),
        }
        rows.append(row)
        print(f"{row['system']:<24} {row['checks']:>6} {row['probes']:>8} "
              f"{row['cpu_ms_per_probe']:>12.3f} {row['core_pct']:>7.2f} "
              f"{row['peak_rss_mib']:>12.1f} {fmt(p99, '>9.1f') + (' ms' if p99 is not None else ''):>12} "
              f"{fmt(row['nginx_core_pct'], '>12.2f')} {fmt(row['nginx_requests'], '>10d')} "
              f"{row['load_1m_start']:>4.2f}>{row['load_1m_end']:<4.2f}")
        if len(r["processes"]) > 1:
            for role, p in r["processes"].items():
                print(f"  {role:<22} {'':>6} {'':>8} {1000 * p['cpu_s'] / r['probes']:>12.3f} "
                      f"{p['core_pct']:>7.2f} {p['peak_rss_mib']:>12.1f}")
    print()
    for row in rows:
        reqs = row["nginx_requests"]
        if reqs is not None and abs(reqs - row["probes"]) > 0.05 * row["probes"]:
            print(f"warning: {row['system']} x{row['checks']} counted {row['probes']} probes but "
                  f"nginx served {reqs} requests in the window")
    peer = next((r for r in runs if r["system"] == "prometheus+blackbox"), None)
    verdicts = []
    for r in runs:
        if r["system"] != "pharos":
            continue
        if peer and r["checks"] == peer["checks"]:
            ratio = peer["cpu_ms_per_probe"] / r["cpu_ms_per_probe"]
            meta["ratio_peer_over_pharos"] = ratio
            verdicts.append((f"CPU per probe at {r['checks']} targets, peer / Pharos",
                             f"{ratio:.1f}x", f">= {MIN_RATIO:.0f}x", ratio >= MIN_RATIO))
        if r["checks"] == 10000:
            verdicts += [
                ("Pharos % of one core, 10,000 checks", f"{r['core_pct']:.2f}%",
                 f"< {PHAROS_MAX_CORE_PCT:.0f}%", r["core_pct"] < PHAROS_MAX_CORE_PCT),
                ("Pharos peak RSS, 10,000 checks", f"{r['peak_rss_mib'] * 1.048576:.1f} MB",
                 f"< {PHAROS_MAX_RSS_MB:.0f} MB",
                 r["peak_rss_mib"] * 1.048576 < PHAROS_MAX_RSS_MB),
                ("Pharos schedule lateness p99, 10,000 checks",
                 f"{fmt(r['lateness_p99_ms'], '.1f')} ms",
                 f"< {PHAROS_MAX_LATENESS_P99_MS:.0f} ms",
                 r["lateness_p99_ms"] < PHAROS_MAX_LATENESS_P99_MS),
            ]
    for what, got, target, ok in verdicts:
        print(f"{what:<52} {got:>10}   target {target:<8} {'met' if ok else 'NOT met'}")
    if peer and not verdicts:
        print(f"peer: {peer['cpu_ms_per_probe']:.3f} ms CPU per probe "
              f"(Pharos needs <= {peer['cpu_ms_per_probe'] / MIN_RATIO:.3f} ms for {MIN_RATIO:.0f}x)")
    print("(peak RSS: the highest once-a-second VmRSS from readiness on, warm-up included; the "
          "peer's is the sum of its two processes)")

    with open(os.path.join(args.dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "runs": rows,
                   "verdicts": [dict(zip(("what", "got", "target", "met"), v)) for v in verdicts]},
                  f, indent=1)
    with open(os.path.join(args.dir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    write_rss_svg(runs, os.path.join(args.dir, "rss.svg"))
    print(f"results: {args.dir}/results.json, results.csv, rss.svg")


def write_rss_svg(runs, path):
    """RSS over time of every run on one chart (sum of a run's processes)."""
    colours = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    lines = [(f"{r['system']} x{r['checks']}",
              [(t, sum(p.values())) for t, p in r["rss_series"]]) for r in runs]
    tmax = max(t for _, pts in lines for t, _ in pts) or 1
    vmax = max(v for _, pts in lines for _, v in pts) or 1
    vmax = math.ceil(vmax / 10) * 10
    w, h, left, bottom, top, right = 720, 360, 60, 40, 20, 200
    pw, ph = w - left - right, h - top - bottom

    def xy(t, v):
        return left + pw * t / tmax, top + ph * (1 - v / vmax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="14">RSS (MiB) over time (s) since start</text>']
    for i in range(6):
        v = vmax * i / 5
        _, y = xy(0, v)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        t = tmax * i / 5
        x, _ = xy(t, 0)
        out.append(f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">{t:.0f}</text>')
    for i, (name, pts) in enumerate(lines):
        c = colours[i % len(colours)]
        poly = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(t, v) for t, v in pts))
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{poly}"/>')
        out.append(f'<text x="{left + pw + 10}" y="{top + 14 + 16 * i}" fill="{c}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("freeport").set_defaults(fn=cmd_freeport)
    r = sub.add_parser("render")
    r.add_argument("template")
    r.add_argument("out")
    r.add_argument("--set", dest="values", action="append", default=[], metavar="KEY=VALUE",
                   help="replaces @KEY@")
    r.add_argument("--checks", type=int)
    r.add_argument("--target-port", type=int)
    r.set_defaults(fn=cmd_render)
    v = sub.add_parser("validate-yaml")
    v.add_argument("file")
    v.set_defaults(fn=cmd_validate_yaml)
    w = sub.add_parser("wait-http")
    w.add_argument("url")
    w.add_argument("pid", type=int)
    w.add_argument("timeout", type=float)
    w.add_argument("log")
    w.set_defaults(fn=cmd_wait_http)
    m = sub.add_parser("measure")
    m.add_argument("--system", required=True)
    m.add_argument("--checks", type=int, required=True)
    m.add_argument("--warmup", type=float, required=True)
    m.add_argument("--measure", type=float, required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--proc", action="append", required=True, help="ROLE=PID")
    m.add_argument("--nginx-pid", type=int)
    m.add_argument("--nginx-status")
    g = m.add_mutually_exclusive_group(required=True)
    g.add_argument("--pharos-metrics")
    g.add_argument("--prometheus")
    m.set_defaults(fn=cmd_measure)
    rep = sub.add_parser("report")
    rep.add_argument("dir")
    rep.set_defaults(fn=cmd_report)
    args = p.parse_args()
    try:
        args.fn(args)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
