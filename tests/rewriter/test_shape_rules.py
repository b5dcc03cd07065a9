"""The shape and structure rules (tensorsmith_rewriter.shape_rules): for each
rule the rewritten graph (the rules of this module alone, to equilibrium)
against the expected one, the values against NumPy through FAST_RUN, and
the cases where it must not fire."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith_graphcore import Constant, FunctionGraph, equal_computations
from tensorsmith_graphcore.rewrite import EquilibriumRewriter, NodeRewriter
from tensorsmith_rewriter import shape_rules
from tensorsmith_tensorops.creation import Alloc, BroadcastTo
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.join import Join
from tensorsmith_tensorops.math import cast
from tensorsmith_tensorops.reduction import Sum
from tensorsmith_tensorops.scalar import Cast
from tensorsmith_tensorops.shape import DimShuffle, MakeIntVector, Reshape, Shape, Shape_i
from tensorsmith_tensorops.subtensor import Subtensor

RULES = [getattr(shape_rules, n) for n in dir(shape_rules)
         if isinstance(getattr(shape_rules, n), NodeRewriter)]
RNG = np.random.default_rng(1)


def rewrite(*outs, rules=RULES):
    fg = FunctionGraph(outputs=list(outs), clone=False, copy_on_write=True)
    EquilibriumRewriter(rules).apply(fg)
    return fg.outputs if len(outs) > 1 else fg.outputs[0]


def ops(v):
    """The op classes of the graph of ``v`` (a set)."""
    fg = FunctionGraph(outputs=[v], clone=False)
    return {type(n.op) for n in fg.apply_nodes}


def same(got, want, inputs):
    assert equal_computations([got], [want], inputs, inputs), \
        f"\n{ts.printing.debugprint(got, file='str')}\n!=\n{ts.printing.debugprint(want, file='str')}"


def fast_run(inputs, out):
    return ts.function(inputs, out, mode="FAST_RUN", on_unused_input="ignore")


def check_values(inputs, outs, values, want):
    f = fast_run(inputs, outs)
    got = f(*values)
    if not isinstance(outs, list):
        got, want = [got], [want]
    for g, w in zip(got, want):
        g = np.asarray(g)
        w = np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-12)
    return f


def i64(n):
    return pt.constant(np.int64(n))


# ---------------------------------------------------------------------------
# shape(x), x.shape[i], Shape_i
# ---------------------------------------------------------------------------


def test_static_shape_folds_to_constants():
    s = pt.tensor("s", dtype="float64", shape=(3, 4))
    out = rewrite(s.shape[0])
    assert isinstance(out, Constant) and int(out.data) == 3
    out = rewrite(pt.shape(s))
    assert isinstance(out, Constant) and list(out.data) == [3, 4] and out.type == pt.shape(s).type
    out = rewrite(s.shape[1:])
    assert isinstance(out, Constant) and list(out.data) == [4]


def test_function_static_shape_is_a_constant_output():
    s = pt.tensor("s", dtype="float64", shape=(3, 4))
    f = fast_run([s], s.shape[0])
    (o,) = f.maker.fgraph.outputs
    assert isinstance(o, Constant) and int(o.data) == 3
    assert int(f(np.zeros((3, 4)))) == 3


def test_function_unknown_shape_is_shape_i():
    x = pt.dmatrix("x")
    f = fast_run([x], x.shape[0])
    (o,) = f.maker.fgraph.outputs
    assert type(o.owner.op) is Shape_i and o.owner.op.i == 0 and o.owner.inputs[0] is f.maker.fgraph.inputs[0]
    assert {type(n.op) for n in f.maker.fgraph.apply_nodes} == {Shape_i}
    assert int(f(np.zeros((5, 2)))) == 5
    f = fast_run([x], x.shape[-1])
    assert int(f(np.zeros((5, 2)))) == 2


def test_shape_of_computed_variable_reads_its_inputs():
    x, r = pt.dmatrix("x"), pt.tensor("r", dtype="float64", shape=(1, None))
    same(rewrite(pt.exp(x).shape[1]), Shape_i(1)(x), [x])
    same(rewrite((x + r).shape[0]), Shape_i(0)(x), [x])  # r's 1 gives way
    same(rewrite(x.T.shape[0]), Shape_i(1)(x), [x])
    same(rewrite(Shape_i(0)(pt.exp(x) * 2.0)), Shape_i(0)(x), [x])
    # shape(x) -> the vector of lengths of what x is made of
    same(rewrite(pt.shape(pt.exp(x))), MakeIntVector()(Shape_i(0)(x), Shape_i(1)(x)), [x])
    y = pt.dmatrix("y")
    check_values([x, y, r], [(pt.exp(x) + y).shape[0], pt.shape(x.T), (x + r).shape],
                 [np.ones((1, 3)), np.ones((4, 3)), np.ones((1, 3))],
                 [np.int64(4), np.array([3, 1]), np.array([1, 3])])


def test_shape_of_input_stays():
    x = pt.dmatrix("x")
    out = rewrite(pt.shape(x))
    assert type(out.owner.op) is Shape  # nothing better than reading x's shape
    out = rewrite(Shape_i(1)(x))
    assert type(out.owner.op) is Shape_i
    x2 = pt.tensor("x2", dtype="float64", shape=(None, 5))
    same(rewrite(pt.shape(x2)), MakeIntVector()(Shape_i(0)(x2), i64(5)), [x2])


def test_symbolic_index_into_shape_stays():
    x = pt.dmatrix("x")
    i = pt.lscalar("i")
    out = rewrite(x.shape[i])
    assert type(out.owner.op) is Subtensor and type(out.owner.inputs[0].owner.op) is Shape
    check_values([x, i], x.shape[i], [np.zeros((2, 7)), 1], np.int64(7))


def test_shape_of_op_without_shape_function():
    x = pt.dvector("x")
    u = pt.unique(x)
    out = rewrite(pt.exp(u).shape[0])
    same(out, Shape_i(0)(u), [x])
    check_values([x], pt.exp(u).shape[0], [np.array([1.0, 2.0, 1.0])], np.int64(2))


# ---------------------------------------------------------------------------
# DimShuffle
# ---------------------------------------------------------------------------


def test_dimshuffle_of_dimshuffle():
    x = pt.dtensor3("x")
    a = x.dimshuffle(2, 0, 1).dimshuffle(0, "x", 2, 1)
    same(rewrite(a), x.dimshuffle(2, "x", 1, 0), [x])
    same(rewrite(x.T.T), x, [x])
    same(rewrite(pt.swapaxes(pt.swapaxes(x, 0, 2), 2, 0)), x, [x])
    r = pt.tensor("r", dtype="float64", shape=(None, 1))
    b = r.dimshuffle("x", 0, 1).dimshuffle(1, 0, 2).dimshuffle(0, 2)  # drops the added axis
    same(rewrite(b), r, [r])
    c = r.dimshuffle("x", 0, 1).dimshuffle(0, 1)  # drops r's length-1 axis
    same(rewrite(c), r.dimshuffle("x", 0), [r])
    xv, rv = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(5, 1))
    check_values([x, r], [a, x.T.T, b, c], [xv, rv],
                 [np.transpose(xv, (2, 0, 1))[:, None].transpose(0, 1, 3, 2), xv, rv, rv.T])


def test_useless_dimshuffle():
    x = pt.dmatrix("x")
    same(rewrite(DimShuffle(2, (0, 1))(x)), x, [x])
    out = rewrite(x.dimshuffle(1, 0))
    assert type(out.owner.op) is DimShuffle  # a transpose stays


# ---------------------------------------------------------------------------
# Reshape
# ---------------------------------------------------------------------------


def test_reshape_of_reshape():
    x = pt.dmatrix("x")
    a = pt.reshape(pt.reshape(x, (-1,)), (3, -1))
    same(rewrite(a), pt.reshape(x, (3, -1)), [x])
    xv = RNG.normal(size=(2, 6))
    check_values([x], a, [xv], xv.reshape(3, -1))


def test_useless_reshape():
    x = pt.dmatrix("x")
    same(rewrite(pt.reshape(x, x.shape)), x, [x])
    same(rewrite(pt.reshape(x, (x.shape[0], -1))), x, [x])
    same(rewrite(pt.reshape(pt.exp(x), (x.shape[0], x.shape[1]))), pt.exp(x), [x])
    s = pt.tensor("s", dtype="float64", shape=(3, 4))
    same(rewrite(pt.reshape(s, (3, 4))), s, [s])
    xv = RNG.normal(size=(2, 6))
    check_values([x], [pt.reshape(x, (x.shape[0], -1)), pt.reshape(pt.exp(x), pt.shape(x))], [xv],
                 [xv, np.exp(xv)])


def test_reshape_not_removed_when_lengths_not_provably_equal():
    x = pt.dmatrix("x")
    n = pt.lscalar("n")
    for out in (pt.reshape(x, (x.shape[1], x.shape[0])), pt.reshape(x, (n, -1)),
                pt.reshape(x, (x.shape[0], 5)), pt.reshape(x, (-1, -1 + 0 * n))):
        r = rewrite(out)
        assert Reshape in ops(r)
    xv = RNG.normal(size=(2, 6))
    check_values([x], pt.reshape(x, (x.shape[1], x.shape[0])), [xv], xv.reshape(6, 2))


# ---------------------------------------------------------------------------
# Alloc / broadcast_to
# ---------------------------------------------------------------------------


def test_useless_alloc():
    x = pt.dmatrix("x")
    same(rewrite(pt.alloc(x, x.shape[0], x.shape[1])), x, [x])
    same(rewrite(pt.broadcast_to(pt.exp(x), pt.shape(x))), pt.exp(x), [x])
    r = pt.tensor("r", dtype="float64", shape=(None, 1))
    same(rewrite(pt.alloc(r, r.shape[0], 1)), r, [r])
    xv = RNG.normal(size=(2, 3))
    check_values([x], [pt.alloc(x, x.shape[0], x.shape[1]) * 2.0], [xv], [xv * 2])


def test_alloc_that_broadcasts_stays():
    x = pt.dmatrix("x")
    r = pt.tensor("r", dtype="float64", shape=(None, 1))
    n = pt.lscalar("n")
    for out in (pt.alloc(r, r.shape[0], x.shape[1]), pt.alloc(x, n, x.shape[1]),
                pt.alloc(x, 3, x.shape[0], x.shape[1])):
        assert Alloc in ops(rewrite(out))
    v = pt.dvector("v")
    # v may have length 1 and be broadcast to n at run time
    assert Alloc in ops(rewrite(pt.alloc(v, n)))
    check_values([v, n], pt.alloc(v, n), [np.array([2.0]), 3], np.full(3, 2.0))


def test_alloc_into_elemwise():
    x = pt.dmatrix("x")
    # a scalar broadcast to x's shape, then added to x: x + c does that
    out = x + pt.alloc(np.float64(2.0), x.shape[0], x.shape[1])
    same(rewrite(out), x + pt.constant(np.float64(2.0)), [x])
    v = pt.dvector("v")
    out2 = x * pt.alloc(v, x.shape[0], x.shape[1])
    same(rewrite(out2), x * v, [x, v])
    out3 = pt.alloc(pt.exp(v), x.shape[0], v.shape[0]) - x  # v gives the last length itself
    same(rewrite(out3), pt.exp(v) - x, [x, v])
    xv, vv = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    check_values([x, v], [out, out2, out3], [xv, vv], [xv + 2, xv * vv, np.exp(vv) - xv])


def test_alloc_into_elemwise_keeps_dtype_of_python_scalar():
    x = pt.fmatrix("x")
    a = pt.alloc(0.5, x.shape[0], x.shape[1])  # float64 values of 0.5
    out = x + a
    r = rewrite(out)
    assert r.type == out.type
    xv = RNG.normal(size=(2, 3)).astype("float32")
    check_values([x], out, [xv], xv + np.full((2, 3), 0.5))


def test_alloc_into_elemwise_not_when_it_gives_a_length():
    x = pt.dmatrix("x")
    v = pt.dvector("v")
    n = pt.lscalar("n")
    for out in (v + pt.alloc(0.0, n, v.shape[0]),            # n rows come from the alloc only
                x + pt.alloc(v, n, v.shape[0]),              # n not provably x's rows
                v + pt.alloc(v, v.shape[0] * 0 + n)):         # v might be broadcast
        assert Alloc in ops(rewrite(out)), ts.printing.debugprint(rewrite(out), file="str")
    vv = np.array([1.0, 2.0])
    check_values([v, n], v + pt.alloc(0.0, n, v.shape[0]), [vv, 3], np.tile(vv, (3, 1)))


# ---------------------------------------------------------------------------
# Cast, reductions
# ---------------------------------------------------------------------------


def test_useless_cast():
    x = pt.dmatrix("x")
    c = Elemwise(Cast("float64"))(x)
    same(rewrite(c * 2.0), x * 2.0, [x])
    f = pt.fmatrix("f")
    assert Elemwise in ops(rewrite(cast(f, "float64")))
    xv = RNG.normal(size=(2, 2))
    check_values([x], c * 2.0, [xv], xv * 2)


def test_sum_of_sum():
    x = pt.dtensor3("x")
    out = pt.sum(pt.sum(x, axis=1), axis=1)
    same(rewrite(out), Sum((1, 2))(x), [x])
    out2 = pt.sum(pt.sum(x, axis=(0, 2)), axis=0)
    same(rewrite(out2), Sum((0, 1, 2))(x), [x])
    xv = RNG.normal(size=(2, 3, 4))
    check_values([x], [out, out2], [xv], [xv.sum(axis=(1, 2)), xv.sum()])
    i = pt.tensor("i", dtype="int8", shape=(None, None))
    out3 = pt.sum(pt.sum(i, axis=0))
    same(rewrite(out3), Sum((0, 1))(i), [i])
    iv = np.full((40, 5), 100, dtype="int8")
    check_values([i], out3, [iv], iv.sum(dtype="int64"))


def test_sum_of_sum_not_fired():
    x = pt.dmatrix("x")
    inner = pt.sum(x, axis=0)
    shared = [pt.sum(inner), inner * 2.0]  # the inner sum is used twice
    r = rewrite(*shared)
    assert r[0].owner.inputs[0] is r[1].owner.inputs[0]
    f32 = pt.fmatrix("f32")
    mixed = pt.sum(pt.sum(f32, axis=0, dtype="float32"), dtype="float64")  # dtypes differ
    r = rewrite(mixed)
    assert type(r.owner.inputs[0].owner.op) is Sum


def test_sum_of_dimshuffle():
    x = pt.dmatrix("x")
    same(rewrite(pt.sum(x.T, axis=0)), Sum((1,))(x), [x])
    same(rewrite(pt.sum(x.T)), Sum((0, 1))(x), [x])
    y = pt.dtensor3("y")
    out = pt.sum(y.dimshuffle(2, "x", 0, 1), axis=(0, 3))
    same(rewrite(out), Sum((1, 2))(y).dimshuffle("x", 0), [y])
    r = pt.tensor("r", dtype="float64", shape=(None, 1))
    out2 = pt.sum(r.dimshuffle(0), axis=0)  # the dropped length-1 axis is summed too
    same(rewrite(out2), Sum((0, 1))(r), [r])
    xv, yv, rv = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3, 4)), RNG.normal(size=(5, 1))
    check_values([x, y, r], [pt.sum(x.T, axis=0), out, out2], [xv, yv, rv],
                 [xv.sum(axis=1), yv.transpose(2, 0, 1)[:, None].sum(axis=(0, 3)), rv.sum()])


def test_useless_reduce():
    x = pt.dmatrix("x")
    same(rewrite(Sum(())(x) * 2.0), x * 2.0, [x])
    i = pt.bmatrix("i")
    assert Sum in ops(rewrite(Sum(())(i)))  # int8 -> int64: not the same type


# ---------------------------------------------------------------------------
# Indexing an Alloc or a Join
# ---------------------------------------------------------------------------


def test_subtensor_of_alloc():
    x = pt.dmatrix("x")
    n, m = pt.lscalar("n"), pt.lscalar("m")
    c = pt.constant(np.float64(2.5))
    a = pt.alloc(c, n, m)[1]
    same(rewrite(a), pt.alloc(c, m), [n, m])
    v = pt.dvector("v")
    b = pt.alloc(v, n, v.shape[0])[1:, ::2]
    rb = rewrite(b)
    assert type(rb.owner.op) is Alloc and type(rb.owner.inputs[0].owner.op) is Subtensor
    assert rb.owner.inputs[0].owner.inputs[0] is v
    r = pt.tensor("r", dtype="float64", shape=(None, 1))
    d = pt.alloc(r, n, r.shape[0], m)[0, :, 2]  # the length-1 axis of r takes index 0
    same(rewrite(d), r[:, 0], [r])  # then the alloc to r[:, 0]'s own shape goes
    vv, rv = RNG.normal(size=5), RNG.normal(size=(3, 1))
    check_values([n, m, v, r], [a, b, d], [4, 6, vv, rv],
                 [np.full(6, 2.5), np.broadcast_to(vv, (4, 5))[1:, ::2], np.broadcast_to(rv, (4, 3, 6))[0, :, 2]])
    del x


def test_subtensor_of_alloc_not_fired():
    n = pt.lscalar("n")
    v = pt.dvector("v")
    a = pt.alloc(v, n, n)[:, 0]  # v may be broadcast along the last axis
    r = rewrite(a)
    assert type(r.owner.op) is Subtensor
    same(rewrite(pt.alloc(v, n, n)[0]), pt.alloc(v, n), [v, n])  # that axis is not indexed
    big = pt.alloc(0.0, n, 3)
    shared = rewrite(big[0], big * 2.0)  # the alloc has another use
    assert type(shared[0].owner.op) is Subtensor
    check_values([v, n], a, [np.array([7.0]), 3], np.full(3, 7.0))


def test_subtensor_of_join():
    x = pt.tensor("x", dtype="float64", shape=(3, None))
    y = pt.dmatrix("y")
    j = pt.concatenate([x, y])
    same(rewrite(j[1:3]), x[1:3], [x, y])
    same(rewrite(j[1]), x[1], [x, y])
    same(rewrite(j[4:]), y[1:], [x, y])
    same(rewrite(j[3:5, 0]), y[:2, 0], [x, y])
    k = pt.concatenate([y, x], axis=0)
    same(rewrite(k[5]), k[5], [x, y])  # y's length unknown: which part?
    i32 = pt.tensor("i32", dtype="int32", shape=(2, None))
    mixed = pt.concatenate([i32, y])[0]
    rm = rewrite(mixed)
    assert rm.type == mixed.type and Join not in ops(rm)
    xv, yv, iv = RNG.normal(size=(3, 2)), RNG.normal(size=(4, 2)), np.arange(4, dtype="int32").reshape(2, 2)
    jv = np.concatenate([xv, yv])
    check_values([x, y, i32], [j[1:3], j[1], j[4:], j[3:5, 0], j[-2], mixed],
                 [xv, yv, iv], [jv[1:3], jv[1], jv[4:], jv[3:5, 0], jv[-2], iv[0].astype("float64")])


def test_subtensor_of_join_not_fired():
    x = pt.tensor("x", dtype="float64", shape=(3, 2))
    y = pt.dmatrix("y")
    j = pt.concatenate([x, y])
    for out in (j[2:4], j[::-1], j[-1], j[:, 0]):  # spans two parts / step < 0 / end unknown / other axis
        assert Join in ops(rewrite(out)), out
    xv, yv = RNG.normal(size=(3, 2)), RNG.normal(size=(4, 2))
    jv = np.concatenate([xv, yv])
    check_values([x, y], [j[2:4], j[::-1], j[-1], j[:, 0]], [xv, yv], [jv[2:4], jv[::-1], jv[-1], jv[:, 0]])


# ---------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------


def test_rules_registered_in_their_stages():
    import tensorsmith_rewriter as tr

    canon = tr.rewrite_db["canonicalize"]
    useless = tr.rewrite_db["useless"]
    for name in ("shape_to_vector", "shape_subtensor", "shape_i", "dimshuffle_dimshuffle",
                 "reshape_reshape", "alloc_elemwise", "sum_sum", "sum_dimshuffle",
                 "subtensor_alloc", "subtensor_join"):
        assert name in canon and "shape" in canon.tags_of(name)
    for name in ("useless_dimshuffle", "useless_reshape", "useless_alloc", "useless_cast",
                 "useless_reduce"):
        assert name in useless and "shape" in useless.tags_of(name)


def test_fast_run_excluding_shape_keeps_shape_ops():
    x = pt.dmatrix("x")
    mode = ts.get_mode("FAST_RUN").excluding("shape") if hasattr(ts, "get_mode") else None
    if mode is None:
        pytest.skip("no get_mode")
    f = ts.function([x], pt.exp(x).shape[0], mode=mode)
    assert Shape in {type(n.op) for n in f.maker.fgraph.apply_nodes}
    assert int(f(np.zeros((4, 1)))) == 4


@pytest.mark.parametrize("n", [0, 1, 3])
def test_broadcast_to_and_shapes_values(n):
    x = pt.dvector("x")
    out = pt.broadcast_to(x, (2, x.shape[0]))[1] + pt.exp(x).shape[0]
    xv = np.arange(float(n))
    check_values([x], out, [xv], xv + n)
    assert BroadcastTo not in ops(rewrite(out))
