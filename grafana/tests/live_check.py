#!/usr/bin/env python3
"""Evaluates every dashboard query, recording rule and alert of grafana/ on a live Prometheus.

    python3 grafana/tests/live_check.py http://127.0.0.1:9090 [--tenant acme]
        [--require-data SUBSTRING ...] [--require-catalogue] [--wait SECONDS]

Each expression goes through /api/v1/query with Grafana's variables replaced: $tenant by
--tenant (default: the first value of label_values(mlc_tenant_up, tenant)), $instance by .* (the
dashboards' "All"), $__rate_interval by --rate-interval, $__interval by --interval, $__range by
--range. Fails when any query is rejected (syntax, unknown function, bad range...). Prints which
expressions returned no data; alerts that return nothing are simply not firing.

--require-data S...  every dashboard or recording-rule expression containing S (as written in the
                     dashboard, before substitution) must return data; a S that matches no
                     expression is an error. With --wait N, keeps re-evaluating the missing ones
                     until N seconds have passed (a fresh server needs two scrapes for a rate).
--wait N             also waits (up to N seconds in all) for three scrapes of --job first.
--require-catalogue  the scraped mlc_* series must match metrics.txt exactly: every metric
                     present, no metric, label or listed label value outside it.
Exit status: 0 clean, 1 a check failed, 2 Prometheus unreachable or bad arguments.
"""
import argparse
import json
import pathlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import catalogue as catalogue_mod  # noqa: E402
import check_dashboards  # noqa: E402
import promql  # noqa: E402


class Unreachable(Exception):
    pass


class Prometheus:
    def __init__(self, base_url, timeout):
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def get(self, path, params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as e:
            body = e.read()   # 400/422 carry a JSON error body worth showing
        except (urllib.error.URLError, OSError) as e:
            raise Unreachable(f"{self.base}: {e}") from e
        try:
            return json.loads(body)
        except ValueError as e:
            raise Unreachable(f"{url}: not a Prometheus API answer: {body[:200]!r}") from e

    def query(self, expr):
        """(number of results, error message or None)."""
        answer = self.get("/api/v1/query", {"query": expr})
        if answer.get("status") != "success":
            return 0, f"{answer.get('errorType', 'error')}: {answer.get('error', answer)}"
        data = answer.get("data", {})
        if data.get("resultType") in ("scalar", "string"):
            return 1, None
        return len(data.get("result", [])), None


def substitute(expr, values):
    """Replaces Grafana variables ($name, ${name}, ${name:format}) using `values`."""
    def replace(m):
        name = m.group(1) or m.group(2)
        if name not in values:
            raise KeyError(f"no value for Grafana variable ${name} in {expr!r}")
        return values[name]
    return promql.GRAFANA_VARIABLE.sub(replace, expr)


def prom_duration(text):
    seconds = check_dashboards.parse_duration(text)
    if not seconds:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Prometheus duration such as 1m")
    return text


def collect(root):
    """[(kind, where, expression)] for dashboard targets, recording rules and alerts."""
    found = []
    for name in check_dashboards.DASHBOARD_FILES:
        dash = json.loads((root / "dashboards" / name).read_text(encoding="utf-8"))
        for panel in check_dashboards.iter_panels(dash.get("panels") or []):
            for target in panel.get("targets") or []:
                where = f"{name} #{panel.get('id')} {panel.get('title')!r} {target.get('refId')}"
                found.append(("dashboard", where, target.get("expr", "")))
    for file in check_dashboards.RULE_FILES:
        doc = check_dashboards.load_yaml(root / file)
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                if "record" in rule:
                    found.append(("record", f"{file} {rule['record']}", rule["expr"]))
                else:
                    found.append(("alert", f"{file} {rule['alert']}", rule["expr"]))
    return found


def wait_for_scrapes(prom, job, deadline):
    """With --wait, first lets a fresh server scrape the job three times, so that rates have
    two samples and the rules have run; returns False if the deadline passed first."""
    query = f'count_over_time(up{{job="{job}"}}[5m]) >= 3 and up{{job="{job}"}} == 1'
    while True:
        count, error = prom.query(query)
        if count and not error:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)   # polling a live server until the deadline, not test timing


def pick_tenant(prom):
    answer = prom.get("/api/v1/label/tenant/values", {"match[]": "mlc_tenant_up"})
    tenants = answer.get("data") or []
    return tenants[0] if tenants else None


