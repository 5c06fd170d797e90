#!/usr/bin/env python3
"""Scores an anomaly detector on the NAB corpus exactly as NAB's own scorer does.

Runs a command (default `build/pharos anomalies`) on every data/<category>/<file>.csv, reads its
`timestamp,value,anomaly_score` output, and scores the three NAB profiles as described in
../shared/bench-data/README.md: probationary rows skipped, one threshold per profile for the
whole corpus (swept over every distinct score, starting at 1.1 = no detection), the scaled
sigmoid over the labelled windows, and normalisation between the null and the perfect detector.

  bench/nab_score.py [--nab DIR] [--cmd "build/bench/analysis_anomalies"] [--scores-dir DIR]
  bench/nab_score.py --validate      # checks window handling against Numenta's reference rows

Python 3 standard library only.
"""

import argparse
import csv
import json
import math
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

DEFAULT_NAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                           "bench-data", "nab")


def parse_time(text):
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ValueError("bad timestamp: %r" % text)


def scaled_sigmoid(y):
    """NAB's scaled sigmoid: 2/(1+e^{5y}) - 1, and -1 beyond y = 3."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def probation_rows(n):
    return min(int(math.floor(0.15 * n)), 750)


def read_timestamps(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return [parse_time(r[0]) for r in rows[1:] if r]


class FileLabels:
    """Window geometry of one data file: which window each row is in, and for rows outside
    every window the right edge and width of the last window that ended before it."""

    def __init__(self, times, windows):
        n = len(times)
        self.n = n
        self.probation = probation_rows(n)
        self.window_of = [None] * n      # window index or None
        self.windows = []                # (left index, right index, width in rows)
        for (start, end) in windows:
            idx = [i for i, t in enumerate(times) if start <= t <= end]
            if not idx:
                continue
            self.windows.append((idx[0], idx[-1], len(idx)))
            for i in idx:
                self.window_of[i] = len(self.windows) - 1

    def row_value(self, i, a_tp, a_fp):
        """(window index or None, weighted score of a detection at row i)."""
        w = self.window_of[i]
        if w is not None:
            _, right, width = self.windows[w]
            return w, scaled_sigmoid(-(right - i + 1) / width) * a_tp / scaled_sigmoid(-1.0)
        prev = None
        for (left, right, width) in self.windows:
            if right < i:
                prev = (right, width)
        if prev is None:
            return None, -a_fp
        right, width = prev
        if width <= 1:
            return None, -a_fp
        return None, scaled_sigmoid(abs(right - i) / (width - 1)) * a_fp


def load_labels(nab):
    with open(os.path.join(nab, "labels", "combined_windows.json")) as f:
        raw = json.load(f)
    return {name: [(parse_time(a), parse_time(b)) for a, b in wins] for name, wins in raw.items()}


def load_profiles(nab):
    with open(os.path.join(nab, "config", "profiles.json")) as f:
        raw = json.load(f)
    return {name: (p["CostMatrix"]["tpWeight"], p["CostMatrix"]["fpWeight"],
                   p["CostMatrix"]["fnWeight"]) for name, p in raw.items()}


PROFILE_ORDER = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]


def sweep(files, a_tp, a_fp, a_fn):
    """Best corpus threshold. files: name -> (FileLabels, scores). Returns (threshold, total)."""
    points = []  # (score, file key, window key or None, value)
    n_windows = 0
    for name, (lab, scores) in files.items():
        n_windows += len(lab.windows)
        for i in range(lab.probation, lab.n):
            w, v = lab.row_value(i, a_tp, a_fp)
            points.append((scores[i], name, w, v))
    points.sort(key=lambda p: -p[0])
    total = -a_fn * n_windows
    best = (1.1, total)
    best_in_window = {}
    k = 0
    while k < len(points):
        threshold = points[k][0]
        while k < len(points) and points[k][0] == threshold:
            _, name, w, v = points[k]
            if w is None:
                total += v
            else:
                key = (name, w)
                old = best_in_window.get(key, -a_fn)
                if v > old:
                    total += v - old
                    best_in_window[key] = v
            k += 1
        if total > best[1]:
            best = (threshold, total)
    return best, n_windows


def file_score(lab, scores, threshold, a_tp, a_fp, a_fn):
    """(score, tp rows, fp rows, fn rows, windows detected) of one file at a threshold."""
    best = {}
    fp_total = 0.0
    tp = fp = fn = 0
    for i in range(lab.probation, lab.n):
        w, v = lab.row_value(i, a_tp, a_fp)
        hit = scores[i] >= threshold
        if w is None:
            if hit:
                fp += 1
                fp_total += v
        elif hit:
            tp += 1
            best[w] = max(best.get(w, -a_fn), v)
        else:
            fn += 1
    s = fp_total + sum(best.get(w, -a_fn) for w in range(len(lab.windows)))
    return s, tp, fp, fn, len(best)


def run_detector(cmd, path):
    proc = subprocess.run(shlex.split(cmd) + [path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s %s failed: %s" % (cmd, path, proc.stderr.strip()))
    return proc.stdout


def parse_output(text, times, name):
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip() for c in rows[0]] != ["timestamp", "value", "anomaly_score"]:
        raise RuntimeError("%s: header is not timestamp,value,anomaly_score" % name)
    rows = [r for r in rows[1:] if r]
    if len(rows) != len(times):
        raise RuntimeError("%s: %d output rows for %d input rows" % (name, len(rows), len(times)))
    scores = []
    for r, t in zip(rows, times):
        if parse_time(r[0]) != t:
            raise RuntimeError("%s: timestamp %s out of order" % (name, r[0]))
        scores.append(float(r[2]))
    return scores


def validate(nab, labels):
    """Numenta's reference rows give per file the rows inside windows after probation (TP+FN)
    and outside (TN+FP): our window and probation handling must reproduce both. For files where
    every false positive precedes every window (or there is none) and no window was hit, the
    file score is fully determined by the counts, so we recompute it too. Finally the per-file
    scores must add up to the README's 18.12 (66.5 normalised)."""
    ok = True
    for profile in PROFILE_ORDER:
        a_tp, a_fp, a_fn = load_profiles(nab)[profile]
        path = os.path.join(nab, "reference", "numenta_%s_scores.csv" % profile)
        total = 0.0
        checked = recomputed = 0
        n_windows = 0
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                name = row["File"]
                times = read_timestamps(os.path.join(nab, "data", name))
                lab = FileLabels(times, labels[name])
                n_windows += len(lab.windows)
                in_win = sum(1 for i in range(lab.probation, lab.n) if lab.window_of[i] is not None)
                out_win = lab.n - lab.probation - in_win
                tp, fn, tn, fp = (int(row[k]) for k in ("TP", "FN", "TN", "FP"))
                if in_win != tp + fn or out_win != tn + fp or int(row["Total_Count"]) != lab.n:
                    ok = False
                    print("MISMATCH %s %s: in-window %d vs TP+FN %d, outside %d vs TN+FP %d"
                          % (profile, name, in_win, tp + fn, out_win, tn + fp))
                checked += 1
                if tp == 0 and (not lab.windows or fp == 0):
                    expect = -a_fp * fp - a_fn * len(lab.windows)
                    if abs(expect - float(row["Score"])) > 1e-6:
                        ok = False
                        print("SCORE MISMATCH %s %s: %f vs %s" % (profile, name, expect, row["Score"]))
                    recomputed += 1
                total += float(row["Score"])
        norm = 100.0 * (total + a_fn * n_windows) / (a_tp * n_windows + a_fn * n_windows)
        print("%-20s files %d (window/probation counts match: %s), scores recomputed from counts: %d,"
              " raw total %.2f over %d windows -> normalised %.1f"
              % (profile, checked, "yes" if ok else "NO", recomputed, total, n_windows, norm))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nab", default=DEFAULT_NAB, help="NAB directory (data/, labels/, config/)")
    ap.add_argument("--cmd", default="build/pharos anomalies", help="detector command; the file is appended")
    ap.add_argument("--scores-dir", help="score precomputed outputs <dir>/<category>/<file>.csv instead")
    ap.add_argument("--save-dir", help="keep each file's detector output here")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--validate", action="store_true", help="check the scorer against Numenta's reference")
    ap.add_argument("--quiet", action="store_true", help="only the three profile lines")
    args = ap.parse_args()

    labels = load_labels(args.nab)
    if args.validate:
        return 0 if validate(args.nab, labels) else 1

    names = sorted(labels)

    def one(name):
        path = os.path.join(args.nab, "data", name)
        times = read_timestamps(path)
        if args.scores_dir:
            with open(os.path.join(args.scores_dir, name)) as f:
                text = f.read()
        else:
            text = run_detector(args.cmd, path)
            if args.save_dir:
                out = os.path.join(args.save_dir, name)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with open(out, "w") as f:
                    f.write(text)
        return name, (FileLabels(times, labels[name]), parse_output(text, times, name))

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        files = dict(pool.map(one, names))

    profiles = load_profiles(args.nab)
    results = {}
    for profile in PROFILE_ORDER:
        a_tp, a_fp, a_fn = profiles[profile]
        (threshold, total), n_windows = sweep(files, a_tp, a_fp, a_fn)
        norm = 100.0 * (total + a_fn * n_windows) / (a_tp * n_windows + a_fn * n_windows)
        results[profile] = (threshold, total, norm, n_windows)
        if profile == "standard" and not args.quiet:
            print("%-55s %8s %5s %5s %5s %7s" % ("file (standard profile)", "score", "TP", "FP", "FN", "windows"))
            for name in names:
                lab, scores = files[name]
                s, tp, fp, fn, hit = file_score(lab, scores, threshold, a_tp, a_fp, a_fn)
                print("%-55s %8.3f %5d %5d %5d %3d/%-3d" % (name, s, tp, fp, fn, hit, len(lab.windows)))
    for profile in PROFILE_ORDER:
        threshold, total, norm, n_windows = results[profile]
        print("%-20s threshold %.6f raw %8.3f windows %d normalised %.1f"
              % (profile, threshold, total, n_windows, norm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
