"""In-place elementwise ops through the destroy handler
(tensorsmith_rewriter.destroy, tensorsmith_rewriter.inplace).

The pass must never overwrite a function input, a shared value, a constant
or a value something still reads; several tests turn the handler off (its
``check`` accepting everything) to show that they then fail."""
import pickle
import time

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith.compile.mode import get_mode
from tensorsmith_graphcore import Apply, FunctionGraph, InconsistencyError, Op
from tensorsmith_rewriter import make_pipeline, rewrite_graph
from tensorsmith_rewriter import destroy as D
from tensorsmith_rewriter.inplace import inplace_candidates, inplace_elemwise
from tensorsmith_tensorops.elemwise import Elemwise

FAST = get_mode("FAST_RUN")
NO_INPLACE = FAST.excluding("inplace")
# without fusion, more elementwise nodes are left for the in-place pass
UNFUSED = FAST.excluding("fusion")
UNFUSED_NO_INPLACE = UNFUSED.excluding("inplace")

add_i = pt.add.inplace_variant({0: 0})


def destroyers(f):
    return [n for n in f.maker.fgraph.toposort() if getattr(n.op, "destroy_map", None)]


@pytest.fixture
def no_handler(monkeypatch):
    """The destroy handler accepting every overwrite."""
    monkeypatch.setattr(D.DestroyHandler, "check", lambda self, node, i: None)


def vec(name, dtype="float64"):
    return pt.vector(name, dtype=dtype)


# ---------------------------------------------------------------------------
# The op
# ---------------------------------------------------------------------------


def test_inplace_op_identity_and_names():
    assert add_i == pt.add.inplace_variant({0: [0]})
    assert add_i is pt.add.inplace_variant({0: 0})  # one instance per pattern
    assert hash(add_i) == hash(Elemwise(pt.add.scalar_op, inplace_pattern={0: 0}))
    assert add_i != pt.add and hash(add_i) != hash(pt.add)
    assert pt.add.inplace_variant({0: 1}) != add_i
    assert add_i.destroy_map == {0: [0]} and pt.add.destroy_map == {}
    assert add_i.non_inplace() == pt.add
    assert str(add_i) == "add{inplace}"
    assert str(pt.add.inplace_variant({0: 1})) == "add{inplace,0<-1}"
    assert str(pt.add) == "add"
    assert "inplace_pattern={0: 0}" in repr(add_i)
    assert add_i._props() == (pt.add.scalar_op, {0: 0})
    assert pickle.loads(pickle.dumps(add_i)) == add_i
    with pytest.raises(TypeError):
        add_i.inplace_pattern[0] = 1
    with pytest.raises(ValueError):
        Elemwise(pt.add.scalar_op, inplace_pattern={0: 0, 1: 0})


def test_inplace_op_checks_types():
    x = vec("x", "float32")
    y = vec("y")
    with pytest.raises(TypeError, match="cannot be written into input 0"):
        add_i(x, y)  # float64 result into a float32 buffer
    with pytest.raises(TypeError):
        add_i(pt.scalar("s"), y)  # fewer dimensions
    assert add_i(y, x).type == (y + x).type


def _run_thunk(node, values):
    """Run ``node`` with the thunk the linkers make (the compiled
    UfuncThunk where there is one) and with ``perform``."""
    from tensorsmith_graphcore.link import perform_thunk

    res = []
    for fast in (True, False):
        vals = [np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in values]
        storage = {v: [val] for v, val in zip(node.inputs, vals)}
        storage[node.outputs[0]] = [None]
        if fast:
            perform_thunk(node, storage)()
        else:
            cells = [storage[node.outputs[0]]]
            node.op.perform(node, vals, cells)
        res.append((storage[node.outputs[0]][0], vals))
    return res


def test_inplace_perform_and_thunk_write_into_the_buffer():
    x = vec("x")
    y = vec("y")
    node = add_i(x, y).owner
    for out, vals in _run_thunk(node, [np.arange(3.0), np.ones(3)]):
        assert out is vals[0]
        np.testing.assert_array_equal(out, [1, 2, 3])
    # the second input (pattern {0: 1}), a unary function, a function
    # without a plain ufunc call (computed, then copied into the buffer)
    node = pt.sub.inplace_variant({0: 1})(x, y).owner
    for out, vals in _run_thunk(node, [np.arange(3.0), np.ones(3)]):
        assert out is vals[1]
        np.testing.assert_array_equal(out, [-1, 0, 1])
    node = pt.exp.inplace_variant({0: 0})(x).owner
    for out, vals in _run_thunk(node, [np.arange(3.0)]):
        assert out is vals[0]
        np.testing.assert_allclose(out, np.exp(np.arange(3.0)))
    node = pt.erf.inplace_variant({0: 0})(x).owner
    for out, vals in _run_thunk(node, [np.array([0.0, 0.5, 1.0])]):
        assert out is vals[0]
        np.testing.assert_allclose(out, [0.0, 0.5204998778, 0.8427007929])


