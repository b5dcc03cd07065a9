"""``function``: compile symbolic inputs and outputs into a callable.

Clones the graph into a ``FunctionGraph`` (applying ``givens``), adds shared
variables and their updates, runs the mode's rewrites, links the graph into a
VM (the ``Function`` object itself) and validates arguments on each call."""
import numpy as np
from tensorsmith_graphcore import (
    VM,
    Constant,
    FunctionGraph,
    MissingInputError,
    Variable,
    clone_replace,
    format_location,
    gc_paused,
    location_of,
    graph_inputs,
    warn_user,
)
from tensorsmith_tensorops.basic import as_tensor_variable
from tensorsmith_tensorops.sharedvar import SharedVariable

from .mode import get_mode

__all__ = ["function", "Function", "In", "Out", "UnusedInputError"]


class UnusedInputError(ValueError):
    """An input of ``function`` is not needed by any output."""


class In:
    """An input with options: ``value`` (default when the argument is left
    out), ``name``, ``strict`` (the argument must already have the input's
    exact type: no conversion), ``allow_downcast`` (per input, as
    ``function(allow_input_downcast=)``), ``borrow`` and ``mutable``
    (permissions: the function may keep or overwrite the caller's array; it
    never needs to today).  ``update`` and ``implicit`` (PyTensor's stateful
    inputs) are not supported: use a shared variable with ``updates=``."""

    def __init__(self, variable, name=None, value=None, update=None, mutable=False, borrow=False,
                 implicit=False, strict=False, allow_downcast=None, autoname=True, shared=False):
        if update is not None:
            raise NotImplementedError(
                "In(update=...): stateful inputs are not supported; keep the state in a shared "
                "variable (tensorsmith.shared) and pass updates=[(shared_var, new_value)] to function")
        if implicit:
            raise NotImplementedError(
                "In(implicit=True) is not supported; shared variables are implicit inputs already")
        if shared:
            raise NotImplementedError("In(shared=True) is not supported; use a shared variable")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.update = update
        self.mutable = mutable
        self.borrow = borrow
        self.implicit = implicit
        self.strict = bool(strict)
        self.allow_downcast = allow_downcast


class Out:
    """An output with options: ``borrow=True`` permits the function to return
    an array it may reuse later (today outputs are always fresh arrays)."""

    def __init__(self, variable, borrow=False):
        self.variable = variable
        self.borrow = borrow


class Function(VM):
    """A compiled function: call it with one value per input, in order, or by
    input name (``f(x=1.0)``); inputs given as ``In(var, value=...)`` may be
    left out.

    ``f.inputs``/``f.outputs``: the user's variables; ``f.fgraph`` (also
    ``f.maker.fgraph``): the rewritten graph that runs, as a
    ``FunctionGraph`` made on first use; ``f.maker.mode``: the mode."""

    @property
    def fgraph(self):
        return self.maker.fgraph

    @fgraph.setter
    def fgraph(self, fg):
        self.maker.fgraph = fg

    def __repr__(self):
        names = ", ".join(str(n) for n in self.arg_names)
        return f"<tensorsmith.Function {self.name or ''}({names})>"

    def dprint(self, **kwargs):
        """Print the rewritten graph this function runs (``debugprint`` of
        it; ``file="str"`` returns the text)."""
        from ..printing import debugprint

        return debugprint(self, **kwargs)

    def copy(self, name=None):
        """A new function computing the same thing with storage of its own
        (shared variables stay shared)."""
        f = _compile_spec(self._spec)
        f.name = name if name is not None else self.name
        f.trust_input = self.trust_input
        return f

    def __reduce__(self):
        # Pickled as what it was compiled from (the user's graph, shared
        # variables with their current values, the options) and compiled
        # again on loading, e.g. in a worker process.
        return _unpickle_function, (self._spec, self.name, self.trust_input)


def _compile_spec(spec):
    inputs, outputs, kwargs = spec
    return function(inputs, outputs, **kwargs)


def _unpickle_function(spec, name, trust_input):
    f = _compile_spec(spec)
    f.name = name
    f.trust_input = trust_input
    return f

class _GraphOf:
    """The graph a compiled function runs, as its inputs and outputs; the
    ``FunctionGraph`` over them (with its clients index, two to three
    hundred bytes per node) is built again on first use rather than kept
    alive with every function: running needs only the thunks.  Features
    attached while rewriting are not carried over."""

    __slots__ = ("inputs", "outputs", "fgraph")

    def __init__(self, fgraph):
        self.inputs = list(fgraph.inputs)
        self.outputs = list(fgraph.outputs)
        self.fgraph = None

    def get(self):
        fg = self.fgraph
        if fg is None:
            with gc_paused():
                fg = self.fgraph = FunctionGraph(self.inputs, self.outputs, clone=False,
                                                 copy_on_write=True)
        return fg


