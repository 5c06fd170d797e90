#!/usr/bin/env python3
"""Realistic RFC 5424 syslog lines, 150-200 bytes each, one per line (newline framing).

  gen.py COUNT OUT.log [--ndjson OUT.ndjson] [--seed N]

The content mixes ~40 message templates from web, database, auth, queue and kernel
services with varying values (ids, IPs, durations, paths), as a fleet's syslog looks; the
same file feeds rsyslog and Pharos. With --ndjson the same lines are also written as
Pharos native NDJSON ({"timestamp","service","level","message","host"}).
"""
import json
import random
import sys

TEMPLATES = [
    ("api", 6, "GET /api/v1/orders/{id} 200 {ms}ms user={user} trace={hex16}"),
    ("api", 6, "POST /api/v1/checkout 201 {ms}ms user={user} items={n} trace={hex16}"),
    ("api", 4, "slow request GET /api/v1/search?q={word} took {ms}ms (threshold 500ms)"),
    ("api", 3, "upstream payments returned 503 after {ms}ms, retry {n}/3 trace={hex16}"),
    ("web", 6, "{ip} - - \"GET /static/{word}.{ext} HTTP/1.1\" 200 {bytes} \"-\" \"Mozilla/5.0\""),
    ("web", 6, "{ip} - {user} \"POST /login HTTP/1.1\" 302 {bytes} \"https://shop.example.com/\""),
    ("web", 4, "{ip} - - \"GET /admin HTTP/1.1\" 403 {bytes} \"-\" \"python-requests/2.31.0\""),
    ("db", 6, "checkpoint complete: wrote {n} buffers ({pct}%); write={sec} s, sync={sec} s"),
    ("db", 4, "duration: {ms}.{n} ms  statement: SELECT * FROM orders WHERE customer_id = {id}"),
    ("db", 3, "could not serialize access due to concurrent update on relation orders (xid {id})"),
    ("db", 6, "connection authorized: user={user} database=shop application_name=api-{n}"),
    ("auth", 6, "session opened for user {user} from {ip} port {port} ssh2"),
    ("auth", 5, "Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{hex16}"),
    ("auth", 4, "Failed password for invalid user {user} from {ip} port {port} ssh2"),
    ("auth", 6, "token refreshed for client {uuid} scope=read,write expires_in=3600"),
    ("queue", 6, "consumer {uuid} acked {n} messages from orders.created in {ms}ms"),
    ("queue", 4, "queue orders.created depth {bytes} above high watermark 10000"),
    ("queue", 3, "delivery to consumer {uuid} failed: connection reset by peer ({ip}:{port})"),
    ("worker", 6, "job {uuid} finished: resize image {word}.{ext} {n}x{n} in {ms}ms"),
    ("worker", 6, "job {uuid} started: send email to {user}@example.com template={word}"),
    ("worker", 3, "job {uuid} failed after {n} attempts: timeout connecting to {ip}:{port}"),
    ("kernel", 6, "eth0: link up, 10000 Mbps, full duplex, flow control rx/tx, mtu 9000 id {id}"),
    ("kernel", 4, "TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies."),
    ("kernel", 3, "Out of memory: Killed process {id} ({word}) total-vm:{bytes}kB, anon-rss:{bytes}kB"),
    ("cron", 6, "({user}) CMD (/usr/local/bin/{word}.sh --mode={word} > /dev/null 2>&1) pid {id}"),
    ("nginx", 6, "{ip} - - \"GET /api/v1/products?page={n} HTTP/2.0\" 200 {bytes} rt={sec} uct=0.001"),
    ("nginx", 3, "upstream timed out (110: Connection timed out) while reading response from {ip}:{port}"),
    ("cache", 6, "evicted {n} keys in {ms}ms, memory {pct}% of maxmemory, hit ratio 0.{n}"),
    ("cache", 4, "replica {ip}:{port} lag {ms}ms exceeds 1000ms, offset {id}"),
    ("billing", 6, "invoice {uuid} issued to customer {id} amount {n}.{n} EUR due in 30 days"),
    ("billing", 3, "charge declined for customer {id}: card_declined (insufficient_funds) ref {hex16}"),
    ("search", 6, "indexed {n} documents into shard {n} in {ms}ms, segment count {n}"),
    ("search", 4, "query took {ms}ms across {n} shards, {n} timed out: q=\"{word} {word}\""),
]
WORDS = ["alpha", "bravo", "carbon", "delta", "ember", "falcon", "garnet", "harbor", "iris",
         "jasper", "kepler", "lumen", "meadow", "nova", "onyx", "prism", "quartz", "raven",
         "sierra", "tundra", "umbra", "vector", "willow", "xenon", "yonder", "zephyr"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter"]
HOSTS = [f"{p}-{i:02d}" for p in ("web", "app", "db", "worker", "edge") for i in range(1, 9)]
HOST_CONTEXT = {h: f"env=prod region=eu-west-{1 + i % 3} az={'abc'[i % 3]} cluster={WORDS[i % 26]} "
                   f"node={h}.internal build=2025.12.{1 + i % 5} team={WORDS[(i * 7) % 26]} "
                   f"rack=r{i % 12:02d}"
                for i, h in enumerate(HOSTS)}


def fill(template, r):
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        key = out[start + 1:end]
        value = {
            "id": lambda: str(r.randint(1000, 99999999)),
            "ms": lambda: str(int(r.expovariate(1 / 120)) + 1),
            "sec": lambda: f"{r.random() * 2:.3f}",
            "n": lambda: str(r.randint(1, 999)),
            "pct": lambda: str(r.randint(1, 99)),
            "bytes": lambda: str(r.randint(100, 999999)),
            "port": lambda: str(r.randint(1024, 65535)),
            "ip": lambda: f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
            "user": lambda: r.choice(USERS),
            "word": lambda: r.choice(WORDS),
            "ext": lambda: r.choice(["png", "jpg", "css", "js", "svg"]),
            "hex16": lambda: "%016x" % r.getrandbits(64),
            "uuid": lambda: "%08x-%04x-4%03x-a%03x-%012x" % (r.getrandbits(32), r.getrandbits(16),
                                                              r.getrandbits(12), r.getrandbits(12),
                                                              r.getrandbits(48)),
        }[key]()
        out = out[:start] + value + out[end + 1:]
    return out


def main():
    count = int(sys.argv[1])
    path = sys.argv[2]
    ndjson = None
    seed = 42
    args = sys.argv[3:]
    while args:
        if args[0] == "--ndjson":
            ndjson = args[1]
            args = args[2:]
        elif args[0] == "--seed":
            seed = int(args[1])
            args = args[2:]
        else:
            sys.exit("unknown argument " + args[0])
    r = random.Random(seed)
    base = 1764892800  # 2025-12-05T00:00:00Z
    out = open(path, "w")
    nd = open(ndjson, "w") if ndjson else None
    for i in range(count):
        service, severity, template = TEMPLATES[r.randrange(len(TEMPLATES))]
        host = r.choice(HOSTS)
        t = base + i / 1000.0
        secs = int(t)
        ts = "2025-12-05T%02d:%02d:%02d.%03dZ" % (secs // 3600 % 24, secs // 60 % 60, secs % 60,
                                                  int((t - secs) * 1000))
        msg = fill(template, r)
        # A process keeps its pid: one per (host, service), as on a real fleet.
        pid = 100 + (HOSTS.index(host) * 97 + len(service) * 7919) % 60000
        line = f"<{8 + severity}>1 {ts} {host} {service} {pid} - - {msg}"
        # 150-200 bytes, spread evenly: short lines get a few more words, long ones are cut.
        # The padding is the context fields a structured logger appends (the same for a host).
        target = r.randint(150, 200)
        context = HOST_CONTEXT[host]
        if len(line) < target:
            line += " " + context
        line = line[:target]
        out.write(line + "\n")
        if nd:
            level = {3: "error", 4: "warn", 5: "notice", 6: "info"}[severity]
            nd.write(json.dumps({"timestamp": ts, "service": service, "level": level,
                                 "host": host, "message": line.split(" - - ", 1)[1]}) + "\n")
    out.close()
    if nd:
        nd.close()


if __name__ == "__main__":
    main()
