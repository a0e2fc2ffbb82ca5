#!/usr/bin/env python3
"""Multi-tenant benchmark of the real ml-connector against mlc-emulator on loopback.

Active phase (default 500 tenants): the initial sync of every record, then a steady phase in
which X3 orders change at a fixed rate, each change stamped so its latency (X3 change to the
Jira issue showing the new amount) can be read from the issue's `updated` time. Idle phases
(default 2,000 and 10,000 tenants with nothing to sync): the cost of tenants that only poll.

Prints, per phase: end-to-end records/s, connector CPU µs per synced record (utime+stime of the
connector process only, /proc/PID/stat), RSS total and per tenant (/proc/PID/status), p50/p99
latency, Jira and X3 requests per synced record and 429s (/_emulator/counters), and one JSON
document with everything (--out). The figures and exact commands live in BENCHMARKS.md.

    ./mlc.sh build      # RelWithDebInfo in build/release
    python3 tests/harness/bench.py --build build/release --perf
    python3 tests/harness/bench.py --build build/release --phases idle --idle 2000,10000
"""

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

import changes
import world
from world import log


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    world.add_common_arguments(p)
    p.add_argument("--phases", default="active,idle", help="active, idle or both (comma-separated)")
    p.add_argument("--active", type=int, default=500, help="tenants of the active phase")
    p.add_argument("--records", type=int, default=100, help="purchase orders per active tenant (+ half as many invoices)")
    p.add_argument("--active-interval", default="5s", help="poll interval of the active phase")
    p.add_argument("--jitter", type=float, default=0.1)
    p.add_argument("--change-rate", type=float, default=50.0, help="stamped X3 changes per second, steady phase")
    p.add_argument("--steady-seconds", type=float, default=60.0, help="length of the steady phase")
    p.add_argument("--idle", default="2000,10000", help="idle tenant counts, comma-separated")
    p.add_argument("--idle-interval", default="60s", help="poll interval of the idle phases")
    p.add_argument("--idle-window", type=float, default=120.0, help="seconds the idle cost is measured over")
    p.add_argument("--search-lag-ms", type=int, default=1500)
    p.add_argument("--history", type=int, default=0,
                   help="active phase: first write this many issue-map entries into the node's store, spread "
                        "over its tenants, of orders X3 does not have (mlc-store-bench --fill): the older entries "
                        "a node that has run for a while holds")
    p.add_argument("--history-filter-bits", type=int, default=10,
                   help="Bloom filter bits per key of the history's table files (0 to match a build without)")
    p.add_argument("--store-bench", help="path of mlc-store-bench for --history (default: under --build)")
    p.add_argument("--jira-rps", type=float, default=None,
                   help="node config limits.jira.requests_per_second (and burst): the default 20 per site "
                        "binds a run of few tenants, hiding the connector's own cost")
    p.add_argument("--x3-api", default="mixed")
    p.add_argument("--jira-flavour", default="mixed")
    p.add_argument("--jira-auth", default="basic", help="basic|oauth2|mixed for cloud tenants (oauth2: 3LO via the gateway)")
    p.add_argument("--perf", action="store_true",
                   help="perf record the connector during the initial sync and each idle window")
    p.add_argument("--perf-seconds", type=int, default=30, help="how long perf records")
    p.add_argument("--callgrind", action="store_true",
                   help="run the connector under valgrind's callgrind and count the instructions it executes "
                        "(user space only) per record of the initial sync and per tenant cycle of each idle "
                        "window: a figure this noisy host cannot move; CPU and time figures are then meaningless")
    p.add_argument("--out", help="write the results as JSON to this file")
    return p.parse_args()


