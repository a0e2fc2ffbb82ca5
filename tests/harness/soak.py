#!/usr/bin/env python3
"""Fault soak: the real ml-connector against mlc-emulator for a bounded time (default 10
minutes) with about 20% of X3 and Jira requests failing (429 with Retry-After, 500/502/503,
connection resets, timeouts, answers lost after the request was carried out), access tokens expiring every few seconds (short lifetimes plus forced expiry), the
X3 clock lagging, late commits and churn between pages, while records keep changing. Then the
changes and the faults stop (--faults-during-converge keeps the faults) and the run must
converge: X3 and Jira are compared like the crash harness does.

Prints "duplicates=N missing=N stale=N faults=N ..." and exits 0 only when the first three
are 0 (1 otherwise, 2 when the harness could not run).

    python3 tests/harness/soak.py --build build/release                      # 10 minutes, 20 tenants
    python3 tests/harness/soak.py --build build/ci --tenants 5 --records 60 --duration 30   # the CTest size
"""

import argparse
import random
import sys
import threading
import time

import changes
import world
from world import log


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    world.add_common_arguments(p)
    p.add_argument("--tenants", type=int, default=20)
    p.add_argument("--records", type=int, default=500, help="purchase orders per tenant (invoices: half as many)")
    p.add_argument("--duration", type=float, default=600.0, help="seconds of faults and changes")
    p.add_argument("--fault-rate", type=float, default=0.20, help="share of X3 and Jira requests that fail")
    p.add_argument("--timeout-rate", type=float, default=0.005,
                   help="part of --fault-rate that hangs past the client's 30 s operation timeout")
    p.add_argument("--reset-rate", type=float, default=0.02,
                   help="part of --fault-rate whose connection is reset (TCP RST) without an answer")
    p.add_argument("--lost-answer-rate", type=float, default=0.01,
                   help="part of --fault-rate carried out whose answer is then lost (connection reset)")
    p.add_argument("--drop-hang-ms", type=int, default=31000, help="how long a timed-out request hangs")
    p.add_argument("--token-lifetime-s", type=int, default=4, help="X3 OAuth2 and Jira 3LO access token lifetime")
    p.add_argument("--expire-every", type=float, default=3.0, help="seconds between forced token expiries")
    p.add_argument("--clock-lag-s", type=int, default=20, help="X3 app-server clock behind real time")
    p.add_argument("--late-commit-rate", type=float, default=0.1)
    p.add_argument("--late-commit-s", type=int, default=120)
    p.add_argument("--search-lag-ms", type=int, default=3000)
    p.add_argument("--refresh-grace-ms", type=int, default=600_000,
                   help="how long a rotated Jira refresh token stays usable (Atlassian: a 10-minute leeway)")
    p.add_argument("--change-rate", type=float, default=10.0, help="X3 changes per second, all tenants together")
    p.add_argument("--interval", default="2s", help="tenant poll interval")
    p.add_argument("--faults-during-converge", action="store_true",
                   help="keep the faults on while converging (default: they end with the run)")
    p.add_argument("--converge-timeout", type=float, default=300.0)
    return p.parse_args()


def fault_knobs(a, system):
    errors = max(0.0, a.fault_rate - a.timeout_rate - a.reset_rate - a.lost_answer_rate)
    k = {
        "error_rates": {"429": round(errors * 0.40, 4), "500": round(errors * 0.20, 4),
                        "502": round(errors * 0.15, 4), "503": round(errors * 0.25, 4)},
        "drop_rate": a.reset_rate,
        "hang_rate": a.timeout_rate,
        "lost_answer_rate": a.lost_answer_rate,
        "retry_after_s": 1,
        "token_lifetime_s": a.token_lifetime_s,
        "refresh_grace_ms": a.refresh_grace_ms,
    }
    if system == "x3":
        k.update({"clock_lag_s": a.clock_lag_s, "late_commit_rate": a.late_commit_rate,
                  "late_commit_s": a.late_commit_s, "churn_per_page": 1})
    return k


class token_expirer(threading.Thread):
    """Every few seconds, expires the access tokens of one tenant's X3 and of the Jira 3LO gateway."""

    def __init__(self, emu, every, seed):
        super().__init__(daemon=True, name="token-expiry")
        self.emu = emu
        self.every = every
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.count = 0

    def run(self):
        while not self.stop_event.wait(self.every):
            t = self.rng.choice(self.emu.tenant_ids)
            try:
                self.emu.post(f"/_emulator/x3/{t}/expire_tokens", {})
                self.emu.post(f"/_emulator/jira/{t}/expire_tokens", {})
                self.count += 1
            except Exception as e:
                log(f"token expiry failed: {e}")

    def stop(self):
        self.stop_event.set()
        self.join(timeout=30)


def injected_faults(counters):
    out = {}
    for system in ("x3", "jira", "gateway"):
        eps = counters["requests"].get(system, {})
        for status, n in eps.get("injected", {}).items():
            out[f"{system}_{status}"] = out.get(f"{system}_{status}", 0) + n
        for _, n in eps.get("dropped", {}).items():
            out[f"{system}_reset"] = out.get(f"{system}_reset", 0) + n
        for _, n in eps.get("hung", {}).items():
            out[f"{system}_hang"] = out.get(f"{system}_hang", 0) + n
        for _, n in eps.get("answer_lost", {}).items():
            out[f"{system}_answer_lost"] = out.get(f"{system}_answer_lost", 0) + n
    return out


