"""Differential test of tensorsmith against PyTensor (dev tool, not run by CI).

Runs every case in two interpreters and compares exceptions, dtypes, static
shapes and values.  Usage (PyTensor needs its own environment)::

    python tools/diff_pytensor.py --pytensor-python /tmp/ptv/bin/python \
        --ours-python /tmp/v1/bin/python [--filter SUBSTR]

Writes the mismatch table to docs/PYTENSOR_DIFF.md.
"""
import argparse
import os
import pickle
import subprocess
import sys
import tempfile

import numpy as np

HEADERS = {
    "pytensor": "import pytensor.tensor as pt\nimport pytensor as lib\n",
    "ours": "import tensorsmith.tensor as pt\nimport tensorsmith as lib\n",
}

# The driver runs inside each interpreter: executes each case body (which must
# set ``outs`` (list of variables), ``ins`` (list of input variables) and
# ``vals`` (list of input values)) and records results.
DRIVER = r'''
import pickle, sys, numpy as np
cases = pickle.load(open(sys.argv[1], "rb"))
res = {}
for name, body in cases:
    r = {}
    ns = {"pt": pt, "lib": lib, "np": np}
    stage = "build"
    try:
        exec(body, ns)
        outs = ns["outs"]
        r["dtype"] = [str(o.type.dtype) for o in outs]
        r["shape"] = [tuple(o.type.shape) for o in outs]
        stage = "run"
        f = lib.function(ns.get("ins", []), outs, on_unused_input="ignore")
        got = f(*ns.get("vals", []))
        r["value"] = [np.asarray(g) for g in got]
        r["rdtype"] = [str(np.asarray(g).dtype) for g in got]
    except Exception as e:
        r["exc"] = "%s@%s" % (type(e).__name__, stage)
    res[name] = r
pickle.dump(res, open(sys.argv[2], "wb"))
'''

DTYPES = ["float64", "float32", "int32", "int8", "bool", "uint8"]
VALUES = {
    (): "np.array(0.7)",
    (3,): "np.array([0.3, 1.5, 2.0])",
    (2, 3): "np.array([[0.3, 1.5, 2.0], [0.5, 0.9, 3.0]])",
}

UNARY = ["abs", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh",
         "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log1p",
         "expm1", "log2", "log10", "exp2", "neg", "sqr", "sign", "floor", "ceil",
         "round", "trunc", "sigmoid", "softplus", "erf", "erfc", "gamma", "gammaln",
         "isnan", "isinf", "reciprocal", "invert", "bitwise_not", "deg2rad",
         "rad2deg", "real", "imag", "conj", "angle", "relu", "iround", "psi",
         "logical_not", "square", "cbrt", "log1mexp", "softsign", "erfinv", "j0",
         "i0", "xlogx", "nan_to_num", "clip01"]
BINARY = ["add", "sub", "mul", "true_div", "int_div", "floor_div", "mod", "pow",
          "maximum", "minimum", "eq", "neq", "lt", "gt", "le", "ge", "and_", "or_",
          "xor", "bitwise_and", "bitwise_or", "bitwise_xor", "arctan2", "hypot",
          "logaddexp", "copysign", "nextafter", "divmod", "fmod", "logical_and",
          "logical_or", "xlogy0"]


def var(name, dtype, shape):
    bc = "(" + "".join("None," for _ in shape) + ")"
    return "%s = pt.tensor(%r, dtype=%r, shape=%s)\n" % (name, name, dtype, bc)


def val(dtype, shape):
    return "%s.astype(%r)" % (VALUES[shape], dtype) if dtype != "bool" else \
        "(%s > 1.0)" % VALUES[shape]


