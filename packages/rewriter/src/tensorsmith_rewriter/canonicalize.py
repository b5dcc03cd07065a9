"""canonicalize: algebraic normal forms of elementwise arithmetic.

Rules (stage ``canonicalize``, tag ``fast_run``; each also tagged with its name):

``add_canonical`` (roots: ``add``/``sub``)
    A sum is read as terms ``coef * t``: nested ``add``/``sub`` nodes used only
    there are flattened into it, ``neg(t)`` is ``-1 * t``, ``mul(t, c)`` with one
    constant ``c`` is ``c * t``, constants are summed into one.  Like terms
    (the same variable) are collected (``x + x + 2*x -> x * 4``).  It is written
    back as ``add(P...) - add(N...)`` (``P``: terms with positive or array
    coefficients, constant last; ``N``: terms with negative scalar
    coefficients, so ``x + neg(y) -> x - y``, ``x - neg(y) -> x + y``), the
    operands of each side in a deterministic order (graph inputs before
    computed variables, then by name, then by op, otherwise as they came).
    The rule fires only when this form differs from the node's, so the form
    is a fixed point.
``mul_canonical`` (roots: ``mul``)
    Nested ``mul`` nodes used only there are flattened, ``neg(t)`` is
    ``-1 * t``, constants are multiplied into one, repeated factors counted
    (``sqr(t)``: 2, ``pow(t, k)`` for an integer constant ``k >= 2``: ``k``) and
    written back as ``t``, ``sqr(t)``, ``sqr(t) * t``, ``pow(t, n)`` (n >= 4).
    A constant all ones is dropped, all minus ones gives ``neg(...)``, all
    zeros gives zeros for integers (``second(x, 0)``, keeping the shape).
``neg_neg``, ``neg_mul_constant``
    ``neg(neg(x)) -> x``; ``neg(mul(..., c)) -> mul(..., -c)``.
``div_constant``, ``div_div``
    ``x / c -> x * (1/c)`` for a float constant ``c`` whose reciprocal is finite
    and nonzero; ``(a / b) / c -> a / (b * c)`` (floats).
``pow_canonical``
    ``x**1 -> x``, ``x**0 -> ones`` (NumPy gives 1 for any x, NaN included),
    ``x**2 -> sqr(x)``.

What is and is not rewritten (the semantics kept):

* Only *homogeneous* nodes: every input has the output's dtype (constants
  made from Python numbers have been given it when the node was built).  A
  node that mixes dtypes (``int8 + float32``) evaluates its operations in
  dtypes that depend on the order of its operands, so it is left as it is;
  so is a nested node whose dtype differs from its user's.  Booleans and
  unsigned integers are left alone in sums (``-`` has no meaning for them),
  booleans in products.
* Integers: arithmetic is modular, so flattening, reordering, collecting
  terms and ``x - x -> 0``, ``x * 0 -> 0`` are exact.
* Floats: ``x * 0``, ``x - x``, ``x + 0*x`` are *not* simplified (with ``x``
  inf or NaN they are NaN).  Like terms are collected only when all their
  coefficients are nonzero reals of one sign (then ``inf``/``NaN`` inputs and
  overflow give the same result); complex terms are not collected.
  Flattening, reordering and folding constants reassociate float sums and
  products (as PyTensor's canonicalizer and ``-ffast-math`` do): results may
  differ in the last bits, and a sum that overflowed in one order may not in
  another.  ``x + 0 -> x`` turns ``-0.0 + 0.0`` (``+0.0``) into ``-0.0``
  (equal values).
* Dropping a constant or a term never changes the result's shape: when what
  stays does not provably have the broadcast shape, ``second(dropped, ...)``
  restores it, or (for constants that are the identity) the constant is kept.
* ``(a / b) * b -> a`` is not done: for floats it is never exact (``b = 0``,
  ``inf``, rounding).

Helpers for the other passes: ``constant_data``, ``unique_value``,
``is_constant_all``, ``elemwise_node``, ``is_homogeneous``, ``make_constant``,
``covers``, ``fit_to``."""
import numpy as np
from tensorsmith_graphcore.rewrite import node_rewriter
from tensorsmith_tensorops import math as tm
from tensorsmith_tensorops.scalar import Add, Mul, Neg, Pow, Sqr, Sub, TrueDiv
from tensorsmith_tensorops.basic import constant
from tensorsmith_tensorops.elemwise import Elemwise, broadcast_static_shape
from tensorsmith_tensorops.type import tensor_type
from tensorsmith_tensorops.variable import TensorConstant

