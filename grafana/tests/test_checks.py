#!/usr/bin/env python3
"""Self-test of the grafana/ checkers: each check must reject the mistake it exists for.

    python3 grafana/tests/test_checks.py
"""
import copy
import json
import pathlib
import sys
import unittest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import catalogue  # noqa: E402
import check_dashboards as checks  # noqa: E402
import live_check  # noqa: E402
import promql  # noqa: E402
import yaml_subset  # noqa: E402


def real_catalogue():
    cat = catalogue.load(ROOT / "metrics.txt")
    docs = [(name, checks.load_yaml(ROOT / name)) for name in checks.RULE_FILES]
    problems, recording, alerts, _ = checks.check_rule_files(docs, cat)
    assert not problems, problems
    return cat, recording, alerts


def dashboard(name):
    return json.loads((ROOT / "dashboards" / name).read_text(encoding="utf-8"))


def contains(problems, text):
    return any(text in p for p in problems)


class PromqlTest(unittest.TestCase):
    def test_reads_selectors_grouping_and_functions(self):
        a = promql.analyze('sum by (tenant) (rate(mlc_errors_total{kind="transient", '
                           'tenant=~"$tenant"}[$__rate_interval])) / on (tenant) group_left '
                           'mlc_tenant_up offset 5m')
        self.assertEqual([s.name for s in a.selectors], ["mlc_errors_total", "mlc_tenant_up"])
        self.assertEqual(a.selectors[0].matchers[0], promql.Matcher("kind", "=", "transient"))
        self.assertEqual(a.grouping_labels, ["tenant", "tenant"])
        self.assertEqual(a.functions, ["sum", "rate"])
        self.assertEqual(a.variables, ["tenant", "__rate_interval"])

    def test_rejects_broken_text(self):
        for bad in ("", "rate(mlc_errors_total[5m]", "rates(mlc_errors_total[5m])",
                    "mlc_errors_total{kind=transient}", "sum by mlc_errors_total",
                    '{kind="transient"}', "mlc_errors_total[5m] )"):
            with self.subTest(bad=bad), self.assertRaises(promql.PromqlError):
                promql.analyze(bad)


class CatalogueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cat, _, _ = real_catalogue()

    def test_accepts_the_contract(self):
        for good in ('rate(mlc_errors_total{kind="bad_record", system="storage"}[5m])',
                     'histogram_quantile(0.9, sum by (le, system) '
                     '(rate(mlc_http_request_duration_seconds_bucket{system="x3"}[5m])))',
                     'mlc_http_requests_total{status_class=~"4xx|5xx", job="ml-connector"}',
                     'mlc:sync_lag_seconds:max{tenant="$tenant", instance=~"$instance"}',
                     'up{job="ml-connector"} == 0', "mlc_storage_batch_records_count"):
            with self.subTest(expr=good):
                self.assertEqual(self.cat.check_expr(good), [])

    def test_rejects_what_is_not_in_the_catalogue(self):
        cases = {
            "mlc_error_total": "unknown metric",
            'mlc_errors_total{tennant="a"}': "has no label 'tennant'",
            'mlc_errors_total{kind="transent"}': "'transent' is not a value of kind",
            'mlc_http_requests_total{status_class=~"5xx|6xx"}': "'6xx' is not a value",
            "rate(mlc_poll_duration_seconds[5m])": "histogram mlc_poll_duration_seconds",
            'mlc_poll_duration_seconds_count{le="1"}': "has no label 'le'",
            "sum by (tennant) (mlc_tenant_up)": "grouping label 'tennant'",
            'mlc:errors:rate5m{action="created"}': "has no label 'action'",
            'mlc:errors:rate5m{system="sap"}': "'sap' is not a value of system",
            "rates(mlc_tenant_up[5m])": "cannot read expression",
        }
        for expr, message in cases.items():
            with self.subTest(expr=expr):
                self.assertTrue(contains(self.cat.check_expr(expr), message),
                                self.cat.check_expr(expr))

    def test_load_rejects_bad_lines(self):
        import tempfile
        for line in ("mlc_x counter - a counter without _total", "mlc_x summary - unknown type",
                     "mlc_x gauge instance reserved label", "mlc_x gauge a,a repeated label",
                     "mlc_x gauge", "x_total counter - no mlc_ prefix"):
            with self.subTest(line=line), tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
                f.write(line + "\n")
                f.flush()
                with self.assertRaises(ValueError):
                    catalogue.load(f.name)


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cat, _, _ = real_catalogue()

    def problems(self, dash):
        return checks.check_dashboard("d.json", dash, self.cat)[0]

    def test_real_dashboards_are_clean(self):
        for name in checks.DASHBOARD_FILES:
            self.assertEqual(self.problems(dashboard(name)), [])

    def test_rejects_structural_mistakes(self):
        base = dashboard("tenant.json")
        panel = next(p for p in base["panels"] if p["type"] != "row")

        def mutated(change):
            dash = copy.deepcopy(base)
            change(dash, next(p for p in dash["panels"] if p["id"] == panel["id"]))
            return self.problems(dash)

        cases = {
            "is used 2 times": lambda d, p: d["panels"].append(dict(copy.deepcopy(p),
                                                                    gridPos={"x": 0, "y": 99, "w": 1, "h": 1})),
            "needs a template variable named datasource":
                lambda d, p: d["templating"]["list"].pop(0),
            "datasource must be": lambda d, p: p.update(datasource={"type": "prometheus",
                                                                    "uid": "abc123"}),
            "target A: datasource must be":
                lambda d, p: p["targets"][0].update(datasource={"uid": "prom"}),
            "empty expr": lambda d, p: p["targets"][0].update(expr=" "),
            "no targets": lambda d, p: p.update(targets=[]),
            "$node is not defined":
                lambda d, p: p["targets"][0].update(expr='mlc_tenant_up{instance="$node"}'),
            "outside the 24-column grid": lambda d, p: p["gridPos"].update(x=22),
            "overlaps": lambda d, p: p["gridPos"].update(y=0),
            "unknown metric": lambda d, p: p["targets"][0].update(expr="mlc_tenant_upp"),
            "distinct non-empty refIds":
                lambda d, p: p["targets"].append(copy.deepcopy(p["targets"][0])),
            "variable tenant": lambda d, p: d["templating"]["list"][1]["query"].update(
                query="label_values(mlc_tenant_up, tennant)"),
            "schemaVersion 27": lambda d, p: d.update(schemaVersion=27),
        }
        for message, change in cases.items():
            with self.subTest(message=message):
                found = mutated(change)
                self.assertTrue(contains(found, message), found)

    def test_collapsed_row_children_are_checked(self):
        dash = dashboard("tenant.json")
        child = copy.deepcopy(dash["panels"][1])
        child["targets"][0]["expr"] = "mlc_nope"
        dash["panels"][0]["panels"] = [child]
        self.assertTrue(contains(self.problems(dash), "unknown metric 'mlc_nope'"))


