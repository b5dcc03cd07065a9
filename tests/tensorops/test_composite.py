"""Composite (a graph of scalar ops as one scalar op) and FusedReduce."""
import importlib
import pickle
import sys
import tracemalloc

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_tensorops import composite as cm
from tensorsmith_tensorops import scalar_math as sm
from tensorsmith_tensorops.composite import Composite, CompositeBuilder, FusedReduce
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.reduction import Max, Min, Prod, Sum

ps = importlib.import_module("tensorsmith_tensorops.scalar")

ADD, SUB, MUL, DIV = ps.Add(), ps.Sub(), ps.Mul(), ps.TrueDiv()
EXP, SIN, SQR, NEG, LOG1P, COSH = ps.Exp(), ps.Sin(), ps.Sqr(), ps.Neg(), sm.Log1p(), sm.Cosh()


def target_composite():
    """exp(-x**2) * sin(3*x) + log1p(x**2) / (1 + cosh(x))"""
    b = CompositeBuilder()
    x = b.input()
    x2 = b.apply(SQR, x)
    t1 = b.apply(MUL, b.apply(EXP, b.apply(NEG, x2)), b.apply(SIN, b.apply(MUL, b.constant(3.0), x)))
    t2 = b.apply(DIV, b.apply(LOG1P, x2), b.apply(ADD, b.constant(1.0), b.apply(COSH, x)))
    return b.build([b.apply(ADD, t1, t2)])


def target_numpy(x):
    return np.exp(-x ** 2) * np.sin(3 * x) + np.log1p(x ** 2) / (1 + np.cosh(x))


def test_impl_values_and_dtypes():
    c = target_composite()
    x = np.linspace(-3, 3, 11)
    np.testing.assert_allclose(c.impl(x), target_numpy(x), rtol=1e-14)
    assert c.nin == 1 and c.nout == 1
    assert c.output_dtypes(["float64"]) == ["float64"]
    # float32 input: the float64 constants (0-d arrays) are not weak for NumPy
    assert c.output_dtypes(["float32"]) == ["float64"]
    assert c.impl(x.astype("float32")).dtype == np.float64
    # the dtype of every value, for a backend
    dts = c.value_dtypes(["float64"])
    assert len(dts) == c.n_values and set(dts) == {"float64"}


def test_inner_graph_is_topological_and_documented_numbering():
    c = target_composite()
    base = c.nin + len(c.constants)
    assert len(c.constants) == 2  # 3.0 and 1.0
    for j, (op, ins) in enumerate(c.inner_graph):
        assert isinstance(op, ps.ScalarOp)
        assert c.node_value(j) == base + j
        assert all(i < base + j for i in ins)
    assert c.outputs == (base + len(c.nodes) - 1,)


def test_multiple_outputs_and_dead_nodes_pruned():
    b = CompositeBuilder()
    x, y = b.input(), b.input()
    s = b.apply(ADD, x, y)
    b.apply(EXP, s)  # used by no output: dropped
    p = b.apply(MUL, s, y)
    c = b.build([p, s])
    assert len(c.nodes) == 2
    xv, yv = np.arange(4.0), np.array([[1.0], [2.0]])  # broadcasting
    r = c.impl(xv, yv)
    assert isinstance(r, tuple) and len(r) == 2
    np.testing.assert_array_equal(r[0], (xv + yv) * yv)
    np.testing.assert_array_equal(r[1], xv + yv)
    assert c.output_dtypes(["int64", "float32"]) == ["float64", "float64"]
    assert c.output_dtypes(["int32", "int32"]) == ["int32", "int32"]


