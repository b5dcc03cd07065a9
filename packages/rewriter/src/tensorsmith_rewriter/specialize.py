"""specialize: cheaper forms of what canonicalize left.

``pow_specialize``
    ``x**2 -> sqr(x)``, ``x**3 -> sqr(x) * x``, ``x**4 -> sqr(sqr(x))`` (any
    numeric dtype: integer arithmetic is exact), and for floats
    ``x**0.5 -> sqrt(x)``, ``x**-1 -> reciprocal(x)``, ``x**-0.5 ->
    reciprocal(sqrt(x))``, ``x**-2 -> reciprocal(sqr(x))``.  The exponent
    must be a constant all equal, of the node's dtype, that does not
    broadcast ``x``.  Semantics: ``x**-1`` and ``reciprocal`` are both
    correctly rounded (equal); the others may differ in the last bits.
    ``pow(-inf, 0.5)`` is ``inf`` in NumPy but ``sqrt(-inf)`` is NaN, and
    ``pow(-0.0, 0.5)`` is ``+0.0`` where ``sqrt`` gives ``-0.0``: the rewrite
    (as PyTensor's) changes the result for those two inputs only.
``gemm``
    ``alpha * dot(A, B) + beta * C -> gemm(C, alpha, A, B, beta)`` (matrices;
    ``-dot``, ``sub`` and sums of more terms too: the other terms become
    ``C``), and with a vector the same to ``gemv`` (``dot(A, x)``, and
    ``dot(x, A)`` as ``gemv`` of ``A``'s transpose).  float32/float64 nodes
    of one dtype; ``alpha``/``beta`` are 0-d variables or constants all
    equal; ``C`` of fewer dimensions is padded (it broadcasts as in the
    sum).  The dot (and its scaling) must be used only there.
``sum_mul_to_dot``
    ``sum(x * y) -> dot(x, y)`` and ``sum(sqr(x)) -> dot(x, x)`` for vectors
    (float32/float64) whose lengths are provably equal (the same variable, or
    equal static lengths): with unknown lengths the product could broadcast
    a length-1 vector, which ``dot`` refuses."""
import numpy as np
from tensorsmith_graphcore.rewrite import node_rewriter
from tensorsmith_tensorops import math as tm
from tensorsmith_tensorops.scalar import Add, Mul, Neg, Pow, Sqr, Sub
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.products import Dot, _dot, gemm, gemv
from tensorsmith_tensorops.reduction import Sum
from tensorsmith_tensorops.shape import DimShuffle

from . import register_specialize
from .canonicalize import constant_data, covers, elemwise_node, is_homogeneous, make_constant, unique_value
from .node_index import nodes_of

__all__ = ["pow_specialize", "gemm_rule", "sum_mul_to_dot"]


@node_rewriter([tm.pow], name="pow_specialize")
def pow_specialize(fgraph, node):
    if not isinstance(node.op.scalar_op, Pow) or not is_homogeneous(node):
        return None
    out = node.outputs[0]
    x, e = node.inputs
    kind = out.type.numpy_dtype.kind
    u = unique_value(e)
    if u is None or kind not in "iuf" or constant_data(x) is not None:
        return None
    if not covers(x.type.shape, constant_data(e).shape):
        return None
    u = float(u)
    if u == 2:
        new = tm.sqr(x)
    elif u == 3:
        new = tm.mul(tm.sqr(x), x)
    elif u == 4:
        new = tm.sqr(tm.sqr(x))
    elif kind != "f":
        return None
    elif u == 0.5:
        new = tm.sqrt(x)
    elif u == -1:
        new = tm.reciprocal(x)
    elif u == -0.5:
        new = tm.reciprocal(tm.sqrt(x))
    elif u == -2:
        new = tm.reciprocal(tm.sqr(x))
    else:
        return None
    if new.type.dtype != out.type.dtype or not out.type.is_super(new.type):
        return None
    return [new]


