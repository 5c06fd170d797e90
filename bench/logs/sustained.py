#!/usr/bin/env python3
"""A sustained syslog run: RATE lines/s over one TCP connection for DURATION seconds, into a
fresh Pharos; samples its RSS, backlog and processed lines every second and reports the
peak RSS and whether processing kept up. Reuses bench/logs/ingest.py's helpers.

  RATE=200000 DURATION=600 python3 bench/logs/sustained.py
Writes OUT/sustained.json and OUT/sustained.csv (t, rss_mb, backlog_mb, ingested, processed,
cpu_s: Pharos's CPU seconds so far, the machine's idle, iowait and steal seconds so far from
/proc/stat, and archived_mb: the ingest log's bytes in the raw archive so far, which must keep
pace with ingest over a run, or the run only postponed the archive's work). On a shared
machine the lines/s of two runs of one build differ more than two builds do; the CPU a line
and the machine's idle and steal say why.
"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ingest  # noqa: E402

RATE = int(os.environ.get("RATE", "200000"))
DURATION = int(os.environ.get("DURATION", "600"))


def machine_idle_iowait_steal_s():
    """The machine's idle, iowait and steal seconds since boot, all CPUs."""
    with open("/proc/stat") as f:
        cpu = f.readline().split()
    return int(cpu[4]) / ingest.TICK, int(cpu[5]) / ingest.TICK, int(cpu[8]) / ingest.TICK


def main():
    os.makedirs(ingest.OUT, exist_ok=True)
    data = os.path.join(ingest.OUT, "lines-2000000.log")
    if not os.path.exists(data):
        import subprocess
        subprocess.run([sys.executable, os.path.join(ingest.ROOT, "bench/logs/gen.py"), "2000000",
                        data], check=True)
    with open(data, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    p, http_port, syslog_port, key = ingest.start_pharos(os.path.join(ingest.OUT, "sustained"))
    samples = []
    stop = False

    def sender():
        s = socket.create_connection(("127.0.0.1", syslog_port))
        per_tick = RATE // 100  # every 10 ms
        i, start = 0, time.time()
        tick = 0
        while not stop:
            chunk = lines[i:i + per_tick]
            if len(chunk) < per_tick:
                chunk += lines[:per_tick - len(chunk)]
            i = (i + per_tick) % len(lines)
            s.sendall(b"".join(chunk))
            tick += 1
            delay = start + tick / 100 - time.time()
            if delay > 0:
                time.sleep(delay)
        s.close()

    t = threading.Thread(target=sender, daemon=True)
    t0 = time.time()
    t.start()
    try:
        while time.time() - t0 < DURATION:
            time.sleep(1)
            ingested = ingest.metric(http_port, key, "pharos_logs_ingested_lines_total")
            processed = ingest.metric(http_port, key, "pharos_logs_processed_lines_total")
            backlog = ingest.metric(http_port, key, "pharos_logs_backlog_bytes")
            archived = ingest.metric(http_port, key, "pharos_logs_archived_input_bytes_total")
            idle, iowait, steal = machine_idle_iowait_steal_s()
            samples.append((round(time.time() - t0, 1), round(ingest.rss_mb(p.pid), 1),
                            round(backlog / 1e6, 1), int(ingested), int(processed),
                            round(ingest.cpu_seconds(p.pid), 2), round(idle, 2), round(iowait, 2),
                            round(steal, 2), round(archived / 1e6, 1)))
            if len(samples) % 30 == 0:
                ingest.note(f"t={samples[-1][0]}s rss={samples[-1][1]} MB backlog={samples[-1][2]} MB "
                            f"ingested={samples[-1][3]} processed={samples[-1][4]}")
        stop = True
        t.join()
    finally:
        p.terminate()
        p.wait()
    with open(os.path.join(ingest.OUT, "sustained.csv"), "w") as f:
        f.write("t,rss_mb,backlog_mb,ingested,processed,cpu_s,idle_s,iowait_s,steal_s,archived_mb\n")
        for row in samples:
            f.write(",".join(map(str, row)) + "\n")
    last = samples[-1]
    half = samples[len(samples) // 2]
    cpus = os.cpu_count()
    window = last[0] - half[0]
    result = {"rate": RATE, "duration_s": DURATION, "peak_rss_mb": max(s[1] for s in samples),
              "rss_second_half_max_mb": max(s[1] for s in samples[len(samples) // 2:]),
              "ingested_lines_per_s": last[3] / last[0],
              "processed_lines_per_s_second_half": (last[4] - half[4]) / (last[0] - half[0]),
              "final_backlog_mb": last[2], "max_backlog_mb": max(s[2] for s in samples),
              # The second half, as processed_lines_per_s_second_half.
              "pharos_cores_second_half": (last[5] - half[5]) / window,
              "cpu_us_per_line_second_half": (last[5] - half[5]) * 1e6 / max(1, last[4] - half[4]),
              "machine_idle_pct_second_half": 100 * (last[6] - half[6]) / (window * cpus),
              "machine_iowait_pct_second_half": 100 * (last[7] - half[7]) / (window * cpus),
              "machine_steal_pct_second_half": 100 * (last[8] - half[8]) / (window * cpus),
              "archived_mb_per_s_second_half": (last[9] - half[9]) / window,
              "archived_mb": last[9]}
    with open(os.path.join(ingest.OUT, "sustained.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