def raise_fd_limit():
    """Very many tenants need many sockets in both processes: lift the limits for the children."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 1_048_576 if os.geteuid() == 0 else hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def requests_by_system(counters):
    """{"x3": n, "jira": n, "429": n, "creates": n, "edits": n}; the 3LO gateway counts as Jira."""
    out = {"x3": 0, "jira": 0, "429": 0, "creates": counters["jira_issues_created"], "edits": 0}
    for system, eps in counters["requests"].items():
        if system == "control":
            continue
        for ep, statuses in eps.items():
            n = sum(statuses.values())
            out["x3" if system == "x3" else "jira"] += n
            out["429"] += statuses.get("429", 0)
            if ep.startswith("PUT ") and ep.rstrip("}").endswith("/issue/{issueIdOrKey"):
                out["edits"] += statuses.get("204", 0) + statuses.get("200", 0)
    return out


def delta(after, before):
    return {k: after[k] - before[k] for k in after}


def requests_by_endpoint(counters):
    """{"jira POST /rest/api/3/issue/bulk": n, …}: every X3 and Jira request by endpoint."""
    return {f"{system} {ep}": sum(statuses.values())
            for system, eps in counters["requests"].items() if system != "control" for ep, statuses in eps.items()}


def per_record_by_endpoint(after, before, records):
    """Requests per record by endpoint between two requests_by_endpoint() readings, largest first."""
    d = {ep: n - before.get(ep, 0) for ep, n in after.items()}
    return {ep: round(n / records, 4) for ep, n in sorted(d.items(), key=lambda kv: -kv[1]) if n > 0}


class rss_sampler(threading.Thread):
    def __init__(self, pid, every=1.0):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = 0
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(self.every):
            try:
                self.peak = max(self.peak, world.proc_rss_kib(self.pid))
            except (OSError, RuntimeError):
                return

    def stop(self):
        self.stop_event.set()
        self.join()


def wait_until(what, check, timeout, poll=0.25):
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise world.deadline_passed(f"{what}: not reached within {timeout:.0f} s")
        time.sleep(poll)


def callgrind_connector(bins, work):
    """A wrapper that runs `ml-connector run` under callgrind (other subcommands as they are).
    Valgrind 3.19 cannot read clang-16's DWARF 5, so it gets a copy without debug sections;
    symbols are enough to attribute instructions to functions."""
    for tool in ("valgrind", "callgrind_control", "callgrind_annotate", "objcopy"):
        if not shutil.which(tool):
            raise SystemExit(f"--callgrind needs {tool}: apt-get install valgrind binutils")
    bare = work.file("ml-connector.nodebug")
    subprocess.run(["objcopy", "--strip-debug", bins.connector, bare], check=True)
    wrapper = work.file("ml-connector.callgrind")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\n"
                f'if [ "$1" = run ]; then exec valgrind --tool=callgrind --quiet '
                f'--callgrind-out-file={work.file("callgrind.out")} {bare} "$@"; fi\n'
                f'exec {bins.connector} "$@"\n')
    os.chmod(wrapper, 0o755)
    bins.connector = wrapper


def callgrind_zero(pid):
    subprocess.run(["callgrind_control", "--zero", str(pid)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def callgrind_dump(pid, work, label, units, unit):
    """Dumps what the connector ran since callgrind_zero() and returns it per unit."""
    before = set(os.listdir(work.path))
    subprocess.run(["callgrind_control", f"--dump={label}", str(pid)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    dump = wait_until("the callgrind dump", lambda: [f for f in set(os.listdir(work.path)) - before
                                                     if f.startswith("callgrind.out")], timeout=120)
    path = work.file(dump[0])
    total, crypto = callgrind_totals(path)
    log(f"{label} under callgrind: {total / units:,.0f} instructions per {unit} in the connector's user space, "
        f"{crypto / units:,.0f} of them in libcrypto (SHA-256, which runs without the CPU's SHA extensions under "
        f"valgrind); dump {path}")
    return {f"per_{unit}": total / units, f"libcrypto_per_{unit}": crypto / units, "dump": path}


def callgrind_totals(path):
    """(all instructions, instructions in libcrypto) of one callgrind dump."""
    r = subprocess.run(["callgrind_annotate", "--threshold=100", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, check=True)
    total = crypto = 0
    for line in r.stdout.splitlines():
        parts = line.split()
        if not parts or not parts[0][0].isdigit():
            continue
        n = int(parts[0].replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = n
        elif "libcrypto" in line:
            crypto += n
    return total, crypto


def start_perf(pid, path, seconds):
    # DWARF unwinding: RelWithDebInfo keeps no frame pointers, so -g alone loses the callers.
    return subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "199", "--call-graph", "dwarf,32768",
                             "-p", str(pid), "-o", path, "--", "sleep", str(seconds)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _perf_report(data, out, *args):
    r = subprocess.run(["perf", "report", "-i", data, "--stdio", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    with open(out, "w") as f:
        for line in r.stdout.splitlines():
            line = " ".join(line.split())  # perf pads symbol columns to thousands of characters
            if line and not line.startswith("#"):
                f.write(line[:300] + "\n")


def finish_perf(proc, data, report):
    proc.wait(timeout=600)
    _perf_report(data, report, "--no-children", "--percent-limit", "0.7", "--sort", "dso,symbol", "-g", "none")
    _perf_report(data, report + ".children", "--children", "--percent-limit", "2", "--sort", "symbol", "-g", "none")
    _perf_report(data, report + ".callers", "--no-children", "--percent-limit", "2", "--sort", "symbol",
                 "-g", "caller,0.5,callee,function,percent", "--max-stack", "24")
    log(f"perf profile: {report} (self), {report}.children (inclusive), {report}.callers (call chains)")


# ---------------------------------------------------------------- the active phase


class stamped_changes(threading.Thread):
    """Changes one distinct order per step to a unique amount and notes when (wall clock)."""

    def __init__(self, emu, inventories, rate, seconds, seed):
        super().__init__(daemon=True)
        self.emu, self.rate, self.seconds = emu, rate, seconds
        rng = random.Random(seed)
        pool = [(t, po) for t, inv in inventories.items() for po in inv.open_orders + inv.done_orders]
        rng.shuffle(pool)
        self.pool = pool
        self.samples = []  # (wall time, tenant, order, amount)
        self.errors = 0

    def run(self):
        n = int(self.rate * self.seconds)
        start = time.monotonic()
        for i in range(min(n, len(self.pool))):
            at = start + i / self.rate
            pause = at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            t, po = self.pool[i]
            amount = round(50_000 + i * 0.01, 2)  # unique: says which change an issue shows
            wall = time.time()
            try:
                self.emu.post(f"/_emulator/x3/{t}/purchase_orders", {"id": po, "total_excl_tax": amount})
                self.samples.append((wall, t, po, amount))
            except Exception as e:
                self.errors += 1
                if self.errors == 1:
                    log(f"stamped change failed: {e}")


def jira_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def latencies(emu, samples, total_field):
    by_tenant = {}
    for s in samples:
        by_tenant.setdefault(s[1], []).append(s)
    out, unseen = [], 0
    for t, group in by_tenant.items():
        issues = {}
        for issue in emu.state(t)["jira"][t]["issues"]:
            src = issue["properties"].get("ml-connector.source", {})
            if src.get("entity") == "purchase_order":
                issues[src.get("id")] = issue
        for wall, _, po, amount in group:
            issue = issues.get(po)
            shown = issue and abs(float(issue["fields"].get(total_field) or 0) - amount) < 0.005
            if not shown:
                unseen += 1
                continue
            out.append(jira_time(issue["updated"]) - wall)
    return out, unseen


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def threads_text(by_thread):
    """"io 170, mlc-writer 9, rocksdb:low 0 µs": the threads that took at least 0.5 µs per record."""
    shown = [(n, v) for n, v in sorted(by_thread.items(), key=lambda kv: -kv[1]) if v >= 0.5]
    return ", ".join(f"{n} {v:.0f}" for n, v in shown) + " µs" if shown else "no thread busy"


def active_phase(a, bins, work, seed, fields):
    n = a.active
    log(f"== active phase: {n} tenants x {a.records} orders (+{a.records // 2} invoices), interval {a.active_interval}")
    emu = world.emulator(bins, work, n, a.records, seed, a.search_lag_ms,
                         ["--x3-api", a.x3_api, "--jira-flavour", a.jira_flavour, "--jira-auth", a.jira_auth], tls=a.tls)
    node = None
    try:
        world.patch_config(emu.config_path, work.file("data-active"), interval=a.active_interval, jitter=a.jitter)
        if a.jira_rps:
            world.patch_node(emu.config_path, {"limits": {"jira": {"requests_per_second": a.jira_rps,
                                                                   "burst": a.jira_rps, "max_in_flight": 16}}})
        if a.history:
            if not a.store_bench and not a.build:
                raise SystemExit("--history needs --store-bench PATH or --build DIR")
            filler = a.store_bench or os.path.join(a.build, "tests/storage/mlc-store-bench")
            t = time.monotonic()
            subprocess.run([filler, "--fill", work.file("data-active"), "--entries", str(a.history),
                            "--tenants", ",".join(emu.tenant_ids), "--filter-bits", str(a.history_filter_bits)],
                           check=True, stdout=subprocess.DEVNULL)
            log(f"history: {a.history} older issue-map entries written in {time.monotonic() - t:.1f} s")
        node = world.connector(bins, work, emu.config_path, log_level="warn", preload=a.preload)
        t = time.monotonic()
        node.setup(timeout=3600)
        log(f"setup of {n} tenants: {time.monotonic() - t:.1f} s")
        inventories = changes.take_inventory(emu, emu.tenant_ids)
        expected = sum(len(i.open_orders) + len(i.done_orders) + len(i.invoices) for i in inventories.values())

        counters0 = emu.counters()
        c0, e0 = requests_by_system(counters0), requests_by_endpoint(counters0)
        node.start()
        node.wait_ready(timeout=600)
        pid = node.proc.pid
        rss = rss_sampler(pid)
        rss.start()
        perf = start_perf(pid, work.file("perf-active.data"), a.perf_seconds) if a.perf else None
        if a.callgrind:
            callgrind_zero(pid)
        sys0, threads0 = world.proc_cpu_split(pid)[1], world.thread_cpu_seconds(pid)
        cpu0, t0, ecpu0 = node.cpu_seconds(), time.monotonic(), emu.cpu_seconds()
        wait_until(f"{expected} creates", lambda: requests_by_system(emu.counters())["creates"] - c0["creates"] >= expected,
                   timeout=3600)
        cpu1, t1, ecpu1 = node.cpu_seconds(), time.monotonic(), emu.cpu_seconds()
        sys1, threads1 = world.proc_cpu_split(pid)[1], world.thread_cpu_seconds(pid)
        instructions = callgrind_dump(pid, work, "initial-sync", expected, "record") if a.callgrind else None
        counters1 = emu.counters()
        c1 = requests_by_system(counters1)
        rss_after_sync = node.rss_kib()
        initial = delta(c1, c0)
        sync = {
            "records": expected, "seconds": t1 - t0, "records_per_s": expected / (t1 - t0),
            "cpu_seconds": cpu1 - cpu0, "cpu_us_per_record": (cpu1 - cpu0) * 1e6 / expected,
            "records_per_cpu_second": expected / max(cpu1 - cpu0, 1e-9),
            "cpu_system_share": (sys1 - sys0) / max(cpu1 - cpu0, 1e-9),
            "cpu_us_per_record_by_thread": {name: (threads1[name] - threads0.get(name, 0.0)) * 1e6 / expected
                                            for name in sorted(threads1)},
            "jira_requests_per_record": initial["jira"] / expected, "x3_requests_per_record": initial["x3"] / expected,
            "http_429": initial["429"], "rss_kib": rss_after_sync,
            "emulator_cpu_us_per_record": (ecpu1 - ecpu0) * 1e6 / expected,
            "connector_cores": (cpu1 - cpu0) / (t1 - t0), "emulator_cores": (ecpu1 - ecpu0) / (t1 - t0),
            "loadavg_after": os.getloadavg()[0],
            "requests_per_record_by_endpoint": per_record_by_endpoint(requests_by_endpoint(counters1), e0, expected),
        }
        if instructions:
            sync["callgrind_instructions"] = instructions
        log(f"initial sync: {expected} records in {sync['seconds']:.1f} s = {sync['records_per_s']:.0f} records/s; "
            f"connector CPU {sync['cpu_us_per_record']:.0f} µs/record ({sync['cpu_system_share']:.0%} in the kernel; "
            f"{threads_text(sync['cpu_us_per_record_by_thread'])}); "
            f"Jira {sync['jira_requests_per_record']:.2f} "
            f"and X3 {sync['x3_requests_per_record']:.2f} requests/record; 429s {initial['429']}; "
            f"RSS {rss_after_sync / 1024:.0f} MiB; busy cores: connector {sync['connector_cores']:.2f}, emulator "
            f"{sync['emulator_cores']:.2f} ({sync['emulator_cpu_us_per_record']:.0f} µs/record); load {os.getloadavg()[0]:.1f}")

        # Steady phase: stamped changes at a fixed rate while every tenant keeps polling.
        sampler = stamped_changes(emu, inventories, a.change_rate, a.steady_seconds, seed + 3)
        cpu2, t2, ecpu2 = node.cpu_seconds(), time.monotonic(), emu.cpu_seconds()
        c2 = requests_by_system(emu.counters())
        sampler.start()
        sampler.join()
        wanted = len(sampler.samples)
        try:
            wait_until(f"{wanted} edits", lambda: requests_by_system(emu.counters())["edits"] - c2["edits"] >= wanted,
                       timeout=120)
        except world.deadline_passed as e:
            log(str(e))
        cpu3, t3, ecpu3 = node.cpu_seconds(), time.monotonic(), emu.cpu_seconds()
        c3 = requests_by_system(emu.counters())
        if perf:
            finish_perf(perf, work.file("perf-active.data"), work.file("perf-active.txt"))
        rss.stop()
        steady_counts = delta(c3, c2)
        lat, unseen = latencies(emu, sampler.samples, fields["Total amount"])
        synced = max(steady_counts["edits"], 1)
        steady = {
            "changes": wanted, "edits": steady_counts["edits"], "seconds": t3 - t2,
            "cpu_seconds": cpu3 - cpu2, "cpu_us_per_record": (cpu3 - cpu2) * 1e6 / synced,
            "jira_requests_per_record": steady_counts["jira"] / synced,
            "x3_requests_per_record": steady_counts["x3"] / synced, "http_429": steady_counts["429"],
            "latency_p50_s": percentile(lat, 50), "latency_p99_s": percentile(lat, 99),
            "latency_max_s": max(lat) if lat else float("nan"), "latency_samples": len(lat), "unseen": unseen,
            "connector_cores": (cpu3 - cpu2) / (t3 - t2), "emulator_cores": (ecpu3 - ecpu2) / (t3 - t2),
        }
        metrics = node.metrics_text()
        result = {
            "tenants": n, "initial_sync": sync, "steady": steady,
            "rss_kib": node.rss_kib(), "rss_peak_kib": rss.peak, "rss_kib_per_tenant": node.rss_kib() / n,
            "connector_429s": world.metric_sum(metrics, "mlc_http_rate_limited_total"),
        }
        log(f"steady: {wanted} stamped changes in {a.steady_seconds:.0f} s; latency p50 {steady['latency_p50_s']:.3f} s "
            f"p99 {steady['latency_p99_s']:.3f} s max {steady['latency_max_s']:.3f} s ({unseen} not shown); "
            f"CPU {steady['cpu_us_per_record']:.0f} µs per synced change incl. polling; Jira "
            f"{steady['jira_requests_per_record']:.2f}, X3 {steady['x3_requests_per_record']:.2f} requests/change")
        log(f"RSS {result['rss_kib'] / 1024:.1f} MiB = {result['rss_kib_per_tenant']:.0f} KiB/tenant "
            f"(peak {rss.peak / 1024:.1f} MiB); 429s: emulator answered {sync['http_429'] + steady['http_429']}, "
            f"connector counted {result['connector_429s']:.0f}")
        node.stop(timeout=60)
        return result
    finally:
        if node:
            node.kill()
        emu.stop()


# ---------------------------------------------------------------- the idle phases


def idle_phase(a, bins, work, seed, n):
    log(f"== idle phase: {n} tenants, nothing to sync, interval {a.idle_interval}")
    sub = world.workdir(work.file(f"idle-{n}"), keep=True)
    emu = world.emulator(bins, sub, n, 0, seed, a.search_lag_ms,
                         ["--x3-api", a.x3_api, "--jira-flavour", a.jira_flavour, "--bind-any"], tls=a.tls)
    node = None
    try:
        world.patch_config(emu.config_path, sub.file("data"), interval=a.idle_interval, jitter=a.jitter)
        node = world.connector(bins, sub, emu.config_path, log_level="warn", preload=a.preload)
        t = time.monotonic()
        node.setup(timeout=7200)
        setup_s = time.monotonic() - t
        log(f"setup of {n} tenants: {setup_s:.1f} s")
        counters0 = emu.counters()
        c0, e0 = requests_by_system(counters0), requests_by_endpoint(counters0)
        node.start()
        node.wait_ready(timeout=600)
        ready_rss = node.rss_kib()
        t_ready = time.monotonic()
        # Every tenant has polled once when X3 has served at least one read per tenant and entity.
        wait_until(f"first poll of {n} tenants",
                   lambda: requests_by_system(emu.counters())["x3"] - c0["x3"] >= 2 * n, timeout=1800, poll=1.0)
        c1 = requests_by_system(emu.counters())
        cpu1, t1, ecpu1 = node.cpu_seconds(), time.monotonic(), emu.cpu_seconds()
        perf = None
        if a.perf:
            perf = start_perf(node.proc.pid, sub.file("perf-idle.data"), min(a.perf_seconds, int(a.idle_window)))
        if a.callgrind:
            callgrind_zero(node.proc.pid)
        # The measurement window itself. Tenants poll in waves about an interval apart, so RSS
        # and descriptors are sampled every second as well as read at the end.
        rss_samples, fd_samples = [], []
        window_end = time.monotonic() + a.idle_window
        while time.monotonic() < window_end:
            rss_samples.append(node.rss_kib())
            fd_samples.append(len(os.listdir(f"/proc/{node.proc.pid}/fd")))
            time.sleep(min(1.0, max(0.0, window_end - time.monotonic())))
        cpu2, t2, ecpu2 = node.cpu_seconds(), time.monotonic(), emu.cpu_seconds()
        c2 = requests_by_system(emu.counters())
        # Counted as the CPU figure below counts polls.
        instructions = (callgrind_dump(node.proc.pid, work, f"idle-{n}", max((c2["x3"] - c1["x3"]) / 2, 1), "cycle")
                        if a.callgrind else None)
        rss = node.rss_kib()
        with open(f"/proc/{node.proc.pid}/status") as f:
            threads = next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
        fds = len(os.listdir(f"/proc/{node.proc.pid}/fd"))
        metrics = node.metrics_text()
        w = delta(c2, c1)
        polls = w["x3"] / 2 if w["x3"] else 0
        result = {
            "tenants": n, "setup_seconds": setup_s, "rss_kib": rss, "rss_kib_at_ready": ready_rss,
            "rss_kib_per_tenant": rss / n, "cpu_seconds": cpu2 - cpu1, "window_s": t2 - t1,
            "cpu_percent": (cpu2 - cpu1) / (t2 - t1) * 100, "x3_requests": w["x3"], "jira_requests": w["jira"],
            "cpu_us_per_poll": (cpu2 - cpu1) * 1e6 / polls if polls else float("nan"),
            "http_429": w["429"], "threads": threads, "fds": fds,
            "rss_kib_mean": sum(rss_samples) / len(rss_samples), "rss_kib_max": max(rss_samples),
            "rss_kib_per_tenant_mean": sum(rss_samples) / len(rss_samples) / n,
            "fds_mean": sum(fd_samples) / len(fd_samples), "fds_max": max(fd_samples),
            "tenants_up": world.metric_sum(metrics, "mlc_tenants", state="active"),
            "emulator_cpu_percent": (ecpu2 - ecpu1) / (t2 - t1) * 100,
            "first_poll_seconds": t1 - t_ready, "loadavg": os.getloadavg()[0],
        }
        if instructions:
            result["callgrind_instructions"] = instructions
        log(f"idle {n}: RSS {rss / 1024:.1f} MiB = {result['rss_kib_per_tenant']:.1f} KiB/tenant at the end, "
            f"{result['rss_kib_per_tenant_mean']:.1f} KiB/tenant on average over the window "
            f"(max {result['rss_kib_max'] / 1024:.1f} MiB); fds {result['fds_mean']:.0f} on average; CPU "
            f"{result['cpu_percent']:.1f}% of a core over {result['window_s']:.0f} s "
            f"({result['cpu_us_per_poll']:.0f} µs per tenant cycle, which polls both entities); {w['x3']} X3 and {w['jira']} Jira requests; "
            f"429s {w['429']}; {fds} fds, {threads} threads; active tenants {result['tenants_up']:.0f}")
        node.stop(timeout=120)
        if perf:
            finish_perf(perf, sub.file("perf-idle.data"), sub.file("perf-idle.txt"))
        return result
    finally:
        if node:
            node.kill()
        emu.stop()


def main():
    a = parse()
    seed = world.pick_seed(a.seed if a.seed is not None else 1)
    bins = world.binaries(a.build, a.connector, a.emulator, a.compare)
    work = world.workdir(a.work, a.keep)
    if a.callgrind:
        callgrind_connector(bins, work)
    limit = raise_fd_limit()
    machine = world.machine_line()
    log(f"benchmark on {machine}; RLIMIT_NOFILE {limit[0]}; seed={seed}; work={work.path}"
        + (f"; connector with LD_PRELOAD={a.preload}" if a.preload else ""))
    fields = json.loads(subprocess.run([bins.compare, "--print-fields"], check=True, stdout=subprocess.PIPE).stdout)
    results = {"machine": machine, "command": " ".join(sys.argv), "seed": seed, "preload": a.preload,
               "history": a.history, "phases": {}}
    ok = False
    try:
        phases = a.phases.split(",")
        if "active" in phases:
            results["phases"]["active"] = active_phase(a, bins, work, seed, fields)
        if "idle" in phases:
            for n in [int(x) for x in a.idle.split(",") if x]:
                try:
                    results["phases"][f"idle_{n}"] = idle_phase(a, bins, work, seed, n)
                except Exception as e:
                    log(f"idle phase with {n} tenants failed: {e}")
                    results["phases"][f"idle_{n}"] = {"tenants": n, "error": str(e)}
        idle = sorted((v for k, v in results["phases"].items() if k.startswith("idle_") and "rss_kib" in v),
                      key=lambda v: v["tenants"])
        if len(idle) >= 2:
            lo, hi = idle[0], idle[-1]
            results["marginal_rss_kib_per_idle_tenant"] = (hi["rss_kib"] - lo["rss_kib"]) / (hi["tenants"] - lo["tenants"])
            results["marginal_rss_kib_per_idle_tenant_mean"] = (
                (hi["rss_kib_mean"] - lo["rss_kib_mean"]) / (hi["tenants"] - lo["tenants"]))
            log(f"marginal RSS per idle tenant ({lo['tenants']} -> {hi['tenants']}): "
                f"{results['marginal_rss_kib_per_idle_tenant']:.1f} KiB at the end, "
                f"{results['marginal_rss_kib_per_idle_tenant_mean']:.1f} KiB on average")
        print(json.dumps(results, indent=1), flush=True)
        if a.out:
            with open(a.out, "w") as f:
                json.dump(results, f, indent=1)
        ok = True
        return 0
    except Exception as e:
        log(f"benchmark error: {e}")
        return 2
    finally:
        work.finish(ok and not a.perf and not a.callgrind)


if __name__ == "__main__":
    sys.exit(main())
