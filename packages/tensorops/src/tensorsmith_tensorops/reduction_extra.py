"""More reductions: ``argmax``/``argmin``, ``var``/``std``, ``ptp``,
``median``, a numerically stable ``logsumexp``, and the cumulative
``cumsum``/``cumprod`` (``CumOp``)."""
import warnings

import numpy as np
from tensorsmith_autodiff import disconnected, mark_not_differentiable, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable
from .reduction import AxesSize, _acc_dtype, expand_reduced, mean, normalize_axis
from .reduction import max as _max
from .reduction import min as _min
from .reduction import sum as _sum
from .type import TensorType

__all__ = ["Argmax", "Argmin", "Median", "LogSumExp", "CumOp", "argmax", "argmin", "max_and_argmax", "var", "std",
           "ptp", "median", "logsumexp", "cumsum", "cumprod"]


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
        if any(x.shape[a] == 0 for a in self.axis):
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
    return [_max(a, axis=axis, keepdims=keepdims), argmax(a, axis=axis, keepdims=keepdims)]


# ---------------------------------------------------------------------------
# var, std, ptp
# ---------------------------------------------------------------------------


def _abs2(v):
    from . import imag, real, sqr

    if _is_complex(v.type.dtype):
        return sqr(real(v)) + sqr(imag(v))
    return sqr(v)


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Variance over ``axis``: ``sum(|x - mean|**2) / (N - ddof)`` (as
    ``numpy.var``; integers give float64, complex gives the real dtype).
    ``corrected=True`` uses the corrected two-pass algorithm (subtracts
    ``|sum(x - mean)|**2 / N``, which is zero in exact arithmetic and cancels
    the rounding error of the mean)."""
    from .math import cast, true_div

    x = as_tensor_variable(input)
    axes = normalize_axis(axis, x.type.ndim, "var")
    centered = x - mean(x, axis=axes, keepdims=True)
    s = _sum(_abs2(centered), axis=axes, keepdims=keepdims)
    n = AxesSize(axes)(x)
    if corrected:
        s = s - true_div(_abs2(_sum(centered, axis=axes, keepdims=keepdims)), n)
    r = true_div(s, n - ddof)
    if r.type.dtype != s.type.dtype:
        r = cast(r, s.type.dtype)
    return r


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Standard deviation over ``axis``: ``sqrt(var(...))``."""
    from . import sqrt

    return sqrt(var(input, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected))


def ptp(a, axis=None, keepdims=False):
    """Range ``max - min`` over ``axis`` (as ``numpy.ptp``)."""
    return _max(a, axis=axis, keepdims=keepdims) - _min(a, axis=axis, keepdims=keepdims)


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
    from .math import cast

    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    gx = MedianWeights(op.axis)(x) * expand_reduced(g[0], op.axis, x.type.ndim)
    return [cast(gx, x.type.dtype)]


@register_jvp(Median)
def _median_jvp(op, node, inputs, t):
    from .math import cast

    if t[0] is None:
        return [None]
    r = _sum(MedianWeights(op.axis)(inputs[0]) * t[0], axis=op.axis)
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
    from . import exp, isneginf, switch

    out = expand_reduced(node.outputs[0], op.axis, x.type.ndim)
    return switch(isneginf(x), 0, exp(x - out))


@register_grad(LogSumExp)
def _logsumexp_grad(op, node, inputs, g):
    from .math import cast

    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    gx = _logsumexp_weights(op, node, x) * expand_reduced(g[0], op.axis, x.type.ndim)
    return [cast(gx, x.type.dtype)]


@register_jvp(LogSumExp)
def _logsumexp_jvp(op, node, inputs, t):
    from .math import cast

    if t[0] is None:
        return [None]
    r = _sum(_logsumexp_weights(op, node, inputs[0]) * t[0], axis=op.axis)
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
    from . import flip

    return flip(CumOp(axis, "add")(flip(v, axis=axis)), axis=axis)


@register_grad(CumOp)
def _cumop_grad(op, node, inputs, g):
    """cumsum: the reversed cumulative sum of the output gradient.  cumprod:
    ``revcumsum(g * out) / x``, which holds for inputs without zeros only (a
    zero input gives inf/nan gradients)."""
    from . import conj
    from .math import cast, true_div

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
    from .math import cast, true_div

    if t[0] is None:
        return [None]
    if op.mode == "add":
        r = CumOp(op.axis, "add")(t[0])
    else:
        r = node.outputs[0] * CumOp(op.axis, "add")(true_div(t[0], inputs[0]))
    return [cast(r, node.outputs[0].type.dtype)]


def _cum(x, axis, mode, what):
    from .shape import reshape

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
