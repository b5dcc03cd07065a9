"""stabilize passes of tensorsmith_rewriter: expressions that overflow,
underflow or lose digits, replaced by the stable ops of tensorops.

Values (the rule that does it in brackets):

* ``log(1 + x)`` -> ``log1p(x)``, ``log(1 - x)`` -> ``log1p(-x)``, with
  ``log(1 + exp(x))`` -> ``softplus(x)``, ``log(1 - exp(x))`` ->
  ``log1mexp(x)``, ``log(1 - sigmoid(x))`` -> ``-softplus(x)`` (``log``);
  ``log(sigmoid(x))`` -> ``log_sigmoid(x)``, ``log(softmax(x))`` ->
  ``log_softmax(x)`` (same axes), ``log(sum(exp(x)))`` -> ``logsumexp(x)``
  (same axes; under a keepdims ``DimShuffle`` too), ``log(exp(x))`` -> ``x``
  (floats), ``log(erfc(x))`` -> ``log(erfcx(x)) - x**2`` for ``x > 0``
  (``log1p(erf(-x))`` below),
  ``log(-expm1(x))`` -> ``log1mexp(x)`` (``log``);
* ``log1p(exp(x))`` -> ``softplus(x)``, ``log1p(-exp(x))`` ->
  ``log1mexp(x)``, ``log1p(-sigmoid(x))`` -> ``-softplus(x)``,
  ``log1p(-erf(x))`` -> the ``log(erfc(x))`` form (``log1p``);
* ``exp(x) - 1`` -> ``expm1(x)``, ``1 - exp(x)`` -> ``-expm1(x)``,
  ``1 - erf(x)`` -> ``erfc(x)``, ``1 - erfc(x)`` -> ``erf(x)``,
  ``1 - sigmoid(x)`` -> ``sigmoid(-x)`` (``sub``, and ``add`` for the
  canonical ``add(1, neg(y))``/``add(exp(x), -1)``, n-ary adds included);
* ``exp(log_softmax(x))`` -> ``softmax(x)``, ``exp(log_sigmoid(x))`` ->
  ``sigmoid(x)`` (``exp``).

Gradients (the graphs ``grad`` builds from the unstable forms; ``product``
and ``distribute``): a product ``sign * prod(num) / prod(den)`` (through
``mul``, ``true_div``, ``neg``, ``sqr``, ``reciprocal``, ``x ** -1``,
``second`` and ``DimShuffle``) in which ``exp(x) / (1 + exp(x))`` becomes
``sigmoid(x)``, ``exp(x) * sigmoid(-x)`` becomes ``sigmoid(x)``, ``1 / (1 +
exp(-x))`` becomes ``sigmoid(x)``,
``exp(x) / sum(exp(x), axes)`` (keepdims) becomes ``softmax(x, axes)`` and
equal factors of the numerator and the denominator cancel when they are
positive and finite for finite inputs but may round to 0 or overflow (exp,
sigmoid, softplus, erfc, erfcx, softmax: ``sigmoid(x) / sigmoid(x)``; not
``y / y``, which is NaN for ``y = 0``); ``(a / c - b) * c`` is distributed to
``a / c * c - b * c`` for such a ``c`` (the gradient of ``log(softmax(x))``).

The constant 1 may be of any dtype, an array of ones, or a ``DimShuffle``
of one; when it broadcasts the result to a larger shape, the replacement is
broadcast back (``second``).  A replacement keeps the dtype (a cast where
the stable op's differs) and the static shape of what it replaces; when it
cannot, the rule does not fire."""
import importlib

import numpy as np
from tensorsmith_graphcore import Constant
from tensorsmith_tensorops.basic import constant
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.nnet.losses import LogSoftmax, Softmax
from tensorsmith_tensorops.reduction import CAReduce, LogSumExp, expand_reduced
from tensorsmith_tensorops.shape import DimShuffle
from tensorsmith_tensorops.type import TensorType

from . import node_rewriter, register_stabilize

# the modules (the package's namespace has functions of these names)
M = importlib.import_module("tensorsmith_tensorops.math")
ps = importlib.import_module("tensorsmith_tensorops.scalar")
sm = importlib.import_module("tensorsmith_tensorops.scalar_math")

