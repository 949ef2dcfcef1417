#!/usr/bin/env bash
# Hydria's benchmark, in one command: measure, then regenerate docs/PERFORMANCE.md.
#
#   bench/run.sh [MODE...]        MODE: pinned unpinned objmodel compare profile appcost limits
#                                 report (default: all of them, in that order)
#
#   pinned    server `python -m hydria serve` on CPU 0 (taskset -c 0, HYDRIA_WORKERS=1), s3bench
#             on CPU 1: small (put-small, get-small, head, delete at -c 16, 4 KiB), large
#             (single-stream and multipart PUT/GET of LARGE_SIZES), list (LIST_KEYS keys), rss
#             (16 concurrent 1 GiB PUTs while bench/rss.py samples the server's memory)
#   unpinned  the same with the default worker count (one per core), nothing pinned
#   objmodel  pinned server: s3bench small (put-small, get-small, head) on an unversioned and a
#             versioned bucket, alternating OBJMODEL_ROUNDS rounds (OBJMODEL_OPS picks the ops); bench/objmodel.py versions
#             (ListObjectVersions over OBJMODEL_VERSIONS versions) and checksums (one-stream
#             OBJMODEL_SIZE PUT with each x-amz-checksum-* algorithm, OBJMODEL_CHECKSUM_ROUNDS
#             rounds); OBJMODEL_PHASES picks
#             among "small versions checksums" (default: all three)
#   compare   bench/asgi_compare.sh: the app under uvicorn and under granian, one pinned worker
#   profile   bench/profile.sh: py-spy during put-small, get-small, head and list (pinned)
#   appcost   bench/appcost.py: the app's own CPU per HEAD/GET/PUT, no HTTP server (pinned)
#   limits    ../shared/bench/limits.sh (machine ceilings; needs nginx and wrk for part of it)
#   report    bench/report.py: $LAB/results -> docs/PERFORMANCE.md
#
# Environment (defaults):
#   LAB=${TMPDIR:-/tmp}/hydria-bench  scratch data and results ($LAB/results)
#   DURATION=15   seconds per timed phase     OBJECTS=2000  SIZE=4KiB  CONCURRENCY=16
#   LARGE_SIZES=64MiB,1GiB  LARGE_MAX_OPS=2  PART_SIZE=16MiB
#   LIST_KEYS=100000 (FULL=1: 1000000, the size the target names)
#   RSS_UPLOADS=16  RSS_SIZE=1GiB  (RSS_UPLOADS=0 skips the memory phase)
#   PHASES="small large list rss"  (per mode: PINNED_PHASES, UNPINNED_PHASES)
#   SRC=worktree | head | DIR   which code runs (see bench/lib.sh)   PORT=9310
#   LIMITS_DURATION=10  DATE= (date printed in the report; default: the run's)  REPORT_OUT=docs/PERFORMANCE.md
# Every step is bounded (timeout), only 127.0.0.1 is used, servers are stopped by their PID.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $# -gt 0 ]] || set -- pinned unpinned objmodel compare profile appcost limits report
[[ "${FULL:-0}" == 1 ]] && LIST_KEYS="${LIST_KEYS:-1000000}"
export DURATION="${DURATION:-15}" OBJECTS="${OBJECTS:-2000}" SIZE="${SIZE:-4KiB}"
export CONCURRENCY="${CONCURRENCY:-16}" LIST_KEYS="${LIST_KEYS:-100000}"
LARGE_SIZES="${LARGE_SIZES:-64MiB,1GiB}"
LARGE_MAX_OPS="${LARGE_MAX_OPS:-2}"
PART_SIZE="${PART_SIZE:-16MiB}"
RSS_UPLOADS="${RSS_UPLOADS:-16}"
RSS_SIZE="${RSS_SIZE:-1GiB}"
PORT="${PORT:-9310}"
PHASES="${PHASES:-small large list rss}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
cleanup() {
  stop_server hydria-run
  [[ -n "${SYSLOAD_PID:-}" ]] && kill "$SYSLOAD_PID" 2>/dev/null || true
  [[ "${KEEP_DATA:-0}" == 1 ]] || rm -rf "$LAB/data-pinned" "$LAB/data-unpinned"
}
trap cleanup EXIT

