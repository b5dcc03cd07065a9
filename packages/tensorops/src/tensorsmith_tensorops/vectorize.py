"""Vectorization rules by op class, used by ``blockwise.vectorize_node`` (and
so by ``vectorize_graph``, ``pt.vectorize``, ``Blockwise`` gradients and the
vectorized ``jacobian``) before its generic paths (direct rules for
``Elemwise``, ``DimShuffle``, ``CAReduce`` and ``Blockwise``; any other op is
wrapped in a ``Blockwise`` with a generic signature, which loops over the batch
at run time).

The rules here cover the ops a pullback graph is made of where that loop would
be slow or wrong-headed: ``Shape``/``Shape_i`` (the core shape, without the
batch dimensions), ``SpecifyShape``, ``Reshape`` (the batch lengths
prepended), ``SumToShape``, ``Alloc`` and ``Dot`` with one batched operand (one
matrix product over the flattened batch), the indexing ops with unbatched
indices (leading full slices; for advanced indices only when they are
adjacent, where NumPy keeps their axes in place), ops along axis parameters
(``CumOp``, ``Roll``, ``Split``, ``Flip``, ``ExtractDiag``, ``SetDiag``: the
axes shifted), ``MatMul`` (it broadcasts batch axes itself), and, for any op declaring a
``gufunc_signature``, ``Blockwise`` with that signature (a catch-all rule on
``Op`` that defers for other ops; ``blockwise.py`` registers it).

A rule is ``fn(op, node, new_inputs, nb) -> list of outputs`` where ``nb[i]``
is the number of batch dimensions of ``new_inputs[i]`` (0: unbatched); every
batched input has the same number of batch dimensions (their lengths may be 1
where they broadcast).  A rule may return None to defer to the generic path.
Register one with ``@register_vectorize(OpClass)`` (lookup walks the MRO)."""
import copy

import numpy as np

from .basic import constant
from .creation import Alloc, alloc
from .join import Split
from .products import Dot, MatMul, dot
from .rearrange import Roll
from .reduction import CumOp, SumToShape
from .shape import (
    DimShuffle, Flip, MakeIntVector, Reshape, Shape, Shape_i, SpecifyShape, int_vector, reshape, shape_i,
)
from .subtensor import (
    AdvancedIncSubtensor, AdvancedSubtensor, ExtractDiag, IncSubtensor, SetDiag, Subtensor,
)

__all__ = ["register_vectorize", "get_vectorize_rule"]

_RULES = {}
_cache = {}


def register_vectorize(op_class, fn=None):
    """Register ``fn(op, node, new_inputs, nb)`` as the vectorization rule of
    ``op_class`` (and subclasses without their own).  Decorator or call."""
    if not isinstance(op_class, type):
        raise TypeError(f"register_vectorize takes an op class, got {op_class!r}")

    def deco(f):
        _RULES[op_class] = f
        _cache.clear()
        return f

    return deco(fn) if fn is not None else deco


def get_vectorize_rule(op):
    """The rule registered for ``op`` (an op or op class), along the MRO, or None."""
    cls = op if isinstance(op, type) else type(op)
    if cls in _cache:
        return _cache[cls]
    rule = None
    for k in cls.__mro__:
        if k in _RULES:
            rule = _RULES[k]
            break
    _cache[cls] = rule
    return rule


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _batch_lens(x, b):
    return [shape_i(x, k) for k in range(b)]


def _batch_of(new_inputs, nb):
    """(number of batch dims, batch lengths) of the first batched input."""
    for x, b in zip(new_inputs, nb):
        if b:
            return b, _batch_lens(x, b)
    return 0, []


def _vector_entries(v):
    """The int64 scalars of the int vector ``v`` of static length."""
    if v.owner is not None and isinstance(v.owner.op, MakeIntVector):
        return list(v.owner.inputs)
    n = v.type.shape[0]
    if n is None:
        return None
    data = getattr(v, "data", None)
    if data is not None:
        return [constant(np.int64(e)) for e in np.asarray(data).reshape(-1)]
    return [v[k] for k in range(n)]


# ---------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------


