"""Pickling graphs and compiled functions (as PyMC does to send a model's
functions to worker processes): the loaded function computes what the
original computes, with shared values as they were when pickled."""
import multiprocessing
import pickle

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith import In, function
from tensorsmith_graphcore import toposort


def roundtrip(obj):
    return pickle.loads(pickle.dumps(obj))


def test_graph_roundtrip_compiles_to_the_same_values():
    x = pt.dvector("x")
    y = (pt.exp(x) * 2 + pt.log1p(x ** 2)).sum()
    g = pt.grad(y, x)
    y2, g2, x2 = roundtrip((y, g, x))
    assert len(toposort([y2, g2])) == len(toposort([y, g]))
    assert x2 is not x and x2.name == "x" and x2.type == x.type
    v = np.array([0.1, -0.5, 2.0])
    ref = function([x], [y, g])(v)
    got = function([x2], [y2, g2])(v)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])


def test_function_roundtrip_values_and_interface():
    x, y = pt.dscalar("x"), pt.dvector("y")
    f = function([x, In(y, value=np.array([1.0, 2.0]))], [x * y, (x * y).sum()], name="f")
    f2 = roundtrip(f)
    assert isinstance(f2, tensorsmith.Function) and f2.name == "f"
    for a, b in zip(f2(3.0), f(3.0)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(f2(x=2.0, y=[1.0, 1.0]), f(x=2.0, y=[1.0, 1.0])):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="y"):
        f2(1.0, np.ones((2, 2)))


def test_function_with_shared_updates_keeps_its_state():
    x = pt.dvector("x")
    s = tensorsmith.shared(np.zeros(2), "s")
    f = function([x], s.sum(), updates=[(s, s + x)])
    f(np.ones(2))
    f2 = roundtrip(f)
    # the copy starts from the value s had when pickled, then goes its own way
    assert float(f2(np.ones(2))) == 2.0
    assert float(f2(np.ones(2))) == 4.0
    assert float(f(np.ones(2))) == 2.0
    np.testing.assert_array_equal(s.get_value(), [2.0, 2.0])


def test_function_with_givens_and_mode():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = function([x], x * y, givens=[(y, x + 1)], mode="FAST_COMPILE")
    f2 = roundtrip(f)
    assert float(f2(3.0)) == float(f(3.0)) == 12.0


def test_function_with_random_draws_continues_the_stream():
    srng = pt.random.RandomStream(seed=123)
    z = srng.normal(0, 1, size=(3,))
    f = function([], z)
    f()
    f2 = roundtrip(f)
    a, b = f(), f2()
    np.testing.assert_array_equal(a, b)  # same generator state when pickled
    assert not np.array_equal(f2(), b)


def _evaluate_in_worker(payload):
    f, value = pickle.loads(payload)
    return f(value)


def test_function_runs_in_a_spawned_worker_process():
    x = pt.dvector("x")
    f = function([x], [pt.exp(x).sum(), pt.grad(pt.exp(x).sum(), x)])
    v = np.array([0.5, 1.5])
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        out = pool.apply(_evaluate_in_worker, (pickle.dumps((f, v)),))
    for a, b in zip(out, f(v)):
        np.testing.assert_array_equal(a, b)
