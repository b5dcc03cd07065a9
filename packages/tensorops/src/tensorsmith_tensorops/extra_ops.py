"""PyTensor names that are compositions of existing ops: constants and dtype
lists, constant folding helpers (``get_scalar_constant_value``), index
helpers (``tril_indices``/``triu_indices``), ``choose``, ``stacklists``,
``cov``, ``batched_dot``/``batched_tensordot``, ``join_dims``/``split_dims``,
``bartlett``, ``xlogx``/``xlogy0``, ``interp``, ``interpolate1d``,
``pack``/``unpack`` and the ``signal`` namespace (``pt.signal.convolve1d``;
the frontend's ``tensorsmith.tensor.special`` module is the ``special`` one).

Functions build graphs of ops defined elsewhere, so their gradients come from
those ops' rules.  One op is defined here: ``Convolve``, the full discrete
convolution over the last 1 or 2 axes (``signal.convolve1d``/``convolve2d``
take the 'valid' and 'same' parts of it)."""
import math as _math
import types as _types

import numpy as np
from tensorsmith_autodiff import register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op

from .basic import as_tensor_variable, constant
from .creation import Alloc, arange, broadcast_arrays, broadcast_to, tri
from .elemwise import Elemwise, broadcast_static_shape
from .join import concatenate, stack
from .math import (
    abs as abs_, cast, clip, conj, eq, gt, invert, kv, le, log, lt, maximum, minimum, switch, tensor_copy,
)
from .products import dot, matmul
from .reduction import SumToShape, sum as sum_, sum_to_shape
from .shape import DimShuffle, Shape, SpecifyShape, _fmt, atleast_Nd, reshape, shape_i
from .sort import argsort, nonzero, searchsorted
from .subtensor import Subtensor, diagonal, take_along_axis
from .type import TensorType


def _scipy_signal():
    """scipy.signal, imported on first use (it costs ~0.5 s at import)."""
    from scipy import signal

    return signal

__all__ = [
    "e", "pi", "inf", "nan", "euler_gamma", "newaxis",
    "float_types", "int_types", "complex_types", "float_scalar_types", "int_scalar_types",
    "complex_scalar_types", "float_vector_types", "int_vector_types", "complex_vector_types",
    "float_matrix_types", "int_matrix_types", "complex_matrix_types",
    "NotScalarConstantError", "get_vector_length", "get_scalar_constant_value",
    "get_underlying_scalar_constant_value", "extract_diag", "is_flat", "identity", "dense_dot",
    "stacklists", "choose", "tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
    "bartlett", "concat_with_broadcast", "cov", "largest", "smallest", "batched_dot",
    "batched_tensordot", "join_dims", "split_dims", "xlogx", "xlogy0",
    "Convolve", "convolve1d", "convolve2d", "signal", "interp", "interpolate1d", "kn", "permute_row_elements",
    "pack", "unpack",
]

e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
euler_gamma = 0.57721566490153286060651209008240243
newaxis = None


def _types_of(dtypes, shape):
    return tuple(TensorType(d, shape) for d in dtypes)


_FLOAT, _INT, _COMPLEX = ("float32", "float64"), ("int8", "int16", "int32", "int64"), ("complex64", "complex128")
float_types = float_scalar_types = _types_of(_FLOAT, ())
int_types = int_scalar_types = _types_of(_INT, ())
complex_types = complex_scalar_types = _types_of(_COMPLEX, ())
float_vector_types = _types_of(_FLOAT, (None,))
int_vector_types = _types_of(_INT, (None,))
complex_vector_types = _types_of(_COMPLEX, (None,))
float_matrix_types = _types_of(_FLOAT, (None, None))
int_matrix_types = _types_of(_INT, (None, None))
complex_matrix_types = _types_of(_COMPLEX, (None, None))


# ---------------------------------------------------------------------------
# constant folding helpers
# ---------------------------------------------------------------------------

class NotScalarConstantError(ValueError):
    """The variable is not a constant scalar (or a constant whose entries all
    equal one value)."""


def get_vector_length(v):
    """The length of the 1-d ``v`` when it is known while building the graph
    (static shape, a constant, ``x.shape``, a list); ValueError otherwise."""
    if isinstance(v, (list, tuple)):
        return len(v)
    v = as_tensor_variable(v)
    if v.type.ndim != 1:
        raise TypeError(f"get_vector_length: expected a vector, got {v} of type {v.type}")
    if v.type.shape[0] is not None:
        return v.type.shape[0]
    if v.owner is not None and isinstance(v.owner.op, Shape):
        return v.owner.inputs[0].type.ndim
    raise ValueError(f"get_vector_length: the length of {v} is not known until it is computed")


