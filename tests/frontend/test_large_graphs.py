"""Issue 8, item 7: what ``function`` keeps alive for a large graph.

The graph is not copied (it is copy-on-write: a rewrite that changes a node
gets a copy of it and of the nodes above it), the clients
index of the compiled graph is dropped before the thunks are made (and built
again when ``f.fgraph`` is asked for), so compiling an elementwise chain with
its gradient adds well under 1 KB per chain node.  (The 1,000,000-node
figures are in asv_bench/compare_large_chain.py and the asv benchmarks
``bench_function.CompileMemoryChain``.)"""
import gc
import tracemalloc

import numpy as np

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith.compile.mode import Mode
from tensorsmith_graphcore import FunctionGraph, Schedule, toposort
from tensorsmith_graphcore.link import PerformLinker


def _chain(n):
    x = pt.dvector("x")
    y = x
    for i in range(n):
        y = pt.sin(y) if i % 2 else y * 1.0001
    return x, y.sum()


def _reference(n, v):
    for i in range(n):
        v = np.sin(v) if i % 2 else v * 1.0001
    return v


def test_function_adds_under_1kb_per_chain_node_with_its_gradient():
    n = 20_000
    x, cost = _chain(n)
    outs = [cost, ts.grad(cost, x)]
    gc.collect()
    tracemalloc.start()
    try:
        f = ts.function([x], outs)
        gc.collect()
        added = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert added / n < 1024, f"function adds {added / n:.0f} bytes per chain node"
    v = np.linspace(0.1, 1.0, 4)
    c, g = f(v)
    np.testing.assert_allclose(c, _reference(n, v).sum())
    eps = 1e-6
    fd = (_reference(n, v + eps).sum() - _reference(n, v - eps).sum()) / (2 * eps) / 4
    np.testing.assert_allclose(g.sum() / 4, fd, rtol=1e-5)


def test_fgraph_is_rebuilt_on_demand_and_matches_the_schedule():
    x, cost = _chain(50)
    f = ts.function([x], [cost, ts.grad(cost, x)])
    fg = f.fgraph
    assert isinstance(fg, FunctionGraph) and fg is f.maker.fgraph is f.fgraph
    assert list(fg.outputs) == [o for o in f.fgraph.outputs]
    assert fg.toposort() == list(f.nodes)
    fg.check_integrity()
    assert len(fg.apply_nodes) == len(f.thunks)


def test_without_rewrites_the_users_nodes_run_and_stay_unchanged():
    x, cost = _chain(10)
    before = [(n, list(n.inputs)) for n in toposort([cost])]
    f = ts.function([x], cost, mode=ts.Mode(linker="py", optimizer=None))
    assert set(f.fgraph.apply_nodes) == set(n for n, _ in before)
    assert all(list(n.inputs) == ins for n, ins in before)
    np.testing.assert_allclose(f(np.ones(3)), _reference(10, np.ones(3)).sum())


def test_a_pipeline_that_edits_the_graph_edits_copies():
    x = pt.dvector("x")
    y = pt.exp(x) * 2.0
    edited = []

    def rewrite(fgraph):
        # replace exp(x) by log(x) inside the function's graph only
        (node,) = [n for n in fgraph.toposort() if "exp" in str(n.op).lower()]
        fgraph.replace(node.outputs[0], pt.log(node.inputs[0]), reason="test")
        edited.append(fgraph)

    f = ts.function([x], y, mode=Mode(optimizer=rewrite))
    assert edited and f.fgraph.outputs[0] is not y
    assert "exp" in str(y.owner.inputs[0].owner.op).lower()  # the user's graph is untouched
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), np.log([1.0, 2.0]) * 2.0)
    np.testing.assert_allclose(y.eval({x: np.array([1.0, 2.0])}), np.exp([1.0, 2.0]) * 2.0)


def test_linker_plan_is_what_make_vm_links():
    x, cost = _chain(6)
    fg = FunctionGraph([x], [cost], clone=False)
    lk = PerformLinker()
    plan = lk.plan(fg)
    assert isinstance(plan, Schedule) and plan.order == fg.toposort()
    assert plan.inputs == [x] and plan.outputs == [cost] and len(plan.dying) == len(plan.order)
    vm_a, _ = lk.make_vm(plan, [x.type.filter])
    vm_b, _ = lk.make_vm(fg, [x.type.filter])
    v = np.arange(3.0)
    np.testing.assert_allclose(vm_a(v)[0], vm_b(v)[0])
    np.testing.assert_allclose(vm_a(v)[0], _reference(6, v).sum())
