"""Compiled functions over deep graphs pickle and deep-copy (issue 8, item
4): a 60-layer MLP's training function goes to a worker process."""
import copy
import multiprocessing
import pickle

import numpy as np

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith import function, grad, shared
from tensorsmith_graphcore import ancestors, toposort

LAYERS = 60


def mlp_training_function(layers=LAYERS, width=4, seed=0):
    rng = np.random.default_rng(seed)
    X, Y = pt.dmatrix("X"), pt.dmatrix("Y")
    h = X
    params = []
    for i in range(layers):
        W = shared(rng.normal(scale=0.5, size=(width, width)), name=f"W{i}")
        b = shared(np.zeros(width), name=f"b{i}")
        params += [W, b]
        h = pt.tanh(pt.dot(h, W) + b)
    cost = ((h - Y) ** 2).mean()
    grads = grad(cost, params)
    f = function([X, Y], cost, updates=[(p, p - 0.1 * g) for p, g in zip(params, grads)])
    return f, params


def data(seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(5, 4)), rng.normal(size=(5, 4))


def test_mlp_training_function_pickles_and_trains_the_same():
    f, params = mlp_training_function()
    # far deeper than the old limit (about 180 nodes)
    assert len(toposort(f.fgraph.outputs)) > 600
    xv, yv = data()
    f(xv, yv)  # pickled after one step: the copy starts from these values
    values = [p.get_value() for p in params]
    f2 = pickle.loads(pickle.dumps(f))
    got = [float(f2(xv, yv)) for _ in range(3)]
    # the copy updates shared variables of its own
    for p, v in zip(params, values):
        np.testing.assert_array_equal(p.get_value(), v)
    want = [float(f(xv, yv)) for _ in range(3)]
    assert got == want


def test_mlp_training_function_deepcopies():
    f, params = mlp_training_function()
    xv, yv = data()
    f2 = copy.deepcopy(f)
    assert [float(f2(xv, yv)) for _ in range(3)] == [float(f(xv, yv)) for _ in range(3)]


def _train_in_worker(payload):
    f, xv, yv, steps = pickle.loads(payload)
    return [float(f(xv, yv)) for _ in range(steps)]


def test_mlp_training_function_runs_in_a_spawned_worker():
    f, _ = mlp_training_function()
    xv, yv = data()
    payload = pickle.dumps((f, xv, yv, 3))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        got = pool.apply(_train_in_worker, (payload,))
    assert got == [float(f(xv, yv)) for _ in range(3)]


def test_functions_pickled_together_keep_sharing_their_shared_variables():
    s = shared(np.zeros(3), name="s")
    x = pt.dvector("x")
    y = x
    for _ in range(300):  # a deep graph on both sides
        y = pt.tanh(y) + 0.0
    inc = function([x], [], updates=[(s, s + y)])
    read = function([], s * 2.0)
    inc2, read2 = pickle.loads(pickle.dumps([inc, read]))
    inc2(np.ones(3))
    np.testing.assert_allclose(read2(), 2 * _ref(300))
    np.testing.assert_array_equal(s.get_value(), np.zeros(3))  # the original is apart
    np.testing.assert_array_equal(read(), np.zeros(3))


def _ref(n):
    v = np.ones(3)
    for _ in range(n):
        v = np.tanh(v)
    return v


def test_deep_symbolic_graph_and_its_gradient_after_loading():
    x = pt.dscalar("x")
    y = x
    for i in range(2000):
        y = pt.sin(y) * 0.5 + x if i % 3 == 0 else y * 1.0001
    z = y ** 2
    x2, y2, z2 = pickle.loads(pickle.dumps([x, y, z]))
    assert y2 in ancestors([z2]) and x2 in ancestors([z2])
    g = tensorsmith.grad(z2, y2)  # y2 is found in z2's graph
    f = function([x2], [z2, g])
    zv, gv = f(0.3)
    ref = function([x], [z, tensorsmith.grad(z, y)])(0.3)
    assert float(zv) == float(ref[0]) and float(gv) == float(ref[1])
    x3, y3, z3 = copy.deepcopy([x, y, z])
    assert float(function([x3], tensorsmith.grad(z3, y3))(0.3)) == float(ref[1])
