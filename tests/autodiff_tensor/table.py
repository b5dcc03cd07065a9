"""The table of differentiable ``pt`` functions the gradient tests run over:
``(name, builder, input generators)``; a generator takes a numpy Generator and
returns a float64 array in the function's domain.  Entries whose function does
not exist (yet) are collected as ``(name, None, reason)`` and skipped."""
import numpy as np

import tensorsmith.tensor as pt


def _lookup(path):
    obj = pt
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def R(*shape):
    return lambda rng: rng.normal(size=shape)


def P(*shape, lo=0.5, hi=2.0):
    return lambda rng: rng.uniform(lo, hi, size=shape)


def U(*shape, lo=-0.8, hi=0.8):
    return lambda rng: rng.uniform(lo, hi, size=shape)


def AWAY(*shape):
    """Values with |x| in [0.3, 2] (away from kinks at 0)."""
    return lambda rng: rng.uniform(0.3, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def DISTINCT(*shape):
    """Values spread apart (no ties for max/min/sort)."""
    def gen(rng):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.37 + rng.uniform(0, 0.05, size=n)).reshape(shape)
    return gen


def SPD(n):
    def gen(rng):
        a = rng.normal(size=(n, n))
        return a @ a.T + n * np.eye(n)
    return gen


def WELL(n):
    """A well-conditioned square matrix."""
    return lambda rng: rng.normal(size=(n, n)) + 3 * np.eye(n)


def SIMPLEX(*shape):
    def gen(rng):
        a = rng.uniform(0.2, 1.0, size=shape)
        return a / a.sum(axis=-1, keepdims=True)
    return gen


def _f(path, *args, **kw):
    """A builder calling ``pt.<path>(*inputs, *args, **kw)``."""
    def build(*xs):
        return _lookup(path)(*xs, *args, **kw)
    build.path = path
    return build


def _g(path, fn):
    fn.path = path
    return fn


UNARY_R = ["exp", "sin", "cos", "tanh", "sinh", "cosh", "arctan", "arcsinh", "sigmoid", "softplus", "erf",
           "erfc", "expm1", "neg", "sqr", "square", "log1pexp", "log_sigmoid", "exp2", "deg2rad", "erfcx"]
UNARY_P = ["log", "sqrt", "log1p", "log2", "log10", "reciprocal", "gammaln", "psi", "gamma", "i0", "i1", "cbrt",
           "j0", "j1", "log_ndtr"]
UNARY_U = ["arcsin", "arccos", "arctanh", "erfinv", "tan"]

ENTRIES = []
for n in UNARY_R:
    ENTRIES.append((n, _f(n), [R(3, 2)]))
for n in UNARY_P:
    ENTRIES.append((n, _f(n), [P(4)]))
for n in UNARY_U:
    ENTRIES.append((n, _f(n), [U(4)]))
