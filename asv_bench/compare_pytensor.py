"""Time TensorSmith against NumPy and, where installed, PyTensor, in one run.

    python asv_bench/compare_pytensor.py [--repeat 5]

Workloads: (1) time from ``function(...)`` to the first result for a small
logistic-regression loss and gradient; (2) microseconds per call of a scalar
function; (3) a vector expression on 10^6 elements; (4) building the gradient
of the 1,000-term hierarchical model.  Prints medians and ratios (lower is
better for TensorSmith when the ratio is below 1).  PyTensor is optional: its
columns are skipped when it is not importable."""
import argparse
import statistics
import time

import numpy as np

import tensorsmith
import tensorsmith.tensor as tst

try:
    import pytensor
    import pytensor.tensor as ptt
except ImportError:  # pragma: no cover - optional
    pytensor = None


def median_time(fn, repeat, number=1):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        ts.append((time.perf_counter() - t0) / number)
    return statistics.median(ts)


def logreg(lib, function):
    X, y, w = lib.dmatrix("X"), lib.dvector("y"), lib.dvector("w")
    z = lib.dot(X, w)
    loss = lib.mean(lib.log(1 + lib.exp(-abs(z))) + lib.maximum(z, 0) - y * z)
    f = function([X, y, w], [loss, lib.grad(loss, w)])
    return f(np.ones((4, 3)), np.ones(4), np.zeros(3))


def scalar_fn(lib, function):
    x, y = lib.dscalar("x"), lib.dscalar("y")
    return function([x, y], x * y + lib.sin(x))


def vector_fn(lib, function):
    v = lib.dvector("v")
    return function([v], (lib.exp(-v * v) * 2.0 + 1.0).sum())


def hier_grad(lib, grad):
    mu, sigma = lib.dscalar("mu"), lib.dscalar("sigma")
    thetas = [lib.dscalar(f"t{i}") for i in range(1000)]
    terms = [-0.5 * ((t - mu) / sigma) ** 2 - lib.log(sigma) for t in thetas]
    logp = terms[0]
    for t in terms[1:]:
        logp = logp + t
    return grad(logp, [mu, sigma] + thetas)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    r = args.repeat
    libs = {"tensorsmith": (tst, tensorsmith.function, tensorsmith.grad)}
    if pytensor is not None:
        libs["pytensor"] = (ptt, pytensor.function, pytensor.grad)
    rows = []

    res = {k: median_time(lambda lib=lib: logreg(lib[0], lib[1]), r) for k, lib in libs.items()}
    rows.append(("function() to first result, logreg loss+grad [ms]", res, None, 1e3))

    x = np.random.default_rng(0).normal(size=1_000_000)
    fs = {k: scalar_fn(lib[0], lib[1]) for k, lib in libs.items()}
    res = {k: median_time(lambda f=f: f(2.0, 4.0), r, number=20000) for k, f in fs.items()}
    a = np.float64(2.0)
    npt = median_time(lambda: a * 4.0 + np.sin(a), r, number=20000)
    rows.append(("call x*y+sin(x) on floats [us]", res, npt, 1e6))

    fs = {k: vector_fn(lib[0], lib[1]) for k, lib in libs.items()}
    res = {k: median_time(lambda f=f: f(x), r, number=5) for k, f in fs.items()}
    npt = median_time(lambda: (np.exp(-x * x) * 2.0 + 1.0).sum(), r, number=5)
    rows.append(("call sum(exp(-v*v)*2+1), 1e6 floats [ms]", res, npt, 1e3))

    res = {}
    for k, lib in libs.items():
        try:
            res[k] = median_time(lambda lib=lib: hier_grad(lib[0], lib[2]), r)
        except RecursionError:
            print(f"{k}: grad of the hierarchical model raised RecursionError")
    rows.append(("grad of 1,000-term hierarchical logp [ms]", res, None, 1e3))

    print(f"{'workload':52s} {'tensorsmith':>12s} {'pytensor':>10s} {'numpy':>8s} {'ts/pt':>7s} {'ts/np':>7s}")
    for name, res, npt, scale in rows:
        ts = res.get("tensorsmith")
        ptv = res.get("pytensor")
        print(f"{name:52s} {(ts * scale if ts else float('nan')):12.3f} "
              f"{(ptv * scale if ptv else float('nan')):10.3f} {(npt * scale if npt else float('nan')):8.3f} "
              f"{(ts / ptv if (ts and ptv) else float('nan')):7.3f} {(ts / npt if (ts and npt) else float('nan')):7.2f}")
    if pytensor is None:
        print("(PyTensor not installed: its columns are empty)")


if __name__ == "__main__":
    main()
