"""Shapes and axes: ``DimShuffle`` (transpose / add / drop broadcastable
axes), the shape ops (``shape``, ``shape_i``, ``specify_shape``, ``reshape``)
and the functions built on them (``transpose``, ``flatten``, ``squeeze``,
``expand_dims``, ``moveaxis``, ``swapaxes``, ``atleast_*d``, padding with
length-1 axes), ``flip``, symbolic shape arithmetic and broadcasting
(``Elemwise.infer_shape``), and ``normalize_axis``."""
import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op, Variable

from .basic import as_tensor_variable, constant, register_conversion
from .elemwise import Elemwise
from .math import cast, eq, floor_div, mul, switch
from .type import TensorType, tensor_type

__all__ = ["shape", "specify_shape", "reshape", "shape_padleft", "shape_padright", "Shape",
           "SpecifyShape", "Reshape", "Shape_i", "shape_i", "shape_tuple", "shape_padaxis",
           "specify_broadcastable", "flatten", "swapaxes", "moveaxis", "expand_dims", "squeeze",
           "Flip", "flip", "matrix_transpose", "atleast_1d", "atleast_Nd", "atleast_2d", "atleast_3d"]


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


# ---------------------------------------------------------------------------
# DimShuffle
# ---------------------------------------------------------------------------


