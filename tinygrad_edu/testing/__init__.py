"""Property-based testing of gradients, for your own ops as for the library's.

``strategies`` holds hypothesis strategies — shapes, broadcastable shapes, matmul shapes and
well-conditioned float64 arrays (kept away from poles and kinks where you say) — and ``checks``
the properties a correct op has: ``check_gradients`` (backward = central differences),
``check_second_order`` (double backward = central differences of the gradient),
``check_tangents`` (forward mode agrees with reverse mode: ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩). A typical test::

    from hypothesis import given, strategies as st
    from tinygrad_edu.testing import checks, strategies as S

    @given(st.data())
    def test_softplus(data):
        x = data.draw(S.arrays(data.draw(S.shapes())))
        checks.check_gradients(lambda t: Softplus.apply(t), x)

Needs hypothesis: ``pip install "tinygrad_edu[testing]"``.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "tinygrad_edu.testing needs hypothesis, which is not installed; "
        'install the testing extra: pip install "tinygrad_edu[testing]"'
    ) from None

from . import checks, strategies

__all__ = ["checks", "strategies"]
