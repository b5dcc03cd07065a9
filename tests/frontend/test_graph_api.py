"""tensorsmith.graph.traversal / .replace and compile.mode.get_default_mode, as
their PyTensor counterparts.  The expected orders below were obtained by
building the same graphs with PyTensor 3.0.7 (``pytensor.graph.traversal``)."""
import time
import types
import warnings

import pytest

import tensorsmith.tensor as pt
from tensorsmith.graph import traversal as T
from tensorsmith.graph.replace import clone_replace, graph_replace, vectorize_graph


def names(vs):
    return [v.name for v in vs]


def node_names(nodes):
    return [n.outputs[0].name for n in nodes]


@pytest.fixture
def g():
    x, y, z = pt.scalar("x"), pt.scalar("y"), pt.scalar("z")
    a = x + y; a.name = "a"  # noqa: E702
    b = a * z; b.name = "b"  # noqa: E702
    c = pt.exp(a); c.name = "c"  # noqa: E702
    d = b - c; d.name = "d"  # noqa: E702
    e = pt.log(y); e.name = "e"  # noqa: E702
    f = d + e; f.name = "f"  # noqa: E702
    return types.SimpleNamespace(x=x, y=y, z=z, a=a, b=b, c=c, d=d, e=e, f=f)


# All expected orders match PyTensor 3.0.7 on the same graph.

def test_ancestors(g):
    assert isinstance(T.ancestors([g.f]), types.GeneratorType)
    assert names(T.ancestors([g.f, g.c])) == ["c", "a", "y", "x", "f", "e", "d", "b", "z"]
    assert names(T.ancestors([g.f, g.c], blockers=[g.a])) == ["c", "a", "f", "e", "y", "d", "b", "z"]
    assert names(T.ancestors([g.d, g.e])) == ["e", "y", "d", "c", "a", "x", "b", "z"]
    assert T.variable_ancestors is T.ancestors


def test_apply_ancestors_and_applys_between(g):
    assert node_names(T.apply_ancestors([g.f, g.c])) == ["c", "a", "f", "e", "d", "b"]
    assert node_names(T.applys_between([g.a], [g.f])) == ["f", "e", "d", "c", "a", "b"]


def test_graph_inputs(g):
    assert names(T.graph_inputs([g.f, g.c])) == ["y", "x", "z"]
    # blockers with an owner are not inputs (PyTensor 3)
    assert names(T.graph_inputs([g.f], blockers=[g.a, g.e])) == ["z"]
    assert names(T.explicit_graph_inputs(g.f)) == ["y", "x", "z"]
    k = pt.constant(2.0, name="k")
    m = g.x * k
    assert names(T.graph_inputs([m])) == ["k", "x"]
    assert names(T.explicit_graph_inputs([m])) == ["x"]
    assert names(T.orphans_between([g.x], [m])) == ["k"]


def test_vars_and_orphans_between(g):
    assert names(T.vars_between([g.a], [g.f])) == ["f", "e", "y", "d", "c", "a", "b", "z"]
    assert names(T.orphans_between([g.a], [g.f])) == ["y", "z"]


def test_toposorts(g):
    assert isinstance(T.toposort([g.f]), types.GeneratorType)
    assert node_names(T.toposort([g.f, g.c])) == ["a", "c", "e", "b", "d", "f"]
    assert node_names(T.toposort([g.c, g.e, g.f])) == ["e", "a", "c", "b", "d", "f"]
    assert node_names(T.toposort([g.f], blockers=[g.b])) == ["e", "a", "c", "d", "f"]
    res = T.io_toposort([g.x, g.y, g.z], [g.f])
    assert isinstance(res, list) and node_names(res) == ["e", "a", "c", "b", "d", "f"]
    res = T.io_toposort([g.x, g.y, g.z], [g.f], orderings={g.e.owner: [g.b.owner]})
    assert node_names(res) == ["a", "b", "c", "e", "d", "f"]
    with pytest.raises(ValueError):
        T.io_toposort([], [g.f], clients={})


