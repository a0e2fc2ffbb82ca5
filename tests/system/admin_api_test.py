#!/usr/bin/env python3
"""The node's admin API (issue "Tenants and secrets").

With admin_token_file: no token 401, wrong token 403, right token 200 with every tenant, its
state and lag; pause shows in the list and in mlc_tenants{state="paused"} (and the tenant's
mlc_tenant_up series goes away), a paused tenant does not write to Jira even when asked to
sync, and stays paused when it was paused in the middle of a cycle; resume syncs what
changed meanwhile; POST .../sync runs a cycle now; GET .../audit lists the trail; unknown
tenants and actions 404. Without admin_token_file every admin path is 403. A non-loopback
listen address without a token, and a token shorter than 16 characters, refuse to start
with a clear message.

The schedule is one hour, so after the first cycle only the admin API makes cycles happen.

usage: admin_api_test.py ML_CONNECTOR MLC_EMULATOR
"""
import os
import sys

import harness as h

TOKEN = "s3cr3t-admin-token-0123456789abcdef"
TENANTS = 3


def cycles(n, tenant):
    return h.metric_sum(n.metrics(), "mlc_poll_cycles_total", tenant=tenant)


def invoice_polls(n):
    return h.metric_sum(n.metrics(), "mlc_poll_duration_seconds_count", entity="supplier_invoices")


