"""Array creation: ``alloc`` (the ``Alloc`` op: broadcast a value to a
shape), ``broadcast_to``/``broadcast_arrays`` (``BroadcastTo``),
``zeros``/``ones``/``full``/``empty`` and their ``*_like`` forms,
``eye``/``identity_like``, ``tri``/``tril``/``triu``, ``arange``,
``linspace``/``logspace``/``geomspace``, ``mgrid``/``ogrid``.

Shape arguments may be Python ints, integer scalars (symbolic or constant)
or integer vectors; constant lengths become static shapes."""
import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op

from .basic import as_tensor_variable, constant, resolve_weak
from .config import config
from .elemwise import broadcast_static_shape
from .math import (
    abs as _abs, add, and_, cast, ceil, eq, floor, ge, gt, log10, maximum, mul, ones_like, pow, second, sign,
    sub, switch, true_div, zeros_like,
)
from .reduction import SumToShape, sum as _sum, sum_to_shape
from .shape import (
    DimShuffle, as_int_scalar, broadcast_shape_symbolic, moveaxis, shape_i, shape_padleft, shape_padright,
    shape_to_scalars, static_int,
)
from .type import TensorType, normalize_dtype

__all__ = ["Alloc", "alloc", "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like",
           "empty_like", "Eye", "eye", "identity_like", "tri", "tril", "triu", "ARange", "arange",
           "linspace", "logspace", "geomspace", "mgrid", "ogrid", "BroadcastTo", "broadcast_to",
           "broadcast_arrays", "broadcast_shape"]


def _static_out_shape(what, value_shape, scalars):
    """Static shape of ``value`` (static shape ``value_shape``) broadcast to
    the lengths ``scalars``; ValueError when the known lengths disagree."""
    nd = len(scalars)
    if len(value_shape) > nd:
        raise ValueError(f"{what}: the value has {len(value_shape)} dimensions, more than the "
                         f"{nd} of the requested shape")
    out = []
    for i, s in enumerate(scalars):
        st = static_int(s)
        j = i - (nd - len(value_shape))
        vs = value_shape[j] if j >= 0 else 1
        if st is not None:
            if st < 0:
                raise ValueError(f"{what}: negative length {st} in the requested shape")
            if vs is not None and vs != 1 and vs != st:
                shp = tuple("?" if static_int(t) is None else static_int(t) for t in scalars)
                raise ValueError(f"{what}: cannot broadcast a value of shape "
                                 f"{tuple('?' if v is None else v for v in value_shape)} to shape {shp}"
                                 .replace("'", ""))
            out.append(st)
        else:
            out.append(vs if vs not in (None, 1) else None)
    return tuple(out)


class Alloc(Op):
    """``Alloc()(value, *shape)``: a new array of the given shape filled with
    ``value`` broadcast to it (NumPy broadcasting, leading axes added)."""

    _what = "alloc"

    def make_node(self, value, *shape):
        value = as_tensor_variable(value)
        scalars = [as_int_scalar(s, self._what) for s in shape]
        static = _static_out_shape(self._what, value.type.shape, scalars)
        out = TensorType(value.type.dtype, static).make_variable()
        return Apply(self, [value] + scalars, [out])

    def perform(self, node, inputs, output_storage):
        value, shp = inputs[0], tuple(int(s) for s in inputs[1:])
        negative = [s for s in shp if s < 0]
        if negative:
            raise ValueError(f"{type(self).__name__}: negative length {negative[0]} in the requested shape "
                             f"{shp} (negative dimensions are not allowed)")
        try:
            res = np.broadcast_to(value, shp)
        except ValueError:
            raise ValueError(f"{type(self).__name__}: cannot broadcast a value of shape {np.shape(value)} "
                             f"to shape {shp}") from None
        output_storage[0][0] = np.array(res, dtype=node.outputs[0].type.numpy_dtype)

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(node.inputs[1:])]


def _alloc_grad(op, node, inputs, g):
    value = inputs[0]
    rest = [disconnected] * (len(inputs) - 1)
    if not value.type.differentiable:
        return [disconnected] + rest
    if g[0].type.shape == value.type.shape and None in value.type.shape:
        # equal static shapes with unknown lengths: the value may still have
        # been broadcast (a run-time length 1), so the sum is decided at run time
        return [SumToShape()(g[0], value)] + rest
    return [sum_to_shape(g[0], value)] + rest


