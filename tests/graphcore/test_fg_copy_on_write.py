"""FunctionGraph(copy_on_write=True): edits never touch the nodes the graph
was built from; a changed node is replaced by a copy (and its users in turn),
each node copied at most once; the clients index stays consistent."""
import random

import pytest


class Recorder:
    def __init__(self):
        self.events = []

    def on_import(self, fgraph, node, reason):
        self.events.append(("import", node))

    def on_prune(self, fgraph, node, reason):
        self.events.append(("prune", node))

    def on_change_input(self, fgraph, node, i, var, new_var, reason):
        self.events.append(("change", node, i))


def snapshot(g, outputs):
    """Every node of the user's graph with its inputs as they are now."""
    return [(n, tuple(n.inputs), tuple(n.outputs)) for n in g.toposort(outputs)]


def unchanged(snap):
    return all(tuple(n.inputs) == ins and tuple(n.outputs) == outs for n, ins, outs in snap)


def test_replace_copies_the_users_up_to_the_outputs(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.mul(a, x)
    c = toy.neg(b)
    d = toy.add(y, 1.0)  # untouched by the edit
    snap = snapshot(g, [c, d])
    rec = Recorder()
    fg = g.FunctionGraph([x, y], [c, d], features=[rec], clone=False, copy_on_write=True)
    fg.replace(a, toy.mul(x, y), reason="test")
    fg.check_integrity()
    assert unchanged(snap)
    # b and c were copied, d was not; the copies keep the op and the trace
    b2, c2 = fg.outputs[0].owner.inputs[0].owner, fg.outputs[0].owner
    assert b2 is not b.owner and c2 is not c.owner and fg.outputs[1] is d
    assert b2.op is b.owner.op and c2.trace == c.owner.trace
    assert b2.inputs[0].owner.op is toy.mul and b2.inputs[1] is x
    assert fg._owned == {b2, c2}
    assert not {a.owner, b.owner, c.owner} & fg.apply_nodes
    assert {e[1] for e in rec.events if e[0] == "prune"} >= {a.owner, b.owner, c.owner}
    # the copies are the graph's own: a second edit changes them in place
    fg.replace(b2.inputs[0], toy.add(x, x))
    assert fg.outputs[0].owner is c2 and c2.inputs[0].owner is b2
    fg.check_integrity()
    assert unchanged(snap)


def test_a_node_using_the_replaced_variable_twice_is_copied_once(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    b = toy.mul(a, a)
    snap = snapshot(g, [b])
    fg = g.FunctionGraph([x], [b], clone=False, copy_on_write=True)
    fg.replace(a, toy.add(x, 2.0))
    fg.check_integrity()
    (b2,) = [n for n in fg.apply_nodes if n.op is toy.mul]
    assert b2.inputs[0] is b2.inputs[1] and b2.inputs[0].owner.op is toy.add
    assert len(fg.apply_nodes) == 2 and unchanged(snap)


def test_change_node_input_on_a_multi_output_node(g, toy):
    x, y = toy.iscalar("x"), toy.iscalar("y")
    q, r = toy.divmod(x, y)
    s = toy.add(q, r)
    snap = snapshot(g, [s, r])
    fg = g.FunctionGraph([x, y], [s, r], clone=False, copy_on_write=True)
    fg.change_node_input(q.owner, 1, toy.add(y, 1))
    fg.check_integrity()
    assert unchanged(snap)
    dm = fg.outputs[1].owner
    assert dm is not q.owner and fg.outputs[0].owner.inputs == [dm.outputs[0], dm.outputs[1]]


def test_random_edits_match_functional_substitution(g, toy):
    """After each edit the graph equals the previous outputs with the
    replacement substituted (the previous graph is intact: nothing was edited
    in place), and the user's graph never changes."""
    rng = random.Random(7)
    xs = [toy.fscalar(f"x{i}") for i in range(3)]
    pool = list(xs)
    for _ in range(60):
        pool.append(rng.choice([toy.add, toy.mul])(rng.choice(pool), rng.choice(pool)))
    outs = pool[-5:]
    snap = snapshot(g, outs)
    fg = g.FunctionGraph(xs, outs, clone=False, copy_on_write=True)
    for step in range(80):
        vars_ = sorted((v for v in fg.variables if v.owner is not None), key=str)
        vars_.sort(key=lambda u: pool.index(u) if u in pool else -1)
        if not vars_:
            break
        v = rng.choice(vars_)
        if rng.random() < 0.6:
            new = toy.add(rng.choice(xs), rng.choice(xs))
        else:
            cands = [u for u in fg.variables
                     if u is not v and not (u.owner is not None and g.is_in_ancestors(u.owner, v.owner))]
            new = rng.choice(sorted(cands, key=str))
        before = list(fg.outputs)
        expected = g.clone_replace(before, {v: new})
        fg.replace(v, new, reason=step)
        fg.check_integrity()
        assert g.equal_computations(list(fg.outputs), expected, xs, xs), step
        assert unchanged(snap)
        assert fg.toposort() == g.toposort(fg.outputs, blockers=fg.inputs)
    # every node is copied at most once: the owned nodes are all in the graph or pruned
    assert len(fg._owned) <= len(snap) + 80 * 2


def test_deep_chain_copies_iteratively(g, toy):
    n = 50_000
    x = toy.fscalar("x")
    y = x
    for i in range(n):
        y = toy.neg(y) if i % 2 else toy.add(y, 1.0)
    fg = g.FunctionGraph([x], [y], clone=False, copy_on_write=True)
    first = y
    while first.owner.inputs[0] is not x:
        first = first.owner.inputs[0]
    fg.replace(first, toy.add(x, 2.0))  # the bottom of the chain: everything above is copied
    assert len(fg.apply_nodes) == n and len(fg._owned) == n - 1
    assert fg.outputs[0] is not y
    top = y
    for _ in range(n - 1):  # the user's chain still ends at the original first node
        top = top.owner.inputs[0]
    assert top is first


def test_in_place_when_not_copy_on_write(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.neg(a)
    fg = g.FunctionGraph([x, y], [b], clone=False)
    fg.replace(a, toy.mul(x, y))
    assert b.owner.inputs[0].owner.op is toy.mul  # edited in place, as asked
    with pytest.raises(AttributeError):
        fg._owned.add  # None: no copy-on-write
