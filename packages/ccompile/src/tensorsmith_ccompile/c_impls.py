"""C implementations, registered per op class (an op never imports the backend).

Two registries of the same kind (``CImplRegistry``; lookup walks the class's
MRO, like ``functools.singledispatch``):

``node_impls``
    op class of a graph node -> ``renderer(node) -> NodeKernel or None``
    (``elemwise_c.py`` registers ``Elemwise``).  None, or no entry: the node
    runs its Python ``perform``.
``scalar_impls``
    scalar op class -> ``renderer(op, ctx, args, in_dtypes) -> [C expression
    per output] or None``.  ``args`` are C expressions of the C types of
    ``in_dtypes`` (dtype names); the expressions returned may be of any C
    arithmetic type: the caller casts each to the output dtype that
    ``op.output_dtypes(in_dtypes)`` gives (``cast``).  ``ctx.helper(name,
    text)`` adds a ``static inline`` helper function to the translation unit
    once.  None: no C form for these dtypes (the node falls back).

Register with ``scalar_impls.register(SomeOp)(renderer)``.

Semantics follow NumPy's ufuncs (each op's ``ufunc``): operands are cast to
the loop dtypes ``ufunc.resolve_dtypes`` gives (so ``true_divide`` of ints
computes in float64), and

* ``maximum``/``minimum`` propagate NaN (the first NaN operand); equal
  operands give the second (``maximum(-0.0, 0.0)`` is ``0.0``, as NumPy);
* signed integer arithmetic wraps (the compiler runs with ``-fwrapv``);
* ``floor_divide``/``remainder`` have Python's signs; integer division by
  zero gives 0 (NumPy's value; NumPy also warns, the C code does not);
  ``MIN // -1`` wraps to ``MIN``;
* integer ``power`` by squaring (wraps); a negative exponent raises
  ``ValueError`` as NumPy does;
* float functions are C99 ``libm`` (``expf`` etc. for float32), which the
  linker lets GCC vectorize with glibc's libmvec where it can (at most 4 ulp,
  NaN and infinities as libm; ``linker.vector_math_setup``); NumPy's own SIMD
  routines differ from either by an ulp or so;
* ``sigmoid``/``log_sigmoid``/``softplus``/``log1mexp`` use the stable forms
  of the Python implementations; ``erf``/``erfc`` are C99.

Only float32/float64, the integer dtypes and bool are handled; float16 and
complex operands (or loops) have no C form."""
import numpy as np

__all__ = ["CImplRegistry", "node_impls", "scalar_impls", "CTYPES", "ctype", "cast", "literal",
           "RenderContext", "render_scalar", "STATUS_MESSAGES"]


class CImplRegistry:
    """A table from classes to renderers; ``lookup(cls)`` walks ``cls.__mro__``."""

    def __init__(self, name):
        self.name = name
        self._table = {}
        self._memo = {}

    def register(self, cls):
        def deco(fn):
            self._table[cls] = fn
            self._memo.clear()
            return fn
        return deco

    def lookup(self, cls):
        try:
            return self._memo[cls]
        except KeyError:
            pass
        fn = None
        for k in cls.__mro__:
            fn = self._table.get(k)
            if fn is not None:
                break
        self._memo[cls] = fn
        return fn

    def __contains__(self, cls):
        return self.lookup(cls) is not None

    def __repr__(self):
        return f"<CImplRegistry {self.name}: {len(self._table)} classes>"


node_impls = CImplRegistry("node")
scalar_impls = CImplRegistry("scalar")

CTYPES = {
    "float64": "double", "float32": "float",
    "int8": "npy_int8", "int16": "npy_int16", "int32": "npy_int32", "int64": "npy_int64",
    "uint8": "npy_uint8", "uint16": "npy_uint16", "uint32": "npy_uint32", "uint64": "npy_uint64",
    "bool": "npy_bool",
}
_UNSIGNED_OF = {"int8": "npy_uint8", "int16": "npy_uint16", "int32": "npy_uint32", "int64": "npy_uint64"}
_BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64, "uint8": 8, "uint16": 16, "uint32": 32,
         "uint64": 64, "bool": 8}