def test_duplicate_inputs(g):
    s = g.x * g.x; s.name = "s"  # noqa: E702
    t = s + s; t.name = "t"  # noqa: E702
    u = t * g.y; u.name = "u"  # noqa: E702
    assert names(T.ancestors([u])) == ["u", "y", "t", "s", "x"]
    assert node_names(T.toposort([u])) == ["s", "t", "u"]
    assert node_names(T.io_toposort([], [u], orderings={t.owner: [s.owner]})) == ["s", "t", "u"]
    assert names(T.vars_between([], [u])) == ["u", "y", "t", "s", "x"]


def test_truncated_graph_inputs(g):
    tgi = T.truncated_graph_inputs
    assert names(tgi([g.f], [g.x])) == ["e", "y", "x", "z"]
    assert names(tgi([g.f, g.c], [g.a, g.z])) == ["a", "e", "z"]
    assert names(tgi([g.f], [g.y])) == ["y", "x", "z"]
    assert names(tgi([g.f, g.d], [g.x, g.a])) == ["a", "y", "x", "z"]
    assert names(tgi([g.d, g.f], [g.z])) == ["e", "c", "z", "a"]
    assert names(tgi([g.b, g.a], [g.z])) == ["a", "z"]
    assert names(tgi([g.f, g.c, g.f])) == ["f", "c"]


def test_depends_on(g):
    assert T.apply_depends_on(g.f.owner, g.a.owner)
    assert not T.apply_depends_on(g.e.owner, [g.a.owner])
    assert T.apply_depends_on(g.a.owner, g.a.owner)
    assert T.variable_depends_on(g.f, g.x)
    assert not T.variable_depends_on(g.e, [g.x, g.z])
    assert T.variable_depends_on(g.e, g.e)


def test_get_var_by_name(g):
    res = T.get_var_by_name([g.f], "a")
    assert isinstance(res, tuple) and res == (g.a,)
    assert T.get_var_by_name([g.f], "zz") == ()


def test_generic_walks():
    deps = {"a": ["b", "c"], "b": ["d"], "c": ["d", "e"], "d": [], "e": ["d"]}
    assert T.general_toposort(["a"], deps.get) == ["d", "e", "b", "c", "a"]
    assert list(T.walk_toposort(["a", "e"], deps.get)) == ["d", "e", "b", "c", "a"]
    assert list(T.walk(["a"], deps.get)) == ["a", "b", "c", "d", "e"]
    assert list(T.walk(["a"], deps.get, bfs=False)) == ["a", "c", "e", "d", "b"]
    assert list(T.walk(["a"], deps.get, bfs=False, return_children=True)) == [
        ("a", ["b", "c"]), ("c", ["d", "e"]), ("e", ["d"]), ("d", []), ("b", ["d"])]
    with pytest.raises(ValueError, match="deps_cache is no longer supported"):
        T.general_toposort(["a"], deps.get, deps_cache={})
    cyc = {"p": ["q"], "q": ["p"]}
    with pytest.raises(ValueError, match="graph contains cycles"):
        list(T.walk_toposort(["p"], cyc.get))


def test_reexports():
    from tensorsmith.graph import traversal
    from tensorsmith_graphcore import Apply, Constant, Variable

    assert (traversal.Apply, traversal.Constant, traversal.Variable) == (Apply, Constant, Variable)


def test_long_chain_walks():
    n = 200_000
    x = pt.scalar("x")
    v = x
    for _ in range(n):
        v = pt.exp(v)
    t0 = time.perf_counter()
    assert sum(1 for _ in T.ancestors([v])) == n + 1
    assert sum(1 for _ in T.toposort([v])) == n
    assert len(T.io_toposort([x], [v])) == n
    assert sum(1 for _ in T.vars_between([x], [v])) == n + 1
    assert list(T.graph_inputs([v])) == [x]
    assert T.truncated_graph_inputs([v], [x]) == [x]
    assert T.variable_depends_on(v, x)
    assert len(T.general_toposort([v], lambda r: [r.owner.inputs[0]] if r.owner else None)) == n + 1
    w = pt.scalar("w")
    r = graph_replace(v, {x: w})
    assert list(T.graph_inputs([r])) == [w]
    assert time.perf_counter() - t0 < 60


