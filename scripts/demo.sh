#!/usr/bin/env bash
# The demo: termflash discovers a simulated USB bus (a ZTE MF823 in CD-ROM mode, the same
# model in diag mode with its ttys, and a Qualcomm 05c6:9008 in emergency download mode)
# through the real libusb and libudev code, served by umockdev.
set -euo pipefail
cd "$(dirname "$0")/.."
bus=Captures/umockdev/three-devices.umockdev
bin=$(swift build --show-bin-path)/termflash
echo "== termflash list   (simulated bus: $bus)"
umockdev-run -d "$bus" -- "$bin" list
echo
echo "== termflash list --json   (the download-mode device)"
json=$(umockdev-run -d "$bus" -- "$bin" list --json)
python3 -c 'import json,sys; d=json.loads(sys.argv[1])["devices"]; print(json.dumps([x for x in d if x["mode"]=="download"][0], indent=2))' "$json"
echo
echo "== termflash wait --mode download --timeout 2"
umockdev-run -d "$bus" -- "$bin" wait --mode download --timeout 2
