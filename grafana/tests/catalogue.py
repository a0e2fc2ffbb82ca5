"""The metric catalogue (grafana/metrics.txt) and checks of PromQL expressions against it."""
import re
from dataclasses import dataclass

import promql

__all__ = ["Metric", "Catalogue", "load", "parse_exposition", "SCRAPE_LABELS"]

# Labels Prometheus attaches to every scraped series.
SCRAPE_LABELS = frozenset(["job", "instance"])
# Series that Prometheus itself creates for a scrape target.
_SCRAPE_SERIES = {"up": frozenset(), "scrape_duration_seconds": frozenset(),
                  "scrape_samples_scraped": frozenset()}
_TYPES = ("counter", "gauge", "histogram")
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


@dataclass(frozen=True)
class Metric:
    name: str
    type: str
    labels: dict   # label -> frozenset of allowed values, or None when any value is fine
    meaning: str


class Catalogue:
    def __init__(self, metrics):
        self.metrics = metrics                 # name -> Metric, in file order
        self.recorded = {}                     # recording rule name -> frozenset of labels

    def add_recording_rule(self, name, expr):
        """Registers a recording rule; its labels are at most those of the series it reads."""
        analysis = promql.analyze(expr)
        labels = set(SCRAPE_LABELS)
        for selector in analysis.selectors:
            allowed = self.series_labels(selector.name)
            if allowed is not None:
                labels |= allowed
        self.recorded[name] = frozenset(labels)

    def metric_of(self, series):
        """The catalogue metric a series name belongs to (histogram parts map to the histogram)."""
        if series in self.metrics:
            return self.metrics[series]
        for suffix in _HISTOGRAM_SUFFIXES:
            base = series[: -len(suffix)]
            if series.endswith(suffix) and base in self.metrics and self.metrics[base].type == "histogram":
                return self.metrics[base]
        return None

    def series_labels(self, series):
        """Label names a series may carry, or None when the name is unknown."""
        metric = self.metric_of(series)
        if metric is not None:
            if metric.type == "histogram" and series == metric.name:
                return None  # a histogram is only queried through _bucket, _sum, _count
            labels = set(metric.labels) | SCRAPE_LABELS
            if series.endswith("_bucket") and metric.type == "histogram":
                labels.add("le")
            return frozenset(labels)
        if series in self.recorded:
            return self.recorded[series]
        if series in _SCRAPE_SERIES:
            return frozenset(SCRAPE_LABELS)
        return None

    def check_expr(self, expr):
        """Problems in `expr` as a list of messages (empty when it only uses known names)."""
        try:
            analysis = promql.analyze(expr)
        except promql.PromqlError as e:
            return [f"cannot read expression: {e}"]
        problems, union = [], set(SCRAPE_LABELS)
        for selector in analysis.selectors:
            allowed = self.series_labels(selector.name)
            if allowed is None:
                metric = self.metrics.get(selector.name)
                if metric is not None and metric.type == "histogram":
                    problems.append(f"histogram {selector.name} has no series of its own; "
                                    "use _bucket, _sum or _count")
                else:
                    problems.append(f"unknown metric {selector.name!r} (not in metrics.txt, "
                                    "not a recording rule)")
                continue
            union |= allowed
            metric = self.metric_of(selector.name)
            for m in selector.matchers:
                if m.label == "__name__":
                    continue
                if m.label not in allowed:
                    problems.append(f"{selector.name} has no label {m.label!r} "
                                    f"(labels: {', '.join(sorted(allowed))})")
                    continue
                values = metric.labels.get(m.label) if metric is not None else None
                if values is None:
                    values = self._recorded_values(selector.name, m.label)
                problems += _check_value(selector.name, m, values)
        for label in analysis.grouping_labels:
            if label not in union and label != "le":
                problems.append(f"grouping label {label!r} is carried by none of the series used")
        return problems

    def check_series(self, series_list):
        """Problems between concrete series (dicts of labels with __name__, e.g. from
        /api/v1/series or an exposition) and the catalogue, both ways: every metric present,
        no name, label or listed label value outside it. `job`/`instance` are optional."""
        problems, seen = set(), set()
        for series in series_list:
            name = series.get("__name__", "")
            metric = self.metric_of(name)
            allowed = self.series_labels(name) if metric is not None else None
            if allowed is None:
                problems.add(f"{name} is not in metrics.txt")
                continue
            seen.add(metric.name)
            for label, value in series.items():
                if label == "__name__":
                    continue
                if label not in allowed:
                    problems.add(f"{name} has label {label!r}, not in metrics.txt")
                elif metric.labels.get(label) is not None and value not in metric.labels[label]:
                    problems.add(f'{name}{{{label}="{value}"}}: value not listed in metrics.txt')
            for label in metric.labels:
                if label not in series:
                    problems.add(f"{name} lacks label {label!r}")
        for name in self.metrics:
            if name not in seen:
                problems.add(f"{name} is in metrics.txt but has no series")
        return sorted(problems)

    def _recorded_values(self, series, label):
        """Allowed values of `label` on a recording rule: those of the catalogue label of that name."""
        if series not in self.recorded:
            return None
        sets = [m.labels[label] for m in self.metrics.values()
                if label in m.labels and m.labels[label] is not None]
        return frozenset().union(*sets) if sets else None


