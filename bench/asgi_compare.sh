#!/usr/bin/env bash
# Which HTTP server to run Hydria's ASGI app under: the same app (hydria.server:create_app, a
# factory) under each server, one worker pinned to CPU 0, s3bench on CPU 1.
#
#   bench/asgi_compare.sh [SERVER...]     (default: uvicorn granian)
#
#   uvicorn        uvicorn --http httptools --loop uvloop  (what `hydria serve` runs)
#   granian        granian --interface asgi --loop uvloop --runtime-threads 1 (Rust HTTP/1 stack)
#   granian-rtask  the same with --task-impl rust (Rust asyncio task implementation)
#   uvicorn-h11    uvicorn --http h11 (pure-Python parser; for scale)
#
# The app's lifespan must run (it starts the SQLite writer thread): uvicorn gets --lifespan on;
# granian's "asgi" interface runs the lifespan protocol ("asginl" would not). s3bench creates its
# bucket and PUTs before reading, so a server that skipped the lifespan shows up as errors.
# Environment (defaults): LAB  DURATION=15  OBJECTS=2000  SIZE=4KiB  CONCURRENCY=16
#   SCENARIOS="put-small get-small head"  ROUNDS=2 (the servers alternate; report.py shows the best)
#   SERVER_CPUS=0  CLIENT_CPUS=1  SRC (see lib.sh)
# Rows: $LAB/results/asgi-<server>-<UTC time>.jsonl (label asgi-<server>).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $# -gt 0 ]] || set -- uvicorn granian
DURATION="${DURATION:-15}"
SERVER_CPUS="${SERVER_CPUS-0}"
CLIENT_CPUS="${CLIENT_CPUS-1}"
SCENARIOS="${SCENARIOS:-put-small get-small head}"
ROUNDS="${ROUNDS:-2}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
PORT=9311
DATA="$LAB/data-asgi"
NAME=""
OWN_SYSLOAD=""
[[ -n "${SYSLOAD_PID:-}" ]] || OWN_SYSLOAD=1
start_sysload

cleanup() {
  [[ -n "$OWN_SYSLOAD" ]] && kill "$SYSLOAD_PID" 2>/dev/null || true
  [[ -n "$NAME" ]] && stop_server "$NAME"
  rm -rf "$DATA"
}
trap cleanup EXIT

server_cmd() {  # server_cmd SERVER PORT -> argv on stdout
  local app=hydria.server:create_app
  case "$1" in
    uvicorn) echo "$PY" -m uvicorn --factory "$app" --host 127.0.0.1 --port "$2" --workers 1 \
               --http httptools --loop uvloop --lifespan on --no-access-log --no-server-header \
               --log-level warning ;;
    uvicorn-h11) echo "$PY" -m uvicorn --factory "$app" --host 127.0.0.1 --port "$2" --workers 1 \
               --http h11 --loop uvloop --lifespan on --no-access-log --no-server-header \
               --log-level warning ;;
    granian) echo "$PY" -m granian --interface asgi --factory --host 127.0.0.1 --port "$2" \
               --workers 1 --runtime-threads 1 --loop uvloop --http 1 --no-ws --no-access-log \
               --log-level warning "$app" ;;
    granian-rtask) echo "$PY" -m granian --interface asgi --factory --host 127.0.0.1 --port "$2" \
               --workers 1 --runtime-threads 1 --loop uvloop --task-impl rust --http 1 --no-ws \
               --no-access-log --log-level warning "$app" ;;
    *) echo "unknown server $1" >&2; return 2 ;;
  esac
}

pin=(); [[ -n "$CLIENT_CPUS" ]] && pin=(--cpus "$CLIENT_CPUS")
for round in $(seq 1 "$ROUNDS"); do
for server in "$@"; do
  case "$server" in
    granian*) "$PY" -c 'import granian' 2>/dev/null || { log "granian not installed (pip install granian): skipped"; continue; } ;;
  esac
  cmd=$(server_cmd "$server" "$PORT")
  prepare_data "$DATA"
  export HYDRIA_DATA_DIR="$DATA" HYDRIA_LOG_LEVEL=warning
  NAME="asgi-$server"
  # shellcheck disable=SC2086
  start_server "$NAME" "$PORT" "$SERVER_CPUS" "$DATA" -- $cmd || { NAME=""; continue; }
  out="$LAB/results/asgi-$server-$STAMP.jsonl"
  version=$("$PY" -c "import importlib.metadata as m; print(m.version('${server%%-*}'))")
  echo "{\"tool\": \"run\", \"label\": \"asgi-$server\", \"server\": \"$server\", \"version\": \"$version\", \"cmd\": \"${cmd//\"/}\", \"src\": \"$SRC_DESC\", \"ts\": \"$(date +%Y-%m-%dT%H:%M:%S%z)\"}" >>"$out"
  log "$server $version, round $round/$ROUNDS: $SCENARIOS"
  # shellcheck disable=SC2086
  S3B_TIMEOUT=900 s3b --endpoint "http://127.0.0.1:$PORT" --label "asgi-$server" --json-out "$out" \
    "${pin[@]}" --server-pid "$SERVER_PID" -d "$DURATION" -n "${OBJECTS:-2000}" -s "${SIZE:-4KiB}" \
    -c "${CONCURRENCY:-16}" $SCENARIOS | grep -v '^{' | sed -n '/^# s3bench/,$p' || true
  stop_server "$NAME"; NAME=""
  unset HYDRIA_DATA_DIR HYDRIA_LOG_LEVEL
done
done
