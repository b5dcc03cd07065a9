"""constant_folding: constant-only nodes become constants (same type), within
a size limit, never for random ops, and FAST_COMPILE folds too."""
import numpy as np

import tensorsmith as ts
import tensorsmith.tensor as pt
import tensorsmith_rewriter as tr
from tensorsmith_graphcore import Apply, FunctionGraph, Op
from tensorsmith_rewriter.constant_folding import MAX_FOLD_ELEMENTS, fold_node
from tensorsmith_tensorops.variable import TensorConstant


def rw(e, include=("useless",)):
    return tr.rewrite_graph(e, include=include)


def test_elemwise_folded_keeps_type():
    a = pt.constant(np.arange(3, dtype="float32"))
    e = pt.exp(a) * 2.0
    r = rw(e)
    assert isinstance(r, TensorConstant) and r.type == e.type
    np.testing.assert_allclose(r.data, np.exp(np.arange(3, dtype="float32")) * 2, rtol=1e-6)
    assert r.data.dtype == np.float32


def test_partial_graph_folded_and_values():
    x = pt.dvector("x")
    k = pt.constant(np.array([1.0, 2.0, 3.0]))
    e = x + pt.sqrt(k * 4.0)
    r = rw(e)
    assert r.owner is not None and isinstance(r.owner.inputs[1], TensorConstant)
    np.testing.assert_allclose(r.owner.inputs[1].data, np.sqrt([4.0, 8.0, 12.0]))
    f = ts.function([x], e, mode="FAST_COMPILE")
    np.testing.assert_allclose(f(np.ones(3)), 1 + np.sqrt([4.0, 8.0, 12.0]))
    assert all(not isinstance(n.op, type(pt.sqrt)) or n.inputs[0] is x for n in f.maker.fgraph.toposort())


def test_non_elemwise_ops_fold():
    m = pt.constant(np.arange(6.0).reshape(2, 3))
    e = pt.dot(m, m.T).sum(axis=0)
    r = rw(e)
    assert isinstance(r, TensorConstant)
    mv = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(r.data, (mv @ mv.T).sum(axis=0))


def test_big_broadcast_not_folded():
    """A small constant broadcast to a big shape stays a node."""
    e = pt.alloc(pt.constant(1.0), 2000, 1000)
    r = rw(e)
    assert r.owner is not None
    e2 = pt.constant(np.ones((1, 1))) + pt.constant(np.zeros((2000, 1000)))  # the output's shape is read first
    r2 = rw(e2)
    assert r2.owner is not None
    small = pt.alloc(pt.constant(1.0), 20, 10)
    assert isinstance(rw(small), TensorConstant)
    assert MAX_FOLD_ELEMENTS == 1_000_000


def test_random_not_folded():
    rng = np.random.default_rng(0)
    d = pt.random.normal(0.0, 1.0, size=(3,), rng=ts.shared(rng))
    fg = FunctionGraph(outputs=[d], clone=True)
    node = fg.outputs[0].owner
    assert fold_node(node) is None


class _Fails(Op):
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node, inputs, out):
        raise ValueError("bad value")


class _NoFold(_Fails):
    constant_folding = False

    def perform(self, node, inputs, out):
        out[0][0] = inputs[0]


def test_error_left_to_run_time():
    e = _Fails()(pt.constant(np.arange(6.0)))  # evaluation raises: not folded
    assert rw(e) is e
    e2 = _NoFold()(pt.constant(np.arange(6.0)))  # the op says no
    assert rw(e2) is e2


def test_int_dtype_kept():
    a = pt.constant(np.array([100, 120], dtype="int8"))
    e = a + a  # wraps in int8
    r = rw(e)
    assert isinstance(r, TensorConstant) and r.data.dtype == np.int8
    with np.errstate(all="ignore"):
        assert r.data.tolist() == (np.array([100, 120], "int8") * 2).tolist()


def test_tags():
    assert "constant_folding" in tr.rewrite_db["useless"]
    assert "fast_compile" in tr.rewrite_db["useless"].tags_of("constant_folding")
    assert "constant_folding" in tr.rewrite_db["canonicalize"]
    e = pt.exp(pt.constant(1.0))
    assert isinstance(tr.rewrite_graph(e, include=("fast_compile",)), TensorConstant)
    assert tr.rewrite_graph(e, include=("fast_compile",), exclude=("constant_folding",)) is e
