#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Python 3.11 and pip:
# Hydria itself with its test extras (pytest, boto3, AWS CLI, minio, s3cmd, ruff), rclone,
# restic, and PostgreSQL's server binaries (the tests start their own clusters from them, see
# tests/pgcluster.py; the cluster and service Debian's package may set up are never used).
# Safe to run again: it installs only what is missing, and does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# True when this checkout is installed (editable) and every runtime and test requirement in
# pyproject.toml is satisfied, so pip has nothing to do.
python_ready() {
  python3 - <<'PY' 2>/dev/null
import importlib.metadata as md
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
requirements = project["dependencies"] + project["optional-dependencies"]["test"]
import hydria

if Path(hydria.__file__).resolve().parent != Path("hydria").resolve():
    sys.exit(1)
for requirement in map(Requirement, requirements):
    if not requirement.specifier.contains(md.version(requirement.name), prereleases=True):
        sys.exit(1)
PY
}

if ! python_ready; then
  # Debian's own python3 is "externally managed"; the suite installs into it on purpose.
  if python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
    export PIP_BREAK_SYSTEM_PACKAGES=1
  fi
  python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
fi

# Where tests/pgcluster.py finds PostgreSQL's server binaries (Debian puts them off PATH, in
# /usr/lib/postgresql/<version>/bin); fails when there are none.
postgres_bindir() {
  python3 tests/pgcluster.py --bindir 2>/dev/null
}

# Debian packages for the tools that are missing; apt runs only when one is.
missing=()
for tool in rclone restic; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
postgres_bindir >/dev/null || missing+=(postgresql)
# nginx balances the multi-node tests (deploy/nginx.conf); Debian installs it in /usr/sbin.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The client tools the tests drive as programs must run.
python3 -m awscli --version >/dev/null
rclone version >/dev/null
restic version >/dev/null
bindir="$(postgres_bindir)" || { python3 tests/pgcluster.py --bindir; exit 1; }
"$bindir/initdb" --version >/dev/null
"$bindir/postgres" --version >/dev/null
"$(command -v nginx || echo /usr/sbin/nginx)" -v 2>/dev/null
