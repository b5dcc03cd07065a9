"""canonicalize: algebraic normal forms of elementwise arithmetic.

Rules (stage ``canonicalize``, tag ``fast_run``; each also tagged with its name):

``add_canonical`` (roots: ``add``/``sub``)
    A sum is read as terms ``coef * t``: nested ``add``/``sub`` nodes used only
    there are flattened into it, ``neg(t)`` is ``-1 * t``, ``mul(c, t)`` or
    ``mul(t, c)`` with one constant ``c`` is ``c * t``, constants are summed
    into one.  Like terms (the same variable) are collected
    (``x + x + 2*x -> 4 * x``; a term with a coefficient is written ``c * t``).  It is written
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
    written back as ``t``, ``sqr(t)``, ``sqr(t) * t``, ``pow(t, n)`` (n >= 4),
    the factors sorted as a sum's terms, the constant first (``c * x * y``:
    as products by a constant are usually written, so that most are in the
    form already).  A constant all ones is dropped, all minus ones gives ``neg(...)``, all
    zeros gives zeros for integers (``second(x, 0)``, keeping the shape).
``neg_neg``, ``neg_mul_constant``
    ``neg(neg(x)) -> x``; ``neg(mul(..., c)) -> mul(..., -c)``.
``div_constant``, ``div_div``
    ``x / c -> (1/c) * x`` for a float constant ``c`` whose reciprocal is finite
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

Cost (linear in the size of the graph):

* A sum (product) is rewritten at its top-most node only: a sum node whose
  only reader is a sum of its dtype (directly, or through negations each
  used only there) is left to that reader, which flattens the whole tree in
  one iterative walk into one n-ary node (no cap on the operands).  A chain
  of n additions is thus read and rebuilt once.  A sum under a negation
  used elsewhere too is not flattened (it would be computed twice).
* A node already canonical is told so by one scan of its operands, before
  anything is allocated; nodes with many operands found canonical are
  remembered (a feature of the graph marks the operands that may have
  changed since), so offering a big sum again after one of its operands was
  rewritten costs O(1), not O(n).  Constants and terms met in the graph are
  reused when the canonical form keeps them.
* The rules track the ``Elemwise`` instances of their ops (``add``, ``mul``,
  ...), so the driver offers them only those nodes.

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

from . import register_canonicalize, register_specialize

__all__ = ["constant_data", "unique_value", "is_constant_all", "elemwise_node", "is_homogeneous",
           "make_constant", "covers", "fit_to"]


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
    if type(value) is np.ndarray and value.dtype == dtype:
        return constant(value)
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
    cl = fgraph.clients.get(v)
    return cl is not None and len(cl) == 1


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


def _reader(fgraph, v, dt, through_neg):
    """The node that reads ``v`` (of dtype ``dt``) as an operand, up through
    negations when ``through_neg``: None unless ``v`` and each negation on
    the way have exactly one client (the path a sum or product is flattened
    along)."""
    clients = fgraph.clients
    while True:
        cl = clients.get(v)
        if cl is None or len(cl) != 1:
            return None
        c = cl[0][0]
        if type(c) is str:  # an output of the graph
            return None
        op = c.op
        if not isinstance(op, Elemwise):
            return None
        if through_neg and isinstance(op.scalar_op, Neg):
            v = c.outputs[0]
            if v.type.dtype != dt:
                return None
            continue
        return c


# A "spec" describes a graph to build: a Variable (used as it is; a constant
# stands for any constant of equal value), or a tuple (kind, ...) with kind
# "add"/"mul"/"sub"/"neg"/"sqr"/"pow"/"const":
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
            if s is not v and not (isinstance(s, TensorConstant) and _same_constant(v, s.data)):
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
    keep = ()
    if refs:
        # values dropped whose shape the rest provably has need no second()
        shape = _spec_shape(spec)
        keep = []
        for r in refs:
            if not covers(shape, r.type.shape):
                keep.append(r)
                shape = broadcast_static_shape([shape, r.type.shape])
        if not out.type.is_super(tensor_type(dt, shape)):
            return None
    new = fit_to(out, _build(spec, dt), keep)
    if new is None:
        return None
    return [new]


def _ones(dt):
    one = _ONES.get(dt)
    if one is None:
        one = _ONES[dt] = np.ones((), dtype=dt)
    return one


_ONES = {}


def _nonzero(k):
    return k.item() != 0 if k.ndim == 0 else bool(np.any(k))


def _const_leaf(arr, cv):
    """``cv`` (a constant variable) when it holds ``arr``, else ("const", arr)."""
    if cv is not None and _same_constant(cv, arr):
        return cv
    return ("const", arr)


def _scaled_leaf(t, arr, cv, src):
    """The spec of ``arr * t``: ``src`` (the product ``cv * t`` met in the
    graph, in that order) or ``cv * t`` when ``cv`` holds ``arr``."""
    if cv is not None and _same_constant(cv, arr):
        return src if src is not None else ("mul", [cv, t])
    return ("mul", [("const", arr), t])


# ---------------------------------------------------------------------------
# Sums
# ---------------------------------------------------------------------------
#
# A sum is canonicalized once, at its top-most node: a sum node read by a
# sum of its dtype (directly or through negations, each used only there) is
# left to that reader, which flattens the whole tree in one iterative walk
# and builds one n-ary node.  A chain of n additions is so read once (linear
# time, no cap on the operands).  A node already in the canonical form is
# recognized by one scan of its operands (``_add_is_plain``), before anything
# is computed.

_ADD_ROOTS = (Add, Sub)


def _add_absorbed(fgraph, node, dt):
    """True when the sum at ``node`` is flattened into a sum that reads it."""
    c = _reader(fgraph, node.outputs[0], dt, True)
    return (c is not None and isinstance(c.op.scalar_op, _ADD_ROOTS) and not c.op.inplace_pattern
            and c.outputs[0].type.dtype == dt and _reader_homogeneous(fgraph, c))


def _add_terms(fgraph, node, dt):
    """The terms of the sum at ``node``: a list of [t, cv, s, src] (the term
    ``s * cv * t``; ``cv``: a constant variable or None for 1, ``s``: +1/-1;
    ``src``: the variable ``t * cv`` read, or None) and a list of (constant
    variable, sign)."""
    clients = fgraph.clients
    terms = []
    consts = []
    ins = node.inputs
    if isinstance(node.op.scalar_op, Sub):
        stack = [(ins[1], -1, True), (ins[0], 1, True)]
    else:
        stack = [(v, 1, True) for v in reversed(ins)]
    while stack:
        v, s, excl = stack.pop()
        if isinstance(v, TensorConstant):
            consts.append((v, s))
            continue
        n = v.owner
        if n is not None and isinstance(n.op, Elemwise):
            vso = n.op.scalar_op
            if isinstance(vso, Neg):
                w = n.inputs[0]
                if w.type.dtype == dt:
                    # a sum under the negation is flattened only when the
                    # negation is this sum's alone
                    stack.append((w, -s, excl and len(clients[v]) == 1))
                    continue
            elif isinstance(vso, _ADD_ROOTS):
                if excl and len(clients[v]) == 1 and is_homogeneous(n):
                    if isinstance(vso, Sub):
                        stack.append((n.inputs[1], -s, True))
                        stack.append((n.inputs[0], s, True))
                    else:
                        for w in reversed(n.inputs):
                            stack.append((w, s, True))
                    continue
            elif isinstance(vso, Mul) and len(n.inputs) == 2 and is_homogeneous(n):
                a, b = n.inputs
                ca, cb = isinstance(a, TensorConstant), isinstance(b, TensorConstant)
                if ca and not cb:
                    terms.append([b, a, s, v])
                    continue
                if cb and not ca:
                    terms.append([a, b, s, None])
                    continue
        terms.append([v, None, s, None])
    return terms, consts


def _side(fgraph, v, dt):
    """The operands of one side of a canonical ``sub``: those of ``v`` when it
    is a sum flattened into it, else ``[v]``."""
    n = v.owner
    if (n is not None and isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, Add)
            and _single_client(fgraph, v) and is_homogeneous(n)):
        return n.inputs if len(n.inputs) >= 2 else None
    return [v]


# What one operand of a canonical node may be: _BAD (not canonical there),
# _CONST (a constant, canonical if it is the only one and last) or (id(t),
# sort key of t) for a term or factor t.
_BAD = "bad"
_CONST = "const"


def _add_operand(clients, v, negative, real):
    """The reading of operand ``v`` of one side of a canonical sum (see
    ``_add_is_plain``)."""
    if isinstance(v, TensorConstant):
        d = v.data
        if d.ndim:
            return _BAD
        u = d.item()
        if negative:
            if not real or not u > 0:
                return _BAD
        elif u == 0 or (real and u < 0):
            return _BAD
        return _CONST
    t = v
    n = v.owner
    if n is not None and isinstance(n.op, Elemwise):
        so = n.op.scalar_op
        if isinstance(so, Neg):
            return _BAD
        if isinstance(so, _ADD_ROOTS):
            if len(clients[v]) == 1 and is_homogeneous(n):
                return _BAD
        elif isinstance(so, Mul) and len(n.inputs) == 2 and is_homogeneous(n):
            b, a = n.inputs  # canonical: the coefficient b first, c * t
            if isinstance(a, TensorConstant):
                if not isinstance(b, TensorConstant):
                    return _BAD  # t * c: written c * t
            elif isinstance(b, TensorConstant):
                d = b.data
                if d.ndim:
                    if negative:
                        return _BAD
                else:
                    u = d.item()
                    if u == 1 or u == -1:
                        return _BAD
                    if negative:
                        if not real or not u > 0:
                            return _BAD
                    elif real and u < 0:
                        return _BAD
                t = a
    return (id(t), _sort_key(t))


def _scan(operands, read, clients, a, b, const_first=False):
    """The readings of ``operands`` when they form one canonical side
    (distinct terms in sorted order, at most one constant: last, or first
    when ``const_first``, as in a product), else None."""
    entries = []
    seen = set()
    prev = None
    const_at = 0 if const_first else len(operands) - 1
    i = -1
    for v in operands:
        i += 1
        e = read(clients, v, a, b)
        if e is _BAD:
            return None
        if e is _CONST:
            if i != const_at:
                return None
        else:
            if e[0] in seen:
                return None
            seen.add(e[0])
            if prev is not None and e[1] < prev:
                return None
            prev = e[1]
        entries.append(e)
    return entries


def _add_is_plain(fgraph, node, dt, kind):
    """True when the sum at ``node`` is in the canonical form (``add(P...)``
    or ``sub(P, N)``), told by one scan of its operands: distinct sorted
    terms, none a negation or a sum to flatten, products by a constant in
    the order ``t * c`` with a coefficient of the side's sign other than
    +-1, at most one constant, last of its side, nonzero and of the side's
    sign.  False when in doubt (the full reading then decides).  A large
    ``add`` found canonical is remembered: later calls read again only the
    operands that may have changed (``_Memo``)."""
    clients = fgraph.clients
    real = kind != "c"
    ins = node.inputs
    if isinstance(node.op.scalar_op, Sub):
        pside = _side(fgraph, ins[0], dt)
        nside = _side(fgraph, ins[1], dt)
        if pside is None or nside is None:
            return False
        p = _scan(pside, _add_operand, clients, False, real)
        if p is None:
            return False
        m = _scan(nside, _add_operand, clients, True, real)
        if m is None:
            return False
        if p[-1] is _CONST and m[-1] is _CONST:
            return False
        ids = set()
        for e in p + m:
            if e is not _CONST:
                ids.add(e[0])
        return len(ids) == len(p) + len(m) - (p[-1] is _CONST) - (m[-1] is _CONST) and len(ids) > 0
    if len(ins) < 2:
        return False
    return _memo_is_plain(fgraph, node, _add_operand, False, real)


# ---------------------------------------------------------------------------
# Remembered canonical nodes
# ---------------------------------------------------------------------------
#
# A large sum or product node is offered to its rule again each time one of
# its operands is rewritten (the graph changes its input in place): reading
# all its operands each time would cost O(n) per change, O(n**2) in all.
# ``_Memo`` (a feature of the graph) remembers, for the nodes with at least
# MEMO_MIN operands found canonical, the reading of each operand, and marks
# the positions whose reading may have changed: an input changed, the node
# computing an operand changed its inputs (a product ``t * c`` read as a
# coefficient, ``sqr(t)`` read as ``t``), or an operand gained or lost its
# only other client (a sum used once is flattened, one used twice is not).
# Only those positions are read again.

# every sum and product (2 operands or more): the scan of a small node costs
# more than keeping its reading (a 29k-node model: about a tenth fewer calls)
MEMO_MIN = 2


class _Plain:
    __slots__ = ("entries", "counts", "dirty", "const_first")

    def __init__(self, entries, const_first=False):
        self.entries = entries
        self.const_first = const_first
        self.counts = {}
        for e in entries:
            if e is not _CONST:
                self.counts[e[0]] = 1
        self.dirty = set()

    def update(self, node, read, clients, a, b):
        """Read the dirty positions again: True when the node is still
        canonical."""
        ins = node.inputs
        entries = self.entries
        counts = self.counts
        last = len(ins) - 1
        const_at = 0 if self.const_first else last
        dt = node.outputs[0].type.dtype
        dirty = sorted(self.dirty)
        self.dirty.clear()
        for i in dirty:
            v = ins[i]
            if v.type.dtype != dt:
                return False
            e = read(clients, v, a, b)
            if e is _BAD or (e is _CONST and i != const_at):
                return False
            old = entries[i]
            if old is not _CONST:
                counts[old[0]] -= 1
                if not counts[old[0]]:
                    del counts[old[0]]
            if e is not _CONST:
                if e[0] in counts:
                    return False
                counts[e[0]] = 1
            entries[i] = e
        for i in dirty:
            e = entries[i]
            if e is _CONST:
                continue
            if i > 0 and entries[i - 1] is not _CONST and entries[i - 1][1] > e[1]:
                return False
            if i < last and entries[i + 1] is not _CONST and e[1] > entries[i + 1][1]:
                return False
        return bool(counts)


class _Memo:
    """The canonical nodes of one graph remembered (see above)."""

    def __init__(self):
        self.nodes = {}
        self.homogeneous = {}  # large readers: node -> is_homogeneous(node)

    def on_attach(self, fgraph):
        fgraph.__dict__["_canonical_memo"] = self

    def on_detach(self, fgraph):
        if fgraph.__dict__.get("_canonical_memo") is self:
            del fgraph.__dict__["_canonical_memo"]
        self.nodes = {}
        self.homogeneous = {}

    def __reduce__(self):
        # a cache: a copy starts empty
        return (_Memo, ())

    def _mark(self, fgraph, v):
        nodes = self.nodes
        for c, j in fgraph.clients.get(v, ()):
            p = nodes.get(c)
            if p is not None:
                p.dirty.add(j)

    def _mark_if_few(self, fgraph, v):
        cl = fgraph.clients.get(v)
        if cl is not None and len(cl) <= 2:
            self._mark(fgraph, v)

    def on_change_input(self, fgraph, node, i, old, new, reason):
        if not self.nodes:
            return
        if type(node) is str:  # an output of the graph
            return
        p = self.nodes.get(node)
        if p is not None:
            p.dirty.add(i)
        op = node.op
        if isinstance(op, Elemwise) and isinstance(op.scalar_op, (Mul, Sqr)):
            for o in node.outputs:
                self._mark(fgraph, o)
        self._mark_if_few(fgraph, old)
        self._mark_if_few(fgraph, new)

    def on_import(self, fgraph, node, reason):
        if not self.nodes:
            return
        for v in node.inputs:
            self._mark_if_few(fgraph, v)

    def on_prune(self, fgraph, node, reason):
        if self.homogeneous:
            self.homogeneous.pop(node, None)
        if not self.nodes:
            return
        self.nodes.pop(node, None)
        for v in node.inputs:
            self._mark_if_few(fgraph, v)


def _reader_homogeneous(fgraph, node):
    """``is_homogeneous(node)``, remembered for large nodes (each of the n
    operands of a big sum asks it of the sum: O(n) each time would be
    O(n**2)).  Replacing an input keeps its dtype, so the answer holds as
    long as the node is in the graph."""
    if len(node.inputs) < MEMO_MIN:
        return is_homogeneous(node)
    memo = _memo(fgraph)
    h = memo.homogeneous.get(node)
    if h is None:
        h = memo.homogeneous[node] = is_homogeneous(node)
    return h


def _remembered(fgraph, node):
    """True when ``node`` is remembered canonical with no operand changed
    since (O(1): not even its dtypes are read again)."""
    memo = fgraph.__dict__.get("_canonical_memo")
    if memo is None:
        return False
    p = memo.nodes.get(node)
    return p is not None and not p.dirty


def _memo(fgraph):
    m = fgraph.__dict__.get("_canonical_memo")
    if m is None:
        m = _Memo()
        fgraph.attach_feature(m)
    return m


def _memo_is_plain(fgraph, node, read, a, b, const_first=False):
    """True when the operands of ``node`` form one canonical side (read by
    ``read``; the constant first when ``const_first``), remembered for large
    nodes."""
    ins = node.inputs
    big = len(ins) >= MEMO_MIN
    if big:
        memo = _memo(fgraph)
        p = memo.nodes.get(node)
        if p is not None:
            if not p.dirty or p.update(node, read, fgraph.clients, a, b):
                return True
            del memo.nodes[node]
            return False
    entries = _scan(ins, read, fgraph.clients, a, b, const_first)
    if entries is None or len(entries) < 2 or entries[-1 if const_first else 0] is _CONST:
        return False
    if big:
        memo.nodes[node] = _Plain(entries, const_first)
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


def _collect(coefs, dt, kind, t, refs):
    """The coefficient of ``t`` whose coefficients ``coefs`` (ndarrays) were
    met more than once: an ndarray, None (``x - x`` of integers: the term is
    dropped, its shape kept in ``refs``), or the list ``coefs`` itself when
    they cannot be summed (floats of mixed signs, complex)."""
    if kind == "i":
        total = coefs[0]
        for c in coefs[1:]:
            total = np.add(total, c, dtype=dt)
        if not np.any(total):
            refs.append(t)  # x - x: zeros, with x's shape
            for c in coefs:
                if c.ndim:
                    refs.append(make_constant(c, dt))
            return None
        return np.asarray(total, dtype=dt)
    if kind == "f":
        sign = _coef_sign(coefs[0])
        if sign and all(_coef_sign(c) == sign for c in coefs[1:]):
            total = coefs[0]
            for c in coefs[1:]:
                total = np.add(total, c, dtype=dt)
            return np.asarray(total, dtype=dt)
    return coefs


def _add_canonical(fgraph, node, dt, kind):
    terms, consts = _add_terms(fgraph, node, dt)
    refs = []
    # like terms (the same variable) grouped, in the order met
    groups = {}
    order = []
    for term in terms:
        g = groups.get(id(term[0]))
        if g is None:
            groups[id(term[0])] = g = [term]
            order.append(g)
        else:
            g.append(term)
    one = _ones(dt)
    real = kind != "c"
    pos, neg = [], []  # (sort key, spec, t, coefficient: None for 1 or -1)
    for g in order:
        t = g[0][0]
        key = _sort_key(t)
        if len(g) == 1:
            _, cv, s, src = g[0]
            if cv is None:
                (pos if s == 1 else neg).append((key, t, t, None))
                continue
            c = cv.data
            items = [c if s == 1 else np.negative(c)]
        else:
            src = cv = None
            coefs = []
            for _, cv_, s, _ in g:
                c = one if cv_ is None else cv_.data
                coefs.append(c if s == 1 else np.negative(c))
            total = _collect(coefs, dt, kind, t, refs)
            if total is None:
                continue
            items = total if isinstance(total, list) else [total]
        for c in items:
            if c.ndim == 0:
                u = c.item()
                if u == 1:
                    pos.append((key, t, t, None))
                elif u == -1:
                    neg.append((key, t, t, None))
                elif real and u < 0:
                    c = np.negative(c)
                    neg.append((key, _scaled_leaf(t, c, cv, src), t, c))
                else:
                    pos.append((key, _scaled_leaf(t, c, cv, src), t, c))
            else:
                pos.append((key, _scaled_leaf(t, c, cv, src), t, c))
    const_spec = None
    if consts:
        if len(consts) == 1:
            cv, s = consts[0]
            k = cv.data if s == 1 else np.negative(cv.data)
        else:
            cv = None
            k = None
            for v, s in consts:
                d = v.data if s == 1 else np.negative(v.data)
                k = d if k is None else np.add(k, d, dtype=dt)
            k = np.asarray(k, dtype=dt)
        if not _nonzero(k) and (pos or neg):
            refs.append(cv if cv is not None else make_constant(k, dt))  # x + 0
        elif real and k.ndim == 0 and k.item() < 0:
            const_spec = (True, _const_leaf(np.negative(k), cv), k, cv)
        else:
            const_spec = (False, _const_leaf(k, cv), k, cv)
    pos.sort(key=_first)
    neg.sort(key=_first)
    lone = neg[0] if len(neg) == 1 and not pos and const_spec is None else None
    pos = [e[1] for e in pos]
    neg = [e[1] for e in neg]
    if const_spec is not None:
        negative, leaf, k, cv = const_spec
        if not negative:
            pos.append(leaf)
        elif pos or neg:
            neg.append(leaf)
        else:  # a negative constant alone: itself
            pos.append(_const_leaf(k, cv))
    if not pos and not neg:
        spec = ("const", np.zeros((), dtype=dt))
    elif not neg:
        spec = pos[0] if len(pos) == 1 else ("add", pos)
    elif not pos:
        if lone is not None and lone[3] is not None:
            # -(t * c): t * (-c)
            spec = ("mul", [("const", np.negative(lone[3])), lone[2]])
        else:
            spec = ("neg", neg[0] if len(neg) == 1 else ("add", neg))
    else:
        spec = ("sub", pos[0] if len(pos) == 1 else ("add", pos),
                neg[0] if len(neg) == 1 else ("add", neg))
    return _finish(fgraph, node, spec, refs)


def _first(item):
    return item[0]


@node_rewriter([tm.add, tm.sub], name="add_canonical")
def add_canonical(fgraph, node):
    if not isinstance(node.op.scalar_op, _ADD_ROOTS):
        return None
    if _remembered(fgraph, node):
        return None
    out = node.outputs[0]
    dt = out.type.dtype
    kind = out.type.numpy_dtype.kind
    if kind not in "ifc" or not is_homogeneous(node):
        return None
    if _add_absorbed(fgraph, node, dt) or _add_is_plain(fgraph, node, dt, kind):
        return None
    with np.errstate(all="ignore"):
        return _add_canonical(fgraph, node, dt, kind)


register_canonicalize(add_canonical, name="add_canonical")


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------
#
# As sums: a product read by a product of its dtype (directly or through
# negations used only there) is left to it; the top-most node is flattened
# once.


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


def _mul_absorbed(fgraph, node, dt, kind):
    """True when the product at ``node`` is flattened into a product that
    reads it."""
    c = _reader(fgraph, node.outputs[0], dt, kind in "ifc")
    return (c is not None and isinstance(c.op.scalar_op, Mul) and not c.op.inplace_pattern
            and c.outputs[0].type.dtype == dt and _reader_homogeneous(fgraph, c))


def _mul_operand(clients, v, kind, _=None):
    """The reading of operand ``v`` of a canonical product (see
    ``_mul_is_plain``)."""
    if isinstance(v, TensorConstant):
        d = v.data
        if d.ndim:
            return _BAD
        u = d.item()
        if u == 1 or (u == -1 and kind in "ifc") or (u == 0 and kind in "iu"):
            return _BAD
        return _CONST
    t = v
    n = v.owner
    if n is not None and isinstance(n.op, Elemwise) and is_homogeneous(n):
        so = n.op.scalar_op
        if isinstance(so, Neg):
            if kind in "ifc":
                return _BAD
        elif len(clients[v]) == 1:
            if isinstance(so, Mul):
                return _BAD
            if isinstance(so, Sqr):
                t = n.inputs[0]
            elif isinstance(so, Pow) and _int_exponent(n, n.inputs[0]):
                return _BAD
    return (id(t), _sort_key(t))


def _mul_is_plain(fgraph, node, dt, kind):
    """True when the product at ``node`` is in the canonical form, told by
    one scan of its operands: distinct sorted factors (``sqr(t)`` used only
    here sorted as ``t``), none a product to flatten, a negation or a power,
    at most one constant, first, not +-1 (nor 0 for integers).  False when
    in doubt.  Large products found canonical are remembered (``_Memo``)."""
    if len(node.inputs) < 2:
        return False
    return _memo_is_plain(fgraph, node, _mul_operand, kind, None, True)


def _mul_canonical(fgraph, node, dt, kind):
    clients = fgraph.clients
    factors = {}  # id(t) -> [t, count, src: the variable sqr(t) read, when that is all]
    order = []
    consts = []
    negate = False
    stack = [(v, True) for v in reversed(node.inputs)]
    while stack:
        v, excl = stack.pop()
        if isinstance(v, TensorConstant):
            consts.append(v)
            continue
        count = 1
        t = v
        src = None
        n = v.owner
        if n is not None and isinstance(n.op, Elemwise) and is_homogeneous(n):
            vso = n.op.scalar_op
            single = excl and len(clients[v]) == 1
            if isinstance(vso, Mul):
                if single:
                    stack.extend((w, True) for w in reversed(n.inputs))
                    continue
            elif isinstance(vso, Neg):
                if kind in "ifc":
                    negate = not negate
                    stack.append((n.inputs[0], single))
                    continue
            elif isinstance(vso, Sqr):
                if single:
                    t, count, src = n.inputs[0], 2, v
            elif isinstance(vso, Pow):
                if single:
                    k = _int_exponent(n, n.inputs[0])
                    if k:
                        t, count = n.inputs[0], k
        f = factors.get(id(t))
        if f is None:
            factors[id(t)] = f = [t, 0, src]
            order.append(f)
        else:
            f[2] = None
        f[1] += count
    refs = []
    specs = []
    for t, c, src in order:
        if c == 1:
            specs.append((_sort_key(t), t))
        elif c == 2:
            specs.append((_sort_key(t), src if src is not None else ("sqr", t)))
        elif c == 3:
            key = _sort_key(t)
            specs.append((key, ("sqr", t)))
            specs.append((key, t))
        else:
            specs.append((_sort_key(t), ("pow", t, np.asarray(c, dtype=dt))))
    specs.sort(key=_first)
    specs = [s for _, s in specs]
    if consts or negate:
        cv = None
        if len(consts) == 1 and not negate:
            cv = consts[0]
            k = cv.data
        else:
            k = np.negative(_ones(dt)) if negate else None
            for v in consts:
                k = v.data if k is None else np.multiply(k, v.data, dtype=dt)
            k = np.asarray(k, dtype=dt)
        negate = False
        if k.ndim == 0:
            u = k.item()
            covered = True
        else:
            u = k.flat[0] if k.size and np.all(k == k.flat[0]) else None
            covered = bool(specs) and covers(broadcast_static_shape(
                [_spec_var(s).type.shape for s in specs]), k.shape)
        if u is not None and u == 1 and specs and covered:
            pass  # x * 1
        elif u is not None and u == -1 and kind in "ifc" and specs and covered:
            negate = True
        elif u is not None and u == 0 and kind in "iu":
            # x * 0 (integers): zeros of the broadcast shape
            refs = [_spec_var(s) for s in specs]
            specs = [_const_leaf(k, cv)]
        else:
            specs.insert(0, _const_leaf(k, cv))
    if not specs:
        return None
    spec = specs[0] if len(specs) == 1 else ("mul", specs)
    if negate:
        spec = ("neg", spec)
    return _finish(fgraph, node, spec, refs)


def _spec_var(s):
    """The variable a factor spec raises to a power (the spec itself for one)."""
    return s[1] if isinstance(s, tuple) else s


@node_rewriter([tm.mul], name="mul_canonical")
def mul_canonical(fgraph, node):
    if not isinstance(node.op.scalar_op, Mul):
        return None
    if _remembered(fgraph, node):
        return None
    out = node.outputs[0]
    dt = out.type.dtype
    kind = out.type.numpy_dtype.kind
    if kind not in "iufc" or not is_homogeneous(node):
        return None
    if _mul_absorbed(fgraph, node, dt, kind) or _mul_is_plain(fgraph, node, dt, kind):
        return None
    with np.errstate(all="ignore"):
        return _mul_canonical(fgraph, node, dt, kind)


register_canonicalize(mul_canonical, name="mul_canonical")
# again in specialize: products that stabilize builds (a factor of ones left
# from a gradient, negations) are put in the canonical form there
register_specialize(mul_canonical, name="mul_canonical")


# ---------------------------------------------------------------------------
# Negation, division, powers
# ---------------------------------------------------------------------------


@node_rewriter([tm.neg], name="neg_neg")
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


@node_rewriter([tm.neg], name="neg_mul_constant")
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


@node_rewriter([tm.true_div], name="div_constant")
def div_constant(fgraph, node):
    """``x / c -> (1/c) * x`` for float ``c`` with ``1/c`` finite and nonzero
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
    new = tm.mul(make_constant(r, out.type.dtype), x)  # the canonical order
    if not out.type.is_super(new.type):
        return None
    return [new]


register_canonicalize(div_constant, name="div_constant")


@node_rewriter([tm.true_div], name="div_div")
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


@node_rewriter([tm.pow], name="pow_canonical")
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

