#!/usr/bin/env python3
"""The log issue's ingest figures, in one run on this machine (see bench/logs.sh).

For the same file of LINES realistic RFC 5424 lines (bench/logs/gen.py):
  1. rsyslog (Debian package): imtcp on a loopback port, one omfile action, no fsync. Time
     from the first byte sent to the last line in the output file; its CPU.
  2. Pharos, syslog over one TCP connection: time until every line is durable
     (pharos_logs_ingested_lines_total), then until every line is processed (parsed, mined,
     indexed, searchable: pharos_logs_processed_lines_total); its CPU and peak RSS.
  3. Pharos, HTTP NDJSON batches (BATCH lines per POST, CONNS keep-alive connections): the
     same two times.
Then the raw archive's size against the raw input (the last segments are sealed by a
rollover: logs.segment_bytes is small here). Writes OUT/results.json and prints a table.
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHAROS = os.environ.get("PHAROS", os.path.join(ROOT, "build/pharos"))
OUT = os.environ.get("OUT", "/tmp/pharos-bench-logs")
LINES = int(os.environ.get("LINES", "2000000"))
BATCH = int(os.environ.get("BATCH", "5000"))
CONNS = int(os.environ.get("CONNS", "2"))
SKIP_PEER = os.environ.get("SKIP_PEER") == "1"
MODES = os.environ.get("MODES", "syslog http").split()
TICK = os.sysconf("SC_CLK_TCK")


def note(*args):
    print(time.strftime("[%H:%M:%S]"), *args, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakRss(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, False

    def run(self):
        while not self.done:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.2)


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def send_file_tcp(port, path):
    with socket.create_connection(("127.0.0.1", port)) as s, open(path, "rb") as f:
        s.sendfile(f)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(600)
        try:
            s.recv(1)
        except OSError:
            pass


def count_lines(path):
    if not os.path.exists(path):
        return 0
    out = subprocess.run(["wc", "-l", path], capture_output=True, text=True).stdout
    return int(out.split()[0])


def run_rsyslog(data):
    work = os.path.join(OUT, "rsyslog")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    port = free_port()
    out_file = os.path.join(work, "out.log")
    conf = os.path.join(work, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(f'global(workDirectory="{work}")\n'
                'module(load="imtcp")\n'
                f'input(type="imtcp" address="127.0.0.1" port="{port}")\n'
                f'*.* action(type="omfile" file="{out_file}")\n')
    p = subprocess.Popen(["/usr/sbin/rsyslogd", "-n", "-f", conf, "-i", os.path.join(work, "pid")],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "w"))
    try:
        wait_port(port)
        cpu0 = cpu_seconds(p.pid)
        rss = PeakRss(p.pid)
        rss.start()
        t0 = time.time()
        sender = threading.Thread(target=send_file_tcp, args=(port, data))
        sender.start()
        while count_lines(out_file) < LINES:
            time.sleep(0.1)
        elapsed = time.time() - t0
        cpu = cpu_seconds(p.pid) - cpu0
        rss.done = True
        sender.join()
        return {"seconds": elapsed, "lines_per_s": LINES / elapsed, "cpu_s": cpu,
                "cores": cpu / elapsed, "peak_rss_mb": rss.peak}
    finally:
        p.terminate()
        p.wait()


def metric(port, key, name):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics", headers={"Authorization": "Bearer " + key})
    body = c.getresponse().read().decode()
    c.close()
    m = re.search(r"^" + re.escape(name) + r" ([0-9.e+]+)$", body, re.M)
    return float(m.group(1)) if m else 0.0


def start_pharos(work, config=None, args=(), env=None, key=None):
    """Starts `pharos serve` with its data in WORK/data; returns (process, HTTP port, syslog
    port, API key). By default on its embedded backends with a config written here, reading the
    admin key it prints at first start. CONFIG: a config file to use instead; ARGS: more
    arguments; ENV: the process's environment; KEY: an API key it already accepts (a bootstrap
    key, or one of a shared store), so none is read from its output."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    http_port, syslog_port = free_port(), free_port()
    if config is None:
        config = os.path.join(work, "pharos.yaml")
        with open(config, "w") as f:
            f.write("log:\n  level: warn\nmetrics:\n  self_scrape_interval: 0s\n"
                    "logs:\n  segment_bytes: 33554432\n  max_body_bytes: 67108864\n")
    log = open(os.path.join(work, "pharos.log"), "w")
    p = subprocess.Popen([PHAROS, "serve", "--config", config, "--data", os.path.join(work, "data"),
                          "--listen", f"127.0.0.1:{http_port}", "--syslog",
                          f"127.0.0.1:{syslog_port}", *args], stdout=log, stderr=subprocess.STDOUT,
                         env=env)
    wait_port(http_port)
    for _ in range(0 if key else 100):
        text = open(os.path.join(work, "pharos.log")).read()
        m = re.search(r"phk_[0-9a-z]+_[0-9a-f]+", text)
        if m:
            key = m.group(0)
            break
        time.sleep(0.1)
    if not key:
        sys.exit("no admin key printed")
    return p, http_port, syslog_port, key


def wait_metric(port, key, name, target, timeout=1800):
    end = time.time() + timeout
    while time.time() < end:
        if metric(port, key, name) >= target:
            return time.time()
        time.sleep(0.05)
    sys.exit(f"{name} did not reach {target}")


