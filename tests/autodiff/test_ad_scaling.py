"""Deep graphs: no recursion, roughly linear time (a loose sanity check, not a benchmark)."""
import sys
import time

import pytest

from tensorsmith_autodiff import grad, pushforward

import toyops as T
from toyops import add, fconst, ftype, function, sin


def chain(n):
    """x -> ... n nodes: alternating sin and add."""
    x = ftype("x")
    v = x
    for _ in range(n // 2):
        v = add(sin(v), v)
    return x, v


def test_deep_chain_grad_no_recursion():
    assert sys.getrecursionlimit() < 200_000
    x, c = chain(200_000)
    g = grad(c, x)
    assert g.owner is not None


def test_grad_time_roughly_linear():
    def cost(n):
        x, c = chain(n)
        t0 = time.perf_counter()
        grad(c, x)
        return time.perf_counter() - t0

    cost(2_000)  # warm up
    small = min(cost(10_000) for _ in range(2))
    big = cost(100_000)
    assert big / small < 20, (small, big)


def test_deep_chain_value_and_forward_mode():
    x, c = chain(2_000)
    g = grad(c, x)
    jv = pushforward(c, x, fconst(1.0))
    f = function([x], [c, g, jv])
    val, gv, jvv = f(0.3)
    eps = 1e-6
    fd = (function([x], [c])(0.3 + eps)[0] - function([x], [c])(0.3 - eps)[0]) / (2 * eps)
    assert gv == pytest.approx(fd, rel=1e-4)
    assert jvv == pytest.approx(gv, rel=1e-10)


def test_deep_chain_forward_fallback_linear():
    x = ftype("x")
    v = x
    for _ in range(20_000):
        v = T.hypot(v, fconst(0.5))  # no forward rule: fallback per node
    jv = pushforward(v, x, fconst(1.0))
    assert jv.owner is not None
