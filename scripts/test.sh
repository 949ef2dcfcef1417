#!/usr/bin/env bash
# Runs the whole test suite: installs the tools it needs, checks lint and format, then pytest
# in parallel (each pytest worker starts its own real Hydria server).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-tools.sh
ruff check .
ruff format --check .
exec python3 -m pytest -n "${HYDRIA_TEST_WORKERS:-2}" --dist loadfile -p no:cacheprovider tests "$@"
