"""Softmax and the losses built on it: ``softmax``/``log_softmax``
(dedicated, max-shifted ops), ``one_hot``, and the cross-entropies (on
probabilities, and stable ones on logits)."""
import numpy as np
from tensorsmith_autodiff import (
    disconnected, grad_not_implemented, mark_not_differentiable, register_grad, register_jvp,
)
from tensorsmith_graphcore import Apply, Constant, Op

from ..basic import as_tensor_variable
from ..config import config
from ..math import exp, log, log1p, mul, neg, softplus, sub
from ..reduction import sum as _sum
from ..shape import normalize_axis, shape_i, transpose
from ..type import INTEGER_DTYPES, TensorType, normalize_dtype
from ._utils import _as_float, _common_float

__all__ = ["softmax", "log_softmax", "Softmax", "LogSoftmax", "one_hot", "OneHot", "categorical_crossentropy", "binary_crossentropy", "sigmoid_binary_crossentropy", "softmax_cross_entropy_with_logits", "CrossentropyCategorical1Hot", "CrossentropyCategorical1HotGrad"]


# ---------------------------------------------------------------------------
# softmax / log_softmax
# ---------------------------------------------------------------------------


def _shifted(x, axes):
    """``x`` minus its max over ``axes`` (rows that are all -inf stay as they are)."""
    if x.size == 0:
        return np.array(x, copy=True)
    m = np.max(x, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    return x - m


class _SoftmaxBase(Op):
    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = tuple(int(a) for a in axis)

    def make_node(self, x):
        x = _as_float(x, type(self).__name__)
        for a in self.axis:
            if not 0 <= a < x.type.ndim:
                raise ValueError(f"{self}: axis {a} out of range for {x.type}")
        return Apply(self, [x], [TensorType(x.type.dtype, x.type.shape).make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def __str__(self):
        return f"{type(self).__name__}{{axis={self.axis}}}"


class Softmax(_SoftmaxBase):
    """``exp(x) / sum(exp(x), axis)``, computed on ``x - max(x, axis)``."""

    def perform(self, node, inputs, output_storage):
        z = _shifted(inputs[0], self.axis)
        e = np.exp(z)
        s = e.sum(axis=self.axis, keepdims=True) if e.size else e
        output_storage[0][0] = np.asarray(e / s if e.size else e, dtype=node.outputs[0].type.dtype)


class LogSoftmax(_SoftmaxBase):
    """``x - logsumexp(x, axis)``, computed on ``x - max(x, axis)``."""

    def perform(self, node, inputs, output_storage):
        z = _shifted(inputs[0], self.axis)
        if z.size:
            with np.errstate(divide="ignore"):
                z = z - np.log(np.exp(z).sum(axis=self.axis, keepdims=True))
        output_storage[0][0] = np.asarray(z, dtype=node.outputs[0].type.dtype)


@register_grad(Softmax)
def _softmax_grad(op, node, inputs, g):
    sm = node.outputs[0]
    gz = g[0]
    return [mul(sub(gz, _sum(mul(gz, sm), axis=op.axis, keepdims=True)), sm)]


@register_jvp(Softmax)
def _softmax_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    sm = node.outputs[0]
    return [mul(sm, sub(t[0], _sum(mul(t[0], sm), axis=op.axis, keepdims=True)))]


@register_grad(LogSoftmax)
def _log_softmax_grad(op, node, inputs, g):
    gz = g[0]
    sm = exp(node.outputs[0])
    return [sub(gz, mul(sm, _sum(gz, axis=op.axis, keepdims=True)))]


@register_jvp(LogSoftmax)
def _log_softmax_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    sm = exp(node.outputs[0])
    return [sub(t[0], _sum(mul(t[0], sm), axis=op.axis, keepdims=True))]


def _softmax_axes(x, axis, what):
    return normalize_axis(axis, x.type.ndim, what)


def softmax(c, axis=None):
    """Softmax of ``c`` along ``axis`` (an int, a tuple, or None for all
    axes), as ``scipy.special.softmax``; integer inputs become floatX."""
    x = _as_float(c, "softmax")
    return Softmax(_softmax_axes(x, axis, "softmax"))(x)


def log_softmax(c, axis=None):
    """Log of the softmax of ``c`` along ``axis``, as ``scipy.special.log_softmax``
    (stable: finite for finite inputs of any magnitude)."""
    x = _as_float(c, "log_softmax")
    return LogSoftmax(_softmax_axes(x, axis, "log_softmax"))(x)


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------


class OneHot(Op):
    """``one_hot(indices, num_classes)``: shape ``indices.shape + (num_classes,)``."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = normalize_dtype(dtype)

    def make_node(self, indices, num_classes):
        indices = as_tensor_variable(indices)
        num_classes = as_tensor_variable(num_classes)
        if indices.type.dtype not in INTEGER_DTYPES:
            raise TypeError(f"one_hot: indices must be integers, got {indices.type}")
        if num_classes.type.ndim != 0 or num_classes.type.dtype not in INTEGER_DTYPES:
            raise TypeError(f"one_hot: num_classes must be an integer scalar, got {num_classes.type}")
        n = None
        if isinstance(num_classes, Constant):
            n = int(num_classes.data)
            if n < 0:
                raise ValueError(f"one_hot: num_classes must be >= 0, got {n}")
        out = TensorType(self.dtype, indices.type.shape + (n,)).make_variable()
        return Apply(self, [indices, num_classes], [out])

    def perform(self, node, inputs, output_storage):
        idx, n = inputs
        n = int(n)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"OneHot: indices must lie in [0, {n}), got values in "
                             f"[{idx.min()}, {idx.max()}] (indices shape {idx.shape})")
        output_storage[0][0] = (idx[..., None] == np.arange(n)).astype(self.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(input_shapes[0]) + (node.inputs[1],)]


mark_not_differentiable(OneHot)


def one_hot(indices, num_classes, dtype=None):
    """One-hot encoding of integer ``indices`` along a new last axis of length
    ``num_classes`` (dtype floatX unless given).  Out-of-range indices raise."""
    return OneHot(config.floatX if dtype is None else dtype)(indices, num_classes)


# ---------------------------------------------------------------------------
# cross-entropies
# ---------------------------------------------------------------------------


def _check_labels(p, y, what):
    if y.type.dtype not in INTEGER_DTYPES:
        raise TypeError(f"{what}: integer class labels expected, got {y.type}")
    if y.type.ndim != p.type.ndim - 1:
        raise ValueError(f"{what}: labels of {y.type} do not match {p.type} "
                         "(labels need one dimension fewer)")
    for a, b in zip(y.type.shape, p.type.shape[:-1]):
        if a is not None and b is not None and a != b:
            raise ValueError(f"{what}: labels {y.type} do not match the leading shape of {p.type}")


def _picked(p, y, opname):
    if p.shape[:-1] != y.shape:
        raise ValueError(f"{opname}: labels of shape {y.shape} do not match distributions of shape {p.shape}")
    n = p.shape[-1]
    if y.size and (y.min() < 0 or y.max() >= n):
        raise ValueError(f"{opname}: class labels must lie in [0, {n}), got values in [{y.min()}, {y.max()}]")
    return np.take_along_axis(p, y[..., None].astype(np.intp), axis=-1)[..., 0]


class CrossentropyCategorical1Hot(Op):
    """``-log(coding_dist[..., labels])``: the cross-entropy of a probability
    tensor (classes on the last axis) with integer labels."""

    def make_node(self, coding_dist, labels):
        (p,) = _common_float([coding_dist], "categorical_crossentropy")
        y = as_tensor_variable(labels)
        _check_labels(p, y, "categorical_crossentropy")
        return Apply(self, [p, y], [TensorType(p.type.dtype, p.type.shape[:-1]).make_variable()])

    def perform(self, node, inputs, output_storage):
        p, y = inputs
        with np.errstate(divide="ignore"):
            r = -np.log(_picked(p, y, str(self)))
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(input_shapes[0][:-1])]


class CrossentropyCategorical1HotGrad(Op):
    """Gradient of ``CrossentropyCategorical1Hot`` wrt the distribution:
    ``-g / p`` at the labelled entries, zero elsewhere."""

    def make_node(self, g, coding_dist, labels):
        g = as_tensor_variable(g)
        p = as_tensor_variable(coding_dist)
        y = as_tensor_variable(labels)
        return Apply(self, [g, p, y], [TensorType(p.type.dtype, p.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        g, p, y = inputs
        out = np.zeros(p.shape, dtype=node.outputs[0].type.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            vals = -np.broadcast_to(g, y.shape) / _picked(p, y, str(self))
        np.put_along_axis(out, y[..., None].astype(np.intp), vals[..., None], axis=-1)
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1]]


@register_grad(CrossentropyCategorical1Hot)
def _cc1hot_grad(op, node, inputs, g):
    p, y = inputs
    return [CrossentropyCategorical1HotGrad()(g[0], p, y), disconnected]


@register_grad(CrossentropyCategorical1HotGrad)
def _cc1hot_grad_grad(op, node, inputs, g):
    return [grad_not_implemented(op, 0, inputs[0], "second derivative of the 1-hot cross-entropy"),
            grad_not_implemented(op, 1, inputs[1], "second derivative of the 1-hot cross-entropy"),
            disconnected]


def categorical_crossentropy(coding_dist, true_dist):
    """Cross-entropy between the predicted probabilities ``coding_dist``
    (classes on the last axis) and ``true_dist``: either a tensor of the same
    shape (``-sum(true_dist * log(coding_dist), axis=-1)``) or integer class
    labels with one dimension fewer (``-log(coding_dist[..., labels])``).
    For logits use ``softmax_cross_entropy_with_logits``."""
    p = as_tensor_variable(coding_dist)
    t = as_tensor_variable(true_dist)
    if p.type.ndim < 1:
        raise ValueError(f"categorical_crossentropy: coding_dist must have a class axis, got {p.type}")
    if t.type.ndim == p.type.ndim:
        p, t = _common_float([p, t], "categorical_crossentropy")
        return neg(_sum(mul(t, log(p)), axis=-1))
    if t.type.ndim == p.type.ndim - 1:
        return CrossentropyCategorical1Hot()(p, t)
    raise ValueError(f"categorical_crossentropy: true_dist {t.type} must have the shape of "
                     f"coding_dist {p.type} or be integer labels with one dimension fewer")


def binary_crossentropy(output, target):
    """``-(target * log(output) + (1 - target) * log(1 - output))`` elementwise,
    ``output`` holding probabilities.  For logits use
    ``sigmoid_binary_crossentropy``."""
    o, t = _common_float([output, target], "binary_crossentropy")
    return neg(mul(t, log(o)) + mul(sub(1, t), log1p(neg(o))))


def sigmoid_binary_crossentropy(logits, targets):
    """``binary_crossentropy(sigmoid(logits), targets)`` computed stably as
    ``softplus(logits) - targets * logits``: value and gradient
    (``sigmoid(logits) - targets``) stay finite for logits of any magnitude."""
    x, t = _common_float([logits, targets], "sigmoid_binary_crossentropy")
    return sub(softplus(x), mul(t, x))


def softmax_cross_entropy_with_logits(logits, labels, axis=-1):
    """``categorical_crossentropy(softmax(logits), labels)`` computed stably as
    ``-sum(labels * log_softmax(logits))`` along ``axis`` (the class axis).

    ``labels`` is either a distribution with the shape of ``logits`` or
    integer class indices with that axis removed.  Value and gradient
    (``softmax(logits) - labels``) stay finite for logits of any magnitude."""
    x = _as_float(logits, "softmax_cross_entropy_with_logits")
    y = as_tensor_variable(labels)
    (ax,) = normalize_axis(axis, x.type.ndim, "softmax_cross_entropy_with_logits")
    ls = log_softmax(x, axis=ax)
    if y.type.ndim == x.type.ndim:
        ls, y = _common_float([ls, y], "softmax_cross_entropy_with_logits")
        return neg(_sum(mul(y, ls), axis=ax))
    if y.type.ndim == x.type.ndim - 1:
        if y.type.dtype not in INTEGER_DTYPES:
            raise TypeError(f"softmax_cross_entropy_with_logits: labels with one dimension fewer than the "
                            f"logits must be integer class indices, got {y.type}")
        oh = one_hot(y, shape_i(x, ax), dtype=x.type.dtype)
        if ax != x.type.ndim - 1:
            perm = list(range(x.type.ndim - 1))
            perm.insert(ax, x.type.ndim - 1)
            oh = transpose(oh, perm)
        return neg(_sum(mul(oh, ls), axis=ax))
    raise ValueError(f"softmax_cross_entropy_with_logits: labels {y.type} must have the shape of the "
                     f"logits {x.type} or be class indices with the class axis removed")


