"""FunctionGraph: clients index invariants under editing, features, errors."""
import pytest


class Recorder:
    """A feature that records every callback."""

    def __init__(self):
        self.events = []

    def on_attach(self, fgraph):
        self.events.append(("attach", fgraph))

    def on_detach(self, fgraph):
        self.events.append(("detach", fgraph))

    def on_import(self, fgraph, node, reason):
        self.events.append(("import", node, reason))

    def on_prune(self, fgraph, node, reason):
        self.events.append(("prune", node, reason))

    def on_change_input(self, fgraph, node, i, var, new_var, reason):
        self.events.append(("change", node, i, var, new_var, reason))

    def kinds(self, kind):
        return [e for e in self.events if e[0] == kind]


def clients_of(fg, v):
    return sorted(((-1 if c == "output" else id(c)), i) for c, i in fg.clients[v])


def make(g, toy, clone=False):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.mul(a, x)
    c = toy.neg(b)
    fg = g.FunctionGraph([x, y], [c, a], clone=clone)
    return fg, (x, y, a, b, c)


def test_construction_clients(g, toy):
    fg, (x, y, a, b, c) = make(g, toy)
    fg.check_integrity()
    assert fg.inputs == [x, y] and fg.outputs == [c, a]
    assert fg.apply_nodes == {a.owner, b.owner, c.owner}
    assert fg.variables == {x, y, a, b, c}
    assert len(fg) == 3
    assert clients_of(fg, x) == sorted([(id(a.owner), 0), (id(b.owner), 1)])
    assert clients_of(fg, a) == sorted([(id(b.owner), 0), (-1, 1)])
    assert fg.clients[c] == [("output", 0)]
    assert fg.get_clients(y) == [(a.owner, 1)]
    assert fg.toposort() == [a.owner, b.owner, c.owner]
    assert fg.memo is None
    assert "FunctionGraph(" in str(fg)


