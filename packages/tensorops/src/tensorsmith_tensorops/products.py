"""Products: ``dot`` (NumPy ``dot``; the ``Dot`` op for 1- and 2-d
operands, ``tensordot`` beyond) and ``matmul`` (NumPy ``matmul``: the ``@``
operator, batched with broadcast leading axes; the ``MatMul`` op)."""
import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable, resolve_weak
from .elemwise import DimShuffle, broadcast_static_shape
from .type import TensorType

__all__ = ["Dot", "dot", "MatMul", "matmul"]


def _fmt_shape(shape):
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def fit_product_grad(g, x, broadcast=True):
    """A product's gradient term ``g`` made to match the operand ``x``:
    summed over broadcast axes (when the product ``broadcast``s), real part
    for a real ``x``, ``x``'s dtype."""
    from . import real
    from .elemwise import SumToShape, sum_to_shape
    from .math import cast

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
        from . import conj

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
    from .shape import shape_padleft, shape_padright

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
        from .math import mul

        return mul(x, y)
    if x.type.ndim > 2 or y.type.ndim > 2:
        from . import tensordot

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
        from .shape import broadcast_shape_symbolic

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
    from .math import cast

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
    from .math import cast

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
