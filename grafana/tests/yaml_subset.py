"""A reader for the small YAML subset used by grafana/ rule and test files.

Debian's python3 comes without PyYAML and the checks must run on a fresh machine with only the
packages mlc.sh installs, so this reads what Prometheus rule and promtool test files need:
block mappings and sequences, plain / single-quoted / double-quoted scalars, `|` and `>` block
scalars (with `-` chomping), empty or one-line flow collections (`[]`, `{}`, `[a, b]`) and
comments. Anything else (anchors, tags, multi-line plain scalars, `? ` keys) is rejected with the
file and line, never silently misread. check_dashboards.py compares the result with PyYAML
wherever PyYAML is installed.
"""
import re

__all__ = ["YamlError", "load"]


class YamlError(ValueError):
    pass


_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
_UNSUPPORTED = ("&", "*", "!", "%", "@", "`", "? ")


def load(text, source="<yaml>"):
    """Parses `text` and returns dicts, lists, strings, ints, floats, bools and None."""
    return _Parser(text, source).document()


class _Parser:
    def __init__(self, text, source):
        self.lines = text.expandtabs(8).split("\n")
        self.i = 0
        self.source = source

    def fail(self, message, line=None):
        number = (self.i if line is None else line) + 1
        raise YamlError(f"{self.source}:{number}: {message}")

    # ---- line helpers
    def _skip_blank(self):
        while self.i < len(self.lines):
            stripped = self.lines[self.i].strip()
            if stripped and not stripped.startswith("#"):
                return
            self.i += 1

    def _indent(self):
        """Indentation of the next meaningful line, -1 at the end."""
        self._skip_blank()
        if self.i >= len(self.lines):
            return -1
        line = self.lines[self.i]
        return len(line) - len(line.lstrip(" "))

    def _content(self):
        return self.lines[self.i].strip()

    @staticmethod
    def _is_item(content):
        return content == "-" or content.startswith("- ")

    # ---- structure
    def document(self):
        indent = self._indent()
        if indent < 0:
            return None
        if indent != 0:
            self.fail("document must start at column 0")
        value = self.node(0)
        if self._indent() >= 0:
            self.fail("unexpected content (bad indentation?)")
        return value

    def node(self, indent):
        content = self._content()
        if self._is_item(content):
            return self.sequence(indent)
        if self._split_key(content) is not None:
            return self.mapping(indent)
        value = self.scalar(content)
        self.i += 1
        return value

    def sequence(self, indent):
        items = []
        while self._indent() == indent and self._is_item(self._content()):
            content = self._content()
            rest = content[1:].lstrip(" ")
            if not rest or rest.startswith("#"):
                self.i += 1
                child = self._indent()
                items.append(self.node(child) if child > indent else None)
                continue
            # "- key: value" starts a mapping whose keys line up with "key": re-read this line
            # as if it were indented to that column.
            column = indent + (len(content) - len(rest))
            self.lines[self.i] = " " * column + rest
            items.append(self.node(column))
        return items

    def mapping(self, indent):
        result = {}
        while self._indent() == indent and not self._is_item(self._content()):
            line_no = self.i
            split = self._split_key(self._content())
            if split is None:
                self.fail("expected `key: value`")
            key, rest = split
            if key in result:
                self.fail(f"duplicate key {key!r}")
            self.i += 1
            rest = _strip_comment(rest).strip()
            if not rest:
                child = self._indent()
                if child > indent:
                    result[key] = self.node(child)
                elif child == indent and self._is_item(self._content()):
                    result[key] = self.sequence(indent)
                else:
                    result[key] = None
            elif rest[0] in "|>":
                result[key] = self.block_scalar(rest, indent, line_no)
            else:
                self.i = line_no
                result[key] = self.scalar(rest)
                self.i = line_no + 1
        return result

    def block_scalar(self, header, indent, line_no):
        m = re.fullmatch(r"([|>])([-+]?)", header)
        if not m:
            self.fail(f"unsupported block scalar header {header!r}", line_no)
        style, chomp = m.groups()
        raw = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                break
            raw.append(line)
            self.i += 1
        while raw and not raw[-1].strip():
            raw.pop()
        if not raw:
            return ""
        content_indent = min(len(l) - len(l.lstrip(" ")) for l in raw if l.strip())
        body = [l[content_indent:] if l.strip() else "" for l in raw]
        if style == "|":
            text = "\n".join(body)
        else:
            if any(l.startswith(" ") for l in body):
                self.fail("more-indented lines in a folded scalar are not supported", line_no)
            # Folding: a line break becomes a space, a blank line becomes the line break.
            text = ""
            for l in body:
                if not l:
                    text += "\n"
                    continue
                if text and not text.endswith("\n"):
                    text += " "
                text += l
        return text if chomp == "-" else text + "\n"

    def scalar(self, text):
        text = text.strip()
        if text.startswith("'"):
            end = _single_quote_end(text)
            if end < 0:
                self.fail("unterminated single-quoted string (multi-line strings are not supported)")
            value = text[1:end].replace("''", "'")
            tail = text[end + 1:]
        elif text.startswith('"'):
            end = _double_quote_end(text)
            if end < 0:
                self.fail("unterminated double-quoted string (multi-line strings are not supported)")
            value = _unescape(text[1:end], self)
            tail = text[end + 1:]
        elif text.startswith("[") or text.startswith("{"):
            return self.flow(_strip_comment(text).strip())
        else:
            if text.startswith(_UNSUPPORTED):
                self.fail(f"unsupported YAML feature in {text!r}")
            value = _strip_comment(text).strip()
            self._check_plain_continuation()
            return _plain(value)
        if _strip_comment(tail).strip():
            self.fail(f"unexpected text after quoted string: {tail!r}")
        return value

    def _check_plain_continuation(self):
        nxt = self.i + 1
        while nxt < len(self.lines) and not self.lines[nxt].strip():
            nxt += 1
        # A deeper-indented line right after a plain scalar would be a multi-line scalar.
        if nxt < len(self.lines):
            cur = self.lines[self.i]
            line = self.lines[nxt]
            if (len(line) - len(line.lstrip(" ")) > len(cur) - len(cur.lstrip(" "))
                    and not line.strip().startswith("#")):
                self.fail("multi-line plain scalars are not supported; use | or >", nxt)

    def flow(self, text):
        if text in ("[]", "{}"):
            return [] if text == "[]" else {}
        if text.startswith("[") and text.endswith("]"):
            inner = text[1:-1]
            if any(c in inner for c in "[]{}"):
                self.fail("nested flow collections are not supported")
            return [self.scalar(part) for part in _split_commas(inner, self)]
        self.fail(f"unsupported flow collection {text!r}")

    def _split_key(self, content):
        """(key, rest) when `content` is `key: rest` / `key:`, else None."""
        if content.startswith(("'", '"')):
            end = (_single_quote_end if content[0] == "'" else _double_quote_end)(content)
            if end < 0:
                return None
            after = content[end + 1:]
            if after.startswith(":") and (len(after) == 1 or after[1] == " "):
                key = content[1:end]
                key = key.replace("''", "'") if content[0] == "'" else _unescape(key, self)
                return key, after[1:]
            return None
        m = re.match(r"([^#\s][^:#]*?|[^#\s]*?):( |$)", content)
        if not m:
            return None
        key = m.group(1).rstrip()
        if key.startswith(("[", "{")) or not key:
            return None
        return key, content[m.end():]


