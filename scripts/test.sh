#!/usr/bin/env bash
# Runs the whole test suite: installs the tools it needs, checks lint and format, then pytest
# in parallel (each pytest worker starts its own real Hydria server), twice: first every test,
# with the servers on SQLite (the metadata-store contract suite runs on both backends), then the
# S3 and CLI suites again with the servers on PostgreSQL (each worker starts its own cluster in
# a temporary directory, see tests/pgcluster.py). Both runs always run; the script fails when
# either fails. Arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-tools.sh
ruff check .
ruff format --check .
workers="${HYDRIA_TEST_WORKERS:-2}"
sqlite_status=0
HYDRIA_TEST_META=sqlite python3 -m pytest -n "$workers" --dist loadfile -p no:cacheprovider \
  tests "$@" || sqlite_status=$?
postgres_status=0
HYDRIA_TEST_META=postgresql python3 -m pytest -n "$workers" --dist loadfile -p no:cacheprovider \
  tests/s3 tests/cli "$@" || postgres_status=$?
if [ "$sqlite_status" -ne 0 ]; then
  echo "test.sh: the run on SQLite failed (exit $sqlite_status)" >&2
  exit "$sqlite_status"
fi
exit "$postgres_status"
