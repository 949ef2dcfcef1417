#!/usr/bin/env bash
# Runs the whole test suite: installs the tools it needs, checks lint and format, then pytest
# in parallel (each pytest worker starts its own real Hydria servers) in three passes:
#   1. every test, with the servers on SQLite (the metadata-store contract suite runs on both
#      backends, and tests/cluster starts its own PostgreSQL nodes);
#   2. the S3 and CLI suites again with the servers on PostgreSQL (each worker starts its own
#      cluster in a temporary directory, see tests/pgcluster.py);
#   3. the S3 suite once more through nginx in front of three nodes that share one PostgreSQL
#      database and one blob directory (tests/cluster_harness.py, deploy/nginx.conf).
# Every pass runs; the script fails when any fails. Arguments go to every pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-tools.sh
ruff check .
ruff format --check .
workers="${HYDRIA_TEST_WORKERS:-2}"
pytest_run() {
  python3 -m pytest -n "$workers" --dist loadfile -p no:cacheprovider "$@"
}
failed=()
HYDRIA_TEST_META=sqlite pytest_run tests "$@" || failed+=(sqlite)
HYDRIA_TEST_META=postgresql pytest_run tests/s3 tests/cli "$@" || failed+=(postgresql)
HYDRIA_TEST_META=postgresql HYDRIA_TEST_CLUSTER=3 pytest_run tests/s3 "$@" || failed+=(three-nodes)
if [ "${#failed[@]}" -gt 0 ]; then
  echo "test.sh: failed passes: ${failed[*]}" >&2
  exit 1
fi
