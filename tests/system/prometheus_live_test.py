#!/usr/bin/env python3
"""The node's metrics through a real Prometheus (issue "Observability").

mlc-emulator (4 tenants) + `ml-connector run` + Debian's Prometheus on loopback scraping the
node every second and loading grafana/rules/*.yml and grafana/alerts/*.yml. Before the
check the world is made interesting, so that the error, degraded, parked and rate-limit
panels have series: one tenant's Jira create screen lacks a field (its records are parked),
one tenant's Jira project is deleted and a new order arrives (degraded, tenant faults), one tenant's Jira answers
429 half of the time while its orders change, and an order of the first tenant changes
(an update with a comment). Then grafana/tests/live_check.py runs every dashboard query,
recording rule and alert against that Prometheus with --require-data for records synced,
lag, tenant up, poll duration, HTTP requests and latency, storage, build info, errors,
rate limiting and the replay queue, plus --require-catalogue. `promtool check metrics`
must accept the live /metrics text with exit 0.

usage: prometheus_live_test.py ML_CONNECTOR MLC_EMULATOR [PROMETHEUS [PROMTOOL]]
"""
import os
import pathlib
import shutil
import subprocess
import sys

import harness as h

GRAFANA = pathlib.Path(__file__).resolve().parents[2] / "grafana"
TENANTS = 4
REQUIRE = [
    "mlc_records_synced_total", "mlc:records_synced:rate5m",
    "mlc_sync_lag_seconds", "mlc:sync_lag_seconds:max",
    "mlc_tenant_up", "mlc_tenants", "mlc_last_successful_poll_timestamp_seconds",
    "mlc_poll_duration_seconds", "mlc_poll_cycles_total", "mlc:error_ratio:rate5m",
    "mlc_http_requests_total", "mlc_http_request_duration_seconds", "mlc:http_request_duration_seconds:p99_5m",
    "mlc:http_rate_limited:rate5m", "mlc:rate_limit_wait_seconds:rate5m",
    "mlc_errors_total", "mlc:errors:rate5m",
    "mlc_replay_queue_size", "mlc_replay_oldest_age_seconds",
    "mlc_storage", "mlc_build_info",
]


def prometheus_config(path, target):
    rules = [str(p) for d in ("rules", "alerts") for p in sorted((GRAFANA / d).glob("*.yml"))]
    h.check(len(rules) >= 2, f"no rule files under {GRAFANA}")
    text = ("global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s}\n"
            "rule_files:\n" + "".join(f"  - {r}\n" for r in rules) +
            "scrape_configs:\n"
            "  - job_name: ml-connector\n"
            "    static_configs: [{targets: [\"" + target + "\"]}]\n")
    with open(path, "w") as f:
        f.write(text)