def test_construction_clones_by_default(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    z = toy.add(toy.neg(x), y)
    fg = g.FunctionGraph([x, y], [z])
    fg.check_integrity()
    assert fg.inputs[0] is not x and fg.memo[x] is fg.inputs[0]
    assert fg.outputs[0] is fg.memo[z]
    assert z.owner not in fg.apply_nodes
    assert g.equal_computations(fg.outputs, [z], fg.inputs, [x, y])


def test_inputs_inferred_and_constants(g, toy):
    x = toy.fscalar("x")
    z = toy.add(x, 2.0)
    fg = g.FunctionGraph(outputs=[z], clone=False)
    assert fg.inputs == [x]
    const = z.owner.inputs[1]
    assert const in fg.variables
    assert fg.clients[const] == [(z.owner, 1)]
    fg.check_integrity()


def test_bad_construction(g, toy):
    x = toy.fscalar("x")
    z = toy.neg(x)
    with pytest.raises(ValueError, match="twice"):
        g.FunctionGraph([x, x], [z])
    with pytest.raises(ValueError, match="leaves"):
        g.FunctionGraph([z], [toy.neg(z)])
    with pytest.raises(ValueError):
        g.FunctionGraph([x], None)


def test_missing_input_error(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    z = toy.add(x, y)
    with pytest.raises(g.MissingInputError, match="neither an input"):
        g.FunctionGraph([x], [z], clone=False)
    with pytest.raises(g.MissingInputError):
        g.FunctionGraph([x], [z])
    assert issubclass(g.MissingInputError, ValueError)
    # the message names where the missing variable was created
    try:
        g.FunctionGraph([x], [z], clone=False)
    except g.MissingInputError as e:
        assert "test_fg.py" in str(e)
    # replacing with something that needs a foreign input
    fg = g.FunctionGraph([x], [toy.neg(x)], clone=False)
    with pytest.raises(g.MissingInputError):
        fg.replace(fg.outputs[0], toy.neg(y))
    fg.check_integrity()
    with pytest.raises(g.MissingInputError):
        fg.import_var(toy.fscalar("free"))


def test_features_attach_detach_import(g, toy):
    rec = Recorder()
    fg, (x, y, a, b, c) = make(g, toy)
    fg.attach_feature(rec)
    fg.attach_feature(rec)  # attaching twice is a no-op
    assert rec.events == [("attach", fg)]
    assert fg.features == [rec]
    rec2 = Recorder()
    fg2 = g.FunctionGraph([x, y], [c], features=[rec2], clone=False)
    assert rec2.events == [("attach", fg2)]
    fg.remove_feature(rec)
    assert rec.events[-1] == ("detach", fg)
    assert fg.features == []


def test_feature_with_partial_protocol(g, toy):
    class OnlyImport:
        def __init__(self):
            self.n = 0

        def on_import(self, fgraph, node, reason):
            self.n += 1

    f = OnlyImport()
    fg, (x, y, a, b, c) = make(g, toy)
    fg.attach_feature(f)
    fg.replace(b, toy.add(a, a))
    assert f.n == 1
    fg.remove_feature(f)
    # the Feature base class has every method
    base = g.Feature()
    fg.attach_feature(base)
    fg.replace(c, toy.neg(a), reason="r")
    fg.validate()
    fg.check_integrity()


def test_replace(g, toy):
    rec = Recorder()
    fg, (x, y, a, b, c) = make(g, toy)
    fg.attach_feature(rec)
    new_b = toy.add(a, y)
    fg.replace(b, new_b, reason="test")
    fg.check_integrity()
    assert c.owner.inputs[0] is new_b
    assert b.owner not in fg.apply_nodes and b not in fg.variables
    assert new_b.owner in fg.apply_nodes
    assert rec.kinds("import") == [("import", new_b.owner, "test")]
    assert rec.kinds("change") == [("change", c.owner, 0, b, new_b, "test")]
    assert rec.kinds("prune") == [("prune", b.owner, "test")]
    # x lost one client (b's node), y gained one
    assert clients_of(fg, x) == [(id(a.owner), 0)]
    assert sorted(clients_of(fg, y)) == sorted([(id(a.owner), 1), (id(new_b.owner), 1)])
    assert fg.toposort() == [a.owner, new_b.owner, c.owner]


def test_replace_output_and_prune_chain(g, toy):
    rec = Recorder()
    x = toy.fscalar("x")
    n1 = toy.neg(x)
    n2 = toy.neg(n1)
    n3 = toy.neg(n2)
    fg = g.FunctionGraph([x], [n3], features=[rec], clone=False)
    fg.replace(n3, x, reason="id")
    fg.check_integrity()
    assert fg.outputs == [x]
    assert fg.apply_nodes == set()
    assert fg.variables == {x}
    assert [e[1] for e in rec.kinds("prune")] == [n3.owner, n2.owner, n1.owner]
    assert fg.clients[x] == [("output", 0)]
    assert fg.toposort() == []


def test_replace_errors(g, toy):
    fg, (x, y, a, b, c) = make(g, toy)
    with pytest.raises(ValueError, match="not in this graph"):
        fg.replace(toy.fscalar(), x)
    with pytest.raises(TypeError, match="Cannot replace"):
        fg.replace(b, toy.iscalar("i"))
    fg.check_integrity()
    fg.replace(b, b)  # no-op
    fg.check_integrity()


def test_replace_all_and_constants(g, toy):
    fg, (x, y, a, b, c) = make(g, toy)
    k = toy.fscalar.make_constant(5.0)
    fg.replace_all([(a, k), (x, y)], reason="all")
    fg.check_integrity()
    assert k in fg.variables
    assert fg.outputs[1] is k
    # x is an input: it stays in the graph without clients
    assert x in fg.variables and fg.clients[x] == []


def test_change_node_input(g, toy):
    rec = Recorder()
    fg, (x, y, a, b, c) = make(g, toy)
    fg.attach_feature(rec)
    fg.change_node_input(b.owner, 1, y, reason="cni")
    fg.check_integrity()
    assert b.owner.inputs == [a, y]
    assert rec.kinds("change") == [("change", b.owner, 1, x, y, "cni")]
    assert clients_of(fg, x) == [(id(a.owner), 0)]
    # outputs
    fg.change_node_input("output", 0, b, reason="out")
    fg.check_integrity()
    assert fg.outputs[0] is b
    assert c.owner not in fg.apply_nodes
    assert rec.kinds("prune")[-1][1] is c.owner
    with pytest.raises(TypeError):
        fg.change_node_input(b.owner, 0, toy.iscalar())
    fg.check_integrity()


def test_remove_output(g, toy):
    rec = Recorder()
    fg, (x, y, a, b, c) = make(g, toy)
    fg.attach_feature(rec)
    fg.remove_output(0, reason="ro")
    fg.check_integrity()
    assert fg.outputs == [a]
    assert fg.clients[a] == [("output", 0)]
    assert fg.apply_nodes == {a.owner}
    assert {e[1] for e in rec.kinds("prune")} == {b.owner, c.owner}
    fg.remove_output(0)
    fg.check_integrity()
    assert fg.outputs == [] and fg.apply_nodes == set()
    assert fg.variables == {x, y}


def test_remove_output_renumbers(g, toy):
    x = toy.fscalar("x")
    outs = [toy.AddC(k)(x) for k in range(4)]
    fg = g.FunctionGraph([x], outs, clone=False)
    fg.remove_output(1)
    fg.check_integrity()
    assert fg.outputs == [outs[0], outs[2], outs[3]]
    for k, v in enumerate(fg.outputs):
        assert fg.clients[v] == [("output", k)]


def test_remove_node(g, toy):
    rec = Recorder()
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.neg(a)
    d = toy.mul(y, y)
    e = toy.add(d, 1.0)
    fg = g.FunctionGraph([x, y], [b, e, a], features=[rec], clone=False)
    fg.remove_node(a.owner, reason="rm")
    fg.check_integrity()
    assert fg.outputs == [e]
    assert fg.clients[e] == [("output", 0)]
    assert fg.apply_nodes == {d.owner, e.owner}
    assert {ev[1] for ev in rec.kinds("prune")} == {a.owner, b.owner}
    with pytest.raises(ValueError, match="not in this graph"):
        fg.remove_node(a.owner)


def test_import_node_brings_dependencies(g, toy):
    rec = Recorder()
    fg, (x, y, a, b, c) = make(g, toy)
    fg.attach_feature(rec)
    p = toy.neg(x)
    q = toy.add(p, b)
    fg.import_node(q.owner, reason="imp")
    assert [e[1] for e in rec.kinds("import")] == [p.owner, q.owner]
    assert q.owner in fg.apply_nodes and p in fg.variables
    assert (q.owner, 1) in fg.clients[b]
    fg.import_node(q.owner)  # idempotent
    assert len(rec.kinds("import")) == 2


def test_editing_sequence_keeps_integrity(g, toy):
    """Many random edits; check_integrity after each."""
    import random

    rng = random.Random(1)
    xs = [toy.fscalar(f"x{i}") for i in range(3)]
    pool = list(xs)
    for _ in range(40):
        pool.append(rng.choice([toy.add, toy.mul])(rng.choice(pool), rng.choice(pool)))
    fg = g.FunctionGraph(xs, pool[-4:], clone=False)
    fg.check_integrity()
    for step in range(60):
        vars_ = [v for v in fg.variables if v.owner is not None]
        if not vars_:
            break
        v = rng.choice(sorted(vars_, key=lambda u: pool.index(u) if u in pool else -1))
        choice = rng.random()
        if choice < 0.5:
            fg.replace(v, toy.add(rng.choice(fg.inputs), rng.choice(fg.inputs)), reason=step)
        elif choice < 0.8:
            cands = [u for u in fg.variables
                     if u is not v and not (u.owner is not None and g.is_in_ancestors(u.owner, v.owner))]
            fg.replace(v, rng.choice(sorted(cands, key=lambda u: str(u))), reason=step)
        elif fg.outputs and len(fg.outputs) > 1:
            fg.remove_output(rng.randrange(len(fg.outputs)))
        fg.check_integrity()
        # the cached order follows the edits
        assert fg.toposort() == g.toposort(fg.outputs, blockers=fg.inputs)


def test_check_integrity_detects_corruption(g, toy):
    fg, (x, y, a, b, c) = make(g, toy)
    fg.clients[x].pop()
    with pytest.raises(AssertionError):
        fg.check_integrity()
    fg2, (x, y, a, b, c) = make(g, toy)
    fg2.apply_nodes.discard(b.owner)
    with pytest.raises(AssertionError):
        fg2.check_integrity()


def test_fgraph_clone(g, toy):
    fg, (x, y, a, b, c) = make(g, toy)
    fg2 = fg.clone()
    assert fg2.inputs[0] is not x
    assert g.equal_computations(fg2.outputs, fg.outputs, fg2.inputs, fg.inputs)
    fg3, memo = fg.clone_get_equiv()
    assert memo[c] is fg3.outputs[0]
    fg3.check_integrity()


@pytest.mark.parametrize("copy_on_write", [False, True])
def test_hub_value_clients_kept_exact_through_many_edits(g, toy, copy_on_write):
    """A value read by many nodes (longer lists than the position index's
    threshold): replacing, pruning and re-importing its readers in any order
    keeps the clients index exact (``check_integrity`` also checks the
    position index), and the removed uses are gone."""
    import random

    x, y = toy.fscalar("x"), toy.fscalar("y")
    n = 3 * 32 + 5
    readers = [toy.add(x, toy.fscalar(f"c{k}")) for k in range(n)]
    leaves = [r.owner.inputs[1] for r in readers]
    fg = g.FunctionGraph([x, y] + leaves, readers, clone=False,
                         copy_on_write=copy_on_write)
    assert len(fg.clients[x]) == n
    rng = random.Random(0)
    order = list(range(n))
    rng.shuffle(order)
    for step, k in enumerate(order):
        old = fg.outputs[k]
        if step % 3 == 0:
            fg.replace(old, toy.neg(y), reason="t")  # x loses a reader
        elif step % 3 == 1:
            fg.replace(old, toy.mul(x, y), reason="t")  # x loses one, gains one
        else:
            fg.replace(old, toy.add(y, x), reason="t")  # and at another position
        fg.check_integrity()
    readers_of_x = {c for c, _ in fg.clients[x]}
    assert len(fg.clients[x]) == len(readers_of_x) == n - len(order[::3])
    assert all(c.inputs[i] is x for c, i in fg.clients[x])
    assert not any(r.owner in readers_of_x for r in readers)
