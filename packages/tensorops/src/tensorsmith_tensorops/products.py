"""Products: ``dot`` (NumPy ``dot``; the ``Dot`` op for 1- and 2-d
operands, ``tensordot`` beyond), ``matmul`` (NumPy ``matmul``: the ``@``
operator, batched with broadcast leading axes; the ``MatMul`` op), and
Einstein summation (the ``Einsum`` op) with the products built on it:
``tensordot``, ``outer``, ``vecdot``, ``matvec``, ``vecmat``, ``kron``.

``Einsum`` keeps the subscripts as written (without spaces, with the output
made explicit); for shape inference and gradients each ``...`` is expanded
into letters of its own, right-aligned across operands as NumPy broadcasts
them.  The gradient wrt an operand is another einsum of the output gradient
and the other operands (conjugated when complex); a letter repeated in the
operand (a diagonal) is routed through identity matrices, a letter only that
operand has is broadcast back, and axes broadcast from length 1 are summed."""
import string

import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable, resolve_weak
from .creation import eye
from .elemwise import broadcast_static_shape
from .math import add, cast, conj, mul, real, second
from .reduction import SumToShape, sum_to_shape
from .shape import (
    DimShuffle, broadcast_shape_symbolic, int_mul, moveaxis, normalize_axis, reshape, shape_i, shape_padleft,
    shape_padright,
)
from .type import TensorType

__all__ = ["Dot", "dot", "MatMul", "matmul", "Einsum", "einsum", "tensordot", "outer", "vecdot", "matvec",
           "vecmat", "kron"]


def _fmt_shape(shape):
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def fit_product_grad(g, x, broadcast=True):
    """A product's gradient term ``g`` made to match the operand ``x``:
    summed over broadcast axes (when the product ``broadcast``s), real part
    for a real ``x``, ``x``'s dtype."""
    if g.type.dtype.startswith("complex") and not x.type.dtype.startswith("complex"):
        g = real(g)
    if g.type.ndim != x.type.ndim or g.type.shape != x.type.shape:
        g = sum_to_shape(g, x)
    elif broadcast and None in x.type.shape:
        # lengths unknown at build time may still be broadcast at run time
        g = SumToShape()(g, x)
    return cast(g, x.type.dtype)


def conj_if_complex(x):
    """``conj(x)`` for complex ``x``, else ``x`` (gradients of bilinear products)."""
    if x.type.dtype.startswith("complex"):
        return conj(x)
    return x