def test_graph_replace():
    x, y, w = pt.vector("x"), pt.vector("y"), pt.vector("w")
    a = pt.exp(y)
    o = (x + 1) * a; o.name = "o"  # noqa: E702
    r = graph_replace(o, {x: w})
    assert r is not o and r.name == "o"
    assert r.owner.inputs[1] is a  # the part that does not change is shared
    assert r.owner.inputs[0].owner.inputs[0] is w
    assert isinstance(graph_replace([o], {x: w}), list)
    assert isinstance(graph_replace((o,), {x: w}), list)
    assert graph_replace(o, [(x, w)]).owner.inputs[0].owner.inputs[0] is w
    assert graph_replace(o, {}) is o
    with pytest.raises(ValueError, match="Some replacements were not used"):
        graph_replace(o, {pt.vector("q"): w})
    assert graph_replace(o, {pt.vector("q"): w}, strict=False) is o
    for bad in (pt.matrix("m"), pt.ivector("iv"), pt.dscalar("s")):
        with pytest.raises(TypeError):
            graph_replace(o, {x: bad})
    xs = pt.tensor("xs", shape=(3,), dtype=x.dtype)
    r = graph_replace(xs * 2, {xs: y})  # less specific: a SpecifyShape is added
    assert r.type.shape == (3,) and type(r.owner.inputs[0].owner.op).__name__ == "SpecifyShape"
    b = x + 1
    o3 = b * 2
    assert graph_replace(o3, {x: w, b: y}).owner.inputs[0] is y
    assert graph_replace(o3, {x: x * 2}).owner.inputs[0].owner.inputs[0].owner.inputs[0] is x
    with pytest.raises(ValueError):
        graph_replace(o3, {pt.constant(2.0): w})
    assert graph_replace([o, x], {x: w})[1] is w


def test_clone_replace():
    x, y, w = pt.vector("x"), pt.vector("y"), pt.vector("w")
    a = pt.exp(y)
    o = (x + 1) * a
    c = clone_replace(o)
    assert c is not o and c.owner is not o.owner and c.owner.inputs[1] is not a
    assert [v.name for v in T.ancestors([c]) if v.owner is None] == ["y", None, "x"]
    c = clone_replace(o, {x: w})
    assert c.owner.inputs[1] is not a and c.owner.inputs[0].owner.inputs[0] is w
    assert isinstance(clone_replace([o], replace=[(x, w)]), list)
    s3 = pt.tensor("s3", shape=(3,), dtype=x.dtype)
    assert clone_replace(o, {x: s3}).type.shape == (3,)
    with pytest.raises(TypeError):
        clone_replace(o, {x: pt.ivector()})
    assert clone_replace(o, {x: pt.ivector()}, rebuild_strict=False).type.dtype == x.dtype
    c = clone_replace(o, {x: w}, copy_inputs_over=False)
    assert not any(v in (x, y, w) for v in T.graph_inputs([c]))


def test_vectorize_graph_reexport():
    import tensorsmith_tensorops.blockwise as bw

    assert vectorize_graph is bw.vectorize_graph
    x = pt.vector("x")
    out = vectorize_graph(pt.exp(x), {x: pt.matrix("X")})
    assert out.type.ndim == 2


def test_get_default_mode():
    from tensorsmith.compile import get_default_mode as from_package
    from tensorsmith.compile.mode import Mode, get_default_mode, get_mode

    m = get_default_mode()
    assert isinstance(m, Mode) and m is get_mode(None) and from_package is get_default_mode


def test_basic_moved_names(g):
    import tensorsmith.graph.basic as basic

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert basic.Apply is T.Apply and callable(basic.clone)
    with pytest.warns(FutureWarning, match="moved to `tensorsmith.graph.traversal.ancestors`"):
        assert basic.ancestors is T.ancestors
    with pytest.warns(FutureWarning):
        assert basic.io_toposort is T.io_toposort
    with pytest.raises(AttributeError):
        basic.no_such_name  # noqa: B018
