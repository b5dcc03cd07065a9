"""Elementwise fusion on the N-term sum ``y = sum_k c_k * sin(a_k * x + b_k)``
(``a_k, b_k, c_k`` Python floats; about 4N elementwise nodes, one region):

* ``time_fast_run_rewrite``: the whole FAST_RUN pipeline on a fresh
  ``FunctionGraph`` (copy-on-write over the same user nodes);
* ``time_fusion_pass``: the ``elemwise_fusion`` pass alone on the graph as
  built (no other rewrite), i.e. region finding plus building one
  ``Composite`` of about 4N inner nodes;
* ``time_call``: one call of the compiled function (FAST_RUN, the single
  fused node) on 1,000 doubles.

Run as a script for the figures and the whole process (build, FAST_RUN
compile, one call) timed from a fresh graph:

    python asv_bench/benchmarks/bench_fusion.py [repeats]
"""
import gc
import sys
import time

import numpy as np

SIZES = [500, 2000, 8000]
SCALING_SIZES = [5000, 10000, 20000]

_graphs = {}


def build(n):
    import tensorsmith.tensor as pt

    rng = np.random.default_rng(n)
    a, b, c = rng.normal(size=(3, n))
    x = pt.dvector("x")
    y = float(c[0]) * pt.sin(float(a[0]) * x + float(b[0]))
    for k in range(1, n):
        y = y + float(c[k]) * pt.sin(float(a[k]) * x + float(b[k]))
    return x, y


def graph(n):
    if n not in _graphs:
        _graphs.clear()
        gc.collect()
        _graphs[n] = build(n)
    return _graphs[n]


class Fusion:
    params = [SIZES]
    param_names = ["n_terms"]
    timeout = 600
    number = 1
    repeat = (3, 5, 60.0)
    warmup_time = 0

    def setup(self, n):
        from tensorsmith_graphcore import FunctionGraph

        self.x, self.y = graph(n)
        self.fg = FunctionGraph([self.x], [self.y], clone=False, copy_on_write=True)

    def time_fast_run_rewrite(self, n):
        from tensorsmith_rewriter import make_pipeline

        make_pipeline(("fast_run",)).apply(self.fg)

    def time_fusion_pass(self, n):
        from tensorsmith_rewriter.fusion import ElemwiseFusion

        ElemwiseFusion().apply(self.fg)


class FastRunScaling:
    """The FAST_RUN rewrite over sizes around the issue's 50,000 nodes (5N
    nodes for N terms: 25k, 50k, 100k): under 2 s at 50k, and doubling the
    graph at most doubles the time plus 10% (``main`` prints the ratios)."""

    params = [SCALING_SIZES]
    param_names = ["n_terms"]
    timeout = 600
    number = 1
    repeat = (1, 3, 60.0)
    warmup_time = 0
    setup = Fusion.setup
    time_fast_run_rewrite = Fusion.time_fast_run_rewrite


class FusedCall:
    params = [SIZES]
    param_names = ["n_terms"]
    timeout = 600
    number = 1
    repeat = (3, 10, 30.0)
    warmup_time = 0

    def setup(self, n):
        import tensorsmith as ts

        x, y = graph(n)
        self.f = ts.function([x], y, mode="FAST_RUN")
        self.xv = np.linspace(-1, 1, 1000)

    def time_call(self, n):
        self.f(self.xv)


def whole_process(n, grad=False):
    """Seconds for build (+ grad), FAST_RUN compile and one call, from scratch."""
    import tensorsmith as ts
    import tensorsmith.tensor as pt

    t0 = time.perf_counter()
    x, y = build(n)
    outs = [y, ts.grad(pt.sum(y), x)] if grad else y
    t1 = time.perf_counter()
    f = ts.function([x], outs, mode="FAST_RUN")
    t2 = time.perf_counter()
    f(np.linspace(-1, 1, 1000))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(f.maker.fgraph.apply_nodes)


def main(argv):
    import tensorsmith_graphcore as G
    from tensorsmith_graphcore import FunctionGraph

    repeats = int(argv[0]) if argv else 3
    print(f"graphcore compiled: {G.COMPILED}")
    for cls, names in ((Fusion, ["time_fast_run_rewrite", "time_fusion_pass"]), (FusedCall, ["time_call"])):
        bench = cls()
        for n in SIZES:
            for name in names:
                best = float("inf")
                for _ in range(repeats):
                    bench.setup(n)
                    gc.collect()
                    t0 = time.perf_counter()
                    getattr(bench, name)(n)
                    best = min(best, time.perf_counter() - t0)
                print(f"{name:24s} N={n:>5}: {best * 1e3:9.1f} ms")
    bench = FastRunScaling()
    prev = None
    for n in SCALING_SIZES:
        best = float("inf")
        for _ in range(repeats):
            bench.setup(n)
            gc.collect()
            gc.freeze()  # the graph built: not walked by the collector again
            t0 = time.perf_counter()
            bench.time_fast_run_rewrite(n)
            best = min(best, time.perf_counter() - t0)
            gc.unfreeze()
        nodes = len(FunctionGraph([bench.x], [bench.y], clone=False).apply_nodes)
        ratio = f", x{best / prev:.2f} the time of half the graph" if prev else ""
        print(f"FAST_RUN rewrite N={n:>6} ({nodes:,} nodes): {best:.3f} s{ratio}")
        prev = best
    for n in (500, 2000):
        for grad in (False, True):
            b, c, r, nodes = whole_process(n, grad)
            print(f"whole process N={n:>5}{' +grad' if grad else '      '}: build {b:.2f} s, compile {c:.2f} s, "
                  f"call {r:.3f} s, total {b + c + r:.2f} s ({nodes} nodes after FAST_RUN)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
