"""Scalar functions: the per-element operations that ``Elemwise`` maps over
arrays.

A ``ScalarOp`` is a value object (equality from ``__props__``) that knows:

* ``nin``/``nout`` (``nin = -1``: any number of inputs, folded left);
* ``output_dtypes(in_dtypes)``: the result dtypes, by default what the NumPy
  ufunc ``ufunc`` (or ``dtype_like``, for functions with their own ``impl``)
  resolves for those dtypes (so dtypes follow NumPy 2);
* ``impl(*arrays)``: the NumPy/SciPy reference implementation;
* ``grad(inputs, outputs, output_grads)``: the gradient, written with tensor
  ops on the (broadcast) tensors; ``Elemwise`` sums it back to each input's
  shape and dtype.  Return ``None`` for an input that gets no gradient.
  Written for real numbers as ``gz * f'(x)``; ``holomorphic`` ops get the
  complex conjugation right by themselves (see ``_complex_aware``);
* ``jvp(inputs, outputs, tangents)`` (forward mode): by default derived from
  ``grad``; override it for a cheaper form.

Families of scalar functions live in ``scalar_*.py`` modules and only
subclass these bases."""
import functools
import inspect

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
    #: True for functions analytic in complex arguments, whose ``grad`` is
    #: written as ``gz * f'(z)``.  With complex inputs or outputs the rule is
    #: then applied as ``conj(grad(conj(gz)))`` = ``gz * conj(f'(z))``: the
    #: gradient of a real cost wrt ``z = x + iy`` is ``dC/dx + i dC/dy``.
    #: False for the non-analytic ones (abs, real, imag, angle, complex, ...),
    #: whose rules handle complex numbers themselves.
    holomorphic = True

    #: True when ``grad`` takes a keyword ``needed`` (one bool per input,
    #: False for inputs whose gradient nobody uses: the rule may then return
    #: None for them and skip building it).  Set from the signature.
    grad_takes_needed = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        rule = cls.__dict__.get("grad")
        if rule is not None:
            cls.grad_takes_needed = "needed" in inspect.signature(rule).parameters
            cls.grad = _complex_aware(rule, cls.grad_takes_needed)

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

    def grad(self, inputs, outputs, output_grads):
        return None

    def jvp(self, inputs, outputs, tangents):
        """Forward mode from the reverse rule: ``sum_i f_i'(x) t_i`` per output,
        with the derivatives ``f_i'`` read off ``grad`` seeded with ones.  The
        rule is taken before the complex conjugation of ``_complex_aware``
        (forward mode needs ``f'(z)``, not its conjugate)."""
        from tensorsmith_autodiff import NullGrad

        T = _ns()
        rule = getattr(type(self).grad, "__wrapped__", type(self).grad)
        res = []
        for j, out in enumerate(outputs):
            seeds = [T.ones_like(o) if k == j else T.zeros_like(o) for k, o in enumerate(outputs)]
            ds = rule(self, list(inputs), list(outputs), seeds)
            if ds is None:
                raise NotImplementedError(f"{self.name} has no derivative rule")
            terms = []
            for i, (d, t) in enumerate(zip(ds, tangents)):
                if t is None or d is None:
                    continue
                if isinstance(d, NullGrad):
                    raise d.error(f"forward mode through {self.name}")
                terms.append(T.mul(d, t))
            res.append(None if not terms else terms[0] if len(terms) == 1 else T.add(*terms))
        return res

    def __str__(self):
        return type(self).__name__


def _complex_aware(rule, takes_needed=False):
    """Wrap a ``grad`` rule with the conjugation of holomorphic functions
    (and pass ``needed`` on to rules that take it)."""

    def grad(self, inputs, outputs, output_grads, needed=None):
        if not self.holomorphic or not _any_complex(inputs, outputs):
            if needed is not None and takes_needed:
                return rule(self, inputs, outputs, output_grads, needed=needed)
            return rule(self, inputs, outputs, output_grads)
        kw = {"needed": needed} if takes_needed and needed is not None else {}
        T = _ns()
        gz = [g if g is None or not g.type.dtype.startswith("complex") else T.conj(g) for g in output_grads]
        res = rule(self, inputs, outputs, gz, **kw)
        if res is None:
            return None
        out = []
        for x, g in zip(inputs, res):
            if hasattr(g, "type") and g.type.dtype.startswith("complex"):
                g = T.conj(g) if x.type.dtype.startswith("complex") else T.real(g)
            out.append(g)
        return out

    grad.__doc__ = rule.__doc__
    grad.__wrapped__ = rule
    return grad


_COMPLEX = frozenset(("complex64", "complex128"))


