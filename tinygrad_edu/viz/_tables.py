"""The tables of a backward trace: plain text, Markdown and HTML (one row per step and input).

Columns: the step number, the node and its op, the upstream gradient ∂L/∂node, then per input its
part of the local rule, the local derivative's value, the share = upstream × local, and the
input's gradient so far (the sum of the shares it has received).

Every cell goes through ``escape.printable`` (a user's op may have any name or rule), the
Markdown table through ``escape.markdown_text`` and the HTML one through ``escape.html_text``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..autograd import Array
from . import _text
from .escape import html_text, markdown_text, printable
from .graph import walk

if TYPE_CHECKING:
    from .steps import TraceRecord


def columns(trace: TraceRecord) -> list[str]:
    L = trace.labels[trace.root]
    return [
        "step", "node", "op", f"upstream ∂{L}/∂node", "input", "local rule",
        "local ∂node/∂input", "share = upstream × local", f"∂{L}/∂input so far",
    ]  # fmt: skip


def rows(trace: TraceRecord, max_values: int = _text.MAX_VALUES) -> list[list[str]]:
    """One row per (step, input); the step's own cells only on its first row."""

    def show(a: Array) -> str:
        return _text.summarize(a, max_values)

    out: list[list[str]] = []
    for s in trace.steps:
        head = [str(s.index), s.label, printable(s.op), show(s.upstream)]
        if not s.contributions:
            out.append([*head, "-", printable(s.formula), "-", "-", "-"])
        for k, c in enumerate(s.contributions):
            name = f"{c.label} ({c.operand})" if c.operand else c.label
            local = "Jacobian (see rule)" if c.local is None else show(c.local)
            share = show(c.value) + (" (broadcast summed)" if c.summed else "")
            cells = [name, printable(c.rule), local, share, show(c.total)]
            out.append((head if k == 0 else ["", "", "", ""]) + cells)
    return out


def intro(trace: TraceRecord) -> list[str]:
    L, shape = trace.labels[trace.root], _text.shape_text(trace.root.shape)
    return [
        f"Backward pass from {L} ({shape}): {len(trace.steps)} steps, in the order backward() "
        "runs them (reverse topological order).",
        f"Seed: ∂{L}/∂{L} = {_text.summarize(trace.seed)}. At each step an op passes every "
        "input its share = upstream × local derivative; an input's gradient is the sum of "
        "its shares.",
    ]


def outro(trace: TraceRecord, max_values: int = _text.MAX_VALUES) -> list[str]:
    L = trace.labels[trace.root]
    lines = [f"Gradients ∂{L}/∂x after the pass:"]
    for t in walk(trace.root):
        if t in trace.grads and t is not trace.root:
            kept = "  (leaf: kept in .grad)" if t.grad_fn is None else ""
            lines.append(f"  {trace.labels[t]} = {_text.summarize(trace.grads[t], max_values)}"
                         f"{kept}")  # fmt: skip
    return lines


def to_text(trace: TraceRecord, max_values: int = _text.MAX_VALUES) -> str:
    """The trace as a plain-text table (what ``str(trace)`` gives)."""
    table = [columns(trace), *rows(trace, max_values)]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in table]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*intro(trace), "", *lines, "", *outro(trace, max_values)])


def to_markdown(trace: TraceRecord, max_values: int = _text.MAX_VALUES) -> str:
    """The trace as Markdown: the intro, a pipe table and the final gradients."""

    md = markdown_text
    table = [[md(c) for c in columns(trace)], ["---"] * len(columns(trace))]
    table += [[md(c) for c in row] for row in rows(trace, max_values)]
    lines = ["| " + " | ".join(row) + " |" for row in table]
    end = outro(trace, max_values)
    return "\n".join([*map(md, intro(trace)), "", *lines, "", md(end[0]), "",
                      *(f"- {md(line.strip())}" for line in end[1:])]) + "\n"  # fmt: skip


def to_html(
    trace: TraceRecord, max_values: int = _text.MAX_VALUES, highlight: int | None = None
) -> str:
    """The trace as an HTML fragment (a styled table); ``highlight`` marks one step."""
    esc = html_text
    parts = [_STYLE, '<div class="tge-trace">']
    parts += [f"<p>{esc(line)}</p>" for line in intro(trace)]
    parts.append("<table><thead><tr>")
    parts += [f"<th>{esc(c)}</th>" for c in columns(trace)]
    parts.append("</tr></thead><tbody>")
    index = 0
    for row in rows(trace, max_values):
        if row[0]:
            index = int(row[0])
        mark = ' class="current"' if index == highlight else ""
        parts.append(f'<tr data-step="{index}"{mark}>')
        parts += [f"<td>{esc(c)}</td>" for c in row]
        parts.append("</tr>")
    parts.append("</tbody></table>")
    end = outro(trace, max_values)
    parts.append(f"<p>{esc(end[0])}</p><ul>")
    parts += [f"<li>{esc(line.strip())}</li>" for line in end[1:]]
    parts.append("</ul></div>")
    return "\n".join(parts)


_STYLE = """<style>
.tge-trace table { border-collapse: collapse; font-size: 0.9em; }
.tge-trace th, .tge-trace td { border: 1px solid #d1d5db; padding: 2px 8px; text-align: left; }
.tge-trace td { font-family: monospace; overflow-wrap: break-word; }
.tge-trace th { background: #f3f4f6; }
.tge-trace td:nth-child(4), .tge-trace td:nth-child(8), .tge-trace td:nth-child(9) {
  color: #b91c1c; }
.tge-trace tr.current td { background: #fef3c7; }
</style>"""