def _unique_value(data, v):
    flat = np.asarray(data).ravel()
    if flat.size == 0 or not np.all(flat == flat[0]):
        raise NotScalarConstantError(f"{v} is not a constant with a single value")
    return np.asarray(flat[0])


def get_underlying_scalar_constant_value(v, *, elemwise=True, only_process_constants=False, max_recur=10,
                                         raise_not_constant=True):
    """The value (a 0-d ndarray) of ``v`` when it is a constant whose entries
    all equal one value, looking through casts, dimshuffles, allocations,
    ``specify_shape``, static ``shape`` entries and (with ``elemwise``)
    elementwise ops of such constants.  Raises NotScalarConstantError
    otherwise (or returns ``v`` when ``raise_not_constant`` is False).  The
    look-through is at most ``max_recur`` levels deep."""
    try:
        return _constant_value(v, elemwise, only_process_constants, max_recur)
    except NotScalarConstantError:
        if raise_not_constant:
            raise
        return v


def _constant_value(v, elemwise, only_constants, depth):
    if isinstance(v, (int, float, complex, bool, np.number, np.bool_, np.ndarray)):
        return _unique_value(v, v)
    while True:
        if isinstance(v, Constant):
            return _unique_value(v.data, v)
        node = getattr(v, "owner", None)
        if node is None or only_constants or depth <= 0:
            raise NotScalarConstantError(f"{v} is not constant")
        depth -= 1
        op = node.op
        if isinstance(op, (DimShuffle, SpecifyShape, Alloc)):
            v = node.inputs[0]
        elif isinstance(op, Subtensor) and v.type.ndim == 0 and node.inputs[0].owner is not None and isinstance(
                node.inputs[0].owner.op, Shape):
            # x.shape[i] with a constant i and a static length
            shp = node.inputs[0].owner.inputs[0].type.shape
            entry = op.idx_list[0] if len(op.idx_list) == 1 else None
            if entry is None or entry[0] != "i" or shp[entry[1]] is None:
                raise NotScalarConstantError(f"{v} is not constant")
            return np.asarray(shp[entry[1]], dtype="int64")
        elif isinstance(op, Elemwise) and elemwise:
            # bounded by ``depth``: each input is folded with one level less
            values = [_constant_value(i, elemwise, only_constants, depth) for i in node.inputs]
            storage = [[None] for _ in node.outputs]
            node.op.perform(node, [np.asarray(x, dtype=i.type.dtype) for x, i in zip(values, node.inputs)],
                            storage)
            return _unique_value(storage[node.outputs.index(v)][0], v)
        else:
            raise NotScalarConstantError(f"{v} is not constant")


def get_scalar_constant_value(v, elemwise=True, only_process_constants=False, max_recur=10,
                              raise_not_constant=True):
    """As ``get_underlying_scalar_constant_value`` for a scalar (0-d) ``v``;
    TypeError for a tensor with dimensions."""
    if isinstance(v, (list, tuple)) or getattr(getattr(v, "type", None), "ndim", 0) != 0 or np.ndim(
            getattr(v, "data", 0)) != 0:
        if not isinstance(v, np.ndarray) or v.ndim != 0:
            raise TypeError(f"get_scalar_constant_value: {v} is not a scalar")
    return get_underlying_scalar_constant_value(v, elemwise=elemwise,
                                                only_process_constants=only_process_constants,
                                                max_recur=max_recur, raise_not_constant=raise_not_constant)


# ---------------------------------------------------------------------------
# small compositions
# ---------------------------------------------------------------------------

def extract_diag(x):
    """The main diagonal of the first two axes (``pt.diagonal(x)``)."""
    return diagonal(x)


def is_flat(var, ndim=1):
    """Whether ``var`` has exactly ``ndim`` dimensions."""
    return as_tensor_variable(var).type.ndim == ndim


def identity(x):
    """A copy of ``x`` (the elementwise identity)."""
    return tensor_copy(x)


def dense_dot(a, b):
    """``pt.dot`` (PyTensor's name for the dense case)."""
    return dot(a, b)


def stacklists(arg):
    """A tensor from nested lists of scalars/tensors: ``stacklists([[a, b], [c, d]])``
    is the 2x2 (x the entries' shape) stack."""
    if not isinstance(arg, (list, tuple)):
        return as_tensor_variable(arg)
    # stack the innermost lists first, level by level (no recursion)
    levels = [[arg]]
    while any(isinstance(e, (list, tuple)) for e in levels[-1]):
        levels.append([c for e in levels[-1] if isinstance(e, (list, tuple)) for c in e])
    built = {}
    for level in reversed(levels):
        for e in level:
            if isinstance(e, (list, tuple)):
                built[id(e)] = stack([built[id(c)] if isinstance(c, (list, tuple)) else as_tensor_variable(c)
                                      for c in e])
    return built[id(arg)]


