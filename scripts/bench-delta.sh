#!/usr/bin/env bash
# Delta benchmark: termflash delta against bsdiff, xdelta3 -9, zstd -19 --long --patch-from,
# HDiffPatch and detools on real old/new pairs. Reports patch bytes, encode and decode time
# and peak RSS (medians of RUNS runs) and checks every decoded output byte for byte.
#
#   scripts/bench-delta.sh            (make bench-delta)
#   PAIRS="p2 kernel-elf" RUNS=5 scripts/bench-delta.sh
#
# Pairs: p1, p2 from DELTA_CORPUS (default ../shared/data/delta-corpus); kernel-bz (Debian
# cloud kernel bzImage), kernel-elf (the uncompressed kernel inside it), ruff (static
# executable from two consecutive PyPI wheels), tar (deterministic tar of the unpacked
# kernel packages, a partition-like image). Downloads go to WORK (default .build-tmp/bench-delta).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$root/.build-tmp/bench-delta}
corpus=${DELTA_CORPUS:-$root/../shared/data/delta-corpus}
runs=${RUNS:-3}
pairs=${PAIRS:-"p1 p2 kernel-bz kernel-elf ruff tar"}
tools=${TOOLS-"termflash bsdiff xdelta3 zstd hdiffpatch detools"}
kernel_old=${KERNEL_OLD:-linux-image-6.1.0-54-cloud-amd64-unsigned}
kernel_new=${KERNEL_NEW:-linux-image-6.1.0-55-cloud-amd64-unsigned}
termflash=$root/.build/release/termflash
mkdir -p "$work"
export TMPDIR=$root/.build-tmp

venv() {
  if [ ! -x "$work/venv/bin/detools" ] || ! "$work/venv/bin/python" -c "import hdiffpatch" 2>/dev/null; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q hdiffpatch==2.6.0 detools==0.53.0 </dev/null
  fi
}

# make_pair NAME: leaves $work/pairs/NAME/{old,new}.bin
make_kernel_tree() { # package -> $work/deb/<package>/
  local package=$1
  [ -d "$work/deb/$package" ] && return
  mkdir -p "$work/deb/dl" && chmod 777 "$work/deb/dl" && (cd "$work/deb/dl" && apt-get download "$package" >/dev/null 2>&1 </dev/null)
  dpkg-deb -x "$work"/deb/dl/"${package}"_*.deb "$work/deb/$package"
}

vmlinux_of() { # bzImage -> uncompressed kernel on stdout (the payload the setup header points at)
  python3 - "$1" <<'PY'
import struct, subprocess, sys
data = open(sys.argv[1], "rb").read()
setup_sectors = data[0x1F1] or 4
offset, length = struct.unpack_from("<II", data, 0x248)
payload = data[(setup_sectors + 1) * 512 + offset:][:length]
tools = {b"\x28\xb5\x2f\xfd": ["zstd", "-dc"], b"\xfd7zXZ": ["xz", "-dc"], b"\x02\x21\x4c\x18": ["lz4", "-dc"],
         b"\x1f\x8b": ["gzip", "-dc"]}
command = next((tool for magic, tool in tools.items() if payload.startswith(magic)), None)
if command is None:
    sys.exit("unknown kernel payload compression in " + sys.argv[1])
out = subprocess.run(command, input=payload, capture_output=True).stdout
if out[:4] != b"\x7fELF":
    sys.exit("the payload of " + sys.argv[1] + " did not unpack to an ELF kernel")
sys.stdout.buffer.write(out)
PY
}

