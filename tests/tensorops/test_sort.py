"""Sorting and searching vs NumPy: sort, argsort, searchsorted, unique,
bincount, diff, nonzero, flatnonzero, nonzero_values."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad, compile_eval

rng = np.random.default_rng(7)


def run(inputs, out, *values):
    return compile_eval(inputs, out, list(values))


def distinct(*shape):
    """Random values without ties (so sort gradients are well defined)."""
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) + rng.uniform(0.1, 0.4, size=shape)


# ---------------------------------------------------------------------------
# sort, argsort
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((5,), 0), ((3, 4), -1), ((3, 4), 0), ((3, 4), None),
                                        ((2, 3, 4), 1), ((0, 3), 0), ((), None), ((4, 1), 1)])
def test_sort_argsort(shape, axis):
    x = distinct(*shape)
    assert_op_matches(lambda a: pt.sort(a, axis), lambda a: np.sort(a, axis), [x])
    assert_op_matches(lambda a: pt.argsort(a, axis), lambda a: np.argsort(a, axis), [x])
    assert_op_matches(lambda a: a.sort(axis), lambda a: np.sort(a, axis), [(x * 3).astype("int16")])
    assert_op_matches(lambda a: a.argsort(axis, kind="stable"), lambda a: np.argsort(a, axis, kind="stable"),
                      [(x * 3).astype("int16")])
    if x.size:
        check_grad(lambda a: pt.sort(a, axis), [x])


def test_sort_static_and_ties():
    assert pt.sort(pt.tensor(shape=(3, 4))).type.shape == (3, 4)
    assert pt.sort(pt.tensor(shape=(3, 4)), axis=None).type.shape == (12,)
    assert pt.argsort(pt.tensor(shape=(3, 4))).type.dtype == "int64"
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    assert_op_matches(lambda a: pt.argsort(a, kind="stable"), lambda a: np.argsort(a, kind="stable"), [x])
    # gradient with ties: the total is preserved
    v = pt.dvector("v")
    g = pt.grad(pt.sort(v).sum(), v)
    np.testing.assert_allclose(run([v], g, x), np.ones(5))
    with pytest.raises(ValueError):
        pt.sort(pt.dscalar())
    with pytest.raises(ValueError):
        pt.sort(v, kind="bogus")
    with pytest.raises(ValueError):
        pt.sort(v, axis=1)


def test_argsort_no_gradient():
    v = pt.dvector("v")
    out = pt.cast(pt.argsort(v), "float64").sum() + v.sum()
    g = pt.grad(out, v)
    np.testing.assert_allclose(run([v], g, np.arange(3.0)), np.ones(3))


# ---------------------------------------------------------------------------
# searchsorted
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("vshape", [(), (4,), (2, 3), (0,)])
def test_searchsorted(side, vshape):
    a = np.array([1.0, 2.0, 2.0, 3.5, 7.0])
    v = rng.integers(0, 8, size=vshape).astype("float64")
    assert_op_matches(lambda x, y: pt.searchsorted(x, y, side=side), lambda x, y: np.searchsorted(x, y, side=side),
                      [a, v])


def test_searchsorted_sorter_and_errors():
    a = np.array([3.0, 1.0, 2.0])
    sorter = np.argsort(a)
    v = np.array([0.5, 2.5, 3.0])
    assert_op_matches(lambda x, y, s: pt.searchsorted(x, y, sorter=s),
                      lambda x, y, s: np.searchsorted(x, y, sorter=s), [a, v, sorter])
    assert pt.searchsorted(pt.dvector(), pt.dmatrix()).type.ndim == 2
    with pytest.raises(ValueError):
        pt.searchsorted(pt.dmatrix(), pt.dvector())
    with pytest.raises(ValueError):
        pt.searchsorted(pt.dvector(), pt.dvector(), side="middle")


# ---------------------------------------------------------------------------
# unique
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.array([3, 1, 2, 3, 1, 1]), np.array([[1.5, 0.5], [0.5, 2.0]]),
                                   np.zeros(0, dtype="int32"), np.float64(4.0), np.array([True, False, True])])
@pytest.mark.parametrize("flags", [(False, False, False), (True, False, False), (False, True, False),
                                   (False, False, True), (True, True, True)])
def test_unique(value, flags):
    x = pt.tensor("x", dtype=value.dtype, shape=(None,) * value.ndim)
    outs = pt.unique(x, *flags)
    refs = np.unique(value, *flags)
    if not any(flags):
        outs, refs = [outs], [refs]
    res = run([x], list(outs), value)
    assert len(res) == len(refs)
    for r, e, o in zip(res, refs, outs):
        assert r.dtype == e.dtype and r.shape == e.shape
        assert o.type.ndim == e.ndim
        np.testing.assert_array_equal(r, e)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unique_axis(axis):
    value = np.array([[1, 0, 1], [1, 0, 1], [2, 3, 2]], dtype="int64")
    x = pt.lmatrix("x")
    outs = pt.unique(x, True, True, True, axis=axis)
    res = run([x], list(outs), value)
    for r, e in zip(res, np.unique(value, True, True, True, axis=axis)):
        assert r.dtype == e.dtype and r.shape == e.shape
        np.testing.assert_array_equal(r, e)
    with pytest.raises(ValueError):
        pt.unique(x, axis=2)


# ---------------------------------------------------------------------------
# bincount
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [np.array([0, 1, 1, 3, 0, 5]), np.zeros(0, dtype="int64"), np.array([2], dtype="uint8"),
                               np.array([True, False, True])])
@pytest.mark.parametrize("minlength", [None, 0, 3, 10])
def test_bincount(x, minlength):
    assert_op_matches(lambda a: pt.bincount(a, minlength=minlength),
                      lambda a: np.bincount(a, minlength=minlength or 0), [x])
    w = rng.normal(size=x.shape)
    # NumPy gives int64 for empty x even with weights; here weights always give float64
    assert_op_matches(lambda a, b: pt.bincount(a, b, minlength=minlength),
                      lambda a, b: np.bincount(a, b, minlength=minlength or 0).astype("float64"), [x, w])
    assert_op_matches(lambda a, b: pt.bincount(a, b, minlength=minlength),
                      lambda a, b: np.bincount(a, b, minlength=minlength or 0).astype("float64"),
                      [x, w.astype("float32")],
                      rtol=1e-6)


def test_bincount_static_grad_errors():
    assert pt.bincount(pt.constant(np.array([0, 4]))).type.shape == (5,)
    assert pt.bincount(pt.constant(np.array([0, 4])), minlength=9).type.shape == (9,)
    x = np.array([0, 2, 2, 1, 4])
    check_grad(lambda w: pt.bincount(pt.constant(x), w, minlength=6), [rng.normal(size=5)])
    with pytest.raises(TypeError):
        pt.bincount(pt.dvector())
    with pytest.raises(TypeError):
        pt.bincount(pt.lmatrix())
    with pytest.raises(ValueError):
        pt.bincount(pt.lvector(shape=(3,)), pt.dvector(shape=(4,)))
    xi = pt.lvector("xi")
    f = tensorsmith.function([xi], pt.bincount(xi))
    with pytest.raises(ValueError):
        f(np.array([1, -1]))
    n = pt.lscalar("n")
    np.testing.assert_array_equal(run([xi, n], pt.bincount(xi, minlength=n), np.array([1]), 4), [0, 1, 0, 0])


# ---------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,n,axis", [((6,), 1, -1), ((6,), 2, 0), ((3, 4), 1, 0), ((3, 4), 3, -1),
                                          ((3, 4), 0, 1), ((2, 3, 5), 2, 2), ((3,), 5, 0), ((0, 4), 1, 0)])
def test_diff(shape, n, axis):
    x = rng.normal(size=shape)
    assert_op_matches(lambda a: pt.diff(a, n, axis), lambda a: np.diff(a, n, axis), [x])
    assert_op_matches(lambda a: pt.diff(a, n, axis), lambda a: np.diff(a, n, axis), [(x * 5).astype("int32")])
    assert pt.diff(pt.tensor(shape=shape), n, axis).type.shape == np.diff(x, n, axis).shape
    if x.size and np.diff(x, n, axis).size:
        check_grad(lambda a: pt.diff(a, n, axis), [x])


def test_diff_bool_and_errors():
    b = np.array([True, False, False, True])
    assert_op_matches(lambda a: pt.diff(a), lambda a: np.diff(a), [b])
    with pytest.raises(ValueError):
        pt.diff(pt.dscalar())
    with pytest.raises(ValueError):
        pt.diff(pt.dvector(), -1)
    with pytest.raises(ValueError):
        pt.diff(pt.dvector(), 1, 1)


# ---------------------------------------------------------------------------
# nonzero
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.array([0, 1, 0, 2]), np.array([[0.0, 1.5], [2.0, 0.0]]),
                                   np.zeros((2, 0, 3)), np.array([[True, False], [True, True]])])
def test_nonzero(value):
    x = pt.tensor("x", dtype=value.dtype, shape=(None,) * value.ndim)
    outs = pt.nonzero(x)
    assert isinstance(outs, tuple) and len(outs) == value.ndim
    res = run([x], list(outs), value)
    for r, e in zip(res, np.nonzero(value)):
        assert r.dtype == np.int64
        np.testing.assert_array_equal(r, e)
    m = run([x], pt.nonzero(x, return_matrix=True), value)
    np.testing.assert_array_equal(m, np.array(np.nonzero(value)).reshape(value.ndim, -1))
    np.testing.assert_array_equal(run([x], pt.flatnonzero(x), value), np.flatnonzero(value))
    np.testing.assert_array_equal(run([x], pt.nonzero_values(x), value), value.ravel()[np.flatnonzero(value)])
    np.testing.assert_array_equal(run([x], x.nonzero()[0], value), np.nonzero(value)[0])


def test_nonzero_errors_and_grad():
    with pytest.raises(ValueError):
        pt.nonzero(pt.dscalar())
    x = pt.dmatrix("x")
    g = pt.grad((pt.nonzero_values(x) * pt.constant(np.array([2.0, 3.0]))).sum(), x)
    np.testing.assert_array_equal(run([x], g, np.array([[0.0, 1.5], [2.0, 0.0]])), [[0.0, 2.0], [3.0, 0.0]])


def test_where_one_argument():
    x = pt.dvector("x")
    res = run([x], list(pt.where(x)), np.array([0.0, 3.0, 0.0, 1.0]))
    np.testing.assert_array_equal(res[0], [1, 3])


@pytest.mark.parametrize("kth,axis", [(2, -1), (-2, -1), (1, 0), (-3, 0), (5, -1), (4, None)])
def test_topk(kth, axis):
    x = distinct(3, 5)

    def ref(a):
        if axis is None:
            a, ax = a.ravel(), 0
        else:
            ax = axis
        idx = np.argsort(a, axis=ax, kind="stable")
        idx = np.flip(idx, ax)[(slice(None),) * (ax % a.ndim) + (slice(0, kth),)] if kth > 0 else \
            idx[(slice(None),) * (ax % a.ndim) + (slice(0, -kth),)]
        return np.take_along_axis(a, idx, ax), idx

    vals, idx = ref(x)
    assert_op_matches(lambda a: pt.topk(a, kth, axis), lambda a: ref(a)[0], [x])
    assert_op_matches(lambda a: pt.argtopk(a, kth, axis), lambda a: ref(a)[1], [x])
    check_grad(lambda a: pt.topk(a, kth, axis), [x])
    assert pt.argtopk(pt.dmatrix(), kth, axis, idx_dtype="int32").type.dtype == "int32"
    with pytest.raises(ValueError):
        pt.topk(pt.tensor(shape=(2, 3)), 4)
    with pytest.raises(ValueError):
        pt.topk(pt.dmatrix(), 0)


def test_inverse_permutation_and_compress():
    p = np.array([[2, 0, 1, 3], [3, 2, 1, 0]])
    assert_op_matches(pt.inverse_permutation, lambda a: np.argsort(a, axis=-1), [p])
    with pytest.raises(TypeError):
        pt.inverse_permutation(pt.dvector())
    x = np.arange(12.0).reshape(3, 4)
    for cond, axis in [([True, False, True], 0), ([False, True, True, False], 1), ([True, False] * 3, None),
                       ([True, True], 1)]:
        c = np.array(cond)
        assert_op_matches(lambda a, b: pt.compress(b, a, axis=axis), lambda a, b: np.compress(b, a, axis=axis),
                          [x, c])
    check_grad(lambda a: pt.compress(np.array([True, False, True]), a, axis=0), [x])