class RulesTest(unittest.TestCase):
    def setUp(self):
        self.cat = catalogue.load(ROOT / "metrics.txt")
        self.docs = [(n, checks.load_yaml(ROOT / n)) for n in checks.RULE_FILES]

    def alert(self, docs, name):
        return next(r for r in docs[1][1]["groups"][0]["rules"] if r.get("alert") == name)

    def test_rejects_incomplete_alerts(self):
        cases = {
            "needs a non-zero for:": lambda a: a.pop("for"),
            "labels.severity": lambda a: a["labels"].update(severity="page"),
            "annotation description is missing": lambda a: a["annotations"].pop("description"),
            "runbook_url must be": lambda a: a["annotations"].update(
                runbook_url="https://example.com/runbook#lag"),
            "alert MlcSyncLagHigh is missing": lambda a: a.update(alert="MlcLag"),
        }
        for message, change in cases.items():
            with self.subTest(message=message):
                docs = copy.deepcopy(self.docs)
                change(self.alert(docs, "MlcSyncLagHigh"))
                found = checks.check_rule_files(docs, catalogue.load(ROOT / "metrics.txt"))[0]
                self.assertTrue(contains(found, message), found)

    def test_alert_tests_must_bracket_the_for_duration(self):
        _, recording, alerts = real_catalogue()
        rules_test = checks.load_yaml(ROOT / "tests/rules_test.yml")
        alerts_test = checks.load_yaml(ROOT / "tests/alerts_test.yml")
        self.assertEqual(checks.check_rule_tests(rules_test, alerts_test, recording, alerts), [])

        late = copy.deepcopy(alerts_test)
        lag = next(t for t in late["tests"] if t["name"] == "MlcSyncLagHigh")
        lag["alert_rule_test"][0]["eval_time"] = "73m"   # two evaluations before the firing one
        found = checks.check_rule_tests(rules_test, late, recording, alerts)
        self.assertTrue(contains(found, "alert MlcSyncLagHigh: alerts_test.yml needs"), found)

        loose = copy.deepcopy(alerts_test)
        lag = next(t for t in loose["tests"] if t["name"] == "MlcSyncLagHigh")
        del lag["alert_rule_test"][1]["exp_alerts"][0]["exp_annotations"]["runbook_url"]
        found = checks.check_rule_tests(rules_test, loose, recording, alerts)
        self.assertTrue(contains(found, "does not check annotations runbook_url"), found)

        docs = [(n, checks.load_yaml(ROOT / n)) for n in checks.RULE_FILES]
        self.assertEqual(checks.check_group_order(alerts_test, docs, recording), [])
        for order in (None, ["mlc.alerts", "mlc.recording"], ["mlc.alerts"]):
            unordered = copy.deepcopy(alerts_test)
            unordered["group_eval_order"] = order
            found = checks.check_group_order(unordered, docs, recording)
            self.assertTrue(contains(found, "group_eval_order must list mlc.recording"), found)

        untested = copy.deepcopy(rules_test)
        untested["tests"] = [t for t in untested["tests"]
                             if "mlc:error_ratio:rate5m" not in str(t)]
        found = checks.check_rule_tests(untested, alerts_test, recording, alerts)
        self.assertTrue(contains(found, "mlc:error_ratio:rate5m has no promql_expr_test"), found)


class RunbookAndCoverageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cat, cls.recording, cls.alerts = real_catalogue()
        cls.text = (ROOT / "runbook.md").read_text(encoding="utf-8")

    def test_runbook(self):
        self.assertEqual(checks.check_runbook(self.text, self.cat, self.alerts), [])
        cases = {
            "no section '## MlcNodeDown'": self.text.replace("## MlcNodeDown", "## Node down"),
            "no row for mlc_tenants": self.text.replace("| `mlc_tenants` |", "| mlc_tenants |"),
            "row of mlc_tenant_up says counter": self.text.replace(
                "| `mlc_tenant_up` | gauge |", "| `mlc_tenant_up` | counter |"),
            "row of mlc_sync_lag_seconds": self.text.replace(
                "| `mlc_sync_lag_seconds` | gauge | `tenant`, `entity` |",
                "| `mlc_sync_lag_seconds` | gauge | `tenant` |"),
            "lists mlc_extra": self.text + "\n| `mlc_extra` | gauge | — | x |\n",
        }
        for message, text in cases.items():
            with self.subTest(message=message):
                found = checks.check_runbook(text, self.cat, self.alerts)
                self.assertTrue(contains(found, message), found)

    def test_coverage(self):
        exprs = [t["expr"] for n in checks.DASHBOARD_FILES
                 for p in checks.iter_panels(dashboard(n)["panels"]) for t in p.get("targets", [])]
        rules = {r["record"]: r["expr"] for _, doc in
                 [(n, checks.load_yaml(ROOT / n)) for n in checks.RULE_FILES]
                 for g in doc["groups"] for r in g["rules"] if "record" in r}
        alert_exprs = [a["expr"] for a in self.alerts]
        self.assertEqual(checks.check_coverage(self.cat, exprs, rules, alert_exprs), [])
        without_storage = [e for e in exprs if "mlc_storage_size_bytes" not in e]
        self.assertTrue(contains(checks.check_coverage(self.cat, without_storage, rules, alert_exprs),
                                 "metric mlc_storage_size_bytes is on no dashboard"))
        unused = dict(rules, **{"mlc:unused:rate5m": "sum(rate(mlc_errors_total[5m]))"})
        self.assertTrue(contains(checks.check_coverage(self.cat, exprs, unused, alert_exprs),
                                 "recording rule mlc:unused:rate5m is used by no"))