_MIN = {"int8": "NPY_MIN_INT8", "int16": "NPY_MIN_INT16", "int32": "NPY_MIN_INT32", "int64": "NPY_MIN_INT64"}

#: status codes a kernel may return, and the ValueError message of each
STATUS_MESSAGES = {1: "Integers to negative integer powers are not allowed."}


def ctype(dtype):
    """The C type of a dtype name (KeyError: none)."""
    return CTYPES[dtype]


def kind(dtype):
    """'f' float, 'i' signed, 'u' unsigned, 'b' bool."""
    return np.dtype(dtype).kind


def cast(expr, from_dt, to_dt):
    """``expr`` (of the C type of ``from_dt``, or any arithmetic type when
    ``from_dt`` is None) as ``to_dt`` with NumPy's cast semantics for the
    cases C gets wrong (to bool: nonzero)."""
    if from_dt == to_dt:
        return expr
    if to_dt == "bool":
        return f"((npy_bool)(({expr}) != 0))"
    return f"(({CTYPES[to_dt]})({expr}))"


def literal(value, dtype):
    """A C literal of ``value`` as ``dtype`` (exact: floats in hexadecimal)."""
    k = kind(dtype)
    if k == "f":
        v = float(value)
        if np.isnan(v):
            s = "NAN"
        elif np.isinf(v):
            s = "INFINITY" if v > 0 else "(-INFINITY)"
        else:
            s = v.hex()
        return f"(({CTYPES[dtype]}){s})"
    if k == "b":
        return "((npy_bool)1)" if bool(value) else "((npy_bool)0)"
    v = int(value)
    if k == "u":
        return f"(({CTYPES[dtype]}){v}ULL)"
    if v == -(1 << 63):
        return f"(({CTYPES[dtype]})(-9223372036854775807LL - 1))"
    return f"(({CTYPES[dtype]}){v}LL)"


class RenderContext:
    """What renderers write into besides their expression: the helper
    functions of the translation unit (name -> text, in first-use order) and
    the statements before the expression (none needed so far)."""

    def __init__(self, helpers=None):
        self.helpers = {} if helpers is None else helpers

    def helper(self, name, text):
        if name not in self.helpers:
            self.helpers[name] = text
        return name


def render_scalar(op, ctx, args, in_dtypes):
    """C expressions (one per output) of ``op`` on ``args``, already cast to
    ``op.output_dtypes(in_dtypes)``; None when there is no C form."""
    if any(d not in CTYPES for d in in_dtypes):
        return None
    fn = scalar_impls.lookup(type(op))
    if fn is None:
        return None
    try:
        out_dts = op.output_dtypes(list(in_dtypes))
    except Exception:  # noqa: BLE001 - no dtype: no C
        return None
    if any(d not in CTYPES for d in out_dts):
        return None
    exprs = fn(op, ctx, list(args), list(in_dtypes))
    if exprs is None:
        return None
    if isinstance(exprs, str):
        exprs = [exprs]
    exprs = list(exprs)
    if len(exprs) != len(out_dts):
        return None
    res = []
    for e, od in zip(exprs, out_dts):
        if isinstance(e, tuple):  # (expression, its dtype)
            e, edt = e
            res.append(cast(e, edt, od))
        else:
            res.append(cast(e, None, od))
    return res


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _loop(op, in_dtypes):
    """(loop input dtypes, loop output dtype) of ``op.ufunc`` (or
    ``dtype_like``) for ``in_dtypes``, or None when the loop has a dtype
    without C or operands of different dtypes."""
    uf = op.ufunc if op.ufunc is not None else op.dtype_like
    if uf is None:
        return None
    try:
        dts = uf.resolve_dtypes(tuple(np.dtype(d) for d in in_dtypes) + (None,) * uf.nout)
    except Exception:  # noqa: BLE001
        return None
    names = [d.name for d in dts]
    if any(n not in CTYPES for n in names):
        return None
    ins = names[:len(in_dtypes)]
    if len(set(ins)) != 1:
        return None
    return ins[0], names[len(in_dtypes)]


