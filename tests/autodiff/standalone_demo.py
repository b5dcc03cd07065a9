"""Differentiate a graph of home-made ops with graphcore + autodiff alone.

Runs with only the tensorsmith-graphcore and tensorsmith-autodiff wheels
installed (no numpy, no tensor ops, nothing from this repository's tests):

    python tests/autodiff/standalone_demo.py

Prints the gradient and exits 0 when reverse mode, forward mode and finite
differences agree, 1 otherwise."""
import math
import sys

from tensorsmith_graphcore import Apply, Constant, FunctionGraph, Op, PerformLinker, Type

import tensorsmith_autodiff as ad


class Real(Type):
    __props__ = ()

    def filter(self, value, strict=False, allow_downcast=None):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a real number, got {type(value).__name__}")
        return float(value)

    # the hooks autodiff needs from a type
    def grad_seed(self, cost):
        return Constant(self, 1.0)

    def zeros_like(self, var):
        return Constant(self, 0.0)

    def add_gradients(self, terms):
        acc = terms[0]
        for t in terms[1:]:
            acc = add(acc, t)
        return acc


real = Real()


class Binary(Op):
    __props__ = ("name",)

    def __init__(self, name, fn):
        self.name = name
        self.fn = fn

    def make_node(self, a, b):
        return Apply(self, [a, b], [real.make_variable()])

    def perform(self, node, inputs, out):
        out[0][0] = self.fn(*inputs)


class Unary(Op):
    __props__ = ("name",)

    def __init__(self, name, fn):
        self.name = name
        self.fn = fn

    def make_node(self, a):
        return Apply(self, [a], [real.make_variable()])

    def perform(self, node, inputs, out):
        out[0][0] = self.fn(*inputs)


add = Binary("add", lambda a, b: a + b)
mul = Binary("mul", lambda a, b: a * b)
sin = Unary("sin", math.sin)
cos = Unary("cos", math.cos)
neg = Unary("neg", lambda a: -a)


@ad.register_grad(Binary)
def _binary_grad(op, node, inputs, output_grads):
    (a, b), (g,) = inputs, output_grads
    if op.name == "add":
        return [g, g]
    return [mul(g, b), mul(g, a)]


@ad.register_grad(Unary)
def _unary_grad(op, node, inputs, output_grads):
    (a,), (g,) = inputs, output_grads
    if op.name == "sin":
        return [mul(g, cos(a))]
    if op.name == "cos":
        return [neg(mul(g, sin(a)))]
    return [neg(g)]
# no forward rules: pushforward uses the double-VJP fallback


def compile_fn(inputs, outputs):
    vm, _ = PerformLinker().make_vm(FunctionGraph(inputs, outputs), filters=[float] * len(inputs))
    return vm


def main():
    x, y = real("x"), real("y")
    cost = add(mul(sin(x), y), mul(x, x))  # sin(x) * y + x^2
    cost.name = "cost"
    gx, gy = ad.grad(cost, [x, y])
    jv = ad.pushforward(cost, [x, y], [Constant(real, 1.0), Constant(real, 0.0)])
    f = compile_fn([x, y], [cost, gx, gy, jv])
    px, py = 0.7, -1.3
    c, vx, vy, vjv = f(px, py)
    eps = 1e-6
    fx = compile_fn([x, y], [cost])
    nx = (fx(px + eps, py)[0] - fx(px - eps, py)[0]) / (2 * eps)
    ny = (fx(px, py + eps)[0] - fx(px, py - eps)[0]) / (2 * eps)
    print(f"{gx.name} = {vx:.9f}  (finite differences {nx:.9f}, forward mode {vjv:.9f})")
    print(f"{gy.name} = {vy:.9f}  (finite differences {ny:.9f})")
    ok = abs(vx - nx) < 1e-6 and abs(vy - ny) < 1e-6 and abs(vjv - vx) < 1e-12
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
