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
