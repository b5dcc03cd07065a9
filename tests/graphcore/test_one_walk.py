"""The one topological sort and the one ancestor walk of graphcore
(``_topo_walk``, ``_ancestor_walk`` in graph.py): both orders (graphcore's
first-to-first, PyTensor's ``last_first``), the lazy generators built on them,
their dict-state fallback, and the same orders from the compiled and the
plain-Python builds."""
import random

import pytest
from conftest import get_impl, _toy_mod

from test_traversal import check_order


def reference_order(outputs, blockers=(), last_first=False):
    """Depth-first post-order, written independently (recursion-free)."""
    block = set(blockers)
    order, seen = [], set()
    roots = list(outputs) if last_first else list(reversed(outputs))
    stack = [(o.owner, False) for o in roots if o.owner is not None and o not in block]
    while stack:
        node, ready = stack.pop()
        if node in seen:
            continue
        if ready:
            seen.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        ins = node.inputs if last_first else list(reversed(node.inputs))
        for v in ins:
            if v.owner is not None and v not in block and v.owner not in seen:
                stack.append((v.owner, False))
    return order


def reference_ancestors(outputs, blockers=(), last_first=False, with_outputs=False):
    """Depth-first pre-order of variables, written independently."""
    block = set(blockers)
    res, seen = [], set()
    stack = list(outputs) if last_first else list(reversed(outputs))
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        res.append(v)
        if v.owner is None or v in block:
            continue
        # pushed so that the next taken is the first input (the last output
        # with ``with_outputs`` and ``last_first``)
        children = list(v.owner.inputs) + (list(v.owner.outputs) if with_outputs else [])
        stack.extend(children if last_first else reversed(children))
    return res


def random_dag(g, toy, n_nodes, seed):
    """Random graph with shared subgraphs, repeated inputs, constants and
    two-output nodes; returns (inputs, every variable in creation order)."""
    rng = random.Random(seed)
    xs = [toy.iscalar(f"x{i}") for i in range(5)]
    pool = list(xs)
    for i in range(n_nodes):
        r = rng.random()
        a = rng.choice(pool[-40:]) if rng.random() < 0.7 else rng.choice(pool)
        b = rng.choice(pool)
        if r < 0.1:
            q, m = toy.divmod(a, b)
            pool.extend([q, m])
        elif r < 0.2:
            pool.append(toy.add(a, a))
        elif r < 0.3:
            pool.append(toy.neg(a))
        elif r < 0.35:
            pool.append(toy.add(a, 3))
        else:
            pool.append(rng.choice([toy.add, toy.mul])(a, b))
    return xs, pool