def test(connector, emulator_binary):
    with h.world(connector, emulator_binary, "admin") as w:
        emu = w.start_emulator(tenants=TENANTS, records=8)
        token_file = w.path("admin.token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token_file, 0o600)
        config_path, listen = w.patch_config(interval="1h", admin_token_file=token_file)
        tenants = [t["id"] for t in w.load_config()["tenants"]]
        n = w.start_node()
        auth = {"Authorization": f"Bearer {TOKEN}"}

        def admin(method, path, headers=auth):
            return h.http(method, n.url(path), headers=headers, body={} if method == "POST" else None)

        # --- authentication ---------------------------------------------------------------
        r = admin("GET", "/admin/tenants", headers={})
        h.check(r.status == 401, f"no token: expected 401, got {r.status} {r.text()}")
        r = admin("GET", "/admin/tenants", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
        h.check(r.status == 401, f"a Basic header: expected 401, got {r.status}")
        r = admin("GET", "/admin/tenants", headers={"Authorization": "Bearer wrong-token-0123456789abcdef"})
        h.check(r.status == 403, f"wrong token: expected 403, got {r.status} {r.text()}")
        r = admin("GET", "/admin/tenants", headers={"Authorization": f"Bearer {TOKEN}x"})
        h.check(r.status == 403, f"token with a suffix: expected 403, got {r.status}")
        h.check(TOKEN not in r.text(), "the admin token must not be echoed in an error")
        r = admin("GET", "/admin/tenants")
        h.check(r.status == 200, f"right token: expected 200, got {r.status} {r.text()}")
        h.check(r.headers.get("Content-Type", "").startswith("application/json"), f"content type {r.headers}")
        listed = r.json()
        h.check(sorted(t["id"] for t in listed) == sorted(tenants), f"the list should hold every tenant: {listed}")
        h.check(all(t["state"] in ("active", "degraded") for t in listed), f"states at start: {listed}")

        # --- after the first cycle: lag per entity ----------------------------------------
        def all_have_lag():
            lst = admin("GET", "/admin/tenants").json()
            done = all(cycles(n, t) >= 1 for t in tenants)  # the first cycle has ended, not just its reads
            return done and all(set(t["lag_seconds"]) == {"purchase_orders", "supplier_invoices"} for t in lst) and lst
        listed = h.wait_until("the first cycle and lag_seconds for both entities of every tenant", all_have_lag, 45)
        for t in listed:
            h.check(t["state"] == "active", f"{t['id']} should be active after a clean cycle: {t}")
            h.check(all(0 <= v < 120 for v in t["lag_seconds"].values()), f"{t['id']}: implausible lag {t}")
            h.check("last_success" in t and t["parked"] == 0, f"{t['id']}: {t}")
        one = admin("GET", f"/admin/tenants/{tenants[0]}")
        h.check(one.status == 200 and one.json()["id"] == tenants[0], f"GET one tenant: {one.status} {one.text()}")

        # --- pause ------------------------------------------------------------------------
        t0 = tenants[0]
        r = admin("POST", f"/admin/tenants/{t0}/pause")
        h.check(r.status == 200 and r.json()["state"] == "paused", f"pause: {r.status} {r.text()}")
        states = {t["id"]: t["state"] for t in admin("GET", "/admin/tenants").json()}
        h.check(states[t0] == "paused", f"{t0} should be listed paused: {states}")
        text = n.metrics()
        h.check(h.metric_values(text, "mlc_tenants", state="paused") == [1.0],
                f"mlc_tenants{{state=\"paused\"}} should be 1: {h.metric_values(text, 'mlc_tenants', state='paused')}")
        h.check(not h.metric_values(text, "mlc_tenant_up", tenant=t0),
                "a paused tenant should have no mlc_tenant_up series (grafana/metrics.txt)")

        # A change in X3 while paused, and a "sync now": nothing may reach Jira.
        po = emu.state(t0)["x3"][t0]["purchase_orders"][0]["id"]
        emu.x3_write(t0, "purchase_orders", {"id": po, "lines": [
            {"product": "ADMIN-1", "quantity": 4, "net_price": 10, "expected_receipt": "2032-02-29"}]})
        issues_before = emu.jira_issues(t0)
        c0, c1 = cycles(n, t0), cycles(n, tenants[1])
        r = admin("POST", f"/admin/tenants/{t0}/sync")
        h.check(r.status == 200 and r.json()["state"] == "paused", f"sync of a paused tenant: {r.status} {r.text()}")
        # The other tenant's cycle, asked for after the paused one's, ends after it would have.
        h.check(admin("POST", f"/admin/tenants/{tenants[1]}/sync").status == 200, "sync of the second tenant")
        h.wait_until(f"a cycle of {tenants[1]} after sync", lambda: cycles(n, tenants[1]) > c1, 30)
        h.check(cycles(n, t0) == c0, f"a paused tenant ran a poll cycle ({c0} -> {cycles(n, t0)})")
        h.check(emu.jira_issues(t0) == issues_before, "a paused tenant changed Jira")

        # --- resume: the change lands, as an update with a comment -----------------------
        r = admin("POST", f"/admin/tenants/{t0}/resume")
        h.check(r.status == 200 and r.json()["state"] == "active", f"resume: {r.status} {r.text()}")
        h.check(h.metric_values(n.metrics(), "mlc_tenants", state="paused") == [0.0], "paused count after resume")

        def po_commented():
            for i in emu.jira_issues(t0):
                src = i["properties"].get("ml-connector.source", {})
                if src.get("id") == po and src.get("entity") == "purchase_order" and i["comments"]:
                    return i
        issue = h.wait_until(f"the change of {po} in Jira after resume", po_commented, 30)
        h.check(any("2032-02-29" in c["text"] for c in issue["comments"]), f"comment should name the new date: {issue}")
        h.check(h.metric_values(n.metrics(), "mlc_tenant_up", tenant=t0) == [1.0], "mlc_tenant_up back to 1")

        # --- sync now ---------------------------------------------------------------------
        c2 = cycles(n, tenants[2])
        r = admin("POST", f"/admin/tenants/{tenants[2]}/sync")
        h.check(r.status == 200 and r.json()["id"] == tenants[2], f"sync: {r.status} {r.text()}")
        h.wait_until(f"a cycle of {tenants[2]} right after POST sync (schedule is 1h)",
                     lambda: cycles(n, tenants[2]) > c2, 30)

        # --- audit ------------------------------------------------------------------------
        # The update's entry and audit line are committed after Jira has the comment; on a
        # loaded machine (the sanitizer build, tests in parallel) the WAL sync may still run.
        def trail_with_update():
            r = admin("GET", f"/admin/tenants/{t0}/audit")
            h.check(r.status == 200, f"audit: {r.status} {r.text()}")
            trail = r.json()
            return trail if any(e["record"] == po and e["action"] == "updated" for e in trail) else None
        trail = h.wait_until(f"the audit to show {po} updated", trail_with_update, 30)
        h.check(all({"time", "entity", "record", "action", "issue", "message"} <= set(e) for e in trail),
                f"audit entry fields: {trail[0]}")
        r = admin("GET", f"/admin/tenants/{t0}/audit?record={po}")
        h.check(r.status == 200 and r.json() and all(e["record"] == po for e in r.json()),
                f"audit?record={po}: {r.status} {r.text()[:300]}")
        h.check(admin("GET", f"/admin/tenants/{t0}/audit", headers={}).status == 401, "audit without a token")

        # --- unknown things ---------------------------------------------------------------
        for method, path in (("GET", "/admin/tenants/nope"), ("POST", "/admin/tenants/nope/pause"),
                             ("GET", "/admin/tenants/nope/audit"), ("POST", f"/admin/tenants/{t0}/explode"),
                             ("GET", "/admin/other")):
            r = admin(method, path)
            h.check(r.status == 404, f"{method} {path}: expected 404, got {r.status} {r.text()}")
        r = admin("GET", f"/admin/tenants/{t0}/pause")
        h.check(r.status == 405, f"GET on an action: expected 405, got {r.status}")

        # --- `ml-connector replay` while the node runs goes through the admin API ------------
        c0 = cycles(n, t0)
        r = w.cli("replay", "--config", config_path, "--tenant", t0, "--all")
        h.check(r.returncode == 0 and "running node answered 202" in r.stdout,
                f"replay on a running node: exit {r.returncode} {r.stdout} {r.stderr}")
        h.check(TOKEN not in r.stdout + r.stderr, "replay must not print the admin token")
        h.wait_until(f"the cycle of {t0} that replay woke up", lambda: cycles(n, t0) > c0, 30)

        # --- pause in the middle of a cycle: the tenant must stay paused ------------------
        t1 = tenants[1]
        emu.faults({"tenant": t1, "x3": {"latency_ms": 800}})
        c1, p1 = cycles(n, t1), invoice_polls(n)
        x3_before = h.metric_sum(n.metrics(), "mlc_http_requests_total", system="x3")
        h.check(admin("POST", f"/admin/tenants/{t1}/sync").status == 200, "sync before the mid-cycle pause")
        # Every other tenant idles (1 h schedule): an X3 answer means t1's cycle has started, and
        # its next X3 read (the other entity) takes another 800 ms.
        h.wait_until(f"the first X3 answer of {t1}'s cycle",
                     lambda: h.metric_sum(n.metrics(), "mlc_http_requests_total", system="x3") > x3_before, 30,
                     interval=0.02)
        r = admin("POST", f"/admin/tenants/{t1}/pause")
        h.check(r.status == 200 and r.json()["state"] == "paused", f"mid-cycle pause: {r.text()}")
        # A cycle that ends paused may or may not count in mlc_poll_cycles_total; the poll of its
        # last entity is observed either way (and nothing else polls now).
        h.wait_until(f"the cycle of {t1} in flight at pause time to end",
                     lambda: cycles(n, t1) > c1 or invoice_polls(n) > p1, 30)
        state = admin("GET", f"/admin/tenants/{t1}").json()["state"]
        paused = h.metric_values(n.metrics(), "mlc_tenants", state="paused")
        h.known_bug(state == "paused" and paused == [1.0],
                    f"{t1} was paused while a cycle ran; after that cycle the admin API shows state {state!r} and "
                    f"mlc_tenants{{state=\"paused\"}} = {paused}, though the tenant stays paused (no further "
                    "cycles): engine/tenant.cpp run_cycle() sets state_ = active and set_tenant_state(active) "
                    "at the end of every successful cycle without checking paused_")
        # Whatever it shows, it must really be paused: asked to sync, it runs no cycle.
        c1, c2 = cycles(n, t1), cycles(n, tenants[2])
        h.check(admin("POST", f"/admin/tenants/{t1}/sync").status == 200, "sync of the mid-cycle-paused tenant")
        h.check(admin("POST", f"/admin/tenants/{tenants[2]}/sync").status == 200, "sync of the third tenant")
        h.wait_until(f"a cycle of {tenants[2]}", lambda: cycles(n, tenants[2]) > c2, 30)
        h.check(cycles(n, t1) == c1, f"{t1} was paused mid-cycle but ran another cycle")
        emu.faults({"tenant": t1, "reset": True})
        h.check(admin("POST", f"/admin/tenants/{t1}/resume").status == 200, "resume after the mid-cycle pause")

        h.check(n.stop() == 0, "the node should exit 0 on SIGTERM")

        # --- a node without admin_token_file: the admin API is off ------------------------
        cfg = w.load_config()
        del cfg["admin_token_file"]
        cfg["listen"] = f"127.0.0.1:{h.free_port()}"
        cfg["data_dir"] = w.path("data2")
        no_token = w.save_config(cfg, w.path("no-token.json"))
        n2 = w.start_node(no_token, name="node-no-token")
        for headers in ({}, auth):
            for method, path in (("GET", "/admin/tenants"), ("POST", f"/admin/tenants/{t0}/pause")):
                r = h.http(method, n2.url(path), headers=headers, body={} if method == "POST" else None)
                h.check(r.status == 403, f"no admin_token_file, {method} {path} {list(headers)}: "
                        f"expected 403, got {r.status}")
        h.check("admin_token_file" in r.text(), f"the 403 should say how to enable the API: {r.text()}")
        h.check(h.get(n2.url("/metrics")).status == 200, "/metrics needs no token")
        r = w.cli("replay", "--config", no_token, "--tenant", t0, "--all")
        h.check(r.returncode != 0 and "admin_token_file" in r.stderr,
                f"replay on a running node without admin_token_file should say what to set: {r.stderr}")
        h.check(n2.stop() == 0, "node without token should exit 0 on SIGTERM")

        # --- refusing to start --------------------------------------------------------------
        any_port = h.free_port()
        r = w.cli("run", "--config", no_token, "--listen", f"0.0.0.0:{any_port}", timeout=30)
        out = r.stdout + r.stderr
        h.check(r.returncode != 0, f"0.0.0.0 without a token should refuse to start; exit {r.returncode}")
        h.check("not a loopback address" in out and "admin_token_file" in out,
                f"the refusal should say why and what to set: {out[-600:]}")
        with open(w.path("short.token"), "w") as f:
            f.write("tiny-tok-42\n")
        cfg["admin_token_file"] = w.path("short.token")
        short = w.save_config(cfg, w.path("short-token.json"))
        r = w.cli("run", "--config", short, "--listen", f"127.0.0.1:{h.free_port()}", timeout=30)
        out = r.stdout + r.stderr
        h.check(r.returncode != 0 and "shorter than 16" in out, f"a short token should refuse to start: {out[-600:]}")
        h.check("tiny-tok-42" not in out, "the short token must not be printed")


if __name__ == "__main__":
    sys.exit(h.main(test, sys.argv))
