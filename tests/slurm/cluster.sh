#!/usr/bin/env bash
# A one-node SLURM cluster on localhost with two fake GPUs, for the tests of profiles/slurm.
#
#   cluster.sh start   install slurm-wlm + munge if missing (root + apt-get only, via
#                      ci/slurm-setup.sh), then start munged, slurmctld and slurmd; exits 0 once
#                      the node is idle. A cluster that already answers is reused, untouched.
#   cluster.sh stop    stop only what `start` started (recorded in $STATE), and remove the config it wrote.
#
# Any other exit status means SLURM cannot run here; the last line on stderr says why.
# Recipe: /work/shared/specs/local-slurm.md (verified on Debian 12, Slurm 22.05).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
STATE=/run/taskdyn-slurm
CONF=/etc/slurm/slurm.conf
MARKER="# written by taskdyn tests/slurm/cluster.sh"

fail() { echo "cluster.sh: $*" >&2; exit 1; }

node_idle() {
    [ "$(sinfo -h -N -o %t 2>/dev/null | head -n1)" = "idle" ]
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        return 0
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    runuser -u munge -- /usr/sbin/munged || fail "munged did not start"
    echo munge >>"$STATE/started"
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "munged started but credentials do not validate"
}

write_config() {
    local host cpus mem_mb
    host="$(hostname)"
    cpus="$(nproc)"
    # Leave the OS some memory, or slurmd drains the node for "Low RealMemory".
    mem_mb=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10))
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    cat >"$CONF" <<EOF
$MARKER
ClusterName=taskdyn-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
# Keep finished jobs visible to squeue: there is no accounting database for sacct.
MinJobAge=600
# Let a job cancelled with a signal finish its current batch before SIGKILL.
KillWait=10
GresTypes=gpu
NodeName=$host CPUs=$cpus RealMemory=$mem_mb Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    # Fake GPUs: jobs asking for --gpus are scheduled; PyTorch finds no CUDA and uses the CPU.
    cat >/etc/slurm/gres.conf <<EOF
$MARKER
AutoDetect=off
Name=gpu File=/dev/null
Name=gpu File=/dev/zero
EOF
}

start() {
    if command -v sinfo >/dev/null 2>&1 && node_idle; then
        echo "cluster.sh: reusing the running cluster"
        return 0
    fi
    if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
        "$HERE/../../ci/slurm-setup.sh" >&2
        command -v slurmctld >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 \
            || fail "slurm-wlm/munge are not installed and cannot be installed here (needs root and apt-get)"
    fi
    [ "$(id -u)" -eq 0 ] || fail "starting slurmctld/slurmd needs root"
    if [ -e "$CONF" ] && ! grep -qxF "$MARKER" "$CONF"; then
        fail "$CONF exists and was not written by this script; not overwriting it"
    fi
    mkdir -p "$STATE"
    start_munge
    write_config
    echo config >>"$STATE/started"
    pgrep -x slurmctld >/dev/null || { slurmctld || fail "slurmctld did not start (see /var/log/slurm/slurmctld.log)"; echo slurmctld >>"$STATE/started"; }
    pgrep -x slurmd >/dev/null || { slurmd || fail "slurmd did not start (see /var/log/slurm/slurmd.log)"; echo slurmd >>"$STATE/started"; }
    for _ in $(seq 60); do
        if node_idle; then
            echo "cluster.sh: node $(hostname) idle"
            return 0
        fi
        # A node left down/drained by an earlier run comes back here.
        scontrol update NodeName="$(hostname)" State=RESUME >/dev/null 2>&1
        sleep 0.5
    done
    fail "the node did not become idle: $(sinfo -h -N -o '%t %E' 2>&1 | head -n1)"
}

stop() {
    [ -f "$STATE/started" ] || { echo "cluster.sh: nothing started by this script"; return 0; }
    if grep -q slurm "$STATE/started"; then
        scontrol shutdown >/dev/null 2>&1
        for _ in $(seq 50); do
            pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break
            sleep 0.2
        done
    fi
    if grep -qx munge "$STATE/started" && [ -f /run/munge/munged.pid ]; then
        kill "$(cat /run/munge/munged.pid)" 2>/dev/null
    fi
    # A slurm.conf whose controller is down makes every `scontrol` wait ~10 s for it, and
    # Snakemake's SLURM plugin runs `scontrol show config` at import, i.e. on every snakemake start.
    if grep -qx config "$STATE/started"; then
        for conf in "$CONF" /etc/slurm/gres.conf; do
            grep -qxF "$MARKER" "$conf" 2>/dev/null && rm -f "$conf"
        done
    fi
    rm -f "$STATE/started"
    echo "cluster.sh: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