from . import register_canonicalize

__all__ = ["constant_data", "unique_value", "is_constant_all", "elemwise_node", "is_homogeneous",
           "make_constant", "covers", "fit_to", "MAX_FLAT_OPERANDS"]

#: flattening stops when a sum or product would get more operands (a chain
#: of n additions then costs O(n) to canonicalize, not O(n**2))
MAX_FLAT_OPERANDS = 16


# ---------------------------------------------------------------------------
# Helpers (also used by constant_folding and specialize)
# ---------------------------------------------------------------------------


def constant_data(v):
    """The ndarray of ``v`` when it is a tensor constant, else None."""
    if isinstance(v, TensorConstant):
        return v.data
    return None


def unique_value(v):
    """The value (a NumPy scalar) all elements of the tensor constant ``v``
    equal, or None (not a constant, empty, elements differ, or NaN)."""
    d = constant_data(v)
    if d is None or d.size == 0:
        return None
    first = d.flat[0]
    if d.size > 1 and not np.all(d == first):
        return None
    if first != first:  # NaN
        return None
    return first


def is_constant_all(v, value):
    """True when ``v`` is a tensor constant whose elements all equal ``value``."""
    u = unique_value(v)
    return u is not None and bool(u == value)


def elemwise_node(v, scalar_cls):
    """``v.owner`` when it is an ``Elemwise`` node of a scalar op of class
    ``scalar_cls`` (a class or tuple), else None."""
    n = v.owner
    if n is not None and isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, scalar_cls):
        return n
    return None


def is_homogeneous(node):
    """True when every input of ``node`` has the dtype of its (first) output."""
    dt = node.outputs[0].type.dtype
    for i in node.inputs:
        if i.type.dtype != dt:
            return False
    return True


def make_constant(value, dtype):
    """A (strong) tensor constant holding ``value`` converted to ``dtype``."""
    with np.errstate(all="ignore"):
        return constant(np.asarray(value, dtype=dtype))


def covers(shape, ref_shape):
    """True when a result of static ``shape`` provably has the broadcast shape
    of itself and a value of static ``ref_shape`` (so dropping that value does
    not change the shape)."""
    if len(ref_shape) > len(shape):
        return False
    off = len(shape) - len(ref_shape)
    for k, r in enumerate(ref_shape):
        if r == 1:
            continue
        if r is None or shape[off + k] != r:
            return False
    return True


def fit_to(out, new, refs=()):
    """``new`` given the type of ``out``: cast to its dtype, broadcast with
    ``second(ref, new)`` for each of ``refs`` (values dropped from the
    computation of ``out``) whose shape it does not provably have.  None when
    the result still cannot stand for ``out``."""
    dt = out.type.dtype
    if new.type.dtype != dt:
        new = tm.cast(new, dt)
    for r in refs:
        if not covers(new.type.shape, r.type.shape):
            new = tm.second(r, new)
    if not out.type.is_super(new.type):
        return None
    return new


def _single_client(fgraph, v):
    return len(fgraph.clients.get(v, ())) == 1


def _sort_key(v):
    if isinstance(v, TensorConstant):
        return (2, "", "")
    if v.owner is None:
        return (0, v.name or "", "")
    return (1, v.name or "", str(v.owner.op))


def _same_constant(v, data):
    d = constant_data(v)
    # bytes: NaN equals NaN here (a form with a NaN constant is still a fixed point)
    return d is not None and d.dtype == data.dtype and d.shape == data.shape and (
        d is data or d.tobytes() == data.tobytes())


