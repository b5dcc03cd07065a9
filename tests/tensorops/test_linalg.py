"""pt.linalg against NumPy/SciPy: values, dtypes, batched inputs (Blockwise),
build-time shape errors and gradients against finite differences."""
import numpy as np
import pytest
import scipy.linalg

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_tensorops.blockwise import Blockwise

from .utils import assert_op_matches, check_grad, compile_eval, sym_like

rng = np.random.default_rng(42)
la = pt.linalg


def well(n, *batch, dtype="float64"):
    """Well-conditioned random square matrices."""
    a = rng.normal(size=batch + (n, n)) + n * np.eye(n)
    return a.astype(dtype)


def spd(n, *batch, dtype="float64"):
    a = rng.normal(size=batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def lower_tri(n, *batch):
    return np.tril(rng.normal(size=batch + (n, n))) + 3 * np.eye(n)


def check(build, ref, values, rtol=1e-7, atol=1e-10, check_dtype=True):
    return assert_op_matches(build, ref, values, rtol=rtol, atol=atol, check_dtype=check_dtype)


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_inv_det_slogdet(batch):
    a = well(3, *batch)
    check(la.inv, np.linalg.inv, [a])
    check(la.det, np.linalg.det, [a])
    check(lambda x: la.slogdet(x)[0], lambda x: np.linalg.slogdet(x)[0], [a])
    check(lambda x: la.slogdet(x)[1], lambda x: np.linalg.slogdet(x)[1], [a])


@pytest.mark.parametrize("dtype,expected", [("float32", "float32"), ("int64", "float64"), ("int32", "float64"),
                                            ("float64", "float64")])
def test_dtypes(dtype, expected):
    a = (np.eye(3) * 2 + np.ones((3, 3))).astype(dtype)
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    for fn in (la.inv, la.det, la.expm, lambda v: la.solve(v, v), la.pinv, la.cholesky,
               lambda v: la.eigh(v)[1], lambda v: la.svd(v)[0], lambda v: la.qr(v)[0],
               lambda v: la.qr(v, mode="r", pivoting=True)[0]):
        assert fn(x).type.dtype == expected
    out = compile_eval([x], la.inv(x), [a])
    assert out.dtype == expected
    np.testing.assert_allclose(out, np.linalg.inv(a), rtol=1e-5)
    assert la.eig(x)[0].type.dtype == ("complex64" if expected == "float32" else "complex128")


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_values_and_dtypes(dtype):
    a = (cplx(3, 3) + 3 * np.eye(3)).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "complex64" else {}
    for fn, ref in ((la.inv, np.linalg.inv), (la.det, np.linalg.det), (la.pinv, np.linalg.pinv),
                    (lambda x: la.slogdet(x)[0], lambda x: np.linalg.slogdet(x)[0]),
                    (lambda x: la.slogdet(x)[1], lambda x: np.linalg.slogdet(x)[1]),
                    (lambda x: la.svd(x, compute_uv=False), lambda x: np.linalg.svd(x, compute_uv=False)),
                    (lambda x: la.eigh(x)[0], lambda x: np.linalg.eigh(x)[0]),
                    (la.expm, scipy.linalg.expm), (lambda x: la.norm(x), np.linalg.norm),
                    (lambda x: la.norm(x, 1, axis=0), lambda x: np.linalg.norm(x, 1, axis=0))):
        check(fn, ref, [a], **tol)


def test_static_shapes_and_blockwise():
    x = pt.tensor("x", dtype="float64", shape=(5, 3, 3))
    y = la.inv(x)
    assert y.type.shape == (5, 3, 3)
    assert isinstance(y.owner.op, Blockwise)
    assert la.inv(pt.matrix(shape=(3, 3))).owner.op.__class__.__name__ == "MatrixInverse"
    assert la.det(x).type.shape == (5,)
    u, s, vh = la.svd(pt.tensor(dtype="float64", shape=(2, 4, 3)), full_matrices=False)
    assert (u.type.shape, s.type.shape, vh.type.shape) == ((2, 4, 3), (2, 3), (2, 3, 3))
    b = pt.tensor(dtype="float64", shape=(1, 3, 2))
    assert la.solve(pt.tensor(dtype="float64", shape=(4, 3, 3)), b).type.shape == (4, 3, 2)


@pytest.mark.parametrize("fn", [la.inv, la.det, la.slogdet, la.cholesky, la.eigh, la.expm, la.eig,
                                lambda v: la.matrix_power(v, 2), la.trace])
def test_non_square_error(fn):
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        fn(pt.tensor(dtype="float64", shape=(3, 4)))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        fn(pt.tensor(dtype="float64", shape=(2, 3, 4)))


def test_shape_mismatch_errors():
    with pytest.raises(ValueError):
        la.solve(pt.tensor(dtype="float64", shape=(3, 3)), pt.tensor(dtype="float64", shape=(4,)))
    with pytest.raises(ValueError, match="batch"):
        la.solve(pt.tensor(dtype="float64", shape=(2, 3, 3)), pt.tensor(dtype="float64", shape=(5, 3, 1)))
    with pytest.raises(ValueError):
        la.inv(pt.vector())


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos"])
@pytest.mark.parametrize("b_shape", [(3,), (3, 2)])
def test_solve(assume_a, b_shape):
    a = spd(3)
    b = rng.normal(size=b_shape)
    check(lambda x, y: la.solve(x, y, assume_a=assume_a), lambda x, y: scipy.linalg.solve(x, y, assume_a=assume_a),
          [a, b])


def test_solve_batched():
    a = well(3, 4)
    b = rng.normal(size=(4, 3, 2))
    check(la.solve, np.linalg.solve, [a, b])
    bv = rng.normal(size=(4, 3))
    check(lambda x, y: la.solve(x, y, b_ndim=1), lambda x, y: np.linalg.solve(x, y[..., None])[..., 0], [a, bv])
    # broadcast a single matrix against a stack of right-hand sides
    check(la.solve, lambda x, y: np.linalg.solve(x, y), [well(3), b])


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1, "T"])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(lower, trans, unit):
    a = lower_tri(4) if lower else lower_tri(4).T
    b = rng.normal(size=(4, 2))
    kw = dict(lower=lower, trans=trans, unit_diagonal=unit)
    check(lambda x, y: la.solve_triangular(x, y, **kw), lambda x, y: scipy.linalg.solve_triangular(x, y, **kw),
          [a, b])


