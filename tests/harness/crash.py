#!/usr/bin/env python3
"""Crash harness: the real ml-connector against mlc-emulator, killed with SIGKILL at random
moments while X3 records keep changing and Jira search lags, restarted each time; then the
last run converges and the emulator's X3 and Jira state are compared.

Prints "duplicates=N missing=N stale=N kills=N ..." and exits 0 only when the first three are
0 (1 otherwise, 2 when the harness itself could not run). The full run (tests/harness/README.md):

    python3 tests/harness/crash.py --build build/release                # 50 tenants x 2,000, 20 kills
    python3 tests/harness/crash.py --build build/ci --tenants 5 --records 60 --kills 5   # the CTest size
"""

import argparse
import random
import sys
import time

import changes
import world
from world import log


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    world.add_common_arguments(p)
    p.add_argument("--tenants", type=int, default=50)
    p.add_argument("--records", type=int, default=2000, help="purchase orders per tenant (invoices: half as many)")
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--search-lag-ms", type=int, default=3000)
    p.add_argument("--change-rate", type=float, default=20.0, help="X3 changes per second, all tenants together")
    p.add_argument("--max-gap", type=float, default=8.0, help="longest run, in seconds, before a kill")
    p.add_argument("--early-share", type=float, default=0.35,
                   help="share of kills within the first second of a run (start-up, recovery, first creates)")
    p.add_argument("--interval", default="2s", help="tenant poll interval")
    p.add_argument("--converge-timeout", type=float, default=3600.0, help="seconds the last run gets to converge")
    p.add_argument("--refresh-grace-ms", type=int, default=600_000,
                   help="how long a rotated Jira refresh token stays usable (Atlassian documents a 10-minute "
                        "leeway; 0 makes a kill between rotation and storing the new token lock the tenant out)")
    p.add_argument("--x3-api", default="mixed")
    p.add_argument("--x3-auth", default="mixed")
    p.add_argument("--jira-flavour", default="mixed")
    p.add_argument("--jira-auth", default="mixed")
    return p.parse_args()


def main():
    a = parse()
    seed = world.pick_seed(a.seed)
    rng = random.Random(seed)
    bins = world.binaries(a.build, a.connector, a.emulator, a.compare)
    work = world.workdir(a.work, a.keep)
    log(f"crash harness: seed={seed} tenants={a.tenants} records={a.records} kills={a.kills} "
        f"search_lag_ms={a.search_lag_ms} refresh_grace_ms={a.refresh_grace_ms} tls={a.tls} work={work.path}")
    emu = node = mut = None
    ok = False
    try:
        emu = world.emulator(bins, work, a.tenants, a.records, seed, a.search_lag_ms,
                             ["--x3-api", a.x3_api, "--x3-auth", a.x3_auth, "--jira-flavour", a.jira_flavour,
                              "--jira-auth", a.jira_auth], tls=a.tls)
        emu.faults({"jira": {"refresh_grace_ms": a.refresh_grace_ms}})
        world.patch_config(emu.config_path, work.file("data"), interval=a.interval)
        node = world.connector(bins, work, emu.config_path, preload=a.preload)
        node.setup()
        mut = changes.mutator(emu, changes.take_inventory(emu, emu.tenant_ids), a.change_rate, seed + 1)
        mut.start()

        kills = early = before_ready = 0
        unexpected = []
        for k in range(a.kills):
            node.start()
            started = time.monotonic()
            if rng.random() < a.early_share:
                delay = rng.uniform(0.01, 1.0)
                early += 1
            else:
                delay = rng.uniform(1.0, a.max_gap)
            # The kill moment is the experiment: a plain wait is what is meant here.
            while time.monotonic() - started < delay and node.running():
                time.sleep(0.01)
            if not node.running():
                unexpected.append(f"run {node.starts} ended by itself with status {node.proc.returncode} "
                                  f"after {time.monotonic() - started:.1f} s (see {node.logs[-1]})")
                continue
            with open(node.logs[-1], errors="replace") as f:
                if '"node.ready"' not in f.read():
                    before_ready += 1
            node.kill()
            kills += 1
        log(f"{kills} kills done ({early} within a second of start, {before_ready} before the node was ready); "
            f"{mut.summary()}")

        node.start()
        node.wait_ready()
        mut.stop()
        log(f"changes stopped ({mut.summary()}); converging (at most {a.converge_timeout:.0f} s)")
        verdict, took = world.converge(bins, emu, emu.tenant_ids, a.converge_timeout)
        if not node.running():
            unexpected.append(f"the last run ended by itself with status {node.proc.returncode}")
        status = node.stop()
        if status not in (0, None):
            unexpected.append(f"the last run exited with status {status} after SIGTERM")

        adopted = node.count_log_events("record.adopted")
        created = node.count_log_events("record.created")
        log(f"converged in {took:.1f} s: {verdict['records']} records, {verdict['issues']} issues; "
            f"{created} creates and {adopted} adoptions (issues created by a killed run) over {node.starts} runs")
        print(f"duplicates={verdict['duplicates']} missing={verdict['missing']} stale={verdict['stale']} "
              f"kills={kills} orphans={verdict['orphans']} duplicate_comments={verdict['duplicate_comments']} duplicate_links={verdict['duplicate_links']} records={verdict['records']} issues={verdict['issues']} "
              f"adopted={adopted} seed={seed}", flush=True)
        status = world.finish(verdict, unexpected)
        ok = status == 0  # a passing run's working directory (RocksDB, logs) is removed
        return status
    except Exception as e:
        log(f"harness error: {e}")
        return 2
    finally:
        if mut and mut.is_alive():
            mut.stop()
        if node:
            node.kill()
        if emu:
            emu.stop()
        work.finish(ok)


if __name__ == "__main__":
    sys.exit(main())
