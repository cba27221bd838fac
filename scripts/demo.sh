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
echo "== termflash list --json   (first device)"
umockdev-run -d "$bus" -- "$bin" list --json | head -40
echo "..."
echo
echo "== termflash wait --mode download --timeout 2"
umockdev-run -d "$bus" -- "$bin" wait --mode download --timeout 2
