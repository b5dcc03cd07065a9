"""jacobian, hessian, hessian_vector_product, verify_grad and the
gradient-control ops."""
import numpy as np
import pytest
from tensorsmith_autodiff import DisconnectedInputError, GradUndefinedError, pushforward

import tensorsmith
import tensorsmith.gradient as tg
import tensorsmith.tensor as pt

rng = np.random.default_rng(42)


def fn(inputs, outputs):
    return tensorsmith.function(inputs, outputs, on_unused_input="ignore")


def numeric_jacobian(f, x, eps=1e-6):
    x = np.array(x, dtype="float64")
    y0 = np.asarray(f(x))
    J = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(*x.shape):
        a = x.copy()
        a[idx] += eps
        b = x.copy()
        b[idx] -= eps
        J[(Ellipsis,) + idx] = (np.asarray(f(a)) - np.asarray(f(b))) / (2 * eps)
    return J


A = rng.normal(size=(3, 4))
JAC_CASES = {
    "elemwise": (lambda x: pt.exp(x) * x.sum(), (4,)),
    "dot_mv": (lambda x: pt.dot(pt.constant(A), x) ** 2, (4,)),
    "dot_vm": (lambda x: pt.tanh(pt.dot(x, pt.constant(A))), (3,)),
    "dot_mm": (lambda x: pt.dot(x, x.T), (2, 3)),
    "reshape": (lambda x: pt.reshape(x * x, (3, 2)), (2, 3)),
    "sum_axis": (lambda x: (x ** 3).sum(axis=0), (2, 3)),
    "broadcast": (lambda x: x[None, :] * pt.ones((3, 1)), (2,)),
    "softmax": (lambda x: pt.softmax(x, axis=-1), (2, 3)),
    "indexing": (lambda x: x[[0, 0, 2]] * x[1], (3,)),
    "concat": (lambda x: pt.concatenate([x, x ** 2]), (3,)),
    "cumsum": (lambda x: pt.cumsum(x * x), (4,)),
    "solve": (lambda x: pt.linalg.solve(pt.constant(np.eye(3) * 2 + 0.1), x), (3,)),
}


@pytest.mark.parametrize("vectorize", [True, False], ids=["vectorized", "loop"])
@pytest.mark.parametrize("case", list(JAC_CASES))
def test_jacobian_matches_finite_differences(case, vectorize):
    build, shape = JAC_CASES[case]
    # the loop version needs a static shape; the vectorized one takes unknown shapes
    x = pt.tensor("x", dtype="float64", shape=shape if not vectorize else (None,) * len(shape))
    y = build(x)
    J = tg.jacobian(y, x, vectorize=vectorize)
    v = rng.normal(size=shape)
    out = fn([x], J)(v)
    expected = numeric_jacobian(fn([x], y), v)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)


