"""Backprop as an animation: the graph redrawn after every step of the backward pass.

Frame 0 is the forward pass alone (every ``data``, no gradient yet). Frame k shows the graph
after step k: the op that just ran and its node are outlined in amber, the shares it sent are
red on its operand arrows, values whose gradient is complete show it, values still waiting for
more shares show ``grad so far … (1 of 2)``, the others ``grad ?``. So a graph traced in N steps
gives N + 1 frames, all with the same layout (rows are padded to equal widths).

Every frame is a whole picture, so a long backward pass makes a big page: past ``MAX_FRAMES``
frames ``animate_backward`` stops with a message before running anything; ``max_frames`` raises
the limit (``None``: no limit). Each frame is built in time linear in the graph.

>>> from tinygrad_edu import Tensor
>>> a = Tensor(2.0, requires_grad=True, name="a")
>>> anim = animate_backward((a * a).sigmoid())
>>> len(anim), len(anim.trace)                # frames = steps + 1
(3, 2)
"""

from __future__ import annotations

import io
import numbers
import re
from pathlib import Path
from typing import Any

from ..autograd import Array, Function
from ..tensor import Tensor
from . import _text
from ._doc import DotDoc, pad_bytes, pad_fields
from .dot import GradView, build_doc, graph_of
from .escape import html_text, printable, script_json
from .graph import Slot, walk
from .render import render_dot
from .trace import BackwardTrace, trace_backward

#: Frames drawn at most unless ``max_frames`` says otherwise (a frame per backward step, + 1).
MAX_FRAMES = 100


def animate_backward(
    loss: Tensor | BackwardTrace,
    *,
    max_frames: int | None = MAX_FRAMES,
    **options: Any,
) -> BackpropAnimation:
    """Frames of ``loss``'s backward pass (runs ``trace_backward`` unless given a trace).

    ``options`` are ``to_dot``'s (``direction``, ``legend``, ``collapse_layers``, ...). Like
    ``trace_backward``, passing a tensor runs its backward pass and fills the leaves' ``.grad``.
    A pass of more than ``max_frames - 1`` steps raises ``ValueError`` before it runs (see the
    module doc); ``max_frames=None`` draws any number of frames.
    """
    if isinstance(loss, Tensor):
        _check_frames(sum(1 for t in walk(loss) if t.grad_fn is not None) + 1, max_frames)
    trace = loss if isinstance(loss, BackwardTrace) else trace_backward(loss)
    return BackpropAnimation(trace, max_frames=max_frames, **options)


def _check_frames(frames: int, max_frames: int | None) -> None:
    if max_frames is not None and (
        isinstance(max_frames, bool) or not isinstance(max_frames, numbers.Integral)
        or max_frames < 1
    ):  # fmt: skip
        raise ValueError(
            f"animate_backward: max_frames must be an int ≥ 1 or None, got {max_frames!r}"
        )
    if max_frames is not None and frames > max_frames:
        raise ValueError(
            f"animate_backward: this backward pass takes {frames - 1} steps, so {frames} frames, "
            f"more than max_frames={max_frames} (each frame is a whole picture of the graph). "
            f"Pass max_frames={frames} (or None) to draw them all, or animate a smaller graph."
        )


