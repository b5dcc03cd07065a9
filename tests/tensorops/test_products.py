"""Products vs NumPy: dot, matmul (and ``@``), tensordot, outer, vecdot,
matvec, vecmat, einsum, kron (values, dtypes, static shapes, broadcasting,
empty and transposed inputs, gradients, forward mode, build-time errors)."""
import numpy as np
import pytest
from tensorsmith_autodiff import pushforward

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad, compile_eval

rng = np.random.default_rng(3)


def rand(shape, dtype="float64"):
    if dtype == "bool":
        return rng.uniform(size=shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-3, 4, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def check_static_shape(build, ref, vals):
    """With static input shapes, the output's static shape is the value's."""
    syms = [pt.tensor(dtype=np.asarray(v).dtype, shape=np.shape(v)) for v in vals]
    out = build(*syms)
    assert out.type.shape == np.shape(ref(*vals)), (out.type.shape, np.shape(ref(*vals)))


def _matmul_op(a, b):
    return a @ b


# (name, build, numpy reference, list of shape tuples)
CASES = [
    ("dot", pt.dot, np.dot, [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((), (3, 2)),
                             ((2, 3, 4), (4,)), ((2, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((0, 3), (3, 2)),
                             ((2, 0), (0, 3))]),
    ("matmul", pt.matmul, np.matmul, [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                      ((5, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)),
                                      ((0, 2, 3), (3, 4)), ((2, 0), (0, 3)), ((1, 2, 3), (5, 3, 1))]),
    ("@", _matmul_op, np.matmul, [((2, 3), (3, 4)), ((4, 2, 3), (3,))]),
    ("tensordot", pt.tensordot, np.tensordot, [((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4)), ((0, 3), (0, 3)), ((2, 0), (2, 0, 3))]),
    ("tensordot1", lambda a, b: pt.tensordot(a, b, axes=1), lambda a, b: np.tensordot(a, b, axes=1),
     [((2, 3), (3, 4)), ((2, 3, 4), (4,))]),
    ("tensordot0", lambda a, b: pt.tensordot(a, b, axes=0), lambda a, b: np.tensordot(a, b, axes=0),
     [((2,), (3, 2)), ((), (3,))]),
    ("tensordot_pairs", lambda a, b: pt.tensordot(a, b, axes=([0, -1], [2, 0])),
     lambda a, b: np.tensordot(a, b, axes=([0, -1], [2, 0])), [((2, 3, 4), (4, 5, 2))]),
    ("tensordot_intpair", lambda a, b: pt.tensordot(a, b, axes=(1, 0)),
     lambda a, b: np.tensordot(a, b, axes=(1, 0)), [((2, 3), (3, 4))]),
    ("outer", pt.outer, np.outer, [((3,), (4,)), ((2, 3), (2,)), ((), (3,)), ((0,), (3,))]),
    ("vecdot", pt.vecdot, np.vecdot, [((3,), (3,)), ((2, 3), (4, 1, 3)), ((0, 3), (3,)), ((2, 1), (5, 1, 1))]),
    ("vecdot_axis0", lambda a, b: pt.vecdot(a, b, axis=0), lambda a, b: np.vecdot(a, b, axis=0),
     [((3, 2), (3, 2)), ((4,), (4,))]),
    ("matvec", pt.matvec, np.matvec, [((2, 3), (3,)), ((5, 2, 3), (4, 1, 3)), ((0, 3), (3,))]),
    ("vecmat", pt.vecmat, np.vecmat, [((3,), (3, 2)), ((4, 1, 3), (5, 3, 2)), ((3,), (3, 0))]),
    ("kron", pt.kron, np.kron, [((2, 3), (4, 5)), ((3,), (2,)), ((2, 3), (4,)), ((), (2, 3)), ((2, 1, 3), (2, 2)),
                                ((0, 2), (3, 1))]),
    ("einsum_mm", lambda a, b: pt.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b),
     [((2, 3), (3, 4)), ((1, 3), (3, 4))]),
    ("einsum_implicit", lambda a, b: pt.einsum("ba,Ab", a, b), lambda a, b: np.einsum("ba,Ab", a, b),
     [((2, 3), (4, 2))]),
    ("einsum_batch", lambda a, b: pt.einsum("...ij,...jk->...ik", a, b),
     lambda a, b: np.einsum("...ij,...jk->...ik", a, b), [((5, 1, 2, 3), (4, 3, 2)), ((2, 3), (6, 3, 2))]),
    ("einsum_implicit_ellipsis", lambda a, b: pt.einsum("...j,j", a, b), lambda a, b: np.einsum("...j,j", a, b),
     [((4, 2, 3), (3,)), ((3,), (3,))]),
    ("einsum_bcast_letters", lambda a, b: pt.einsum("ij,ij->ij", a, b), lambda a, b: np.einsum("ij,ij->ij", a, b),
     [((1, 3), (2, 3)), ((2, 1), (2, 3))]),
    ("einsum_sum_lonely", lambda a, b: pt.einsum("ijk,j->i", a, b), lambda a, b: np.einsum("ijk,j->i", a, b),
     [((2, 3, 4), (3,))]),
]

FLAT = [(name, build, ref, shapes) for name, build, ref, shape_list in CASES for shapes in shape_list]


@pytest.mark.parametrize("name,build,ref,shapes", FLAT, ids=[f"{c[0]}-{c[3]}" for c in FLAT])
def test_product_matches_numpy(name, build, ref, shapes):
    vals = [rand(s) for s in shapes]
    assert_op_matches(build, ref, vals)
    check_static_shape(build, ref, vals)
    # non-contiguous operands (every other element of a larger buffer)
    strided = [np.stack([v, v], axis=-1)[..., 0] for v in vals]
    assert all(np.size(v) < 2 or not v.flags.c_contiguous for v in strided)
    assert_op_matches(build, ref, strided)
    # transposed operands
    if all(np.ndim(v) == 2 for v in vals):
        assert_op_matches(lambda *xs: build(*[x.T for x in xs]), lambda *vs: ref(*[v.T for v in vs]),
                          [v.T.copy() for v in vals])


@pytest.mark.parametrize("name,build,ref,shapes", [c for c in FLAT if 0 not in sum(c[3], ())],
                         ids=[f"{c[0]}-{c[3]}" for c in FLAT if 0 not in sum(c[3], ())])
def test_product_grad(name, build, ref, shapes):
    check_grad(build, [rand(s) for s in shapes])


@pytest.mark.parametrize("dta,dtb", [("int8", "int8"), ("int32", "float32"), ("bool", "bool"), ("float32", "float32"),
                                     ("float32", "float64"), ("int64", "bool"), ("complex64", "float32")])
def test_dtypes(dta, dtb):
    a, b = rand((2, 3), dta), rand((3, 4), dtb)
    rtol = 1e-5
    for build, ref in [(pt.dot, np.dot), (pt.matmul, np.matmul), (pt.tensordot, lambda x, y: np.tensordot(x, y, 1)),
                       (lambda x, y: pt.einsum("ij,jk", x, y), lambda x, y: np.einsum("ij,jk", x, y)),
                       (pt.kron, np.kron), (pt.outer, np.outer)]:
        if build is pt.tensordot:
            build = (lambda x, y: pt.tensordot(x, y, 1))
        assert_op_matches(build, ref, [a, b], rtol=rtol)
    v1, v2 = rand((4, 3), dta), rand((3,), dtb)
    if dta != "bool":  # numpy.vecdot/matvec of bool is not defined
        assert_op_matches(pt.vecdot, np.vecdot, [v1, v2], rtol=rtol)
        assert_op_matches(pt.matvec, np.matvec, [v1.T, v2 if v2.shape == (4,) else rand((4,), dtb)], rtol=rtol)
        assert_op_matches(pt.vecmat, np.vecmat, [v2, v1.T], rtol=rtol)


def test_python_scalars_are_weak():
    x = pt.tensor("x", dtype="float32", shape=(3,))
    assert pt.dot(x, 2.0).type.dtype == "float32"
    assert pt.outer(x, 2).type.dtype == "float32"


def test_complex_vecdot_conjugates_first():
    a, b = rand((2, 3), "complex128"), rand((3,), "complex128")
    assert_op_matches(pt.vecdot, np.vecdot, [a, b])
    assert_op_matches(pt.vecmat, np.vecmat, [b, rand((3, 2), "complex128")])


def test_complex_grad_convention():
    """For a real cost of complex inputs the gradient is dC/dRe + i dC/dIm."""
    a0, b0 = rand((2, 3), "complex128"), rand((3, 2), "complex128")
    a, b = pt.matrix("a", dtype="complex128"), pt.matrix("b", dtype="complex128")
    for build in [pt.matmul, pt.dot, lambda x, y: pt.einsum("ij,jk->ik", x, y)]:
        cost = pt.real(build(a, b) * np.array([[1.0, 2.0], [0.5, -1.0]])).sum() + pt.imag(build(a, b)).sum() * 0.3
        ga = compile_eval([a, b], pt.grad(cost, a), [a0, b0])
        f = tensorsmith.function([a, b], cost)
        h = 1e-6
        num = np.zeros_like(a0)
        for idx in np.ndindex(a0.shape):
            e = np.zeros_like(a0)
            e[idx] = h
            num[idx] = (f(a0 + e, b0) - f(a0 - e, b0)) / (2 * h) + 1j * (f(a0 + 1j * e, b0) - f(a0 - 1j * e, b0)) / (2 * h)
        np.testing.assert_allclose(ga, num, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------

EINSUM_CASES = [("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("i,i", [(3,), (3,)]),
                ("ij->ji", [(2, 3)]), ("ijk,jl->il", [(2, 3, 4), (3, 5)]), ("iij,jk,k->i", [(2, 2, 3), (3, 4), (4,)]),
                ("...", [(2, 3)]), ("i...->...", [(2, 3, 4)]), ("ij,kl", [(2, 3), (4, 1)]),
                ("iii->", [(2, 2, 2)]), ("i, j -> ij", [(2,), (3,)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
                ("", [()]), (",->", [(), ()]), ("i,->i", [(3,), ()]), ("ij,j->i", [(0, 3), (3,)])]


@pytest.mark.parametrize("subs,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum(subs, shapes):
    vals = [rand(s) for s in shapes]
    assert_op_matches(lambda *xs: pt.einsum(subs, *xs), lambda *v: np.einsum(subs, *v), vals)
    check_static_shape(lambda *xs: pt.einsum(subs, *xs), lambda *v: np.einsum(subs, *v), vals)
    if 0 not in sum(shapes, ()):
        check_grad(lambda *xs: pt.einsum(subs, *xs), vals)


def test_einsum_operand_list_and_errors():
    a, b = pt.matrix("a"), pt.matrix("b")
    assert pt.einsum("ij,jk", [a, b]).type.ndim == 2
    with pytest.raises(ValueError, match="2 operands, 1 given"):
        pt.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="names 3 axes"):
        pt.einsum("ijk", a)
    with pytest.raises(ValueError, match="not in any input"):
        pt.einsum("ij->k", a)
    with pytest.raises(ValueError, match="repeated"):
        pt.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="invalid term"):
        pt.einsum("i1,j", a, b)
    with pytest.raises(ValueError, match=r"'j'.*\[3, 4\]"):
        pt.einsum("ij,jk", pt.tensor(shape=(2, 3)), pt.tensor(shape=(4, 5)))
    with pytest.raises(ValueError, match=r"no '...'"):
        pt.einsum("...i->i", pt.tensor(shape=(2, 3)))


def test_einsum_runtime_error_names_shapes():
    a, b = pt.matrix("a"), pt.matrix("b")
    f = tensorsmith.function([a, b], pt.einsum("ij,jk", a, b))
    with pytest.raises(ValueError, match=r"Einsum.*\(2, 3\), \(4, 5\)"):
        f(np.zeros((2, 3)), np.zeros((4, 5)))


# ---------------------------------------------------------------------------
# build-time and run-time errors
# ---------------------------------------------------------------------------


def test_matmul_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        pt.matmul(pt.tensor(shape=(2, 3)), pt.tensor(shape=(4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        pt.tensor(shape=(2, 3)) @ pt.tensor(shape=(4,))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        pt.matmul(pt.scalar(), pt.matrix())
    with pytest.raises(ValueError, match="broadcasting"):
        pt.matmul(pt.tensor(shape=(2, 3, 3)), pt.tensor(shape=(4, 3, 3)))
    a, b = pt.tensor3("a"), pt.matrix("b")
    f = tensorsmith.function([a, b], pt.matmul(a, b))
    with pytest.raises(ValueError, match=r"MatMul.*\(2, 2, 3\) and \(4, 5\)"):
        f(np.zeros((2, 2, 3)), np.zeros((4, 5)))


def test_dot_tensordot_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        pt.dot(pt.tensor(shape=(2, 3)), pt.tensor(shape=(4,)))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) and \(3, 5\)"):
        pt.tensordot(pt.tensor(shape=(2, 3, 4)), pt.tensor(shape=(3, 5)), axes=1)
    with pytest.raises(ValueError, match="axis 3"):
        pt.tensordot(pt.tensor3(), pt.tensor3(), axes=([3], [0]))
    with pytest.raises(ValueError, match="axes=3"):
        pt.tensordot(pt.matrix(), pt.tensor3(), axes=3)
    with pytest.raises(ValueError, match="paired"):
        pt.tensordot(pt.matrix(), pt.matrix(), axes=([0, 1], [0]))
    with pytest.raises(ValueError, match=r"\(4, 3\) and \(2,\)"):
        pt.vecdot(pt.tensor(shape=(4, 3)), pt.tensor(shape=(2,)))
    with pytest.raises(ValueError, match="axis 2"):
        pt.vecdot(pt.matrix(), pt.matrix(), axis=2)
    with pytest.raises(ValueError, match="at least 2"):
        pt.matvec(pt.vector(), pt.vector())


# ---------------------------------------------------------------------------
# forward mode
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("build,sa,sb", [
    (pt.dot, (2, 3), (3, 4)), (pt.dot, (3,), (3,)), (pt.matmul, (5, 2, 3), (3, 4)), (pt.matmul, (3,), (2, 3, 4)),
    (lambda a, b: pt.einsum("ij,kj->ik", a, b), (2, 3), (4, 3)), (pt.tensordot, (2, 3, 4), (3, 4)),
    (pt.kron, (2, 3), (2, 2)), (pt.outer, (3,), (2,)), (pt.vecdot, (2, 3), (3,))],
    ids=["dot", "dot_vv", "matmul", "matmul_1d", "einsum", "tensordot", "kron", "outer", "vecdot"])
def test_forward_mode(build, sa, sb):
    a0, b0, ta0, tb0 = rand(sa), rand(sb), rand(sa), rand(sb)
    a, b = pt.tensor("a", shape=(None,) * len(sa)), pt.tensor("b", shape=(None,) * len(sb))
    ta, tb = pt.tensor("ta", shape=(None,) * len(sa)), pt.tensor("tb", shape=(None,) * len(sb))
    y = build(a, b)
    # kron reshapes to lengths read with Shape_i, which has no forward rule
    (jv,) = pushforward([y], [a, b], [ta, tb], use_fallback=build is pt.kron)
    got = compile_eval([a, b, ta, tb], jv, [a0, b0, ta0, tb0])
    f = tensorsmith.function([a, b], y)
    h = 1e-6
    num = (f(a0 + h * ta0, b0 + h * tb0) - f(a0 - h * ta0, b0 - h * tb0)) / (2 * h)
    np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("build,sa,sb", [
    (pt.dot, (2, 3), (3, 4)), (pt.matmul, (5, 1, 2, 3), (4, 3, 2)), (pt.matmul, (1, 2, 3), (5, 3, 1)),
    (lambda a, b: pt.einsum("ij,ij->ij", a, b), (1, 3), (2, 3)),
    (lambda a, b: pt.einsum("...ij,...jk->...ik", a, b), (5, 1, 2, 3), (4, 3, 2)),
    (lambda a, b: pt.einsum("iij,jk->ik", a, b), (2, 2, 3), (3, 4))],
    ids=["dot", "matmul", "matmul_bcast", "einsum_bcast", "einsum_batch", "einsum_diag"])
def test_infer_shape(build, sa, sb):
    a, b = pt.tensor("a", shape=(None,) * len(sa)), pt.tensor("b", shape=(None,) * len(sb))
    out = build(a, b)
    node = out.owner
    in_shapes = [tuple(pt.shape_i(i, k) for k in range(i.type.ndim)) for i in node.inputs]
    shp = node.op.infer_shape(None, node, in_shapes)[0]
    got = compile_eval([a, b], [pt.as_tensor_variable(d) for d in shp] + [node.outputs[0]], [rand(sa), rand(sb)])
    assert tuple(int(v) for v in got[:-1]) == got[-1].shape


@pytest.mark.parametrize("build,sa,sb", [
    (lambda a, b: pt.tensordot(a, b, axes=1), (2, 1), (3, 4)), (pt.vecdot, (2, 1), (2, 3)),
    (pt.matvec, (2, 1), (3,)), (pt.vecmat, (1,), (3, 2)), (pt.dot, (2, 3, 1), (4, 2))],
    ids=["tensordot", "vecdot", "matvec", "vecmat", "dot"])
def test_contracted_axes_do_not_broadcast(build, sa, sb):
    """As NumPy, a contracted axis of length 1 does not stretch (run-time error)."""
    a, b = pt.tensor("a", shape=(None,) * len(sa)), pt.tensor("b", shape=(None,) * len(sb))
    f = tensorsmith.function([a, b], build(a, b))
    with pytest.raises(ValueError, match="contracted axes"):
        f(rand(sa), rand(sb))