__all__ = []

# factors a product rule expands at most (a bound on its cost per node)
_PRODUCT_BUDGET = 32
# products of more factors are left alone (the pairing is quadratic)
_MAX_FACTORS = 64
# depth of the structural comparison of two variables
_SAME_DEPTH = 6


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _owner_ew(v, classes):
    """``v``'s node when it is an ``Elemwise`` of one of the scalar op
    ``classes``, else None."""
    o = v.owner
    if o is not None and isinstance(o.op, Elemwise) and isinstance(o.op.scalar_op, classes):
        return o
    return None


def _arg(v, classes):
    """The input of the unary elementwise ``v`` when its scalar op is one of
    ``classes``, else None."""
    o = _owner_ew(v, classes)
    return o.inputs[0] if o is not None and len(o.inputs) == 1 else None


def _is_float(v):
    t = v.type
    return isinstance(t, TensorType) and t.numpy_dtype.kind == "f"


def _fill_value(v):
    """The value of every element of the constant ``v`` (or of a
    ``DimShuffle`` of one) when they are all equal and real, else None."""
    o = v.owner
    if o is not None and isinstance(o.op, DimShuffle):
        v = o.inputs[0]
    if not isinstance(v, Constant) or not isinstance(v.type, TensorType):
        return None
    d = np.asarray(v.data)
    if d.dtype.kind not in "iuf" or d.size == 0:
        return None
    first = d.flat[0]
    if d.size > 1 and not (d == first).all():
        return None
    return float(first)


def _is_value(v, value):
    return _fill_value(v) == value


def _neg_arg(v):
    """``y`` when ``v`` is ``-y`` (``neg(y)`` or ``mul(-1, y)``), else None."""
    o = v.owner
    if o is None or not isinstance(o.op, Elemwise):
        return None
    so = o.op.scalar_op
    if isinstance(so, ps.Neg):
        return o.inputs[0]
    if isinstance(so, ps.Mul) and len(o.inputs) == 2:
        a, b = o.inputs
        if _is_value(a, -1.0) and b.type.dtype == v.type.dtype:
            return b
        if _is_value(b, -1.0) and a.type.dtype == v.type.dtype:
            return a
    return None


def _same(a, b, depth=_SAME_DEPTH):
    """Whether ``a`` and ``b`` compute the same values: the same variable,
    equal constants, or outputs of equal ops on such inputs (up to
    ``depth`` levels; iterative)."""
    stack = [(a, b, depth)]
    while stack:
        a, b, d = stack.pop()
        if a is b:
            continue
        if a.type != b.type:
            return False
        ao, bo = a.owner, b.owner
        if ao is None or bo is None:
            if (ao is None and bo is None and isinstance(a, Constant) and isinstance(b, Constant)
                    and a.signature() == b.signature()):
                continue
            return False
        if (d <= 0 or len(ao.inputs) != len(bo.inputs) or len(ao.outputs) != len(bo.outputs)
                or ao.outputs.index(a) != bo.outputs.index(b) or ao.op != bo.op):
            return False
        for x, y in zip(ao.inputs, bo.inputs):
            stack.append((x, y, d - 1))
    return True


def _negation_of(a, b):
    """Whether ``a`` is ``-b``."""
    na = _neg_arg(a)
    if na is not None and _same(na, b):
        return True
    nb = _neg_arg(b)
    return nb is not None and _same(nb, a)


def _shape_root(v, steps=8):
    """A variable whose shape is ``v``'s at run time: ``v`` followed down
    through shape-keeping ops (unary elementwise functions, elementwise ops
    whose other inputs are constants that broadcast nothing, softmax)."""
    ndim = v.type.ndim
    for _ in range(steps):
        o = v.owner
        if o is None:
            return v
        op = o.op
        if isinstance(op, (Softmax, LogSoftmax)):
            v = o.inputs[0]
            continue
        if not isinstance(op, Elemwise) or len(o.outputs) != 1:
            return v
        nxt = None
        for i in o.inputs:
            if isinstance(i, Constant) and i.type.ndim <= ndim and all(s == 1 for s in i.type.shape):
                continue
            if nxt is not None or i.type.ndim != ndim:
                return v
            nxt = i
        if nxt is None:
            return v
        v = nxt
    return v