def _cast_args(args, in_dtypes, to):
    return [cast(a, d, to) for a, d in zip(args, in_dtypes)]


def _fsuffix(dt):
    return "f" if dt == "float32" else ""


def _loop_fn(op, fn_by_kind, in_dtypes):
    """(loop dtype, output dtype, the renderer of the loop dtype's kind) or None."""
    lp = _loop(op, in_dtypes)
    if lp is None:
        return None
    fn = fn_by_kind.get(kind(lp[0]))
    return None if fn is None else (lp[0], lp[1], fn)


def _binary(fn_by_kind):
    """A renderer for a two-input ufunc op (``nin == -1`` ops fold left):
    ``fn_by_kind[k](ctx, a, b, loop_dtype) -> expression`` for the loop
    dtype's kind ``k`` ('f', 'i', 'u', 'b'; a missing kind: no C)."""
    def render(op, ctx, args, in_dtypes):
        if len(args) == 1 and op.nin == -1:
            return [(args[0], in_dtypes[0])]
        acc, acc_dt = args[0], in_dtypes[0]
        for b, bdt in zip(args[1:], in_dtypes[1:]):
            found = _loop_fn(op, fn_by_kind, [acc_dt, bdt])
            if found is None:
                return None
            t, out, fn = found
            e = fn(ctx, cast(acc, acc_dt, t), cast(b, bdt, t), t)
            if e is None:
                return None
            acc, acc_dt = cast(e, None if out != t else t, out), out
        return [(acc, acc_dt)]
    return render


def _unary(fn_by_kind):
    def render(op, ctx, args, in_dtypes):
        found = _loop_fn(op, fn_by_kind, in_dtypes)
        if found is None:
            return None
        t, out, fn = found
        e = fn(ctx, cast(args[0], in_dtypes[0], t), t)
        return None if e is None else [(e if out == t else cast(e, None, out), out)]
    return render


def _register(classes, renderer):
    for c in classes:
        if c is not None:
            scalar_impls.register(c)(renderer)


def _same(e):
    return lambda ctx, a, b, t: e.format(a=a, b=b, T=CTYPES[t])


def _same1(e):
    return lambda ctx, a, t: e.format(a=a, T=CTYPES[t], f=_fsuffix(t))


_FIB = ("f", "i", "u", "b")


def _all(e, kinds=_FIB):
    f = _same(e)
    return {k: f for k in kinds}


# -- integer and float helpers (text generated per C type) --------------------

def _h_fmax(ctx, t):
    T = CTYPES[t]
    return ctx.helper(f"ts_max_{t}", f"static inline {T} ts_max_{t}({T} a, {T} b) "
                      f"{{ return (a > b || a != a) ? a : b; }}")


def _h_fmin(ctx, t):
    T = CTYPES[t]
    return ctx.helper(f"ts_min_{t}", f"static inline {T} ts_min_{t}({T} a, {T} b) "
                      f"{{ return (a < b || a != a) ? a : b; }}")


def _h_fdivmod(ctx, t):
    """Python-style floor division and remainder of floats (NumPy's npy_divmod)."""
    T, f = CTYPES[t], _fsuffix(t)
    ctx.helper(f"ts_fmod_{t}", f"""static inline {T} ts_fmod_{t}({T} a, {T} b) {{
    if (b == 0) return fmod{f}(a, b);
    {T} m = fmod{f}(a, b);
    if (m != 0) {{ if ((b < 0) != (m < 0)) m += b; }}
    else m = copysign{f}(({T})0, b);
    return m;
}}""")
    return ctx.helper(f"ts_ffloordiv_{t}", f"""static inline {T} ts_ffloordiv_{t}({T} a, {T} b) {{
    if (b == 0) return a / b;
    {T} m = fmod{f}(a, b);
    {T} d = (a - m) / b;
    if (m != 0 && ((b < 0) != (m < 0))) d -= 1;
    if (d != 0) {{ {T} fl = floor{f}(d); if (d - fl > ({T})0.5) fl += 1; return fl; }}
    return copysign{f}(({T})0, a / b);
}}""")


