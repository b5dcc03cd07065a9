"""Shape and structure rules: shape computations fold through the shape
feature (``shape_feature.py``), and chains of structural ops shorten.

In the ``canonicalize`` stage:

* ``shape_to_vector``: ``shape(x)`` -> a constant vector when every length
  is known, else the vector of the lengths (``MakeIntVector``) when one of
  them is not read from ``x`` itself;
* ``shape_subtensor``: ``shape(x)[k]``, ``shape(x)[a:b]`` (constant indices),
  and the same of a ``MakeIntVector``, -> the length(s);
* ``shape_i``: ``Shape_i(k)(x)`` -> the length from the shape feature (a
  constant when known; ``exp(x).shape[0]`` -> ``x.shape[0]``);
* ``dimshuffle_dimshuffle``: two ``DimShuffle``s in a row -> one (nothing when
  they cancel: a transpose of a transpose);
* ``reshape_reshape``: ``reshape(reshape(x, s1), s2)`` -> ``reshape(x, s2)``;
* ``alloc_elemwise``: an ``Alloc`` (or ``broadcast_to``) input of an
  elementwise op -> the value it broadcasts, where the op's other inputs (or
  the value itself) give the output every length the ``Alloc`` gave;
* ``sum_sum``: ``sum(sum(x, a), b)`` -> one sum over the axes of ``x``
  (same dtypes; the inner sum used only there);
* ``sum_dimshuffle``: a sum of a ``DimShuffle`` -> the ``DimShuffle`` of the
  sum of its input (``sum(x.T, 0)`` -> ``sum(x, 1)``);
* ``subtensor_alloc``: ``alloc(v, *shape)[idx]`` (basic indexing) ->
  ``alloc(v[idx'], *shape')``: only the indexed part is allocated;
* ``subtensor_join``: ``join(axis, a, b, ...)[idx]``, where the index along
  ``axis`` is constant and falls within one input -> that input indexed.

In the ``useless`` stage: ``useless_dimshuffle`` (the identity order),
``useless_reshape`` (to provably the same shape), ``useless_alloc`` (to
provably the value's own shape), ``useless_cast`` (to the same dtype),
``useless_reduce`` (a reduction over no axis).

The rules never change a result's dtype or static shape (a replacement
whose type cannot stand for the original is not made) nor its broadcasting:
lengths are compared only when provably equal (``same_dim``).  Like
PyTensor's, they may remove a run-time error of the original graph (an index
out of range of an ``Alloc`` that is no longer built, a reshape of a wrong
size that is skipped)."""
import numpy as np
from tensorsmith_graphcore import Constant
from tensorsmith_graphcore.rewrite import node_rewriter
from tensorsmith_tensorops.basic import constant
from tensorsmith_tensorops.creation import Alloc
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.join import Join
from tensorsmith_tensorops.math import cast
from tensorsmith_tensorops.reduction import CAReduce, Sum
from tensorsmith_tensorops.scalar import Cast
from tensorsmith_tensorops.shape import (
    DimShuffle, MakeIntVector, Reshape, Shape, Shape_i, specify_shape,
)
from tensorsmith_tensorops.subtensor import Subtensor

from . import register_canonicalize, register_useless
from .node_index import positions_fed_by
from .shape_feature import inferred_shape, same_dim, shape_entries, shape_of, static_dim

__all__ = []

SYM = "$"


def _fits(old, new):
    """Whether ``new`` can stand for ``old``: the same type, or a narrower one."""
    return new.type == old.type or old.type.is_super(new.type)


def _is_own_length(d, x, k):
    o = d.owner
    return o is not None and type(o.op) is Shape_i and o.op.i == k and o.inputs[0] is x


def _int_vector(dims):
    vals = [static_dim(d) for d in dims]
    if all(v is not None for v in vals):
        return constant(np.asarray(vals, dtype="int64"))
    return MakeIntVector()(*dims)


# ---------------------------------------------------------------------------
# shape(x), shape(x)[k], Shape_i
# ---------------------------------------------------------------------------


