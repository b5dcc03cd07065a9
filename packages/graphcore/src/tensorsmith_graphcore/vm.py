"""The VM: runs a precomputed schedule of thunks over storage cells.

A storage cell is a one-element list ``[value]``.  A thunk is a callable
without arguments that reads its input cells and writes its output cells.
``PerformThunk`` is the thunk of an op's Python ``perform``; ``VM`` is the
callable a compiled function is made of: it checks and stores the arguments,
runs the thunks, collects outputs, applies updates and frees intermediates.
``ArrayFilter`` is an argument check with fast paths for the common kinds of
arguments of an array input, which the VM calls without a Python call.

Plain Python, compiled by Cython with ``vm.pxd`` (see ``graph.py``)."""
import threading

from .graph import format_location

try:  # compiled by Cython: ``cython.compiled`` is True; plain Python: False
    import cython

    _COMPILED = cython.compiled
except ImportError:  # plain Python without Cython installed
    _COMPILED = False


class PerformThunk:
    """Calls ``perform(node, [input values], output_cells)``."""

    def __init__(self, node, perform, input_cells, output_cells):
        self.node = node
        self.perform = perform
        self.input_cells = list(input_cells)
        self.output_cells = list(output_cells)

    def __call__(self):
        cells = self.input_cells
        n = len(cells)
        vals = [None] * n
        i = 0
        while i < n:
            vals[i] = cells[i][0]
            i += 1
        self.perform(self.node, vals, self.output_cells)


_MISSING = object()

# Python ints a 64-bit signed integer holds
_INT64_MIN = -9223372036854775808
_INT64_MAX = 9223372036854775807


class ArrayFilter:
    """An argument filter (see ``VM``) for an array-typed input, with fast
    paths for the common kinds of arguments, and ``slow(value)`` (the
    general filter, which gives every conversion and every error) for the
    rest.  It knows no array library: the type provides its pieces.

    * a value of exactly ``array_type`` whose ``dtype`` is ``dtype`` (the same
      object), whose ``ndim`` is ``ndim`` and whose ``shape`` has the known
      entries of ``shape`` (a tuple with None for unknown lengths; None:
      no known entry) is returned as it is;
    * for an input with ``ndim`` 0: a value of exactly ``scalar_type`` (the
      library's scalar of ``dtype``), a Python ``float`` when ``py_float``,
      a Python ``int`` that a 64-bit integer holds when ``py_int``, is
      returned as ``convert(value, dtype)``;
    * anything else: ``slow(value)``.

    The fast paths must give what ``slow`` gives for the same value."""

    def __init__(self, slow, array_type, dtype, ndim, shape=None, scalar_type=None, convert=None,
                 py_float=False, py_int=False):
        self.slow = slow
        self.array_type = array_type
        self.dtype = dtype
        self.ndim = ndim
        if shape is not None:
            shape = tuple(shape)
            if len(shape) != ndim:
                raise ValueError("ArrayFilter: shape must have ndim entries")
            if all(s is None for s in shape):
                shape = None
        self.shape = shape
        if ndim != 0 or convert is None:
            scalar_type = None
            py_float = py_int = False
        self.scalar_type = scalar_type
        self.convert = convert
        self.py_float = bool(py_float)
        self.py_int = bool(py_int)

    def apply(self, x):
        t = type(x)
        if t is self.array_type:
            if x.dtype is self.dtype and x.ndim == self.ndim:
                shape = self.shape
                if shape is None:
                    return x
                shp = x.shape
                nd = len(shape)
                k = 0
                while k < nd:
                    s = shape[k]
                    if s is not None and shp[k] != s:
                        return self.slow(x)
                    k += 1
                return x
        elif t is self.scalar_type:
            return self.convert(x, self.dtype)
        elif t is float:
            if self.py_float:
                return self.convert(x, self.dtype)
        elif t is int:
            if self.py_int and _INT64_MIN <= x <= _INT64_MAX:
                return self.convert(x, self.dtype)
        return self.slow(x)

    def __call__(self, x):
        return self.apply(x)

    def __reduce__(self):
        return (ArrayFilter, (self.slow, self.array_type, self.dtype, self.ndim, self.shape,
                              self.scalar_type, self.convert, self.py_float, self.py_int))


def _describe_node(node):
    s = f"Apply node that caused the error: {node}"
    if node is not None and node.trace is not None:
        s += f"\n  created at {format_location(node.trace)}"
    return s


