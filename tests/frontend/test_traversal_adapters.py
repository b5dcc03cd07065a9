"""tensorsmith.graph.traversal's functions are adapters over graphcore's
walks: on random graphs they give exactly what the frontend's own walks gave
before (kept below, as written then, as the reference), lazily where those
were generators."""
import random
import types
from collections import deque

import pytest

import tensorsmith.tensor as pt
from tensorsmith.graph import traversal as T


# -- the reference: the frontend's walks before they were built on graphcore's --

def _var_list(graphs):
    return [graphs] if isinstance(graphs, T.Variable) else list(graphs)


def ref_walk(nodes, expand, bfs=True, return_children=False):
    seen = set()
    pending = deque(nodes)
    take = pending.popleft if bfs else pending.pop
    while pending:
        node = take()
        if node in seen:
            continue
        seen.add(node)
        if return_children:
            children = expand(node)
            yield node, children
        else:
            yield node
            children = expand(node)
        if children:
            pending.extend(children)


def ref_ancestors(graphs, blockers=None):
    block = frozenset(blockers) if blockers else ()

    def expand(var):
        node = var.owner
        if node is None or var in block:
            return None
        return node.inputs

    return ref_walk(_var_list(graphs), expand, bfs=False)


def ref_vars_between(ins, outs):
    stop = frozenset(ins)

    def expand(var):
        node = var.owner
        if node is None or var in stop:
            return None
        return (*node.inputs, *node.outputs)

    return ref_walk(_var_list(outs), expand, bfs=False)


def ref_toposort(graphs, blockers=None):
    computed = set(blockers) if blockers else set()
    state = {}
    stack = []
    for var in _var_list(graphs):
        if var not in computed and var.owner is not None:
            stack.append(var.owner)
    while stack:
        node = stack[-1]
        s = state.get(node)
        if s == 2:
            stack.pop()
            continue
        if s == 1:
            stack.pop()
            state[node] = 2
            yield node
            continue
        state[node] = 1
        for i in node.inputs:
            parent = i.owner
            if parent is not None and i not in computed:
                s = state.get(parent)
                if s is None:
                    stack.append(parent)
                elif s == 1:
                    raise ValueError(f"The graph has a cycle through {parent}")


def random_graph(seed, n=150):
    rng = random.Random(seed)
    xs = [pt.scalar(f"x{i}") for i in range(4)]
    pool = list(xs)
    for _ in range(n):
        a = rng.choice(pool[-20:])
        b = rng.choice(pool)
        r = rng.random()
        if r < 0.15:
            pool.append(pt.exp(a))
        elif r < 0.25:
            pool.append(a + a)
        elif r < 0.3:
            pool.append(a * 2.0)
        else:
            pool.append(rng.choice([pt.add, pt.mul, pt.sub])(a, b))
    return xs, pool


@pytest.mark.parametrize("seed", range(5))
def test_same_results_as_the_frontend_walks_before(seed):
    xs, pool = random_graph(seed)
    rng = random.Random(seed)
    outs = rng.sample(pool[len(pool) // 2:], 3)
    mid = rng.sample(pool[4:len(pool) // 2], 4)
    assert list(T.toposort(outs)) == list(ref_toposort(outs))
    assert list(T.toposort(outs, blockers=mid)) == list(ref_toposort(outs, mid))
    assert T.io_toposort(xs, outs) == list(ref_toposort(outs, xs))
    assert T.io_toposort(mid, outs) == list(ref_toposort(outs, mid))
    assert list(T.ancestors(outs)) == list(ref_ancestors(outs))
    assert list(T.ancestors(outs, blockers=mid)) == list(ref_ancestors(outs, mid))
    assert list(T.vars_between(mid, outs)) == list(ref_vars_between(mid, outs))
    assert list(T.graph_inputs(outs, mid)) == [v for v in ref_ancestors(outs, mid) if v.owner is None]
    assert list(T.orphans_between(xs[:2], outs)) == [
        v for v in ref_vars_between(xs[:2], outs) if v.owner is None and v not in xs[:2]]
    applys = []
    for v in ref_ancestors(outs, mid):
        if v.owner is not None and v.owner not in applys:
            applys.append(v.owner)
    assert list(T.applys_between(mid, outs)) == applys

    def deps(v):
        return list(v.owner.inputs) if v.owner is not None else None

    assert list(T.walk(outs, deps)) == list(ref_walk(outs, deps))
    assert list(T.walk(outs, deps, bfs=False, return_children=True)) == list(
        ref_walk(outs, deps, bfs=False, return_children=True))
    # a single variable is a list of one
    assert list(T.toposort(outs[0])) == list(ref_toposort([outs[0]]))
    assert list(T.ancestors(outs[0])) == list(ref_ancestors([outs[0]]))


def test_generators_stay_lazy():
    x = pt.scalar("x")
    good = pt.exp(pt.exp(x))
    bad = pt.exp(pt.exp(x))
    bad.owner.inputs[0].owner.inputs[0] = 3.0  # corrupted by hand
    for gen in (T.toposort([good]), T.ancestors([good]), T.walk([good], lambda v: None),
                T.vars_between([x], [good]), T.graph_inputs([good]), T.walk_toposort([good], lambda v: None)):
        assert isinstance(gen, types.GeneratorType)
    # the last output comes first: its nodes come out before the walk
    # reaches the corrupted part
    it = T.toposort([bad, good])
    assert next(it) is good.owner.inputs[0].owner
    assert next(it) is good.owner
    with pytest.raises((TypeError, AttributeError)):
        next(it)
    it = T.ancestors([bad, good])
    assert [next(it), next(it), next(it)] == [good, good.owner.inputs[0], x]
    # a variable is looked through only when the next one is asked for
    y, w = pt.scalar("y"), pt.scalar("w")
    e = pt.exp(y)
    it = T.ancestors([e])
    assert next(it) is e
    e.owner.inputs[0] = w
    assert list(it) == [w]
