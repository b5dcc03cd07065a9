"""``CLinker``: the C linker (registered as ``"c"``).

``Mode(linker="c", optimizer="FAST_RUN")`` compiles with it (``ts``: the
``tensorsmith`` frontend, which this package never imports)::

    f = ts.function([x], y, mode=ts.Mode(linker="c", optimizer="FAST_RUN"))

At ``plan(fgraph)`` every node whose op has a C implementation (registry
``c_impls.node_impls``: today ``Elemwise`` over the scalar ops of
``c_impls.scalar_impls``, fused ``Composite`` included) is rendered into ONE
translation unit for the whole function, one C function per distinct kernel
(equal kernels are shared), compiled through the compile cache (one
compiler call for a function never seen; none when the cache has it).  Each
such node then runs a compiled thunk; every other node its Python
``perform`` (the reference linker's thunk).

When no C compiler is found, or compiling fails, the whole function runs in
Python, after one ``CLinkerWarning`` that says why.

Which nodes run in C: ``node_backends(f)`` lists ``(node, "c" or "py")`` for
a compiled function ``f`` (``print(backend_report(f))`` for a table); the
``CSchedule`` that ``plan`` returns has the same list as ``backends``, and
the linker keeps the last one as ``last_backends``."""
import hashlib
import warnings

from tensorsmith_graphcore.link import Linker, Schedule, perform_thunk

from . import c_runtime
from .c_impls import STATUS_MESSAGES, node_impls
from . import reduce_c
from .elemwise_c import _IVDEP, c_functions, typenums
from .reduce_c import ReduceKernel

__all__ = ["CLinker", "CSchedule", "CLinkerWarning", "node_backends", "backend_report",
           "render_module"]


class CLinkerWarning(UserWarning):
    """The C linker runs a function in Python (no compiler, compilation failed)."""


class CSchedule(Schedule):
    """A ``Schedule`` with what the C linker compiled for it: ``makers`` (node
    -> callable ``(storage) -> thunk``) and ``backends`` (``(node, "c" or
    "py")`` in execution order)."""

    __slots__ = ("makers", "backends", "module")

    def __init__(self, inputs, outputs, order, dying, makers, backends, module):
        super().__init__(inputs, outputs, order, dying)
        self.makers = makers
        self.backends = backends
        self.module = module


def _location(node):
    try:
        from tensorsmith_graphcore.graph import format_location
        if node.trace is not None:
            return format_location(node.trace)
    except Exception:  # noqa: BLE001 - a message detail
        pass
    return None


def render_module(kernels, vector_math=None):
    """``(source, module_name)`` of the translation unit holding ``kernels``
    (distinct ``NodeKernel``s, in order).  ``vector_math``: None, or
    ``(libm functions with libmvec variants, GCC target or None)`` (see
    ``vector_math_setup``)."""
    helpers = {}
    for k in kernels:
        for name, text in k.helpers.items():
            helpers.setdefault(name, text)
    parts = [c_runtime.PREFIX, _IVDEP]
    if vector_math is not None:
        parts.append(c_runtime.vector_math_prefix(*vector_math))
    parts.extend(helpers.values())
    table, rtable = [], []
    slots = kernel_slots(kernels)
    if any(isinstance(k, ReduceKernel) for k in kernels):
        parts.insert(1, reduce_c.REDUCE_PREFIX)
    for k, slot in zip(kernels, slots):
        if isinstance(k, ReduceKernel):
            fn = f"rk{slot}"
            parts.append(reduce_c.c_functions(k, fn))
            types, entry = reduce_c.table_entry(k, fn)
            parts.append(types)
            rtable.append(entry)
            continue
        fn = f"k{slot}"
        parts.append(c_functions(k, fn))
        types = ", ".join(str(t) for t in typenums(k))
        parts.append(f"static const int {fn}_types[] = {{{types}}};")
        table.append(f"    {{{len(k.in_dtypes)}, {len(k.out_dtypes)}, {fn}_types, {fn}_c, {fn}_s}},")
    if vector_math is not None:
        parts.append(c_runtime.VECTOR_MATH_SUFFIX)
    parts.append(f"#define TS_NKERNELS {len(table)}")
    if not table:  # C has no empty initializer lists
        table.append("    {0, 0, NULL, NULL, NULL},")
    parts.append("static const TsKernel TS_KERNELS[] = {\n" + "\n".join(table) + "\n};")
    parts.append(c_runtime.status_function(STATUS_MESSAGES))
    if rtable:
        parts.append(f"#define TS_NRKERNELS {len(rtable)}")
        parts.append("static const TsRKernel TS_RKERNELS[] = {\n" + "\n".join(rtable) + "\n};")
        parts.append(reduce_c.REDUCE_DRIVER)
    parts.append(c_runtime.DRIVER)
    body = "\n".join(parts)
    name = "ts_ew_" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]
    return body + c_runtime.module_tail(name, len(kernels)), name


