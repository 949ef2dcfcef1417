#!/usr/bin/env bash
# Several nodes (issue 5): 4 KiB PUT and GET on one node with SQLite, one node with PostgreSQL,
# and 1, 2 and 3 nodes sharing one PostgreSQL database and one data directory behind nginx
# (deploy/nginx.conf, the file the three-node tests use). Nothing is pinned: on a 2-core machine
# the nodes, PostgreSQL, nginx and s3bench share both cores, which bounds any scaling.
#
#   bench/nodes.sh        results: $LAB/results/nodes-<stamp>.jsonl; then bench/run.sh report
#
# PostgreSQL runs with durable settings (bench/pgserver.py: fsync and synchronous commit on).
# Configurations alternate within each round, so slow phases of a shared machine spread over
# all of them. Environment (defaults): NODES_ROUNDS=2 NODES_DURATION=10 OBJECTS=2000 SIZE=4KiB
# CONCURRENCY=16 NODE_WORKERS=1 (worker processes per node) NODES_CONFIGS="sqlite-1 pg-1
# pg-lb-1 pg-lb-2 pg-lb-3" (pg-lb-N: N nodes behind nginx, N up to 8; on a bigger machine, e.g.
# NODES_CONFIGS="pg-lb-1 pg-lb-2 pg-lb-4 pg-lb-8"). Ports: nginx 9310, nodes 9311-9318.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS="${NODES_ROUNDS:-2}"
DURATION="${NODES_DURATION:-10}"
OBJECTS="${OBJECTS:-2000}"
SIZE="${SIZE:-4KiB}"
CONCURRENCY="${CONCURRENCY:-16}"
export HYDRIA_WORKERS="${NODE_WORKERS:-1}"
CONFIGS="${NODES_CONFIGS:-sqlite-1 pg-1 pg-lb-1 pg-lb-2 pg-lb-3}"
LB_PORT=9310
NODE_PORTS=(9311 9312 9313 9314 9315 9316 9317 9318)
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$LAB/results/nodes-$STAMP.jsonl"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

stop_all() {
  stop_server nodes-nginx
  for i in 0 1 2 3 4 5 6 7; do stop_server "node$i"; done
}
cleanup() {
  stop_all
  stop_server nodes-pg
  [[ -n "${SYSLOAD_PID:-}" ]] && kill "$SYSLOAD_PID" 2>/dev/null || true
  rm -rf "$LAB/data-nodes-pg" "$LAB/data-nodes-sqlite"
}
trap cleanup EXIT
start_sysload

log "starting PostgreSQL (durable settings)"
rm -f "$LAB/run/pg.dsn"
"$PY" "$BENCH/pgserver.py" "$LAB/run/pg.dsn" >"$LAB/logs/nodes-pg.log" 2>&1 &
echo $! >"$LAB/run/nodes-pg.pid"
for _ in $(seq 1 120); do [[ -s "$LAB/run/pg.dsn" ]] && break; sleep 0.5; done
DSN="$(cat "$LAB/run/pg.dsn")"
rm -rf "$LAB/data-nodes-pg" "$LAB/data-nodes-sqlite"
mkdir -p "$LAB/data-nodes-pg" "$LAB/data-nodes-sqlite"

# start_nodes COUNT META DATA: COUNT nodes on ports 9311.., sharing META and DATA.
start_nodes() {
  local count="$1" meta="$2" data="$3" i
  for ((i = 0; i < count; i++)); do
    # shellcheck disable=SC2046
    start_server "node$i" "${NODE_PORTS[$i]}" "" "$data" -- \
      $(hydria_cmd "${NODE_PORTS[$i]}" "$data") ${meta:+--meta "$meta"}
  done
}

# start_balancer COUNT: nginx on 9310 with deploy/nginx.conf's upstream set to COUNT nodes.
start_balancer() {
  local count="$1" dir="$LAB/nginx-nodes"
  rm -rf "$dir"; mkdir -p "$dir/logs"
  PYTHONPATH="$ROOT/tests" "$PY" - "$dir" "$count" "$LB_PORT" "${NODE_PORTS[@]}" <<'PY'
import sys
from pathlib import Path

from cluster_harness import write_nginx_config

directory, count, listen, *ports = sys.argv[1:]
nodes = [int(p) for p in ports[: int(count)]]
write_nginx_config(Path(directory), nodes, int(listen), worker_connections=4096)
PY
  start_server nodes-nginx "$LB_PORT" "" "$dir" -- "$NGINX" -p "$dir" -c "$dir/nginx.conf"
}

for round in $(seq 1 "$ROUNDS"); do
  for config in $CONFIGS; do
    count="${config##*-}"
    case "$config" in
      sqlite-1) start_nodes 1 "" "$LAB/data-nodes-sqlite"; port="${NODE_PORTS[0]}" ;;
      pg-1) start_nodes 1 "$DSN" "$LAB/data-nodes-pg"; port="${NODE_PORTS[0]}" ;;
      pg-lb-*) start_nodes "$count" "$DSN" "$LAB/data-nodes-pg"; start_balancer "$count"; port="$LB_PORT" ;;
      *) echo "unknown configuration $config" >&2; exit 2 ;;
    esac
    echo "{\"tool\": \"run\", \"label\": \"nodes-$config\", \"src\": \"$SRC_DESC\", \"workers\": \"$HYDRIA_WORKERS per node\", \"server_cpus\": \"all\", \"client_cpus\": \"all\", \"round\": $round, \"ts\": \"$(date +%Y-%m-%dT%H:%M:%S%z)\"}" >>"$OUT"
    log "round $round: $config"
    S3B_TIMEOUT=600 s3b --endpoint "http://127.0.0.1:$port" --label "nodes-$config" --json-out "$OUT" \
      -d "$DURATION" -c "$CONCURRENCY" -n "$OBJECTS" -s "$SIZE" put-small get-small | grep -v '^{' || true
    stop_all
  done
done
log "results: $OUT"
