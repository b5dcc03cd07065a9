"""Shape manipulation beyond reshape/transpose: ``flatten``, ``swapaxes``,
``moveaxis``, ``expand_dims``, ``squeeze``, ``broadcast_to`` /
``broadcast_arrays``, ``tile``, ``repeat``, ``pad``, ``roll``, ``flip``,
``diag``, ``diagonal``, ``trace`` (NumPy semantics, PyTensor names)."""
import numpy as np
from tensorsmith_autodiff import (
    disconnected, grad_not_implemented, mark_not_differentiable, register_grad, register_jvp,
)
from tensorsmith_graphcore import Apply, Constant, Op

from .basic import as_tensor_variable, constant, zeros_like
from .creation import Alloc, _alloc_grad, _alloc_jvp, alloc
from .elemwise import DimShuffle
from .reduction import normalize_axis
from .shape import (
    as_int_scalar, broadcast_shape_symbolic, int_mul, reshape, shape_i, shape_to_scalars,
    specify_shape, static_int, transpose,
)
from .type import TensorType

__all__ = ["flatten", "swapaxes", "moveaxis", "expand_dims", "squeeze", "BroadcastTo", "broadcast_to",
           "broadcast_arrays", "broadcast_shape", "tile", "Repeat", "repeat", "Pad", "pad", "Roll", "roll",
           "Flip", "flip", "ExtractDiag", "SetDiag", "diag", "diagonal", "trace", "fill_diagonal",
           "fill_diagonal_offset", "matrix_transpose", "UnravelIndex", "unravel_index", "RavelMultiIndex",
           "ravel_multi_index", "atleast_1d", "atleast_Nd",
           "atleast_2d", "atleast_3d"]


def _axis(a, ndim, what):
    return normalize_axis(a, ndim, what)[0]


# ---------------------------------------------------------------------------
# axis bookkeeping (DimShuffle / Reshape compositions)
# ---------------------------------------------------------------------------


def flatten(x, ndim=1):
    """``x`` with its trailing axes merged so that ``ndim`` axes remain (the
    first ``ndim - 1`` are kept), as PyTensor's ``flatten``."""
    x = as_tensor_variable(x)
    if ndim < 1 or (x.type.ndim and ndim > x.type.ndim):
        raise ValueError(f"flatten: ndim={ndim} must be between 1 and {max(x.type.ndim, 1)} for {x.type}")
    lead = [shape_i(x, i) for i in range(ndim - 1)]
    last = constant(np.int64(1))
    for i in range(ndim - 1, x.type.ndim):
        last = int_mul(last, shape_i(x, i))
    return reshape(x, lead + [last])


def swapaxes(y, axis1, axis2):
    """``y`` with axes ``axis1`` and ``axis2`` exchanged."""
    y = as_tensor_variable(y)
    nd = y.type.ndim
    a, b = _axis(axis1, nd, "swapaxes"), _axis(axis2, nd, "swapaxes")
    order = list(range(nd))
    order[a], order[b] = order[b], order[a]
    return transpose(y, order)


def matrix_transpose(x):
    """``x`` with its last two axes exchanged."""
    x = as_tensor_variable(x)
    if x.type.ndim < 2:
        raise ValueError(f"matrix_transpose: expected an array of at least 2 dimensions, got {x.type}")
    return swapaxes(x, -1, -2)