def test_cholesky_and_cho_solve():
    a = spd(4)
    check(la.cholesky, np.linalg.cholesky, [a])
    check(lambda x: la.cholesky(x, lower=False), lambda x: scipy.linalg.cholesky(x, lower=False), [a])
    ab = spd(3, 5)
    check(la.cholesky, np.linalg.cholesky, [ab])
    b = rng.normal(size=(4, 2))
    for lower in (True, False):
        c = scipy.linalg.cholesky(a, lower=lower)
        check(lambda x, y: la.cho_solve((x, lower), y), lambda x, y: scipy.linalg.cho_solve((x, lower), y), [c, b])


def test_cholesky_on_error_nan():
    x = pt.matrix()
    f = tensorsmith.function([x], la.cholesky(x, on_error="nan"))
    assert np.all(np.isnan(f(-np.eye(2))))
    g = tensorsmith.function([x], la.cholesky(x))
    with pytest.raises(np.linalg.LinAlgError, match="cholesky"):
        g(-np.eye(2))


def test_eigh_eigvalsh_eig():
    a = spd(4, 2)
    w, v = np.linalg.eigh(a)
    check(lambda x: la.eigh(x)[0], lambda x: np.linalg.eigh(x)[0], [a])
    x = sym_like(a)
    wv = compile_eval([x], list(la.eigh(x)), [a])
    np.testing.assert_allclose(np.abs(wv[1]), np.abs(v), atol=1e-8)
    check(lambda x: la.eigh(x, "U")[0], lambda x: np.linalg.eigh(x, "U")[0], [a])
    check(la.eigvalsh, lambda x: np.linalg.eigvalsh(x), [a])
    b = spd(4)
    check(lambda x, y: la.eigvalsh(x, y), lambda x, y: scipy.linalg.eigvalsh(x, y), [a[0], b])
    g = well(3)
    xs = sym_like(g)
    ew, ev = compile_eval([xs], list(la.eig(xs)), [g])
    np.testing.assert_allclose(g @ ev, ev * ew, atol=1e-8)
    assert ew.dtype == np.complex128


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(shape, full):
    a = rng.normal(size=shape)
    check(lambda x: la.svd(x, compute_uv=False), lambda x: np.linalg.svd(x, compute_uv=False), [a])
    x = sym_like(a)
    u, s, vh = compile_eval([x], list(la.svd(x, full_matrices=full)), [a])
    ru, rs, rvh = np.linalg.svd(a, full_matrices=full)
    assert u.shape == ru.shape and vh.shape == rvh.shape
    k = min(shape[-2:])
    np.testing.assert_allclose((u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, atol=1e-10)


@pytest.mark.parametrize("mode", ["full", "economic", "r", "raw", "complete", "reduced"])
@pytest.mark.parametrize("pivoting", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3), (0, 3)])
def test_qr(mode, pivoting, shape):
    a = rng.normal(size=shape)
    smode = {"complete": "full", "reduced": "economic"}.get(mode, mode)

    def ref(x):
        if x.ndim == 2:
            res = scipy.linalg.qr(x, mode=smode, pivoting=pivoting)
        else:
            res = [np.stack(parts) for parts in zip(*[scipy.linalg.qr(m, mode=smode, pivoting=pivoting)
                                                      for m in x])]
        if smode == "raw":
            res = (*res[0], *res[1:]) if x.ndim == 2 else res
        return list(res) if isinstance(res, (tuple, list)) else [res]

    if smode == "raw" and len(shape) == 3:
        return  # the stacked reference above does not unpack the nested raw result
    if 0 in shape and smode in ("raw",):
        return
    expected = ref(a)
    x = sym_like(a)
    out = la.qr(x, mode=mode, pivoting=pivoting)
    outs = list(out) if isinstance(out, tuple) else [out]
    got = compile_eval([x], outs, [a])
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, e.shape, g.dtype, e.dtype)
        np.testing.assert_allclose(g, e, atol=1e-10)


def test_qr_static_shapes():
    x = pt.tensor(dtype="float32", shape=(5, 3))
    q, r = la.qr(x)
    assert q.type.shape == (5, 5) and r.type.shape == (5, 3) and q.type.dtype == "float32"
    q, r = la.qr(x, mode="economic")
    assert q.type.shape == (5, 3) and r.type.shape == (3, 3)
    r, p = la.qr(x, mode="r", pivoting=True)
    assert r.type.shape == (5, 3) and p.type.shape == (3,) and p.type.dtype == "int32"
    with pytest.raises(ValueError, match="mode"):
        la.qr(x, mode="bogus")


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 4)])
def test_pinv(shape):
    check(la.pinv, np.linalg.pinv, [rng.normal(size=shape)])


