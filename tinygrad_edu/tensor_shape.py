"""Reductions, shape changes and indexing of ``Tensor``: one recorded op each.

``axis`` is None (every element), an int (negative counts from the end) or a tuple of ints;
``keepdims=True`` keeps each reduced axis with length 1, so the result broadcasts against the
input. An axis outside the tensor's dimensions is an error naming the shape.
"""

from __future__ import annotations

from typing import Any, TypeVar

from . import ops
from .ops.indexing import PART

Self_ = TypeVar("Self_", bound="ShapeMethods")


class ShapeMethods:
    """The reductions and shape methods of ``Tensor`` (see the module docstring)."""

    __slots__ = ()
    data: Any
    _unary: Any
    _from_op: Any

    # ------------------------------------------------------------------------------ reductions
    def sum(self: Self_, axis: ops.Axis = None, keepdims: bool = False) -> Self_:
        """Σ of the elements over ``axis``; every element's derivative is 1.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)       # (2, 2) → (2,)
        Tensor([4., 6.])
        """
        return self._unary(ops.Sum(self._axis(axis), keepdims), self)  # type: ignore[no-any-return]

    def mean(self: Self_, axis: ops.Axis = None, keepdims: bool = False) -> Self_:
        """The mean (1/n)Σ over ``axis`` (n elements per mean); each element's derivative is 1/n.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).mean(axis=1, keepdims=True)   # (2, 2) → (2, 1)
        Tensor([[1.5],
                [3.5]])
        """
        return self._unary(ops.Mean(self._axis(axis), keepdims), self)  # type: ignore[no-any-return]

    def max(self: Self_, axis: ops.Axis = None, keepdims: bool = False) -> Self_:
        """The largest element over ``axis``; the derivative is 1 at the maximum (ties share).

        >>> from tinygrad_edu import Tensor
        >>> Tensor([[1.0, 5.0], [3.0, 2.0]]).max(axis=1)
        Tensor([5., 3.])
        """
        if self.data.size == 0:
            raise ValueError(f"max: the tensor is empty (shape {self.data.shape})")
        return self._unary(ops.Max(self._axis(axis), keepdims), self)  # type: ignore[no-any-return]

    def var(self: Self_, axis: ops.Axis = None, keepdims: bool = False) -> Self_:
        """The variance (1/n)Σ(x − x̄)² over ``axis`` (NumPy's ddof=0); ∂/∂xᵢ = 2(xᵢ − x̄)/n.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([1.0, 2.0, 3.0, 4.0]).var()                # mean of 2.25, .25, .25, 2.25
        Tensor(1.25)
        """
        return self._unary(ops.Var(self._axis(axis), keepdims), self)  # type: ignore[no-any-return]

    def std(self: Self_, axis: ops.Axis = None, keepdims: bool = False) -> Self_:
        """The standard deviation √var over ``axis`` (NumPy's ddof=0): ``var(...).sqrt()``."""
        return self.var(axis, keepdims).sqrt()  # type: ignore[attr-defined,no-any-return]

    def _axis(self, axis: Any) -> Any:
        """Check ``axis`` against this tensor's dimensions, so errors name the shape."""
        ndim = self.data.ndim
        for a in () if axis is None else (axis,) if isinstance(axis, int) else axis:
            if not -ndim <= a < max(ndim, 1):
                raise ValueError(
                    f"axis {a} is out of range for a tensor of shape {self.data.shape}"
                )
        return axis

    # --------------------------------------------------------------------------- shape changes
    def reshape(self: Self_, *shape: Any) -> Self_:
        """The same elements in a new shape (one axis may be −1): ``reshape(2, 3)`` or ``((2, 3))``.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([1.0, 2.0, 3.0, 4.0]).reshape(2, -1)
        Tensor([[1., 2.],
                [3., 4.]])
        """
        new = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return self._unary(ops.Reshape(new), self)  # type: ignore[no-any-return]

    def transpose(self: Self_, *axes: int) -> Self_:
        """The axes permuted (reversed if none are given): (2, 3) becomes (3, 2)."""
        order = tuple(axes[0]) if len(axes) == 1 and not isinstance(axes[0], int) else axes
        ndim = self.data.ndim
        if order and sorted(a % max(ndim, 1) for a in order) != list(range(ndim)):
            raise ValueError(
                f"transpose: axes {order} do not permute the axes of {self.data.shape}"
            )
        return self._unary(ops.Transpose(order or None), self)  # type: ignore[no-any-return]

    @property
    def T(self: Self_) -> Self_:
        """The transpose (axes reversed): a (n, m) matrix becomes (m, n)."""
        return self.transpose()

    def broadcast_to(self: Self_, shape: tuple[int, ...]) -> Self_:
        """The tensor repeated along new leading axes and axes of length 1 until it has ``shape``.

        Its gradient sums over the repeats. ``Tensor([1.0, 2.0]).broadcast_to((3, 2))`` is (3, 2).
        """
        return self._unary(ops.BroadcastTo(tuple(shape)), self)  # type: ignore[no-any-return]

    def flatten(self: Self_, start_axis: int = 0) -> Self_:
        """The axes from ``start_axis`` on merged into one: (n, c, h, w) → (n, c·h·w) for 1."""
        shape = self.data.shape
        keep = shape[: start_axis % max(len(shape), 1)] if shape else ()
        return self.reshape(*keep, -1)

    def __getitem__(self: Self_, index: Any) -> Self_:
        """``x[index]`` as NumPy indexes (ints, slices, arrays, masks, ``None``, ``...``).

        The gradient goes back to the picked places; an element picked twice gets both shares.
        """
        # Index Tensors are inputs of the op (with no gradient), not constants: ``ops.IndexBy``.
        if isinstance(index, ShapeMethods):
            return self._from_op(ops.IndexBy(PART, 1), self, index)  # type: ignore[no-any-return]
        if type(index) is tuple and any(isinstance(p, ShapeMethods) for p in index):
            tensors = [p for p in index if isinstance(p, ShapeMethods)]
            template = tuple(PART if isinstance(p, ShapeMethods) else p for p in index)
            by = ops.IndexBy(template, len(tensors))
            return self._from_op(by, self, *tensors)  # type: ignore[no-any-return]
        return self._unary(ops.Index(index), self)  # type: ignore[no-any-return]

    def _unfold(
        self: Self_,
        kernel: tuple[int, int],
        stride: int | tuple[int, int],
        padding: int | tuple[int, int],
    ) -> Self_:
        """Every kh×kw window as a column (im2col): see ``ops.windows.Unfold``."""
        return self._unary(ops.Unfold(kernel, stride, padding), self)  # type: ignore[no-any-return]

    def _fold(
        self: Self_,
        shape: tuple[int, ...],
        kernel: tuple[int, int],
        stride: int | tuple[int, int],
        padding: int | tuple[int, int],
    ) -> Self_:
        """Columns added back into an image of ``shape``, unfold's adjoint (``ops.Fold``)."""
        return self._unary(ops.Fold(shape, kernel, stride, padding), self)  # type: ignore[no-any-return]

    def _scatter(self: Self_, index: Any, shape: tuple[int, ...]) -> Self_:
        """Zeros of ``shape`` with this tensor added at ``index`` (the backward of indexing)."""
        return self._unary(ops.Scatter(index, tuple(shape)), self)  # type: ignore[no-any-return]