def moveaxis(a, source, destination):
    """``a`` with axes ``source`` moved to positions ``destination`` (as NumPy)."""
    a = as_tensor_variable(a)
    nd = a.type.ndim
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of elements")
    src = [_axis(s, nd, "moveaxis") for s in src]
    dst = [_axis(d, nd, "moveaxis") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError("moveaxis: repeated axis")
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


def expand_dims(a, axis):
    """``a`` with new length-1 axes at positions ``axis`` of the result (as NumPy)."""
    a = as_tensor_variable(a)
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    out_nd = a.type.ndim + len(axes)
    axes = normalize_axis(axes, out_nd, "expand_dims")
    order = []
    j = 0
    for i in range(out_nd):
        if i in axes:
            order.append("x")
        else:
            order.append(j)
            j += 1
    return DimShuffle(a.type.ndim, order)(a)


def squeeze(x, axis=None):
    """``x`` without the length-1 axes ``axis``; with ``axis=None``, without
    the axes its static shape knows to have length 1 (as PyTensor).  A named
    axis of known length other than 1 is a ValueError; one of unknown length
    is checked at run time."""
    x = as_tensor_variable(x)
    nd = x.type.ndim
    if axis is None:
        axes = tuple(i for i, s in enumerate(x.type.shape) if s == 1)
    else:
        axes = normalize_axis(axis, nd, "squeeze")
    for a in axes:
        if x.type.shape[a] is not None and x.type.shape[a] != 1:
            raise ValueError(f"squeeze: cannot remove axis {a} of {x.type}: its length is {x.type.shape[a]}, not 1")
    if not axes:
        return x
    if any(x.type.shape[a] is None for a in axes):
        x = specify_shape(x, tuple(1 if i in axes else None for i in range(nd)))
    return DimShuffle(nd, [i for i in range(nd) if i not in axes])(x)


def atleast_Nd(arry, n=1, left=True):
    """``arry`` with length-1 axes added on the left (or right) up to ``n`` axes."""
    x = as_tensor_variable(arry)
    if x.type.ndim >= n:
        return x
    k = n - x.type.ndim
    order = (["x"] * k + list(range(x.type.ndim))) if left else (list(range(x.type.ndim)) + ["x"] * k)
    return DimShuffle(x.type.ndim, order)(x)


def atleast_1d(*arys):
    """Each argument viewed with at least one axis (as NumPy)."""
    res = [atleast_Nd(a, 1) for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys):
    """Each argument viewed with at least two axes (as NumPy)."""
    res = [atleast_Nd(a, 2) for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_3d(*arys):
    """Each argument viewed with at least three axes (as NumPy: 1-d ``(n,)`` becomes ``(1, n, 1)``)."""
    res = []
    for a in arys:
        a = as_tensor_variable(a)
        if a.type.ndim == 0:
            a = DimShuffle(0, ["x", "x", "x"])(a)
        elif a.type.ndim == 1:
            a = DimShuffle(1, ["x", 0, "x"])(a)
        elif a.type.ndim == 2:
            a = DimShuffle(2, [0, 1, "x"])(a)
        res.append(a)
    return res[0] if len(res) == 1 else res


# ---------------------------------------------------------------------------
# broadcasting
# ---------------------------------------------------------------------------


class BroadcastTo(Alloc):
    """``BroadcastTo()(x, *shape)``: ``numpy.broadcast_to``; the gradient sums back."""

    _what = "broadcast_to"


register_grad(BroadcastTo, _alloc_grad)
register_jvp(BroadcastTo, _alloc_jvp)


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a tuple of ints / int scalars or an integer vector)."""
    x = as_tensor_variable(x)
    scalars = shape_to_scalars(shape, "broadcast_to")
    if len(scalars) == x.type.ndim and all(
            static_int(s) is not None and static_int(s) == d for s, d in zip(scalars, x.type.shape)):
        return x
    return BroadcastTo()(x, *scalars)


def broadcast_shape(*arrays, arrays_are_shapes=False):
    """The broadcast shape of ``arrays`` as a tuple of int64 scalars (with
    ``arrays_are_shapes``, the arguments are shapes already)."""
    if arrays_are_shapes:
        shapes = [shape_to_scalars(s, "broadcast_shape") for s in arrays]
        statics = [tuple(static_int(v) for v in s) for s in shapes]
    else:
        arrays = [as_tensor_variable(a) for a in arrays]
        shapes = [[shape_i(a, i) for i in range(a.type.ndim)] for a in arrays]
        statics = [a.type.shape for a in arrays]
    from .elemwise import broadcast_static_shape

    static = broadcast_static_shape(statics, "in broadcast_shape")
    sym = broadcast_shape_symbolic(shapes, statics)
    return tuple(constant(np.int64(s)) if s is not None else v for s, v in zip(static, sym))


def broadcast_arrays(*args):
    """The arguments broadcast against each other (a list)."""
    args = [as_tensor_variable(a) for a in args]
    shp = broadcast_shape(*args)
    return [broadcast_to(a, shp) for a in args]


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
        from .reduction import sum as _sum

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
        from .math import cast

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
        from .math import add

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
    from .math import cast

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
    from .math import cast

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


def _pad_width_matrix(pad_width, nd):
    from tensorsmith_graphcore import Variable

    if isinstance(pad_width, Variable):
        pw = as_tensor_variable(pad_width)
        if pw.type.ndim == 2:
            return pw
        from .math import cast

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
# roll, flip
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
    from .math import neg

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


class Flip(Op):
    """``Flip(axes)(x)``: ``x`` reversed along ``axes``."""

    __props__ = ("axes",)

    def __init__(self, axes):
        self.axes = tuple(axes)

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.flip(inputs[0], axis=self.axes).copy()

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


register_grad(Flip, lambda op, node, inputs, g: [op(g[0]) if inputs[0].type.differentiable else disconnected])
register_jvp(Flip, lambda op, node, inputs, t: [None if t[0] is None else op(t[0])])


def flip(arr, axis=None):
    """``arr`` reversed along ``axis`` (all axes when None)."""
    arr = as_tensor_variable(arr)
    axes = normalize_axis(axis, arr.type.ndim, "flip")
    if not axes:
        return arr
    return Flip(axes)(arr)


# ---------------------------------------------------------------------------
# diagonals
# ---------------------------------------------------------------------------


def _diag_len(n1, n2, offset):
    if offset >= 0:
        return max(0, min(n1, n2 - offset))
    return max(0, min(n1 + offset, n2))


class _DiagParams:
    """Parameters and index arithmetic shared by the diagonal ops."""

    __props__ = ("offset", "axis1", "axis2")

    def __init__(self, offset=0, axis1=0, axis2=1):
        self.offset, self.axis1, self.axis2 = int(offset), int(axis1), int(axis2)

    def _check(self, x, what):
        nd = x.type.ndim
        if nd < 2:
            raise ValueError(f"{what}: expected an array of at least 2 dimensions, got {x.type}")
        if not (0 <= self.axis1 < nd and 0 <= self.axis2 < nd) or self.axis1 == self.axis2:
            raise ValueError(f"{what}: axes {self.axis1}, {self.axis2} invalid for {x.type}")

    def _diag_static_shape(self, xshape):
        rest = [s for i, s in enumerate(xshape) if i not in (self.axis1, self.axis2)]
        n1, n2 = xshape[self.axis1], xshape[self.axis2]
        return tuple(rest) + ((None if n1 is None or n2 is None else _diag_len(n1, n2, self.offset)),)

    def _diag_symbolic_shape(self, xshape):
        from .math import add, maximum, minimum, sub

        n1, n2 = xshape[self.axis1], xshape[self.axis2]
        off = self.offset
        if off >= 0:
            length = maximum(minimum(n1, sub(n2, off)), 0)
        else:
            length = maximum(minimum(add(n1, off), n2), 0)
        rest = [s for i, s in enumerate(xshape) if i not in (self.axis1, self.axis2)]
        return tuple(rest) + (length,)

    def _diag_index(self, shape):
        n = _diag_len(shape[self.axis1], shape[self.axis2], self.offset)
        i = np.arange(n) + max(-self.offset, 0)
        return i, np.arange(n) + max(self.offset, 0)


class ExtractDiag(_DiagParams, Op):
    """``numpy.diagonal(x, offset, axis1, axis2)`` (a copy); the diagonal is the last axis."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        self._check(x, "diagonal")
        return Apply(self, [x], [TensorType(x.type.dtype, self._diag_static_shape(x.type.shape)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.diagonal(inputs[0], self.offset, self.axis1, self.axis2).copy()

    def infer_shape(self, fgraph, node, input_shapes):
        return [self._diag_symbolic_shape(input_shapes[0])]


class SetDiag(_DiagParams, Op):
    """``SetDiag(offset, axis1, axis2)(x, v)``: ``x`` with the diagonal that
    ``ExtractDiag`` would read replaced by ``v`` (broadcast)."""

    def make_node(self, x, v):
        x = as_tensor_variable(x)
        v = as_tensor_variable(v)
        self._check(x, "set diagonal")
        from .elemwise import broadcast_static_shape

        broadcast_static_shape([self._diag_static_shape(x.type.shape), v.type.shape], "in set diagonal")
        if v.type.ndim > x.type.ndim - 1:
            raise ValueError(f"set diagonal: value {v.type} has too many dimensions for {x.type}")
        return Apply(self, [x, v], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        x, v = inputs
        out = np.array(x, dtype=node.outputs[0].type.numpy_dtype)
        i, j = self._diag_index(x.shape)
        view = np.moveaxis(out, (self.axis1, self.axis2), (-2, -1))
        view[..., i, j] = v
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


@register_grad(ExtractDiag)
def _extract_diag_grad(op, node, inputs, g):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected]
    return [SetDiag(op.offset, op.axis1, op.axis2)(zeros_like(x), g[0])]


@register_grad(SetDiag)
def _set_diag_grad(op, node, inputs, g):
    from .elemwise import sum_to_shape

    x, v = inputs
    gz = g[0]
    gx = op(gz, zeros_like(v)) if x.type.differentiable else disconnected
    if v.type.differentiable:
        gv = ExtractDiag(op.offset, op.axis1, op.axis2)(gz)
        gv = sum_to_shape(gv, v)
    else:
        gv = disconnected
    return [gx, gv]


register_jvp(ExtractDiag, lambda op, node, inputs, t: [None if t[0] is None else op(t[0])])
register_jvp(SetDiag, lambda op, node, inputs, t: [
    None if t[0] is None and t[1] is None else op(zeros_like(inputs[0]) if t[0] is None else t[0],
                                                  zeros_like(inputs[1]) if t[1] is None else t[1])])


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of ``a`` over ``axis1``/``axis2`` (as ``numpy.diagonal``)."""
    a = as_tensor_variable(a)
    nd = a.type.ndim
    if nd < 2:
        raise ValueError(f"diagonal: expected an array of at least 2 dimensions, got {a.type}")
    a1, a2 = _axis(axis1, nd, "diagonal"), _axis(axis2, nd, "diagonal")
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 must differ")
    return ExtractDiag(int(offset), a1, a2)(a)


def diag(v, k=0):
    """A square matrix with the vector ``v`` on diagonal ``k``, or the
    diagonal ``k`` of the matrix ``v`` (as ``numpy.diag``)."""
    from .math import add

    v = as_tensor_variable(v)
    if v.type.ndim == 1:
        n = add(shape_i(v, 0), abs(int(k))) if static_int(shape_i(v, 0)) is None else \
            constant(np.int64(v.type.shape[0] + abs(int(k))))
        base = alloc(constant(np.zeros((), dtype=v.type.dtype)), n, n)
        return SetDiag(int(k), 0, 1)(base, v)
    if v.type.ndim == 2:
        return diagonal(v, k)
    raise ValueError(f"diag: expected a vector or a matrix, got {v.type}")


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """The sum of the diagonal ``offset`` of ``a`` (as ``numpy.trace``)."""
    from .reduction import sum as _sum

    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def fill_diagonal_offset(a, val, offset):
    """The matrix ``a`` with its diagonal ``offset`` set to the scalar ``val``."""
    from .math import cast

    a = as_tensor_variable(a)
    val = as_tensor_variable(val)
    if a.type.ndim != 2:
        raise ValueError(f"fill_diagonal_offset: expected a matrix, got {a.type}")
    if val.type.ndim != 0:
        raise ValueError(f"fill_diagonal_offset: the value must be a scalar, got {val.type}")
    return SetDiag(int(offset), 0, 1)(a, cast(val, a.type.dtype))


def fill_diagonal(a, val):
    """The matrix ``a`` with its main diagonal set to the scalar ``val``
    (as ``numpy.fill_diagonal`` without wrapping, but not in place)."""
    return fill_diagonal_offset(a, val, 0)


# ---------------------------------------------------------------------------
# flat <-> multi-dimensional indices
# ---------------------------------------------------------------------------


def _dims_vector(dims, what):
    from .shape import int_vector

    return int_vector(shape_to_scalars(dims, what))


class UnravelIndex(Op):
    """``numpy.unravel_index(indices, dims, order)``: one int64 output per dimension."""

    __props__ = ("order",)

    def __init__(self, order="C"):
        if order not in ("C", "F"):
            raise ValueError(f"unravel_index: order must be 'C' or 'F', got {order!r}")
        self.order = order

    def make_node(self, indices, dims):
        indices, dims = as_tensor_variable(indices), as_tensor_variable(dims)
        if indices.type.dtype[:3] not in ("int", "uin"):
            raise TypeError(f"unravel_index: indices must be integers, got {indices.type}")
        if dims.type.ndim != 1 or dims.type.shape[0] is None:
            raise ValueError(f"unravel_index: dims must be a vector of known length, got {dims.type}")
        outs = [TensorType("int64", indices.type.shape).make_variable() for _ in range(dims.type.shape[0])]
        return Apply(self, [indices, dims], outs)

    def perform(self, node, inputs, output_storage):
        res = np.unravel_index(inputs[0], tuple(int(d) for d in inputs[1]), order=self.order)
        for cell, r in zip(output_storage, res):
            cell[0] = np.asarray(r, dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]] * len(node.outputs)


class RavelMultiIndex(Op):
    """``numpy.ravel_multi_index(multi_index, dims, mode, order)`` (int64)."""

    __props__ = ("mode", "order")

    def __init__(self, mode="raise", order="C"):
        if mode not in ("raise", "wrap", "clip"):
            raise ValueError(f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
        if order not in ("C", "F"):
            raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
        self.mode, self.order = mode, order

    def make_node(self, *inputs):
        from .elemwise import broadcast_static_shape

        *index, dims = [as_tensor_variable(i) for i in inputs]
        for i in index:
            if i.type.dtype[:3] not in ("int", "uin"):
                raise TypeError(f"ravel_multi_index: indices must be integers, got {i.type}")
        if dims.type.shape[0] is not None and dims.type.shape[0] != len(index):
            raise ValueError(f"ravel_multi_index: {len(index)} index arrays for {dims.type.shape[0]} dimensions")
        shape = broadcast_static_shape([i.type.shape for i in index], "in ravel_multi_index")
        return Apply(self, index + [dims], [TensorType("int64", shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        *index, dims = inputs
        res = np.ravel_multi_index(tuple(index), tuple(int(d) for d in dims), mode=self.mode, order=self.order)
        output_storage[0][0] = np.asarray(res, dtype="int64")


mark_not_differentiable(UnravelIndex)
mark_not_differentiable(RavelMultiIndex)


def unravel_index(indices, dims, order="C"):
    """The tuple of coordinate arrays that the flat ``indices`` address in an
    array of shape ``dims`` (as ``numpy.unravel_index``)."""
    out = UnravelIndex(order)(indices, _dims_vector(dims, "unravel_index"))
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """The flat indices of the coordinate arrays ``multi_index`` in an array
    of shape ``dims`` (as ``numpy.ravel_multi_index``)."""
    if not isinstance(multi_index, (list, tuple)):
        raise TypeError("ravel_multi_index: multi_index must be a tuple or list of index arrays")
    return RavelMultiIndex(mode, order)(*multi_index, _dims_vector(dims, "ravel_multi_index"))