def choose(a, choices, mode="raise"):
    """NumPy's ``choose``: ``out[idx] = choices[a[idx]][idx]`` with ``a`` and
    the choices broadcast together; ``mode`` raise, wrap or clip."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    a = as_tensor_variable(a)
    if a.type.dtype[:3] not in ("int", "uin") and a.type.dtype != "bool":
        raise TypeError(f"choose: the index array must be of an integer dtype, got {a.type}")
    if isinstance(choices, (list, tuple)):
        choices = stack(broadcast_arrays(*[as_tensor_variable(c) for c in choices]))
    c = as_tensor_variable(choices)
    if c.type.ndim == 0:
        raise ValueError("choose: choices must have at least one dimension (the choice axis)")
    k = c.type.ndim - 1
    m = max(a.type.ndim, k)
    a = atleast_Nd(a, m)
    c = c.dimshuffle([0] + ["x"] * (m - k) + list(range(1, k + 1)))
    a, _ = broadcast_arrays(a, c[0])
    c = broadcast_to(c, [c.shape[0]] + [a.shape[i] for i in range(m)])
    n = c.shape[0]
    if mode == "wrap":
        a = a % n
    elif mode == "clip":
        a = clip(a, 0, n - 1)
    return take_along_axis(c, a.dimshuffle(["x"] + list(range(m))), axis=0)[0]


def _mask_indices(mask):
    return tuple(nonzero(mask))


def tril_indices(n, k=0, m=None):
    """Row and column indices of the lower triangle (NumPy's ``tril_indices``)."""
    return _mask_indices(tri(n, m, k, dtype="bool"))


def triu_indices(n, k=0, m=None):
    """Row and column indices of the upper triangle (NumPy's ``triu_indices``)."""
    return _mask_indices(invert(tri(n, m, k - 1, dtype="bool")))


def _check_2d(a, what):
    a = as_tensor_variable(a)
    if a.type.ndim != 2:
        raise ValueError(f"{what}: expected a 2-d tensor, got {a.type}")
    return a


def tril_indices_from(a, k=0):
    a = _check_2d(a, "tril_indices_from")
    return tril_indices(a.shape[0], k, a.shape[1])


def triu_indices_from(a, k=0):
    a = _check_2d(a, "triu_indices_from")
    return triu_indices(a.shape[0], k, a.shape[1])


def bartlett(M):
    """The Bartlett (triangular) window of ``M`` points (NumPy's ``bartlett``)."""
    M = as_tensor_variable(M)
    if M.type.ndim != 0 or M.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"bartlett: M must be an integer scalar, got {M.type}")
    n = cast(arange(1 - M, M, 2), "float64")
    span = cast(M - 1, "float64")
    return switch(eq(M, 1), constant(1.0), 1.0 - abs_(n) / switch(eq(M, 1), constant(1.0), span))


def concat_with_broadcast(tensor_list, axis=0):
    """Concatenate along ``axis`` after broadcasting the other axes together."""
    ts = [as_tensor_variable(t) for t in tensor_list]
    if not ts:
        raise ValueError("concat_with_broadcast: needs at least one tensor")
    nd = ts[0].type.ndim
    if any(t.type.ndim != nd for t in ts):
        raise TypeError("concat_with_broadcast: all tensors must have the same number of dimensions, got "
                        + ", ".join(str(t.type) for t in ts))
    if not -nd <= axis < nd:
        raise ValueError(f"concat_with_broadcast: axis {axis} out of range for {nd}-d tensors")
    axis %= nd
    firsts = [t[(slice(None),) * axis + (slice(0, 1),)] for t in ts]
    common = broadcast_arrays(*firsts)[0]
    out = []
    for t in ts:
        target = [t.shape[i] if i == axis else common.shape[i] for i in range(nd)]
        out.append(broadcast_to(t, target))
    return concatenate(out, axis=axis)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """Covariance matrix (NumPy's ``cov``, same arguments)."""
    X = as_tensor_variable(m)
    if X.type.ndim > 2:
        raise ValueError(f"cov: m must have at most 2 dimensions, got {X.type}")
    if X.type.ndim < 2:
        X = X.dimshuffle("x", 0) if X.type.ndim == 1 else X.dimshuffle("x", "x")
    if not rowvar:
        X = X.T
    if y is not None:
        Y = as_tensor_variable(y)
        Y = Y.dimshuffle("x", 0) if Y.type.ndim == 1 else Y
        X = concatenate([X, Y if rowvar else Y.T], axis=0)
    if X.type.dtype[:3] in ("int", "uin") or X.type.dtype == "bool":
        X = cast(X, "float64")
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        w = as_tensor_variable(fweights)
    if aweights is not None:
        aw = as_tensor_variable(aweights)
        w = aw if w is None else w * aw
    if w is None:
        n = cast(X.shape[1], X.type.dtype)
        mean = X.mean(axis=1, keepdims=True)
        fact = n - ddof
    else:
        w_sum = sum_(w)
        mean = sum_(X * w, axis=1, keepdims=True) / w_sum
        fact = w_sum - ddof if aweights is None else w_sum - ddof * sum_(w * aw) / w_sum
    Xc = X - mean
    Xw = Xc if w is None else Xc * w
    c = dot(Xw, conj(Xc).T) / fact
    return c[0, 0] if as_tensor_variable(m).type.ndim < 2 and y is None else c