class Dot(Op):
    """Inner product of vectors, matrix-vector and matrix-matrix product."""

    def make_node(self, x, y):
        x, y = resolve_weak([as_tensor_variable(x), as_tensor_variable(y)])
        if x.type.ndim not in (1, 2) or y.type.ndim not in (1, 2):
            raise TypeError(f"Dot takes 1-d or 2-d operands, got {x.type} and {y.type}")
        kx = x.type.shape[-1]
        ky = y.type.shape[0]
        if kx is not None and ky is not None and kx != ky:
            raise ValueError(f"dot: shapes {_fmt_shape(x.type.shape)} and {_fmt_shape(y.type.shape)} are not "
                             f"aligned ({kx} != {ky})")
        shape = x.type.shape[:-1] + y.type.shape[1:]
        dt = np.result_type(np.dtype(x.type.dtype), np.dtype(y.type.dtype)).name
        return Apply(self, [x, y], [TensorType(dt, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, y = inputs
        if x.shape[-1] != y.shape[0]:
            raise ValueError(f"Dot: shapes {x.shape} and {y.shape} are not aligned ({x.shape[-1]} != {y.shape[0]})")
        output_storage[0][0] = np.asarray(np.dot(x, y), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        sx, sy = input_shapes
        return [tuple(sx[:-1]) + tuple(sy[1:])]


_dot = Dot()


def _outer(a, b):
    return _dot(shape_padright(a), shape_padleft(b))


@register_grad(Dot)
def _dot_grad(op, node, inputs, g):
    x, y = inputs
    gz = g[0]
    xc, yc = conj_if_complex(x), conj_if_complex(y)

    def T(v):
        return DimShuffle(2, (1, 0))(v)

    nx, ny = x.type.ndim, y.type.ndim
    if nx == 1 and ny == 1:
        gx, gy = gz * yc, gz * xc
    elif nx == 2 and ny == 1:
        gx, gy = _outer(gz, yc), _dot(T(xc), gz)
    elif nx == 1 and ny == 2:
        gx, gy = _dot(yc, gz), _outer(xc, gz)
    else:
        gx, gy = _dot(gz, T(yc)), _dot(T(xc), gz)
    return [fit_product_grad(gv, v, broadcast=False) if v.type.differentiable else disconnected
            for v, gv in ((x, gx), (y, gy))]


@register_jvp(Dot)
def _dot_jvp(op, node, inputs, t):
    x, y = inputs
    terms = []
    if t[0] is not None:
        terms.append(_dot(t[0], y))
    if t[1] is not None:
        terms.append(_dot(x, t[1]))
    if not terms:
        return [None]
    return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


def dot(l, r):  # noqa: E741  (PyTensor's parameter names)
    """``numpy.dot``: for 0-d operands an elementwise product, for N-d ones
    the sum over the last axis of ``l`` and the second-to-last of ``r``."""
    x = as_tensor_variable(l)
    y = as_tensor_variable(r)
    if x.type.ndim == 0 or y.type.ndim == 0:
        return mul(x, y)
    if x.type.ndim > 2 or y.type.ndim > 2:
        return tensordot(x, y, axes=[[x.type.ndim - 1], [max(0, y.type.ndim - 2)]])
    return _dot(x, y)


# ---------------------------------------------------------------------------
# matmul
# ---------------------------------------------------------------------------


class MatMul(Op):
    """``numpy.matmul`` of operands of at least 2 dimensions: matrix
    products over the last two axes, the leading (batch) axes broadcast."""

    __props__ = ()

    def make_node(self, a, b):
        a, b = resolve_weak([as_tensor_variable(a), as_tensor_variable(b)])
        if a.type.ndim < 2 or b.type.ndim < 2:
            raise ValueError(f"MatMul needs operands of at least 2 dimensions, got {a.type} and {b.type}")
        ka, kb = a.type.shape[-1], b.type.shape[-2]
        if ka is not None and kb is not None and ka != kb:
            raise ValueError(f"matmul: shapes {_fmt_shape(a.type.shape)} and {_fmt_shape(b.type.shape)} are not "
                             f"aligned (last axis of the first has length {ka}, second-to-last of the second {kb})")
        batch = broadcast_static_shape([a.type.shape[:-2], b.type.shape[:-2]], "in matmul (batch axes)")
        dt = np.result_type(np.dtype(a.type.dtype), np.dtype(b.type.dtype)).name
        shape = batch + (a.type.shape[-2], b.type.shape[-1])
        return Apply(self, [a, b], [TensorType(dt, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        a, b = inputs
        try:
            r = np.matmul(a, b)
        except ValueError as e:
            raise ValueError(f"MatMul: operands of shapes {a.shape} and {b.shape} do not match ({e})") from None
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        sa, sb = input_shapes
        a, b = node.inputs
        batch = broadcast_shape_symbolic([tuple(sa[:-2]), tuple(sb[:-2])],
                                         [a.type.shape[:-2], b.type.shape[:-2]])
        return [tuple(batch) + (sa[-2], sb[-1])]


_matmul = MatMul()


def _mT(x):
    nd = x.type.ndim
    return DimShuffle(nd, list(range(nd - 2)) + [nd - 1, nd - 2])(x)


@register_grad(MatMul)
def _matmul_grad(op, node, inputs, g):
    a, b = inputs
    ga = _matmul(g[0], _mT(conj_if_complex(b)))
    gb = _matmul(_mT(conj_if_complex(a)), g[0])
    return [fit_product_grad(gv, v) if v.type.differentiable else disconnected
            for v, gv in ((a, ga), (b, gb))]


@register_jvp(MatMul)
def _matmul_jvp(op, node, inputs, t):
    a, b = inputs
    terms = []
    if t[0] is not None:
        terms.append(_matmul(t[0], b))
    if t[1] is not None:
        terms.append(_matmul(a, t[1]))
    if not terms:
        return [None]
    r = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    return [cast(r, node.outputs[0].type.dtype)]


def matmul(x1, x2, dtype=None):
    """``numpy.matmul`` (the ``@`` operator): a 1-d first operand is a row
    and a 1-d second operand a column, the added axis is removed from the
    result; leading axes broadcast.  ValueError at build time for 0-d
    operands or misaligned static shapes."""
    a, b = resolve_weak([as_tensor_variable(x1), as_tensor_variable(x2)])
    if a.type.ndim == 0 or b.type.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got shapes "
                         f"{_fmt_shape(a.type.shape)} and {_fmt_shape(b.type.shape)}")
    ka, kb = a.type.shape[-1], b.type.shape[-2 if b.type.ndim > 1 else 0]
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"matmul: shapes {_fmt_shape(a.type.shape)} and {_fmt_shape(b.type.shape)} are not "
                         f"aligned ({ka} != {kb})")
    a2 = DimShuffle(1, ("x", 0))(a) if a.type.ndim == 1 else a
    b2 = DimShuffle(1, (0, "x"))(b) if b.type.ndim == 1 else b
    out = _matmul(a2, b2)
    nd = out.type.ndim
    drop = ([nd - 2] if a.type.ndim == 1 else []) + ([nd - 1] if b.type.ndim == 1 else [])
    if drop:
        out = DimShuffle(nd, [i for i in range(nd) if i not in drop])(out)
    return out if dtype is None else cast(out, dtype)


# ---------------------------------------------------------------------------
# einsum and the products built on it
# ---------------------------------------------------------------------------

_LETTERS = string.ascii_letters


def _split_terms(subscripts, nops):
    """``(input terms, output term or None)`` of ``subscripts`` as strings
    without spaces; checks the characters and the number of terms."""
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} contain more than one '->'")
    lhs, _, rhs = s.partition("->")
    ins = lhs.split(",")
    if len(ins) != nops:
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands, {nops} given")
    for term in ins + ([rhs] if "->" in s else []):
        if term.replace("...", "").strip(_LETTERS) or term.count("...") > 1 or \
                "." in term.replace("...", ""):
            raise ValueError(f"einsum: invalid term {term!r} in subscripts {subscripts!r} "
                             "(letters and at most one '...')")
    return ins, (rhs if "->" in s else None)


def normalize_subscripts(subscripts, nops):
    """``subscripts`` without spaces and with an explicit output (NumPy's
    implicit output: ``...`` then the letters used once, sorted)."""
    ins, out = _split_terms(subscripts, nops)
    if out is None:
        letters = "".join(t.replace("...", "") for t in ins)
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        out = ("..." if any("..." in t for t in ins) else "") + "".join(once)
    return ",".join(ins) + "->" + out


def expand_subscripts(subscripts, ndims):
    """The normalized ``subscripts`` as lists of letters, one per operand
    axis and per output axis, each ``...`` replaced by fresh letters
    (right-aligned: the last ``...`` axes of all operands share letters)."""
    lhs, out = subscripts.split("->")
    ins = lhs.split(",")
    used = set(subscripts)
    fresh = [c for c in _LETTERS if c not in used]
    ell_nd = []
    for term, nd in zip(ins, ndims):
        n_named = len(term.replace("...", ""))
        if "..." in term:
            if n_named > nd:
                raise ValueError(f"einsum: term {term!r} names {n_named} axes for an operand of {nd} dimensions")
            ell_nd.append(nd - n_named)
        else:
            if n_named != nd:
                raise ValueError(f"einsum: term {term!r} names {n_named} axes for an operand of {nd} dimensions")
            ell_nd.append(0)
    emax = max(ell_nd, default=0)
    if emax > len(fresh):
        raise ValueError("einsum: too many dimensions under '...'")
    ell = fresh[:emax]

    def expand(term, k):
        head, dots, tail = term.partition("...")
        return list(head) + (ell[emax - k:] if dots else []) + list(tail)

    in_terms = [expand(t, k) for t, k in zip(ins, ell_nd)]
    if "..." not in out and emax and any(ell_nd):
        raise ValueError(f"einsum: output {out!r} has no '...' for the broadcast dimensions of the operands")
    out_term = expand(out, emax)
    return in_terms, out_term


def _letter_dims(in_terms, shapes, subscripts):
    """Static length of each letter (None unknown): NumPy broadcasting of the
    lengths it has across operands; ValueError when two differ."""
    seen = {}
    for term, shp in zip(in_terms, shapes):
        for c, d in zip(term, shp):
            seen.setdefault(c, []).append(d)
    dims = {}
    for c, ds in seen.items():
        known = {d for d in ds if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"einsum: subscript {c!r} of {subscripts!r} has lengths {sorted(known)} in operands "
                             f"of shapes {', '.join(_fmt_shape(s) for s in shapes)}")
        dims[c] = known.pop() if known else (None if None in ds else 1)
    return dims


class Einsum(Op):
    """``numpy.einsum(subscripts, *operands)`` for normalized subscripts (see
    ``einsum``).  The letters in ``strict`` must have equal lengths in all
    operands at run time (no broadcasting of length 1, as ``tensordot`` and
    the ``vecdot`` family require of their contracted axes)."""

    __props__ = ("subscripts", "strict")

    def __init__(self, subscripts, strict=""):
        self.subscripts = subscripts
        self.strict = strict

    def make_node(self, *operands):
        ops = resolve_weak([as_tensor_variable(o) for o in operands])
        in_terms, out_term = expand_subscripts(self.subscripts, [o.type.ndim for o in ops])
        seen = set().union(*in_terms) if in_terms else set()
        for c in out_term:
            if c not in seen:
                raise ValueError(f"einsum: output subscript {c!r} of {self.subscripts!r} is not in any input")
            if out_term.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} of {self.subscripts!r} is repeated")
        dims = _letter_dims(in_terms, [o.type.shape for o in ops], self.subscripts)
        dt = np.result_type(*[np.dtype(o.type.dtype) for o in ops]).name
        return Apply(self, ops, [TensorType(dt, tuple(dims[c] for c in out_term)).make_variable()])

    def _check_strict(self, inputs):
        in_terms, _ = expand_subscripts(self.subscripts, [np.ndim(i) for i in inputs])
        for c in self.strict:
            lengths = {np.shape(i)[k] for term, i in zip(in_terms, inputs) for k, letter in enumerate(term)
                       if letter == c}
            if len(lengths) > 1:
                shapes = ", ".join(str(np.shape(i)) for i in inputs)
                raise ValueError(f"{self}: the contracted axes of operands of shapes {shapes} differ in length "
                                 f"({sorted(lengths)})")

    def perform(self, node, inputs, output_storage):
        if self.strict:
            self._check_strict(inputs)
        try:
            r = np.einsum(self.subscripts, *inputs, optimize=len(inputs) > 1)
        except ValueError as e:
            shapes = ", ".join(str(np.shape(i)) for i in inputs)
            raise ValueError(f"Einsum{{{self.subscripts}}}: operands of shapes {shapes} do not match ({e})") from None
        output_storage[0][0] = np.asarray(r, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        in_terms, out_term = expand_subscripts(self.subscripts, [v.type.ndim for v in node.inputs])
        out = []
        for c in out_term:
            sym, static = [], []
            for term, shp, v in zip(in_terms, input_shapes, node.inputs):
                for k, letter in enumerate(term):
                    if letter == c:
                        sym.append((shp[k],))
                        static.append((v.type.shape[k],))
            out.append(broadcast_shape_symbolic(sym, static)[0])
        return [tuple(out)]

    def __str__(self):
        return f"Einsum{{{self.subscripts}}}"


def _subs(in_terms, out_term):
    return ",".join("".join(t) for t in in_terms) + "->" + "".join(out_term)


def _einsum_operand_grad(op, node, i, g):
    """Gradient of the einsum wrt operand ``i`` given the output gradient ``g``."""
    inputs = node.inputs
    x = inputs[i]
    in_terms, out_term = expand_subscripts(op.subscripts, [v.type.ndim for v in inputs])
    used = set(out_term).union(*in_terms)
    fresh = iter(c for c in _LETTERS if c not in used)
    terms = [list(out_term)] + [t for k, t in enumerate(in_terms) if k != i]
    operands = [g] + [conj_if_complex(v) for k, v in enumerate(inputs) if k != i]
    # repeated letters of operand i (diagonals): each further occurrence gets
    # a letter of its own, tied to the first by an identity matrix
    target = []
    first_axis = {}
    for ax, c in enumerate(in_terms[i]):
        if c in first_axis:
            c2 = next(fresh)
            terms.append([c, c2])
            operands.append(eye(shape_i(x, first_axis[c]), dtype=g.type.dtype))
            c = c2
        else:
            first_axis[c] = ax
        target.append(c)
    others = set().union(*terms)
    kept = [c for c in target if c in others]
    r = Einsum(_subs(terms, kept))(*operands)
    if len(kept) != len(target):
        # letters only operand i has: summed in the forward pass, so the
        # gradient is constant along them
        r = second(x, DimShuffle(len(kept), [kept.index(c) if c in others else "x" for c in target])(r))
    return fit_product_grad(r, x)


@register_grad(Einsum)
def _einsum_grad(op, node, inputs, g):
    return [_einsum_operand_grad(op, node, i, g[0]) if v.type.differentiable else disconnected
            for i, v in enumerate(inputs)]


@register_jvp(Einsum)
def _einsum_jvp(op, node, inputs, t):
    terms = []
    for i, ti in enumerate(t):
        if ti is not None:
            ops = list(inputs)
            ops[i] = ti
            terms.append(op(*ops))
    if not terms:
        return [None]
    r = add(*terms) if len(terms) > 1 else terms[0]
    return [cast(r, node.outputs[0].type.dtype)]


def einsum(subscripts, *operands, optimize=None):
    """``numpy.einsum``: sum of products of the operands over the subscripts
    not in the output (implicit output: the subscripts used once, sorted,
    after ``...``); ``...`` broadcasts as in NumPy.  ``optimize`` is accepted
    for PyTensor compatibility: the contraction order is always optimized."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum(normalize_subscripts(subscripts, len(operands)))(*operands)


# ---------------------------------------------------------------------------
# products built on einsum
# ---------------------------------------------------------------------------


def _tensordot_axes(axes, na, nb):
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > na or n > nb:
            raise ValueError(f"tensordot: axes={n} is out of range for operands of {na} and {nb} dimensions")
        return list(range(na - n, na)), list(range(n))
    try:
        ax_a, ax_b = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes must be an int or a pair of sequences, got {axes!r}") from None
    ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    if len(ax_a) != len(ax_b):
        raise ValueError(f"tensordot: {len(ax_a)} axes of the first operand paired with {len(ax_b)} of the second")
    ax_a = [normalize_axis(a, na, "tensordot")[0] for a in ax_a]
    ax_b = [normalize_axis(b, nb, "tensordot")[0] for b in ax_b]
    if len(set(ax_a)) != len(ax_a) or len(set(ax_b)) != len(ax_b):
        raise ValueError(f"tensordot: repeated axis in {axes!r}")
    return ax_a, ax_b


def tensordot(a, b, axes=2):
    """``numpy.tensordot``: sum over the paired ``axes`` (an int n: the last
    n of ``a`` with the first n of ``b``; or a pair of axis sequences); the
    result has the remaining axes of ``a`` then those of ``b``."""
    a, b = resolve_weak([as_tensor_variable(a), as_tensor_variable(b)])
    na, nb = a.type.ndim, b.type.ndim
    ax_a, ax_b = _tensordot_axes(axes, na, nb)
    for i, j in zip(ax_a, ax_b):
        da, db = a.type.shape[i], b.type.shape[j]
        if da is not None and db is not None and da != db:
            raise ValueError(f"tensordot: shapes {_fmt_shape(a.type.shape)} and {_fmt_shape(b.type.shape)} "
                             f"do not match along axes {i} and {j} ({da} != {db})")
    if na + nb - len(ax_a) > len(_LETTERS):
        raise ValueError("tensordot: too many dimensions")
    ta = list(_LETTERS[:na])
    rest = iter(_LETTERS[na:])
    tb = [ta[ax_a[ax_b.index(j)]] if j in ax_b else next(rest) for j in range(nb)]
    out = [c for k, c in enumerate(ta) if k not in ax_a] + [c for k, c in enumerate(tb) if k not in ax_b]
    return Einsum(_subs([ta, tb], out), strict="".join(ta[i] for i in ax_a))(a, b)


def outer(x, y):
    """``numpy.outer``: ``x.ravel()[:, None] * y.ravel()[None, :]``."""
    x, y = resolve_weak([as_tensor_variable(x), as_tensor_variable(y)])
    if x.type.ndim != 1:
        x = reshape(x, (-1,))
    if y.type.ndim != 1:
        y = reshape(y, (-1,))
    return Einsum("i,j->ij")(x, y)


def _cast_opt(v, dtype):
    return v if dtype is None else cast(v, dtype)


def _last_axis_len_check(what, x1, x2, ax1, ax2):
    d1, d2 = x1.type.shape[ax1], x2.type.shape[ax2]
    if d1 is not None and d2 is not None and d1 != d2:
        raise ValueError(f"{what}: shapes {_fmt_shape(x1.type.shape)} and {_fmt_shape(x2.type.shape)} do not "
                         f"match along the contracted axis ({d1} != {d2})")


def _need_ndim(what, x, k):
    if x.type.ndim < k:
        raise ValueError(f"{what}: operand of shape {_fmt_shape(x.type.shape)} needs at least {k} dimension(s)")


def vecdot(x1, x2, axis=-1, dtype=None):
    """``numpy.vecdot``: ``sum(conj(x1) * x2, axis)`` with the other axes
    broadcast (``axis`` counts in each operand)."""
    x1, x2 = resolve_weak([as_tensor_variable(x1), as_tensor_variable(x2)])
    _need_ndim("vecdot", x1, 1)
    _need_ndim("vecdot", x2, 1)
    a1 = normalize_axis(axis, x1.type.ndim, "vecdot")[0]
    a2 = normalize_axis(axis, x2.type.ndim, "vecdot")[0]
    _last_axis_len_check("vecdot", x1, x2, a1, a2)
    x1 = moveaxis(x1, a1, -1) if a1 != x1.type.ndim - 1 else x1
    x2 = moveaxis(x2, a2, -1) if a2 != x2.type.ndim - 1 else x2
    return _cast_opt(Einsum("...i,...i->...", strict="i")(conj_if_complex(x1), x2), dtype)


def matvec(x1, x2, dtype=None):
    """``numpy.matvec``: matrix-vector products over the last axes
    (``x1[..., i, j] * x2[..., j]`` summed over j), leading axes broadcast."""
    x1, x2 = resolve_weak([as_tensor_variable(x1), as_tensor_variable(x2)])
    _need_ndim("matvec", x1, 2)
    _need_ndim("matvec", x2, 1)
    _last_axis_len_check("matvec", x1, x2, -1, -1)
    return _cast_opt(Einsum("...ij,...j->...i", strict="j")(x1, x2), dtype)


def vecmat(x1, x2, dtype=None):
    """``numpy.vecmat``: vector-matrix products over the last axes
    (``conj(x1[..., i]) * x2[..., i, j]`` summed over i), leading axes broadcast."""
    x1, x2 = resolve_weak([as_tensor_variable(x1), as_tensor_variable(x2)])
    _need_ndim("vecmat", x1, 1)
    _need_ndim("vecmat", x2, 2)
    _last_axis_len_check("vecmat", x1, x2, -1, -2)
    return _cast_opt(Einsum("...i,...ij->...j", strict="i")(conj_if_complex(x1), x2), dtype)


def kron(a, b):
    """``numpy.kron``: the Kronecker product; the operand with fewer
    dimensions is padded with leading length-1 axes."""
    a, b = resolve_weak([as_tensor_variable(a), as_tensor_variable(b)])
    nd = max(a.type.ndim, b.type.ndim)
    if 2 * nd > len(_LETTERS):
        raise ValueError("kron: too many dimensions")
    if a.type.ndim < nd:
        a = shape_padleft(a, nd - a.type.ndim)
    if b.type.ndim < nd:
        b = shape_padleft(b, nd - b.type.ndim)
    if nd == 0:
        return mul(a, b)
    ta, tb = list(_LETTERS[:nd]), list(_LETTERS[nd:2 * nd])
    prod = Einsum(_subs([ta, tb], [c for pair in zip(ta, tb) for c in pair]))(a, b)
    return reshape(prod, [int_mul(shape_i(a, k), shape_i(b, k)) for k in range(nd)])


# ---------------------------------------------------------------------------
# BLAS-style fused products (made by the rewriter's specialize stage)
# ---------------------------------------------------------------------------

_BLAS_DTYPES = ("float32", "float64")


def _blas(name, dtype):
    from scipy.linalg import blas

    return getattr(blas, ("s" if dtype == "float32" else "d") + name)


def _check_blas_operands(what, operands, ndims):
    dts = {v.type.dtype for v in operands}
    if len(dts) != 1 or next(iter(dts)) not in _BLAS_DTYPES:
        raise TypeError(f"{what}: operands must all be float32 or all float64, got "
                        f"{', '.join(str(v.type) for v in operands)}")
    for v, nd, name in zip(operands, ndims, ("first", "second", "third", "fourth", "fifth")):
        if v.type.ndim != nd:
            raise TypeError(f"{what}: the {name} operand must have {nd} dimensions, got {v.type}")


class Gemm(Op):
    """``gemm(C, alpha, A, B, beta) = beta * C + alpha * dot(A, B)`` for
    matrices ``A`` (m, k), ``B`` (k, n), ``C`` broadcastable to (m, n) and
    scalars ``alpha``, ``beta``; float32 or float64 throughout.  Computed by
    BLAS ``sgemm``/``dgemm`` (NumPy when a length is 0).  The rewriter's
    specialize stage makes it from ``alpha * dot(A, B) + beta * C``."""

    __props__ = ()

    def make_node(self, C, alpha, A, B, beta):
        C, alpha, A, B, beta = (as_tensor_variable(v) for v in (C, alpha, A, B, beta))
        _check_blas_operands("Gemm", [C, alpha, A, B, beta], [2, 0, 2, 2, 0])
        ka, kb = A.type.shape[1], B.type.shape[0]
        if ka is not None and kb is not None and ka != kb:
            raise ValueError(f"Gemm: shapes {_fmt_shape(A.type.shape)} and {_fmt_shape(B.type.shape)} are not "
                             f"aligned ({ka} != {kb})")
        shape = broadcast_static_shape([C.type.shape, (A.type.shape[0], B.type.shape[1])], "in Gemm")
        return Apply(self, [C, alpha, A, B, beta], [TensorType(C.type.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        C, alpha, A, B, beta = inputs
        if A.shape[1] != B.shape[0]:
            raise ValueError(f"Gemm: shapes {A.shape} and {B.shape} are not aligned")
        m, n = A.shape[0], B.shape[1]
        try:
            shape = np.broadcast_shapes(C.shape, (m, n))
        except ValueError:
            raise ValueError(f"Gemm: C of shape {C.shape} does not broadcast to the product's {(m, n)}") from None
        if shape != (m, n):
            raise ValueError(f"Gemm: C of shape {C.shape} does not broadcast to the product's {(m, n)}")
        dt = node.outputs[0].type.numpy_dtype
        if 0 in A.shape or 0 in B.shape:
            r = beta * C + alpha * np.dot(A, B)
            output_storage[0][0] = np.asarray(np.broadcast_to(r, (m, n)), dtype=dt).copy()
            return
        c = np.array(np.broadcast_to(C, (m, n)), dtype=dt, order="F")
        r = _blas("gemm", dt.name)(alpha.item(), A, B, beta=beta.item(), c=c, overwrite_c=True)
        output_storage[0][0] = np.asarray(r, dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        sc, _, sa, sb, _ = input_shapes
        C = node.inputs[0]
        return [broadcast_shape_symbolic([tuple(sc), (sa[0], sb[1])], [C.type.shape, (None, None)])]


gemm = Gemm()


class Gemv(Op):
    """``gemv(y, alpha, A, x, beta) = beta * y + alpha * dot(A, x)`` for a
    matrix ``A`` (m, n), vectors ``x`` (n,) and ``y`` (m, or 1 broadcast),
    scalars ``alpha``, ``beta``; float32 or float64 throughout (BLAS
    ``sgemv``/``dgemv``)."""

    __props__ = ()

    def make_node(self, y, alpha, A, x, beta):
        y, alpha, A, x, beta = (as_tensor_variable(v) for v in (y, alpha, A, x, beta))
        _check_blas_operands("Gemv", [y, alpha, A, x, beta], [1, 0, 2, 1, 0])
        ka, kx = A.type.shape[1], x.type.shape[0]
        if ka is not None and kx is not None and ka != kx:
            raise ValueError(f"Gemv: shapes {_fmt_shape(A.type.shape)} and {_fmt_shape(x.type.shape)} are not "
                             f"aligned ({ka} != {kx})")
        shape = broadcast_static_shape([y.type.shape, (A.type.shape[0],)], "in Gemv")
        return Apply(self, [y, alpha, A, x, beta], [TensorType(y.type.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        y, alpha, A, x, beta = inputs
        if A.shape[1] != x.shape[0]:
            raise ValueError(f"Gemv: shapes {A.shape} and {x.shape} are not aligned")
        m = A.shape[0]
        if y.shape not in ((m,), (1,)):
            raise ValueError(f"Gemv: y of shape {y.shape} does not broadcast to the product's {(m,)}")
        dt = node.outputs[0].type.numpy_dtype
        if 0 in A.shape:
            r = beta * y + alpha * np.dot(A, x)
            output_storage[0][0] = np.asarray(np.broadcast_to(r, (m,)), dtype=dt).copy()
            return
        yy = np.array(np.broadcast_to(y, (m,)), dtype=dt)
        r = _blas("gemv", dt.name)(alpha.item(), A, x, beta=beta.item(), y=yy, overwrite_y=True)
        output_storage[0][0] = np.asarray(r, dtype=dt)

    def infer_shape(self, fgraph, node, input_shapes):
        sy, _, sa, _, _ = input_shapes
        y = node.inputs[0]
        return [broadcast_shape_symbolic([tuple(sy), (sa[0],)], [y.type.shape, (None,)])]


gemv = Gemv()


def _T(v):
    return DimShuffle(2, (1, 0))(v)


@register_grad(Gemm)
def _gemm_grad(op, node, inputs, g):
    C, alpha, A, B, beta = inputs
    gz = g[0]
    prod = _dot(A, B)
    return [fit_product_grad(mul(beta, gz), C),
            fit_product_grad(mul(gz, prod), alpha),
            fit_product_grad(mul(alpha, _dot(gz, _T(B))), A, broadcast=False),
            fit_product_grad(mul(alpha, _dot(_T(A), gz)), B, broadcast=False),
            fit_product_grad(mul(gz, second(gz, C)), beta)]


@register_grad(Gemv)
def _gemv_grad(op, node, inputs, g):
    y, alpha, A, x, beta = inputs
    gz = g[0]
    prod = _dot(A, x)
    return [fit_product_grad(mul(beta, gz), y),
            fit_product_grad(mul(gz, prod), alpha),
            fit_product_grad(mul(alpha, _outer(gz, x)), A, broadcast=False),
            fit_product_grad(mul(alpha, _dot(_T(A), gz)), x, broadcast=False),
            fit_product_grad(mul(gz, second(gz, y)), beta)]