def walks(g, xs, pool, rng):
    """Every walk of the graph core on one random choice of outputs/blockers."""
    outs = rng.sample(pool[len(pool) // 2:], 4)
    mid = rng.sample(pool[5:len(pool) // 2], 5)
    res = {}
    for lf in (False, True):
        res["toposort", lf] = g.toposort(outs, last_first=lf)
        res["toposort_blocked", lf] = g.toposort(outs, blockers=mid, last_first=lf)
        res["iter_toposort", lf] = list(g.graph.iter_toposort(outs, mid, last_first=lf))
        res["ancestors", lf] = g.ancestors(outs, last_first=lf)
        res["ancestors_blocked", lf] = g.ancestors(outs, blockers=mid, last_first=lf)
        res["iter_ancestors", lf] = list(g.graph.iter_ancestors(outs, mid, last_first=lf))
        res["iter_ancestors_outs", lf] = list(
            g.graph.iter_ancestors(outs, mid, last_first=lf, with_outputs=True))
    res["io_toposort"] = g.io_toposort(xs, outs)
    res["graph_inputs"] = g.graph_inputs(outs, mid)
    res["vars_between"] = g.vars_between(mid, outs)
    res["walk_toposort"] = list(g.graph.walk_toposort(
        outs, lambda v: list(v.owner.inputs) if v.owner is not None else None))
    return outs, mid, res


@pytest.mark.parametrize("seed", range(6))
def test_walks_match_references(g, toy, seed):
    xs, pool = random_dag(g, toy, 400, seed)
    outs, mid, res = walks(g, xs, pool, random.Random(seed))
    for lf in (False, True):
        assert res["toposort", lf] == reference_order(outs, (), lf)
        assert res["toposort_blocked", lf] == reference_order(outs, mid, lf)
        assert res["iter_toposort", lf] == reference_order(outs, mid, lf)
        check_order(res["toposort", lf], outs)
        assert res["ancestors", lf] == reference_ancestors(outs, (), lf)
        assert res["ancestors_blocked", lf] == reference_ancestors(outs, mid, lf)
        assert res["iter_ancestors", lf] == reference_ancestors(outs, mid, lf)
        assert res["iter_ancestors_outs", lf] == reference_ancestors(outs, mid, lf, True)
    assert res["io_toposort"] == reference_order(outs, xs)


@pytest.mark.parametrize("seed", range(4))
def test_compiled_and_pure_give_identical_orders(seed):
    """The two builds run one source: the same graph gives the same orders."""
    got = []
    for name in ("compiled", "pure"):
        g = get_impl(name)
        toy = _toy_mod.make_toy(g)
        xs, pool = random_dag(g, toy, 500, seed)
        outs, mid, res = walks(g, xs, pool, random.Random(seed))
        idx = {v: k for k, v in enumerate(pool)}
        node_idx = {v.owner: k for k, v in enumerate(pool) if v.owner is not None and v.index == 0}

        def key(x):
            if isinstance(x, g.Apply):
                return ("node", node_idx[x])
            return ("var", idx[x]) if x in idx else ("const", str(x))

        got.append({k: [key(x) for x in v] for k, v in res.items()})
    assert got[0].keys() == got[1].keys()
    for k in got[0]:
        assert got[0][k] == got[1][k], k


def test_state_in_a_dict_when_the_marks_are_taken(g, toy):
    """A sort started while another holds the node marks (here from inside
    the outer sort, by the ``__hash__`` of a variable it looks up among the
    blockers) keeps its state in a dict: same orders, same errors, and the
    outer sort is undisturbed."""
    xs, pool = random_dag(g, toy, 300, 11)
    outs = pool[-4:]
    expected = {lf: g.toposort(outs, last_first=lf) for lf in (False, True)}
    x = toy.fscalar("x")
    a = toy.neg(x)
    cyclic = toy.neg(a)
    a.owner.inputs[0] = cyclic
    checks = []

    class NestingVariable(g.Variable):
        def __hash__(self):
            if len(checks) < 6:
                for lf in (False, True):
                    checks.append(g.toposort(outs, last_first=lf) == expected[lf])
                    checks.append(g.toposort(outs, blockers=xs[:2], last_first=lf)
                                  == reference_order(outs, xs[:2], lf))
                ni, no = g.clone(xs, outs)
                checks.append(g.equal_computations(outs, no, xs, ni))
                with pytest.raises(ValueError, match="cycle"):
                    g.toposort([cyclic])
            return id(self) >> 4

        def __eq__(self, other):
            return self is other

    h = g.Apply(toy.neg, [pool[-1]], [NestingVariable(toy.fscalar)]).outputs[0]
    top = toy.add(toy.neg(h), outs[0])
    mid = pool[100:103]
    for lf in (False, True):
        del checks[:]
        assert g.toposort([top] + outs, blockers=set(mid), last_first=lf) == reference_order(
            [top] + outs, mid, lf)
        assert checks and all(checks)
        # a subclass of set is a set of blockers too
        assert g.toposort([top], blockers=type("S", (set,), {})(mid), last_first=lf) == reference_order(
            [top], mid, lf)
    a.owner.inputs[0] = x


def test_iter_toposort_is_lazy(g, toy):
    x = toy.fscalar("x")
    first = toy.neg(toy.neg(x))
    bad = toy.neg(toy.neg(x))
    bad.owner.inputs[0].owner.inputs[0] = 3.0  # corrupted by hand
    it = g.graph.iter_toposort([first, bad])
    assert next(it) is first.owner.inputs[0].owner
    assert next(it) is first.owner
    with pytest.raises((TypeError, AttributeError)):
        next(it)
    # PyTensor's order: the last output first
    it = g.graph.iter_toposort([bad, first], last_first=True)
    assert [next(it), next(it)] == [first.owner.inputs[0].owner, first.owner]


def test_iter_toposort_interleaved_with_other_walks(g, toy):
    xs, pool = random_dag(g, toy, 300, 5)
    outs = pool[-3:]
    expected = reference_order(outs, (), True)
    got = []
    for node in g.graph.iter_toposort(outs, last_first=True):
        got.append(node)
        # walks (and clones) of the same graph meanwhile: the marks they
        # set do not disturb the generator's own state
        assert g.toposort([node.outputs[0]]) == reference_order([node.outputs[0]])
        if len(got) % 50 == 0:
            g.clone(xs, outs)
    assert got == expected


def test_iter_ancestors_is_lazy(g, toy):
    """A variable is looked through only once the next one is asked for, as
    PyTensor's ``walk``: the consumer may change its inputs meanwhile."""
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.neg(x)
    b = toy.neg(a)
    it = g.graph.iter_ancestors([b])
    assert next(it) is b
    b.owner.inputs[0] = y
    assert list(it) == [y]
    b.owner.inputs[0] = a
    assert list(g.graph.iter_ancestors([b])) == [b, a, x]


def test_none_is_an_error_not_a_crash(g, toy):
    x = toy.fscalar("x")
    for walk in (g.toposort, g.ancestors, g.graph_inputs,
                 lambda o: list(g.graph.iter_toposort(o)),
                 lambda o: list(g.graph.iter_ancestors(o, last_first=True))):
        with pytest.raises(TypeError):
            walk([toy.neg(x), None])


def test_is_in_ancestors_stops_early(g, toy):
    x = toy.fscalar("x")
    y = toy.neg(x)
    near = y.owner
    for _ in range(1000):
        y = toy.neg(y)
    top = toy.add(y, near.outputs[0])
    assert g.is_in_ancestors(top.owner, near)
    bad = toy.neg(x)
    bad.owner.inputs[0] = 3.0
    # the target is found before the walk reaches the corrupted part
    assert g.is_in_ancestors(toy.add(near.outputs[0], bad).owner, near)


def test_generic_walks(g):
    deps = {"a": ["b", "c"], "b": ["d"], "c": ["d", "e"], "d": [], "e": ["d"]}
    assert list(g.graph.walk_toposort(["a"], deps.get)) == ["d", "e", "b", "c", "a"]
    assert list(g.graph.walk_toposort(["a", "e"], deps.get)) == ["d", "e", "b", "c", "a"]
    assert list(g.graph.walk(["a"], deps.get)) == ["a", "b", "c", "d", "e"]
    assert list(g.graph.walk(["a"], deps.get, False)) == ["a", "c", "e", "d", "b"]
    assert list(g.graph.walk(["a"], deps.get, False, True)) == [
        ("a", ["b", "c"]), ("c", ["d", "e"]), ("e", ["d"]), ("d", []), ("b", ["d"])]
    with pytest.raises(ValueError, match="graph contains cycles"):
        list(g.graph.walk_toposort(["p"], {"p": ["q"], "q": ["p"]}.get))


def test_long_chain_lazy_walks(g, toy):
    x = toy.fscalar("x")
    y = x
    for _ in range(100_000):
        y = toy.neg(y)
    assert sum(1 for _ in g.graph.iter_toposort([y], last_first=True)) == 100_000
    assert sum(1 for _ in g.graph.iter_ancestors([y], last_first=True, with_outputs=True)) == 100_001
    assert len(g.toposort([y], last_first=True)) == 100_000
