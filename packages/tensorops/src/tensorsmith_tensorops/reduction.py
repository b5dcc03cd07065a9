"""Reductions over axes: ``CAReduce`` (commutative-associative reduction of a
scalar op: sum, prod, max, min, all, any) and the functions built on it,
``mean``, ``argmax``/``argmin``, ``var``/``std``, ``ptp``, ``median``, a
numerically stable ``logsumexp``, ``allclose``, the cumulative
``cumsum``/``cumprod`` (``CumOp``), and ``SumToShape`` (the adjoint of
broadcasting: a gradient summed back to an input's shape)."""
import builtins
import warnings

import numpy as np
from tensorsmith_autodiff import (
    disconnected, grad_not_implemented, mark_not_differentiable, register_grad, register_jvp,
)
from tensorsmith_graphcore import Apply, Op

from . import scalar as ps
from .basic import as_tensor_variable
from .math import cast, conj, eq, exp, imag, isclose, isneginf, mul, real, second, sqr, sqrt, switch, true_div
from .shape import DimShuffle, flip, normalize_axis, reshape
from .type import TensorType, normalize_dtype, tensor_type

__all__ = ["CAReduce", "Sum", "Prod", "Max", "Min", "All", "Any", "sum", "prod", "max", "min",
           "all", "any", "mean", "normalize_axis", "AxesSize", "Argmax", "Argmin", "Median", "LogSumExp",
           "CumOp", "argmax", "argmin", "max_and_argmax", "var", "std", "ptp", "median", "logsumexp",
           "cumsum", "cumprod", "allclose"]


