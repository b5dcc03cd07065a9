"""The state the fast walks keep in the nodes (toposort marks, clone copies):
nested and concurrent walks, owned inputs, release of the copies; and the
cache of user source locations."""
import gc
import os
import sys
import textwrap
import threading

import pytest

from test_traversal import check_order, random_graph

THIS = os.path.abspath(__file__)


def _line():
    return sys._getframe(1).f_lineno


def reference_order(outputs, blockers=()):
    """Depth-first post-order, inputs in order, written independently."""
    block = set(blockers)
    order, seen = [], set()
    stack = [(o.owner, False) for o in reversed(outputs) if o.owner is not None and o not in block]
    while stack:
        node, ready = stack.pop()
        if node in seen:
            continue
        if ready:
            seen.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        for v in reversed(node.inputs):
            if v.owner is not None and v not in block and v.owner not in seen:
                stack.append((v.owner, False))
    return order


@pytest.mark.parametrize("seed", range(4))
def test_toposort_matches_reference(g, toy, seed):
    xs, pool = random_graph(toy, 300, seed=seed)
    outs = pool[-5:]
    assert g.toposort(outs) == reference_order(outs)
    mid = pool[len(pool) // 2:len(pool) // 2 + 3]
    assert g.toposort(outs, blockers=mid) == reference_order(outs, mid)


def test_walks_nested_inside_clone(g, toy):
    """A Variable subclass whose ``clone`` walks graphs (another one, and the
    one being cloned): walks started inside a walk, halfway through it."""
    xs, pool = random_graph(toy, 60, seed=7)
    other_out = pool[-1]
    expected_order = reference_order([other_out])
    seen = []
    copies = {}
    outer = []

    class NV(g.Variable):
        def clone(self, name=None):
            copies[self] = copies.get(self, 0) + 1
            seen.append(g.toposort([other_out]) == expected_order)
            (ni,), (no,) = g.clone(xs[:1], [toy.neg(xs[0])])
            seen.append(no.owner.inputs[0] is ni)
            if outer and self.name == "orphan":
                z = outer[0]
                seen.append(g.toposort([z]) == reference_order([z]))
            return NV(self.type, None, None, self.name if name is None else name)

    class NVAdd(g.Op):
        __props__ = ()

        def make_node(self, x, y):
            return g.Apply(self, [x, y], [NV(x.type)])

    add = NVAdd()
    a, b = NV(toy.fscalar, None, None, "a"), NV(toy.fscalar, None, None, "b")
    orphan = NV(toy.fscalar, None, None, "orphan")
    w = add(add(a, b), a)
    z = add(add(w, b), add(add(w, a), orphan))
    outer.append(z)
    # the orphan is copied halfway through the walk, which then walks z again
    (na, nb), (nz,) = g.clone([a, b], [z])
    assert seen and all(seen)
    # every variable was copied exactly once: the outer walk lost no state
    assert set(copies) == set(g.ancestors([z])) and set(copies.values()) == {1}
    no = nz.owner.inputs[1].owner.inputs[1]
    assert isinstance(no, NV) and no is not orphan
    assert g.equal_computations([z], [nz], [a, b, orphan], [na, nb, no])
    assert len(g.toposort([nz])) == len(g.toposort([z]))
    # and the graph is intact for the next walk
    assert g.toposort([z]) == reference_order([z])


def test_walks_from_several_threads(g, toy):
    xs, pool = random_graph(toy, 400, seed=3)
    outs = pool[-3:]
    expected = reference_order(outs)
    errors = []

    def work():
        try:
            for _ in range(20):
                assert g.toposort(outs) == expected
                ni, no = g.clone(xs, outs)
                assert g.equal_computations(outs, no, xs, ni)
        except BaseException as e:  # reported below
            errors.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors[0]


def test_clone_owned_input_keeps_its_copy(g, toy):
    # q is an input of the clone but also an output of a node the clone
    # visits through r: every use of q must get q's copy, as in
    # clone_get_equiv (and PyTensor's, which keeps the first mapping)
    a, b = toy.fscalar("a"), toy.fscalar("b")
    q, r = toy.divmod(a, b)
    z = toy.add(q, r)
    (nq, na, nb), (nz,) = g.clone([q, a, b], [z])
    assert nz.owner.inputs[0] is nq
    new_node = nz.owner.inputs[1].owner
    assert new_node is not q.owner and new_node.op == q.owner.op
    assert new_node.inputs == [na, nb]
    memo = g.clone_get_equiv([q, a, b], [z])
    assert memo[q] is not q and memo[z].owner.inputs[0] is memo[q]
    assert memo[z].owner.inputs[1] is memo[r]


def test_clone_repeated_input_and_output_input(g, toy):
    x = toy.fscalar("x")
    z = toy.add(x, x)
    (n1, n2), (nz, nx) = g.clone([x, x], [z, x])
    assert n1 is n2 is nx and nz.owner.inputs == [n1, n1]


def test_clone_keeps_no_reference_to_the_copy(g, toy):
    xs, pool = random_graph(toy, 50, seed=1)
    ni, no = g.clone(xs, pool[-2:])
    originals = set(map(id, g.toposort(pool[-2:])))
    for node in g.toposort(no):
        assert not any(id(r) in originals for r in gc.get_referrers(node))


def test_failed_clone_leaves_the_graph_usable(g, toy):
    class Boom(Exception):
        pass

    class BadVariable(g.Variable):
        def clone(self, name=None):
            raise Boom()

    x = toy.fscalar("x")
    bad = BadVariable(toy.fscalar, None, None, "bad")
    z = toy.add(toy.neg(x), toy.mul(x, bad))
    with pytest.raises(Boom):
        g.clone([x], [z])  # the orphan ``bad`` cannot be copied
    (nx,), (nz,) = g.clone([x], [z], copy_orphans=False)
    assert g.equal_computations([z], [nz], [x], [nx])
    for node in g.toposort([nz]):
        for r in gc.get_referrers(node):
            assert not isinstance(r, g.Apply) or r in g.toposort([nz])


def test_non_variable_input_is_an_error_not_a_crash(g, toy):
    x = toy.fscalar("x")
    z = toy.neg(toy.neg(x))
    z.owner.inputs[0].owner.inputs[0] = 3.0  # corrupted by hand
    with pytest.raises((TypeError, AttributeError)):
        g.toposort([z])
    with pytest.raises((TypeError, AttributeError)):
        g.clone([x], [z])
    # the walks still work on sound graphs afterwards
    y = toy.neg(x)
    assert g.toposort([y]) == [y.owner]


def test_trace_lines_in_a_loop_and_on_other_lines(g, toy):
    x = toy.fscalar("x")
    nodes = []
    line = _line() + 2
    for _ in range(3):
        nodes.append(g.Apply(toy.neg, [x], [toy.fscalar.make_variable()]))
    other = g.Apply(toy.neg, [x], [toy.fscalar.make_variable()])
    assert [n.trace[1] for n in nodes] == [line] * 3
    assert all(os.path.abspath(n.trace[0]) == THIS for n in nodes)
    assert other.trace[1] == line + 1


def test_trace_follows_new_library_paths(g, toy, tmp_path):
    libdir = tmp_path / "userlib"
    libdir.mkdir()
    (libdir / "helpers.py").write_text(textwrap.dedent("""
        def make(g, op, x, t):
            return g.Apply(op, [x], [t.make_variable()])
    """))
    sys.path.insert(0, str(libdir))
    try:
        import helpers
    finally:
        sys.path.remove(str(libdir))
    try:
        x = toy.fscalar("x")
        inside = helpers.make(g, toy.neg, x, toy.fscalar)
        assert os.path.abspath(inside.trace[0]) == str(libdir / "helpers.py")
        assert inside.trace[1] == 3
        g.register_library_path(str(libdir))
        line = _line() + 1
        outside = helpers.make(g, toy.neg, x, toy.fscalar)
        assert os.path.abspath(outside.trace[0]) == THIS and outside.trace[1] == line
    finally:
        del sys.modules["helpers"]
