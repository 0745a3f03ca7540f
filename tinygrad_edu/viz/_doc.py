"""A DOT document in memory: nodes, edges, attributes, and the role of each line of text.

Graphviz record labels (``a|b|c``) give every value node its stacked rows and render the same
with the ``dot`` program and with the in-process WebAssembly Graphviz (which has no HTML-like
labels). Records cannot colour one row, so each node remembers the *role* of every text line it
draws (``grad``, ``formula``, ...) and the SVG/PNG writers colour the lines by role afterwards.

Every text is kept as written until ``source()`` writes it, and is escaped there, in one place,
by ``escape.dot_record_field`` (record rows), ``escape.dot_string`` (other attributes) and
``escape.dot_comment``: no name, title or value can end a string, a record field or a comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .escape import dot_comment, dot_id, dot_record_field, dot_string

#: How each role of a text line is drawn: (colour, font size or None for the node's own).
ROLE_STYLE: dict[str, tuple[str, float | None]] = {
    "head": ("#1e3a8a", None),
    "data": ("#111827", None),
    "grad": ("#b91c1c", None),
    "partial": ("#c2410c", None),
    "pending": ("#9ca3af", None),
    "title": ("#3b0764", None),
    "formula": ("#4b5563", None),
    "step": ("#92400e", None),
    "note": ("#4b5563", None),
}


class Escaped(str):
    """Text that is already the inside of a DOT string (a record label, lines joined by
    ``\\n`` or ``\\l``): written as it is, where plain ``str`` values are escaped."""


@dataclass
class Field:
    """One field of a record: lines drawn one under the other, each with a role."""

    lines: list[tuple[str, str]]  # (text, role)

    def text(self) -> str:
        """The field as record-label text: each line escaped, lines joined by ``\\n``."""
        return "\\n".join(dot_record_field(t) for t, _ in self.lines)


@dataclass
class DotDoc:
    """Nodes, edges and attributes as plain text, written out (and escaped) by ``source``."""

    graph_attrs: dict[str, str] = field(default_factory=dict)
    node_attrs: dict[str, str] = field(default_factory=dict)
    edge_attrs: dict[str, str] = field(default_factory=dict)
    nodes: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    fields: dict[str, list[Field]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    label_lines: list[str] = field(default_factory=list)  # the graph's label, left-aligned
    braces: bool = False  # wrap record labels in {} (top-to-bottom layouts), so rows stack

    def add_record(self, node_id: str, fields: list[Field], attrs: dict[str, str]) -> None:
        """A record node whose fields stack vertically in either layout direction."""
        self.fields[node_id] = fields
        self.nodes.append((node_id, attrs))

    def roles(self) -> dict[str, list[str]]:
        """For each record node, the role of each text line in drawing order."""
        return {n: [r for f in fs for t, r in f.lines if t] for n, fs in self.fields.items()}

    def record_label(self, node_id: str) -> Escaped:
        body = "|".join(f.text() for f in self.fields[node_id])
        return Escaped("{" + body + "}" if self.braces else body)

    def attrs_of(self, node_id: str, attrs: dict[str, str]) -> dict[str, str]:
        """A node's attributes with its record label (escaped) in front."""
        if node_id in self.fields:
            return {"label": self.record_label(node_id), **attrs}
        return attrs

    def all_graph_attrs(self) -> dict[str, str]:
        """The graph's attributes with its label lines (escaped, each ended by ``\\l``)."""
        if not self.label_lines:
            return self.graph_attrs
        label = Escaped("".join(dot_string(line) + "\\l" for line in self.label_lines))
        return {**self.graph_attrs, "label": label}

    def source(self) -> str:
        """The document as DOT text."""
        out = [dot_comment(c) for c in self.comments]
        out.append("digraph backprop {")
        for kind, attrs in (
            ("graph", self.all_graph_attrs()),
            ("node", self.node_attrs),
            ("edge", self.edge_attrs),
        ):
            if attrs:
                out.append(f"  {kind} [{_attr_list(attrs)}];")
        for node_id, attrs in self.nodes:
            out.append(f"  {dot_id(node_id)} [{_attr_list(self.attrs_of(node_id, attrs))}];")
        for tail, head, attrs in self.edges:
            extra = f" [{_attr_list(attrs)}]" if attrs else ""
            out.append(f"  {dot_id(tail)} -> {dot_id(head)}{extra};")
        out.append("}")
        return "\n".join(out) + "\n"


def escaped(attrs: dict[str, str]) -> dict[str, str]:
    """Each attribute value as the inside of a DOT string (``Escaped`` values as they are)."""
    return {k: v if isinstance(v, Escaped) else dot_string(v) for k, v in attrs.items()}


def _attr_list(attrs: dict[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in escaped(attrs).items())  # keys: Graphviz's names


def pad_fields(docs: list[DotDoc]) -> None:
    """Give every field line the same width in all ``docs`` (frames of one animation).

    Graphviz sizes a node from its text, so a row that reads ``grad 0.25`` in one frame and
    ``grad (1/2)`` in the next would move the whole layout. Lines are padded with spaces, equally
    on both sides, to the longest version (measured in UTF-8 bytes, as the in-process Graphviz
    measures), and edge labels and the graph label the same way: every frame then has the same
    layout. (The graph label is the caller's: pad its lines before building the documents.)
    """
    texts: dict[tuple[str, int, int], set[str]] = {}
    for doc in docs:
        for node_id, fs in doc.fields.items():
            for i, f in enumerate(fs):
                for j, (text, _) in enumerate(f.lines):
                    texts.setdefault((node_id, i, j), set()).add(text)
    widths = {key: max(len(t.encode()) for t in found) for key, found in texts.items()}
    for doc in docs:
        for node_id, fs in doc.fields.items():
            for i, f in enumerate(fs):
                f.lines = [
                    (
                        _pad_line(text, widths[(node_id, i, j)], len(texts[(node_id, i, j)]) > 1),
                        role,
                    )
                    for j, (text, role) in enumerate(f.lines)
                ]
    for k in range(min(len(doc.edges) for doc in docs)):
        _pad_attr([doc.edges[k][2] for doc in docs], "label")


def _pad_attr(items: list[dict[str, str]], key: str) -> None:
    """Pad attribute ``key`` of items that belong together (same position in every frame)."""
    width = max(len(a.get(key, "").encode()) for a in items)
    if width:
        for a in items:
            a[key] = _center(a.get(key, ""), width)


def pad_bytes(text: str, width: int) -> str:
    """``text`` with spaces after it up to ``width`` UTF-8 bytes."""
    return text + " " * max(width - len(text.encode()), 0)


def _pad_line(text: str, width: int, varies: bool) -> str:
    """A record line padded to ``width``; Graphviz drops a record field's leading spaces, so a
    line that varies starts with a no-break space in every frame (the same in all of them)."""
    return "\u00a0" + _center(text, width) if varies else text


def _center(text: str, width: int) -> str:
    missing = width - len(text.encode())
    if missing <= 0:
        return text
    left = missing // 2
    return " " * left + text + " " * (missing - left)
