"""``draw_graph``: the graph of a tensor as a ``graphviz.Digraph`` that needs no ``dot`` program.

The result is a real ``graphviz.Digraph`` (``GraphPicture``), so everything that builds or reads
DOT with the ``graphviz`` package works on it (``.source``, ``.node()``, ``.edge()``,
``.attr()``). What normally calls the ``dot`` program uses ``render_dot`` instead, with the
signatures and return values of ``graphviz.Digraph``:

=====================================================  =========================================
``pic.render()``                                       writes ``backprop.gv`` (the DOT) and
                                                       ``backprop.gv.svg``; returns that path
``pic.render("net", directory="out", format="png")``   ``out/net`` and ``out/net.png``
``pic.render(outfile="net.svg")``                      ``net.gv`` and ``net.svg``
``pic.pipe()`` / ``pic.pipe("png")``                   the picture's bytes (``encoding`` → str)
``pic.view()``                                         renders, then opens it in the browser
``pic.save()``                                         writes the DOT source; returns its path
=====================================================  =========================================

Formats are ``FORMATS`` (svg, png, pdf, dot); the default is SVG. Options that only mean
something to the ``dot`` program (``renderer``, ``formatter``, ``engine`` other than "dot",
``neato_no_op``) raise ``ValueError`` saying so. In Jupyter the picture shows itself as SVG.
"""

from __future__ import annotations

import functools
import os
import webbrowser
from pathlib import Path
from typing import Any

from ..tensor import Tensor
from ._doc import DotDoc, escaped
from .dot import build_doc
from .render import FORMATS, render_dot

#: The file suffixes ``save`` treats as "write the picture" rather than "write the DOT source".
PICTURE_SUFFIXES = (".svg", ".png", ".pdf")


def draw_graph(tensor: Tensor, **options: Any) -> Any:
    """The graph of ``tensor`` as a ``graphviz.Digraph`` that shows itself in Jupyter.

    Options are ``to_dot``'s. The returned object is a ``graphviz.Digraph`` subclass (needs the
    ``graphviz`` Python package, in ``tinygrad_edu[viz]``) whose ``render``, ``pipe``, ``view``
    and inline picture use the in-process renderers, so it works without the ``dot`` program
    (see the module docstring for what each writes and returns).
    """
    doc = build_doc(tensor, **options)
    picture_class = _picture_class()
    import graphviz

    def dot(attrs: dict[str, str]) -> dict[str, str]:  # graphviz quotes what dot() escaped
        return {k: graphviz.nohtml(v) for k, v in escaped(attrs).items()}

    picture = picture_class(
        name="backprop", format="svg", graph_attr=dot(doc.all_graph_attrs()),
        node_attr=dot(doc.node_attrs), edge_attr=dot(doc.edge_attrs),
    )  # fmt: skip
    for node_id, attrs in doc.nodes:
        picture.node(node_id, **dot(doc.attrs_of(node_id, attrs)))
    for tail, head, attrs in doc.edges:
        picture.edge(tail, head, **dot(attrs))
    picture.tge_doc, picture.tge_source = doc, str(picture.source)
    return picture


