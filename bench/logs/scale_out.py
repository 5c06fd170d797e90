#!/usr/bin/env python3
"""Log ingest scale-out on shared backends (issue 11): two `pharos serve --modules api,logs`
processes on one PostgreSQL + NATS JetStream + S3 against one such process.

Each Pharos process runs in a cgroup-v1 CPU controller group of its own with a CFS quota of
QUOTA cores: the stand-in for a machine of its own, so that on a small machine the backends
and this client have the rest of it (one unlimited process already uses both cores of a
2-core machine, so two would measure the machine, not Pharos). Needs root (cgroups,
PostgreSQL run as `postgres`).

Backends, on loopback, each in a temp dir: PostgreSQL with fsync on
(tests/tools/test-postgres.sh --durable), `nats-server -js`, s3rver (as tests/ use them). Each
phase gets a database, NATS stream prefix and S3 prefix of its own and fresh data dirs.
  one: one process; LINES NDJSON lines (bench/logs/gen.py) in BATCH-line POSTs over CONNS
       keep-alive connections (bodies encoded beforehand).
  two: two processes, each sent the same LINES lines on CONNS connections of its own (2 x
       LINES in all), so each runs as long as the one process did. TWO_SENDS=half sends each
       half of them instead (LINES in all): then each process's window is half as long, and
       background work that shares its budget but is deferred in a burst (processing; the
       archive's zstd of each sealed 64 MiB segment, every 2 s) falls inside it unevenly: the
       two processes did ~10-25% less CPU per line and ratios of 2.2-2.9 came out.
A phase's time runs from the first byte sent to the moment pharos_logs_ingested_lines_total
(summed over the processes) reaches the lines sent: acknowledged, durable lines/s. 429/503
answers are counted and the batch sent again after Retry-After.

The phases run one, two, one, two, ... REPEAT times; the median of the runs' ratios two/one is
the figure. For each phase: CPU seconds of each Pharos process (and the part of its niced
threads: processing and archiving, which share its budget), its cores against QUOTA and
whether the quota throttled it (cpu.stat nr_throttled, throttled_time), lines per Pharos CPU
second, CPU of PostgreSQL (all its processes), nats-server, s3rver and this client, the
machine's busy, steal and iowait seconds and what other processes used (the busiest named),
and the load average.
When both phases are quota-bound, the ratio is 2 x (lines per CPU s of two / of one).

  QUOTA=0.5 LINES=2000000 BATCH=5000 CONNS=2 REPEAT=2 python3 bench/logs/scale_out.py
LINES is 2,000,000 by default (a phase of ~7 s at 0.5 core; with 1,000,000 and TWO_SENDS=half
the two-process phase lasted ~1.5 s and ratios of 2.8 came out). QUOTA=0 runs the
processes without a quota (still in a group, for the accounting); PHASES="one" runs only the
first phase (with QUOTA=0: is one process client-bound?). SHARES sets the groups' cpu.shares
(default 8192: a process gets its budget before others on a busy machine, as it would on a
machine of its own; 1024 is the kernel's default). After the durable time, each phase waits
(WAIT_PROCESSED=1, the default; 0 skips it) until every line is also processed (parsed, mined
and in the shared index on PostgreSQL) and reports that rate too: the part of the pipeline
that loads the backends, which the durable figure hardly does. Writes OUT/results.json (OUT
default /tmp/pharos-bench-scale-out, where the generated lines are kept for the next run).
"""
import http.client
import json
import os
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ingest  # noqa: E402

ROOT = ingest.ROOT
OUT = os.environ.get("OUT", "/tmp/pharos-bench-scale-out")
LINES = int(os.environ.get("LINES", "2000000"))
BATCH = int(os.environ.get("BATCH", "5000"))
CONNS = int(os.environ.get("CONNS", "2"))
QUOTA = float(os.environ.get("QUOTA", "0.5"))  # cores per Pharos process; 0: no quota
REPEAT = int(os.environ.get("REPEAT", "2"))
PHASES = os.environ.get("PHASES", "one two").split()
# cpu.shares of each Pharos group: a quota is only a ceiling, and on a busy machine (a CI run)
# a process at the kernel's 1024 got 0.3 of its 0.5 core; 8192 gives it its budget first.
SHARES = int(os.environ.get("SHARES", "8192"))
TIMEOUT = float(os.environ.get("TIMEOUT", "600"))  # per phase, from the first byte
WAIT_PROCESSED = os.environ.get("WAIT_PROCESSED", "1") == "1"
# all: each of the two processes gets all LINES, so each runs as long as the one process did and
# deferred background work (the archive's compression of each sealed 64 MiB segment,
# processing) lands alike in both phases; half: each gets half (the same total as one).
TWO_SENDS = os.environ.get("TWO_SENDS", "all")
CGROUP_CPU = "/sys/fs/cgroup/cpu"
PERIOD_US = 100000
INGESTED = "pharos_logs_ingested_lines_total"
PROCESSED = "pharos_logs_processed_lines_total"
note = ingest.note


