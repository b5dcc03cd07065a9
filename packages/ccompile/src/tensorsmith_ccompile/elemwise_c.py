"""C kernels of ``Elemwise`` nodes: one scalar op, or a fused ``Composite``.

A node becomes a ``NodeKernel``: its input and output dtypes, the loop body
(C statements reading ``x0, x1, ...`` and defining ``r0, r1, ...``), the
helper functions the body calls, and the in-place pattern.  ``c_functions``
renders two C functions from it:

``<name>_c(char **p, npy_intp n)``
    the contiguous loop: every operand a contiguous run of ``n`` elements
    (the driver hands broadcast scalars in as a block of copies), written as
    a flat indexed loop the compiler vectorizes;
``<name>_s(char **p, const npy_intp *s, npy_intp n)``
    the strided loop over one dimension, byte strides per operand (0 for a
    broadcast operand).

The driver (``c_runtime.py``) broadcasts the shapes, allocates the outputs,
merges dimensions and calls one of them per innermost row.  Both return a
status (0, or a code of ``c_impls.STATUS_MESSAGES``)."""
import numpy as np

from .c_impls import CTYPES, RenderContext, cast, literal, node_impls, render_scalar

__all__ = ["NodeKernel", "elemwise_kernel", "composite_body", "c_functions"]


class NodeKernel:
    """What the code generator needs of one node (see the module docstring).

    ``signature``: the text that identifies the kernel (equal signatures:
    one C function serves both nodes).  ``name``: the node's description for
    error messages."""

    __slots__ = ("in_dtypes", "out_dtypes", "body", "helpers", "inplace", "name", "signature")

    def __init__(self, in_dtypes, out_dtypes, body, helpers, inplace, name):
        self.in_dtypes = tuple(in_dtypes)
        self.out_dtypes = tuple(out_dtypes)
        self.body = tuple(body)
        self.helpers = dict(helpers)
        self.inplace = tuple(inplace)
        self.name = name
        self.signature = "\n".join((repr(self.in_dtypes), repr(self.out_dtypes)) + self.body)


def composite_body(comp, in_dtypes, out_dtypes, ctx):
    """Statements computing ``r0..`` (of ``out_dtypes``) from ``x0..`` (of
    ``in_dtypes``) for the ``Composite`` ``comp``; None when some inner op or
    constant has no C form."""
    try:
        dts = comp.value_dtypes(list(in_dtypes))
    except Exception:  # noqa: BLE001 - no dtypes: no C
        return None
    if any(d not in CTYPES for d in dts):
        return None
    names = [f"x{i}" for i in range(comp.nin)]
    for c in comp.constants:
        if c.ndim != 0 or c.dtype.name not in CTYPES:
            return None
        names.append(literal(c.item(), c.dtype.name))
    body = []
    v = len(names)
    for op, ins in comp.nodes:
        exprs = render_scalar(op, ctx, [names[i] for i in ins], [dts[i] for i in ins])
        if exprs is None:
            return None
        for k, e in enumerate(exprs):
            body.append(f"const {CTYPES[dts[v + k]]} v{v + k} = {e};")
            names.append(f"v{v + k}")
        v += len(exprs)
    for k, (o, od) in enumerate(zip(comp.outputs, out_dtypes)):
        body.append(f"const {CTYPES[od]} r{k} = {cast(names[o], dts[o], od)};")
    return body


def _display_name(op):
    """The node's op for messages: a composite with the names of the ops it fused."""
    so = op.scalar_op
    nodes = getattr(so, "nodes", None)
    if nodes is None or not hasattr(so, "constants"):
        return str(op)
    seen = []
    for inner, _ in nodes:
        n = getattr(inner, "name", None) or type(inner).__name__.lower()
        if n not in seen:
            seen.append(n)
    return f"{op} (fused from {', '.join(seen)})"