# A "spec" describes a graph to build: a Variable (used as it is), or a tuple
# (kind, ...) with kind "add"/"mul"/"sub"/"neg"/"sqr"/"pow"/"const":
#   ("add", [specs]), ("mul", [specs]), ("sub", a, b), ("neg", a), ("sqr", a),
#   ("pow", a, ndarray), ("const", ndarray)
# ``_matches`` tells whether a variable already computes it (no rewrite then),
# ``_build`` makes it.

_KIND_CLS = {"add": Add, "mul": Mul, "sub": Sub, "neg": Neg, "sqr": Sqr, "pow": Pow}


def _matches(spec, var):
    stack = [(spec, var)]
    while stack:
        s, v = stack.pop()
        if not isinstance(s, tuple):
            if s is not v:
                return False
            continue
        kind = s[0]
        if kind == "const":
            if not _same_constant(v, s[1]):
                return False
            continue
        n = elemwise_node(v, _KIND_CLS[kind])
        if n is None:
            return False
        if kind in ("add", "mul"):
            subs = s[1]
        elif kind == "pow":
            subs = [s[1], ("const", s[2])]
        else:
            subs = list(s[1:])
        if len(subs) != len(n.inputs):
            return False
        stack.extend(zip(subs, n.inputs))
    return True


_BUILD = {"add": tm.add, "mul": tm.mul, "sub": tm.sub, "neg": tm.neg, "sqr": tm.sqr, "pow": tm.pow}


def _build(spec, dtype):
    # iterative post-order construction
    stack = [(spec, False)]
    done = []
    while stack:
        s, ready = stack.pop()
        if not isinstance(s, tuple):
            done.append(s)
            continue
        kind = s[0]
        if kind == "const":
            done.append(make_constant(s[1], dtype))
            continue
        if kind in ("add", "mul"):
            subs = s[1]
        elif kind == "pow":
            subs = [s[1], ("const", s[2])]
        else:
            subs = list(s[1:])
        if not ready:
            stack.append((s, True))
            for c in reversed(subs):
                stack.append((c, False))
            continue
        k = len(subs)
        args = done[len(done) - k:]
        del done[len(done) - k:]
        done.append(_BUILD[kind](*args))
    return done[0]


def _spec_shape(spec):
    """The static broadcast shape of the leaves of ``spec``."""
    shapes = []
    stack = [spec]
    while stack:
        s = stack.pop()
        if not isinstance(s, tuple):
            shapes.append(s.type.shape)
        elif s[0] == "const":
            shapes.append(s[1].shape)
        elif s[0] in ("add", "mul"):
            stack.extend(s[1])
        elif s[0] == "pow":
            stack.append(s[1])
            shapes.append(s[2].shape)
        else:
            stack.extend(s[1:])
    return broadcast_static_shape(shapes)


def _finish(fgraph, node, spec, refs):
    """The replacement of ``node``'s output by ``spec`` (None when it already
    computes it, or when the type cannot be kept)."""
    out = node.outputs[0]
    if _matches(spec, out):
        return None
    dt = out.type.dtype
    # values dropped whose shape the rest provably has need no second()
    shape = _spec_shape(spec)
    keep = []
    for r in refs:
        if not covers(shape, r.type.shape):
            keep.append(r)
            shape = broadcast_static_shape([shape, r.type.shape])
    if not _is_super(out.type, dt, shape):
        return None
    new = _build(spec, dt)
    new = fit_to(out, new, keep)
    if new is None:
        return None
    return [new]


def _is_super(out_type, dtype, shape):
    return out_type.is_super(tensor_type(dtype, shape))


# ---------------------------------------------------------------------------
# Sums
# ---------------------------------------------------------------------------

_ADD_ROOTS = (Add, Sub)