def _fold(fn, args, what):
    if not args:
        raise TypeError(f"{what} needs at least one argument")
    out = as_tensor_variable(args[0])
    for a in args[1:]:
        out = fn(out, a)
    return out


def largest(*args):
    """The elementwise maximum of all arguments."""
    return _fold(maximum, args, "largest")


def smallest(*args):
    """The elementwise minimum of all arguments."""
    return _fold(minimum, args, "smallest")


def batched_tensordot(x, y, axes=2):
    """``tensordot`` of ``x[i]`` and ``y[i]`` for each index ``i`` of the
    shared first (batch) axis.  ``axes`` is an int (the last ``axes`` axes of
    ``x`` with the first ``axes`` non-batch axes of ``y``) or a pair of axis
    lists counted in the full tensors (batch axis included)."""
    return _batched_tensordot(x, y, axes, "batched_tensordot")


def _batched_tensordot(x, y, axes, what):
    """``batched_tensordot`` with errors naming ``what`` (the user's function)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.type.ndim < 1 or y.type.ndim < 1:
        raise TypeError(f"{what}: both inputs need a batch axis")
    if isinstance(axes, (int, np.integer)):
        ax_x = list(range(x.type.ndim - int(axes), x.type.ndim))
        ax_y = list(range(1, 1 + int(axes)))
    else:
        ax_x, ax_y = ([int(a)] if np.ndim(a) == 0 else [int(i) for i in a] for a in axes)
    ax_x = [a % x.type.ndim for a in ax_x]
    ax_y = [a % y.type.ndim for a in ax_y]
    if len(ax_x) != len(ax_y) or 0 in ax_x or 0 in ax_y:
        raise ValueError(f"{what}: invalid axes {axes} for inputs {x.type} and {y.type} "
                         "(the batch axis 0 cannot be contracted)")
    shapes = f"shapes {_fmt(x.type.shape)} and {_fmt(y.type.shape)}"
    for a, b in [(0, 0)] + list(zip(ax_x, ax_y)):
        da, db = x.type.shape[a], y.type.shape[b]
        if None not in (da, db) and da != db:
            where = "the batch axis 0" if a == 0 else f"the contracted axes {a} and {b}"
            raise ValueError(f"{what}: {shapes} do not match along {where} ({da} != {db})")
    free_x = [i for i in range(1, x.type.ndim) if i not in ax_x]
    free_y = [i for i in range(1, y.type.ndim) if i not in ax_y]
    xt = x.dimshuffle([0] + free_x + ax_x)
    yt = y.dimshuffle([0] + ax_y + free_y)
    B = x.shape[0]
    fx = [x.shape[i] for i in free_x]
    fy = [y.shape[i] for i in free_y]
    kx = [x.shape[i] for i in ax_x]
    one = constant(np.int64(1))
    prod = lambda lst: _fold(lambda p, q: p * q, [one] + lst, "prod")  # noqa: E731
    x3 = reshape(xt, [B, prod(fx), prod(kx)], ndim=3)
    y3 = reshape(yt, [B, prod(kx), prod(fy)], ndim=3)
    return reshape(matmul(x3, y3), [B] + fx + fy, ndim=1 + len(fx) + len(fy))


def batched_dot(a, b):
    """``dot(a[i], b[i])`` for each index ``i`` of the first axis."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim < 2 or b.type.ndim < 2:
        raise TypeError(f"batched_dot: inputs need a batch axis and at least one more, got {a.type}, {b.type}")
    return _batched_tensordot(a, b, [[a.type.ndim - 1], [1 if b.type.ndim <= 2 else b.type.ndim - 2]],
                              "batched_dot")


def _shape_product(x, axes):
    """The product of ``x``'s lengths on ``axes``: an int when they are all
    static, else a symbolic int64 scalar."""
    axes = list(axes)
    static = [x.type.shape[i] for i in axes]
    if None not in static:
        return int(np.prod(static, dtype="int64"))
    out = constant(np.int64(1))
    for i in axes:
        out = out * x.shape[i]
    return out