class DimShuffle(Op):
    """Reorder, add (``'x'``) and drop (length-1) axes: ``new_order`` lists,
    for each output axis, the input axis it takes or ``'x'``."""

    __props__ = ("input_ndim", "new_order")

    def __init__(self, input_ndim, new_order):
        self.input_ndim = int(input_ndim)
        self.new_order = tuple(new_order)
        used = [a for a in self.new_order if a != "x"]
        for a in used:
            if not isinstance(a, (int, np.integer)) or not 0 <= a < self.input_ndim:
                raise ValueError(
                    f"DimShuffle: {a!r} in {self.new_order} is not an axis of a {self.input_ndim}-d input")
        if len(set(used)) != len(used):
            raise ValueError(f"DimShuffle: repeated axis in {self.new_order}")
        self.drop = tuple(a for a in range(self.input_ndim) if a not in used)
        self.shuffle = tuple(used)
        self.augment = tuple(i for i, a in enumerate(self.new_order) if a == "x")

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim != self.input_ndim:
            raise TypeError(f"{self} expects a {self.input_ndim}-d input, got {x.type}")
        for a in self.drop:
            if x.type.shape[a] != 1:
                raise ValueError(
                    f"DimShuffle {self.new_order}: cannot drop axis {a} of {x.type}: it is not known to have length 1")
        shape = tuple(1 if a == "x" else x.type.shape[a] for a in self.new_order)
        return Apply(self, [x], [tensor_type(x.type.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        res = np.transpose(x, self.shuffle + self.drop)
        shp = [x.shape[a] for a in self.shuffle]
        for i in self.augment:
            shp.insert(i, 1)
        output_storage[0][0] = np.reshape(res, shp)

    def infer_shape(self, fgraph, node, input_shapes):
        s = input_shapes[0]
        return [tuple(1 if a == "x" else s[a] for a in self.new_order)]

    def __str__(self):
        if self.shuffle == tuple(range(self.input_ndim))[::-1] and not self.augment and not self.drop:
            return "Transpose"
        return f"DimShuffle{{{','.join(str(a) for a in self.new_order)}}}"


@register_grad(DimShuffle)
def _dimshuffle_grad(op, node, inputs, output_grads):
    (x,) = inputs
    (gz,) = output_grads
    # undo: drop the added axes, put the kept axes back, re-add dropped ones
    grad_order = ["x"] * op.input_ndim
    kept = [i for i, a in enumerate(op.new_order) if a != "x"]
    for j, i in enumerate(kept):
        grad_order[op.new_order[i]] = j
    g = gz
    if op.augment:
        g = DimShuffle(gz.type.ndim, [i for i in range(gz.type.ndim) if i not in op.augment])(
            _squeezable(gz, op.augment))
    g = DimShuffle(g.type.ndim, grad_order)(g)
    return [g]


def _squeezable(g, axes):
    """``g`` re-typed so ``axes`` have static length 1 (they do at run time)."""
    if all(g.type.shape[a] == 1 for a in axes):
        return g
    shape = tuple(1 if i in axes else s for i, s in enumerate(g.type.shape))
    return specify_shape(g, shape)


@register_jvp(DimShuffle)
def _dimshuffle_jvp(op, node, inputs, tangents):
    return [None if tangents[0] is None else op(tangents[0])]


# ---------------------------------------------------------------------------
# Shape ops
# ---------------------------------------------------------------------------



class Shape(Op):
    """The shape of ``x`` as an int64 vector."""

    def connection_pattern(self, node):
        """The output does not depend on the input's values: no gradient path."""
        return [[False] * len(node.outputs) for _ in node.inputs]

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (x.type.ndim,)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.shape(inputs[0]), dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [(len(input_shapes[0]),)]


_shape = Shape()
register_grad(Shape, lambda op, node, inputs, g: [disconnected])
register_jvp(Shape, lambda op, node, inputs, t: [None])


def shape(x):
    """The shape of ``x`` as a symbolic int64 vector (``x.shape``)."""
    return _shape(x)


class Shape_i(Op):
    """The length of axis ``i`` of ``x`` as an int64 scalar."""

    def connection_pattern(self, node):
        """The output does not depend on the input's values: no gradient path."""
        return [[False] * len(node.outputs) for _ in node.inputs]

    __props__ = ("i",)

    def __init__(self, i):
        self.i = int(i)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.i < x.type.ndim:
            raise ValueError(f"shape_i: axis {self.i} is out of range for {x.type}")
        return Apply(self, [x], [TensorType("int64", ()).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.shape(inputs[0])[self.i], dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [()]

    def __str__(self):
        return f"Shape_i{{{self.i}}}"


register_grad(Shape_i, lambda op, node, inputs, g: [disconnected])
register_jvp(Shape_i, lambda op, node, inputs, t: [None])


def shape_i(x, i):
    """The length of axis ``i`` (negative counts from the end) of ``x``: an
    int64 constant when the static shape knows it, else a ``Shape_i`` node."""
    x = as_tensor_variable(x)
    nd = x.type.ndim
    if not -nd <= i < nd:
        raise ValueError(f"shape_i: axis {i} is out of range for {x.type}")
    i = int(i) % nd
    s = x.type.shape[i]
    if s is not None:
        return constant(np.int64(s))
    return Shape_i(i)(x)


def static_int(v):
    """The Python int a symbolic integer scalar is known to hold at build time
    (a constant, or ``Shape_i`` of a statically known axis), else None."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, Constant):
        d = np.asarray(v.data)
        if d.ndim == 0 and d.dtype.kind in "iub":
            return int(d)
        return None
    owner = getattr(v, "owner", None)
    if owner is None:
        return None
    if isinstance(owner.op, Shape_i):
        return owner.inputs[0].type.shape[owner.op.i]
    # x.shape[k] with a constant k: Subtensor{('i', k)} of a Shape output
    idx = getattr(owner.op, "idx_list", None)
    src = owner.inputs[0].owner
    if (type(owner.op).__name__ == "Subtensor" and len(owner.inputs) == 1 and src is not None
            and isinstance(src.op, Shape) and len(idx) == 1 and len(idx[0]) == 2 and idx[0][0] == "i"
            and isinstance(idx[0][1], (int, np.integer))):
        shp = src.inputs[0].type.shape
        k = int(idx[0][1])
        if -len(shp) <= k < len(shp):
            return shp[k]
    return None


def as_int_scalar(v, what):
    """``v`` (a Python/NumPy int or a 0-d integer tensor) as an int64 scalar tensor."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{what}: expected an integer, got the bool {v!r}")
    if isinstance(v, (int, np.integer)):
        return constant(np.int64(v))
    if isinstance(v, (float, np.floating)):
        if float(v) != int(v):
            raise TypeError(f"{what}: expected an integer, got {v!r}")
        return constant(np.int64(int(v)))
    v = as_tensor_variable(v)
    if v.type.ndim != 0 or v.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"{what}: expected an integer scalar, got {v.type}")
    if v.type.dtype != "int64":
        v = cast(v, "int64")
    return v


def shape_to_scalars(shp, what):
    """A shape argument (an int, a sequence of ints / integer scalars, or a
    symbolic integer vector of known length) as a list of int64 scalars."""
    if isinstance(shp, (int, np.integer)) or (isinstance(shp, Variable) and shp.type.ndim == 0):
        return [as_int_scalar(shp, what)]
    if isinstance(shp, (list, tuple)):
        return [as_int_scalar(s, what) for s in shp]
    v = as_tensor_variable(shp)
    if v.type.ndim != 1 or v.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"{what}: the shape must be an integer vector, got {v.type}")
    if isinstance(v, Constant):
        return [as_int_scalar(int(s), what) for s in v.data]
    if v.owner is not None and isinstance(v.owner.op, Shape):
        return [shape_i(v.owner.inputs[0], i) for i in range(v.type.shape[0])]
    n = v.type.shape[0]
    if n is None:
        raise ValueError(f"{what}: the shape vector {v} has an unknown length; "
                         "give a tuple of scalars or a vector of static length")
    return [as_int_scalar(v[i], what) for i in range(n)]


def int_mul(a, b):
    """The product of two int64 scalars, folded to a constant when both are known."""
    sa, sb = static_int(a), static_int(b)
    if sa is not None and sb is not None:
        return constant(np.int64(sa * sb))
    if sa == 1:
        return as_int_scalar(b, "shape")
    if sb == 1:
        return as_int_scalar(a, "shape")
    return mul(as_int_scalar(a, "shape"), as_int_scalar(b, "shape"))


class MakeIntVector(Op):
    """An int64 vector from int64 scalars (how symbolic shapes are built)."""

    def make_node(self, *scalars):
        scalars = [as_int_scalar(s, "shape") for s in scalars]
        return Apply(self, scalars, [TensorType("int64", (len(scalars),)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.array([int(v) for v in inputs], dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [(len(node.inputs),)]


register_grad(MakeIntVector, lambda op, node, inputs, g: [disconnected] * len(inputs))
# integer outputs (Shape, Shape_i, MakeIntVector): no tangent
register_jvp(MakeIntVector, lambda op, node, inputs, t: [None])


def int_vector(scalars):
    """An int64 vector from a list of ints / int scalars (a constant when all are known)."""
    vals = [static_int(s) for s in scalars]
    if all(v is not None for v in vals):
        return constant(np.asarray(vals, dtype="int64"))
    return MakeIntVector()(*scalars)


def _static_entries(shp):
    """The entries of an integer shape vector known at build time (None where unknown)."""
    if isinstance(shp, Constant):
        return [int(v) for v in shp.data]
    if shp.owner is not None and isinstance(shp.owner.op, MakeIntVector):
        return [static_int(v) for v in shp.owner.inputs]
    if shp.owner is not None and isinstance(shp.owner.op, Shape):
        return list(shp.owner.inputs[0].type.shape)
    return None



class SpecifyShape(Op):
    """``x``, checked at run time to have ``shape`` (None entries unchecked);
    its static shape becomes that shape."""

    __props__ = ("shape",)

    def __init__(self, shape):
        self.shape = tuple(None if s is None else int(s) for s in shape)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim != len(self.shape):
            raise ValueError(f"specify_shape: {x.type} has {x.type.ndim} dimensions, "
                             f"shape {self.shape} has {len(self.shape)}")
        new = []
        for a, b in zip(x.type.shape, self.shape):
            if a is not None and b is not None and a != b:
                raise ValueError(f"specify_shape: {x.type} cannot have shape {self.shape}")
            new.append(a if b is None else b)
        return Apply(self, [x], [TensorType(x.type.dtype, tuple(new)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        for k, s in enumerate(self.shape):
            if s is not None and x.shape[k] != s:
                raise ValueError(f"SpecifyShape: expected shape {self.shape}, got {x.shape}")
        output_storage[0][0] = x

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(s if s is not None else i for s, i in zip(self.shape, input_shapes[0]))]


register_grad(SpecifyShape, lambda op, node, inputs, g: [g[0]])
register_jvp(SpecifyShape, lambda op, node, inputs, t: [t[0]])


def specify_shape(x, shape):
    x = as_tensor_variable(x)
    shape = tuple(shape)
    if tuple(x.type.shape) == shape:
        return x
    return SpecifyShape(shape)(x)


class Reshape(Op):
    """``reshape(x, shp)`` with ``shp`` an int vector (one entry may be -1)."""

    __props__ = ("ndim",)

    def __init__(self, ndim):
        self.ndim = int(ndim)

    def make_node(self, x, shp):
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp)
        if shp.type.ndim != 1 or shp.type.dtype[:3] not in ("int", "uin"):
            raise TypeError(f"reshape: the shape must be an integer vector, got {shp.type}")
        if shp.type.shape[0] is not None and shp.type.shape[0] != self.ndim:
            raise ValueError(f"reshape: the shape vector has {shp.type.shape[0]} entries, ndim is {self.ndim}")
        static = [None] * self.ndim
        vals = _static_entries(shp)
        if vals is not None:
            if vals.count(-1) > 1:
                raise ValueError(f"reshape: at most one -1 in the new shape, got {_fmt(vals)}")
            if any(v is not None and v < -1 for v in vals):
                raise ValueError(f"reshape: negative length in the new shape {_fmt(vals)}")
            total = None if any(s is None for s in x.type.shape) else int(np.prod(x.type.shape))
            known = [v for v in vals if v != -1]
            complete = all(v is not None for v in known)
            if total is not None and complete and -1 not in vals and int(np.prod(known)) != total:
                raise ValueError(f"cannot reshape {x.type} (size {total}) into shape {_fmt(vals)}")
            if total is not None and complete and -1 in vals:
                rest = int(np.prod(known))
                if rest == 0 or total % rest:
                    raise ValueError(f"cannot reshape {x.type} (size {total}) into shape {_fmt(vals)}")
            for i, v in enumerate(vals):
                if v is not None and v != -1:
                    static[i] = v
                elif v == -1 and total is not None and complete:
                    static[i] = total // int(np.prod(known))
        return Apply(self, [x, shp], [TensorType(x.type.dtype, tuple(static)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, shp = inputs
        try:
            output_storage[0][0] = np.reshape(x, tuple(int(s) for s in shp))
        except ValueError as e:
            raise ValueError(f"Reshape: cannot reshape array of shape {x.shape} into {tuple(int(k) for k in shp)} ({e})") from None

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        shp = node.inputs[1]
        vals = _static_entries(shp)
        if shp.owner is not None and isinstance(shp.owner.op, MakeIntVector):
            entries = list(shp.owner.inputs)
        elif vals is not None and all(v is not None for v in vals):
            entries = [constant(np.int64(v)) for v in vals]
        else:
            return [tuple(shp[i] for i in range(self.ndim))]
        if vals is not None and -1 in vals:
            k = vals.index(-1)
            total = constant(np.int64(1))
            for s in input_shapes[0]:
                total = mul(total, s)
            rest = constant(np.int64(1))
            for i, e in enumerate(entries):
                if i != k:
                    rest = mul(rest, e)
            entries[k] = floor_div(total, rest)
        return [tuple(entries)]


@register_grad(Reshape)
def _reshape_grad(op, node, inputs, g):
    x, shp = inputs
    return [reshape(g[0], shape(x), ndim=x.type.ndim), disconnected]


register_jvp(Reshape, lambda op, node, inputs, t: [None if t[0] is None else op(t[0], inputs[1])])


def reshape(x, newshape, ndim=None):
    x = as_tensor_variable(x)
    if isinstance(newshape, (int, np.integer)) or getattr(getattr(newshape, "type", None), "ndim", None) == 0:
        newshape = (newshape,)
    if isinstance(newshape, (list, tuple)):
        shp = int_vector(list(newshape))
        nd = len(newshape)
    else:
        shp = as_tensor_variable(newshape)
        if ndim is None:
            if shp.type.shape[0] is None:
                raise ValueError("reshape: give ndim= when the new shape has an unknown length")
            ndim = shp.type.shape[0]
        nd = ndim
    return Reshape(nd)(x, shp)


def _fmt(vals):
    return "(" + ", ".join("?" if v is None else str(v) for v in vals) + ("," if len(vals) == 1 else "") + ")"


def shape_padleft(t, n_ones=1):
    """``t`` with ``n_ones`` length-1 axes added on the left."""
    t = as_tensor_variable(t)
    return DimShuffle(t.type.ndim, ["x"] * n_ones + list(range(t.type.ndim)))(t)


def shape_padright(t, n_ones=1):
    """``t`` with ``n_ones`` length-1 axes added on the right."""
    t = as_tensor_variable(t)
    return DimShuffle(t.type.ndim, list(range(t.type.ndim)) + ["x"] * n_ones)(t)


def shape_padaxis(t, axis):
    """``t`` with a new length-1 axis at position ``axis`` of the result
    (``-t.ndim - 1 <= axis <= t.ndim``)."""
    t = as_tensor_variable(t)
    nd = t.type.ndim
    if not -nd - 1 <= axis <= nd:
        raise IndexError(f"shape_padaxis: axis {axis} is out of range for {t.type} (-{nd + 1} to {nd})")
    if axis < 0:
        axis += nd + 1
    order = list(range(nd))
    order.insert(axis, "x")
    return DimShuffle(nd, order)(t)


def shape_tuple(x):
    """The shape of ``x`` as a tuple of int64 scalars (constants where the static shape knows them)."""
    x = as_tensor_variable(x)
    return tuple(shape_i(x, i) for i in range(x.type.ndim))


def specify_broadcastable(x, *axes):
    """``x`` with the axes ``axes`` declared (and checked at run time) to have length 1."""
    x = as_tensor_variable(x)
    if not axes:
        return x
    nd = x.type.ndim
    for a in axes:
        if not -nd <= a < nd:
            raise ValueError(f"specify_broadcastable: axis {a} is out of range for {x.type}")
    ax = {a % nd for a in axes}
    return specify_shape(x, tuple(1 if i in ax else None for i in range(nd)))


def broadcast_shape_symbolic(input_shapes, static_shapes):
    """Broadcast symbolic shapes (tuples of scalar variables) of inputs whose
    static shapes are ``static_shapes``: where a static length is 1 the other
    inputs decide; among lengths unknown at build time, one that is 1 at run
    time gives way to the others (so 1 and 0 broadcast to 0)."""
    ndim = max(len(s) for s in input_shapes)
    out = []
    for k in range(ndim):
        cands = []
        for shp, st in zip(input_shapes, static_shapes):
            j = k - (ndim - len(shp))
            if j < 0 or st[j] == 1:
                continue
            cands.append((shp[j], st[j]))
        known = [c for c, s in cands if s is not None]
        if known:
            out.append(known[0])
        elif not cands:
            out.append(constant(np.int64(1)))
        else:
            res = cands[0][0]
            for c, _ in cands[1:]:
                res = switch(eq(res, 1), c, res)
            out.append(res)
    return tuple(out)


def transpose(x, axes=None):
    """Permute the axes of ``x`` (reverse them when ``axes`` is None), as NumPy."""
    x = as_tensor_variable(x)
    nd = x.type.ndim
    if axes is None:
        axes = tuple(range(nd))[::-1]
    axes = tuple(int(a) for a in axes)
    if len(axes) != nd or sorted(a % nd if nd else a for a in axes) != list(range(nd)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {nd} axes of {x.type}")
    return DimShuffle(nd, [a % nd for a in axes])(x)


__all__.append("transpose")


def _axis(a, ndim, what):
    return normalize_axis(a, ndim, what)[0]


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
# Hooks of the floors below, which build the ops above
# ---------------------------------------------------------------------------


def _elemwise_infer_shape(self, fgraph, node, input_shapes):
    return [broadcast_shape_symbolic(input_shapes, [i.type.shape for i in node.inputs])] * len(node.outputs)


def _convert_variable(self, var):
    """``var`` as a variable of this type: itself when this type holds its
    values, ``specify_shape(var, shape)`` when its type is wider (the static
    shape is checked at run time), else None."""
    if var.type == self:
        return var
    if self.is_super(var.type):
        return var
    ot = var.type
    if isinstance(ot, TensorType) and ot.is_super(self):
        return specify_shape(var, self.shape)
    return None


Elemwise.infer_shape = _elemwise_infer_shape
TensorType.convert_variable = _convert_variable
# as_tensor_variable(x, ndim=...) of a variable of fewer dimensions
register_conversion("pad_left", shape_padleft)

