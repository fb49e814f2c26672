#!/usr/bin/env bash
# The server's GC modes against each other: the e2e runner's modes A, B and C against the server in
# its own process (SQLite, process durability, publisher on the append stream) in each of .NET 10's
# GC configurations (`e2e --server-gc`), alternated run by run; then the medians of throughput,
# latency, server CPU per event and the server's VmRSS after each mode, and each mode's ratio to the
# runtimeconfig default (server GC with DATAS).
#
#   bash benchmarks/gc-modes.sh                       # 3 runs of each; about 20 minutes
#   CONFIGS="default workstation-conserve" bash benchmarks/gc-modes.sh
#
# Results go to $OUT, default /tmp/actordispatch-gc/<timestamp>.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/alternate.sh"

OUT=${OUT:-/tmp/actordispatch-gc/$(date +%Y%m%d-%H%M%S)}
CONFIGS=${CONFIGS:-"default datas-off workstation conserve workstation-conserve"}
EXTRA="--durability process $EXTRA"
declare -A FLAGS=([default]="")
for mode in datas-off workstation conserve workstation-conserve; do FLAGS[$mode]="--server-gc $mode"; done
KEYS="A_append A_consume B_e2e B_p50_ms B_p99_ms C_deliveries A_cpu_us B_cpu_us C_cpu_us A_server_rss_mib B_server_rss_mib C_server_rss_mib"
TITLE="GC modes $CONFIGS: server in its own process (SQLite, process durability). Throughput in events/s, server CPU in µs per event, VmRSS in MiB."
alternate_runs
