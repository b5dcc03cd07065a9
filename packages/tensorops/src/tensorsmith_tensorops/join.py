"""Joining and splitting: ``join``/``concatenate``, ``stack``, ``split``,
``horizontal_stack``/``vertical_stack`` (``hstack``/``vstack``), ``dstack``
and ``column_stack``.  Result dtypes follow NumPy's promotion of the inputs
(Python scalars adapt to the other operands, as everywhere in tensorsmith)."""
import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op, Variable

from .basic import as_tensor_variable, register_conversion, resolve_weak
from .math import add, cast, zeros_like
from .shape import (
    DimShuffle, _fmt, _static_entries, atleast_2d, atleast_3d, int_vector, normalize_axis, shape_i,
)
from .type import TensorType

__all__ = ["Join", "Split", "join", "concatenate", "stack", "split", "horizontal_stack",
           "vertical_stack", "hstack", "vstack", "dstack", "column_stack"]


def _int_axis(axis, what):
    """A Python int from ``axis`` (an int, or a constant integer scalar)."""
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{what}: axis must be an integer, got {axis!r}")
    if isinstance(axis, (int, np.integer)):
        return int(axis)
    if isinstance(axis, Constant) and np.ndim(axis.data) == 0 and np.asarray(axis.data).dtype.kind in "iu":
        return int(axis.data)
    if isinstance(axis, Variable):
        raise TypeError(f"{what}: the axis must be known when the graph is built (an int), got {axis}")
    raise TypeError(f"{what}: axis must be an integer, got {type(axis).__name__} {axis!r}")


