"""The escaping functions, for every string: each output language reads back exactly the text.

The readers are the formats' own rules (``tests/hostile.py``), and the characters that must not
survive are listed here from the Unicode categories, not taken from the code under test.
"""

from __future__ import annotations

import html
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.viz.escape import (
    dot_comment,
    dot_id,
    dot_record_field,
    dot_string,
    html_text,
    markdown_text,
    mpl_text,
    printable,
    script_json,
)

from .hostile import Page, dot_tokens, graphviz_text, record_lines

#: The machine may be busy; hypothesis's per-example deadline measures that, not the code.
NO_DEADLINE = settings(deadline=None)

#: Unicode's bidirectional formatting characters (they reorder the text that follows them).
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hidden(ch: str) -> bool:
    return ch in BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


any_text = st.text(alphabet=st.characters(), max_size=40)
plain_text = st.text(alphabet=st.characters().filter(lambda c: not hidden(c)), max_size=40)


def test_hand_picked_escapes() -> None:
    assert printable("a\nb\tc\x00\u202e") == "a\\nb\\tc\\x00\\u202e"
    assert dot_string('x"\\N&') == 'x\\"\\\\N&amp;'
    assert dot_record_field("  {a|b}") == "\u00a0\u00a0\\{a\\|b\\}"
    assert dot_id("v0") == "v0" and dot_id("node") == '"node"' and dot_id("a b") == '"a b"'
    assert script_json(["</script>\u2028&"]) == '["\\u003c/script\\u003e\\u2028\\u0026"]'
    assert mpl_text("$5 and $6") == "\\$5 and \\$6"


@NO_DEADLINE
@given(any_text)
def test_printable_writes_each_hidden_character_as_its_python_escape(text: str) -> None:
    out = printable(text)
    assert out == "".join(repr(c)[1:-1] if hidden(c) else c for c in text)
    assert not any(hidden(c) for c in out)
    out.encode("utf-8")  # no lone surrogate is left to break a writer


@NO_DEADLINE
@given(plain_text)
def test_printable_changes_nothing_else(text: str) -> None:
    assert printable(text) == text


@NO_DEADLINE
@given(plain_text)
def test_a_dot_string_is_one_token_that_graphviz_draws_as_the_text(text: str) -> None:
    tokens = dot_tokens(f'x [label="{dot_string(text)}"];')
    assert [kind for kind, _ in tokens] == [
        "id",
        "punct",
        "id",
        "punct",
        "string",
        "punct",
        "punct",
    ]
    assert graphviz_text(tokens[4][1]) == text


@NO_DEADLINE
@given(plain_text)
def test_a_record_field_is_one_field_that_graphviz_draws_as_the_text(text: str) -> None:
    (kind, value), *_ = dot_tokens(f'"{dot_record_field(text)}"')
    assert kind == "string"
    drawn = text.replace("\u00a0", " ")  # a record's leading spaces are drawn as no-break ones
    assert record_lines(value) == ([drawn] if text else [])


@NO_DEADLINE
@given(any_text)
def test_a_comment_is_one_line(text: str) -> None:
    tokens = dot_tokens(dot_comment(text) + "\nx;")
    assert tokens[0][0] == "comment" and tokens[1:] == [("id", "x"), ("punct", ";")]


@NO_DEADLINE
@given(any_text)
def test_html_text_reads_back_and_opens_nothing(text: str) -> None:
    out = html_text(text)
    assert not set(out) & set("<>\"'")
    assert html.unescape(out) == text


@NO_DEADLINE
@given(st.lists(any_text, max_size=4))
def test_script_json_reads_back_and_cannot_end_the_script(values: list[str]) -> None:
    out = script_json(values)
    assert json.loads(out) == values
    assert not set(out) & set("<>&\u2028\u2029")


cell_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs", "Cf", "Co", "Cn"), max_codepoint=0x2FFF
    )
    | st.just(" "),
    max_size=30,
)


@NO_DEADLINE
@given(cell_text)
def test_a_markdown_table_cell_shows_the_text(text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    table = f"| head |\n| --- |\n| {markdown_text(text)} |\n"
    page = Page(markdown_it.MarkdownIt("commonmark").enable("table").render(table))
    assert [t for t, _ in page.tags] == ["table", "thead", "tr", "th", "tbody", "tr", "td"]
    assert "".join(page.texts).split("head", 1)[1].strip() == text.strip(" ")
