"""The shape feature (tensorsmith_rewriter.shape_feature): symbolic shapes of
the variables of a graph, computed on demand, checked against the shapes
NumPy gives, and what they are made of (constants, Shape_i of inputs, the
shapes of what a variable is computed from)."""
import copy
import pickle
import time

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith_graphcore import Constant, FunctionGraph
from tensorsmith_rewriter.shape_feature import (
    ShapeFeature, inferred_shape, same_dim, shape_entries, shape_feature, shape_of, static_dim,
)
from tensorsmith_tensorops.shape import MakeIntVector, Shape_i

RNG = np.random.default_rng(0)


def fgraph(*outs):
    return FunctionGraph(outputs=list(outs), clone=False, copy_on_write=True)


def is_shape_i(d, x, k):
    return d.owner is not None and type(d.owner.op) is Shape_i and d.owner.op.i == k and d.owner.inputs[0] is x


def check_shapes(inputs, outs, values):
    """shape_of of every output, evaluated, equals the shape NumPy gives the output."""
    fg = fgraph(*outs)
    dims = [d for o in outs for d in shape_of(fg, o)]
    f_out = ts.function(inputs, outs, mode="FAST_COMPILE", on_unused_input="ignore")
    want = [np.shape(v) for v in f_out(*values)]
    if dims:
        f_dims = ts.function(inputs, dims, mode="FAST_COMPILE", on_unused_input="ignore")
        got = [int(v) for v in f_dims(*values)]
    else:
        got = []
    flat = [n for s in want for n in s]
    assert got == flat, (got, want)


# ---------------------------------------------------------------------------
# What shapes are made of
# ---------------------------------------------------------------------------


def test_inputs_static_lengths_are_constants_others_shape_i():
    x = pt.tensor("x", dtype="float64", shape=(3, None))
    fg = fgraph(x * 2.0)
    s = shape_of(fg, x)
    assert isinstance(s[0], Constant) and static_dim(s[0]) == 3
    assert is_shape_i(s[1], x, 1)
    assert s[1].type.dtype == "int64" and s[1].type.ndim == 0
    # asked again: the same variables (computed once)
    assert shape_of(fg, x) is s


def test_existing_shape_i_node_is_reused():
    x = pt.dmatrix("x")
    n = Shape_i(1)(x)
    fg = fgraph(n, x + 1.0)
    assert shape_of(fg, x)[1] is n


def test_elemwise_takes_the_input_shape():
    x = pt.dmatrix("x")
    e = pt.exp(x) * 2.0 + 1.0
    fg = fgraph(e)
    s = shape_of(fg, e)
    assert s == shape_of(fg, x)
    assert is_shape_i(s[0], x, 0) and is_shape_i(s[1], x, 1)


def test_elemwise_broadcast_length_one_gives_way():
    x = pt.dmatrix("x")
    r = pt.tensor("r", dtype="float64", shape=(1, None))
    v = pt.dvector("v")
    fg = fgraph(x + r, x + v)
    s = shape_of(fg, x + r)
    assert is_shape_i(s[0], x, 0)  # r's static 1 gives way
    s2 = shape_of(fg, (x + v))
    assert is_shape_i(s2[0], x, 0)  # v has no axis 0


def test_elemwise_two_unknown_lengths_decided_at_run_time():
    # a length 1 at run time broadcasts (x of 1 row, y of 4 rows): the
    # shape is switch(eq(a, 1), b, a), not x's length
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    out = x + y
    check_shapes([x, y], [out], [np.ones((1, 3)), np.ones((4, 3))])
    check_shapes([x, y], [out], [np.ones((4, 1)), np.ones((4, 3))])
    check_shapes([x, y], [out], [np.ones((4, 3)), np.ones((4, 3))])


def test_same_length_variable_gives_no_switch():
    x = pt.dmatrix("x")
    out = x * pt.exp(x)
    fg = fgraph(out)
    assert shape_of(fg, out) == shape_of(fg, x)


