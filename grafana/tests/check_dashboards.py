#!/usr/bin/env python3
"""Static checks of grafana/ against the metric catalogue (metrics.txt).

    python3 grafana/tests/check_dashboards.py [GRAFANA_DIR]

Dashboards: valid JSON, a `datasource` variable of type prometheus used by every panel, target
and query variable, unique panel ids, a sane non-overlapping gridPos, a non-empty expr on every
target, only defined template variables, links to existing dashboards. Expressions everywhere
(dashboards, recording rules, alerts): only metrics of metrics.txt (or recording rules, or `up`),
only their labels, only listed label values. Alerts: the required set, `for:`, severity,
summary, description and a runbook_url whose anchor exists. Tests: every recording rule has a
promql_expr_test; every alert has a quiet check one evaluation before a firing check. Runbook:
a section per alert and a table row per metric matching metrics.txt. Coverage: every metric is
shown on a dashboard and every recording rule is used. promtool checks the rest.
Exit status 0 when clean, 1 with one line per problem otherwise.
"""
import json
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import catalogue as catalogue_mod  # noqa: E402
import promql  # noqa: E402
import yaml_subset  # noqa: E402

REQUIRED_ALERTS = ("MlcSyncLagHigh", "MlcSyncStalled", "MlcTenantDegraded", "MlcErrorRatioHigh",
                   "MlcReplayBacklogGrowing", "MlcTokenRefreshFailing", "MlcJiraRateLimited",
                   "MlcNodeDown")
SEVERITIES = ("critical", "warning", "info")
ANNOTATIONS = ("summary", "description", "runbook_url")
RUNBOOK_BASE = "https://github.com/ml-connector/ml-connector/blob/main/grafana/runbook.md#"
DASHBOARD_FILES = ("overview.json", "tenant.json")
RULE_FILES = ("rules/recording.yml", "alerts/alerts.yml")
BUILTIN_VARIABLES = frozenset(["__rate_interval", "__interval", "__interval_ms", "__range",
                               "__range_s", "__range_ms", "__from", "__to", "__name"])
GRID_WIDTH = 24


def parse_duration(text):
    """Seconds of a Prometheus duration such as 1h30m or 90s; None if it is not one."""
    if not isinstance(text, str) or not re.fullmatch(r"(\d+(ms|[smhdwy]))+", text):
        return None
    unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(int(n) * unit[u] for n, u in re.findall(r"(\d+)(ms|[smhdwy])", text))


def load_yaml(path):
    text = path.read_text(encoding="utf-8")
    data = yaml_subset.load(text, str(path))
    try:
        import yaml  # PyYAML, when present, double-checks the subset reader.
    except ImportError:
        return data
    if yaml.safe_load(text) != data:
        raise yaml_subset.YamlError(f"{path}: the YAML subset reader disagrees with PyYAML")
    return data


# ---- dashboards

def iter_panels(panels):
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels") or [])


def _datasource_ok(ds):
    return isinstance(ds, dict) and ds.get("type") == "prometheus" and ds.get("uid") == "${datasource}"


def _check_variables(where, variables, cat):
    problems, names = [], set()
    for variable in variables:
        name = variable.get("name")
        if not name or name in names:
            problems.append(f"{where}: template variable name {name!r} missing or repeated")
        names.add(name)
        kind = variable.get("type")
        if kind == "query":
            if not _datasource_ok(variable.get("datasource")):
                problems.append(f"{where}: variable {name} must use datasource ${{datasource}}")
            definition = variable.get("query")
            if isinstance(definition, dict):
                definition = definition.get("query")
            problems += [f"{where}: variable {name}: {p}"
                         for p in _check_variable_query(definition, cat)]
    ds = [v for v in variables if v.get("name") == "datasource"]
    if not ds or ds[0].get("type") != "datasource" or ds[0].get("query") != "prometheus":
        problems.append(f"{where}: needs a template variable named datasource of type datasource "
                        "with query prometheus")
    return problems, names


def _check_variable_query(definition, cat):
    if not isinstance(definition, str) or not definition.strip():
        return ["empty query"]
    m = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", definition)
    if not m:
        return cat.check_expr(definition)
    selector, label = m.groups()
    if selector is None:
        return []
    problems = cat.check_expr(selector)
    if not problems:
        for s in promql.analyze(selector).selectors:
            allowed = cat.series_labels(s.name) or frozenset()
            if label not in allowed:
                problems.append(f"{s.name} has no label {label!r}")
    return problems


