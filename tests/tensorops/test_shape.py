"""Shape ops vs NumPy: shape/shape_i/specify_shape/reshape/transpose, and
the rearranging ops (flatten, swapaxes, moveaxis, expand_dims, squeeze, broadcast_to,
broadcast_arrays, tile, repeat, pad, roll, flip, diag, diagonal, trace)."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad, compile_eval, sym_like

rng = np.random.default_rng(42)


def rand(*shape):
    return rng.normal(size=shape)


def run(inputs, out, *values):
    return compile_eval(inputs, out, list(values))


def check_op(build, ref, x, grad=True):
    """``build`` vs ``ref`` on ``x`` (value, dtype, shape), the static shape
    inferred from an input of static shape, and the gradient (non-empty ``x``)."""
    assert_op_matches(build, ref, [x])
    assert build(pt.tensor(dtype=x.dtype, shape=x.shape)).type.shape == np.shape(ref(x))
    if grad and x.size and np.size(ref(x)):
        check_grad(build, [x])


def check_infer_shape(build, values):
    """The op's ``infer_shape`` of ``build(*symbols)``, evaluated on
    ``values``, equals the shape of the computed output."""
    syms = [sym_like(v) for v in values]
    out = build(*syms)
    node = out.owner
    in_shapes = [tuple(pt.shape_i(i, k) for k in range(i.type.ndim)) for i in node.inputs]
    shapes = node.op.infer_shape(None, node, in_shapes)[node.outputs.index(out)]
    f = tensorsmith.function(syms, [out] + [pt.as_tensor_variable(s) for s in shapes], on_unused_input="ignore")
    res = f(*[np.asarray(v) for v in values])
    assert tuple(int(r) for r in res[1:]) == res[0].shape


@pytest.mark.parametrize("build,values", [
    (lambda a: pt.reshape(a, (3, -1)), [np.zeros((2, 6))]),
    (lambda a, n: pt.reshape(a, (n, -1)), [np.zeros((2, 6)), np.int64(4)]),
    (lambda a: pt.alloc(a, 4, 3), [np.zeros(3)]),
    (lambda a: pt.repeat(a, 3, 1), [np.zeros((2, 3))]),
    (lambda a, r: pt.repeat(a, r, 1), [np.zeros((2, 3)), np.array([1, 0, 4])]),
    (lambda a: pt.repeat(a, [2], 0), [np.zeros((2, 3))]),
    (lambda a: pt.pad(a, ((1, 2), (0, 3))), [np.zeros((2, 3))]),
    (lambda a, w: pt.pad(a, w, mode="wrap"), [np.zeros((2, 3)), np.array([[1, 2], [0, 3]])]),
    (lambda a: pt.roll(a, 1, 0), [np.zeros((2, 3))]),
    (lambda a: pt.flip(a, 0), [np.zeros((2, 3))]),
    (lambda a: pt.diagonal(a, 1, 0, 2), [np.zeros((3, 2, 4))]),
    (lambda a: pt.diagonal(a, -2), [np.zeros((3, 2))]),
    (lambda a: pt.diag(a, 2), [np.zeros(3)]),
    (lambda a: pt.diff(a, 2, 0), [np.zeros((3, 2))]),
    (lambda a: pt.diff(a, 5, 0), [np.zeros((3, 2))]),
    (lambda a: pt.sort(a, 0), [np.zeros((3, 2))]),
    (lambda a, b: pt.searchsorted(a, b), [np.zeros(3), np.zeros((2, 2))]),
    (lambda a, b, c: pt.arange(a, b, c), [np.float64(0.5), np.float64(3.0), np.float64(0.7)]),
    (lambda a, b, c: pt.arange(a, b, c), [np.int64(7), np.int64(-2), np.int64(-3)]),
    (lambda a, b, c: pt.arange(a, b, c), [np.int64(7), np.int64(9), np.int64(-3)]),
    (lambda n, m: pt.eye(n, m), [np.int64(3), np.int64(2)]),
])
def test_infer_shape(build, values):
    check_infer_shape(build, values)


# ---------------------------------------------------------------------------
# shape, shape_i, specify_shape
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.float64(1.0), np.zeros(0), rand(2, 3), rand(2, 1, 4)])
def test_shape(value):
    x = pt.tensor("x", dtype="float64", shape=(None,) * np.ndim(value))
    s = pt.shape(x)
    assert s.type.dtype == "int64" and s.type.shape == (np.ndim(value),)
    res = run([x], s, value)
    assert res.dtype == np.int64 and tuple(res) == np.shape(value)
    for i in range(-np.ndim(value), np.ndim(value)):
        assert run([x], pt.shape_i(x, i), value) == np.shape(value)[i]
    assert x.shape.type == s.type


def test_shape_i_static_and_errors():
    x = pt.tensor("x", shape=(3, None))
    assert pt.zeros((x.shape[0], x.shape[-1])).type.shape == (3, None)
    assert pt.zeros(x.shape).type.shape == (3, None)
    assert isinstance(pt.shape_i(x, 0), pt.TensorConstant)
    assert pt.shape_i(x, 0).data == 3
    assert pt.shape_i(x, -1).type.dtype == "int64"
    with pytest.raises(ValueError):
        pt.shape_i(x, 2)


def test_specify_shape():
    x = pt.dmatrix("x")
    y = pt.specify_shape(x, (2, None))
    assert y.type.shape == (2, None)
    f = tensorsmith.function([x], y)
    assert f(np.ones((2, 5))).shape == (2, 5)
    with pytest.raises(ValueError):
        f(np.ones((3, 5)))
    with pytest.raises(ValueError):
        pt.specify_shape(pt.tensor(shape=(3, None)), (2, None))


# ---------------------------------------------------------------------------
# reshape, flatten, transpose and friends
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,new", [((2, 3), (3, 2)), ((2, 3), (-1,)), ((2, 3, 4), (4, -1)), ((), (1, 1)),
                                       ((0, 3), (3, 0)), ((0, 3), (-1, 3)), ((6,), (1, 6, 1)), ((1,), ())])
def test_reshape(shape, new):
    x = rand(*shape)
    assert_op_matches(lambda a: pt.reshape(a, new), lambda a: np.reshape(a, new), [x])
    assert_op_matches(lambda a: a.reshape(new), lambda a: np.reshape(a, new), [x.astype("int32")])
    if 0 not in shape:
        check_grad(lambda a: pt.reshape(a, new), [x])


def test_reshape_static_and_symbolic():
    x = pt.tensor("x", shape=(2, 6))
    assert pt.reshape(x, (3, -1)).type.shape == (3, 4)
    assert pt.reshape(x, (-1,)).type.shape == (12,)
    n = pt.lscalar("n")
    y = pt.reshape(x, (n, -1))
    assert y.type.shape == (None, None)
    assert run([x, n], y, np.ones((2, 6)), 4).shape == (4, 3)
    y = pt.reshape(x, (n, 3))
    assert y.type.shape == (None, 3)
    assert run([x, n], x.reshape(n), np.ones((2, 6)), 12).shape == (12,)
    assert run([x, n], pt.reshape(x, n), np.ones((2, 6)), -1).shape == (12,)
    v = pt.lvector("v")
    y = pt.reshape(pt.dmatrix("m"), v, ndim=3)
    assert y.type.ndim == 3
    assert run([y.owner.inputs[0], v], y, np.ones((2, 6)), np.array([2, 3, 2])).shape == (2, 3, 2)
    y = pt.reshape(x, pt.shape(pt.tensor(shape=(4, 3))))
    assert y.type.shape == (4, 3)
    f = tensorsmith.function([x, n], pt.reshape(x, (n, 5)))
    with pytest.raises(ValueError):
        f(np.ones((2, 6)), 2)


@pytest.mark.parametrize("shape,new", [((2, 6), (5, -1)), ((2, 6), (5, 2)), ((2, 6), (-1, -1)), ((2, 6), (0, -1)),
                                       ((2, 6), (-2, 6))])
def test_reshape_build_errors(shape, new):
    with pytest.raises(ValueError):
        pt.reshape(pt.tensor(shape=shape), new)


def test_reshape_grad_symbolic():
    x = pt.dmatrix("x")
    n = pt.lscalar("n")
    g = pt.grad((pt.reshape(x, (n, -1)) ** 2).sum(), x)
    a = rand(2, 6)
    np.testing.assert_allclose(run([x, n], g, a, 3), 2 * a)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 0, 3)])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_flatten(shape, ndim):
    if len(shape) and ndim > len(shape):
        with pytest.raises(ValueError):
            pt.flatten(pt.tensor(shape=(None,) * len(shape)), ndim)
        return
    if not len(shape) and ndim > 1:
        return
    x = rand(*shape)
    expected = x.reshape(x.shape[:ndim - 1] + (int(np.prod(shape[ndim - 1:])),)) if len(shape) else x.reshape(1)
    assert_op_matches(lambda a: pt.flatten(a, ndim), lambda a: expected, [x])
    assert pt.flatten(pt.tensor(shape=shape), ndim).type.shape == expected.shape
    if 0 not in shape:
        check_grad(lambda a: a.flatten(ndim), [x])


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (-1, 0, 1), (2, 1, 0)])
def test_transpose(axes):
    x = rand(2, 3, 4)
    assert_op_matches(lambda a: pt.transpose(a, axes), lambda a: np.transpose(a, axes), [x])
    check_grad(lambda a: pt.transpose(a, axes), [x])
    with pytest.raises(ValueError):
        pt.transpose(pt.dtensor3(), (0, 1))


@pytest.mark.parametrize("a1,a2", [(0, 1), (0, -1), (-1, -2), (1, 1)])
def test_swapaxes(a1, a2):
    x = rand(2, 3, 4)
    assert_op_matches(lambda a: pt.swapaxes(a, a1, a2), lambda a: np.swapaxes(a, a1, a2), [x])
    assert_op_matches(lambda a: a.swapaxes(a1, a2), lambda a: np.swapaxes(a, a1, a2), [x.T])
    check_grad(lambda a: pt.swapaxes(a, a1, a2), [x])


@pytest.mark.parametrize("src,dst", [(0, -1), (-1, 0), (1, 1), ((0, 1), (-1, -2)), ((0, 2), (1, 0))])
def test_moveaxis(src, dst):
    x = rand(2, 3, 4)
    assert_op_matches(lambda a: pt.moveaxis(a, src, dst), lambda a: np.moveaxis(a, src, dst), [x])
    check_grad(lambda a: pt.moveaxis(a, src, dst), [x])
    with pytest.raises(ValueError):
        pt.moveaxis(pt.dtensor3(), 3, 0)


@pytest.mark.parametrize("shape,axis", [((), 0), ((), (0, 1)), ((3,), -1), ((2, 3), 1), ((2, 3), (0, 3)),
                                        ((2, 3), (-1, 0))])
def test_expand_dims(shape, axis):
    check_op(lambda a: pt.expand_dims(a, axis), lambda a: np.expand_dims(a, axis), rand(*shape))
    with pytest.raises(ValueError):
        pt.expand_dims(pt.tensor(shape=shape), len(shape) + 1)


@pytest.mark.parametrize("shape,axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1, 3, 1), (0, 2)),
                                        ((1,), None), ((1, 1), (0, 1)), ((3,), None)])
def test_squeeze(shape, axis):
    x = rand(*shape)
    static = pt.tensor("x", shape=shape)
    assert pt.squeeze(static, axis).type.shape == np.squeeze(x, axis).shape
    f = tensorsmith.function([static], pt.squeeze(static, axis))
    np.testing.assert_array_equal(f(x), np.squeeze(x, axis))
    if axis is not None:  # unknown static lengths: checked at run time
        assert_op_matches(lambda a: pt.squeeze(a, axis), lambda a: np.squeeze(a, axis), [x])
        check_grad(lambda a: a.squeeze(axis), [x])


def test_squeeze_errors():
    with pytest.raises(ValueError):
        pt.squeeze(pt.tensor(shape=(2, 1)), 0)
    with pytest.raises(ValueError):
        pt.squeeze(pt.tensor(shape=(2, 1)), 2)
    x = pt.dmatrix("x")
    f = tensorsmith.function([x], pt.squeeze(x, 0))
    assert f(np.ones((1, 3))).shape == (3,)
    with pytest.raises(ValueError):
        f(np.ones((2, 3)))
    # axis=None keeps axes not known to be 1 (as PyTensor)
    assert pt.squeeze(x).type.ndim == 2


def test_atleast():
    s = pt.dscalar()
    assert pt.atleast_1d(s).type.shape == (1,)
    assert pt.atleast_2d(pt.dvector()).type.shape == (1, None)
    assert pt.atleast_3d(pt.dvector()).type.shape == (1, None, 1)
    assert pt.atleast_3d(pt.dmatrix()).type.shape == (None, None, 1)
    assert len(pt.atleast_2d(s, pt.dvector())) == 2


# ---------------------------------------------------------------------------
# broadcasting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((1, 3), (4, 3)), ((2, 1), (2, 5)), ((), (2, 2)),
                                          ((1,), (3, 1, 4)), ((0,), (2, 0)), ((2, 3), (2, 3))])
def test_broadcast_to(shape, target):
    check_op(lambda a: pt.broadcast_to(a, target), lambda a: np.broadcast_to(a, target), rand(*shape))


def test_broadcast_to_symbolic_and_errors():
    x = pt.dvector("x")
    n = pt.lscalar("n")
    y = pt.broadcast_to(x, (n, 3))
    assert y.type.shape == (None, 3)
    np.testing.assert_array_equal(run([x, n], y, np.arange(3.0), 2), np.broadcast_to(np.arange(3.0), (2, 3)))
    y = pt.broadcast_to(x, pt.shape(pt.dmatrix("m")))
    assert y.type.ndim == 2
    with pytest.raises(ValueError):
        pt.broadcast_to(pt.tensor(shape=(3,)), (2, 4))
    f = tensorsmith.function([x, n], pt.broadcast_to(x, (n, 3)))
    with pytest.raises(ValueError):
        f(np.ones(2), 2)
    g = pt.grad(pt.broadcast_to(x, (n, 3)).sum(), x)
    np.testing.assert_allclose(run([x, n], g, np.ones(3), 4), np.full(3, 4.0))


def test_broadcast_arrays_and_shape():
    a, b = rand(3, 1), rand(4)
    xa, xb = pt.dmatrix("a"), pt.dvector("b")
    outs = pt.broadcast_arrays(xa, xb)
    res = run([xa, xb], outs, a, b)
    for r, e in zip(res, np.broadcast_arrays(a, b)):
        np.testing.assert_array_equal(r, e)
    shp = pt.broadcast_shape(pt.tensor(shape=(3, 1)), pt.tensor(shape=(4,)))
    assert [int(s.data) for s in shp] == [3, 4]
    shp = pt.broadcast_shape((2, 1), (1, 5), arrays_are_shapes=True)
    assert [int(s.data) for s in shp] == [2, 5]
    with pytest.raises(ValueError):
        pt.broadcast_arrays(pt.tensor(shape=(3,)), pt.tensor(shape=(4,)))


# ---------------------------------------------------------------------------
# tile, repeat
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,reps", [((3,), 2), ((3,), (2, 2)), ((2, 3), (1, 3)), ((2, 3), 2), ((), (2, 3)),
                                        ((2, 3), (2, 1, 2)), ((2, 0), (2, 2)), ((2, 3), (0, 1))])
def test_tile(shape, reps):
    check_op(lambda a: pt.tile(a, reps), lambda a: np.tile(a, reps), rand(*shape))


def test_tile_symbolic_reps():
    x = pt.dmatrix("x")
    r = pt.lscalar("r")
    a = rand(2, 3)
    np.testing.assert_array_equal(run([x, r], pt.tile(x, (r, 2)), a, 3), np.tile(a, (3, 2)))
    with pytest.raises(ValueError):
        pt.tile(x, (-1, 2))


@pytest.mark.parametrize("shape,repeats,axis", [((3,), 2, None), ((2, 3), 2, None), ((2, 3), 2, 0), ((2, 3), 3, -1),
                                                ((2, 3), [1, 0, 2], 1), ((2, 3), [2, 1], 0), ((), 3, None),
                                                ((0, 3), 2, 0), ((2, 3), [2], 1), ((2, 3), 0, 1)])
def test_repeat(shape, repeats, axis):
    x = rand(*shape)
    check_op(lambda a: pt.repeat(a, repeats, axis), lambda a: np.repeat(a, repeats, axis), x)
    assert_op_matches(lambda a: a.repeat(repeats, axis), lambda a: np.repeat(a, repeats, axis),
                      [(x * 10).astype("int16")])


def test_repeat_symbolic_and_errors():
    x = pt.dmatrix("x")
    r = pt.lvector("r")
    a = rand(2, 3)
    np.testing.assert_array_equal(run([x, r], pt.repeat(x, r, 1), a, np.array([0, 3, 1])),
                                  np.repeat(a, [0, 3, 1], 1))
    g = pt.grad((pt.repeat(x, r, 1) * 2).sum(), x)
    np.testing.assert_allclose(run([x, r], g, a, np.array([0, 3, 1])), np.tile([0.0, 6.0, 2.0], (2, 1)))
    f = tensorsmith.function([x, r], pt.repeat(x, r, 1))
    with pytest.raises(ValueError):
        f(a, np.array([1, 2]))
    with pytest.raises(ValueError):
        pt.repeat(pt.tensor(shape=(2, 3)), [1, 2], 1)
    with pytest.raises(TypeError):
        pt.repeat(x, 1.5, 0)
    with pytest.raises(ValueError):
        pt.repeat(x, 2, 2)


# ---------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("shape,pw", [((4,), 2), ((4,), (1, 3)), ((3, 4), ((1, 2), (0, 3))), ((3, 4), ((2,), (1,))),
                                      ((2, 3), 0), ((3, 4, 5), ((1, 0), (0, 0), (2, 2)))])
def test_pad(mode, shape, pw):
    check_op(lambda a: pt.pad(a, pw, mode=mode), lambda a: np.pad(a, pw, mode=mode), rand(*shape))


def test_pad_constant_values_and_dtypes():
    x = rand(3, 4)
    assert_op_matches(lambda a: pt.pad(a, 1, constant_values=2.5), lambda a: np.pad(a, 1, constant_values=2.5), [x])
    xi = np.arange(6, dtype="int8").reshape(2, 3)
    assert_op_matches(lambda a: pt.pad(a, (1, 2), constant_values=7),
                      lambda a: np.pad(a, (1, 2), constant_values=7), [xi])
    assert_op_matches(lambda a: pt.pad(a, 1, mode="reflect"), lambda a: np.pad(a, 1, mode="reflect"), [xi])
    # gradient with respect to the fill value
    check_grad(lambda a, c: pt.pad(a, ((1, 0), (2, 1)), constant_values=c), [x, np.float64(0.3)])


def test_pad_symbolic_width_and_errors():
    x = pt.dmatrix("x")
    w = pt.lmatrix("w")
    a = rand(2, 3)
    pw = np.array([[1, 0], [2, 1]])
    np.testing.assert_array_equal(run([x, w], pt.pad(x, w, mode="edge"), a, pw), np.pad(a, pw, mode="edge"))
    k = pt.lscalar("k")
    np.testing.assert_array_equal(run([x, k], pt.pad(x, k), a, 2), np.pad(a, 2))
    with pytest.raises(ValueError):
        pt.pad(x, 1, mode="bogus")
    with pytest.raises(ValueError):
        pt.pad(x, ((1, 2, 3),))
    with pytest.raises(ValueError):
        pt.pad(x, -1)
    with pytest.raises(TypeError):
        pt.pad(x, 1, mode="edge", constant_values=1)
    f = tensorsmith.function([x], pt.pad(x, 1, mode="reflect"))
    with pytest.raises(ValueError):
        f(np.zeros((0, 3)))


# ---------------------------------------------------------------------------
# roll, flip
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,shift,axis", [((5,), 2, None), ((5,), -7, 0), ((2, 3), 1, None), ((2, 3), 4, 1),
                                              ((2, 3, 4), (1, -1), (0, 2)), ((2, 3), 1, -1), ((0, 3), 1, 1),
                                              ((), 3, None)])
def test_roll(shape, shift, axis):
    check_op(lambda a: pt.roll(a, shift, axis), lambda a: np.roll(a, shift, axis), rand(*shape))


def test_roll_symbolic_shift():
    x = pt.dmatrix("x")
    s = pt.iscalar("s")
    a = rand(3, 4)
    np.testing.assert_array_equal(run([x, s], pt.roll(x, s, 1), a, -3), np.roll(a, -3, 1))
    g = pt.grad((pt.roll(x, s, 1) * pt.constant(np.arange(12.0).reshape(3, 4))).sum(), x)
    np.testing.assert_array_equal(run([x, s], g, a, 1), np.roll(np.arange(12.0).reshape(3, 4), -1, 1))


@pytest.mark.parametrize("shape,axis", [((5,), None), ((2, 3), None), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), (0, 2)),
                                        ((), None), ((0, 2), 1)])
def test_flip(shape, axis):
    check_op(lambda a: pt.flip(a, axis), lambda a: np.flip(a, axis), rand(*shape))


# ---------------------------------------------------------------------------
# diag, diagonal, trace
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,k", [((3,), 0), ((3,), 2), ((3,), -1), ((0,), 0), ((3, 3), 0), ((3, 4), 1),
                                     ((4, 3), -2), ((2, 3), 5), ((1,), -3)])
def test_diag(shape, k):
    check_op(lambda a: pt.diag(a, k), lambda a: np.diag(a, k), rand(*shape))
    with pytest.raises(ValueError):
        pt.diag(pt.dtensor3())


@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 4), 0, 0, 1), ((3, 4), 1, 0, 1), ((3, 4), -2, 1, 0),
                                                ((2, 3, 4), 0, 0, 2), ((2, 3, 4), 1, -1, -2), ((3, 3), 7, 0, 1),
                                                ((2, 0), 0, 0, 1)])
def test_diagonal_trace(shape, offset, a1, a2):
    x = rand(*shape)
    assert_op_matches(lambda a: pt.diagonal(a, offset, a1, a2), lambda a: np.diagonal(a, offset, a1, a2), [x])
    assert_op_matches(lambda a: a.diagonal(offset, a1, a2), lambda a: np.diagonal(a, offset, a1, a2), [x.T])
    assert pt.diagonal(pt.tensor(shape=shape), offset, a1, a2).type.shape == np.diagonal(x, offset, a1, a2).shape
    assert_op_matches(lambda a: pt.trace(a, offset, a1, a2), lambda a: np.trace(a, offset, a1, a2), [x])
    xi = (x * 10).astype("int32")
    assert_op_matches(lambda a: pt.trace(a, offset, a1, a2), lambda a: np.trace(a, offset, a1, a2), [xi])
    if x.size:
        check_grad(lambda a: pt.diagonal(a, offset, a1, a2), [x])
        check_grad(lambda a: pt.trace(a, offset, a1, a2), [x])


def test_diagonal_errors_and_method():
    with pytest.raises(ValueError):
        pt.diagonal(pt.dvector())
    with pytest.raises(ValueError):
        pt.diagonal(pt.dmatrix(), 0, 1, 1)
    x = pt.dmatrix("x")
    np.testing.assert_allclose(run([x], x.trace(), np.arange(9.0).reshape(3, 3)), 12.0)


# ---------------------------------------------------------------------------
# shape_padaxis, shape_tuple, specify_broadcastable, matrix_transpose,
# fill_diagonal, unravel_index, ravel_multi_index
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_shape_padaxis(axis):
    x = rand(2, 3)
    assert_op_matches(lambda a: pt.shape_padaxis(a, axis), lambda a: np.expand_dims(a, axis), [x])
    with pytest.raises(IndexError):
        pt.shape_padaxis(pt.dmatrix(), 3)


def test_shape_tuple_specify_broadcastable():
    x = pt.tensor("x", shape=(2, None))
    st = pt.shape_tuple(x)
    assert len(st) == 2 and int(st[0].data) == 2
    assert run([x], st[1], np.ones((2, 5))) == 5
    y = pt.specify_broadcastable(pt.dmatrix("m"), 0)
    assert y.type.shape == (1, None)
    f = tensorsmith.function([y.owner.inputs[0]], y)
    with pytest.raises(ValueError):
        f(np.ones((2, 2)))
    with pytest.raises(ValueError):
        pt.specify_broadcastable(pt.dmatrix(), 2)


def test_matrix_transpose():
    x = rand(2, 3, 4)
    assert_op_matches(pt.matrix_transpose, lambda a: np.swapaxes(a, -1, -2), [x])
    with pytest.raises(ValueError):
        pt.matrix_transpose(pt.dvector())


@pytest.mark.parametrize("shape,offset", [((3, 3), 0), ((3, 5), 0), ((5, 3), 0), ((3, 4), 1), ((4, 3), -2)])
def test_fill_diagonal(shape, offset):
    x = rand(*shape)

    def ref(a, v):
        out = a.copy()
        i, j = np.diag_indices(min(shape))
        if offset >= 0:
            n = max(0, min(shape[0], shape[1] - offset))
            out[np.arange(n), np.arange(n) + offset] = v
        else:
            n = max(0, min(shape[0] + offset, shape[1]))
            out[np.arange(n) - offset, np.arange(n)] = v
        return out

    assert_op_matches(lambda a, v: pt.fill_diagonal_offset(a, v, offset), ref, [x, np.float64(7.0)])
    if offset == 0:
        def np_fill(a, v):
            out = a.copy()
            np.fill_diagonal(out, v)
            return out

        assert_op_matches(pt.fill_diagonal, np_fill, [x, np.float64(7.0)])
    check_grad(lambda a, v: pt.fill_diagonal_offset(a, v, offset), [x, np.float64(0.5)])
    with pytest.raises(ValueError):
        pt.fill_diagonal(pt.dtensor3(), 1.0)
    with pytest.raises(ValueError):
        pt.fill_diagonal(pt.dmatrix(), pt.dvector())


@pytest.mark.parametrize("order", ["C", "F"])
def test_unravel_ravel(order):
    dims = (3, 4, 2)
    idx = np.array([[0, 5], [23, 7]])
    res = pt.unravel_index(idx, dims, order=order)
    expected = np.unravel_index(idx, dims, order=order)
    assert len(res) == 3
    for r, e in zip(res, expected):
        assert r.type.shape == (2, 2)
        np.testing.assert_array_equal(run([], r), e)
    out = pt.ravel_multi_index(expected, dims, order=order)
    np.testing.assert_array_equal(run([], out), idx)
    i = pt.lvector("i")
    d = pt.lscalar("d")
    r = pt.unravel_index(i, (d, 4))
    np.testing.assert_array_equal(run([i, d], list(r), np.array([1, 9]), 3), np.unravel_index([1, 9], (3, 4)))
    f = tensorsmith.function([i], pt.unravel_index(i, dims)[0])
    with pytest.raises(ValueError):
        f(np.array([24]))
    assert_op_matches(lambda a, b: pt.ravel_multi_index((a, b), (2, 3), mode="clip"),
                      lambda a, b: np.ravel_multi_index((a, b), (2, 3), mode="clip"),
                      [np.array([0, 5]), np.array([-1, 2])])
    with pytest.raises(TypeError):
        pt.unravel_index(pt.dvector(), dims)


# ---------------------------------------------------------------------------
# forward mode (R-op) of the linear shape ops
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda a: pt.alloc(a, 2, 3, 4),
    lambda a: pt.broadcast_to(a, (2, 3, 4)),
    lambda a: pt.repeat(a, 2, 0),
    lambda a: pt.pad(a, 1, mode="reflect"),
    lambda a: pt.pad(a, ((1, 0), (0, 2)), constant_values=0.0),
    lambda a: pt.roll(a, 2, 1),
    lambda a: pt.flip(a, 0),
    lambda a: pt.diagonal(a, 1),
    lambda a: pt.fill_diagonal(a, 3.0),
    lambda a: pt.reshape(a, (-1,)),
    lambda a: pt.tile(a, (2, 1)),
    lambda a: pt.sort(a, 0),
    lambda a: pt.diff(a, 1, -1),
])
def test_rop_matches_finite_difference(build):
    x = rand(3, 4)
    t = rand(3, 4)
    xs = pt.dmatrix("x")
    ts = pt.dmatrix("t")
    out = build(xs)
    jv = tensorsmith.Rop(out, xs, ts)
    f = tensorsmith.function([xs, ts], jv, on_unused_input="ignore")
    fwd = tensorsmith.function([xs], out)
    eps = 1e-6
    num = (fwd(x + eps * t) - fwd(x - eps * t)) / (2 * eps)
    np.testing.assert_allclose(f(x, t), num, rtol=1e-5, atol=1e-6)


def test_broadcast_unknown_one_and_zero():
    a, b = pt.dvector("a"), pt.dvector("b")
    outs = pt.broadcast_arrays(a, b)
    res = run([a, b], outs, np.ones(1), np.zeros(0))
    assert res[0].shape == (0,) and res[1].shape == (0,)
    res = run([a, b], outs, np.ones(3), np.ones(1))
    assert res[0].shape == (3,) and res[1].shape == (3,)


def test_symbolic_vector_reps_and_shapes():
    x = pt.dmatrix("x")
    r = pt.lvector("r", shape=(2,))
    a = rand(2, 3)
    np.testing.assert_array_equal(run([x, r], pt.tile(x, r), a, np.array([2, 3])), np.tile(a, (2, 3)))
    np.testing.assert_array_equal(run([x, r], pt.broadcast_to(x[0], r), a, np.array([4, 3])),
                                  np.broadcast_to(a[0], (4, 3)))


def test_randomized_pad_tile_repeat_roll():
    """Random shapes, widths, reps and shifts (seeded) against NumPy, with
    gradients for a few of them."""
    r = np.random.default_rng(123)
    for trial in range(12):
        nd = int(r.integers(1, 4))
        shape = tuple(int(s) for s in r.integers(1, 4, size=nd))
        x = r.normal(size=shape)
        pw = [tuple(int(v) for v in r.integers(0, 3, size=2)) for _ in range(nd)]
        mode = ["constant", "edge", "reflect", "symmetric", "wrap"][trial % 5]
        reps = tuple(int(v) for v in r.integers(1, 3, size=int(r.integers(1, nd + 2))))
        axis = int(r.integers(-nd, nd))
        rep = r.integers(0, 3, size=shape[axis])
        shift = int(r.integers(-5, 6))
        assert_op_matches(lambda a: pt.pad(a, pw, mode=mode), lambda a: np.pad(a, pw, mode=mode), [x])
        assert_op_matches(lambda a: pt.tile(a, reps), lambda a: np.tile(a, reps), [x])
        assert_op_matches(lambda a: pt.repeat(a, rep, axis), lambda a: np.repeat(a, rep, axis), [x])
        assert_op_matches(lambda a: pt.roll(a, shift, axis), lambda a: np.roll(a, shift, axis), [x])
        if trial < 4:
            check_grad(lambda a: pt.pad(a, pw, mode=mode), [x])
            check_grad(lambda a: pt.repeat(a, rep, axis), [x])


@pytest.mark.parametrize("mode,kw", [("mean", {}), ("maximum", {"stat_length": 1}),
                                     ("minimum", {"stat_length": ((1, 2), (2, 1))}), ("median", {}),
                                     ("linear_ramp", {"end_values": (1, 2)}),
                                     ("reflect", {"reflect_type": "odd"}), ("symmetric", {"reflect_type": "even"})])
def test_pad_statistic_modes(mode, kw):
    x = rand(3, 4)
    pw = ((1, 2), (0, 3))
    assert_op_matches(lambda a: pt.pad(a, pw, mode=mode, **kw), lambda a: np.pad(a, pw, mode=mode, **kw), [x])
    xs = pt.dmatrix("x")
    out = pt.pad(xs, pw, mode=mode, **kw).sum()
    if mode == "symmetric":
        check_grad(lambda a: pt.pad(a, pw, mode=mode, **kw), [x])
    else:
        with pytest.raises(NotImplementedError):
            pt.grad(out, xs)
    with pytest.raises(TypeError):
        pt.pad(xs, 1, mode=mode, bogus=1)
