"""Neural-network helpers: values against NumPy/SciPy (and slow loop
references for convolution and pooling), gradients against finite
differences, stability at |x| = 1000."""
import numpy as np
import pytest
from scipy import special

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad, compile_eval, sym_like

rng = np.random.default_rng(42)


def _grad_fn(build, value):
    x = sym_like(value)
    cost = build(x).sum()
    return tensorsmith.function([x], [cost, pt.grad(cost, x)])


# ---------------------------------------------------------------------------
# softmax / log_softmax
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1),
                                        ((2, 3, 4), (0, 2)), ((3, 4), None), ((0, 4), -1), ((1, 1), -1)])
@pytest.mark.parametrize("fn,ref", [(pt.softmax, special.softmax), (pt.log_softmax, special.log_softmax)])
def test_softmax_values(fn, ref, shape, axis):
    x = rng.normal(size=shape) * 3
    assert_op_matches(lambda v: fn(v, axis=axis), lambda v: ref(v, axis=axis), [x], rtol=1e-10)


@pytest.mark.parametrize("fn,ref", [(pt.softmax, special.softmax), (pt.log_softmax, special.log_softmax)])
def test_softmax_dtypes(fn, ref):
    x32 = rng.normal(size=(3, 4)).astype("float32")
    out = assert_op_matches(lambda v: fn(v, axis=-1), lambda v: ref(v, axis=-1), [x32], rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32
    xi = np.arange(6).reshape(2, 3)
    assert_op_matches(lambda v: fn(v, axis=-1), lambda v: ref(v, axis=-1), [xi], rtol=1e-10)
    # transposed (non-contiguous) input
    assert_op_matches(lambda v: fn(v.T, axis=-1), lambda v: ref(v.T, axis=-1), [rng.normal(size=(4, 3))])
    # PyTensor's default: axis=None normalises over all axes, as scipy.special
    assert_op_matches(fn, ref, [rng.normal(size=(3, 4))])


def test_softmax_sym_shape_and_errors():
    x = pt.tensor("x", dtype="float64", shape=(2, None))
    assert pt.softmax(x).type.shape == (2, None)
    with pytest.raises(ValueError):
        pt.softmax(pt.dvector(), axis=1)
    with pytest.raises(TypeError):
        pt.softmax(pt.zvector())


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_grads(axis):
    x = rng.normal(size=(3, 4))
    check_grad(lambda v: pt.softmax(v, axis=axis), [x])
    check_grad(lambda v: pt.log_softmax(v, axis=axis), [x])


def test_softmax_second_order():
    x = rng.normal(size=(2, 3))
    check_grad(lambda v: pt.grad((pt.softmax(v) ** 2).sum(), v), [x], rtol=1e-4)
    check_grad(lambda v: pt.grad((pt.log_softmax(v) ** 2).sum(), v), [x], rtol=1e-4)


@pytest.mark.parametrize("fn", [pt.softmax, pt.log_softmax])
def test_softmax_stability(fn):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]])
    f = _grad_fn(lambda v: fn(v, axis=-1) * np.arange(3.0), x)
    val, g = f(x)
    assert np.isfinite(val) and np.all(np.isfinite(g))
    out = compile_eval([sym := sym_like(x)], fn(sym, axis=-1), [x])
    ref = special.softmax(x, axis=-1) if fn is pt.softmax else special.log_softmax(x, axis=-1)
    np.testing.assert_allclose(out, ref)