def gen_cases():
    cases = []
    add = lambda n, b: cases.append((n, b))
    for fn in UNARY:
        for dt in DTYPES:
            for sh in [(), (2, 3)]:
                add("unary:%s:%s:%s" % (fn, dt, sh),
                    var("x", dt, sh) + "ins=[x]; vals=[%s]\nouts=[pt.%s(x)]\n" % (val(dt, sh), fn))
    for fn in BINARY:
        for da, db in [("float64", "float64"), ("float32", "int32"), ("int32", "int32"),
                       ("int8", "uint8"), ("bool", "bool"), ("float32", "float32")]:
            for sa, sb in [((3,), (3,)), ((2, 3), (3,))]:
                add("binary:%s:%s,%s:%s,%s" % (fn, da, db, sa, sb),
                    var("x", da, sa) + var("y", db, sb) +
                    "ins=[x,y]; vals=[%s,%s]\nouts=[pt.%s(x,y)]\n" % (val(da, sa), val(db, sb), fn))
    for dt in DTYPES:
        for expr in ["x + 2", "2.5 * x", "x / 2", "x // 2", "x ** 2", "x % 2", "x - 1",
                     "-x", "x > 1", "abs(x)", "2 ** x", "x * True"]:
            add("pyscalar:%s:%s" % (expr, dt),
                var("x", dt, (3,)) + "ins=[x]; vals=[%s]\nouts=[%s]\n" % (val(dt, (3,)), expr))
    for red in ["sum", "prod", "max", "min", "mean", "var", "std", "all", "any", "argmax",
                "argmin", "logsumexp"]:
        for dt in ["float64", "float32", "int32", "bool", "uint8"]:
            for ax in ["None", "0", "-1", "(0, 1)"]:
                for kd in [False, True]:
                    add("reduce:%s:%s:axis=%s:kd=%s" % (red, dt, ax, kd),
                        var("x", dt, (2, 3)) + "ins=[x]; vals=[%s]\nouts=[pt.%s(x, axis=%s, keepdims=%s)]\n"
                        % (val(dt, (2, 3)), red, ax, kd))
    A2 = "np.arange(1., 7.).reshape(2, 3)"
    prods = {
        "dot11": ("x", (3,), "y", (3,), "pt.dot(x, y)"),
        "dot21": ("x", (2, 3), "y", (3,), "pt.dot(x, y)"),
        "dot22": ("x", (2, 3), "y", (3, 2), "pt.dot(x, y)"),
        "matmul22": ("x", (2, 3), "y", (3, 2), "pt.matmul(x, y)"),
        "matmul32": ("x", (2, 2, 3), "y", (3, 2), "pt.matmul(x, y)"),
        "matmul1d": ("x", (3,), "y", (3, 2), "pt.matmul(x, y)"),
        "at": ("x", (2, 3), "y", (3, 2), "x @ y"),
        "tensordot": ("x", (2, 3), "y", (3, 2), "pt.tensordot(x, y, axes=1)"),
        "tensordot2": ("x", (2, 3), "y", (2, 3), "pt.tensordot(x, y, axes=[[0, 1], [0, 1]])"),
        "outer": ("x", (3,), "y", (2,), "pt.outer(x, y)"),
        "einsum": ("x", (2, 3), "y", (3, 2), "pt.einsum('ij,jk->ik', x, y)"),
        "einsum_tr": ("x", (2, 3), "y", (2, 3), "pt.einsum('ij,ij->', x, y)"),
        "vdot": ("x", (3,), "y", (3,), "pt.vdot(x, y)") ,
        "inner": ("x", (3,), "y", (3,), "pt.inner(x, y)") ,
        "kron": ("x", (2, 3), "y", (3, 2), "pt.linalg.kron(x, y)"),
    }
    for name, (a, sa, b, sb, expr) in prods.items():
        for da, db in [("float64", "float64"), ("float32", "float32"), ("int32", "int32"),
                       ("float32", "int32")]:
            add("prod:%s:%s,%s" % (name, da, db),
                var(a, da, sa) + var(b, db, sb) +
                "ins=[x,y]; vals=[np.arange(%d).reshape(%s).astype(%r), np.arange(%d).reshape(%s).astype(%r)]\nouts=[%s]\n"
                % (int(np.prod(sa)), sa, da, int(np.prod(sb)), sb, db, expr))
    idx = ["x[1]", "x[-1]", "x[::-1]", "x[1:3]", "x[::2]", "x[:, ::-1]", "x[0, 1:]",
           "x[None]", "x[:, None]", "x[[0, 0, 1]]", "x[:, [2, 0]]", "x[x > 3]", "x[..., 1]",
           "x[[0, 1], [1, 2]]", "pt.set_subtensor(x[0], 9.)", "pt.inc_subtensor(x[:, 1], 5.)",
           "pt.set_subtensor(x[[0, 0]], 1.)", "pt.inc_subtensor(x[[0, 0]], 1.)", "x[1:, -2]",
           "x[-5:]", "x[:, -1:0:-1]", "x[i]", "x[i:]", "x[0][i]", "x.take([2, 0], axis=1)",
           "pt.take(x, [1])"]
    for e in idx:
        for dt in ["float64", "int32"]:
            add("index:%s:%s" % (e, dt), var("x", dt, (3, 4)) + "i = pt.iscalar('i')\n" +
                "ins=[x, i]; vals=[np.arange(12).reshape(3, 4).astype(%r), 1]\nouts=[%s]\n" % (dt, e))
    creation = ["pt.zeros((2, 3))", "pt.ones((2,), dtype='int32')", "pt.zeros(3)",
                "pt.arange(5)", "pt.arange(1, 5, 2)", "pt.arange(0.5, 3)", "pt.arange(5, dtype='float32')",
                "pt.arange(n)", "pt.arange(0, n, 0.5)", "pt.eye(3)", "pt.eye(2, 3, k=1)", "pt.eye(n)",
                "pt.linspace(0, 1, 5)", "pt.alloc(1.5, 2, 3)", "pt.alloc(np.float32(1), n, 2)",
                "pt.full((2, 2), 3)", "pt.full((2, 2), 3.5)", "pt.zeros_like(pt.ones((2,)))",
                "pt.ones_like(pt.zeros((2,), dtype='int8'))", "pt.identity_like(pt.zeros((2, 2)))",
                "pt.tri(3)", "pt.tril(pt.ones((3, 3)))", "pt.triu(pt.ones((3, 3)), 1)",
                "pt.full_like(pt.zeros((2,)), 7)", "pt.empty((2, 3)).shape",
                "pt.as_tensor_variable(3)", "pt.as_tensor_variable(3.0)", "pt.as_tensor_variable([1, 2])",
                "pt.constant(2.5)", "pt.constant(True)", "pt.arange(n, dtype='int32')",
                "pt.linspace(0, 1, 5, endpoint=False)", "pt.logspace(0, 2, 3)", "pt.geomspace(1, 100, 3)",
                "pt.mgrid[0:2, 0:3]", "pt.ogrid[0:3]"]
    for e in creation:
        add("create:%s" % e, "n = pt.iscalar('n')\nins=[n]; vals=[4]\nouts=[%s]\n" % e)
    shp = ["x.reshape((3, -1))", "pt.reshape(x, (-1,))", "x.flatten()", "pt.flatten(x3, ndim=2)",
           "x.dimshuffle(1, 0)", "x.dimshuffle('x', 0, 1)", "pt.squeeze(y)", "pt.squeeze(y, axis=0)",
           "pt.expand_dims(x, 0)", "pt.expand_dims(x, (0, 3))", "pt.concatenate([x, x], axis=0)",
           "pt.concatenate([x, x], axis=-1)", "pt.stack([x, x])", "pt.stack([x, x], axis=2)",
           "pt.split(x, [1, 2], 2, axis=0)[1]", "pt.repeat(x, 2, axis=1)", "pt.repeat(x, 2)",
           "pt.tile(x, (2, 1))", "pt.roll(x, 1)", "pt.roll(x, -1, axis=1)", "pt.flip(x)",
           "pt.flip(x, axis=0)", "pt.pad(x, 1)", "pt.pad(x, ((1, 0), (0, 2)), mode='constant')",
           "pt.transpose(x)", "x.T", "pt.transpose(x3, (2, 0, 1))", "pt.horizontal_stack(x, x)",
           "pt.vertical_stack(x, x)", "pt.atleast_2d(pt.zeros(3))", "pt.atleast_3d(x)",
           "pt.broadcast_to(pt.zeros(4), (3, 4))", "pt.swapaxes(x3, 0, 2)", "pt.moveaxis(x3, 0, -1)",
           "x.shape", "x.size", "x.ndim + pt.zeros(())", "pt.shape_padleft(x)", "pt.shape_padright(x, 2)",
           "x.ravel()", "pt.join(0, x, x)", "pt.specify_shape(x, (3, 4))", "pt.ravel(x)",
           "pt.unravel_index(pt.as_tensor([5, 7]), (3, 4))[0]", "pt.ravel_multi_index((pt.as_tensor([1]), pt.as_tensor([2])), (3, 4))",
           "pt.broadcast_arrays(x, pt.zeros(4))[1]", "pt.flatten(x3, 1)"]
    for e in shp:
        add("shape:%s" % e, var("x", "float64", (3, 4)) + "x3 = pt.tensor3('x3')\ny = pt.tensor('y', shape=(1, None))\n"
            "ins=[x, x3, y]; vals=[np.arange(12.).reshape(3, 4), np.arange(24.).reshape(2, 3, 4), np.ones((1, 3))]\nouts=[%s]\n" % e)
    srt = ["pt.sort(x)", "pt.sort(x, axis=0)", "pt.sort(x, axis=None)", "pt.argsort(x)",
           "pt.argsort(x, axis=None)", "pt.unique(v)", "pt.unique(v, return_counts=True)[1]",
           "pt.unique(v, return_inverse=True)[1]", "pt.cumsum(x)", "pt.cumsum(x, axis=1)",
           "pt.cumprod(x, axis=0)", "pt.diff(x)", "pt.diff(x, n=2, axis=1)", "pt.diff(x, axis=0)",
           "pt.bincount(iv)", "pt.bincount(iv, minlength=6)", "pt.searchsorted(pt.sort(v), v)",
           "pt.searchsorted(pt.sort(v), v, side='right')", "pt.argmax(x)", "pt.topk(v, 2)" ,
           "pt.argtopk(v, 2)", "pt.nonzero(v)[0]", "pt.flatnonzero(x)", "pt.cumsum(iv)",
           "pt.max_and_argmax(x)[1]", "pt.sort(iv)", "pt.trace(x[:, :3])", "pt.diagonal(x)",
           "pt.diag(v)", "pt.diag(x)", "pt.where(x > 5, x, 0)", "pt.where(x > 5)[1]",
           "pt.switch(x > 5, x, 0)", "pt.clip(x, 2, 5)", "pt.allclose(x, x)", "pt.isclose(x, x + 1e-9)",
           "pt.median(x)", "pt.cumsum(bv)", "pt.bincount(iv, weights=v)", "pt.compress(v > 2, v)",
           "pt.fill_diagonal(x[:, :3], 0.)", "pt.squeeze(pt.argsort(v))"]
    for e in srt:
        add("sortetc:%s" % e, var("x", "float64", (3, 4)) + var("v", "float64", (5,)) +
            var("iv", "int64", (5,)) + var("bv", "bool", (5,)) +
            "ins=[x, v, iv, bv]; vals=[np.array([[3., 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]]), np.array([3., 1, 2, 3, 0]), np.array([0, 2, 2, 5, 1]), np.array([1, 0, 1, 1, 0], bool)]\nouts=[%s]\n" % e)
    lin = ["pt.linalg.inv(A)", "pt.linalg.det(A)", "pt.linalg.slogdet(A)[1]", "pt.linalg.slogdet(A)[0]",
           "pt.linalg.solve(A, b)", "pt.linalg.solve(A, B)", "pt.linalg.cholesky(S)",
           "pt.linalg.eigh(S)[0]", "pt.linalg.svd(A)[1]", "pt.linalg.svd(A, compute_uv=False)",
           "pt.linalg.qr(A)[1].shape", "pt.linalg.norm(A)", "pt.linalg.norm(b)", "pt.linalg.norm(A, ord=1)",
           "pt.linalg.norm(b, ord=np.inf)", "pt.linalg.norm(A, axis=0)", "pt.linalg.pinv(A)",
           "pt.linalg.matrix_power(A, 3)", "pt.linalg.matrix_power(A, 0)", "pt.linalg.eig(S)[0]",
           "pt.linalg.eigvalsh(S, None)", "pt.linalg.trace(A)", "pt.linalg.lstsq(A, b)[0]",
           "pt.linalg.solve_triangular(pt.tril(S), b, lower=True)", "pt.linalg.cho_solve((pt.linalg.cholesky(S), True), b)",
           "pt.linalg.expm(A / 10)", "pt.linalg.matrix_dot(A, A, A)", "pt.linalg.tensorinv(A)",
           "pt.linalg.inv(A32)", "pt.linalg.det(A32)", "pt.linalg.solve(A32, b)", "pt.linalg.cholesky(S32)",
           "pt.linalg.svd(A32)[1]", "pt.linalg.norm(A32)", "pt.linalg.inv(Ai)", "pt.linalg.det(Ai)",
           "pt.linalg.cholesky(S, lower=False)", "pt.linalg.eigh(S)[1].shape", "pt.linalg.block_diag(A, A)",
           "pt.linalg.solve(A3, b3)", "pt.linalg.inv(A3)", "pt.linalg.det(A3)", "pt.linalg.lu(A)[2]",
           "pt.linalg.qr(A, mode='r')", "pt.linalg.norm(A, ord='fro')", "pt.linalg.norm(A, ord='nuc')"]
    for e in lin:
        add("linalg:%s" % e, var("A", "float64", (3, 3)) + var("b", "float64", (3,)) + var("B", "float64", (3, 2)) +
            var("S", "float64", (3, 3)) + "A32 = pt.cast(A, 'float32'); S32 = pt.cast(S, 'float32'); Ai = pt.cast(A * 10, 'int32')\n"
            "A3 = pt.stack([A, A + 1]); b3 = pt.stack([b, b])\n"
            "ins=[A, b, B, S]; vals=[np.array([[4., 1, 2], [1, 3, 0], [2, 0.5, 5]]), np.array([1., 2, 3]), np.arange(6.).reshape(3, 2), np.array([[4., 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]])]\nouts=[%s]\n" % e)
    nn = ["pt.special.softmax(x, axis=-1)", "pt.special.softmax(x, axis=None)", "pt.special.log_softmax(x, axis=0)",
          "pt.special.softmax(x)", "pt.special.log_softmax(x)", "pt.sigmoid(x)", "pt.softplus(x)",
          "pt.maximum(x, 0)", "pt.nnet.relu(x)" , "pt.special.logit(pt.sigmoid(x))", "pt.special.logsumexp(x, axis=1)",
          "pt.softmax(x, axis=1)", "pt.log_softmax(x, axis=1)", "pt.special.softmax(x32, axis=1)",
          "pt.special.poch(x, 2.)", "pt.special.factorial(pt.as_tensor([3, 4]))", "pt.special.betaln(x + 2, x + 3)"]
    for e in nn:
        add("nnet:%s" % e, var("x", "float64", (2, 3)) + "x32 = pt.cast(x, 'float32')\n"
            "ins=[x]; vals=[np.array([[0.1, -2., 3.], [1., 1., 0.5]])]\nouts=[%s]\n" % e)
    grads = ["pt.grad((x ** 2).sum(), x)", "pt.grad(pt.exp(x32).sum(), x32)", "pt.grad((x32 * 2.5).sum(), x32)",
             "pt.grad(pt.sum(pt.dot(x, x)), x)", "pt.grad(pt.sum(pt.special.softmax(x, axis=-1)[0] * x), x)",
             "pt.grad(pt.linalg.det(pt.outer(x, x) + pt.eye(3)), x)", "pt.grad(pt.max(x), x)",
             "pt.grad(pt.mean(x32 ** 2), x32)", "pt.grad(pt.sum(x[1:] * 3), x)", "pt.grad(s ** 3, s)",
             "pt.grad(pt.sum(pt.sort(x) * pt.arange(3)), x)", "pt.grad(pt.sum(pt.cumsum(x) ** 2), x)",
             "pt.jacobian(x ** 2, x)", "pt.hessian(pt.sum(x ** 3), x)", "pt.jacobian(pt.exp(x32), x32)",
             "pt.grad(pt.sum(pt.linalg.inv(pt.outer(x, x) + pt.eye(3))), x)",
             "pt.grad(pt.sum(pt.linalg.solve(pt.diag(x) + 2, x)), x)", "pt.grad(pt.sum(pt.sqrt(x)), x)",
             "pt.grad(pt.sum(x * xi), x)", "pt.grad(pt.sum(pt.cast(x, 'float32') ** 2), x)",
             "pt.grad(pt.linalg.norm(x), x)", "pt.grad(pt.sum(pt.linalg.cholesky(pt.outer(x, x) + 3 * pt.eye(3))), x)",
             "pt.grad(pt.sum(pt.linalg.eigh(pt.outer(x, x) + pt.eye(3))[0] * pt.arange(3)), x)",
             "pt.grad(pt.sum(pt.linalg.svd(pt.outer(x, x) + pt.eye(3), compute_uv=False)), x)",
             "pt.grad(pt.linalg.slogdet(pt.outer(x, x) + pt.eye(3))[1], x)", "pt.grad(pt.sum(pt.linalg.pinv(pt.outer(x, x) + pt.eye(3))), x)",
             "pt.grad(pt.sum(pt.linalg.matrix_power(pt.outer(x, x) + pt.eye(3), 2)), x)",
             "pt.grad(pt.sum(pt.einsum('i,i->', x, x)), x)", "pt.grad(pt.sum(pt.tensordot(pt.outer(x, x), x, axes=1)), x)"]
    for e in grads:
        add("grad:%s" % e, "x = pt.dvector('x'); x32 = pt.fvector('x32'); s = pt.dscalar('s'); xi = pt.ivector('xi')\n"
            "ins=[x, x32, s, xi]; vals=[np.array([1.5, 2., 0.5]), np.array([1.5, 2., 0.5], 'float32'), 2.0, np.array([1, 2, 3], 'int32')]\nouts=[%s]\n" % e)
    misc = [
        "w = lib.shared(np.array([1., 2.]), name='w'); ins=[]; vals=[]; f = lib.function([], w, updates=[(w, w * 2)]); f(); f()\nouts=[w + 0]",
        "w = lib.shared(np.float32(1.5)); outs=[w * 2]",
        "w = lib.shared(np.array([1, 2])); outs=[w / 2]",
        "w = lib.shared(3); outs=[w + 1]",
        "x = pt.dvector('x'); f = lib.function([x], x * 2); r = f(np.ones(2)); outs=[pt.as_tensor(np.asarray(type(r).__name__ == 'ndarray'))]",
        "x = pt.dvector('x'); f = lib.function([x], [x * 2]); r = f(np.ones(2)); outs=[pt.as_tensor(np.asarray(type(r).__name__))]",
        "outs=[pt.as_tensor(np.asarray((pt.as_tensor([1., 2.]) * 2).eval()))]",
        "x = pt.dscalar('x'); outs=[pt.as_tensor(np.asarray((x * 2).eval({x: 3.0})))]",
        "outs=[pt.random.normal(size=(3,))]", "outs=[pt.random.uniform(0, 1, size=(2, 3))]",
        "outs=[pt.random.integers(0, 5, size=(4,))]", "outs=[pt.random.bernoulli(0.5, size=(2,))]",
        "outs=[pt.random.normal(pt.zeros(3), 1)]", "outs=[pt.random.poisson(3., size=(2,))]",
        "outs=[pt.random.normal(size=(3,), dtype='float32')]", "outs=[pt.random.choice(5, size=(3,))]",
        "outs=[pt.random.categorical(pt.as_tensor([0.2, 0.8]), size=(3,))]", "outs=[pt.random.permutation(5)]",
        "outs=[pt.random.binomial(10, 0.5, size=(3,))]", "outs=[pt.random.beta(2., 3., size=(2,))]",
        "outs=[pt.random.multivariate_normal(pt.zeros(2), pt.eye(2), size=(3,))]", "outs=[pt.random.gamma(2., 1., size=(2,))]",
        "outs=[pt.random.dirichlet(pt.ones(3), size=(2,))]", "outs=[pt.random.exponential(size=(2,))]",
    ]
    for i, e in enumerate(misc):
        add("misc%02d:%s" % (i, e.split("\n")[-1][:50]), e + "\n")
    return cases