@register_canonicalize("shape", name="shape_to_vector")
@node_rewriter([Shape])
def shape_to_vector(fgraph, node):
    """``shape(x)`` -> its lengths: a constant, or ``MakeIntVector`` of them
    when one is not ``Shape_i`` of ``x`` itself."""
    x = node.inputs[0]
    dims = shape_of(fgraph, x)
    if all(_is_own_length(d, x, k) for k, d in enumerate(dims)) and dims:
        return None
    return [_int_vector(dims)]


def _vector_items(fgraph, v):
    """The entries of ``shape(x)``, of a ``MakeIntVector`` or of a constant
    integer vector (else None)."""
    if isinstance(v, Constant):
        d = np.asarray(v.data)
        if d.ndim != 1 or d.dtype.kind not in "iu":
            return None
        return [constant(np.int64(k)) for k in d]
    o = v.owner
    if o is None:
        return None
    if isinstance(o.op, Shape):
        return list(shape_of(fgraph, o.inputs[0]))
    if isinstance(o.op, MakeIntVector):
        return list(o.inputs)
    return None


@register_canonicalize("shape", name="shape_subtensor")
@node_rewriter([Subtensor])
def shape_subtensor(fgraph, node):
    """``shape(x)[k]`` -> the length ``k`` of ``x``; ``shape(x)[a:b:c]`` -> the
    vector of those lengths (constant indices); the same of a ``MakeIntVector``."""
    if len(node.inputs) != 1 or len(node.op.idx_list) != 1:
        return None
    items = _vector_items(fgraph, node.inputs[0])
    if items is None:
        return None
    e = node.op.idx_list[0]
    n = len(items)
    if e[0] == "i":
        k = e[1]
        if not -n <= k < n:
            return None
        return [items[k % n]]
    if e[0] == "s":
        return [_int_vector(items[slice(*e[1:])])]
    return None


@register_canonicalize("shape", name="shape_i")
@node_rewriter([Shape_i])
def shape_i(fgraph, node):
    """``Shape_i(k)(x)`` -> the length from the shape feature, when it is not
    read from ``x`` itself (a constant, or lengths of what ``x`` is computed
    from)."""
    x = node.inputs[0]
    k = node.op.i
    d = shape_of(fgraph, x)[k]
    if d is node.outputs[0] or _is_own_length(d, x, k):
        return None
    return [d]


# ---------------------------------------------------------------------------
# DimShuffle
# ---------------------------------------------------------------------------


@register_canonicalize("shape", name="dimshuffle_dimshuffle")
@node_rewriter([DimShuffle])
def dimshuffle_dimshuffle(fgraph, node):
    """``DimShuffle(o2)(DimShuffle(o1)(y))`` -> ``DimShuffle(o1 o2)(y)``, or
    ``y`` when the composition is the identity."""
    x = node.inputs[0]
    inner = x.owner
    if inner is None or type(inner.op) is not DimShuffle:
        return None
    o1 = inner.op.new_order
    order = tuple("x" if a == "x" else o1[a] for a in node.op.new_order)
    y = inner.inputs[0]
    out = node.outputs[0]
    if order == tuple(range(y.type.ndim)):
        return [y] if _fits(out, y) else None
    try:
        new = DimShuffle(y.type.ndim, order)(y)
    except (ValueError, TypeError):
        return None
    return [new] if _fits(out, new) else None


@register_useless("shape", name="useless_dimshuffle")
@node_rewriter([DimShuffle])
def useless_dimshuffle(fgraph, node):
    """A ``DimShuffle`` that keeps every axis in place -> its input."""
    op = node.op
    x = node.inputs[0]
    if op.new_order == tuple(range(op.input_ndim)) and _fits(node.outputs[0], x):
        return [x]
    return None


# ---------------------------------------------------------------------------
# Reshape
# ---------------------------------------------------------------------------


@register_canonicalize("shape", name="reshape_reshape")
@node_rewriter([Reshape])
def reshape_reshape(fgraph, node):
    """``reshape(reshape(x, s1), s2)`` -> ``reshape(x, s2)``."""
    x = node.inputs[0]
    inner = x.owner
    if inner is None or type(inner.op) is not Reshape:
        return None
    try:
        new = node.op(inner.inputs[0], node.inputs[1])
    except (ValueError, TypeError):
        return None
    return [new] if _fits(node.outputs[0], new) else None


