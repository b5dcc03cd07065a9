"""Products: ``dot`` (NumPy ``dot`` for 0-, 1- and 2-d operands)."""
import numpy as np
from tensorsmith_autodiff import register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable, resolve_weak
from .type import TensorType

__all__ = ["Dot", "dot"]


class Dot(Op):
    """Inner product of vectors, matrix-vector and matrix-matrix product."""

    def make_node(self, x, y):
        x, y = resolve_weak([as_tensor_variable(x), as_tensor_variable(y)])
        if x.type.ndim not in (1, 2) or y.type.ndim not in (1, 2):
            raise TypeError(f"Dot takes 1-d or 2-d operands, got {x.type} and {y.type}")
        kx = x.type.shape[-1]
        ky = y.type.shape[0]
        if kx is not None and ky is not None and kx != ky:
            raise ValueError(f"dot: shapes {x.type.shape} and {y.type.shape} are not aligned ({kx} != {ky})")
        shape = x.type.shape[:-1] + y.type.shape[1:]
        dt = np.result_type(np.dtype(x.type.dtype), np.dtype(y.type.dtype)).name
        return Apply(self, [x, y], [TensorType(dt, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, y = inputs
        if x.shape[-1] != y.shape[0]:
            raise ValueError(f"Dot: shapes {x.shape} and {y.shape} are not aligned")
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
    from .elemwise import DimShuffle
    from .math import cast

    x, y = inputs
    gz = g[0]

    def T(v):
        return DimShuffle(2, (1, 0))(v)

    nx, ny = x.type.ndim, y.type.ndim
    if nx == 1 and ny == 1:
        gx, gy = gz * y, gz * x
    elif nx == 2 and ny == 1:
        gx, gy = _outer(gz, y), _dot(T(x), gz)
    elif nx == 1 and ny == 2:
        gx, gy = _dot(y, gz), _outer(x, gz)
    else:
        gx, gy = _dot(gz, T(y)), _dot(T(x), gz)
    res = []
    for v, gv in ((x, gx), (y, gy)):
        if gv.type.dtype != v.type.dtype:
            gv = cast(gv, v.type.dtype)
        res.append(gv)
    return res


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


def dot(x, y):
    """``numpy.dot``: for 0-d operands an elementwise product."""
    x = as_tensor_variable(x)
    y = as_tensor_variable(y)
    if x.type.ndim == 0 or y.type.ndim == 0:
        from .math import mul

        return mul(x, y)
    if x.type.ndim > 2 or y.type.ndim > 2:
        from . import tensordot

        return tensordot(x, y, axes=[[x.type.ndim - 1], [max(0, y.type.ndim - 2)]])
    return _dot(x, y)