def test_inplace_falls_back_when_the_buffer_cannot_hold_the_result():
    x = vec("x")
    y = vec("y")
    node = add_i(x, y).owner
    # broadcast: the destroyed input is shorter than the result
    for out, vals in _run_thunk(node, [np.array([1.0]), np.arange(3.0)]):
        np.testing.assert_array_equal(out, [1, 2, 3])
        np.testing.assert_array_equal(vals[0], [1.0])
    # read-only buffer
    ro = np.arange(3.0)
    ro.flags.writeable = False
    for out, vals in _run_thunk(node, [ro, np.ones(3)]):
        np.testing.assert_array_equal(out, [1, 2, 3])
        assert out is not ro


def test_elemwise_outputs_never_alias_inputs():
    # add of one operand and a cast to the same dtype give the input back
    # from their impl: Elemwise copies, so declaring view_map = {} holds
    x = vec("x")
    a = np.arange(3.0)
    for node in (pt.add(x).owner, Elemwise(pt.real.scalar_op)(x).owner):
        cell = [None]
        node.op.perform(node, [a], [cell])
        assert not np.may_share_memory(cell[0], a)
    assert Elemwise.view_map == {}


def test_composite_inplace():
    comp = pytest.importorskip("tensorsmith_tensorops.composite")
    b = comp.CompositeBuilder()
    i0, i1 = b.input(), b.input()
    e = b.apply(pt.exp.scalar_op, i0)
    out = b.apply(pt.add.scalar_op, e, i1)
    c = b.build([out])
    x, y = vec("x"), vec("y")
    node = Elemwise(c, inplace_pattern={0: 1})(x, y).owner
    assert node.op.destroy_map == {0: [1]}
    for res, vals in _run_thunk(node, [np.arange(3.0), np.ones(3)]):
        assert res is vals[1]
        np.testing.assert_allclose(res, np.exp(np.arange(3.0)) + 1)


# ---------------------------------------------------------------------------
# The pass: structure
# ---------------------------------------------------------------------------


def _same_graph(a, b):
    """Structural equality of two graphs (ops, inputs, constants by value)."""
    stack = [(a, b)]
    while stack:
        u, v = stack.pop()
        if u is v:
            continue
        if u.owner is None or v.owner is None:
            if u.owner is not None or v.owner is not None:
                return False
            if hasattr(u, "data") and hasattr(v, "data"):
                if u.type != v.type or not np.array_equal(u.data, v.data):
                    return False
            elif u is not v:
                return False
            continue
        if u.owner.op != v.owner.op or u.index != v.index or u.type != v.type:
            return False
        if len(u.owner.inputs) != len(v.owner.inputs):
            return False
        stack.extend(zip(u.owner.inputs, v.owner.inputs))
    return True


def test_pass_structure_chain():
    x = vec("x")
    y = vec("y")
    out = (pt.exp(x) + y) * y
    r = rewrite_graph(out, include=("inplace",))
    ex = pt.mul.inplace_variant({0: 0})(add_i(pt.exp(x), y), y)
    assert _same_graph(r, ex)
    assert not _same_graph(r, out)
    # the user's graph is unchanged
    assert out.owner.op == pt.mul and out.owner.inputs[0].owner.op == pt.add


def test_pass_never_picks_inputs_or_constants():
    x = vec("x")
    y = vec("y")
    c = pt.constant(np.ones(3))
    for out in (x + y, x * 2, -x, pt.exp(x), c + x, x + c):
        r = rewrite_graph(out, include=("inplace",))
        assert not r.owner.op.destroy_map, out
    # the second input when the first cannot be overwritten
    r = rewrite_graph(x - pt.exp(y), include=("inplace",))
    assert r.owner.op == pt.sub.inplace_variant({0: 1})