def test(connector, emulator_binary, prometheus=None, promtool=None):
    prometheus = prometheus or shutil.which("prometheus") or "/usr/bin/prometheus"
    promtool = promtool or shutil.which("promtool") or "/usr/bin/promtool"
    for tool in (prometheus, promtool):
        h.check(os.access(tool, os.X_OK), f"{tool} is needed (Debian package prometheus)")
    with h.world(connector, emulator_binary, "prom") as w:
        emu = w.start_emulator(tenants=TENANTS, records=10, extra=["--x3-api", "mixed", "--jira-flavour", "mixed"])
        config_path, listen = w.patch_config()
        tenants = [t["id"] for t in w.load_config()["tenants"]]
        parked_tenant, degraded_tenant, limited_tenant = tenants[1], tenants[3], tenants[2]
        r = h.post(emu.url(f"/_emulator/jira/{parked_tenant}/screen"), {"remove": "Vendor"})
        h.check(r.status == 200, f"removing Vendor from {parked_tenant}'s screen: {r.text()}")

        n = w.start_node()
        prom_port = h.free_port()
        prom_yml = w.path("prometheus.yml")
        prometheus_config(prom_yml, listen)
        check = w.run([promtool, "check", "config", prom_yml], timeout=60)
        h.check(check.returncode == 0, f"promtool check config: {check.stdout}{check.stderr}")
        prom = w.spawn("prometheus", [prometheus, f"--config.file={prom_yml}",
                                      f"--storage.tsdb.path={w.path('tsdb')}",
                                      f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"])
        prom_url = f"http://127.0.0.1:{prom_port}"

        def prom_ready():
            if not prom.alive():
                h.fail(f"prometheus exited with {prom.popen.returncode}\n{prom.tail()}")
            return h.get(prom_url + "/-/ready", timeout=2).status == 200
        h.wait_until("Prometheus ready", prom_ready, 60)

        n.wait_synced(1)
        h.wait_until(f"parked records of {parked_tenant}",
                     lambda: h.metric_sum(n.metrics(), "mlc_replay_queue_size", tenant=parked_tenant) > 0, 45)

        # A change, a tenant-level fault and a 429 storm.
        po = emu.state(tenants[0])["x3"][tenants[0]]["purchase_orders"][0]["id"]
        emu.x3_write(tenants[0], "purchase_orders", {"id": po, "lines": [
            {"product": "PROM-1", "quantity": 2, "net_price": 40, "expected_receipt": "2031-03-03"}]})
        r = h.post(emu.url(f"/_emulator/jira/{degraded_tenant}/project"), {"exists": False})
        h.check(r.status == 200, f"deleting {degraded_tenant}'s project: {r.text()}")
        # Only a create finds out that the project is gone (updates of existing issues still work).
        emu.x3_write(degraded_tenant, "purchase_orders", {"id": "PONEW0001", "lines": [
            {"product": "PROM-2", "quantity": 1, "net_price": 1, "expected_receipt": "2031-05-05"}]})
        emu.faults({"tenant": limited_tenant, "jira": {"rate_429": 0.5, "retry_after_s": 1}})
        orders = emu.state(limited_tenant)["x3"][limited_tenant]["purchase_orders"][:4]
        emu.x3_write(limited_tenant, "purchase_orders", [
            {"id": o["id"], "lines": [{"product": "RL-1", "quantity": i + 1, "net_price": 5,
                                       "expected_receipt": "2031-04-04"}]} for i, o in enumerate(orders)])

        def faults_visible():
            text = n.metrics()
            return (h.metric_values(text, "mlc_tenant_up", tenant=degraded_tenant) == [0.0]
                    and h.metric_sum(text, "mlc_http_rate_limited_total", system="jira") > 0
                    and h.metric_sum(text, "mlc_records_synced_total", tenant=tenants[0], action="updated") > 0)
        h.wait_until("degraded tenant, Jira 429s and an update in /metrics", faults_visible, 45)
        metrics_text = n.metrics()
        h.check(h.metric_sum(metrics_text, "mlc_errors_total", tenant=degraded_tenant, kind="tenant_fault") > 0,
                "the deleted project should count tenant_fault errors")
        h.check(h.metric_values(metrics_text, "mlc_tenants", state="degraded") == [1.0], "one degraded tenant")
        h.check(h.metric_values(metrics_text, "mlc_build_info") == [1.0], "mlc_build_info 1")

        lint = subprocess.run([promtool, "check", "metrics"], input=metrics_text.encode(), capture_output=True,
                              timeout=60)
        h.check(lint.returncode == 0, f"promtool check metrics exit {lint.returncode}: "
                f"{(lint.stdout + lint.stderr).decode()[-2000:]}")
        h.log("promtool check metrics: clean")

        live = w.run([sys.executable, GRAFANA / "tests" / "live_check.py", prom_url, "--wait", "60",
                      "--require-catalogue", "--require-data", *REQUIRE],
                     env={"PYTHONDONTWRITEBYTECODE": "1"}, timeout=100)
        print(live.stdout[-6000:])
        h.check(live.returncode == 0, f"live_check.py exit {live.returncode}:\n{live.stderr[-4000:]}")
        h.check(" 0 failure(s)" in live.stdout, "live_check should report 0 failures")
        firing = [x for x in live.stdout.splitlines() if x.startswith("alert") and "condition holds" in x]
        h.check(any("MlcTenantDegraded" in x for x in firing), f"MlcTenantDegraded should hold: {firing}")
        h.check(not any("MlcNodeDown" in x for x in firing), f"MlcNodeDown must not hold: {firing}")

        h.check(n.stop() == 0, "the node should stop with exit 0")
        prom.signal(15)
        prom.wait(30)


if __name__ == "__main__":
    sys.exit(h.main(lambda c, e: test(c, e, *sys.argv[3:5]), sys.argv))
