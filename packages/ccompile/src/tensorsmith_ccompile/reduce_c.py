"""C kernels of reductions: ``CAReduce`` (sum, prod, max, min, all, any and
the generic reduction by one of those scalar ops), ``FusedReduce`` (a
reduction of an elementwise scalar function, computed per element inside the
reduction loop: no temporary array) and ``LogSumExp``.

A node becomes a ``ReduceKernel``: its input dtypes, the statements that
compute the element ``r0`` (of the element dtype) from ``x0, x1, ...`` (the
Composite generation of ``elemwise_c.composite_body`` for a fused
reduction), how elements combine (``kind``), the accumulator and output
dtypes.  ``c_functions`` renders, per pass (``LogSumExp`` takes two: the
maximum, then the sum of ``exp(x - max)``):

``<name>_i<p>(char *state)``                     the accumulators' start;
``<name>_c<p>(char *state, char **p, npy_intp n)``  a contiguous row;
``<name>_s<p>(char *state, char **p, const npy_intp *s, npy_intp n)`` a strided row;
and ``<name>_f(char *state, char *out)``        the result of one output element.

Accumulation runs in ``LANES`` independent lanes (the compiler vectorizes
the row loops; sums are then combined pairwise, which is also more accurate
than one running sum).  Semantics, as NumPy's ``ufunc.reduce`` (the Python
``perform``): integer sums and products accumulate in the output dtype
(``sum`` of int8 in int64) and wrap; float32 sums accumulate in double and
round once at the end (NumPy sums float32 pairwise; both are within a few
ulp of the exact sum); max/min propagate NaN; the sum of nothing is 0, the
product 1, and max/min over an empty axis raise ``ValueError`` with the
Python message.

The driver (``REDUCE_DRIVER``) broadcasts the inputs, orders the reduced
dimensions by decreasing stride and merges the contiguous ones, allocates
the output, and calls the row functions per output element (the contiguous
one when every input is contiguous along the innermost reduced dimension,
broadcast inputs handed in as blocks of copies)."""
import numpy as np

from . import c_runtime
from .c_impls import CTYPES, RenderContext, _h_fmax, _h_fmin, cast, literal, node_impls, render_scalar
from .elemwise_c import MAX_OPERANDS, composite_body

__all__ = ["ReduceKernel", "careduce_kernel", "fused_reduce_kernel", "logsumexp_kernel",
           "c_functions", "REDUCE_DRIVER", "LANES"]

LANES = 8


class ReduceKernel:
    """What the code generator needs of one reduction node (module docstring).

    ``kind``: 'add', 'mul', 'max', 'min', 'and', 'or' or 'lse'; ``acc_dtype``:
    the accumulator's dtype; ``elem_dtype``: the dtype of ``r0``."""

    __slots__ = ("in_dtypes", "elem_dtype", "acc_dtype", "out_dtype", "kind", "body", "helpers",
                 "name", "prefix", "signature", "inplace")

    def __init__(self, in_dtypes, elem_dtype, acc_dtype, out_dtype, kind, body, helpers, name, prefix):
        self.in_dtypes = tuple(in_dtypes)
        self.elem_dtype = elem_dtype
        self.acc_dtype = acc_dtype
        self.out_dtype = out_dtype
        self.kind = kind
        self.body = tuple(body)
        self.helpers = dict(helpers)
        self.name = name
        self.prefix = prefix
        self.inplace = ()
        self.signature = "\n".join(("reduce", kind, repr(self.in_dtypes), elem_dtype, acc_dtype, out_dtype)
                                   + self.body)

    @property
    def npass(self):
        return 2 if self.kind == "lse" else 1

    @property
    def nonempty(self):
        """max/min: an empty reduced axis is an error."""
        return self.kind in ("max", "min")


_KINDS = None


def _kind_of(scalar_op):
    global _KINDS
    if _KINDS is None:
        import importlib

        ps = importlib.import_module("tensorsmith_tensorops.scalar")
        _KINDS = [(ps.Add, "add"), (ps.Mul, "mul"), (ps.Maximum, "max"), (ps.Minimum, "min"),
                  (ps.AND, "and"), (ps.OR, "or")]
    for cls, k in _KINDS:
        if type(scalar_op) is cls:
            return k
    return None


def _acc_dtype(kind, elem_dtype, out_dtype):
    """The accumulator dtype, or None (no C form)."""
    if kind in ("add", "mul"):
        if out_dtype == "bool":
            return None
        if kind == "add" and out_dtype == "float32":
            return "float64"
        return out_dtype
    if kind in ("max", "min"):
        return elem_dtype
    if kind in ("and", "or"):
        return "bool"
    if kind == "lse":
        return "float64" if out_dtype in ("float32", "float64") else None
    return None


