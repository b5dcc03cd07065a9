"""``vectorize_graph`` with the rules of ``vectorize.py`` (those jacobian relies
on) against a loop over the batch."""
import numpy as np
import pytest
from tensorsmith_graphcore import toposort

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_tensorops.blockwise import Blockwise, vectorize_graph
from tensorsmith_tensorops.reduction import SumToShape
from tensorsmith_tensorops.vectorize import get_vectorize_rule, register_vectorize

rng = np.random.default_rng(3)
M = rng.normal(size=(3, 4))


def _sum_to(g, x):
    return SumToShape()(g, x)


# (name, builder of core graph from x (and c), core shape of x, extra unbatched input value or None)
CASES = [
    ("shape_reshape", lambda x, c: pt.reshape(x * 2.0, (x.shape[1], x.shape[0])), (2, 3), None),
    ("reshape_flat", lambda x, c: pt.reshape(x, (-1,)) + 1.0, (2, 3), None),
    ("specify_shape", lambda x, c: pt.specify_shape(x, (2, None)) * c, (2, 3), np.ones(3)),
    ("dot_left_vec", lambda x, c: pt.dot(x, c), (4,), M.T),
    ("dot_left_mat", lambda x, c: pt.dot(x, c), (2, 4), M.T),
    ("dot_right_vec", lambda x, c: pt.dot(c, x), (4,), M),
    ("dot_right_mat", lambda x, c: pt.dot(c, x), (4, 2), M),
    ("dot_vec_right_vec", lambda x, c: pt.dot(c, x), (3,), M[:, 0]),
    ("dot_vec_right_mat", lambda x, c: pt.dot(c, x), (3, 2), M[:, 0]),
    ("sum_to_shape", lambda x, c: _sum_to(x * 3.0, c), (2, 3), np.ones((1, 3))),
    ("alloc", lambda x, c: pt.alloc(x, 2, x.shape[0]) * 1.0, (3,), None),
    ("elemwise_reduce", lambda x, c: pt.sum(pt.exp(x) * c, axis=0), (2, 3), np.arange(3.0)),
    ("subtensor", lambda x, c: x[1:, ::2] * 2.0, (3, 4), None),
    ("subtensor_int", lambda x, c: x[1] + x[-1, 0], (3, 4), None),
    ("advanced_subtensor", lambda x, c: x[[0, 2, 0]] * 1.0, (3, 2), None),
    ("advanced_mixed", lambda x, c: x[1:, [0, 0, 1]], (3, 2), None),
    ("inc_subtensor", lambda x, c: pt.inc_subtensor(x[1:3], c), (4,), np.array([1.0, 2.0])),
    ("set_subtensor_value_batched", lambda x, c: pt.set_subtensor(pt.constant(np.zeros((3, 2)))[1], x), (2,),
     None),
    ("inc_advanced_both_batched", lambda x, c: pt.inc_subtensor(x[[0, 0, 2]], x[:3] * 2.0), (4,), None),
    ("inc_advanced_value_batched", lambda x, c: pt.inc_subtensor(pt.constant(np.ones((3, 2)))[[0, 0]], x),
     (2,), None),
    ("cumsum", lambda x, c: pt.cumsum(x, axis=1), (2, 3), None),
    ("roll", lambda x, c: pt.roll(x, 1, axis=0), (3, 2), None),
    ("flip", lambda x, c: pt.flip(x), (2, 3), None),
    ("split", lambda x, c: pt.split(x, [1, 2], 2, axis=1)[1] * 1.0, (2, 3), None),
    ("diagonal", lambda x, c: pt.diagonal(x, 1), (3, 3), None),
    ("set_diag_both", lambda x, c: pt.fill_diagonal(x, x[0, 0]) if hasattr(pt, "fill_diagonal") else x, (3, 3),
     None),
    ("matmul_left", lambda x, c: pt.matmul(x, c), (2, 4), M.T),
    ("matmul_right_3d", lambda x, c: pt.matmul(c, x), (4, 2), np.stack([M, M])),
    ("matmul_both", lambda x, c: pt.matmul(x, x.T), (2, 3), None),
    ("shape_i", lambda x, c: x * pt.cast(x.shape[-1], "float64"), (4,), None),
]


@pytest.mark.parametrize("name,build,core,cval", CASES, ids=[c[0] for c in CASES])
def test_vectorize_graph_matches_loop(name, build, core, cval):
    x = pt.tensor("x", dtype="float64", shape=(None,) * len(core))
    c = pt.constant(cval) if cval is not None else None
    out = build(x, c)
    X = pt.tensor("X", dtype="float64", shape=(None,) * (len(core) + 1))
    vout = vectorize_graph(out, {x: X})
    assert vout.type.ndim == out.type.ndim + 1
    xv = rng.normal(size=(4,) + core)
    f = tensorsmith.function([x], out)
    expected = np.stack([f(xv[i]) for i in range(4)])
    got = tensorsmith.function([X], vout)(xv)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    # the registered rules were used: no op was wrapped in a run-time loop
    loops = [n.op for n in toposort([vout]) if isinstance(n.op, Blockwise)]
    assert not loops, loops


def test_gufunc_ops_run_under_their_signature():
    a = pt.dmatrix("a")
    out = pt.linalg.inv(a)
    A = pt.tensor3("A")
    vout = vectorize_graph(out, {a: A})
    (node,) = [n for n in toposort([vout]) if isinstance(n.op, Blockwise)]
    assert node.op.signature == node.op.core_op.gufunc_signature.replace(" ", "")
    av = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(tensorsmith.function([A], vout)(av), np.linalg.inv(av), rtol=1e-10)


def test_generic_fallback_loops_at_run_time():
    # an op with no rule (sort) goes through Blockwise and still gives the right values
    x = pt.dvector("x")
    out = pt.sort(x) * 2.0
    X = pt.dmatrix("X")
    vout = vectorize_graph([out], {x: X})[0]
    xv = rng.normal(size=(3, 5))
    np.testing.assert_allclose(tensorsmith.function([X], vout)(xv), np.sort(xv, axis=-1) * 2.0)


def test_register_vectorize_mro_and_override():
    from tensorsmith_tensorops.shape import Reshape

    class MyReshape(Reshape):
        pass

    assert get_vectorize_rule(MyReshape) is get_vectorize_rule(Reshape)
    calls = []

    @register_vectorize(MyReshape)
    def _rule(op, node, new_inputs, nb):
        calls.append(nb)
        return None  # defer to the generic path

    x = pt.dmatrix("x")
    out = MyReshape(1)(x, pt.constant(np.array([6])))
    X = pt.tensor3("X")
    vout = vectorize_graph(out, {x: X})
    assert calls == [[1, 0]]
    xv = rng.normal(size=(2, 2, 3))
    np.testing.assert_allclose(tensorsmith.function([X], vout)(xv), xv.reshape(2, 6))


def test_vectorize_graph_rejects_fewer_dims():
    x = pt.dmatrix("x")
    with pytest.raises(ValueError, match="fewer dimensions"):
        vectorize_graph(x * 2, {x: pt.dvector("v")})


def test_unbatched_outputs_pass_through():
    x = pt.dvector("x")
    y = pt.dvector("y")
    outs = vectorize_graph([x * 2, y + 1], {x: pt.dmatrix("X")})
    assert outs[0].type.ndim == 2
    assert outs[1].owner.inputs[0] is y