def _check_value(series, matcher, values):
    if values is None or "$" in matcher.value:
        return []
    if matcher.op in ("=", "!="):
        candidates = [matcher.value] if matcher.value else []
    elif re.fullmatch(r"[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*", matcher.value):
        candidates = matcher.value.split("|")   # a plain list of alternatives
    else:
        return []
    return [f"{series}{{{matcher.label}{matcher.op}\"{matcher.value}\"}}: {v!r} is not a value of "
            f"{matcher.label} ({', '.join(sorted(values))})"
            for v in candidates if v not in values]


def load(path):
    metrics = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            where = f"{path}:{number}"
            if len(parts) < 4:
                raise ValueError(f"{where}: expected NAME TYPE LABELS MEANING")
            name, kind, label_spec, meaning = parts
            if not re.fullmatch(r"mlc_[a-z0-9_]+", name):
                raise ValueError(f"{where}: metric name {name!r} must be mlc_ + snake_case")
            if kind not in _TYPES:
                raise ValueError(f"{where}: type {kind!r} must be one of {', '.join(_TYPES)}")
            if kind == "counter" and not name.endswith("_total"):
                raise ValueError(f"{where}: counter {name} must end in _total")
            if name in metrics:
                raise ValueError(f"{where}: {name} listed twice")
            labels = {}
            if label_spec != "-":
                for spec in label_spec.split(","):
                    label, _, values = spec.partition("=")
                    if not re.fullmatch(r"[a-z_][a-z0-9_]*", label) or label in labels:
                        raise ValueError(f"{where}: bad or repeated label {label!r}")
                    if label in SCRAPE_LABELS or label == "le":
                        raise ValueError(f"{where}: label {label!r} is reserved")
                    labels[label] = frozenset(values.split("|")) if values else None
            metrics[name] = Metric(name, kind, labels, meaning)
    if not metrics:
        raise ValueError(f"{path}: no metrics")
    return Catalogue(metrics)


def parse_exposition(text, source="<exposition>"):
    """(series as label dicts with __name__, {name: TYPE}) of Prometheus text format 0.0.4."""
    series, types = [], {}
    label_re = re.compile(r'\s*([a-zA-Z_]\w*)="((?:\\.|[^"\\])*)"\s*,?')
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) == 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = re.match(r"([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+\S+", line)
        if not m:
            raise ValueError(f"{source}:{number}: not a sample line: {line!r}")
        labels = {"__name__": m.group(1)}
        body, pos = m.group(3) or "", 0
        while pos < len(body):
            lm = label_re.match(body, pos)
            if not lm:
                raise ValueError(f"{source}:{number}: bad labels {body!r}")
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        series.append(labels)
    return series, types