def test_lu():
    a = rng.normal(size=(4, 4))
    for kw in ({}, {"permute_l": True}, {"p_indices": True}):
        ref = scipy.linalg.lu(a, **kw)
        for i in range(len(ref)):
            check(lambda x: la.lu(x, **kw)[i], lambda x: scipy.linalg.lu(x, **kw)[i], [a])
    ab = rng.normal(size=(2, 3, 3))
    check(lambda x: la.lu(x)[2], lambda x: np.stack([scipy.linalg.lu(m)[2] for m in x]), [ab])


def test_expm_matrix_power():
    a = rng.normal(size=(3, 3)) * 0.5
    check(la.expm, scipy.linalg.expm, [a])
    check(la.expm, scipy.linalg.expm, [rng.normal(size=(2, 3, 3))])
    check(la.expm, scipy.linalg.expm, [a.astype("float32")], rtol=1e-5, atol=1e-5)
    for n in (0, 1, 2, 3, 5, -1, -2):
        check(lambda x: la.matrix_power(x, n), lambda x: np.linalg.matrix_power(x, n), [well(3)], rtol=1e-6)
    check(lambda x: la.matrix_power(x, 3), lambda x: np.linalg.matrix_power(x, 3), [well(3, 2)])
    check(lambda x: la.matrix_power(x, 2), lambda x: np.linalg.matrix_power(x, 2), [np.arange(9).reshape(3, 3)])
    with pytest.raises(TypeError):
        la.matrix_power(pt.matrix(), 1.5)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (2, 4)])
@pytest.mark.parametrize("vec", [True, False])
def test_grad_lstsq(shape, vec):
    a = rng.normal(size=shape)
    b = rng.normal(size=shape[:1] if vec else shape[:1] + (2,))
    check_grad(lambda x, y: la.lstsq(x, y)[0], [a, b])


def test_lstsq():
    a = rng.normal(size=(5, 3))
    for b in (rng.normal(size=5), rng.normal(size=(5, 2))):
        ref = np.linalg.lstsq(a, b)
        for i in range(4):
            check(lambda x, y: la.lstsq(x, y)[i], lambda x, y: np.linalg.lstsq(x, y)[i], [a, b])
        assert len(ref) == 4


@pytest.mark.parametrize("ord", [None, 1, 2, 3, 0.5, np.inf, -np.inf, 0, -1])
def test_vector_norm(ord):
    x = rng.normal(size=(3, 4))
    check(lambda v: la.norm(v, ord=ord, axis=1), lambda v: np.linalg.norm(v, ord=ord, axis=1), [x])
    check(lambda v: la.norm(v, ord=ord, axis=-2, keepdims=True),
          lambda v: np.linalg.norm(v, ord=ord, axis=-2, keepdims=True), [x])
    check(lambda v: la.norm(v, ord=ord), lambda v: np.linalg.norm(v, ord=ord), [x[0]])


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norm(ord):
    x = rng.normal(size=(2, 3, 4))
    check(lambda v: la.norm(v, ord=ord, axis=(1, 2)), lambda v: np.linalg.norm(v, ord=ord, axis=(1, 2)), [x])
    check(lambda v: la.norm(v, ord=ord, axis=(2, 0), keepdims=True),
          lambda v: np.linalg.norm(v, ord=ord, axis=(2, 0), keepdims=True), [x])
    check(lambda v: la.norm(v, ord=ord), lambda v: np.linalg.norm(v, ord=ord), [x[0]])


def test_norm_misc():
    # more than two dimensions, axis=None: a stack of matrices (PyTensor's meaning)
    x3 = rng.normal(size=(2, 3, 4))
    check(la.norm, lambda v: np.linalg.norm(v, axis=(-2, -1)), [x3])
    check(lambda v: la.norm(v, ord="nuc", keepdims=True),
          lambda v: np.linalg.norm(v, ord="nuc", axis=(-2, -1), keepdims=True), [x3])
    for alias, ord in (("f", "fro"), ("inf", np.inf), ("-inf", -np.inf)):
        check(lambda v: la.norm(v, ord=alias), lambda v: np.linalg.norm(v, ord=ord), [x3[0]])
    check(la.norm, np.linalg.norm, [np.arange(6).reshape(2, 3)])
    check(la.norm, np.linalg.norm, [rng.normal(size=5).astype("float32")], rtol=1e-6)
    check(lambda v: la.norm(v, keepdims=True), lambda v: np.linalg.norm(v, keepdims=True), [np.ones((2, 2))])
    with pytest.raises(ValueError):
        la.norm(pt.tensor3(), ord=2, axis=(0, 1, 2))
    with pytest.raises(ValueError):
        la.norm(pt.scalar(), ord=2)
    with pytest.raises(ValueError):
        la.norm(pt.matrix(), ord="fro", axis=1)


def test_empty_and_transposed_inputs():
    check(la.inv, np.linalg.inv, [np.zeros((0, 3, 3))])
    check(la.det, np.linalg.det, [np.zeros((0, 2, 2))])
    check(lambda x: la.svd(x, compute_uv=False), lambda x: np.linalg.svd(x, compute_uv=False),
          [np.zeros((0, 3, 2))])
    a = well(4)
    check(la.inv, np.linalg.inv, [a.T])
    check(la.inv, np.linalg.inv, [np.zeros((0, 0))])


def test_helpers():
    check(la.trace, lambda x: np.trace(x, axis1=-2, axis2=-1), [rng.normal(size=(2, 3, 3))])
    check(lambda x, y, z: la.matrix_dot(x, y, z), lambda x, y, z: x @ y @ z,
          [rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))])


