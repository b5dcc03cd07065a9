"""Elementwise arithmetic and math functions (``Elemwise`` over the scalar
ops of ``scalar.py``), ``cast`` and ``switch``.  Each name is an ``Elemwise``
instance, so ``pt.add(x, y)`` builds a node and ``pt.add.scalar_op`` is its
scalar function."""

from . import scalar as ps
from .basic import as_tensor_variable
from .elemwise import Elemwise
from .type import normalize_dtype

__all__ = []


def _ew(scalar_op, name, doc=None):
    scalar_op.display_name = name
    op = Elemwise(scalar_op, name=name)
    if doc:
        op.__doc__ = doc
    globals()[name] = op
    __all__.append(name)
    return op


add = _ew(ps.Add(), "add", "x + y + ... elementwise")
sub = _ew(ps.Sub(), "sub", "x - y elementwise")
mul = _ew(ps.Mul(), "mul", "x * y * ... elementwise")
true_div = _ew(ps.TrueDiv(), "true_div", "x / y elementwise")
floor_div = _ew(ps.IntDiv(), "floor_div", "x // y elementwise")
int_div = floor_div
mod = _ew(ps.Mod(), "mod", "x % y elementwise (sign of y, as NumPy)")
pow = _ew(ps.Pow(), "pow", "x ** y elementwise")
neg = _ew(ps.Neg(), "neg", "-x elementwise")
abs = _ew(ps.Abs(), "abs", "|x| elementwise")
sign = _ew(ps.Sign(), "sign", "sign of x elementwise")
exp = _ew(ps.Exp(), "exp", "e**x elementwise")
log = _ew(ps.Log(), "log", "natural logarithm elementwise")
sin = _ew(ps.Sin(), "sin", "sine elementwise")
cos = _ew(ps.Cos(), "cos", "cosine elementwise")
sqr = _ew(ps.Sqr(), "sqr", "x**2 elementwise")
sqrt = _ew(ps.Sqrt(), "sqrt", "square root elementwise")
maximum = _ew(ps.Maximum(), "maximum", "elementwise maximum")
minimum = _ew(ps.Minimum(), "minimum", "elementwise minimum")
lt = _ew(ps.LT(), "lt", "x < y elementwise")
gt = _ew(ps.GT(), "gt", "x > y elementwise")
le = _ew(ps.LE(), "le", "x <= y elementwise")
ge = _ew(ps.GE(), "ge", "x >= y elementwise")
eq = _ew(ps.EQ(), "eq", "x == y elementwise")
neq = _ew(ps.NEQ(), "neq", "x != y elementwise")
and_ = _ew(ps.AND(), "and_", "bitwise/logical and elementwise")
or_ = _ew(ps.OR(), "or_", "bitwise/logical or elementwise")
xor = _ew(ps.XOR(), "xor", "bitwise/logical xor elementwise")
invert = _ew(ps.Invert(), "invert", "bitwise/logical not elementwise")
switch = _ew(ps.Switch(), "switch", "switch(cond, a, b): a where cond else b")
second = _ew(ps.Second(), "second", "second(x, y): y broadcast to the shape of x")
fill = second
tensor_copy = _ew(ps.Identity(), "tensor_copy", "a copy of x")
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = and_, or_, xor, invert
true_divide, divide = true_div, true_div
multiply, subtract, negative, power = mul, sub, neg, pow
absolute = abs
square = sqr
less, greater, less_equal, greater_equal, equal, not_equal = lt, gt, le, ge, eq, neq
__all__ += ["less", "greater", "less_equal", "greater_equal", "equal", "not_equal",
            "int_div", "fill", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
            "true_divide", "divide", "multiply", "subtract", "negative", "power", "absolute",
            "square"]


def where(cond, ift=None, iff=None):
    """``where(cond, ift, iff)`` as NumPy (``switch``); the one-argument form is
    ``nonzero``."""
    if ift is None and iff is None:
        from . import nonzero

        return nonzero(cond)
    return switch(cond, ift, iff)


_cast_ops = {}


def cast(x, dtype):
    """``x`` converted to ``dtype`` (NumPy ``astype`` semantics)."""
    x = as_tensor_variable(x)
    dtype = normalize_dtype(dtype)
    if x.type.dtype == dtype:
        return x
    op = _cast_ops.get(dtype)
    if op is None:
        op = _cast_ops[dtype] = Elemwise(ps.Cast(dtype), name=f"cast_{dtype}")
    return op(x)


__all__ += ["where", "cast"]