def test_int_and_bool_dtypes():
    b = CompositeBuilder()
    x, y = b.input(), b.input()
    cmp = b.apply(ps.LT(), x, y)
    out = b.apply(ps.Switch(), cmp, b.apply(MUL, x, b.constant(np.int8(3))), y)
    c = b.build([out, cmp])
    xv = np.array([1, 5, -3], dtype="int8")
    yv = np.array([2, 2, 2], dtype="int16")
    r0, r1 = c.impl(xv, yv)
    assert r0.dtype == np.int16 and r1.dtype == np.bool_
    np.testing.assert_array_equal(r0, np.where(xv < yv, xv * np.int8(3), yv))
    np.testing.assert_array_equal(r1, xv < yv)


def test_structural_equality_and_hash():
    a, b = target_composite(), target_composite()
    assert a is not b and a == b and hash(a) == hash(b)
    assert Elemwise(a) == Elemwise(b)
    # another constant value, or the same value in another dtype, differs
    bb = CompositeBuilder()
    x = bb.input()
    c1 = bb.build([bb.apply(MUL, x, bb.constant(np.float64(2)))])
    bb = CompositeBuilder()
    x = bb.input()
    c2 = bb.build([bb.apply(MUL, x, bb.constant(np.float32(2)))])
    bb = CompositeBuilder()
    x = bb.input()
    c3 = bb.build([bb.apply(MUL, x, bb.constant(np.float64(3)))])
    bb = CompositeBuilder()
    x = bb.input()
    c4 = bb.build([bb.apply(ADD, x, bb.constant(np.float64(2)))])
    assert len({c1, c2, c3, c4}) == 4
    assert c1 != c2 and c1 != c3 and c1 != c4


def test_builder_merges_equal_constants_and_inlines():
    b = CompositeBuilder()
    x = b.input()
    u = b.apply(MUL, x, b.constant(2.0))
    v = b.apply(ADD, u, b.constant(np.float64(2.0)))
    c = b.build([v])
    assert len(c.constants) == 1
    b2 = CompositeBuilder()
    y = b2.input()
    (w,) = b2.inline(c, [b2.apply(EXP, y)])
    c2 = b2.build([w])
    yv = np.linspace(0, 1, 5)
    np.testing.assert_allclose(c2.impl(yv), np.exp(yv) * 2 + 2)


def test_wiring_checked():
    with pytest.raises(ValueError, match="reads value"):
        Composite(1, [(EXP, (1,))], [1])
    with pytest.raises(TypeError, match="takes 1 inputs"):
        Composite(1, [(EXP, (0, 0))], [1])
    with pytest.raises(ValueError, match="output value"):
        Composite(1, [(EXP, (0,))], [5])


def test_name_readable_and_cut_short():
    c = target_composite()
    assert str(c) == "Composite{(exp(-sqr(i0))*sin(3.0*i0))+(log1p(sqr(i0))/(1.0+cosh(i0)))}"
    big = long_chain(5000)
    assert str(big).startswith("Composite{") and str(big).endswith("...}")
    assert len(str(big)) < cm.NAME_LIMIT + 60


def long_chain(n):
    """sin(...sin(x*1.0 + 0)...*k + k) with n steps (3n inner nodes)."""
    b = CompositeBuilder()
    x = b.input()
    v = x
    for k in range(n):
        v = b.apply(SIN, b.apply(ADD, b.apply(MUL, v, b.constant(float(k % 7) / 7)), b.constant(float(k))))
    return b.build([v])


def long_chain_numpy(x, n):
    v = x
    for k in range(n):
        v = np.sin(v * (float(k % 7) / 7) + float(k))
    return v


def test_large_inner_graph_no_recursion():
    n = 4000  # 12000 inner nodes
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # nothing may recurse through the inner graph
    try:
        a = long_chain(n)
        b = long_chain(n)
        assert a == b and hash(a) == hash(b)
        s = str(a)
        x = np.linspace(-1, 1, 7)
        r = a.impl(x)
        data = pickle.dumps(a)
        a2 = pickle.loads(data)
    finally:
        sys.setrecursionlimit(old)
    assert len(a.nodes) == 3 * n
    assert s.startswith("Composite{")
    np.testing.assert_allclose(r, long_chain_numpy(x, n), rtol=1e-12)
    assert a2 == a and hash(a2) == hash(a)
    np.testing.assert_allclose(a2.impl(x), r, rtol=0)


