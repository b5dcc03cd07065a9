"""join / concatenate / stack / split and the h/v/d/column stacks against NumPy."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt

from .utils import assert_op_matches, check_grad, compile_eval

rng = np.random.default_rng(7)
A = rng.normal(size=(2, 3))
B = rng.normal(size=(4, 3))
C = rng.normal(size=(2, 5))


@pytest.mark.parametrize("axis", [0, -2])
def test_join_axis0(axis):
    assert_op_matches(lambda a, b: pt.join(axis, a, b), lambda a, b: np.concatenate([a, b], axis=axis), [A, B])


@pytest.mark.parametrize("axis", [1, -1])
def test_concatenate_axis1(axis):
    assert_op_matches(lambda a, c: pt.concatenate([a, c, a], axis=axis),
                      lambda a, c: np.concatenate([a, c, a], axis=axis), [A, C])


@pytest.mark.parametrize("dts", [("int8", "float32"), ("int32", "float32"), ("uint8", "int8"), ("bool", "int16"),
                                 ("float32", "complex64"), ("int64", "uint64"), ("bool", "bool")])
def test_dtype_promotion(dts):
    vals = [(A * 3).astype(dts[0]), (B * 3).astype(dts[1])]
    assert_op_matches(lambda a, b: pt.concatenate([a, b]), lambda a, b: np.concatenate([a, b]), vals)
    assert_op_matches(lambda a, b: pt.stack([a, b[:2]], axis=1), lambda a, b: np.stack([a, b[:2]], axis=1), vals)


def test_python_scalars_adapt():
    x = pt.fscalar("x")
    assert pt.stack([x, 1.0]).dtype == "float32"
    assert pt.stack([x, 1]).dtype == "float32"
    assert pt.stack([1, 2]).dtype == "int64"
    assert pt.stack([pt.bscalar(), 1]).dtype == "int8"
    assert pt.stack([pt.bscalar(), 1000]).dtype == "int64"  # does not fit: promotes as NumPy
    i = pt.lscalar("i")
    v = pt.as_tensor_variable([i, 3])
    assert v.type.shape == (2,) and v.dtype == "int64"
    np.testing.assert_array_equal(compile_eval([i], v, [5]), [5, 3])


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(axis):
    assert_op_matches(lambda a, b, c: pt.stack([a, b, c], axis=axis),
                      lambda a, b, c: np.stack([a, b, c], axis=axis), [A, A * 2, A - 1])


def test_stack_scalars_and_static_shapes():
    a, b = pt.dscalars("a", "b")
    out = pt.stack([a, b, a])
    assert out.type.shape == (3,)
    np.testing.assert_array_equal(compile_eval([a, b], out, [1.0, 2.0]), [1.0, 2.0, 1.0])
    x = pt.tensor("x", shape=(2, None))
    y = pt.tensor("y", shape=(None, 3))
    assert pt.stack([x, y], axis=-1).type.shape == (2, 3, 2)
    assert pt.concatenate([x, y]).type.shape == (None, 3)
    z = pt.tensor("z", shape=(4, 3))
    w = pt.tensor("w", shape=(2, 3))
    assert pt.concatenate([z, w]).type.shape == (6, 3)
    assert pt.join(1, z, z).type.shape == (4, 6)


def test_join_single_and_empty():
    x = pt.matrix("x")
    assert pt.join(0, x) is x
    assert_op_matches(lambda a, b: pt.concatenate([a, b]), lambda a, b: np.concatenate([a, b]),
                      [np.zeros((0, 3)), B])


def test_join_errors():
    x = pt.tensor("x", shape=(2, 3))
    y = pt.tensor("y", shape=(2, 4))
    with pytest.raises(ValueError, match="same length along axis 1"):
        pt.concatenate([x, y])
    with pytest.raises(ValueError, match="same number of dimensions"):
        pt.concatenate([x, pt.vector()])
    with pytest.raises(ValueError, match="out of range"):
        pt.concatenate([x, x], axis=2)
    with pytest.raises(ValueError, match="zero-dimensional"):
        pt.concatenate([pt.scalar(), pt.scalar()])
    with pytest.raises(TypeError):
        pt.concatenate(x)
    with pytest.raises(TypeError, match="known"):
        pt.join(pt.lscalar(), x, x)
    a, b = pt.matrices("a", "b")
    with pytest.raises(ValueError, match="Join"):
        compile_eval([a, b], pt.concatenate([a, b]), [A, C])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_split(axis):
    x = pt.tensor3("x")
    xv = rng.normal(size=(5, 5, 5))
    sizes = [2, 0, 3]
    parts = pt.split(x, sizes, 3, axis=axis)
    got = compile_eval([x], parts, [xv])
    exp = np.split(xv, np.cumsum(sizes)[:-1], axis=axis)
    for g, e in zip(got, exp):
        np.testing.assert_array_equal(g, e)
        assert g.dtype == e.dtype


def test_split_symbolic_sizes_and_static_shapes():
    x = pt.tensor("x", shape=(6, None))
    parts = pt.split(x, [1, 5], 2)
    assert [p.type.shape for p in parts] == [(1, None), (5, None)]
    s = pt.lvector("s")
    parts = pt.split(pt.matrix("m"), s, 2, axis=1)
    m = parts[0].owner.inputs[0]
    got = compile_eval([m, s], parts, [C, np.array([4, 1])])
    np.testing.assert_array_equal(got[0], C[:, :4])
    np.testing.assert_array_equal(got[1], C[:, 4:])
    with pytest.raises(ValueError, match="Split"):
        compile_eval([m, s], parts, [C, np.array([4, 4])])
    one = pt.split(x, [6], 1)
    assert one.type.shape == (6, None)
    with pytest.raises(ValueError, match="add up"):
        pt.split(x, [2, 2], 2)
    with pytest.raises(ValueError):
        pt.split(x, [2, 2], 3)


def test_split_infer_shape():
    m = pt.matrix("m")
    s = pt.lvector("s")
    parts = pt.split(m, s, 2, axis=1)
    node = parts[0].owner
    shapes = node.op.infer_shape(None, node, [(m.shape[0], m.shape[1]), (2,)])
    got = compile_eval([m, s], [shapes[1][0], shapes[1][1]], [C, np.array([4, 1])])
    assert [int(v) for v in got] == [2, 1]


def test_stacks():
    v = rng.normal(size=3)
    w = rng.normal(size=3)
    for name in ("hstack", "vstack", "dstack", "column_stack"):
        assert_op_matches(lambda a, b, n=name: getattr(pt, n)([a, b]),
                          lambda a, b, n=name: getattr(np, n)([a, b]), [v, w])
        assert_op_matches(lambda a, b, n=name: getattr(pt, n)([a, b]),
                          lambda a, b, n=name: getattr(np, n)([a, b]), [A, A + 1])
    assert_op_matches(lambda a, b: pt.horizontal_stack(a, b), lambda a, b: np.hstack([a, b]), [A, C])
    assert_op_matches(lambda a, b: pt.vertical_stack(a, b), lambda a, b: np.vstack([a, b]), [A, B])
    assert_op_matches(lambda a, b: pt.vertical_stack(a, b), lambda a, b: np.vstack([a, b]), [v, A])
    assert_op_matches(lambda a, b: pt.column_stack([a, b]), lambda a, b: np.column_stack([a, b]),
                      [rng.normal(size=2), A])


# ---------------------------------------------------------------------------
# gradients and tangents
# ---------------------------------------------------------------------------


def test_grad_join():
    check_grad(lambda a, b: pt.concatenate([a, b, a], axis=0), [A, B])
    check_grad(lambda a, c: pt.concatenate([a, c], axis=-1), [A, C])


def test_grad_stack():
    check_grad(lambda a, b: pt.stack([a, b], axis=1), [A, A + 1])
    check_grad(lambda a, b: pt.stack([a.sum(), b[0, 0]]), [A, B])


def test_grad_split():
    def build(x):
        a, b, c = pt.split(x, [1, 2, 2], 3, axis=1)
        return pt.concatenate([c * 2, a ** 2], axis=1)  # b unused: zero gradient

    check_grad(build, [C])


def test_grad_mixed_dtypes():
    x = pt.fvector("x")
    i = pt.lvector("i")
    out = pt.concatenate([x, i])
    assert out.dtype == "float64"
    g = pt.grad(out.sum(), x)
    assert g.dtype == "float32"
    np.testing.assert_array_equal(compile_eval([x, i], g, [np.ones(2, "float32"), np.arange(3)]), np.ones(2))


def test_jvp_join_split():
    from tensorsmith_autodiff import pushforward

    x = pt.vector("x")
    y = pt.vector("y")
    tx = pt.vector("tx")
    out = pt.concatenate([x, y])
    (jv,) = pushforward([out], [x], [tx])
    got = compile_eval([x, y, tx], jv, [np.ones(2), np.ones(3), np.array([4.0, 5.0])])
    np.testing.assert_array_equal(got, [4, 5, 0, 0, 0])
    a, b = pt.split(x, [1, 1], 2)
    (jb,) = pushforward([b], [x], [tx])
    np.testing.assert_array_equal(compile_eval([x, tx], jb, [np.ones(2), np.array([4.0, 5.0])]), [5.0])
