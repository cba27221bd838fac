#!/usr/bin/env python3
"""Prints the delta benchmark's TSV results (one or more files) as the README's Markdown table."""
import csv
import sys

rows = {}
for path in sys.argv[1:]:
    for row in csv.DictReader(open(path), delimiter="\t"):
        rows[(row["pair"], row["tool"])] = row
pairs = list(dict.fromkeys(pair for pair, _ in rows))
tools = ["termflash", "bsdiff", "xdelta3", "zstd", "hdiffpatch", "detools"]
print("| pair (old → new bytes) | tool | patch bytes | encode s | encode RSS MiB | decode s | decode RSS MiB | runs |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for pair in pairs:
    first = True
    for tool in tools:
        row = rows.get((pair, tool))
        if row is None:
            continue
        label = f"{pair} ({int(row['old_bytes']):,} → {int(row['new_bytes']):,})" if first else ""
        first = False
        print(f"| {label} | {tool} | {int(row['patch_bytes']):,} | {row['encode_s']} | {row['encode_rss_mib']} "
              f"| {row['decode_s']} | {row['decode_rss_mib']} | {row['runs']} |")
