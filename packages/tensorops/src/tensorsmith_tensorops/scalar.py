"""Scalar functions: the per-element operations that ``Elemwise`` maps over
arrays.

A ``ScalarOp`` is a value object (equality from ``__props__``) that knows:

* ``nin``/``nout`` (``nin = -1``: any number of inputs, folded left);
* ``output_dtypes(in_dtypes)``: the result dtypes, by default what the NumPy
  ufunc ``ufunc`` (or ``dtype_like``, for functions with their own ``impl``)
  resolves for those dtypes (so dtypes follow NumPy 2);
* ``impl(*arrays)``: the NumPy/SciPy reference implementation.

Derivatives are not methods: each scalar op class has a gradient rule
registered in autodiff's registry (``register_grad``), written with the
elementwise functions of the floors above (``elemwise_grad.py``; see there for
what a rule receives).  ``differentiable`` and ``holomorphic`` say how
``Elemwise``'s rule applies it.

Families of scalar functions live in ``scalar_*.py`` modules and only
subclass these bases."""
import functools

import numpy as np
from tensorsmith_graphcore import Op


class ScalarOp(Op):
    nin = 2
    nout = 1
    ufunc = None
    #: a ufunc whose type resolution gives the output dtypes when ``ufunc``
    #: is None (functions with a hand-written ``impl``)
    dtype_like = None
    identity = None
    commutative = False
    associative = False
    #: False for functions whose gradient is zero or undefined everywhere
    #: (comparisons, rounding, integer ops): Elemwise then gives no gradient.
    differentiable = True
    #: True for functions analytic in complex arguments, whose gradient rule
    #: is written as ``gz * f'(z)``.  With complex inputs or outputs the rule
    #: is then applied as ``conj(rule(conj(gz)))`` = ``gz * conj(f'(z))``: the
    #: gradient of a real cost wrt ``z = x + iy`` is ``dC/dx + i dC/dy``.
    #: False for the non-analytic ones (abs, real, imag, angle, complex, ...),
    #: whose rules handle complex numbers themselves.
    holomorphic = True

    #: the user-facing name (``pt.<name>``) for messages; set where the
    #: ``Elemwise`` instance is made.  Not part of the op's identity.
    display_name = None

    @property
    def name(self):
        return self.display_name or type(self).__name__.lower()

    def output_dtypes(self, in_dtypes):
        """Result dtypes for input dtypes (names); cached per op instance."""
        key = tuple(in_dtypes)
        cache = self.__dict__.get("_out_dtypes")
        if cache is None:
            cache = self.__dict__["_out_dtypes"] = {}
        res = cache.get(key)
        if res is None:
            res = cache[key] = self._output_dtypes(list(key))
        return list(res)

    def _output_dtypes(self, in_dtypes):
        uf = self.ufunc if self.ufunc is not None else self.dtype_like
        if uf is None:
            raise NotImplementedError(f"{type(self).__name__}.output_dtypes")
        nin = len(in_dtypes)
        if self.nin == -1 and nin == 1:
            # one operand: the dtype the function gives for (x, x)
            return self._output_dtypes([in_dtypes[0]] * 2)
        if self.nin == -1 and nin > 2:
            dt = in_dtypes[0]
            for d in in_dtypes[1:]:
                dt = self.output_dtypes([dt, d])[0]
            return [dt]
        try:
            dts = uf.resolve_dtypes(tuple(np.dtype(d) for d in in_dtypes) + (None,) * self.nout)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"{self.name} is not defined for inputs of dtype {', '.join(in_dtypes)} ({e})") from None
        return [d.name for d in dts[nin:]]

    def impl(self, *args):
        uf = self.ufunc
        if self.nin == -1 and len(args) != 2:
            if len(args) == 1:
                return np.asarray(args[0])
            return functools.reduce(uf, args)
        return uf(*args)

    def __str__(self):
        return type(self).__name__


class ZeroGradOp(ScalarOp):
    """Piecewise-constant functions (rounding, sign, integer division): the
    gradient is zero almost everywhere, so float inputs get zeros (as in
    PyTensor) rather than a disconnected gradient."""


