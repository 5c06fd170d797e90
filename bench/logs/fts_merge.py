#!/usr/bin/env python3
"""How FTS5's merge settings shape the commits of a log index: total time and the slowest
commit, for the table the index creates per day (contentless, detail=none, 16 MiB hashsize).

Each commit writes DOCS documents of TERMS distinct terms (random ids, as the lines' ids and
numbers are) plus a few shared words: one segment a commit, as the index's writes make. With
`crisismerge` at or below `automerge`, a level that fills is merged all at once inside one
commit; above it, a little with each commit.

  python3 bench/logs/fts_merge.py                      # 600 commits, the four settings below
  COMMITS=1500 python3 bench/logs/fts_merge.py 4: 16:64

Arguments are AUTOMERGE[:CRISISMERGE] (empty: SQLite's default). Uses Python's sqlite3, which
on Debian is the system's libsqlite3, the one Pharos links.
"""
import os
import random
import sqlite3
import sys
import tempfile
import time

COMMITS = int(os.environ.get("COMMITS", "600"))
DOCS = int(os.environ.get("DOCS", "20"))
TERMS = int(os.environ.get("TERMS", "400"))


def run(automerge, crisis, path):
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(doc, content='', columnsize=0, detail=none)")
    db.execute("INSERT INTO f(f, rank) VALUES ('hashsize', 16777216)")
    if automerge:
        db.execute("INSERT INTO f(f, rank) VALUES ('automerge', ?)", (int(automerge),))
    if crisis:
        db.execute("INSERT INTO f(f, rank) VALUES ('crisismerge', ?)", (int(crisis),))
    rng = random.Random(1)
    times = []
    rowid = 0
    for c in range(COMMITS):
        db.execute("BEGIN")
        for _ in range(DOCS):
            rowid += 1
            words = " ".join("t%x" % rng.getrandbits(40) for _ in range(TERMS))
            db.execute("INSERT INTO f(rowid, doc) VALUES (?, ?)", (rowid, words + " common words"))
        start = time.perf_counter()
        db.execute("COMMIT")
        times.append(time.perf_counter() - start)
        if (c + 1) % 100 == 0:
            print(f"  {c + 1}/{COMMITS} commits", file=sys.stderr)
    db.close()
    times.sort()
    return sum(times), times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]


def main():
    settings = sys.argv[1:] or ["4", "16", "16:64", "8"]
    path = os.path.join(tempfile.mkdtemp(prefix="pharos-fts-merge-"), "fts.db")
    print(f"sqlite {sqlite3.sqlite_version}, {COMMITS} commits of {DOCS} x {TERMS} terms")
    print("| automerge | crisismerge | commits, total s | p50 ms | p99 ms | slowest ms |")
    print("|---|---|---|---|---|---|")
    for setting in settings:
        automerge, _, crisis = setting.partition(":")
        total, p50, p99, slowest = run(automerge, crisis, path)
        print(f"| {automerge or 'default'} | {crisis or 'default'} | {total:.2f} | "
              f"{p50 * 1e3:.1f} | {p99 * 1e3:.1f} | {slowest * 1e3:.1f} |", flush=True)
    os.remove(path)


if __name__ == "__main__":
    main()