def _broadcasts(ref, shape):
    """Whether ``ref`` may broadcast a variable of static ``shape`` to a
    larger shape."""
    rs = ref.type.shape
    if len(rs) > len(shape):
        return True
    off = len(shape) - len(rs)
    for k, d in enumerate(rs):
        if d != 1 and (d is None or shape[off + k] != d):
            return True
    return False


def _finish(old, new, refs=()):
    """``new`` made to stand for ``old``: broadcast against the dropped
    variables ``refs`` that may enlarge it (``second``), cast to ``old``'s
    dtype; None when its static shape cannot be ``old``'s."""
    if new is None:
        return None
    for r in refs:
        if _broadcasts(r, new.type.shape):
            new = M.second(r, new)
    ot, nt = old.type, new.type
    if not isinstance(nt, TensorType) or nt.ndim != ot.ndim:
        return None
    if nt.dtype != ot.dtype:
        if ot.numpy_dtype.kind not in "fc" or nt.numpy_dtype.kind not in "fc":
            return None
        new = M.cast(new, ot.dtype)
        nt = new.type
    if nt == ot or ot.is_super(nt):
        return new
    return None


def _one_plus(v, value=1.0):
    """``(terms, c)`` when ``v`` is ``add(c, *terms)`` with ``c`` a constant
    filled with ``value`` (the first such input), else None."""
    o = _owner_ew(v, ps.Add)
    if o is None or len(o.inputs) < 2:
        return None
    for k, c in enumerate(o.inputs):
        if _is_value(c, value):
            return o.inputs[:k] + o.inputs[k + 1:], c
    return None


def _one_plus_exp(v):
    """``(x, c)`` when ``v`` is ``1 + exp(x)`` (either order), else None."""
    r = _one_plus(v)
    if r is None or len(r[0]) != 1:
        return None
    x = _arg(r[0][0], ps.Exp)
    return None if x is None else (x, r[1])


def _softplus(x):
    return M.softplus(x)


def _log_erfc(x):
    """``log(erfc(x))``, finite far in the upper tail, as the sum of
    ``log(erfcx(p)) - p**2`` with ``p = max(x, 0)`` (erfcx(p) ~ 1 / (p
    sqrt(pi)) for large p) and ``log1p(erf(-n))`` with ``n = min(x, 0)``
    (erfc(n) = 1 + erf(-n) is between 1 and 2): each term is exactly 0 where
    the other one holds the value, and neither overflows (no warnings from
    an unused branch).  No rule of this module rewrites these forms again."""
    p = M.maximum(x, 0)
    n = M.minimum(x, 0)
    return M.add(M.sub(M.log(M.erfcx(p)), M.sqr(p)), M.log1p(M.erf(M.neg(n))))


# ---------------------------------------------------------------------------
# log, log1p
# ---------------------------------------------------------------------------


def _log_one_minus(t):
    """``log(1 - t)`` in a stable form, or None."""
    x = _arg(t, ps.Exp)
    if x is not None and _is_float(x):
        return M.log1mexp(x)
    x = _arg(t, sm.Sigmoid)
    if x is not None and _is_float(x):
        return M.neg(_softplus(x))
    x = _arg(t, sm.Erf)
    if x is not None and _is_float(x):
        return _log_erfc(x)
    return None


def _log_one_plus(t):
    """``log(1 + t)`` in a stable form, or None."""
    x = _arg(t, ps.Exp)
    if x is not None and _is_float(x):
        return _softplus(x)
    y = _neg_arg(t)
    if y is not None:
        return _log_one_minus(y)
    return None