class CAReduce(Op):
    """Reduce ``x`` over ``axis`` with ``scalar_op`` (keepdims=False)."""

    __props__ = ("scalar_op", "axis", "dtype")

    def __init__(self, scalar_op, axis, dtype=None):
        self.scalar_op = scalar_op
        self.axis = tuple(axis)
        self.dtype = dtype

    def output_dtype(self, in_dtype):
        return in_dtype if self.dtype is None else self.dtype

    def make_node(self, x):
        x = as_tensor_variable(x)
        for a in self.axis:
            if not 0 <= a < x.type.ndim:
                raise ValueError(f"{self}: axis {a} out of range for {x.type}")
        shape = tuple(s for i, s in enumerate(x.type.shape) if i not in self.axis)
        return Apply(self, [x], [TensorType(self.output_dtype(x.type.dtype), shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        dt = node.outputs[0].type.numpy_dtype
        so = self.scalar_op
        if self.axis == ():
            r = x
        elif isinstance(so, (ps.Maximum, ps.Minimum)):
            if x.size == 0 and builtins.any(x.shape[a] == 0 for a in self.axis):
                raise ValueError(f"{self}: zero-size array along a reduced axis (shape {x.shape}) has no identity")
            r = so.ufunc.reduce(x, axis=self.axis)
        elif isinstance(so, (ps.AND, ps.OR)):
            r = (np.all if isinstance(so, ps.AND) else np.any)(x, axis=self.axis)
        else:
            r = so.ufunc.reduce(x, axis=self.axis, dtype=dt)
        output_storage[0][0] = np.asarray(r, dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(s for i, s in enumerate(input_shapes[0]) if i not in self.axis)]

    def __str__(self):
        name = type(self).__name__
        if name == "CAReduce":
            name = f"CAReduce{{{self.scalar_op}}}"
        return f"{name}{{axis={self.axis}}}" if self.axis else name


def _acc_dtype(dtype):
    if dtype == "bool" or dtype in ("int8", "int16", "int32"):
        return "int64"
    if dtype in ("uint8", "uint16", "uint32"):
        return "uint64"
    return dtype


class Sum(CAReduce):
    def __init__(self, axis, dtype=None):
        CAReduce.__init__(self, ps.Add(), axis, dtype)

    def output_dtype(self, in_dtype):
        return _acc_dtype(in_dtype) if self.dtype is None else self.dtype


class Prod(CAReduce):
    def __init__(self, axis, dtype=None):
        CAReduce.__init__(self, ps.Mul(), axis, dtype)

    def output_dtype(self, in_dtype):
        return _acc_dtype(in_dtype) if self.dtype is None else self.dtype


class Max(CAReduce):
    def __init__(self, axis, dtype=None):
        CAReduce.__init__(self, ps.Maximum(), axis, None)


class Min(CAReduce):
    def __init__(self, axis, dtype=None):
        CAReduce.__init__(self, ps.Minimum(), axis, None)


class All(CAReduce):
    def __init__(self, axis, dtype=None):
        CAReduce.__init__(self, ps.AND(), axis, "bool")


class Any(CAReduce):
    def __init__(self, axis, dtype=None):
        CAReduce.__init__(self, ps.OR(), axis, "bool")


def expand_reduced(v, axes, ndim):
    """``v`` (the result of a reduction over ``axes`` of an ``ndim``-d array)
    with the reduced axes re-inserted as length 1 (``keepdims``)."""
    order = []
    j = 0
    for i in range(ndim):
        if i in axes:
            order.append("x")
        else:
            order.append(j)
            j += 1
    return DimShuffle(v.type.ndim, order)(v)


def _expand_back(gz, op, x):
    """``gz`` (reduced shape) with the reduced axes re-inserted as length 1."""
    return expand_reduced(gz, op.axis, x.type.ndim)


@register_grad(Sum)
def _sum_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    gx = second(x, _expand_back(g[0], op, x))
    if gx.type.dtype != x.type.dtype:
        gx = cast(gx, x.type.dtype)
    return [gx]


register_jvp(Sum, lambda op, node, inputs, t: [None if t[0] is None else sum(t[0], axis=op.axis, dtype=node.outputs[0].type.dtype)])


def _prod_weights(op, x):
    """d prod / d x_i (the product of the other elements of each group),
    exact with zeros: the product of the nonzero elements, masked by the
    number of zeros in the group."""
    is_zero = eq(x, 0)
    nz_count = _expand_back(sum(cast(is_zero, "int64"), axis=op.axis), op, x)
    x_nz = switch(is_zero, 1, x)
    prod_nz = _expand_back(prod(x_nz, axis=op.axis), op, x)
    return switch(eq(nz_count, 0), true_div(prod_nz, x_nz),
                  switch(eq(nz_count, 1), switch(is_zero, prod_nz, 0), 0))


def _maxmin_weights(op, x, out):
    """d max / d x_i: 1 at the extremum, ties sharing equally."""
    mask = cast(eq(x, _expand_back(out, op, x)), x.type.dtype)
    return true_div(mask, _expand_back(sum(mask, axis=op.axis), op, x))


def _weighted_grad(op, x, weights, g):
    """``conj(weights) * g`` broadcast back over the reduced axes."""
    if weights.type.dtype.startswith("complex"):
        weights = conj(weights)
    gx = mul(second(x, _expand_back(g, op, x)), weights)
    return cast(gx, x.type.dtype)


def _weighted_jvp(op, node, weights, t):
    return cast(sum(mul(weights, t), axis=op.axis), node.outputs[0].type.dtype)


@register_grad(Prod)
def _prod_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    return [_weighted_grad(op, x, _prod_weights(op, x), g[0])]


@register_jvp(Prod)
def _prod_jvp(op, node, inputs, t):
    return [None if t[0] is None else _weighted_jvp(op, node, _prod_weights(op, inputs[0]), t[0])]


def _maxmin_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    return [_weighted_grad(op, x, _maxmin_weights(op, x, node.outputs[0]), g[0])]


def _maxmin_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    return [_weighted_jvp(op, node, _maxmin_weights(op, inputs[0], node.outputs[0]), t[0])]


register_grad(Max, _maxmin_grad)
register_grad(Min, _maxmin_grad)
register_jvp(Max, _maxmin_jvp)
register_jvp(Min, _maxmin_jvp)


@register_grad(CAReduce)
def _careduce_grad(op, node, inputs, g):
    """A generic ``CAReduce``: the rule of the named reduction its scalar op
    makes (add, mul, maximum, minimum); logical ones have no gradient."""
    so = op.scalar_op
    if isinstance(so, (ps.AND, ps.OR)) or not inputs[0].type.differentiable:
        return [disconnected]
    if isinstance(so, ps.Add):
        return _sum_grad(op, node, inputs, g)
    if isinstance(so, ps.Mul):
        return _prod_grad(op, node, inputs, g)
    if isinstance(so, (ps.Maximum, ps.Minimum)):
        return _maxmin_grad(op, node, inputs, g)
    return [grad_not_implemented(op, 0, inputs[0], f"reduction by {so}")]


register_grad(All, lambda op, node, inputs, g: [disconnected])
register_grad(Any, lambda op, node, inputs, g: [disconnected])
# boolean outputs: no tangent
register_jvp(All, lambda op, node, inputs, t: [None])
register_jvp(Any, lambda op, node, inputs, t: [None])


def _reduce(cls, x, axis, keepdims, dtype=None, what=None):
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.type.ndim, what or cls.__name__.lower())
    if dtype is not None:
        dtype = normalize_dtype(dtype)
    out = cls(axes, dtype)(x)
    if keepdims:
        out = expand_reduced(out, axes, x.type.ndim)
    return out


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Sum over ``axis`` (as ``numpy.sum``)."""
    return _reduce(Sum, input, axis, keepdims, dtype, "sum")


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):
    """Product over ``axis`` (as ``numpy.prod``)."""
    return _reduce(Prod, input, axis, keepdims, dtype, "prod")


def max(x, axis=None, keepdims=False):
    return _reduce(Max, x, axis, keepdims, None, "max")


def min(x, axis=None, keepdims=False):
    return _reduce(Min, x, axis, keepdims, None, "min")


def all(x, axis=None, keepdims=False):
    return _reduce(All, x, axis, keepdims, None, "all")


def any(x, axis=None, keepdims=False):
    return _reduce(Any, x, axis, keepdims, None, "any")


class AxesSize(Op):
    """The number of elements of ``x`` along ``axis`` (an int64 scalar)."""

    def connection_pattern(self, node):
        """The output does not depend on the input's values: no gradient path."""
        return [[False] * len(node.outputs) for _ in node.inputs]

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = tuple(axis)

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", ()).make_variable()])

    def perform(self, node, inputs, output_storage):
        shp = np.shape(inputs[0])
        n = 1
        for a in self.axis:
            n *= shp[a]
        output_storage[0][0] = np.asarray(n, dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [()]


register_grad(AxesSize, lambda op, node, inputs, g: [disconnected])
register_jvp(AxesSize, lambda op, node, inputs, t: [None])


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):
    """Mean over ``axis`` (as ``numpy.mean``: integers and bool give float64,
    float16/float32/complex64 keep their dtype).  ``op`` is accepted for
    PyTensor compatibility and ignored."""
    x = as_tensor_variable(input)
    axes = normalize_axis(axis, x.type.ndim, "mean")
    s = sum(x, axis=axes, keepdims=keepdims, dtype=dtype)
    n = AxesSize(axes)(x)
    r = true_div(s, n)
    if x.type.dtype in ("float16", "float32", "complex64") and dtype is None:
        r = cast(r, x.type.dtype)
    elif dtype is not None:
        r = cast(r, dtype)
    return r


# ---------------------------------------------------------------------------
# argmax, argmin
# ---------------------------------------------------------------------------


def _is_complex(dtype):
    return dtype.startswith("complex")


def _float_result_dtype(dtype):
    """The dtype NumPy gives a float-valued statistic of ``dtype`` values
    (bool and integers give float64)."""
    return "float64" if np.dtype(dtype).kind in "biu" else dtype


def _grouped(x, axes):
    """``x`` (ndarray) with the ``axes`` moved last and merged into one:
    returns the 2-d-or-more view and the permutation used."""
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = keep + list(axes)
    xt = np.transpose(x, perm)
    n = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    return xt.reshape(xt.shape[:len(keep)] + (n,)), perm


class _AxesReduce(Op):
    """Base of single-input reductions over a tuple of non-negative axes
    (``keepdims`` is added by the functions with a DimShuffle)."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = tuple(axis)

    def output_dtype(self, dtype):
        raise NotImplementedError

    def make_node(self, x):
        x = as_tensor_variable(x)
        for a in self.axis:
            if not 0 <= a < x.type.ndim:
                raise ValueError(f"{self}: axis {a} is out of range for {x.type}")
        shape = tuple(s for i, s in enumerate(x.type.shape) if i not in self.axis)
        return Apply(self, [x], [TensorType(self.output_dtype(x.type.dtype), shape).make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(s for i, s in enumerate(input_shapes[0]) if i not in self.axis)]

    def _check_nonempty(self, x):
        if builtins.any(x.shape[a] == 0 for a in self.axis):
            raise ValueError(f"{self}: cannot reduce an empty axis (input shape {x.shape})")

    def __str__(self):
        return f"{type(self).__name__}{{axis={self.axis}}}"


class Argmax(_AxesReduce):
    """Index of the largest element over ``axis`` (several axes count as one
    flattened axis, in C order); int64."""

    _fn = staticmethod(np.argmax)

    def output_dtype(self, dtype):
        return "int64"

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        self._check_nonempty(x)
        xg, _ = _grouped(x, self.axis)
        output_storage[0][0] = np.asarray(self._fn(xg, axis=-1), dtype="int64")


class Argmin(Argmax):
    """Index of the smallest element over ``axis``."""

    _fn = staticmethod(np.argmin)


mark_not_differentiable(Argmax)
mark_not_differentiable(Argmin)


def _arg_reduce(cls, x, axis, keepdims, what):
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.type.ndim, what)
    out = cls(axes)(x)
    return expand_reduced(out, axes, x.type.ndim) if keepdims else out


def argmax(x, axis=None, keepdims=False):
    """Indices of the maxima over ``axis`` (as ``numpy.argmax``; a tuple of
    axes is reduced as one flattened axis)."""
    return _arg_reduce(Argmax, x, axis, keepdims, "argmax")


def argmin(x, axis=None, keepdims=False):
    """Indices of the minima over ``axis`` (as ``numpy.argmin``)."""
    return _arg_reduce(Argmin, x, axis, keepdims, "argmin")


def max_and_argmax(a, axis=None, keepdims=False):
    """``[max(a, axis), argmax(a, axis)]``."""
    return [max(a, axis=axis, keepdims=keepdims), argmax(a, axis=axis, keepdims=keepdims)]


# ---------------------------------------------------------------------------
# var, std, ptp
# ---------------------------------------------------------------------------


def _abs2(v):
    if _is_complex(v.type.dtype):
        return sqr(real(v)) + sqr(imag(v))
    return sqr(v)


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Variance over ``axis``: ``sum(|x - mean|**2) / (N - ddof)`` (as
    ``numpy.var``; integers give float64, complex gives the real dtype).
    ``corrected=True`` uses the corrected two-pass algorithm (subtracts
    ``|sum(x - mean)|**2 / N``, which is zero in exact arithmetic and cancels
    the rounding error of the mean)."""
    x = as_tensor_variable(input)
    axes = normalize_axis(axis, x.type.ndim, "var")
    centered = x - mean(x, axis=axes, keepdims=True)
    s = sum(_abs2(centered), axis=axes, keepdims=keepdims)
    n = AxesSize(axes)(x)
    if corrected:
        s = s - true_div(_abs2(sum(centered, axis=axes, keepdims=keepdims)), n)
    r = true_div(s, n - ddof)
    if r.type.dtype != s.type.dtype:
        r = cast(r, s.type.dtype)
    return r


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Standard deviation over ``axis``: ``sqrt(var(...))``."""
    return sqrt(var(input, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected))


def ptp(a, axis=None, keepdims=False):
    """Range ``max - min`` over ``axis`` (as ``numpy.ptp``)."""
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------
# median
# ---------------------------------------------------------------------------


class Median(_AxesReduce):
    """Median over ``axis`` (``numpy.median``; integers give float64)."""

    def output_dtype(self, dtype):
        if _is_complex(dtype):
            raise TypeError(f"median is not defined for {dtype} inputs")
        return _float_result_dtype(dtype)

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # empty -> nan, as NumPy
            r = np.median(x, axis=self.axis) if self.axis else x
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)


class MedianWeights(_AxesReduce):
    """Gradient weights of the median: an array shaped as ``x`` holding 1 at
    the middle element (odd counts) or 1/2 at each of the two middle elements
    (even counts) of every reduced group, 0 elsewhere."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        dt = _float_result_dtype(x.type.dtype)
        return Apply(self, [x], [TensorType(dt, x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        dt = node.outputs[0].type.dtype
        xg, perm = _grouped(x, self.axis)
        n = xg.shape[-1]
        w = np.zeros(xg.shape, dtype=dt)
        if n and w.size:
            order = np.argsort(xg, axis=-1, kind="stable")
            mid = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
            for m in mid:
                np.put_along_axis(w, order[..., m:m + 1], 1.0 / len(mid), axis=-1)
        wt = w.reshape(tuple(x.shape[p] for p in perm))
        output_storage[0][0] = np.ascontiguousarray(np.transpose(wt, np.argsort(perm)))

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


mark_not_differentiable(MedianWeights)


@register_grad(Median)
def _median_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    gx = MedianWeights(op.axis)(x) * expand_reduced(g[0], op.axis, x.type.ndim)
    return [cast(gx, x.type.dtype)]


@register_jvp(Median)
def _median_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    r = sum(MedianWeights(op.axis)(inputs[0]) * t[0], axis=op.axis)
    return [cast(r, node.outputs[0].type.dtype)]


def median(x, axis=None, keepdims=False):
    """Median over ``axis`` (as ``numpy.median``; the gradient goes to the
    middle element, or half to each of the two middle elements)."""
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.type.ndim, "median")
    out = Median(axes)(x)
    return expand_reduced(out, axes, x.type.ndim) if keepdims else out


# ---------------------------------------------------------------------------
# logsumexp
# ---------------------------------------------------------------------------


class LogSumExp(_AxesReduce):
    """``log(sum(exp(x), axis))`` computed as ``m + log(sum(exp(x - m)))``
    with ``m`` the (finite) maximum: no overflow for large inputs, ``-inf``
    for all ``-inf`` or empty groups."""

    def output_dtype(self, dtype):
        if _is_complex(dtype):
            raise TypeError(f"logsumexp is not defined for {dtype} inputs")
        return _float_result_dtype(dtype)

    def perform(self, node, inputs, output_storage):
        dt = node.outputs[0].type.dtype
        x = np.asarray(inputs[0], dtype=dt)
        if not self.axis:
            output_storage[0][0] = x.copy()
            return
        if x.size:
            m = np.max(x, axis=self.axis, keepdims=True)
            m = np.where(np.isfinite(m), m, 0).astype(dt)
        else:
            m = np.zeros([1 if i in self.axis else s for i, s in enumerate(x.shape)], dtype=dt)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            s = np.sum(np.exp(x - m), axis=self.axis)
            r = np.log(s) + np.squeeze(m, axis=self.axis)
        output_storage[0][0] = np.asarray(r, dtype=dt)


def _logsumexp_weights(op, node, x):
    """``exp(x - logsumexp(x))`` (the softmax over the reduced axes), 0 at
    ``-inf`` entries."""
    out = expand_reduced(node.outputs[0], op.axis, x.type.ndim)
    return switch(isneginf(x), 0, exp(x - out))


@register_grad(LogSumExp)
def _logsumexp_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    gx = _logsumexp_weights(op, node, x) * expand_reduced(g[0], op.axis, x.type.ndim)
    return [cast(gx, x.type.dtype)]


@register_jvp(LogSumExp)
def _logsumexp_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    r = sum(_logsumexp_weights(op, node, inputs[0]) * t[0], axis=op.axis)
    return [cast(r, node.outputs[0].type.dtype)]


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))``, numerically stable (shifted by the
    maximum); its gradient is the softmax of ``x`` over ``axis``."""
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.type.ndim, "logsumexp")
    out = LogSumExp(axes)(x)
    return expand_reduced(out, axes, x.type.ndim) if keepdims else out


# ---------------------------------------------------------------------------
# cumsum, cumprod
# ---------------------------------------------------------------------------


class CumOp(Op):
    """Cumulative sum (``mode="add"``) or product (``mode="mul"``) along one
    axis; small integers and bool accumulate in int64 / uint64 as NumPy."""

    __props__ = ("axis", "mode")

    def __init__(self, axis, mode="add"):
        if mode not in ("add", "mul"):
            raise ValueError(f"CumOp: mode must be 'add' or 'mul', got {mode!r}")
        self.axis = int(axis)
        self.mode = mode

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"{self}: axis {self.axis} is out of range for {x.type}")
        return Apply(self, [x], [TensorType(_acc_dtype(x.type.dtype), x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        dt = node.outputs[0].type.dtype
        fn = np.cumsum if self.mode == "add" else np.cumprod
        output_storage[0][0] = np.asarray(fn(inputs[0], axis=self.axis, dtype=dt), dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def __str__(self):
        return f"Cum{self.mode}{{axis={self.axis}}}"


def _reverse_cumsum(v, axis):
    return flip(CumOp(axis, "add")(flip(v, axis=axis)), axis=axis)


@register_grad(CumOp)
def _cumop_grad(op, node, inputs, g):
    """cumsum: the reversed cumulative sum of the output gradient.  cumprod:
    ``revcumsum(g * out) / x``, which holds for inputs without zeros only (a
    zero input gives inf/nan gradients)."""
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    if op.mode == "add":
        gx = _reverse_cumsum(g[0], op.axis)
    else:
        out = node.outputs[0]
        gx = true_div(_reverse_cumsum(g[0] * conj(out), op.axis), conj(x))
    return [cast(gx, x.type.dtype)]


@register_jvp(CumOp)
def _cumop_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    if op.mode == "add":
        r = CumOp(op.axis, "add")(t[0])
    else:
        r = node.outputs[0] * CumOp(op.axis, "add")(true_div(t[0], inputs[0]))
    return [cast(r, node.outputs[0].type.dtype)]


def _cum(x, axis, mode, what):
    x = as_tensor_variable(x)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    (ax,) = normalize_axis(int(axis), x.type.ndim, what)
    return CumOp(ax, mode)(x)


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (None: of the flattened array), as
    ``numpy.cumsum``."""
    return _cum(x, axis, "add", "cumsum")


def cumprod(x, axis=None):
    """Cumulative product along ``axis`` (None: of the flattened array), as
    ``numpy.cumprod``.  Its gradient is exact for inputs without zeros."""
    return _cum(x, axis, "mul", "cumprod")


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """All of ``isclose(a, b, ...)`` (a 0-d bool tensor)."""
    return all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ---------------------------------------------------------------------------
# SumToShape: the adjoint of broadcasting
# ---------------------------------------------------------------------------


class SumToShape(Op):
    """``sum_to_shape(g, x)``: ``g`` summed over the axes along which ``x`` was
    broadcast to ``g``'s shape (leading axes, and axes where ``x`` has length
    1), decided at run time from ``x``'s shape.  ``x`` is used for its shape only."""

    def make_node(self, g, x):
        g = as_tensor_variable(g)
        x = as_tensor_variable(x)
        if x.type.ndim > g.type.ndim:
            raise ValueError(f"sum_to_shape: target {x.type} has more dimensions than {g.type}")
        return Apply(self, [g, x], [tensor_type(g.type.dtype, x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        g, x = inputs
        output_storage[0][0] = _sum_to(np.asarray(g), np.shape(x))

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1]]


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != tuple(shape):
        raise ValueError(f"sum_to_shape: cannot reduce shape {g.shape} to {tuple(shape)}")
    return g


def sum_to_shape(g, x):
    """``g`` reduced to the shape of ``x`` (the gradient of broadcasting)."""
    gs, xs = g.type.shape, x.type.shape
    if gs == xs:
        return g
    lead = g.type.ndim - x.type.ndim
    if builtins.all(s is not None for s in xs) and builtins.all(s is not None for s in gs[lead:]):
        axes = list(range(lead)) + [lead + i for i, s in enumerate(xs) if s == 1 and gs[lead + i] != 1]
        if axes:
            r = sum(g, axis=axes, keepdims=True)
            if lead:
                r = DimShuffle(r.type.ndim, list(range(lead, r.type.ndim)))(r)
            return r
        if lead == 0:
            return g
    return SumToShape()(g, x)


@register_grad(SumToShape)
def _sum_to_shape_grad(op, node, inputs, output_grads):
    g, x = inputs
    return [second(g, output_grads[0]), disconnected]


@register_jvp(SumToShape)
def _sum_to_shape_jvp(op, node, inputs, tangents):
    return [None if tangents[0] is None else op(tangents[0], inputs[1])]