def _make(in_dtypes, elem_dtype, out_dtype, kind, body, ctx, name, prefix):
    if kind is None or body is None:
        return None
    dts = list(in_dtypes) + [elem_dtype, out_dtype]
    if any(d not in CTYPES for d in dts) or len(in_dtypes) + 1 > MAX_OPERANDS:
        return None
    acc = _acc_dtype(kind, elem_dtype, out_dtype)
    if acc is None:
        return None
    k = ReduceKernel(in_dtypes, elem_dtype, acc, out_dtype, kind, body, ctx.helpers, name, prefix)
    c_functions(k, "probe", ctx)  # the helpers the combining code calls, before the kernel's text
    return ReduceKernel(in_dtypes, elem_dtype, acc, out_dtype, kind, body, ctx.helpers, name, prefix)


def _dtypes(node):
    try:
        return [v.type.dtype for v in node.inputs], node.outputs[0].type.dtype
    except AttributeError:
        return None, None


def careduce_kernel(node):
    """The ``ReduceKernel`` of a ``CAReduce`` node, or None."""
    from tensorsmith_tensorops.reduction import CAReduce

    op = node.op
    if type(op).perform is not CAReduce.perform:
        return None
    ins, out = _dtypes(node)
    if ins is None or len(ins) != 1 or ins[0] not in CTYPES:
        return None
    body = [f"const {CTYPES[ins[0]]} r0 = x0;"]
    return _make(ins, ins[0], out, _kind_of(op.scalar_op), body, RenderContext(), str(op), str(op))


def fused_reduce_kernel(node):
    """The ``ReduceKernel`` of a ``FusedReduce`` node, or None."""
    from tensorsmith_tensorops.composite import Composite, FusedReduce
    from tensorsmith_tensorops.reduction import CAReduce

    op = node.op
    if type(op).perform is not FusedReduce.perform or type(op.reduce_op).perform is not CAReduce.perform:
        return None
    ins, out = _dtypes(node)
    if ins is None or any(d not in CTYPES for d in ins):
        return None
    try:
        edt = op.elem_dtype(ins)
    except Exception:  # noqa: BLE001 - no dtype: no C
        return None
    if edt not in CTYPES:
        return None
    so = op.scalar_op
    ctx = RenderContext()
    if type(so) is Composite:
        body = composite_body(so, ins, [edt], ctx)
    else:
        exprs = render_scalar(so, ctx, [f"x{i}" for i in range(len(ins))], ins)
        body = None
        if exprs is not None and len(exprs) == 1:
            body = [f"const {CTYPES[edt]} r0 = {cast(exprs[0], None, edt)};"]
    name = f"{op.reduce_op} of {so}"
    return _make(ins, edt, out, _kind_of(op.reduce_op.scalar_op), body, ctx, name, str(op.reduce_op))


def logsumexp_kernel(node):
    """The ``ReduceKernel`` of a ``LogSumExp`` node (float outputs), or None."""
    from tensorsmith_tensorops.reduction import LogSumExp

    op = node.op
    if type(op).perform is not LogSumExp.perform:
        return None
    ins, out = _dtypes(node)
    if ins is None or len(ins) != 1 or ins[0] not in CTYPES or out not in ("float32", "float64"):
        return None
    body = [f"const {CTYPES[out]} r0 = {cast('x0', ins[0], out)};"]
    return _make(ins, out, out, "lse", body, RenderContext(), str(op), str(op))


# ---------------------------------------------------------------------------
# C text
# ---------------------------------------------------------------------------

def _identity(kind, dt):
    if kind in ("add", "or", "lse"):
        return literal(0, dt)
    if kind in ("mul", "and"):
        return literal(1, dt)
    k = np.dtype(dt).kind
    if k == "f":
        return literal(-np.inf if kind == "max" else np.inf, dt)
    if k == "b":
        return literal(kind == "min", dt)
    info = np.iinfo(dt)
    return literal(info.min if kind == "max" else info.max, dt)


