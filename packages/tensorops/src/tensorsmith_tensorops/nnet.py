"""Neural-network helpers: activations (``relu``, ``gelu``, ``elu``,
``leaky_relu``), ``softmax``/``log_softmax`` (dedicated, max-shifted ops),
``one_hot``, cross-entropies (on probabilities and stable ones on logits),
convolutions (``conv1d``/``conv2d``/``conv3d``, PyTorch layout and
semantics: cross-correlation, NC[D]HW input, (out_ch, in_ch/groups, k...)
filters) and pooling (``max_pool2d``/``avg_pool2d``).

Convolutions run as im2col (a strided window view) followed by one
``np.einsum`` contraction; their gradients are ops of their own
(``ConvGradInput``: a transposed convolution, ``ConvGradFilters``: the
correlation of the input with the output gradient), each differentiable
again, so higher-order gradients close over the three ops."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import special as _sp
from tensorsmith_autodiff import (
    disconnected, grad_not_implemented, mark_not_differentiable, register_grad, register_jvp,
)
from tensorsmith_graphcore import Apply, Constant, Op

from .basic import as_tensor_variable, constant, resolve_weak, zeros_like
from .config import config
from .elemwise import Elemwise
from .math import cast, exp, log, mul, neg, sub
from .math_extra import log1p, softplus
from .reduction import normalize_axis
from .reduction import sum as _sum
from .scalar import ScalarOp
from .shape import shape_i
from .type import FLOAT_DTYPES, INTEGER_DTYPES, TensorType, normalize_dtype

__all__ = [
    "softmax", "log_softmax", "Softmax", "LogSoftmax",
    "relu", "gelu", "elu", "leaky_relu",
    "one_hot", "OneHot",
    "categorical_crossentropy", "binary_crossentropy", "sigmoid_binary_crossentropy",
    "softmax_cross_entropy_with_logits", "CrossentropyCategorical1Hot",
    "CrossentropyCategorical1HotGrad",
    "conv1d", "conv2d", "conv3d", "Conv", "ConvGradInput", "ConvGradFilters",
    "max_pool2d", "avg_pool2d", "Pool", "MaxPoolGrad", "MaxPoolGradGrad", "AvgPoolGrad",
]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _as_float(x, what):
    """``x`` as a real floating tensor (integers and bool become floatX)."""
    x = as_tensor_variable(x)
    dt = x.type.dtype
    if dt.startswith("complex"):
        raise TypeError(f"{what}: complex inputs are not supported, got {x.type}")
    if dt not in FLOAT_DTYPES:
        x = cast(x, config.floatX)
    return x


def _common_float(xs, what):
    xs = resolve_weak([as_tensor_variable(x) for x in xs])
    for x in xs:
        if x.type.dtype.startswith("complex"):
            raise TypeError(f"{what}: complex inputs are not supported, got {x.type}")
    dt = np.result_type(*[np.dtype(x.type.dtype) for x in xs])
    if dt.kind != "f":
        dt = np.dtype(config.floatX)
    return [cast(x, dt.name) for x in xs]


def _keep_dtype(g, x):
    return g if g.type.dtype == x.type.dtype else cast(g, x.type.dtype)


def _float_out_dtype(in_dtype, what):
    dt = np.dtype(in_dtype)
    if dt.kind == "c":
        raise TypeError(f"{what} is not defined for complex inputs ({in_dtype})")
    if dt.kind == "f":
        return dt.name
    # NumPy's float ufunc loops: bool/int8/uint8 -> float16, 16-bit -> float32, wider -> float64
    return np.result_type(dt, np.float16).name


class _FloatUnary(ScalarOp):
    """A unary real function with a NumPy/SciPy ``_f``: ints map to floats as
    NumPy's float ufuncs do."""

    nin = 1

    def output_dtypes(self, in_dtypes):
        return [_float_out_dtype(in_dtypes[0], self.name)]

    def impl(self, x):
        with np.errstate(over="ignore", under="ignore"):
            return self._f(np.asarray(x))


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
# activations
# ---------------------------------------------------------------------------