def test_dimshuffle_reduction_dot_join_shapes():
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    fg = fgraph(x.T, x.sum(axis=0), pt.dot(x, y), pt.concatenate([x, y]), x.dimshuffle(0, "x", 1))
    assert shape_of(fg, x.T) == (shape_of(fg, x)[1], shape_of(fg, x)[0])
    assert shape_of(fg, x.sum(axis=0)) == (shape_of(fg, x)[1],)
    s = shape_of(fg, pt.dot(x, y))
    assert is_shape_i(s[0], x, 0) and is_shape_i(s[1], y, 1)
    s = shape_of(fg, x.dimshuffle(0, "x", 1))
    assert static_dim(s[1]) == 1


def test_static_shape_of_result_wins():
    x = pt.dmatrix("x")
    s = pt.tensor("s", dtype="float64", shape=(3, 4))
    out = x * s  # x's lengths are 3 and 4 (or 1) at run time
    fg = fgraph(out)
    assert [static_dim(d) for d in shape_of(fg, out)] == [3, 4]


def test_values_against_numpy():
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    v = pt.dvector("v")
    i = pt.lscalar("i")
    xv, yv, vv = RNG.normal(size=(5, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=3)
    outs = [
        x + v, x.T, x.sum(axis=1), pt.concatenate([x, y]), pt.concatenate([x, y], axis=0)[1:],
        x[1:], x[::2], x[-2:], x[:-1, ::-1], x[i], x[i:], x[:, None], x[1:4:2, 1],
        pt.reshape(x, (-1,)), pt.reshape(x, (3, -1)), pt.reshape(x, (x.shape[1], x.shape[0])),
        pt.reshape(x, x.shape[::-1] + 0), pt.flatten(x), pt.alloc(0.0, x.shape[0], 7),
        pt.dot(x, x.T), pt.shape(x), x.shape[0] + 0, pt.zeros_like(x), x[[0, 2]], x[x > 0],
        pt.outer(v, v), pt.stack([v, v]), pt.cumsum(x, axis=0),
    ]
    check_shapes([x, y, v, i], outs, [xv, yv, vv, 2])


def test_reshape_with_a_minus_one_known_only_at_run_time():
    x = pt.dmatrix("x")
    n = pt.lscalar("n")
    out = pt.reshape(x, (n, 2))
    fg = fgraph(out)
    check_shapes([x, n], [out], [np.ones((3, 4)), -1])
    check_shapes([x, n], [out], [np.ones((3, 4)), 6])
    # and through a symbolic vector
    sv = pt.lvector("sv")
    out2 = pt.reshape(x, sv, ndim=2)
    check_shapes([x, sv], [out2], [np.ones((3, 4)), np.array([-1, 3])])
    assert len(shape_of(fg, out)) == 2


def test_slice_lengths_of_every_constant_slice():
    x = pt.dvector("x")
    vals = [None, -7, -3, -1, 0, 1, 2, 5, 9]
    outs = [x[a:b:c] for a in vals for b in vals for c in (None, 1, 2, 3, -1, -2)]
    for n in (0, 1, 4, 6):
        check_shapes([x], outs, [np.arange(float(n))])


# ---------------------------------------------------------------------------
# Ops without a shape function; anchors
# ---------------------------------------------------------------------------


def test_op_without_shape_function_reads_its_own_shape():
    x = pt.dvector("x")
    u = pt.unique(x)
    out = pt.exp(u)
    fg = fgraph(out)
    s = shape_of(fg, out)
    assert is_shape_i(s[0], u, 0)
    assert inferred_shape(fg, u) is None  # read from u itself
    assert inferred_shape(fg, out) == s  # read from u, not from out
    check_shapes([x], [out], [np.array([3.0, 1.0, 3.0])])


def test_inferred_shape_of_computed_variable():
    x = pt.dmatrix("x")
    e = pt.exp(x)
    fg = fgraph(e)
    assert inferred_shape(fg, e) == shape_of(fg, x)


def test_removed_anchor_is_not_brought_back():
    """A shape that refers to a graph variable (an Alloc's length) is made
    afresh once a rewrite removed that variable."""
    x = pt.dvector("x")
    n = pt.lscalar("n")
    m = n * 2
    out = pt.alloc(0.0, m)
    fg = FunctionGraph(outputs=[out], clone=True)  # nodes edited in place
    out2 = fg.outputs[0]
    m2 = out2.owner.inputs[1]
    assert shape_of(fg, out2)[0] is m2
    new_m = fg.inputs[0] + fg.inputs[0]
    fg.replace(m2, new_m)
    assert fg.outputs[0] is out2 and out2.owner.inputs[1] is new_m
    assert m2 not in fg.variables
    assert shape_of(fg, out2)[0] is new_m
    del x


def test_removed_anchor_copy_on_write():
    n = pt.lscalar("n")
    m = n * 2
    out = pt.alloc(0.0, m) + 1.0
    fg = fgraph(out)
    assert shape_of(fg, out)[0] is m
    new_m = n + n
    fg.replace(m, new_m)
    assert shape_of(fg, fg.outputs[0])[0] is new_m


# ---------------------------------------------------------------------------
# same_dim, shape_entries
# ---------------------------------------------------------------------------


def test_same_dim():
    x = pt.dmatrix("x")
    e = pt.exp(x)
    s = pt.tensor("s", dtype="float64", shape=(3, None))
    fg = fgraph(e, s + 1.0)
    assert same_dim(fg, e.shape[0], x.shape[0])
    assert same_dim(fg, Shape_i(1)(e), x.shape[1])
    assert not same_dim(fg, x.shape[0], x.shape[1])
    assert same_dim(fg, s.shape[0], pt.constant(np.int64(3)))
    assert not same_dim(fg, s.shape[1], pt.constant(np.int64(3)))
    assert not same_dim(fg, pt.constant(np.int64(2)), pt.constant(np.int64(3)))


def test_shape_entries():
    x = pt.dmatrix("x")
    fg = fgraph(pt.exp(x))
    assert shape_entries(fg, pt.shape(pt.exp(x))) == list(shape_of(fg, x))
    assert [static_dim(d) for d in shape_entries(fg, pt.constant(np.array([2, 3])))] == [2, 3]
    v = MakeIntVector()(x.shape[0], 4)
    assert shape_entries(fg, v) == list(v.owner.inputs)
    assert shape_entries(fg, pt.lvector("q")) is None


# ---------------------------------------------------------------------------
# The feature itself
# ---------------------------------------------------------------------------


def test_attached_once_and_detached():
    x = pt.dmatrix("x")
    fg = fgraph(pt.exp(x))
    f = shape_feature(fg)
    assert shape_feature(fg) is f and fg.shape_feature is f and f in fg.features
    with pytest.raises(ValueError):
        fg.attach_feature(ShapeFeature())
    fg.remove_feature(f)
    assert not hasattr(fg, "shape_feature")


def test_graph_with_feature_copies_and_pickles():
    x = pt.dmatrix("x")
    fg = fgraph(pt.exp(x).sum())
    shape_of(fg, fg.outputs[0].owner.inputs[0])
    for g in (copy.deepcopy(fg), pickle.loads(pickle.dumps(fg))):
        f = g.shape_feature
        assert isinstance(f, ShapeFeature) and f.entries == {}
        out = g.outputs[0].owner.inputs[0]
        assert is_shape_i(shape_of(g, out)[0], g.inputs[0], 0)


def test_long_chain_is_linear_and_iterative():
    x = pt.dmatrix("x")
    y = x
    for i in range(30_000):
        y = pt.sin(y) if i % 2 else y * 1.0001
    z = y
    for i in range(30_000):
        z = z + x if i % 2 else pt.exp(z)
    fg = fgraph(y, z)
    t0 = time.perf_counter()
    s = shape_of(fg, y)
    t1 = time.perf_counter()
    s2 = shape_of(fg, z)
    t2 = time.perf_counter()
    assert s == shape_of(fg, x) and s2 == s
    # 30,000 nodes each: well under a second (about 0.1 s here)
    assert t1 - t0 < 2.0 and t2 - t1 < 2.0
    t3 = time.perf_counter()
    for _ in range(1000):
        shape_of(fg, z)
    assert time.perf_counter() - t3 < 0.5  # cached
