"""Gradient-graph construction for a hierarchical model written term by term:
``n`` scalar parameters ``theta_i``, ``logp = sum_i normal_logpdf(theta_i | mu, sigma)``
as ``n`` separate scalar terms, differentiated w.r.t. all ``n + 2`` inputs."""
import math

from tensorsmith_autodiff import grad
from tensorsmith_graphcore import toposort

import tensorsmith.tensor as pt

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def hierarchical_model(n):
    """(inputs, logp): the scalar inputs theta_0..theta_{n-1}, mu, sigma."""
    mu = pt.dscalar("mu")
    sigma = pt.dscalar("sigma")
    log_sigma = pt.log(sigma)
    thetas = [pt.dscalar(f"theta_{i}") for i in range(n)]
    logp = None
    for th in thetas:
        z = (th - mu) / sigma
        term = -0.5 * z * z - log_sigma - _HALF_LOG_2PI
        logp = term if logp is None else logp + term
    return thetas + [mu, sigma], logp


def node_count(outputs):
    return len(toposort(list(outputs)))


class HierarchicalGrad:
    params = [1000, 10000]
    param_names = ["n"]
    timeout = 300

    def setup(self, n):
        self.inputs, self.logp = hierarchical_model(n)

    def time_build_grad(self, n):
        grad(self.logp, self.inputs)

    def track_grad_nodes_per_forward_node(self, n):
        gs = grad(self.logp, self.inputs)
        return node_count(gs) / node_count([self.logp])

    track_grad_nodes_per_forward_node.unit = "ratio"