def elemwise_kernel(node):
    """The ``NodeKernel`` of an ``Elemwise`` node, or None (no C form)."""
    from tensorsmith_tensorops.composite import Composite
    from tensorsmith_tensorops.elemwise import Elemwise

    op = node.op
    if type(op).perform is not Elemwise.perform:
        return None
    try:
        in_dtypes = [v.type.dtype for v in node.inputs]
        out_dtypes = [v.type.dtype for v in node.outputs]
        _ = [len(v.type.shape) for v in node.inputs + node.outputs]
    except AttributeError:
        return None
    if any(d not in CTYPES for d in in_dtypes + out_dtypes):
        return None
    if len(in_dtypes) + len(out_dtypes) > MAX_OPERANDS:
        return None
    so = op.scalar_op
    ctx = RenderContext()
    if type(so) is Composite:
        body = composite_body(so, in_dtypes, out_dtypes, ctx)
    else:
        exprs = render_scalar(so, ctx, [f"x{i}" for i in range(len(in_dtypes))], in_dtypes)
        if exprs is None or len(exprs) != len(out_dtypes):
            return None
        declared = so.output_dtypes(list(in_dtypes))
        body = [f"const {CTYPES[od]} r{k} = {cast(e, d, od)};"
                for k, (e, d, od) in enumerate(zip(exprs, declared, out_dtypes))]
    if body is None:
        return None
    pattern = op.inplace_pattern
    inplace = [pattern.get(k, -1) for k in range(len(out_dtypes))]
    return NodeKernel(in_dtypes, out_dtypes, body, ctx.helpers, inplace, _display_name(op))


#: the most operands (inputs + outputs) a kernel takes (the driver's arrays)
MAX_OPERANDS = 64

_IVDEP = ("#if defined(__clang__)\n#define TS_IVDEP _Pragma(\"clang loop vectorize(assume_safety)\")\n"
          "#elif defined(__GNUC__)\n#define TS_IVDEP _Pragma(\"GCC ivdep\")\n#else\n#define TS_IVDEP\n#endif\n")


def c_functions(kernel, name):
    """The C text of ``<name>_c`` and ``<name>_s`` for ``kernel``."""
    nin = len(kernel.in_dtypes)
    body = "\n        ".join(kernel.body)
    # per kind: (signature, declarations, loop pragma, load, store) with {i}/{T} filled in
    kinds = [
        ("c", "char **p, npy_intp n",
         "    const {T} *in{i} = (const {T} *)p[{i}];", "    {T} *out{k} = ({T} *)p[{j}];",
         "    TS_IVDEP\n", "in{i}[k]", "out{k}[k]"),
        ("s", "char **p, const npy_intp *s, npy_intp n",
         "    const char *q{i} = p[{i}]; const npy_intp s{i} = s[{i}];",
         "    char *w{k} = p[{j}]; const npy_intp t{k} = s[{j}];",
         "", "*(const {T} *)(q{i} + k * s{i})", "*({T} *)(w{k} + k * t{k})"),
    ]
    text = []
    for suffix, params, in_decl, out_decl, pragma, load, store in kinds:
        lines = [f"static int {name}_{suffix}({params}) {{", "    int st = 0;"]
        for i, d in enumerate(kernel.in_dtypes):
            lines.append(in_decl.format(i=i, T=CTYPES[d]))
        for k, d in enumerate(kernel.out_dtypes):
            lines.append(out_decl.format(k=k, j=nin + k, T=CTYPES[d]))
        lines.append(pragma + "    for (npy_intp k = 0; k < n; k++) {")
        for i, d in enumerate(kernel.in_dtypes):
            lines.append(f"        const {CTYPES[d]} x{i} = " + load.format(i=i, T=CTYPES[d]) + ";")
        lines.append(f"        {body}")
        for k, d in enumerate(kernel.out_dtypes):
            lines.append("        " + store.format(k=k, T=CTYPES[d]) + f" = r{k};")
        lines += ["    }", "    return st;", "}"]
        text.append("\n".join(lines))
    return "\n\n".join(text) + "\n"


def typenums(kernel):
    """NumPy type numbers of the kernel's operands (inputs, then outputs)."""
    return [np.dtype(d).num for d in kernel.in_dtypes + kernel.out_dtypes]


def _render_elemwise(node):
    return elemwise_kernel(node)


def _register():
    from tensorsmith_tensorops.elemwise import Elemwise

    node_impls.register(Elemwise)(_render_elemwise)


_register()