def _strip_comment(text):
    out, quote = [], None
    for pos, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (pos == 0 or text[pos - 1] == " "):
            break
        out.append(c)
    return "".join(out)


def _single_quote_end(text):
    pos = 1
    while pos < len(text):
        if text[pos] == "'":
            if pos + 1 < len(text) and text[pos + 1] == "'":
                pos += 2
                continue
            return pos
        pos += 1
    return -1


def _double_quote_end(text):
    pos = 1
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if text[pos] == '"':
            return pos
        pos += 1
    return -1


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "0": "\0", "r": "\r"}


def _unescape(text, parser):
    out, pos = [], 0
    while pos < len(text):
        c = text[pos]
        if c != "\\":
            out.append(c)
            pos += 1
            continue
        code = text[pos + 1:pos + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            pos += 2
        elif code == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[pos + 2:pos + 6] or ""):
            out.append(chr(int(text[pos + 2:pos + 6], 16)))
            pos += 6
        else:
            parser.fail(f"unsupported escape \\{code} in double-quoted string")
    return "".join(out)


def _split_commas(text, parser):
    parts, current, quote = [], "", None
    for c in text:
        if quote:
            current += c
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            current += c
        elif c == ",":
            parts.append(current.strip())
            current = ""
        else:
            current += c
    if current.strip():
        parts.append(current.strip())
    if any(not p for p in parts):
        parser.fail("empty entry in flow sequence")
    return parts


def _plain(value):
    if value in ("null", "~", ""):
        return None
    if value in ("true", "false"):
        return value == "true"
    if value.lower() in ("yes", "no", "on", "off"):
        # YAML 1.1 (PyYAML, Go's yaml.v2 in older tools) reads these as booleans; refuse the
        # ambiguity instead of guessing.
        raise YamlError(f"ambiguous plain scalar {value!r}: quote it")
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value