@register_useless("shape", name="useless_reshape")
@node_rewriter([Reshape])
def useless_reshape(fgraph, node):
    """``reshape(x, s)`` -> ``x`` when each entry of ``s`` is provably ``x``'s
    length on that axis (one entry may be -1)."""
    x, s = node.inputs
    if node.op.ndim != x.type.ndim or not _fits(node.outputs[0], x):
        return None
    entries = shape_entries(fgraph, s)
    if entries is None or len(entries) != x.type.ndim:
        return None
    dims = shape_of(fgraph, x)
    free = False
    for e, d in zip(entries, dims):
        if same_dim(fgraph, e, d):
            continue
        if static_dim(e) == -1 and not free:
            free = True
            continue
        return None
    return [x]


# ---------------------------------------------------------------------------
# Alloc / broadcast_to
# ---------------------------------------------------------------------------


def _alloc_is_useless(fgraph, v, lengths, out):
    """Whether ``alloc(v, *lengths)`` is ``v``: the same number of axes, each
    length provably ``v``'s (or 1 where ``v`` has static length 1)."""
    if len(lengths) != v.type.ndim:
        return False
    vs = shape_of(fgraph, v)
    for k, n in enumerate(lengths):
        if v.type.shape[k] == 1 and static_dim(n) == 1:
            continue
        if not same_dim(fgraph, n, vs[k]):
            return False
    return _fits(out, v)


@register_useless("shape", name="useless_alloc")
@node_rewriter([Alloc])
def useless_alloc(fgraph, node):
    """``alloc(v, *shape)`` (or ``broadcast_to``) -> ``v`` when ``shape`` is
    provably ``v``'s shape."""
    v = node.inputs[0]
    if _alloc_is_useless(fgraph, v, node.inputs[1:], node.outputs[0]):
        return [v]
    return None


def _strong(v):
    """``v``, or a constant of its dtype that is not weak (a Python-scalar
    constant adapts its dtype to the other operands; the Alloc did not)."""
    if isinstance(v, Constant) and getattr(v, "weak", False):
        return constant(np.asarray(v.data, dtype=v.type.dtype))
    return v


@register_canonicalize("shape", name="alloc_elemwise")
@node_rewriter([Elemwise])
def alloc_elemwise(fgraph, node):
    """An ``Alloc`` input of an elementwise node -> the value it broadcasts,
    when every length it gives the output is given by the value itself (not
    broadcast there) or provably by another input.  One at a time."""
    positions = positions_fed_by(fgraph, node, Alloc)  # not a scan of every input
    if not positions:
        return None
    inputs = node.inputs
    nd = node.outputs[0].type.ndim
    for i in positions:
        a = inputs[i]
        an = a.owner
        v = an.inputs[0]
        lengths = an.inputs[1:]
        n = len(lengths)
        m = v.type.ndim
        vs = None
        ok = True
        for k in range(n):
            nk = lengths[k]
            j = k - (n - m)
            if j >= 0:
                if vs is None:
                    vs = shape_of(fgraph, v)
                if same_dim(fgraph, vs[j], nk):
                    continue
            if a.type.shape[k] == 1:
                continue
            o_axis = k + (nd - n)
            given = False
            for w_i, w in enumerate(inputs):
                if w_i == i:
                    continue
                jw = o_axis - (nd - w.type.ndim)
                if jw >= 0 and same_dim(fgraph, shape_of(fgraph, w)[jw], nk):
                    given = True
                    break
            if not given:
                ok = False
                break
        if not ok:
            continue
        new_inputs = list(inputs)
        new_inputs[i] = _strong(v)
        try:
            new = node.op.make_node(*new_inputs)
        except (ValueError, TypeError):
            continue
        if all(_fits(o, n2) for o, n2 in zip(node.outputs, new.outputs)):
            return list(new.outputs)
    return None


# ---------------------------------------------------------------------------
# Cast
# ---------------------------------------------------------------------------