def _format(fmt: str | None, default: str, where: str) -> str:
    chosen = (fmt or default).lower().lstrip(".")
    chosen = "dot" if chosen == "gv" else chosen
    if chosen not in FORMATS:
        raise ValueError(f"{where}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return chosen


def _no_program_options(where: str, **options: Any) -> None:
    """Reject the options that only the ``dot`` program understands."""
    if options.get("engine") in (None, "dot"):
        options.pop("engine", None)
    given = sorted(k for k, v in options.items() if v is not None)
    if given:
        raise ValueError(
            f"{where}: {', '.join(given)} only apply to the Graphviz dot program; this picture "
            "renders in-process with the dot layout: leave them out"
        )


_NOT_NODES = ("graph [", "node [", "edge [", "subgraph", "{", "}", "//", "label=")


def _count(body: list[str]) -> tuple[int, int]:
    """(nodes, edges) among the DOT statements of a ``graphviz.Digraph`` body."""
    nodes = edges = 0
    for line in body:
        statement = line.strip()
        if " -> " in statement:
            edges += 1
        elif statement and not statement.startswith(_NOT_NODES):
            nodes += 1
    return nodes, edges


@functools.cache
def _picture_class() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "draw_graph needs the graphviz Python package: pip install tinygrad_edu[viz] "
            "(to_dot works without it)"
        ) from None

    class GraphPicture(graphviz.Digraph):  # type: ignore[misc]
        """A ``graphviz.Digraph`` that renders with tinygrad_edu's renderers (module doc)."""

        tge_doc: DotDoc | None = None
        tge_source: str = ""

        def _doc(self) -> str | DotDoc:
            source = str(self.source)  # the document's colours apply while it is unchanged
            return (
                self.tge_doc if self.tge_doc is not None and source == self.tge_source else source
            )

        def __repr__(self) -> str:
            nodes, edges = _count(list(self.body))
            return (
                f"<GraphPicture {self.name!r}: {nodes} nodes, {edges} edges (a graphviz.Digraph)"
                " — shown inline in Jupyter; .render('name') writes name.gv and name.gv.svg, "
                ".pipe() returns the SVG bytes>"
            )

        def _repr_image_svg_xml(self) -> str:
            return render_dot(self._doc(), "svg").decode()

        def _repr_image_png(self) -> bytes:
            return render_dot(self._doc(), "png")

        def pipe(
            self,
            format: str | None = None,
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = False,
            *,
            engine: str | None = None,
            encoding: str | None = None,
        ) -> bytes | str:
            """The picture as bytes in ``format`` (default ``self.format``, SVG); str when an
            ``encoding`` is given. ``quiet`` is accepted for compatibility (nothing to hush)."""
            _no_program_options(
                "pipe", renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
                engine=engine,
            )  # fmt: skip
            data = render_dot(self._doc(), _format(format, self.format, "pipe"))
            return data.decode(encoding) if encoding is not None else data

        def save(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            *,
            skip_existing: bool | None = False,
        ) -> str:
            """Write the DOT source to ``directory/filename`` (default ``self.filepath``) and
            return its path, as ``graphviz.Digraph.save`` does. A name ending in .svg, .png or
            .pdf writes that picture instead."""
            if filename is not None and Path(filename).suffix.lower() in PICTURE_SUFFIXES:
                target = Path(directory or "", filename)
                if not target.parent.is_dir():
                    raise FileNotFoundError(
                        f"save: the folder {str(target.parent)!r} does not exist; create it"
                    )
                target.write_bytes(render_dot(self._doc(), target.suffix[1:].lower()))
                return str(target)
            return str(super().save(filename, directory=directory, skip_existing=skip_existing))

        def render(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = False,
            quiet_view: bool = False,
            *,
            outfile: str | os.PathLike[str] | None = None,
            engine: str | None = None,
            raise_if_result_exists: bool = False,
            overwrite_source: bool = False,
        ) -> str:
            """Save the DOT source, write the picture beside it and return the picture's path.

            Without ``outfile`` the picture is the source's path plus ``.format``
            (``backprop.gv.svg``); with it, ``outfile`` itself (format from its suffix) and the
            source beside it as ``.gv``. ``cleanup`` deletes the source afterwards, ``view``
            opens the picture in the browser.
            """
            _no_program_options(
                "render", renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
                engine=engine,
            )  # fmt: skip
            if outfile is not None:
                picture = Path(directory if directory is not None else self.directory, outfile)
                fmt = _format(format or picture.suffix or None, self.format, "render")
                source = (
                    Path(directory or "", filename)
                    if filename is not None
                    else picture.with_suffix(".gv")
                )
                if not picture.parent.is_dir():
                    raise FileNotFoundError(
                        f"render: the folder {str(picture.parent)!r} does not exist; create it"
                    )
                if source.resolve() == picture.resolve() and not overwrite_source:
                    raise ValueError(
                        f"render: outfile {str(picture)!r} is the DOT source file; choose "
                        "another name or pass overwrite_source=True"
                    )
                source.write_text(self.source, encoding=self.encoding)
            else:
                fmt = _format(format, self.format, "render")
                source = Path(super().save(filename, directory=directory))
                picture = Path(f"{source}.{fmt}")
            if raise_if_result_exists and picture.exists():
                raise FileExistsError(f"render: {str(picture)!r} exists already")
            picture.write_bytes(render_dot(self._doc(), fmt))
            if cleanup:
                source.unlink()
            if view or quiet_view:
                webbrowser.open(picture.resolve().as_uri())
            return str(picture)

        def view(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            cleanup: bool = False,
            quiet: bool = False,
            quiet_view: bool = False,
        ) -> str:
            """Render (as ``render``) and open the picture in the browser; returns its path."""
            return self.render(
                filename, directory, view=True, cleanup=cleanup, quiet=quiet,
                quiet_view=quiet_view,
            )  # fmt: skip

    return GraphPicture


__all__ = ["PICTURE_SUFFIXES", "draw_graph"]