@register_stabilize
@node_rewriter([M.log])
def stabilize_log(fgraph, node):
    """``log`` of ``1 + x``, ``1 - x``, ``sigmoid``, ``softmax``,
    ``sum(exp)``, ``exp``, ``erfc`` and ``-expm1`` in stable forms."""
    (u,) = node.inputs
    out = node.outputs[0]
    o = u.owner
    if o is None or not _is_float(out):
        return None
    op = o.op
    if isinstance(op, Elemwise):
        so = op.scalar_op
        if isinstance(so, ps.Add):
            r = _one_plus(u)
            if r is None:
                return None
            terms, c = r
            if len(terms) == 1:
                t = terms[0]
                new = _log_one_plus(t)
                if new is None:
                    new = M.log1p(t)
            elif all(i.type.dtype == u.type.dtype for i in o.inputs):
                new = M.log1p(M.add(*terms))
            else:
                return None
            return [_finish(out, new, [c])]
        if isinstance(so, ps.Sub):
            a, t = o.inputs
            if not _is_value(a, 1.0):
                return None
            new = _log_one_minus(t)
            if new is None:
                new = M.log1p(M.neg(t))
            return [_finish(out, new, [a])]
        y = _neg_arg(u)  # neg(y) or mul(-1, y)
        if y is not None:
            x = _arg(y, sm.Expm1)
            if x is not None and _is_float(x):
                return [_finish(out, M.log1mexp(x))]
            return None
        x = o.inputs[0] if len(o.inputs) == 1 else None
        if x is None or not _is_float(x):
            return None
        if isinstance(so, sm.Sigmoid):
            return [_finish(out, M.log_sigmoid(x))]
        if isinstance(so, ps.Exp):
            return [x] if x.type == out.type else None
        if isinstance(so, sm.Erfc):
            return [_finish(out, _log_erfc(x))]
        return None
    if isinstance(op, Softmax):
        return [_finish(out, LogSoftmax(op.axis)(o.inputs[0]))]
    if isinstance(op, DimShuffle):
        inner = _log_sum_exp(o.inputs[0])
        return None if inner is None else [_finish(out, op(inner))]
    if isinstance(op, CAReduce):
        return [_finish(out, _log_sum_exp(u))]
    return None


def _log_sum_exp(s):
    """``log(s)`` as ``logsumexp`` when ``s`` is ``sum(exp(x), axes)``, else None."""
    o = s.owner
    if o is None or not isinstance(o.op, CAReduce) or not isinstance(o.op.scalar_op, ps.Add):
        return None
    x = _arg(o.inputs[0], ps.Exp)
    if x is None or not _is_float(x) or not _is_float(s):
        return None
    if x.type.dtype != s.type.dtype:
        x = M.cast(x, s.type.dtype)  # the sum's accumulation dtype
    return LogSumExp(o.op.axis)(x)


@register_stabilize
@node_rewriter([M.log1p])
def stabilize_log1p(fgraph, node):
    """``log1p(exp(x))`` -> ``softplus(x)``, ``log1p(-exp(x))`` ->
    ``log1mexp(x)``, ``log1p(-sigmoid(x))`` -> ``-softplus(x)``,
    ``log1p(-erf(x))`` -> ``log(erfc(x))`` (stable form)."""
    out = node.outputs[0]
    if not _is_float(out):
        return None
    return [_finish(out, _log_one_plus(node.inputs[0]))]


# ---------------------------------------------------------------------------
# 1 - f(x), f(x) - 1
# ---------------------------------------------------------------------------


def _one_minus(t):
    """``1 - t`` in a stable form, or None."""
    x = _arg(t, ps.Exp)
    if x is not None and _is_float(x):
        return M.neg(M.expm1(x))
    x = _arg(t, sm.Erf)
    if x is not None and _is_float(x):
        return M.erfc(x)
    x = _arg(t, sm.Erfc)
    if x is not None and _is_float(x):
        return M.erf(x)
    x = _arg(t, sm.Sigmoid)
    if x is not None and _is_float(x):
        return M.sigmoid(M.neg(x))
    return None


def _minus_one(t):
    """``t - 1`` in a stable form, or None."""
    x = _arg(t, ps.Exp)
    if x is not None and _is_float(x):
        return M.expm1(x)
    return None


