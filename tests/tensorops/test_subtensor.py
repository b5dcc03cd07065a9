"""Indexing (``x[idx]``, set/inc_subtensor, take, take_along_axis) against NumPy."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt

from .utils import assert_op_matches, check_grad, compile_eval, sym_like

rng = np.random.default_rng(42)
A1 = rng.normal(size=7)
A2 = rng.normal(size=(4, 5))
A3 = rng.normal(size=(3, 4, 5))


def _run(xv, idx, static_shape=False):
    """``x[idx]`` compiled and run; checks value, dtype, shape and that the
    static shape agrees with the result."""
    x = sym_like(xv, "x", static_shape=static_shape)
    out = x[idx]
    res = compile_eval([x], out, [xv])
    expected = xv[idx]
    assert res.shape == expected.shape, (res.shape, expected.shape)
    assert res.dtype == expected.dtype
    np.testing.assert_array_equal(res, expected)
    for s, r in zip(out.type.shape, res.shape):
        assert s is None or s == r, (out.type.shape, res.shape)
    assert out.type.ndim == expected.ndim
    return out


BASIC_1D = [0, -1, 6, -7, slice(None), slice(2, 5), slice(None, None, -1), slice(5, 1, -2), slice(-3, None),
            slice(10, 20), slice(3, 3), slice(None, None, 3), slice(-100, 100), None, Ellipsis, (None, 2),
            (Ellipsis, None), (slice(1, None), None), ()]
BASIC_2D = [1, -2, (1, 2), (-1, -1), (slice(None), 0), (slice(1, 3), slice(None, None, -1)), (None, 1),
            (Ellipsis, 0), (0, Ellipsis), (None, slice(None), None, 2), (slice(4, 0, -1), slice(-2, None)),
            (slice(2, 2), slice(None)), (np.int32(1), np.int64(-1)), (Ellipsis, None)]
BASIC_3D = [(0, 1, 2), (Ellipsis, 1), (1, Ellipsis, 2), (slice(None), None, 1, slice(None, None, -2)),
            (-1, slice(1, 3)), (slice(None), slice(None), slice(None)), (None, None, 0)]


@pytest.mark.parametrize("idx", BASIC_1D, ids=repr)
def test_basic_1d(idx):
    _run(A1, idx)
    _run(A1, idx, static_shape=True)


@pytest.mark.parametrize("idx", BASIC_2D, ids=repr)
def test_basic_2d(idx):
    _run(A2, idx)
    _run(A2, idx, static_shape=True)


@pytest.mark.parametrize("idx", BASIC_3D, ids=repr)
def test_basic_3d(idx):
    _run(A3, idx)
    _run(A3, idx, static_shape=True)


def test_static_shape_of_constant_slices():
    x = pt.tensor("x", shape=(10, None, 4))
    assert x[2:5].type.shape == (3, None, 4)
    assert x[::-3, 1:, None].type.shape == (4, None, 1, 4)
    assert x[..., 0].type.shape == (10, None)
    assert x[:, :].type.shape == (10, None, 4)
    assert x[20:].type.shape == (0, None, 4)


def test_basic_indexing_is_subtensor_view():
    x = pt.matrix("x")
    assert isinstance(x[1:, 0].owner.op, pt.Subtensor)
    assert isinstance(x[[1]].owner.op, pt.AdvancedSubtensor)


ADVANCED = [
    (A1, [0, 3, 3, -1]),
    (A1, np.array([[0, 1], [6, -7]])),
    (A1, []),
    (A1, A1 > 0),
    (A1, np.zeros(7, bool)),
    (A2, [2, 0]),
    (A2, (slice(None), [4, 0, 0])),
    (A2, ([0, 1], [1, 2])),
    (A2, ([[0], [3]], [1, 2, 4])),
    (A2, (A2 > 0)),
    (A2, (A2[:, 0] > 0, slice(1, 3))),
    (A2, (slice(None, None, -1), A2[0] > 0)),
    (A2, (Ellipsis, [1, 1])),
    (A2, (None, [1, 2], None)),
    (A2, (1, [0, 2])),
    (A3, (slice(None), [0, 1], [1, 2])),       # adjacent: in place
    (A3, ([0, 1], slice(None), [1, 2])),       # separated: advanced dims first
    (A3, (0, slice(None), [1, 2])),            # int counts as advanced: first
    (A3, (slice(None), 0, [1, 2])),            # adjacent int + array
    (A3, ([0, 2], None, [1, 1])),              # None separates
    (A3, (A3[..., 0] > 0, [0])),
    (A3, (A3[0] > 0)[None].repeat(3, 0)),
    (A3, (Ellipsis, [4, -5])),
    (A3, (np.array(True))),
    (A3, (slice(1, None), A3[0, :, 0] > 0, slice(None, None, -1))),
]


@pytest.mark.parametrize("xv,idx", ADVANCED, ids=[f"{a.ndim}d-{k}" for k, (a, _) in enumerate(ADVANCED)])
def test_advanced(xv, idx):
    _run(xv, idx)
    _run(xv, idx, static_shape=True)


def test_advanced_static_shapes():
    x = pt.tensor("x", shape=(3, 4, 5))
    assert x[:, [0, 1], [1, 2]].type.shape == (3, 2)
    assert x[:, [0, 1]].type.shape == (3, 2, 5)
    assert x[[0, 1], :, [1, 2]].type.shape == (2, 4)
    assert x[0, :, [1, 2, 3]].type.shape == (3, 4)
    m = pt.tensor("m", dtype="bool", shape=(3, 4))
    assert x[m].type.shape == (None, 5)
    assert x[np.ones((3, 4), bool)].type.shape == (12, 5)


def test_symbolic_indices():
    x = pt.tensor3("x")
    i, j = pt.lscalars("i", "j")
    k = pt.scalar("k", dtype="int32")
    v = pt.lvector("v")
    m = pt.tensor("m", dtype="bool", shape=(None, None))
    outs = [x[i], x[i:j], x[::k], x[j:i:-1, k], x[:, v], x[m], x[i, v, ::-1], x[..., v, None], x[-i]]
    f = tensorsmith.function([x, i, j, k, v, m], outs)
    vv = np.array([2, 0, -1, 3])
    mv = A3[..., 0] > 0
    got = f(A3, 1, 3, np.int32(2), vv, mv)
    exp = [A3[1], A3[1:3], A3[::2], A3[3:1:-1, 2], A3[:, vv], A3[mv], A3[1, vv, ::-1], A3[..., vv, None],
           A3[-1]]
    for g, e in zip(got, exp):
        assert g.shape == e.shape
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("start,stop,step", [(None, None, -1), (1, None, -2), (-2, None, -1), (5, -100, -3),
                                             (None, 3, 2), (-3, -1, 1), (8, 2, None), (-100, 100, 4)])
def test_symbolic_slice_lengths_and_infer_shape(start, stop, step):
    x = pt.vector("x")
    a, b, c = pt.lscalars("a", "b", "c")
    parts = [None if p is None else s for p, s in zip((start, stop, step), (a, b, c))]
    out = x[slice(*parts)]
    node = out.owner
    shp = node.op.infer_shape(None, node, [(x.shape[0],)])[0]
    vals = [0 if p is None else p for p in (start, stop, step)]
    f = tensorsmith.function([x, a, b, c], [out, shp[0]], on_unused_input="ignore")
    res, n = f(A1, *vals)
    np.testing.assert_array_equal(res, A1[start:stop:step])
    assert int(n) == len(A1[start:stop:step])


def test_empty_results_and_empty_arrays():
    _run(np.zeros((0, 3)), (slice(None), 1))
    _run(np.zeros((0, 3)), (np.zeros(0, bool),))
    _run(A2, (slice(3, 1), [0, 1]))
    _run(np.zeros((2, 0)), (1,))


def test_dtypes_preserved():
    for dt in ("int8", "uint16", "float32", "bool", "complex64"):
        xv = (rng.normal(size=(3, 4)) * 3).astype(dt)
        _run(xv, (slice(None), [0, 2]))
        _run(xv, (1, slice(None, None, -1)))


def test_non_contiguous_input():
    xv = A3.transpose(2, 0, 1)[::2]
    _run(xv, (slice(None), [0, 2], 1))
    _run(xv, (Ellipsis, 1))


def test_iteration_and_len():
    x = pt.tensor("x", shape=(3, 2))
    parts = list(x)
    assert len(parts) == 3
    np.testing.assert_array_equal(compile_eval([x], parts, [A2[:3, :2]])[2], A2[2, :2])


# ---------------------------------------------------------------------------
# build-time errors
# ---------------------------------------------------------------------------


def test_too_many_indices():
    x = pt.matrix("x")
    with pytest.raises(IndexError, match="2-dimensional"):
        x[0, 1, 2]
    with pytest.raises(IndexError, match="2-dimensional"):
        x[0, :, None, 1]
    with pytest.raises(IndexError, match="2-dimensional"):
        x[np.ones((2, 2, 2), bool)]


def test_out_of_range_constant():
    x = pt.tensor("x", shape=(3, None))
    with pytest.raises(IndexError, match="out of bounds"):
        x[3]
    with pytest.raises(IndexError, match="out of bounds"):
        x[-4]
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 5]]
    x[0, 100]  # unknown length: checked at run time
    with pytest.raises(IndexError):
        compile_eval([x], x[0, 100], [np.zeros((3, 2))])


def test_bad_index_types():
    x = pt.vector("x")
    with pytest.raises(TypeError):
        x[1.0]
    with pytest.raises(TypeError):
        x[pt.scalar("f")]
    with pytest.raises(TypeError):
        x[pt.vector("fv")]
    with pytest.raises(TypeError):
        x[1.5:3]
    with pytest.raises(TypeError):
        x["a"]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(ValueError, match="zero"):
        x[::0]


def test_mask_shape_mismatch():
    x = pt.tensor("x", shape=(3, 4))
    with pytest.raises(IndexError, match="boolean index"):
        x[np.ones(4, bool)]
    with pytest.raises(IndexError, match="broadcast"):
        x[[0, 1], [0, 1, 2]]


# ---------------------------------------------------------------------------
# set / inc
# ---------------------------------------------------------------------------


def _ref_set(xv, idx, yv, inc=False):
    out = xv.copy()
    if inc:
        np.add.at(out, idx, yv)
    else:
        out[idx] = yv
    return out


SETINC = [
    (A1, 2, 5.0),
    (A1, slice(1, 5), np.arange(4.0)),
    (A1, slice(None, None, -2), 1.5),
    (A1, [0, 0, 3, 0], np.array([1.0, 2.0, 3.0, 4.0])),   # repeated
    (A1, A1 > 0, 7.0),
    (A2, (slice(None), 1), np.arange(4.0)),
    (A2, (slice(1, 3), slice(None)), np.arange(5.0)),        # broadcast row
    (A2, (slice(1, 3), slice(None)), np.ones((2, 1))),       # broadcast column
    (A2, ([1, 1, 2], slice(None)), np.arange(5.0)),
    (A2, ([1, 1], [2, 2]), 1.0),
    (A2, A2 > 0, 0.0),
    (A3, (slice(None), [0, 0], 1), np.ones((3, 1))),
    (A3, ([0, 2], slice(None), [1, 1]), np.arange(4.0)),
    (A3, (Ellipsis, None, 0), 2.0),
]


@pytest.mark.parametrize("xv,idx,yv", SETINC, ids=[str(k) for k in range(len(SETINC))])
@pytest.mark.parametrize("inc", [False, True])
def test_set_inc(xv, idx, yv, inc):
    fn = pt.inc_subtensor if inc else pt.set_subtensor
    assert_op_matches(lambda x, y: fn(x[idx], y), lambda x, y: _ref_set(x, idx, y, inc), [xv, np.asarray(yv)])


def test_method_forms():
    x = pt.vector("x")
    y = pt.vector("y")
    f = tensorsmith.function([x, y], [x[1:3].set(y), x[[0, 0]].inc(y), x[-1].set(0)])
    a, b, c = f(A1, np.array([10.0, 20.0]))
    np.testing.assert_array_equal(a, _ref_set(A1, slice(1, 3), [10.0, 20.0]))
    np.testing.assert_allclose(b, _ref_set(A1, [0, 0], [10.0, 20.0], inc=True))
    np.testing.assert_array_equal(c, _ref_set(A1, -1, 0))


def test_set_inc_dtypes():
    x = pt.ivector("x")
    out = x[1:].set(2.7)  # NumPy assignment truncates
    xv = np.arange(4, dtype="int32")
    res = compile_eval([x], out, [xv])
    ref = xv.copy()
    ref[1:] = 2.7
    assert res.dtype == np.int32
    np.testing.assert_array_equal(res, ref)
    assert x[0].inc(1).dtype == "int32"
    with pytest.raises(TypeError, match="same_kind"):
        pt.inc_subtensor(x[0], pt.dscalar())
    f32 = pt.fvector("f")
    assert pt.inc_subtensor(f32[0], 1.5).dtype == "float32"
    assert pt.inc_subtensor(f32[0], pt.dscalar()).dtype == "float32"


def test_ignore_duplicates_and_set_repeats():
    x = pt.vector("x")
    y = pt.vector("y")
    yv = np.array([1.0, 2.0, 3.0])
    out = pt.inc_subtensor(x[[0, 0, 1]], y, ignore_duplicates=True)
    ref = A1.copy()
    ref[[0, 0, 1]] += yv
    np.testing.assert_allclose(compile_eval([x, y], out, [A1, yv]), ref)
    out = pt.set_subtensor(x[[0, 0, 1]], y)
    ref = A1.copy()
    ref[[0, 0, 1]] = yv
    np.testing.assert_allclose(compile_eval([x, y], out, [A1, yv]), ref)


def test_set_inc_errors():
    x = pt.tensor("x", shape=(4, 5))
    with pytest.raises(TypeError, match="indexing"):
        pt.set_subtensor(x, 1.0)
    with pytest.raises(ValueError, match="broadcast"):
        pt.set_subtensor(x[1:3], np.ones(4))
    with pytest.raises(ValueError, match="more dimensions"):
        pt.inc_subtensor(x[0], np.ones((2, 5)))


# ---------------------------------------------------------------------------
# take / take_along_axis
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_take(axis, mode):
    ind = np.array([[0, 3], [-1, 2]]) if mode == "raise" else np.array([[0, 7], [-9, 2]])
    assert_op_matches(lambda a, i: pt.take(a, i, axis=axis, mode=mode),
                      lambda a, i: np.take(a, i, axis=axis, mode=mode), [A2, ind])
    assert_op_matches(lambda a: pt.take(a, 1, axis=axis, mode=mode),
                      lambda a: np.take(a, 1, axis=axis, mode=mode), [A2])


def test_take_method_and_errors():
    x = pt.matrix("x")
    np.testing.assert_array_equal(compile_eval([x], x.take([2, 0], axis=1), [A2]), A2.take([2, 0], axis=1))
    with pytest.raises(TypeError):
        pt.take(x, np.array([0.5]))
    with pytest.raises(ValueError, match="mode"):
        pt.take(x, [0], mode="bad")
    with pytest.raises(ValueError):
        pt.take(x, [0], axis=2)


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis(axis):
    if axis is None:
        ind = np.array([3, 0, 19, 5])
    else:
        ind = np.argsort(A2, axis=axis)[:2] if axis == 0 else np.argsort(A2, axis=axis)[:, :3]
    assert_op_matches(lambda a, i: pt.take_along_axis(a, i, axis=axis),
                      lambda a, i: np.take_along_axis(a, i, axis=axis), [A2, ind])
    if axis is not None:
        check_grad(lambda a: pt.take_along_axis(a, pt.constant(ind), axis=axis), [A2])


def test_take_along_axis_3d_broadcast():
    ind = np.array([[[1], [0], [2], [2]]])
    assert_op_matches(lambda a, i: pt.take_along_axis(a, i, axis=2),
                      lambda a, i: np.take_along_axis(a, i, axis=2), [A3, ind])


# ---------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("idx", [
    (slice(1, 3),), (slice(None, None, -1), 2), ([0, 0, 2, 0],), ((slice(None), [1, 1, 4])),
    (np.array([[0, 0], [3, 1]]),), ((A2 > 0),), (None, 1, slice(None, None, 2)), ([1, 1], [2, 2]),
])
def test_grad_subtensor(idx):
    check_grad(lambda x: x[idx], [A2])


def test_grad_symbolic_index():
    x = pt.matrix("x")
    i = pt.lscalar("i")
    v = pt.lvector("v")
    g = pt.grad(x[i, v].sum() + x[i:].sum(), x)
    got = compile_eval([x, i, v], g, [A2, 1, np.array([0, 0, 3])])
    ref = np.zeros_like(A2)
    np.add.at(ref[1], [0, 0, 3], 1.0)
    ref[1:] += 1
    np.testing.assert_allclose(got, ref)


@pytest.mark.parametrize("idx", [slice(1, 3), [0, 2], ([0, 3], [1, 4]), (slice(None), [0, 0])])
@pytest.mark.parametrize("inc", [False, True])
def test_grad_set_inc(idx, inc):
    fn = pt.inc_subtensor if inc else pt.set_subtensor
    yv = A2[idx] * 0.5 + 1.0
    check_grad(lambda x, y: fn(x[idx], y), [A2, yv])


def test_grad_set_repeated_positions():
    """Only the last value written at a repeated position reaches the output."""
    check_grad(lambda x, y: pt.set_subtensor(x[[0, 2, 0, -1]], y), [A1, np.arange(4.0)])
    check_grad(lambda x, y: pt.set_subtensor(x[[1, 1], [2, 2]], y), [A2, np.ones(())])
    check_grad(lambda x, y: pt.set_subtensor(x[:, [3, 3]], y), [A2, np.ones((4, 1))])
    x = pt.vector("x")
    y = pt.vector("y")
    v = pt.lvector("v")
    g = pt.grad((pt.set_subtensor(x[v], y) * np.arange(7.0)).sum(), y)
    np.testing.assert_array_equal(compile_eval([x, y, v], g, [A1, np.ones(3), np.array([5, 5, 1])]), [0, 5, 1])


def test_advanced_infer_shape():
    x = pt.tensor3("x")
    m = pt.tensor("m", dtype="bool", shape=(None, None))
    v = pt.lvector("v")
    i = pt.lscalar("i")
    outs = [x[:, v], x[v, :, v], x[m], x[i, :, v], x[1:, v, None], x[..., [[0], [1]]]]
    shapes = []
    for out in outs:
        node = out.owner
        shp = node.op.infer_shape(None, node, [tuple(x.shape[k] for k in range(3))])[0]
        shapes.append(pt.stack([pt.cast(s, "int64") for s in shp]))
    mv = A3[..., 0] > 0
    vv = np.array([1, 0, 1])
    got = compile_eval([x, m, v, i], outs + shapes, [A3, mv, vv, 2])
    exp = [A3[:, vv], A3[vv, :, vv], A3[mv], A3[2, :, vv], A3[1:, vv, None], A3[..., [[0], [1]]]]
    for k, e in enumerate(exp):
        np.testing.assert_array_equal(got[k], e)
        assert tuple(got[len(exp) + k]) == e.shape


def test_grad_set_inc_broadcast_value():
    check_grad(lambda x, y: pt.set_subtensor(x[1:3], y), [A2, np.ones((1, 5))])
    check_grad(lambda x, y: pt.inc_subtensor(x[:, [0, 0, 1]], y), [A2, np.ones((3,))])
    check_grad(lambda x, y: pt.inc_subtensor(x[2], y), [A2, np.ones(())])


def test_grad_integer_x_float_y():
    x = pt.lvector("x")
    y = pt.dvector("y")
    out = pt.set_subtensor(pt.cast(x, "float64")[[0, 1]], y)
    g = pt.grad(out.sum(), y)
    np.testing.assert_allclose(compile_eval([x, y], g, [np.arange(3), np.ones(2)]), np.ones(2))


def test_jvp():
    from tensorsmith_autodiff import pushforward

    x = pt.vector("x")
    y = pt.vector("y")
    tx = pt.vector("tx")
    ty = pt.vector("ty")
    out = pt.inc_subtensor(x[[0, 0, 2]], y)[1:]
    (jv,) = pushforward([out], [x, y], [tx, ty])
    xv, yv = A1, np.array([1.0, 2.0, 3.0])
    txv, tyv = rng.normal(size=7), rng.normal(size=3)
    got = compile_eval([x, y, tx, ty], jv, [xv, yv, txv, tyv])
    np.testing.assert_allclose(got, _ref_set(txv, [0, 0, 2], tyv, inc=True)[1:])


def _random_basic_index(r, ndim):
    comps = []
    left = ndim
    used_ellipsis = False
    for _ in range(r.integers(0, ndim + 2)):
        kind = r.integers(0, 5)
        if kind == 0 and left:
            comps.append(int(r.integers(-3, 3)))
            left -= 1
        elif kind == 1 and left:
            parts = [None if r.random() < 0.3 else int(r.integers(-6, 6)) for _ in range(2)]
            step = None if r.random() < 0.3 else int(r.choice([-3, -2, -1, 1, 2, 3]))
            comps.append(slice(parts[0], parts[1], step))
            left -= 1
        elif kind == 2:
            comps.append(None)
        elif kind == 3 and not used_ellipsis:
            comps.append(Ellipsis)
            used_ellipsis = True
    return tuple(comps)


def test_random_basic_indexing_and_infer_shape():
    """Many random basic indices on one 3-d input, compiled together; the
    symbolic shapes from infer_shape are checked too."""
    r = np.random.default_rng(3)
    x = pt.tensor3("x")
    xv = rng.normal(size=(3, 4, 5))
    idxs = [_random_basic_index(r, 3) for _ in range(60)]
    outs, shapes = [], []
    for idx in idxs:
        out = x[idx]
        outs.append(out)
        node = out.owner
        shp = node.op.infer_shape(None, node, [tuple(x.shape[k] for k in range(3))])[0]
        shapes.append(pt.stack([pt.cast(s, "int64") for s in shp]) if shp else pt.constant(np.zeros(0, "int64")))
    got = compile_eval([x], outs + shapes, [xv])
    for k, idx in enumerate(idxs):
        exp = xv[idx]
        np.testing.assert_array_equal(got[k], exp, err_msg=repr(idx))
        assert got[k].shape == exp.shape, idx
        assert tuple(got[len(idxs) + k]) == exp.shape, idx


def test_zero_dim_input():
    x = pt.scalar("x")
    for idx in [(), None, Ellipsis, True, np.array(False)]:
        _run(np.float64(2.5)[()] * np.ones(()), idx)
    with pytest.raises(IndexError, match="0-dimensional"):
        x[0]


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_slice_at_axis(axis):
    idx = pt.slice_at_axis(slice(1, None, -1), axis)
    _run(A3, idx)


def test_compat_functions():
    x = pt.matrix("x")
    y = pt.vector("y")
    v = np.array([2, 0, 2])
    f = tensorsmith.function([x, y], [pt.advanced_subtensor1(x, v), pt.advanced_inc_subtensor1(x, y, v),
                                      pt.advanced_set_subtensor1(x, y, v)])
    yv = np.arange(5.0)
    a, b, c = f(A2, yv)
    np.testing.assert_array_equal(a, A2[v])
    np.testing.assert_allclose(b, _ref_set(A2, v, yv, inc=True))
    np.testing.assert_array_equal(c, _ref_set(A2, v, yv))


def test_set_inc_non_contiguous_and_mixed_dtypes():
    xv = A3.transpose(2, 1, 0)[:, ::2]
    yv = np.arange(3, dtype="int32")
    assert_op_matches(lambda x, y: pt.inc_subtensor(x[1, [0, 0]], y),
                      lambda x, y: _ref_set(x, (1, [0, 0]), y, inc=True), [xv, yv])
    x = pt.dmatrix("x")
    y = pt.fvector("y")
    out = pt.inc_subtensor(x[:, 0], y)
    assert out.dtype == "float64"
    gy = pt.grad(out.sum(), y)
    assert gy.dtype == "float32"
    np.testing.assert_array_equal(compile_eval([x, y], gy, [A2, np.ones(4, "float32")]), np.ones(4))


def test_symbolic_mask_idioms():
    x = pt.matrix("x")
    clipped = x[x > 0].set(0)
    g = pt.grad((x[x > 0] ** 2).sum(), x)
    a, b = compile_eval([x], [clipped, g], [A2])
    ref = A2.copy()
    ref[ref > 0] = 0
    np.testing.assert_array_equal(a, ref)
    np.testing.assert_allclose(b, np.where(A2 > 0, 2 * A2, 0))
    check_grad(lambda x: pt.set_subtensor(x[x > 0.1], x[x > 0.1] * 3), [A2])
