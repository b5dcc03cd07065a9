"""Indexing with NumPy semantics: ``x[idx]`` (``subtensor``), ``set_subtensor``
and ``inc_subtensor``, ``take`` and ``take_along_axis``; the diagonals
(``diagonal``, ``diag``, ``trace``, ``fill_diagonal``: the ``ExtractDiag`` and
``SetDiag`` ops) and the conversions between flat and multi-dimensional
indices (``unravel_index``, ``ravel_multi_index``).

An index is stored in the op as ``idx_list``, a tuple of entries, one per
component of the (Ellipsis-expanded) NumPy index:

* ``("i", v)``: an integer index; ``v`` an int, or ``"$"`` for the next
  symbolic input (an integer scalar);
* ``("s", start, stop, step)``: a slice; each part None (absent), an int, or
  ``"$"`` for the next symbolic input;
* ``("n",)``: a new axis (``None`` / ``np.newaxis``);
* ``("a",)``: an advanced index from the next input: an integer array, or a
  boolean mask consuming as many axes as it has dimensions.

``Subtensor`` (basic indexing; its result is a view) and ``IncSubtensor``
hold no ``("a",)`` entry; ``AdvancedSubtensor`` and ``AdvancedIncSubtensor``
hold at least one.  Where the advanced axes go follows NumPy: integers count
as advanced indices next to arrays; when all advanced indices are adjacent
their broadcast shape takes their place, otherwise it comes first."""
import numpy as np
from tensorsmith_autodiff import disconnected, mark_not_differentiable, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Constant, Op, Variable

from .basic import as_tensor_variable, constant, resolve_weak
from .creation import alloc, arange
from .elemwise import broadcast_static_shape
from .math import add, cast, floor_div, lt, maximum, minimum, mod, neg, sub, switch, zeros_like
from .reduction import SumToShape, sum as _sum, sum_to_shape
from .shape import (
    DimShuffle, _fmt as _fmt_shape, broadcast_shape_symbolic, int_vector, normalize_axis, reshape, shape_i,
    shape_to_scalars, static_int,
)
from .type import TensorType

__all__ = ["Subtensor", "AdvancedSubtensor", "IncSubtensor", "AdvancedIncSubtensor", "subtensor",
           "set_subtensor", "inc_subtensor", "take", "take_along_axis", "advanced_subtensor1",
           "advanced_inc_subtensor1", "advanced_set_subtensor1", "slice_at_axis", "ExtractDiag", "SetDiag",
           "diag", "diagonal", "trace", "fill_diagonal", "fill_diagonal_offset", "UnravelIndex",
           "unravel_index", "RavelMultiIndex", "ravel_multi_index"]

SYM = "$"


# ---------------------------------------------------------------------------
# Parsing a Python index
# ---------------------------------------------------------------------------


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _describe(v):
    if isinstance(v, Variable):
        return f"{v} of type {v.type}"
    return f"{type(v).__name__} {v!r}"


def _scalar_part(v, what):
    """One part of a slice (start/stop/step): None, an int, or a symbolic
    integer scalar; returns (entry, input or None)."""
    if v is None:
        return None, None
    if _is_int(v):
        return int(v), None
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"slice {what} must be an integer or None, got the bool {v!r}")
    if isinstance(v, (float, np.floating, complex)):
        raise TypeError(f"slice {what} must be an integer or None, got {_describe(v)}")
    v = as_tensor_variable(v)
    if v.type.ndim != 0 or v.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"slice {what} must be an integer scalar or None, got {_describe(v)}")
    s = static_int(v) if isinstance(v, Constant) else None
    if s is not None:
        return s, None
    return SYM, v