@register_useless("shape", name="useless_cast")
@node_rewriter([Elemwise])
def useless_cast(fgraph, node):
    """``cast(x, dtype)`` with ``x`` of that dtype -> ``x``."""
    if type(node.op.scalar_op) is not Cast:
        return None
    x = node.inputs[0]
    if x.type.dtype == node.outputs[0].type.dtype and _fits(node.outputs[0], x):
        return [x]
    return None


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


@register_useless("shape", name="useless_reduce")
@node_rewriter([CAReduce])
def useless_reduce(fgraph, node):
    """A reduction over no axis (of the output's dtype) -> its input."""
    x = node.inputs[0]
    if node.op.axis == () and _fits(node.outputs[0], x):
        return [x]
    return None


@register_canonicalize("shape", name="sum_sum")
@node_rewriter([Sum])
def sum_sum(fgraph, node):
    """``sum(sum(x, a), b)`` -> ``sum(x, a + b')`` (``b`` mapped to the axes
    of ``x``), when both sums give the same dtype and the inner one is used
    only there."""
    if type(node.op) is not Sum:
        return None
    y = node.inputs[0]
    inner = y.owner
    if inner is None or type(inner.op) is not Sum or len(fgraph.clients[y]) != 1:
        return None
    if y.type.dtype != node.outputs[0].type.dtype:
        return None
    x = inner.inputs[0]
    kept = [i for i in range(x.type.ndim) if i not in inner.op.axis]
    axes = tuple(sorted(set(inner.op.axis) | {kept[b] for b in node.op.axis}))
    new = Sum(axes, y.type.dtype if inner.op.dtype is not None or node.op.dtype is not None
              else None)(x)
    if not _fits(node.outputs[0], new):
        return None
    return [new]


@register_canonicalize("shape", name="sum_dimshuffle")
@node_rewriter([Sum])
def sum_dimshuffle(fgraph, node):
    """``sum(DimShuffle(order)(y), axes)`` -> ``DimShuffle(order')(sum(y, axes'))``:
    the summed axes of ``y`` (with the length-1 axes the ``DimShuffle``
    dropped); no ``DimShuffle`` when ``order'`` keeps the axes in place."""
    if type(node.op) is not Sum or not node.op.axis:
        return None
    x = node.inputs[0]
    ds = x.owner
    if ds is None or type(ds.op) is not DimShuffle:
        return None
    y = ds.inputs[0]
    order = ds.op.new_order
    axes = node.op.axis
    y_axes = sorted({order[a] for a in axes if order[a] != "x"} | set(ds.op.drop))
    kept = [i for i in range(y.type.ndim) if i not in y_axes]
    rest = [order[a] for a in range(len(order)) if a not in axes]
    new_order = tuple("x" if r == "x" else kept.index(r) for r in rest)
    s = Sum(tuple(y_axes), node.op.dtype)(y)
    new = s if new_order == tuple(range(len(kept))) else DimShuffle(len(kept), new_order)(s)
    if not _fits(node.outputs[0], new):
        return None
    return [new]


# ---------------------------------------------------------------------------
# Indexing an Alloc or a Join
# ---------------------------------------------------------------------------


@register_canonicalize("shape", name="subtensor_alloc")
@node_rewriter([Subtensor])
def subtensor_alloc(fgraph, node):
    """``alloc(v, *shape)[idx]`` -> ``alloc(v[idx'], *shape')`` for basic
    indexing: ``idx'`` indexes the axes of ``v`` (index 0 on an axis where
    ``v`` has static length 1; the axis must otherwise provably have the
    allocated length), ``shape'`` is the indexed result's shape.  The
    ``Alloc`` must be used only there."""
    a = node.inputs[0]
    an = a.owner
    if an is None or not isinstance(an.op, Alloc) or len(fgraph.clients[a]) != 1:
        return None
    out = node.outputs[0]
    dims = inferred_shape(fgraph, out)
    if dims is None:
        return None
    v = an.inputs[0]
    lengths = an.inputs[1:]
    lead = len(lengths) - v.type.ndim
    sym = iter(node.inputs[1:])
    v_idx = []
    v_inputs = []
    vs = None
    pos = 0
    trivial = True
    for e in node.op.idx_list:
        kind = e[0]
        if kind == "n":
            if pos >= lead:
                v_idx.append(e)
                trivial = False
            continue
        parts = [next(sym) for p in e[1:] if p == SYM]
        if pos < lead:
            pos += 1
            continue
        j = pos - lead
        pos += 1
        if v.type.shape[j] == 1:
            if kind == "i":
                v_idx.append(("i", 0))
                trivial = False
            else:
                v_idx.append(("s", None, None, None))
            continue
        if vs is None:
            vs = shape_of(fgraph, v)
        if not same_dim(fgraph, vs[j], lengths[pos - 1]):
            return None
        v_idx.append(e)
        v_inputs.extend(parts)
        if e != ("s", None, None, None):
            trivial = False
    if trivial:
        vi = v
    else:
        try:
            vi = Subtensor(tuple(v_idx))(v, *v_inputs)
        except (ValueError, TypeError, IndexError):
            return None
    try:
        new = an.op(vi, *dims)
    except (ValueError, TypeError):
        return None
    return [new] if _fits(out, new) else None