def join_dims(x, start_axis=0, n_axes=None):
    """``x`` with axes ``start_axis .. start_axis + n_axes - 1`` merged into one
    (all the remaining axes when ``n_axes`` is None)."""
    x = as_tensor_variable(x)
    nd = x.type.ndim
    start = start_axis % nd if nd else 0
    n = nd - start if n_axes is None else int(n_axes)
    if n < 0 or start + n > nd:
        raise ValueError(f"join_dims: axes {start}..{start + n - 1} are not all in a {nd}-d tensor")
    if n == 1:
        return x
    merged = _shape_product(x, range(start, start + n))
    shape = [x.shape[i] for i in range(start)] + [merged] + [x.shape[i] for i in range(start + n, nd)]
    return reshape(x, shape, ndim=nd - n + 1)


def split_dims(x, shape, axis=0):
    """``x`` with axis ``axis`` split into the axes of lengths ``shape``."""
    x = as_tensor_variable(x)
    nd = x.type.ndim
    if not -nd <= axis < nd:
        raise ValueError(f"split_dims: axis {axis} out of range for {x.type}")
    axis %= nd
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    shape = list(shape) if isinstance(shape, (list, tuple)) else [shape[i] for i in range(get_vector_length(shape))]
    new = [x.shape[i] for i in range(axis)] + shape + [x.shape[i] for i in range(axis + 1, nd)]
    return reshape(x, new, ndim=nd - 1 + len(shape))


def xlogx(x):
    """``x * log(x)``, 0 where ``x`` is 0."""
    x = as_tensor_variable(x)
    # log(1) where x is 0: no log(0) in the value or the gradient
    return x * log(switch(eq(x, 0), 1, x))


