"""Rearranging and repeating elements (NumPy semantics, PyTensor names):
``tile``, ``repeat`` (``Repeat``, with ``RepeatSum`` its adjoint), ``pad``
(``Pad``, with ``PadGrad`` its adjoint) and ``roll`` (``Roll``)."""
import numpy as np
from tensorsmith_autodiff import disconnected, grad_not_implemented, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op

from .basic import as_tensor_variable, constant
from .creation import alloc
from .math import add, cast, neg, zeros_like
from .reduction import sum as _sum
from .shape import (
    DimShuffle, as_int_scalar, atleast_Nd, flatten, int_mul, normalize_axis, reshape, shape_i, shape_to_scalars,
    static_int,
)
from .type import TensorType

__all__ = ["tile", "Repeat", "repeat", "Pad", "pad", "Roll", "roll"]


def _axis(a, ndim, what):
    return normalize_axis(a, ndim, what)[0]


# ---------------------------------------------------------------------------
# tile, repeat
# ---------------------------------------------------------------------------


def tile(A, reps, ndim=None):
    """``A`` repeated ``reps`` times along each axis (as ``numpy.tile``);
    ``reps`` holds ints or integer scalars, or is an integer vector."""

    x = as_tensor_variable(A)
    if isinstance(reps, (int, np.integer)) or getattr(getattr(reps, "type", None), "ndim", 1) == 0:
        reps = [reps]
    reps = shape_to_scalars(reps, "tile")
    for r in reps:
        if static_int(r) is not None and static_int(r) < 0:
            raise ValueError(f"tile: negative repetition {static_int(r)}")
    d = max(x.type.ndim, len(reps), ndim or 0)
    reps = [constant(np.int64(1))] * (d - len(reps)) + reps
    x = atleast_Nd(x, d)
    dims = [shape_i(x, i) for i in range(d)]
    order = []
    big = []
    for i in range(d):
        order += ["x", i]
        big += [reps[i], dims[i]]
    expanded = alloc(DimShuffle(d, order)(x), *big)
    out_shape = [int_mul(r, s) for r, s in zip(reps, dims)]
    return reshape(expanded, out_shape)


