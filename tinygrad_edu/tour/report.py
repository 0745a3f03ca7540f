"""The tour's report: sections of text, tables, code and figures, for the terminal and as HTML.

A ``Section`` is a list of blocks in reading order plus a few ``summary`` lines for the terminal.
``write_html`` makes one self-contained page: PNG figures are inlined as base64 data URIs, SVG
figures as SVG text, the style sheet is in the page, and nothing is fetched from a network.
Every text — titles, paragraphs, code, table cells, captions, folder names — is escaped by
``viz.escape.html_text``, so what a section says is shown, never run.
"""

from __future__ import annotations

import base64
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from ..viz.escape import html_text

Rows = list[list[str]]


@dataclass
class Text:
    """A paragraph; `backticks` become code."""

    text: str


@dataclass
class Code:
    """A preformatted block (code and what it printed)."""

    text: str


@dataclass
class Table:
    header: list[str]
    rows: Rows
    caption: str = ""


@dataclass
class Figure:
    """A figure written to ``path`` (PNG or SVG) with a caption."""

    path: Path
    caption: str


Block = Text | Code | Table | Figure


@dataclass
class Section:
    """One chapter of the tour."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    def text(self, *paragraphs: str) -> None:
        """Add paragraphs of prose (Markdown-style backticks become code)."""
        self.blocks.extend(Text(p) for p in paragraphs)

    def code(self, text: str) -> None:
        """Add a block of code, shown as written."""
        self.blocks.append(Code(text.strip("\n")))

    def table(self, header: list[str], rows: Rows, caption: str = "") -> None:
        """Add a table: a header row, then one list of cells per row."""
        self.blocks.append(Table(header, rows, caption))

    def figure(self, path: Path, caption: str) -> None:
        """Add a picture (a PNG or SVG file in the report's folder) with its caption."""
        self.blocks.append(Figure(path, caption))

    def say(self, *lines: str) -> None:
        """Lines for the terminal report (the HTML has the full story)."""
        self.summary.extend(lines)

    @property
    def figures(self) -> list[Path]:
        """Every picture this section shows, in order."""
        return [b.path for b in self.blocks if isinstance(b, Figure)]


# ------------------------------------------------------------------------------------ terminal
def _wrap(cell: str, width: int) -> list[str]:
    """``cell`` as lines of at most ``width`` characters, broken between words where it can."""
    if len(cell) <= width:
        return [cell]
    return textwrap.wrap(cell, width, break_on_hyphens=False) or [""]


def format_table(header: list[str], rows: Rows, max_width: int = 28) -> str:
    """A plain-text table with aligned columns; a cell longer than ``max_width`` wraps onto
    further lines of its row (nothing is cut)."""
    lines: list[str] = []
    wrapped = [[_wrap(c, max_width) for c in row] for row in [header, *rows]]
    widths = [max(len(line) for row in wrapped for line in row[i]) for i in range(len(header))]
    for r, row in enumerate(wrapped):
        for k in range(max(len(cell) for cell in row)):
            parts = [
                (c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths, strict=True)
            ]
            lines.append("  ".join(parts).rstrip())
        if r == 0:
            lines.append("  ".join("─" * w for w in widths))
    return "\n".join(lines)


def render_terminal(section: Section, number: int, total: int) -> str:
    """The section's title, its summary lines and its first table, for the terminal."""
    lines = [f"\n[{number}/{total}] {section.title}"]
    lines += [f"  {s}" for s in section.summary]
    tables = [b for b in section.blocks if isinstance(b, Table)]
    if tables:
        t = tables[0]
        lines += ["  " + line for line in format_table(t.header, t.rows).splitlines()]
    if section.figures:
        lines.append(f"  figures: {', '.join(p.name for p in section.figures)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- HTML
_STYLE = """
body { font: 16px/1.55 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.9rem; } h2 { border-bottom: 2px solid #e4e4e7; padding-bottom: .2rem;
       margin-top: 2.6rem; }
code, pre { font: 14px/1.45 ui-monospace, monospace; background: #f4f4f5; }
code { padding: 0 .2rem; border-radius: 3px; }
pre { padding: .8rem 1rem; overflow-x: auto; border-radius: 6px; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 14px; }
th, td { border: 1px solid #d4d4d8; padding: .25rem .55rem; text-align: right;
         overflow-wrap: break-word; }
th { background: #f4f4f5; } td:first-child, th:first-child { text-align: left; }
caption { caption-side: bottom; font-size: 13px; color: #52525b; text-align: left;
          padding-top: .3rem; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; }
.picture { overflow: auto; } .picture svg { display: block; }
figcaption { font-size: 14px; color: #52525b; }
nav ol { columns: 2; } .meta { color: #52525b; font-size: 14px; }
"""

_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)


def _inline(text: str) -> str:
    """Escape text; `backticks` → <code>."""
    parts = html_text(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _figure_html(fig: Figure) -> str:
    data = fig.path.read_bytes()
    if fig.path.suffix.lower() == ".dot":  # no Graphviz to draw it: show the DOT source
        body = f"<pre>{html_text(data.decode('utf-8'))}</pre>"
    elif fig.path.suffix.lower() == ".svg":
        # natural size (text as Graphviz set it, ≥ 10 px); a wide graph scrolls, never shrinks
        body = f'<div class="picture">{_XML_PROLOG.sub("", data.decode("utf-8")).strip()}</div>'
    else:
        encoded = base64.b64encode(data).decode("ascii")
        alt = html_text(fig.caption)
        body = f'<img alt="{alt}" src="data:image/png;base64,{encoded}">'
    return f"<figure>{body}<figcaption>{_inline(fig.caption)}</figcaption></figure>"


def _block_html(block: Block) -> str:
    if isinstance(block, Text):
        return f"<p>{_inline(block.text)}</p>"
    if isinstance(block, Code):
        return f"<pre>{html_text(block.text)}</pre>"
    if isinstance(block, Table):
        head = "".join(f"<th>{html_text(h)}</th>" for h in block.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in row) + "</tr>"
            for row in block.rows
        )
        caption = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return _figure_html(block)


def write_html(sections: list[Section], path: Path, title: str, intro: list[str]) -> Path:
    """Write the whole report as one self-contained HTML file at ``path``."""
    toc = "".join(
        f'<li><a href="#{html_text(s.key)}">{html_text(s.title)}</a></li>' for s in sections
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html_text(title)}</h1>",
        *(f'<p class="meta">{_inline(p)}</p>' for p in intro),
        f"<nav><ol>{toc}</ol></nav>",
    ]
    for s in sections:
        parts.append(f'<section id="{html_text(s.key)}"><h2>{html_text(s.title)}</h2>')
        parts.extend(_block_html(b) for b in s.blocks)
        parts.append("</section>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