class BackpropAnimation:
    """The frames (``docs``), their ``captions``, and ways to save and show them."""

    def __init__(
        self, trace: BackwardTrace, *, max_frames: int | None = MAX_FRAMES, **options: Any
    ) -> None:
        _check_frames(len(trace.steps) + 1, max_frames)
        self.trace = trace
        options.pop("title", None)
        self.captions = [_caption(trace, k) for k in range(len(trace.steps) + 1)]
        width = max(len(c.encode()) for c in self.captions)
        graph = graph_of(trace.root, **options)
        self.docs: list[DotDoc] = [
            build_doc(trace.root, graph=graph, view=view, title=pad_bytes(c, width), **options)
            for view, c in zip(_views(trace), self.captions, strict=True)
        ]
        pad_fields(self.docs)
        self._svgs: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def frames(self) -> list[str]:
        """The DOT text of every frame."""
        return [d.source() for d in self.docs]

    def svgs(self, renderer: str = "auto") -> list[str]:
        """Every frame rendered to SVG (computed once per renderer)."""
        if renderer not in self._svgs:
            self._svgs[renderer] = [
                render_dot(d, "svg", renderer=renderer).decode() for d in self.docs
            ]
        return self._svgs[renderer]

    def to_html(self, renderer: str = "auto", title: str = "Backprop, step by step") -> str:
        """One self-contained page: the frames inline, a slider, and the trace table.

        No file or network is needed to view it: the SVGs, the style and the script are all in
        the page.
        """
        frames = "\n".join(
            f'<div class="frame" data-caption="{html_text(c)}"{"" if k == 0 else " hidden"}>'
            f"{_inline(svg)}</div>"
            for k, (c, svg) in enumerate(zip(self.captions, self.svgs(renderer), strict=True))
        )
        n = len(self.docs) - 1
        return _PAGE.format(
            title=html_text(title), n=n, frames=frames, trace=self.trace.to_html(),
            captions=script_json(self.captions),
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(
        self,
        directory: str | Path,
        *,
        prefix: str = "backprop",
        gif: bool | None = None,
        renderer: str = "auto",
        frame_ms: int = 1200,
    ) -> dict[str, Path]:
        """Write ``prefix_000.svg`` …, ``prefix.html`` and ``prefix.gif`` into ``directory``.

        ``gif=None`` writes the GIF when matplotlib and Pillow are installed, ``True`` insists,
        ``False`` skips it. ``directory`` is created if its parent exists. Returns the paths by
        kind: ``"svg"`` (the first frame), ``"html"``, ``"gif"``.
        """
        folder = Path(directory)
        if not folder.parent.is_dir():
            raise FileNotFoundError(
                f"save: the folder {str(folder.parent)!r} does not exist; create it"
            )
        folder.mkdir(exist_ok=True)
        written: dict[str, Path] = {}
        for k, svg in enumerate(self.svgs(renderer)):
            path = folder / f"{prefix}_{k:03d}.svg"
            path.write_text(svg, encoding="utf-8")
            written.setdefault("svg", path)
        written["html"] = folder / f"{prefix}.html"
        written["html"].write_text(self.to_html(renderer), encoding="utf-8")
        if gif is not False:
            try:
                written["gif"] = self.save_gif(folder / f"{prefix}.gif", renderer, frame_ms)
            except ImportError:
                if gif:
                    raise
        return written

    def save_gif(
        self, path: str | Path, renderer: str = "auto", frame_ms: int = 1200, dpi: float = 96
    ) -> Path:
        """An animated GIF of the frames (needs matplotlib and Pillow, both in ``[viz]``)."""
        try:
            from PIL import Image
        except ImportError:
            raise ImportError("save_gif needs Pillow: pip install tinygrad_edu[viz]") from None
        target = Path(path)
        if not target.parent.is_dir():
            raise FileNotFoundError(f"save_gif: the folder {str(target.parent)!r} does not exist")
        images = [
            Image.open(io.BytesIO(render_dot(d, "png", renderer=renderer, dpi=dpi))).convert("RGB")
            for d in self.docs
        ]
        size = (max(i.width for i in images), max(i.height for i in images))
        frames = []
        for image in images:  # one size for all (layouts match; this guards rounding)
            canvas = Image.new("RGB", size, "white")
            canvas.paste(image, (0, 0))
            frames.append(canvas)
        durations = [frame_ms] * len(frames)
        durations[0] = durations[-1] = 2 * frame_ms
        frames[0].save(target, save_all=True, append_images=frames[1:], duration=durations, loop=0)
        return target


def _views(trace: BackwardTrace) -> list[GradView]:
    """What is known before the first step (frame 0) and after each step, in one pass."""
    expected: dict[Tensor, int] = {}
    for s in trace.steps:
        for c in s.contributions:
            expected[c.input] = expected.get(c.input, 0) + 1
    index = {s.fn: s.index for s in trace.steps}
    views = [GradView({}, {}, index, {}, ran=frozenset(), pending=True)]
    grads: dict[Tensor, Array] = {trace.root: trace.seed}
    got: dict[Tensor, int] = {}
    contributions: dict[Slot, Array] = {}
    ran: list[Function] = []
    for s in trace.steps:
        for c in s.contributions:
            grads[c.input] = c.total
            got[c.input] = got.get(c.input, 0) + 1
            contributions[(s.fn, c.slot)] = c.value
        ran.append(s.fn)
        partial = {t: (n, expected[t]) for t, n in got.items() if n < expected[t]}
        views.append(
            GradView(
                dict(grads),
                dict(contributions),
                index,
                partial,
                current=frozenset({s.fn}),
                ran=frozenset(ran),
                pending=True,
            )
        )
    return views


def _caption(trace: BackwardTrace, k: int) -> str:
    L = trace.labels[trace.root]
    if k == 0:
        return (
            f"Frame 0: forward pass done. Backward starts at {L} with "
            f"∂{L}/∂{L} = {_text.summarize(trace.seed)}."
        )
    s = trace.steps[k - 1]
    shares = ", ".join(f"∂{L}/∂{c.label} += {_text.summarize(c.value)}" for c in s.contributions)
    return printable(  # the op's name is its class's: a user's op may be called anything
        f"Step {k} of {len(trace.steps)}: {s.op} at {s.label} with upstream "
        f"∂{L}/∂{s.label} = {_text.summarize(s.upstream)}; {shares or 'no input needs a grad'}."
    )


def _inline(svg: str) -> str:
    """An SVG document as an element for an HTML page (no XML prolog, doctype or comments)."""
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.S)
    return svg.strip()


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em 2em; color: #111827; }}
#controls {{ display: flex; gap: 0.5em; align-items: center; margin: 0.5em 0; }}
#controls, #caption {{ position: sticky; background: #fff; z-index: 1; }}
#controls {{ top: 0; padding: 0.3em 0; }} #caption {{ top: 2.4em; }}
#slider {{ flex: 1; max-width: 40em; }}
#caption {{ font-family: monospace; background: #fef3c7; padding: 0.4em 0.6em; }}
.frame {{ overflow: auto; }} .frame svg {{ display: block; }}
.tge-trace tr.current td {{ background: #fef3c7; }}
</style></head>
<body>
<h1>{title}</h1>
<div id="controls">
<button id="prev" title="previous step (←)">&#9664;</button>
<button id="play" title="play / pause (space)">play</button>
<button id="next" title="next step (→)">&#9654;</button>
<input id="slider" type="range" min="0" max="{n}" value="0">
<span id="where">frame 0 of {n}</span>
</div>
<p id="caption"></p>
<div id="frames">
{frames}
</div>
<h2>The chain-rule steps</h2>
{trace}
<script>
(function () {{
  var captions = {captions};
  var frames = document.querySelectorAll("#frames .frame");
  var slider = document.getElementById("slider"), timer = null;
  function show(k) {{
    k = Math.max(0, Math.min({n}, k));
    frames.forEach(function (f, i) {{ f.hidden = i !== k; }});
    slider.value = k;
    document.getElementById("where").textContent = "frame " + k + " of {n}";
    document.getElementById("caption").textContent = captions[k];
    document.querySelectorAll(".tge-trace tbody tr").forEach(function (row) {{
      row.classList.toggle("current", Number(row.dataset.step) === k);
    }});
  }}
  function step(d) {{ show(Number(slider.value) + d); }}
  function play() {{
    if (timer) {{ clearInterval(timer); timer = null; return; }}
    if (Number(slider.value) >= {n}) show(0);
    timer = setInterval(function () {{
      if (Number(slider.value) >= {n}) {{ clearInterval(timer); timer = null; }} else step(1);
    }}, 1200);
  }}
  slider.addEventListener("input", function () {{ show(Number(slider.value)); }});
  document.getElementById("prev").onclick = function () {{ step(-1); }};
  document.getElementById("next").onclick = function () {{ step(1); }};
  document.getElementById("play").onclick = play;
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight") step(1);
    if (e.key === "ArrowLeft") step(-1);
    if (e.key === " ") {{ e.preventDefault(); play(); }}
  }});
  show(0);
}})();
</script>
</body></html>
"""
