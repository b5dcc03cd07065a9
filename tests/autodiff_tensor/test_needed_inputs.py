"""Gradient rules skip the inputs whose gradient is not used (``needed``),
shared output types, and the size of the gradient of a long chain."""
import gc

import numpy as np
import pytest
from tensorsmith_autodiff import disconnected, register_grad
from tensorsmith_autodiff.registry import grad_rule_takes_needed
from tensorsmith_graphcore import Apply, Op, toposort

import tensorsmith
import tensorsmith.tensor as pt


def _applies_made_by(f):
    """(result of f(), number of Apply nodes created while it ran)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        before = sum(1 for o in gc.get_objects() if isinstance(o, Apply))
        res = f()
        after = sum(1 for o in gc.get_objects() if isinstance(o, Apply))
    finally:
        if was:
            gc.enable()
    return res, after - before


def _chain(n):
    x = pt.dvector("x")
    y = x
    for i in range(n):
        y = pt.sin(y) if i % 2 else y * 1.0001
    return x, y.sum()


def test_chain_gradient_builds_nothing_for_the_constants():
    n = 200
    x, cost = _chain(n)
    g, made = _applies_made_by(lambda: pt.grad(cost, x))
    in_graph = len(toposort([cost, g])) - len(toposort([cost]))
    # one mul per `* 1.0001`, cos and mul per sin, the seed: nothing else built
    assert in_graph == 3 * n // 2 + 3
    assert made == in_graph
    f = tensorsmith.function([x], [cost, g])
    v = np.linspace(-1.0, 1.0, 5)
    c, gv = f(v)
    eps = 1e-6
    num = np.array([(f(v + eps * e)[0] - f(v - eps * e)[0]) / (2 * eps) for e in np.eye(5)])
    np.testing.assert_allclose(gv, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("build", [
    lambda x: x * 3.0,
    lambda x: 3.0 * x,
    lambda x: x / 3.0,
    lambda x: 3.0 / x,
    lambda x: x - 3.0,
    lambda x: 3.0 - x,
    lambda x: x ** 3.0,
    lambda x: 3.0 ** x,
    lambda x: pt.maximum(x, 0.5),
    lambda x: pt.minimum(0.5, x),
    lambda x: pt.switch(x > 0, x, 2.0),
    lambda x: pt.switch(x > 0, 2.0, x),
    lambda x: x % 0.7,
])
def test_binary_ops_with_a_constant_skip_its_gradient(build):
    x = pt.dvector("x")
    cost = build(x).sum()
    g, made = _applies_made_by(lambda: pt.grad(cost, x))
    assert made == len(toposort([cost, g])) - len(toposort([cost]))
    v = np.array([0.3, 1.7, 2.2])
    f = tensorsmith.function([x], [cost, g])
    eps = 1e-6
    num = np.array([(f(v + eps * e)[0] - f(v - eps * e)[0]) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(f(v)[1], num, rtol=1e-5, atol=1e-8)


def test_both_inputs_still_get_gradients():
    x, y = pt.dvectors("x", "y")
    gx, gy = pt.grad((x * y + x / y + x ** y).sum(), [x, y])
    f = tensorsmith.function([x, y], [gx, gy])
    xv, yv = np.array([0.5, 1.5]), np.array([1.2, 0.7])
    rx, ry = f(xv, yv)
    np.testing.assert_allclose(rx, yv + 1 / yv + yv * xv ** (yv - 1))
    np.testing.assert_allclose(ry, xv - xv / yv ** 2 + xv ** yv * np.log(xv))


def test_custom_rule_receives_needed():
    seen = []

    class Scale(Op):
        __props__ = ()

        def make_node(self, x, s):
            x = pt.as_tensor_variable(x)
            s = pt.as_tensor_variable(s)
            return Apply(self, [x, s], [x.type()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0] * inputs[1]

    @register_grad(Scale)
    def _scale_grad(op, node, inputs, output_grads, needed=None):
        seen.append(needed)
        x, s = inputs
        (gz,) = output_grads
        return [gz * s if needed is None or needed[0] else disconnected,
                (gz * x).sum() if needed is None or needed[1] else disconnected]

    assert grad_rule_takes_needed(_scale_grad)
    x = pt.dvector("x")
    s = pt.dscalar("s")
    out = Scale()(x, s).sum()
    gx = pt.grad(out, x)
    assert seen[-1] == (True, False)
    gs = pt.grad(out, s)
    assert seen[-1] == (False, True)
    gx2, gs2 = pt.grad(out, [x, s])
    assert seen[-1] == (True, True)
    f = tensorsmith.function([x, s], [gx, gs, gx2, gs2])
    r = f(np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(r[0], [3.0, 3.0])
    assert r[1] == pytest.approx(3.0)
    np.testing.assert_allclose(r[2], [3.0, 3.0])
    assert r[3] == pytest.approx(3.0)


def test_rules_without_needed_are_called_as_before():
    def rule(op, node, inputs, output_grads):
        return [output_grads[0]]

    assert not grad_rule_takes_needed(rule)


def test_elemwise_outputs_share_types():
    x = pt.dvector("x")
    a = pt.sin(x)
    b = a * 2.0
    c = pt.exp(b)
    assert a.type is b.type is c.type
    assert a.type == x.type and hash(a.type) == hash(x.type)


def test_weak_constants_follow_the_strong_operand_dtype_after_caching():
    xf = pt.fvector("xf")
    xd = pt.dvector("xd")
    for _ in range(3):  # the second and third calls come from the op's cache
        assert (xf * 1.5).dtype == "float32"
        assert (xd * 1.5).dtype == "float64"
        assert (xf * 1.5).owner.inputs[1].type.dtype == "float32"
    xi = pt.ivector("xi")
    # next to integers only, config.floatX decides the constant's dtype: never cached
    with tensorsmith.config.change_flags(floatX="float32"):
        assert (xi * 1.5).owner.inputs[1].type.dtype == "float32"
    assert (xi * 1.5).owner.inputs[1].type.dtype == "float64"
    with tensorsmith.config.change_flags(floatX="float32"):
        assert (xi * 1.5).owner.inputs[1].type.dtype == "float32"