@register_stabilize
@node_rewriter([M.sub])
def stabilize_sub_one(fgraph, node):
    """``exp(x) - 1`` -> ``expm1(x)``; ``1 - exp(x)`` -> ``-expm1(x)``,
    ``1 - erf(x)`` -> ``erfc(x)``, ``1 - erfc(x)`` -> ``erf(x)``,
    ``1 - sigmoid(x)`` -> ``sigmoid(-x)``."""
    out = node.outputs[0]
    if not _is_float(out):
        return None
    a, b = node.inputs
    if _is_value(b, 1.0):
        return [_finish(out, _minus_one(a), [b])]
    if _is_value(a, 1.0):
        return [_finish(out, _one_minus(b), [a])]
    return None


@register_stabilize
@node_rewriter([M.add])
def stabilize_add_one(fgraph, node):
    """The canonical forms of ``stabilize_sub_one``: ``add(exp(x), -1)``,
    ``add(1, neg(exp(x)))``, ... (the other terms of an n-ary add kept)."""
    out = node.outputs[0]
    ins = node.inputs
    if len(ins) < 2 or not _is_float(out):
        return None
    for k, c in enumerate(ins):
        v = _fill_value(c)
        if v != 1.0 and v != -1.0:
            continue
        for j, t in enumerate(ins):
            if j == k:
                continue
            if v == -1.0:
                new = _minus_one(t)
            else:
                y = _neg_arg(t)
                new = None if y is None else _one_minus(y)
            if new is None:
                continue
            rest = [i for n, i in enumerate(ins) if n != j and n != k]
            if rest:
                # other terms: only where the order of evaluation does not
                # change dtypes (every operand of the output's dtype)
                if any(i.type.dtype != out.type.dtype for i in ins):
                    return None
                new = M.add(new, *rest)
            return [_finish(out, new, [c])]
    return None


# ---------------------------------------------------------------------------
# exp
# ---------------------------------------------------------------------------


@register_stabilize
@node_rewriter([M.exp])
def stabilize_exp_log(fgraph, node):
    """``exp(log_softmax(x))`` -> ``softmax(x)``, ``exp(log_sigmoid(x))`` ->
    ``sigmoid(x)``."""
    out = node.outputs[0]
    u = node.inputs[0]
    o = u.owner
    if o is None:
        return None
    if isinstance(o.op, LogSoftmax):
        return [_finish(out, Softmax(o.op.axis)(o.inputs[0]))]
    x = _arg(u, sm.LogSigmoid)
    if x is not None and _is_float(x):
        return [_finish(out, M.sigmoid(x))]
    return None


# ---------------------------------------------------------------------------
# Products (the gradients' forms)
# ---------------------------------------------------------------------------


class _Factor:
    """A factor of a product: ``var``, or ``DimShuffle(order)(var)`` when
    ``order`` (the composition of the ``DimShuffle``s above it) is not None."""

    __slots__ = ("var", "order", "_eff")

    def __init__(self, var, order):
        self.var = var
        self.order = order
        self._eff = None

    def eff(self):
        if self._eff is None:
            v = self.var
            if self.order is not None:
                v = DimShuffle(v.type.ndim, self.order)(v)
            self._eff = v
        return self._eff


def _compose(inner, outer, ndim):
    """The order of ``DimShuffle(outer)`` applied after ``DimShuffle(inner)``
    (None: the identity) on an ``ndim``-d variable; None for the identity."""
    if inner is None:
        order = outer
    elif outer is None:
        order = inner
    else:
        order = tuple("x" if a == "x" else inner[a] for a in outer)
    if order is not None and order == tuple(range(ndim)):
        return None
    return order