def _alloc_jvp(op, node, inputs, t):
    return [None if t[0] is None else op(t[0], *inputs[1:])]


register_grad(Alloc, _alloc_grad)
register_jvp(Alloc, _alloc_jvp)
_alloc = Alloc()


def alloc(value, *shape):
    """``value`` broadcast to ``shape`` in a new array: ``alloc(v, n, m)``.
    A single shape argument may also be a tuple or an integer vector."""
    if len(shape) == 1 and not (isinstance(shape[0], (int, np.integer))
                                or getattr(getattr(shape[0], "type", None), "ndim", 1) == 0):
        shape = shape_to_scalars(shape[0], "alloc")
    return _alloc(value, *shape)


def _filled(shape, value, dtype, what):
    dtype = normalize_dtype(dtype)
    return _alloc(constant(np.asarray(value, dtype=dtype)), *shape_to_scalars(shape, what))


def zeros(shape, dtype=None):
    """An array of zeros of ``shape`` (dtype ``floatX`` unless given)."""
    return _filled(shape, 0, dtype, "zeros")


def ones(shape, dtype=None):
    """An array of ones of ``shape`` (dtype ``floatX`` unless given)."""
    return _filled(shape, 1, dtype, "ones")


def empty(shape, dtype=None):
    """An array of ``shape`` whose values are unspecified (zeros here)."""
    return _filled(shape, 0, dtype, "empty")


def full(shape, fill_value, dtype=None):
    """An array of ``shape`` filled with ``fill_value`` (broadcast); dtype
    that of ``fill_value`` unless given."""
    v = as_tensor_variable(fill_value)
    if dtype is not None:
        v = cast(v, dtype)
    return _alloc(v, *shape_to_scalars(shape, "full"))


def full_like(a, fill_value, dtype=None):
    """An array shaped like ``a`` filled with ``fill_value`` (dtype of ``a`` unless given)."""
    a = as_tensor_variable(a)
    v = cast(as_tensor_variable(fill_value), a.type.dtype if dtype is None else dtype)
    return second(a, v)


def empty_like(prototype, dtype=None):
    """An array shaped like ``prototype`` whose values are unspecified (zeros here)."""
    return zeros_like(prototype, dtype=dtype)


# ---------------------------------------------------------------------------
# eye
# ---------------------------------------------------------------------------