class Repeat(Op):
    """``Repeat(axis)(x, repeats)``: ``numpy.repeat`` along ``axis`` with
    ``repeats`` an int scalar or a vector (one count per element)."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, x, repeats):
        x = as_tensor_variable(x)
        repeats = as_tensor_variable(repeats)
        if repeats.type.dtype[:3] not in ("int", "uin") or repeats.type.ndim > 1:
            raise TypeError(f"repeat: repeats must be an integer scalar or vector, got {repeats.type}")
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"repeat: axis {self.axis} out of range for {x.type}")
        n = x.type.shape[self.axis]
        length = None
        if isinstance(repeats, Constant):
            r = np.asarray(repeats.data)
            if np.any(r < 0):
                raise ValueError("repeat: negative repeat counts")
            if r.ndim == 0 and n is not None:
                length = int(r) * n
            elif r.ndim == 1:
                if r.shape[0] == 1:
                    length = None if n is None else int(r[0]) * n
                elif n is not None and r.shape[0] != n:
                    raise ValueError(f"repeat: {r.shape[0]} repeat counts for an axis of length {n}")
                else:
                    length = int(r.sum())
        shp = list(x.type.shape)
        shp[self.axis] = length
        return Apply(self, [x, repeats], [TensorType(x.type.dtype, tuple(shp)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, r = inputs
        try:
            res = np.repeat(x, r, axis=self.axis)
        except ValueError as e:
            raise ValueError(f"Repeat: x of shape {x.shape}, repeats of shape {np.shape(r)} along axis "
                             f"{self.axis}: {e}") from None
        output_storage[0][0] = np.asarray(res, dtype=node.outputs[0].type.numpy_dtype)

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        r = node.inputs[1]
        shp = list(input_shapes[0])
        n = shp[self.axis]
        if r.type.ndim == 0:
            shp[self.axis] = int_mul(n, r)
        elif r.type.shape[0] == 1:
            shp[self.axis] = int_mul(n, _sum(r, dtype="int64"))
        else:
            shp[self.axis] = _sum(r, dtype="int64")
        return [tuple(shp)]


class RepeatSum(Op):
    """The adjoint of ``Repeat``: ``RepeatSum(axis)(g, repeats, x)`` sums the
    groups of ``g`` that ``repeat`` made from each element of ``x`` (used for
    its length only) along ``axis``."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, g, repeats, x):
        g, repeats, x = (as_tensor_variable(v) for v in (g, repeats, x))
        shp = list(g.type.shape)
        shp[self.axis] = x.type.shape[self.axis]
        return Apply(self, [g, repeats, x], [TensorType(g.type.dtype, tuple(shp)).make_variable()])

    def perform(self, node, inputs, output_storage):
        g, r, x = inputs
        n = x.shape[self.axis]
        seg = np.repeat(np.arange(n), np.broadcast_to(r, (n,)))
        gm = np.moveaxis(g, self.axis, 0)
        out = np.zeros((n,) + gm.shape[1:], dtype=g.dtype)
        np.add.at(out, seg, gm)
        output_storage[0][0] = np.moveaxis(out, 0, self.axis)

    def connection_pattern(self, node):
        return [[True], [False], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        shp = list(input_shapes[0])
        shp[self.axis] = input_shapes[2][self.axis]
        return [tuple(shp)]


@register_grad(Repeat)
def _repeat_grad(op, node, inputs, g):
    x, r = inputs
    if not x.type.differentiable:
        return [disconnected, disconnected]
    return [RepeatSum(op.axis)(g[0], r, x), disconnected]


@register_grad(RepeatSum)
def _repeat_sum_grad(op, node, inputs, g):
    return [Repeat(op.axis)(g[0], inputs[1]), disconnected, disconnected]


register_jvp(Repeat, lambda op, node, inputs, t: [None if t[0] is None else op(t[0], inputs[1])])


@register_jvp(RepeatSum)
def _linear_in_first(op, node, inputs, tangents):
    # linear in the first input; the others give shapes or indices
    if tangents[0] is None:
        return [None] * len(node.outputs)
    return op.make_node(tangents[0], *inputs[1:]).outputs


def repeat(a, repeats, axis=None):
    """Each element of ``a`` repeated ``repeats`` times along ``axis`` (the
    flattened array when None), as ``numpy.repeat``."""
    x = as_tensor_variable(a)
    if isinstance(repeats, (int, np.integer)):
        repeats = constant(np.int64(repeats))
    if axis is None:
        x = flatten(x)
        axis = 0
    else:
        axis = _axis(axis, x.type.ndim, "repeat")
    return Repeat(axis)(x, repeats)


# ---------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
# modes computed from statistics of the input: values only, no gradient
_PAD_STAT_MODES = ("linear_ramp", "maximum", "minimum", "mean", "median")
_PAD_OPTIONS = {"linear_ramp": ("end_values",), "maximum": ("stat_length",), "minimum": ("stat_length",),
                "mean": ("stat_length",), "median": ("stat_length",), "reflect": ("reflect_type",),
                "symmetric": ("reflect_type",), "constant": ("constant_values",), "edge": (), "wrap": ()}


def _pad_source_index(shape, pw, mode):
    """For each element of the padded array, the flat index of the element of
    the input it copies (-1 for the constant fill)."""
    idx = np.arange(int(np.prod(shape)), dtype="int64").reshape(shape)
    if mode == "constant":
        return np.pad(idx, pw, mode="constant", constant_values=-1)
    return np.pad(idx, pw, mode=mode)


class Pad(Op):
    """``Pad(mode, options)(x, pad_width, constant_value)``: ``numpy.pad``
    with ``pad_width`` an int matrix of shape (ndim, 2), a scalar fill value
    (mode constant) and ``options`` the other NumPy keywords as a sorted
    tuple of (name, value) pairs."""

    __props__ = ("mode", "options")

    def __init__(self, mode, options=()):
        if mode not in _PAD_MODES + _PAD_STAT_MODES:
            raise ValueError(f"pad: mode must be one of {_PAD_MODES + _PAD_STAT_MODES}, got {mode!r}")
        self.mode = mode
        self.options = tuple(sorted(options))

    @property
    def index_based(self):
        """True when each padded element copies one input element or the fill value."""
        return self.mode in _PAD_MODES and dict(self.options).get("reflect_type", "even") == "even"

    def make_node(self, x, pad_width, value):
        x = as_tensor_variable(x)
        pad_width = as_tensor_variable(pad_width)
        value = as_tensor_variable(value)
        nd = x.type.ndim
        if pad_width.type.ndim != 2 or pad_width.type.dtype[:3] not in ("int", "uin"):
            raise TypeError(f"pad: pad_width must be an integer matrix of shape ({nd}, 2), got {pad_width.type}")
        if value.type.ndim != 0:
            raise TypeError(f"pad: constant_values must be a scalar, got {value.type}")
        shp = [None] * nd
        if isinstance(pad_width, Constant):
            pw = np.asarray(pad_width.data)
            if pw.shape != (nd, 2):
                raise ValueError(f"pad: pad_width of shape {pw.shape} for {x.type}")
            if np.any(pw < 0):
                raise ValueError("pad: negative pad widths")
            for i, s in enumerate(x.type.shape):
                if s is not None:
                    if s == 0 and self.mode != "constant" and pw[i].any():
                        raise ValueError(f"pad: cannot pad an empty axis {i} of {x.type} in mode {self.mode!r}")
                    shp[i] = s + int(pw[i].sum())
        if value.type.dtype != x.type.dtype:
            value = cast(value, x.type.dtype)
        return Apply(self, [x, pad_width, value], [TensorType(x.type.dtype, tuple(shp)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, pw, v = inputs
        pw = [(int(a), int(b)) for a, b in pw]
        try:
            if self.mode == "constant":
                res = np.pad(x, pw, mode="constant", constant_values=v)
            else:
                res = np.pad(x, pw, mode=self.mode, **dict(self.options))
        except ValueError as e:
            raise ValueError(f"Pad: cannot pad an array of shape {x.shape} by {pw} in mode "
                             f"{self.mode!r}: {e}") from None
        output_storage[0][0] = np.asarray(res, dtype=node.outputs[0].type.numpy_dtype)

    def connection_pattern(self, node):
        return [[True], [False], [self.mode == "constant"]]

    def infer_shape(self, fgraph, node, input_shapes):
        pw = node.inputs[1]
        out = []
        for i, s in enumerate(input_shapes[0]):
            if isinstance(pw, Constant):
                out.append(add(s, int(np.asarray(pw.data)[i].sum())))
            else:
                out.append(add(s, add(pw[i, 0], pw[i, 1])))
        return [tuple(out)]


class PadGrad(Op):
    """The adjoint of ``Pad``: ``PadGrad(mode)(g, x, pad_width)`` gives the
    gradient for ``x`` (each input element collects the padded elements that
    copy it) and the total of the fill positions (for the fill value)."""

    __props__ = ("mode",)

    def __init__(self, mode):
        self.mode = mode

    def make_node(self, g, x, pad_width):
        g, x, pad_width = (as_tensor_variable(v) for v in (g, x, pad_width))
        outs = [TensorType(g.type.dtype, x.type.shape).make_variable(), TensorType(g.type.dtype, ()).make_variable()]
        return Apply(self, [g, x, pad_width], outs)

    def perform(self, node, inputs, output_storage):
        g, x, pw = inputs
        pw = [(int(a), int(b)) for a, b in pw]
        src = _pad_source_index(x.shape, pw, self.mode)
        inside = src >= 0
        flat_src = src[inside]
        vals = g[inside]
        dt = node.outputs[0].type.numpy_dtype
        gx = np.zeros(x.size, dtype=dt)
        np.add.at(gx, flat_src, vals)
        output_storage[0][0] = gx.reshape(x.shape)
        output_storage[1][0] = np.asarray(g[~inside].sum(), dtype=dt)

    def connection_pattern(self, node):
        return [[True, True], [False, False], [False, False]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1], ()]


@register_grad(Pad)
def _pad_grad(op, node, inputs, g):
    x, pw, v = inputs
    if not x.type.differentiable:
        return [disconnected] * 3
    if not op.index_based:
        return [grad_not_implemented(op, 0, x, f"pad mode {op.mode!r} with {dict(op.options)}"),
                disconnected, disconnected]
    gx, gv = PadGrad(op.mode)(g[0], x, pw)
    if op.mode != "constant":
        return [gx, disconnected, disconnected]
    if not v.type.differentiable:
        return [gx, disconnected, disconnected]
    return [gx, disconnected, cast(gv, v.type.dtype)]


@register_grad(PadGrad)
def _pad_grad_grad(op, node, inputs, g):
    gg_x, gg_v = g
    _, x, pw = inputs
    if gg_x is None or not hasattr(gg_x, "type"):
        gg_x = zeros_like(x, dtype=node.outputs[0].type.dtype)
    if gg_v is None or not hasattr(gg_v, "type"):
        gg_v = constant(np.zeros((), dtype=node.outputs[1].type.dtype))
    if op.mode != "constant":
        gg_v = constant(np.zeros((), dtype=node.outputs[1].type.dtype))
    return [Pad(op.mode)(cast(gg_x, inputs[0].type.dtype), pw, gg_v), disconnected, disconnected]


@register_jvp(Pad)
def _pad_jvp(op, node, inputs, t):
    x, pw, v = inputs
    tx, tv = t[0], (t[2] if op.mode == "constant" else None)
    if tx is None and tv is None:
        return [None]
    if not op.index_based:
        raise NotImplementedError(f"no forward-mode rule for pad mode {op.mode!r} with {dict(op.options)}")
    tx = zeros_like(x) if tx is None else tx
    tv = constant(np.zeros((), dtype=x.type.dtype)) if tv is None else tv
    return [op(tx, pw, tv if op.mode == "constant" else v)]


register_jvp(PadGrad, _linear_in_first)


def _pad_width_matrix(pad_width, nd):
    from tensorsmith_graphcore import Variable

    if isinstance(pad_width, Variable):
        pw = as_tensor_variable(pad_width)
        if pw.type.ndim == 2:
            return pw
        if pw.type.ndim == 0:
            pw = DimShuffle(0, ["x", "x"])(pw)
        elif pw.type.ndim == 1:
            pw = DimShuffle(1, ["x", 0])(pw)
        return cast(alloc(pw, nd, 2), "int64")
    arr = np.asarray(pad_width)
    if arr.dtype.kind not in "iu" and arr.size:
        raise TypeError(f"pad: pad_width must hold integers, got {pad_width!r}")
    try:
        arr = np.broadcast_to(arr.astype("int64"), (nd, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} cannot be broadcast to ({nd}, 2)") from None
    return constant(np.array(arr))


def _hashable(v):
    arr = np.asarray(v)
    if arr.dtype.kind not in "biuf":
        return v
    return arr.item() if arr.ndim == 0 else tuple(map(_hashable, arr.tolist()))


def pad(x, pad_width, mode="constant", **kwargs):
    """``numpy.pad``: modes constant (``constant_values`` a scalar), edge,
    reflect, symmetric and wrap (with gradients), and linear_ramp, maximum,
    minimum, mean, median (values only); ``pad_width`` as NumPy's (an int, a
    pair, or one pair per axis) or a symbolic integer matrix of shape (ndim, 2)."""
    x = as_tensor_variable(x)
    if mode not in _PAD_MODES + _PAD_STAT_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES + _PAD_STAT_MODES}, got {mode!r}")
    extra = set(kwargs) - set(_PAD_OPTIONS[mode])
    if extra:
        raise TypeError(f"pad: unexpected keyword arguments {sorted(extra)} for mode {mode!r}")
    cv = kwargs.pop("constant_values", 0)
    if not hasattr(cv, "type") and np.ndim(cv) != 0:
        arr = np.asarray(cv)
        if arr.size and np.all(arr == arr.flat[0]):
            cv = arr.flat[0]
        else:
            raise NotImplementedError("pad: only a single constant value is supported")
    options = []
    for k, v in kwargs.items():
        if hasattr(v, "type"):
            raise TypeError(f"pad: {k} must be a constant, got the symbolic {v}")
        options.append((k, _hashable(v)))
    return Pad(mode, options)(x, _pad_width_matrix(pad_width, x.type.ndim), cv)


# ---------------------------------------------------------------------------
# roll
# ---------------------------------------------------------------------------


class Roll(Op):
    """``Roll(axis)(x, shift)``: ``numpy.roll`` along one axis."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, x, shift):
        x = as_tensor_variable(x)
        shift = as_int_scalar(shift, "roll")
        return Apply(self, [x, shift], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.roll(inputs[0], int(inputs[1]), axis=self.axis)

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


@register_grad(Roll)
def _roll_grad(op, node, inputs, g):
    if not inputs[0].type.differentiable:
        return [disconnected, disconnected]
    return [op(g[0], neg(inputs[1])), disconnected]


register_jvp(Roll, lambda op, node, inputs, t: [None if t[0] is None else op(t[0], inputs[1])])


def roll(x, shift, axis=None):
    """The elements of ``x`` shifted by ``shift`` along ``axis`` (the
    flattened array when None), as ``numpy.roll``; ``shift``/``axis`` may be
    tuples of equal length."""
    x = as_tensor_variable(x)
    if axis is None:
        if not isinstance(shift, (int, np.integer)) and np.ndim(shift) != 0 and not hasattr(shift, "type"):
            raise ValueError("roll: with axis=None, shift must be a single integer")
        flat = Roll(0)(flatten(x), shift)
        return reshape(flat, [shape_i(x, i) for i in range(x.type.ndim)])
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    shifts = [shift] * len(axes) if isinstance(shift, (int, np.integer)) or hasattr(shift, "type") else list(shift)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(axes)} axes")
    for a, s in zip(axes, shifts):
        x = Roll(_axis(a, x.type.ndim, "roll"))(x, s)
    return x
