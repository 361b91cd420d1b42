#!/usr/bin/env bash
# System packages some tests use: SLURM + munge (real-cluster tests), Chromium (report
# screenshot) and a C compiler (the GRU kernel's native step; without one it runs on PyTorch
# ops and its native tests skip). Idempotent; those tests skip with a reason when a package is
# missing.
set -uo pipefail
cd "$(dirname "$0")/.."
bash ci/slurm-setup.sh
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || echo "chromium not installed"
fi
if ! command -v cc >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc libc6-dev >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc libc6-dev >/dev/null; }; } \
        || echo "gcc not installed"
fi