def _add_terms(fgraph, node, dt):
    """The terms of the sum at ``node``: (list of [t, coef ndarray], constant
    arrays); None when an operand is not of dtype ``dt``."""
    terms = []
    consts = []
    one = _ONES.get(dt)
    if one is None:
        one = _ONES[dt] = np.ones((), dtype=dt)
    so = node.op.scalar_op
    if isinstance(so, Sub):
        stack = [(node.inputs[1], -one), (node.inputs[0], one)]
    else:
        stack = [(v, one) for v in reversed(node.inputs)]
    n_ops = len(node.inputs)
    while stack:
        v, s = stack.pop()
        if v.type.dtype != dt:
            return None
        d = constant_data(v)
        if d is not None:
            consts.append(d * s if s is not one else d)
            continue
        n = v.owner
        if n is not None and isinstance(n.op, Elemwise):
            vso = n.op.scalar_op
            if isinstance(vso, Neg):
                stack.append((n.inputs[0], -s))
                continue
            if (isinstance(vso, (Add, Sub)) and is_homogeneous(n) and _single_client(fgraph, v)
                    and n_ops + len(n.inputs) - 1 <= MAX_FLAT_OPERANDS):
                n_ops += len(n.inputs) - 1
                if isinstance(vso, Sub):
                    stack.append((n.inputs[1], -s))
                    stack.append((n.inputs[0], s))
                else:
                    for w in reversed(n.inputs):
                        stack.append((w, s))
                continue
            if isinstance(vso, Mul) and len(n.inputs) == 2 and is_homogeneous(n):
                a, b = n.inputs
                da, db = constant_data(a), constant_data(b)
                if (da is None) != (db is None):
                    c, t = (da, b) if da is not None else (db, a)
                    terms.append([t, c * s])
                    continue
        terms.append([v, s])
    return terms, consts


_ONES = {}


def _add_is_plain(fgraph, node, dt):
    """True when the sum at ``node`` is canonical at a glance: its operands
    are distinct, sorted, none a constant, a negation, a product by a
    constant or a sum the rule would flatten."""
    ins = node.inputs
    if len(ins) < 2:
        return False
    seen = set()
    prev = None
    is_add = isinstance(node.op.scalar_op, Add)
    for v in ins:
        if type(v) is TensorConstant or id(v) in seen:
            return False
        seen.add(id(v))
        n = v.owner
        if n is not None and isinstance(n.op, Elemwise):
            so = n.op.scalar_op
            if isinstance(so, (Neg, Add, Sub)):
                return False
            if isinstance(so, Mul) and len(n.inputs) == 2 and (
                    type(n.inputs[0]) is TensorConstant or type(n.inputs[1]) is TensorConstant):
                return False
        if is_add:
            k = _sort_key(v)
            if prev is not None and k < prev:
                return False
            prev = k
    return True


def _coef_sign(c):
    """+1 / -1 for a real coefficient of one sign, 0 otherwise."""
    if c.ndim == 0 and c.dtype.kind != "c":
        v = c[()]
        return 1 if v > 0 else (-1 if v < 0 else 0)
    if c.dtype.kind == "c" or c.size == 0:
        return 0
    if np.all(c > 0):
        return 1
    if np.all(c < 0):
        return -1
    return 0


