"""Compare the Cython-compiled graphcore with its pure-Python copy.

Times (best of N) building, toposorting and cloning an elementwise graph of
``--size`` nodes (a balanced binary tree of a toy 2-input op over ``--leaves``
inputs) with both implementations in one process and prints the ratios.

    python asv_bench/compare_graphcore.py [--size 100000] [--repeat 5] [--min-ratio 5]

Exit status 1 when ``--min-ratio`` is given and a ratio falls below it.
"""
import argparse
import gc
import sys
import time

import tensorsmith_graphcore as compiled


def make_toy(gcmod):
    class Scalar(gcmod.Type):
        __props__ = ("kind",)

        def __init__(self, kind="float"):
            self.kind = kind

        def filter(self, value, strict=False, allow_downcast=None):
            return float(value)

    class Add(gcmod.Op):
        __props__ = ()

        def make_node(self, a, b):
            return gcmod.Apply(self, [a, b], [a.type.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0] + inputs[1]

    return Scalar, Add


def build_tree(gcmod, toy, n_nodes, n_leaves=64):
    """A graph of ``n_nodes`` Add nodes: level-by-level pairwise reduction over
    leaves, repeated until ``n_nodes`` nodes exist (elementwise style)."""
    Scalar, Add = toy
    t = Scalar()
    add = Add()
    leaves = [t.make_variable(f"x{i}") for i in range(n_leaves)]
    layer = list(leaves)
    made = 0
    while made < n_nodes:
        nxt = []
        m = len(layer)
        for i in range(0, m - 1, 2):
            if made >= n_nodes:
                break
            nxt.append(add(layer[i], layer[i + 1]))
            made += 1
        if m % 2 or made >= n_nodes:
            nxt.extend(layer[len(nxt) * 2:])
        if len(nxt) == 1 and made < n_nodes:
            nxt.append(leaves[made % n_leaves])
        layer = nxt
    # fold what is left into one output
    while len(layer) > 1:
        layer = [add(layer[0], layer[1])] + layer[2:]
        made += 1
    return leaves, layer[0]


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


def measure(gcmod, size, repeat):
    toy = make_toy(gcmod)
    out = {}
    out["build"] = best(lambda: build_tree(gcmod, toy, size), repeat)
    leaves, y = build_tree(gcmod, toy, size)
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
    ap.add_argument("--min-ratio", type=float, default=None,
                    help="fail if build/toposort/clone ratio is below this")
    args = ap.parse_args(argv)
    if not compiled.COMPILED:
        print("tensorsmith_graphcore is NOT compiled (TENSORSMITH_PURE_PYTHON set or build "
              "missing): the comparison is meaningless", file=sys.stderr)
        return 1
    pure = compiled.pure_python()
    n_c, tc = measure(compiled, args.size, args.repeat)
    n_p, tp = measure(pure, args.size, args.repeat)
    assert n_c == n_p, (n_c, n_p)
    print(f"graph: {n_c} Apply nodes, best of {args.repeat}")
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
