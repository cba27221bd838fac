#!/usr/bin/env bash
# Benchmark: median wall time of the release build's 'termflash list' on an empty bus
# (root hub only) and on three simulated devices, through umockdev-run. On demand only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)/termflash
work=${TMPDIR:-/tmp}/termflash-bench
mkdir -p "$work"
# The root hub alone: a USB machine with nothing plugged in.
awk 'BEGIN{RS=""; ORS="\n\n"} NR==1' Captures/umockdev/three-devices.umockdev > "$work/empty-bus.umockdev"
export TERMFLASH_PROFILES=$PWD/DeviceProfiles
hyperfine --warmup 3 --runs 30 --export-json "$work/list.json" \
  -n "list, no devices (umockdev-run)" "umockdev-run -d $work/empty-bus.umockdev -- $bin list --all" \
  -n "list, three devices (umockdev-run)" "umockdev-run -d Captures/umockdev/three-devices.umockdev -- $bin list" \
  -n "umockdev-run alone, root hub only" "umockdev-run -d $work/empty-bus.umockdev -- /bin/true" \
  -n "umockdev-run alone, three devices" "umockdev-run -d Captures/umockdev/three-devices.umockdev -- /bin/true"
python3 - "$work/list.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: median {r['median']*1000:.1f} ms")
PY