@node_rewriter([Elemwise], name="add_canonical")
def add_canonical(fgraph, node):
    so = node.op.scalar_op
    if not isinstance(so, _ADD_ROOTS):
        return None
    out = node.outputs[0]
    dt = out.type.dtype
    kind = out.type.numpy_dtype.kind
    if kind not in "ifc" or not is_homogeneous(node):
        return None
    if _add_is_plain(fgraph, node, dt):
        return None
    with np.errstate(all="ignore"):
        res = _add_terms(fgraph, node, dt)
    if res is None:
        return None
    terms, consts = res
    refs = []
    # collect like terms
    groups = {}
    order = []
    for t, c in terms:
        g = groups.get(id(t))
        if g is None:
            groups[id(t)] = g = [t, []]
            order.append(g)
        g[1].append(c)
    items = []  # (t, coef)
    with np.errstate(all="ignore"):
        for t, coefs in order:
            if len(coefs) == 1:
                items.append((t, coefs[0]))
                continue
            if kind == "i":
                total = coefs[0]
                for c in coefs[1:]:
                    total = np.add(total, c, dtype=dt)
                if not np.any(total):
                    refs.append(t)  # x - x: zeros, with x's shape
                    for c in coefs:
                        if c.ndim:
                            refs.append(make_constant(c, dt))
                    continue
                items.append((t, np.asarray(total, dtype=dt)))
                continue
            if kind == "f":
                sign = _coef_sign(coefs[0])
                if sign and all(_coef_sign(c) == sign for c in coefs[1:]):
                    total = coefs[0]
                    for c in coefs[1:]:
                        total = np.add(total, c, dtype=dt)
                    items.append((t, np.asarray(total, dtype=dt)))
                    continue
            items.extend((t, c) for c in coefs)
        k = None
        if consts:
            k = consts[0]
            for c in consts[1:]:
                k = np.add(k, c, dtype=dt)
            k = np.asarray(k, dtype=dt)
    pos, neg = [], []
    for t, c in items:
        u = c[()] if c.ndim == 0 else (c.flat[0] if c.size and np.all(c == c.flat[0]) else None)
        if u is not None and c.ndim == 0 and u == 1:
            pos.append(t)
        elif u is not None and c.ndim == 0 and u == -1:
            neg.append(t)
        elif kind != "c" and c.ndim == 0 and c < 0:
            neg.append(("mul", [t, ("const", np.negative(c))]))
        else:
            pos.append(("mul", [t, ("const", c)]))
    const_spec = None
    if k is not None:
        if not np.any(k) and items:
            refs.append(make_constant(k, dt))  # x + 0
        elif kind != "c" and k.ndim == 0 and k < 0:
            const_spec = ("neg", ("const", np.negative(k)))
        else:
            const_spec = ("pos", ("const", k))
    pos.sort(key=_item_key)
    neg.sort(key=_item_key)
    if const_spec is not None:
        (pos if const_spec[0] == "pos" else neg).append(const_spec[1])
    if not pos and not neg:
        spec = ("const", np.zeros((), dtype=dt))
    elif not neg:
        spec = pos[0] if len(pos) == 1 else ("add", pos)
    elif not pos:
        if len(neg) == 1 and isinstance(neg[0], tuple) and neg[0][0] == "mul":
            t, (_, c) = neg[0][1]
            spec = ("mul", [t, ("const", np.negative(c))])
        elif len(neg) == 1 and isinstance(neg[0], tuple) and neg[0][0] == "const":
            spec = ("const", np.negative(neg[0][1]))
        else:
            spec = ("neg", neg[0] if len(neg) == 1 else ("add", neg))
    else:
        spec = ("sub", pos[0] if len(pos) == 1 else ("add", pos), neg[0] if len(neg) == 1 else ("add", neg))
    return _finish(fgraph, node, spec, refs)


def _item_key(s):
    if isinstance(s, tuple):
        if s[0] == "const":
            return (3, "", "")
        return _sort_key(s[1][0])  # mul(t, c): by t
    return _sort_key(s)


register_canonicalize(add_canonical, name="add_canonical")


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


def _int_exponent(node, t):
    """k >= 2 when ``node`` is ``pow(t, k)`` with an integer-valued constant
    ``k`` that does not broadcast ``t``; else 0."""
    e = node.inputs[1]
    u = unique_value(e)
    if u is None or node.outputs[0].type != t.type:
        return 0
    if u.dtype.kind == "c":
        return 0
    if u.dtype.kind == "f" and not float(u).is_integer():
        return 0
    k = int(u)
    return k if 2 <= k <= 64 else 0


def _mul_is_plain(node):
    """True when the product at ``node`` is canonical at a glance: distinct
    sorted operands, none a constant, a product, a negation, a square or a
    power."""
    ins = node.inputs
    if len(ins) < 2:
        return False
    seen = set()
    prev = None
    for v in ins:
        if type(v) is TensorConstant or id(v) in seen:
            return False
        seen.add(id(v))
        n = v.owner
        if n is not None and isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, (Mul, Neg, Sqr, Pow)):
            return False
        k = _sort_key(v)
        if prev is not None and k < prev:
            return False
        prev = k
    return True


