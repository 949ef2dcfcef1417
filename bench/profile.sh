#!/usr/bin/env bash
# Where a pinned Hydria worker spends its CPU on small requests: py-spy samples the server during
# each timed s3bench phase (put-small, get-small, head by default), then pyspy_top.py ranks the
# functions (self and inclusive share of the samples).
#
#   bench/profile.sh [SCENARIO...]          (default: put-small get-small head)
#
# "list" profiles its three timed parts separately: list-page (random pages, no delimiter),
# list-delim (pages with a delimiter) and list-full (one client walking the whole listing), on
# LIST_KEYS keys (default 20000; the prefill is not profiled).
#
# Environment (defaults): LAB=${TMPDIR:-/tmp}/hydria-bench  DURATION=10  OBJECTS=2000  SIZE=4KiB
#   CONCURRENCY=16  RATE=200 (samples/s)  NATIVE=0 (1: also sample C frames; pauses the process)
#   PORT=9313  SERVER_CPUS=0  CLIENT_CPUS=1
# Server: `python -m hydria serve`, HYDRIA_WORKERS=1, pinned to SERVER_CPUS, fresh data dir.
# Output: $LAB/results/profile/<scenario>.txt (collapsed stacks: flamegraph.pl or speedscope.app
#   read them), <scenario>.top.txt (the ranking), JSON rows in $LAB/results/profile.jsonl, and the
#   s3bench rows of the profiled run in $LAB/results/hydria-profiled-*.jsonl.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $# -gt 0 ]] || set -- put-small get-small head
DURATION="${DURATION:-10}"
RATE="${RATE:-200}"
PORT="${PORT:-9313}"
SERVER_CPUS="${SERVER_CPUS-0}"
CLIENT_CPUS="${CLIENT_CPUS-1}"
PROF="$LAB/results/profile"
DATA="$LAB/data-profile"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$LAB/results/hydria-profiled-$STAMP.jsonl"
PYSPY="${PYSPY:-py-spy}"
command -v "$PYSPY" >/dev/null || { echo "py-spy not found: pip install py-spy" >&2; exit 2; }
mkdir -p "$PROF"
: >"$LAB/results/profile.jsonl"
OWN_SYSLOAD=""
[[ -n "${SYSLOAD_PID:-}" ]] || OWN_SYSLOAD=1
start_sysload

cleanup() {
  [[ -n "$OWN_SYSLOAD" ]] && kill "$SYSLOAD_PID" 2>/dev/null || true
  local p
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
  stop_server profile
  [[ "${KEEP_DATA:-0}" == 1 ]] || rm -rf "$DATA"
}
trap cleanup EXIT

prepare_data "$DATA"
export HYDRIA_WORKERS=1
# shellcheck disable=SC2046
start_server profile "$PORT" "$SERVER_CPUS" "$DATA" -- $(hydria_cmd "$PORT" "$DATA")
SPID="$SERVER_PID"

native=(--nonblocking)
[[ "${NATIVE:-0}" == 1 ]] && native=(--native)
record_secs=$(awk -v d="$DURATION" 'BEGIN { r = d - 1.5; if (r < 1) r = 1; printf "%d", r }')

# start_spy SCENARIO: sample the server for the timed part of that phase.
start_spy() {
  local sc="$1"
  rm -f "$PROF/$sc.txt" "$PROF/$sc.threads.json"
  ( sleep 0.5
    exec timeout $((record_secs + 30)) "$PYSPY" record --pid "$SPID" --rate "$RATE" \
      --duration "$record_secs" --format raw -o "$PROF/$sc.txt" "${native[@]}" \
      >"$PROF/$sc.pyspy.log" 2>&1 ) &
  ( sleep 0.5; exec timeout $((record_secs + 30)) "$PY" "$BENCH/threadcpu.py" "$SPID" "$record_secs" \
      --label "$sc" --json-out "$PROF/$sc.threads.json" >/dev/null 2>&1 ) &
}

pin=(); [[ -n "$CLIENT_CPUS" ]] && pin=(--cpus "$CLIENT_CPUS")
log "profiling: $* (DURATION=$DURATION, rate $RATE/s)"
s3b --endpoint "http://127.0.0.1:$PORT" --label hydria-profiled --json-out "$OUT" "${pin[@]}" \
  --server-pid "$SPID" -d "$DURATION" -n "${OBJECTS:-2000}" -s "${SIZE:-4KiB}" \
  -c "${CONCURRENCY:-16}" --list-keys "${LIST_KEYS:-20000}" "$@" \
  2> >(while IFS= read -r line; do
         printf '%s\n' "$line" >&2
         if [[ "$line" =~ \]\ list:\ (list-page|list-delim),\ c= ]]; then start_spy "${BASH_REMATCH[1]}"
         elif [[ "$line" =~ \]\ list:\ full\ listing ]]; then start_spy list-full
         elif [[ "$line" =~ \]\ ([a-z-]+):\ .*c=[0-9]+,\ [0-9.]+s ]]; then start_spy "${BASH_REMATCH[1]}"; fi
       done) | grep -v '^{' || true

# the names the profiles were saved under
names=()
for sc in "$@"; do
  if [[ "$sc" == list ]]; then names+=(list-page list-delim list-full); else names+=("$sc"); fi
done
set -- "${names[@]}"
# the samplers run detached from this shell: wait (bounded) until each has written its file
for _ in $(seq 1 $((record_secs + 30))); do
  busy=0
  for sc in "$@"; do
    if [[ -f "$PROF/$sc.pyspy.log" ]] && ! grep -qE 'Wrote|Error|error' "$PROF/$sc.pyspy.log"; then busy=1; fi
  done
  (( busy )) || break
  sleep 1
done

for sc in "$@"; do
  if [[ ! -s "$PROF/$sc.txt" ]]; then
    log "no profile for $sc:"; cat "$PROF/$sc.pyspy.log" >&2 2>/dev/null || true; continue
  fi
  ops=$("$PY" -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
want={"list-page": ("list", "page-no-delim"), "list-delim": ("list", "page-delim-"),
      "list-full": ("list", "full-listing")}.get(sys.argv[2], (sys.argv[2], ""))
rows=[r for r in rows if r.get("scenario")==want[0] and r.get("op", "").startswith(want[1])]
print(sum(r["ops"] for r in rows) if want[1] == "page-delim-" else (rows[-1]["ops"] if rows else 0))' "$OUT" "$sc")
  "$PY" "$BENCH/pyspy_top.py" "$PROF/$sc.txt" --label "$sc" --ops "$ops" --top 30 \
    --thread-cpu "$PROF/$sc.threads.json" \
    --json-out "$LAB/results/profile.jsonl" >"$PROF/$sc.top.txt"
  log "profile $sc: $PROF/$sc.top.txt"
  head -25 "$PROF/$sc.top.txt"
done