def test_jacobian_list_and_scalar():
    x = pt.dvector("x")
    w = pt.dscalar("w")
    y = x * w
    jx, jw = tg.jacobian(y, [x, w])
    f = fn([x, w], [jx, jw])
    a, b = f(np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(a, 3 * np.eye(2))
    np.testing.assert_allclose(b, [1.0, 2.0])
    # a 0-d expression gives the gradient
    g = tg.jacobian((x ** 2).sum(), x)
    np.testing.assert_allclose(fn([x], g)(np.array([1.0, 2.0])), [2.0, 4.0])


def test_jacobian_independent_output():
    x = pt.dvector("x")
    c = pt.dvector("c")
    J = tg.jacobian(c * 2.0, x, disconnected_inputs="ignore")
    out = fn([x, c], J)(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(out, np.zeros((3, 2)))
    with pytest.raises(DisconnectedInputError):
        tg.jacobian(c * 2.0, x)


def test_jacobian_loop_needs_static_shape():
    x = pt.dvector("x")
    with pytest.raises(ValueError, match="statically known shape"):
        tg.jacobian(pt.exp(x), x, vectorize=False)


def test_jacobian_vectorized_builds_one_pullback():
    # the vectorized graph does not grow with the output length
    sizes = []
    for n in (5, 50):
        x = pt.tensor("x", dtype="float64", shape=(n,))
        J = tg.jacobian(pt.tanh(x) * pt.sum(x), x)
        from tensorsmith_graphcore import toposort

        sizes.append(len(toposort([J])))
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("vectorize", [True, False])
def test_hessian_matches_finite_differences_of_gradient(vectorize):
    x = pt.tensor("x", dtype="float64", shape=(3,))
    M = pt.constant(rng.normal(size=(3, 3)))
    cost = pt.sum(pt.exp(pt.dot(M, x))) + pt.sum(x ** 4) * pt.sum(pt.sin(x))
    H = tg.hessian(cost, x, vectorize=vectorize)
    g = pt.grad(cost, x)
    v = rng.normal(size=3)
    h = fn([x], H)(v)
    expected = numeric_jacobian(fn([x], g), v)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-10)


def test_hessian_matrix_wrt_and_list():
    x = pt.dmatrix("x")
    y = pt.dvector("y")
    cost = pt.sum(x ** 3) + pt.sum(y) ** 2
    hx, hy = tg.hessian(cost, [x, y])
    a = rng.normal(size=(2, 2))
    b = rng.normal(size=3)
    ox, oy = fn([x, y], [hx, hy])(a, b)
    assert ox.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(ox.reshape(4, 4), np.diag(6 * a.reshape(-1)))
    np.testing.assert_allclose(oy, 2 * np.ones((3, 3)))


def test_hessian_vector_product():
    x = pt.dvector("x")
    p = pt.dvector("p")
    cost = pt.sum(pt.exp(x) * x[0])
    hv = tg.hessian_vector_product(cost, x, p)
    H = tg.hessian(cost, x)
    v = rng.normal(size=4)
    pv = rng.normal(size=4)
    a, h = fn([x, p], [hv, H])(v, pv)
    np.testing.assert_allclose(a, h @ pv, rtol=1e-10)
    with pytest.raises(ValueError):
        tg.hessian_vector_product(cost, [x], [p, p])


def test_verify_grad_passes_and_fails():
    pt.verify_grad(lambda a, b: pt.sum(a * pt.exp(b)), [rng.normal(size=3), rng.normal(size=3)],
                   rng=np.random.default_rng(0))
    pt.verify_grad(lambda a: pt.tanh(a), [rng.normal(size=(2, 2)).astype("float32")],
                   rng=np.random.default_rng(0))

    # a wrong gradient: value sin(x), gradient through grad_scale doubled
    with pytest.raises(tg.GradientError) as info:
        pt.verify_grad(lambda a: pt.grad_scale(pt.sin(a), 2.0), [np.array([0.3, 0.5])],
                       rng=np.random.default_rng(0))
    err = info.value
    assert err.arg == 0
    assert err.abs_err > 0.1
    msg = str(err)
    assert "input 0" in msg and "symbolic" in msg and "numeric" in msg
    with pytest.raises(TypeError, match="floating-point"):
        pt.verify_grad(lambda a: a * 2, [np.array([1, 2])])


def test_verify_grad_second_input_index():
    with pytest.raises(tg.GradientError) as info:
        pt.verify_grad(lambda a, b: a * pt.grad_scale(b, 0.5), [np.ones(2), np.ones(2)],
                       rng=np.random.default_rng(0))
    assert info.value.arg == 1


# -- control ops ----------------------------------------------------------------

def _value_and_grad(build, v):
    x = pt.dvector("x")
    y = build(x)
    g = pt.grad(pt.sum(y * pt.constant(np.arange(1.0, len(v) + 1))), x, disconnected_inputs="ignore")
    return fn([x], [y, g])(v)


def test_stop_gradient_and_zero_grad():
    assert tg.stop_gradient is tg.zero_grad
    v = np.array([1.0, 2.0, 3.0])
    y, g = _value_and_grad(lambda x: x * pt.stop_gradient(x), v)
    np.testing.assert_allclose(y, v * v)
    np.testing.assert_allclose(g, v * np.arange(1.0, 4))
    y, g = _value_and_grad(lambda x: pt.consider_constant(x) ** 2 + x, v)
    np.testing.assert_allclose(g, np.arange(1.0, 4))


def test_disconnected_grad():
    v = np.array([1.0, 2.0])
    x = pt.dvector("x")
    y = pt.sum(pt.disconnected_grad(x) * x)
    np.testing.assert_allclose(fn([x], pt.grad(y, x))(v), v)
    with pytest.raises(DisconnectedInputError):
        pt.grad(pt.sum(pt.disconnected_grad(x)), x)


def test_grad_clip_and_scale():
    v = np.array([1.0, -2.0, 3.0])
    y, g = _value_and_grad(lambda x: pt.grad_clip(x, -1.5, 2.5) * 1.0, v)
    np.testing.assert_allclose(y, v)
    np.testing.assert_allclose(g, [1.0, 2.0, 2.5])
    y, g = _value_and_grad(lambda x: pt.grad_scale(x ** 2, -0.5), v)
    np.testing.assert_allclose(y, v ** 2)
    np.testing.assert_allclose(g, -0.5 * 2 * v * np.arange(1.0, 4))
    with pytest.raises(ValueError):
        pt.grad_clip(pt.dvector(), 1.0, 0.0)
    # a symbolic multiplier
    x = pt.dvector("x")
    m = pt.dscalar("m")
    g = pt.grad(pt.sum(pt.grad_scale(x, m)), x)
    np.testing.assert_allclose(fn([x, m], g)(v, 3.0), [3.0, 3.0, 3.0])


def test_undefined_grad_names_op_and_input():
    x = pt.dvector("x")
    y = pt.sum(pt.undefined_grad(x) * 2)
    with pytest.raises(GradUndefinedError, match="UndefinedGrad.*input 0"):
        pt.grad(y, x)
    # the value passes
    np.testing.assert_allclose(fn([x], y)(np.ones(2)), 4.0)


def test_control_ops_forward_mode():
    x = pt.dvector("x")
    t = pt.dvector("t")
    v = np.array([1.0, 2.0])
    tv = np.array([0.5, -1.0])
    for op, expect in [(pt.stop_gradient, 0 * tv), (pt.disconnected_grad, 0 * tv),
                       (lambda a: pt.grad_clip(a, -0.1, 0.1), tv), (lambda a: pt.grad_scale(a, 3.0), tv)]:
        jv = pushforward(op(x), x, t)
        np.testing.assert_allclose(fn([x, t], jv)(v, tv), expect)
    with pytest.raises(GradUndefinedError):
        pushforward(pt.undefined_grad(x), x, t)


def test_control_ops_are_identity_and_value_objects():
    x = pt.dmatrix("x")
    v = rng.normal(size=(2, 3))
    outs = [pt.stop_gradient(x), pt.disconnected_grad(x), pt.grad_clip(x, -1, 1), pt.grad_scale(x, 2.0),
            pt.undefined_grad(x), pt.consider_constant(x)]
    for o in outs:
        assert o.type == x.type
        np.testing.assert_array_equal(fn([x], o)(v), v)
    assert tg.GradClip(-1, 1) == tg.GradClip(-1.0, 1.0)
    assert hash(tg.GradClip(-1, 1)) == hash(tg.GradClip(-1.0, 1.0))
    assert tg.GradClip(-1, 1) != tg.GradClip(-1, 2)


def test_tensorsmith_gradient_namespace():
    for name in ("jacobian", "hessian", "hessian_vector_product", "verify_grad", "GradientError",
                 "stop_gradient", "zero_grad", "disconnected_grad", "grad_clip", "grad_scale", "undefined_grad",
                 "consider_constant", "grad", "Lop", "Rop"):
        assert hasattr(tg, name), name
        if name not in ("grad", "Lop", "Rop"):
            assert hasattr(pt, name), name
