"""``as_op``: wrap a Python function of NumPy arrays as an op with fixed input
and output types (as ``pytensor.compile.ops.as_op``)."""
import numpy as np
from tensorsmith_graphcore import Op

__all__ = ["as_op", "FromFunctionOp"]


class FromFunctionOp(Op):
    """An op whose ``perform`` calls ``fn`` on the input arrays.  It has no
    gradient unless ``grad`` is given (``grad(inputs, output_grads)`` building
    a graph), as in PyTensor."""

    __props__ = ("fn", "itypes", "otypes")

    def __init__(self, fn, itypes, otypes, infer_shape=None, grad=None):
        self.fn = fn
        self.itypes = tuple(itypes)
        self.otypes = tuple(otypes)
        self._infer_shape = infer_shape
        self._grad = grad
        self.__name__ = getattr(fn, "__name__", "as_op")

    def perform(self, node, inputs, output_storage):
        outs = self.fn(*inputs)
        if len(self.otypes) == 1:
            outs = [outs]
        if len(outs) != len(self.otypes):
            raise ValueError(f"{self}: {self.__name__} returned {len(outs)} values, expected {len(self.otypes)}")
        for cell, value, t in zip(output_storage, outs, self.otypes):
            cell[0] = t.filter(np.asarray(value) if not hasattr(value, "dtype") else value,
                               strict=False, allow_downcast=True)

    def infer_shape(self, fgraph, node, input_shapes):
        if self._infer_shape is None:
            raise NotImplementedError(f"{self} has no infer_shape")
        return self._infer_shape(fgraph, node, input_shapes)

    def L_op(self, inputs, outputs, output_grads):
        if self._grad is None:
            from tensorsmith_autodiff import grad_not_implemented

            return [grad_not_implemented(self, i, x, f"as_op({self.__name__}) has no gradient")
                    for i, x in enumerate(inputs)]
        return self._grad(inputs, output_grads)

    def __str__(self):
        return f"FromFunctionOp{{{self.__name__}}}"


def as_op(itypes, otypes, infer_shape=None):
    """Decorator: ``@as_op(itypes=[pt.dmatrix], otypes=[pt.dvector])`` over a
    function of NumPy arrays makes a callable op."""
    itypes = [t.type if hasattr(t, "type") and not hasattr(t, "filter") else _as_type(t) for t in itypes]
    otypes = [_as_type(t) for t in otypes]

    def decorator(fn):
        return FromFunctionOp(fn, itypes, otypes, infer_shape)

    return decorator


def _as_type(t):
    if hasattr(t, "filter"):
        return t
    if callable(t):  # a constructor such as pt.dmatrix
        return t().type
    raise TypeError(f"as_op: {t!r} is not a type")
