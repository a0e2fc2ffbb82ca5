#!/usr/bin/env python3
"""Writes overview.json and tenant.json, the Grafana dashboards of ml-connector.

The dashboards are code (as jsonnet is in monitoring mixins) so that ids, grid layout and the
datasource wiring stay consistent; edit this file, not the JSON, then run
    python3 grafana/dashboards/generate.py          # rewrite the JSON files
    python3 grafana/dashboards/generate.py --check  # exit 1 if they are out of date (a ctest)
Queries prefer the recording rules of rules/recording.yml (mlc:...), so that a dashboard and an
alert read the same number.
"""
import argparse
import json
import pathlib
import sys

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24
OVERVIEW_UID = "mlc-overview"
TENANT_UID = "mlc-tenant"
TENANT_LINK = f"/d/{TENANT_UID}/ml-connector-tenant?${{datasource:queryparam}}&var-tenant="
INSTANCE = 'instance=~"$instance"'


# ---- targets and panels

def query(expr, legend="", instant=False, fmt=None):
    target = {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend,
              "range": not instant, "instant": instant}
    if fmt:
        target["format"] = fmt
    return target


def _thresholds(steps):
    """steps: [(value or None, color)], lowest first."""
    return {"mode": "absolute",
            "steps": [{"color": color, "value": value} for value, color in steps]}


def _panel(kind, title, description, targets, width, height, defaults, options):
    return {"type": kind, "title": title, "description": description, "datasource": DATASOURCE,
            "gridPos": {"w": width, "h": height},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": options, "targets": targets}


def timeseries(title, description, targets, unit="short", width=12, height=8, stack=False,
               minimum=0):
    defaults = {
        "unit": unit,
        "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                   "spanNulls": False,
                   "stacking": {"mode": "normal" if stack else "none", "group": "A"}},
        "color": {"mode": "palette-classic"},
    }
    if minimum is not None:
        defaults["min"] = minimum
    options = {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                          "calcs": ["lastNotNull", "max"]},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    return _panel("timeseries", title, description, targets, width, height, defaults, options)


def stat(title, description, targets, unit="short", width=4, height=4,
         thresholds=((None, "green"),), mappings=(), text_mode="auto", no_value=None):
    defaults = {"unit": unit, "thresholds": _thresholds(thresholds),
                "color": {"mode": "thresholds"}, "mappings": list(mappings)}
    if no_value is not None:
        defaults["noValue"] = no_value
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "colorMode": "value", "graphMode": "area", "justifyMode": "auto",
               "orientation": "auto", "textMode": text_mode}
    return _panel("stat", title, description, targets, width, height, defaults, options)


def bargauge(title, description, targets, unit="short", width=8, height=8,
             thresholds=((None, "green"),), tenant_links=True):
    """Horizontal bars of an instant query; bars of per-tenant series link to the tenant."""
    defaults = {"unit": unit, "min": 0, "thresholds": _thresholds(thresholds),
                "color": {"mode": "thresholds"}}
    if tenant_links:
        defaults["links"] = [{"title": "Open tenant ${__field.labels.tenant}",
                              "url": TENANT_LINK + "${__field.labels.tenant}"}]
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True}
    return _panel("bargauge", title, description, targets, width, height, defaults, options)


def table(title, description, targets, columns, width=8, height=8, show_value=False):
    """An instant-query table showing only `columns`, with tenant names linking to their
    dashboard. The value column is hidden unless `show_value`: for `x == 0` it says nothing."""
    panel = _panel("table", title, description, targets, width, height,
                   {"custom": {"align": "auto"}}, {"showHeader": True, "footer": {"show": False}})
    panel["transformations"] = [{"id": "organize", "options": {
        "excludeByName": {"Time": True, "Value": not show_value, "__name__": True, "job": True},
        "indexByName": {c: n for n, c in enumerate(columns)}, "renameByName": {}}}]
    panel["fieldConfig"]["overrides"] = [{
        "matcher": {"id": "byName", "options": "tenant"},
        "properties": [{"id": "links", "value": [{
            "title": "Open tenant ${__value.raw}",
            "url": TENANT_LINK + "${__value.raw}"}]}]}]
    return panel


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [],
            "gridPos": {"w": GRID_WIDTH, "h": 1}}


