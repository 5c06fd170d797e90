#!/usr/bin/env python3
"""Grouping Accuracy of the log template miner on Loghub's 2k samples.

Feeds each system's `Content` column, one message per line and in order, to a command that
prints one `template_id,template` CSV row per input line, and scores the partition of its
ids against the ground-truth EventIds the way LogPAI's evaluator does (see
/work/shared/bench-data/README.md): a true group counts iff all its rows carry one parsed id
and that id occurs on no other row; GA = rows in such groups / rows.

    bench/loghub_ga.py                                   # build/pharos patterns FILE
    bench/loghub_ga.py --cmd "OTHER-PARSER"              # any command taking FILE
"""
import argparse
import collections
import csv
import os
import shlex
import subprocess
import sys
import tempfile

PUBLISHED_DRAIN = {
    "HDFS": 0.998, "Hadoop": 0.948, "Spark": 0.920, "BGL": 0.963,
    "Linux": 0.690, "HealthApp": 0.780, "Proxifier": 0.527, "Apache": 1.000,
}


def grouping_accuracy(truth, parsed):
    if len(truth) != len(parsed):
        raise ValueError(f"{len(parsed)} rows for {len(truth)} lines")
    rows_of_parsed = collections.Counter(parsed)
    groups = collections.defaultdict(list)
    for i, event in enumerate(truth):
        groups[event].append(i)
    correct = 0
    for rows in groups.values():
        ids = {parsed[i] for i in rows}
        if len(ids) == 1 and rows_of_parsed[next(iter(ids))] == len(rows):
            correct += len(rows)
    return correct / len(truth)


def score_system(data_dir, system, cmd):
    path = os.path.join(data_dir, system, f"{system}_2k.log_structured.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    contents = [r["Content"] for r in rows]
    truth = [r["EventId"] for r in rows]
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, encoding="utf-8",
                                     newline="") as tmp:
        for c in contents:
            tmp.write(c.replace("\r", " ").replace("\n", " ") + "\n")
        name = tmp.name
    try:
        out = subprocess.run(shlex.split(cmd) + [name], check=True, capture_output=True).stdout
    finally:
        os.unlink(name)
    parsed = [row[0] for row in csv.reader(out.decode("utf-8", "replace").splitlines())]
    return grouping_accuracy(truth, parsed)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmd", default=os.path.join(here, "..", "build", "pharos") + " patterns")
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "bench-data", "loghub2k"))
    args = parser.parse_args()
    print(f"{'system':<10} {'GA':>6} {'Drain':>6} {'diff':>7}")
    ours, theirs = [], []
    for system, published in PUBLISHED_DRAIN.items():
        ga = score_system(args.data, system, args.cmd)
        ours.append(ga)
        theirs.append(published)
        print(f"{system:<10} {ga:6.3f} {published:6.3f} {ga - published:+7.3f}")
    mean, published_mean = sum(ours) / len(ours), sum(theirs) / len(theirs)
    print(f"{'mean':<10} {mean:6.3f} {published_mean:6.3f} {mean - published_mean:+7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