ENTRIES += [
    ("abs", _f("abs"), [AWAY(5)]),
    ("arccosh", _f("arccosh"), [P(4, lo=1.5, hi=3.0)]),
    ("logit", _f("logit"), [P(4, lo=0.1, hi=0.9)]),
    ("erfcinv", _f("erfcinv"), [P(4, lo=0.2, hi=1.8)]),
    ("ndtri", _f("ndtri"), [P(4, lo=0.1, hi=0.9)]),
    ("log1mexp", _f("log1mexp"), [P(4, lo=-3.0, hi=-0.1)]),
    ("add", _f("add"), [R(3, 1), R(4)]),
    ("sub", _f("sub"), [R(2, 3), R(3)]),
    ("mul", _f("mul"), [R(2, 3), R(2, 1)]),
    ("true_div", _f("true_div"), [R(3), P(3)]),
    ("pow", _f("pow"), [P(3), R(3)]),
    ("maximum", _f("maximum"), [DISTINCT(4), R(4)]),
    ("minimum", _f("minimum"), [DISTINCT(4), R(4)]),
    ("arctan2", _f("arctan2"), [R(4), P(4)]),
    ("hypot", _f("hypot"), [AWAY(4), AWAY(4)]),
    ("logaddexp", _f("logaddexp"), [R(4), R(4)]),
    ("xlogy", _f("xlogy"), [R(4), P(4)]),
    ("xlog1py", _f("xlog1py"), [R(4), P(4)]),
    ("switch", _g("switch", lambda x, y: pt.switch(pt.gt(x, 0), x * y, y - x)), [AWAY(5), R(5)]),
    ("clip", _g("clip", lambda x: pt.clip(x, -0.5, 0.5)), [AWAY(6)]),
    ("betaln", _f("betaln"), [P(3), P(3)]),
    ("beta", _f("beta"), [P(3), P(3)]),
    ("betainc", _f("betainc"), [P(3), P(3), P(3, lo=0.2, hi=0.8)]),
    ("tri_gamma", _f("tri_gamma"), [P(4)]),
    ("polygamma", _g("polygamma", lambda x: pt.polygamma(2, x)), [P(4)]),
    ("jv", _g("jv", lambda x: pt.jv(1.5, x)), [P(4)]),
    ("iv", _g("iv", lambda x: pt.iv(0.5, x)), [P(4)]),
    ("kv", _g("kv", lambda x: pt.kv(1.0, x)), [P(4)]),
    ("owens_t", _f("owens_t"), [R(3), R(3)]),
    ("hyp2f1", _g("hyp2f1", lambda z: pt.hyp2f1(0.5, 1.5, 2.5, z)), [U(3, lo=-0.5, hi=0.5)]),
    ("gammaincinv", _f("gammaincinv"), [P(3, lo=1.0, hi=2.0), P(3, lo=0.2, hi=0.8)]),
    ("rad2deg", _f("rad2deg"), [R(3)]),
    ("gammainc", _f("gammainc"), [P(3), P(3)]),
    ("gammaincc", _f("gammaincc"), [P(3), P(3)]),
    ("sum", _f("sum", axis=1), [R(3, 4)]),
    ("sum_all", _g("sum", lambda x: pt.sum(x * x)), [R(2, 3)]),
    ("prod", _f("prod", axis=0), [P(3, 2)]),
    ("mean", _f("mean", axis=-1), [R(2, 3)]),
    ("max", _f("max", axis=1), [DISTINCT(3, 4)]),
    ("min", _f("min"), [DISTINCT(3, 4)]),
    ("var", _f("var", axis=0), [R(4, 2)]),
    ("std", _f("std"), [R(5)]),
    ("logsumexp", _f("logsumexp", axis=1), [R(3, 4)]),
    ("cumsum", _f("cumsum", axis=0), [R(3, 2)]),
    ("cumprod", _f("cumprod"), [P(4)]),
    ("diff", _f("diff"), [R(5)]),
    ("ptp", _f("ptp"), [DISTINCT(5)]),
    ("median", _f("median"), [DISTINCT(5)]),
    ("sort", _f("sort"), [DISTINCT(5)]),
    ("dot_mm", _f("dot"), [R(2, 3), R(3, 2)]),
    ("dot_mv", _f("dot"), [R(2, 3), R(3)]),
    ("dot_vv", _f("dot"), [R(3), R(3)]),
    ("outer", _f("outer"), [R(3), R(2)]),
    ("vecdot", _f("vecdot"), [R(2, 3), R(3)]),
    ("matvec", _f("matvec"), [R(2, 3), R(3)]),
    ("vecmat", _f("vecmat"), [R(2), R(2, 3)]),
    ("max_and_argmax", _g("max_and_argmax", lambda x: pt.max_and_argmax(x, axis=1)[0]), [DISTINCT(2, 3)]),
    ("tensordot", _f("tensordot", axes=1), [R(2, 3), R(3, 2)]),
    ("matmul", _f("matmul"), [R(2, 2, 3), R(3, 2)]),
    ("kron", _f("kron"), [R(2, 2), R(2, 1)]),
    ("einsum", _g("einsum", lambda a, b: pt.einsum("ij,jk->ik", a, b)), [R(2, 3), R(3, 2)]),
    ("subtensor", _g("subtensor", lambda x: x[1:, ::2]), [R(3, 4)]),
    ("advanced_subtensor", _g("set_subtensor", lambda x: x[[0, 2, 0]]), [R(3, 2)]),
    ("take", _g("take", lambda x: pt.take(x, np.array([1, 1, 0]), axis=1)), [R(2, 3)]),
    ("set_subtensor", _g("set_subtensor", lambda x, y: pt.set_subtensor(x[1:3], y)), [R(4), R(2)]),
    ("inc_subtensor", _g("inc_subtensor", lambda x, y: pt.inc_subtensor(x[[0, 0, 2]], y)), [R(4), R(3)]),
    ("reshape", _g("reshape", lambda x: pt.reshape(x, (3, 2))), [R(2, 3)]),
    ("transpose", _f("transpose"), [R(2, 3)]),
    ("flatten", _f("flatten"), [R(2, 3)]),
    ("concatenate", _g("concatenate", lambda a, b: pt.concatenate([a, b], axis=1)), [R(2, 2), R(2, 3)]),
    ("stack", _g("stack", lambda a, b: pt.stack([a, b])), [R(3), R(3)]),
    ("repeat", _f("repeat", 2, axis=0), [R(2, 2)]),
    ("tile", _f("tile", (2, 1)), [R(2, 2)]),
    ("roll", _f("roll", 1), [R(4)]),
    ("squeeze", _g("squeeze", lambda x: pt.squeeze(x)), [R(1, 3)]),
    ("expand_dims", _f("expand_dims", 0), [R(3)]),
    ("broadcast_to", _f("broadcast_to", (3, 2)), [R(2)]),
    ("flip", _f("flip"), [R(4)]),
    ("swapaxes", _f("swapaxes", 0, 1), [R(2, 3)]),
    ("pad", _f("pad", 1), [R(3)]),
    ("diagonal", _f("diagonal"), [R(3, 3)]),
    ("diag", _f("diag"), [R(3)]),
    ("tril", _f("tril"), [R(3, 3)]),
    ("triu", _f("triu"), [R(3, 3)]),
    ("trace", _f("trace"), [R(3, 3)]),
    ("where", _g("where", lambda x, y: pt.where(pt.gt(x, 0), x, y)), [AWAY(4), R(4)]),
    ("linalg.inv", _f("linalg.inv"), [WELL(3)]),
    ("linalg.det", _f("linalg.det"), [WELL(3)]),
    ("linalg.slogdet", _g("linalg.slogdet", lambda a: pt.linalg.slogdet(a)[1]), [WELL(3)]),
    ("linalg.solve", _f("linalg.solve"), [WELL(3), R(3, 2)]),
    ("linalg.solve_batched", _f("linalg.solve"), [lambda rng: rng.normal(size=(2, 3, 3)) + 3 * np.eye(3), R(2, 3, 2)]),
    ("linalg.inv_batched", _f("linalg.inv"), [lambda rng: rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)]),
    ("linalg.solve_triangular", _g("linalg.solve_triangular",
                                   lambda a, b: pt.linalg.solve_triangular(a, b, lower=True)),
     [lambda rng: np.tril(rng.normal(size=(3, 3))) + 3 * np.eye(3), R(3)]),
    ("linalg.cholesky", _f("linalg.cholesky"), [SPD(3)]),
    ("linalg.eigvalsh", _g("linalg.eigvalsh", lambda a: pt.linalg.eigvalsh(a + a.T, None)), [R(3, 3)]),
    ("linalg.svd", _g("linalg.svd", lambda a: pt.linalg.svd(a, compute_uv=False)), [R(3, 2)]),
    ("linalg.pinv", _f("linalg.pinv"), [R(3, 2)]),
    ("linalg.norm", _f("linalg.norm"), [R(3, 2)]),
    ("linalg.matrix_power", _f("linalg.matrix_power", 3), [R(3, 3)]),
    ("linalg.expm", _f("linalg.expm"), [lambda rng: 0.3 * rng.normal(size=(3, 3))]),
    ("linalg.lstsq", _g("linalg.lstsq", lambda a, b: pt.linalg.lstsq(a, b)[0]), [R(4, 2), R(4)]),
    ("linalg.kron", _f("linalg.kron"), [R(2, 2), R(2, 2)]),
    ("linalg.block_diag", _f("linalg.block_diag"), [R(2, 2), R(1, 3)]),
    ("nnet.softmax", _g("softmax", lambda x: pt.softmax(x, axis=-1)), [R(2, 3)]),
    ("nnet.log_softmax", _g("log_softmax", lambda x: pt.log_softmax(x, axis=-1)), [R(2, 3)]),
    ("nnet.relu", _f("relu"), [AWAY(5)]),
    ("nnet.elu", _f("elu"), [AWAY(5)]),
    ("nnet.gelu", _f("gelu"), [R(5)]),
    ("nnet.leaky_relu", _f("leaky_relu", 0.1), [AWAY(5)]),
    ("nnet.softmax_cross_entropy_with_logits", _f("softmax_cross_entropy_with_logits"), [R(2, 3), SIMPLEX(2, 3)]),
    ("nnet.conv1d", _f("conv1d", padding="same"), [R(1, 2, 5), R(3, 2, 3)]),
    ("nnet.conv2d", _f("conv2d", stride=1), [R(1, 2, 4, 4), R(2, 2, 2, 2)]),
    ("nnet.conv2d_strided", _f("conv2d", stride=2, padding=1), [R(1, 1, 5, 5), R(2, 1, 3, 3)]),
    ("nnet.max_pool2d", _f("max_pool2d", 2), [DISTINCT(1, 1, 4, 4)]),
    ("nnet.avg_pool2d", _f("avg_pool2d", 2, padding=1), [R(1, 2, 3, 3)]),
    ("nnet.binary_crossentropy", _f("binary_crossentropy"), [P(4, lo=0.1, hi=0.9), P(4, lo=0.1, hi=0.9)]),
    ("nnet.categorical_crossentropy", _f("categorical_crossentropy"), [SIMPLEX(2, 3), SIMPLEX(2, 3)]),
    ("nnet.sigmoid_binary_crossentropy", _f("sigmoid_binary_crossentropy"), [R(4), P(4, lo=0.1, hi=0.9)]),
]


def _path(builder):
    return getattr(builder, "path", None)


AVAILABLE = []
MISSING = []
for _name, _b, _gens in ENTRIES:
    if _lookup(_path(_b)) is None:
        MISSING.append(_name)
    else:
        AVAILABLE.append((_name, _b, _gens))


def point(gens, seed):
    rng = np.random.default_rng(seed)
    return [np.asarray(g(rng), dtype="float64") for g in gens]