def post_batches(port, key, bodies, stats=None, retry_after_scale=0.1):
    """POSTs each body, again after a 429 or 503 (waiting Retry-After times RETRY_AFTER_SCALE);
    STATS, when given, counts those answers ("429", "503") and the retries ("retries")."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for body in bodies:
        while True:
            c.request("POST", "/api/v1/logs", body=body,
                      headers={"Authorization": "Bearer " + key,
                               "Content-Type": "application/x-ndjson"})
            r = c.getresponse()
            r.read()
            if r.status == 202:
                break
            if r.status in (429, 503):
                if stats is not None:
                    stats[str(r.status)] = stats.get(str(r.status), 0) + 1
                    stats["retries"] = stats.get("retries", 0) + 1
                time.sleep(float(r.getheader("Retry-After", "1")) * retry_after_scale)
                continue
            sys.exit(f"POST answered {r.status}")
    c.close()


def run_pharos(mode, data, ndjson):
    work = os.path.join(OUT, "pharos-" + mode)
    p, http_port, syslog_port, key = start_pharos(work)
    try:
        bodies = []
        if mode == "http":
            with open(ndjson, "rb") as f:
                lines = f.readlines()
            bodies = [b"".join(lines[i:i + BATCH]) for i in range(0, len(lines), BATCH)]
            del lines
        cpu0 = cpu_seconds(p.pid)
        rss = PeakRss(p.pid)
        rss.start()
        t0 = time.time()
        if mode == "syslog":
            sender = threading.Thread(target=send_file_tcp, args=(syslog_port, data))
            sender.start()
            senders = [sender]
        else:
            senders = [threading.Thread(target=post_batches, args=(http_port, key, bodies[i::CONNS]))
                       for i in range(CONNS)]
            for s in senders:
                s.start()
        durable_at = wait_metric(http_port, key, "pharos_logs_ingested_lines_total", LINES)
        cpu_durable = cpu_seconds(p.pid) - cpu0
        for s in senders:
            s.join()
        processed_at = wait_metric(http_port, key, "pharos_logs_processed_lines_total", LINES)
        cpu = cpu_seconds(p.pid) - cpu0
        rss.done = True
        # A last rollover seals the tail: wait for the archive to catch up with sealed segments.
        time.sleep(5)
        archived = metric(http_port, key, "pharos_logs_archived_bytes_total")
        archived_in = metric(http_port, key, "pharos_logs_archived_input_bytes_total")
        ingested_bytes = metric(http_port, key, "pharos_logs_ingested_bytes_total")
        durable_s = durable_at - t0
        processed_s = processed_at - t0
        result = {"durable_seconds": durable_s, "durable_lines_per_s": LINES / durable_s,
                  "cpu_s_to_durable": cpu_durable, "processed_seconds": processed_s,
                  "processed_lines_per_s": LINES / processed_s, "cpu_s": cpu,
                  "cores": cpu / processed_s, "peak_rss_mb": rss.peak}
        if archived_in > 0:
            raw_bytes = os.path.getsize(data)
            # The archive holds whole ingest-log segments; their share of the raw input is
            # their share of the encoded bytes.
            raw_in_archive = raw_bytes * archived_in / ingested_bytes
            result["archive_ratio"] = archived / raw_in_archive
            result["archived_segments_bytes"] = archived_in
        return result
    finally:
        p.terminate()
        p.wait()


def main():
    os.makedirs(OUT, exist_ok=True)
    data = os.path.join(OUT, f"lines-{LINES}.log")
    ndjson = os.path.join(OUT, f"lines-{LINES}.ndjson")
    if not os.path.exists(data) or not os.path.exists(ndjson):
        note(f"generating {LINES} lines")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/logs/gen.py"), str(LINES), data,
                        "--ndjson", ndjson], check=True)
    results = {"lines": LINES, "bytes": os.path.getsize(data)}
    if not SKIP_PEER:
        note("rsyslog: imtcp -> omfile")
        results["rsyslog"] = run_rsyslog(data)
        note(json.dumps(results["rsyslog"]))
    for mode in MODES:
        note(f"pharos: {mode}")
        results["pharos_" + mode] = run_pharos(mode, data, ndjson)
        note(json.dumps(results["pharos_" + mode]))
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    peer = results.get("rsyslog", {}).get("lines_per_s")
    print(f"\n{LINES} lines, {results['bytes'] / 1e6:.0f} MB")
    print("| system | durable lines/s | vs rsyslog | processed lines/s | CPU cores | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    if peer:
        r = results["rsyslog"]
        print(f"| rsyslog imtcp->omfile (no fsync) | {peer:,.0f} | 1.00x | - | {r['cores']:.2f} | {r['peak_rss_mb']:.0f} |")
    for mode in MODES:
        r = results["pharos_" + mode]
        ratio = f"{r['durable_lines_per_s'] / peer:.2f}x" if peer else "-"
        print(f"| pharos {mode} | {r['durable_lines_per_s']:,.0f} | {ratio} | "
              f"{r['processed_lines_per_s']:,.0f} | {r['cores']:.2f} | {r['peak_rss_mb']:.0f} |")
        if "archive_ratio" in r:
            print(f"  archive: {100 * r['archive_ratio']:.1f}% of the raw bytes it holds")


if __name__ == "__main__":
    main()