def _h_idiv(ctx, t):
    T = CTYPES[t]
    if kind(t) == "u":
        ctx.helper(f"ts_imod_{t}", f"static inline {T} ts_imod_{t}({T} a, {T} b) "
                   f"{{ return b == 0 ? 0 : a % b; }}")
        return ctx.helper(f"ts_ifloordiv_{t}", f"static inline {T} ts_ifloordiv_{t}({T} a, {T} b) "
                          f"{{ return b == 0 ? 0 : a / b; }}")
    mn = _MIN[t]
    ctx.helper(f"ts_imod_{t}", f"""static inline {T} ts_imod_{t}({T} a, {T} b) {{
    if (b == 0 || (b == -1)) return 0;
    {T} r = ({T})(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = ({T})(r + b);
    return r;
}}""")
    return ctx.helper(f"ts_ifloordiv_{t}", f"""static inline {T} ts_ifloordiv_{t}({T} a, {T} b) {{
    if (b == 0) return 0;
    if (b == -1) return a == {mn} ? a : ({T})(-a);
    {T} q = ({T})(a / b);
    if ((a % b != 0) && ((a < 0) != (b < 0))) q = ({T})(q - 1);
    return q;
}}""")


def _h_ipow(ctx, t):
    T = CTYPES[t]
    U = _UNSIGNED_OF.get(t, T)
    neg = "if (b < 0) { *st = 1; return 0; }" if kind(t) == "i" else ""
    return ctx.helper(f"ts_ipow_{t}", f"""static inline {T} ts_ipow_{t}({T} a, {T} b, int *st) {{
    {neg}
    {U} r = 1, x = ({U})a;
    {U} e = ({U})b;
    while (e) {{ if (e & 1) r *= x; x *= x; e >>= 1; }}
    return ({T})r;
}}""")


def _floordiv(ctx, a, b, t):
    k = kind(t)
    if k == "f":
        return f"{_h_fdivmod(ctx, t)}({a}, {b})"
    _h_idiv(ctx, t)
    return f"ts_ifloordiv_{t}({a}, {b})"


def _mod(ctx, a, b, t):
    if kind(t) == "f":
        _h_fdivmod(ctx, t)
        return f"ts_fmod_{t}({a}, {b})"
    _h_idiv(ctx, t)
    return f"ts_imod_{t}({a}, {b})"


def _pow(ctx, a, b, t):
    if kind(t) == "f":
        return f"pow{_fsuffix(t)}({a}, {b})"
    return f"{_h_ipow(ctx, t)}({a}, {b}, &st)"


def _shift(left):
    def fn(ctx, a, b, t):
        T = CTYPES[t]
        bits = _BITS[t]
        U = _UNSIGNED_OF.get(t, T)
        name = f"ts_{'l' if left else 'r'}shift_{t}"
        if left:
            body = f"return ((npy_uint64)b < {bits}) ? ({T})(({U})a << b) : 0;"
        elif kind(t) == "i":
            body = f"return ((npy_uint64)b < {bits}) ? ({T})(a >> b) : (a < 0 ? -1 : 0);"
        else:
            body = f"return ((npy_uint64)b < {bits}) ? ({T})(a >> b) : 0;"
        ctx.helper(name, f"static inline {T} {name}({T} a, {T} b) {{ {body} }}")
        return f"{name}({a}, {b})"
    return fn


def _fonly(expr):
    """A unary float function ``expr`` ({a}: argument, {f}: 'f' for float32)."""
    return {"f": _same1(expr)}


def _sign_f(ctx, a, t):
    T = CTYPES[t]
    name = f"ts_sign_{t}"
    ctx.helper(name, f"static inline {T} {name}({T} a) "
               f"{{ return a > 0 ? 1 : (a < 0 ? -1 : (a == 0 ? 0 : a)); }}")
    return f"{name}({a})"


def _helper_unary(name, body):
    """A float helper ``ts_<name>_<dtype>(a)`` whose body is ``body`` ({T},
    {f} substituted)."""
    def fn(ctx, a, t):
        T, f = CTYPES[t], _fsuffix(t)
        h = f"ts_{name}_{t}"
        ctx.helper(h, f"static inline {T} {h}({T} a) {{ {body.format(T=T, f=f)} }}")
        return f"{h}({a})"
    return {"f": fn}


