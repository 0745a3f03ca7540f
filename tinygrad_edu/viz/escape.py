r"""One escaping function per output language, so a name is shown as text and never read as code.

Pictures and pages show what users typed — tensor names, titles, folder names — and they get
shared, so no name may change what a picture shows or what a page does. Every writer in
``tinygrad_edu.viz`` and the tour's report goes through these functions:

====================  ===========================================================================
function              what it escapes
====================  ===========================================================================
``printable``         characters that are invisible or move other text — control characters
                      (new lines, tabs, NUL, ...), line and paragraph separators, bidirectional
                      controls, lone surrogates — become their Python escape (``\n``,
                      ``\u202e``), so a label keeps to its line and reads in its own order
``dot_string``        ``\`` and ``"`` (Graphviz reads ``\N`` as the node's name and ``"`` as the
                      end of the string), ``&`` (Graphviz decodes ``&amp;`` to ``&``), and
                      what ``printable`` rewrites
``dot_record_field``  the same, plus the record syntax ``{ } | < >`` and spaces
``dot_comment``       what ``printable`` rewrites: a ``//`` comment cannot end before its line
``markdown_text``     ``\ ` * _ [ ]`` with a backslash, ``< > & | ~`` as character references
                      (which CommonMark and Python-Markdown both show as the character): no
                      emphasis, code, link, HTML or table cell can start; and ``printable``
``mpl_text``          ``$`` as ``\$`` (two of them would start matplotlib's mathtext), for
                      titles, axis labels and legend entries; and ``printable``
``html_text``         ``& < > " '``, for element text and attribute values alike
``script_json``       ``< > &`` and U+2028, U+2029 as ``\u`` escapes: ``</script>`` cannot end
                      the script, and the JSON stays one JavaScript expression
====================  ===========================================================================

>>> print(dot_string('say "hi" \\N & go'))
say \"hi\" \\N &amp; go
>>> print(dot_record_field("{x|y} z"))
\{x\|y\}\ z
>>> print(printable("two\nlines"), dot_comment("a\nb"))
two\nlines // a\nb
>>> print(markdown_text("*w* | <b>"))
\*w\* &#124; &lt;b&gt;
>>> print(html_text('<b title="x">&</b>'))
&lt;b title=&quot;x&quot;&gt;&amp;&lt;/b&gt;
>>> print(script_json(["</script>"]))
["\u003c/script\u003e"]
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = [
    "dot_comment",
    "dot_id",
    "dot_record_field",
    "dot_string",
    "html_text",
    "markdown_text",
    "mpl_text",
    "printable",
    "script_json",
]

#: Control characters (C0, DEL, C1), the bidirectional controls, the line and paragraph
#: separators and the surrogates (Unicode categories Cc, Cs, Zl, Zp and the bidi controls).
_HIDDEN_CHARS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_HIDDEN = re.compile(f"[{_HIDDEN_CHARS}]")
_DOT_SPECIAL = re.compile(f'[{_HIDDEN_CHARS}\\\\"&]')  # and what DOT strings escape
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PLAIN_ID = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_DOT_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})
_RECORD_SYNTAX = re.compile(r"([{}|<>])")
_MARKDOWN = re.compile(r"[\\`*_\[\]<>&|~]")
_MARKDOWN_SAFE = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "|": "&#124;", "~": "&#126;"}
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                  "\u2028": "\\u2028", "\u2029": "\\u2029"}  # fmt: skip


def _visible(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every invisible or text-moving character written as its Python escape.

    Control characters (C0, DEL, C1), line/paragraph separators, bidirectional controls and
    lone surrogates: ``"a\\nb"`` → ``a\\nb`` (a backslash and an n). Everything else, emoji and
    accents included, is kept as it is.
    """
    return _HIDDEN.sub(lambda m: _visible(m.group(0)), text)


def dot_string(text: str) -> str:
    """The inside of a DOT double-quoted string that Graphviz shows as ``text``, character for
    character: ``\\`` → ``\\\\``, ``"`` → ``\\"``, ``&`` → ``&amp;``, hidden characters as in
    ``printable``. Put ``"`` round it (or join lines with ``\\n`` / ``\\l`` first)."""
    if _DOT_SPECIAL.search(text) is None:  # most labels: nothing to escape
        return text
    text = printable(text).replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("&", "&amp;")


def dot_record_field(text: str) -> str:
    """``dot_string`` for one line of a record label, and the record syntax: ``{ } | < >``
    escaped, spaces as ``\\ `` and leading ones as no-break spaces (a record trims them)."""
    field = _RECORD_SYNTAX.sub(r"\\\1", dot_string(text))
    body = field.lstrip(" ")
    return "\u00a0" * (len(field) - len(body)) + body.replace(" ", "\\ ")


def dot_id(name: str) -> str:
    """A node or graph ID: bare when it is a plain identifier, else a quoted DOT string."""
    if _PLAIN_ID.fullmatch(name) and name.lower() not in _DOT_KEYWORDS:
        return name
    return f'"{dot_string(name)}"'


def dot_comment(text: str) -> str:
    """A ``//`` comment line saying ``text``: it cannot end before the line does."""
    return "// " + printable(text)


def markdown_text(text: str) -> str:
    """``text`` for a Markdown paragraph or table cell, shown as written: the characters that
    start emphasis, code or links get a backslash, those that start raw HTML, entities, a new
    table cell or strike-through become character references."""
    return _MARKDOWN.sub(
        lambda m: _MARKDOWN_SAFE.get(m.group(0), "\\" + m.group(0)), printable(text)
    )


def mpl_text(text: str) -> str:
    """``text`` for a matplotlib title, label or legend entry, drawn as written: each ``$`` as
    ``\\$`` (matplotlib reads text with two ``$`` as math and draws ``\\$`` as ``$``)."""
    return printable(text).replace("$", "\\$")


def html_text(text: str) -> str:
    """``text`` for HTML, as element content or a quoted attribute value: ``& < > " '``."""
    return html.escape(text, quote=True)


def script_json(value: Any) -> str:
    """``value`` as JSON that can sit inside ``<script>``: ``< > &`` and U+2028/U+2029 as
    ``\\u`` escapes (JSON parsers and JavaScript read the same value back)."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group(0)], text)