def _any_complex(inputs, outputs):
    for v in inputs:
        if v.type.dtype in _COMPLEX:
            return True
    for v in outputs:
        if v.type.dtype in _COMPLEX:
            return True
    return False


# modules imported after this one (they import it), looked up once
_mods = {}


def _m():
    m = _mods.get("math")
    if m is None:
        from . import math as m

        _mods["math"] = m
    return m


def _b():
    m = _mods.get("basic")
    if m is None:
        from . import basic as m

        _mods["basic"] = m
    return m


def _ns():
    """The whole ``tensorsmith_tensorops`` namespace (for the functions of the
    family modules, imported after this one)."""
    m = _mods.get("ns")
    if m is None:
        import tensorsmith_tensorops as m

        _mods["ns"] = m
    return m


class ZeroGradOp(ScalarOp):
    """Piecewise-constant functions (rounding, sign, integer division): the
    gradient is zero almost everywhere, so float inputs get zeros (as in
    PyTensor) rather than a disconnected gradient."""

    def grad(self, inputs, outputs, gz):
        return [_b().zeros_like(gz[0]) for _ in inputs]

    def jvp(self, inputs, outputs, tangents):
        return [None]


# ---------------------------------------------------------------------------
# Core arithmetic (the families in scalar_*.py add the rest)
# ---------------------------------------------------------------------------


class Add(ScalarOp):
    nin = -1
    ufunc = np.add
    identity = 0
    commutative = associative = True

    def grad(self, inputs, outputs, gz):
        return [gz[0] for _ in inputs]

    def jvp(self, inputs, outputs, tangents):
        ts = [t for t in tangents if t is not None]
        if not ts:
            return [None]
        return [_m().add(*ts) if len(ts) > 1 else ts[0]]


class Mul(ScalarOp):
    nin = -1
    ufunc = np.multiply
    identity = 1
    commutative = associative = True

    def grad(self, inputs, outputs, gz, needed=None):
        mul = _m().mul
        if len(inputs) == 2:
            x, y = inputs
            return [mul(gz[0], y) if needed is None or needed[0] else None,
                    mul(gz[0], x) if needed is None or needed[1] else None]
        res = []
        for i in range(len(inputs)):
            if needed is not None and not needed[i]:
                res.append(None)
                continue
            others = [x for j, x in enumerate(inputs) if j != i]
            res.append(mul(gz[0], *others))
        return res

    def jvp(self, inputs, outputs, tangents):
        m = _m()
        terms = []
        for i, t in enumerate(tangents):
            if t is not None:
                terms.append(m.mul(t, *[x for j, x in enumerate(inputs) if j != i]))
        if not terms:
            return [None]
        return [m.add(*terms) if len(terms) > 1 else terms[0]]


class Sub(ScalarOp):
    ufunc = np.subtract

    def grad(self, inputs, outputs, gz, needed=None):
        if needed is not None and not needed[1]:
            return [gz[0], None]
        return [gz[0], _m().neg(gz[0])]

    def jvp(self, inputs, outputs, t):
        m = _m()
        if t[0] is None and t[1] is None:
            return [None]
        if t[1] is None:
            return [t[0]]
        if t[0] is None:
            return [m.neg(t[1])]
        return [m.sub(t[0], t[1])]


class TrueDiv(ScalarOp):
    ufunc = np.true_divide

    def grad(self, inputs, outputs, gz, needed=None):
        m = _m()
        x, y = inputs
        gx = gy = None
        if needed is None or needed[0]:
            gx = m.true_div(gz[0], y)
        if needed is None or needed[1]:
            gy = m.neg(m.true_div(m.mul(gz[0], outputs[0]), y))
        return [gx, gy]


class IntDiv(ZeroGradOp):
    ufunc = np.floor_divide


class Mod(ScalarOp):
    ufunc = np.remainder

    def grad(self, inputs, outputs, gz, needed=None):
        m = _m()
        x, y = inputs
        if needed is not None and not needed[1]:
            return [gz[0], None]
        return [gz[0], m.neg(m.mul(gz[0], m.floor_div(x, y)))]


class Pow(ScalarOp):
    ufunc = np.power

    def grad(self, inputs, outputs, gz, needed=None):
        m = _m()
        x, y = inputs
        gx = gy = None
        if needed is None or needed[0]:
            gx = m.mul(gz[0], y, m.pow(x, m.sub(y, 1)))
        if needed is None or needed[1]:
            # d/dy x**y = x**y log x; 0 where x == 0 (the limit for y > 0)
            gy = m.mul(gz[0], outputs[0], m.switch(m.eq(x, 0), 0, m.log(m.switch(m.eq(x, 0), 1, x))))
        return [gx, gy]