def _register_shape_rules():
    @register_vectorize(Shape)
    def _shape(op, node, new_inputs, nb):
        x = new_inputs[0]
        b = nb[0]
        return [int_vector([shape_i(x, b + k) for k in range(x.type.ndim - b)])]

    @register_vectorize(Shape_i)
    def _shape_i(op, node, new_inputs, nb):
        return [shape_i(new_inputs[0], op.i + nb[0])]

    @register_vectorize(SpecifyShape)
    def _specify_shape(op, node, new_inputs, nb):
        return [SpecifyShape((None,) * nb[0] + tuple(op.shape))(new_inputs[0])]

    @register_vectorize(Reshape)
    def _reshape(op, node, new_inputs, nb):
        x, shp = new_inputs
        if nb[1]:
            return None
        entries = _vector_entries(shp)
        if entries is None:
            return None
        b = nb[0]
        return [Reshape(op.ndim + b)(x, int_vector(_batch_lens(x, b) + entries))]


def _register_sum_to_shape_rule():
    def _to_back(v, b):
        nd = v.type.ndim
        return DimShuffle(nd, list(range(b, nd)) + list(range(b)))(v)

    @register_vectorize(SumToShape)
    def _sum_to_shape(op, node, new_inputs, nb):
        g, x = new_inputs
        bg, bx = nb
        if bg == 0:
            return None  # only the shape reference is batched: generic path
        if bx == 0:
            x = alloc(np.zeros((), dtype="int8"), *_batch_lens(g, bg),
                      *[shape_i(x, k) for k in range(x.type.ndim)])
        elif bx != bg:
            return None
        # SumToShape aligns axes from the right: move the batch axes to the
        # back of both, where they line up and are kept
        r = SumToShape()(_to_back(g, bg), _to_back(x, bg))
        nd = r.type.ndim
        return [DimShuffle(nd, list(range(nd - bg, nd)) + list(range(nd - bg)))(r)]


def _register_alloc_rule():
    @register_vectorize(Alloc)
    def _alloc(op, node, new_inputs, nb):
        if any(nb[1:]) or type(op) is not Alloc:
            return None
        v = new_inputs[0]
        b = nb[0]
        core = len(new_inputs) - 1
        vcore = v.type.ndim - b
        v = DimShuffle(v.type.ndim, list(range(b)) + ["x"] * (core - vcore) + list(range(b, v.type.ndim)))(v)
        return [alloc(v, *_batch_lens(v, b), *new_inputs[1:])]


def _register_dot_rule():
    def _flat(x, b):
        """``x`` with its ``b`` batch axes merged into one (a matrix of rows)."""
        rest = [shape_i(x, k) for k in range(b, x.type.ndim)]
        return reshape(x, [-1] + rest[-1:]) if rest else reshape(x, [-1])

    @register_vectorize(Dot)
    def _dot(op, node, new_inputs, nb):
        x, y = new_inputs
        bx, by = nb
        if bx and by:
            return None
        b, lens = _batch_of(new_inputs, nb)
        x0, y0 = node.inputs
        if bx:
            # rows of x (all batch and row axes) times y
            r = dot(_flat(x, b), y)
            core = [shape_i(x, b + k) for k in range(x0.type.ndim - 1)] + \
                   [shape_i(y, k) for k in range(1, y0.type.ndim)]
            return [reshape(r, lens + core)]
        # x times each batch entry of y
        if y0.type.ndim == 1:
            # x (n,k) or (k,) with rows y_i (k,): y_flat (B,k) . x^T
            xt = x if x0.type.ndim == 1 else DimShuffle(2, [1, 0])(x)
            r = dot(_flat(y, b), xt)
            core = [shape_i(x, 0)] if x0.type.ndim == 2 else []
            return [reshape(r, lens + core)]
        # y_i (k, m): move k first, merge the batch with m, multiply, split again
        nd = y.type.ndim
        yk = DimShuffle(nd, [b] + list(range(b)) + [b + 1])(y)
        k = shape_i(y, b)
        m = shape_i(y, b + 1)
        r = dot(x, reshape(yk, [k, -1]))
        rows = [shape_i(x, 0)] if x0.type.ndim == 2 else []
        r = reshape(r, rows + lens + [m])
        if rows:
            r = DimShuffle(r.type.ndim, list(range(1, 1 + b)) + [0, r.type.ndim - 1])(r)
        return [r]


def _advanced_adjacent(idx_list):
    """True when the advanced entries (arrays, and ints next to them) of an
    index are adjacent: NumPy then keeps their result axes in place, so
    leading full slices for the batch axes keep the batch axes in front."""
    if not any(e[0] == "a" for e in idx_list):
        return True
    pos = [k for k, e in enumerate(idx_list) if e[0] in ("a", "i")]
    return pos[-1] - pos[0] + 1 == len(pos)


