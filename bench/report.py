#!/usr/bin/env python3
"""Turn the benchmark results under $LAB/results into docs/PERFORMANCE.md.

    report.py [--lab DIR] [--out docs/PERFORMANCE.md] [--date YYYY-MM-DD]

Reads the JSON lines written by bench/run.sh (labels hydria-pinned, hydria-unpinned),
bench/asgi_compare.sh (asgi-*), bench/rss.py (rss rows), bench/profile.sh (profile.jsonl),
bench/sysload.py (sysload.jsonl: the machine's load, shown next to every figure) and
../shared/bench/limits.sh (limits.jsonl, when present). For each label and row key the newest
result file wins; within one file (several rounds) the best figure is shown. The text of
bench/analysis.md (what bounds each figure, what would lift it) is included as written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import importlib.metadata as md
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from report_nodes import nodes_section
from report_results import Results, fmt_num, read_jsonl, row_value

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GIB, MIB, KIB = 1 << 30, 1 << 20, 1 << 10

# id, what, (scenario, op, size or None), comparison, target, unit
TARGETS = [
    ("put-small", "4 KiB PUT, durable, c=16", ("put-small", "put", 4 * KIB), ">=", 2000, "ops/s"),
    ("get-small", "4 KiB GET, c=16", ("get-small", "get", 4 * KIB), ">=", 4000, "ops/s"),
    ("head", "HEAD of a 4 KiB object, c=16", ("head", "head", 4 * KIB), ">=", 5000, "ops/s"),
    ("put-1g", "1 GiB PUT, one stream", ("put-large", "put-single", GIB), ">=", 300, "MB/s"),
    ("get-1g", "1 GiB GET, one stream", ("get-large", "get-single", GIB), ">=", 1500, "MB/s"),
    (
        "list",
        "full listing of a 1,000,000-key bucket",
        ("list", "full-listing", None),
        ">=",
        50000,
        "keys/s",
    ),
    (
        "rss",
        "server RSS, 16 concurrent 1 GiB uploads",
        ("rss-uploads", "concurrent-put", GIB),
        "<",
        400,
        "MB",
    ),
]

PEERS = """\
| figure (server pinned to 1 core, c=16) | moto 5.2.5 | s3rver 3.7.1 | Ceph RGW |
| --- | ---: | ---: | ---: |
| 4 KiB PUT ops/s | 301 | 599 | ~400 |
| 4 KiB GET ops/s | 297 | 1,175 | ~1,340 |
| HEAD ops/s | 291 | 1,429 | |
| full listing keys/s (20,000 keys) | 3,561 | 6,062 | |
| 1 GiB PUT / GET MB/s, one stream | 124 / 1,006 | 159 / 453 | |

moto and s3rver: the validation run in `../shared/bench/README.md` (2026-11-22, same pinning, a
shared machine). Ceph RGW: the figures quoted in the issue for the same setup."""

README_LIMITS = """\
No `limits.jsonl` in this run's results: the figures below are the validation run of
`../shared/bench/limits.sh` quoted in `../shared/bench/README.md` (2026-11-22, DURATION=8, same
machine type, other jobs sharing it). Run `bench/run.sh limits` (nginx and wrk installed) to
measure them alongside.