def layout(panels):
    """Assigns ids and flows panels left to right into rows of GRID_WIDTH columns."""
    x = y = line_height = 0
    for number, panel in enumerate(panels, 1):
        panel["id"] = number
        grid = panel["gridPos"]
        if panel["type"] == "row" or x + grid["w"] > GRID_WIDTH:
            y, x, line_height = y + line_height, 0, 0
        grid["x"], grid["y"] = x, y
        x += grid["w"]
        line_height = max(line_height, grid["h"])
        if panel["type"] == "row":
            x = GRID_WIDTH  # nothing shares a line with a row header
        for ref, target in zip("ABCDEFGHIJ", panel.get("targets", [])):
            target["refId"] = ref
    return panels


# ---- template variables

def datasource_variable():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0, "includeAll": False, "multi": False,
            "options": [], "refresh": 1, "regex": "", "skipUrlSync": False}


def query_variable(name, label, definition, include_all=False, multi=False):
    variable = {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
                "definition": definition,
                "query": {"query": definition, "refId": f"{name}-variable-query"},
                "current": {}, "hide": 0, "includeAll": include_all, "multi": multi,
                "options": [], "refresh": 2, "regex": "", "skipUrlSync": False, "sort": 1}
    if include_all:
        variable["allValue"] = ".*"
    return variable


def dashboard(uid, title, description, variables, panels, links):
    return {
        "uid": uid, "title": title, "description": description,
        "tags": ["ml-connector"], "timezone": "", "editable": True, "graphTooltip": 1,
        "schemaVersion": 38, "version": 1, "refresh": "1m", "liveNow": False,
        "fiscalYearStartMonth": 0, "weekStart": "",
        "time": {"from": "now-6h", "to": "now"}, "timepicker": {},
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": links,
        "templating": {"list": [datasource_variable()] + variables},
        "panels": layout(panels),
    }


def sel(*matchers):
    """A label-matcher body for the overview: the chosen instances plus `matchers`."""
    return "{" + ", ".join((INSTANCE,) + matchers) + "}"


LAG_THRESHOLDS = ((None, "green"), (1800, "orange"), (3600, "red"))


# ---- dashboards

