#!/usr/bin/env python3
"""Issue 10's figures 2 and 3 in one run (driven by bench/backup_ingest.sh).

1. Starts a fresh dev `pharos serve` (loopback ports; bench/logs/ingest.py's start_pharos) and
   fills it with HTTP NDJSON logs until the part of DATA a backup takes (everything but
   objects/) reaches FILL_MB, or FILL_SECONDS pass.
2. Ingest rate: CONNS keep-alive connections POST BATCH-line bodies as fast as they are
   acknowledged (202 = durable). The acknowledged lines/s are counted over WINDOW seconds
   without a backup, then WINDOW seconds while `pharos backup create` runs in a loop (the
   window opens once the first backup has started and each backup restarts as soon as the
   previous ends, so the whole window overlaps a backup), then WINDOW seconds without again.
   The ratio is with / the mean of the two without (the second one catches drift).
3. Stops the server, times one `pharos backup create` of the same data directory alone and
   `pharos backup restore` of that backup into a new directory, and prints restore / create.
Writes OUT/backup_ingest.json.
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "logs"))
import ingest  # noqa: E402  (start_pharos, note, ...; reads PHAROS, OUT, BATCH, CONNS)

FILL_MB = int(os.environ.get("FILL_MB", "1024"))
FILL_SECONDS = int(os.environ.get("FILL_SECONDS", "600"))
WINDOW = float(os.environ.get("WINDOW", "20"))
# Ingest is fastest in the first seconds, while the index is small; the windows start after.
WARMUP = float(os.environ.get("WARMUP", "30"))
LINES = int(os.environ.get("LINES", "1000000"))
note = ingest.note


def backed_up_bytes(data):
    """Bytes of DATA a backup takes: all but objects/ (and staging directories)."""
    total = 0
    for root, dirs, files in os.walk(data):
        if root == data:
            dirs[:] = [d for d in dirs if d != "objects" and not d.startswith(".")]
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


class Load:
    """Closed-loop HTTP NDJSON senders; `acked` counts lines acknowledged so far."""

    def __init__(self, port, key, bodies, lines_per_body, conns):
        self.port, self.key, self.bodies, self.per = port, key, bodies, lines_per_body
        self.acked = 0
        self.pushed_back = 0  # 429/503 answers: processing behind, not the ack path slow
        self.lock = threading.Lock()
        self.stop = False
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(conns)]

    def start(self):
        for t in self.threads:
            t.start()

    def run(self, offset):
        c = ingest.http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        i = offset
        while not self.stop:
            body = self.bodies[i % len(self.bodies)]
            c.request("POST", "/api/v1/logs", body=body,
                      headers={"Authorization": "Bearer " + self.key,
                               "Content-Type": "application/x-ndjson"})
            r = c.getresponse()
            r.read()
            if r.status == 202:
                with self.lock:
                    self.acked += self.per[i % len(self.bodies)]
                i += len(self.threads)
            elif r.status in (429, 503):
                with self.lock:
                    self.pushed_back += 1
                time.sleep(float(r.getheader("Retry-After", "1")) / 10)
            else:
                sys.exit(f"POST answered {r.status}")
        c.close()

    def rate_over(self, seconds):
        a0, b0, t0 = self.acked, self.pushed_back, time.time()
        time.sleep(seconds)
        rate = (self.acked - a0) / (time.time() - t0)
        note(f"  {rate:,.0f} lines/s, {self.pushed_back - b0} batches pushed back (429/503)")
        return rate


class BackupLoop(threading.Thread):
    """`pharos backup create` again and again until stopped; records each one's seconds."""

    def __init__(self, cli):
        super().__init__(daemon=True)
        self.cli, self.stop, self.runs, self.started = cli, False, [], threading.Event()

    def run(self):
        while not self.stop:
            t0 = time.time()
            p = subprocess.Popen(self.cli, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True)
            self.started.set()
            out = p.communicate()[0]
            if p.returncode != 0:
                sys.exit("backup create failed: " + out)
            self.runs.append(time.time() - t0)
            note(f"  backup during ingest: {self.runs[-1]:.1f} s")


def backup_id(out):
    for line in out.splitlines():
        if line.startswith("backup ") and " created:" in line:
            return line.split()[1]
    sys.exit("no backup id in: " + out)