@node_rewriter([Elemwise], name="mul_canonical")
def mul_canonical(fgraph, node):
    if not isinstance(node.op.scalar_op, Mul):
        return None
    out = node.outputs[0]
    dt = out.type.dtype
    kind = out.type.numpy_dtype.kind
    if kind not in "iufc" or not is_homogeneous(node):
        return None
    if _mul_is_plain(node):
        return None
    factors = {}
    order = []
    consts = []
    stack = list(reversed(node.inputs))
    n_ops = len(node.inputs)
    while stack:
        v = stack.pop()
        if v.type.dtype != dt:
            return None
        d = constant_data(v)
        if d is not None:
            consts.append(d)
            continue
        count = 1
        t = v
        n = v.owner
        if n is not None and isinstance(n.op, Elemwise) and is_homogeneous(n):
            vso = n.op.scalar_op
            if isinstance(vso, Mul) and _single_client(fgraph, v) and n_ops + len(n.inputs) - 1 <= MAX_FLAT_OPERANDS:
                n_ops += len(n.inputs) - 1
                stack.extend(reversed(n.inputs))
                continue
            if isinstance(vso, Neg) and kind in "ifc":
                consts.append(np.asarray(-1, dtype=dt))
                stack.append(n.inputs[0])
                continue
            if isinstance(vso, Sqr) and _single_client(fgraph, v):
                t, count = n.inputs[0], 2
            elif isinstance(vso, Pow) and _single_client(fgraph, v):
                k = _int_exponent(n, n.inputs[0])
                if k:
                    t, count = n.inputs[0], k
        f = factors.get(id(t))
        if f is None:
            factors[id(t)] = f = [t, 0]
            order.append(f)
        f[1] += count
    refs = []
    specs = []
    for t, c in order:
        if c == 1:
            specs.append(t)
        elif c == 2:
            specs.append(("sqr", t))
        elif c == 3:
            specs.append(("sqr", t))
            specs.append(t)
        else:
            specs.append(("pow", t, np.asarray(c, dtype=dt)))
    specs.sort(key=lambda s: _sort_key(s[1] if isinstance(s, tuple) else s))
    negate = False
    if consts:
        with np.errstate(all="ignore"):
            k = consts[0]
            for c in consts[1:]:
                k = np.multiply(k, c, dtype=dt)
            k = np.asarray(k, dtype=dt)
        u = k.flat[0] if k.size and np.all(k == k.flat[0]) else None
        fshape = broadcast_static_shape([s[1].type.shape if isinstance(s, tuple) else s.type.shape
                                         for s in specs]) if specs else None
        if u is not None and u == 1 and specs and covers(fshape, k.shape):
            pass  # x * 1
        elif u is not None and u == -1 and kind in "ifc" and specs and covers(fshape, k.shape):
            negate = True
        elif u is not None and u == 0 and kind in "iu":
            # x * 0 (integers): zeros of the broadcast shape
            refs = [s[1] if isinstance(s, tuple) else s for s in specs]
            specs = [("const", k)]
        else:
            specs.append(("const", k))
    if not specs:
        return None
    spec = specs[0] if len(specs) == 1 else ("mul", specs)
    if negate:
        spec = ("neg", spec)
    return _finish(fgraph, node, spec, refs)


register_canonicalize(mul_canonical, name="mul_canonical")


# ---------------------------------------------------------------------------
# Negation, division, powers
# ---------------------------------------------------------------------------


@node_rewriter([Elemwise], name="neg_neg")
def neg_neg(fgraph, node):
    """``neg(neg(x)) -> x``."""
    if not isinstance(node.op.scalar_op, Neg):
        return None
    inner = elemwise_node(node.inputs[0], Neg)
    if inner is None:
        return None
    x = inner.inputs[0]
    if x.type != node.outputs[0].type and not node.outputs[0].type.is_super(x.type):
        return None
    return [x]


register_canonicalize(neg_neg, "fast_compile", name="neg_neg")