# ---------------------------------------------------------------------------
# Core arithmetic (the families in scalar_*.py add the rest)
# ---------------------------------------------------------------------------


class Add(ScalarOp):
    nin = -1
    ufunc = np.add
    identity = 0
    commutative = associative = True


class Mul(ScalarOp):
    nin = -1
    ufunc = np.multiply
    identity = 1
    commutative = associative = True


class Sub(ScalarOp):
    ufunc = np.subtract


class TrueDiv(ScalarOp):
    ufunc = np.true_divide


class IntDiv(ZeroGradOp):
    ufunc = np.floor_divide


class Mod(ScalarOp):
    ufunc = np.remainder


class Pow(ScalarOp):
    ufunc = np.power


class Neg(ScalarOp):
    nin = 1
    ufunc = np.negative


class Abs(ScalarOp):
    nin = 1
    ufunc = np.absolute
    holomorphic = False  # |z| is not analytic: the rule handles complex z


class Sign(ZeroGradOp):
    nin = 1
    ufunc = np.sign


class Exp(ScalarOp):
    nin = 1
    ufunc = np.exp


class Log(ScalarOp):
    nin = 1
    ufunc = np.log


class Sin(ScalarOp):
    nin = 1
    ufunc = np.sin


class Cos(ScalarOp):
    nin = 1
    ufunc = np.cos


class Sqr(ScalarOp):
    nin = 1
    ufunc = np.square


class Sqrt(ScalarOp):
    nin = 1
    ufunc = np.sqrt


class Maximum(ScalarOp):
    ufunc = np.maximum
    commutative = associative = True


class Minimum(ScalarOp):
    ufunc = np.minimum
    commutative = associative = True


class _Comparison(ScalarOp):
    differentiable = False


class LT(_Comparison):
    ufunc = np.less


class GT(_Comparison):
    ufunc = np.greater


class LE(_Comparison):
    ufunc = np.less_equal


class GE(_Comparison):
    ufunc = np.greater_equal


class EQ(_Comparison):
    ufunc = np.equal
    commutative = True


class NEQ(_Comparison):
    ufunc = np.not_equal
    commutative = True


class AND(_Comparison):
    ufunc = np.bitwise_and
    commutative = associative = True
    identity = True


class OR(_Comparison):
    ufunc = np.bitwise_or
    commutative = associative = True
    identity = False


class XOR(_Comparison):
    ufunc = np.bitwise_xor
    commutative = associative = True


class Invert(_Comparison):
    nin = 1
    ufunc = np.invert


class Switch(ScalarOp):
    """``switch(cond, a, b)``: ``a`` where ``cond`` is true, else ``b``."""

    holomorphic = False
    nin = 3

    def output_dtypes(self, in_dtypes):
        return [np.result_type(np.dtype(in_dtypes[1]), np.dtype(in_dtypes[2])).name]

    def impl(self, cond, a, b):
        return np.where(cond, a, b)


class Second(ScalarOp):
    """``second(x, y)``: ``y`` broadcast to the shape of ``x`` (aka fill)."""

    holomorphic = False

    def output_dtypes(self, in_dtypes):
        return [in_dtypes[1]]

    def impl(self, x, y):
        return np.broadcast_to(y, np.broadcast_shapes(np.shape(x), np.shape(y))).copy()


class Identity(ScalarOp):
    nin = 1
    holomorphic = False

    def output_dtypes(self, in_dtypes):
        return [in_dtypes[0]]

    def impl(self, x):
        return np.array(x, copy=True)


class Cast(ScalarOp):
    """Convert to ``dtype`` (as NumPy's ``astype``)."""

    holomorphic = False
    nin = 1
    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype).name

    @property
    def name(self):
        return f"cast_{self.dtype}"

    def output_dtypes(self, in_dtypes):
        return [self.dtype]

    def impl(self, x):
        with np.errstate(invalid="ignore"):
            return np.asarray(x).astype(self.dtype)

    def __str__(self):
        return f"Cast{{{self.dtype}}}"