def check_loaded_rules(prom, rules):
    """Failures for our rules that the server loaded but cannot evaluate; a note when it did
    not load them at all (then every mlc:... dashboard query lacks data)."""
    answer = prom.get("/api/v1/rules", {})
    loaded = {}
    for group in (answer.get("data") or {}).get("groups") or []:
        for rule in group.get("rules") or []:
            loaded[rule.get("name")] = rule
    failures, missing = [], []
    for _, where, _ in rules:
        name = where.split()[-1]
        rule = loaded.get(name)
        if rule is None:
            missing.append(name)
        elif rule.get("health") == "err":
            failures.append(f"{where}: the server fails to evaluate it: {rule.get('lastError')}")
    if missing:
        print(f"note: the server has not loaded {len(missing)} of our rules "
              f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}); load "
              "grafana/rules/ and grafana/alerts/ as grafana/prometheus.yml does")
    return failures


def check_catalogue(prom, cat):
    """Problems between the scraped mlc_* series and metrics.txt."""
    answer = prom.get("/api/v1/series", {"match[]": '{__name__=~"mlc_.*"}'})
    if answer.get("status") != "success":
        return [f"series lookup failed: {answer.get('error')}"]
    return [f"scraped {p}" for p in cat.check_series(answer.get("data", []))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("url", help="Prometheus base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--tenant", help="value for $tenant (default: first tenant found)")
    parser.add_argument("--rate-interval", type=prom_duration, default="1m")
    parser.add_argument("--interval", type=prom_duration, default="1m")
    parser.add_argument("--range", type=prom_duration, default="5m")
    parser.add_argument("--require-data", nargs="+", default=[], metavar="SUBSTRING")
    parser.add_argument("--require-catalogue", action="store_true")
    parser.add_argument("--wait", type=float, default=0,
                        help="seconds to keep retrying required expressions without data")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per HTTP request")
    parser.add_argument("--job", default="ml-connector", help="scrape job of the nodes")
    parser.add_argument("--grafana-dir", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)

    prom = Prometheus(args.url, args.timeout)
    root = args.grafana_dir
    deadline = time.monotonic() + args.wait
    try:
        expressions = collect(root)
        if args.wait and not wait_for_scrapes(prom, args.job, deadline):
            print(f"warning: job {args.job!r} was not scraped 3 times within {args.wait}s",
                  file=sys.stderr)
        tenant = args.tenant or pick_tenant(prom)
        if tenant is None:
            print("warning: no tenant found (mlc_tenant_up has no series); $tenant queries "
                  "will have no data", file=sys.stderr)
            tenant = ""
        values = {"tenant": tenant.replace("\\", "\\\\").replace('"', '\\"'),
                  "instance": ".*", "__rate_interval": args.rate_interval,
                  "__interval": args.interval, "__range": args.range,
                  "__range_s": str(check_dashboards.parse_duration(args.range)),
                  "__range_ms": str(check_dashboards.parse_duration(args.range) * 1000)}
        required = {}
        for substring in args.require_data:
            matches = [e for e in expressions if e[0] != "alert" and substring in e[2]]
            if not matches:
                print(f"error: --require-data {substring!r} matches no dashboard or rule "
                      "expression", file=sys.stderr)
                return 2
            for e in matches:
                required[e] = substring

        failures, results = [], {}
        for entry in expressions:
            kind, where, expr = entry
            try:
                query = substitute(expr, values)
            except KeyError as e:
                failures.append(f"{where}: {e.args[0]}")
                continue
            count, error = prom.query(query)
            while not error and count == 0 and entry in required and time.monotonic() < deadline:
                time.sleep(0.5)   # polling a live server until the deadline, not test timing
                count, error = prom.query(query)
            results[entry] = count
            if error:
                failures.append(f"{where}: query rejected: {error}\n    {query}")
                print(f"ERROR    {where}\n    {query}\n    {error}")
            elif kind == "alert":
                state = f"condition holds for {count} series" if count else "condition false"
                print(f"alert    {where}: {state}")
            elif count == 0:
                print(f"NO DATA  {where}\n    {query}")
            else:
                print(f"ok {count:>5} {where}")
        for entry, substring in required.items():
            if results.get(entry) == 0:
                failures.append(f"{entry[1]}: no data, but --require-data {substring!r} "
                                f"requires it\n    {entry[2]}")
        failures += check_loaded_rules(prom, [e for e in expressions if e[0] != "dashboard"])
        if args.require_catalogue:
            failures += check_catalogue(prom, catalogue_mod.load(root / "metrics.txt"))
    except Unreachable as e:
        print(f"error: Prometheus unreachable: {e}", file=sys.stderr)
        return 2
    no_data = sum(1 for e, n in results.items() if n == 0 and e[0] != "alert")
    print(f"\n{len(expressions)} expressions, {no_data} without data, {len(failures)} failure(s), "
          f"tenant {tenant!r}")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