register_specialize(pow_specialize, name="pow_specialize")


# ---------------------------------------------------------------------------
# gemm / gemv
# ---------------------------------------------------------------------------

_BLAS = ("float32", "float64")


def _single(fgraph, v):
    return len(fgraph.clients.get(v, ())) == 1


def _scalar_of(v, dt):
    """``v`` as a 0-d variable of dtype ``dt`` when it is a 0-d variable or a
    constant all equal (that broadcasts nothing beyond a matrix); else None."""
    d = constant_data(v)
    if d is not None:
        u = unique_value(v)
        if u is None or d.ndim > 2:
            return None
        return make_constant(u, dt)
    if v.type.ndim == 0 and v.type.dtype == dt:
        return v
    return None


def _is_dot(v):
    return v.owner is not None and isinstance(v.owner.op, Dot)


def _scaled_dot(fgraph, v, dt):
    """(alpha, dot node) when ``v`` is ``dot(...)``, ``-dot(...)`` or
    ``dot(...) * s`` (``s`` scalar), the dot and scaling used only here."""
    alpha = None
    n = v.owner
    if n is None:
        return None
    if isinstance(n.op, Elemwise):
        # a cheap look for the dot first: most terms of a sum have none
        so = n.op.scalar_op
        if isinstance(so, Neg):
            inner = n.inputs[0]
            if not _is_dot(inner) or not is_homogeneous(n):
                return None
            alpha = make_constant(-1, dt)
        elif isinstance(so, Mul) and len(n.inputs) == 2:
            a, b = n.inputs
            if _is_dot(b):
                a, b = b, a
            elif not _is_dot(a):
                return None
            if not is_homogeneous(n):
                return None
            inner = a
            alpha = _scalar_of(b, dt)
            if alpha is None:
                return None
        else:
            return None
        if not _single(fgraph, inner) or inner.type.ndim != v.type.ndim:
            return None
        n = inner.owner
    if not isinstance(n.op, Dot) or n.outputs[0].type.dtype != dt:
        return None
    if any(i.type.dtype != dt for i in n.inputs):
        return None
    if alpha is None:
        alpha = make_constant(1, dt)
    return alpha, n


def _negate(s, dt):
    d = constant_data(s)
    if d is not None:
        return make_constant(np.negative(d), dt)
    return tm.neg(s)


def _gemm_terms(node):
    """The signed operands of an add/sub node: [(var, +1/-1)]."""
    so = node.op.scalar_op
    if isinstance(so, Sub):
        return [(node.inputs[0], 1), (node.inputs[1], -1)]
    return [(v, 1) for v in node.inputs]


def _dots(fgraph):
    """The ``Dot`` nodes of the graph (an index kept by a feature), so that a
    sum looks for a dot among its terms in O(min(terms, dots)): a big sum
    offered again after each of its n terms changed would otherwise read all
    its terms each time (O(n**2))."""
    return nodes_of(fgraph, Dot)


def _dot_positions(fgraph, node):
    """The positions of the operands of ``node`` that are a dot or compute
    one elementwise from a dot (the only terms ``_scaled_dot`` accepts), in
    order."""
    ins = node.inputs
    dots = _dots(fgraph)
    if len(dots) >= len(ins):
        return [i for i, v in enumerate(ins) if v.owner is not None and (
            isinstance(v.owner.op, Dot) or any(_is_dot(w) for w in v.owner.inputs))]
    clients = fgraph.clients
    found = set()
    for d in dots:
        for c, i in clients.get(d.outputs[0], ()):
            if c is node:
                found.add(i)
            elif type(c) is not str and isinstance(c.op, Elemwise):
                for c2, i2 in clients.get(c.outputs[0], ()):
                    if c2 is node:
                        found.add(i2)
    return sorted(found)