def _install():
    import importlib

    # modules (the package's name ``scalar`` is a function of the ``pt`` namespace)
    ps = importlib.import_module("tensorsmith_tensorops.scalar")
    sm = importlib.import_module("tensorsmith_tensorops.scalar_math")

    g = lambda name: getattr(sm, name, None)  # noqa: E731  (classes made at import by a table)

    _register([ps.Add], _binary(dict(
        f=_same("{a} + {b}"), i=_same("({T})({a} + {b})"), u=_same("({T})({a} + {b})"),
        b=_same("({a} || {b})"))))
    _register([ps.Mul], _binary(dict(
        f=_same("{a} * {b}"), i=_same("({T})({a} * {b})"), u=_same("({T})({a} * {b})"),
        b=_same("({a} && {b})"))))
    _register([ps.Sub], _binary(dict(f=_same("{a} - {b}"), i=_same("({T})({a} - {b})"),
                                     u=_same("({T})({a} - {b})"))))
    _register([ps.TrueDiv], _binary(dict(f=_same("{a} / {b}"))))
    _register([ps.IntDiv], _binary(dict(f=_floordiv, i=_floordiv, u=_floordiv)))
    _register([ps.Mod], _binary(dict(f=_mod, i=_mod, u=_mod)))
    _register([ps.Pow], _binary(dict(f=_pow, i=_pow, u=_pow)))
    _register([ps.Maximum], _binary(dict(
        f=lambda ctx, a, b, t: f"{_h_fmax(ctx, t)}({a}, {b})",
        i=_same("({a} > {b} ? {a} : {b})"), u=_same("({a} > {b} ? {a} : {b})"),
        b=_same("({a} || {b})"))))
    _register([ps.Minimum], _binary(dict(
        f=lambda ctx, a, b, t: f"{_h_fmin(ctx, t)}({a}, {b})",
        i=_same("({a} < {b} ? {a} : {b})"), u=_same("({a} < {b} ? {a} : {b})"),
        b=_same("({a} && {b})"))))
    for cls, o in [(ps.LT, "<"), (ps.GT, ">"), (ps.LE, "<="), (ps.GE, ">="), (ps.EQ, "=="), (ps.NEQ, "!=")]:
        _register([cls], _binary(_all("({a} " + o + " {b})")))
    for cls, o in [(ps.AND, "&"), (ps.OR, "|"), (ps.XOR, "^")]:
        _register([cls], _binary(_all("({T})({a} " + o + " {b})", ("i", "u", "b"))))
    _register([g("LogicalAnd")], _binary(_all("(({a} != 0) && ({b} != 0))")))
    _register([g("LogicalOr")], _binary(_all("(({a} != 0) || ({b} != 0))")))
    _register([g("LogicalXor")], _binary(_all("(({a} != 0) != ({b} != 0))")))
    _register([g("LeftShift")], _binary(dict(i=_shift(True), u=_shift(True))))
    _register([g("RightShift")], _binary(dict(i=_shift(False), u=_shift(False))))
    _register([g("ArcTan2")], _binary(dict(f=lambda ctx, a, b, t: f"atan2{_fsuffix(t)}({a}, {b})")))
    _register([g("Hypot")], _binary(dict(f=lambda ctx, a, b, t: f"hypot{_fsuffix(t)}({a}, {b})")))

    def _logaddexp(ctx, a, b, t):
        T, f = CTYPES[t], _fsuffix(t)
        h = f"ts_logaddexp_{t}"
        ctx.helper(h, f"""static inline {T} {h}({T} x, {T} y) {{
    if (x == y) return x + ({T})0x1.62e42fefa39efp-1;
    {T} d = x - y;
    if (d > 0) return x + log1p{f}(exp{f}(-d));
    if (d <= 0) return y + log1p{f}(exp{f}(d));
    return d;
}}""")
        return f"{h}({a}, {b})"
    _register([g("LogAddExp")], _binary(dict(f=_logaddexp)))

    # unary
    _register([ps.Neg], _unary(dict(f=_same1("(-{a})"), i=_same1("({T})(-{a})"), u=_same1("({T})(-{a})"))))
    _register([ps.Abs], _unary(dict(f=_same1("fabs{f}({a})"), i=_same1("({T})({a} < 0 ? -{a} : {a})"),
                                     u=_same1("{a}"), b=_same1("{a}"))))
    _register([ps.Sign], _unary(dict(f=_sign_f, i=_same1("({T})(({a} > 0) - ({a} < 0))"),
                                      u=_same1("({T})({a} > 0)"))))
    _register([ps.Sqr], _unary(dict(f=_same1("({a} * {a})"), i=_same1("({T})({a} * {a})"),
                                     u=_same1("({T})({a} * {a})"), b=_same1("({a} && {a})"))))
    _register([ps.Invert], _unary(dict(i=_same1("({T})(~{a})"), u=_same1("({T})(~{a})"),
                                        b=_same1("(!{a})"))))
    _register([g("LogicalNot")], _unary(_all1("(!({a} != 0))")))
    _register([g("Reciprocal")], _unary(dict(f=_same1("(({T})1 / {a})"))))
    for name, fn in [("Exp", "exp"), ("Log", "log"), ("Sin", "sin"), ("Cos", "cos"), ("Sqrt", "sqrt"),
                     ("Tan", "tan"), ("ArcSin", "asin"), ("ArcCos", "acos"), ("ArcTan", "atan"),
                     ("Sinh", "sinh"), ("Cosh", "cosh"), ("Tanh", "tanh"), ("ArcSinh", "asinh"),
                     ("ArcCosh", "acosh"), ("ArcTanh", "atanh"), ("Exp2", "exp2"), ("Expm1", "expm1"),
                     ("Log2", "log2"), ("Log10", "log10"), ("Log1p", "log1p"), ("Cbrt", "cbrt"),
                     ("Erf", "erf"), ("Erfc", "erfc")]:
        cls = getattr(ps, name, None) or g(name)
        _register([cls], _unary(_fonly(fn + "{f}({a})")))
    # scipy's gammaln(-inf) is -inf, C's lgamma(-inf) +inf
    _register([g("GammaLn")], _unary(_helper_unary("gammaln", "return a == -INFINITY ? a : lgamma{f}(a);")))
    _register([g("Deg2Rad")], _unary(_fonly("({a} * ({T})0x1.1df46a2529d39p-6)")))
    _register([g("Rad2Deg")], _unary(_fonly("({a} * ({T})0x1.ca5dc1a63c1f8p+5)")))
    ident = {"i": _same1("{a}"), "u": _same1("{a}"), "b": _same1("{a}")}
    for name, fn in [("Floor", "floor"), ("Ceil", "ceil"), ("Trunc", "trunc")]:
        _register([g(name)], _unary(dict(ident, f=_same1(fn + "{f}({a})"))))
    _register([g("IsNan")], _unary(dict(f=_same1("(isnan({a}) != 0)"), i=_same1("0"), u=_same1("0"),
                                         b=_same1("0"))))
    _register([g("IsInf")], _unary(dict(f=_same1("(isinf({a}) != 0)"), i=_same1("0"), u=_same1("0"),
                                         b=_same1("0"))))
    _register([g("IsFinite")], _unary(dict(f=_same1("(isfinite({a}) != 0)"), i=_same1("1"),
                                            u=_same1("1"), b=_same1("1"))))

    def _posneginf(positive):
        def render(op, ctx, args, in_dtypes):
            (a,), (d,) = args, in_dtypes
            if kind(d) != "f":
                return ["0"]
            return [f"(isinf({a}) && ({a} {'>' if positive else '<'} 0))"]
        return render
    _register([g("IsPosInf")], _posneginf(True))
    _register([g("IsNegInf")], _posneginf(False))

    # functions with a hand-written impl: dtype_like gives the loop
    _register([g("Sigmoid")], _unary(_helper_unary(
        "sigmoid", "if (a >= 0) return ({T})1 / (({T})1 + exp{f}(-a)); "
                   "{T} e = exp{f}(a); return e / (({T})1 + e);")))
    _register([g("LogSigmoid")], _unary(_helper_unary(
        "logsigmoid", "if (a < 0) return a - log1p{f}(exp{f}(a)); return -log1p{f}(exp{f}(-a));")))
    _register([g("Softplus")], _unary(_helper_unary(
        "softplus", "if (a > 0) return a + log1p{f}(exp{f}(-a)); return log1p{f}(exp{f}(a));")))
    _register([g("Log1mExp")], _unary(_helper_unary(
        "log1mexp", "if (a < -({T})0x1.62e42fefa39efp-1) return log1p{f}(-exp{f}(a)); "
                    "return log{f}(-expm1{f}(a));")))

    def _round(fn):
        def render(op, ctx, args, in_dtypes):
            (a,), (d,) = args, in_dtypes
            if kind(d) in "iu":
                return [(a, d)]
            if kind(d) != "f":
                return None
            return [(f"{fn}{_fsuffix(d)}({a})", d)]
        return render
    _register([g("RoundHalfToEven")], _round("rint"))

    def _round_away(op, ctx, args, in_dtypes):
        (a,), (d,) = args, in_dtypes
        if kind(d) in "iu":
            return [(a, d)]
        if kind(d) != "f":
            return None
        # as the Python impl: trunc(x) + (|frac| >= 0.5 ? sign(x) : 0), so -0.3 gives +0.0
        T, f = CTYPES[d], _fsuffix(d)
        h = f"ts_round_away_{d}"
        ctx.helper(h, f"static inline {T} {h}({T} a) {{ {T} w = trunc{f}(a); "
                      f"return w + (fabs{f}(a - w) >= ({T})0.5 ? copysign{f}(({T})1, a) : ({T})0); }}")
        return [(f"{h}({a})", d)]
    _register([g("RoundHalfAwayFromZero")], _round_away)

    def _identity(op, ctx, args, in_dtypes):
        return [(args[0], in_dtypes[0])]
    _register([ps.Identity, ps.Cast, g("Real"), g("Conj")], _identity)

    def _second(op, ctx, args, in_dtypes):
        return [(args[1], in_dtypes[1])]
    _register([ps.Second], _second)

    def _switch(op, ctx, args, in_dtypes):
        c, a, b = args
        (out,) = op.output_dtypes(list(in_dtypes))
        return [(f"(({c}) != 0 ? {cast(a, in_dtypes[1], out)} : {cast(b, in_dtypes[2], out)})", out)]
    _register([ps.Switch], _switch)

    def _clip(op, ctx, args, in_dtypes):
        (out,) = op.output_dtypes(list(in_dtypes))
        x, lo, hi = (cast(a, d, out) for a, d in zip(args, in_dtypes))
        k = kind(out)
        if k == "f":
            return [(f"{_h_fmin(ctx, out)}({_h_fmax(ctx, out)}({x}, {lo}), {hi})", out)]
        if k in "iu":
            T = CTYPES[out]
            h = f"ts_clip_{out}"
            ctx.helper(h, f"static inline {T} {h}({T} x, {T} lo, {T} hi) "
                       f"{{ {T} m = x > lo ? x : lo; return m < hi ? m : hi; }}")
            return [(f"{h}({x}, {lo}, {hi})", out)]
        return None
    _register([g("Clip")], _clip)

    def _logit(op, ctx, args, in_dtypes):
        lp = _loop(op, in_dtypes)
        if lp is None or kind(lp[0]) != "f":
            return None
        t = lp[0]
        T, f = CTYPES[t], _fsuffix(t)
        h = f"ts_logit_{t}"
        ctx.helper(h, f"static inline {T} {h}({T} x) {{\n"
                      f"    if (x < ({T})0.3 || x > ({T})0.65) return log{f}(x / (({T})1 - x));\n"
                      f"    {T} s = 2 * (x - ({T})0.5); return log1p{f}(s) - log1p{f}(-s);\n}}")
        return [(f"{h}({cast(args[0], in_dtypes[0], t)})", t)]
    _register([g("Logit")], _logit)


def _all1(e):
    f = _same1(e)
    return {k: f for k in _FIB}


_install()