def _flatten(v, fgraph=None, budget=_PRODUCT_BUDGET):
    """``v`` as ``sign * prod(num) / prod(den)``: the lists of ``_Factor``
    of the numerator and the denominator, the sign and the variables whose
    shapes take part in the product's (``second``'s first inputs).

    Nodes of ``v``'s dtype are read through (at most ``budget``): ``v``'s
    own inputs always, deeper nodes only when ``v``'s product is their only
    user (so that every node is read by one product: linear in all); under
    a ``DimShuffle`` only nodes whose inputs have the output's rank or none
    (a 0-d factor is the same under any ``DimShuffle``)."""
    dtype = v.type.dtype
    clients = fgraph.clients if fgraph is not None else None
    num, den, refs = [], [], []
    sign = 1
    stack = [(v, False, None, 0)]
    steps = 0
    while stack:
        var, inv, order, depth = stack.pop()
        o = var.owner
        children = None
        if (o is not None and steps < budget and var.type.dtype == dtype and len(o.outputs) == 1
                and (depth <= 1 or clients is None or len(clients.get(var, ())) == 1)):
            op = o.op
            if isinstance(op, Elemwise):
                ins = o.inputs
                nd = var.type.ndim
                if order is None or all(i.type.ndim == nd or i.type.ndim == 0 for i in ins):
                    so = op.scalar_op
                    if isinstance(so, ps.Mul):
                        children = [(i, inv) for i in ins]
                    elif isinstance(so, ps.TrueDiv):
                        children = [(ins[0], inv), (ins[1], not inv)]
                    elif isinstance(so, ps.Neg):
                        sign = -sign
                        children = [(ins[0], inv)]
                    elif isinstance(so, ps.Sqr):
                        children = [(ins[0], inv), (ins[0], inv)]
                    elif isinstance(so, sm.Reciprocal):
                        children = [(ins[0], not inv)]
                    elif (isinstance(so, ps.Pow) and _is_value(ins[1], -1.0)
                          and not _broadcasts(ins[1], ins[0].type.shape)):
                        children = [(ins[0], not inv)]
                    elif isinstance(so, ps.Second):
                        a = ins[0]
                        refs.append(_Factor(a, order if a.type.ndim == nd else None))
                        children = [(ins[1], inv)]
            elif isinstance(op, DimShuffle):
                inner = o.inputs[0]
                steps += 1
                stack.append((inner, inv, _compose(op.new_order, order, inner.type.ndim), depth + 1))
                continue
        if children is None:
            (den if inv else num).append(_Factor(var, order))
            continue
        steps += 1
        nd = var.type.ndim
        for c, ci in reversed(children):
            co = order if (order is None or c.type.ndim == nd) else None  # 0-d: no DimShuffle
            stack.append((c, ci, co, depth + 1))
    return num, den, sign, refs


def _softmax_axes(e, s_factor):
    """The axes when the factor ``s_factor`` is ``sum(e, axes)`` shaped to
    broadcast against ``e`` as ``e``'s ``DimShuffle`` shapes it (keepdims,
    or a scalar over all axes); ``e`` a ``_Factor`` too.  Else None."""
    s = s_factor.var
    o = s.owner
    if o is None or not isinstance(o.op, CAReduce) or not isinstance(o.op.scalar_op, ps.Add):
        return None
    if s.type.dtype != e.var.type.dtype or not _same(o.inputs[0], e.var):
        return None
    axes = o.op.axis
    ndim = e.var.type.ndim
    if s.type.ndim == 0 and sorted(axes) == list(range(ndim)):
        # a scalar: any number of broadcast axes up to the product's
        so = s_factor.order or ()
        out_ndim = ndim if e.order is None else len(e.order)
        return axes if all(a == "x" for a in so) and len(so) <= out_ndim else None
    expand = expand_reduced(s, axes, ndim).owner.op.new_order
    want = _compose(expand, e.order, s.type.ndim)
    return axes if want == s_factor.order else None


