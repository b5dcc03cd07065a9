"""User-defined ops, written the way PyTensor documents them."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith.compile.ops import as_op
from tensorsmith.graph.basic import Apply
from tensorsmith.graph.op import Op


class DoubleOp(Op):
    __props__ = ()

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 2

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 2]


class TypedOp(Op):
    itypes = [pt.dmatrix().type]
    otypes = [pt.dvector().type]

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0].sum(axis=1)


def test_custom_op_make_node_perform_grad():
    x = pt.dmatrix("x")
    y = DoubleOp()(x)
    f = tensorsmith.function([x], [y, tensorsmith.grad(y.sum(), x)])
    v, g = f(np.ones((2, 3)))
    np.testing.assert_array_equal(v, 2 * np.ones((2, 3)))
    np.testing.assert_array_equal(g, 2 * np.ones((2, 3)))
    assert DoubleOp() == DoubleOp() and hash(DoubleOp()) == hash(DoubleOp())


def test_itypes_otypes_default_make_node():
    x = pt.dmatrix("x")
    out = TypedOp()(x)
    assert out.type == pt.dvector().type
    np.testing.assert_array_equal(tensorsmith.function([x], out)(np.ones((2, 3))), [3.0, 3.0])
    with pytest.raises(TypeError, match="type"):
        TypedOp()(pt.ivector("i"))
    with pytest.raises(TypeError, match="1 inputs"):
        TypedOp()(x, x)


def test_as_op_decorator_and_missing_gradient():
    @as_op(itypes=[pt.dvector], otypes=[pt.dscalar])
    def numpy_logsumexp(v):
        m = v.max()
        return m + np.log(np.exp(v - m).sum())

    x = pt.dvector("x")
    y = numpy_logsumexp(x)
    assert float(tensorsmith.function([x], y)([0.0, 0.0])) == pytest.approx(np.log(2))
    with pytest.raises(NotImplementedError, match="numpy_logsumexp"):
        tensorsmith.grad(y, x)


def test_pytensor_style_disconnected_type_in_grad_method():
    from tensorsmith.gradient import DisconnectedType

    class Scale(Op):
        def make_node(self, x, k):
            x, k = pt.as_tensor_variable(x), pt.as_tensor_variable(k)
            return Apply(self, [x, k], [x.type()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0] * inputs[1]

        def grad(self, inputs, g):
            return [g[0] * inputs[1], DisconnectedType()()]

    x, k = pt.dvector("x"), pt.iscalar("k")
    g = tensorsmith.function([x, k], tensorsmith.grad(Scale()(x, k).sum(), x))
    np.testing.assert_array_equal(g([1.0, 2.0], 3), [3.0, 3.0])
