"""Per-call time of compiled functions: the call path (argument checks and
conversion, the thunk loop, output packaging).

asv: ``ScalarAdd`` times ``function([x, y], x + y)`` on float64 scalars given
as Python floats, NumPy scalars, 0-d arrays, and 0-d arrays with
``trust_input=True``; ``TenInTenOut`` a function of 10 scalar inputs and 10
outputs.

Script mode prints microseconds per call (the minimum over repeats of the
mean over many calls) and, when ``/tmp/ptvenv/bin/python`` exists (a virtual
environment with PyTensor), the same calls under PyTensor in a subprocess
with the ratio::

    python asv_bench/benchmarks/bench_call.py [--repeat 15] [--number 20000] [--pytensor PYTHON]

PyTensor is never a dependency: its column is left out when absent."""
import json
import os
import subprocess
import sys
import timeit

import numpy as np

# the cases: name -> (statement, trust_input); run by both libraries
CASES = {
    "python floats": ("f(1.0, 2.0)", False),
    "numpy scalars": ("f(a, b)", False),
    "0-d arrays": ("f(A, B)", False),
    "0-d arrays, trust_input": ("f(A, B)", True),
    "10 in / 10 out, floats": ("f10(*fl10)", False),
    "10 in / 10 out, trust_input": ("f10(*ar10)", True),
}

_SETUP = """
import numpy as np
x, y = lib.dscalar("x"), lib.dscalar("y")
f = function([x, y], x + y, trust_input=trust)
xs = [lib.dscalar("x%d" % k) for k in range(10)]
f10 = function(xs, [xs[k] + xs[(k + 1) % 10] for k in range(10)], trust_input=trust)
a, b = np.float64(1.0), np.float64(2.0)
A, B = np.array(1.0), np.array(2.0)
fl10 = [float(k) for k in range(10)]
ar10 = [np.array(float(k)) for k in range(10)]
"""


def _namespace(lib, function, trust):
    ns = {"lib": lib, "function": function, "trust": trust}
    exec(_SETUP, ns)
    return ns


def measure(lib, function, repeat=15, number=20000):
    """{case: microseconds per call} for the library ``lib`` (a module with
    ``dscalar``) and its ``function``."""
    spaces = {t: _namespace(lib, function, t) for t in (False, True)}
    best = {name: float("inf") for name in CASES}
    # interleaved, so a slow moment of the machine hits every case alike
    for _ in range(repeat):
        for name, (stmt, trust) in CASES.items():
            t = timeit.Timer(stmt, globals=spaces[trust]).timeit(number)
            best[name] = min(best[name], t / number * 1e6)
    return best


class ScalarAdd:
    """function([x, y], x + y) on float64 scalars."""

    def setup(self):
        import tensorsmith
        import tensorsmith.tensor as pt

        x, y = pt.dscalar("x"), pt.dscalar("y")
        self.f = tensorsmith.function([x, y], x + y)
        self.ft = tensorsmith.function([x, y], x + y, trust_input=True)
        self.a, self.b = np.float64(1.0), np.float64(2.0)
        self.A, self.B = np.array(1.0), np.array(2.0)

    def time_python_floats(self):
        self.f(1.0, 2.0)

    def time_numpy_scalars(self):
        self.f(self.a, self.b)

    def time_0d_arrays(self):
        self.f(self.A, self.B)

    def time_0d_arrays_trust_input(self):
        self.ft(self.A, self.B)


class TenInTenOut:
    """10 scalar inputs, 10 outputs (x_k + x_{k+1})."""

    def setup(self):
        import tensorsmith
        import tensorsmith.tensor as pt

        xs = [pt.dscalar(f"x{k}") for k in range(10)]
        outs = [xs[k] + xs[(k + 1) % 10] for k in range(10)]
        self.f = tensorsmith.function(xs, outs)
        self.ft = tensorsmith.function(xs, outs, trust_input=True)
        self.floats = [float(k) for k in range(10)]
        self.arrays = [np.array(float(k)) for k in range(10)]

    def time_python_floats(self):
        self.f(*self.floats)

    def time_trust_input(self):
        self.ft(*self.arrays)


_PYTENSOR_CHILD = """
import json, sys
sys.path.insert(0, {here!r})
import pytensor, pytensor.tensor as pt
from bench_call import measure
print(json.dumps(measure(pt, pytensor.function, {repeat}, {number})))
"""


def pytensor_figures(python, repeat, number):
    """The same cases under PyTensor in ``python`` (a subprocess), or None."""
    if not python or not os.path.exists(python):
        return None
    code = _PYTENSOR_CHILD.format(here=os.path.dirname(os.path.abspath(__file__)),
                                  repeat=repeat, number=number)
    r = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        print(f"(PyTensor run failed: {r.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--number", type=int, default=20000)
    p.add_argument("--pytensor", default="/tmp/ptvenv/bin/python",
                   help="a Python with PyTensor installed ('' to skip)")
    args = p.parse_args(argv)
    import tensorsmith
    import tensorsmith.tensor as pt

    ours = measure(pt, tensorsmith.function, args.repeat, args.number)
    pyt = pytensor_figures(args.pytensor, args.repeat, args.number)
    a, b = np.float64(1.0), np.float64(2.0)
    plain = min(timeit.Timer("a + b", globals={"a": a, "b": b}).repeat(args.repeat, args.number))
    print(f"us per call (min over {args.repeat} repeats of {args.number} calls)")
    head = f"{'case':30s} {'TensorSmith':>12s}"
    if pyt:
        head += f" {'PyTensor':>10s} {'ratio':>7s}"
    print(head)
    for name in CASES:
        line = f"{name:30s} {ours[name]:12.3f}"
        if pyt:
            line += f" {pyt[name]:10.3f} {ours[name] / pyt[name]:7.2f}"
        print(line)
    print(f"{'plain numpy scalars a + b':30s} {plain / args.number * 1e6:12.3f}")


if __name__ == "__main__":
    main()