def kernel_slots(kernels):
    """Each kernel's index in its module table (elementwise kernels in
    ``TS_KERNELS``, reductions in ``TS_RKERNELS``)."""
    counts = {}
    slots = []
    for k in kernels:
        kind = isinstance(k, ReduceKernel)
        slots.append(counts.get(kind, 0))
        counts[kind] = slots[-1] + 1
    return slots


_VECTOR_MATH = {}


def vector_math_setup(toolchain):
    """``(functions, target)`` for ``render_module`` when the kernels can call
    glibc's vector math library (libmvec) through GCC's ``simd`` attribute:
    GCC on x86-64 Linux with glibc and libmvec loadable.  ``target`` is
    ``"avx2,fma"`` where the CPU has them (the source names it, so the cache
    key differs between machines that differ), else None (SSE2 variants).
    libmvec is loaded once into the process's global symbol table, so the
    compiled modules find its functions without a link flag.  None when any
    of this is missing (the kernels then call scalar libm).  Decided once
    per toolchain."""
    key = id(toolchain)
    if key in _VECTOR_MATH:
        return _VECTOR_MATH[key]
    res = None
    try:
        import ctypes
        import os
        import platform
        import sys

        version = toolchain.version
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
        if (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
                and libc.startswith("glibc ") and "clang" not in version.lower()
                and ("gcc" in version.lower() or "free software foundation" in version.lower())):
            major, minor = (int(p) for p in libc.split()[1].split(".")[:2])
            if (major, minor) >= (2, 22):
                ctypes.CDLL("libmvec.so.1", mode=ctypes.RTLD_GLOBAL)
                fns = c_runtime.LIBMVEC_BASIC
                if (major, minor) >= (2, 35):
                    fns = fns + c_runtime.LIBMVEC_235
                target = None
                try:
                    from numpy._core._multiarray_umath import __cpu_features__ as cpu
                except ImportError:  # NumPy 1
                    from numpy.core._multiarray_umath import __cpu_features__ as cpu
                if cpu.get("AVX2") and cpu.get("FMA3"):
                    target = "avx2,fma"
                res = (fns, target)
    except Exception:  # noqa: BLE001 - no vector math: scalar libm
        res = None
    _VECTOR_MATH[key] = res
    return res