class _Maker:
    def __init__(self, mode, graph, inputs, outputs):
        self.mode = mode
        self._graph = graph
        self.inputs = inputs
        self.outputs = outputs

    @property
    def fgraph(self):
        return self._graph.get()

    @fgraph.setter
    def fgraph(self, fg):
        self._graph.fgraph = fg


def _describe_failure(node, thunk):
    cells = getattr(thunk, "input_cells", None)
    if cells is None or node is None:
        return None
    parts = []
    for v, c in zip(node.inputs, cells):
        val = c[0]
        if isinstance(val, np.ndarray):
            parts.append(f"{val.dtype}{list(val.shape)}")
        elif val is None:
            parts.append("(not computed)")
        else:
            parts.append(type(val).__name__)
    return f"Op {node.op} with inputs of (dtype, shape): {', '.join(parts)}"


def _check_input(v, i):
    if isinstance(v, In):
        v = v.variable
    if not isinstance(v, Variable):
        raise TypeError(
            f"function: input {i} must be a symbolic variable, got {type(v).__name__} {v!r}")
    if isinstance(v, Constant):
        raise TypeError(f"function: input {i} ({v}) is a constant; inputs must be variables")
    if isinstance(v, SharedVariable):
        raise TypeError(
            f"function: input {i} ({v}) is a shared variable; shared variables are implicit inputs: "
            "use givens= to replace one")
    if v.owner is not None:
        raise TypeError(
            f"function: input {i} ({v}, made at {format_location(location_of(v))}) is computed by "
            f"{v.owner.op}; inputs must be variables without owner (use givens= to replace one)")
    return v


def _check_profile(profile):
    if profile is None:
        from tensorsmith_tensorops.config import config

        profile = getattr(config, "profile", False)
    if profile:
        raise NotImplementedError(
            "function(profile=...) / config.profile: per-node profiling is not implemented yet; "
            "time the compiled function as a whole (timeit, cProfile) meanwhile")


def _check_no_inplace(fgraph):
    for node in fgraph.toposort():
        if getattr(node.op, "destroy_map", None):
            raise TypeError(
                f"function: the graph contains {node.op}, which overwrites its inputs; pass "
                "accept_inplace=True to compile it anyway (made at "
                f"{format_location(location_of(node.outputs[0]))})")


def _make_filter(t, in_obj, allow_input_downcast):
    allow = in_obj.allow_downcast if in_obj.allow_downcast is not None else allow_input_downcast
    make = getattr(t, "make_filter", None)
    if make is not None:
        # a type's own filter for compiled functions (TensorType: an
        # ArrayFilter, which the VM calls without a Python call)
        return make(allow, strict=True) if in_obj.strict else make(allow)
    if in_obj.strict:
        def strict_filter(x, t=t):
            return t.filter(x, strict=True)

        return strict_filter

    def filt(x, t=t):
        return t.filter(x, strict=False, allow_downcast=allow)

    return filt


class _Request:
    """What ``function`` was asked for, checked: the inputs (variables and
    their ``In`` options), the outputs, the updates (shared variable, new
    value) and the shared variables the graph reads."""

    def __init__(self, in_vars, in_objs, out_vars, out_list, single, updates, shared_inputs):
        self.in_vars = in_vars
        self.in_objs = in_objs
        self.out_vars = out_vars
        self.out_list = out_list
        self.single = single
        self.updates = updates
        self.shared_inputs = shared_inputs

    @property
    def all_outputs(self):
        return self.out_vars + [e for _, e in self.updates]


def _check_outputs(outputs):
    single = False
    if outputs is None:
        out_list = []
    elif isinstance(outputs, (list, tuple)):
        out_list = list(outputs)
    else:
        out_list = [outputs]
        single = True
    out_vars = []
    for k, o in enumerate(out_list):
        if isinstance(o, Out):
            o = o.variable
        if not isinstance(o, Variable):
            try:
                o = as_tensor_variable(o)
            except TypeError:
                raise TypeError(f"function: output {k} is not a symbolic variable: {o!r}") from None
        out_vars.append(o)
    return out_vars, out_list, single


def _check_updates(updates):
    if updates is None:
        upd = []
    elif isinstance(updates, dict):
        upd = list(updates.items())
    else:
        upd = list(updates)
    seen = set()
    checked = []
    for k, pair in enumerate(upd):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"function: updates[{k}] must be a (shared variable, new value) pair, got {pair!r}")
        sv, expr = pair
        if not isinstance(sv, SharedVariable):
            raise TypeError(f"function: updates must update shared variables; {sv} is not one")
        if sv in seen:
            raise ValueError(f"function: {sv} is updated twice")
        seen.add(sv)
        expr = as_tensor_variable(expr) if not isinstance(expr, Variable) else expr
        if expr.type != sv.type:
            conv = sv.type.convert_variable(expr)
            if conv is None:
                raise TypeError(
                    f"function: the update of {sv} (type {sv.type}) has type {expr.type}; "
                    "cast it (e.g. .astype) or give the shared variable a matching type")
            expr = conv
        checked.append((sv, expr))
    return checked


