"""Activations: ``relu``/``leaky_relu``, ``gelu`` (exact or tanh form) and
``elu``, each an ``Elemwise`` over a scalar function of its own whose
derivative (another such function) is its gradient rule."""
import numpy as np
from .._lazy_scipy import special as _sp
from tensorsmith_autodiff import register_grad

from ..basic import as_tensor_variable
from ..config import config
from ..elemwise import Elemwise
from ..math import maximum, mul
from ..scalar import ScalarOp
from ..type import FLOAT_DTYPES
from ._utils import _float_out_dtype

__all__ = ["relu", "gelu", "elu", "leaky_relu"]


class _FloatUnary(ScalarOp):
    """A unary real function with a NumPy/SciPy ``_f``: ints map to floats as
    NumPy's float ufuncs do."""

    nin = 1

    def output_dtypes(self, in_dtypes):
        return [_float_out_dtype(in_dtypes[0], self.name)]

    def impl(self, x):
        with np.errstate(over="ignore", under="ignore"):
            return self._f(np.asarray(x))


# ---------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------

_SQRT_2_PI = np.sqrt(2.0 / np.pi)
_GELU_A = 0.044715


class GeluDeriv(_FloatUnary):
    """The ``order``-th derivative (1 or 2) of ``gelu`` (exact or tanh form)."""

    __props__ = ("approximate", "order")

    def __init__(self, approximate, order):
        self.approximate = approximate
        self.order = int(order)

    def _f(self, x):
        if self.approximate == "none":
            pdf = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
            if self.order == 1:
                return _sp.ndtr(x) + x * pdf
            return pdf * (2 - x * x)
        u = _SQRT_2_PI * (x + _GELU_A * x ** 3)
        du = _SQRT_2_PI * (1 + 3 * _GELU_A * x * x)
        t = np.tanh(u)
        sech2 = 1 - t * t
        if self.order == 1:
            return 0.5 * (1 + t) + 0.5 * x * sech2 * du
        d2u = _SQRT_2_PI * 6 * _GELU_A * x
        return sech2 * du + 0.5 * x * sech2 * (d2u - 2 * t * du * du)


@register_grad(GeluDeriv)
def _gelu_deriv_grad(op, node, inputs, gz):
    if op.order == 1:
        return [mul(gz[0], Elemwise(GeluDeriv(op.approximate, 2))(inputs[0]))]
    return None


class Gelu(_FloatUnary):
    """``x * Phi(x)`` (``approximate="none"``) or its tanh approximation."""

    __props__ = ("approximate",)

    def __init__(self, approximate):
        self.approximate = approximate

    def _f(self, x):
        if self.approximate == "none":
            return x * _sp.ndtr(x)
        return 0.5 * x * (1 + np.tanh(_SQRT_2_PI * (x + _GELU_A * x ** 3)))


register_grad(Gelu, lambda op, node, inputs, gz: [mul(gz[0], Elemwise(GeluDeriv(op.approximate, 1))(inputs[0]))])


def gelu(x, approximate="none"):
    """Gaussian error linear unit ``x * Phi(x)`` (``Phi`` the standard normal
    CDF, via erf); ``approximate="tanh"`` gives
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))`` as PyTorch."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Elemwise(Gelu(approximate), name="gelu")(x)


class EluDeriv(_FloatUnary):
    """The ``order``-th derivative (>= 1) of ``elu`` with ``alpha``."""

    __props__ = ("alpha", "order")

    def __init__(self, alpha, order):
        self.alpha = float(alpha)
        self.order = int(order)

    def _f(self, x):
        neg_part = self.alpha * np.exp(np.minimum(x, 0))
        return np.where(x > 0, 1.0 if self.order == 1 else 0.0, neg_part)


register_grad(EluDeriv, lambda op, node, inputs, gz: [
    mul(gz[0], Elemwise(EluDeriv(op.alpha, op.order + 1))(inputs[0]))])


class Elu(_FloatUnary):
    """``x`` for ``x > 0``, ``alpha (exp(x) - 1)`` otherwise."""

    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def _f(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))


register_grad(Elu, lambda op, node, inputs, gz: [mul(gz[0], Elemwise(EluDeriv(op.alpha, 1))(inputs[0]))])


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``."""
    return Elemwise(Elu(alpha), name="elu")(x)


class LeakyReluDeriv(ScalarOp):
    """``1`` where ``x > 0``, ``alpha`` elsewhere (piecewise constant)."""

    nin = 1
    differentiable = False
    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def output_dtypes(self, in_dtypes):
        return [in_dtypes[0]]

    def impl(self, x):
        return np.where(x > 0, 1.0, self.alpha)


class LeakyRelu(ScalarOp):
    """``x if x > 0 else alpha * x``; integer inputs give floatX (as
    NumPy's ``alpha * x`` with a Python float)."""

    nin = 1
    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def output_dtypes(self, in_dtypes):
        dt = in_dtypes[0]
        if dt.startswith("complex"):
            raise TypeError(f"relu is not defined for complex inputs ({dt})")
        return [dt if dt in FLOAT_DTYPES else config.floatX]

    def impl(self, x):
        return np.where(x > 0, x, self.alpha * x)


register_grad(LeakyRelu, lambda op, node, inputs, gz: [
    mul(gz[0], Elemwise(LeakyReluDeriv(op.alpha))(inputs[0]))])


def relu(x, alpha=0):
    """Rectifier ``max(x, 0)``; with ``alpha`` (PyTensor's leaky form)
    ``x if x > 0 else alpha * x``.  ``alpha=0`` keeps the dtype of ``x``."""
    x = as_tensor_variable(x)
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and alpha == 0:
        return maximum(x, 0)
    return Elemwise(LeakyRelu(alpha), name="leaky_relu")(x)


def leaky_relu(x, negative_slope=0.01):
    """``x if x > 0 else negative_slope * x`` (PyTorch's name; ``relu(x, alpha)``)."""
    return relu(x, alpha=negative_slope)


