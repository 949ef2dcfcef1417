"""The "Several nodes" section of docs/PERFORMANCE.md, from bench/nodes.sh's results.

Each configuration ran once per round, configurations alternating within a round; the table
gives the best round and the median of the rounds, and the 1-, 2- and 3-node figures relative
to one node behind the same balancer.
"""

from __future__ import annotations

import glob
import statistics

from report_results import Results, read_jsonl

SINGLE = [
    ("nodes-sqlite-1", "1 node, SQLite (no balancer)", 1),
    ("nodes-pg-1", "1 node, PostgreSQL (no balancer)", 1),
]


def _configs(rows: dict[tuple[str, str], list[dict]]) -> list[tuple[str, str, int]]:
    """The single-node configurations, then every nodes-pg-lb-N measured, by N."""
    counts = sorted({int(label.rsplit("-", 1)[1]) for label, _ in rows if "-pg-lb-" in label})
    balanced = [
        (f"nodes-pg-lb-{n}", f"{n} node{'s' if n > 1 else ''}, PostgreSQL, behind nginx", n)
        for n in counts
    ]
    return SINGLE + balanced


OPS = [("put-small", "4 KiB PUT"), ("get-small", "4 KiB GET")]


def _newest_rows(r: Results) -> tuple[str, dict[tuple[str, str], list[dict]]]:
    """The newest nodes-*.jsonl file's name and its rows by (label, scenario)."""
    files = sorted(glob.glob(str(r.lab / "results" / "nodes-*.jsonl")))
    if not files:
        return "", {}
    rows: dict[tuple[str, str], list[dict]] = {}
    for row in read_jsonl(files[-1]):
        if "scenario" in row and row.get("ops_per_s"):
            rows.setdefault((row["label"], row["scenario"]), []).append(row)
    return files[-1], rows


def _figure(rows: list[dict]) -> str:
    values = [row["ops_per_s"] for row in rows]
    p99 = min(row["lat_ms"]["p99"] for row in rows)
    return f"{max(values):,.0f} ({statistics.median(values):,.0f}) | {p99:.1f}"


def nodes_section(r: Results) -> list[str]:
    path, rows = _newest_rows(r)
    if not rows:
        return ["No results yet: run `bench/nodes.sh`, then `bench/run.sh report`."]
    rounds = max(len(v) for v in rows.values())
    run = next((x for x in read_jsonl(path) if x.get("tool") == "run"), {})
    out = [
        "`bench/nodes.sh`: 4 KiB objects, 16 concurrent clients, s3bench `put-small` then "
        f"`get-small`; {rounds} rounds, configurations alternating within each round; "
        f"worker processes: {run.get('workers', '1 per node')}; nothing pinned. PostgreSQL 15 runs "
        "on the same machine with durable settings (fsync and synchronous commit on); the nodes "
        "share its database and one data directory; nginx runs deploy/nginx.conf. Figures: "
        "ops/s of the best round (median of the rounds in brackets) and the lowest p99 latency "
        "of the rounds, in ms.",
        "",
        "| configuration | " + " | ".join(f"{what} ops/s | p99 ms" for _, what in OPS) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in OPS) + " |",
    ]
    configs = _configs(rows)
    for label, what, _ in configs:
        cells = [_figure(rows[(label, s)]) if (label, s) in rows else "- | -" for s, _ in OPS]
        out.append(f"| {what} | " + " | ".join(cells) + " |")
    scaling = []
    for scenario, what in OPS:
        base = rows.get(("nodes-pg-lb-1", scenario))
        if not base:
            continue
        one = max(row["ops_per_s"] for row in base)
        parts = []
        for label, _, count in configs[len(SINGLE) + 1 :]:
            if (label, scenario) in rows:
                best = max(row["ops_per_s"] for row in rows[(label, scenario)])
                parts.append(f"{count} nodes {best / one:.2f}x (linear: {count}x)")
        scaling.append(f"- {what}: " + ", ".join(parts) + ".")
    sqlite = rows.get(("nodes-sqlite-1", "put-small"))
    pg = rows.get(("nodes-pg-1", "put-small"))
    if scaling:
        out += ["", "Relative to one node behind the same balancer (best rounds):", "", *scaling]
    if sqlite and pg:
        ratio = max(x["ops_per_s"] for x in pg) / max(x["ops_per_s"] for x in sqlite)
        out += ["", f"One node's 4 KiB PUT on PostgreSQL runs at {ratio:.2f}x its rate on SQLite."]
    return out