# Machine load for the whole run (report.py puts it next to every figure).
start_sysload

# run_mode MODE: one server, fresh data dir, the phases, then stop it.
run_mode() {
  local mode="$1" data="$LAB/data-$1" label="hydria-$1" cpus="" ccpus="" workers="" phases out
  out="$LAB/results/$label-$STAMP.jsonl"
  if [[ "$mode" == pinned ]]; then
    cpus=0; ccpus=1; workers=1; phases="${PINNED_PHASES:-$PHASES}"
  else
    phases="${UNPINNED_PHASES:-$PHASES}"
  fi
  prepare_data "$data"
  if [[ -n "$workers" ]]; then export HYDRIA_WORKERS="$workers"; else unset HYDRIA_WORKERS; fi
  # shellcheck disable=SC2046
  start_server hydria-run "$PORT" "$cpus" "$data" -- $(hydria_cmd "$PORT" "$data")
  local spid="$SERVER_PID" pin=()
  [[ -n "$ccpus" ]] && pin=(--cpus "$ccpus")
  echo "{\"tool\": \"run\", \"label\": \"$label\", \"src\": \"$SRC_DESC\", \"workers\": \"${workers:-default}\", \"server_cpus\": \"${cpus:-all}\", \"client_cpus\": \"${ccpus:-all}\", \"ts\": \"$(date +%Y-%m-%dT%H:%M:%S%z)\"}" >>"$out"
  "$PY" "$BENCH/rss.py" tree --pid "$spid" | sed "s/^{/{\"tool\": \"rss-idle\", \"label\": \"$label\", /" >>"$out"
  local common=(--endpoint "http://127.0.0.1:$PORT" --label "$label" --json-out "$out" "${pin[@]}"
                --server-pid "$spid" -d "$DURATION" -c "$CONCURRENCY")
  for phase in $phases; do
    log "$label: $phase"
    case "$phase" in
      small) S3B_TIMEOUT=900 s3b "${common[@]}" -n "$OBJECTS" -s "$SIZE" small | grep -v '^{' || true ;;
      large) S3B_TIMEOUT=1800 s3b "${common[@]}" --large-sizes "$LARGE_SIZES" \
               --large-max-ops "$LARGE_MAX_OPS" --part-size "$PART_SIZE" large | grep -v '^{' || true ;;
      list)  S3B_TIMEOUT=$(( LIST_KEYS / 100 + 1200 )) s3b "${common[@]}" --list-keys "$LIST_KEYS" \
               --prefill-timeout $(( LIST_KEYS / 100 + 600 )) list | grep -v '^{' || true ;;
      rss)   if (( RSS_UPLOADS > 0 )); then
               timeout --kill-after=10 1800 "$PY" "$BENCH/rss.py" uploads --pid "$spid" \
                 --endpoint "http://127.0.0.1:$PORT" -c "$RSS_UPLOADS" --size "$RSS_SIZE" \
                 ${ccpus:+--cpus "$ccpus"} --label "$label" --json-out "$out" --max-seconds 1500 || true
             fi ;;
      *) log "unknown phase $phase" ;;
    esac
  done
  stop_server hydria-run
  [[ "${KEEP_DATA:-0}" == 1 ]] || rm -rf "$data"
  log "$label rows: $out"
}