# ---------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [(), (2,)])
def test_grad_inv_det_slogdet(batch):
    a = well(3, *batch)
    check_grad(la.inv, [a])
    check_grad(la.det, [a])
    check_grad(lambda x: la.slogdet(x)[1], [a])
    check_grad(lambda x: la.slogdet(x)[1] + la.slogdet(x)[0], [a])


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("b_shape", [(3,), (3, 2)])
def test_grad_solve(assume_a, lower, b_shape):
    check_grad(lambda x, y: la.solve(x, y, assume_a=assume_a, lower=lower), [spd(3), rng.normal(size=b_shape)])


@pytest.mark.parametrize("assume_a", ["diagonal", "tridiagonal", "upper triangular", "lower triangular"])
def test_solve_structured(assume_a):
    a = well(4)
    b = rng.normal(size=(4, 2))
    check(lambda x, y: la.solve(x, y, assume_a=assume_a), lambda x, y: scipy.linalg.solve(x, y, assume_a=assume_a),
          [a, b])
    check_grad(lambda x, y: la.solve(x, y, assume_a=assume_a), [a, b])
    with pytest.raises(ValueError, match="assume_a"):
        la.solve(pt.matrix(), pt.matrix(), assume_a="banana")


def test_grad_solve_batched_and_transposed():
    check_grad(la.solve, [well(3, 2), rng.normal(size=(3, 2))])
    check_grad(lambda x, y: la.solve(x, y, b_ndim=1), [well(3, 2), rng.normal(size=(2, 3))])
    check_grad(lambda x, y: la.solve(x, y, transposed=True), [well(3), rng.normal(size=(3, 2))])
    check_grad(lambda x, y: la.solve(x, y, transposed=True), [well(3, 2), rng.normal(size=(3, 2))])
    check(lambda x, y: la.solve(x, y, transposed=True, b_ndim=1),
          lambda x, y: np.linalg.solve(np.swapaxes(x, -1, -2), y[..., None])[..., 0],
          [well(3, 2), rng.normal(size=(2, 3))])


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("b_shape", [(4,), (4, 2)])
def test_grad_solve_triangular(lower, trans, unit, b_shape):
    a = lower_tri(4) if lower else lower_tri(4).T
    kw = dict(lower=lower, trans=trans, unit_diagonal=unit)
    check_grad(lambda x, y: la.solve_triangular(x, y, **kw), [a, rng.normal(size=b_shape)])


@pytest.mark.parametrize("lower", [True, False])
def test_grad_cholesky(lower):
    check_grad(lambda x: la.cholesky(x, lower=lower), [spd(3)])
    check_grad(lambda x: la.cholesky(x, lower=lower), [spd(3, 2)])


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("b_shape", [(3,), (3, 2)])
def test_grad_cho_solve(lower, b_shape):
    c = scipy.linalg.cholesky(spd(3), lower=lower)
    check_grad(lambda x, y: la.cho_solve((x, lower), y), [c, rng.normal(size=b_shape)])


def test_grad_eig_eigenvalues():
    # order-invariant functions of the (possibly complex) eigenvalues
    def f(x):
        w = la.eig(x)[0]
        return (pt.real(w) ** 3).sum() + (pt.imag(w) ** 2).sum()

    check_grad(f, [rng.normal(size=(4, 4))])
    check_grad(f, [rng.normal(size=(2, 3, 3))])
    check_grad(lambda x: (pt.real(la.eig(x)[0]) ** 2).sum(), [spd(3)])


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_grad_eigh(uplo):
    a = spd(3)
    check_grad(lambda x: la.eigh(x, uplo)[0], [a])
    # eigenvectors up to sign: a sign-invariant function of them
    check_grad(lambda x: la.eigh(x, uplo)[1] ** 2, [a])
    check_grad(lambda x: la.eigvalsh(x), [spd(3, 2)])


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_grad_svd(shape):
    a = rng.normal(size=shape)
    check_grad(lambda x: la.svd(x, compute_uv=False), [a])
    check_grad(lambda x: la.svd(x)[1], [a])
    # U and V through sign-invariant products
    check_grad(lambda x: la.svd(x, full_matrices=False)[0] ** 2, [a])
    check_grad(lambda x: la.svd(x, full_matrices=False)[2] ** 2, [a])


def test_grad_svd_full_matrices_u_not_implemented():
    x = pt.matrix()
    with pytest.raises(NotImplementedError):
        pt.grad(la.svd(x)[0].sum(), x)


@pytest.mark.parametrize("mode", ["economic", "r", "full"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3)])
def test_grad_qr(mode, shape):
    if mode == "full" and shape[0] != shape[1]:
        return
    a = rng.normal(size=shape) + np.eye(*shape) * 2

    def build(x):
        x = pt.specify_shape(x, shape)
        return la.qr(x, mode=mode)[0] if mode != "r" else la.qr(x, mode=mode)[0]

    check_grad(build, [a])
    if mode != "r":
        check_grad(lambda x: la.qr(pt.specify_shape(x, shape), mode=mode)[1], [a])
        check_grad(lambda x: la.qr(x, mode=mode)[0] + la.qr(x, mode=mode)[1].sum(), [a])  # unknown static shape
    check_grad(lambda x: la.qr(x, mode="reduced")[0], [rng.normal(size=(2,) + shape)])


def test_grad_qr_wide():
    x = pt.matrix(shape=(2, 3))
    with pytest.raises(NotImplementedError):
        pt.grad(la.qr(x, mode="economic")[1].sum(), x)
    z = pt.matrix()
    with pytest.raises(NotImplementedError):
        pt.grad(la.qr(z, pivoting=True)[1].sum(), z)
    y = pt.matrix()
    f = tensorsmith.function([y], pt.grad(la.qr(y, mode="economic")[1].sum(), y))
    with pytest.raises(ValueError):
        f(rng.normal(size=(2, 3)))


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 3, 4)])
def test_grad_pinv(shape):
    check_grad(la.pinv, [rng.normal(size=shape) + np.eye(*shape[-2:])])


