"""NumPy vs TensorSmith's Python linker vs its C linker, in one run:

* ``exp(-x**2) * sin(3*x) + log1p(x**2) / (1 + cosh(x))`` on 10^7 float64
  and float32 elements (median of several calls);
* the per-call time of ``function([x, y], x + y)`` on float64 scalars;
* the cold (empty cache) and warm compile time of that function with the C
  linker (``function(...)`` from start to callable; the cache in a temporary
  folder, never the user's).

Run: ``.venv/bin/python asv_bench/compare_c_elemwise.py [--n 10000000] [--repeat 7]``."""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def median_time(fn, repeat, number=1):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def numpy_expr(x):
    x2 = x ** 2
    return np.exp(-x2) * np.sin(3 * x) + np.log1p(x2) / (1 + np.cosh(x))


COMPILE_SNIPPET = r"""
import time, sys
t0 = time.perf_counter()
import tensorsmith as ts, tensorsmith.tensor as pt
import tensorsmith_ccompile
from tensorsmith_ccompile.cache import CompileCache
from tensorsmith_ccompile.linker import CLinker
t1 = time.perf_counter()
x, y = pt.dscalar("x"), pt.dscalar("y")
f = ts.function([x, y], x + y, mode=ts.Mode(linker=CLinker(cache=CompileCache(sys.argv[1])),
                                         optimizer="FAST_RUN"))
f(1.0, 2.0)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def compile_times(root):
    """(import seconds, function-to-first-result seconds) in a fresh process."""
    r = subprocess.run([sys.executable, "-c", COMPILE_SNIPPET, root], capture_output=True, text=True,
                       check=True)
    a, b = r.stdout.split()
    return float(a), float(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    import tensorsmith as ts
    import tensorsmith.tensor as pt
    import tensorsmith_ccompile
    from tensorsmith_ccompile.cache import CompileCache
    from tensorsmith_ccompile.linker import CLinker

    tmp = tempfile.mkdtemp(prefix="ts-bench-cache-")
    c_mode = ts.Mode(linker=CLinker(cache=CompileCache(tmp + "/main")), optimizer="FAST_RUN")
    py_mode = ts.Mode(linker="py", optimizer="FAST_RUN")
    rng = np.random.default_rng(0)
    print(f"exp(-x**2) * sin(3*x) + log1p(x**2) / (1 + cosh(x)), n = {args.n:.0e}, "
          f"median of {args.repeat} calls")
    print(f"{'dtype':8} {'numpy ms':>9} {'py ms':>9} {'c ms':>9} {'numpy/c':>8} {'py/c':>7}  max |c - numpy|")
    for dt in ("float64", "float32"):
        xv = rng.normal(size=args.n).astype(dt)
        x = pt.vector("x", dtype=dt)
        y = pt.exp(-x ** 2) * pt.sin(3 * x) + pt.log1p(x ** 2) / (1 + pt.cosh(x))
        f_py = ts.function([x], y, mode=py_mode)
        f_c = ts.function([x], y, mode=c_mode)
        backends = [b for _, b in tensorsmith_ccompile.node_backends(f_c)]
        t_np = median_time(lambda: numpy_expr(xv), args.repeat)
        t_py = median_time(lambda: f_py(xv), args.repeat)
        t_c = median_time(lambda: f_c(xv), args.repeat)
        ref = numpy_expr(xv)
        err = float(np.max(np.abs(f_c(xv) - ref)))  # values are O(1)
        print(f"{dt:8} {t_np * 1e3:9.1f} {t_py * 1e3:9.1f} {t_c * 1e3:9.1f} {t_np / t_c:8.2f} "
              f"{t_py / t_c:7.2f}  {err:.2e}   (C nodes: {backends})")

    xs, ys = pt.dscalar("x"), pt.dscalar("y")
    g_py = ts.function([xs, ys], xs + ys, mode=py_mode)
    g_c = ts.function([xs, ys], xs + ys, mode=c_mode)
    a, b = np.float64(1.5), np.float64(2.5)
    number = 20000
    print(f"\nper call of function([x, y], x + y), float64 scalars (median of {args.repeat} x {number}):")
    t_plain = median_time(lambda: a + b, args.repeat, number)
    for label, fn in [("py linker", g_py), ("c linker", g_c)]:
        t = median_time(lambda: fn(a, b), args.repeat, number)
        fn.trust_input = True
        tt = median_time(lambda: fn(a, b), args.repeat, number)
        fn.trust_input = False
        print(f"  {label:10} {t * 1e6:6.2f} us   trust_input {tt * 1e6:6.2f} us")
    print(f"  plain numpy scalar a + b: {t_plain * 1e6:.2f} us")

    cold_root = tmp + "/cold"
    imp, cold = compile_times(cold_root)
    _, warm = compile_times(cold_root)
    print(f"\nfunction([x, y], x + y) with the C linker, fresh process (import {imp:.2f} s):")
    print(f"  cold (empty cache): {cold:.3f} s   warm: {warm:.3f} s   ratio {cold / warm:.1f}x")


if __name__ == "__main__":
    main()
