"""See backprop: graph pictures, a step-by-step backward trace, an animation, learning plots.

The graph behind a tensor, with data and gradients::

    from tinygrad_edu.viz import to_dot, draw_graph, trace_backward, render_graph
    trace = trace_backward(loss)       # runs the backward pass, records every chain-rule step
    print(trace)                       # the steps as a table (also .to_markdown(), .to_html())
    print(trace.chain(w))              # ∂L/∂w as the product of local derivatives per path
    draw_graph(loss, trace=trace)      # a picture with every node's gradient (Jupyter shows it)
    render_graph(loss, "loss.svg", trace=trace)
    animate_backward(loss).save("backprop/")   # SVG frames, an HTML page with a slider, a GIF

Learning plots (matplotlib): ``plot_activations``, ``plot_history``, ``plot_lr_sweep``,
``plot_loss_surface`` with ``descent_paths``, ``plot_decision_boundary``,
``plot_gradient_norms`` with ``GradientNormRecorder``.

Importing this package needs only NumPy. Rendering needs Graphviz — the ``dot`` program, or the
in-process WebAssembly build from ``pip install tinygrad_edu[viz]`` — and plots need matplotlib
(also in that extra); each says so when it is missing. ``to_dot`` and ``trace_backward`` need
nothing more.
"""

from .animate import BackpropAnimation, animate_backward
from .dot import to_dot
from .landscape import descent_paths, linear_mse, plot_decision_boundary, plot_loss_surface
from .picture import draw_graph
from .plots import (
    GradientNormRecorder,
    plot_activations,
    plot_gradient_norms,
    plot_history,
    plot_lr_sweep,
)
from .render import RendererNotFoundError, available_renderers, render_dot, render_graph
from .steps import Contribution, Step
from .trace import BackwardTrace, trace_backward

__all__ = [
    "BackpropAnimation",
    "BackwardTrace",
    "Contribution",
    "GradientNormRecorder",
    "RendererNotFoundError",
    "Step",
    "animate_backward",
    "available_renderers",
    "descent_paths",
    "draw_graph",
    "linear_mse",
    "plot_activations",
    "plot_decision_boundary",
    "plot_gradient_norms",
    "plot_history",
    "plot_loss_surface",
    "plot_lr_sweep",
    "render_dot",
    "render_graph",
    "to_dot",
    "trace_backward",
]