@pytest.mark.parametrize("ord,axis", [(None, None), (1, 0), (2, 1), (3, 1), (np.inf, 1), ("fro", (0, 1)),
                                      ("nuc", (0, 1)), (2, (0, 1)), (1, (0, 1)), (np.inf, (1, 0))])
def test_grad_norm(ord, axis):
    x = rng.normal(size=(3, 4))
    check_grad(lambda v: la.norm(v, ord=ord, axis=axis), [x])


@pytest.mark.parametrize("n", [1, 2, 3, -2])
def test_grad_matrix_power(n):
    check_grad(lambda x: la.matrix_power(x, n), [well(3)])


def test_grad_expm():
    check_grad(la.expm, [rng.normal(size=(3, 3)) * 0.5])
    check_grad(la.expm, [rng.normal(size=(2, 3, 3)) * 0.5])


def test_grad_batch_broadcast():
    # a single matrix against a stack: the gradient sums over the batch
    check_grad(la.solve, [well(3), rng.normal(size=(4, 3, 2))])
    check_grad(la.solve, [well(3, 1), rng.normal(size=(4, 3, 2))])


@pytest.mark.parametrize("build", [lambda x: la.eig(x)[1], lambda x: la.lstsq(x, x)[1],
                                   lambda x: la.schur(x)[0],
                                   lambda x: la.solve_discrete_are(x, x, x, x)])
def test_grad_not_implemented(build):
    x = pt.matrix()
    out = build(x)
    with pytest.raises(NotImplementedError):
        pt.grad(pt.abs(out).sum(), x)


# ---------------------------------------------------------------------------
# products, tensor inverses, factorizations, matrix equations
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (2,)), ((2, 3), (4,)), ((2, 1, 3), (2, 2)), ((), (3,))])
def test_kron(sa, sb):
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    check(la.kron, np.kron, [a, b])
    if sa and sb:
        check_grad(la.kron, [a, b])


