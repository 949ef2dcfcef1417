# shellcheck shell=bash
# Shared helpers for bench/*.sh: start/stop a Hydria server by PID, wait until it answers.
# Sourced, not run. Every server listens on 127.0.0.1 only, on a port in 9310-9319.

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared/bench}"
LAB="${LAB:-${TMPDIR:-/tmp}/hydria-bench}"
mkdir -p "$LAB/results" "$LAB/run" "$LAB/logs"
LAB="$(cd "$LAB" && pwd)"
PY="${PYTHON:-python3}"
export HYDRIA_ROOT_ACCESS_KEY="${HYDRIA_ROOT_ACCESS_KEY:-hydriabench}"
export HYDRIA_ROOT_SECRET_KEY="${HYDRIA_ROOT_SECRET_KEY:-hydriabench-secret-key}"
export AWS_ACCESS_KEY_ID="$HYDRIA_ROOT_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$HYDRIA_ROOT_SECRET_KEY"
export AWS_REGION="${AWS_REGION:-us-east-1}"
unset AWS_SESSION_TOKEN

SERVER_PID=""

# SRC: which code the servers run. "worktree" (default): this checkout as it is; "head": a copy of
# the last commit (git archive into $LAB/src-<sha>), for measuring while the tree is being edited;
# or a directory holding a hydria/ package. Resolved once: scripts started from here inherit
# the directory, so one run measures one version even if commits land meanwhile.
SRC="${SRC:-worktree}"
case "$SRC" in
  worktree)
    SRC_DIR="$ROOT"
    SRC_DESC="worktree at $(git -C "$ROOT" rev-parse --short=12 HEAD)$(git -C "$ROOT" diff --quiet HEAD -- hydria 2>/dev/null || echo ' + uncommitted changes')" ;;
  head)
    sha=$(git -C "$ROOT" rev-parse --short=12 HEAD)
    SRC_DIR="$LAB/src-$sha"
    if [[ ! -d "$SRC_DIR/hydria" ]]; then
      rm -rf "$SRC_DIR.tmp"; mkdir -p "$SRC_DIR.tmp" && git -C "$ROOT" archive HEAD hydria | tar -x -C "$SRC_DIR.tmp"
      mv "$SRC_DIR.tmp" "$SRC_DIR"
    fi
    SRC_DESC="commit $sha" ;;
  *) SRC_DIR="$(cd "$SRC" && pwd)"; SRC_DESC="${SRC_DESC:-$SRC_DIR}" ;;
esac
export SRC="$SRC_DIR" SRC_DESC
export PYTHONPATH="$SRC_DIR${PYTHONPATH:+:$PYTHONPATH}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

check_port() {
  (( $1 >= 9310 && $1 <= 9319 )) || { echo "port $1 outside 9310-9319" >&2; exit 2; }
  if "$PY" -c 'import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"; then
    echo "port $1 is already in use on 127.0.0.1" >&2; exit 2
  fi
}

# wait_ready PORT [SECONDS]: an anonymous GET / must come back (403 AccessDenied is fine).
wait_ready() {
  "$PY" - "$1" "${2:-60}" <<'EOF'
import http.client, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/")
        c.getresponse().read()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
EOF
}

# prepare_data DIR: fresh data directory with the schema migrated (what `hydria serve` does
# before starting uvicorn; needed when another server runs the app factory directly).
prepare_data() {
  rm -rf "$1"; mkdir -p "$1"
  ( cd "$SRC_DIR" && HYDRIA_DATA_DIR="$1" "$PY" -c 'from hydria.cli import prepare; from hydria.config import load_settings; prepare(load_settings())' )
}

# start_server NAME PORT CPUS DATA -- CMD...: start CMD (pinned with taskset when CPUS is not
# empty) in the background, logs to $LAB/logs/NAME.log, PID to $LAB/run/NAME.pid and $SERVER_PID.
start_server() {
  local name="$1" port="$2" cpus="$3" data="$4"; shift 5
  check_port "$port"
  local pin=()
  [[ -n "$cpus" ]] && pin=(taskset -c "$cpus")
  ( cd "$SRC_DIR" && exec "${pin[@]}" "$@" ) >"$LAB/logs/$name.log" 2>&1 &
  SERVER_PID=$!
  echo "$SERVER_PID" >"$LAB/run/$name.pid"
  if ! wait_ready "$port" 60; then
    log "$name did not answer on port $port; log:"; tail -20 "$LAB/logs/$name.log" >&2
    stop_server "$name"; return 1
  fi
  log "$name up: pid $SERVER_PID, port $port, cpus '${cpus:-all}', data $data"
}

# tree_pids PID: PID and all its descendants, children first.
tree_pids() {
  local p kids
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
  for p in $kids; do tree_pids "$p"; done
  echo "$1"
}

# stop_server NAME: SIGTERM to the recorded PID, wait up to 30 s, then SIGKILL its tree.
stop_server() {
  local name="$1" pid pids i
  [[ -f "$LAB/run/$name.pid" ]] || return 0
  pid=$(cat "$LAB/run/$name.pid")
  pids=$(tree_pids "$pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  fi
  wait "$pid" 2>/dev/null || true
  rm -f "$LAB/run/$name.pid"
}

# hydria_cmd PORT DATA: the server command line as a user runs it.
hydria_cmd() { echo "$PY" -m hydria serve --host 127.0.0.1 --port "$1" --data-dir "$2"; }

# start_sysload: record the machine's load into $LAB/results/sysload.jsonl unless a caller
# already does (run.sh exports SYSLOAD_PID); the recorder stops when this shell exits.
start_sysload() {
  if [[ -n "${SYSLOAD_PID:-}" ]] && kill -0 "$SYSLOAD_PID" 2>/dev/null; then return 0; fi
  "$PY" "$BENCH/sysload.py" "$LAB/results/sysload.jsonl" --max-seconds 14400 &
  SYSLOAD_PID=$!
  export SYSLOAD_PID
}

# s3b ARGS...: s3bench.py with the endpoint/keys above (bounded by S3B_TIMEOUT seconds).
s3b() { timeout --kill-after=10 "${S3B_TIMEOUT:-900}" "$PY" "$SHARED/s3bench.py" "$@"; }