def test_pass_types_must_fit():
    x = pt.matrix("x")
    v = vec("v")
    # exp(v) is broadcast against a matrix: the result does not fit it
    r = rewrite_graph(pt.exp(v) + x, include=("inplace",))
    assert not r.owner.op.destroy_map
    r = rewrite_graph(pt.exp(x) + v, include=("inplace",))
    assert r.owner.op == add_i
    # int result of an int input only; the float result does not fit
    i = pt.vector("i", dtype="int64")
    r = rewrite_graph(pt.neg(i) / 2.0, include=("inplace",))
    assert not r.owner.op.destroy_map
    t = pt.tensor("t", dtype="float64", shape=(1, None))
    r = rewrite_graph(pt.exp(t) + x, include=("inplace",))
    assert not r.owner.op.destroy_map


def test_pass_is_in_fast_run_only():
    x = vec("x")
    out = pt.exp(x) + 1
    f = ts.function([x], out, mode=UNFUSED)
    assert [str(n.op) for n in destroyers(f)] == ["add{inplace}"]
    assert destroyers(ts.function([x], out, mode=UNFUSED_NO_INPLACE)) == []
    assert destroyers(ts.function([x], out, mode=UNFUSED.excluding("inplace_elemwise"))) == []
    assert destroyers(ts.function([x], out, mode="FAST_COMPILE")) == []


# ---------------------------------------------------------------------------
# Inputs and shared values never change
# ---------------------------------------------------------------------------


TEMPTING = [
    lambda x, y: pt.exp(x) + x,
    lambda x, y: x * 2,
    lambda x, y: x + y,
    lambda x, y: -x,
    lambda x, y: (x + y) * x - y,
    lambda x, y: pt.exp(x.dimshuffle("x", 0)) + y,
    lambda x, y: x.dimshuffle(0, "x") * 2 + 1,
    lambda x, y: pt.exp(x)[1:] + x[1:],
]


@pytest.mark.parametrize("mode", [FAST, UNFUSED], ids=["fast_run", "unfused"])
@pytest.mark.parametrize("k", range(len(TEMPTING)))
def test_inputs_never_change(mode, k):
    x = vec("x")
    y = vec("y")
    out = TEMPTING[k](x, y)
    f = ts.function([x, y], out, mode=mode, on_unused_input="ignore")
    g = ts.function([x, y], out, mode=NO_INPLACE, on_unused_input="ignore")
    rng = np.random.default_rng(k)
    a = rng.normal(size=5)
    b = rng.normal(size=5)
    a0, b0 = a.copy(), b.copy()
    for _ in range(2):
        np.testing.assert_allclose(f(a, b), g(a0, b0))
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)


def test_inplace_fires_where_it_is_safe():
    # tests above would pass trivially if nothing were ever made in-place
    x = vec("x")
    f = ts.function([x], pt.exp(x) * 2 + x, mode=UNFUSED)
    assert len(destroyers(f)) == 2
    a = np.arange(4.0)
    np.testing.assert_allclose(f(a), np.exp(np.arange(4.0)) * 2 + np.arange(4.0))
    np.testing.assert_array_equal(a, np.arange(4.0))


def test_input_overwritten_without_the_handler(no_handler):
    x = vec("x")
    a = np.arange(3.0)
    f = ts.function([x], x * 2, mode=UNFUSED)
    assert destroyers(f)
    f(a)
    assert not np.array_equal(a, np.arange(3.0))  # the argument was overwritten


def test_shared_values_never_change():
    init = np.arange(4.0)
    w = ts.shared(init.copy(), name="w", borrow=True)
    held = w.get_value(borrow=True)
    x = vec("x")
    out = w * x + 1
    f = ts.function([x], [out, w + 1], updates=[(w, w * 2 + 1)], mode=UNFUSED)
    before = held.copy()
    r = f(np.ones(4))
    np.testing.assert_array_equal(held, before)  # the old value is not written into
    np.testing.assert_array_equal(r[0], before + 1)
    np.testing.assert_array_equal(r[1], before + 1)
    np.testing.assert_array_equal(w.get_value(), before * 2 + 1)
    v1 = w.get_value(borrow=True)
    v1c = v1.copy()
    f(np.ones(4))
    np.testing.assert_array_equal(v1, v1c)
    np.testing.assert_array_equal(w.get_value(), v1c * 2 + 1)
    # the update's own intermediate is made in place (w * 2 is new)
    assert any(str(n.op) == "add{inplace}" for n in destroyers(f))


