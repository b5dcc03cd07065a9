"""The large-graph figures of issue 8 (item 7), in one run: an elementwise
chain of N nodes (default 1,000,000)

    x = pt.dvector("x"); y = x
    for i in range(N):
        y = pt.sin(y) if i % 2 else y * 1.0001
    cost = y.sum(); g = grad(cost, x); f = function([x], [cost, g]); f(ones(10))

built, differentiated, compiled and run, with the CPU time of each step, the
resident memory after it (and what it added per chain node) and the peak
resident memory of the process.  Goals: under 60 s of CPU and 3 GB peak in
all; ``function`` adds at most 1 KB per chain node.

    python asv_bench/compare_large_chain.py [N] [--no-grad]
"""
import gc
import resource
import sys
import time

import numpy as np


def _rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def _peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv):
    n = 1_000_000
    grad = True
    for a in argv:
        if a == "--no-grad":
            grad = False
        else:
            n = int(a.replace("_", ""))
    import tensorsmith
    import tensorsmith.tensor as pt

    rows = []
    state = {"rss": _rss(), "cpu": time.process_time()}

    def mark(step):
        gc.collect()
        r, c = _rss(), time.process_time()
        rows.append((step, c - state["cpu"], r, (r - state["rss"]) / n))
        state["rss"], state["cpu"] = r, time.process_time()

    t0 = time.process_time()
    x = pt.dvector("x")
    y = x
    for i in range(n):
        y = pt.sin(y) if i % 2 else y * 1.0001
    cost = y.sum()
    mark("build")
    outs = [cost]
    if grad:
        outs.append(tensorsmith.grad(cost, x))
    mark("grad")
    f = tensorsmith.function([x], outs)
    mark("function")
    r = f(np.ones(10))
    mark("run")
    total = sum(row[1] for row in rows)
    print(f"chain of {n:,} elementwise nodes{'' if grad else ' (no gradient)'}; "
          f"python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"{'step':10s} {'cpu s':>8s} {'rss GB':>8s} {'added B/chain node':>19s}")
    for step, cpu, rss, per in rows:
        print(f"{step:10s} {cpu:8.2f} {rss / 1e9:8.2f} {per:19.0f}")
    print(f"total CPU {total:.1f} s (goal < 60 s); peak RSS {_peak() / 1e9:.2f} GB (goal < 3 GB); "
          f"process CPU since start {time.process_time() - t0:.1f} s")
    expected = np.ones(10)
    for i in range(n):
        expected = np.sin(expected) if i % 2 else expected * 1.0001
    ok = np.allclose(r[0], expected.sum())
    print("result matches NumPy:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
