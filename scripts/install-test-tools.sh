#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Python 3.11 and pip:
# Hydria itself with its test extras (pytest, boto3, AWS CLI, minio, s3cmd, ruff) and rclone.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

if ! command -v rclone >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends rclone >/dev/null
fi