class CLinker(Linker):
    """The C linker (see the module docstring).  ``cache``: the
    ``CompileCache`` to compile through (default: ``get_cache()``, from the
    configuration at each compilation).  ``vector_math``: let the loops call
    glibc's SIMD math functions (libmvec, at most 4 ulp from the correctly
    rounded result, NaN and infinities as libm) where available
    (``vector_math_setup``); False: scalar libm only."""

    def __init__(self, cache=None, vector_math=True):
        self.cache = cache
        self.vector_math = vector_math
        self.last_backends = None

    # -- compiling ----------------------------------------------------------
    def _cache(self):
        if self.cache is not None:
            return self.cache
        from .cache import get_cache

        return get_cache()

    def plan(self, fgraph):
        return self._compile(Linker.plan(self, fgraph))

    def _compile(self, sched):
        """The ``CSchedule`` of the ``Schedule`` ``sched``."""
        order = sched.order
        kernels = []
        index = {}
        node_kernel = []
        for node in order:
            render = node_impls.lookup(type(node.op))
            k = None
            if render is not None:
                try:
                    k = render(node)
                except Exception as e:  # noqa: BLE001 - a renderer bug: run in Python, say so
                    warnings.warn(f"C linker: no C code for {node.op} ({type(e).__name__}: {e}); "
                                  "it runs in Python", CLinkerWarning, stacklevel=3)
                    k = None
            if k is None:
                node_kernel.append(None)
                continue
            ki = index.get(k.signature)
            if ki is None:
                ki = index[k.signature] = len(kernels)
                kernels.append(k)
            node_kernel.append((ki, k))
        module = None
        if kernels:
            module = self._build(kernels, order, node_kernel)
        makers = {}
        backends = []
        slots = kernel_slots(kernels)
        for node, nk in zip(order, node_kernel):
            if nk is None or module is None:
                backends.append((node, "py"))
                continue
            ki, k = nk
            loc = _location(node)
            name = k.name + (f" (built at {loc})" if loc else "")
            if isinstance(k, ReduceKernel):
                makers[node] = _reduce_maker(module, slots[ki], node, name, k.prefix,
                                             reduce_c.reduce_axes(node))
            else:
                makers[node] = _maker(module, slots[ki], node, name, k.inplace)
            backends.append((node, "c"))
        self.last_backends = backends
        return CSchedule(sched.inputs, sched.outputs, order, sched.dying, makers, backends, module)

    def _build(self, kernels, order, node_kernel):
        from .cache import CacheError
        from .toolchain import CompilerNotFound

        try:
            cache = self._cache()
            vm = vector_math_setup(cache.toolchain) if self.vector_math else None
        except CompilerNotFound as e:
            cache, vm = None, None
            why = f"no C compiler ({e})"
        source, name = render_module(kernels, vm)
        c_nodes = [str(n.op) for n, nk in zip(order, node_kernel) if nk is not None]
        desc = f"{len(c_nodes)} node(s): " + "; ".join(c_nodes[:5])
        if len(c_nodes) > 5:
            desc += "; ..."
        try:
            if cache is not None:
                return cache.compile_module(source, name, node_desc=desc)
        except CompilerNotFound as e:
            why = f"no C compiler ({e})"
        except CacheError as e:  # CompileError, UnsafeCacheDir, ...
            why = f"{type(e).__name__}: {e}"
        except (OSError, ImportError) as e:
            why = f"{type(e).__name__}: {e}"
        warnings.warn(f"C linker: the function runs in Python ({len(c_nodes)} node(s) that have C "
                      f"code included) because of {why}", CLinkerWarning, stacklevel=4)
        return None

    # -- thunks ----------------------------------------------------------------
    def make_vm(self, fgraph, *args, **kwargs):
        if isinstance(fgraph, CSchedule):
            plan = fgraph
        elif isinstance(fgraph, Schedule):
            plan = self._compile(fgraph)
        else:
            plan = self.plan(fgraph)
        return Linker.make_vm(_BoundLinker(plan.makers), plan, *args, **kwargs)

    def make_thunk(self, node, storage, dying=()):
        """A thunk for ``node`` alone (compiled as a unit of its own)."""
        sched = Schedule([], [], [node], [tuple(dying)])
        plan = self._compile(sched)
        maker = plan.makers.get(node)
        if maker is None:
            return perform_thunk(node, storage, dying)
        return maker(storage)


class _BoundLinker(Linker):
    """The linker of one compiled function: its nodes' compiled thunk makers
    (the VM's ``relink`` makes thunks again from them, for spare storage)."""

    def __init__(self, makers):
        self.makers = makers

    def make_thunk(self, node, storage, dying=()):
        maker = self.makers.get(node)
        if maker is None:
            return perform_thunk(node, storage, dying)
        return maker(storage)


def _maker(module, ki, node, name, inplace):
    make = module.make_thunk

    def make_thunk(storage):
        return make(ki, node, name, tuple(storage[v] for v in node.inputs),
                    tuple(storage[v] for v in node.outputs), inplace)
    return make_thunk


def _reduce_maker(module, ki, node, name, prefix, axes):
    make = module.make_reduce_thunk

    def make_thunk(storage):
        return make(ki, node, name, prefix, tuple(storage[v] for v in node.inputs),
                    tuple(storage[v] for v in node.outputs), axes)
    return make_thunk


def node_backends(f):
    """``[(node, "c" or "py")]`` for the compiled function ``f``, in execution order."""
    return [(n, getattr(t, "backend", "py")) for n, t in zip(f.nodes, f.thunks)]


def backend_report(f):
    """One line per node: where it runs (``c`` or ``py``) and the node."""
    return "\n".join(f"{b:>3}  {n}" for n, b in node_backends(f))
