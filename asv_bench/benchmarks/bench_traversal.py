"""The one topological sort and the one ancestor walk of graphcore on other
shapes than ``bench_graphcore``'s balanced tree: a chain (the deepest graph),
a random DAG with shared subgraphs, and PyTensor's order (``last_first``),
eagerly and lazily (``iter_toposort``/``iter_ancestors``, which the
frontend's ``tensorsmith.graph.traversal`` generators adapt), for the
compiled package and its plain-Python copy."""
import gc
import random

from .common import build_graph, implementation, make_toy

SIZES = [10_000, 300_000]
IMPLS = ["cython", "python"]
KINDS = ["chain", "random"]

_cache = {}


def random_dag(g, n_nodes, seed=0):
    """``n_nodes`` two-input nodes, each on a recent node and a random one."""
    t, add = make_toy(g)
    rng = random.Random(seed)
    pool = [g.Variable(t) for _ in range(64)]
    for _ in range(n_nodes):
        m = len(pool)
        a = pool[rng.randrange(max(0, m - 1000), m)]
        b = pool[rng.randrange(m)]
        pool.append(g.Apply(add, [a, b], [g.Variable(t)]).outputs[0])
    return pool[:64], pool[-16:]


def cached_graph(kind, impl, n):
    key = (kind, impl, n)
    if key not in _cache:
        _cache.clear()
        gc.collect()
        g = implementation(impl)
        if kind == "chain":
            leaves, y = build_graph(g, n, "chain")
            outs = [y]
        else:
            leaves, outs = random_dag(g, n)
        _cache[key] = (g, leaves, outs)
    return _cache[key]


class Walks:
    params = [KINDS, SIZES, IMPLS]
    param_names = ["kind", "n_nodes", "impl"]
    timeout = 600
    number = 1
    repeat = (1, 5, 20.0)
    warmup_time = 0

    def setup(self, kind, n, impl):
        self.g, self.leaves, self.outs = cached_graph(kind, impl, n)

    def time_toposort(self, kind, n, impl):
        self.g.toposort(self.outs)

    def time_toposort_last_first(self, kind, n, impl):
        self.g.toposort(self.outs, last_first=True)

    def time_io_toposort(self, kind, n, impl):
        self.g.io_toposort(self.leaves, self.outs)

    def time_iter_toposort(self, kind, n, impl):
        for _ in self.g.graph.iter_toposort(self.outs, last_first=True):
            pass

    def time_ancestors(self, kind, n, impl):
        self.g.ancestors(self.outs)

    def time_iter_ancestors(self, kind, n, impl):
        for _ in self.g.graph.iter_ancestors(self.outs, last_first=True):
            pass
