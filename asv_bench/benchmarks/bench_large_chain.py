"""Building and differentiating a long elementwise chain (issue 8, item 7):

    x = pt.dvector("x"); y = x
    for i in range(n):
        y = pt.sin(y) if i % 2 else y * 1.0001
    cost = y.sum(); g = pt.grad(cost, x)

with n = 100,000 chain nodes.  Per node, build should stay at or below about
12 us and grad at or below about 25 us (linear in n: 1,000,000 nodes is ten
times this), and the gradient graph holds 1.5 nodes per chain node (one
``mul`` per ``* 1.0001``, a ``cos`` and a ``mul`` per ``sin``), with no
gradient built for the constant."""
import numpy as np

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_graphcore import toposort

N_CHAIN = 100_000


def build_chain(n):
    """(x, cost) for the chain of ``n`` elementwise nodes (plus the sum)."""
    x = pt.dvector("x")
    y = x
    for i in range(n):
        y = pt.sin(y) if i % 2 else y * 1.0001
    return x, y.sum()


class LargeChain:
    timeout = 120
    number = 1
    repeat = (1, 3, 30.0)

    def setup(self):
        self.x, self.cost = build_chain(N_CHAIN)

    def time_build(self):
        build_chain(N_CHAIN)

    def time_grad(self):
        pt.grad(self.cost, self.x)

    def track_grad_nodes_per_chain_node(self):
        g = pt.grad(self.cost, self.x)
        n_fwd = len(toposort([self.cost]))
        n_all = len(toposort([self.cost, g]))
        return (n_all - n_fwd) / N_CHAIN

    track_grad_nodes_per_chain_node.unit = "ratio"


class LargeChainMemory:
    timeout = 120

    def peakmem_build_grad(self):
        x, cost = build_chain(N_CHAIN)
        pt.grad(cost, x)

    def peakmem_build_grad_compile_run(self):
        # the whole of issue 8's large-graph workload (at 1,000,000 nodes,
        # asv_bench/compare_large_chain.py: goal under 3 GB)
        x, cost = build_chain(N_CHAIN)
        f = tensorsmith.function([x], [cost, pt.grad(cost, x)])
        f(np.ones(10))