| ceiling | figure |
| --- | ---: |
| nginx 4 KiB GET, c=16 (c=1), 1 core | 40,040 req/s (21,029) |
| nginx 64 MiB / 1 GiB GET, wrk | 1,642 / 1,890 MB/s |
| Python loopback socket, one stream | 1,994 MB/s |
| s3bench's own ceiling against nginx, 1 client core | 21,282 GET/s, 27,984 HEAD/s |
| disk: 1 GiB write + fsync | 332 MB/s |
| disk: O_DIRECT read / cached read | 822 / 1,352 MB/s |
| disk: 4 KiB write + fsync | 2,673 IOPS |
| durable 4 KiB file pattern (tmp, fsync, rename, fsync dir) | 662 /s |
| one core: md5 / sha256 / crc32, 1 MiB buffers | 661 / 1,550 / 3,679 MB/s |"""


# -- formatting ----------------------------------------------------------------------------


def fmt_size(size: int | None) -> str:
    if not size:
        return "-"
    for unit, mult in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= mult and size % mult == 0:
            return f"{size // mult} {unit}"
    return str(size)


def cell(row: dict | None, results: Results, *, unit: str = "") -> str:
    if row is None:
        return "not run"
    v = row_value(row)
    digits = 1 if v < 100 else 0
    text = fmt_num(v, digits)
    if row.get("errors"):
        text += " (E)"
    if row.get("client_saturated"):
        text += " !"
    return text


def load_text(row: dict | None, results: Results) -> str:
    if row is None:
        return "-"
    other, load1 = results.other_load(row)
    parts = []
    if row.get("server_cpu_cores") is not None:
        parts.append(f"srv {row['server_cpu_cores']:.2f}")
    if row.get("client_cpu_cores") is not None:
        parts.append(f"cli {row['client_cpu_cores']:.2f}")
    if other is not None:
        parts.append(f"other {other:.2f}")
    if load1 is not None:
        parts.append(f"load {load1:.1f}")
    return ", ".join(parts) or "-"


def cpu_per_op(row: dict | None) -> str:
    if row is None or not row.get("server_cpu_cores") or not row.get("ops_per_s"):
        return "-"
    if row["scenario"] in ("put-large", "get-large"):
        # CPU seconds per GB moved
        mbps = row.get("mb_per_s") or 0
        return f"{row['server_cpu_cores'] / mbps * 1000:.2f} s/GB" if mbps else "-"
    per = row["server_cpu_cores"] / row["ops_per_s"]
    if row["scenario"] == "list":
        return f"{per * 1e3:,.1f} ms/page"
    return f"{per * 1e6:,.0f} µs"


def status(row: dict | None, cmp: str, target: float, size: int | None) -> str:
    if row is None:
        return "not measured"
    v = row_value(row)
    ok = v >= target if cmp == ">=" else v < target
    text = "met" if ok else "**missed**"
    proxy = size is not None and row.get("size") != size
    if row.get("op") == "full-listing":
        listed = row.get("objects_listed") or 0
        proxy = listed < 1_000_000
    if proxy:
        text += " (smaller stand-in)"
    return text


# -- machine -------------------------------------------------------------------------------


def machine() -> list[str]:
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        out = subprocess.run(["free", "-m"], capture_output=True, text=True, timeout=5).stdout
        total = out.splitlines()[1].split()[1]
        mem = f"{int(total) / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError, subprocess.SubprocessError):
        pass
    nproc = os.cpu_count()
    versions = []
    for pkg in ("uvicorn", "httptools", "uvloop", "granian", "botocore", "py-spy"):
        try:
            versions.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            pass
    return [
        f"- CPU: {model}, `nproc` = {nproc}",
        f"- memory (`free -m`): {mem}; kernel {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        + ", ".join(versions),
    ]


# -- sections ------------------------------------------------------------------------------


def targets_table(r: Results) -> list[str]:
    out = [
        "| target | goal | pinned (1 core) | status | CPU per op | load during the run | "
        "pinned, all runs kept | unpinned (2 cores) | load during the run |",
        "| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |",
    ]
    notes = []
    for _tid, what, (sc, op, size), cmp, target, unit in TARGETS:
        p = r.find("hydria-pinned", sc, op, size)
        u = r.find("hydria-unpinned", sc, op, size)
        goal = f"{'≥' if cmp == '>=' else '<'} {target:,} {unit}"
        st = status(p, cmp, target, size)
        if p is not None and size is not None and p.get("size") != size:
            notes.append(f"{what}: measured with {fmt_size(p.get('size'))} (not {fmt_size(size)}).")
        if p is not None and p.get("op") == "full-listing":
            notes.append(
                f"{what}: the pinned run listed {p.get('objects_listed') or 0:,} keys in "
                f"{p.get('full_listing_s') or 0:.2f} s (LIST_KEYS; FULL=1 lists 1,000,000)."
            )
        extra_p = extra_u = ""
        if p is not None and p.get("tool") == "rss":
            extra_p = f" (PSS {p['peak_pss_mb']:,.0f}; {p['ok']}/{p['concurrency']} ok, {p['mb_per_s']:,.0f} MB/s)"
        if u is not None and u.get("tool") == "rss":
            extra_u = f" (PSS {u['peak_pss_mb']:,.0f}, {u['processes']} processes)"
        out.append(
            f"| {what} | {goal} | {cell(p, r)}{extra_p} | {st} | {cpu_per_op(p)} | "
            f"{load_text(p, r)} | {r.spread('hydria-pinned', p)} | {cell(u, r)}{extra_u} | "
            f"{load_text(u, r)} |"
        )
    if notes:
        out.append("")
        out.extend(f"- {n}" for n in notes)
    return out


def all_rows_table(r: Results) -> list[str]:
    labels = [lab for lab in ("hydria-pinned", "hydria-unpinned") if lab in r.by_label]
    if not labels:
        return ["No Hydria results yet: run `bench/run.sh`."]
    keys = sorted(
        {k for lab in labels for k in r.by_label[lab]},
        key=lambda k: (ORDER.get(k[0], 99), k[1], k[2]),
    )
    head = (
        "| scenario | op | size | "
        + " | ".join(f"{lab.split('-')[1]}: value | p99 ms | CPU per op | load" for lab in labels)
        + " |"
    )
    out = [
        head,
        "| --- | --- | --- | " + " | ".join("---: | ---: | ---: | ---" for _ in labels) + " |",
    ]
    for k in keys:
        cells = []
        for lab in labels:
            row = r.get(lab, k)
            if row is None:
                cells.append("- | - | - | -")
                continue
            unit = (
                "keys/s"
                if k[1] == "full-listing"
                else (
                    "MB/s"
                    if k[0] in ("put-large", "get-large")
                    else ("MB peak RSS" if row.get("tool") == "rss" else "ops/s")
                )
            )
            p99 = (row.get("lat_ms") or {}).get("p99")
            cells.append(
                f"{cell(row, r)} {unit} | {fmt_num(p99, 1)} | {cpu_per_op(row)} | {load_text(row, r)}"
            )
        out.append(f"| {k[0]} | {k[1]} | {fmt_size(k[2])} | " + " | ".join(cells) + " |")
    return out


ORDER = {
    "put-small": 0,
    "get-small": 1,
    "head": 2,
    "delete": 3,
    "mixed": 4,
    "put-large": 5,
    "get-large": 6,
    "list": 7,
    "rss-uploads": 8,
}


def compare_table(r: Results) -> list[str]:
    labels = sorted(lab for lab in r.by_label if lab.startswith("asgi-"))
    if not labels:
        return ["Not run yet: `bench/run.sh compare`."]
    out = [
        "| server | version | scenario | ops/s (best round) | rounds | p99 ms (best round) | "
        "server CPU per request: median (range) | load |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for lab in labels:
        run = r.runs.get(lab, {})
        for k in sorted(r.by_label[lab], key=lambda k: ORDER.get(k[0], 99)):
            row = r.get(lab, k)
            rounds = r.by_label[lab][k][1]
            per = [
                x["server_cpu_cores"] / x["ops_per_s"] * 1e6
                for x in rounds
                if x.get("server_cpu_cores") and x.get("ops_per_s")
            ]
            cpu = (
                f"{statistics.median(per):,.0f} µs ({min(per):,.0f}-{max(per):,.0f})"
                if per
                else "-"
            )
            p99 = (row.get("lat_ms") or {}).get("p99")
            out.append(
                f"| {lab[5:]} | {run.get('version', '?')} | {k[0]} | {cell(row, r)} | "
                f"{row['_rounds']} | {fmt_num(p99, 1)} | {cpu} | {load_text(row, r)} |"
            )
    cmds = [
        f"- {lab[5:]}: `{r.runs[lab]['cmd']}`" for lab in labels if "cmd" in r.runs.get(lab, {})
    ]
    if cmds:
        out += [
            "",
            "Command lines (pinned with `taskset -c 0`; the app's lifespan ran in both: "
            "the PUTs that need the SQLite writer succeeded):",
            "",
        ] + cmds
    return out


def profile_section(r: Results) -> list[str]:
    if not r.profile:
        return ["Not run yet: `bench/run.sh profile` (needs `pip install py-spy`)."]
    out: list[str] = []
    metas = [p for p in r.profile if p.get("kind") == "meta"]
    for meta in metas:
        lab = meta["label"]
        rows = [p for p in r.profile if p.get("label") == lab and p.get("kind") == "self"][:15]
        incl = [p for p in r.profile if p.get("label") == lab and p.get("kind") == "incl"]
        incl = [p for p in incl if not re.search(r"^(main|serve|<module>) ", p["function"])][:12]
        threads = ", ".join(
            f"{k} {v:.0f}%" for k, v in sorted(meta["threads"].items(), key=lambda kv: -kv[1])
        )
        parts = sorted((meta.get("parts") or {}).items(), key=lambda kv: -kv[1])
        tc = meta.get("thread_cpu")
        tct = ""
        if tc:
            tct = (
                " CPU actually used (per-thread accounting from /proc): "
                + ", ".join(
                    f"{k} {v['user'] + v['sys']:.2f} cores (system {v['sys']:.2f})"
                    for k, v in tc.items()
                )
                + "."
            )
        out += [
            f"#### {lab}: {meta['samples']:,} samples, {int(meta.get('ops') or 0):,} requests",
            "",
            f"Samples by thread: {threads}.{tct}",
            "",
        ]
        if parts:
            out += [
                "| % of samples | part (each sample charged to its nearest Hydria or server frame) |",
                "| ---: | --- |",
            ]
            out += [f"| {v:.1f} | {k} |" for k, v in parts]
            out.append("")
        out += [
            "| self % | total % | function (self: innermost Python frame, C calls included) |",
            "| ---: | ---: | --- |",
        ]
        out += [f"| {p['self_pct']:.1f} | {p['total_pct']:.1f} | `{p['function']}` |" for p in rows]
        out += ["", "| total % | Hydria function (inclusive) |", "| ---: | --- |"]
        out += [f"| {p['total_pct']:.1f} | `{p['function']}` |" for p in incl]
        out.append("")
    return out


# The small operations the object-model phase runs on both buckets: scenario, op, label.
OBJMODEL_SMALL_OPS = (
    ("put-small", "put", "PUT"),
    ("get-small", "get", "GET"),
    ("head", "head", "HEAD"),
)


def _newest_objmodel_rows(r: Results) -> list[dict]:
    """For each (scenario, op), the row of the newest objmodel run that measured it."""
    newest: dict[tuple[str, str], dict] = {}
    for path in sorted(glob.glob(str(r.lab / "results" / "hydria-objmodel-*.jsonl"))):
        for row in read_jsonl(path):
            if row.get("tool") == "objmodel":
                newest[(row["scenario"], row["op"])] = row
    return list(newest.values())


def _objmodel_rounds(r: Results) -> list[str]:
    """Each round's pair (unversioned, then versioned, run back to back) and their ratio."""
    out: list[str] = []
    for scenario, op, what in OBJMODEL_SMALL_OPS:
        key = (scenario, op, 4 * KIB)
        plain = r.by_label.get("objmodel-objm-plain", {}).get(key)
        versioned = r.by_label.get("objmodel-objm-versioned", {}).get(key)
        # Pairs only from one run (same results file) with a round of each bucket every time.
        if (
            not plain
            or not versioned
            or plain[0] != versioned[0]
            or len(plain[1]) != len(versioned[1])
        ):
            continue
        pairs = [(p, v) for p, v in zip(plain[1], versioned[1], strict=True) if p["ops_per_s"] > 0]
        if len(pairs) < 2:
            continue
        ratios = [v["ops_per_s"] / p["ops_per_s"] - 1 for p, v in pairs]
        text = ", ".join(
            f"{p['ops_per_s']:,.0f} / {v['ops_per_s']:,.0f} ({ratio * 100:+.1f}%)"
            for (p, v), ratio in zip(pairs, ratios, strict=True)
        )
        out.append(
            f"- {what}, every round (unversioned / versioned, in the order run): {text}; "
            f"median {statistics.median(ratios) * 100:+.1f}%."
        )
    return [""] + out if out else []