@node_rewriter([tm.add, tm.sub], name="gemm")
def gemm_rule(fgraph, node):
    so = node.op.scalar_op
    if not isinstance(so, (Add, Sub)):
        return None
    out = node.outputs[0]
    dt = out.type.dtype
    if dt not in _BLAS or out.type.ndim not in (1, 2) or len(node.inputs) < 2:
        return None
    for k in _dot_positions(fgraph, node):
        v = node.inputs[k]
        if v.type.ndim != out.type.ndim:
            continue
        sd = _scaled_dot(fgraph, v, dt)
        if sd is None or not _single(fgraph, v):
            continue
        if not is_homogeneous(node):
            return None
        alpha, dn = sd
        terms = _gemm_terms(node)
        sign = terms[k][1]
        rest = terms[:k] + terms[k + 1:]
        break
    else:
        return None
    if sign < 0:
        alpha = _negate(alpha, dt)
    # C and beta from the other terms
    if len(rest) == 1:
        c, csign = rest[0]
        beta = make_constant(csign, dt)
        m = elemwise_node(c, Mul)
        if m is not None and len(m.inputs) == 2 and is_homogeneous(m) and _single(fgraph, c):
            for i in (0, 1):
                b = _scalar_of(m.inputs[1 - i], dt)
                cand = m.inputs[i]
                if b is not None and cand.type.ndim == c.type.ndim and cand.type.shape == c.type.shape:
                    c, beta = cand, (b if csign > 0 else _negate(b, dt))
                    break
    else:
        pos = [v for v, s in rest if s > 0]
        neg = [v for v, s in rest if s < 0]
        if pos:
            c = pos[0] if len(pos) == 1 else tm.add(*pos)
            if neg:
                c = tm.sub(c, neg[0] if len(neg) == 1 else tm.add(*neg))
        else:
            c = tm.neg(neg[0] if len(neg) == 1 else tm.add(*neg))
        beta = make_constant(1, dt)
    if c.type.dtype != dt:
        return None
    A, B = dn.inputs
    nd = out.type.ndim
    if c.type.ndim > nd:
        return None
    if c.type.ndim < nd:
        c = DimShuffle(c.type.ndim, ("x",) * (nd - c.type.ndim) + tuple(range(c.type.ndim)))(c)
    if A.type.ndim == 2 and B.type.ndim == 2:
        new = gemm(c, alpha, A, B, beta)
    elif A.type.ndim == 2 and B.type.ndim == 1:
        new = gemv(c, alpha, A, B, beta)
    elif A.type.ndim == 1 and B.type.ndim == 2:
        new = gemv(c, alpha, DimShuffle(2, (1, 0))(B), A, beta)
    else:
        return None
    if new.type.dtype != dt or not out.type.is_super(new.type):
        return None
    return [new]


register_specialize(gemm_rule, name="gemm")


# ---------------------------------------------------------------------------
# sum of products -> dot
# ---------------------------------------------------------------------------


def _same_length(x, y):
    if x is y:
        return True
    a, b = x.type.shape[0], y.type.shape[0]
    return a is not None and a == b


@node_rewriter([Sum], name="sum_mul_to_dot")
def sum_mul_to_dot(fgraph, node):
    op = node.op
    v = node.inputs[0]
    out = node.outputs[0]
    dt = out.type.dtype
    if v.type.ndim != 1 or tuple(op.axis) != (0,) or dt != v.type.dtype or dt not in _BLAS:
        return None
    if not _single(fgraph, v):
        return None
    n = elemwise_node(v, (Mul, Sqr))
    if n is None or not is_homogeneous(n):
        return None
    if isinstance(n.op.scalar_op, Sqr):
        x = y = n.inputs[0]
    elif len(n.inputs) == 2:
        x, y = n.inputs
    else:
        return None
    if x.type.ndim != 1 or y.type.ndim != 1 or not _same_length(x, y):
        return None
    new = _dot(x, y)
    if new.type.dtype != dt or not out.type.is_super(new.type):
        return None
    return [new]


register_specialize(sum_mul_to_dot, name="sum_mul_to_dot")