def proc_stat(pid):
    """(ppid, own CPU seconds, CPU seconds of its reaped children) from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[1]), (int(fields[11]) + int(fields[12])) / ingest.TICK,
            (int(fields[13]) + int(fields[14])) / ingest.TICK)


def niced_cpu(pid):
    """CPU seconds of the live threads of PID that run at a lowered priority (nice > 0): in
    Pharos, log processing, index writes and maintenance, not the ingest path."""
    total = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[16]) > 0:
            total += (int(fields[11]) + int(fields[12])) / ingest.TICK
    return total


def machine_cpu():
    """Busy (steal included), steal and iowait seconds of the machine (all cores) since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = v
    return {"busy": (user + nice + system + irq + softirq + steal) / ingest.TICK,
            "iowait": iowait / ingest.TICK, "steal": steal / ingest.TICK}


def all_processes():
    """{pid: (command name, parent pid, CPU seconds)} of every process now."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        out[int(entry)] = (comm, int(fields[1]),
                           (int(fields[11]) + int(fields[12])) / ingest.TICK)
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def api_key():
    """A well-formed bootstrap key (src/auth/token.cpp): every process of a phase accepts it."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return ("phk_" + "".join(secrets.choice(alphabet) for _ in range(12)) + "_" +
            secrets.token_hex(32))


class CpuGroup:
    """A cgroup-v1 CPU controller group with a CFS quota of `cores` (0: none)."""

    def __init__(self, name, cores):
        self.path = os.path.join(CGROUP_CPU, name)
        os.mkdir(self.path)
        self._write("cpu.cfs_period_us", PERIOD_US)
        self._write("cpu.cfs_quota_us", int(cores * PERIOD_US) if cores > 0 else -1)
        self._write("cpu.shares", SHARES)

    def _write(self, name, value):
        with open(os.path.join(self.path, name), "w") as f:
            f.write(f"{value}\n")

    def add(self, pid):
        self._write("cgroup.procs", pid)  # v1: moves every thread of the process

    def stat(self):
        with open(os.path.join(self.path, "cpu.stat")) as f:
            return {k: int(v) for k, v in (line.split() for line in f)}

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)  # a process that just exited may still be counted for a moment
        note(f"could not remove {self.path}")


class Backends:
    """PostgreSQL (durable), NATS JetStream and s3rver on loopback, in DIR."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.pg_dir = os.path.join(tmp, "postgres")
        self.nats = self.s3 = None
        self.pg_started = False

    def start(self):
        subprocess.run([os.path.join(ROOT, "tests/tools/test-postgres.sh"), "start", self.pg_dir,
                        "--durable"], check=True, stdout=subprocess.DEVNULL)
        self.pg_started = True
        with open(os.path.join(self.pg_dir, "conninfo")) as f:
            self.conninfo = f.read().strip()
        with open(os.path.join(self.pg_dir, "data", "postmaster.pid")) as f:
            self.postmaster = int(f.readline())
        # As tests/bus/nats_server.h: max_payload above the bus's 1 MiB bodies.
        nats_dir = os.path.join(self.tmp, "nats")
        os.makedirs(nats_dir)
        with open(os.path.join(nats_dir, "nats.conf"), "w") as f:
            f.write("max_payload: 2MB\n")
        self.nats_port = ingest.free_port()
        self.nats = subprocess.Popen(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.nats_port), "-sd",
             os.path.join(nats_dir, "store"), "-c", os.path.join(nats_dir, "nats.conf"), "-l",
             os.path.join(nats_dir, "nats.log")], stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT)
        ingest.wait_port(self.nats_port)
        # As tests/objects/s3_server.h: s3rver, its built-in S3RVER account, bucket `pharos`;
        # DES continuation tokens need OpenSSL's legacy provider.
        s3_dir = os.path.join(self.tmp, "s3")
        os.makedirs(s3_dir)
        self.s3_port = ingest.free_port()
        self.s3 = subprocess.Popen(
            ["node", "--openssl-legacy-provider",
             os.path.join(ROOT, "tests/s3server/node_modules/s3rver/bin/s3rver.js"), "-d", s3_dir,
             "-a", "127.0.0.1", "-p", str(self.s3_port), "-s", "--configure-bucket", "pharos"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.tmp, "s3rver.log"), "w"))
        ingest.wait_port(self.s3_port)

    def psql(self, sql):
        subprocess.run(["psql", self.conninfo, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       check=True, stdout=subprocess.DEVNULL)

    def cpu(self):
        """CPU seconds so far of PostgreSQL (the postmaster, its live children and those it
        reaped), nats-server and s3rver."""
        pg = 0.0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                ppid, own, reaped = proc_stat(int(entry))
            except OSError:
                continue
            if int(entry) == self.postmaster:
                pg += own + reaped
            elif ppid == self.postmaster:
                pg += own
        return {"postgres": pg, "nats": ingest.cpu_seconds(self.nats.pid),
                "s3rver": ingest.cpu_seconds(self.s3.pid)}

    def stop(self):
        for p in (self.s3, self.nats):
            if p is not None:
                stop_process(p, 15)
        if self.pg_started:
            subprocess.run([os.path.join(ROOT, "tests/tools/test-postgres.sh"), "stop",
                            self.pg_dir], stdout=subprocess.DEVNULL)


def config_text(backends, tag):
    return f"""log:
  level: warn
