"""Rewriting and compiling large graphs: TensorSmith against PyTensor, side by
side, each workload a whole fresh process (import, build, gradient where the
workload has one, ``function`` with the default mode, one call), as a user
meets it; and the ``FAST_RUN`` rewrite alone (``rewrite_graph(outputs,
include=("fast_run",))``, the same call in both libraries) on the same
graphs.

    python asv_bench/compare_rewrite.py [--pytensor /path/to/venv/bin/python]
        [--timeout 300] [--only sinsum500,hier1000,...]

Workloads (the issue's):
* ``sinsumN``: ``y = sum over k=1..N of c_k * sin(a_k * x + b_k)`` on a
  vector ``x`` (a, b, c: Python floats), N = 500 and 2,000;
* ``hier1000``: a 1,000-parameter hierarchical normal log-density and its
  1,002 gradients (``mu``, ``sigma`` and each ``theta_i``);
* ``sinsum10000``/``sinsum20000``: about 50,000 and 100,000 nodes (the
  doubling check of the rewrite).

PyTensor (3.x) lives in a virtual environment of its own (``--pytensor``;
without it only TensorSmith's columns are filled); it compiles into a fresh
``compiledir`` (a cold cache) per process.  A process past ``--timeout`` is
reported as ``>T``.  Prints seconds and the ratio PyTensor/TensorSmith."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
lib, work, what = sys.argv[1], sys.argv[2], sys.argv[3]
if lib == "pytensor":
    import pytensor as L
    import pytensor.tensor as pt
    from pytensor.graph.rewriting.utils import rewrite_graph
    sys.setrecursionlimit(100000)  # its gradient recurses on deep graphs
else:
    import tensorsmith as L
    import tensorsmith.tensor as pt
    from tensorsmith_rewriter import rewrite_graph
import numpy as np
t_import = time.perf_counter()
rng = np.random.default_rng(0)
if work.startswith("sinsum"):
    n = int(work[6:])
    x = pt.dvector("x")
    a, b, c = (rng.uniform(0.5, 2.0, n).tolist() for _ in range(3))
    y = c[0] * pt.sin(a[0] * x + b[0])
    for k in range(1, n):
        y = y + c[k] * pt.sin(a[k] * x + b[k])
    inputs, outputs, args = [x], [y], [np.linspace(-1.0, 1.0, 1000)]
elif work.startswith("hier"):
    n = int(work[4:])
    mu, sigma = pt.dscalar("mu"), pt.dscalar("sigma")
    thetas = [pt.dscalar(f"t{i}") for i in range(n)]
    ys = rng.normal(size=n).tolist()
    logp = -0.5 * mu ** 2 - sigma
    for t, yv in zip(thetas, ys):
        logp = logp + (-0.5 * ((t - mu) / sigma) ** 2 - pt.log(sigma) - 0.5 * (yv - t) ** 2)
    wrt = [mu, sigma] + thetas
    inputs = wrt
    outputs = [logp] + list(L.grad(logp, wrt))
    args = [0.1, 1.3] + rng.normal(size=n).tolist()
else:
    raise SystemExit(f"unknown workload {work}")
t_build = time.perf_counter()
res = {"import": t_import - t0, "build": t_build - t_import}
if what == "rewrite":
    rewrite_graph(outputs, include=("fast_run",))
    res["rewrite"] = time.perf_counter() - t_build
else:
    f = L.function(inputs, outputs)
    t_compile = time.perf_counter()
    out = f(*args)
    res["compile"] = t_compile - t_build
    res["call"] = time.perf_counter() - t_compile
    res["value"] = float(np.asarray(out[0]).sum())
res["total"] = time.perf_counter() - t0
print("@@" + json.dumps(res))
"""


def run(python, lib, work, what, timeout):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    with tempfile.TemporaryDirectory() as d:
        env["PYTENSOR_FLAGS"] = f"compiledir={d}"
        try:
            proc = subprocess.run([python, "-c", CHILD, lib, work, what], capture_output=True,
                                  text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return {"timeout": timeout}
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:120]}


def fmt(r, key):
    if "timeout" in r:
        return f">{r['timeout']:.0f}"
    if "error" in r:
        return "error"
    return f"{r[key]:.2f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pytensor", help="python of a virtual environment with PyTensor")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--only", default="sinsum500,sinsum2000,hier1000,sinsum10000,sinsum20000")
    args = ap.parse_args(argv)
    works = args.only.split(",")
    libs = [("tensorsmith", sys.executable)]
    if args.pytensor:
        libs.append(("pytensor", args.pytensor))
    results = {}
    for work in works:
        for what in ("process", "rewrite"):
            for lib, py in libs:
                r = run(py, lib, work, what, args.timeout)
                results[(work, what, lib)] = r
                print(f"{work:12s} {what:8s} {lib:12s} {json.dumps(r)}", file=sys.stderr, flush=True)
    print(f"\n{'workload':12s} {'measure':28s} {'tensorsmith':>12s} {'pytensor':>10s} {'pt/ts':>7s}")
    for work in works:
        for what, key, label in (("process", "total", "whole process [s]"),
                                 ("process", "compile", "  function() [s]"),
                                 ("rewrite", "rewrite", "FAST_RUN rewrite alone [s]")):
            ts = results[(work, what, "tensorsmith")]
            pt = results.get((work, what, "pytensor"), {"error": "not run"})
            ratio = ""
            if key in ts and key in pt:
                ratio = f"{pt[key] / ts[key]:7.1f}"
            elif "timeout" in pt and key in ts:
                ratio = f">{pt['timeout'] / ts[key]:6.0f}"
            print(f"{work:12s} {label:28s} {fmt(ts, key):>12s} {fmt(pt, key) if args.pytensor else '-':>10s}"
                  f" {ratio:>7s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