def _parse_index(x, idx):
    """``idx`` (anything ``x[idx]`` accepts) as ``(idx_list, inputs)``;
    raises IndexError/TypeError as NumPy would at build time."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    comps = []  # (kind, payload) before Ellipsis expansion
    consumed = 0
    n_ellipsis = 0
    for c in idx:
        if c is None:
            comps.append(("n", None))
        elif c is Ellipsis:
            n_ellipsis += 1
            if n_ellipsis > 1:
                raise IndexError("an index can only have a single ellipsis ('...')")
            comps.append(("e", None))
        elif isinstance(c, slice):
            parts = [_scalar_part(getattr(c, p), p) for p in ("start", "stop", "step")]
            if parts[2][0] == 0:
                raise ValueError("slice step cannot be zero")
            comps.append(("s", parts))
            consumed += 1
        elif _is_int(c):
            comps.append(("i", (int(c), None)))
            consumed += 1
        elif isinstance(c, (bool, np.bool_)):
            comps.append(("a", constant(np.asarray(bool(c)))))
        elif isinstance(c, (float, np.floating, complex, np.complexfloating)):
            raise TypeError(f"only integers, slices, None, Ellipsis, and integer or boolean arrays are "
                            f"valid indices; got {_describe(c)}")
        elif isinstance(c, (str, bytes, dict, set)):
            raise TypeError(f"{_describe(c)} is not a valid index")
        else:
            if isinstance(c, (list, tuple)) and len(c) == 0:
                v = constant(np.zeros((0,), dtype="int64"))
            else:
                try:
                    v = as_tensor_variable(c)
                except (TypeError, ValueError) as e:
                    raise TypeError(f"{_describe(c)} is not a valid index ({e})") from None
            dt = v.type.dtype
            if dt == "bool":
                comps.append(("a", v))
                consumed += v.type.ndim
            elif dt[:3] in ("int", "uin"):
                if v.type.ndim == 0:
                    s = static_int(v) if isinstance(v, Constant) else None
                    comps.append(("i", (s, None) if s is not None else (SYM, v)))
                else:
                    comps.append(("a", v))
                consumed += 1
            else:
                raise TypeError(f"only integers, slices, None, Ellipsis, and integer or boolean arrays are "
                                f"valid indices; got {_describe(c)}")
    nd = x.type.ndim
    if consumed > nd:
        raise IndexError(f"too many indices for array: array is {nd}-dimensional, but {consumed} were indexed "
                         f"(indexing {x.type})")
    idx_list = []
    inputs = []
    for kind, p in comps:
        if kind == "n":
            idx_list.append(("n",))
        elif kind == "e":
            idx_list.extend([("s", None, None, None)] * (nd - consumed))
        elif kind == "s":
            idx_list.append(("s",) + tuple(e for e, _ in p))
            inputs.extend(v for _, v in p if v is not None)
        elif kind == "i":
            idx_list.append(("i", p[0]))
            if p[1] is not None:
                inputs.append(p[1])
        else:
            idx_list.append(("a",))
            inputs.append(p)
    return tuple(idx_list), inputs


def _is_advanced(idx_list):
    return any(e[0] == "a" for e in idx_list)


# ---------------------------------------------------------------------------
# Static shape of an indexed array
# ---------------------------------------------------------------------------


def _check_input_count(op, idx_list, idx_inputs):
    need = 0
    for e in idx_list:
        if e[0] == "a":
            need += 1
        else:
            need += sum(1 for p in e[1:] if p == SYM)
    if need != len(idx_inputs):
        raise TypeError(f"{op}: expected {need} index inputs, got {len(idx_inputs)}")


def _indexed_static_shape(xtype, idx_list, idx_inputs):
    """The static shape of ``x[idx]``; raises IndexError for constant indices
    out of range of a known length and for mask/axis mismatches."""
    xshape = xtype.shape
    nd = len(xshape)
    advanced = _is_advanced(idx_list)
    it = iter(idx_inputs)
    out = []
    adv_shapes = []
    adv_slot = None
    adjacent = True
    prev_adv = False
    pos = 0
    for e in idx_list:
        kind = e[0]
        is_adv = kind == "a" or (advanced and kind == "i")
        if is_adv:
            if adv_slot is None:
                adv_slot = len(out)
                out.append(None)
            elif not prev_adv:
                adjacent = False
        prev_adv = is_adv
        if kind == "n":
            out.append(1)
            continue
        if kind == "i":
            v = e[1]
            if v == SYM:
                var = next(it)
                if var.type.ndim != 0 or var.type.dtype[:3] not in ("int", "uin"):
                    raise TypeError(f"an integer index must be an integer scalar, got {var.type}")
                v = static_int(var)
            n = xshape[pos]
            if v is not None and n is not None and not -n <= v < n:
                raise IndexError(f"index {v} is out of bounds for axis {pos} with size {n} (indexing {xtype})")
            pos += 1
            if advanced:
                adv_shapes.append(())
            continue
        if kind == "s":
            parts = []
            for p in e[1:]:
                if p == SYM:
                    var = next(it)
                    if var.type.ndim != 0 or var.type.dtype[:3] not in ("int", "uin"):
                        raise TypeError(f"a slice bound must be an integer scalar, got {var.type}")
                    parts.append(static_int(var))
                    if parts[-1] is None:
                        parts[-1] = SYM
                else:
                    parts.append(p)
            n = xshape[pos]
            pos += 1
            if parts[2] == 0:
                raise ValueError("slice step cannot be zero")
            if n is None or SYM in parts:
                out.append(None)
            else:
                out.append(len(range(*slice(*parts).indices(n))))
            continue
        # advanced array
        var = next(it)
        if not isinstance(var, Variable) or not isinstance(var.type, TensorType):
            raise TypeError(f"an advanced index must be a tensor, got {var!r}")
        if var.type.dtype == "bool":
            k = var.type.ndim
            if pos + k > nd:
                raise IndexError(f"too many indices for array: array is {nd}-dimensional, but the boolean "
                                 f"index {var.type} needs {pos + k}")
            for j in range(k):
                a, b = var.type.shape[j], xshape[pos + j]
                if a is not None and b is not None and a != b:
                    raise IndexError(f"boolean index did not match indexed array along axis {pos + j}; "
                                     f"size of axis is {b} but size of corresponding boolean axis is {a}")
            pos += k
            count = int(np.count_nonzero(var.data)) if isinstance(var, Constant) else None
            adv_shapes.append((count,))
        elif var.type.dtype[:3] in ("int", "uin"):
            n = xshape[pos] if pos < nd else None
            if pos >= nd:
                raise IndexError(f"too many indices for array: array is {nd}-dimensional")
            if isinstance(var, Constant) and n is not None and var.data.size:
                lo, hi = int(var.data.min()), int(var.data.max())
                if lo < -n or hi >= n:
                    bad = hi if hi >= n else lo
                    raise IndexError(f"index {bad} is out of bounds for axis {pos} with size {n} "
                                     f"(indexing {xtype})")
            pos += 1
            adv_shapes.append(var.type.shape)
        else:
            raise TypeError(f"an array index must have an integer or bool dtype, got {var.type}")
    if pos > nd:
        raise IndexError(f"too many indices for array: array is {nd}-dimensional, but {pos} were indexed")
    out.extend(xshape[pos:])
    if adv_slot is not None:
        try:
            b = broadcast_static_shape(adv_shapes, "index arrays")
        except ValueError as err:
            raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together ({err})") from None
        del out[adv_slot]
        if adjacent:
            out[adv_slot:adv_slot] = list(b)
        else:
            out[0:0] = list(b)
    return tuple(out)


def _numpy_index(idx_list, idx_inputs):
    """The NumPy index tuple for the run-time values of the index inputs."""
    it = iter(idx_inputs)
    res = []
    for e in idx_list:
        kind = e[0]
        if kind == "n":
            res.append(None)
        elif kind == "i":
            res.append(int(next(it)) if e[1] == SYM else e[1])
        elif kind == "s":
            res.append(slice(*[int(next(it)) if p == SYM else p for p in e[1:]]))
        else:
            res.append(next(it))
    return tuple(res)


def _index_str(idx_list):
    parts = []
    for e in idx_list:
        kind = e[0]
        if kind == "n":
            parts.append("None")
        elif kind == "i":
            parts.append("i" if e[1] == SYM else str(e[1]))
        elif kind == "s":
            a, b, c = ("" if p is None else ("?" if p == SYM else str(p)) for p in e[1:])
            parts.append(f"{a}:{b}" + (f":{c}" if c else ""))
        else:
            parts.append("array")
    return ", ".join(parts)


def _run_index(op, x, index, fn):
    try:
        return fn(index)
    except (IndexError, ValueError) as err:
        shapes = [getattr(i, "shape", None) for i in index if isinstance(i, np.ndarray)]
        extra = f", index array shapes {shapes}" if shapes else ""
        raise type(err)(f"{op}: {err} (x has shape {x.shape}{extra})") from None


# ---------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------


class _IndexOp(Op):
    __props__ = ("idx_list",)

    def __init__(self, idx_list):
        self.idx_list = tuple(tuple(e) for e in idx_list)

    def __str__(self):
        return f"{type(self).__name__}{{{_index_str(self.idx_list)}}}"

    def _check_kind(self):
        if _is_advanced(self.idx_list) != self._advanced:
            raise TypeError(f"{self}: {'an' if self._advanced else 'no'} advanced index expected")


class _ReadOp(_IndexOp):
    """Shared by Subtensor and AdvancedSubtensor: ``x[idx]``."""

    def make_node(self, x, *idx_inputs):
        self._check_kind()
        x = as_tensor_variable(x)
        idx_inputs = [as_tensor_variable(i) for i in idx_inputs]
        _check_input_count(self, self.idx_list, idx_inputs)
        shape = _indexed_static_shape(x.type, self.idx_list, idx_inputs)
        return Apply(self, [x] + idx_inputs, [TensorType(x.type.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        index = _numpy_index(self.idx_list, inputs[1:])
        output_storage[0][0] = np.asarray(_run_index(self, x, index, x.__getitem__))

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def infer_shape(self, fgraph, node, input_shapes):
        return [_symbolic_index_shape(node, input_shapes[0])]


class Subtensor(_ReadOp):
    """Basic indexing ``x[idx]`` (ints, slices, new axes); the result is a view of ``x``."""

    _advanced = False


class AdvancedSubtensor(_ReadOp):
    """Indexing with integer arrays and/or boolean masks (NumPy advanced
    indexing), mixed with ints, slices and new axes; the result is a copy."""

    _advanced = True


class _IncOp(_IndexOp):
    """Shared by IncSubtensor and AdvancedIncSubtensor: ``x`` with ``y``
    written into (``set_instead_of_inc``) or added onto ``x[idx]``."""

    def make_node(self, x, y, *idx_inputs):
        self._check_kind()
        x = as_tensor_variable(x)
        x, y = resolve_weak([x, as_tensor_variable(y)])
        idx_inputs = [as_tensor_variable(i) for i in idx_inputs]
        _check_input_count(self, self.idx_list, idx_inputs)
        sub_shape = _indexed_static_shape(x.type, self.idx_list, idx_inputs)
        what = "set_subtensor" if self.set_instead_of_inc else "inc_subtensor"
        if y.type.ndim > len(sub_shape):
            raise ValueError(f"{what}: the value {y.type} has more dimensions than x[{_index_str(self.idx_list)}] "
                             f"(shape {_fmt_shape(sub_shape)}, of {x.type})")
        for s_, ys in zip(sub_shape[len(sub_shape) - y.type.ndim:], y.type.shape):
            if ys is not None and ys != 1 and s_ is not None and ys != s_:
                raise ValueError(f"{what}: cannot broadcast the value {y.type} to the shape {_fmt_shape(sub_shape)} "
                                 f"of x[{_index_str(self.idx_list)}] (x is {x.type})")
        if not self.set_instead_of_inc and not np.can_cast(y.type.dtype, x.type.dtype, "same_kind"):
            raise TypeError(f"inc_subtensor: cannot add {y.type.dtype} values into {x.type} "
                            f"(NumPy's same_kind casting rule; cast the value explicitly)")
        if self.set_instead_of_inc and y.type.dtype[:7] == "complex" and x.type.dtype[:7] != "complex":
            raise TypeError(f"set_subtensor: cannot store complex values into {x.type}")
        return Apply(self, [x, y] + idx_inputs, [x.type.clone().make_variable()])

    def perform(self, node, inputs, output_storage):
        x, y = inputs[0], inputs[1]
        out = x.copy()
        index = _numpy_index(self.idx_list, inputs[2:])
        y = np.asarray(y)

        def write(ix):
            if self.set_instead_of_inc:
                out[ix] = y
            elif self._advanced and not getattr(self, "ignore_duplicates", False):
                np.add.at(out, ix, y.astype(out.dtype, casting="same_kind"))
            else:
                out[ix] += y

        _run_index(self, x, index, write)
        output_storage[0][0] = out

    def connection_pattern(self, node):
        return [[True], [True]] + [[False]] * (len(node.inputs) - 2)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


class IncSubtensor(_IncOp):
    """``x`` with ``x[idx]`` (basic indexing) set to / incremented by ``y``."""

    __props__ = ("idx_list", "set_instead_of_inc")
    _advanced = False

    def __init__(self, idx_list, set_instead_of_inc=False):
        super().__init__(idx_list)
        self.set_instead_of_inc = bool(set_instead_of_inc)

    def __str__(self):
        name = "SetSubtensor" if self.set_instead_of_inc else "IncSubtensor"
        return f"{name}{{{_index_str(self.idx_list)}}}"


class AdvancedIncSubtensor(_IncOp):
    """``x`` with ``x[idx]`` (advanced indexing) set to / incremented by
    ``y``.  Increments at repeated indices accumulate (``np.add.at``) unless
    ``ignore_duplicates``; a set at repeated indices keeps the last value."""

    __props__ = ("idx_list", "set_instead_of_inc", "ignore_duplicates")
    _advanced = True

    def __init__(self, idx_list, set_instead_of_inc=False, ignore_duplicates=False):
        super().__init__(idx_list)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        self.ignore_duplicates = bool(ignore_duplicates)

    def __str__(self):
        name = "AdvancedSetSubtensor" if self.set_instead_of_inc else "AdvancedIncSubtensor"
        return f"{name}{{{_index_str(self.idx_list)}}}"


class LastWriteMask(_IndexOp):
    """For ``set_subtensor`` at advanced indices: a bool array shaped like
    ``x[idx]``, True where that element is the one whose value the write
    keeps (at repeated positions only the last one survives).  ``x`` is used
    for its shape only."""

    _advanced = True

    def make_node(self, x, *idx_inputs):
        self._check_kind()
        x = as_tensor_variable(x)
        idx_inputs = [as_tensor_variable(i) for i in idx_inputs]
        _check_input_count(self, self.idx_list, idx_inputs)
        shape = _indexed_static_shape(x.type, self.idx_list, idx_inputs)
        return Apply(self, [x] + idx_inputs, [TensorType("bool", shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        index = _numpy_index(self.idx_list, inputs[1:])
        owner = np.full(np.shape(x), -1, dtype=np.intp)

        def mask(ix):
            sub_shape = owner[ix].shape
            ids = np.arange(int(np.prod(sub_shape)), dtype=np.intp).reshape(sub_shape)
            owner[ix] = ids  # the same writes as the set, so the same survivors
            return owner[ix] == ids

        output_storage[0][0] = _run_index(self, x, index, mask)

    def infer_shape(self, fgraph, node, input_shapes):
        return [_symbolic_index_shape(node, input_shapes[0])]


mark_not_differentiable(LastWriteMask)


def _may_repeat(op, idx_inputs):
    """Whether an advanced index may reach one position twice (it has an
    integer array that is not a constant without repeats)."""
    it = iter(idx_inputs)
    for e in op.idx_list:
        if e[0] == "a":
            v = next(it)
            if v.type.dtype != "bool":
                if not isinstance(v, Constant):
                    return True
                d = v.data.astype(np.int64)  # -1 and n-1 are one position: mixed signs may repeat
                if len(np.unique(d)) != d.size or (d.size and d.min() < 0 <= d.max()):
                    return True
        else:
            for p in e[1:]:
                if p == SYM:
                    next(it)
    return False


def _slice_length(parts, n):
    """Symbolic length of ``slice(*parts)`` over an axis of length ``n``
    (``len(range(*slice.indices(n)))``); parts are None, ints or int scalars."""
    start, stop, step = parts
    if start is None and stop is None and (step is None or step == 1 and not isinstance(step, Variable)):
        return n
    zero = constant(np.int64(0))
    one = constant(np.int64(1))
    n = _as_int64(as_tensor_variable(n))
    step_v = one if step is None else _as_int64(as_tensor_variable(step))
    neg_step = lt(step_v, zero)

    def norm(b, default_pos, default_neg):
        if b is None:
            return switch(neg_step, default_neg, default_pos)
        b = _as_int64(as_tensor_variable(b))
        b = switch(lt(b, zero), add(b, n), b)
        # clipped to [0, n] for a positive step, to [-1, n-1] for a negative one
        lo = switch(neg_step, neg(one), zero)
        hi = switch(neg_step, sub(n, one), n)
        return minimum(maximum(b, lo), hi)

    a = norm(start, zero, sub(n, one))
    b = norm(stop, n, neg(one))
    span = switch(neg_step, sub(a, b), sub(b, a))
    mag = switch(neg_step, neg(step_v), step_v)
    return maximum(floor_div(add(span, sub(mag, one)), mag), zero)


def _symbolic_index_shape(node, xshape):
    """Symbolic output shape of an indexing node (int64 scalars): the same
    walk as ``_indexed_static_shape``, with static lengths used where known."""
    op = node.op
    advanced = _is_advanced(op.idx_list)
    it = iter(node.inputs[1:])
    one = constant(np.int64(1))
    out, adv_shapes, adv_static = [], [], []
    adv_slot = None
    adjacent = True
    prev_adv = False
    pos = 0
    for e in op.idx_list:
        kind = e[0]
        is_adv = kind == "a" or (advanced and kind == "i")
        if is_adv:
            if adv_slot is None:
                adv_slot = len(out)
                out.append(None)
            elif not prev_adv:
                adjacent = False
        prev_adv = is_adv
        if kind == "n":
            out.append(one)
        elif kind == "i":
            if e[1] == SYM:
                next(it)
            pos += 1
            if advanced:
                adv_shapes.append(())
                adv_static.append(())
        elif kind == "s":
            parts = [next(it) if p == SYM else p for p in e[1:]]
            out.append(_slice_length(parts, xshape[pos]))
            pos += 1
        else:
            var = next(it)
            if var.type.dtype == "bool":
                pos += var.type.ndim
                adv_shapes.append((_sum(var, dtype="int64"),))
                adv_static.append((None,))
            else:
                pos += 1
                adv_shapes.append(tuple(shape_i(var, k) for k in range(var.type.ndim)))
                adv_static.append(var.type.shape)
    out.extend(xshape[pos:])
    if adv_slot is not None:
        b = list(broadcast_shape_symbolic(adv_shapes, adv_static)) if any(adv_shapes) else []
        del out[adv_slot]
        if adjacent:
            out[adv_slot:adv_slot] = b
        else:
            out[0:0] = b
    static = node.outputs[0].type.shape
    return tuple(constant(np.int64(s)) if s is not None else v for s, v in zip(static, out))


def _as_int64(v):
    return v if v.type.dtype == "int64" else cast(v, "int64")


# ---------------------------------------------------------------------------
# Gradients and tangents
# ---------------------------------------------------------------------------


def _sub_op(inc_op):
    return (AdvancedSubtensor if inc_op._advanced else Subtensor)(inc_op.idx_list)


def _inc_op(sub_op, set_instead_of_inc=False):
    if sub_op._advanced:
        return AdvancedIncSubtensor(sub_op.idx_list, set_instead_of_inc)
    return IncSubtensor(sub_op.idx_list, set_instead_of_inc)


def _sum_to_value_shape(g, y):
    """``g`` (shaped as ``x[idx]``) summed to the shape of the value ``y``
    that was broadcast into it; decided at run time unless the static shapes
    settle it (an unknown length of ``y`` may be a broadcast 1)."""
    gs, ys = g.type.shape, y.type.shape
    if gs == ys and None not in ys:
        return g
    if None not in ys and None not in gs[len(gs) - len(ys):]:
        return sum_to_shape(g, y)
    return SumToShape()(g, y)


def _zeros_of(x):
    return zeros_like(x)


@register_grad(Subtensor)
@register_grad(AdvancedSubtensor)
def _subtensor_grad(op, node, inputs, output_grads):
    x = inputs[0]
    g = output_grads[0]
    rest = [disconnected] * (len(inputs) - 1)
    if not x.type.differentiable:
        return [disconnected] + rest
    if g.type.dtype != x.type.dtype:
        g = cast(g, x.type.dtype)
    return [_inc_op(op)(_zeros_of(x), g, *inputs[1:])] + rest


@register_jvp(Subtensor)
@register_jvp(AdvancedSubtensor)
def _subtensor_jvp(op, node, inputs, tangents):
    t = tangents[0]
    return [None if t is None else op(t, *inputs[1:])]


@register_grad(IncSubtensor)
@register_grad(AdvancedIncSubtensor)
def _inc_subtensor_grad(op, node, inputs, output_grads):
    x, y = inputs[0], inputs[1]
    idx = inputs[2:]
    g = output_grads[0]
    if x.type.differentiable:
        if op.set_instead_of_inc:
            gx = _inc_op(_sub_op(op), True)(g, constant(np.zeros((), dtype=g.type.dtype)), *idx)
        else:
            gx = g
        if gx.type.dtype != x.type.dtype:
            gx = cast(gx, x.type.dtype)
    else:
        gx = disconnected
    if y.type.differentiable:
        gy = _sub_op(op)(g, *idx)
        if op.set_instead_of_inc and op._advanced and _may_repeat(op, idx):
            gy = switch(LastWriteMask(op.idx_list)(x, *idx), gy, constant(np.zeros((), dtype=gy.type.dtype)))
        gy = _sum_to_value_shape(gy, y)
        if gy.type.dtype != y.type.dtype:
            gy = cast(gy, y.type.dtype)
    else:
        gy = disconnected
    return [gx, gy] + [disconnected] * len(idx)


@register_jvp(IncSubtensor)
@register_jvp(AdvancedIncSubtensor)
def _inc_subtensor_jvp(op, node, inputs, tangents):
    tx, ty = tangents[0], tangents[1]
    if tx is None and ty is None:
        return [None]
    x, y = inputs[0], inputs[1]
    out_dtype = node.outputs[0].type.dtype
    if tx is None:
        tx = _zeros_of(x)
    if ty is None:
        ty = _zeros_of(y)
    tx = cast(tx, out_dtype)
    ty = cast(ty, out_dtype)
    return [op(tx, ty, *inputs[2:])]


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


def subtensor(x, idx):
    """``x[idx]`` with NumPy semantics (what ``TensorVariable.__getitem__`` calls)."""
    x = as_tensor_variable(x)
    idx_list, inputs = _parse_index(x, idx)
    op = (AdvancedSubtensor if _is_advanced(idx_list) else Subtensor)(idx_list)
    return op(x, *inputs)


def index_vars(x_indexed):
    """``(x, idx_list, index inputs)`` of an indexed variable ``x[idx]``."""
    owner = getattr(x_indexed, "owner", None)
    if owner is None or not isinstance(owner.op, (Subtensor, AdvancedSubtensor)):
        raise TypeError(
            "set_subtensor/inc_subtensor: the first argument must be the result of indexing, "
            f"such as x[idx] (it says where to write), got {_describe(x_indexed)}")
    return owner.inputs[0], owner.op.idx_list, owner.inputs[1:]


def inc_subtensor(x, y, inplace=False, set_instead_of_inc=False, tolerate_inplace_aliasing=False,
                  ignore_duplicates=False):
    """The tensor indexed by ``x = a[idx]`` with ``y`` added at ``a[idx]``
    (set there instead when ``set_instead_of_inc``).  With advanced indices,
    increments at repeated positions accumulate unless ``ignore_duplicates``.
    ``inplace`` and ``tolerate_inplace_aliasing`` are accepted for
    compatibility (rewrites decide in-place execution)."""
    base, idx_list, idx_inputs = index_vars(x)
    if _is_advanced(idx_list):
        op = AdvancedIncSubtensor(idx_list, set_instead_of_inc, ignore_duplicates)
    else:
        op = IncSubtensor(idx_list, set_instead_of_inc)
    return op(base, y, *idx_inputs)


def set_subtensor(x, y, inplace=False, tolerate_inplace_aliasing=False):
    """The tensor indexed by ``x = a[idx]`` with ``a[idx]`` replaced by ``y``
    (broadcast); at repeated advanced indices the last value wins."""
    return inc_subtensor(x, y, inplace, set_instead_of_inc=True,
                         tolerate_inplace_aliasing=tolerate_inplace_aliasing)


def advanced_subtensor1(x, ilist):
    """``x[ilist]`` for an integer vector ``ilist``."""
    return subtensor(x, as_tensor_variable(ilist))


def advanced_inc_subtensor1(x, y, ilist):
    """``x`` with ``y`` added at rows ``ilist`` (accumulating repeats)."""
    return inc_subtensor(subtensor(x, as_tensor_variable(ilist)), y)


def advanced_set_subtensor1(x, y, ilist):
    """``x`` with rows ``ilist`` set to ``y``."""
    return set_subtensor(subtensor(x, as_tensor_variable(ilist)), y)


def _axis_arg(axis, ndim, what):
    if not _is_int(axis):
        raise TypeError(f"{what}: axis must be an int or None, got {axis!r}")
    return normalize_axis(axis, ndim, what)[0]


def take(a, indices, axis=None, mode="raise"):
    """``numpy.take``: elements of ``a`` at ``indices`` along ``axis`` (of the
    flattened ``a`` when None).  ``mode`` 'raise' (out of range is an error),
    'wrap' (indices modulo the length) or 'clip' (clipped to the range)."""
    a = as_tensor_variable(a)
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if isinstance(indices, (list, tuple)) and len(indices) == 0:
        indices = constant(np.zeros((0,), dtype="int64"))
    indices = as_tensor_variable(indices)
    if indices.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"take: indices must be integers, got {indices.type}")
    if axis is None:
        a = reshape(a, (-1,))
        axis = 0
    else:
        axis = _axis_arg(axis, a.type.ndim, "take")
    if mode != "raise":
        n = shape_i(a, axis)
        if static_int(n) == 0:
            raise IndexError("take: cannot do a non-empty take from an empty axis")
        if mode == "wrap":
            indices = mod(_as_int64(indices), n)
        else:
            indices = minimum(maximum(_as_int64(indices), 0), n - 1)
    return subtensor(a, (slice(None),) * axis + (indices,))


def take_along_axis(arr, indices, axis=0):
    """``numpy.take_along_axis``: ``arr`` indexed by ``indices`` (as many
    dimensions as ``arr``) along ``axis``, the other axes matched
    (broadcasting); ``axis=None`` works on the flattened ``arr``."""
    arr = as_tensor_variable(arr)
    indices = as_tensor_variable(indices)
    if indices.type.dtype[:3] not in ("int", "uin"):
        raise TypeError(f"take_along_axis: indices must be integers, got {indices.type}")
    if axis is None:
        if indices.type.ndim != 1:
            raise ValueError(f"take_along_axis: with axis=None the indices must be 1-d, got {indices.type}")
        return subtensor(reshape(arr, (-1,)), indices)
    nd = arr.type.ndim
    if indices.type.ndim != nd:
        raise ValueError(f"take_along_axis: indices ({indices.type}) and arr ({arr.type}) must have the "
                         "same number of dimensions")
    axis = _axis_arg(axis, nd, "take_along_axis")
    index = []
    for d in range(nd):
        if d == axis:
            index.append(indices)
            continue
        r = arange(shape_i(arr, d))
        index.append(DimShuffle(1, ["x"] * d + [0] + ["x"] * (nd - d - 1))(r))
    return subtensor(arr, tuple(index))


def slice_at_axis(sl, axis):
    """An index tuple applying the slice ``sl`` at ``axis`` (negative counts
    from the end) and leaving the other axes whole: ``x[slice_at_axis(s, a)]``."""
    if not isinstance(sl, slice):
        raise TypeError(f"slice_at_axis: expected a slice, got {type(sl).__name__}")
    axis = int(axis)
    if axis >= 0:
        return (slice(None),) * axis + (sl, Ellipsis)
    return (Ellipsis, sl) + (slice(None),) * (-axis - 1)


# ---------------------------------------------------------------------------
# diagonals: reading and writing the positions (..., i, i + offset)
# ---------------------------------------------------------------------------


def _diag_axis(a, ndim):
    return normalize_axis(a, ndim, "diagonal")[0]


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
    a1, a2 = _diag_axis(axis1, nd), _diag_axis(axis2, nd)
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 must differ")
    return ExtractDiag(int(offset), a1, a2)(a)


def diag(v, k=0):
    """A square matrix with the vector ``v`` on diagonal ``k``, or the
    diagonal ``k`` of the matrix ``v`` (as ``numpy.diag``)."""
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
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def fill_diagonal_offset(a, val, offset):
    """The matrix ``a`` with its diagonal ``offset`` set to the scalar ``val``."""
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