def _register_indexing_rules():
    def _batched_op(op, b):
        new = copy.copy(op)
        new.idx_list = (("s", None, None, None),) * b + tuple(op.idx_list)
        return new

    def _take(op, node, new_inputs, nb):
        # x[idx] per batch entry: x[:, ..., :, idx] with unbatched index inputs
        if any(nb[1:]) or not _advanced_adjacent(op.idx_list):
            return None
        return [_batched_op(op, nb[0])(*new_inputs)]

    def _inc(op, node, new_inputs, nb):
        if any(nb[2:]) or not _advanced_adjacent(op.idx_list):
            return None
        x, y = new_inputs[0], new_inputs[1]
        idx = list(new_inputs[2:])
        bx, by = nb[0], nb[1]
        b = bx or by
        if bx and by and bx != by:
            return None
        if not bx:
            # the same x for every batch entry of y: broadcast it
            x = alloc(x, *_batch_lens(y, b), *[shape_i(x, k) for k in range(x.type.ndim)])
        if by:
            # align y's batch axes with the front of x[:, idx]
            sub_cls = AdvancedSubtensor if isinstance(op, AdvancedIncSubtensor) else Subtensor
            core_sub = sub_cls(op.idx_list)(node.inputs[0], *node.inputs[2:])
            pad = core_sub.type.ndim - (y.type.ndim - b)
            if pad:
                y = DimShuffle(y.type.ndim, list(range(b)) + ["x"] * pad + list(range(b, y.type.ndim)))(y)
        return [_batched_op(op, b)(x, y, *idx)]

    register_vectorize(Subtensor, _take)
    register_vectorize(AdvancedSubtensor, _take)
    register_vectorize(IncSubtensor, _inc)
    register_vectorize(AdvancedIncSubtensor, _inc)


def _shifted(op, b, names):
    """A copy of ``op`` with its axis parameters ``names`` (ints or tuples of
    ints) moved past ``b`` leading batch axes (negative axes count from the
    end and stay)."""
    new = copy.copy(op)
    for name in names:
        v = getattr(op, name)
        if isinstance(v, tuple):
            v = tuple(a + b if a >= 0 else a for a in v)
        else:
            v = v + b if v >= 0 else v
        setattr(new, name, v)
    return new


def _register_axis_rules():
    """Ops acting along axis parameters, batched in their first input only."""
    def axis_rule(names):
        def rule(op, node, new_inputs, nb):
            if any(nb[1:]):
                return None
            return _shifted(op, nb[0], names).make_node(*new_inputs).outputs
        return rule

    for cls, names in ((CumOp, ("axis",)), (Roll, ("axis",)), (Split, ("axis",)), (Flip, ("axes",)),
                       (ExtractDiag, ("axis1", "axis2"))):
        register_vectorize(cls, axis_rule(names))

    @register_vectorize(SetDiag)
    def _set_diag(op, node, new_inputs, nb):
        x, v = new_inputs
        bx, bv = nb
        if not bx or (bv and bv != bx):
            return None
        if bv:
            # align v's batch axes with the front of the batched diagonal
            pad = ExtractDiag(op.offset, op.axis1, op.axis2)(node.inputs[0]).type.ndim - (v.type.ndim - bv)
            if pad:
                v = DimShuffle(v.type.ndim, list(range(bv)) + ["x"] * pad + list(range(bv, v.type.ndim)))(v)
        return _shifted(op, bx, ("axis1", "axis2")).make_node(x, v).outputs


def _register_matmul_rule():
    @register_vectorize(MatMul)
    def _matmul(op, node, new_inputs, nb):
        # MatMul broadcasts leading axes itself; a batched operand with fewer
        # core batch axes than the other gets length-1 axes after its batch axes
        core_batch = max(x.type.ndim for x in node.inputs) - 2
        ins = []
        for x, x0, b in zip(new_inputs, node.inputs, nb):
            pad = core_batch - (x0.type.ndim - 2)
            if b and pad:
                x = DimShuffle(x.type.ndim, list(range(b)) + ["x"] * pad + list(range(b, x.type.ndim)))(x)
            ins.append(x)
        return op.make_node(*ins).outputs


_register_shape_rules()
_register_indexing_rules()
_register_axis_rules()
_register_matmul_rule()
_register_sum_to_shape_rule()
_register_alloc_rule()
_register_dot_rule()