def test_shared_overwritten_without_the_handler(no_handler):
    w = ts.shared(np.arange(4.0), name="w")
    x = vec("x")
    f = ts.function([x], w * 2 + x, mode=UNFUSED)
    f(np.ones(4))
    assert not np.array_equal(w.get_value(borrow=True), np.arange(4.0))


def test_handler_refuses_constants_and_inputs():
    c = pt.constant(np.ones(3))
    x = vec("x")
    fg = FunctionGraph([x], [c + x], clone=False)
    node = fg.outputs[0].owner
    h = D.destroy_handler(fg)
    assert "constant" in h.check(node, 0)
    assert "input of the graph" in h.check(node, 1)
    assert D.destroy_handler(fg) is h


# ---------------------------------------------------------------------------
# Values read by several nodes
# ---------------------------------------------------------------------------


def test_value_read_twice_is_not_overwritten_first():
    x = vec("x")
    t = pt.exp(x)
    outs = [(t + 1) - (t * 2), [t + 1, t * 2], pt.sum(t) + (t * 2), t * 2 + pt.sum(t)]
    a = np.linspace(-1, 1, 5)
    for out in outs:
        f = ts.function([x], out, mode=UNFUSED)
        g = ts.function([x], out, mode=UNFUSED_NO_INPLACE)
        for ra, rb in zip(np.atleast_2d(f(a)), np.atleast_2d(g(a))):
            np.testing.assert_allclose(ra, rb)


def test_value_read_twice_corrupted_without_the_handler(no_handler):
    x = vec("x")
    t = pt.exp(x)
    out = (t + 1) - (t * 2)
    a = np.linspace(-1, 1, 5)
    f = ts.function([x], out, mode=UNFUSED)
    exp = (np.exp(a) + 1) - np.exp(a) * 2
    assert not np.allclose(f(a), exp)


def test_other_reader_that_is_an_ancestor_is_allowed():
    x = vec("x")
    t = pt.exp(x)
    out = t + t * 3  # the mul reads t, and runs before the add by data
    fg = FunctionGraph([x], [out], clone=True)
    make_pipeline(("inplace",)).apply(fg)
    node = fg.outputs[0].owner
    assert node.op.destroy_map  # the add overwrites t ...
    mul = node.inputs[1].owner
    assert node.inputs[node.op.inplace_pattern[0]].owner.op == pt.exp
    assert mul.op.destroy_map == {0: [1]} or not mul.op.destroy_map
    h = D.destroy_handler(fg)
    assert h.validate(fg)
    ords = h.orderings(fg)
    assert mul in ords[node]  # ... after the other reader
    f = ts.function([x], out, mode=UNFUSED)
    a = np.arange(3.0)
    np.testing.assert_allclose(f(a), np.exp(a) * 4)


def test_graph_outputs_are_not_overwritten():
    x = vec("x")
    t = pt.exp(x)
    f = ts.function([x], [t, t + 1], mode=UNFUSED)
    assert not any(n.inputs[0] is n for n in destroyers(f))
    a = np.arange(3.0)
    r = f(a)
    np.testing.assert_allclose(r[0], np.exp(a))
    np.testing.assert_allclose(r[1], np.exp(a) + 1)


def test_two_destroyers_of_one_buffer_refused():
    x = vec("x")
    t = pt.exp(x)
    fg = FunctionGraph([x], [add_i(t, 1.0) * pt.mul(t, 2.0)], clone=False,
                       copy_on_write=True)
    h = D.destroy_handler(fg)
    mul_node = fg.outputs[0].owner.inputs[1].owner
    why = h.check(mul_node, 0)
    assert "overwrites the buffer" in why
    assert h.destroyers(t) == [fg.outputs[0].owner.inputs[0].owner]


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------