class VM:
    """Run ``thunks`` in order after storing the arguments.

    * ``input_cells[i]`` receives ``filters[i](arg_i)``; a filter raises
      ``TypeError`` for a value it cannot accept, and the VM names the argument.
      An ``ArrayFilter`` is called directly (no Python call).
    * ``output_cells``: cells read after the run (``unpack_single``: return the
      value itself rather than a one-element list).
    * ``updates``: (source cell, destination cell) pairs.  They are applied
      simultaneously after a successful run: every source is read first, then
      every destination written (so ``a <- b, b <- a`` swaps); a failing run
      writes none.
    * ``clear_cells``: cells reset to None after each run (intermediates).
    * ``defaults``: per input None (required) or ``(value,)``; arguments may
      also be given by input name (``arg_names``).
    * ``alias_cells``: cells of values the caller must never be able to write
      through (arguments, constants, shared values).  An output that is one of
      those values, or a view (its ``base`` is set), is returned as
      ``value.copy()`` (values without ``copy`` are immutable: returned as they are).
    * ``nodes[k]`` is the node of ``thunks[k]`` (for error messages) and
      ``describe(node, exc)`` may add a line about the inputs that failed.
    * ``trust_input``: True stores the arguments as given, unchecked.

    Threads: a call runs on the VM's own storage when no other call is using
    it (a non-blocking test-and-set: a flag under the GIL where compiled, a
    ``threading.Lock`` in plain Python); a call that finds it busy runs on a
    spare copy of the storage and thunks made by ``relink()`` (kept for later
    calls), or, when no ``relink`` was given, waits for the lock.
    ``update_locks`` (objects with ``acquire``/``release``, in a global order)
    are held for the whole call, from reading the values they guard to
    storing the updates, so concurrent calls never lose an update."""

    def __init__(self, thunks, nodes, input_cells, filters, output_cells, arg_names=None,
                 updates=None, clear_cells=None, unpack_single=False, describe=None,
                 alias_cells=None, defaults=None, relink=None, update_locks=None):
        if len(thunks) != len(nodes):
            raise ValueError("VM: one node per thunk")
        if len(input_cells) != len(filters):
            raise ValueError("VM: one filter per input cell")
        self.thunks = list(thunks)
        self.nodes = list(nodes)
        self.input_cells = list(input_cells)
        self.filters = list(filters)
        self.output_cells = list(output_cells)
        self.arg_names = list(arg_names) if arg_names is not None else [None] * len(self.input_cells)
        self.updates = list(updates) if updates else []
        self.clear_cells = list(clear_cells) if clear_cells else []
        self.unpack_single = bool(unpack_single)
        self.describe = describe
        self.n_inputs = len(self.input_cells)
        self.alias_cells = list(alias_cells) if alias_cells else []
        # True: arguments are stored as given, unchecked (the caller vouches
        # that each already has its input's exact type)
        self.trust_input = False
        # per input: None (required) or a one-element tuple (default value)
        self.defaults = list(defaults) if defaults is not None and any(
            d is not None for d in defaults) else None
        self._lock = threading.Lock()
        self._busy = False
        self.relink = relink
        self._spares = []
        self.update_locks = list(update_locks) if update_locks else None

    def _arg_label(self, i):
        name = self.arg_names[i]
        if name is None:
            return f"argument {i}"
        return f"argument {i} ({name!r})"

    def _bind(self, args, kwargs):
        """Positional arguments from ``args``, keyword arguments (by input
        name) and ``defaults`` (None entries: required)."""
        n = self.n_inputs
        if len(args) > n:
            names = ", ".join(str(x) for x in self.arg_names)
            raise TypeError(f"This function takes {n} argument(s) ({names}); {len(args)} were given")
        vals = list(args) + [_MISSING] * (n - len(args))
        if kwargs:
            for k, v in kwargs.items():
                try:
                    i = self.arg_names.index(k)
                except ValueError:
                    names = ", ".join(str(x) for x in self.arg_names)
                    raise TypeError(f"This function has no input named {k!r} (inputs: {names})") from None
                if vals[i] is not _MISSING:
                    raise TypeError(f"{self._arg_label(i)} was given twice")
                vals[i] = v
        defaults = self.defaults
        missing = []
        for i in range(n):
            if vals[i] is _MISSING:
                d = defaults[i] if defaults is not None else None
                if d is None:
                    missing.append(self._arg_label(i))
                else:
                    vals[i] = d[0]
        if missing:
            raise TypeError(f"This function takes {n} argument(s); missing: {', '.join(missing)}")
        return tuple(vals)

    def __call__(self, *args, **kwargs):
        n = len(args)
        if kwargs or n != self.n_inputs:
            if not kwargs and self.defaults is None:
                names = ", ".join(str(x) for x in self.arg_names)
                raise TypeError(
                    f"This function takes {self.n_inputs} argument(s) ({names}); {n} were given"
                )
            args = self._bind(args, kwargs)
        if self.trust_input:
            vals = args
        else:
            vals = self._filter(args)
        locks = self.update_locks
        if locks is None:
            return self._dispatch(vals)
        taken = 0
        try:
            for lk in locks:
                lk.acquire()
                taken += 1
            return self._dispatch(vals)
        finally:
            while taken > 0:
                taken -= 1
                locks[taken].release()

    def _filter(self, args):
        """The checked and converted arguments (a list), or TypeError
        naming the argument a filter refused."""
        filters = self.filters
        n = len(args)
        vals = [None] * n
        i = 0
        while i < n:
            f = filters[i]
            try:
                if type(f) is ArrayFilter:
                    af = f
                    vals[i] = af.apply(args[i])
                else:
                    vals[i] = f(args[i])
            except TypeError as e:
                raise TypeError(f"Bad {self._arg_label(i)}: {e}") from None
            i += 1
        return vals

    def _dispatch(self, args):
        """Run on the VM's own storage, or on a spare when another thread
        (or a call nested in this one) is using it."""
        if _COMPILED and self.relink is not None:
            # under the GIL, nothing runs between the test and the set
            if not self._busy:
                self._busy = True
                try:
                    return self._execute(args)
                finally:
                    self._busy = False
        else:
            lock = self._lock
            if lock.acquire(False):
                try:
                    return self._execute(args)
                finally:
                    lock.release()
            if self.relink is None:
                with lock:
                    return self._execute(args)
        spares = self._spares
        try:
            vm = spares.pop()
        except IndexError:
            vm = self.relink()
        try:
            return vm._execute(args)
        finally:
            spares.append(vm)

    def _execute(self, args):
        """Store the (already checked) arguments, run the thunks, read the
        outputs and apply the updates, on this VM's storage."""
        cells = self.input_cells
        n = len(args)
        i = 0
        while i < n:
            cells[i][0] = args[i]
            i += 1
        thunks = self.thunks
        m = len(thunks)
        k = 0
        try:
            while k < m:
                thunks[k]()
                k += 1
        except Exception as e:
            self._fail(e, k)
            raise
        if self.unpack_single:
            outs = self._output(self.output_cells[0][0])
        else:
            ocells = self.output_cells
            m = len(ocells)
            outs = [None] * m
            j = 0
            while j < m:
                outs[j] = self._output(ocells[j][0])
                j += 1
        upd = self.updates
        if upd:
            # simultaneous: read every new value before storing any
            new = [src[0] for src, _ in upd]
            j = 0
            for _, dst in upd:
                dst[0] = new[j]
                j += 1
        self._clear()
        return outs

    def _fail(self, e, k):
        """Note on ``e`` (raised by thunk ``k``) the node and, from
        ``describe``, its inputs; free the intermediates."""
        node = self.nodes[k]
        note = _describe_node(node)
        if self.describe is not None:
            try:
                extra = self.describe(node, self.thunks[k])
            except Exception:
                extra = None
            if extra:
                note += "\n  " + extra
        e.add_note(note)
        self._clear()

    def _clear(self):
        cells = self.clear_cells
        m = len(cells)
        j = 0
        while j < m:
            cells[j][0] = None
            j += 1
        return 0

    def _output(self, v):
        """Output value ``v`` as returned: a copy when it is an argument, a
        constant, a shared value or a view (and has ``copy``)."""
        acells = self.alias_cells
        na = len(acells)
        if na == 0:
            return v
        shared = getattr(v, "base", None) is not None
        a = 0
        while not shared and a < na:
            if acells[a][0] is v:
                shared = True
            a += 1
        if shared:
            cp = getattr(v, "copy", None)
            if cp is not None:
                return cp()
        return v