def test_pickle_round_trip():
    c = target_composite()
    c2 = pickle.loads(pickle.dumps(c))
    assert c2 == c and c2 is not c and str(c2) == str(c)
    x = np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(c2.impl(x), c.impl(x))
    op = pickle.loads(pickle.dumps(Elemwise(c)))
    assert op == Elemwise(c)


def test_intermediates_are_freed():
    """A chain of 60 ops on an 8 MB array keeps a few arrays alive, not 60."""
    b = CompositeBuilder()
    x = b.input()
    v = x
    for _ in range(30):
        v = b.apply(SIN, b.apply(ADD, v, b.constant(0.5)))
    c = b.build([v])
    xv = np.linspace(0, 1, 1_000_000)
    tracemalloc.start()
    try:
        r = c.impl(xv)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * xv.nbytes, peak
    ref = xv
    for _ in range(30):
        ref = np.sin(ref + 0.5)
    np.testing.assert_allclose(r, ref, rtol=1e-14)


def test_buffer_reuse_keeps_live_values():
    """Values read again later are never overwritten by a reused buffer."""
    b = CompositeBuilder()
    x, y = b.input(), b.input()
    t = b.apply(EXP, x)  # read three times
    u = b.apply(ADD, t, b.constant(1.0))
    v = b.apply(MUL, t, u)
    w = b.apply(SUB, b.apply(SIN, v), t)
    z = b.apply(MUL, w, y)
    c = b.build([z, u])
    xv = np.linspace(-1, 1, 50_000)
    yv = np.linspace(2, 3, 50_000)
    x_copy, y_copy = xv.copy(), yv.copy()
    z_out, u_out = c.impl(xv, yv)
    te = np.exp(x_copy)
    np.testing.assert_allclose(z_out, (np.sin(te * (te + 1)) - te) * y_copy, rtol=1e-14)
    np.testing.assert_allclose(u_out, te + 1, rtol=1e-14)
    np.testing.assert_array_equal(xv, x_copy)  # inputs untouched
    np.testing.assert_array_equal(yv, y_copy)


def test_output_that_is_an_input_is_a_copy():
    c = Composite(2, [(EXP, (0,))], [2, 1])
    xv, yv = np.zeros(3), np.ones(3)
    e, y_out = c.impl(xv, yv)
    assert y_out is not yv and not np.shares_memory(y_out, yv)
    np.testing.assert_array_equal(e, np.ones(3))


def test_elemwise_composite_through_function():
    c = target_composite()
    x = pt.dmatrix("x")
    y = Elemwise(c)(x)
    assert y.type.dtype == "float64" and y.type.ndim == 2
    f = tensorsmith.function([x], y, mode="FAST_COMPILE")
    xv = np.linspace(-2, 2, 12).reshape(3, 4)
    np.testing.assert_allclose(f(xv), target_numpy(xv), rtol=1e-14)


def test_elemwise_composite_multi_output_broadcasting():
    b = CompositeBuilder()
    x, y = b.input(), b.input()
    s = b.apply(ADD, x, y)
    c = b.build([b.apply(EXP, s), b.apply(MUL, s, b.constant(np.float32(2)))])
    xs, ys = pt.fmatrix("x"), pt.fvector("y")
    o1, o2 = Elemwise(c)(xs, ys)
    assert o1.type.dtype == "float32" and o2.type.dtype == "float32"
    f = tensorsmith.function([xs, ys], [o1, o2])
    xv = np.arange(6, dtype="float32").reshape(2, 3) / 6
    yv = np.array([1, 2, 3], dtype="float32")
    r1, r2 = f(xv, yv)
    np.testing.assert_allclose(r1, np.exp(xv + yv), rtol=1e-6)
    np.testing.assert_allclose(r2, (xv + yv) * np.float32(2), rtol=1e-6)
    assert r1.dtype == np.float32 and r2.dtype == np.float32


