"""Shape ops: ``shape``, ``specify_shape``, ``reshape`` and friends."""
import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable, constant
from .type import TensorType

__all__ = ["shape", "specify_shape", "reshape", "shape_padleft", "shape_padright", "Shape",
           "SpecifyShape", "Reshape"]


class Shape(Op):
    """The shape of ``x`` as an int64 vector."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (x.type.ndim,)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.shape(inputs[0]), dtype="int64")

    def infer_shape(self, fgraph, node, input_shapes):
        return [(len(input_shapes[0]),)]


_shape = Shape()
register_grad(Shape, lambda op, node, inputs, g: [disconnected])


def shape(x):
    return _shape(x)


class SpecifyShape(Op):
    """``x``, checked at run time to have ``shape`` (None entries unchecked);
    its static shape becomes that shape."""

    __props__ = ("shape",)

    def __init__(self, shape):
        self.shape = tuple(None if s is None else int(s) for s in shape)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim != len(self.shape):
            raise ValueError(f"specify_shape: {x.type} has {x.type.ndim} dimensions, shape {self.shape} has {len(self.shape)}")
        new = []
        for a, b in zip(x.type.shape, self.shape):
            if a is not None and b is not None and a != b:
                raise ValueError(f"specify_shape: {x.type} cannot have shape {self.shape}")
            new.append(a if b is None else b)
        return Apply(self, [x], [TensorType(x.type.dtype, tuple(new)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        for k, s in enumerate(self.shape):
            if s is not None and x.shape[k] != s:
                raise ValueError(f"SpecifyShape: expected shape {self.shape}, got {x.shape}")
        output_storage[0][0] = x

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(s if s is not None else i for s, i in zip(self.shape, input_shapes[0]))]


register_grad(SpecifyShape, lambda op, node, inputs, g: [g[0]])
register_jvp(SpecifyShape, lambda op, node, inputs, t: [t[0]])


def specify_shape(x, shape):
    x = as_tensor_variable(x)
    shape = tuple(shape)
    if tuple(x.type.shape) == shape:
        return x
    return SpecifyShape(shape)(x)


class Reshape(Op):
    """``reshape(x, shp)`` with ``shp`` an int vector (one entry may be -1)."""

    __props__ = ("ndim",)

    def __init__(self, ndim):
        self.ndim = int(ndim)

    def make_node(self, x, shp):
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp)
        if shp.type.ndim != 1 or shp.type.dtype[:3] not in ("int", "uin"):
            raise TypeError(f"reshape: the shape must be an integer vector, got {shp.type}")
        static = [None] * self.ndim
        from tensorsmith_graphcore import Constant

        if isinstance(shp, Constant):
            vals = [int(v) for v in shp.data]
            known = [v for v in vals if v != -1]
            if vals.count(-1) > 1:
                raise ValueError(f"reshape: at most one -1 in the new shape, got {tuple(vals)}")
            total = None if any(s is None for s in x.type.shape) else int(np.prod(x.type.shape))
            if total is not None and -1 not in vals and int(np.prod(vals)) != total:
                raise ValueError(f"cannot reshape {x.type} (size {total}) into shape {tuple(vals)}")
            for i, v in enumerate(vals):
                if v != -1:
                    static[i] = v
                elif total is not None and int(np.prod(known)) != 0:
                    static[i] = total // int(np.prod(known))
        return Apply(self, [x, shp], [TensorType(x.type.dtype, tuple(static)).make_variable()])

    def perform(self, node, inputs, output_storage):
        x, shp = inputs
        try:
            output_storage[0][0] = np.reshape(x, tuple(int(s) for s in shp))
        except ValueError as e:
            raise ValueError(f"Reshape: cannot reshape array of shape {x.shape} into {tuple(shp)} ({e})") from None

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(node.inputs[1][i] for i in range(self.ndim))]


@register_grad(Reshape)
def _reshape_grad(op, node, inputs, g):
    x, shp = inputs
    return [reshape(g[0], shape(x), ndim=x.type.ndim), disconnected]


register_jvp(Reshape, lambda op, node, inputs, t: [None if t[0] is None else op(t[0], inputs[1])])


def reshape(x, newshape, ndim=None):
    x = as_tensor_variable(x)
    if isinstance(newshape, (int, np.integer)):
        newshape = (newshape,)
    if isinstance(newshape, (list, tuple)):
        if all(isinstance(s, (int, np.integer)) for s in newshape):
            shp = constant(np.asarray(newshape, dtype="int64"))
        else:
            from .join import stack
            from .math import cast

            shp = stack([cast(as_tensor_variable(s), "int64") for s in newshape])
        nd = len(newshape)
    else:
        shp = as_tensor_variable(newshape)
        if ndim is None:
            if shp.type.shape[0] is None:
                raise ValueError("reshape: give ndim= when the new shape has an unknown length")
            ndim = shp.type.shape[0]
        nd = ndim
    return Reshape(nd)(x, shp)


def shape_padleft(x, n_ones=1):
    from .elemwise import DimShuffle

    x = as_tensor_variable(x)
    return DimShuffle(x.type.ndim, ["x"] * n_ones + list(range(x.type.ndim)))(x)


def shape_padright(x, n_ones=1):
    from .elemwise import DimShuffle

    x = as_tensor_variable(x)
    return DimShuffle(x.type.ndim, list(range(x.type.ndim)) + ["x"] * n_ones)(x)


def broadcast_shape_symbolic(input_shapes, static_shapes):
    """Broadcast symbolic shapes (tuples of scalar variables) of inputs whose
    static shapes are ``static_shapes``: where a static length is 1 the other
    inputs decide."""
    from .math import maximum

    ndim = max(len(s) for s in input_shapes)
    out = []
    for k in range(ndim):
        cands = []
        for shp, st in zip(input_shapes, static_shapes):
            j = k - (ndim - len(shp))
            if j < 0 or st[j] == 1:
                continue
            cands.append(shp[j])
        if not cands:
            out.append(constant(np.int64(1)))
        elif len(cands) == 1:
            out.append(cands[0])
        else:
            out.append(maximum(*cands[:2]) if len(cands) == 2 else maximum(cands[0], maximum(*cands[1:3])))
    return tuple(out)


def transpose(x, axes=None):
    """Permute the axes of ``x`` (reverse them when ``axes`` is None), as NumPy."""
    from .elemwise import DimShuffle
    from .reduction import normalize_axis

    x = as_tensor_variable(x)
    nd = x.type.ndim
    if axes is None:
        axes = tuple(range(nd))[::-1]
    axes = tuple(int(a) for a in axes)
    if len(axes) != nd or sorted(a % nd if nd else a for a in axes) != list(range(nd)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {nd} axes of {x.type}")
    return DimShuffle(nd, [a % nd for a in axes])(x)


__all__.append("transpose")