def xlogy0(x, y):
    """``x * log(y)``, 0 where ``x`` is 0."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    return x * log(switch(eq(x, 0), 1, y))




# ---------------------------------------------------------------------------
# signal: convolve1d / convolve2d
# ---------------------------------------------------------------------------

class Convolve(Op):
    """``Convolve(ndim)(a, b)``: the full discrete convolution of ``a`` and
    ``b`` over their last ``ndim`` axes (length ``n + k - 1`` on each), the
    leading (batch) axes broadcast as NumPy does."""

    __props__ = ("ndim",)

    def __init__(self, ndim):
        if ndim not in (1, 2):
            raise ValueError(f"Convolve: ndim must be 1 or 2, got {ndim}")
        self.ndim = ndim

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        nd = self.ndim
        for name, v in (("in1", a), ("in2", b)):
            if v.type.ndim < nd:
                raise ValueError(f"convolve{nd}d: {name} needs at least {nd} dimensions, got {v.type}")
            if v.type.dtype == "bool":
                raise TypeError(f"convolve{nd}d: {name} is boolean; cast it to a number type")
            if any(s == 0 for s in v.type.shape[-nd:]):
                raise ValueError(f"convolve{nd}d: {name} of static shape {v.type.shape} is empty")
        batch = broadcast_static_shape([a.type.shape[:-nd], b.type.shape[:-nd]], f"in convolve{nd}d")
        core = tuple(None if None in (n, k) else n + k - 1
                     for n, k in zip(a.type.shape[-nd:], b.type.shape[-nd:]))
        dtype = np.result_type(a.type.dtype, b.type.dtype).name
        return Apply(self, [a, b], [TensorType(dtype, tuple(batch) + core).make_variable()])

    def perform(self, node, inputs, output_storage):
        a, b = inputs
        nd = self.ndim
        if 0 in a.shape[-nd:] or 0 in b.shape[-nd:]:
            raise ValueError(f"Convolve: empty input (shapes {a.shape} and {b.shape})")
        try:
            batch = np.broadcast_shapes(a.shape[:-nd], b.shape[:-nd])
        except ValueError:
            raise ValueError(f"Convolve: batch shapes of {a.shape} and {b.shape} do not broadcast") from None
        dtype = node.outputs[0].type.dtype
        core = tuple(n + k - 1 for n, k in zip(a.shape[-nd:], b.shape[-nd:]))
        out = np.empty(batch + core, dtype=dtype)
        a = np.broadcast_to(a, batch + a.shape[-nd:])
        b = np.broadcast_to(b, batch + b.shape[-nd:])
        for idx in np.ndindex(*batch):
            out[idx] = _scipy_signal().convolve(a[idx], b[idx], mode="full", method="direct")
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, input_shapes):
        a_shp, b_shp = input_shapes
        nd = self.ndim
        out = node.outputs[0]
        batch = [out.type.shape[i] if out.type.shape[i] is not None else _shape_of(out, i)
                 for i in range(out.type.ndim - nd)]
        return [tuple(batch) + tuple(n + k - 1 for n, k in zip(a_shp[-nd:], b_shp[-nd:]))]


def _shape_of(v, i):
    return shape_i(v, i)


def _flip_core(x, nd):
    return x[(Ellipsis,) + (slice(None, None, -1),) * nd]


def _core_slice(x, starts, lengths):
    return x[(Ellipsis,) + tuple(slice(s, s + n) for s, n in zip(starts, lengths))]


@register_grad(Convolve)
def _convolve_grad(op, node, inputs, g):
    # d out / d a is the valid correlation of g with b: the middle n entries of
    # the full convolution of g with b reversed (each axis); same for b
    from tensorsmith_autodiff import disconnected

    a, b = inputs
    gz = g[0]
    nd = op.ndim
    res = []
    for x, other in ((a, b), (b, a)):
        if not x.type.differentiable:
            res.append(disconnected)
            continue
        full = op(gz, _flip_core(other, nd))
        starts = [_shape_of(other, other.type.ndim - nd + i) - 1 for i in range(nd)]
        lengths = [_shape_of(x, x.type.ndim - nd + i) for i in range(nd)]
        gx = _core_slice(full, starts, lengths)
        if x.type.ndim > nd and None in x.type.shape[:-nd]:
            gx = SumToShape()(gx, x)   # batch lengths known at run time only (may be 1)
        else:
            gx = sum_to_shape(gx, x)
        res.append(gx.astype(x.type.dtype) if gx.type.dtype != x.type.dtype else gx)
    return res


@register_jvp(Convolve)
def _convolve_jvp(op, node, inputs, t):
    a, b = inputs
    parts = []
    if t[0] is not None:
        parts.append(op(t[0], b))
    if t[1] is not None:
        parts.append(op(a, t[1]))
    if not parts:
        return [None]
    return [parts[0] if len(parts) == 1 else parts[0] + parts[1]]


def _convolve_mode(full, a, b, nd, mode, what, same_as_in1):
    if mode == "full":
        return full
    if mode not in ("valid", "same"):
        raise ValueError(f"{what}: mode must be 'full', 'valid' or 'same', got {mode!r}")
    starts, lengths = [], []
    for i in range(nd):
        n, k = _shape_of(a, a.type.ndim - nd + i), _shape_of(b, b.type.ndim - nd + i)
        lo, hi = minimum(n, k), maximum(n, k)
        if mode == "valid":
            starts.append(lo - 1)
            lengths.append(hi - lo + 1)
        elif same_as_in1:      # scipy.signal.convolve2d: the size of in1, centred
            starts.append((k - 1) // 2)
            lengths.append(n)
        else:                  # numpy.convolve: the longer length, centred
            starts.append((lo - 1) // 2)
            lengths.append(hi)
    return _core_slice(full, starts, lengths)


def convolve1d(in1, in2, mode="full"):
    """``numpy.convolve(in1, in2, mode)`` over the last axis, leading axes
    broadcast; mode 'full', 'valid' or 'same'."""
    a, b = as_tensor_variable(in1), as_tensor_variable(in2)
    return _convolve_mode(Convolve(1)(a, b), a, b, 1, mode, "convolve1d", False)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, method="auto"):
    """``scipy.signal.convolve2d(in1, in2, mode)`` over the last two axes,
    leading axes broadcast; 'same' has the size of ``in1``.  Only
    ``boundary='fill'`` with ``fillvalue=0`` (zero padding) is supported;
    ``method`` is accepted for compatibility (the convolution is direct)."""
    if boundary != "fill" or not (isinstance(fillvalue, (int, float)) and fillvalue == 0):
        raise ValueError(f"convolve2d: only boundary='fill' with fillvalue=0 is supported, got "
                         f"boundary={boundary!r}, fillvalue={fillvalue!r}")
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve2d: method must be 'auto', 'direct' or 'fft', got {method!r}")
    a, b = as_tensor_variable(in1), as_tensor_variable(in2)
    return _convolve_mode(Convolve(2)(a, b), a, b, 2, mode, "convolve2d", True)


def _namespace(name, names, doc):
    mod = _types.ModuleType(name, doc)

    def __getattr__(attr):
        if attr in names:
            return globals()[attr]
        raise AttributeError(f"{name} has no attribute {attr!r}")

    mod.__getattr__ = __getattr__
    mod.__all__ = list(names)
    return mod


# ``pt.signal`` until the frontend has a ``tensorsmith.tensor.signal`` module
# (then this name should leave ``__all__`` so it does not hide that module)
signal = _namespace("signal", ("convolve1d", "convolve2d"),
                    "PyTensor's ``pytensor.tensor.signal`` names (also in ``pt``).")


# ---------------------------------------------------------------------------
# interp
# ---------------------------------------------------------------------------

def interp(x, xp, fp, left=None, right=None, period=None):
    """``numpy.interp``: piecewise-linear interpolation of the points
    ``(xp, fp)`` (``xp`` increasing) at ``x``; ``left``/``right`` for ``x``
    outside (default ``fp[0]``/``fp[-1]``); ``period`` for periodic ``xp``.
    Differentiable in ``x`` and ``fp`` (and ``xp``)."""
    x, xp, fp = as_tensor_variable(x), as_tensor_variable(xp), as_tensor_variable(fp)
    if xp.type.ndim != 1 or fp.type.ndim != 1:
        raise ValueError(f"interp: xp and fp must be vectors, got {xp.type} and {fp.type}")
    if None not in (xp.type.shape[0], fp.type.shape[0]) and xp.type.shape[0] != fp.type.shape[0]:
        raise ValueError(f"interp: xp and fp have different lengths ({xp.type.shape[0]}, {fp.type.shape[0]})")
    if any(v.type.dtype.startswith("complex") for v in (x, xp)):
        raise TypeError("interp: x and xp must be real")
    out_dtype = "complex128" if fp.type.dtype.startswith("complex") else "float64"
    x, xp, fp = cast(x, "float64"), cast(xp, "float64"), cast(fp, out_dtype)
    if period is not None:
        period = as_tensor_variable(period)
        x = x % period
        xp = xp % period
        order = argsort(xp)
        xp, fp = xp[order], fp[order]
        xp = concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = concatenate([fp[-1:], fp, fp[:1]])
        left = right = None
    n = _shape_of(xp, 0)
    j = clip(searchsorted(xp, x, side="right") - 1, 0, maximum(n - 2, 0))
    j1 = minimum(j + 1, n - 1)
    x0, x1, y0, y1 = xp[j], xp[j1], fp[j], fp[j1]
    span = x1 - x0
    same = eq(span, 0)
    t = (x - x0) / switch(same, 1.0, span)
    y = switch(same, y0, y0 + cast(t, out_dtype) * (y1 - y0))
    if period is None:
        lo = fp[0] if left is None else cast(as_tensor_variable(left), out_dtype)
        hi = fp[-1] if right is None else cast(as_tensor_variable(right), out_dtype)
        y = switch(lt(x, xp[0]), lo, switch(gt(x, xp[-1]), hi, y))
    return y


# ---------------------------------------------------------------------------
# kn, permute_row_elements, pack/unpack
# ---------------------------------------------------------------------------

def kn(n, x):
    """Modified Bessel function of the second kind of integer order ``n``
    (``scipy.special.kn``), computed as ``kv(n, x)``."""
    return kv(n, x)


def permute_row_elements(x, y, inverse=False):
    """Permute the last axis of ``x`` by the permutation(s) ``y`` (an integer
    tensor whose last axis is a permutation; leading axes broadcast with
    ``x``'s): ``out[..., i] = x[..., y[..., i]]``, or with ``inverse``
    ``out[..., y[..., i]] = x[..., i]``."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.type.ndim < 1 or y.type.ndim < 1:
        raise ValueError(f"permute_row_elements: x and y need at least one axis, got {x.type} and {y.type}")
    if y.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"permute_row_elements: y must hold integer indices, got {y.type}")
    if inverse:
        y = argsort(y, axis=-1)
    m = max(x.type.ndim, y.type.ndim)
    x = x.dimshuffle(["x"] * (m - x.type.ndim) + list(range(x.type.ndim)))
    y = y.dimshuffle(["x"] * (m - y.type.ndim) + list(range(y.type.ndim)))
    # broadcast the leading axes only: the last axes are the rows
    lead_x, lead_y = broadcast_arrays(x[..., 0], y[..., 0])
    x = broadcast_to(x, [lead_x.shape[i] for i in range(m - 1)] + [x.shape[m - 1]])
    y = broadcast_to(y, [lead_y.shape[i] for i in range(m - 1)] + [y.shape[m - 1]])
    return take_along_axis(x, y, axis=-1)


