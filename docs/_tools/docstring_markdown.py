"""Griffe extension: show the package's plain-text docstrings well in the API reference.

The docstrings are written to read well in ``help()`` and to run as doctests, so they use a few
reStructuredText habits that Markdown does not understand. Before mkdocstrings renders a
docstring, this extension rewrites (in the rendered copy only, never the source):

* doctest examples (``>>>`` lines and their output) into fenced ``pycon`` code blocks, which
  Markdown would otherwise turn into nested quotes;
* "simple tables" (columns under ``====  ====`` rules) into Markdown tables;
* a paragraph ending in ``::`` before an indented block into one ending in ``:``.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

RULE = re.compile(r"^=+( +=+)+$")


def _doctests(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith(">>>"):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += [f"{indent}```pycon", *block, f"{indent}```"]
        else:
            out.append(lines[i])
            i += 1
    return out


def _columns(rule: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"=+", rule)]


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    # A column starts at its rule's first "=", or later if the text before overruns its rule.
    starts = []
    for start, _ in spans:
        while 0 < start < len(line) and line[start - 1] != " ":
            start += 1
        starts.append(start)
    ends = [*starts[1:], len(line)]
    return [line[a:b].strip().replace("|", "\\|") for a, b in zip(starts, ends, strict=True)]


def _tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if RULE.match(lines[i]) and i + 2 < len(lines):
            rules = [j for j in range(i, len(lines)) if RULE.match(lines[j])]
            if len(rules) >= 3 and rules[1] == i + 2:
                spans = _columns(lines[i])
                header = _cells(lines[i + 1], spans)
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "---|" * len(header))
                for row in lines[rules[1] + 1 : rules[2]]:
                    out.append("| " + " | ".join(_cells(row, spans)) + " |")
                i = rules[2] + 1
                continue
        out.append(lines[i])
        i += 1
    return out


def to_markdown(text: str) -> str:
    """The Markdown form of one docstring (see the module docstring for what changes)."""
    lines = _tables(_doctests(text.splitlines()))
    lines = [line[:-1] if line.endswith("::") and line.strip() != "::" else line for line in lines]
    return "\n".join(lines)


class DocstringMarkdown(Extension):
    """Rewrite every docstring with ``to_markdown`` before it is parsed and rendered."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
