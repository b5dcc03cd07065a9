"""Gradient construction time of the term-by-term hierarchical model at 1k and
10k terms (the ratio should stay near 10: linear in the graph size) and the
gradient graph's node count relative to the forward graph.

    python asv_bench/compare_grad_scaling.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmarks"))

from bench_grad import hierarchical_model, node_count  # noqa: E402
from tensorsmith_autodiff import grad  # noqa: E402


def best_time(n, repeat=5):
    inputs, logp = hierarchical_model(n)
    best = float("inf")
    gs = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        gs = grad(logp, inputs)
        best = min(best, time.perf_counter() - t0)
    return best, node_count(gs) / node_count([logp])


def main():
    t1, r1 = best_time(1000)
    t10, r10 = best_time(10000)
    print(f"grad build, 1k terms:  {t1 * 1e3:8.1f} ms   (grad graph nodes / forward nodes: {r1:.2f})")
    print(f"grad build, 10k terms: {t10 * 1e3:8.1f} ms   (grad graph nodes / forward nodes: {r10:.2f})")
    ratio = t10 / t1
    print(f"time ratio 10k/1k: {ratio:.2f} (linear: 10; must be <= ~11)")
    return 0 if ratio <= 11.5 else 1


if __name__ == "__main__":
    sys.exit(main())
