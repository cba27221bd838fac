#!/usr/bin/env python3
"""HDiffPatch through its PyPI binding, as a command for the delta benchmark.

usage: bench-delta-peer.py create OLD NEW PATCH | apply OLD PATCH OUT
"""
import sys

import hdiffpatch


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def main(argv):
    action, first, second, third = argv[1:5]
    if action == "create":
        config = hdiffpatch.LzmaConfig(level=9, window=23, threads=1)
        patch = hdiffpatch.diff(read(first), read(second), config, validate=False)
        with open(third, "wb") as handle:
            handle.write(patch)
    elif action == "apply":
        with open(third, "wb") as handle:
            handle.write(hdiffpatch.apply(read(first), read(second)))
    else:
        sys.exit(f"unknown action {action}")


if __name__ == "__main__":
    main(sys.argv)
