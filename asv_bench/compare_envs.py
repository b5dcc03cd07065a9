"""Compare two installations of TensorSmith (say, main before and after a
change) on the asv benchmarks of this directory, in one run.

Each interpreter runs the same benchmark code (``benchmarks/`` next to this
file) against its own installed packages.  The two alternate, round after
round (A B A B ...), so drift of the machine's speed hits both alike; each
round is one process per side that times every selected ``time_*``
benchmark (setup, one warm-up call, then the best of 3 samples of an
auto-ranged number of calls).  Printed: the median over rounds of each side
and the ratio head/base (above 1: head is slower).

    python asv_bench/compare_envs.py --base /path/to/old/venv/bin/python \\
        [--head python] [--rounds 3] [-b REGEX ...] [--max-n 100000]

``--max-n`` skips parameter combinations with a number above it (the largest
graph sizes take minutes in plain-Python mode).  Needs only the standard
library and the two installations."""
import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.join(HERE, "benchmarks")

RUNNER = r"""
import importlib, inspect, itertools, json, os, re, sys, time
sys.path.insert(0, os.path.dirname(BENCH_DIR))
pats = [re.compile(p) for p in PATTERNS]
out = {}
for fn in sorted(os.listdir(BENCH_DIR)):
    if not (fn.startswith("bench_") and fn.endswith(".py")):
        continue
    try:
        mod = importlib.import_module("benchmarks." + fn[:-3])
    except ImportError as exc:  # a module the other installation lacks
        if not pats:
            out[fn[:-3] + ".*"] = f"error: {type(exc).__name__}: {exc}"
        continue
    for cname, cls in sorted(vars(mod).items()):
        if not inspect.isclass(cls) or cls.__module__ != mod.__name__ or cname.startswith("_"):
            continue
        methods = sorted(m for m in dir(cls) if m.startswith("time_"))
        params = getattr(cls, "params", None)
        if params is None:
            combos = [()]
        elif params and isinstance(params[0], (list, tuple)):
            combos = list(itertools.product(*params))
        else:
            combos = [(p,) for p in params]
        for m in methods:
            for combo in combos:
                if any(isinstance(p, (int, float)) and not isinstance(p, bool) and p > MAX_N
                       for p in combo):
                    continue
                key = f"{fn[:-3]}.{cname}.{m}" + (f"({', '.join(map(str, combo))})" if combo else "")
                if pats and not any(p.search(key) for p in pats):
                    continue
                obj = cls()
                try:
                    if hasattr(obj, "setup"):
                        obj.setup(*combo)
                    f = getattr(obj, m)
                    f(*combo)
                    number = getattr(cls, "number", 0) or 0
                    if number <= 0:
                        number = 1
                        while True:
                            t0 = time.perf_counter()
                            for _ in range(number):
                                f(*combo)
                            if time.perf_counter() - t0 >= 0.05 or number >= 1 << 20:
                                break
                            number *= 4
                    best = None
                    for _ in range(3):
                        if number == 1 and hasattr(obj, "setup") and getattr(cls, "number", 0) == 1:
                            obj.setup(*combo)
                        t0 = time.perf_counter()
                        for _ in range(number):
                            f(*combo)
                        dt = (time.perf_counter() - t0) / number
                        best = dt if best is None else min(best, dt)
                    out[key] = best
                except NotImplementedError:
                    continue
                except Exception as exc:  # a benchmark the other side lacks, or broken
                    out[key] = f"error: {type(exc).__name__}: {exc}"
                if hasattr(obj, "teardown"):
                    obj.teardown(*combo)
print("@@RESULT@@" + json.dumps(out))
"""


def run_side(python, patterns, max_n):
    code = f"BENCH_DIR = {BENCH_DIR!r}\nPATTERNS = {patterns!r}\nMAX_N = {max_n!r}\n" + RUNNER
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    raise RuntimeError(f"{python} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def _fmt(t):
    if isinstance(t, str):
        return t[:30]
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if t >= scale:
            return f"{t / scale:7.2f} {unit}"
    return f"{t / 1e-9:7.1f} ns"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="python of the baseline installation")
    ap.add_argument("--head", default=sys.executable, help="python of the installation under test")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-b", "--bench", action="append", default=[], help="regex on benchmark names")
    ap.add_argument("--max-n", type=float, default=100_000)
    args = ap.parse_args(argv)
    samples = {"base": [], "head": []}
    for r in range(args.rounds):
        for side in ("base", "head") if r % 2 == 0 else ("head", "base"):
            python = args.base if side == "base" else args.head
            samples[side].append(run_side(python, args.bench, args.max_n))
            print(f"round {r + 1}/{args.rounds}: {side} done", file=sys.stderr, flush=True)
    keys = sorted(set(itertools.chain.from_iterable(s.keys() for s in samples["base"] + samples["head"])))
    print(f"{'benchmark':70s} {'base':>11s} {'head':>11s} {'head/base':>9s}")
    ratios = []
    for k in keys:
        vals = {}
        for side in ("base", "head"):
            xs = [s.get(k) for s in samples[side]]
            nums = [x for x in xs if isinstance(x, float)]
            vals[side] = statistics.median(nums) if nums else next((x for x in xs if x), "missing")
        b, h = vals["base"], vals["head"]
        ratio = ""
        if isinstance(b, float) and isinstance(h, float) and b > 0:
            ratios.append(h / b)
            ratio = f"{h / b:9.2f}"
        print(f"{k:70s} {_fmt(b):>11s} {_fmt(h):>11s} {ratio:>9s}")
    if ratios:
        print(f"geometric mean of head/base over {len(ratios)} benchmarks: "
              f"{statistics.geometric_mean(ratios):.3f}; min {min(ratios):.2f}, max {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