# objmodel_mode: the object-model figures (versioned vs unversioned, versions listing, checksums).
objmodel_mode() {
  local data="$LAB/data-objmodel" out="$LAB/results/hydria-objmodel-$STAMP.jsonl" round bucket
  prepare_data "$data"
  export HYDRIA_WORKERS=1
  # shellcheck disable=SC2046
  start_server hydria-run "$PORT" 0 "$data" -- $(hydria_cmd "$PORT" "$data")
  local spid="$SERVER_PID" ep="http://127.0.0.1:$PORT"
  echo "{\"tool\": \"run\", \"label\": \"hydria-objmodel\", \"src\": \"$SRC_DESC\", \"workers\": \"1\", \"server_cpus\": \"0\", \"client_cpus\": \"1\", \"ts\": \"$(date +%Y-%m-%dT%H:%M:%S%z)\"}" >>"$out"
  timeout 120 taskset -c 1 "$PY" "$BENCH/objmodel.py" bucket --endpoint "$ep" --bucket objm-plain
  timeout 120 taskset -c 1 "$PY" "$BENCH/objmodel.py" bucket --endpoint "$ep" --bucket objm-versioned --versioned
  local phases=" ${OBJMODEL_PHASES:-small versions checksums} "
  if [[ "$phases" == *" small "* ]]; then
    for round in $(seq 1 "${OBJMODEL_ROUNDS:-2}"); do
      for bucket in objm-plain objm-versioned; do
        log "objmodel round $round: $bucket"
        S3B_TIMEOUT=900 s3b --endpoint "$ep" --bucket "$bucket" --label "objmodel-$bucket" \
          --json-out "$out" --cpus 1 --server-pid "$spid" -d "$DURATION" -c "$CONCURRENCY" \
          -n "$OBJECTS" -s "$SIZE" --no-cleanup ${OBJMODEL_OPS:-put-small get-small head} | grep -v '^{' || true
      done
    done
  fi
  if [[ "$phases" == *" versions "* ]]; then
    log "objmodel: versions listing"
    timeout 1800 taskset -c 1 "$PY" "$BENCH/objmodel.py" versions --endpoint "$ep" \
      --versions "${OBJMODEL_VERSIONS:-100000}" -d "$DURATION" --json-out "$out" || log "versions failed"
  fi
  if [[ "$phases" == *" checksums "* ]]; then
    log "objmodel: checksums"
    timeout 1800 taskset -c 1 "$PY" "$BENCH/objmodel.py" checksums --endpoint "$ep" \
      --size "${OBJMODEL_SIZE:-1GiB}" --rounds "${OBJMODEL_CHECKSUM_ROUNDS:-2}" --json-out "$out" \
      || log "checksums failed"
  fi
  stop_server hydria-run
  [[ "${KEEP_DATA:-0}" == 1 ]] || rm -rf "$data"
  log "objmodel rows: $out"
}

for mode in "$@"; do
  case "$mode" in
    pinned|unpinned) run_mode "$mode" ;;
    objmodel) objmodel_mode ;;
    compare) DURATION="$DURATION" timeout 1800 "$BENCH/asgi_compare.sh" || log "compare failed" ;;
    profile) DURATION="$DURATION" LIST_KEYS="${PROFILE_LIST_KEYS:-20000}" timeout 900 "$BENCH/profile.sh" put-small get-small head list || log "profile failed" ;;
    appcost) ( cd "$SRC_DIR" && timeout 600 taskset -c 0 "$PY" "$BENCH/appcost.py" --lab "$LAB" \
               --json-out "$LAB/results/appcost.jsonl" ) || log "appcost failed" ;;
    limits)
      if [[ -x "$SHARED/limits.sh" ]]; then
        groups=(disk cpu)
        command -v nginx >/dev/null && command -v wrk >/dev/null && groups=(all)
        [[ "${#groups[@]}" == 2 ]] && log "limits: nginx/wrk not installed, running disk and cpu only"
        LAB="$LAB" DURATION="${LIMITS_DURATION:-10}" timeout 1800 "$SHARED/limits.sh" "${groups[@]}" || log "limits failed"
      fi ;;
    report) "$PY" "$BENCH/report.py" --lab "$LAB" --out "${REPORT_OUT:-$ROOT/docs/PERFORMANCE.md}" ;;
    *) echo "unknown mode: $mode" >&2; exit 2 ;;
  esac
done
