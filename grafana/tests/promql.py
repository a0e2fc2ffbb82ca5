"""Just enough PromQL reading to check dashboards and rules against the metric catalogue.

`analyze(expr)` lexes an expression (Grafana variables such as $tenant or ${datasource} allowed)
and returns the series selectors it uses, the labels named in by/without/on/ignoring/group_*
clauses and the functions it calls. It does not evaluate or fully parse PromQL: promtool and the
live check against a real Prometheus do that. Its job is to catch a misspelt metric, label or
label value before a dashboard silently shows "No data".
"""
import re
from dataclasses import dataclass, field

__all__ = ["PromqlError", "Matcher", "Selector", "Analysis", "analyze", "FUNCTIONS",
           "GRAFANA_VARIABLE"]


class PromqlError(ValueError):
    pass


# Functions and aggregation operators of Prometheus 2.42.
FUNCTIONS = frozenset("""
abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp
clamp_max clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month
deg delta deriv exp floor histogram_quantile holt_winters hour idelta increase irate label_join
label_replace last_over_time ln log10 log2 mad_over_time max_over_time min_over_time minute month
pi predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn sin sinh
sort sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector
year
sum min max avg group stddev stdvar count count_values bottomk topk quantile
""".split())

_AGGREGATIONS = frozenset("sum min max avg group stddev stdvar count count_values bottomk topk "
                          "quantile".split())
_GROUPING = frozenset(["by", "without", "on", "ignoring", "group_left", "group_right"])
_BINARY_WORDS = frozenset(["and", "or", "unless", "atan2", "bool"])

# $name, ${name}, ${name:format}; Grafana's deprecated [[name]] is not accepted.
GRAFANA_VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)")

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<var>\$\{[^}]*\}|\$\w+)
  | (?P<number>0[xX][0-9a-fA-F]+
      |(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?(?:(?:ms|[smhdwy])(?:[0-9]+(?:ms|[smhdwy]))*)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}\[\]@:])
""", re.VERBOSE)


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str      # = != =~ !~
    value: str   # unquoted; may hold Grafana variables


@dataclass
class Selector:
    name: str
    matchers: list = field(default_factory=list)


@dataclass
class Analysis:
    selectors: list = field(default_factory=list)
    grouping_labels: list = field(default_factory=list)
    functions: list = field(default_factory=list)
    variables: list = field(default_factory=list)


def _tokens(expr):
    pos, out = 0, []
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise PromqlError(f"unexpected character {expr[pos]!r} at offset {pos}")
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            out.append((kind, m.group(), pos))
        pos = m.end()
    return out


def _unquote(token):
    body = token[1:-1]
    if token[0] == "`":
        return body
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def analyze(expr):
    """Reads `expr`; raises PromqlError on text it cannot make sense of."""
    if not isinstance(expr, str) or not expr.strip():
        raise PromqlError("empty expression")
    toks = _tokens(expr)
    result = Analysis()
    result.variables = [a or b for a, b in GRAFANA_VARIABLE.findall(expr)]
    depth = 0
    i = 0

    def expect(kind_or_text, what):
        nonlocal i
        if i >= len(toks) or (toks[i][1] != kind_or_text and toks[i][0] != kind_or_text):
            found = toks[i][1] if i < len(toks) else "end of expression"
            raise PromqlError(f"expected {what}, found {found!r}")
        i += 1
        return toks[i - 1]

    def matchers():
        nonlocal i
        found = []
        expect("{", "'{'")
        while i < len(toks) and toks[i][1] != "}":
            label = expect("ident", "label name")[1]
            op = expect("op", "label matcher operator")[1]
            if op not in ("=", "!=", "=~", "!~"):
                raise PromqlError(f"bad matcher operator {op!r} after label {label!r}")
            kind, text, _ = toks[i] if i < len(toks) else (None, None, None)
            if kind != "string":
                raise PromqlError(f"label {label!r} needs a quoted value")
            i += 1
            found.append(Matcher(label, op, _unquote(text)))
            if i < len(toks) and toks[i][1] == ",":
                i += 1
        expect("}", "'}'")
        return found

    while i < len(toks):
        kind, text, pos = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "ident":
            word = text.lower()
            if word in _GROUPING:
                i += 1
                if nxt == "(":
                    i += 1
                    while i < len(toks) and toks[i][1] != ")":
                        if toks[i][0] == "ident":
                            result.grouping_labels.append(toks[i][1])
                        elif toks[i][1] != ",":
                            raise PromqlError(f"unexpected {toks[i][1]!r} in {text}(...)")
                        i += 1
                    expect(")", f"')' closing {text}(")
                elif word in ("by", "without", "on", "ignoring"):
                    raise PromqlError(f"{text} needs a label list")
            elif word in _BINARY_WORDS:
                i += 1
            elif word == "offset":
                i += 1
                if i < len(toks) and toks[i][1] == "-":
                    i += 1
                expect("number", "a duration after offset")
            elif nxt == "(" or (text in _AGGREGATIONS and str(nxt).lower() in ("by", "without")):
                if text not in FUNCTIONS:
                    raise PromqlError(f"unknown function {text!r}")
                result.functions.append(text)
                i += 1
            elif word in ("inf", "nan"):
                i += 1
            else:
                i += 1
                found = matchers() if nxt == "{" else []
                result.selectors.append(Selector(text, found))
        elif text == "{":
            found = matchers()
            names = [m.value for m in found if m.label == "__name__" and m.op == "="]
            if not names:
                raise PromqlError("selector without a metric name")
            result.selectors.append(Selector(names[0], found))
        elif text == "[":
            # Range or subquery: durations, ':' and Grafana interval variables only.
            i += 1
            while i < len(toks) and toks[i][1] != "]":
                if toks[i][0] not in ("number", "var") and toks[i][1] != ":":
                    raise PromqlError(f"unexpected {toks[i][1]!r} in a range")
                i += 1
            expect("]", "']'")
        else:
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth < 0:
                    raise PromqlError(f"unbalanced ')' at offset {pos}")
            elif text in ("}", "]"):
                raise PromqlError(f"unbalanced {text!r} at offset {pos}")
            i += 1
    if depth != 0:
        raise PromqlError("unbalanced parentheses")
    return result
