#!/usr/bin/env bash
# The demo: recover a simulated Qualcomm unit in emergency download mode. termflash starts
# the EDL simulator on a pseudo-terminal, generates a sample rawprogram set for it (GPTs,
# raw and sparse images, DISK patches), flashes the set through the real serial transport
# (Sahara programmer upload, Firehose program/patch/bootable drive/reset), verifies every
# image by the device's own SHA-256, and prints what was written and checked. Then it shows
# discovery of a simulated USB bus through the real libusb and libudev (umockdev).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)/termflash
work=$(mktemp -d "${TMPDIR:-/tmp}/termflash-demo.XXXXXX")
simulator=""
cleanup() {
  [ -n "$simulator" ] && kill "$simulator" 2>/dev/null && wait "$simulator" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== termflash simulate edl   (a UFS unit with 2 LUNs of 4096-byte sectors, on a pty)"
"$bin" simulate edl --storage "$work/unit.bin" --sample-set "$work/set" --luns 2 --sector-size 4096 --memory ufs --pty \
  > "$work/simulator.log" 2>&1 &
simulator=$!
for _ in $(seq 100); do grep -q "EDL simulator on" "$work/simulator.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^EDL simulator on //p' "$work/simulator.log")
[ -n "$port" ] || { cat "$work/simulator.log"; echo "demo: the simulator did not start" >&2; exit 1; }
sed 's/^/   /' "$work/simulator.log"
edl=(--port "$port" --programmer "$work/set/prog_firehose_sim.elf")

echo
echo "== termflash info   (Sahara command mode, then the programmer's storage facts)"
"$bin" info "${edl[@]}"

echo
echo "== termflash flash $work/set --allow-unsigned"
"$bin" flash "$work/set" "${edl[@]}" --allow-unsigned --json --journal "$work/journal.json" > "$work/report.json"

echo
echo "== termflash verify $work/set"
"$bin" verify "$work/set" "${edl[@]}"

echo
echo "== termflash partitions   (the GPTs the patches fitted to the unit's real size)"
"$bin" partitions "${edl[@]}"

echo
echo "== summary"
python3 - "$work/report.json" "$work/simulator.log" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
steps = report["steps"]
writes = [s for s in steps if s["description"].startswith("write")]
programs = [s for s in steps if s["description"].startswith("program")]
patches = [s for s in steps if s["description"].startswith("patch")]
parts = sum(1 for s in writes if "expanded bytes" in s["description"])
images = len({s["description"].split(" ")[1] for s in writes})
print(f"state {report['state']}: {report['bytesWritten']} bytes in {len(writes)} writes of {images} images "
      f"({parts} of them parts of a sparse image whose DONT_CARE runs stay untouched), "
      f"all checked by device sha256: {all(s.get('verifiedBy') == 'device sha256' for s in writes)}; "
      f"{len(programs)} GPT programs, {len(patches)} DISK patches, then setbootablestoragedrive and reset")
for s in writes:
    print(f"  {s['status']:8} {s['bytes']:>9} bytes  {s['description'].split(' -> ')[-1]}")
sessions = [l.strip() for l in open(sys.argv[2]) if l.startswith("session ended")]
print(f"simulator: {len(sessions)} sessions; the flash: {sessions[1] if len(sessions) > 1 else '?'}")
PY

echo
echo "== discovery on a simulated USB bus (umockdev): termflash list"
umockdev-run -d Captures/umockdev/three-devices.umockdev -- "$bin" list