def test_multi_dot():
    mats = [rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    check(lambda *m: la.multi_dot(m), lambda *m: np.linalg.multi_dot(m), mats)
    with pytest.raises(ValueError):
        la.multi_dot([pt.matrix()])


def test_tensorinv_tensorsolve():
    a = (rng.normal(size=(24, 24)) + 5 * np.eye(24)).reshape(4, 6, 8, 3)
    check(la.tensorinv, np.linalg.tensorinv, [a], rtol=1e-6)
    a1 = (rng.normal(size=(6, 6)) + 5 * np.eye(6)).reshape(6, 2, 3)
    check(lambda x: la.tensorinv(x, ind=1), lambda x: np.linalg.tensorinv(x, ind=1), [a1], rtol=1e-6)
    with pytest.raises(ValueError, match="square"):
        la.tensorinv(pt.tensor(dtype="float64", shape=(2, 3, 4)), ind=1)
    A = (rng.normal(size=(6, 6)) + 5 * np.eye(6)).reshape(2, 3, 6)
    B = rng.normal(size=(2, 3))
    check(la.tensorsolve, np.linalg.tensorsolve, [A, B], rtol=1e-6)
    A2 = (rng.normal(size=(6, 6)) + 5 * np.eye(6)).reshape(6, 2, 3).transpose(1, 0, 2)
    check(lambda x, y: la.tensorsolve(x, y, axes=(1,)), lambda x, y: np.linalg.tensorsolve(x, y, axes=(1,)),
          [A2, rng.normal(size=(2, 3))], rtol=1e-6)
    check_grad(la.tensorinv, [a1.reshape(2, 3, 6)])


def test_block_diag():
    mats = [rng.normal(size=(2, 3)), rng.normal(size=(1, 1)), rng.normal(size=(3, 2))]
    check(la.block_diag, scipy.linalg.block_diag, mats)
    check_grad(la.block_diag, mats)
    x = la.block_diag(pt.tensor(dtype="float32", shape=(2, 3)), pt.tensor(dtype="int64", shape=(4, 4)))
    assert x.type.shape == (6, 7) and x.type.dtype == "float64"
    bm = [rng.normal(size=(4, 2, 2)), rng.normal(size=(3, 3))]
    check(la.block_diag, lambda p, q: np.stack([scipy.linalg.block_diag(m, q) for m in p]), bm)
    check_grad(la.block_diag, bm)


@pytest.mark.parametrize("kw", [{}, {"permute_l": True}, {"p_indices": True}])
def test_grad_lu(kw):
    a = well(3)
    n_out = 2 if kw.get("permute_l") else 3
    for i in range(n_out - 2, n_out):
        check_grad(lambda x: la.lu(x, **kw)[i], [a])
    check_grad(lambda x: la.lu(x, **kw)[-1], [well(3, 2)])


def test_lu_factor_lu_solve_pivots():
    a = rng.normal(size=(4, 4))
    ref_lu, ref_piv = scipy.linalg.lu_factor(a)
    check(lambda x: la.lu_factor(x)[0], lambda x: scipy.linalg.lu_factor(x)[0], [a])
    check(lambda x: la.lu_factor(x)[1], lambda x: scipy.linalg.lu_factor(x)[1], [a])
    p, l, u = scipy.linalg.lu(a, p_indices=True)
    x = sym_like(ref_piv)
    perm = compile_eval([x], la.pivot_to_permutation(x), [ref_piv])
    np.testing.assert_array_equal(perm, p)
    perm_inv = compile_eval([x], la.pivot_to_permutation(x, inverse=True), [ref_piv])
    np.testing.assert_allclose(a[perm_inv], l @ u)
    b = rng.normal(size=(4, 2))
    for trans in (0, 1):
        check(lambda m, v: la.lu_solve(la.lu_factor(m), v, trans=trans),
              lambda m, v: scipy.linalg.lu_solve(scipy.linalg.lu_factor(m), v, trans=trans), [a, b])
        check_grad(lambda m, v: la.lu_solve(la.lu_factor(m), v, trans=trans), [well(4), b])
        check_grad(lambda m, v: la.lu_solve(la.lu_factor(m), v, trans=trans), [well(4), b[:, 0]])
    check_grad(lambda m: la.lu_factor(m)[0], [a])
    check_grad(lambda m: la.lu_factor(m)[0], [well(3, 2)])


def test_schur():
    a = rng.normal(size=(4, 4))
    x = sym_like(a)
    t, z = compile_eval([x], list(la.schur(x)), [a])
    np.testing.assert_allclose(z @ t @ z.T, a, atol=1e-10)
    tc, zc = compile_eval([x], list(la.schur(x, output="complex")), [a])
    assert tc.dtype == np.complex128
    np.testing.assert_allclose(zc @ tc @ zc.conj().T, a, atol=1e-10)


def test_matrix_equations():
    a, b, q = well(3) * 0.3, well(2) * 0.3, rng.normal(size=(3, 2))
    check(la.solve_sylvester, scipy.linalg.solve_sylvester, [a, b, q])
    check_grad(la.solve_sylvester, [a, b, q])
    qs = spd(3)
    check(la.solve_continuous_lyapunov, scipy.linalg.solve_continuous_lyapunov, [a, qs])
    check_grad(la.solve_continuous_lyapunov, [a, rng.normal(size=(3, 3))])
    stable = rng.normal(size=(3, 3)) * 0.2
    for method in (None, "direct", "bilinear"):
        check(lambda x, y: la.solve_discrete_lyapunov(x, y, method=method),
              lambda x, y: scipy.linalg.solve_discrete_lyapunov(x, y, method=method), [stable, qs])
    check_grad(la.solve_discrete_lyapunov, [stable, rng.normal(size=(3, 3))])
    check_grad(la.solve_discrete_lyapunov, [rng.normal(size=(2, 3, 3)) * 0.2, rng.normal(size=(3, 3))])
    A, B, Q, R = stable, rng.normal(size=(3, 2)), np.eye(3), np.eye(2)
    check(la.solve_discrete_are, scipy.linalg.solve_discrete_are, [A, B, Q, R], rtol=1e-6)


def test_grad_eigvalsh_generalized():
    for lower in (True, False):
        check_grad(lambda x, y: la.eigvalsh(x, y, lower=lower), [spd(3), spd(3)])
    check_grad(lambda x, y: la.eigvalsh(x, y), [spd(3, 2), spd(3)])


@pytest.mark.parametrize("build,shape", [
    (la.inv, (2, 3, 3)), (lambda x: la.svd(x, full_matrices=False)[0], (2, 4, 3)),
    (lambda x: la.svd(x)[2], (3, 5)), (lambda x: la.qr(x, mode="economic")[1], (3, 5)), (lambda x: la.lu(x)[1], (4, 2)),
    (lambda x: la.block_diag(x, x), (2, 3)), (lambda x: la.block_diag(x, x), (2, 2, 3)), (la.det, (2, 3, 3)),
    (lambda x: la.solve(x, x[..., 0], b_ndim=1), (3, 3))])
def test_infer_shape(build, shape):
    x = pt.tensor(dtype="float64", shape=(None,) * len(shape))
    out = build(x)
    node = out.owner
    in_shapes = [tuple(pt.shape_i(i, k) for k in range(i.type.ndim)) for i in node.inputs]
    shp = node.op.infer_shape(None, node, in_shapes)[node.outputs.index(out)]
    a = rng.normal(size=shape) + 3 * np.eye(*shape[-2:])
    got = compile_eval([x], [pt.as_tensor_variable(d) for d in shp] + [out], [a])
    assert tuple(int(v) for v in got[:-1]) == got[-1].shape


@pytest.mark.parametrize("build", [la.inv, la.det, la.cholesky, lambda x: la.solve(x, x), la.expm,
                                   lambda x: la.eigh(x)[0], lambda x: la.svd(x, compute_uv=False), la.pinv])
def test_float32_grad_dtype(build):
    x = pt.tensor(dtype="float32", shape=(None, None, None))
    g = pt.grad(build(x).sum(), x)
    assert g.type.dtype == "float32"
    a = spd(3, 2, dtype="float32")
    gv = compile_eval([x], g, [a])
    assert gv.dtype == np.float32
    x64 = pt.tensor(dtype="float64", shape=(None, None, None))
    g64 = compile_eval([x64], pt.grad(build(x64).sum(), x64), [a.astype("float64")])
    np.testing.assert_allclose(gv, g64, rtol=2e-3, atol=2e-3)


def check_complex_grad(build, values, eps=1e-6, rtol=1e-5, atol=1e-6):
    """Gradients with complex inputs against central differences along the real
    and imaginary parts (the autodiff convention: d/d re + i d/d im) of
    ``sum(real(build(*xs) * w))`` with a fixed complex ``w``."""
    syms = [sym_like(v) for v in values]
    out = build(*syms)
    fwd = tensorsmith.function(syms, out)
    shape = np.shape(fwd(*values))
    r = np.random.default_rng(1)
    w = r.normal(size=shape) + 1j * r.normal(size=shape)
    cost = pt.real(out * pt.constant(w)).sum()
    grads = tensorsmith.function(syms, pt.grad(cost, syms))(*values)

    def f(vals):
        return float(np.sum(np.real(np.asarray(fwd(*vals)) * w)))

    for i, v in enumerate(values):
        num = np.zeros(v.shape, dtype=complex)
        for idx in np.ndindex(*v.shape):
            for unit in (1, 1j):
                vals = [np.array(x) for x in values]
                vals[i][idx] += eps * unit
                fp = f(vals)
                vals[i][idx] -= 2 * eps * unit
                fm = f(vals)
                num[idx] += (fp - fm) / (2 * eps) * unit
        np.testing.assert_allclose(grads[i], num, rtol=rtol, atol=atol, err_msg=f"input {i}")


def cplx(*shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


@pytest.mark.parametrize("build,shapes", [
    (la.inv, [(3, 3)]), (la.det, [(3, 3)]), (lambda x: la.slogdet(x)[1], [(3, 3)]), (la.pinv, [(3, 2)]),
    (la.expm, [(3, 3)]), (la.solve, [(3, 3), (3, 2)]), (lambda x, y: la.solve(x, y, b_ndim=1), [(3, 3), (3,)]),
    (lambda x, y: la.matrix_dot(x, y), [(2, 3), (3, 2)]), (lambda x: la.matrix_power(x, 3), [(3, 3)]),
    (lambda x: la.lstsq(x, x[:, 0])[0], [(4, 2)]), (lambda x: la.eig(x)[0].sum(), [(3, 3)]),
    (la.inv, [(2, 3, 3)]),
])
def test_complex_grads(build, shapes):
    vals = [cplx(*s) + (2 * np.eye(s[-1]) if len(s) >= 2 and s[-1] == s[-2] else 0) for s in shapes]
    check_complex_grad(build, vals)


@pytest.mark.parametrize("trans", [0, 1, 2])
@pytest.mark.parametrize("lower", [True, False])
def test_complex_grad_solve_triangular(trans, lower):
    a = cplx(3, 3) + 3 * np.eye(3)
    a = np.tril(a) if lower else np.triu(a)
    check_complex_grad(lambda x, y: la.solve_triangular(x, y, trans=trans, lower=lower), [a, cplx(3, 2)])


def check_jvp(build, values, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Forward-mode tangents (pushforward) against central differences."""
    from tensorsmith_autodiff import pushforward

    syms = [sym_like(v) for v in values]
    tans = [sym_like(v) for v in values]
    out = build(*syms)
    (jv,) = pushforward([out], syms, tans)
    r = np.random.default_rng(3)
    dirs = [r.normal(size=np.shape(v)) for v in values]
    got = compile_eval(syms + tans, jv, list(values) + dirs)
    f = tensorsmith.function(syms, out)
    plus = f(*[v + eps * d for v, d in zip(values, dirs)])
    minus = f(*[v - eps * d for v, d in zip(values, dirs)])
    np.testing.assert_allclose(got, (plus - minus) / (2 * eps), rtol=rtol, atol=atol)


@pytest.mark.parametrize("build,values", [
    (la.inv, [well(3)]), (la.inv, [well(3, 2)]), (la.det, [well(3, 2)]),
    (la.solve, [well(3), rng.normal(size=(3, 2))]), (la.solve, [well(3, 2), rng.normal(size=(3, 2))]),
    (lambda a, b: la.solve(a, b, b_ndim=1), [well(3, 2), rng.normal(size=(2, 3))]),
    (lambda a, b: la.solve(a, b, transposed=True), [well(3), rng.normal(size=(3,))]),
    (lambda a, b: la.matrix_dot(a, b), [rng.normal(size=(2, 2, 3)), rng.normal(size=(3, 2))]),
    (la.cholesky, [spd(3, 2)]), (la.expm, [rng.normal(size=(3, 3)) * 0.5]),
    (la.trace, [rng.normal(size=(2, 3, 3))]),
    (lambda a, b: la.cho_solve((a, True), b), [np.linalg.cholesky(spd(3)), rng.normal(size=(3, 2))]),
    (lambda a, b: la.cho_solve((a, False), b), [np.linalg.cholesky(spd(3)).T, rng.normal(size=(3,))]),
    (lambda a, b: la.cho_solve((a, True), b), [np.linalg.cholesky(spd(3, 2)), rng.normal(size=(3, 2))]),
    (la.solve_sylvester, [well(3) * 0.3, well(2) * 0.3, rng.normal(size=(3, 2))]),
    (la.solve_continuous_lyapunov, [well(3) * 0.3, rng.normal(size=(3, 3))]),
    (la.solve_discrete_lyapunov, [rng.normal(size=(3, 3)) * 0.2, rng.normal(size=(3, 3))]),
    (la.solve_discrete_lyapunov, [rng.normal(size=(2, 3, 3)) * 0.2, rng.normal(size=(3, 3))]),
    (lambda a, b: la.lu_solve(la.lu_factor(a), b), [well(3), rng.normal(size=(3, 2))]),
    (lambda a, b: la.lu_solve(la.lu_factor(a), b, trans=1), [well(3), rng.normal(size=(3,))]),
])
def test_jvp(build, values):
    check_jvp(build, values)


def check_rule_jvp(rule, build, values, eps=1e-6):
    """The forward rule ``rule`` of the core node ``build`` makes, against
    central differences (independent of which rule the registry holds)."""
    syms = [sym_like(v) for v in values]
    tans = [sym_like(v) for v in values]
    out = build(*syms)
    node = out.owner
    assert list(node.inputs) == syms
    jv = rule(node.op, node, list(node.inputs), tans)[node.outputs.index(out)]
    r = np.random.default_rng(3)
    dirs = [r.normal(size=np.shape(v)) for v in values]
    got = compile_eval(syms + tans, jv, list(values) + dirs)
    f = tensorsmith.function(syms, out)
    fd = (f(*[v + eps * d for v, d in zip(values, dirs)]) - f(*[v - eps * d for v, d in zip(values, dirs)])) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos", "diagonal", "tridiagonal", "upper triangular",
                                      "lower triangular"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("b_shape", [(3,), (3, 2)])
def test_jvp_rule_solve_structured(assume_a, lower, b_shape):
    from tensorsmith_tensorops.linalg.slinalg import _solve_jvp

    check_rule_jvp(_solve_jvp, lambda a, b: la.solve(a, b, assume_a=assume_a, lower=lower),
                   [spd(3), rng.normal(size=b_shape)])


@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("unit", [False, True])
def test_jvp_rule_solve_triangular(trans, unit):
    from tensorsmith_tensorops.linalg.slinalg import _solve_triangular_jvp

    kw = dict(trans=trans, lower=True, unit_diagonal=unit)
    check_rule_jvp(_solve_triangular_jvp, lambda x, y: la.solve_triangular(x, y, **kw),
                   [lower_tri(3), rng.normal(size=(3, 2))])


def test_jvp_rule_blockwise():
    from tensorsmith_tensorops.blockwise import _blockwise_jvp

    check_rule_jvp(_blockwise_jvp, la.inv, [well(3, 2)])
    check_rule_jvp(_blockwise_jvp, lambda a, b: la.solve(a, b, assume_a="pos"), [spd(3, 2), rng.normal(size=(2, 3, 2))])
    check_rule_jvp(_blockwise_jvp, la.eigvalsh, [spd(3, 2)])


@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("unit", [False, True])
def test_jvp_solve_triangular(trans, lower, unit):
    a = lower_tri(3) if lower else lower_tri(3).T
    kw = dict(trans=trans, lower=lower, unit_diagonal=unit)
    check_jvp(lambda x, y: la.solve_triangular(x, y, **kw), [a, rng.normal(size=(3, 2))])
    check_jvp(lambda x, y: la.solve_triangular(x, y, **kw), [np.stack([a, a]), rng.normal(size=(3,))])


def tridiag(n, *batch):
    r = np.random.default_rng(n)
    a = np.zeros(batch + (n, n))
    idx = np.arange(n)
    a[..., idx, idx] = r.normal(size=batch + (n,)) + 3
    a[..., idx[1:], idx[:-1]] = r.normal(size=batch + (max(n - 1, 0),))
    a[..., idx[:-1], idx[1:]] = r.normal(size=batch + (max(n - 1, 0),))
    return a


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("transposed", [False, True])
def test_tridiagonal_lu(n, transposed):
    a = tridiag(n)
    b = rng.normal(size=(n, 2))
    ref = np.linalg.solve(a.T if transposed else a, b) if n else np.zeros((0, 2))
    check(lambda x, y: la.tridiagonal_lu_solve(la.tridiagonal_lu_factor(x), y, b_ndim=2, transposed=transposed),
          lambda x, y: ref, [a, b], rtol=1e-6)
    if n:
        x = sym_like(a)
        factors = compile_eval([x], list(la.tridiagonal_lu_factor(x)), [a])
        assert [f.shape for f in factors] == [(n - 1,), (n,), (n - 1,), (max(n - 2, 0),), (n,)]
        assert factors[4].dtype == np.int32
        check_grad(lambda x, y: la.tridiagonal_lu_solve(la.tridiagonal_lu_factor(x), y, transposed=transposed),
                   [a, b[:, 0]], wrt=[1])


def test_tridiagonal_batched_and_static_shapes():
    a = tridiag(4, 3)
    b = rng.normal(size=(3, 4))
    check(lambda x, y: la.tridiagonal_lu_solve(la.tridiagonal_lu_factor(x), y, b_ndim=1),
          lambda x, y: np.linalg.solve(x, y[..., None])[..., 0], [a, b], rtol=1e-6)
    dl, d, du, du2, ipiv = la.tridiagonal_lu_factor(pt.tensor(dtype="float32", shape=(2, 5, 5)))
    assert (dl.type.shape, d.type.shape, du2.type.shape, ipiv.type.shape) == ((2, 4), (2, 5), (2, 3), (2, 5))
    assert d.type.dtype == "float32" and ipiv.type.dtype == "int32"


@pytest.mark.parametrize("output", ["real", "complex"])
def test_qz_ordqz(output):
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    x, y = sym_like(a), sym_like(b)
    aa, bb, q, z = compile_eval([x, y], list(la.qz(x, y, output=output)), [a, b])
    for m, ref in ((aa, a), (bb, b)):
        np.testing.assert_allclose(q @ m @ z.conj().T, ref, atol=1e-10)
    ref = scipy.linalg.ordqz(a, b, sort="lhp", output=output)
    got = compile_eval([x, y], list(la.ordqz(x, y, sort="lhp", output=output)), [a, b])
    for gv, rv in zip(got, ref):
        assert gv.dtype == rv.dtype and gv.shape == rv.shape
    np.testing.assert_allclose(got[2] / got[3], ref[2] / ref[3], atol=1e-8)
    with pytest.raises(ValueError, match="sort"):
        la.ordqz(x, y, sort="bad")