def _apply_givens(givens, out_vars, updates, rebuild_strict):
    """``out_vars`` and the update expressions with ``givens`` substituted."""
    pairs = list(givens.items()) if isinstance(givens, dict) else list(givens)
    pairs = [(a, b if isinstance(b, Variable) else as_tensor_variable(b)) for a, b in pairs]
    checked = []
    for a, b in pairs:
        if not isinstance(a, Variable):
            raise TypeError(f"function: givens keys must be symbolic variables, got {a!r}")
        if rebuild_strict and a.type != b.type:
            conv = a.type.convert_variable(b)
            if conv is None:
                raise TypeError(
                    f"function: givens replaces {a} of type {a.type} by {b} of type {b.type}; "
                    "give a replacement of the same type, or pass rebuild_strict=False to "
                    "rebuild the graph with the new type")
            b = conv
        checked.append((a, b))
    replaced = clone_replace(out_vars + [e for _, e in updates], checked)
    n = len(out_vars)
    return replaced[:n], [(sv, e) for (sv, _), e in zip(updates, replaced[n:])]


def _add_default_updates(out_vars, updates, no_default_updates):
    """The default updates (e.g. of random generators) of the shared
    variables the graph reads, except those ``no_default_updates`` names
    (True: all of them); repeated until the new expressions bring no more."""
    if no_default_updates is True:
        return updates
    skip = set(no_default_updates) if no_default_updates else set()
    seen = set(sv for sv, _ in updates)
    updates = list(updates)
    while True:
        extra = []
        for v in graph_inputs(out_vars + [e for _, e in updates]):
            if (isinstance(v, SharedVariable) and v not in seen and v not in skip
                    and v.default_update is not None):
                extra.append((v, v.default_update))
                seen.add(v)
        if not extra:
            return updates
        updates.extend(extra)


def _shared_inputs(in_vars, all_outs):
    """The shared variables the outputs read; any other leaf that is not an
    input is a missing input."""
    leaves = graph_inputs(all_outs, blockers=in_vars)
    in_set = set(in_vars)
    shared = []
    for v in leaves:
        if v in in_set or isinstance(v, Constant):
            continue
        if isinstance(v, SharedVariable):
            shared.append(v)
            continue
        raise MissingInputError(
            f"function: the outputs depend on {v} (created at {format_location(location_of(v))}), which is "
            f"not among the inputs ({', '.join(str(i) for i in in_vars)})")
    return shared, leaves


def _check_unused(in_vars, leaves, on_unused_input):
    if on_unused_input is None:
        on_unused_input = "raise"
    if on_unused_input not in ("raise", "warn", "ignore"):
        raise ValueError(f"function: on_unused_input must be 'raise', 'warn' or 'ignore', got {on_unused_input!r}")
    if on_unused_input == "ignore":
        return on_unused_input
    used = set(leaves)
    for k, v in enumerate(in_vars):
        if v not in used:
            msg = (f"function: input {k} ({v}) is not used to compute the outputs; pass "
                   "on_unused_input='ignore' (or 'warn') if this is intended")
            if on_unused_input == "raise":
                raise UnusedInputError(msg)
            warn_user(msg)
    return on_unused_input


def check_arguments(inputs, outputs, updates=None, givens=None, no_default_updates=False,
                    rebuild_strict=True, on_unused_input=None):
    """Step 1 of ``function``: check what was asked and gather the updates
    and shared inputs (a ``_Request``)."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"function: inputs must be a list of variables, got {type(inputs).__name__}")
    in_vars = [_check_input(i, k) for k, i in enumerate(inputs)]
    in_objs = [i if isinstance(i, In) else In(i) for i in inputs]
    if len(set(in_vars)) != len(in_vars):
        raise ValueError("function: an input variable appears twice in inputs")
    out_vars, out_list, single = _check_outputs(outputs)
    upd = _check_updates(updates)
    if givens:
        out_vars, upd = _apply_givens(givens, out_vars, upd, rebuild_strict)
    upd = _add_default_updates(out_vars, upd, no_default_updates)
    shared, leaves = _shared_inputs(in_vars, out_vars + [e for _, e in upd])
    for sv, _ in upd:
        if sv not in shared:
            shared.append(sv)
    _check_unused(in_vars, leaves, on_unused_input)
    return _Request(in_vars, in_objs, out_vars, out_list, single, upd, shared)


def build_fgraph(request, accept_inplace=False):
    """Step 2: the ``FunctionGraph`` from the inputs and shared inputs to the
    outputs and update values, over the user's nodes, copy-on-write: a
    rewrite that changes a node gets a copy of it (and of the nodes above
    it), so the user's graph never changes and the parts no rewrite touches
    are never copied (the linker and the VM only read nodes)."""
    fgraph = FunctionGraph(request.in_vars + request.shared_inputs, request.all_outputs,
                           clone=False, copy_on_write=True)
    # the map from the user's variables to their copies is not needed past
    # this point, and holds two entries per node for the function's lifetime
    fgraph.memo = None
    if not accept_inplace:
        _check_no_inplace(fgraph)
    return fgraph


def rewrite_fgraph(mode, fgraph):
    """Step 3: the mode's rewrite pipeline, in place."""
    mode.rewrite(fgraph)
    return fgraph