make_pair() {
  local name=$1 dir=$work/pairs/$1
  [ -s "$dir/new.bin" ] && return
  mkdir -p "$dir"
  case $name in
    p1) cp "$corpus/p1-ovmf-code/old.bin" "$corpus/p1-ovmf-code/new.bin" "$dir/" ;;
    p2) cp "$corpus/p2-libc-so/old.bin" "$corpus/p2-libc-so/new.bin" "$dir/" ;;
    kernel-bz|kernel-elf|tar)
      make_kernel_tree "$kernel_old"; make_kernel_tree "$kernel_new"
      local old_bz new_bz
      old_bz=$(ls "$work/deb/$kernel_old"/boot/vmlinuz-*); new_bz=$(ls "$work/deb/$kernel_new"/boot/vmlinuz-*)
      case $name in
        kernel-bz) cp "$old_bz" "$dir/old.bin"; cp "$new_bz" "$dir/new.bin" ;;
        kernel-elf) vmlinux_of "$old_bz" > "$dir/old.bin"; vmlinux_of "$new_bz" > "$dir/new.bin" ;;
        tar)
          for side in old new; do
            local package; [ $side = old ] && package=$kernel_old || package=$kernel_new
            # Modules unpacked (.ko.xz → .ko) so the image is not itself compressed.
            rm -rf "$work/tree-$side"; cp -a "$work/deb/$package" "$work/tree-$side"
            find "$work/tree-$side" -name '*.ko.xz' -exec xz -d {} +
            tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/tree-$side" -cf "$dir/$side.bin" .
            rm -rf "$work/tree-$side"
          done ;;
      esac ;;
    ruff)
      venv
      for side in old new; do
        local version; [ $side = old ] && version=0.6.8 || version=0.6.9
        rm -rf "$work/ruff-$side"; mkdir -p "$work/ruff-$side"
        "$work/venv/bin/pip" download -q --no-deps --only-binary :all: --platform manylinux_2_17_x86_64 \
          --python-version 3.11 -d "$work/ruff-$side" "ruff==$version" </dev/null
        (cd "$work/ruff-$side" && python3 -m zipfile -e ./*.whl unpacked)
        cp "$(find "$work/ruff-$side/unpacked" -type f -name ruff | head -1)" "$dir/$side.bin"
      done ;;
    *) echo "unknown pair $name" >&2; exit 2 ;;
  esac
}

# encode/decode commands per tool: $1 old, $2 new or patch, $3 output
encode() {
  local tool=$1 old=$2 new=$3 patch=$4
  case $tool in
    termflash) "$termflash" delta create "$old" "$new" -o "$patch" >/dev/null ;;
    bsdiff) bsdiff "$old" "$new" "$patch" ;;
    xdelta3) xdelta3 -9 -f -e -s "$old" "$new" "$patch" ;;
    zstd) zstd -q -f -19 --long --patch-from="$old" "$new" -o "$patch" 2>/dev/null ;;
    hdiffpatch) "$work/venv/bin/python" "$root/scripts/bench-delta-peer.py" create "$old" "$new" "$patch" ;;
    detools) "$work/venv/bin/detools" create_patch --compression lzma "$old" "$new" "$patch" >/dev/null ;;
  esac
}
decode() {
  local tool=$1 old=$2 patch=$3 out=$4
  case $tool in
    termflash) "$termflash" delta apply "$old" "$patch" -o "$out" >/dev/null ;;
    bsdiff) bspatch "$old" "$out" "$patch" ;;
    xdelta3) xdelta3 -f -d -s "$old" "$patch" "$out" ;;
    zstd) zstd -q -f -d --long=31 --patch-from="$old" "$patch" -o "$out" ;;
    hdiffpatch) "$work/venv/bin/python" "$root/scripts/bench-delta-peer.py" apply "$old" "$patch" "$out" ;;
    detools) "$work/venv/bin/detools" apply_patch "$old" "$patch" "$out" >/dev/null ;;
  esac
}

measure() { # measure FILE command...: appends "seconds kilobytes" to FILE
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$file.one" "$@"
  cat "$file.one" >> "$file"
}

# The script runs itself under /usr/bin/time for one encode or decode.
if [ "${1:-}" = --one ]; then shift; "$@"; exit; fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

results=${RESULTS:-$work/results.tsv}
printf "pair\told_bytes\tnew_bytes\ttool\tpatch_bytes\tencode_s\tencode_rss_mib\tdecode_s\tdecode_rss_mib\truns\n" > "$results"
[ -x "$termflash" ] || { echo "build first: swift build -c release" >&2; exit 1; }
case " $tools " in *" hdiffpatch "*|*" detools "*) venv ;; esac
for pair in $pairs; do
  make_pair "$pair"
  dir=$work/pairs/$pair
  for tool in $tools; do
    rm -f "$dir/$tool.enc" "$dir/$tool.dec"
    for _ in $(seq "$runs"); do
      measure "$dir/$tool.enc" "$0" --one encode "$tool" "$dir/old.bin" "$dir/new.bin" "$dir/$tool.patch"
      measure "$dir/$tool.dec" "$0" --one decode "$tool" "$dir/old.bin" "$dir/$tool.patch" "$dir/$tool.out"
      cmp -s "$dir/$tool.out" "$dir/new.bin" || { echo "$pair $tool: decoded output differs from new.bin" >&2; exit 1; }
      rm -f "$dir/$tool.out"
    done
    line=$(printf "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%.1f\t%s" "$pair" "$(stat -c %s "$dir/old.bin")" "$(stat -c %s "$dir/new.bin")" "$tool" \
      "$(stat -c %s "$dir/$tool.patch")" \
      "$(cut -d' ' -f1 "$dir/$tool.enc" | median)" "$(cut -d' ' -f2 "$dir/$tool.enc" | median | awk '{print $1/1024}')" \
      "$(cut -d' ' -f1 "$dir/$tool.dec" | median)" "$(cut -d' ' -f2 "$dir/$tool.dec" | median | awk '{print $1/1024}')" "$runs")
    echo "$line" | tee -a "$results"
  done
done
echo "results: $results"
python3 "$root/scripts/bench-delta-table.py" "$results"
