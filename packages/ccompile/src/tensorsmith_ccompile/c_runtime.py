"""The C text every generated module shares: the thunk type and the driver
that runs one elementwise kernel on arrays.

A thunk (``TsThunk``, callable without arguments, vectorcall) holds its
kernel, its node, the node's description, its input and output storage
cells (one-element lists) and the in-place pattern.  A call:

1. reads the input cells (arrays of the kernel's dtypes, made so when not);
2. broadcasts the shapes (NumPy rules); a mismatch raises ``ValueError``
   naming the node and the shapes;
3. takes each output's buffer: the input its in-place pattern names when
   that array is writeable, of the output's dtype and shape and overlaps no
   other input, else a new C-ordered array;
4. merges dimensions that are contiguous in every operand (a contiguous or
   0-d-broadcast call becomes one flat loop), then runs the kernel row by
   row: the contiguous kernel when every operand's inner stride is its item
   size or 0 (broadcast values are handed in as a block of copies), else
   the strided one; the GIL is released above ``TS_NOGIL_SIZE`` elements;
5. stores the outputs in their cells.

``PREFIX`` comes before the kernels, ``DRIVER`` after them, then the module
table (``module_tail``)."""

PREFIX = r"""#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <numpy/arrayobject.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#define TS_MAXOPS 64
#define TS_BLOCK 1024
#define TS_NOGIL_SIZE 32768

typedef int (*ts_contig_fn)(char **p, npy_intp n);
typedef int (*ts_strided_fn)(char **p, const npy_intp *s, npy_intp n);
typedef struct { int nin, nout; const int *types; ts_contig_fn contig; ts_strided_fn strided; } TsKernel;
"""