def objmodel_section(r: Results) -> list[str]:
    """Versioned vs unversioned small ops, ListObjectVersions, PUT cost per checksum."""
    out = [
        "`bench/run.sh objmodel`: one pinned server (CPU 0), clients on CPU 1. Small operations "
        "run on an unversioned and a versioning-enabled bucket in alternating rounds (best round "
        "shown; CPU per op is the steadier measure on a shared machine). Target: the versioned "
        "bucket within 10% of the unversioned one.",
        "",
        "| operation (4 KiB, c=16) | unversioned | CPU per op | versioned | CPU per op | "
        "versioned vs unversioned (ops/s, CPU per op) |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for scenario, op, what in OBJMODEL_SMALL_OPS:
        plain = r.get("objmodel-objm-plain", (scenario, op, 4 * KIB))
        versioned = r.get("objmodel-objm-versioned", (scenario, op, 4 * KIB))
        delta = "-"
        if plain and versioned:
            ops = versioned["ops_per_s"] / plain["ops_per_s"] - 1
            cpu_p = plain["server_cpu_cores"] / plain["ops_per_s"]
            cpu_v = versioned["server_cpu_cores"] / versioned["ops_per_s"]
            delta = f"{ops * 100:+.1f}%, {(cpu_v / cpu_p - 1) * 100:+.1f}%"
        out.append(
            f"| {what} | {cell(plain, r)} | {cpu_per_op(plain)} | {cell(versioned, r)} | "
            f"{cpu_per_op(versioned)} | {delta} |"
        )
    out += _objmodel_rounds(r)
    rows = _newest_objmodel_rows(r)
    listing = [x for x in rows if x["scenario"] == "list-versions"]
    if listing:
        out += [
            "",
            f"ListObjectVersions on a bucket of {listing[0]['versions']:,} versions (25,000 keys "
            "under 100 prefixes, 4 versions each, one key in ten ending in a delete marker): "
            "complete passes of 1,000-entry pages with key-marker / version-id-marker, for the "
            "phase's duration.",
            "",
            "| listing | pages/s | entries/s | pages | complete passes |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for x in listing:
            what = "delimiter `/`" if x["op"] == "delimited-pages" else "no delimiter"
            out.append(
                f"| {what} | {x['pages_per_s']:,.1f} | {x['entries_per_s']:,.0f} | "
                f"{x['pages']:,} | {x['passes']} |"
            )
    sums = [x for x in rows if x["scenario"] == "put-checksum"]
    if sums:
        out += [
            "",
            f"One-stream PUT of {fmt_size(sums[0]['size'])} with the checksum in "
            "`x-amz-checksum-*` (verified by the server while it streams), best of the rounds. "
            "Target: CRC32, CRC32C and CRC64NVME cost under 10% of the PUT's time.",
            "",
            "| checksum | MB/s | every round | time vs no checksum |",
            "| --- | ---: | --- | ---: |",
        ]
        for x in sums:
            rounds = ", ".join(f"{v:,.0f}" for v in x["all_mb_per_s"])
            out.append(
                f"| {x['op'].lower() if x['op'] == 'NONE' else x['op']} | {x['mb_per_s']:,.0f} | "
                f"{rounds} | {x['time_vs_none_pct']:+.1f}% |"
            )
    return out


def limits_section(r: Results) -> list[str]:
    if not r.limits:
        return README_LIMITS.splitlines()
    newest: dict[tuple, dict] = {}
    for row in r.limits:
        newest[(row.get("group"), row.get("name"))] = row
    ts = max(row.get("ts", "") for row in newest.values())
    out = [
        f"Measured with `../shared/bench/limits.sh` during this run ({ts[:10]}); the load column "
        "shows how busy the machine was (ceilings measured on a shared machine come out low: "
        "compare with the validation figures of `../shared/bench/README.md` quoted below).",
        "",
        "| group | ceiling | value | load |",
        "| --- | --- | ---: | --- |",
    ]
    for (group, name), row in newest.items():
        _, load1 = r.other_load({"ts": row.get("ts", ""), "elapsed_s": 8})
        lt = f"load {load1:.1f}" if load1 is not None else "-"
        out.append(f"| {group} | {name} | {row['value']:,.1f} {row.get('unit', '')} | {lt} |")
    out += ["", "Validation figures for reference:", ""]
    out += README_LIMITS.split("\n\n", 1)[1].splitlines()
    return out


def appcost_section(r: Results) -> list[str]:
    rows = read_jsonl(str(r.lab / "results" / "appcost.jsonl"))
    if not rows:
        return ["Not run yet: `bench/run.sh appcost`."]
    last = rows[-1]
    _, load1 = r.other_load({"ts": last["ts"], "elapsed_s": 30})
    out = [
        f"`bench/appcost.py` ({last['ts'][:16]}, load {f'{load1:.1f}' if load1 is not None else '?'}): "
        "the app called directly with signed ASGI scopes, no HTTP server, pinned to one core; "
        f"process CPU per request, best of several passes over {last['n']:,} objects of "
        f"{fmt_size(last['size'])}.",
        "",
        "| request | app CPU per request |",
        "| --- | ---: |",
    ]
    out += [f"| {op.upper()} | {us:,.0f} µs |" for op, us in last["us_per_op"].items()]
    return out


def run_context(r: Results) -> list[str]:
    out = []
    for lab in ("hydria-pinned", "hydria-unpinned"):
        run = r.runs.get(lab)
        if not run:
            continue
        idle = r.idle.get(lab, {})
        out.append(
            f"- `{lab}`: code {run.get('src', '?')}; workers {run.get('workers')}, server CPUs "
            f"{run.get('server_cpus')}, client CPUs {run.get('client_cpus')}; started {run.get('ts')}"
            + (f"; idle server RSS {idle.get('rss_mb')} MB" if idle else "")
        )
    return out


def load_summary(r: Results) -> str:
    starts = []
    for run in r.runs.values():
        try:
            starts.append(dt.datetime.strptime(run["ts"], "%Y-%m-%dT%H:%M:%S%z").timestamp())
        except (KeyError, ValueError):
            pass
    since = min(starts) - 5 if starts else 0.0
    samples = [s for s in r.sysload if s["t"] >= since]
    if not samples:
        return "no load record"
    busy = [s["busy_cores"] for s in samples]
    loads = [s["loadavg"][0] for s in samples]
    return (
        f"1-minute load average {min(loads):.1f} to {max(loads):.1f} (median "
        f"{statistics.median(loads):.1f}) on {os.cpu_count()} cores; all-process CPU busy "
        f"median {statistics.median(busy):.2f} cores"
    )


def build(r: Results, date: str) -> str:
    analysis = (HERE / "analysis.md").read_text() if (HERE / "analysis.md").exists() else ""
    lines = [
        "# Performance",
        "",
        "<!-- Generated by bench/report.py from the results of bench/run.sh; edit bench/analysis.md"
        " for the prose of the last sections. -->",
        "",
        f"Measured {date} with `bench/run.sh` (the shared load generator "
        "`../shared/bench/s3bench.py`), on the machine below. Pinned figures: the server on CPU 0 "
        "(`taskset -c 0`, `HYDRIA_WORKERS=1`), s3bench on CPU 1, as for the peer figures. "
        "Unpinned: the default worker count (one per core), nothing pinned.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- load while measuring: {load_summary(r)}",
        *run_context(r),
        "",
        "Every figure below carries the CPU it cost and the machine's load while it ran: `srv` and "
        "`cli` are the server's and the client's CPU use in cores (from /proc, per phase), `other` "
        "the rest of the machine's busy CPU in that window (other jobs: noise), `load` the 1-minute "
        "load average at its end. `srv 1.00` with a pinned server means its core was the limit; "
        "a pinned server well below 1.00 is waiting (disk, fsync, the client) or was starved by "
        "`other` work. `CPU per op` is server CPU time per request (per GB for large objects): it "
        "moves less than ops/s when the machine is shared.",
        "",
        "Reproduce: `bench/run.sh` (about 20 minutes; `FULL=1 bench/run.sh` lists 1,000,000 keys, "
        "`DURATION=30` for steadier figures), then read this file again.",
        "",
        "## Targets",
        "",
        *targets_table(r),
        "",
        "## All rows",
        "",
        *all_rows_table(r),
        "",
        "## Object model: versioning and checksums",
        "",
        *objmodel_section(r),
        "",
        "## Several nodes on PostgreSQL",
        "",
        *nodes_section(r),
        "",
        "## Peers on the same setup",
        "",
        PEERS,
        "",
        "## Machine ceilings",
        "",
        *limits_section(r),
        "",
        "## HTTP server: uvicorn or granian",
        "",
        "The same ASGI app (`hydria.server:create_app`, a factory) under each server, one worker "
        "pinned to CPU 0, s3bench on CPU 1 (`bench/asgi_compare.sh`): several rounds alternate the "
        "servers; ops/s and p99 are those of the best round, CPU per request the median and range "
        "over the rounds (the steadier measure on a shared machine).",
        "",
        *compare_table(r),
        "",
        "## Where the time goes",
        "",
        "### Hydria's own share, without the HTTP server",
        "",
        *appcost_section(r),
        "",
        "### Profiles (pinned server, 4 KiB requests, c=16)",
        "",
        "`bench/profile.sh`: py-spy samples the server process (non-idle samples only) during each "
        "timed s3bench phase; `bench/pyspy_top.py` ranks functions. *Self* is the share of samples "
        "whose innermost Python frame is the function (C it calls, such as sqlite3, hashlib or a "
        "socket write, counts there); *total* counts it anywhere on the stack. With uvloop the "
        "event loop's own C work (socket reads, httptools parsing, callback dispatch) has no "
        "Python frame and shows as `event loop (C: ...)`. Raw stacks: "
        "`$LAB/results/profile/*.txt` (flamegraph.pl or speedscope.app read them).",
        "",
        *profile_section(r),
        analysis.rstrip(),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--lab",
        default=os.environ.get("LAB")
        or os.path.join(os.environ.get("TMPDIR", "/tmp"), "hydria-bench"),
    )
    ap.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    ap.add_argument("--date", default=os.environ.get("DATE", ""))
    args = ap.parse_args()
    r = Results(Path(args.lab))
    date = args.date
    if not date:
        run = r.runs.get("hydria-pinned") or r.runs.get("hydria-unpinned") or {}
        date = (run.get("ts") or dt.date.today().isoformat())[:10]
    text = build(r, date)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
