"""toposort (validity, determinism, blockers, cycles), ancestors, graph_inputs."""
import random

import pytest


def check_order(order, outputs, blockers=()):
    """Every node appears once, after the owners of its inputs."""
    pos = {}
    for k, n in enumerate(order):
        assert n not in pos, f"{n} appears twice"
        pos[n] = k
    block = set(blockers)
    for n in order:
        for v in n.inputs:
            if v in block or v.owner is None:
                continue
            assert v.owner in pos, f"{v.owner} needed by {n} is missing"
            assert pos[v.owner] < pos[n]
    return pos


def random_graph(toy, n_nodes, n_inputs=4, seed=0):
    rng = random.Random(seed)
    xs = [toy.fscalar(f"x{i}") for i in range(n_inputs)]
    pool = list(xs)
    ops = [toy.add, toy.mul]
    for _ in range(n_nodes):
        a, b = rng.choice(pool), rng.choice(pool)
        pool.append(rng.choice(ops)(a, b))
    return xs, pool


def test_toposort_simple(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.mul(a, x)
    c = toy.neg(b)
    assert g.toposort([c]) == [a.owner, b.owner, c.owner]
    assert g.toposort(c) == [a.owner, b.owner, c.owner]  # a single output
    assert g.toposort([x]) == []
    assert g.io_toposort([x, y], [c]) == [a.owner, b.owner, c.owner]


@pytest.mark.parametrize("seed", range(5))
def test_toposort_random_graphs_valid(g, toy, seed):
    xs, pool = random_graph(toy, 300, seed=seed)
    outs = pool[-5:]
    order = g.toposort(outs)
    check_order(order, outs)
    # exactly the nodes the outputs need
    needed = {v.owner for v in g.ancestors(outs) if v.owner is not None}
    assert set(order) == needed


def test_toposort_deterministic(g, toy):
    xs, pool = random_graph(toy, 200, seed=3)
    outs = pool[-3:]
    o1 = g.toposort(outs)
    for _ in range(3):
        assert g.toposort(outs) == o1
    # same structure built again -> same positions
    xs2, pool2 = random_graph(toy, 200, seed=3)
    o2 = g.toposort(pool2[-3:])
    idx1 = {v: k for k, v in enumerate(pool)}
    idx2 = {v: k for k, v in enumerate(pool2)}
    assert [idx1[n.outputs[0]] for n in o1] == [idx2[n.outputs[0]] for n in o2]


def test_toposort_depth_first_input_order(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    b = toy.add(x, 1.0)
    c = toy.add(a, b)
    d = toy.add(b, a)
    assert g.toposort([c]) == [a.owner, b.owner, c.owner]
    assert g.toposort([d]) == [b.owner, a.owner, d.owner]
    # outputs are visited in order
    assert g.toposort([b, a]) == [b.owner, a.owner]


def test_toposort_shared_subgraph_once(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    b = toy.add(a, a)
    c = toy.mul(b, a)
    order = g.toposort([c, b, a])
    assert order == [a.owner, b.owner, c.owner]


def test_toposort_multi_output_node(g, toy):
    x, y = toy.iscalar("x"), toy.iscalar("y")
    q, r = toy.divmod(x, y)
    z = toy.add(q, r)
    assert g.toposort([z]) == [q.owner, z.owner]
    assert g.toposort([r, q]) == [q.owner]


def test_toposort_blockers(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.neg(a)
    c = toy.mul(b, x)
    assert g.toposort([c], blockers=[a]) == [b.owner, c.owner]
    assert g.toposort([c], blockers=[b]) == [c.owner]
    assert g.toposort([c], blockers=[c]) == []
    assert g.toposort([c], blockers=set()) == [a.owner, b.owner, c.owner]
    check_order(g.toposort([c], blockers=[a]), [c], [a])


def test_toposort_cycle_detected(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    b = toy.neg(a)
    c = toy.neg(b)
    a.owner.inputs[0] = b  # a <- b <- a
    with pytest.raises(ValueError, match="cycle"):
        g.toposort([c])
    s = toy.neg(x)
    s.owner.inputs[0] = s  # self loop
    with pytest.raises(ValueError, match="cycle"):
        g.toposort([s])


def test_toposort_diamond_not_a_cycle(g, toy):
    x = toy.fscalar("x")
    top = toy.neg(x)
    layer = top
    for _ in range(50):
        layer = toy.add(toy.neg(layer), toy.mul(layer, layer))
    order = g.toposort([layer])
    check_order(order, [layer])
    assert len(order) == 1 + 50 * 3


def test_ancestors(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.mul(a, x)
    anc = g.ancestors([b])
    assert anc == [b, a, x, y]
    assert g.ancestors([b], blockers=[a]) == [b, a, x]
    assert g.ancestors(b, blockers=[a]) == [b, a, x]
    assert set(g.vars_between([a], [b])) == {a, b, x}


def test_graph_inputs(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    c = toy.fscalar.make_constant(2.0)
    a = toy.add(x, c)
    b = toy.mul(a, y)
    assert g.graph_inputs([b]) == [x, c, y]
    assert g.graph_inputs([b], blockers=[a]) == [a, y]
    assert g.orphans_between([x, y], [b]) == [c]
    assert g.applys_between([x], [a]) == [a.owner]


def test_is_in_ancestors(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    b = toy.neg(a)
    c = toy.neg(x)
    assert g.is_in_ancestors(b.owner, a.owner)
    assert g.is_in_ancestors(b.owner, b.owner)
    assert not g.is_in_ancestors(a.owner, b.owner)
    assert not g.is_in_ancestors(b.owner, c.owner)


def test_deep_graph_no_recursion(g, toy):
    x = toy.fscalar("x")
    y = first = toy.neg(x)
    for _ in range(19999):
        y = toy.neg(y)
    assert len(g.toposort([y])) == 20000
    assert len(g.ancestors([y])) == 20001
    assert g.graph_inputs([y]) == [x]
    assert g.is_in_ancestors(y.owner, first.owner)