def overview():
    s = sel
    panels = [
        row("Health"),
        stat("Tenants by state", "Configured tenants: active, degraded (tenant-level fault), "
             "paused.", [query(f"sum by (state) (mlc_tenants{s()})", "{{state}}", instant=True)],
             width=6),
        stat("Degraded tenants", "Tenants stopped by a tenant-level fault; see the table below "
             "and MlcTenantDegraded.",
             [query("sum(mlc_tenants" + s('state="degraded"') + ")", instant=True)],
             thresholds=((None, "green"), (1, "red"))),
        stat("Records written / s", "Records created, updated or replayed into Jira per second "
             "(5m rate).",
             [query("sum(mlc:records_synced:rate5m" + s('action=~"created|updated|replayed"') + ")",
                    instant=True)], unit="ops"),
        stat("Failed poll cycles", "Share of poll cycles that failed over 5m "
             "(mlc:error_ratio:rate5m; MlcErrorRatioHigh above 10%).",
             [query(f"max(mlc:error_ratio:rate5m{s()})", instant=True)], unit="percentunit",
             thresholds=((None, "green"), (0.05, "orange"), (0.1, "red"))),
        stat("Parked records", "Records waiting in the replay store, all tenants.",
             [query(f"sum(mlc_replay_queue_size{s()})", instant=True)],
             thresholds=((None, "green"), (1, "orange"))),
        stat("Build", "Version running on each selected node.",
             [query(f"mlc_build_info{s()}", "{{instance}}: {{version}}", instant=True)],
             text_mode="name", width=2),

        row("Sync lag"),
        bargauge("Sync lag, top 10 tenants", "Worst entity lag per tenant "
                 "(mlc:sync_lag_seconds:max): now minus the watermark. MlcSyncLagHigh above 1h.",
                 [query(f"topk(10, mlc:sync_lag_seconds:max{s()})", "{{tenant}}", instant=True)],
                 unit="s", thresholds=LAG_THRESHOLDS),
        bargauge("Time since last successful poll, top 10", "MlcSyncStalled above 1h.",
                 [query(f"topk(10, time() - mlc_last_successful_poll_timestamp_seconds{s()})",
                        "{{tenant}}", instant=True)],
                 unit="s", thresholds=LAG_THRESHOLDS),
        table("Degraded tenants", "Tenants whose last cycle hit a tenant-level fault; the log "
              "says which. Click a tenant for its dashboard.",
              [query(f"mlc_tenant_up{s()} == 0", instant=True, fmt="table")],
              columns=["tenant", "instance"]),
        timeseries("Sync lag by entity, worst tenant", "Maximum over tenants of now minus the "
                   "watermark, per entity.",
                   [query(f"max by (entity) (mlc_sync_lag_seconds{s()})", "{{entity}}")],
                   unit="s", width=24),

        row("Throughput and errors"),
        timeseries("Records / s by action", "What happened to the records each poll found "
                   "(created, updated, unchanged, parked, replayed).",
                   [query(f"sum by (action) (mlc:records_synced:rate5m{s()})", "{{action}}")],
                   unit="ops", stack=True),
        timeseries("Errors / s by kind and system", "transient: retried; bad_record: parked "
                   "for replay; tenant_fault: the tenant turns degraded.",
                   [query(f"sum by (kind, system) (mlc:errors:rate5m{s()})",
                          "{{kind}} / {{system}}")], unit="ops", stack=True),
        timeseries("Poll cycles / s by result", "Completed tenant poll cycles; the failed share "
                   "drives MlcErrorRatioHigh.",
                   [query("sum by (result) (rate(mlc_poll_cycles_total"
                          f"{s()}[$__rate_interval]))", "{{result}}")],
                   unit="ops", stack=True),
        timeseries("Poll duration by entity", "Wall time of one poll of one entity for one "
                   "tenant.",
                   [query("histogram_quantile(0.5, sum by (entity, le) (rate("
                          f"mlc_poll_duration_seconds_bucket{s()}[$__rate_interval])))",
                          "p50 {{entity}}"),
                    query("histogram_quantile(0.99, sum by (entity, le) (rate("
                          f"mlc_poll_duration_seconds_bucket{s()}[$__rate_interval])))",
                          "p99 {{entity}}")], unit="s"),

        row("Replay backlog"),
        timeseries("Parked records", "Records in the replay store; MlcReplayBacklogGrowing when "
                   "it grows while the oldest stays unreplayed.",
                   [query(f"sum(mlc_replay_queue_size{s()})", "parked"),
                    query("sum(mlc:records_synced:rate5m" + s('action="replayed"') + ") * 300",
                          "replayed in 5m")], width=8),
        bargauge("Parked records, top 10 tenants", "",
                 [query(f"topk(10, mlc_replay_queue_size{s()} > 0)", "{{tenant}}",
                        instant=True)], thresholds=((None, "orange"),)),
        bargauge("Oldest parked record, top 10 tenants", "Age of the oldest record waiting for "
                 "replay.",
                 [query(f"topk(10, mlc_replay_oldest_age_seconds{s()} > 0)", "{{tenant}}",
                        instant=True)], unit="s", thresholds=LAG_THRESHOLDS),

        row("HTTP to Sage X3 and Jira"),
        timeseries("Requests / s by system and status class", "error: no HTTP response "
                   "(timeout, connection, TLS).",
                   [query("sum by (system, status_class) (rate(mlc_http_requests_total"
                          f"{s()}[$__rate_interval]))", "{{system}} {{status_class}}")],
                   unit="reqps"),
        timeseries("Request latency by system", "p50 and p99 of outgoing requests per remote "
                   "system, over Grafana's rate interval.",
                   [query("histogram_quantile(0.5, sum by (system, le) (rate("
                          f"mlc_http_request_duration_seconds_bucket{s()}[$__rate_interval])))",
                          "p50 {{system}}"),
                    query("histogram_quantile(0.99, sum by (system, le) (rate("
                          f"mlc_http_request_duration_seconds_bucket{s()}[$__rate_interval])))",
                          "p99 {{system}}")], unit="s"),
        bargauge("p99 latency, last 5m", "mlc:http_request_duration_seconds:p99_5m, the "
                 "slowest selected node per system.",
                 [query("max by (system) (mlc:http_request_duration_seconds:p99_5m"
                        f"{s()})", "{{system}}", instant=True)],
                 unit="s", thresholds=((None, "green"), (2, "orange"), (10, "red")),
                 tenant_links=False),
        timeseries("Rate-limited responses / s", "429 (or 503 with Retry-After) answers. "
                   "MlcJiraRateLimited above 1 per minute from Jira for 30m.",
                   [query(f"sum by (system) (mlc:http_rate_limited:rate5m{s()})", "{{system}}")],
                   unit="reqps", width=8),
        timeseries("Waiting on rate limits", "Seconds of request time spent waiting per second "
                   "(Retry-After and per-host limiter); 2 means two requests waited all along.",
                   [query(f"sum by (system) (mlc:rate_limit_wait_seconds:rate5m{s()})",
                          "{{system}}")], unit="none", width=8),

        row("Auth and storage"),
        timeseries("Token refreshes / s by system and result", "",
                   [query("sum by (system, result) (rate(mlc_token_refreshes_total"
                          f"{s()}[$__rate_interval]))", "{{system}} {{result}}")],
                   unit="ops", width=8),
        table("Failed token refreshes in range", "Tenants with token refresh failures over the "
              "dashboard time range; MlcTokenRefreshFailing when no refresh succeeds.",
              [query("sum by (tenant, system) (increase(mlc_token_refreshes_total"
                     + s('result="failure"') + "[$__range])) > 0", instant=True, fmt="table")],
              columns=["tenant", "system", "Value"], show_value=True),
        timeseries("Storage size", "Estimated RocksDB size on disk.",
                   [query(f"mlc_storage_size_bytes{s()}", "{{instance}}")],
                   unit="bytes", width=8),
        timeseries("Storage commit latency", "Group commit: one WriteBatch with one WAL sync.",
                   [query("histogram_quantile(0.5, sum by (le) (rate("
                          f"mlc_storage_commit_duration_seconds_bucket{s()}[$__rate_interval])))",
                          "p50"),
                    query("histogram_quantile(0.99, sum by (le) (rate("
                          f"mlc_storage_commit_duration_seconds_bucket{s()}[$__rate_interval])))",
                          "p99")], unit="s"),
        timeseries("Records per commit batch", "How many records share one WAL sync.",
                   [query(f"sum(rate(mlc_storage_batch_records_sum{s()}[$__rate_interval])) / "
                          f"sum(rate(mlc_storage_batch_records_count{s()}[$__rate_interval]))",
                          "mean"),
                    query("histogram_quantile(0.99, sum by (le) (rate("
                          f"mlc_storage_batch_records_bucket{s()}[$__rate_interval])))", "p99")]),
    ]
    variables = [query_variable("instance", "Node", "label_values(mlc_build_info, instance)",
                                include_all=True, multi=True)]
    links = [{"title": "Tenant", "type": "link", "url": f"/d/{TENANT_UID}/ml-connector-tenant",
              "includeVars": False, "keepTime": True, "targetBlank": False, "icon": "dashboard",
              "tooltip": "Drill down to one tenant", "asDropdown": False, "tags": []}]
    return dashboard(OVERVIEW_UID, "ml-connector / Overview",
                     "Sync lag, throughput, errors, replay backlog, HTTP and storage of "
                     "ml-connector nodes. Alerts: grafana/alerts/alerts.yml; runbook: "
                     "grafana/runbook.md.", variables, panels, links)