def test_no_gradient_clear_error():
    x = pt.dvector("x")
    y = Elemwise(target_composite())(x)
    with pytest.raises(NotImplementedError, match="after differentiation"):
        tensorsmith.grad(pt.sum(y), x)
    s = FusedReduce(EXP, Sum((0,)))(x)
    with pytest.raises(NotImplementedError, match="after differentiation"):
        tensorsmith.grad(s, x)


# ---------------------------------------------------------------------------
# FusedReduce
# ---------------------------------------------------------------------------


def _sub_exp():
    b = CompositeBuilder()
    x, m = b.input(), b.input()
    return b.build([b.apply(EXP, b.apply(SUB, x, m))])


@pytest.mark.parametrize("block", [None, 7, 100])
@pytest.mark.parametrize("red,ref", [(Sum, np.sum), (Prod, np.prod), (Max, np.max), (Min, np.min)])
@pytest.mark.parametrize("axis", [(0,), (1,), (0, 1), (0, 2), (2,)])
def test_fused_reduce_values(monkeypatch, block, red, ref, axis):
    if block is not None:  # blocks along kept or reduced axes
        monkeypatch.setattr(cm, "BLOCK_SIZE", block)
    rng = np.random.default_rng(1)
    xv = rng.uniform(-1, 1, size=(4, 5, 6))
    mv = rng.uniform(-1, 1, size=(5, 1))
    x, m = pt.dtensor3("x"), pt.dmatrix("m")
    out = FusedReduce(_sub_exp(), red(axis))(x, m)
    f = tensorsmith.function([x, m], out, mode="FAST_COMPILE")
    r = f(xv, mv)
    expected = ref(np.exp(xv - mv), axis=axis)
    assert r.shape == expected.shape and r.dtype == expected.dtype
    np.testing.assert_allclose(r, expected, rtol=1e-12)


@pytest.mark.parametrize("block", [None, 5])
def test_fused_reduce_accumulation_dtype(monkeypatch, block):
    if block is not None:
        monkeypatch.setattr(cm, "BLOCK_SIZE", block)
    x = pt.tensor("x", dtype="int8", shape=(None, None))
    out = FusedReduce(MUL, Sum((0, 1)))(x, x)
    # int8 * int8 is int8 (wraps), summed in int64 as Sum does
    assert out.type.dtype == "int64"
    xv = np.full((6, 7), 100, dtype="int8")
    f = tensorsmith.function([x], out, mode="FAST_COMPILE")
    expected = np.sum(xv * xv, dtype="int64")
    assert f(xv) == expected and f(xv).dtype == np.int64
    out32 = FusedReduce(MUL, Sum((1,), dtype="float32"))(x, x)
    assert out32.type.dtype == "float32"


def test_fused_reduce_errors_and_shape():
    x = pt.dmatrix("x")
    with pytest.raises(ValueError, match="axis"):
        FusedReduce(EXP, Sum((2,)))(x)
    with pytest.raises(TypeError, match="CAReduce"):
        FusedReduce(EXP, "sum")
    two = Composite(1, [(EXP, (0,)), (SIN, (0,))], [1, 2])
    with pytest.raises(TypeError, match="single-output"):
        FusedReduce(two, Sum((0,)))
    f = tensorsmith.function([x], FusedReduce(EXP, Max((0,)))(x), mode="FAST_COMPILE")
    with pytest.raises(ValueError, match="zero-size"):
        f(np.zeros((0, 3)))
    out = FusedReduce(EXP, Sum((1,)))(x)
    fs = tensorsmith.function([x], out.shape, mode="FAST_COMPILE")
    assert tuple(fs(np.zeros((3, 4)))) == (3,)
    assert out.owner.op == FusedReduce(EXP, Sum((1,)))
    assert pickle.loads(pickle.dumps(out.owner.op)) == out.owner.op
