#!/usr/bin/env python3
"""Attributes perf samples to the innermost ml-connector function on each stack, so a profile
full of malloc, boost::json and memmove says which engine code asked for them.

    perf record -e cpu-clock -F 199 --call-graph dwarf,32768 -p PID -o perf.data -- sleep 30
    python3 tests/harness/perf_attrib.py perf.data [--top 25]

Prints three tables: by innermost mlc:: function (self + everything it called that is not
itself mlc:: code), by inclusive mlc:: function (each function once per stack), and by leaf
kind (allocator, boost::json, memcpy/memmove, RocksDB, kernel, other).
"""

import argparse
import collections
import re
import subprocess
import sys

_FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*?)(?:\s+\((\S+)\))?$")


def samples(path):
    r = subprocess.run(["perf", "script", "-i", path, "-F", "comm,tid,ip,sym,dso"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, errors="replace")
    stack = []
    for line in r.stdout.splitlines():
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        if not line[0].isspace():
            if stack:
                yield stack
            stack = []
            continue
        m = _FRAME.match(line)
        if m:
            stack.append((m.group(1), m.group(2) or ""))
    if stack:
        yield stack


def short(symbol):
    """Drops template arguments and parameter lists: mlc::engine::tenant::process<…> → …::process."""
    out, depth = [], 0
    for ch in symbol:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    s = "".join(out).replace(" [abi:cxx11]", "").replace("[abi:cxx11]", "")
    return s.replace(" (inlined)", "").strip()


def leaf_kind(symbol, dso):
    if "kernel" in dso or symbol.startswith(("__x64_sys", "do_syscall")) or dso == "[unknown]" and not symbol:
        return "kernel"
    if re.search(r"malloc|free|_int_|unlink_chunk|tcache|operator new|operator delete|cfree", symbol):
        return "allocator (malloc/free)"
    if "boost::json" in symbol or "libboost_json" in dso:
        return "boost::json (build/copy/destroy/serialize)"
    if "memmove" in symbol or "memcpy" in symbol or "memcmp" in symbol or "memset" in symbol:
        return "memcpy/memmove/memcmp"
    if "rocksdb" in symbol:
        return "rocksdb"
    if "libssl" in dso or "libcrypto" in dso:
        return "openssl"
    if "beast" in symbol or "asio" in symbol:
        return "asio/beast"
    if "[kernel" in dso or "vmlinux" in dso:
        return "kernel"
    return "other"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data")
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    innermost = collections.Counter()
    inclusive = collections.Counter()
    leaves = collections.Counter()
    total = 0
    for stack in samples(a.data):
        total += 1
        leaf_sym, leaf_dso = stack[0]
        leaves[leaf_kind(leaf_sym, leaf_dso)] += 1
        owner = None
        seen = set()
        for sym, _ in stack:
            if sym.startswith("mlc::") or "mlc::" in sym.split("<", 1)[0]:
                name = short(sym)
                if owner is None:
                    owner = name
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += 1
        if owner is None:
            owner = "(no mlc:: frame: " + ("kernel" if leaf_kind(leaf_sym, leaf_dso) == "kernel" else "library") + ")"
        innermost[owner] += 1
    if not total:
        sys.exit("no samples")

    def table(title, counter):
        print(f"\n{title} ({total} samples)")
        for name, n in counter.most_common(a.top):
            print(f"  {100 * n / total:5.1f}%  {name}")

    table("by innermost ml-connector function", innermost)
    table("inclusive, by ml-connector function", inclusive)
    table("by leaf kind", leaves)


if __name__ == "__main__":
    main()