def _pair_product(num, den):
    """Finds the pairs of factors to replace.  Returns (kept num, kept den,
    new num factors, removed factors that the new ones do not cover) or
    None when nothing matched."""
    n_used = [False] * len(num)
    d_used = [False] * len(den)
    new = []
    dropped = []
    for i, f in enumerate(num):
        if n_used[i]:
            continue
        x = _arg(f.var, ps.Exp)
        if x is None or not _is_float(x):
            continue
        # exp(x) / (1 + exp(x)) -> sigmoid(x)
        for j, g in enumerate(den):
            if d_used[j] or g.order != f.order:
                continue
            r = _one_plus_exp(g.var)
            if r is not None and _same(r[0], x) and g.var.type == f.var.type:
                n_used[i] = d_used[j] = True
                new.append(_Factor(M.sigmoid(x), f.order))
                break
        else:
            # exp(x) / sum(exp(x), axes) -> softmax(x, axes)
            for j, g in enumerate(den):
                if d_used[j]:
                    continue
                axes = _softmax_axes(f, g)
                if axes is not None:
                    n_used[i] = d_used[j] = True
                    new.append(_Factor(Softmax(axes)(x), f.order))
                    break
            else:
                # exp(x) * sigmoid(-x) -> sigmoid(x)
                for k, g in enumerate(num):
                    if k == i or n_used[k] or g.order != f.order:
                        continue
                    z = _arg(g.var, sm.Sigmoid)
                    if z is not None and g.var.type == f.var.type and _negation_of(z, x):
                        n_used[i] = n_used[k] = True
                        new.append(_Factor(M.sigmoid(x), f.order))
                        break
    # 1 / (1 + exp(y)) -> sigmoid(-y) (after the pairs above, which keep exp(x))
    for j, g in enumerate(den):
        if d_used[j]:
            continue
        r = _one_plus_exp(g.var)
        if r is not None and _is_float(r[0]) and g.var.type == r[0].type:
            y = r[0]
            z = _neg_arg(y)
            d_used[j] = True
            new.append(_Factor(M.sigmoid(z if z is not None and z.type == y.type else M.neg(y)),
                               g.order))
    # equal factors above and below cancel (those that are never 0 or inf
    # for finite inputs but round to it: the NaN of 0/0 is an artefact)
    for i, f in enumerate(num):
        if n_used[i] or not _is_float(f.var) or not _positive_finite(f.var):
            continue
        for j, g in enumerate(den):
            if not d_used[j] and g.order == f.order and _same(f.var, g.var):
                n_used[i] = d_used[j] = True
                dropped.append(f)
                break
    if not new and not dropped:
        return None
    # a constant 1 that broadcasts nothing is no factor
    kept_num = [f for i, f in enumerate(num) if not n_used[i]
                and not (f.order is None and _is_value(f.var, 1.0) and f.var.type.ndim == 0)]
    kept_den = [g for j, g in enumerate(den) if not d_used[j]]
    return kept_num, kept_den, new, dropped


# scalar functions that are positive and finite for every finite input but
# can round to 0 or overflow
_POSITIVE_FUNCTIONS = (ps.Exp, sm.Exp2, sm.Sigmoid, sm.Softplus, sm.Erfc, sm.Erfcx)


def _positive_finite(v):
    """Whether ``v`` is a function of that kind (or a softmax)."""
    o = v.owner
    if o is None:
        return False
    if isinstance(o.op, Softmax):
        return True
    return isinstance(o.op, Elemwise) and isinstance(o.op.scalar_op, _POSITIVE_FUNCTIONS)


def _product(factors, dtype):
    if not factors:
        return constant(np.ones((), dtype=dtype))
    vs = [f.eff() for f in factors]
    return vs[0] if len(vs) == 1 else M.mul(*vs)


def _is_interior(fgraph, node):
    """Whether ``node``'s only user is a product of its dtype (which
    ``stabilize_product`` sees whole)."""
    out = node.outputs[0]
    clients = fgraph.clients.get(out)
    if not clients or len(clients) != 1:
        return False
    user = clients[0][0]
    if not hasattr(user, "op") or user.op is None:  # an output of the graph
        return False
    op = user.op
    if not (isinstance(op, Elemwise) and isinstance(op.scalar_op, (ps.Mul, ps.TrueDiv))):
        return False
    # the user's reading goes through it (under a DimShuffle too: ranks as
    # _flatten needs them)
    uo = user.outputs[0]
    nd = uo.type.ndim
    return uo.type.dtype == out.type.dtype and all(i.type.ndim in (nd, 0) for i in user.inputs)


# the ops a product is read through (below its root)
_PRODUCT_SCALAR_OPS = (ps.Mul, ps.TrueDiv, ps.Neg, ps.Sqr, sm.Reciprocal, ps.Pow, ps.Second)