def run_side(python, header, cases, tmp, tag):
    cin = os.path.join(tmp, tag + "_in.pkl")
    cout = os.path.join(tmp, tag + "_out.pkl")
    with open(cin, "wb") as fh:
        pickle.dump(cases, fh)
    env = dict(os.environ, PYTENSOR_FLAGS="cxx=,mode=FAST_COMPILE")
    proc = subprocess.run([python, "-c", header + DRIVER, cin, cout], env=env,
                          capture_output=True, text=True, cwd=tmp)
    if proc.returncode:
        sys.exit("%s side failed:\n%s" % (tag, proc.stderr[-3000:]))
    with open(cout, "rb") as fh:
        return pickle.load(fh)


def values_differ(a, b):
    if len(a) != len(b):
        return "n_outputs %d vs %d" % (len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            return "out%d shape %s vs %s" % (i, x.shape, y.shape)
        if x.dtype.kind in "OUS" or y.dtype.kind in "OUS":
            if not np.array_equal(x, y):
                return "out%d %r vs %r" % (i, x, y)
            continue
        try:
            kind = complex if "c" in (x.dtype.kind + y.dtype.kind) else float
            ok = np.allclose(x.astype(kind), y.astype(kind), rtol=1e-5, atol=1e-6, equal_nan=True)
        except (TypeError, ValueError):
            ok = np.array_equal(x, y)
        if not ok:
            return "out%d values %s vs %s" % (i, np.array2string(x, threshold=8), np.array2string(y, threshold=8))
    return None


def compare(name, p, o):
    pe, oe = p.get("exc"), o.get("exc")
    if pe or oe:
        if bool(pe) != bool(oe) or pe.split("@")[1] != oe.split("@")[1]:
            return "exception: pytensor=%s ours=%s" % (pe, oe)
        if "dtype" in p and "dtype" in o and p["dtype"] != o["dtype"]:
            return "dtype %s vs %s" % (p["dtype"], o["dtype"])
        return None
    if p["dtype"] != o["dtype"]:
        return "dtype %s vs %s" % (p["dtype"], o["dtype"])
    if p["shape"] != o["shape"]:
        return "static shape %s vs %s" % (p["shape"], o["shape"])
    if name.startswith("misc") and "random" in name:
        return values_differ([v.shape for v in p["value"]] and [np.asarray(v.shape) for v in p["value"]],
                             [np.asarray(v.shape) for v in o["value"]])
    return values_differ(p["value"], o["value"])


NOTES = """
## Reading the table (triage, 2026-11-24)

No case produced different *values*. The mismatches are of these kinds:

- **PyTensor lacks the name** (`pytensor=AttributeError@build ours=None`):
  extras of ours (e.g. `relu`, `cbrt`, `hypot`, `logical_and`, `topk`,
  `pt.softmax`), not a porting problem.
- **Judgement calls, dtype (we follow NumPy 2, left as is):** small ints/bool
  into float functions give float16 in NumPy (PyTensor: float32);
  `floor/ceil/trunc` of ints keep the int dtype (PyTensor: float);
  `sqr(bool)` is int8 (PyTensor: bool); `cumsum(bool)` is int64 (PyTensor:
  bool); Python scalars are weak (`uint8 + 2` stays uint8, `bool + 2` is
  int64, `2.5 * int8` is float64; PyTensor picks the smallest fitting type);
  `pt.constant(2.5)`/`as_tensor_variable(3)`/`full((2,2), 3)`/`alloc(1.5, ..)`
  /`arange(0.5, 3)` give float64/int64/bool like `np.asarray` (PyTensor:
  float32/int8); `full_like(float64, 7)` keeps float64 as NumPy does;
  `random.permutation(5)` is int64 (PyTensor int8); `atleast_3d` of a matrix
  has shape (M, N, 1) as in NumPy (PyTensor (1, M, N)); `logsumexp` of
  uint8/bool is float64; grad with respect to a float64 input through a
  float32 cast is float64 (the input's dtype; PyTensor float32).
- **Judgement calls, errors:** `x * True`, `round(int)`, `xlogx` work here
  (NumPy does) where PyTensor raises; `inc_subtensor` of an int tensor by a
  float raises TypeError at build (PyTensor: runs for advanced indexing,
  UFuncTypeError at run for basic); `linalg.tensorinv` of a matrix with the
  default `ind=2` raises ValueError at build (PyTensor LinAlgError at run);
  `linalg.lstsq(A, b)` works here (PyTensor needs `rcond`).
- **Static shape less precise (left):** gradients through
  `outer(x, x) + eye(3)` have static shape (None,) here; PyTensor infers (3,)
  from the constant `eye(3)` back through the graph.
- **Fixed:** `pt.ogrid[0:3]` / `pt.mgrid[0:3]` with one slice returned a list;
  now a tensor as in NumPy/PyTensor (tests/tensorops/test_pytensor_diff_regressions.py).
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pytensor-python", default="/tmp/ptv/bin/python")
    ap.add_argument("--ours-python", default=sys.executable)
    ap.add_argument("--filter", default="")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs", "PYTENSOR_DIFF.md"))
    args = ap.parse_args()
    cases = [c for c in gen_cases() if args.filter in c[0]]
    with tempfile.TemporaryDirectory() as tmp:
        pres = run_side(args.pytensor_python, HEADERS["pytensor"], cases, tmp, "pytensor")
        ores = run_side(args.ours_python, HEADERS["ours"], cases, tmp, "ours")
    rows = []
    both_fail = 0
    for name, _ in cases:
        d = compare(name, pres[name], ores[name])
        if pres[name].get("exc") and ores[name].get("exc"):
            both_fail += 1
        if d:
            rows.append((name, d))
    lines = ["# Differences between tensorsmith and PyTensor 3.0.7", "",
             "Generated by `tools/diff_pytensor.py` (do not edit by hand). Run:", "",
             "    /tmp/v1/bin/python tools/diff_pytensor.py --pytensor-python /tmp/ptv/bin/python", "",
             "Cases: %d; mismatches: %d; raising on both sides (not compared): %d." % (len(cases), len(rows), both_fail), "",
             "Left column is the case (function:dtypes:shapes or the snippet); right column is"
             " `pytensor` vs `tensorsmith`.", "", "| case | difference |", "|---|---|"]
    for n, d in rows:
        lines.append("| `%s` | %s |" % (n.replace("|", "\\|"), d.replace("|", "\\|").replace("\n", " ")))
    text = "\n".join(lines) + "\n" + NOTES
    if not args.filter:
        with open(args.out, "w") as fh:
            fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
