"""NumPy vs TensorSmith's Python linker vs its C linker on reductions, in one run:

* the row-wise stable logsumexp of a 4000x4000 float64 matrix,
  ``log(sum(exp(x - max(x, axis=1, keepdims=True)), axis=1))`` (issue 11:
  NumPy 63 ms, goal 12 ms; FAST_RUN turns it into Max, sub, LogSumExp);
* ``sum(x**2)`` (one FusedReduce) and ``sum(x, axis=0)`` / ``sum(x, axis=1)``
  on the same matrix.

Median of several calls each; the compile cache in a temporary folder.

Run: ``.venv/bin/python asv_bench/compare_c_reduce.py [--n 4000] [--repeat 7]``."""
import argparse
import statistics
import tempfile
import time

import numpy as np


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def numpy_lse(x):
    m = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    import tensorsmith as ts
    import tensorsmith.tensor as pt
    from tensorsmith_ccompile.cache import CompileCache
    from tensorsmith_ccompile.linker import CLinker, backend_report

    x = pt.matrix("x")
    cases = {
        "logsumexp rows": (pt.log(pt.sum(pt.exp(x - x.max(axis=1, keepdims=True)), axis=1)), numpy_lse),
        "sum(x**2)": (pt.sum(x ** 2), lambda a: np.sum(a ** 2)),
        "sum axis=0": (pt.sum(x, axis=0), lambda a: a.sum(axis=0)),
        "sum axis=1": (pt.sum(x, axis=1), lambda a: a.sum(axis=1)),
    }
    a = np.random.default_rng(0).normal(size=(args.n, args.n))
    with tempfile.TemporaryDirectory() as root:
        c_mode = ts.Mode(linker=CLinker(cache=CompileCache(root)), optimizer="FAST_RUN")
        py_mode = ts.Mode(linker="py", optimizer="FAST_RUN")
        print(f"{args.n}x{args.n} float64, median of {args.repeat} calls (ms)")
        print(f"{'workload':<16}{'NumPy':>10}{'py linker':>12}{'C linker':>12}{'NumPy/C':>10}")
        for name, (expr, ref) in cases.items():
            fc = ts.function([x], expr, mode=c_mode)
            fp = ts.function([x], expr, mode=py_mode)
            want = ref(a)
            np.testing.assert_allclose(fc(a), want, rtol=1e-10)
            np.testing.assert_allclose(fp(a), want, rtol=1e-10)
            tn = median_time(lambda: ref(a), args.repeat)
            tp = median_time(lambda: fp(a), args.repeat)
            tc = median_time(lambda: fc(a), args.repeat)
            print(f"{name:<16}{tn * 1e3:>10.1f}{tp * 1e3:>12.1f}{tc * 1e3:>12.1f}{tn / tc:>10.2f}")
            if name == "logsumexp rows":
                print("  C linker nodes:\n" + "\n".join("    " + s for s in backend_report(fc).splitlines()))


if __name__ == "__main__":
    main()