@node_rewriter([Elemwise], name="neg_mul_constant")
def neg_mul_constant(fgraph, node):
    """``neg(mul(..., c)) -> mul(..., -c)`` (the product used only there)."""
    if not isinstance(node.op.scalar_op, Neg):
        return None
    v = node.inputs[0]
    inner = elemwise_node(v, Mul)
    out = node.outputs[0]
    if (inner is None or not is_homogeneous(inner) or out.type.dtype != v.type.dtype
            or out.type.numpy_dtype.kind not in "ifc" or not _single_client(fgraph, v)):
        return None
    ks = [i for i, w in enumerate(inner.inputs) if constant_data(w) is not None]
    if len(ks) != 1:
        return None
    i = ks[0]
    c = constant_data(inner.inputs[i])
    ins = list(inner.inputs)
    with np.errstate(all="ignore"):
        ins[i] = make_constant(np.negative(c), out.type.dtype)
    new = tm.mul(*ins)
    if not out.type.is_super(new.type):
        return None
    return [new]


register_canonicalize(neg_mul_constant, name="neg_mul_constant")


@node_rewriter([Elemwise], name="div_constant")
def div_constant(fgraph, node):
    """``x / c -> x * (1/c)`` for float ``c`` with ``1/c`` finite and nonzero
    (the product may differ from the quotient in the last bit, as in
    PyTensor; exact when ``c`` is a power of two); ``x / 1 -> x``."""
    if not isinstance(node.op.scalar_op, TrueDiv) or not is_homogeneous(node):
        return None
    out = node.outputs[0]
    if out.type.numpy_dtype.kind != "f":
        return None
    x, c = node.inputs
    d = constant_data(c)
    if d is None or constant_data(x) is not None:
        return None
    if is_constant_all(c, 1) and covers(x.type.shape, d.shape) and out.type.is_super(x.type):
        return [x]
    with np.errstate(all="ignore"):
        r = np.reciprocal(d.astype(out.type.dtype))
    if not np.all(np.isfinite(r)) or not np.all(r != 0) or not np.all(np.isfinite(d)):
        return None
    new = tm.mul(x, make_constant(r, out.type.dtype))
    if not out.type.is_super(new.type):
        return None
    return [new]


register_canonicalize(div_constant, name="div_constant")


@node_rewriter([Elemwise], name="div_div")
def div_div(fgraph, node):
    """``(a / b) / c -> a / (b * c)`` (floats; the inner quotient used only
    there)."""
    if not isinstance(node.op.scalar_op, TrueDiv) or not is_homogeneous(node):
        return None
    out = node.outputs[0]
    if out.type.numpy_dtype.kind != "f":
        return None
    ab, c = node.inputs
    inner = elemwise_node(ab, TrueDiv)
    if inner is None or not is_homogeneous(inner) or not _single_client(fgraph, ab):
        return None
    a, b = inner.inputs
    new = tm.true_div(a, tm.mul(b, c))
    if not out.type.is_super(new.type):
        return None
    return [new]


register_canonicalize(div_div, name="div_div")


@node_rewriter([Elemwise], name="pow_canonical")
def pow_canonical(fgraph, node):
    """``x**1 -> x``, ``x**0 -> ones`` (shape kept), ``x**2 -> sqr(x)``."""
    if not isinstance(node.op.scalar_op, Pow) or not is_homogeneous(node):
        return None
    out = node.outputs[0]
    x, e = node.inputs
    u = unique_value(e)
    if u is None or constant_data(x) is not None:
        return None
    dt = out.type.dtype
    ed = constant_data(e)
    if u == 0:
        new = tm.second(x, make_constant(np.ones(ed.shape, dtype=dt), dt))
        return [new] if out.type.is_super(new.type) else None
    if not covers(x.type.shape, ed.shape):
        return None
    if u == 1:
        new = x
    elif u == 2:
        new = tm.sqr(x)
    else:
        return None
    return [new] if out.type.is_super(new.type) else None


register_canonicalize(pow_canonical, name="pow_canonical")