metrics:
  self_scrape_interval: 0s
logs:
  max_body_bytes: 67108864
store:
  backend: postgres
  url: ${{PHAROS_PG_URL}}
bus:
  backend: nats
  servers: [nats://127.0.0.1:{backends.nats_port}]
  prefix: {tag}
objects:
  backend: s3
  s3:
    endpoint: http://127.0.0.1:{backends.s3_port}
    bucket: pharos
    prefix: {tag}
    access_key_id: S3RVER
    secret_access_key: ${{PHAROS_S3_SECRET}}
"""


def wait_ready(port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"pharos on {port} not ready in {timeout} s")


def stop_process(p, timeout=30):
    """SIGTERM, then SIGKILL after TIMEOUT seconds."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def started_under(work):
    """Pids of the processes whose command line names a path under WORK."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if (work + "/").encode() in f.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def client_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_phase(name, count, run, backends, tmp, bodies):
    tag = f"scale_r{run}_{name}"
    work = os.path.join(tmp, tag)
    os.makedirs(work)
    conf = os.path.join(work, "pharos.yaml")
    with open(conf, "w") as f:
        f.write(config_text(backends, tag))
    backends.psql(f"CREATE DATABASE {tag}")
    key = api_key()
    env = dict(os.environ, PHAROS_PG_URL=f"{backends.conninfo} dbname={tag}",
               PHAROS_S3_SECRET="S3RVER", PHAROS_MASTER_KEY=MASTER_KEY,
               PHAROS_BOOTSTRAP_KEY=key)
    procs, groups = [], []
    try:
        for i in range(count):
            group = CpuGroup(f"pharos-scale-out-{os.getpid()}-{tag}-{i}", QUOTA)
            groups.append(group)
            p, port, _, _ = ingest.start_pharos(os.path.join(work, f"p{i}"), config=conf,
                                                args=["--modules", "api,logs"], env=env, key=key)
            procs.append((p, port))
            group.add(p.pid)  # after its start: startup is not measured
            wait_ready(port)
        # Each process gets an equal share of the batches (TWO_SENDS=all: all of them), on
        # CONNS connections of its own.
        if TWO_SENDS == "all":
            shares = [bodies] * count
        else:
            shares = [bodies[i * len(bodies) // count:(i + 1) * len(bodies) // count]
                      for i in range(count)]
        targets = [sum(b.count(b"\n") for b in share) for share in shares]
        total = sum(targets)
        stats, errors = [], []

        def send(port, part):
            s = {}
            stats.append(s)
            try:
                ingest.post_batches(port, key, part, stats=s, retry_after_scale=1.0)
            except BaseException as e:  # noqa: B036 (sys.exit in post_batches, or a socket error)
                errors.append(f"{port}: {e!r}")

        senders = [threading.Thread(target=send, args=(port, share[c::CONNS]), daemon=True)
                   for (_, port), share in zip(procs, shares) for c in range(CONNS)]

        def snapshot():
            return {"t": time.time(), "pharos": [ingest.cpu_seconds(p.pid) for p, _ in procs],
                    "niced": [niced_cpu(p.pid) for p, _ in procs],
                    "cgroups": [g.stat() for g in groups], "backends": backends.cpu(),
                    "client": client_cpu(), "machine": machine_cpu(), "all": all_processes()}

        def usage(a, b):
            """What was used between snapshots A and B."""
            elapsed = b["t"] - a["t"]
            out = {"seconds": elapsed, "processes": []}
            for i in range(count):
                cpu = b["pharos"][i] - a["pharos"][i]
                d = {k: b["cgroups"][i][k] - a["cgroups"][i].get(k, 0)
                     for k in ("nr_periods", "nr_throttled", "throttled_time")}
                out["processes"].append({
                    "cpu_s": cpu, "cores": cpu / elapsed,
                    "niced_threads_cpu_s": b["niced"][i] - a["niced"][i],
                    "periods": d["nr_periods"],
                    "throttled_periods": d["nr_throttled"],
                    "throttled_share": d["nr_throttled"] / d["nr_periods"] if d["nr_periods"]
                    else 0.0, "throttled_s": d["throttled_time"] / 1e9})
            back = {k: b["backends"][k] - a["backends"][k] for k in b["backends"]}
            client = b["client"] - a["client"]
            busy = b["machine"]["busy"] - a["machine"]["busy"]
            ours = sum(p["cpu_s"] for p in out["processes"]) + sum(back.values()) + client
            out.update({
                "pharos_cpu_s": sum(p["cpu_s"] for p in out["processes"]),
                "backends_cpu_s": back, "client_cpu_s": client, "client_cores": client / elapsed,
                "machine_busy_s": busy, "other_processes_cpu_s": max(0.0, busy - ours),
                "machine_steal_s": b["machine"]["steal"] - a["machine"]["steal"],
                "machine_iowait_s": b["machine"]["iowait"] - a["machine"]["iowait"]})
            # The busiest other processes alive at both ends (compilers, tests, kernel threads):
            # what the machine's noise was.
            ours = {os.getpid(), backends.postmaster, backends.nats.pid, backends.s3.pid} | \
                {p.pid for p, _ in procs}
            others = {}
            for pid, (comm, ppid, cpu) in b["all"].items():
                if pid in ours or ppid == backends.postmaster or pid not in a["all"]:
                    continue
                others[comm] = others.get(comm, 0.0) + cpu - a["all"][pid][2]
            out["busiest_others"] = sorted(([c, round(v, 2)] for c, v in others.items() if v > 0),
                                           key=lambda x: -x[1])[:5]
            return out

        s0 = snapshot()
        for s in senders:
            s.start()
        t0 = s0["t"]
        done_at = [None] * count
        while True:
            counts = [ingest.metric(port, key, INGESTED) for _, port in procs]
            now = time.time()
            for i, n in enumerate(counts):
                if done_at[i] is None and n >= targets[i]:
                    done_at[i] = now - t0
            if sum(counts) >= total:
                break
            if errors:
                raise RuntimeError("a sender failed: " + "; ".join(errors))
            if any(p.poll() is not None for p, _ in procs):
                raise RuntimeError("a pharos process exited; see its pharos.log under " + work)
            if now - t0 > TIMEOUT:
                raise RuntimeError(f"{name}: {sum(counts):.0f} of {total} lines in {TIMEOUT} s")
            time.sleep(0.05)
        s1 = snapshot()
        load = loadavg()
        # Background work done inside the window (it shares the budget): lines processed and
        # ingest-log segments archived to S3 by then.
        background = [(ingest.metric(port, key, PROCESSED),
                       ingest.metric(port, key, "pharos_logs_archived_segments_total"))
                      for _, port in procs]
        for s in senders:
            s.join(60)
        result = usage(s0, s1)
        result["lines"] = total
        result["lines_per_s"] = total / result["seconds"]
        result["lines_per_pharos_cpu_s"] = total / result["pharos_cpu_s"]
        result["loadavg"] = load
        for i, p in enumerate(result["processes"]):
            p.update({"lines": targets[i], "durable_s": done_at[i],
                      "processed_lines_at_durable": background[i][0],
                      "archived_segments_at_durable": background[i][1]})
        result.update({"http_429": sum(s.get("429", 0) for s in stats),
                       "http_503": sum(s.get("503", 0) for s in stats),
                       "retries": sum(s.get("retries", 0) for s in stats)})
        if WAIT_PROCESSED:
            # Then until every line is parsed, mined and in the shared index on PostgreSQL:
            # the part of the pipeline that loads the shared backends (a second figure).
            while True:
                done = sum(ingest.metric(port, key, PROCESSED) for _, port in procs)
                if done >= total or time.time() - t0 > TIMEOUT:
                    break
                if any(p.poll() is not None for p, _ in procs):
                    raise RuntimeError("a pharos process exited; see its pharos.log under " + work)
                time.sleep(0.1)
            s2 = snapshot()
            processed = usage(s0, s2)
            processed["lines"] = done
            processed["lines_per_s"] = done / processed["seconds"]
            processed["after_durable"] = usage(s1, s2)
            result["to_processed"] = processed
        return result
    finally:
        for p, _ in procs:
            stop_process(p)
        # One whose start failed (start_pharos exits before returning it): found by its data
        # dir, which is ours alone.
        for pid in started_under(work):
            os.kill(pid, signal.SIGKILL)
        for g in groups:
            g.remove()
        try:
            backends.psql(f"DROP DATABASE IF EXISTS {tag} WITH (FORCE)")
        except subprocess.CalledProcessError as e:
            note(f"could not drop database {tag}: {e}")
        shutil.rmtree(work, ignore_errors=True)


def show(run, name, r):
    procs = "  ".join(
        f"[{p['cpu_s']:.1f} s ({p['niced_threads_cpu_s']:.1f} s niced), {p['cores']:.2f} cores, "
        f"throttled {100 * p['throttled_share']:.0f}% of periods / {p['throttled_s']:.1f} s]"
        for p in r["processes"])
    b = r["backends_cpu_s"]
    note(f"run {run} {name}: {r['lines_per_s']:,.0f} lines/s durable in {r['seconds']:.1f} s "
         f"({r['lines_per_pharos_cpu_s']:,.0f} lines per pharos CPU s); pharos {procs}; postgres "
         f"{b['postgres']:.1f} s, nats {b['nats']:.1f} s, s3rver {b['s3rver']:.1f} s, client "
         f"{r['client_cpu_s']:.1f} s ({r['client_cores']:.2f} cores); machine busy "
         f"{r['machine_busy_s']:.1f} s (others {r['other_processes_cpu_s']:.1f} s, steal "
         f"{r['machine_steal_s']:.1f} s), iowait {r['machine_iowait_s']:.1f} s; load "
         f"{r['loadavg'][0]:.2f}; 429/503 {r['http_429']}/{r['http_503']}")
    if r["client_cores"] > 0.8:
        note("  the client used most of a core: this phase may be client-bound")
    if QUOTA and min(p["throttled_share"] for p in r["processes"]) < 0.5:
        note("  a pharos process was throttled in under half the periods: not quota-bound")
    if "to_processed" in r:
        t = r["to_processed"]
        a = t["after_durable"]
        b = a["backends_cpu_s"]
        cores = ", ".join(f"{p['cores']:.2f}" for p in a["processes"])
        note(f"  processed (indexed in PostgreSQL): {t['lines_per_s']:,.0f} lines/s in "
             f"{t['seconds']:.1f} s; after durable: pharos {cores} cores, postgres "
             f"{b['postgres'] / a['seconds']:.2f} cores, nats {b['nats'] / a['seconds']:.2f}, "
             f"s3rver {b['s3rver'] / a['seconds']:.2f}, others "
             f"{a['other_processes_cpu_s'] / a['seconds']:.2f}, iowait "
             f"{a['machine_iowait_s'] / a['seconds']:.2f}")


MASTER_KEY = secrets.token_hex(32)


def main():
    if os.geteuid() != 0:
        sys.exit("run as root: cgroups and PostgreSQL as the postgres user")
    if not os.access(os.path.join(CGROUP_CPU, "cgroup.procs"), os.W_OK):
        sys.exit(f"no writable cgroup-v1 CPU controller at {CGROUP_CPU}")
    # A SIGTERM (or SIGHUP) unwinds like Ctrl-C, so the finally blocks stop what was started.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(f"stopped by signal {signum}"))
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="pharos-scale-out-")
    os.chmod(tmp, 0o755)  # PostgreSQL runs as `postgres` under it
    backends = Backends(tmp)
    try:
        ndjson = os.path.join(OUT, f"lines-{LINES}.ndjson")
        if not os.path.exists(ndjson):
            note(f"generating {LINES} lines")
            subprocess.run([sys.executable, os.path.join(ROOT, "bench/logs/gen.py"), str(LINES),
                            os.path.join(tmp, "lines.log"), "--ndjson", ndjson + ".part"],
                           check=True)
            os.rename(ndjson + ".part", ndjson)
        with open(ndjson, "rb") as f:
            lines = f.readlines()
        if len(lines) != LINES:
            sys.exit(f"{ndjson} has {len(lines)} lines, not {LINES}")
        bodies = [b"".join(lines[i:i + BATCH]) for i in range(0, len(lines), BATCH)]
        del lines
        note(f"backends: PostgreSQL (fsync on), nats-server -js, s3rver; quota {QUOTA or 'none'} "
             f"core(s) per pharos process; {LINES} lines in {len(bodies)} POSTs on {CONNS} "
             f"connection(s) per process")
        backends.start()
        if TWO_SENDS not in ("half", "all"):
            sys.exit("TWO_SENDS is half or all")
        results = {"lines": LINES, "two_sends": TWO_SENDS, "batch": BATCH,
                   "conns_per_process": CONNS,
                   "quota_cores": QUOTA or None, "shares": SHARES,
                   "cores": os.cpu_count(), "runs": []}
        count = {"one": 1, "two": 2}
        for run in range(1, REPEAT + 1):
            entry = {"run": run}
            for name in PHASES:
                entry[name] = run_phase(name, count[name], run, backends, tmp, bodies)
                show(run, name, entry[name])
            if "one" in entry and "two" in entry:
                entry["ratio"] = entry["two"]["lines_per_s"] / entry["one"]["lines_per_s"]
                note(f"run {run}: two/one = {entry['ratio']:.2f}")
                if "to_processed" in entry["one"] and "to_processed" in entry["two"]:
                    entry["processed_ratio"] = (entry["two"]["to_processed"]["lines_per_s"] /
                                                entry["one"]["to_processed"]["lines_per_s"])
            results["runs"].append(entry)
        ratios = [e["ratio"] for e in results["runs"] if "ratio" in e]
        if ratios:
            results["median_ratio"] = statistics.median(ratios)
        processed_ratios = [e["processed_ratio"] for e in results["runs"] if "processed_ratio" in e]
        if processed_ratios:
            results["median_processed_ratio"] = statistics.median(processed_ratios)
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(results, f, indent=2)
        print(f"\n{LINES} lines, quota {QUOTA or 'none'} core(s) per pharos process; CPU seconds "
              "from the first byte to the last line durable")
        print("| run | phase | durable lines/s | lines per pharos CPU s | pharos CPU s (cores, "
              "throttled periods) | postgres s | nats s | s3rver s | client s | others s | load "
              "| 429+503 | processed lines/s |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for e in results["runs"]:
            for name in PHASES:
                r = e[name]
                procs = ", ".join(f"{p['cpu_s']:.1f} ({p['cores']:.2f}, "
                                  f"{100 * p['throttled_share']:.0f}%)" for p in r["processes"])
                b = r["backends_cpu_s"]
                processed = (f"{r['to_processed']['lines_per_s']:,.0f}" if "to_processed" in r
                             else "-")
                print(f"| {e['run']} | {name} | {r['lines_per_s']:,.0f} | "
                      f"{r['lines_per_pharos_cpu_s']:,.0f} | {procs} | "
                      f"{b['postgres']:.1f} | {b['nats']:.1f} | {b['s3rver']:.1f} | "
                      f"{r['client_cpu_s']:.1f} | {r['other_processes_cpu_s']:.1f} | "
                      f"{r['loadavg'][0]:.2f} | {r['http_429'] + r['http_503']} | {processed} |")
        for e in results["runs"]:
            if "ratio" in e:
                extra = (f" (processed: {e['processed_ratio']:.2f})" if "processed_ratio" in e
                         else "")
                print(f"run {e['run']}: two/one = {e['ratio']:.2f}{extra}")
        if ratios:
            extra = (f"; processed: {results['median_processed_ratio']:.2f}" if processed_ratios
                     else "")
            print(f"median two/one = {results['median_ratio']:.2f} (target >= 1.6){extra}")
        print(f"written to {os.path.join(OUT, 'results.json')}")
    finally:
        backends.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
