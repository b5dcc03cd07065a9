"""Gradients through repeated indices, set/inc_subtensor, broadcasting,
``switch`` with non-finite values in the untaken branch, integer inputs and
higher orders."""
import numpy as np
import pytest
from tensorsmith_autodiff import DisconnectedInputError

import tensorsmith
import tensorsmith.tensor as pt

from .test_tools import numeric_jacobian


def fn(inputs, outputs):
    return tensorsmith.function(inputs, outputs, on_unused_input="ignore")


def test_repeated_indices_accumulate():
    x = pt.dvector("x")
    y = pt.sum(x[[0, 0, 2, 0]] * pt.constant([1.0, 2.0, 3.0, 4.0]))
    g = fn([x], pt.grad(y, x))(np.zeros(4))
    np.testing.assert_allclose(g, [7.0, 0.0, 3.0, 0.0])


def test_inc_subtensor_repeated_indices():
    x = pt.dvector("x")
    v = pt.dvector("v")
    y = pt.inc_subtensor(x[[1, 1, 3]], v)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    cost = pt.sum(y * w)
    gx, gv = fn([x, v], pt.grad(cost, [x, v]))(np.zeros(4), np.ones(3))
    np.testing.assert_allclose(gx, w)
    np.testing.assert_allclose(gv, [2.0, 2.0, 4.0])