def link_fgraph(mode, fgraph, request, allow_input_downcast=None):
    """Step 4: the mode's linker turns the graph (a ``FunctionGraph`` or its
    ``Schedule``, ``mode.linker.plan(fgraph)``) into the callable (a
    ``Function``); graphcore's ``Linker.make_vm`` builds it from the thunks."""
    n_out = len(request.out_vars)
    in_vars, in_objs = request.in_vars, request.in_objs
    input_storage = [None] * len(in_vars) + [sv.container for sv in request.shared_inputs]
    updates_spec = [(n_out + j, sv.container) for j, (sv, _) in enumerate(request.updates)]
    filters = [_make_filter(v.type, o, allow_input_downcast) for v, o in zip(in_vars, in_objs)]
    defaults = None
    if any(o.value is not None for o in in_objs):
        defaults = [None if o.value is None else (filters[k](o.value),) for k, o in enumerate(in_objs)]
    # calls that update shared variables hold their locks (in one global
    # order) from reading the values to storing the new ones
    cells = sorted({id(sv.container): sv.container for sv, _ in request.updates}.values(),
                   key=lambda c: c.order)
    vm, _ = mode.linker.make_vm(
        fgraph, filters, arg_indices=list(range(len(in_vars))), arg_names=[o.name for o in in_objs],
        input_storage=input_storage, updates=updates_spec, unpack_single=request.single,
        describe=_describe_failure, vm_class=Function, n_outputs=n_out,
        update_locks=[c.lock for c in cells] or None, defaults=defaults)
    return vm


# compiling a large graph allocates only live objects (the copy of the graph,
# its storage and thunks): collections midway would find nothing to free
@gc_paused()
def function(inputs, outputs=None, mode=None, updates=None, givens=None, no_default_updates=False,
             accept_inplace=False, name=None, rebuild_strict=True, allow_input_downcast=None,
             profile=None, on_unused_input=None, trust_input=False):
    """Compile ``outputs`` as a function of ``inputs``.

    ``outputs`` may be one variable (the function returns one value) or a
    list (it returns a list).  ``updates``: pairs (shared variable, new
    value expression) applied after each call, simultaneously.  ``givens``:
    pairs (variable, replacement) substituted in the graph before compiling
    (``rebuild_strict=True``: a replacement must have the replaced
    variable's type, or one convertible to it; ``False``: any type, the graph
    is rebuilt with the new types).  ``no_default_updates``: True, or a list
    of shared variables whose default updates (e.g. random generators) are
    not applied.  ``accept_inplace``: whether the graph may contain ops that
    overwrite their inputs (ops with a ``destroy_map``).

    The steps: ``check_arguments`` -> ``build_fgraph`` -> ``rewrite_fgraph``
    (the mode's pipeline) -> ``link_fgraph`` (the mode's linker)."""
    _check_profile(profile)
    request = check_arguments(inputs, outputs, updates, givens, no_default_updates,
                              rebuild_strict, on_unused_input)
    mode_obj = get_mode(mode)
    fgraph = rewrite_fgraph(mode_obj, build_fgraph(request, accept_inplace))
    # linking needs the schedule, not the graph's clients index: drop the
    # index before the thunks are made (the function rebuilds it on demand)
    schedule = mode_obj.linker.plan(fgraph)
    graph = _GraphOf(fgraph)
    del fgraph
    f = link_fgraph(mode_obj, schedule, request, allow_input_downcast)
    f._spec = (inputs, outputs, dict(
        mode=mode, updates=updates, givens=givens, no_default_updates=no_default_updates,
        name=name, allow_input_downcast=allow_input_downcast, on_unused_input=on_unused_input,
        accept_inplace=accept_inplace, rebuild_strict=rebuild_strict))
    f.trust_input = bool(trust_input)
    f.inputs = request.in_vars
    f.outputs = request.out_vars
    f.name = name
    f.maker = _Maker(mode_obj, graph, request.in_objs, request.out_list)
    f.updates_list = request.updates
    return f
