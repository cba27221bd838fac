#!/usr/bin/env bash
# Installs the Debian packages termflash builds and tests with, only when one is missing.
# Quiet when everything is present; runs as root with no standard input (CI).
set -euo pipefail

packages=(
  pkg-config
  libusb-1.0-0-dev
  libudev-dev
  libssl-dev
  umockdev
  libumockdev-dev
  tshark
  liblzma-dev
  libdivsufsort-dev
  xz-utils
  qemu-system-arm
  u-boot-qemu
  zlib1g-dev
  libxml2
  android-sdk-libsparse-utils
  fdisk
  zip
)
[ "${1:-}" = "--bench" ] && packages+=(hyperfine)
[ "${1:-}" = "--bench" ] && packages+=(time bsdiff xdelta3 zstd lz4 python3-venv)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq </dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