def tenant():
    t = '{tenant="$tenant"}'

    def tm(*matchers):
        return "{" + ", ".join(('tenant="$tenant"',) + matchers) + "}"

    panels = [
        row("Status"),
        stat("State", "active: syncing. degraded: stopped by a tenant-level fault, retried every "
             "cycle. No series: paused or not on this Prometheus.",
             [query(f"max(mlc_tenant_up{t})", instant=True)],
             mappings=[{"type": "value", "options": {
                 "0": {"text": "degraded", "color": "red", "index": 0},
                 "1": {"text": "active", "color": "green", "index": 1}}}],
             no_value="paused / unknown"),
        stat("Since last successful poll", "MlcSyncStalled above 1h.",
             [query(f"time() - max(mlc_last_successful_poll_timestamp_seconds{t})", instant=True)],
             unit="s", thresholds=LAG_THRESHOLDS),
        stat("Worst sync lag", "Now minus the oldest watermark of the tenant's entities. "
             "MlcSyncLagHigh above 1h.",
             [query(f"max(mlc:sync_lag_seconds:max{t})", instant=True)],
             unit="s", thresholds=LAG_THRESHOLDS),
        stat("Parked records", "",
             [query(f"sum(mlc_replay_queue_size{t})", instant=True)],
             thresholds=((None, "green"), (1, "orange"))),
        stat("Oldest parked record", "0 when nothing is parked.",
             [query(f"max(mlc_replay_oldest_age_seconds{t})", instant=True)],
             unit="s", thresholds=LAG_THRESHOLDS),
        stat("Failed poll cycles in range", "",
             [query("sum(increase(mlc_poll_cycles_total"
                    + tm('result="failed"') + "[$__range]))", instant=True)],
             thresholds=((None, "green"), (1, "orange"))),

        row("Sync"),
        timeseries("Sync lag by entity", "Now minus the watermark of each entity.",
                   [query(f"mlc_sync_lag_seconds{t}", "{{entity}}")], unit="s"),
        timeseries("Records / s by entity and action", "",
                   [query("sum by (entity, action) (rate(mlc_records_synced_total"
                          f"{t}[$__rate_interval]))", "{{entity}} {{action}}")], unit="ops"),
        timeseries("Poll cycles / s by result", "",
                   [query("sum by (result) (rate(mlc_poll_cycles_total"
                          f"{t}[$__rate_interval]))", "{{result}}")], unit="ops", stack=True),
        timeseries("Errors / s by kind and system", "transient: retried; bad_record: parked; "
                   "tenant_fault: the tenant turns degraded.",
                   [query("sum by (kind, system) (rate(mlc_errors_total"
                          f"{t}[$__rate_interval]))", "{{kind}} / {{system}}")], unit="ops"),

        row("Replay and auth"),
        timeseries("Parked records", "",
                   [query(f"sum(mlc_replay_queue_size{t})", "parked")]),
        timeseries("Oldest parked record", "",
                   [query(f"max(mlc_replay_oldest_age_seconds{t})", "age")], unit="s"),
        timeseries("Token refreshes by system and result", "Refreshes per interval; any "
                   "failure without a later success leads to MlcTokenRefreshFailing.",
                   [query("sum by (system, result) (increase(mlc_token_refreshes_total"
                          f"{t}[$__rate_interval]))", "{{system}} {{result}}")],
                   width=24, stack=True),
    ]
    variables = [query_variable("tenant", "Tenant", "label_values(mlc_tenant_up, tenant)")]
    links = [{"title": "Overview", "type": "link", "url": f"/d/{OVERVIEW_UID}/ml-connector-overview",
              "includeVars": False, "keepTime": True, "targetBlank": False, "icon": "dashboard",
              "tooltip": "Back to all tenants", "asDropdown": False, "tags": []}]
    return dashboard(TENANT_UID, "ml-connector / Tenant",
                     "One tenant: state, lag, throughput, errors, replay backlog and tokens. "
                     "Pick the tenant at the top.", variables, panels, links)


DASHBOARDS = {"overview.json": overview, "tenant.json": tenant}


def render(build):
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk instead of writing them")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent,
                        help="directory of the JSON files (default: next to this script)")
    args = parser.parse_args()
    stale = []
    for name, build in DASHBOARDS.items():
        path = args.out / name
        text = render(build)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python3 grafana/dashboards/generate.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