def _axis_entry(idx_list, axis):
    """The position in ``idx_list`` of the entry that indexes ``axis`` (None
    when the index does not reach it)."""
    pos = 0
    for n, e in enumerate(idx_list):
        if e[0] == "n":
            continue
        if pos == axis:
            return n
        pos += 1
    return None


@register_canonicalize("shape", name="subtensor_join")
@node_rewriter([Subtensor])
def subtensor_join(fgraph, node):
    """``join(axis, *parts)[idx]`` -> ``parts[i][idx']`` when the index along
    ``axis`` is a constant (an integer, or a slice of positive step) that
    falls within ``parts[i]`` (the lengths of the parts before it known),
    ``idx'`` shifted by their lengths; cast to the join's dtype if needed."""
    j = node.inputs[0]
    jn = j.owner
    if jn is None or type(jn.op) is not Join:
        return None
    axis = jn.op.axis
    idx_list = node.op.idx_list
    n = _axis_entry(idx_list, axis)
    if n is None:
        return None
    e = idx_list[n]
    if SYM in e[1:]:
        return None
    parts = jn.inputs
    lens = [static_dim(shape_of(fgraph, p)[axis]) for p in parts]
    total = None if None in lens else sum(lens)
    last = len(parts) - 1

    def locate(k):
        """(part, offset) holding position ``k`` (>= 0), or None."""
        off = 0
        for i, ln in enumerate(lens):
            if ln is None:
                return (i, off) if i == last else None
            if k < off + ln:
                return i, off
            off += ln
        return None

    if e[0] == "i":
        k = e[1]
        if k < 0:
            if total is None or k + total < 0:
                return None
            k += total
        hit = locate(k)
        if hit is None:
            return None
        i, off = hit
        new_e = ("i", k - off)
    elif e[0] == "s":
        a, b, c = e[1:]
        if c is not None and c <= 0:
            return None
        if (a is not None and a < 0) or (b is not None and b < 0):
            if total is None:
                return None
            a = None if a is None else max(a + total, 0) if a < 0 else a
            b = None if b is None else max(b + total, 0) if b < 0 else b
        a = 0 if a is None else a
        if b is None and total is not None:
            b = total
        if b is not None and b <= a:
            return None
        hit = locate(a)
        if hit is None:
            return None
        i, off = hit
        if i != last:
            end = off + lens[i]
            if b is None or b > end:
                return None
        new_e = ("s", a - off, None if b is None else b - off, c)
        if new_e[1] == 0:
            new_e = ("s", None) + new_e[2:]
    else:
        return None
    new_idx = idx_list[:n] + (new_e,) + idx_list[n + 1:]
    try:
        new = Subtensor(new_idx)(parts[i], *node.inputs[1:])
    except (ValueError, TypeError, IndexError):
        return None
    out = node.outputs[0]
    if new.type.dtype != out.type.dtype:
        new = cast(new, out.type.dtype)
    if not _fits(out, new) and new.type.is_super(out.type):
        # the join checked the other parts' lengths: the part has them too
        new = specify_shape(new, out.type.shape)
    return [new] if _fits(out, new) else None
