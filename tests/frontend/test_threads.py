"""Compiled functions called from several threads at once: every caller gets
its own right answer, errors stay with the caller that caused them, and no
shared-variable update is lost."""
import threading

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt

N_THREADS = 8


def _run_threads(target, n=N_THREADS):
    errors = []
    barrier = threading.Barrier(n)

    def wrap(k):
        try:
            barrier.wait()
            target(k)
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


def test_stress_random_shapes_every_result_checked():
    x = pt.dmatrix("x")
    y = pt.dvector("y")
    # several intermediates, so a wrong interleaving would mix values
    z = pt.exp(x * 0.5) * y + pt.sum(x, axis=1, keepdims=True)
    w = pt.tanh(z).sum() + (x ** 2).mean()
    f = ts.function([x, y], [z, w])
    bad = []

    def work(k):
        rng = np.random.default_rng(k)
        for _ in range(300):
            r, c = rng.integers(1, 7, size=2)
            xv = rng.normal(size=(r, c))
            yv = rng.normal(size=c)
            zv, wv = f(xv, yv)
            ez = np.exp(xv * 0.5) * yv + xv.sum(axis=1, keepdims=True)
            ew = np.tanh(ez).sum() + (xv ** 2).mean()
            if zv.shape != ez.shape or not np.allclose(zv, ez) or not np.allclose(wv, ew):
                bad.append((k, r, c))

    _run_threads(work)
    assert bad == []


def test_errors_stay_with_their_caller():
    x = pt.dvector("x")
    y = pt.dvector("y")
    f = ts.function([x, y], x * y + 1.0)
    wrong = []

    def work(k):
        rng = np.random.default_rng(100 + k)
        for i in range(300):
            n = int(rng.integers(2, 6))
            if k % 2 == 0:
                a, b = rng.normal(size=n), rng.normal(size=n)
                try:
                    out = f(a, b)
                except ValueError as e:  # another caller's shape error
                    wrong.append(("raised", str(e)))
                    continue
                if not np.allclose(out, a * b + 1.0):
                    wrong.append(("value", k, i))
            else:
                # mismatched lengths: must raise for this caller, every time
                with pytest.raises(ValueError):
                    f(rng.normal(size=n), rng.normal(size=n + 1))

    _run_threads(work)
    assert wrong == []


def test_no_lost_updates_one_function():
    count = ts.shared(np.int64(0), "count")
    inc = ts.function([], [], updates=[(count, count + 1)])
    per_thread = 2500

    def work(k):
        for _ in range(per_thread):
            inc()

    _run_threads(work)
    assert int(count.get_value()) == N_THREADS * per_thread


def test_no_lost_updates_several_functions_and_no_deadlock():
    a = ts.shared(np.float64(0.0), "a")
    b = ts.shared(np.float64(0.0), "b")
    x = pt.dscalar("x")
    # the two functions take the same two locks, listed in opposite orders
    fa = ts.function([x], a + b, updates=[(a, a + x), (b, b + 2 * x)])
    fb = ts.function([x], a - b, updates=[(b, b + x), (a, a + 1)])
    n = 1000

    def work(k):
        f = fa if k % 2 else fb
        for _ in range(n):
            f(1.0)

    _run_threads(work)
    half = N_THREADS // 2
    assert a.get_value() == half * n * 1.0 + half * n * 1.0
    assert b.get_value() == half * n * 2.0 + half * n * 1.0


def test_nested_call_of_the_same_function_from_a_perform():
    # a function whose perform calls the function itself (reentrancy) must not
    # deadlock nor clobber the outer call's storage
    from tensorsmith_graphcore import Apply, Op

    x = pt.dscalar("x")
    holder = {}

    class CallsF(Op):
        __props__ = ()

        def make_node(self, v):
            v = pt.as_tensor_variable(v)
            return Apply(self, [v], [v.type()])

        def perform(self, node, inputs, outputs):
            (v,) = inputs
            inner = holder["f"](v - 1.0) if v > 0 else np.float64(0.0)
            outputs[0][0] = np.asarray(v + inner)

    y = CallsF()(x) * 1.0
    f = ts.function([x], y)
    holder["f"] = f
    assert f(3.0) == 3.0 + 2.0 + 1.0 + 0.0


def test_spare_storage_keeps_the_functions_settings():
    x = pt.dvector("x")
    f = ts.function([ts.In(x, value=np.ones(2))], x * 2.0)
    res = []

    def work(k):
        for _ in range(200):
            res.append(np.array_equal(f(), [2.0, 2.0]))
            res.append(np.array_equal(f(np.array([1.0, 3.0])), [2.0, 6.0]))

    _run_threads(work, 4)
    assert all(res) and len(res) == 4 * 400