def served(counters, system):
    eps = counters["requests"].get(system, {})
    return sum(n for ep in eps.values() for n in ep.values())


def main():
    a = parse()
    seed = world.pick_seed(a.seed)
    bins = world.binaries(a.build, a.connector, a.emulator, a.compare)
    work = world.workdir(a.work, a.keep)
    log(f"fault soak: seed={seed} tenants={a.tenants} records={a.records} duration={a.duration:.0f}s "
        f"fault_rate={a.fault_rate} tls={a.tls} work={work.path}")
    emu = node = mut = exp = None
    ok = False
    try:
        emu = world.emulator(bins, work, a.tenants, a.records, seed, a.search_lag_ms,
                             ["--x3-api", "mixed", "--x3-auth", "mixed", "--jira-flavour", "mixed",
                              "--jira-auth", "mixed", "--drop-hang-ms", str(a.drop_hang_ms)], tls=a.tls)
        world.patch_config(emu.config_path, work.file("data"), interval=a.interval)
        node = world.connector(bins, work, emu.config_path, preload=a.preload)
        node.setup()
        inventories = changes.take_inventory(emu, emu.tenant_ids)
        knobs = {"x3": fault_knobs(a, "x3"), "jira": fault_knobs(a, "jira")}
        emu.faults(knobs)
        log(f"faults on: {knobs}")

        node.start()
        mut = changes.mutator(emu, inventories, a.change_rate, seed + 1)
        mut.start()
        exp = token_expirer(emu, a.expire_every, seed + 2)
        exp.start()
        end = time.monotonic() + a.duration
        unexpected = []
        next_note = time.monotonic() + 60
        while time.monotonic() < end:
            if not node.running():
                unexpected.append(f"ml-connector ended by itself with status {node.proc.returncode}")
                break
            if time.monotonic() >= next_note:
                log(f"soaking: {end - time.monotonic():.0f} s left; {mut.summary()}")
                next_note += 60
            time.sleep(0.5)
        mut.stop()
        exp.stop()
        if not a.faults_during_converge:
            emu.faults({"reset": True})
            emu.faults({"jira": {"refresh_grace_ms": a.refresh_grace_ms}})
            log("faults off")
        metrics = node.metrics_text() if node.running() else ""
        during = {act: world.metric_sum(metrics, "mlc_records_synced_total", action=act)
                  for act in ("created", "updated", "parked")}
        cycles_failed = world.metric_sum(metrics, "mlc_poll_cycles_total", result="failed")
        cycles_ok = world.metric_sum(metrics, "mlc_poll_cycles_total", result="ok")
        log(f"during the faults: created={during['created']:.0f} updated={during['updated']:.0f} "
            f"parked={during['parked']:.0f}; poll cycles ok={cycles_ok:.0f} failed={cycles_failed:.0f}")
        log(f"changes stopped ({mut.summary()}, {exp.count} forced token expiries); "
            f"converging (at most {a.converge_timeout:.0f} s)")
        verdict, took = world.converge(bins, emu, emu.tenant_ids, a.converge_timeout)
        counters = emu.counters()
        if node.running():
            metrics = node.metrics_text()
        else:
            unexpected.append(f"ml-connector ended by itself with status {node.proc.returncode}")
        status = node.stop()
        if status not in (0, None):
            unexpected.append(f"ml-connector exited with status {status} after SIGTERM")

        faults = injected_faults(counters)
        n_faults = sum(faults.values())
        requests = served(counters, "x3") + served(counters, "jira") + served(counters, "gateway")
        rate_limited = world.metric_sum(metrics, "mlc_http_rate_limited_total")
        refreshes = world.metric_sum(metrics, "mlc_token_refreshes_total")
        parked = world.metric_sum(metrics, "mlc_replay_queue_size")
        log(f"converged in {took:.1f} s; requests={requests} injected={n_faults} "
            f"({', '.join(f'{k}={v}' for k, v in sorted(faults.items()))}); connector saw 429s={rate_limited:.0f}, "
            f"token refreshes={refreshes:.0f}, parked now={parked:.0f}")
        print(f"duplicates={verdict['duplicates']} missing={verdict['missing']} stale={verdict['stale']} "
              f"faults={n_faults} requests={requests} orphans={verdict['orphans']} duplicate_comments={verdict['duplicate_comments']} duplicate_links={verdict['duplicate_links']} records={verdict['records']} "
              f"issues={verdict['issues']} seed={seed}", flush=True)
        status = world.finish(verdict, unexpected)
        ok = status == 0  # a passing run's working directory (RocksDB, logs) is removed
        return status
    except Exception as e:
        log(f"harness error: {e}")
        return 2
    finally:
        for t in (mut, exp):
            if t and t.is_alive():
                t.stop()
        if node:
            node.kill()
        if emu:
            emu.stop()
        work.finish(ok)


if __name__ == "__main__":
    sys.exit(main())