_SQRT_2_PI = np.sqrt(2.0 / np.pi)
_GELU_A = 0.044715


class GeluDeriv(_FloatUnary):
    """The ``order``-th derivative (1 or 2) of ``gelu`` (exact or tanh form)."""

    __props__ = ("approximate", "order")

    def __init__(self, approximate, order):
        self.approximate = approximate
        self.order = int(order)

    def _f(self, x):
        if self.approximate == "none":
            pdf = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
            if self.order == 1:
                return _sp.ndtr(x) + x * pdf
            return pdf * (2 - x * x)
        u = _SQRT_2_PI * (x + _GELU_A * x ** 3)
        du = _SQRT_2_PI * (1 + 3 * _GELU_A * x * x)
        t = np.tanh(u)
        sech2 = 1 - t * t
        if self.order == 1:
            return 0.5 * (1 + t) + 0.5 * x * sech2 * du
        d2u = _SQRT_2_PI * 6 * _GELU_A * x
        return sech2 * du + 0.5 * x * sech2 * (d2u - 2 * t * du * du)

    def grad(self, inputs, outputs, gz):
        if self.order == 1:
            return [mul(gz[0], Elemwise(GeluDeriv(self.approximate, 2))(inputs[0]))]
        return None


class Gelu(_FloatUnary):
    """``x * Phi(x)`` (``approximate="none"``) or its tanh approximation."""

    __props__ = ("approximate",)

    def __init__(self, approximate):
        self.approximate = approximate

    def _f(self, x):
        if self.approximate == "none":
            return x * _sp.ndtr(x)
        return 0.5 * x * (1 + np.tanh(_SQRT_2_PI * (x + _GELU_A * x ** 3)))

    def grad(self, inputs, outputs, gz):
        return [mul(gz[0], Elemwise(GeluDeriv(self.approximate, 1))(inputs[0]))]


def gelu(x, approximate="none"):
    """Gaussian error linear unit ``x * Phi(x)`` (``Phi`` the standard normal
    CDF, via erf); ``approximate="tanh"`` gives
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))`` as PyTorch."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Elemwise(Gelu(approximate), name="gelu")(x)


class EluDeriv(_FloatUnary):
    """The ``order``-th derivative (>= 1) of ``elu`` with ``alpha``."""

    __props__ = ("alpha", "order")

    def __init__(self, alpha, order):
        self.alpha = float(alpha)
        self.order = int(order)

    def _f(self, x):
        neg_part = self.alpha * np.exp(np.minimum(x, 0))
        return np.where(x > 0, 1.0 if self.order == 1 else 0.0, neg_part)

    def grad(self, inputs, outputs, gz):
        return [mul(gz[0], Elemwise(EluDeriv(self.alpha, self.order + 1))(inputs[0]))]


class Elu(_FloatUnary):
    """``x`` for ``x > 0``, ``alpha (exp(x) - 1)`` otherwise."""

    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def _f(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def grad(self, inputs, outputs, gz):
        return [mul(gz[0], Elemwise(EluDeriv(self.alpha, 1))(inputs[0]))]


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``."""
    return Elemwise(Elu(alpha), name="elu")(x)


class LeakyReluDeriv(ScalarOp):
    """``1`` where ``x > 0``, ``alpha`` elsewhere (piecewise constant)."""

    nin = 1
    differentiable = False
    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def output_dtypes(self, in_dtypes):
        return [in_dtypes[0]]

    def impl(self, x):
        return np.where(x > 0, 1.0, self.alpha)


class LeakyRelu(ScalarOp):
    """``x if x > 0 else alpha * x``; integer inputs give floatX (as
    NumPy's ``alpha * x`` with a Python float)."""

    nin = 1
    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def output_dtypes(self, in_dtypes):
        dt = in_dtypes[0]
        if dt.startswith("complex"):
            raise TypeError(f"relu is not defined for complex inputs ({dt})")
        return [dt if dt in FLOAT_DTYPES else config.floatX]

    def impl(self, x):
        return np.where(x > 0, x, self.alpha * x)

    def grad(self, inputs, outputs, gz):
        return [mul(gz[0], Elemwise(LeakyReluDeriv(self.alpha))(inputs[0]))]


