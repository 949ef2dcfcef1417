"""Benchmark results as report.py reads them: the JSON lines under $LAB/results, grouped by
label and row key (the newest result file wins; its rounds are kept), and the machine's load
during each phase."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import statistics
from pathlib import Path


def fmt_num(v: float | None, digits: int = 0) -> str:
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def read_jsonl(path: str) -> list[dict]:
    rows = []
    try:
        with open(path, errors="replace") as fh:
            for line in fh:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    except OSError:
        pass
    return rows


def row_key(row: dict) -> tuple | None:
    if "s3bench" in row:
        return (row["scenario"], row["op"], row.get("size") or 0)
    if row.get("tool") == "rss":
        return (row["scenario"], row["op"], row["size"])
    return None


def row_value(row: dict) -> float:
    if row.get("tool") == "rss":
        return row["peak_rss_mb"]
    if row["scenario"] in ("put-large", "get-large"):
        return row["mb_per_s"]
    if row["op"] == "full-listing":
        return row.get("keys_per_s") or 0.0
    return row["ops_per_s"]


def better(a: dict, b: dict) -> dict:
    """The better of two rows of one key (rss: lower peak; others: higher value)."""
    if a.get("tool") == "rss":
        return a if row_value(a) <= row_value(b) else b
    return a if row_value(a) >= row_value(b) else b


class Results:
    def __init__(self, lab: Path) -> None:
        self.lab = lab
        files = sorted(glob.glob(str(lab / "results" / "*.jsonl")))
        skip = {"sysload.jsonl", "limits.jsonl", "profile.jsonl", "wrk.jsonl"}
        # label -> key -> (file stamp, [rows])
        self.by_label: dict[str, dict[tuple, tuple[str, list[dict]]]] = {}
        self.runs: dict[str, dict] = {}
        self.idle: dict[str, dict] = {}
        self.history: dict[tuple[str, tuple], list[dict]] = {}
        for path in files:
            name = os.path.basename(path)
            if name in skip:
                continue
            m = re.search(r"(\d{8}T\d{6}Z)", name)
            stamp = m.group(1) if m else "0"
            for row in read_jsonl(path):
                label = row.get("label", "")
                if row.get("tool") == "run":
                    if stamp >= self.runs.get(label, {}).get("_stamp", ""):
                        self.runs[label] = dict(row, _stamp=stamp)
                    continue
                if row.get("tool") == "rss-idle":
                    self.idle[label] = row
                    continue
                key = row_key(row)
                if key is None:
                    continue
                self.history.setdefault((label, key), []).append(row)
                per = self.by_label.setdefault(label, {})
                old = per.get(key)
                if old is None or stamp > old[0]:
                    per[key] = (stamp, [row])
                elif stamp == old[0]:
                    old[1].append(row)
        self.sysload = read_jsonl(str(lab / "results" / "sysload.jsonl"))
        self.limits = read_jsonl(str(lab / "results" / "limits.jsonl"))
        self.profile = read_jsonl(str(lab / "results" / "profile.jsonl"))

    def get(self, label: str, key: tuple) -> dict | None:
        entry = self.by_label.get(label, {}).get(key)
        if not entry:
            return None
        best = entry[1][0]
        for r in entry[1][1:]:
            best = better(best, r)
        return dict(best, _rounds=len(entry[1]))

    def find(self, label: str, scenario: str, op: str, size: int | None) -> dict | None:
        """Exact size, else the largest size measured (a smaller stand-in)."""
        per = self.by_label.get(label, {})
        if size is not None and (scenario, op, size) in per:
            return self.get(label, (scenario, op, size))
        cands = [k for k in per if k[0] == scenario and k[1] == op]
        if not cands:
            return None
        return self.get(label, max(cands, key=lambda k: k[2]))

    def spread(self, label: str, row: dict | None) -> str:
        """Range of this figure over every run kept in the results ("-" with a single run)."""
        if row is None:
            return "-"
        rows = self.history.get((label, row_key(row)), [])
        if len(rows) < 2:
            return "-"
        vals = [row_value(x) for x in rows]
        digits = 1 if max(vals) < 100 else 0
        return f"{fmt_num(min(vals), digits)}-{fmt_num(max(vals), digits)} ({len(vals)} runs)"

    def other_load(self, row: dict) -> tuple[float | None, float | None]:
        """(CPU cores busy with other work during the row, 1-min loadavg at its end)."""
        if not self.sysload or "ts" not in row:
            return None, None
        try:
            end = dt.datetime.strptime(row["ts"], "%Y-%m-%dT%H:%M:%S%z").timestamp() + 1.0
        except ValueError:
            return None, None
        start = end - max(float(row.get("elapsed_s") or 1.0), 1.0) - 1.0
        inside = [s for s in self.sysload if start <= s["t"] <= end]
        if not inside:
            near = min(self.sysload, key=lambda s: abs(s["t"] - end))
            if abs(near["t"] - end) > 5:
                return None, None
            inside = [near]
        busy = statistics.fmean(s["busy_cores"] for s in inside)
        own = (row.get("server_cpu_cores") or 0.0) + (row.get("client_cpu_cores") or 0.0)
        if row.get("tool") == "rss":
            own = None  # rss.py does not measure CPU: show total busy cores instead
        load1 = inside[-1]["loadavg"][0]
        if own is None:
            return None, load1
        return max(0.0, busy - own), load1


# -- formatting ----------------------------------------------------------------------------
