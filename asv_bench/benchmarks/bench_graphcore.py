"""graphcore: build, toposort, clone, clone_replace and FunctionGraph
construction + replace on elementwise graphs (balanced binary trees of a toy
2-input op) of 10^3 .. 10^6 nodes, for the Cython-compiled package and its
plain-Python copy (``pure_python()``).

Graphs are built once per process and size (module cache) and never mutated
by the timed code, so setup stays cheap."""
import gc

from .common import build_graph, implementation, make_toy

SIZES = [1_000, 10_000, 100_000, 1_000_000]
IMPLS = ["cython", "python"]

_cache = {}


def cached_graph(impl, n):
    key = (impl, n)
    if key not in _cache:
        _cache.clear()  # keep one graph alive at a time (10^6 nodes take ~0.5 GB)
        gc.collect()
        g = implementation(impl)
        _cache[key] = (g,) + build_graph(g, n)
    return _cache[key]


class _GraphBench:
    params = [SIZES, IMPLS]
    param_names = ["n_nodes", "impl"]
    timeout = 900
    number = 1
    repeat = (1, 3, 20.0)
    warmup_time = 0

    def setup(self, n, impl):
        self.g, self.inputs, self.output = cached_graph(impl, n)


class Build:
    """Make the graph node by node (Apply/Variable constructors, traces on)."""

    params = [SIZES, IMPLS]
    param_names = ["n_nodes", "impl"]
    timeout = 900
    number = 1
    repeat = (1, 3, 20.0)
    warmup_time = 0

    def setup(self, n, impl):
        self.g = implementation(impl)
        build_graph(self.g, 10)

    def time_build(self, n, impl):
        build_graph(self.g, n)

    def time_build_via_op(self, n, impl):
        build_graph(self.g, n, via_op=True)


class Toposort(_GraphBench):
    def time_toposort(self, n, impl):
        self.g.toposort([self.output])

    def time_ancestors(self, n, impl):
        self.g.ancestors([self.output])


class Clone(_GraphBench):
    def time_clone(self, n, impl):
        self.g.clone(self.inputs, [self.output])

    def time_clone_replace(self, n, impl):
        # half of the inputs are replaced: half of the tree is rebuilt
        self.g.clone_replace([self.output], self.replacements)

    def setup(self, n, impl):
        _GraphBench.setup(self, n, impl)
        half = self.inputs[: len(self.inputs) // 2]
        t = self.inputs[0].type
        self.replacements = {v: self.g.Variable(t) for v in half}


class FunctionGraphBench(_GraphBench):
    def time_fgraph(self, n, impl):
        self.g.FunctionGraph(self.inputs, [self.output])

    def time_fgraph_replace(self, n, impl):
        """Construction (with clone) plus one local replace."""
        fg = self.g.FunctionGraph(self.inputs, [self.output])
        first = fg.clients[fg.inputs[0]][0][0]
        fg.replace(first.outputs[0], self.add(fg.inputs[1], fg.inputs[2]), reason="bench")

    def setup(self, n, impl):
        _GraphBench.setup(self, n, impl)
        self.add = make_toy(self.g)[1]
