#!/usr/bin/env bash
# Install SLURM and munge for the one-node test cluster of tests/slurm/ (idempotent).
# Installs only what is missing, and only as root where apt-get exists; otherwise it says why
# and exits 0, so CI goes on and the SLURM tests skip with that reason.
set -euo pipefail

missing=()
command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || missing+=(munge)
if [ ${#missing[@]} -eq 0 ]; then
    echo "slurm-setup: slurm-wlm and munge are installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "slurm-setup: missing ${missing[*]} and cannot install (needs root and apt-get); SLURM tests will skip"
    exit 0
fi
echo "slurm-setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
