"""Hostile names and the readers that check them: a DOT lexer, Graphviz's label rules, HTML.

The readers are written from the formats' own rules (the DOT grammar, Graphviz's escString and
record labels, HTML), not from the library's escaping, so a test that uses them checks what a
DOT parser, Graphviz or a browser would make of the output.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.autograd import Function

#: Names that try to end a script, a DOT string, comment or record field, or to be decoded.
HOSTILE = [
    "</script><img src=x onerror=alert(1)>",
    'root\n}\ndigraph evil { x [URL="javascript:alert(1)"] }\n//',
    "say \"hi\" and 'bye'",
    "back\\slash \\N \\G \\l \\",
    "<b>&amp;</b>",
    "{a|b} <port> | }",
]


def shown(name: str) -> str:
    """How a picture shows ``name``: as typed, with each newline written as backslash-n."""
    return name.replace("\n", "\\n")


class Doubler(Function):
    """f(x) = 2x, an op of the user's own, renamed below to a hostile class name."""

    formula = "<img src=x onerror=alert(2)> = 2"

    def forward(self, x: Any) -> Any:
        return 2.0 * x

    def backward(self, g: Any) -> tuple[Any, ...]:
        return (2.0 * g,)


Doubler.__name__ = "</script><script>alert(3)</script>"


def hostile_graph() -> tuple[Tensor, list[Tensor]]:
    """L = σ(Doubler(a·b + c)), every tensor named with one of ``HOSTILE``; L's name ends the
    DOT comment if newlines are not escaped."""
    a = Tensor(2.0, requires_grad=True, name=HOSTILE[0])
    b = Tensor(-1.0, requires_grad=True, name=HOSTILE[2])
    c = Tensor(np.float64(0.5), name=HOSTILE[3])
    m = a * b
    m.name = HOSTILE[4]
    s = Tensor._from_op(Doubler(), m + c)
    s.name = HOSTILE[5]
    L = s.sigmoid()
    L.name = HOSTILE[1]
    return L, [a, b, c, m, s, L]


# ------------------------------------------------------------------------------------------ DOT
TOKEN = re.compile(
    r'(?P<space>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)|"(?P<string>(?:\\\\|\\"|[^"\\]|\\[^"\\])*)"'
    r"|(?P<arrow>->)|(?P<punct>[{}\[\];,=])|(?P<id>[A-Za-z_0-9.\x80-\U0010ffff]+)",
    re.S,
)


@dataclass
class DotGraph:
    """What a DOT parser reads: comments, node statements, edge statements, attributes."""

    comments: list[str] = field(default_factory=list)
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


def dot_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) tokens of DOT text; strings have ``\\"`` turned into ``"`` (DOT's only
    string escape), everything else kept. Anything that is not a token is an error."""
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        assert m is not None, f"not DOT at {pos}: {text[pos : pos + 40]!r}"
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "space":
            continue
        value = m.group(kind)
        if kind == "string":
            value = re.sub(r'\\(["\\])', lambda e: e.group(0) if e.group(1) == "\\" else '"', value)
        out.append((kind, value))
    return out


def parse_dot(text: str) -> DotGraph:
    """The one ``digraph`` in ``text``, statement by statement (the subset the library writes)."""
    tokens = dot_tokens(text)
    graph = DotGraph()
    while tokens and tokens[0][0] == "comment":
        graph.comments.append(tokens.pop(0)[1])
    assert tokens[:3] == [("id", "digraph"), ("id", "backprop"), ("punct", "{")], tokens[:3]
    assert tokens[-1] == ("punct", "}"), tokens[-3:]
    body, i = tokens[3:-1], 0

    def attrs() -> dict[str, str]:
        nonlocal i
        found: dict[str, str] = {}
        if i < len(body) and body[i] == ("punct", "["):
            i += 1
            while body[i] != ("punct", "]"):
                key, eq, value = body[i], body[i + 1], body[i + 2]
                assert key[0] == "id" and eq == ("punct", "=") and value[0] in ("string", "id")
                found[key[1]] = value[1]
                i += 3
                if body[i] == ("punct", ","):
                    i += 1
            i += 1
        return found

    while i < len(body):
        kind, name = body[i]
        assert kind in ("id", "string"), f"statement starts with {body[i]}"
        i += 1
        if body[i] == ("arrow", "->"):
            head = body[i + 1][1]
            i += 2
            graph.edges.append((name, head, attrs()))
        elif name in ("graph", "node", "edge"):
            graph.defaults[name] = attrs()
        else:
            assert name not in graph.nodes, f"node {name} declared twice"
            graph.nodes[name] = attrs()
        if i < len(body) and body[i] == ("punct", ";"):  # optional in DOT
            i += 1
    return graph


def graphviz_text(value: str) -> str:
    """An escString as Graphviz draws it: ``\\\\`` → ``\\``, ``\\n``/``\\l``/``\\r`` end a line
    (shown here as a newline), ``\\X`` → X, then HTML entities decoded."""
    lines = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nlr" else m.group(1), value)
    return html.unescape(lines)


def record_lines(label: str) -> list[str]:
    """Every text line of a record label, as Graphviz draws them: fields split at unescaped
    ``|`` (braces only group), ``\\{ \\} \\| \\< \\> \\ `` are the characters, then escString
    rules per line."""
    body = label[1:-1] if label.startswith("{") and label.endswith("}") else label
    fields, current, i = [], "", 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            current += nxt if nxt in "{}|<> " else ch + nxt
            i += 2
            continue
        assert ch not in "{}<>", f"unescaped record syntax {ch!r} in {label!r}"
        if ch == "|":
            fields.append(current)
            current = ""
        else:
            current += ch
        i += 1
    fields.append(current)
    lines: list[str] = []
    for f in fields:
        lines += [t.replace("\u00a0", " ") for t in graphviz_text(f).split("\n") if t]
    return lines


# ----------------------------------------------------------------------------------------- HTML
class Page(HTMLParser):
    """Every start tag with its attributes, the text of each element, and script contents."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.texts.append(data)

    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}

    def attribute_names(self) -> set[str]:
        return {k for _, a in self.tags for k in a}