def _combine(kind, acc_dt, ctx):
    """A function ``(a, v) -> C expression`` combining accumulator ``a`` with value ``v``."""
    T = CTYPES[acc_dt]
    k = np.dtype(acc_dt).kind
    if kind in ("add", "lse"):
        return (lambda a, v: f"({a} + {v})") if k == "f" else (lambda a, v: f"({T})({a} + {v})")
    if kind == "mul":
        if k == "b":
            return lambda a, v: f"({a} && {v})"
        return (lambda a, v: f"({a} * {v})") if k == "f" else (lambda a, v: f"({T})({a} * {v})")
    if kind in ("max", "min"):
        if k == "f":
            h = (_h_fmax if kind == "max" else _h_fmin)(ctx, acc_dt)
            return lambda a, v: f"{h}({a}, {v})"
        if k == "b":
            op = "||" if kind == "max" else "&&"
            return lambda a, v: f"({a} {op} {v})"
        cmp = ">" if kind == "max" else "<"
        return lambda a, v: f"({v} {cmp} {a} ? {v} : {a})"
    if kind == "and":
        return lambda a, v: f"({a} && {v})"
    if kind == "or":
        return lambda a, v: f"({a} || {v})"
    raise ValueError(kind)


def _value(k, p):
    """The C expression of element ``r0`` as the accumulator of pass ``p`` takes it."""
    e, a, o = k.elem_dtype, k.acc_dtype, k.out_dtype
    if k.kind in ("add", "mul"):
        return cast(cast("r0", e, o), o, a)
    if k.kind in ("and", "or"):
        return "(r0 != 0)"
    if k.kind in ("max", "min"):
        return "r0"
    # lse: pass 0 is the maximum (in the element dtype), pass 1 the sum of exp(r0 - m)
    if p == 0:
        return "r0"
    f = "f" if e == "float32" else ""
    return cast(f"exp{f}(r0 - m)", e, a)


def _pass_types(k, p):
    """(kind, accumulator dtype) of pass ``p``."""
    if k.kind == "lse" and p == 0:
        return "max", k.elem_dtype
    return k.kind, k.acc_dtype


def c_functions(k, name, ctx=None):
    """The C text of the kernel's functions (module docstring)."""
    if ctx is None:
        ctx = RenderContext(k.helpers)
    nin = len(k.in_dtypes)
    out = []
    L = LANES
    for p in range(k.npass):
        kind, adt = _pass_types(k, p)
        A = CTYPES[adt]
        comb = _combine(kind, adt, ctx)
        val = _value(k, p)
        off = p * L
        pre = []
        if k.kind == "lse" and p == 1:
            pre.append(f"const {CTYPES[k.elem_dtype]} m = *(const {CTYPES[k.elem_dtype]} *)(state + {16 * L});")
        # init
        init = [f"static void {name}_i{p}(char *state) {{", f"    {A} *a = ({A} *)state + {off};",
                f"    for (int j = 0; j < {L}; j++) a[j] = {_identity(kind, adt)};"]
        if k.kind == "lse" and p == 1:
            E = CTYPES[k.elem_dtype]
            c0 = _combine("max", k.elem_dtype, ctx)
            init += [f"    const {E} *b = (const {E} *)state;", f"    {E} m = b[0];",
                     f"    for (int j = 1; j < {L}; j++) m = {c0('m', 'b[j]')};",
                     f"    if (!isfinite(m)) m = 0;", f"    *({E} *)(state + {16 * L}) = m;"]
        init.append("}")
        out.append("\n".join(init))
        body = "\n            ".join(k.body)
        if kind == "add" and np.dtype(adt).kind == "f":
            out.append(_pairwise(k, name, p, A, val, pre))
            continue
        for suffix, params, decl, load in [
                ("c", "char *state, char **p, npy_intp n", "    const {T} *in{i} = (const {T} *)p[{i}];",
                 "in{i}[{idx}]"),
                ("s", "char *state, char **p, const npy_intp *s, npy_intp n",
                 "    const char *q{i} = p[{i}]; const npy_intp s{i} = s[{i}];",
                 "*(const {T} *)(q{i} + ({idx}) * s{i})")]:
            lines = [f"static int {name}_{suffix}{p}({params}) {{", "    int st = 0;",
                     f"    {A} *a = ({A} *)state + {off};", f"    {A} l[{L}];",
                     f"    for (int j = 0; j < {L}; j++) l[j] = a[j];"] + ["    " + s for s in pre]
            for i, d in enumerate(k.in_dtypes):
                lines.append(decl.format(i=i, T=CTYPES[d]))
            for loop, idx, lane in [(f"npy_intp k = 0;\n    for (; k + {L} <= n; k += {L}) {{\n"
                                     f"        for (int j = 0; j < {L}; j++) {{", "k + j", "l[j]"),
                                    ("for (; k < n; k++) {\n        {", "k", "l[0]")]:
                lines.append("    " + loop)
                for i, d in enumerate(k.in_dtypes):
                    lines.append(f"            const {CTYPES[d]} x{i} = " + load.format(i=i, T=CTYPES[d], idx=idx)
                                 + ";")
                lines.append(f"            {body}")
                lines.append(f"            {lane} = {comb(lane, val)};")
                lines.append("        }\n    }")
            lines += [f"    for (int j = 0; j < {L}; j++) a[j] = l[j];", "    return st;", "}"]
            out.append("\n".join(lines))
    # finish: lanes combined pairwise
    kind, adt = _pass_types(k, k.npass - 1)
    A, O = CTYPES[adt], CTYPES[k.out_dtype]
    comb = _combine(kind, adt, ctx)
    fin = [f"static void {name}_f(char *state, char *out) {{",
           f"    {A} l[{L}];", f"    memcpy(l, ({A} *)state + {(k.npass - 1) * L}, sizeof l);",
           f"    for (int w = 1; w < {L}; w *= 2)",
           f"        for (int j = 0; j + w < {L}; j += 2 * w) l[j] = {comb('l[j]', 'l[j + w]')};"]
    if k.kind == "lse":
        E = CTYPES[k.elem_dtype]
        f = "f" if k.elem_dtype == "float32" else ""
        fin.append(f"    const {E} m = *(const {E} *)(state + {16 * L});")
        fin.append(f"    *({O} *)out = ({O})(log{f}(({E})l[0]) + m);")
    else:
        src = k.acc_dtype if k.kind not in ("add", "mul") or k.acc_dtype == k.out_dtype else None
        fin.append(f"    *({O} *)out = {cast('l[0]', src, k.out_dtype)};")
    fin.append("}")
    out.append("\n".join(fin))
    return "\n\n".join(out) + "\n"