def test_set_subtensor_gradient():
    x = pt.dmatrix("x")
    v = pt.dvector("v")
    y = pt.set_subtensor(x[1], v)
    w = np.arange(6.0).reshape(2, 3) + 1
    gx, gv = fn([x, v], pt.grad(pt.sum(y * w), [x, v]))(np.zeros((2, 3)), np.zeros(3))
    np.testing.assert_allclose(gx, [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(gv, [4.0, 5.0, 6.0])


def test_broadcasting_gradient_sums_back():
    x = pt.tensor("x", dtype="float64", shape=(None, 1))
    y = pt.dvector("y")
    s = pt.dscalar("s")
    out = pt.sum((x + y) * s)
    gx, gy, gs = fn([x, y, s], pt.grad(out, [x, y, s]))(np.ones((2, 1)), np.ones(3), 2.0)
    assert gx.shape == (2, 1) and gy.shape == (3,) and np.shape(gs) == ()
    np.testing.assert_allclose(gx, [[6.0], [6.0]])
    np.testing.assert_allclose(gy, [4.0, 4.0, 4.0])
    np.testing.assert_allclose(gs, 12.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_switch_untaken_branch_nonfinite_value(bad):
    """Non-finite values in the untaken branch do not reach the gradient of
    the taken one (Switch routes the output gradient, it does not multiply)."""
    x = pt.dvector("x")
    k = pt.dvector("k")
    y = pt.switch(pt.gt(x, 0), x * 2.0, k * 3.0)
    gx, gk = fn([x, k], pt.grad(pt.sum(y), [x, k]))(np.array([1.0, 2.0]), np.array([bad, bad]))
    np.testing.assert_allclose(gx, [2.0, 2.0])
    np.testing.assert_allclose(gk, [0.0, 0.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("kind", ["log", "sqrt", "div", "exp"])
def test_switch_guarded_branch_gradient_finite(kind):
    """The guarded form (the untaken branch evaluated at a safe point) keeps
    the gradient finite where the naive branch is undefined; the naive form
    gives NaN there, as in PyTensor and JAX (0 * inf), so it is not tested."""
    x = pt.dvector("x")
    cond = pt.gt(x, 0)
    safe = pt.switch(cond, x, 1.0)
    bad = {"log": pt.log, "sqrt": pt.sqrt, "div": lambda a: 1.0 / a, "exp": lambda a: pt.exp(a * 1000.0)}[kind]
    y = pt.switch(cond, bad(safe), x * 2.0)
    g = fn([x], pt.grad(pt.sum(y), x))(np.array([-1.0, 0.0, -3.0]))
    assert np.all(np.isfinite(g)), g
    np.testing.assert_allclose(g, [2.0, 2.0, 2.0])


def test_integer_inputs_are_disconnected():
    i = pt.ivector("i")
    x = pt.dvector("x")
    cost = pt.sum(x * i)
    # connected integer inputs get a zero gradient (no gradient flows into them)
    np.testing.assert_array_equal(fn([i, x], pt.grad(cost, i))(np.array([1, 2], dtype="int32"), np.ones(2)), [0, 0])
    with pytest.raises(DisconnectedInputError):
        pt.grad(pt.sum(x), i)
    gi, gx = pt.grad(cost, [i, x], disconnected_inputs="ignore")
    vi, vx = fn([i, x], [gi, gx])(np.array([1, 2], dtype="int32"), np.ones(2))
    np.testing.assert_array_equal(vi, [0, 0])
    np.testing.assert_allclose(vx, [1.0, 2.0])
    # an index input of indexing is not differentiable either
    k = pt.lscalar("k")
    with pytest.raises(DisconnectedInputError):
        pt.grad(x[k], k)


def test_grad_of_grad():
    x = pt.dscalar("x")
    y = pt.sin(x) * x ** 3
    g1 = pt.grad(y, x)
    g2 = pt.grad(g1, x)
    g3 = pt.grad(g2, x)
    f = fn([x], [g1, g2, g3])
    v = 0.7
    a, b, c = f(v)
    s, co = np.sin(v), np.cos(v)
    np.testing.assert_allclose(a, co * v ** 3 + 3 * s * v ** 2)
    np.testing.assert_allclose(b, -s * v ** 3 + 6 * co * v ** 2 + 6 * s * v)
    np.testing.assert_allclose(c, -co * v ** 3 - 9 * s * v ** 2 + 18 * co * v + 6 * s)


def test_grad_of_grad_through_matrix_ops():
    x = pt.dvector("x")
    M = np.array([[2.0, 1.0], [0.5, 3.0]])
    cost = pt.sum(pt.tanh(pt.dot(pt.constant(M), x)) ** 2)
    g = pt.grad(cost, x)
    gg = pt.grad(pt.sum(g * pt.constant([1.0, -1.0])), x)
    v = np.array([0.3, -0.2])
    expected = numeric_jacobian(fn([x], g), v).T @ np.array([1.0, -1.0])
    np.testing.assert_allclose(fn([x], gg)(v), expected, rtol=1e-6)


def test_float32_gradient_keeps_dtype():
    x = pt.fvector("x")
    g = pt.grad(pt.sum(x * 2.5), x)
    assert g.type.dtype == "float32"
    out = fn([x], g)(np.ones(3, dtype="float32"))
    assert out.dtype == np.float32


def test_filter_gradient_rejects_a_wrong_rank():
    from tensorsmith_autodiff import register_grad
    from tensorsmith_graphcore import Apply, Op

    class BadGradOp(Op):
        __props__ = ()

        def make_node(self, x):
            return Apply(self, [x], [x.type.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0]

    @register_grad(BadGradOp)
    def _bad(op, node, inputs, g):
        return [pt.sum(g[0])]

    x = pt.dvector("x")
    with pytest.raises(TypeError, match="0 dimensions instead of 1"):
        pt.grad(pt.sum(BadGradOp()(x)), x)


def test_double_vjp_fallback_when_one_gradient_is_built_from_another():
    from tensorsmith_autodiff import pushforward, register_grad
    from tensorsmith_graphcore import Apply, Op

    class Prod2(Op):
        """a * b, with a gradient rule that builds b's gradient from a's."""
        __props__ = ()

        def make_node(self, a, b):
            return Apply(self, [a, b], [a.type.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0] * inputs[1]

    @register_grad(Prod2)
    def _rule(op, node, inputs, g):
        ga = g[0] * inputs[1]
        return [ga, ga * inputs[0] / inputs[1]]

    a, b, ta, tb = (pt.dscalar(n) for n in ("a", "b", "ta", "tb"))
    jv = pushforward(Prod2()(a, b), [a, b], [ta, tb])
    assert fn([a, b, ta, tb], jv)(2.0, 3.0, 1.0, 1.0) == pytest.approx(5.0)
