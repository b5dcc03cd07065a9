"""Compare the Cython-compiled graphcore with its pure-Python copy.

Times building, toposorting and cloning an elementwise graph of ``--size``
nodes (see ``benchmarks/common.py``) with both implementations in one
process, alternating compiled and plain-Python runs so that machine noise
hits both alike, and prints the best of ``--repeat`` runs and the ratios.

* ``build``: nodes made with the graphcore constructors (``Apply``,
  ``Variable``, trace capture included) from user code;
* ``build_via_op``: the same through ``op(a, b)`` (``Op.__call__`` and a
  user-level ``make_node`` in Python: shown for information, most of its time
  is user-level Python that no graphcore change can remove);
* ``toposort``, ``clone``, ``clone_replace`` (replace one input),
  ``fgraph`` (``FunctionGraph(..., clone=False)``).

``floor`` times the same user loop building builtin objects in place of
nodes (``benchmarks/common.py: build_floor``): no graph core can build the
graph faster than that, so plain-Python build time / floor is the largest
build ratio this machine allows.

Besides wall time it prints, for the best run, the process's user and
system CPU time and the page faults it took (``getrusage``): building and
cloning allocate a new graph each time, and on machines where a page fault
is slow (virtual machines) the kernel's share can dominate the compiled
run.  ``--fault-cost`` measures what one page fault costs here and prints
the ratios with that cost taken out of both sides (an estimate).

    python asv_bench/compare_graphcore.py [--size 100000] [--repeat 5] [--kind tree|chain]
                                          [--min-ratio 5] [--fault-cost]

Exit status 1 when ``--min-ratio`` is given and a wall-time ratio of build,
toposort or clone falls below it.
"""
import argparse
import gc
import mmap
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorsmith_graphcore as compiled  # noqa: E402
from benchmarks.common import build_floor, build_graph  # noqa: E402

OPS = ("build", "build_via_op", "toposort", "clone", "clone_replace", "fgraph")


def run_once(fn):
    """(wall, user, sys, minor faults) of one call of ``fn``, GC paused."""
    gc.collect()
    gc.disable()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    res = fn()
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    gc.enable()
    del res
    return (t1 - t0, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime,
            r1.ru_minflt - r0.ru_minflt)


def workloads(g, size, kind):
    leaves, y = build_graph(g, size, kind)
    n = len(g.toposort([y]))
    return n, {
        "build": lambda: build_graph(g, size, kind),
        "build_via_op": lambda: build_graph(g, size, kind, via_op=True),
        "toposort": lambda: g.toposort([y]),
        "clone": lambda: g.clone(leaves, [y]),
        "clone_replace": lambda: g.clone_replace([y], {leaves[0]: leaves[1]}),
        "fgraph": lambda: g.FunctionGraph(leaves, [y], clone=False),
    }


def fault_cost(mib=64, repeat=3):
    """Seconds one minor page fault costs: touch every page of fresh
    anonymous memory, minus touching pages already mapped."""
    n = mib * 1024 * 1024
    page = mmap.PAGESIZE
    best = None
    for _ in range(repeat):
        m = mmap.mmap(-1, n)
        t0 = time.perf_counter()
        for i in range(0, n, page):
            m[i] = 1
        t1 = time.perf_counter()
        for i in range(0, n, page):
            m[i] = 2
        t2 = time.perf_counter()
        m.close()
        c = ((t1 - t0) - (t2 - t1)) / (n // page)
        best = c if best is None else min(best, c)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--kind", choices=["tree", "chain"], default="tree")
    ap.add_argument("--ops", default=",".join(OPS), help="comma-separated subset of " + ", ".join(OPS))
    ap.add_argument("--min-ratio", type=float, default=None,
                    help="fail if the build/toposort/clone wall-time ratio is below this")
    ap.add_argument("--fault-cost", action="store_true", help="also measure the cost of a page fault")
    args = ap.parse_args(argv)
    if not compiled.COMPILED:
        print("tensorsmith_graphcore is NOT compiled (TENSORSMITH_PURE_PYTHON set or build "
              "missing): the comparison is meaningless", file=sys.stderr)
        return 1
    ops = [o for o in args.ops.split(",") if o]
    for o in ops:
        if o not in OPS:
            ap.error(f"unknown op {o!r}; choose from {', '.join(OPS)}")
    pure = compiled.pure_python()
    n_c, wc = workloads(compiled, args.size, args.kind)
    n_p, wp = workloads(pure, args.size, args.kind)
    assert n_c == n_p, (n_c, n_p)
    wf = {"build": lambda: build_floor(args.size, args.kind)}
    best = {}
    for op in ops:
        # the floor runs in the same alternation, under the same conditions
        sides = (("c", wc), ("p", wp), ("f", wf)) if op in wf else (("c", wc), ("p", wp))
        for side, w in sides:
            best[op, side] = None
        for _ in range(args.repeat):
            for side, w in sides:
                r = run_once(w[op])
                if best[op, side] is None or r[0] < best[op, side][0]:
                    best[op, side] = r
    floor = best.get(("build", "f"))
    print(f"graph: {args.kind} of {n_c} Apply nodes; best of {args.repeat} alternating runs; "
          f"times in ms (user/sys: CPU time of the best run)")
    print(f"{'operation':<14} {'cython':>8} {'python':>8} {'ratio':>6}   "
          f"{'cy user/sys':>13} {'py user/sys':>13} {'faults cy/py':>14}")
    bad = []
    for op in ops:
        c = best[op, "c"]
        p = best[op, "p"]
        r = p[0] / c[0]
        print(f"{op:<14} {c[0] * 1e3:>8.1f} {p[0] * 1e3:>8.1f} {r:>5.1f}x   "
              f"{c[1] * 1e3:>6.0f}/{c[2] * 1e3:<6.0f} {p[1] * 1e3:>6.0f}/{p[2] * 1e3:<6.0f} "
              f"{c[3]:>6}/{p[3]:<7}")
        if args.min_ratio is not None and op in ("build", "toposort", "clone") and r < args.min_ratio:
            bad.append(op)
    if floor is not None:
        p = best["build", "p"]
        print(f"floor (the build loop with builtin objects, no graph core): {floor[0] * 1e3:.1f} ms, "
              f"{floor[3]} faults: the largest build ratio possible here is {p[0] / floor[0]:.1f}x")
    if args.fault_cost:
        fc = fault_cost()
        print(f"one page fault costs about {fc * 1e6:.2f} us here; ratios with the faults' cost "
              f"taken out of both times (an estimate):")
        for op in ops:
            c = best[op, "c"]
            p = best[op, "p"]
            cc = c[0] - c[3] * fc
            pp = p[0] - p[3] * fc
            if c[3] and cc > 0:
                print(f"  {op:<14} {pp / cc:>5.1f}x")
    if bad:
        print(f"below {args.min_ratio}x: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
