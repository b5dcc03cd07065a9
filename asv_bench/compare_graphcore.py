"""Compare the Cython-compiled graphcore with its pure-Python copy.

Times (best of N) building, toposorting and cloning an elementwise graph of
``--size`` nodes (see ``benchmarks/common.py``) with both implementations in
one process and prints the ratios.

* ``build``: nodes made with the graphcore constructors (``Apply``,
  ``Variable``, trace capture included) from user code;
* ``build_via_op``: the same through ``op(a, b)`` (``Op.__call__`` and a
  user-level ``make_node`` in Python: shown for information, most of its time
  is user-level Python that no graphcore change can remove);
* ``toposort``, ``clone``, ``clone_replace`` (replace one input),
  ``fgraph`` (``FunctionGraph(..., clone=False)``).

    python asv_bench/compare_graphcore.py [--size 100000] [--repeat 5] [--min-ratio 5]

Exit status 1 when ``--min-ratio`` is given and a ratio falls below it.
"""
import argparse
import gc
import sys
import time

import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorsmith_graphcore as compiled  # noqa: E402
from benchmarks.common import build_graph  # noqa: E402


def best(fn, repeat):
    res = None
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
        gc.enable()
        del res
    return min(times)


def measure(gcmod, size, repeat, kind):
    out = {}
    out["build"] = best(lambda: build_graph(gcmod, size, kind), repeat)
    out["build_via_op"] = best(lambda: build_graph(gcmod, size, kind, via_op=True), repeat)
    leaves, y = build_graph(gcmod, size, kind)
    n = len(gcmod.toposort([y]))
    out["toposort"] = best(lambda: gcmod.toposort([y]), repeat)
    out["clone"] = best(lambda: gcmod.clone(leaves, [y]), repeat)
    out["clone_replace"] = best(
        lambda: gcmod.clone_replace([y], {leaves[0]: leaves[1]}), repeat)
    out["fgraph"] = best(lambda: gcmod.FunctionGraph(leaves, [y], clone=False), repeat)
    return n, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--kind", choices=["tree", "chain"], default="tree")
    ap.add_argument("--min-ratio", type=float, default=None,
                    help="fail if build/toposort/clone ratio is below this")
    args = ap.parse_args(argv)
    if not compiled.COMPILED:
        print("tensorsmith_graphcore is NOT compiled (TENSORSMITH_PURE_PYTHON set or build "
              "missing): the comparison is meaningless", file=sys.stderr)
        return 1
    pure = compiled.pure_python()
    n_c, tc = measure(compiled, args.size, args.repeat, args.kind)
    n_p, tp = measure(pure, args.size, args.repeat, args.kind)
    assert n_c == n_p, (n_c, n_p)
    print(f"graph: {args.kind} of {n_c} Apply nodes, best of {args.repeat}")
    print(f"{'operation':<14} {'cython [s]':>11} {'python [s]':>11} {'ratio':>7}")
    bad = []
    for k in tc:
        r = tp[k] / tc[k]
        print(f"{k:<14} {tc[k]:>11.4f} {tp[k]:>11.4f} {r:>6.1f}x")
        if args.min_ratio is not None and k in ("build", "toposort", "clone") and r < args.min_ratio:
            bad.append(k)
    if bad:
        print(f"below {args.min_ratio}x: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