def _check_grid(where, panels):
    problems, boxes = [], []
    for panel in panels:
        grid = panel.get("gridPos")
        label = f"{where}: panel {panel.get('id')} ({panel.get('title')!r})"
        if not isinstance(grid, dict) or not all(isinstance(grid.get(k), int) for k in "hwxy"):
            problems.append(f"{label}: gridPos needs integer h, w, x, y")
            continue
        if grid["w"] < 1 or grid["h"] < 1 or grid["x"] < 0 or grid["y"] < 0 \
                or grid["x"] + grid["w"] > GRID_WIDTH:
            problems.append(f"{label}: gridPos {grid} is outside the {GRID_WIDTH}-column grid")
        for other_label, other in boxes:
            if (grid["x"] < other["x"] + other["w"] and other["x"] < grid["x"] + grid["w"]
                    and grid["y"] < other["y"] + other["h"] and other["y"] < grid["y"] + grid["h"]):
                problems.append(f"{label} overlaps {other_label.split(': ', 1)[1]}")
        boxes.append((label, grid))
    return problems


def check_dashboard(where, dash, cat):
    """Problems of one dashboard and the expressions of its targets."""
    problems, exprs = [], []
    if not isinstance(dash, dict):
        return [f"{where}: not a JSON object"], exprs
    for key, kind in (("uid", str), ("title", str), ("schemaVersion", int), ("panels", list)):
        if not isinstance(dash.get(key), kind):
            problems.append(f"{where}: missing or bad {key!r}")
    if isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] < 36:
        problems.append(f"{where}: schemaVersion {dash['schemaVersion']} is older than Grafana 9")
    variables = (dash.get("templating") or {}).get("list")
    if not isinstance(variables, list):
        return problems + [f"{where}: missing templating.list"], exprs
    more, names = _check_variables(where, variables, cat)
    problems += more
    panels = list(iter_panels(dash.get("panels") or []))
    ids = [p.get("id") for p in panels]
    for pid in ids:
        if not isinstance(pid, int):
            problems.append(f"{where}: panel id {pid!r} is not an integer")
        elif ids.count(pid) > 1:
            problems.append(f"{where}: panel id {pid} is used {ids.count(pid)} times")
    problems += _check_grid(where, [p for p in dash.get("panels") or []])
    for panel in panels:
        label = f"{where}: panel {panel.get('id')} ({panel.get('title')!r})"
        if panel.get("type") == "row":
            continue
        if not panel.get("title"):
            problems.append(f"{label}: no title")
        if not _datasource_ok(panel.get("datasource")):
            problems.append(f"{label}: datasource must be {{type: prometheus, uid: ${{datasource}}}}")
        targets = panel.get("targets")
        if not isinstance(targets, list) or not targets:
            problems.append(f"{label}: no targets")
            continue
        ref_ids = [t.get("refId") for t in targets if isinstance(t, dict)]
        if len(ref_ids) != len(targets) or len(set(ref_ids)) != len(ref_ids) or not all(ref_ids):
            problems.append(f"{label}: targets need distinct non-empty refIds")
        for target in targets:
            if not isinstance(target, dict):
                continue
            tlabel = f"{label} target {target.get('refId')}"
            if not _datasource_ok(target.get("datasource")):
                problems.append(f"{tlabel}: datasource must be ${{datasource}}")
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"{tlabel}: empty expr")
                continue
            exprs.append(expr)
            problems += [f"{tlabel}: {p}" for p in cat.check_expr(expr)]
            for var in promql.GRAFANA_VARIABLE.findall(expr):
                var = var[0] or var[1]
                if var not in names and var not in BUILTIN_VARIABLES:
                    problems.append(f"{tlabel}: template variable ${var} is not defined")
    return problems, exprs


# ---- rules and alerts

def check_rule_files(docs, cat):
    """docs: [(where, parsed YAML)]. Registers recording rules in `cat`; returns
    (problems, recording rule names, alerts as dicts, all expressions)."""
    problems, recording, alerts, exprs = [], [], [], []
    for where, doc in docs:
        groups = doc.get("groups") if isinstance(doc, dict) else None
        if not isinstance(groups, list) or not groups:
            problems.append(f"{where}: no rule groups")
            continue
        for group in groups:
            for rule in group.get("rules") or []:
                expr = rule.get("expr")
                name = rule.get("record") or rule.get("alert")
                if not isinstance(expr, str) or not expr.strip():
                    problems.append(f"{where}: rule {name}: empty expr")
                    continue
                exprs.append(expr)
                problems += [f"{where}: rule {name}: {p}" for p in cat.check_expr(expr)]
                if "record" in rule:
                    if not re.fullmatch(r"mlc:[a-z0-9_]+:[a-z0-9_]+", name or ""):
                        problems.append(f"{where}: recording rule {name!r} is not mlc:<what>:<how>")
                    recording.append(name)
                    if not cat.check_expr(expr):
                        cat.add_recording_rule(name, expr)
                else:
                    alerts.append(rule)
                    problems += [f"{where}: {p}" for p in _check_alert(rule)]
    names = [a.get("alert") for a in alerts]
    for name in REQUIRED_ALERTS:
        if name not in names:
            problems.append(f"alert {name} is missing")
    for name in set(names):
        if names.count(name) > 1:
            problems.append(f"alert {name} is defined {names.count(name)} times")
    return problems, recording, alerts, exprs


