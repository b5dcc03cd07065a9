"""Reductions over axes: ``CAReduce`` (commutative-associative reduction of a
scalar op: sum, prod, max, min, all, any) and the functions built on it."""
import builtins

import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op, Variable

from . import scalar as ps
from .basic import as_tensor_variable, constant
from .type import TensorType, normalize_dtype

__all__ = ["CAReduce", "Sum", "Prod", "Max", "Min", "All", "Any", "sum", "prod", "max", "min",
           "all", "any", "mean", "normalize_axis", "AxesSize"]


def normalize_axis(axis, ndim, what="reduction"):
    """``axis`` (None, int or sequence, negatives allowed) as a sorted tuple of
    non-negative axes; ValueError naming the axis when out of range."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Constant):
        axis = axis.data
    elif isinstance(axis, Variable):
        raise TypeError(f"{what}: axis must be known when the graph is built (None, an int or a "
                        f"tuple of ints), got the symbolic {axis}")
    if isinstance(axis, np.ndarray) and axis.ndim == 0:
        axis = axis[()]
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, (bool, np.bool_)):
        axis = (int(axis),)
    elif isinstance(axis, (str, bytes, bool, np.bool_)) or not hasattr(axis, "__iter__"):
        raise TypeError(f"{what}: axis must be None, an int or a tuple of ints, got "
                        f"{type(axis).__name__} {axis!r}")
    res = []
    for a in axis:
        if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
            raise TypeError(f"{what}: axis must be an int or a tuple of ints, got {a!r}")
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"{what}: axis {a} is out of range for an array of {ndim} dimensions")
        a = a % ndim if ndim else a
        if a in res:
            raise ValueError(f"{what}: repeated axis {a}")
        res.append(a)
    return tuple(sorted(res))


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
    from .elemwise import DimShuffle

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
    from .math import cast, second

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
    from .math import cast, eq, switch, true_div

    is_zero = eq(x, 0)
    nz_count = _expand_back(sum(cast(is_zero, "int64"), axis=op.axis), op, x)
    x_nz = switch(is_zero, 1, x)
    prod_nz = _expand_back(prod(x_nz, axis=op.axis), op, x)
    return switch(eq(nz_count, 0), true_div(prod_nz, x_nz),
                  switch(eq(nz_count, 1), switch(is_zero, prod_nz, 0), 0))


def _maxmin_weights(op, x, out):
    """d max / d x_i: 1 at the extremum, ties sharing equally."""
    from .math import cast, eq, true_div

    mask = cast(eq(x, _expand_back(out, op, x)), x.type.dtype)
    return true_div(mask, _expand_back(sum(mask, axis=op.axis), op, x))


def _weighted_grad(op, x, weights, g):
    """``conj(weights) * g`` broadcast back over the reduced axes."""
    from .math import cast, mul, second

    if weights.type.dtype.startswith("complex"):
        from . import conj

        weights = conj(weights)
    gx = mul(second(x, _expand_back(g, op, x)), weights)
    return cast(gx, x.type.dtype)


def _weighted_jvp(op, node, weights, t):
    from .math import cast, mul

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
    from tensorsmith_autodiff import grad_not_implemented

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
    from .math import cast, true_div

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