def main():
    out_dir = ingest.OUT
    os.makedirs(out_dir, exist_ok=True)
    ndjson = os.path.join(out_dir, f"lines-{LINES}.ndjson")
    if not os.path.exists(ndjson):
        note(f"generating {LINES} lines")
        subprocess.run([sys.executable, os.path.join(ingest.ROOT, "bench/logs/gen.py"), str(LINES),
                        os.path.join(out_dir, f"lines-{LINES}.log"), "--ndjson", ndjson],
                       check=True)
    with open(ndjson, "rb") as f:
        lines = f.readlines()
    bodies = [b"".join(lines[i:i + ingest.BATCH]) for i in range(0, len(lines), ingest.BATCH)]
    per = [len(lines[i:i + ingest.BATCH]) for i in range(0, len(lines), ingest.BATCH)]
    del lines

    work = os.path.join(out_dir, "server")
    note("starting pharos serve (dev, fresh data dir)")
    p, http_port, _, key = ingest.start_pharos(work)
    data = os.path.join(work, "data")
    conf = os.path.join(work, "pharos.yaml")
    cli = [ingest.PHAROS, "backup", "create", "--config", conf, "--data", data]
    result = {"fill_mb_target": FILL_MB, "window_s": WINDOW, "conns": ingest.CONNS,
              "batch": ingest.BATCH, "nproc": os.cpu_count()}
    try:
        load = Load(http_port, key, bodies, per, ingest.CONNS)
        load.start()
        note(f"filling until the backed-up part of DATA is {FILL_MB} MB (at most {FILL_SECONDS} s)")
        t0 = time.time()
        last_note = t0
        while backed_up_bytes(data) < FILL_MB << 20 and time.time() - t0 < FILL_SECONDS:
            time.sleep(2)
            if time.time() - last_note > 30:
                last_note = time.time()
                note(f"  {backed_up_bytes(data) / 2**20:.0f} MB after {time.time() - t0:.0f} s, "
                     f"{load.acked} lines acknowledged")
        result["fill_seconds"] = time.time() - t0
        result["data_mb_at_start"] = backed_up_bytes(data) / 2**20
        note(f"filled: {result['data_mb_at_start']:.0f} MB in {result['fill_seconds']:.0f} s")
        for name in sorted(os.listdir(data)):
            path = os.path.join(data, name)
            size = backed_up_bytes(path) if os.path.isdir(path) else os.path.getsize(path)
            note(f"  {name}: {size / 2**20:.0f} MB")

        note(f"warming up, {WARMUP:.0f} s")
        time.sleep(WARMUP)
        note(f"ingest without a backup, {WINDOW:.0f} s")
        before = load.rate_over(WINDOW)
        note(f"ingest during backups, {WINDOW:.0f} s")
        loop = BackupLoop(cli)
        loop.start()
        loop.started.wait()
        time.sleep(0.5)  # past process start-up: into the snapshot
        during = load.rate_over(WINDOW)
        loop.stop = True
        loop.join()
        note(f"ingest without a backup again, {WINDOW:.0f} s")
        after = load.rate_over(WINDOW)
        load.stop = True
        for t in load.threads:
            t.join()
        baseline = (before + after) / 2
        result.update({"lines_per_s_before": before, "lines_per_s_during": during,
                       "lines_per_s_after": after, "ratio": during / baseline,
                       "backups_during": loop.runs})
    finally:
        p.terminate()
        p.wait()

    result["data_mb"] = backed_up_bytes(data) / 2**20
    note(f"server stopped; backup create alone of {result['data_mb']:.0f} MB")
    t0 = time.time()
    made = subprocess.run(cli, capture_output=True, text=True)
    create_s = time.time() - t0
    if made.returncode != 0:
        sys.exit("backup create failed: " + made.stdout + made.stderr)
    bid = backup_id(made.stdout)
    note(f"  {made.stdout.strip().splitlines()[0]} ({create_s:.1f} s wall)")
    target = os.path.join(out_dir, "restored")
    shutil.rmtree(target, ignore_errors=True)
    note(f"backup restore {bid}")
    t0 = time.time()
    restored = subprocess.run([ingest.PHAROS, "backup", "restore", "--config", conf, "--data", data,
                               bid, "--target", target], capture_output=True, text=True)
    restore_s = time.time() - t0
    if restored.returncode != 0:
        sys.exit("backup restore failed: " + restored.stdout + restored.stderr)
    note(f"  restored in {restore_s:.1f} s")
    result.update({"backup_id": bid, "create_s": create_s, "restore_s": restore_s,
                   "restore_vs_create": restore_s / create_s,
                   "restored_mb": backed_up_bytes(target) / 2**20})
    with open(os.path.join(out_dir, "backup_ingest.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    print(f"\nfigure 2: ingest during a backup / without: {result['ratio']:.2f} "
          f"({result['lines_per_s_during']:,.0f} vs {baseline:,.0f} lines/s; target >= 0.80)")
    print(f"figure 3: restore / create of {result['data_mb']:.0f} MB: "
          f"{restore_s:.1f} / {create_s:.1f} s = {result['restore_vs_create']:.2f} (target < 2.0)")


if __name__ == "__main__":
    main()
