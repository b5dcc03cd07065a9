"""A chain of 1,000,000 nodes toposorts and clones without RecursionError
(compiled: a few seconds; the pure-Python copy is marked slow)."""
import gc
import time

import pytest

N = 1_000_000


@pytest.fixture(params=["compiled", pytest.param("pure", marks=pytest.mark.slow)])
def g(request):
    from conftest import get_impl

    return get_impl(request.param)


def test_million_node_chain(g, toy):
    old = g.set_tracing(False)  # building is not what is measured here
    gc.disable()
    try:
        x = toy.fscalar("x")
        y = x
        neg = toy.neg
        for _ in range(N):
            y = neg(y)
        t0 = time.perf_counter()
        order = g.toposort([y])
        t_topo = time.perf_counter() - t0
        assert len(order) == N
        assert order[0].inputs[0] is x and order[-1] is y.owner
        t0 = time.perf_counter()
        (nx,), (ny,) = g.clone([x], [y])
        t_clone = time.perf_counter() - t0
        assert ny is not y and ny.owner.op == y.owner.op
        assert g.graph_inputs([ny]) == [nx]
        assert len(g.ancestors([ny])) == N + 1
        nz = g.clone_replace(y, {x: toy.fscalar("w")})
        assert nz is not y
        print(f"\n{g.__name__}: toposort {t_topo:.2f}s clone {t_clone:.2f}s")
    finally:
        g.set_tracing(old)
        gc.enable()
