"""Per-call time of compiled functions, and time from ``function(...)`` to
the first result."""
import numpy as np

import tensorsmith
import tensorsmith.tensor as pt


class ScalarCall:
    """Microseconds per call of f(x, y) = x*y + sin(x) on Python floats."""

    def setup(self):
        x, y = pt.dscalar("x"), pt.dscalar("y")
        self.f = tensorsmith.function([x, y], x * y + pt.sin(x))
        self.g = tensorsmith.function([x, y], [x * y + pt.sin(x), tensorsmith.grad(x * y + pt.sin(x), x)])

    def time_scalar_call(self):
        self.f(2.0, 4.0)

    def time_scalar_call_with_grad(self):
        self.g(2.0, 4.0)


class VectorCall:
    params = [10, 10_000, 1_000_000]
    param_names = ["n"]

    def setup(self, n):
        v = pt.dvector("v")
        self.f = tensorsmith.function([v], (pt.exp(-v * v) * 2.0 + 1.0).sum())
        self.v = np.random.default_rng(0).normal(size=n)

    def time_vector_call(self, n):
        self.f(self.v)


class CompileToFirstResult:
    """function(...) plus the first call, for a small logistic-regression step."""

    def time_logreg_compile_and_call(self):
        X, y = pt.dmatrix("X"), pt.dvector("y")
        w = pt.dvector("w")
        z = pt.dot(X, w)
        loss = pt.mean(pt.log(1 + pt.exp(-abs(z))) + pt.maximum(z, 0) - y * z)
        f = tensorsmith.function([X, y, w], [loss, tensorsmith.grad(loss, w)])
        f(np.ones((4, 3)), np.ones(4), np.zeros(3))


class CompileLargeGraph:
    """function(...) of an elementwise chain of 3 * n nodes (the graph is built
    in setup): cloning, FunctionGraph, storage and thunks."""

    params = [1_000, 20_000]
    param_names = ["n"]
    timeout = 300
    number = 1
    repeat = (1, 3, 20.0)

    def setup(self, n):
        x = pt.dvector("x")
        y = x
        for i in range(n):
            y = pt.exp(y * 0.5) + x if i % 2 else pt.log1p(y * y)
        self.x, self.y = x, y

    def time_compile(self, n):
        tensorsmith.function([self.x], self.y)

    def peakmem_compile(self, n):
        # peak memory of the process: the graph (setup) plus what function adds
        tensorsmith.function([self.x], self.y)


class ThreadedCalls:
    """8 threads calling one function at once (every call needs its own
    storage: spares), against the same calls from one thread."""

    def setup(self):
        import threading

        x = pt.dvector("x")
        self.f = tensorsmith.function([x], (pt.exp(-x * x) * 2.0 + 1.0).sum())
        self.v = np.ones(1000)
        self.threading = threading

    def _calls(self, k):
        f, v = self.f, self.v
        for _ in range(k):
            f(v)

    def time_one_thread_800_calls(self):
        self._calls(800)

    def time_eight_threads_100_calls_each(self):
        ts = [self.threading.Thread(target=self._calls, args=(100,)) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()


class CompileMemoryChain:
    """Memory that ``function`` adds for an elementwise chain with its
    gradient (issue 8: at most 1 KB per chain node): the graph is built in
    setup, so ``peakmem_compile`` minus ``peakmem_graph_only`` is what
    compiling adds; ``track_function_bytes_per_node`` measures it directly."""

    params = [50_000]
    param_names = ["n"]
    timeout = 300
    number = 1
    repeat = (1, 1, 60.0)

    def setup(self, n):
        x = pt.dvector("x")
        y = x
        for i in range(n):
            y = pt.sin(y) if i % 2 else y * 1.0001
        cost = y.sum()
        self.x, self.outs = x, [cost, tensorsmith.grad(cost, x)]

    def peakmem_graph_only(self, n):
        pass

    def peakmem_compile(self, n):
        tensorsmith.function([self.x], self.outs)

    def track_function_bytes_per_node(self, n):
        import gc
        import tracemalloc

        gc.collect()
        tracemalloc.start()
        f = tensorsmith.function([self.x], self.outs)
        gc.collect()
        cur, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del f
        return cur / n

    track_function_bytes_per_node.unit = "bytes per chain node"