def relu(x, alpha=0):
    """Rectifier ``max(x, 0)``; with ``alpha`` (PyTensor's leaky form)
    ``x if x > 0 else alpha * x``.  ``alpha=0`` keeps the dtype of ``x``."""
    x = as_tensor_variable(x)
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and alpha == 0:
        from .math import maximum

        return maximum(x, 0)
    return Elemwise(LeakyRelu(alpha), name="leaky_relu")(x)


def leaky_relu(x, negative_slope=0.01):
    """``x if x > 0 else negative_slope * x`` (PyTorch's name; ``relu(x, alpha)``)."""
    return relu(x, alpha=negative_slope)


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
            from .shape import transpose

            perm = list(range(x.type.ndim - 1))
            perm.insert(ax, x.type.ndim - 1)
            oh = transpose(oh, perm)
        return neg(_sum(mul(oh, ls), axis=ax))
    raise ValueError(f"softmax_cross_entropy_with_logits: labels {y.type} must have the shape of the "
                     f"logits {x.type} or be class indices with the class axis removed")


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------

_OUT_LETTERS = "xyz"
_K_LETTERS = "ijk"


def _ntuple(v, n, what, minimum):
    if isinstance(v, (int, np.integer)):
        v = (int(v),) * n
    else:
        v = tuple(v)
        if len(v) != n or not all(isinstance(e, (int, np.integer)) for e in v):
            raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {v!r}")
        v = tuple(int(e) for e in v)
    if any(e < minimum for e in v):
        raise ValueError(f"{what} must be >= {minimum}, got {v}")
    return v