def _may_pair(node):
    """A cheap test before reading the product at ``node``: a division, or
    an input that is itself read through, or ``exp`` and ``sigmoid`` inputs."""
    if isinstance(node.op.scalar_op, ps.TrueDiv):
        return True
    has_exp = has_sigmoid = False
    for i in node.inputs:
        o = i.owner
        if o is None:
            continue
        op = o.op
        if isinstance(op, DimShuffle):
            return True
        if isinstance(op, Elemwise):
            so = op.scalar_op
            if isinstance(so, _PRODUCT_SCALAR_OPS):
                return True
            if isinstance(so, ps.Exp):
                has_exp = True
            elif isinstance(so, sm.Sigmoid):
                has_sigmoid = True
    return has_exp and has_sigmoid


@register_stabilize
@node_rewriter([M.mul, M.true_div])
def stabilize_product(fgraph, node):
    """In a product: ``exp(x) / (1 + exp(x))`` -> ``sigmoid(x)``,
    ``exp(x) * sigmoid(-x)`` -> ``sigmoid(x)``, ``exp(x) / sum(exp(x))`` ->
    ``softmax(x)`` (the reduced axes, kept or a scalar), equal factors above
    and below cancel."""
    out = node.outputs[0]
    if not _is_float(out) or not _may_pair(node) or _is_interior(fgraph, node):
        return None
    num, den, sign, refs = _flatten(out, fgraph)
    if (not den and len(num) < 2) or len(num) + len(den) > _MAX_FACTORS:
        return None
    r = _pair_product(num, den)
    if r is None:
        return None
    kept_num, kept_den, new, dropped = r
    factors = kept_num + new
    dtype = out.type.dtype
    res = _product(factors, dtype)
    if kept_den:
        res = M.true_div(res, _product(kept_den, dtype))
    if sign < 0:
        res = M.neg(res)
    # the shapes the dropped factors (and second's) gave the product
    roots = {id(_shape_root(f.eff())) for f in factors + kept_den}
    wrap = []
    for f in refs + dropped:
        v = f.eff()
        if not _broadcasts(v, res.type.shape):
            continue
        rt = _shape_root(v)
        if id(rt) in roots:
            continue
        roots.add(id(rt))
        wrap.append(rt)  # the same shape, without computing v again
    return [_finish(out, res, wrap)]


def _den_of(t):
    """The divisor ``c`` when ``t`` is ``a / c``, ``a * reciprocal(c)`` or
    ``-(a / c)`` (one level), else None."""
    y = _neg_arg(t)
    if y is not None:
        t = y
    o = _owner_ew(t, (ps.TrueDiv, ps.Mul))
    if o is None:
        return None
    if isinstance(o.op.scalar_op, ps.TrueDiv):
        return o.inputs[1]
    for i in o.inputs:
        c = _arg(i, sm.Reciprocal)
        if c is not None:
            return c
    return None


@register_stabilize
@node_rewriter([M.mul])
def stabilize_distribute(fgraph, node):
    """``(a / c - b) * c`` -> ``a / c * c - b * c`` (and ``+``, any number of
    terms) when ``c`` is a factor that cancels (exp, sigmoid, softmax, ...,
    see ``_positive_finite``): the gradient of ``log(softmax(x))``,
    ``(g / sm - sum(g)) * sm``, becomes ``g - sum(g) * sm``."""
    out = node.outputs[0]
    if not _is_float(out):
        return None
    ins = node.inputs
    dt = out.type.dtype
    for k, s in enumerate(ins):
        o = _owner_ew(s, (ps.Add, ps.Sub))
        if o is None:
            continue
        rest = ins[:k] + ins[k + 1:]
        # every operand of the output's dtype: the order of evaluation
        # changes no dtype
        if (not rest or any(i.type.dtype != dt for i in ins)
                or any(t.type.dtype != dt for t in o.inputs)):
            continue
        hit = False
        for t in o.inputs:
            c = _den_of(t)
            # only a divisor that then cancels (see _positive_finite)
            if c is not None and _positive_finite(c) and any(_same(c, r) for r in rest):
                hit = True
                break
        if not hit:
            continue
        terms = [M.mul(t, *rest) for t in o.inputs]
        return [_finish(out, o.op(*terms))]
    return None
