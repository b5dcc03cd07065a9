"""Sorting and searching: ``sort``, ``argsort``, ``searchsorted``,
``unique``, ``bincount``, ``diff``, ``nonzero``, ``flatnonzero``,
``nonzero_values``, ``where`` (NumPy semantics, PyTensor names)."""
import numpy as np
from tensorsmith_autodiff import disconnected, mark_not_differentiable, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op

from .basic import as_tensor_variable
from .math import cast, maximum, sub, switch
from .rearrange import pad
from .shape import as_int_scalar, flatten, flip, normalize_axis, static_int
from .subtensor import take, take_along_axis
from .type import TensorType

__all__ = ["SortOp", "ArgSortOp", "sort", "argsort", "SearchsortedOp", "searchsorted", "Unique", "unique",
           "BinCount", "bincount", "Diff", "diff", "Nonzero", "nonzero", "flatnonzero", "nonzero_values",
           "topk", "argtopk", "topk_and_argtopk", "compress", "inverse_permutation", "where"]

_KINDS = ("quicksort", "mergesort", "heapsort", "stable")


def _is_int(t):
    return t.dtype[:3] in ("int", "uin")


# ---------------------------------------------------------------------------
# sort, argsort
# ---------------------------------------------------------------------------


class _SortParams:
    """Axis and algorithm, shared by the sort ops."""

    __props__ = ("axis", "kind")

    def __init__(self, axis, kind="quicksort"):
        self.axis = int(axis)
        self.kind = kind

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


class SortOp(_SortParams, Op):
    """``numpy.sort`` along ``axis``."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.dtype.startswith("complex"):
            raise TypeError(f"sort: complex inputs are not supported ({x.type})")
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.sort(inputs[0], axis=self.axis, kind=self.kind)


class ArgSortOp(_SortParams, Op):
    """``numpy.argsort`` along ``axis`` (int64 indices)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.dtype.startswith("complex"):
            raise TypeError(f"argsort: complex inputs are not supported ({x.type})")
        return Apply(self, [x], [TensorType("int64", x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.argsort(inputs[0], axis=self.axis, kind=self.kind), dtype="int64")


@register_grad(SortOp)
def _sort_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    # sorted[i] = x[perm[i]], so gx[perm[i]] = g[i]: gx = g[inverse of perm]
    perm = ArgSortOp(op.axis, op.kind)(x)
    inverse = ArgSortOp(op.axis, "stable")(perm)
    return [take_along_axis(g[0], inverse, op.axis)]


register_jvp(SortOp, lambda op, node, inputs, t: [
    None if t[0] is None else take_along_axis(t[0], ArgSortOp(op.axis, op.kind)(inputs[0]), op.axis)])
mark_not_differentiable(ArgSortOp)


def _sort_args(a, axis, kind, order, what, stable=None):
    if stable:
        if kind not in (None, "quicksort", "stable"):
            raise ValueError(f"{what}: stable=True cannot be combined with kind={kind!r}")
        kind = "stable"
    if order is not None:
        raise ValueError(f"{what}: the order argument (structured arrays) is not supported")
    if kind not in _KINDS:
        raise ValueError(f"{what}: kind must be one of {_KINDS}, got {kind!r}")
    a = as_tensor_variable(a)
    if axis is None:
        return flatten(a), 0, kind
    if a.type.ndim == 0:
        raise ValueError(f"{what}: axis {axis} is out of range for a 0-d array (use axis=None)")
    return a, normalize_axis(axis, a.type.ndim, what)[0], kind


def sort(a, axis=-1, kind="quicksort", order=None, stable=None):
    """``a`` sorted along ``axis`` (the flattened array when None);
    ``stable=True`` is ``kind="stable"``."""
    a, axis, kind = _sort_args(a, axis, kind, order, "sort", stable)
    return SortOp(axis, kind)(a)


def argsort(a, axis=-1, kind="quicksort", order=None, stable=None):
    """The int64 indices that sort ``a`` along ``axis`` (flattened when None);
    ``stable=True`` is ``kind="stable"``."""
    a, axis, kind = _sort_args(a, axis, kind, order, "argsort", stable)
    return ArgSortOp(axis, kind)(a)


def topk_and_argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):
    """The ``kth`` largest elements of ``x`` along ``axis`` (in decreasing
    order) and their indices; a negative ``kth`` gives the ``-kth`` smallest
    (in increasing order).  ``axis=None`` works on the flattened ``x``."""
    if not isinstance(kth, (int, np.integer)) or kth == 0:
        raise ValueError(f"topk: kth must be a non-zero Python int, got {kth!r}")
    x, axis, _ = _sort_args(x, axis, "quicksort", None, "topk")
    n = x.type.shape[axis]
    if n is not None and abs(kth) > n:
        raise ValueError(f"topk: kth={kth} is larger than the length {n} of axis {axis} of {x.type}")
    perm = ArgSortOp(axis, "stable")(x)
    if kth > 0:
        perm = flip(perm, axis)
    idx = perm[(slice(None),) * axis + (slice(0, abs(int(kth))),)]
    values = take_along_axis(x, idx, axis)
    return values, cast(idx, idx_dtype)


def topk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):
    """The ``kth`` largest elements of ``x`` along ``axis`` (see ``topk_and_argtopk``)."""
    return topk_and_argtopk(x, kth, axis, sorted, idx_dtype)[0]


