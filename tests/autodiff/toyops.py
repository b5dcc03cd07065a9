"""A tiny scalar op library built on graphcore + autodiff only (no numpy):
the reference "other project" that differentiates its own ops.

Types: ``FloatType`` (Python floats, differentiable) and ``IntType`` (Python
ints, not differentiable).  Ops: Add, Sub, Mul, Div, Neg, Sin, Cos, Exp, Log,
Sqrt, Pow (float ** int), ToFloat (int -> float), Floor (float -> int, not
differentiable), SinCos (two outputs), PolarToCart (two outputs, reverse rule
only), Hypot (reverse rule only), Square (``L_op`` method), Cube (``grad``
method), First (connection_pattern), Heaviside (grad undefined), LogGamma (grad
not implemented), NoRule (no rule at all)."""
import math

from tensorsmith_graphcore import Apply, Constant, FunctionGraph, Op, PerformLinker, Type, Variable

from tensorsmith_autodiff import (
    disconnected, grad_not_implemented, grad_undefined, mark_not_differentiable, register_grad,
    register_jvp,
)


class FloatType(Type):
    __props__ = ()
    differentiable = True

    def filter(self, value, strict=False, allow_downcast=None):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a float, got {type(value).__name__}")
        return float(value)

    # autodiff hooks
    def grad_seed(self, cost):
        return fconst(1.0)

    def zeros_like(self, var):
        return fconst(0.0)

    def add_gradients(self, terms):
        acc = terms[0]
        for t in terms[1:]:
            acc = add(acc, t)
        return acc

    def __str__(self):
        return "float"


class IntType(Type):
    __props__ = ()
    differentiable = False

    def filter(self, value, strict=False, allow_downcast=None):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an int, got {type(value).__name__}")
        return value

    def grad_seed(self, cost):
        raise TypeError("cannot differentiate an integer cost")

    def zeros_like(self, var):
        return Constant(self, 0)

    def __str__(self):
        return "int"


ftype = FloatType()
itype = IntType()


def fconst(x):
    return Constant(ftype, float(x))


def as_var(x):
    if isinstance(x, Variable):
        return x
    if isinstance(x, bool):
        raise TypeError("no bools")
    if isinstance(x, int):
        return Constant(itype, x)
    return fconst(x)


def _fvar(x):
    x = as_var(x)
    if not isinstance(x.type, FloatType):
        if x.type == itype and isinstance(x, Constant):
            return fconst(x.data)
        raise TypeError(f"expected a float variable, got {x.type}")
    return x