def _pack_axes(keep_axes, ndims, what):
    """(number of leading, number of trailing) kept axes for ``keep_axes``."""
    if keep_axes is None:
        return 0, 0
    axes = [int(keep_axes)] if isinstance(keep_axes, (int, np.integer)) else [int(a) for a in keep_axes]
    pos = sorted(a for a in axes if a >= 0)
    neg = sorted(a for a in axes if a < 0)
    if pos and pos != list(range(len(pos))):
        raise ValueError(f"{what}: kept positive axes must be contiguous and start at 0, got {keep_axes}")
    if neg and neg != list(range(-len(neg), 0)):
        raise ValueError(f"{what}: kept negative axes must be contiguous and end at -1, got {keep_axes}")
    lead, trail = len(pos), len(neg)
    for nd in ndims:
        if lead + trail > nd:
            raise ValueError(f"{what}: cannot keep {lead + trail} axes of a {nd}-d tensor (keep_axes={keep_axes})")
    return lead, trail


def pack(*tensors, keep_axes=None):
    """Ravel the axes of each tensor that ``keep_axes`` does not keep (leading
    axes 0, 1, ... and/or trailing axes -1, -2, ...) and concatenate the
    results along the raveled axis.  Returns ``(packed, packed_shapes)``,
    ``packed_shapes`` holding each tensor's raveled shape (int64 vectors), for
    ``unpack``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    ts = [as_tensor_variable(t) for t in tensors]
    if not ts:
        raise ValueError("pack: needs at least one tensor")
    lead, trail = _pack_axes(keep_axes, [t.type.ndim for t in ts], "pack")
    flat, shapes = [], []
    for t in ts:
        nd = t.type.ndim
        shapes.append(t.shape[lead:nd - trail])
        merged = _shape_product(t, range(lead, nd - trail))
        new = [t.shape[i] for i in range(lead)] + [merged] + [t.shape[i] for i in range(nd - trail, nd)]
        flat.append(reshape(t, new, ndim=lead + 1 + trail))
    return concatenate(flat, axis=lead), shapes


def unpack(packed_input, packed_shapes, keep_axes=None):
    """The inverse of ``pack``: split ``packed_input`` along its raveled axis
    into pieces of the sizes of ``packed_shapes`` and give each its shape back."""
    x = as_tensor_variable(packed_input)
    lead, trail = _pack_axes(keep_axes, [x.type.ndim], "unpack")
    if x.type.ndim != lead + 1 + trail:
        raise ValueError(f"unpack: a packed tensor with keep_axes={keep_axes} has {lead + 1 + trail} "
                         f"dimensions, got {x.type}")
    out, start = [], constant(np.int64(0))
    for shp in packed_shapes:
        if isinstance(shp, (int, np.integer)):
            shp = (shp,)
        entries = list(shp) if isinstance(shp, (list, tuple)) else [shp[i] for i in range(get_vector_length(shp))]
        size = constant(np.int64(1))
        for e in entries:
            size = size * e
        piece = x[(slice(None),) * lead + (slice(start, start + size),)]
        new = [x.shape[i] for i in range(lead)] + entries + [x.shape[i] for i in range(lead + 1, x.type.ndim)]
        out.append(reshape(piece, new, ndim=lead + len(entries) + trail))
        start = start + size
    return out


def interpolate1d(x, y, method="linear", left_pad=None, right_pad=None, extrapolate=True):
    """A function ``f(x_hat)`` interpolating the points ``(x, y)`` (sorted by
    ``x`` first), as PyTensor's ``interpolate1d``.  ``method``: 'linear',
    'nearest' (ties go left), 'first' (the value at the closest ``x`` strictly
    left of ``x_hat``), 'last' (the closest at or right of it) or 'mean' (the
    mean of the two values around it).  With ``extrapolate`` False, ``x_hat <=
    x[0]`` gives ``left_pad`` (default ``y[0]``) and ``x_hat > x[-1]`` gives
    ``right_pad`` (default ``y[-1]``); else linear extrapolation from the end
    segments (the stepwise methods take the end values)."""
    methods = ("linear", "nearest", "first", "last", "mean")
    if method not in methods:
        raise ValueError(f"interpolate1d: method must be one of {methods}, got {method!r}")
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.type.ndim != 1 or y.type.ndim != 1:
        raise ValueError(f"interpolate1d: x and y must be vectors, got {x.type} and {y.type}")
    dtype = np.result_type(x.type.dtype, y.type.dtype, np.float16).name
    if dtype == "float16":
        dtype = "float32"
    order = argsort(x)
    xs, ys = cast(x[order], dtype), cast(y[order], dtype)
    lo = ys[0] if left_pad is None else cast(as_tensor_variable(left_pad), dtype)
    hi = ys[-1] if right_pad is None else cast(as_tensor_variable(right_pad), dtype)

    def f(x_hat):
        xh = cast(as_tensor_variable(x_hat), dtype)
        n = _shape_of(xs, 0)
        pos = searchsorted(xs, xh, side="left")
        j = clip(pos - 1, 0, n - 2)
        x0, x1, y0, y1 = xs[j], xs[j + 1], ys[j], ys[j + 1]
        if method == "linear":
            out = y0 + (xh - x0) * (y1 - y0) / (x1 - x0)
        elif method == "nearest":
            out = switch(lt(x1 - xh, xh - x0), y1, y0)
        elif method == "first":
            out = ys[clip(pos - 1, 0, n - 1)]
        elif method == "last":
            out = ys[clip(pos, 0, n - 1)]
        else:
            out = (y0 + y1) / 2
        if not extrapolate:
            out = switch(le(xh, xs[0]), lo, switch(gt(xh, xs[-1]), hi, out))
        return cast(out, dtype)

    return f