class ViewOp(Op):
    """Reverses a vector, as a view of it (declared in view_map)."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node, inputs, out):
        out[0][0] = inputs[0][::-1]


class OpaqueOp(ViewOp):
    """The same, declaring nothing: the handler must assume a view."""

    view_map = None


def test_views_of_inputs_are_not_overwritten():
    x = vec("x")
    for op in (ViewOp(), OpaqueOp()):
        out = op(x) + 1
        f = ts.function([x], out, mode=UNFUSED)
        assert destroyers(f) == []
        a = np.arange(3.0)
        np.testing.assert_array_equal(f(a), [3, 2, 1])
        np.testing.assert_array_equal(a, [0, 1, 2])


def test_view_of_input_overwritten_without_the_handler(no_handler):
    x = vec("x")
    f = ts.function([x], ViewOp()(x) + 1, mode=UNFUSED)
    a = np.arange(3.0)
    f(a)
    np.testing.assert_array_equal(a, [1, 2, 3])  # written through the view


def test_views_of_intermediates():
    x = vec("x")
    t = pt.exp(x)
    v = ViewOp()(t)
    a = np.arange(3.0)
    # a declared view of a new array may be overwritten ...
    f = ts.function([x], v + 1, mode=UNFUSED)
    assert [str(n.op) for n in destroyers(f)] == ["add{inplace}"]
    np.testing.assert_allclose(f(a), np.exp(a)[::-1] + 1)
    # ... unless something else reads the array or another view of it
    for out in ([v + 1, t * 2], (v + 1) * ViewOp()(t), (t * 3) + v):
        f = ts.function([x], out, mode=UNFUSED)
        g = ts.function([x], out, mode=UNFUSED_NO_INPLACE)
        for ra, rb in zip(np.atleast_2d(f(a)), np.atleast_2d(g(a))):
            np.testing.assert_allclose(ra, rb)
    # an op of unknown aliasing: its output is never overwritten
    f = ts.function([x], OpaqueOp()(t) + 1, mode=UNFUSED)
    assert destroyers(f) == []
    h = D.DestroyHandler()
    fg = FunctionGraph([x], [OpaqueOp()(t) + 1], clone=True)
    fg.attach_feature(h)
    with pytest.raises(ValueError, match="declares no view_map"):
        h.buffer_root(fg.outputs[0].owner.inputs[0])
    node = fg.outputs[0].owner
    root = h.buffer_root(node.inputs[0].owner.inputs[0])
    assert root.owner.op == pt.exp
    assert node.inputs[0] in h.aliases(root)


def test_view_read_after_overwrite_corrupted_without_the_handler(no_handler):
    x = vec("x")
    t = pt.exp(x)
    out = [ViewOp()(t) + 1, t * 2]
    a = np.arange(3.0)
    f = ts.function([x], out, mode=UNFUSED)
    r = f(a)
    ok = [np.exp(a)[::-1] + 1, np.exp(a) * 2]
    assert not all(np.allclose(p, q) for p, q in zip(r, ok))


# ---------------------------------------------------------------------------
# Random graphs: the same values with and without the pass
# ---------------------------------------------------------------------------


def _random_graph(rng, xs, n_nodes):
    pool = list(xs)
    unary = [pt.exp, pt.neg, pt.tanh, pt.sin, lambda v: v * 0.5, lambda v: v.dimshuffle(0)]
    binary = [pt.add, pt.sub, pt.mul, lambda a, b: a - 2 * b]
    for _ in range(n_nodes):
        if rng.random() < 0.4:
            v = unary[rng.integers(len(unary))](pool[rng.integers(len(pool))])
        else:
            a = pool[rng.integers(len(pool))]
            b = pool[rng.integers(len(pool))]
            v = binary[rng.integers(len(binary))](a, b)
        pool.append(v)
    n_out = int(rng.integers(1, 4))
    idx = rng.choice(np.arange(len(xs), len(pool)), size=n_out, replace=False)
    return [pool[i] for i in idx]


@pytest.mark.parametrize("seed", range(25))
def test_random_graphs_same_values(seed):
    rng = np.random.default_rng(seed)
    xs = [vec(f"x{k}") for k in range(3)]
    w = ts.shared(rng.normal(size=6), name="w")
    outs = _random_graph(rng, xs + [w], int(rng.integers(4, 25)))
    upd = [(w, outs[0] * 0.5)]
    args = [rng.normal(size=6) for _ in xs]
    copies = [a.copy() for a in args]
    w0 = w.get_value()
    results = {}
    for name, mode in (("ref", UNFUSED_NO_INPLACE), ("unfused", UNFUSED), ("fast", FAST)):
        w.set_value(w0.copy())
        f = ts.function(xs, outs, updates=upd, mode=mode, on_unused_input="ignore")
        held = w.get_value(borrow=True)
        r1 = f(*args)
        r2 = f(*args)
        results[name] = (r1, r2, w.get_value())
        for a, c in zip(args, copies):
            np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(held, w0)
    for name in ("unfused", "fast"):
        for got, ref in zip(results[name], results["ref"]):
            for p, q in zip(np.atleast_1d(got) if not isinstance(got, list) else got,
                            np.atleast_1d(ref) if not isinstance(ref, list) else ref):
                np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)


def test_inplace_in_the_middle_of_a_graph():
    x = pt.matrix("x")
    y = vec("y")
    # exp(x)'s buffer is overwritten three times, then read by two nodes
    # (the Subtensor may be a view: the mul cannot overwrite h); the
    # output of dot (which declares no view_map) is never overwritten
    h = pt.tanh(pt.exp(x) * 2 + y)
    out = pt.sum(h * 2, axis=0) + pt.exp(h[0]) + pt.dot(x, x)[0]
    f = ts.function([x, y], out, mode=UNFUSED)
    g = ts.function([x, y], out, mode=UNFUSED_NO_INPLACE)
    ops = [str(n.op) for n in destroyers(f)]
    assert [o.split("{")[0] for o in ops[:3]] == ["mul", "add", "tanh"], ops
    assert "mul" in [str(n.op) for n in f.maker.fgraph.toposort()]
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    b = rng.normal(size=4)
    a0, b0 = a.copy(), b.copy()
    np.testing.assert_allclose(f(a, b), g(a, b))
    np.testing.assert_allclose(f(a, b), g(a, b))  # a second call, same storage
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_repeated_calls_do_not_see_old_buffers():
    x = vec("x")
    f = ts.function([x], (pt.exp(x) + 1) * 2, mode=UNFUSED)
    r1 = f(np.zeros(3))
    r1c = r1.copy()
    r2 = f(np.ones(3))
    np.testing.assert_array_equal(r1, r1c)  # the first result is not reused
    np.testing.assert_allclose(r2, (np.e + 1) * 2)


# ---------------------------------------------------------------------------
# Linear time
# ---------------------------------------------------------------------------


def _time_inplace(n, fan=False):
    x = vec("x")
    ys = [vec(f"y{k}") for k in range(n)]
    t = pt.exp(x)
    s = t
    for k in range(n):
        # fan: every term reads t (a value with n readers)
        s = s + (t * ys[k] if fan else ys[k])
    fg = FunctionGraph([x] + ys, [s], clone=False, copy_on_write=True)
    p = make_pipeline(("inplace",))
    t0 = time.perf_counter()
    p.apply(fg)
    return time.perf_counter() - t0, fg


def test_inplace_pass_is_linear():
    dt, fg = _time_inplace(2000)
    n_destroy = sum(1 for n in fg.apply_nodes if n.op.destroy_map)
    assert n_destroy == 2000  # every add of the chain
    assert dt < 1.0, dt
    dt2, _ = _time_inplace(4000)
    assert dt2 < 3.5 * max(dt, 0.05), (dt, dt2)
    # a value read by thousands of nodes: each check stops early
    dtf, fg = _time_inplace(2000, fan=True)
    assert dtf < 2.0, dtf
    D.destroy_handler(fg).validate(fg)


def test_validate_rejects_a_bad_graph():
    x = vec("x")
    fg = FunctionGraph([x], [add_i(x, 1.0)], clone=False)
    with pytest.raises(InconsistencyError, match="input of the graph"):
        D.destroy_handler(fg).validate(fg)
    t = pt.exp(x)
    fg = FunctionGraph([x], [add_i(t, 1.0), t * 2], clone=False)
    with pytest.raises(InconsistencyError, match="may run after"):
        D.destroy_handler(fg).validate(fg)


def test_runs_after_every_merge():
    names = make_pipeline(("fast_run",)).names
    k = names.index("inplace_elemwise" if "inplace_elemwise" in names else "inplace")
    assert all(not n.startswith("merge") for n in names[k + 1:]), names


def test_candidates():
    x = vec("x")
    t = pt.exp(x)
    fg = FunctionGraph([x], [t + x], clone=False, copy_on_write=True)
    assert inplace_candidates(fg, fg.outputs[0].owner) == {0: 0}
    fg = FunctionGraph([x], [x + x], clone=False, copy_on_write=True)
    assert inplace_candidates(fg, fg.outputs[0].owner) == {}
    assert inplace_elemwise.transform(fg, fg.outputs[0].owner) is None


def test_handler_makes_no_reference_cycle():
    import gc
    import weakref

    x = vec("x")
    fg = FunctionGraph([x], [pt.exp(x) + 1], clone=True)
    make_pipeline(("inplace",)).apply(fg)
    ref = weakref.ref(D.destroy_handler(fg))
    gc.disable()
    try:
        del fg  # freed by reference counting: the graph, its handler
        assert ref() is None
    finally:
        gc.enable()