DRIVER = r"""
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    const TsKernel *k;
    int kernel_index;
    PyObject *node, *name, *in_cells, *out_cells;
    int inplace[TS_MAXOPS];
} TsThunk;

static void ts_bounds(PyArrayObject *a, char **lo, char **hi) {
    char *l = PyArray_BYTES(a), *h = PyArray_BYTES(a);
    int nd = PyArray_NDIM(a);
    npy_intp *dims = PyArray_DIMS(a), *st = PyArray_STRIDES(a);
    for (int d = 0; d < nd; d++) {
        if (dims[d] == 0) { *lo = *hi = PyArray_BYTES(a); return; }
        npy_intp ext = (dims[d] - 1) * st[d];
        if (ext < 0) l += ext; else h += ext;
    }
    *lo = l; *hi = h + PyArray_ITEMSIZE(a);
}

static int ts_can_receive(PyArrayObject **ops, int nin, int src, int type, int nd, const npy_intp *shape) {
    PyArrayObject *b = ops[src];
    if (!PyArray_CheckExact((PyObject *)b) || PyArray_TYPE(b) != type || PyArray_NDIM(b) != nd
        || !PyArray_ISWRITEABLE(b) || !PyArray_ISALIGNED(b) || !PyArray_ISNOTSWAPPED(b))
        return 0;
    for (int d = 0; d < nd; d++) if (PyArray_DIMS(b)[d] != shape[d]) return 0;
    char *blo, *bhi;
    ts_bounds(b, &blo, &bhi);
    for (int j = 0; j < nin; j++) {
        if (j == src || ops[j] == b) continue;
        char *lo, *hi;
        ts_bounds(ops[j], &lo, &hi);
        if (lo < bhi && blo < hi) return 0;
    }
    return 1;
}

static void ts_shape_error(TsThunk *t, PyArrayObject **ops, int nin) {
    PyObject *parts = PyList_New(0);
    if (!parts) return;
    for (int i = 0; i < nin; i++) {
        PyObject *tup = PyTuple_New(PyArray_NDIM(ops[i]));
        if (!tup) { Py_DECREF(parts); return; }
        for (int d = 0; d < PyArray_NDIM(ops[i]); d++)
            PyTuple_SET_ITEM(tup, d, PyLong_FromSsize_t(PyArray_DIMS(ops[i])[d]));
        PyObject *r = PyObject_Repr(tup);
        Py_DECREF(tup);
        if (!r || PyList_Append(parts, r) < 0) { Py_XDECREF(r); Py_DECREF(parts); return; }
        Py_DECREF(r);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    if (joined)
        PyErr_Format(PyExc_ValueError, "Incompatible shapes for broadcasting in %U: %U", t->name, joined);
    Py_XDECREF(sep); Py_XDECREF(joined); Py_DECREF(parts);
}

static int ts_run(const TsKernel *K, PyArrayObject **ops, int nd, const npy_intp *shape, int *status) {
    int nop = K->nin + K->nout, nin = K->nin;
    npy_intp cshape[NPY_MAXDIMS + 1];
    npy_intp cstr[TS_MAXOPS][NPY_MAXDIMS + 1];
    npy_intp itemsize[TS_MAXOPS];
    int cd = 0;
    npy_intp total = 1;
    for (int d = 0; d < nd; d++) total *= shape[d];
    if (total == 0) return 0;
    for (int i = 0; i < nop; i++) itemsize[i] = PyArray_ITEMSIZE(ops[i]);
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 1) continue;
        npy_intp st[TS_MAXOPS];
        for (int i = 0; i < nop; i++) {
            int ndi = PyArray_NDIM(ops[i]), di = d - (nd - ndi);
            st[i] = (di < 0 || PyArray_DIMS(ops[i])[di] == 1) ? 0 : PyArray_STRIDES(ops[i])[di];
        }
        int merge = cd > 0;
        if (merge)
            for (int i = 0; i < nop; i++)
                if (cstr[i][cd - 1] != st[i] * shape[d]) { merge = 0; break; }
        if (merge) {
            cshape[cd - 1] *= shape[d];
            for (int i = 0; i < nop; i++) cstr[i][cd - 1] = st[i];
        } else {
            cshape[cd] = shape[d];
            for (int i = 0; i < nop; i++) cstr[i][cd] = st[i];
            cd++;
        }
    }
    if (cd == 0) {  /* one element */
        cshape[0] = 1;
        for (int i = 0; i < nop; i++) cstr[i][0] = itemsize[i];
        cd = 1;
    }
    npy_intp n = cshape[cd - 1];
    int contig = 1, bcast = 0;
    for (int i = 0; i < nop; i++) {
        npy_intp s = cstr[i][cd - 1];
        if (s == 0 && i < nin) bcast = 1;
        else if (s != itemsize[i]) contig = 0;
    }
    npy_intp inner[TS_MAXOPS];
    for (int i = 0; i < nop; i++) inner[i] = cstr[i][cd - 1];
    char *bufs = NULL;
    if (contig && bcast) {
        bufs = (char *)malloc((size_t)nin * TS_BLOCK * 8);
        if (!bufs) { PyErr_NoMemory(); return -1; }
    }
    char *filled[TS_MAXOPS];
    for (int i = 0; i < nop; i++) filled[i] = NULL;
    npy_intp outer = total / n;
    npy_intp idx[NPY_MAXDIMS + 1];
    for (int d = 0; d < cd; d++) idx[d] = 0;
    char *ptr[TS_MAXOPS], *q[TS_MAXOPS];
    int st = 0;
    PyThreadState *ts_save = NULL;
    if (total >= TS_NOGIL_SIZE) ts_save = PyEval_SaveThread();
    for (npy_intp it = 0; it < outer && !st; it++) {
        for (int i = 0; i < nop; i++) {
            char *p = PyArray_BYTES(ops[i]);
            for (int d = 0; d < cd - 1; d++) p += idx[d] * cstr[i][d];
            ptr[i] = p;
        }
        if (!contig) {
            st = K->strided(ptr, inner, n);
        } else if (!bcast || n == 1) {
            st = K->contig(ptr, n);
        } else {
            for (int i = 0; i < nin; i++) {
                if (inner[i] != 0 || filled[i] == ptr[i]) continue;
                char *b = bufs + (size_t)i * TS_BLOCK * 8;
                for (npy_intp j = 0; j < TS_BLOCK; j++) memcpy(b + j * itemsize[i], ptr[i], itemsize[i]);
                filled[i] = ptr[i];
            }
            for (npy_intp off = 0; off < n && !st; off += TS_BLOCK) {
                npy_intp m = n - off < TS_BLOCK ? n - off : TS_BLOCK;
                for (int i = 0; i < nop; i++)
                    q[i] = (i < nin && inner[i] == 0) ? bufs + (size_t)i * TS_BLOCK * 8 : ptr[i] + off * itemsize[i];
                st = K->contig(q, m);
            }
        }
        for (int d = cd - 2; d >= 0; d--) {
            if (++idx[d] < cshape[d]) break;
            idx[d] = 0;
        }
    }
    if (ts_save) PyEval_RestoreThread(ts_save);
    free(bufs);
    *status = st;
    return 0;
}

static PyObject *ts_thunk_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    TsThunk *t = (TsThunk *)self;
    const TsKernel *K = t->k;
    int nin = K->nin, nout = K->nout, nop = nin + nout;
    PyArrayObject *ops[TS_MAXOPS];
    npy_intp shape[NPY_MAXDIMS];
    int i, d, nd = 0, status = 0;
    if (PyVectorcall_NARGS(nargsf) != 0 || (kwnames && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "a thunk takes no arguments");
        return NULL;
    }
    for (i = 0; i < nop; i++) ops[i] = NULL;
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
    }
    for (d = 0; d < nd; d++) shape[d] = 1;
    for (i = 0; i < nin; i++) {
        int ndi = PyArray_NDIM(ops[i]), off = nd - ndi;
        for (d = 0; d < ndi; d++) {
            npy_intp n = PyArray_DIMS(ops[i])[d];
            if (n == 1) continue;
            if (shape[off + d] == 1) shape[off + d] = n;
            else if (shape[off + d] != n) { ts_shape_error(t, ops, nin); goto fail; }
        }
    }
    for (i = 0; i < nout; i++) {
        int src = t->inplace[i];
        if (src >= 0 && ts_can_receive(ops, nin, src, K->types[nin + i], nd, shape)) {
            int taken = 0;
            for (int j = 0; j < i; j++) if (ops[nin + j] == ops[src]) taken = 1;
            if (!taken) { Py_INCREF(ops[src]); ops[nin + i] = ops[src]; continue; }
        }
        ops[nin + i] = (PyArrayObject *)PyArray_SimpleNew(nd, shape, K->types[nin + i]);
        if (!ops[nin + i]) goto fail;
    }
    if (ts_run(K, ops, nd, shape, &status) < 0) goto fail;
    if (status) {
        PyErr_Format(PyExc_ValueError, "%s (in %U)", ts_status_message(status), t->name);
        goto fail;
    }
    for (i = 0; i < nin; i++) Py_DECREF(ops[i]);
    for (i = 0; i < nout; i++)
        PyList_SetItem(PyTuple_GET_ITEM(t->out_cells, i), 0, (PyObject *)ops[nin + i]);  /* steals */
    Py_RETURN_NONE;
fail:
    for (i = 0; i < nop; i++) Py_XDECREF(ops[i]);
    return NULL;
}

@THUNK_TYPE@
static PyObject *ts_make_thunk(PyObject *mod, PyObject *args) {
    int ki;
    PyObject *node, *name, *in_cells, *out_cells, *inplace;
    if (!PyArg_ParseTuple(args, "iOUO!O!O!", &ki, &node, &name, &PyTuple_Type, &in_cells,
                          &PyTuple_Type, &out_cells, &PyTuple_Type, &inplace))
        return NULL;
    if (ki < 0 || ki >= TS_NKERNELS) { PyErr_SetString(PyExc_IndexError, "no such kernel"); return NULL; }
    const TsKernel *K = &TS_KERNELS[ki];
    if (PyTuple_GET_SIZE(in_cells) != K->nin || PyTuple_GET_SIZE(out_cells) != K->nout
        || PyTuple_GET_SIZE(inplace) != K->nout) {
        PyErr_SetString(PyExc_ValueError, "make_thunk: wrong number of cells");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < K->nin + K->nout; i++) {
        PyObject *c = i < K->nin ? PyTuple_GET_ITEM(in_cells, i) : PyTuple_GET_ITEM(out_cells, i - K->nin);
        if (!PyList_CheckExact(c) || PyList_GET_SIZE(c) != 1) {
            PyErr_SetString(PyExc_TypeError, "make_thunk: cells are one-element lists");
            return NULL;
        }
    }
    TsThunk *t = PyObject_New(TsThunk, &TsThunkType);
    if (!t) return NULL;
    t->vectorcall = ts_thunk_call;
    t->k = K;
    t->kernel_index = ki;
    Py_INCREF(node); t->node = node;
    Py_INCREF(name); t->name = name;
    Py_INCREF(in_cells); t->in_cells = in_cells;
    Py_INCREF(out_cells); t->out_cells = out_cells;
    for (int i = 0; i < K->nout; i++) {
        long v = PyLong_AsLong(PyTuple_GET_ITEM(inplace, i));
        if (v == -1 && PyErr_Occurred()) { Py_DECREF(t); return NULL; }
        t->inplace[i] = (v >= 0 && v < K->nin) ? (int)v : -1;
    }
    return (PyObject *)t;
}

#ifndef TS_EXTRA_METHODS
#define TS_EXTRA_METHODS
#endif
#ifndef TS_EXTRA_INIT
#define TS_EXTRA_INIT
#endif

static PyMethodDef ts_methods[] = {
    {"make_thunk", ts_make_thunk, METH_VARARGS,
     "make_thunk(kernel_index, node, name, input_cells, output_cells, inplace)"},
    TS_EXTRA_METHODS
    {NULL, NULL, 0, NULL}
};
"""