def _pairwise(k, name, p, A, val, pre):
    """Float sums: NumPy's pairwise summation (``pairwise_sum`` of its loops:
    below 8 elements a running sum from -0.0, up to 128 eight accumulators
    combined as a tree, above that the halves at a multiple of 8), so a
    contiguous row sums exactly as ``np.add.reduce`` does; the row's sum is
    added to the running total of the output element."""
    off = p * LANES
    body = "\n            ".join(k.body)
    text = []
    for suffix, decl, load, adv in [
            ("c", "    const {T} *in{i} = (const {T} *)p[{i}];", "in{i}[{idx}]", "p[{i}] + n2 * sizeof({T})"),
            ("s", "    const char *q{i} = p[{i}]; const npy_intp s{i} = s[{i}];",
             "*(const {T} *)(q{i} + ({idx}) * s{i})", "p[{i}] + n2 * s[{i}]")]:
        sparam = ", const npy_intp *s" if suffix == "s" else ""
        sarg = ", s" if suffix == "s" else ""

        def elem(idx, stmt):
            lines = ["        {"]
            for i, d in enumerate(k.in_dtypes):
                lines.append(f"            const {CTYPES[d]} x{i} = " + load.format(i=i, T=CTYPES[d], idx=idx)
                             + ";")
            lines += [f"            {body}", f"            {stmt}", "        }"]
            return "\n".join(lines)
        fn = f"{name}_pw{suffix}{p}"
        lines = [f"static {A} {fn}(char **p{sparam}, npy_intp n, int *stp) {{", "    int st = 0;"]
        lines += ["    " + x for x in pre]
        for i, d in enumerate(k.in_dtypes):
            lines.append(decl.format(i=i, T=CTYPES[d]))
        lines += ["    if (n < 8) {", f"        {A} res = -0.0;", "        for (npy_intp k = 0; k < n; k++)",
                  elem("k", f"res = res + {val};"), "        if (st) *stp = st;", "        return res;", "    }",
                  f"    if (n <= 128) {{", f"        {A} r[8];", "        for (int j = 0; j < 8; j++)",
                  elem("j", f"r[j] = {val};"), "        npy_intp k = 8;",
                  "        for (; k < n - (n % 8); k += 8)", "        for (int j = 0; j < 8; j++)",
                  elem("k + j", f"r[j] = r[j] + {val};"),
                  f"        {A} res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));",
                  "        for (; k < n; k++)", elem("k", f"res = res + {val};"),
                  "        if (st) *stp = st;", "        return res;", "    }",
                  "    npy_intp n2 = n / 2;", "    n2 -= n2 % 8;", "    char *h[TS_MAXOPS];"]
        for i, d in enumerate(k.in_dtypes):
            lines.append(f"    h[{i}] = " + adv.format(i=i, T=CTYPES[d]) + ";")
        lines += [f"    {A} left = {fn}(p{sarg}, n2, stp);", f"    return left + {fn}(h{sarg}, n - n2, stp);", "}"]
        text.append("\n".join(lines))
        params = "char *state, char **p" + sparam + ", npy_intp n"
        text.append(f"static int {name}_{suffix}{p}({params}) {{\n    int st = 0;\n"
                    f"    {A} *a = ({A} *)state + {off};\n    a[0] = a[0] + {fn}(p{sarg}, n, &st);\n"
                    f"    return st;\n}}")
    return "\n\n".join(text)