class Eye(Op):
    """``Eye(dtype)(n, m, k)``: an ``n`` x ``m`` matrix with ones on diagonal ``k``."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = normalize_dtype(dtype)

    def make_node(self, n, m, k):
        n, m, k = (as_int_scalar(v, "eye") for v in (n, m, k))
        shape = []
        for v in (n, m):
            s = static_int(v)
            if s is not None and s < 0:
                raise ValueError(f"eye: negative dimension {s}")
            shape.append(s)
        return Apply(self, [n, m, k], [TensorType(self.dtype, tuple(shape)).make_variable()])

    def perform(self, node, inputs, output_storage):
        n, m, k = (int(v) for v in inputs)
        output_storage[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [(node.inputs[0], node.inputs[1])]


register_grad(Eye, lambda op, node, inputs, g: [disconnected] * 3)


def eye(n, m=None, k=0, dtype=None):
    """An ``n`` x ``m`` matrix (``m`` defaults to ``n``) with ones on the
    ``k``-th diagonal; dtype ``floatX`` unless given."""
    return Eye(normalize_dtype(dtype))(n, n if m is None else m, k)


def identity_like(x, dtype=None):
    """The identity matrix with the shape of the matrix ``x`` (dtype of ``x`` unless given)."""
    x = as_tensor_variable(x)
    if x.type.ndim != 2:
        raise ValueError(f"identity_like: expected a matrix, got {x.type}")
    return eye(shape_i(x, 0), shape_i(x, 1), 0, x.type.dtype if dtype is None else dtype)


# ---------------------------------------------------------------------------
# arange, linspace
# ---------------------------------------------------------------------------


class ARange(Op):
    """``ARange(dtype)(start, stop, step)``: ``numpy.arange`` as a vector."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = normalize_dtype(dtype)

    def make_node(self, start, stop, step):
        ins = [as_tensor_variable(v) for v in (start, stop, step)]
        for v in ins:
            if v.type.ndim != 0:
                raise TypeError(f"arange: start, stop and step must be scalars, got {v.type}")
            if v.type.dtype.startswith("complex"):
                raise TypeError(f"arange: complex bounds are not supported ({v.type})")
        length = None
        if all(isinstance(v, Constant) for v in ins):
            if ins[2].data == 0:
                raise ValueError("arange: step must not be zero")
            length = len(np.arange(ins[0].data, ins[1].data, ins[2].data))
        elif isinstance(ins[2], Constant) and ins[2].data == 0:
            raise ValueError("arange: step must not be zero")
        return Apply(self, ins, [TensorType(self.dtype, (length,)).make_variable()])

    def perform(self, node, inputs, output_storage):
        start, stop, step = (v.item() for v in inputs)
        if step == 0:
            raise ValueError(f"ARange: step is zero (start={start}, stop={stop})")
        output_storage[0][0] = np.arange(start, stop, step, dtype=self.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        start, stop, step = node.inputs
        n = cast(ceil(true_div(cast(sub(stop, start), "float64"), cast(step, "float64"))), "int64")
        return [(maximum(n, 0),)]


@register_grad(ARange)
def _arange_grad(op, node, inputs, g):
    start, stop, step = inputs
    out = node.outputs[0]
    if not out.type.differentiable:
        return [disconnected] * 3
    gz = g[0]
    res = []
    idx = arange(shape_i(out, 0), dtype=out.type.dtype)
    for v, gv in ((start, _sum(gz)), (stop, None), (step, _sum(mul(gz, idx)))):
        if not v.type.differentiable:
            res.append(disconnected)
        elif gv is None:
            res.append(zeros_like(v))
        else:
            res.append(cast(gv, v.type.dtype))
    return res


def arange(start, stop=None, step=1, dtype=None):
    """``numpy.arange(start, stop, step)`` as a vector; bounds may be symbolic
    scalars.  Unless given, the dtype is int64 for integer bounds (as NumPy),
    else the bounds' float dtype (Python floats: ``floatX``)."""
    if stop is None:
        start, stop = 0, start
    ins = resolve_weak([as_tensor_variable(v) for v in (start, stop, step)])
    if dtype is None:
        dtype = np.result_type(*[np.dtype(v.type.dtype) for v in ins]).name
        if dtype == "bool" or (np.dtype(dtype).kind in "iu" and dtype != "uint64"):
            # as NumPy and PyTensor: integer ranges are int64 whatever the bounds' width
            dtype = "int64"
    return ARange(normalize_dtype(dtype))(*ins)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``stop`` left
    out when ``endpoint`` is False), as ``numpy.linspace``; ``start`` and
    ``stop`` may be arrays (the new axis is ``axis``)."""
    start, stop = resolve_weak([as_tensor_variable(start), as_tensor_variable(stop)])
    num = as_int_scalar(num, "linspace")
    n = static_int(num)
    if n is not None and n < 0:
        raise ValueError(f"linspace: number of samples {n} must be non-negative")
    calc = np.result_type(np.dtype(start.type.dtype), np.dtype(stop.type.dtype)).name
    if calc not in ("float16", "float32", "float64", "complex64", "complex128"):
        calc = config.floatX
    start, stop = cast(start, calc), cast(stop, calc)
    div = sub(num, 1) if endpoint else num
    delta = sub(stop, start)
    step = true_div(delta, cast(maximum(div, 1), calc))
    nd = max(start.type.ndim, stop.type.ndim)
    idx = cast(arange(num), calc)
    if nd:
        idx = shape_padright(idx, nd)
    y = add(mul(idx, step), shape_padleft(start, 1) if nd else start)
    if endpoint:
        last = and_(eq(arange(num), sub(num, 1)), gt(num, 1))
        y = switch(shape_padright(last, nd) if nd else last, shape_padleft(stop, 1) if nd else stop, y)
    if nd and axis != 0:
        y = moveaxis(y, 0, axis)
    out_dtype = calc if dtype is None else normalize_dtype(dtype)
    if out_dtype != calc:
        if out_dtype[:3] in ("int", "uin"):
            y = floor(y)
        y = cast(y, out_dtype)
    if retstep:
        return y, step
    return y


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``base ** linspace(start, stop, num, endpoint)`` (as ``numpy.logspace``)."""
    y = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    b = as_tensor_variable(base)
    if b.type.ndim:
        b = shape_padleft(b, 1) if axis == 0 else b
    out = pow(b, y)
    if dtype is not None:
        out = cast(out, dtype)
    return out


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values spaced evenly on a log scale from ``start`` to ``stop``
    (both non-zero, of the same sign), as ``numpy.geomspace``; the end
    points are exact."""
    start, stop = resolve_weak([as_tensor_variable(start), as_tensor_variable(stop)])
    if start.type.ndim or stop.type.ndim:
        raise NotImplementedError("geomspace: only scalar start and stop are supported")
    num = as_int_scalar(num, "geomspace")
    calc = np.result_type(np.dtype(start.type.dtype), np.dtype(stop.type.dtype)).name
    if calc not in ("float16", "float32", "float64"):
        calc = config.floatX
    start, stop = cast(start, calc), cast(stop, calc)
    y = mul(sign(start), logspace(log10(_abs(start)), log10(_abs(stop)), num, endpoint=endpoint))
    idx = arange(num)
    y = switch(and_(eq(idx, 0), gt(num, 0)), start, y)
    if endpoint:
        y = switch(and_(eq(idx, sub(num, 1)), gt(num, 1)), stop, y)
    if dtype is not None:
        y = cast(y, dtype)
    return y


class _NdGrid:
    """``mgrid[a:b:s, ...]`` / ``ogrid[...]``: coordinate arrays (a list of
    tensors) over the ranges given as slices (bounds may be symbolic scalars;
    a complex step ``nj`` means ``n`` points, ends included)."""

    def __init__(self, sparse):
        self.sparse = sparse

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            # a single slice gives one tensor, as in NumPy and PyTensor
            return self[(key,)][0]
        ranges = []
        for k in key:
            if not isinstance(k, slice):
                raise TypeError(f"{self._name()}: expected slices like 0:5 or 0:1:5j, got {k!r}")
            start = 0 if k.start is None else k.start
            step = 1 if k.step is None else k.step
            if isinstance(step, complex):
                ranges.append(linspace(start, k.stop, int(abs(step))))
            else:
                ranges.append(arange(start, k.stop, step))
        common = np.result_type(*[np.dtype(r.type.dtype) for r in ranges]).name
        ranges = [cast(r, common) for r in ranges]
        nd = len(ranges)
        res = []
        for i, r in enumerate(ranges):
            shaped = DimShuffle(1, ["x"] * i + [0] + ["x"] * (nd - i - 1))(r)
            if not self.sparse:
                shaped = _alloc(shaped, *[shape_i(q, 0) for q in ranges])
            res.append(shaped)
        return res

    def _name(self):
        return "ogrid" if self.sparse else "mgrid"


mgrid = _NdGrid(sparse=False)
ogrid = _NdGrid(sparse=True)


# ---------------------------------------------------------------------------
# tri, tril, triu
# ---------------------------------------------------------------------------


def tri(N, M=None, k=0, dtype=None):
    """An ``N`` x ``M`` matrix with ones at and below diagonal ``k`` (dtype ``floatX`` unless given)."""
    rows = arange(as_int_scalar(N, "tri"))
    cols = arange(as_int_scalar(N if M is None else M, "tri"))
    mask = ge(add(shape_padright(rows, 1), as_int_scalar(k, "tri")), shape_padleft(cols, 1))
    return cast(mask, normalize_dtype(dtype))


def _tri_mask(m, k, what):
    m = as_tensor_variable(m)
    if m.type.ndim < 2:
        raise ValueError(f"{what}: expected an array of at least 2 dimensions, got {m.type}")
    return m, tri(shape_i(m, -2), shape_i(m, -1), k, dtype="bool")


def tril(m, k=0):
    """``m`` with the elements above diagonal ``k`` of its last two axes zeroed."""
    m, mask = _tri_mask(m, k, "tril")
    return switch(mask, m, zeros_like(m))


def triu(m, k=0):
    """``m`` with the elements below diagonal ``k`` of its last two axes zeroed."""
    m, mask = _tri_mask(m, sub(as_int_scalar(k, "triu"), 1), "triu")
    return switch(mask, zeros_like(m), m)


# ---------------------------------------------------------------------------
# broadcast_to
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
    static = broadcast_static_shape(statics, "in broadcast_shape")
    sym = broadcast_shape_symbolic(shapes, statics)
    return tuple(constant(np.int64(s)) if s is not None else v for s, v in zip(static, sym))


def broadcast_arrays(*args):
    """The arguments broadcast against each other (a list)."""
    args = [as_tensor_variable(a) for a in args]
    shp = broadcast_shape(*args)
    return [broadcast_to(a, shp) for a in args]