def _resolve_pad(padding, kshape, dilation):
    """((lo, hi), ...) per spatial axis; "same" splits ``d (k - 1)`` as PyTorch."""
    if padding == "same":
        res = []
        for k, d in zip(kshape, dilation):
            total = d * (k - 1)
            res.append((total // 2, total - total // 2))
        return tuple(res)
    return padding


def _out_len(length, k, s, d, lo, hi):
    return (length + lo + hi - d * (k - 1) - 1) // s + 1


class _ConvBase(Op):
    """Shared parameters of ``Conv`` and its gradient ops: ``nd`` spatial axes,
    ``stride``, ``padding`` ("same" or ((lo, hi), ...)), ``dilation``, ``groups``."""

    __props__ = ("nd", "stride", "padding", "dilation", "groups")

    def __init__(self, nd, stride, padding, dilation, groups):
        self.nd = int(nd)
        self.stride = tuple(stride)
        self.padding = padding if padding == "same" else tuple(tuple(p) for p in padding)
        self.dilation = tuple(dilation)
        self.groups = int(groups)

    def _params(self):
        return (self.nd, self.stride, self.padding, self.dilation, self.groups)

    def __str__(self):
        return (f"{type(self).__name__}{{{self.nd}d, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, groups={self.groups}}}")

    # -- shared NumPy pieces -------------------------------------------------
    def _pads(self, kshape):
        return _resolve_pad(self.padding, kshape, self.dilation)

    def _cols(self, x, kshape, what):
        """im2col: a (N, G, C/G, *out, *k) array of input windows."""
        nd = self.nd
        pads = self._pads(kshape)
        xp = np.pad(x, ((0, 0), (0, 0)) + pads) if any(p != (0, 0) for p in pads) else x
        span = tuple(d * (k - 1) + 1 for k, d in zip(kshape, self.dilation))
        if any(L < s for L, s in zip(xp.shape[2:], span)):
            raise ValueError(f"{what}: input of shape {x.shape} (padded {xp.shape}) is smaller than the "
                             f"dilated kernel {span}")
        v = sliding_window_view(xp, span, axis=tuple(range(2, 2 + nd)))
        sl = (slice(None),) * 2 + tuple(slice(None, None, s) for s in self.stride) + tuple(
            slice(None, None, d) for d in self.dilation)
        v = v[sl]
        n, c = x.shape[:2]
        g = self.groups
        return v.reshape((n, g, c // g) + v.shape[2:])

    def _subs(self):
        return _OUT_LETTERS[:self.nd], _K_LETTERS[:self.nd]

    def _check_channels(self, xshape, wshape, what):
        g = self.groups
        if xshape[1] != wshape[1] * g or wshape[0] % g:
            raise ValueError(f"{what}: input of shape {xshape} and filters of shape {wshape} do not match "
                             f"with groups={g} (need in_channels == filters.shape[1] * groups and "
                             "out_channels divisible by groups)")


class Conv(_ConvBase):
    """N-d cross-correlation, PyTorch semantics: input (N, C, *spatial),
    filters (O, C/groups, *kernel), output (N, O, *out)."""

    def make_node(self, x, w):
        x, w = _common_float([x, w], "conv")
        nd = self.nd
        if x.type.ndim != nd + 2 or w.type.ndim != nd + 2:
            raise TypeError(f"conv{nd}d: input and filters must be {nd + 2}-d, got {x.type} and {w.type}")
        xs, ws = x.type.shape, w.type.shape
        g = self.groups
        if xs[1] is not None and ws[1] is not None and xs[1] != ws[1] * g:
            raise ValueError(f"conv{nd}d: input has {xs[1]} channels but filters {w.type} with groups={g} "
                             f"expect {ws[1] * g}")
        if ws[0] is not None and ws[0] % g:
            raise ValueError(f"conv{nd}d: out_channels {ws[0]} is not divisible by groups={g}")
        out = [xs[0], ws[0]]
        for i in range(nd):
            L, k = xs[2 + i], ws[2 + i]
            if self.padding == "same":
                out.append(L)
            elif L is None or k is None:
                out.append(None)
            else:
                lo, hi = self.padding[i]
                o = _out_len(L, k, self.stride[i], self.dilation[i], lo, hi)
                if o < 1:
                    raise ValueError(f"conv{nd}d: input {x.type} is too small for filters {w.type} "
                                     f"(padding={self.padding}, dilation={self.dilation})")
                out.append(o)
        return Apply(self, [x, w], [TensorType(x.type.dtype, tuple(out)).make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        xs, ws = input_shapes
        out = [xs[0], ws[0]]
        for i in range(self.nd):
            if self.padding == "same":
                out.append(xs[2 + i])
            else:
                lo, hi = self.padding[i]
                d, s = self.dilation[i], self.stride[i]
                out.append((xs[2 + i] + (lo + hi - 1 + d) - ws[2 + i] * d) // s + 1)
        return [tuple(out)]

    def perform(self, node, inputs, output_storage):
        x, w = inputs
        self._check_channels(x.shape, w.shape, str(self))
        cols = self._cols(x, w.shape[2:], str(self))
        g = self.groups
        wr = w.reshape((g, w.shape[0] // g) + w.shape[1:])
        o, k = self._subs()
        r = np.einsum(f"ngc{o}{k},gfc{k}->ngf{o}", cols, wr, optimize=True)
        r = r.reshape((x.shape[0], w.shape[0]) + r.shape[3:])
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)


class ConvGradInput(_ConvBase):
    """Gradient of ``Conv`` wrt its input (a transposed convolution):
    ``ConvGradInput(gz, w, x)``, ``x`` used for its shape only."""

    def make_node(self, gz, w, x):
        gz, w = as_tensor_variable(gz), as_tensor_variable(w)
        x = as_tensor_variable(x)
        return Apply(self, [gz, w, x], [TensorType(gz.type.dtype, x.type.shape).make_variable()])

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def perform(self, node, inputs, output_storage):
        gz, w, x = inputs
        nd, g = self.nd, self.groups
        self._check_channels(x.shape, w.shape, str(self))
        kshape = w.shape[2:]
        pads = self._pads(kshape)
        n, c = x.shape[:2]
        gr = gz.reshape((n, g, w.shape[0] // g) + gz.shape[2:])
        wr = w.reshape((g, w.shape[0] // g) + w.shape[1:])
        o, k = self._subs()
        cols = np.einsum(f"ngf{o},gfc{k}->ngc{o}{k}", gr, wr, optimize=True)
        cols = cols.reshape((n, c) + cols.shape[3:])
        padded = tuple(L + lo + hi for L, (lo, hi) in zip(x.shape[2:], pads))
        out_sp = gz.shape[2:]
        xg = np.zeros((n, c) + padded, dtype=node.outputs[0].type.dtype)
        # one strided add per kernel position (not per pixel)
        for kk in np.ndindex(*kshape):
            sl = tuple(slice(kk[i] * self.dilation[i], kk[i] * self.dilation[i]
                             + self.stride[i] * (out_sp[i] - 1) + 1, self.stride[i]) for i in range(nd))
            xg[(slice(None), slice(None)) + sl] += cols[(slice(None),) * (2 + nd) + kk]
        crop = tuple(slice(lo, lo + L) for L, (lo, hi) in zip(x.shape[2:], pads))
        output_storage[0][0] = np.ascontiguousarray(xg[(slice(None), slice(None)) + crop])

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[2]]


class ConvGradFilters(_ConvBase):
    """Gradient of ``Conv`` wrt its filters (the correlation of the input with
    the output gradient): ``ConvGradFilters(x, gz, w)``, ``w`` used for its shape only."""

    def make_node(self, x, gz, w):
        x, gz, w = as_tensor_variable(x), as_tensor_variable(gz), as_tensor_variable(w)
        return Apply(self, [x, gz, w], [TensorType(gz.type.dtype, w.type.shape).make_variable()])

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def perform(self, node, inputs, output_storage):
        x, gz, w = inputs
        g = self.groups
        self._check_channels(x.shape, w.shape, str(self))
        cols = self._cols(x, w.shape[2:], str(self))
        gr = gz.reshape((x.shape[0], g, w.shape[0] // g) + gz.shape[2:])
        o, k = self._subs()
        r = np.einsum(f"ngc{o}{k},ngf{o}->gfc{k}", cols, gr, optimize=True)
        output_storage[0][0] = np.asarray(r.reshape(w.shape), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[2]]


@register_grad(Conv)
def _conv_grad(op, node, inputs, g):
    x, w = inputs
    gz = g[0]
    p = op._params()
    return [_keep_dtype(ConvGradInput(*p)(gz, w, x), x), _keep_dtype(ConvGradFilters(*p)(x, gz, w), w)]


@register_jvp(Conv)
def _conv_jvp(op, node, inputs, t):
    x, w = inputs
    terms = []
    if t[0] is not None:
        terms.append(op(t[0], w))
    if t[1] is not None:
        terms.append(op(x, t[1]))
    if not terms:
        return [None]
    return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


@register_grad(ConvGradInput)
def _conv_grad_input_grad(op, node, inputs, g):
    gz, w, x = inputs
    gg = g[0]
    p = op._params()
    return [_keep_dtype(Conv(*p)(gg, w), gz), _keep_dtype(ConvGradFilters(*p)(gg, gz, w), w), disconnected]


@register_grad(ConvGradFilters)
def _conv_grad_filters_grad(op, node, inputs, g):
    x, gz, w = inputs
    gg = g[0]
    p = op._params()
    return [_keep_dtype(ConvGradInput(*p)(gz, gg, x), x), _keep_dtype(Conv(*p)(x, gg), gz), disconnected]


def _conv(nd, input, filters, stride, padding, dilation, groups):
    what = f"conv{nd}d"
    stride = _ntuple(stride, nd, f"{what}: stride", 1)
    dilation = _ntuple(dilation, nd, f"{what}: dilation", 1)
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{what}: groups must be a positive int, got {groups!r}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{what}: padding='same' needs stride 1 (as PyTorch), got stride={stride}")
            pads = "same"
        else:
            raise ValueError(f"{what}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    else:
        pads = tuple((p, p) for p in _ntuple(padding, nd, f"{what}: padding", 0))
    return Conv(nd, stride, pads, dilation, groups)(input, filters)


def conv1d(input, filters, stride=1, padding="valid", dilation=1, groups=1):
    """1-d cross-correlation as ``torch.nn.functional.conv1d``: input
    (N, C, L), filters (O, C/groups, K) -> (N, O, L_out).  ``padding``:
    "valid", "same" (stride 1), an int or a 1-tuple (zeros on both sides)."""
    return _conv(1, input, filters, stride, padding, dilation, groups)


def conv2d(input, filters, stride=1, padding="valid", dilation=1, groups=1):
    """2-d cross-correlation as ``torch.nn.functional.conv2d``: input
    (N, C, H, W), filters (O, C/groups, KH, KW) -> (N, O, H_out, W_out).
    ``stride``/``dilation``: int or pair; ``padding``: "valid", "same"
    (stride 1), an int or a pair (zeros on both sides)."""
    return _conv(2, input, filters, stride, padding, dilation, groups)


def conv3d(input, filters, stride=1, padding="valid", dilation=1, groups=1):
    """3-d cross-correlation as ``torch.nn.functional.conv3d`` (N, C, D, H, W)."""
    return _conv(3, input, filters, stride, padding, dilation, groups)


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


class _PoolBase(Op):
    """Pooling over the last ``len(kernel)`` axes: ``kernel``, ``stride``,
    ``padding`` (symmetric), ``mode`` ("max" or "avg"), ``count_include_pad``."""

    __props__ = ("mode", "kernel", "stride", "padding", "count_include_pad")

    def __init__(self, mode, kernel, stride, padding, count_include_pad=True):
        self.mode = mode
        self.kernel = tuple(kernel)
        self.stride = tuple(stride)
        self.padding = tuple(padding)
        self.count_include_pad = bool(count_include_pad)

    def _params(self):
        return (self.mode, self.kernel, self.stride, self.padding, self.count_include_pad)

    def __str__(self):
        return (f"{type(self).__name__}{{{self.mode}, kernel={self.kernel}, stride={self.stride}, "
                f"padding={self.padding}}}")

    @property
    def nd(self):
        return len(self.kernel)

    def _out_shape(self, spatial):
        return tuple(None if L is None else (L + 2 * p - k) // s + 1
                     for L, k, s, p in zip(spatial, self.kernel, self.stride, self.padding))

    def _sym_out_shape(self, xshape):
        nd = self.nd
        lead, spatial = tuple(xshape[:-nd]), xshape[-nd:]
        return lead + tuple((L + (2 * p - k)) // s + 1
                            for L, k, s, p in zip(spatial, self.kernel, self.stride, self.padding))

    def _pad(self, x, value):
        nd = self.nd
        pads = ((0, 0),) * (x.ndim - nd) + tuple((p, p) for p in self.padding)
        if not any(self.padding):
            return x
        return np.pad(x, pads, constant_values=value)

    def _windows(self, xp):
        """(..., *out, *kernel) view of the windows of the padded input."""
        nd = self.nd
        axes = tuple(range(xp.ndim - nd, xp.ndim))
        v = sliding_window_view(xp, self.kernel, axis=axes)
        return v[(Ellipsis,) + tuple(slice(None, None, s) for s in self.stride) + (slice(None),) * nd]

    def _divisor(self, spatial):
        """The number each window sum is divided by (avg mode), broadcastable to the output."""
        if self.count_include_pad or not any(self.padding):
            return float(np.prod(self.kernel))
        ones = self._pad(np.ones(spatial), 0.0)
        w = self._windows(ones)
        return w.sum(axis=tuple(range(-self.nd, 0)))

    def _max_index(self, x):
        """Flat indices into the padded input (batch axes flattened first) of each
        window's maximum, and the padded shape (B, *padded)."""
        nd = self.nd
        fill = -np.inf if x.dtype.kind == "f" else (np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
        xp = self._pad(x, fill)
        lead = x.shape[:-nd]
        b = int(np.prod(lead))
        xp = xp.reshape((b,) + xp.shape[-nd:])
        w = self._windows(xp)
        out_sp = w.shape[1:1 + nd]
        flat = w.reshape((b,) + out_sp + (-1,))
        kidx = np.argmax(flat, axis=-1)
        kk = np.unravel_index(kidx, self.kernel)
        pos = []
        for i in range(nd):
            o = np.arange(out_sp[i]).reshape((1,) * (1 + i) + (-1,) + (1,) * (nd - 1 - i))
            pos.append(o * self.stride[i] + kk[i])
        bidx = np.arange(b).reshape((-1,) + (1,) * nd)
        lin = np.ravel_multi_index((np.broadcast_to(bidx, kidx.shape),) + tuple(pos), xp.shape)
        return lin, xp.shape, lead, out_sp


class Pool(_PoolBase):
    """Max or average pooling of the last ``len(kernel)`` axes (PyTorch
    semantics: floor output size, zero padding counted in averages when
    ``count_include_pad``, padding ignored by max)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.mode == "avg":
            x = _as_float(x, "avg_pool")
        if x.type.dtype.startswith("complex"):
            raise TypeError(f"{self.mode}_pool: complex inputs are not supported, got {x.type}")
        nd = self.nd
        if x.type.ndim < nd:
            raise TypeError(f"{self.mode}_pool{nd}d needs at least {nd} dimensions, got {x.type}")
        spatial = x.type.shape[-nd:]
        out_sp = self._out_shape(spatial)
        if any(o is not None and o < 1 for o in out_sp):
            raise ValueError(f"{self.mode}_pool{nd}d: input {x.type} is smaller than the kernel {self.kernel}")
        return Apply(self, [x], [TensorType(x.type.dtype, x.type.shape[:-nd] + out_sp).make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        return [self._sym_out_shape(input_shapes[0])]

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        nd = self.nd
        if any(L + 2 * p < k for L, k, p in zip(x.shape[-nd:], self.kernel, self.padding)):
            raise ValueError(f"{self}: input of shape {x.shape} is smaller than the kernel {self.kernel}")
        red = tuple(range(-nd, 0))
        if self.mode == "max":
            if x.size == 0:
                shape = x.shape[:-nd] + self._out_shape(x.shape[-nd:])
                r = np.zeros(shape, dtype=x.dtype)
            else:
                fill = -np.inf if x.dtype.kind == "f" else (
                    np.iinfo(x.dtype).min if x.dtype.kind in "iu" else False)
                r = self._windows(self._pad(x, fill)).max(axis=red)
        else:
            r = self._windows(self._pad(x, 0)).sum(axis=red) / self._divisor(x.shape[-nd:])
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)


class MaxPoolGrad(_PoolBase):
    """``MaxPoolGrad(x, gz)``: ``gz`` sent to the position of each window's maximum."""

    def make_node(self, x, gz):
        x, gz = as_tensor_variable(x), as_tensor_variable(gz)
        return Apply(self, [x, gz], [TensorType(gz.type.dtype, x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, gz = inputs
        dt = node.outputs[0].type.dtype
        if x.size == 0:
            output_storage[0][0] = np.zeros(x.shape, dtype=dt)
            return
        lin, pshape, lead, out_sp = self._max_index(x)
        gp = np.bincount(lin.ravel(), weights=gz.reshape(lin.shape).ravel(), minlength=int(np.prod(pshape)))
        gp = gp.reshape(pshape)
        nd = self.nd
        crop = tuple(slice(p, p + L) for p, L in zip(self.padding, x.shape[-nd:]))
        output_storage[0][0] = np.asarray(gp[(slice(None),) + crop].reshape(x.shape), dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


class MaxPoolGradGrad(_PoolBase):
    """``MaxPoolGradGrad(x, gg)``: ``gg`` (shaped as ``x``) read at each window's
    maximum position (the adjoint of ``MaxPoolGrad`` in its second input)."""

    def make_node(self, x, gg):
        x, gg = as_tensor_variable(x), as_tensor_variable(gg)
        nd = self.nd
        out = x.type.shape[:-nd] + self._out_shape(x.type.shape[-nd:])
        return Apply(self, [x, gg], [TensorType(gg.type.dtype, out).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, gg = inputs
        nd = self.nd
        dt = node.outputs[0].type.dtype
        if x.size == 0:
            output_storage[0][0] = np.zeros(x.shape[:-nd] + self._out_shape(x.shape[-nd:]), dtype=dt)
            return
        lin, pshape, lead, out_sp = self._max_index(x)
        gp = self._pad(gg, 0).reshape(pshape)
        output_storage[0][0] = np.asarray(gp.ravel()[lin].reshape(lead + out_sp), dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        return [self._sym_out_shape(input_shapes[0])]


class AvgPoolGrad(_PoolBase):
    """``AvgPoolGrad(gz, x)``: each window's gradient spread evenly over it
    (``x`` used for its shape only)."""

    def make_node(self, gz, x):
        gz, x = as_tensor_variable(gz), as_tensor_variable(x)
        return Apply(self, [gz, x], [TensorType(gz.type.dtype, x.type.shape).make_variable()])

    def connection_pattern(self, node):
        return [[True], [False]]

    def perform(self, node, inputs, output_storage):
        gz, x = inputs
        nd = self.nd
        spatial = x.shape[-nd:]
        g = gz / self._divisor(spatial)
        padded = tuple(L + 2 * p for L, p in zip(spatial, self.padding))
        out = np.zeros(x.shape[:-nd] + padded, dtype=node.outputs[0].type.dtype)
        out_sp = gz.shape[-nd:]
        for kk in np.ndindex(*self.kernel):
            sl = tuple(slice(kk[i], kk[i] + self.stride[i] * (out_sp[i] - 1) + 1, self.stride[i])
                       for i in range(nd))
            out[(Ellipsis,) + sl] += g
        crop = tuple(slice(p, p + L) for p, L in zip(self.padding, spatial))
        output_storage[0][0] = np.ascontiguousarray(out[(Ellipsis,) + crop])

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1]]


@register_grad(Pool)
def _pool_grad(op, node, inputs, g):
    (x,) = inputs
    if not x.type.differentiable:
        return [disconnected]
    if op.mode == "max":
        return [_keep_dtype(MaxPoolGrad(*op._params())(x, g[0]), x)]
    return [_keep_dtype(AvgPoolGrad(*op._params())(g[0], x), x)]


@register_grad(MaxPoolGrad)
def _max_pool_grad_grad(op, node, inputs, g):
    x, gz = inputs
    # piecewise constant in x: zero gradient almost everywhere
    return [zeros_like(x), _keep_dtype(MaxPoolGradGrad(*op._params())(x, g[0]), gz)]


@register_grad(MaxPoolGradGrad)
def _max_pool_grad_grad_grad(op, node, inputs, g):
    x, gg = inputs
    return [zeros_like(x), _keep_dtype(MaxPoolGrad(*op._params())(x, g[0]), gg)]


@register_grad(AvgPoolGrad)
def _avg_pool_grad_grad(op, node, inputs, g):
    gz, x = inputs
    return [_keep_dtype(Pool(*op._params())(g[0]), gz), disconnected]


@register_jvp(Pool)
def _pool_jvp(op, node, inputs, t):
    if t[0] is None:
        return [None]
    if op.mode == "avg":
        return [op(t[0])]
    return [MaxPoolGradGrad(*op._params())(inputs[0], t[0])]


def _pool(mode, x, kernel_size, stride, padding, count_include_pad, nd=2):
    what = f"{mode}_pool{nd}d"
    kernel = _ntuple(kernel_size, nd, f"{what}: kernel_size", 1)
    stride = kernel if stride is None else _ntuple(stride, nd, f"{what}: stride", 1)
    padding = _ntuple(padding, nd, f"{what}: padding", 0)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{what}: padding {padding} must be at most half the kernel size {kernel}")
    return Pool(mode, kernel, stride, padding, count_include_pad)(x)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling over the last two axes (``torch.nn.functional.max_pool2d``):
    ``stride`` defaults to ``kernel_size``; padding is ignored by the max.
    The gradient goes to the position of each window's maximum (the first
    one on ties)."""
    return _pool("max", x, kernel_size, stride, padding, True)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling over the last two axes (``torch.nn.functional.avg_pool2d``):
    zero padding counts in the average unless ``count_include_pad=False``."""
    return _pool("avg", x, kernel_size, stride, padding, count_include_pad)