class Neg(ScalarOp):
    nin = 1
    ufunc = np.negative

    def grad(self, inputs, outputs, gz):
        return [_m().neg(gz[0])]

    def jvp(self, inputs, outputs, t):
        return [None if t[0] is None else _m().neg(t[0])]


class Abs(ScalarOp):
    nin = 1
    ufunc = np.absolute
    holomorphic = False  # |z| is not analytic: the rule handles complex z

    def grad(self, inputs, outputs, gz):
        m = _m()
        x = inputs[0]
        if x.type.dtype.startswith("complex"):
            return [m.mul(gz[0], m.true_div(x, m.switch(m.eq(outputs[0], 0), 1, outputs[0])))]
        return [m.mul(gz[0], m.sign(x))]


class Sign(ZeroGradOp):
    nin = 1
    ufunc = np.sign


class Exp(ScalarOp):
    nin = 1
    ufunc = np.exp

    def grad(self, inputs, outputs, gz):
        return [_m().mul(gz[0], outputs[0])]


class Log(ScalarOp):
    nin = 1
    ufunc = np.log

    def grad(self, inputs, outputs, gz):
        return [_m().true_div(gz[0], inputs[0])]


class Sin(ScalarOp):
    nin = 1
    ufunc = np.sin

    def grad(self, inputs, outputs, gz):
        return [_m().mul(gz[0], _m().cos(inputs[0]))]


class Cos(ScalarOp):
    nin = 1
    ufunc = np.cos

    def grad(self, inputs, outputs, gz):
        m = _m()
        return [m.neg(m.mul(gz[0], m.sin(inputs[0])))]


class Sqr(ScalarOp):
    nin = 1
    ufunc = np.square

    def grad(self, inputs, outputs, gz):
        m = _m()
        return [m.mul(gz[0], 2, inputs[0])]


class Sqrt(ScalarOp):
    nin = 1
    ufunc = np.sqrt

    def grad(self, inputs, outputs, gz):
        m = _m()
        return [m.true_div(gz[0], m.mul(2, outputs[0]))]


class Maximum(ScalarOp):
    ufunc = np.maximum
    commutative = associative = True

    def grad(self, inputs, outputs, gz, needed=None):
        m = _m()
        x, y = inputs
        gx = gy = None
        # ties: the gradient goes to the first input, as in PyTensor
        if needed is None or needed[0]:
            gx = m.mul(gz[0], m.cast(m.ge(x, y), gz[0].dtype))
        if needed is None or needed[1]:
            gy = m.mul(gz[0], m.cast(m.lt(x, y), gz[0].dtype))
        return [gx, gy]


class Minimum(ScalarOp):
    ufunc = np.minimum
    commutative = associative = True

    def grad(self, inputs, outputs, gz, needed=None):
        m = _m()
        x, y = inputs
        gx = gy = None
        if needed is None or needed[0]:
            gx = m.mul(gz[0], m.cast(m.le(x, y), gz[0].dtype))
        if needed is None or needed[1]:
            gy = m.mul(gz[0], m.cast(m.gt(x, y), gz[0].dtype))
        return [gx, gy]


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

    def grad(self, inputs, outputs, gz, needed=None):
        m = _m()
        c, a, b = inputs
        z = _b().zeros_like(gz[0])
        # where() keeps NaN/inf of the untaken branch out of the gradient
        ga = gb = None
        if needed is None or needed[1]:
            ga = m.switch(c, gz[0], z)
        if needed is None or needed[2]:
            gb = m.switch(c, z, gz[0])
        return [None, ga, gb]


class Second(ScalarOp):
    """``second(x, y)``: ``y`` broadcast to the shape of ``x`` (aka fill)."""

    holomorphic = False

    def output_dtypes(self, in_dtypes):
        return [in_dtypes[1]]

    def impl(self, x, y):
        return np.broadcast_to(y, np.broadcast_shapes(np.shape(x), np.shape(y))).copy()

    def grad(self, inputs, outputs, gz):
        return [None, gz[0]]


class Identity(ScalarOp):
    nin = 1
    holomorphic = False

    def output_dtypes(self, in_dtypes):
        return [in_dtypes[0]]

    def impl(self, x):
        return np.array(x, copy=True)

    def grad(self, inputs, outputs, gz):
        return [gz[0]]


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

    def grad(self, inputs, outputs, gz):
        x = inputs[0]
        if x.type.dtype in ("float16", "float32", "float64", "complex64", "complex128"):
            g = gz[0]
            if self.dtype.startswith("complex") and not x.type.dtype.startswith("complex"):
                g = _ns().real(g)
            return [_m().cast(g, x.type.dtype)]
        return [None]

    def __str__(self):
        return f"Cast{{{self.dtype}}}"
