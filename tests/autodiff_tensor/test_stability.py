"""Gradients of the numerically delicate functions stay finite (and correct)
for inputs up to |x| = 1000, as built (there is no rewriter to stabilise them)."""
import numpy as np
import pytest
import scipy.special as sp

import tensorsmith
import tensorsmith.tensor as pt

# overflow to inf inside an intermediate (exp, expm1) is part of what is tested
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

BIG = np.array([-1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0])
NEG = np.array([-1000.0, -100.0, -30.0, -1.0, -1e-3])


def need(name):
    f = getattr(pt, name, None)
    if f is None:
        pytest.skip(f"pt.{name} does not exist")
    return f


def value_and_grad(build, values, wrt=0):
    xs = [pt.tensor(f"x{i}", dtype="float64", shape=(None,) * np.ndim(v)) for i, v in enumerate(values)]
    y = build(*xs)
    cost = pt.sum(y)
    g = pt.grad(cost, xs[wrt])
    f = tensorsmith.function(xs, [y, g], on_unused_input="ignore")
    return f(*[np.asarray(v, dtype="float64") for v in values])


def sigmoid(x):
    return sp.expit(x)


@pytest.mark.parametrize("name", ["softplus", "log1pexp"])
def test_softplus(name):
    f = need(name)
    y, g = value_and_grad(f, [BIG])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, sigmoid(BIG), rtol=1e-12, atol=1e-300)


def test_log_sigmoid():
    f = need("log_sigmoid")
    y, g = value_and_grad(f, [BIG])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, sigmoid(-BIG), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(y, -np.logaddexp(0, -BIG), rtol=1e-12)


def test_log1mexp():
    f = need("log1mexp")
    y, g = value_and_grad(f, [NEG])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, -1.0 / np.expm1(-NEG), rtol=1e-9)


@pytest.mark.parametrize("axis", [None, -1])
def test_logsumexp(axis):
    f = need("logsumexp")
    x = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -999.0, -1000.0]])
    y, g = value_and_grad(lambda a: f(a, axis=axis), [x])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    if axis is None:
        expected = np.exp(x - sp.logsumexp(x))
    else:
        expected = sp.softmax(x, axis=-1)
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name):
    f = need(name)
    x = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -999.0, -1000.0]])
    w = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    xs = pt.dmatrix("x")
    y = f(xs, axis=-1)
    g = pt.grad(pt.sum(y * w), xs)
    yv, gv = tensorsmith.function([xs], [y, g])(x)
    assert np.all(np.isfinite(yv)) and np.all(np.isfinite(gv))
    s = sp.softmax(x, axis=-1)
    if name == "softmax":
        expected = s * (w - np.sum(w * s, axis=-1, keepdims=True))
    else:
        expected = w - s * np.sum(w, axis=-1, keepdims=True)
    np.testing.assert_allclose(gv, expected, rtol=1e-10, atol=1e-12)


def test_logaddexp():
    f = need("logaddexp")
    a = np.array([1000.0, 1000.0, -1000.0, -1000.0, 0.0])
    b = np.array([-1000.0, 1000.0, -1000.0, 1000.0, 0.0])
    xa, xb = pt.dvector("a"), pt.dvector("b")
    y = f(xa, xb)
    ga, gb = pt.grad(pt.sum(y), [xa, xb])
    yv, gav, gbv = tensorsmith.function([xa, xb], [y, ga, gb])(a, b)
    assert np.all(np.isfinite(yv)) and np.all(np.isfinite(gav)) and np.all(np.isfinite(gbv))
    np.testing.assert_allclose(gav, sigmoid(a - b), rtol=1e-12)
    np.testing.assert_allclose(gbv, sigmoid(b - a), rtol=1e-12)


def test_sigmoid_binary_crossentropy():
    f = need("sigmoid_binary_crossentropy")
    t = np.linspace(0, 1, BIG.size)
    y, g = value_and_grad(f, [BIG, t])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, sigmoid(BIG) - t, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_with_logits():
    f = need("softmax_cross_entropy_with_logits")
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    t = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    y, g = value_and_grad(f, [x, t])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, sp.softmax(x, axis=-1) * t.sum(-1, keepdims=True) - t, rtol=1e-12, atol=1e-15)


def test_categorical_crossentropy_of_extreme_probabilities():
    f = need("categorical_crossentropy")
    p = np.array([[1.0 - 1e-15, 1e-300, 1e-15], [1e-200, 0.5, 0.5]])
    t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y, g = value_and_grad(f, [p, t])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, -t / p, rtol=1e-12)


def test_binary_crossentropy_of_extreme_probabilities():
    f = need("binary_crossentropy")
    p = np.array([1e-300, 1e-15, 0.5, 1 - 1e-15])
    t = np.array([0.0, 0.3, 1.0, 1.0])
    y, g = value_and_grad(f, [p, t])
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(g, -t / p + (1 - t) / (1 - p), rtol=1e-9)