class Join(Op):
    """Concatenate tensors of the same number of dimensions along ``axis``."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, *tensors):
        if not tensors:
            raise ValueError("join: need at least one tensor to join")
        tensors = _resolve(tensors)
        nd = tensors[0].type.ndim
        if nd == 0:
            raise ValueError("join: zero-dimensional tensors cannot be concatenated (use stack)")
        for t in tensors[1:]:
            if t.type.ndim != nd:
                raise ValueError(
                    "join: all tensors must have the same number of dimensions, got "
                    + ", ".join(str(u.type) for u in tensors))
        if not 0 <= self.axis < nd:
            raise ValueError(f"join: axis {self.axis} is out of range for tensors of {nd} dimensions")
        dtype = np.result_type(*[t.type.numpy_dtype for t in tensors]).name
        shape = []
        for k in range(nd):
            lens = [t.type.shape[k] for t in tensors]
            if k == self.axis:
                shape.append(None if None in lens else sum(lens))
                continue
            known = {n for n in lens if n is not None}
            if len(known) > 1:
                raise ValueError(
                    f"join: all tensors must have the same length along axis {k} (all but the join axis "
                    f"{self.axis}), got shapes " + ", ".join(_fmt(t.type.shape) for t in tensors))
            shape.append(known.pop() if known else None)
        return Apply(self, list(tensors), [TensorType(dtype, tuple(shape)).make_variable()])

    def perform(self, node, inputs, output_storage):
        dtype = node.outputs[0].type.dtype
        try:
            res = np.concatenate(inputs, axis=self.axis, dtype=dtype, casting="unsafe")
        except ValueError as e:
            shapes = ", ".join(str(np.shape(a)) for a in inputs)
            raise ValueError(f"Join{{axis={self.axis}}}: cannot join arrays of shapes {shapes} ({e})") from None
        output_storage[0][0] = res

    def infer_shape(self, fgraph, node, input_shapes):
        shp = list(input_shapes[0])
        shp[self.axis] = add(*[s[self.axis] for s in input_shapes]) if len(input_shapes) > 1 else shp[self.axis]
        return [tuple(shp)]


@register_grad(Join)
def _join_grad(op, node, inputs, output_grads):
    g = output_grads[0]
    if not any(t.type.differentiable for t in inputs):
        return [disconnected] * len(inputs)
    sizes = int_vector([shape_i(t, op.axis) for t in inputs])
    parts = Split(len(inputs), op.axis)(g, sizes)
    if len(inputs) == 1:
        parts = [parts]
    res = []
    for t, p in zip(inputs, parts):
        if not t.type.differentiable:
            res.append(disconnected)
        else:
            res.append(p if p.type.dtype == t.type.dtype else cast(p, t.type.dtype))
    return res


@register_jvp(Join)
def _join_jvp(op, node, inputs, tangents):
    if all(t is None for t in tangents):
        return [None]
    dtype = node.outputs[0].type.dtype
    ts = [cast(zeros_like(x) if t is None else t, dtype) for x, t in zip(inputs, tangents)]
    return [op(*ts)]


class Split(Op):
    """Split ``x`` along ``axis`` into ``n_splits`` pieces of the lengths in
    the integer vector ``splits`` (which must add up to the axis length)."""

    __props__ = ("n_splits", "axis")

    def __init__(self, n_splits, axis):
        self.n_splits = int(n_splits)
        self.axis = int(axis)

    def make_node(self, x, splits):
        x = as_tensor_variable(x)
        splits = as_tensor_variable(splits)
        if self.n_splits < 1:
            raise ValueError(f"split: n_splits must be at least 1, got {self.n_splits}")
        if splits.type.ndim != 1 or splits.type.dtype[:3] not in ("int", "uin"):
            raise TypeError(f"split: the split sizes must be an integer vector, got {splits.type}")
        if splits.type.shape[0] is not None and splits.type.shape[0] != self.n_splits:
            raise ValueError(f"split: {splits.type.shape[0]} split sizes given for n_splits={self.n_splits}")
        nd = x.type.ndim
        if not 0 <= self.axis < nd:
            raise ValueError(f"split: axis {self.axis} is out of range for {x.type}")
        vals = _static_entries(splits)
        if vals is None:
            vals = [None] * self.n_splits
        if any(v is not None and v < 0 for v in vals):
            raise ValueError(f"split: split sizes must be non-negative, got {_fmt(vals)}")
        n = x.type.shape[self.axis]
        if n is not None and None not in vals and sum(vals) != n:
            raise ValueError(f"split: the split sizes {_fmt(vals)} add up to {sum(vals)}, but axis {self.axis} "
                             f"of {x.type} has length {n}")
        outs = []
        for v in vals:
            shp = list(x.type.shape)
            shp[self.axis] = v
            outs.append(TensorType(x.type.dtype, tuple(shp)).make_variable())
        return Apply(self, [x, splits], outs)

    def perform(self, node, inputs, output_storage):
        x, splits = inputs
        splits = np.asarray(splits)
        n = x.shape[self.axis]
        if splits.shape != (self.n_splits,) or (splits < 0).any() or int(splits.sum()) != n:
            raise ValueError(f"Split{{n_splits={self.n_splits}, axis={self.axis}}}: split sizes {splits.tolist()} "
                             f"do not add up to the length {n} of axis {self.axis} of x with shape {x.shape} "
                             f"(or are negative, or not {self.n_splits})")
        pieces = np.split(x, np.cumsum(splits)[:-1], axis=self.axis)
        for k, p in enumerate(pieces):
            output_storage[k][0] = p

    def connection_pattern(self, node):
        return [[True] * self.n_splits, [False] * self.n_splits]

    def infer_shape(self, fgraph, node, input_shapes):
        res = []
        for k, o in enumerate(node.outputs):
            shp = list(input_shapes[0])
            shp[self.axis] = node.inputs[1][k]
            res.append(tuple(shp))
        return res


@register_grad(Split)
def _split_grad(op, node, inputs, output_grads):
    x = inputs[0]
    if not x.type.differentiable:
        return [disconnected, disconnected]
    g = output_grads[0] if len(output_grads) == 1 else Join(op.axis)(*output_grads)
    if g.type.dtype != x.type.dtype:
        g = cast(g, x.type.dtype)
    return [g, disconnected]


@register_jvp(Split)
def _split_jvp(op, node, inputs, tangents):
    t = tangents[0]
    if t is None:
        return [None] * op.n_splits
    res = op(t, inputs[1])
    return res if isinstance(res, list) else [res]


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


def _tensor_list(tensors, what):
    if isinstance(tensors, Variable) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if len(tensors) == 0:
        raise ValueError(f"{what}: need at least one tensor")
    return _resolve(tensors)


def _resolve(tensors):
    """Python scalars take the dtype of the other operands (a Python int that
    does not fit in it stays int64 and promotes, as NumPy's stack does)."""
    tensors = [as_tensor_variable(t) for t in tensors]
    try:
        return resolve_weak(tensors)
    except OverflowError:
        return tensors


def join(axis, *tensors_list):
    """Concatenate ``tensors_list`` along ``axis`` (negative counts from the end)."""
    axis = _int_axis(axis, "join")
    if len(tensors_list) == 1 and isinstance(tensors_list[0], (list, tuple)):
        tensors_list = tuple(tensors_list[0])
    tensors = _tensor_list(list(tensors_list), "join")
    nd = tensors[0].type.ndim
    if nd == 0:
        raise ValueError("join: zero-dimensional tensors cannot be concatenated (use stack)")
    axis = normalize_axis(axis, nd, "join")[0]
    if len(tensors) == 1:
        return tensors[0]
    return Join(axis)(*tensors)


def concatenate(tensor_list, axis=0):
    """``numpy.concatenate``: join the tensors of ``tensor_list`` along ``axis``."""
    if not isinstance(tensor_list, (list, tuple)):
        raise TypeError("concatenate: the first argument must be a list or tuple of tensors "
                        f"(got {type(tensor_list).__name__}); did you mean join(axis, *tensors)?")
    return join(axis, *tensor_list)


def stack(tensors, axis=0):
    """``numpy.stack``: join tensors of one shape along a new axis ``axis``."""
    tensors = _tensor_list(tensors, "stack")
    nd = tensors[0].type.ndim
    for t in tensors[1:]:
        if t.type.ndim != nd:
            raise ValueError("stack: all tensors must have the same number of dimensions, got "
                             + ", ".join(str(u.type) for u in tensors))
    for k in range(nd):
        if len({t.type.shape[k] for t in tensors} - {None}) > 1:
            raise ValueError("stack: all tensors must have the same shape, got shapes "
                             + ", ".join(_fmt(t.type.shape) for t in tensors))
    axis = normalize_axis(_int_axis(axis, "stack"), nd + 1, "stack")[0]
    order = list(range(nd))
    order.insert(axis, "x")
    expanded = [DimShuffle(nd, order)(t) for t in tensors]
    if len(expanded) == 1:
        return expanded[0]
    return Join(axis)(*expanded)


def split(x, splits_size, n_splits, axis=0):
    """Split ``x`` along ``axis`` into ``n_splits`` pieces of lengths
    ``splits_size`` (a list or integer vector adding up to the axis length).
    Returns the list of pieces (the piece itself when ``n_splits`` is 1, as PyTensor)."""
    x = as_tensor_variable(x)
    axis = normalize_axis(_int_axis(axis, "split"), x.type.ndim, "split")[0]
    if isinstance(splits_size, (list, tuple)):
        if len(splits_size) != n_splits:
            raise ValueError(f"split: {len(splits_size)} split sizes given for n_splits={n_splits}")
        splits_size = int_vector(list(splits_size))
    return Split(n_splits, axis)(x, splits_size)


def _atleast(t, nd):
    return atleast_2d(t) if nd == 2 else atleast_3d(t)


def horizontal_stack(*args):
    """Stack tensors column-wise (``numpy.hstack``): along axis 1, or axis 0 for vectors."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    tensors = _tensor_list(list(args), "horizontal_stack")
    tensors = [DimShuffle(0, ["x"])(t) if t.type.ndim == 0 else t for t in tensors]
    return join(0 if tensors[0].type.ndim == 1 else 1, *tensors)


def vertical_stack(*args):
    """Stack tensors row-wise (``numpy.vstack``): vectors become rows, then join along axis 0."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    tensors = _tensor_list(list(args), "vertical_stack")
    return join(0, *[_atleast(t, 2) for t in tensors])


def hstack(tup):
    """``numpy.hstack`` (a sequence of tensors)."""
    return horizontal_stack(*_tensor_list(tup, "hstack"))


def vstack(tup):
    """``numpy.vstack`` (a sequence of tensors)."""
    return vertical_stack(*_tensor_list(tup, "vstack"))


def dstack(tup):
    """``numpy.dstack``: stack along the third axis (inputs made at least 3-d)."""
    return join(2, *[_atleast(t, 3) for t in _tensor_list(tup, "dstack")])


def column_stack(tup):
    """``numpy.column_stack``: vectors become columns, then join along axis 1."""
    tensors = _tensor_list(tup, "column_stack")
    cols = []
    for t in tensors:
        if t.type.ndim < 2:
            t = DimShuffle(t.type.ndim, ([0] if t.type.ndim == 1 else ["x"]) + ["x"])(t)
        cols.append(t)
    return join(1, *cols)


# as_tensor_variable of a list or tuple holding variables
register_conversion("stack", stack)