def table_entry(k, name):
    """The ``TsRKernel`` initializer of kernel ``k`` rendered as ``name``."""
    types = ", ".join(str(np.dtype(d).num) for d in k.in_dtypes)
    fns = []
    for kind in ("i", "c", "s"):
        fs = [f"{name}_{kind}{p}" for p in range(k.npass)] + ["NULL"] * (2 - k.npass)
        fns.append("{" + ", ".join(fs) + "}")
    return (f"static const int {name}_types[] = {{{types}}};",
            f"    {{{len(k.in_dtypes)}, {name}_types, {np.dtype(k.out_dtype).num}, "
            f"{int(k.nonempty)}, {k.npass}, {fns[0]}, {fns[1]}, {fns[2]}, {name}_f}},")


REDUCE_PREFIX = r"""
#define TS_LANES 8
typedef void (*ts_rinit_fn)(char *state);
typedef int (*ts_rcontig_fn)(char *state, char **p, npy_intp n);
typedef int (*ts_rstrided_fn)(char *state, char **p, const npy_intp *s, npy_intp n);
typedef void (*ts_rfinish_fn)(char *state, char *out);
typedef struct {
    int nin; const int *types; int out_type; int nonempty; int npass;
    ts_rinit_fn init[2]; ts_rcontig_fn contig[2]; ts_rstrided_fn strided[2]; ts_rfinish_fn finish;
} TsRKernel;
"""