def _check_alert(rule):
    name, problems = rule.get("alert"), []
    if not re.fullmatch(r"Mlc[A-Z][A-Za-z0-9]+", name or ""):
        problems.append(f"alert name {name!r} should be MlcCamelCase")
    if not parse_duration(rule.get("for")):
        problems.append(f"alert {name}: needs a non-zero for:")
    severity = (rule.get("labels") or {}).get("severity")
    if severity not in SEVERITIES:
        problems.append(f"alert {name}: labels.severity must be one of {', '.join(SEVERITIES)}")
    annotations = rule.get("annotations") or {}
    for key in ANNOTATIONS:
        if not isinstance(annotations.get(key), str) or not annotations[key].strip():
            problems.append(f"alert {name}: annotation {key} is missing")
    url = annotations.get("runbook_url")
    if isinstance(url, str) and url != RUNBOOK_BASE + (name or "").lower():
        problems.append(f"alert {name}: runbook_url must be {RUNBOOK_BASE}{(name or '').lower()}")
    return problems


def check_rule_tests(rules_test, alerts_test, recording, alerts):
    """Each recording rule has a promql_expr_test; each alert a quiet check one evaluation before
    a firing check with its severity and every annotation."""
    problems = []
    expr_tests = [t.get("expr", "") for test in rules_test.get("tests") or []
                  for t in test.get("promql_expr_test") or []]
    for name in recording:
        if not any(re.search(re.escape(name) + r"(?![\w:])", e) for e in expr_tests):
            problems.append(f"recording rule {name} has no promql_expr_test in rules_test.yml")
    interval = parse_duration(alerts_test.get("evaluation_interval", "1m"))
    for alert in alerts:
        name = alert.get("alert")
        severity = (alert.get("labels") or {}).get("severity")
        bracketed = False
        for test in alerts_test.get("tests") or []:
            checks = [c for c in test.get("alert_rule_test") or [] if c.get("alertname") == name]
            quiet = [parse_duration(c.get("eval_time")) for c in checks if not c.get("exp_alerts")]
            firing = [c for c in checks if c.get("exp_alerts")]
            for c in firing:
                for exp in c["exp_alerts"]:
                    if (exp.get("exp_labels") or {}).get("severity") != severity:
                        problems.append(f"alert {name}: a firing check in test "
                                        f"{test.get('name')!r} does not expect severity {severity}")
                    missing = [k for k in ANNOTATIONS if k not in (exp.get("exp_annotations") or {})]
                    if missing:
                        problems.append(f"alert {name}: a firing check in test {test.get('name')!r} "
                                        f"does not check annotations {', '.join(missing)}")
            for c in firing:
                t1 = parse_duration(c.get("eval_time"))
                if any(t0 is not None and t1 is not None and 0 < t1 - t0 <= interval for t0 in quiet):
                    bracketed = True
        if not bracketed:
            problems.append(f"alert {name}: alerts_test.yml needs a check with exp_alerts: [] one "
                            "evaluation before a check where it fires")
    return problems


def check_group_order(alerts_test, docs, recording):
    """Alerts that read recording rules need those groups evaluated first in promtool tests:
    without group_eval_order promtool picks the order at random and the firing checks flake."""
    record_groups, alert_groups, reads_rules = [], [], False
    for _, doc in docs:
        for group in doc.get("groups") or []:
            rules = group.get("rules") or []
            if any("record" in r for r in rules):
                record_groups.append(group.get("name"))
            alerting = [r for r in rules if "alert" in r]
            if alerting:
                alert_groups.append(group.get("name"))
                used = _series_used([r.get("expr", "") for r in alerting])
                reads_rules = reads_rules or bool(used & set(recording))
    if not reads_rules:
        return []
    order = alerts_test.get("group_eval_order") or []
    position = {name: i for i, name in enumerate(order)}
    if not all(g in position for g in record_groups + alert_groups) or \
            max(position[g] for g in record_groups) > min(position[g] for g in alert_groups):
        return [f"alerts_test.yml: group_eval_order must list {', '.join(record_groups)} before "
                f"{', '.join(alert_groups)} (alerts read recording rules)"]
    return []


# ---- runbook and coverage