def argtopk(x, kth, axis=-1, sorted=True, idx_dtype="int64"):
    """The indices of the ``kth`` largest elements of ``x`` along ``axis`` (see ``topk_and_argtopk``)."""
    return topk_and_argtopk(x, kth, axis, sorted, idx_dtype)[1]


def inverse_permutation(perm):
    """The inverse of the permutation ``perm`` along its last axis."""
    perm = as_tensor_variable(perm)
    if not _is_int(perm.type):
        raise TypeError(f"inverse_permutation: expected integers, got {perm.type}")
    if perm.type.ndim == 0:
        raise ValueError("inverse_permutation: expected at least one dimension")
    return ArgSortOp(perm.type.ndim - 1, "stable")(perm)


# ---------------------------------------------------------------------------
# searchsorted
# ---------------------------------------------------------------------------


class SearchsortedOp(Op):
    """``numpy.searchsorted(x, v, side, sorter)`` with ``x`` a vector."""

    __props__ = ("side",)

    def __init__(self, side="left"):
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        self.side = side

    def make_node(self, x, v, sorter=None):
        x, v = as_tensor_variable(x), as_tensor_variable(v)
        if x.type.ndim != 1:
            raise ValueError(f"searchsorted: the sorted array must be a vector, got {x.type}")
        ins = [x, v]
        if sorter is not None:
            sorter = as_tensor_variable(sorter)
            if sorter.type.ndim != 1 or not _is_int(sorter.type):
                raise TypeError(f"searchsorted: sorter must be an integer vector, got {sorter.type}")
            ins.append(sorter)
        return Apply(self, ins, [TensorType("int64", v.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        sorter = inputs[2] if len(inputs) > 2 else None
        res = np.searchsorted(inputs[0], inputs[1], side=self.side, sorter=sorter)
        output_storage[0][0] = np.asarray(res, dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1]]


mark_not_differentiable(SearchsortedOp)


def searchsorted(x, v, side="left", sorter=None):
    """Indices where the elements of ``v`` would be inserted in the sorted
    vector ``x`` to keep it sorted (int64, shape of ``v``)."""
    return SearchsortedOp(side)(x, v, sorter)


# ---------------------------------------------------------------------------
# unique
# ---------------------------------------------------------------------------


class Unique(Op):
    """``numpy.unique`` with its optional outputs (in NumPy's order: values,
    index, inverse, counts)."""

    __props__ = ("return_index", "return_inverse", "return_counts", "axis")

    def __init__(self, return_index=False, return_inverse=False, return_counts=False, axis=None):
        self.return_index = bool(return_index)
        self.return_inverse = bool(return_inverse)
        self.return_counts = bool(return_counts)
        self.axis = None if axis is None else int(axis)

    def make_node(self, x):
        x = as_tensor_variable(x)
        nd = x.type.ndim
        if self.axis is not None and not 0 <= self.axis < nd:
            raise ValueError(f"unique: axis {self.axis} out of range for {x.type}")
        if self.axis is None:
            outs = [TensorType(x.type.dtype, (None,))]
        else:
            shp = list(x.type.shape)
            shp[self.axis] = None
            outs = [TensorType(x.type.dtype, tuple(shp))]
        if self.return_index:
            outs.append(TensorType("int64", (None,)))
        if self.return_inverse:
            # the inverse's shape follows the installed NumPy: with axis=None
            # NumPy 2 gives it the shape of x, along an axis it is a vector
            probe = np.unique(np.zeros((1,) * nd), return_inverse=True, axis=self.axis)[1]
            if self.axis is None and probe.ndim == nd:
                outs.append(TensorType("int64", x.type.shape))
            elif self.axis is not None and probe.ndim == 1:
                outs.append(TensorType("int64", (x.type.shape[self.axis],)))
            else:
                outs.append(TensorType("int64", (None,) * probe.ndim))
        if self.return_counts:
            outs.append(TensorType("int64", (None,)))
        return Apply(self, [x], [t.make_variable() for t in outs])

    def perform(self, node, inputs, output_storage):
        res = np.unique(inputs[0], return_index=self.return_index, return_inverse=self.return_inverse,
                        return_counts=self.return_counts, axis=self.axis)
        if not isinstance(res, tuple):
            res = (res,)
        for cell, r, out in zip(output_storage, res, node.outputs):
            cell[0] = np.asarray(r, dtype=out.type.numpy_dtype)


mark_not_differentiable(Unique)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None):
    """The sorted unique elements of ``ar`` (rows/slices along ``axis``), and
    optionally the first indices, the inverse and the counts (as ``numpy.unique``)."""
    ar = as_tensor_variable(ar)
    if axis is not None:
        axis = normalize_axis(axis, ar.type.ndim, "unique")[0]
    outs = Unique(return_index, return_inverse, return_counts, axis)(ar)
    if isinstance(outs, (list, tuple)) and len(outs) == 1:
        return outs[0]
    return outs if not isinstance(outs, list) else tuple(outs)


# ---------------------------------------------------------------------------
# bincount
# ---------------------------------------------------------------------------


class BinCount(Op):
    """``numpy.bincount(x, weights, minlength)``: int64 counts, or float64
    sums of ``weights``."""

    def make_node(self, x, minlength, weights=None):
        x = as_tensor_variable(x)
        if x.type.ndim != 1 or not (_is_int(x.type) or x.type.dtype == "bool"):
            raise TypeError(f"bincount: x must be a non-negative integer vector, got {x.type}")
        minlength = as_int_scalar(minlength, "bincount")
        ins = [x, minlength]
        dtype = "int64"
        if weights is not None:
            weights = as_tensor_variable(weights)
            if weights.type.ndim != 1:
                raise ValueError(f"bincount: weights must be a vector, got {weights.type}")
            if weights.type.dtype.startswith("complex"):
                raise TypeError(f"bincount: complex weights are not supported ({weights.type})")
            if None not in (x.type.shape[0], weights.type.shape[0]) and x.type.shape[0] != weights.type.shape[0]:
                raise ValueError(f"bincount: x {x.type} and weights {weights.type} differ in length")
            ins.append(weights)
            dtype = "float64"
        length = None
        ml = static_int(minlength)
        if isinstance(x, Constant) and ml is not None:
            data = np.asarray(x.data)
            length = max(int(data.max()) + 1 if data.size else 0, ml)
        return Apply(self, ins, [TensorType(dtype, (length,)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, ml = inputs[0], int(inputs[1])
        w = inputs[2] if len(inputs) > 2 else None
        try:
            res = np.bincount(x, weights=w, minlength=ml)
        except ValueError as e:
            raise ValueError(f"BinCount: x of shape {x.shape}"
                             f"{'' if w is None else f', weights of shape {w.shape}'}: {e}") from None
        output_storage[0][0] = np.asarray(res, dtype=node.outputs[0].type.numpy_dtype)

    def connection_pattern(self, node):
        return [[False], [False]] + ([[True]] if len(node.inputs) > 2 else [])


@register_grad(BinCount)
def _bincount_grad(op, node, inputs, g):
    res = [disconnected, disconnected]
    if len(inputs) > 2:
        x, w = inputs[0], inputs[2]
        if w.type.differentiable:
            res.append(cast(take_along_axis(g[0], x, 0), w.type.dtype))
        else:
            res.append(disconnected)
    return res


def bincount(x, weights=None, minlength=None, assert_nonneg=False):
    """The number of occurrences of each value in the non-negative int vector
    ``x`` (or the sums of ``weights`` per value), as ``numpy.bincount``."""
    return BinCount()(x, 0 if minlength is None else minlength, weights)


# ---------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------


class Diff(Op):
    """``numpy.diff(x, n, axis)``."""

    __props__ = ("n", "axis")

    def __init__(self, n, axis):
        self.n = int(n)
        self.axis = int(axis)

    def make_node(self, x):
        x = as_tensor_variable(x)
        shp = list(x.type.shape)
        if shp[self.axis] is not None:
            shp[self.axis] = max(shp[self.axis] - self.n, 0)
        return Apply(self, [x], [TensorType(x.type.dtype, tuple(shp)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.diff(inputs[0], n=self.n, axis=self.axis),
                                          dtype=node.outputs[0].type.numpy_dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        shp = list(input_shapes[0])
        shp[self.axis] = maximum(sub(shp[self.axis], self.n), 0)
        return [tuple(shp)]


@register_grad(Diff)
def _diff_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    nd = x.type.ndim
    left = np.zeros((nd, 2), dtype="int64")
    left[op.axis, 0] = 1
    right = np.zeros((nd, 2), dtype="int64")
    right[op.axis, 1] = 1
    gx = g[0]
    # the adjoint of one first difference, applied n times
    for _ in range(op.n):
        gx = sub(pad(gx, left), pad(gx, right))
    return [gx]


register_jvp(Diff, lambda op, node, inputs, t: [None if t[0] is None else op(t[0])])


def diff(x, n=1, axis=-1):
    """The ``n``-th discrete difference of ``x`` along ``axis`` (as ``numpy.diff``)."""
    x = as_tensor_variable(x)
    if n < 0:
        raise ValueError(f"diff: order n={n} must be non-negative")
    if x.type.ndim == 0:
        raise ValueError("diff: requires an input of at least one dimension")
    axis = normalize_axis(axis, x.type.ndim, "diff")[0]
    if n == 0:
        return x
    return Diff(n, axis)(x)


# ---------------------------------------------------------------------------
# nonzero
# ---------------------------------------------------------------------------


class Nonzero(Op):
    """``numpy.nonzero(a)``: one int64 index vector per axis, or with
    ``return_matrix`` one (ndim, count) matrix."""

    __props__ = ("return_matrix",)

    def __init__(self, return_matrix=False):
        self.return_matrix = bool(return_matrix)

    def make_node(self, a):
        a = as_tensor_variable(a)
        nd = a.type.ndim
        if nd == 0:
            raise ValueError("nonzero: not defined for 0-d arrays (use atleast_1d)")
        if self.return_matrix:
            outs = [TensorType("int64", (nd, None)).make_variable()]
        else:
            outs = [TensorType("int64", (None,)).make_variable() for _ in range(nd)]
        return Apply(self, [a], outs)

    def perform(self, node, inputs, output_storage):
        res = np.nonzero(inputs[0])
        if self.return_matrix:
            output_storage[0][0] = np.array(res, dtype="int64").reshape(len(res), -1)
        else:
            for cell, r in zip(output_storage, res):
                cell[0] = np.asarray(r, dtype="int64")


mark_not_differentiable(Nonzero)


def nonzero(a, return_matrix=False):
    """The indices of the non-zero elements of ``a``: a tuple of int64
    vectors (one per axis), or with ``return_matrix`` an (ndim, count) matrix."""
    out = Nonzero(return_matrix)(a)
    if return_matrix:
        return out
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def flatnonzero(a):
    """The indices of the non-zero elements of the flattened ``a``."""
    return Nonzero()(flatten(a))


def compress(condition, x, axis=None):
    """The slices of ``x`` along ``axis`` (of the flattened ``x`` when None)
    where the boolean vector ``condition`` is true (as ``numpy.compress``)."""
    condition = as_tensor_variable(condition)
    if condition.type.ndim != 1:
        raise ValueError(f"compress: condition must be a vector, got {condition.type}")
    return take(x, Nonzero()(condition), axis=axis)


def nonzero_values(a):
    """The non-zero elements of ``a`` (flattened), in row-major order."""
    flat = flatten(a)
    return take_along_axis(flat, Nonzero()(flat), 0)


def where(cond, ift=None, iff=None):
    """``where(cond, ift, iff)`` as NumPy (``switch``); the one-argument form is
    ``nonzero``."""
    if ift is None and iff is None:
        return nonzero(cond)
    return switch(cond, ift, iff)