class SampleTest(unittest.TestCase):
    def test_sample_exposition_matches_the_catalogue(self):
        cat = catalogue.load(ROOT / "metrics.txt")
        text = (ROOT / "tests/sample_metrics.prom").read_text(encoding="utf-8")
        self.assertEqual(checks.check_sample(text, cat), [])
        cases = {
            "mlc_tenants is in metrics.txt but has no series":
                "\n".join(l for l in text.splitlines() if not l.startswith("mlc_tenants{")),
            "mlc_bogus is not in metrics.txt": text + "mlc_bogus 1\n",
            "has label 'tennant'": text + 'mlc_tenant_up{tennant="a"} 1\n',
            "lacks label 'tenant'": text + "mlc_tenant_up 1\n",
            'status_class="5XX"': text + 'mlc_http_requests_total{system="x3",status_class="5XX"} 1\n',
            "TYPE mlc_tenant_up counter": text.replace("# TYPE mlc_tenant_up gauge",
                                                       "# TYPE mlc_tenant_up counter"),
            "not a sample line": text + "{}\n",
        }
        for message, bad in cases.items():
            with self.subTest(message=message):
                found = checks.check_sample(bad, cat)
                self.assertTrue(contains(found, message), found)


class YamlSubsetTest(unittest.TestCase):
    def test_reads_the_subset(self):
        text = """# comment
groups:
  - name: g   # trailing comment
    rules:
      - record: 'a:b:c'
        expr: |
          sum(x)
            by (y)
      - alert: A
        for: 5m
        labels: {}
        annotations:
          summary: "quote \\"x\\" # not a comment"
          description: >-
            folded
            text

            para
values: [1, 'two', 3.5]
empty: []
flag: true
nothing:
"""
        self.assertEqual(yaml_subset.load(text), {
            "groups": [{"name": "g", "rules": [
                {"record": "a:b:c", "expr": "sum(x)\n  by (y)\n"},
                {"alert": "A", "for": "5m", "labels": {}, "annotations": {
                    "summary": 'quote "x" # not a comment',
                    "description": "folded text\npara"}}]}],
            "values": [1, "two", 3.5], "empty": [], "flag": True, "nothing": None})

    def test_rejects_what_it_does_not_read(self):
        for bad in ("a: &x 1", "a: *x", "a: !!str 1", "a: plain\n  continued", "a: yes",
                    "a: 'open", "a: 1\na: 2", "  a: 1", "a:\n  - [x, [y]]"):
            with self.subTest(bad=bad), self.assertRaises(yaml_subset.YamlError):
                yaml_subset.load(bad)


class LiveCheckTest(unittest.TestCase):
    def test_substitutes_grafana_variables(self):
        values = {"tenant": "acme", "instance": ".*", "__rate_interval": "1m", "__range": "5m"}
        self.assertEqual(
            live_check.substitute('rate(x{tenant="$tenant", instance=~"${instance}"}'
                                  '[$__rate_interval]) + increase(y[${__range}])', values),
            'rate(x{tenant="acme", instance=~".*"}[1m]) + increase(y[5m])')
        with self.assertRaises(KeyError):
            live_check.substitute("x{a=\"$unknown\"}", values)

    def test_every_collected_expression_substitutes(self):
        values = {"tenant": "acme", "instance": ".*", "__rate_interval": "1m", "__range": "5m"}
        found = live_check.collect(ROOT)
        self.assertGreater(len([e for e in found if e[0] == "dashboard"]), 30)
        self.assertEqual(len([e for e in found if e[0] == "alert"]), 8)
        for _, where, expr in found:
            substituted = live_check.substitute(expr, values)
            self.assertNotIn("$", substituted, where)
            promql.analyze(substituted)


if __name__ == "__main__":
    unittest.main(verbosity=1)