def check_runbook(text, cat, alerts):
    problems = []
    headings = set(re.findall(r"^## (\S+)\s*$", text, re.M))
    for alert in alerts:
        if alert.get("alert") not in headings:
            problems.append(f"runbook.md: no section '## {alert.get('alert')}'")
    rows = {}
    for name, kind, labels in re.findall(r"^\|\s*`(mlc_\w+)`\s*\|\s*(\w+)\s*\|([^|]*)\|", text, re.M):
        rows[name] = (kind, frozenset(re.findall(r"`(\w+)`", labels)))
    for metric in cat.metrics.values():
        row = rows.get(metric.name)
        if row is None:
            problems.append(f"runbook.md: metric table has no row for {metric.name}")
        elif row != (metric.type, frozenset(metric.labels)):
            problems.append(f"runbook.md: row of {metric.name} says {row[0]} "
                            f"[{', '.join(sorted(row[1]))}], metrics.txt says {metric.type} "
                            f"[{', '.join(sorted(metric.labels))}]")
    for name in rows:
        if name not in cat.metrics:
            problems.append(f"runbook.md: metric table lists {name}, which is not in metrics.txt")
    return problems


def _series_used(exprs):
    names = set()
    for expr in exprs:
        try:
            names |= {s.name for s in promql.analyze(expr).selectors}
        except promql.PromqlError:
            pass
    return names


def check_coverage(cat, dashboard_exprs, rule_exprs_by_name, alert_exprs):
    """Every catalogue metric on some dashboard (directly or through a recording rule), and every
    recording rule used by a dashboard or an alert."""
    problems = []
    used = _series_used(dashboard_exprs)
    shown = set(used)
    for name in used & set(rule_exprs_by_name):
        shown |= _series_used([rule_exprs_by_name[name]])
    shown_metrics = {cat.metric_of(s).name for s in shown if cat.metric_of(s) is not None}
    for name in cat.metrics:
        if name not in shown_metrics:
            problems.append(f"metric {name} is on no dashboard")
    consumers = used | _series_used(alert_exprs) | _series_used(rule_exprs_by_name.values())
    for name in rule_exprs_by_name:
        if name not in consumers:
            problems.append(f"recording rule {name} is used by no dashboard or alert")
    return problems


def check_sample(text, cat):
    """tests/sample_metrics.prom (the hand test's fake /metrics) matches the catalogue."""
    try:
        series, types = catalogue_mod.parse_exposition(text, "sample_metrics.prom")
    except ValueError as e:
        return [str(e)]
    problems = [f"sample_metrics.prom: {p}" for p in cat.check_series(series)]
    for metric in cat.metrics.values():
        if types.get(metric.name, metric.type) != metric.type:
            problems.append(f"sample_metrics.prom: # TYPE {metric.name} {types[metric.name]}, "
                            f"metrics.txt says {metric.type}")
    return problems


def run(root):
    problems = []
    cat = catalogue_mod.load(root / "metrics.txt")
    docs = [(name, load_yaml(root / name)) for name in RULE_FILES]
    more, recording, alerts, _ = check_rule_files(docs, cat)
    problems += more
    rule_exprs = {r["record"]: r["expr"] for _, doc in docs for g in doc.get("groups") or []
                  for r in g.get("rules") or [] if "record" in r}
    dashboard_exprs, uids = [], {}
    for name in DASHBOARD_FILES:
        path = root / "dashboards" / name
        try:
            dash = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            problems.append(f"{path}: {e}")
            continue
        more, exprs = check_dashboard(name, dash, cat)
        problems += more
        dashboard_exprs += exprs
        if dash.get("uid") in uids:
            problems.append(f"{name}: uid {dash.get('uid')} is also used by {uids[dash['uid']]}")
        uids[dash.get("uid")] = (name, json.dumps(dash))
    for name, text in uids.values():
        for uid in re.findall(r"/d/([\w-]+)", text):
            if uid not in uids:
                problems.append(f"{name}: links to dashboard uid {uid}, which does not exist")
    alerts_test = load_yaml(root / "tests/alerts_test.yml")
    problems += check_rule_tests(load_yaml(root / "tests/rules_test.yml"), alerts_test,
                                 recording, alerts)
    problems += check_group_order(alerts_test, docs, recording)
    problems += check_sample((root / "tests/sample_metrics.prom").read_text(encoding="utf-8"), cat)
    problems += check_runbook((root / "runbook.md").read_text(encoding="utf-8"), cat, alerts)
    problems += check_coverage(cat, dashboard_exprs, rule_exprs, [a["expr"] for a in alerts])
    summary = (f"{len(dashboard_exprs)} dashboard queries, {len(recording)} recording rules, "
               f"{len(alerts)} alerts, {len(cat.metrics)} catalogue metrics")
    return problems, summary


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    try:
        problems, summary = run(root)
    except (OSError, ValueError) as e:   # YamlError and catalogue errors are ValueErrors
        print(f"check_dashboards: {e}", file=sys.stderr)
        return 1
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_dashboards: {len(problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"check_dashboards: OK ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