def thunk_type(struct, stem, tp_name, doc, objects):
    """The C of a compiled thunk's Python type (shared by the elementwise and
    the reduction thunks): ``struct`` (a C struct whose head has
    ``vectorcall``, ``kernel_index``, ``node``, ``name``, ``in_cells`` and
    ``out_cells``), its functions named ``ts_<stem>_...``, the type
    ``<struct>Type``; ``objects``: the struct's object fields released on
    deallocation."""
    decrefs = " ".join(f"Py_XDECREF(t->{o});" for o in objects)
    return f"""static void ts_{stem}_dealloc(PyObject *self) {{
    {struct} *t = ({struct} *)self;
    {decrefs}
    Py_TYPE(self)->tp_free(self);
}}

static PyObject *ts_{stem}_backend(PyObject *self, void *closure) {{ return PyUnicode_FromString("c"); }}

static PyMemberDef ts_{stem}_members[] = {{
    {{"node", T_OBJECT, offsetof({struct}, node), READONLY, "the node"}},
    {{"name", T_OBJECT, offsetof({struct}, name), READONLY, "the node's description"}},
    {{"input_cells", T_OBJECT, offsetof({struct}, in_cells), READONLY, "input storage cells"}},
    {{"output_cells", T_OBJECT, offsetof({struct}, out_cells), READONLY, "output storage cells"}},
    {{"kernel_index", T_INT, offsetof({struct}, kernel_index), READONLY, "the kernel's index"}},
    {{NULL}}
}};

static PyGetSetDef ts_{stem}_getset[] = {{{{"backend", ts_{stem}_backend, NULL, "'c'", NULL}}, {{NULL}}}};

static PyTypeObject {struct}Type = {{
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "{tp_name}",
    .tp_basicsize = sizeof({struct}),
    .tp_dealloc = ts_{stem}_dealloc,
    .tp_vectorcall_offset = offsetof({struct}, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_members = ts_{stem}_members,
    .tp_getset = ts_{stem}_getset,
    .tp_doc = "{doc}",
}};

"""


