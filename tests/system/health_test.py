#!/usr/bin/env python3
"""/healthz and /readyz of a running node, and a graceful SIGTERM.

- /healthz answers 200 while the node runs; /readyz answers 200 once every tenant loop runs.
- After SIGTERM, /readyz never answers 200 again: 503 while the loops drain (the emulated
  Sage X3 is slowed down so a request is in flight), then connection refused.
- The process exits 0 within a bounded time, and the data dir reopens: `ml-connector audit`
  reads it, and a second node on the same dir becomes ready, syncs again without creating a
  second Jira issue for any record, and stops cleanly on SIGINT.

usage: health_test.py ML_CONNECTOR MLC_EMULATOR
"""
import json
import signal
import sys
import time

import harness as h

TENANTS = 3


def issue_sources(emu, tenant):
    """[(entity, record id)] of every Jira issue of `tenant`, from its ml-connector.source property."""
    out = []
    for issue in emu.jira_issues(tenant):
        src = issue.get("properties", {}).get("ml-connector.source", {})
        out.append((src.get("entity"), src.get("id")))
    return out


def all_cycles_ok(n, tenants):
    text = n.metrics()
    return all(h.metric_sum(text, "mlc_poll_cycles_total", tenant=t, result="ok") >= 1 for t in tenants)


def test(connector, emulator_binary):
    with h.world(connector, emulator_binary, "health") as w:
        emu = w.start_emulator(tenants=TENANTS, records=10)
        config_path, listen = w.patch_config()
        tenants = [t["id"] for t in w.load_config()["tenants"]]

        n = w.start_node(wait_ready=False)
        h.wait_until("/healthz 200", lambda: h.get(n.url("/healthz"), timeout=2).status == 200, 30)
        n.wait_ready()
        h.check(h.get(n.url("/healthz")).text().strip() == "ok", "/healthz body should be 'ok'")
        h.check(h.get(n.url("/nope")).status == 404, "an unknown path should answer 404")

        h.wait_until("one complete poll cycle of every tenant", lambda: all_cycles_ok(n, tenants), 60)
        before = {t: issue_sources(emu, t) for t in tenants}
        h.check(all(before[t] for t in tenants), f"every tenant should have Jira issues after a cycle: {before}")
        h.log(f"synced: {{{', '.join(f'{t}: {len(v)}' for t, v in before.items())}}} issues")

        # Slow Sage X3 down, so that a poll is in flight when SIGTERM arrives and the drain is
        # long enough to be seen from outside.
        emu.faults({"x3": {"latency_ms": 1500}})
        emu.x3_write(tenants[0], "purchase_orders",
                     {"id": emu.state(tenants[0])["x3"][tenants[0]]["purchase_orders"][0]["id"],
                      "lines": [{"product": "HEALTH-1", "quantity": 3, "net_price": 12.5,
                                 "expected_receipt": "2031-06-30"}]})
        x3_before = h.metric_sum(n.metrics(), "mlc_http_requests_total", system="x3")
        # A slow X3 request has completed: the loops are now polling at the slowed pace.
        h.wait_until("an X3 request after the slow-down",
                     lambda: h.metric_sum(n.metrics(), "mlc_http_requests_total", system="x3") > x3_before, 20)

        signalled = time.monotonic()
        n.proc.signal(signal.SIGTERM)
        seen = []

        def readyz_after_sigterm():
            try:
                status = h.get(n.url("/readyz"), timeout=2).status
            except OSError as e:  # connection refused / reset once the server has closed
                status = f"refused ({type(e).__name__})"
            if not seen or seen[-1] != status:
                seen.append(status)
            return status != 200 and status

        h.wait_until("/readyz to stop answering 200 after SIGTERM", readyz_after_sigterm, 5, interval=0.02)
        # From the first non-200 on, it must never be 200 again until the process is gone.
        while n.proc.alive() and time.monotonic() - signalled < 30:
            readyz_after_sigterm()
            h.check(seen[-1] != 200, f"/readyz answered 200 again after SIGTERM: {seen}")
            time.sleep(0.02)  # polling interval while the node drains
        h.log(f"/readyz after SIGTERM: {seen}")
        h.check(any(s == 503 for s in seen) or any(str(s).startswith("refused") for s in seen),
                f"/readyz after SIGTERM should be 503 or refused, saw {seen}")

        rc = n.proc.wait(30 - (time.monotonic() - signalled))
        took = time.monotonic() - signalled
        h.check(rc == 0, f"ml-connector exited with {rc} after SIGTERM (expected 0)\n{n.proc.tail()}")
        h.log(f"exited 0 {took:.1f}s after SIGTERM")
        logs = n.proc.stderr()
        h.check('"event":"node.stopped"' in logs, "the node should log node.stopped on a clean stop")

        # The data dir reopens: read-only (audit) ...
        r = w.cli("audit", "--config", config_path, "--tenant", tenants[0], "--limit", "5")
        h.check(r.returncode == 0, f"audit after stop failed ({r.returncode}): {r.stderr}")
        lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
        h.check(lines and all("action" in x and "record" in x for x in lines),
                f"audit should print JSON lines with action and record: {r.stdout[:500]}")

        # ... and read-write by a new node, which resumes without duplicating any issue.
        emu.faults({"reset": True})
        n2 = w.start_node(name="node2")
        h.wait_until("a complete poll cycle of every tenant on the restarted node",
                     lambda: all_cycles_ok(n2, tenants), 60)
        for t in tenants:
            after = issue_sources(emu, t)
            h.check(len(after) == len(set(after)), f"{t}: a record has two Jira issues after the restart: "
                    f"{sorted(x for x in after if after.count(x) > 1)}")
            h.check(set(before[t]) <= set(after), f"{t}: issues disappeared after the restart")
        n2.proc.signal(signal.SIGINT)
        rc = n2.proc.wait(30)
        h.check(rc == 0, f"the restarted node exited with {rc} after SIGINT\n{n2.proc.tail()}")
        emu.proc.signal(signal.SIGTERM)
        emu.proc.wait(15)


if __name__ == "__main__":
    sys.exit(h.main(test, sys.argv))