REDUCE_DRIVER = r"""
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    const TsRKernel *k;
    int kernel_index;
    PyObject *node, *name, *prefix, *in_cells, *out_cells;
    int naxes;
    int axes[NPY_MAXDIMS];
} TsRThunk;

static PyObject *ts_shape_tuple(int nd, const npy_intp *shape) {
    PyObject *tup = PyTuple_New(nd);
    if (!tup) return NULL;
    for (int d = 0; d < nd; d++) PyTuple_SET_ITEM(tup, d, PyLong_FromSsize_t(shape[d]));
    return tup;
}

static void ts_rshape_error(TsRThunk *t, PyArrayObject **ops, int nin) {
    PyObject *parts = PyList_New(0);
    if (!parts) return;
    for (int i = 0; i < nin; i++) {
        PyObject *tup = ts_shape_tuple(PyArray_NDIM(ops[i]), PyArray_DIMS(ops[i]));
        PyObject *r = tup ? PyObject_Repr(tup) : NULL;
        Py_XDECREF(tup);
        if (!r || PyList_Append(parts, r) < 0) { Py_XDECREF(r); Py_DECREF(parts); return; }
        Py_DECREF(r);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    if (joined)
        PyErr_Format(PyExc_ValueError, "Incompatible shapes for broadcasting in %U: %U", t->name, joined);
    Py_XDECREF(sep); Py_XDECREF(joined); Py_DECREF(parts);
}

/* one output element: every pass over the reduced dimensions, then finish */
static int ts_reduce_one(const TsRKernel *K, char *state, char **base, int rnd, const npy_intp *rshape,
                         npy_intp rstr[][TS_MAXOPS], int contig, int bcast, char *bufs,
                         const npy_intp *itemsize, char *out) {
    int nin = K->nin, st = 0;
    npy_intp n = rshape[rnd - 1], outer = 1, rtotal = 1;
    for (int d = 0; d < rnd; d++) rtotal *= rshape[d];
    outer = n ? rtotal / n : 0;
    npy_intp inner[TS_MAXOPS];
    for (int i = 0; i < nin; i++) inner[i] = rstr[rnd - 1][i];
    for (int pass = 0; pass < K->npass && !st; pass++) {
        K->init[pass](state);
        npy_intp idx[NPY_MAXDIMS + 1];
        for (int d = 0; d < rnd; d++) idx[d] = 0;
        char *ptr[TS_MAXOPS], *q[TS_MAXOPS];
        for (npy_intp it = 0; it < outer && !st; it++) {
            for (int i = 0; i < nin; i++) {
                char *p = base[i];
                for (int d = 0; d < rnd - 1; d++) p += idx[d] * rstr[d][i];
                ptr[i] = p;
            }
            if (!contig) {
                st = K->strided[pass](state, ptr, inner, n);
            } else if (!bcast) {
                st = K->contig[pass](state, ptr, n);
            } else {
                for (int i = 0; i < nin; i++) {
                    if (inner[i] != 0) continue;
                    char *b = bufs + (size_t)i * TS_BLOCK * 8;
                    npy_intp m = n < TS_BLOCK ? n : TS_BLOCK;
                    for (npy_intp j = 0; j < m; j++) memcpy(b + j * itemsize[i], ptr[i], itemsize[i]);
                }
                for (npy_intp off = 0; off < n && !st; off += TS_BLOCK) {
                    npy_intp m = n - off < TS_BLOCK ? n - off : TS_BLOCK;
                    for (int i = 0; i < nin; i++)
                        q[i] = inner[i] == 0 ? bufs + (size_t)i * TS_BLOCK * 8 : ptr[i] + off * itemsize[i];
                    st = K->contig[pass](state, q, m);
                }
            }
            for (int d = rnd - 2; d >= 0; d--) {
                if (++idx[d] < rshape[d]) break;
                idx[d] = 0;
            }
        }
    }
    if (!st) K->finish(state, out);
    return st;
}

static PyObject *ts_rthunk_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    TsRThunk *t = (TsRThunk *)self;
    const TsRKernel *K = t->k;
    int nin = K->nin;
    PyArrayObject *ops[TS_MAXOPS];
    PyArrayObject *res = NULL;
    npy_intp shape[NPY_MAXDIMS], itemsize[TS_MAXOPS];
    int i, d, nd = 0, status = 0;
    char *bufs = NULL;
    if (PyVectorcall_NARGS(nargsf) != 0 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "a thunk takes no arguments");
        return NULL;
    }
    for (i = 0; i < nin; i++) ops[i] = NULL;
    for (i = 0; i < nin; i++) {
        PyObject *v = PyList_GET_ITEM(PyTuple_GET_ITEM(t->in_cells, i), 0);
        if (PyArray_CheckExact(v) && PyArray_TYPE((PyArrayObject *)v) == K->types[i]
            && PyArray_ISALIGNED((PyArrayObject *)v) && PyArray_ISNOTSWAPPED((PyArrayObject *)v)) {
            Py_INCREF(v);
            ops[i] = (PyArrayObject *)v;
        } else {
            if (v == Py_None) {
                PyErr_Format(PyExc_ValueError, "%U: input %d has no value", t->name, i);
                goto fail;
            }
            ops[i] = (PyArrayObject *)PyArray_FROM_OTF(v, K->types[i], NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED);
            if (!ops[i]) goto fail;
        }
        if (PyArray_NDIM(ops[i]) > nd) nd = PyArray_NDIM(ops[i]);
        itemsize[i] = PyArray_ITEMSIZE(ops[i]);
    }
    for (d = 0; d < nd; d++) shape[d] = 1;
    for (i = 0; i < nin; i++) {
        int ndi = PyArray_NDIM(ops[i]), off = nd - ndi;
        for (d = 0; d < ndi; d++) {
            npy_intp n = PyArray_DIMS(ops[i])[d];
            if (n == 1) continue;
            if (shape[off + d] == 1) shape[off + d] = n;
            else if (shape[off + d] != n) { ts_rshape_error(t, ops, nin); goto fail; }
        }
    }
    int reduced[NPY_MAXDIMS];
    for (d = 0; d < nd; d++) reduced[d] = 0;
    for (i = 0; i < t->naxes; i++) {
        if (t->axes[i] >= nd) {
            PyErr_Format(PyExc_ValueError, "%U: axis %d out of range for %d dimensions", t->prefix,
                         t->axes[i], nd);
            goto fail;
        }
        reduced[t->axes[i]] = 1;
    }
    if (K->nonempty) {
        for (d = 0; d < nd; d++) {
            if (reduced[d] && shape[d] == 0) {
                PyObject *tup = ts_shape_tuple(nd, shape);
                if (tup) {
                    PyErr_Format(PyExc_ValueError, "%U: zero-size array along a reduced axis (shape %R) "
                                 "has no identity", t->prefix, tup);
                    Py_DECREF(tup);
                }
                goto fail;
            }
        }
    }
    /* kept and reduced dimensions, with each input's strides (0 where broadcast) */
    npy_intp kshape[NPY_MAXDIMS], kstr[NPY_MAXDIMS][TS_MAXOPS];
    npy_intp rshape[NPY_MAXDIMS + 1], rstr[NPY_MAXDIMS + 1][TS_MAXOPS];
    int knd = 0, rnd = 0;
    npy_intp ktotal = 1, rtotal = 1;
    for (d = 0; d < nd; d++) {
        npy_intp st[TS_MAXOPS];
        for (i = 0; i < nin; i++) {
            int ndi = PyArray_NDIM(ops[i]), di = d - (nd - ndi);
            st[i] = (di < 0 || PyArray_DIMS(ops[i])[di] == 1) ? 0 : PyArray_STRIDES(ops[i])[di];
        }
        if (!reduced[d]) {
            kshape[knd] = shape[d];
            for (i = 0; i < nin; i++) kstr[knd][i] = st[i];
            knd++;
            ktotal *= shape[d];
        } else {
            rtotal *= shape[d];
            if (shape[d] == 1) continue;
            rshape[rnd] = shape[d];
            for (i = 0; i < nin; i++) rstr[rnd][i] = st[i];
            rnd++;
        }
    }
    res = (PyArrayObject *)PyArray_SimpleNew(knd, kshape, K->out_type);
    if (!res) goto fail;
    if (ktotal == 0) goto done;
    if (rtotal == 0) { rnd = 1; rshape[0] = 0; for (i = 0; i < nin; i++) rstr[0][i] = 0; }
    /* reduced dimensions by decreasing stride of the first strided input (the innermost the
       smallest), then merged where contiguous in every input */
    {
        int ref = 0;
        for (i = 0; i < nin; i++) { int any = 0; for (d = 0; d < rnd; d++) if (rstr[d][i]) any = 1; if (any) { ref = i; break; } }
        for (int a = 1; a < rnd; a++) {
            for (int b = a; b > 0; b--) {
                npy_intp x = rstr[b - 1][ref], y = rstr[b][ref];
                if (x < 0) x = -x;
                if (y < 0) y = -y;
                if (x >= y) break;
                npy_intp tmp = rshape[b]; rshape[b] = rshape[b - 1]; rshape[b - 1] = tmp;
                for (i = 0; i < nin; i++) { tmp = rstr[b][i]; rstr[b][i] = rstr[b - 1][i]; rstr[b - 1][i] = tmp; }
            }
        }
        int m = 0;
        for (d = 0; d < rnd; d++) {
            int merge = m > 0;
            if (merge)
                for (i = 0; i < nin; i++)
                    if (rstr[m - 1][i] != rstr[d][i] * rshape[d]) { merge = 0; break; }
            if (merge) {
                rshape[m - 1] *= rshape[d];
                for (i = 0; i < nin; i++) rstr[m - 1][i] = rstr[d][i];
            } else {
                rshape[m] = rshape[d];
                for (i = 0; i < nin; i++) rstr[m][i] = rstr[d][i];
                m++;
            }
        }
        rnd = m;
    }
    if (rnd == 0) { rnd = 1; rshape[0] = 1; for (i = 0; i < nin; i++) rstr[0][i] = 0; }
    int contig = 1, bcast = 0;
    for (i = 0; i < nin; i++) {
        npy_intp s = rstr[rnd - 1][i];
        if (s == 0 && rshape[rnd - 1] > 1) bcast = 1;
        else if (s != itemsize[i] && rshape[rnd - 1] > 1) contig = 0;
    }
    if (contig && bcast) {
        bufs = (char *)malloc((size_t)nin * TS_BLOCK * 8);
        if (!bufs) { PyErr_NoMemory(); goto fail; }
    }
    {
        double state[2 * TS_LANES + 2];
        npy_intp kidx[NPY_MAXDIMS];
        for (d = 0; d < knd; d++) kidx[d] = 0;
        char *base[TS_MAXOPS];
        char *outp = PyArray_BYTES(res);
        npy_intp osz = PyArray_ITEMSIZE(res);
        PyThreadState *ts_save = NULL;
        if (ktotal * rtotal >= TS_NOGIL_SIZE) ts_save = PyEval_SaveThread();
        for (npy_intp o = 0; o < ktotal && !status; o++) {
            for (i = 0; i < nin; i++) {
                char *p = PyArray_BYTES(ops[i]);
                for (d = 0; d < knd; d++) p += kidx[d] * kstr[d][i];
                base[i] = p;
            }
            status = ts_reduce_one(K, (char *)state, base, rnd, rshape, rstr, contig, bcast, bufs, itemsize,
                                   outp + o * osz);
            for (d = knd - 1; d >= 0; d--) {
                if (++kidx[d] < kshape[d]) break;
                kidx[d] = 0;
            }
        }
        if (ts_save) PyEval_RestoreThread(ts_save);
    }
    if (status) {
        PyErr_Format(PyExc_ValueError, "%s (in %U)", ts_status_message(status), t->name);
        goto fail;
    }
done:
    free(bufs);
    for (i = 0; i < nin; i++) Py_DECREF(ops[i]);
    PyList_SetItem(PyTuple_GET_ITEM(t->out_cells, 0), 0, (PyObject *)res);  /* steals */
    Py_RETURN_NONE;
fail:
    free(bufs);
    Py_XDECREF(res);
    for (i = 0; i < nin; i++) Py_XDECREF(ops[i]);
    return NULL;
}

@THUNK_TYPE@
static PyObject *ts_make_reduce_thunk(PyObject *mod, PyObject *args) {
    int ki;
    PyObject *node, *name, *prefix, *in_cells, *out_cells, *axes;
    if (!PyArg_ParseTuple(args, "iOUUO!O!O!", &ki, &node, &name, &prefix, &PyTuple_Type, &in_cells,
                          &PyTuple_Type, &out_cells, &PyTuple_Type, &axes))
        return NULL;
    if (ki < 0 || ki >= TS_NRKERNELS) { PyErr_SetString(PyExc_IndexError, "no such kernel"); return NULL; }
    const TsRKernel *K = &TS_RKERNELS[ki];
    if (PyTuple_GET_SIZE(in_cells) != K->nin || PyTuple_GET_SIZE(out_cells) != 1
        || PyTuple_GET_SIZE(axes) > NPY_MAXDIMS) {
        PyErr_SetString(PyExc_ValueError, "make_reduce_thunk: wrong number of cells or axes");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < K->nin + 1; i++) {
        PyObject *c = i < K->nin ? PyTuple_GET_ITEM(in_cells, i) : PyTuple_GET_ITEM(out_cells, 0);
        if (!PyList_CheckExact(c) || PyList_GET_SIZE(c) != 1) {
            PyErr_SetString(PyExc_TypeError, "make_reduce_thunk: cells are one-element lists");
            return NULL;
        }
    }
    TsRThunk *t = PyObject_New(TsRThunk, &TsRThunkType);
    if (!t) return NULL;
    t->vectorcall = ts_rthunk_call;
    t->k = K;
    t->kernel_index = ki;
    Py_INCREF(node); t->node = node;
    Py_INCREF(name); t->name = name;
    Py_INCREF(prefix); t->prefix = prefix;
    Py_INCREF(in_cells); t->in_cells = in_cells;
    Py_INCREF(out_cells); t->out_cells = out_cells;
    t->naxes = (int)PyTuple_GET_SIZE(axes);
    for (int i = 0; i < t->naxes; i++) {
        long v = PyLong_AsLong(PyTuple_GET_ITEM(axes, i));
        if ((v == -1 && PyErr_Occurred()) || v < 0 || v >= NPY_MAXDIMS) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "make_reduce_thunk: bad axis");
            Py_DECREF(t);
            return NULL;
        }
        t->axes[i] = (int)v;
    }
    return (PyObject *)t;
}

#define TS_EXTRA_METHODS {"make_reduce_thunk", ts_make_reduce_thunk, METH_VARARGS, \
     "make_reduce_thunk(kernel_index, node, name, prefix, input_cells, output_cells, axes)"},
#define TS_EXTRA_INIT if (PyType_Ready(&TsRThunkType) < 0) return NULL;
"""
REDUCE_DRIVER = REDUCE_DRIVER.replace("@THUNK_TYPE@\n", c_runtime.thunk_type(
    "TsRThunk", "rthunk", "tensorsmith_ccompile.CReduceThunk",
    "A compiled reduction thunk (call without arguments).",
    ("node", "name", "prefix", "in_cells", "out_cells")))


def reduce_axes(node):
    """The reduced axes of a reduction node."""
    op = node.op
    return tuple(getattr(op, "reduce_op", op).axis)


def _register():
    from tensorsmith_tensorops.composite import FusedReduce
    from tensorsmith_tensorops.reduction import CAReduce, LogSumExp

    node_impls.register(CAReduce)(careduce_kernel)
    node_impls.register(FusedReduce)(fused_reduce_kernel)
    node_impls.register(LogSumExp)(logsumexp_kernel)


_register()
