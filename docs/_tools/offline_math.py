"""MkDocs hook: the site's formulas are typeset by a copy of MathJax inside the site, not a CDN.

``pymdownx.arithmatex`` (generic mode) turns ``$...$`` into ``<span class="arithmatex">\\(...\\)
</span>`` and a ``$$ ... $$`` block into a ``<div class="arithmatex">\\[...\\]</div>``;
``docs/javascripts/mathjax.js`` tells MathJax to typeset exactly those, and MathJax's SVG output
draws every glyph as a path, so it needs no web fonts. The MathJax files come from the package
``django-static-mathjax`` (MathJax 3.2.2 under the Apache 2.0 licence, as plain package data; it
needs no Django), installed with the ``docs`` extra. After each build this hook copies the part of
MathJax that the page script and its on-demand extensions load into ``site/assets/mathjax/``, so
the built site works offline and opened from disk.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

DISTRIBUTION = "django-static-mathjax"
ES5 = "mathjax/static/mathjax/es5"  # where the package keeps MathJax's browser build
SCRIPT = "tex-svg.js"  # TeX input, SVG output, the menu
TARGET = Path("assets") / "mathjax"
#: What tex-svg.js loads later, on demand: TeX extensions (autoload), the accessibility menu's
#: components and the speech rule engine they use.
ON_DEMAND = ("input/tex/extensions", "a11y", "sre", "ui", "adaptors")


def mathjax_source() -> Path:
    """The folder holding MathJax's browser build (``tex-svg.js`` and its components)."""
    try:
        root = Path(str(importlib.metadata.distribution(DISTRIBUTION).locate_file(ES5)))
    except importlib.metadata.PackageNotFoundError:
        root = None
    if root is None or not (root / SCRIPT).is_file():
        raise PluginError(
            f"the docs typeset math with MathJax from the package {DISTRIBUTION}, which is not "
            f"installed here: pip install -e '.[docs]' -c constraints.txt"
        )
    return root


def copy_mathjax(source: Path, site_dir: Path) -> Path:
    """Copy ``SCRIPT`` and the ``ON_DEMAND`` folders from ``source`` to ``site_dir/TARGET``."""
    target = site_dir / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / SCRIPT, target / SCRIPT)
    for folder in ON_DEMAND:
        shutil.copytree(source / folder, target / folder, dirs_exist_ok=True)
    return target


def on_config(config: Any) -> Any:
    """Fail early, before building any page, when MathJax is missing."""
    mathjax_source()
    return config


def on_post_build(config: Any) -> None:
    copy_mathjax(mathjax_source(), Path(config["site_dir"]))