class FloatOp(Op):
    """n float inputs -> one float output computed by ``impl``."""
    __props__ = ()
    nin = 1

    def make_node(self, *inputs):
        if len(inputs) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs")
        inputs = [_fvar(x) for x in inputs]
        return Apply(self, inputs, [ftype.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = float(self.impl(*inputs))


class Add(FloatOp):
    nin = 2
    impl = staticmethod(lambda a, b: a + b)


class Sub(FloatOp):
    nin = 2
    impl = staticmethod(lambda a, b: a - b)


class Mul(FloatOp):
    nin = 2
    impl = staticmethod(lambda a, b: a * b)


class Div(FloatOp):
    nin = 2
    impl = staticmethod(lambda a, b: a / b)


class Neg(FloatOp):
    impl = staticmethod(lambda a: -a)


class Sin(FloatOp):
    impl = staticmethod(math.sin)


class Cos(FloatOp):
    impl = staticmethod(math.cos)


class Exp(FloatOp):
    impl = staticmethod(math.exp)


class Log(FloatOp):
    impl = staticmethod(math.log)


class Sqrt(FloatOp):
    impl = staticmethod(math.sqrt)


class Hypot(FloatOp):
    nin = 2
    impl = staticmethod(math.hypot)


class Heaviside(FloatOp):
    impl = staticmethod(lambda a: 1.0 if a > 0 else 0.0)


class LogGamma(FloatOp):
    impl = staticmethod(math.lgamma)


class NoRule(FloatOp):
    impl = staticmethod(lambda a: 2.0 * a)


class Square(FloatOp):
    """Gradient given as a PyTensor-style ``L_op`` method."""
    impl = staticmethod(lambda a: a * a)

    def L_op(self, inputs, outputs, output_grads):
        return [mul(mul(2.0, inputs[0]), output_grads[0])]


class Cube(FloatOp):
    """Gradient given as a PyTensor-style ``grad`` method."""
    impl = staticmethod(lambda a: a * a * a)

    def grad(self, inputs, output_grads):
        (x,), (g,) = inputs, output_grads
        return [mul(mul(3.0, mul(x, x)), g)]


class First(FloatOp):
    """first(x, y) = x; y is not connected to the output."""
    nin = 2
    impl = staticmethod(lambda a, b: a)

    def connection_pattern(self, node):
        return [[True], [False]]


class Pow(Op):
    """x ** n with n an int variable."""
    __props__ = ()

    def make_node(self, x, n):
        x = _fvar(x)
        n = as_var(n)
        if n.type != itype:
            raise TypeError("Pow exponent must be int")
        return Apply(self, [x, n], [ftype.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = float(inputs[0] ** inputs[1])


class ToFloat(Op):
    __props__ = ()

    def make_node(self, n):
        n = as_var(n)
        if n.type != itype:
            raise TypeError("ToFloat takes an int")
        return Apply(self, [n], [ftype.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = float(inputs[0])


class Floor(Op):
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [_fvar(x)], [itype.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = int(math.floor(inputs[0]))


class SinCos(Op):
    """x -> (sin x, cos x)."""
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [_fvar(x)], [ftype.make_variable(), ftype.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = math.sin(inputs[0])
        output_storage[1][0] = math.cos(inputs[0])


class PolarToCart(Op):
    """(r, t) -> (r cos t, r sin t); reverse rule only (forward mode uses the fallback)."""
    __props__ = ()

    def make_node(self, r, t):
        return Apply(self, [_fvar(r), _fvar(t)], [ftype.make_variable(), ftype.make_variable()])

    def perform(self, node, inputs, output_storage):
        r, t = inputs
        output_storage[0][0] = r * math.cos(t)
        output_storage[1][0] = r * math.sin(t)


add, sub, mul, div, neg = Add(), Sub(), Mul(), Div(), Neg()
sin, cos, exp, log, sqrt, hypot = Sin(), Cos(), Exp(), Log(), Sqrt(), Hypot()
heaviside, loggamma, norule, square, cube, first = Heaviside(), LogGamma(), NoRule(), Square(), Cube(), First()
pow_, to_float, floor, sincos, polar_to_cart = Pow(), ToFloat(), Floor(), SinCos(), PolarToCart()

ALL_OP_CLASSES = [Add, Sub, Mul, Div, Neg, Sin, Cos, Exp, Log, Sqrt, Hypot, Heaviside, LogGamma,
                  Square, Cube, First, Pow, ToFloat, Floor, SinCos, PolarToCart]


# ---------------------------------------------------------------------------
# reverse rules
# ---------------------------------------------------------------------------

@register_grad(Add)
def _add_grad(op, node, inputs, output_grads):
    return [output_grads[0], output_grads[0]]


@register_grad(Sub)
def _sub_grad(op, node, inputs, output_grads):
    return [output_grads[0], neg(output_grads[0])]


@register_grad(Mul)
def _mul_grad(op, node, inputs, output_grads):
    (a, b), (g,) = inputs, output_grads
    return [mul(g, b), mul(g, a)]


@register_grad(Div)
def _div_grad(op, node, inputs, output_grads):
    (a, b), (g,) = inputs, output_grads
    ga = div(g, b)
    return [ga, neg(mul(ga, node.outputs[0]))]


@register_grad(Neg)
def _neg_grad(op, node, inputs, output_grads):
    return [neg(output_grads[0])]


@register_grad(Sin)
def _sin_grad(op, node, inputs, output_grads):
    return [mul(output_grads[0], cos(inputs[0]))]


@register_grad(Cos)
def _cos_grad(op, node, inputs, output_grads):
    return [neg(mul(output_grads[0], sin(inputs[0])))]


@register_grad(Exp)
def _exp_grad(op, node, inputs, output_grads):
    return [mul(output_grads[0], node.outputs[0])]


@register_grad(Log)
def _log_grad(op, node, inputs, output_grads):
    return [div(output_grads[0], inputs[0])]


@register_grad(Sqrt)
def _sqrt_grad(op, node, inputs, output_grads):
    return [div(output_grads[0], mul(2.0, node.outputs[0]))]


@register_grad(Hypot)
def _hypot_grad(op, node, inputs, output_grads):
    (x, y), (g,) = inputs, output_grads
    s = div(g, node.outputs[0])
    return [mul(s, x), mul(s, y)]


@register_grad(First)
def _first_grad(op, node, inputs, output_grads):
    return [output_grads[0], disconnected]


@register_grad(Heaviside)
def _heaviside_grad(op, node, inputs, output_grads):
    return [grad_undefined(op, 0, inputs[0], "the step function has no derivative at 0")]


@register_grad(LogGamma)
def _lgamma_grad(op, node, inputs, output_grads):
    return [grad_not_implemented(op, 0, inputs[0], "digamma is not available in toyops")]


@register_grad(Pow)
def _pow_grad(op, node, inputs, output_grads):
    (x, n), (g,) = inputs, output_grads
    # d/dx x**n = n * x**(n-1) = n * out / x
    return [mul(g, div(mul(to_float(n), node.outputs[0]), x)), disconnected]


register_grad(ToFloat, lambda op, node, inputs, output_grads: [disconnected])
mark_not_differentiable(Floor)


@register_grad(SinCos)
def _sincos_grad(op, node, inputs, output_grads):
    s, c = node.outputs
    gs, gc = output_grads
    return [sub(mul(gs, c), mul(gc, s))]


@register_grad(PolarToCart)
def _p2c_grad(op, node, inputs, output_grads):
    (r, t), (gx, gy) = inputs, output_grads
    ct, st = cos(t), sin(t)
    gr = add(mul(gx, ct), mul(gy, st))
    gt = mul(r, sub(mul(gy, ct), mul(gx, st)))
    return [gr, gt]


# ---------------------------------------------------------------------------
# forward rules (Hypot, PolarToCart, Square, Cube have none: the fallback is used)
# ---------------------------------------------------------------------------

def _z(t):
    return fconst(0.0) if t is None else t


@register_jvp(Add)
def _add_jvp(op, node, inputs, tangents):
    a, b = tangents
    if a is None:
        return [b]
    if b is None:
        return [a]
    return [add(a, b)]


@register_jvp(Sub)
def _sub_jvp(op, node, inputs, tangents):
    a, b = tangents
    if b is None:
        return [a]
    if a is None:
        return [neg(b)]
    return [sub(a, b)]


@register_jvp(Mul)
def _mul_jvp(op, node, inputs, tangents):
    (a, b), (ta, tb) = inputs, tangents
    terms = []
    if ta is not None:
        terms.append(mul(ta, b))
    if tb is not None:
        terms.append(mul(a, tb))
    return [terms[0] if len(terms) == 1 else add(terms[0], terms[1])]


@register_jvp(Div)
def _div_jvp(op, node, inputs, tangents):
    (a, b), (ta, tb) = inputs, tangents
    num = sub(_z(ta), mul(node.outputs[0], _z(tb)))
    return [div(num, b)]


@register_jvp(Neg)
def _neg_jvp(op, node, inputs, tangents):
    return [neg(tangents[0])]


@register_jvp(Sin)
def _sin_jvp(op, node, inputs, tangents):
    return [mul(tangents[0], cos(inputs[0]))]


@register_jvp(Cos)
def _cos_jvp(op, node, inputs, tangents):
    return [neg(mul(tangents[0], sin(inputs[0])))]


@register_jvp(Exp)
def _exp_jvp(op, node, inputs, tangents):
    return [mul(tangents[0], node.outputs[0])]


@register_jvp(Log)
def _log_jvp(op, node, inputs, tangents):
    return [div(tangents[0], inputs[0])]


@register_jvp(Sqrt)
def _sqrt_jvp(op, node, inputs, tangents):
    return [div(tangents[0], mul(2.0, node.outputs[0]))]


@register_jvp(SinCos)
def _sincos_jvp(op, node, inputs, tangents):
    s, c = node.outputs
    t = tangents[0]
    return [mul(t, c), neg(mul(t, s))]


@register_jvp(Pow)
def _pow_jvp(op, node, inputs, tangents):
    (x, n), (tx, tn) = inputs, tangents
    return [mul(tx, div(mul(to_float(n), node.outputs[0]), x))]


register_jvp(ToFloat, lambda op, node, inputs, tangents: [None])


# ---------------------------------------------------------------------------
# evaluation and finite differences
# ---------------------------------------------------------------------------

def function(inputs, outputs):
    """Compile with graphcore's reference linker; returns a callable giving a list."""
    fg = FunctionGraph(list(inputs), list(outputs))
    vm, _ = PerformLinker().make_vm(fg, filters=[v.type.filter for v in inputs])
    return vm


def numeric_grad(f, point, eps=1e-6):
    """Central differences of the scalar function ``f(*point)``."""
    res = []
    for i in range(len(point)):
        hi = list(point)
        lo = list(point)
        hi[i] += eps
        lo[i] -= eps
        res.append((f(*hi) - f(*lo)) / (2 * eps))
    return res