def test_softmax_jvp():
    x = pt.dvector("x")
    t = pt.dvector("t")
    xv, tv = rng.normal(size=4), rng.normal(size=4)
    for fn, ref in [(pt.softmax, special.softmax), (pt.log_softmax, special.log_softmax)]:
        j = pt.pushforward(fn(x), [x], [t])
        j = j[0] if isinstance(j, (list, tuple)) else j
        val = tensorsmith.function([x, t], j)(xv, tv)
        eps = 1e-6
        num = (ref(xv + eps * tv) - ref(xv - eps * tv)) / (2 * eps)
        np.testing.assert_allclose(val, num, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


ACTIVATIONS = [
    ("gelu", lambda v: pt.gelu(v), lambda x: x * special.ndtr(x)),
    ("gelu_tanh", lambda v: pt.gelu(v, approximate="tanh"), _gelu_tanh),
    ("elu", lambda v: pt.elu(v), _elu),
    ("elu_alpha", lambda v: pt.elu(v, alpha=0.3), lambda x: _elu(x, 0.3)),
    ("relu", lambda v: pt.relu(v), lambda x: np.maximum(x, 0)),
    ("relu_alpha", lambda v: pt.relu(v, alpha=0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("leaky_relu", lambda v: pt.leaky_relu(v), lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu_slope", lambda v: pt.leaky_relu(v, negative_slope=0.5), lambda x: np.where(x > 0, x, 0.5 * x)),
]


@pytest.mark.parametrize("name,build,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("shape", [(), (0,), (7,), (2, 3)])
def test_activation_values(name, build, ref, shape):
    x = rng.normal(size=shape) * 2
    assert_op_matches(build, ref, [x], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,build,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_grads_and_stability(name, build, ref):
    x = rng.normal(size=(3, 4)) * 2
    x[np.abs(x) < 0.05] = 0.3  # keep away from the kinks
    check_grad(build, [x])
    big = np.array([-1000.0, -30.0, 30.0, 1000.0])
    val, g = _grad_fn(build, big)(big)
    assert np.isfinite(val) and np.all(np.isfinite(g))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_order(approximate):
    x = rng.normal(size=(5,))
    check_grad(lambda v: pt.grad(pt.gelu(v, approximate=approximate).sum(), v), [x], rtol=1e-4)
    check_grad(lambda v: pt.grad(pt.elu(v, alpha=0.7).sum(), v), [np.abs(x) + 0.1], rtol=1e-4)
    check_grad(lambda v: pt.grad(pt.elu(v, alpha=0.7).sum(), v), [-np.abs(x) - 0.1], rtol=1e-4)


def test_activation_dtypes():
    x32 = rng.normal(size=4).astype("float32")
    assert assert_op_matches(pt.gelu, lambda x: x * special.ndtr(x), [x32], rtol=1e-5).dtype == np.float32
    assert assert_op_matches(pt.elu, _elu, [x32], rtol=1e-5, atol=1e-6).dtype == np.float32
    xi = np.arange(-3, 3, dtype="int16")
    assert pt.gelu(pt.tensor(dtype="int16", shape=(None,))).dtype == "float32"
    assert pt.relu(pt.tensor(dtype="int32", shape=(None,))).dtype == "int32"
    assert_op_matches(pt.relu, lambda x: np.maximum(x, 0), [xi])
    with pytest.raises(ValueError):
        pt.gelu(pt.dvector(), approximate="erf")


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------


def test_one_hot():
    idx = np.array([[0, 2], [1, 1]])
    out = compile_eval([i := pt.lmatrix()], pt.one_hot(i, 3), [idx])
    np.testing.assert_array_equal(out, np.eye(3)[idx])
    assert out.dtype == np.float64
    assert pt.one_hot(pt.lvector(), 4, dtype="int8").type.shape == (None, 4)
    assert pt.one_hot(pt.lvector(), 4, dtype="int8").dtype == "int8"
    n = pt.lscalar()
    f = tensorsmith.function([i, n], pt.one_hot(i, n))
    assert f(idx, 5).shape == (2, 2, 5)
    with pytest.raises(ValueError):
        f(idx, 2)
    with pytest.raises(TypeError):
        pt.one_hot(pt.dvector(), 3)


# ---------------------------------------------------------------------------
# cross-entropies
# ---------------------------------------------------------------------------


def _probs(shape):
    return special.softmax(rng.normal(size=shape), axis=-1)


def test_categorical_crossentropy_values():
    p = _probs((4, 3))
    y = np.array([0, 2, 1, 2])
    t = np.eye(3)[y]
    ref = -np.log(p[np.arange(4), y])
    assert_op_matches(pt.categorical_crossentropy, lambda a, b: -(b * np.log(a)).sum(-1), [p, t])
    assert_op_matches(pt.categorical_crossentropy, lambda a, b: ref, [p, y])
    # leading batch dims
    p3 = _probs((2, 3, 4))
    y3 = rng.integers(0, 4, size=(2, 3))
    assert_op_matches(pt.categorical_crossentropy,
                      lambda a, b: -np.log(np.take_along_axis(a, b[..., None], -1)[..., 0]), [p3, y3])
    with pytest.raises(ValueError):
        pt.categorical_crossentropy(pt.dmatrix(), pt.lscalar())
    with pytest.raises(ValueError):
        compile_eval([a := pt.dmatrix(), b := pt.lvector()], pt.categorical_crossentropy(a, b),
                     [p, np.array([0, 3, 1, 1])])


def test_categorical_crossentropy_grads():
    p = _probs((3, 4))
    y = np.array([1, 0, 3])
    check_grad(lambda a: pt.categorical_crossentropy(a, pt.constant(y)), [p])
    check_grad(lambda a, b: pt.categorical_crossentropy(a, b), [p, np.eye(4)[y] * 0.8 + 0.05])


def test_binary_crossentropy():
    o = rng.uniform(0.05, 0.95, size=(3, 4))
    t = rng.uniform(size=(3, 4))
    assert_op_matches(pt.binary_crossentropy, lambda a, b: -(b * np.log(a) + (1 - b) * np.log1p(-a)), [o, t])
    check_grad(pt.binary_crossentropy, [o, t])


def test_sigmoid_binary_crossentropy():
    x = rng.normal(size=(3, 4)) * 3
    t = (rng.uniform(size=(3, 4)) > 0.5).astype(float)
    ref = lambda a, b: -(b * np.log(special.expit(a)) + (1 - b) * np.log(special.expit(-a)))  # noqa: E731
    assert_op_matches(pt.sigmoid_binary_crossentropy, ref, [x, t], rtol=1e-9)
    check_grad(pt.sigmoid_binary_crossentropy, [x, t])
    big = np.array([-1000.0, 1000.0, -1000.0, 1000.0])
    tb = np.array([0.0, 1.0, 1.0, 0.0])
    xs, ts = pt.dvector(), pt.dvector()
    c = pt.sigmoid_binary_crossentropy(xs, ts)
    val, g = tensorsmith.function([xs, ts], [c, pt.grad(c.sum(), xs)])(big, tb)
    np.testing.assert_allclose(val, [0, 0, 1000, 1000])
    np.testing.assert_allclose(g, [0, 0, -1, 1])


def test_softmax_cross_entropy_with_logits():
    x = rng.normal(size=(4, 5)) * 3
    y = rng.integers(0, 5, size=4)
    ref = -special.log_softmax(x, axis=-1)[np.arange(4), y]
    assert_op_matches(pt.softmax_cross_entropy_with_logits, lambda a, b: ref, [x, y], rtol=1e-10)
    t = special.softmax(rng.normal(size=(4, 5)), axis=-1)
    assert_op_matches(pt.softmax_cross_entropy_with_logits,
                      lambda a, b: -(b * special.log_softmax(a, axis=-1)).sum(-1), [x, t], rtol=1e-10)
    # class axis 0
    y0 = rng.integers(0, 4, size=5)
    ref0 = -special.log_softmax(x, axis=0)[y0, np.arange(5)]
    assert_op_matches(lambda a, b: pt.softmax_cross_entropy_with_logits(a, b, axis=0), lambda a, b: ref0,
                      [x, y0], rtol=1e-10)
    check_grad(lambda a: pt.softmax_cross_entropy_with_logits(a, pt.constant(y)), [x])
    check_grad(pt.softmax_cross_entropy_with_logits, [x, t])


def test_logits_crossentropy_stability():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    y = np.array([1, 0])
    xs, ys = pt.dmatrix(), pt.lvector()
    c = pt.softmax_cross_entropy_with_logits(xs, ys)
    val, g = tensorsmith.function([xs, ys], [c, pt.grad(c.sum(), xs)])(x, y)
    np.testing.assert_allclose(val, -special.log_softmax(x, axis=-1)[[0, 1], y])
    np.testing.assert_allclose(g, special.softmax(x, axis=-1) - np.eye(3)[y], atol=1e-12)


# ---------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------


def _conv_ref(x, w, stride, pad, dilation, groups):
    """Slow direct N-d cross-correlation (explicit loops over output positions)."""
    nd = x.ndim - 2
    if pad == "same":
        pads = []
        for k, d in zip(w.shape[2:], dilation):
            tot = d * (k - 1)
            pads.append((tot // 2, tot - tot // 2))
    else:
        pads = [(p, p) for p in pad]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    n, c = x.shape[:2]
    o = w.shape[0]
    cg, og = c // groups, o // groups
    ks = w.shape[2:]
    out_sp = [(xp.shape[2 + i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1 for i in range(nd)]
    out = np.zeros((n, o, *out_sp))
    for b in range(n):
        for oc in range(o):
            gi = oc // og
            for pos in np.ndindex(*out_sp):
                acc = 0.0
                for ic in range(cg):
                    for kk in np.ndindex(*ks):
                        idx = tuple(pos[i] * stride[i] + kk[i] * dilation[i] for i in range(nd))
                        acc += xp[(b, gi * cg + ic) + idx] * w[(oc, ic) + kk]
                out[(b, oc) + pos] = acc
    return out


CONV_CASES = [
    # nd, x shape, w shape, stride, padding, dilation, groups
    (2, (2, 3, 6, 5), (4, 3, 3, 2), 1, "valid", 1, 1),
    (2, (1, 4, 7, 7), (6, 2, 3, 3), (2, 1), 1, 1, 2),
    (2, (2, 2, 6, 6), (2, 1, 3, 3), 1, "same", (2, 1), 2),
    (2, (1, 2, 8, 7), (3, 2, 2, 4), (3, 2), (1, 2), (1, 2), 1),
    (2, (1, 1, 5, 4), (1, 1, 2, 2), 1, "same", 1, 1),
    (1, (2, 3, 9), (2, 3, 4), 2, 1, 1, 1),
    (1, (1, 4, 8), (4, 1, 3), 1, "same", 2, 4),
    (3, (1, 2, 4, 4, 3), (2, 2, 2, 2, 2), 1, 1, 1, 1),
]


def _conv_build(case):
    nd, _, _, stride, padding, dilation, groups = case
    fn = {1: pt.conv1d, 2: pt.conv2d, 3: pt.conv3d}[nd]
    return lambda x, w: fn(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)


def _tup(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_values(case):
    nd, xs, ws, stride, padding, dilation, groups = case
    x, w = rng.normal(size=xs), rng.normal(size=ws)
    pad = padding if padding == "same" else ((0,) * nd if padding == "valid" else _tup(padding, nd))
    ref = _conv_ref(x, w, _tup(stride, nd), pad, _tup(dilation, nd), groups)
    assert_op_matches(_conv_build(case), lambda a, b: ref, [x, w], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CONV_CASES[:7])
def test_conv_grads(case):
    _, xs, ws = case[:3]
    check_grad(_conv_build(case), [rng.normal(size=xs), rng.normal(size=ws)], rtol=1e-5, atol=1e-6)


def test_conv_vs_scipy_and_static_shape():
    from scipy.signal import correlate

    x, w = rng.normal(size=(1, 1, 6, 7)), rng.normal(size=(1, 1, 3, 2))
    assert_op_matches(pt.conv2d, lambda a, b: correlate(a, b, mode="valid"), [x, w], rtol=1e-10)
    xs = pt.tensor(dtype="float64", shape=(2, 3, 10, 9))
    ws = pt.tensor(dtype="float64", shape=(4, 3, 3, 3))
    assert pt.conv2d(xs, ws, stride=2, padding=1).type.shape == (2, 4, 5, 5)
    assert pt.conv2d(xs, ws, padding="same").type.shape == (2, 4, 10, 9)
    x32 = pt.tensor(dtype="float32", shape=(None,) * 4)
    assert pt.conv2d(x32, x32).dtype == "float32"
    assert pt.conv2d(x32, pt.dtensor4()).dtype == "float64"


def test_conv_errors():
    xs = pt.tensor(dtype="float64", shape=(2, 3, 10, 9))
    with pytest.raises(ValueError, match="channels"):
        pt.conv2d(xs, pt.tensor(dtype="float64", shape=(4, 2, 3, 3)))
    with pytest.raises(ValueError, match="stride 1"):
        pt.conv2d(xs, pt.dtensor4(), stride=2, padding="same")
    with pytest.raises(ValueError, match="too small"):
        pt.conv2d(xs, pt.tensor(dtype="float64", shape=(4, 3, 11, 3)))
    with pytest.raises(TypeError):
        pt.conv2d(pt.dmatrix(), pt.dtensor4())
    with pytest.raises(ValueError, match="groups"):
        pt.conv2d(xs, pt.tensor(dtype="float64", shape=(4, 1, 3, 3)), groups=3)
    x, w = pt.dtensor4(), pt.dtensor4()
    f = tensorsmith.function([x, w], pt.conv2d(x, w))
    with pytest.raises(ValueError):
        f(np.zeros((1, 3, 5, 5)), np.zeros((2, 2, 3, 3)))


def test_conv_second_order():
    x, w = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(2, 2, 2, 2))

    def gx(a, b):
        return pt.grad((pt.conv2d(a, b, stride=2, padding=1) ** 2).sum(), a)

    def gw(a, b):
        return pt.grad((pt.conv2d(a, b, stride=2, padding=1) ** 2).sum(), b)

    check_grad(gx, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(gw, [x, w], rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


def _pool_ref(x, k, s, p, mode, count_include_pad=True):
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])], constant_values=fill)
    ones = np.pad(np.ones(x.shape[-2:]), [(p[0], p[0]), (p[1], p[1])])
    oh = (x.shape[-2] + 2 * p[0] - k[0]) // s[0] + 1
    ow = (x.shape[-1] + 2 * p[1] - k[1]) // s[1] + 1
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[..., i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
            if mode == "max":
                out[..., i, j] = win.max(axis=(-2, -1))
            else:
                cnt = k[0] * k[1] if count_include_pad else ones[i * s[0]:i * s[0] + k[0],
                                                                  j * s[1]:j * s[1] + k[1]].sum()
                out[..., i, j] = win.sum(axis=(-2, -1)) / cnt
    return out


POOL_CASES = [((2, 3, 6, 6), 2, None, 0), ((1, 7, 5), (3, 2), (2, 1), (1, 1)), ((2, 5, 5), 3, 2, 1),
              ((4, 4), (2, 3), 1, (1, 0))]


@pytest.mark.parametrize("shape,k,s,p", POOL_CASES)
@pytest.mark.parametrize("mode", ["max", "avg", "avg_nopad"])
def test_pool_values_and_grads(shape, k, s, p, mode):
    k2 = _tup(k, 2)
    s2 = k2 if s is None else _tup(s, 2)
    p2 = _tup(p, 2)
    x = rng.permutation(np.prod(shape)).reshape(shape) / 7.0  # distinct values: no argmax ties
    if mode == "max":
        build = lambda v: pt.max_pool2d(v, k, stride=s, padding=p)  # noqa: E731
        ref = _pool_ref(x, k2, s2, p2, "max")
    else:
        cip = mode == "avg"
        build = lambda v: pt.avg_pool2d(v, k, stride=s, padding=p, count_include_pad=cip)  # noqa: E731
        ref = _pool_ref(x, k2, s2, p2, "avg", cip)
    assert_op_matches(build, lambda v: ref, [x], rtol=1e-12)
    check_grad(build, [x])


def test_max_pool_grad_to_argmax_and_second_order():
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 9.0, 1.0]])
    xs = pt.dmatrix()
    g = pt.grad(pt.max_pool2d(xs, 2).sum(), xs)
    np.testing.assert_array_equal(compile_eval([xs], g, [x]), [[0, 1, 0, 0], [0, 0, 1, 0]])
    xv = rng.permutation(36).reshape(1, 6, 6) / 5.0
    check_grad(lambda v: pt.grad((pt.max_pool2d(v, 3, stride=2, padding=1) ** 2).sum(), v), [xv], rtol=1e-4)
    check_grad(lambda v: pt.grad((pt.avg_pool2d(v, 3, stride=2, padding=1) ** 2).sum(), v), [xv], rtol=1e-4)


def test_pool_dtypes_shapes_errors():
    xi = np.arange(16, dtype="int32").reshape(4, 4)
    out = assert_op_matches(lambda v: pt.max_pool2d(v, 2),
                            lambda v: _pool_ref(v.astype(float), (2, 2), (2, 2), (0, 0), "max"),
                            [xi], check_dtype=False)
    assert out.dtype == np.int32
    x32 = pt.tensor(dtype="float32", shape=(3, 8, 9))
    assert pt.avg_pool2d(x32, 2).type.shape == (3, 4, 4)
    assert pt.avg_pool2d(x32, 2).dtype == "float32"
    assert pt.max_pool2d(x32, 3, stride=1, padding=1).type.shape == (3, 8, 9)
    with pytest.raises(ValueError, match="half"):
        pt.max_pool2d(x32, 2, padding=2)
    with pytest.raises(ValueError):
        pt.max_pool2d(pt.tensor(dtype="float32", shape=(1, 1)), 2)
    with pytest.raises(TypeError):
        pt.max_pool2d(pt.dvector(), 2)


# ---------------------------------------------------------------------------
# infer_shape, layouts, dtypes, forward mode
# ---------------------------------------------------------------------------


def _check_infer_shape(out, inputs, values):
    """``out.owner.op.infer_shape`` evaluated on the inputs' symbolic shapes
    equals the computed output's shape."""
    node = out.owner
    in_shapes = [tuple(pt.shape_i(i, k) for k in range(i.type.ndim)) for i in node.inputs]
    (shp,) = node.op.infer_shape(None, node, in_shapes)
    f = tensorsmith.function(inputs, [out] + [pt.as_tensor_variable(s) for s in shp],
                             on_unused_input="ignore")
    res = f(*values)
    assert tuple(int(v) for v in res[1:]) == res[0].shape


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_infer_shape(case):
    _, xs, ws = case[:3]
    x, w = pt.tensor(dtype="float64", shape=(None,) * len(xs)), pt.tensor(dtype="float64", shape=(None,) * len(ws))
    out = _conv_build(case)(x, w)
    xv, wv = rng.normal(size=xs), rng.normal(size=ws)
    _check_infer_shape(out, [x, w], [xv, wv])
    gz = pt.tensor(dtype="float64", shape=(None,) * len(xs))
    outv = tensorsmith.function([x, w], out)(xv, wv)
    gx, gw = pt.grad((out * gz).sum(), [x, w])
    _check_infer_shape(gx, [x, w, gz], [xv, wv, np.ones_like(outv)])
    _check_infer_shape(gw, [x, w, gz], [xv, wv, np.ones_like(outv)])


@pytest.mark.parametrize("shape,k,s,p", POOL_CASES)
def test_pool_infer_shape(shape, k, s, p):
    x = pt.tensor(dtype="float64", shape=(None,) * len(shape))
    xv = rng.permutation(np.prod(shape)).reshape(shape) / 3.0
    for fn in (pt.max_pool2d, pt.avg_pool2d):
        out = fn(x, k, stride=s, padding=p)
        _check_infer_shape(out, [x], [xv])
        g = pt.grad((out ** 2).sum(), x)
        _check_infer_shape(g, [x], [xv])


def test_conv_layouts_and_dtypes():
    # non-contiguous input and filters, empty batch, float32
    xv = rng.normal(size=(5, 6, 3, 2)).transpose(3, 2, 0, 1)  # (2, 3, 5, 6), transposed strides
    wv = rng.normal(size=(3, 3, 4, 2)).transpose(3, 2, 1, 0)  # (2, 4, 3, 3)
    ref = _conv_ref(np.ascontiguousarray(xv), np.ascontiguousarray(wv[:, :3]), (1, 1), (1, 1), (1, 1), 1)
    assert_op_matches(lambda a, b: pt.conv2d(a, b[:, :3], padding=1), lambda a, b: ref, [xv, wv], rtol=1e-10)
    assert_op_matches(pt.conv2d, lambda a, b: np.zeros((0, 2, 4, 4)),
                      [np.zeros((0, 3, 6, 6)), rng.normal(size=(2, 3, 3, 3))])
    x32, w32 = xv.astype("float32"), rng.normal(size=(4, 3, 2, 2)).astype("float32")
    ref32 = _conv_ref(x32.astype(float), w32.astype(float), (1, 1), (0, 0), (1, 1), 1)
    out = compile_eval([a := pt.ftensor4(), b := pt.ftensor4()], pt.conv2d(a, b), [x32, w32])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref32, rtol=1e-4, atol=1e-4)
    # integer input is promoted to floatX
    assert pt.conv2d(pt.ltensor4(), pt.ltensor4()).dtype == "float64"


def test_conv_pool_jvp():
    x, w, tx, tw = (pt.dtensor4(n) for n in "x w tx tw".split())
    xv, wv = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 2, 2))
    txv, twv = rng.normal(size=xv.shape), rng.normal(size=wv.shape)
    eps = 1e-6
    out = pt.conv2d(x, w, stride=2, padding=1)
    j = pt.pushforward(out, [x, w], [tx, tw])
    j = j[0] if isinstance(j, (list, tuple)) else j
    f = tensorsmith.function([x, w], out)
    num = (f(xv + eps * txv, wv + eps * twv) - f(xv - eps * txv, wv - eps * twv)) / (2 * eps)
    jf = tensorsmith.function([x, w, tx, tw], j, on_unused_input="ignore")
    np.testing.assert_allclose(jf(xv, wv, txv, twv), num, rtol=1e-5, atol=1e-7)
    for fn in (pt.max_pool2d, pt.avg_pool2d):
        xp = rng.permutation(50).reshape(1, 2, 5, 5) / 7.0
        out = fn(x, 2, stride=1, padding=1)
        j = pt.pushforward(out, [x], [tx])
        j = j[0] if isinstance(j, (list, tuple)) else j
        f = tensorsmith.function([x], out)
        num = (f(xp + eps * txv) - f(xp - eps * txv)) / (2 * eps)
        jf = tensorsmith.function([x, tx], j, on_unused_input="ignore")
        np.testing.assert_allclose(jf(xp, txv), num, rtol=1e-5, atol=1e-7)


def test_max_pool_integer_padding():
    xi = -np.arange(1, 17, dtype="int64").reshape(4, 4)
    out = compile_eval([a := pt.lmatrix()], pt.max_pool2d(a, 2, padding=1), [xi])
    np.testing.assert_array_equal(out, _pool_ref(xi.astype(float), (2, 2), (2, 2), (1, 1), "max"))
    assert out.dtype == np.int64