DRIVER = DRIVER.replace("@THUNK_TYPE@\n", thunk_type(
    "TsThunk", "thunk", "tensorsmith_ccompile.CThunk",
    "A compiled elementwise thunk (call without arguments).",
    ("node", "name", "in_cells", "out_cells")))


def status_function(messages):
    """``ts_status_message(code)``: the C function giving each status's message."""
    cases = "".join(f'    case {k}: return "{m}";\n' for k, m in sorted(messages.items()))
    return ("static const char *ts_status_message(int s) {\n    switch (s) {\n" + cases
            + '    default: return "error in a compiled kernel";\n    }\n}\n')


def module_tail(module_name, n_kernels):
    return f"""
static struct PyModuleDef ts_module = {{PyModuleDef_HEAD_INIT, "{module_name}", NULL, -1, ts_methods}};

PyMODINIT_FUNC PyInit_{module_name}(void) {{
    import_array();
    if (PyType_Ready(&TsThunkType) < 0) return NULL;
    TS_EXTRA_INIT
    PyObject *m = PyModule_Create(&ts_module);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "n_kernels", {n_kernels}) < 0) {{ Py_DECREF(m); return NULL; }}
    return m;
}}
"""


# glibc's vector math library (libmvec): the functions with SIMD variants on
# x86-64 (every ISA: SSE4, AVX, AVX2, AVX-512), double and float ("f").  The
# first five exist since glibc 2.22, the rest since 2.35.
LIBMVEC_BASIC = ("exp", "log", "sin", "cos", "pow")
LIBMVEC_235 = ("acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "cosh", "erf",
               "erfc", "exp10", "exp2", "expm1", "hypot", "log10", "log1p", "log2", "sinh", "tan",
               "tanh")


def vector_math_prefix(functions, target):
    """Declarations giving ``functions`` (libm names) GCC's ``simd`` attribute,
    so the vectorizer calls libmvec's variants, and ``target`` (for instance
    ``"avx2,fma"``; None: the compiler's default) for the kernels that follow
    (closed by ``VECTOR_MATH_SUFFIX``)."""
    lines = ["#define TS_SIMD __attribute__((__simd__(\"notinbranch\")))"]
    for fn in functions:
        nargs = 2 if fn in ("pow", "atan2", "hypot") else 1
        for T, suffix in (("double", ""), ("float", "f")):
            args = ", ".join([T] * nargs)
            lines.append(f"extern {T} {fn}{suffix}({args}) TS_SIMD;")
    lines.append("#pragma GCC push_options")
    if target:
        lines.append(f'#pragma GCC target("{target}")')
    return "\n".join(lines) + "\n"


VECTOR_MATH_SUFFIX = "#pragma GCC pop_options\n"
