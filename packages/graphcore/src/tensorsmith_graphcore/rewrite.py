"""The rewrite engine: node rewriters indexed by the op class they track, a
small pattern language, in-to-out and out-to-in walkers, an equilibrium
driver, merge (CSE) and a trace of what fired.

Op-agnostic: the rules themselves (tensor passes) live in the rewrite
database of ``tensorsmith_rewriter``.  Plain Python, compiled by Cython with
``rewrite.pxd`` (see ``graph.py``).

Every edit goes through ``FunctionGraph.replace``/``replace_all``, so a graph
built ``copy_on_write=True`` over the user's nodes never modifies them.  Every
walk is iterative.

* ``@node_rewriter([OpClass, op_instance, ...])`` makes a rule from a
  function ``fn(fgraph, node)`` returning None/False (no change), a list of
  replacements for ``node.outputs`` (None: keep that output) or a dict
  ``{old_variable: new_variable}``.
* ``PatternNodeRewriter(in_pattern, out_pattern)``: ``(op, "x", (op2, "y"))``
  style patterns (see ``OpPattern``, ``Var``, ``Const``).
* ``WalkingRewriter(rules, order="in_to_out"|"out_to_in")`` (``in2out``,
  ``out2in``), ``EquilibriumRewriter(rules)``, ``MergeRewriter()``,
  ``SequentialRewriter(passes)``: graph rewriters, ``r.apply(fgraph,
  trace=None)`` (or ``r(fgraph)``) returns the number of changes.
* ``RewriteTrace()``: pass as ``trace=`` to record which rule fired where,
  counts and time per rule; ``print(trace)``.

Locations: nodes a rule builds get the trace (file, line) of the node they
replace.  The drivers turn the capture of user locations off while rules run
(``set_tracing(False)``; it is process-wide, so a graph built by another
thread meanwhile gets no locations either)."""
import time
import warnings

from .graph import Constant, Variable, format_location, location_of, set_tracing
from .fg import Feature
from .util import gc_paused

__all__ = [
    "NodeRewriter", "FunctionRewriter", "node_rewriter", "RuleIndex", "OpPattern", "Var", "Const",
    "as_pattern", "PatternNodeRewriter", "dtype_is", "broadcastable_is", "GraphRewriter",
    "WalkingRewriter", "in2out", "out2in", "EquilibriumRewriter", "MergeRewriter",
    "SequentialRewriter", "RewriteTrace", "RewriteError", "RewriteLimitError", "RewriteWarning",
    "apply_node_rewriter",
]

OUTPUT = "output"


class RewriteError(Exception):
    """A rule raised (or returned something unusable) on a node."""

    def __init__(self, rule, node, error):
        self.rule = rule
        self.node = node
        self.error = error
        loc = format_location(getattr(node, "trace", None))
        super().__init__(
            f"rewrite rule {_rule_name(rule)!r} failed on node {_node_str(node)} "
            f"(created at {loc}): {type(error).__name__}: {error}")


class RewriteLimitError(RuntimeError):
    """The equilibrium driver did not reach a fixed point within its limits.
    ``rules``: {rule name: times it fired} of the rules that kept firing."""

    def __init__(self, message, rules):
        self.rules = dict(rules)
        super().__init__(message)


class RewriteWarning(UserWarning):
    """A failing rule skipped (``skip_errors=True``)."""


def _rule_name(rule):
    n = getattr(rule, "name", None)
    return n if n else type(rule).__name__


def _node_str(node):
    try:
        s = str(node)
    except Exception:  # a broken __str__ must not hide the real error
        s = f"<{type(node.op).__name__} node>"
    if len(s) > 200:
        s = s[:197] + "..."
    return s


# ---------------------------------------------------------------------------
# Node rewriters and their index
# ---------------------------------------------------------------------------


class NodeRewriter:
    """A rule on one node.  ``tracks``: the op classes and op instances it
    can match (None: every node); ``transform(fgraph, node)`` returns None or
    False (no change), a list of replacements of ``node.outputs`` (None
    entries keep that output) or a dict ``{old: new}``."""

    name = None
    tracks = None

    def transform(self, fgraph, node):
        raise NotImplementedError

    def __str__(self):
        return _rule_name(self)

    __repr__ = __str__


def _as_tracks(tracks):
    if tracks is None:
        return None
    if isinstance(tracks, (list, tuple, set, frozenset)):
        tracks = list(tracks)
    else:
        tracks = [tracks]
    for t in tracks:
        if not isinstance(t, type) and not hasattr(t, "make_node"):
            raise TypeError(f"a rule tracks op classes or op instances, got {t!r}")
    return tracks


class FunctionRewriter(NodeRewriter):
    """A rule made of a function ``fn(fgraph, node)``."""

    def __init__(self, fn, tracks, name=None):
        self.fn = fn
        self.tracks = _as_tracks(tracks)
        self.name = name or getattr(fn, "__name__", None) or "rule"
        self.__doc__ = getattr(fn, "__doc__", None)

    def transform(self, fgraph, node):
        return self.fn(fgraph, node)

    def __call__(self, fgraph, node):
        return self.fn(fgraph, node)


def node_rewriter(tracks, name=None):
    """Decorator: ``@node_rewriter([Add, mul_op])`` over ``def rule(fgraph,
    node)``.  ``tracks``: op classes (a node whose op is an instance of one,
    subclasses included) and op instances (a node whose op equals one); None:
    every node."""

    def deco(fn):
        return FunctionRewriter(fn, tracks, name)

    return deco


class RuleIndex:
    """Rules indexed by the op class they track: ``rules_for(op)`` gives the
    rules that can match a node of ``op``, in the order they were given.
    The lookup through the class's MRO is done once per op class (and once
    per op value for rules that track op instances)."""

    def __init__(self, rules):
        self.rules = list(rules)
        self._generic = []
        self._by_class = {}
        self._by_op = {}
        self._inst_types = set()
        for pos, r in enumerate(self.rules):
            tracks = getattr(r, "tracks", None)
            if tracks is None:
                self._generic.append((pos, r))
                continue
            for t in tracks:
                if isinstance(t, type):
                    self._by_class.setdefault(t, []).append((pos, r))
                else:
                    self._by_op.setdefault(t, []).append((pos, r))
                    self._inst_types.add(type(t))
        self._cache = {}
        self._op_cache = {}

    def __len__(self):
        return len(self.rules)

    def _class_rules(self, t):
        found = list(self._generic)
        seen = set()
        for k in t.__mro__:
            for pr in self._by_class.get(k, ()):
                if id(pr[1]) not in seen:
                    seen.add(id(pr[1]))
                    found.append(pr)
        found.sort(key=_first)
        r = (tuple(pr[1] for pr in found), t in self._inst_types)
        self._cache[t] = r
        return r

    def rules_for(self, op):
        t = type(op)
        e = self._cache.get(t)
        if e is None:
            e = self._class_rules(t)
        if not e[1]:
            return e[0]
        try:
            r = self._op_cache.get(op)
        except TypeError:  # an unhashable op
            return self._merge_op_rules(op, e[0])
        if r is None:
            r = self._merge_op_rules(op, e[0])
            self._op_cache[op] = r
        return r

    def _merge_op_rules(self, op, class_rules):
        extra = None
        for k, lst in self._by_op.items():
            if type(k) is type(op) and k == op:
                extra = lst if extra is None else extra + lst
        if not extra:
            return class_rules
        pos = {id(r): i for i, r in enumerate(self.rules)}
        allr = {id(r): r for r in class_rules}
        for _, r in extra:
            allr[id(r)] = r
        return tuple(sorted(allr.values(), key=lambda r: pos[id(r)]))


def _first(pr):
    return pr[0]


# ---------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------


class _Pattern:
    pass


class Var(_Pattern):
    """Any variable, bound to ``name`` (a name bound twice must see the same
    variable, or equal constants); ``where(var)``: a constraint."""

    def __init__(self, name=None, where=None):
        self.name = name
        self.where = where

    def __repr__(self):
        return self.name or "_"


_ANY = object()


class Const(_Pattern):
    """A constant (optionally of value ``value``: every element equal to it),
    bound to ``name``; ``where(var)``: a constraint."""

    def __init__(self, value=_ANY, name=None, where=None):
        self.value = value
        self.name = name
        self.where = where

    def __repr__(self):
        return f"Const({'' if self.value is _ANY else repr(self.value)})"


class OpPattern(_Pattern):
    """A node's output: ``op`` is an op instance (equal ops match), an op
    class (instances of it match) or a family of those (tuple, list or set);
    ``inputs``: one pattern per input of the node (strings bind names, tuples
    are nested op patterns, numbers are constants of that value); ``name``
    binds the matched output; ``where(var)`` constrains it and
    ``op_where(op)`` the node's op."""

    def __init__(self, op, *inputs, name=None, where=None, op_where=None):
        if isinstance(op, (tuple, list, set, frozenset)):
            self.family = tuple(op)
        else:
            self.family = (op,)
        for o in self.family:
            if not isinstance(o, type) and not hasattr(o, "make_node"):
                raise TypeError(f"OpPattern: {o!r} is neither an op nor an op class")
        self.inputs = tuple(as_pattern(p) for p in inputs)
        self.name = name
        self.where = where
        self.op_where = op_where

    def op_matches(self, op):
        for o in self.family:
            if isinstance(o, type):
                if isinstance(op, o):
                    return True
            elif o is op or (type(o) is type(op) and o == op):
                return True
        return False

    def __repr__(self):
        ops = "|".join(o.__name__ if isinstance(o, type) else str(o) for o in self.family)
        return f"({ops}{''.join(', ' + repr(p) for p in self.inputs)})"


def as_pattern(p):
    """A pattern from its short forms: a string binds a name, a tuple
    ``(op, *inputs)`` is an ``OpPattern``, an int/float is a ``Const`` of
    that value."""
    if isinstance(p, _Pattern):
        return p
    if isinstance(p, str):
        return Var(p)
    if isinstance(p, tuple):
        if not p:
            raise ValueError("an empty tuple is not a pattern")
        return OpPattern(p[0], *p[1:])
    if isinstance(p, (int, float)) and not isinstance(p, bool):
        return Const(p)
    raise TypeError(f"not a pattern: {p!r}")


def dtype_is(*dtypes):
    """Constraint: the variable's type has a ``dtype`` among ``dtypes``."""
    ds = frozenset(str(d) for d in dtypes)
    return lambda v: str(getattr(v.type, "dtype", None)) in ds


def broadcastable_is(*flags):
    """Constraint: the variable's type has these ``broadcastable`` flags."""
    fl = tuple(bool(f) for f in flags)
    return lambda v: tuple(getattr(v.type, "broadcastable", ()) or ()) == fl and \
        getattr(v.type, "broadcastable", None) is not None


def _same_var(a, b):
    if a is b:
        return True
    if isinstance(a, Constant) and isinstance(b, Constant):
        try:
            return bool(a.signature() == b.signature())
        except Exception:
            return False
    return False


def _data_equals(data, value):
    try:
        r = data == value
        if hasattr(r, "all"):
            return bool(r.all())
        return bool(r)
    except Exception:
        return False


def _bind(name, v, b):
    if name is None:
        return True
    old = b.get(name)
    if old is None:
        b[name] = v
        return True
    return _same_var(old, v)


def _compile(p):
    """A matcher ``m(var, bindings, fgraph, root) -> bool`` for pattern ``p``
    (the recursion follows the pattern, which is small, not the graph)."""
    if isinstance(p, Var):
        name, where = p.name, p.where

        def m_var(v, b, fg, root):
            if where is not None and not where(v):
                return False
            return _bind(name, v, b)

        return m_var
    if isinstance(p, Const):
        name, where, value = p.name, p.where, p.value

        def m_const(v, b, fg, root):
            if not isinstance(v, Constant):
                return False
            if value is not _ANY and not _data_equals(v.data, value):
                return False
            if where is not None and not where(v):
                return False
            return _bind(name, v, b)

        return m_const
    if isinstance(p, OpPattern):
        subs = tuple(_compile(q) for q in p.inputs)
        n_in = len(subs)
        name, where, op_where = p.name, p.where, p.op_where
        op_matches = p.op_matches

        def m_op(v, b, fg, root):
            node = v.owner
            if node is None or len(node.inputs) != n_in or not op_matches(node.op):
                return False
            if op_where is not None and not op_where(node.op):
                return False
            if where is not None and not where(v):
                return False
            if not root and fg is not None:
                # an inner node used elsewhere too: replacing its user would
                # not remove it (the rewrite would duplicate work)
                cl = fg.clients.get(v)
                if cl is not None and len(cl) > 1:
                    return False
            i = 0
            for inp in node.inputs:
                if not subs[i](inp, b, fg, False):
                    return False
                i += 1
            return _bind(name, v, b)

        return m_op
    raise TypeError(f"not a pattern: {p!r}")


def _build(out, b):
    if isinstance(out, str):
        if out not in b:
            raise KeyError(f"out pattern names {out!r}, which the in pattern does not bind")
        return b[out]
    if isinstance(out, tuple):
        fn = out[0]
        args = [_build(a, b) for a in out[1:]]
        return fn(*args)
    return out  # a variable or a Python constant the op converts


class PatternNodeRewriter(NodeRewriter):
    """A rule from an in pattern and an out pattern, as PyTensor's:

        PatternNodeRewriter((mul, "x", 1.0), "x")
        PatternNodeRewriter((Neg, (Neg, "x")), "x", name="double_neg")
        PatternNodeRewriter((add, "x", "x"), (mul, "x", 2.0))

    The out pattern is a bound name, a tuple ``(op_or_callable, *args)``
    that calls the op on the built arguments, or a function
    ``fn(fgraph, bindings)`` returning the replacement (None: no change).
    ``where(bindings)`` constrains the match as a whole.  Inner nodes of the
    match must have no other client unless ``allow_multiple_clients``.  A
    replacement whose type cannot stand for the replaced one is not made."""

    def __init__(self, in_pattern, out_pattern, name=None, where=None,
                 allow_multiple_clients=False):
        self.in_pattern = as_pattern(in_pattern)
        if not isinstance(self.in_pattern, OpPattern):
            raise TypeError("the in pattern of a PatternNodeRewriter must be an op pattern")
        self.out_pattern = out_pattern
        self.where = where
        self.allow_multiple_clients = allow_multiple_clients
        self.tracks = list(self.in_pattern.family)
        self._match = _compile(self.in_pattern)
        self.name = name or f"{self.in_pattern!r} -> {out_pattern!r}"

    def match(self, var, fgraph=None):
        """The bindings (a dict) if ``var`` matches the in pattern, else None."""
        b = {}
        fg = None if self.allow_multiple_clients else fgraph
        if not self._match(var, b, fg, True):
            return None
        if self.where is not None and not self.where(b):
            return None
        return b

    def transform(self, fgraph, node):
        if len(node.outputs) != 1:
            return None
        old = node.outputs[0]
        b = self.match(old, fgraph)
        if b is None:
            return None
        out = self.out_pattern
        if callable(out) and not isinstance(out, tuple) and not hasattr(out, "make_node"):
            new = out(fgraph, b)
        else:
            new = _build(out, b)
        if new is None or new is old:
            return None
        if not isinstance(new, Variable):
            raise TypeError(f"the out pattern built {new!r}, not a variable")
        if new.type is not old.type and new.type != old.type:
            conv = getattr(old.type, "convert_variable", None)
            if conv is None or conv(new) is None:
                return None
        return [new]


# ---------------------------------------------------------------------------
# Applying a rule to a node
# ---------------------------------------------------------------------------


class RewriteTrace:
    """What the drivers did: per rule, how often it was tried and fired, the
    time spent in it and its failures; ``events``: (rule, op, location) of
    each firing (at most ``max_events``).  ``print(trace)`` shows a table."""

    def __init__(self, max_events=100_000):
        self.tried = {}
        self.fired = {}
        self.time = {}
        self.failed = {}
        self.events = []
        self.max_events = max_events
        self.dropped_events = 0

    def record(self, name, node, fired, dt):
        self.tried[name] = self.tried.get(name, 0) + 1
        self.time[name] = self.time.get(name, 0.0) + dt
        if fired:
            self.fired[name] = self.fired.get(name, 0) + fired
            if node is not None:
                if len(self.events) < self.max_events:
                    self.events.append((name, str(node.op), node.trace))
                else:
                    self.dropped_events += 1

    def record_failure(self, name, node, error):
        self.failed[name] = self.failed.get(name, 0) + 1

    def counts(self):
        """{rule name: times it fired}."""
        return dict(self.fired)

    def __str__(self):
        names = sorted(self.tried, key=lambda k: (-self.fired.get(k, 0), -self.time.get(k, 0.0), k))
        w = max([len("rule")] + [len(k) for k in names])
        lines = [f"{'rule':{w}s} {'fired':>8s} {'tried':>9s} {'time s':>9s} {'failed':>7s}"]
        for k in names:
            lines.append(f"{k:{w}s} {self.fired.get(k, 0):8d} {self.tried.get(k, 0):9d} "
                         f"{self.time.get(k, 0.0):9.4f} {self.failed.get(k, 0):7d}")
        total = sum(self.fired.values())
        lines.append(f"{total} rewrites; {len(self.events)} events recorded"
                     + (f" ({self.dropped_events} more not kept)" if self.dropped_events else ""))
        return "\n".join(lines)

    def where(self):
        """One line per firing: ``file:line  rule  op``."""
        return "\n".join(f"{format_location(t)}  {n}  {op}" for n, op, t in self.events)


def _replacement_pairs(node, result):
    if isinstance(result, dict):
        return [(o, n) for o, n in result.items() if n is not None and n is not o]
    if isinstance(result, Variable):
        result = [result]
    if not isinstance(result, (list, tuple)):
        raise TypeError(f"a rule returns None, False, a list of variables or a dict, "
                        f"got {type(result).__name__}")
    if len(result) != len(node.outputs):
        raise ValueError(f"the rule returned {len(result)} replacements for a node with "
                         f"{len(node.outputs)} outputs")
    pairs = []
    i = 0
    for n in result:
        o = node.outputs[i]
        i += 1
        if n is None or n is o:
            continue
        if not isinstance(n, Variable):
            raise TypeError(f"replacement {i - 1} is {type(n).__name__}, not a Variable")
        pairs.append((o, n))
    return pairs


def _keep_locations(fgraph, pairs):
    """The nodes a replacement brings in (those not in the graph) that have
    no trace get the trace of the variable they replace; a replacement that
    uses the variable it replaces is refused (it would make a cycle)."""
    in_graph = fgraph.apply_nodes
    for old, new in pairs:
        loc = location_of(old)
        node = new.owner
        if node is None or node in in_graph:
            continue
        stack = [node]
        seen = set()
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            if n.trace is None and loc is not None:
                n.trace = loc
            for v in n.inputs:
                if v is old:
                    raise ValueError(f"the replacement of {old} uses {old} itself")
                p = v.owner
                if p is not None and p not in in_graph and id(p) not in seen:
                    stack.append(p)


def _apply_rule(fgraph, rule, node, skip_errors, trace):
    """Offer ``node`` to ``rule``; make its replacements.  True if it fired."""
    t0 = time.perf_counter() if trace is not None else 0.0
    try:
        result = rule.transform(fgraph, node)
        if result is None or result is False:
            if trace is not None:
                trace.record(_rule_name(rule), node, 0, time.perf_counter() - t0)
            return False
        pairs = _replacement_pairs(node, result)
        if not pairs:
            if trace is not None:
                trace.record(_rule_name(rule), node, 0, time.perf_counter() - t0)
            return False
        for old, new in pairs:
            if old not in fgraph.variables:
                raise ValueError(f"the rule replaces {old}, which is not in the graph")
        _keep_locations(fgraph, pairs)
        _replace_pairs(fgraph, pairs, _rule_name(rule))
    except Exception as e:
        if isinstance(e, RewriteLimitError):
            raise
        err = RewriteError(rule, node, e)
        if trace is not None:
            trace.record(_rule_name(rule), node, 0, time.perf_counter() - t0)
            trace.record_failure(_rule_name(rule), node, e)
        if skip_errors:
            warnings.warn(f"{err} (rule skipped)", RewriteWarning, stacklevel=2)
            return False
        raise err from e
    if trace is not None:
        trace.record(_rule_name(rule), node, 1, time.perf_counter() - t0)
    return True


def apply_node_rewriter(fgraph, rule, node, skip_errors=False, trace=None):
    """Apply one rule to one node of ``fgraph`` (True if it changed the graph)."""
    old = set_tracing(False)
    try:
        return _apply_rule(fgraph, rule, node, skip_errors, trace)
    finally:
        set_tracing(old)


# ---------------------------------------------------------------------------
# Graph rewriters: walkers, equilibrium, sequence
# ---------------------------------------------------------------------------


class GraphRewriter:
    """A pass over a whole ``FunctionGraph``: ``apply(fgraph, trace=None)``
    edits it in place and returns the number of changes."""

    name = None

    def apply(self, fgraph, trace=None):
        raise NotImplementedError

    def __call__(self, fgraph, trace=None):
        return self.apply(fgraph, trace)

    def rewrite(self, fgraph, trace=None):
        return self.apply(fgraph, trace)

    def __str__(self):
        return self.name or type(self).__name__

    __repr__ = __str__


class _NodeQueue(Feature):
    """Appends to ``queue`` the nodes a change brings into the graph and, if
    ``changed_inputs``, the nodes whose inputs change in place."""

    def __init__(self, queue, changed_inputs):
        self.queue = queue
        self.changed_inputs = changed_inputs

    def on_import(self, fgraph, node, reason):
        self.queue.append(node)

    def on_change_input(self, fgraph, node, i, var, new_var, reason):
        if self.changed_inputs and node != OUTPUT:
            self.queue.append(node)


def _as_index(rules):
    if isinstance(rules, RuleIndex):
        return rules
    if isinstance(rules, NodeRewriter):
        rules = [rules]
    for r in rules:
        if not hasattr(r, "transform"):
            raise TypeError(f"not a node rewriter: {r!r}")
    return RuleIndex(rules)


def _walk(fgraph, queue, index, skip_errors, trace, counts):
    """Offer each node of ``queue`` (which may grow meanwhile) to its rules;
    returns the number of rewrites."""
    nodes = fgraph.apply_nodes
    k = 0
    changes = 0
    while k < len(queue):
        node = queue[k]
        queue[k] = None
        k += 1
        if node not in nodes:
            continue
        for rule in index.rules_for(node.op):
            if _apply_rule(fgraph, rule, node, skip_errors, trace):
                changes += 1
                if counts is not None:
                    counts[rule] = counts.get(rule, 0) + 1
                if node not in nodes:
                    break
    return changes


class WalkingRewriter(GraphRewriter):
    """One walk over the graph offering each node to the rules that track
    its op: ``order="in_to_out"`` (inputs first) or ``"out_to_in"``.  Nodes
    a rewrite brings in are offered too, after the others, unless
    ``ignore_newtrees``.  ``skip_errors``: a rule that raises is skipped
    with a ``RewriteWarning`` (default: ``RewriteError``)."""

    def __init__(self, rules, order="in_to_out", ignore_newtrees=False, skip_errors=False,
                 name=None):
        if order not in ("in_to_out", "out_to_in"):
            raise ValueError(f"order is 'in_to_out' or 'out_to_in', got {order!r}")
        self.index = _as_index(rules)
        self.order = order
        self.ignore_newtrees = ignore_newtrees
        self.skip_errors = skip_errors
        self.name = name or f"{order}({', '.join(_rule_name(r) for r in self.index.rules)})"

    def apply(self, fgraph, trace=None):
        queue = fgraph.toposort()
        if self.order == "out_to_in":
            queue.reverse()
        feat = None
        if not self.ignore_newtrees:
            feat = _NodeQueue(queue, False)
            fgraph.attach_feature(feat)
        old = set_tracing(False)
        try:
            with gc_paused():
                return _walk(fgraph, queue, self.index, self.skip_errors, trace, None)
        finally:
            set_tracing(old)
            if feat is not None:
                fgraph.remove_feature(feat)


def in2out(*rules, **kw):
    """A ``WalkingRewriter`` from inputs to outputs."""
    return WalkingRewriter(list(rules), order="in_to_out", **kw)


def out2in(*rules, **kw):
    """A ``WalkingRewriter`` from outputs to inputs."""
    return WalkingRewriter(list(rules), order="out_to_in", **kw)


class EquilibriumRewriter(GraphRewriter):
    """Apply ``rules`` until none fires (a fixed point).  Each pass walks the
    whole graph (``order``) and then the nodes that its rewrites brought in
    or changed; passes repeat while a pass changed something.

    Limits: a rule may fire at most ``max_per_rule`` times (default
    ``max_use_ratio`` times the number of nodes, at least 100) and all rules
    together ``max_rewrites`` times (default 4 times that) in at most
    ``max_passes`` passes; past one, ``RewriteLimitError`` names the rules
    that kept firing.  ``global_rewriters``: graph rewriters (e.g. merge) run
    at the start of each pass.  ``skip_errors`` as ``WalkingRewriter``."""

    def __init__(self, rules, order="in_to_out", max_use_ratio=8.0, max_per_rule=None,
                 max_rewrites=None, max_passes=100, skip_errors=False, global_rewriters=(),
                 name=None):
        if order not in ("in_to_out", "out_to_in"):
            raise ValueError(f"order is 'in_to_out' or 'out_to_in', got {order!r}")
        self.index = _as_index(rules)
        self.order = order
        self.max_use_ratio = max_use_ratio
        self.max_per_rule = max_per_rule
        self.max_rewrites = max_rewrites
        self.max_passes = max_passes
        self.skip_errors = skip_errors
        self.global_rewriters = list(global_rewriters)
        self.name = name or f"equilibrium({', '.join(_rule_name(r) for r in self.index.rules)})"

    def _limits(self, n_nodes):
        per_rule = self.max_per_rule
        if per_rule is None:
            per_rule = max(100, int(self.max_use_ratio * n_nodes))
        total = self.max_rewrites
        if total is None:
            total = 4 * per_rule
        return per_rule, total

    def apply(self, fgraph, trace=None):
        per_rule, total_cap = self._limits(len(fgraph.apply_nodes))
        counts = {}
        total = 0
        passes = 0
        pass_counts = {}
        old = set_tracing(False)
        paused = gc_paused()
        paused.__enter__()
        try:
            while True:
                passes += 1
                if passes > self.max_passes:
                    self._fail(counts, pass_counts,
                               f"no fixed point after {self.max_passes} passes")
                changed = 0
                for gr in self.global_rewriters:
                    changed += gr.apply(fgraph, trace) or 0
                queue = fgraph.toposort()
                if self.order == "out_to_in":
                    queue.reverse()
                pass_counts = {}
                feat = _NodeQueue(queue, True)
                fgraph.attach_feature(feat)
                try:
                    changed += self._pass(fgraph, queue, trace, counts, pass_counts, per_rule,
                                          total, total_cap)
                finally:
                    fgraph.remove_feature(feat)
                total += sum(pass_counts.values())
                if not changed:
                    break
        finally:
            paused.__exit__(None, None, None)
            set_tracing(old)
        return total

    def _pass(self, fgraph, queue, trace, counts, pass_counts, per_rule, total, total_cap):
        nodes = fgraph.apply_nodes
        index = self.index
        skip = self.skip_errors
        changes = 0
        k = 0
        while k < len(queue):
            node = queue[k]
            queue[k] = None
            k += 1
            if node not in nodes:
                continue
            for rule in index.rules_for(node.op):
                if _apply_rule(fgraph, rule, node, skip, trace):
                    changes += 1
                    c = counts.get(rule, 0) + 1
                    counts[rule] = c
                    pass_counts[rule] = pass_counts.get(rule, 0) + 1
                    if c > per_rule:
                        self._fail(counts, pass_counts,
                                   f"rule {_rule_name(rule)!r} fired more than {per_rule} times")
                    if total + changes > total_cap:
                        self._fail(counts, pass_counts,
                                   f"more than {total_cap} rewrites in all")
                    if node not in nodes:
                        break
        return changes

    def _fail(self, counts, pass_counts, why):
        recent = pass_counts if pass_counts else counts
        ranked = sorted(recent.items(), key=lambda kv: -kv[1])
        rules = {_rule_name(r): counts.get(r, c) for r, c in ranked}
        listing = ", ".join(f"{n} ({c} times)" for n, c in rules.items())
        raise RewriteLimitError(
            f"{self.name}: the graph did not reach equilibrium ({why}); rules that kept firing: "
            f"{listing}. A rule (or a pair of rules) that undoes another's work cycles; raise "
            f"max_per_rule/max_rewrites if the graph is simply large.", rules)


class SequentialRewriter(GraphRewriter):
    """Graph rewriters run one after the other."""

    def __init__(self, passes, name=None):
        self.passes = list(passes)
        self.name = name or f"seq({', '.join(str(p) for p in self.passes)})"

    def apply(self, fgraph, trace=None):
        n = 0
        for p in self.passes:
            n += p.apply(fgraph, trace) or 0
        return n


# ---------------------------------------------------------------------------
# Merge (common subexpression elimination)
# ---------------------------------------------------------------------------
#
# Two nodes can only merge if they have the same inputs, so they share
# their "pivot" input: the first input that is not a constant (the first
# input when all are constants).  Merge looks at the clients of each
# variable with two or more clients, keeps those for which it is the pivot
# (each node is seen from one variable only) and groups them by (op,
# inputs), constants compared by signature.  Constants of equal signature
# are grouped once (a dict keyed by signature, not by node), and the nodes
# whose inputs are all constants are grouped across each such class.  After
# the first sweep, the variables that gained a client (the graph's change
# callbacks tell) are looked at again, until none is left.  No table keyed
# by every node is built.


def _pivot(node):
    i = 0
    for v in node.inputs:
        if not isinstance(v, Constant):
            return i
        i += 1
    return 0


def _input_key(v):
    if isinstance(v, Constant):
        return (_CONST_KEY, v.signature())
    return v


_CONST_KEY = object()


def _same_inputs(a, b):
    ia = a.inputs
    ib = b.inputs
    if len(ia) != len(ib) or len(a.outputs) != len(b.outputs):
        return False
    i = 0
    for x in ia:
        y = ib[i]
        i += 1
        if x is y:
            continue
        if not (isinstance(x, Constant) and isinstance(y, Constant)):
            return False
        if not _same_var(x, y):
            return False
    return True


def _mergeable_op(op):
    return not getattr(op, "destroy_map", None)


class _MergeQueue(Feature):
    """The variables that gained a client (their clients may now merge)."""

    def __init__(self):
        self.queue = []
        self.queued = set()

    def _push(self, node):
        if node == OUTPUT or not node.inputs:
            return
        v = node.inputs[_pivot(node)]
        if v not in self.queued:
            self.queued.add(v)
            self.queue.append(v)

    def on_import(self, fgraph, node, reason):
        self._push(node)

    def on_change_input(self, fgraph, node, i, var, new_var, reason):
        self._push(node)


class MergeRewriter(GraphRewriter):
    """Merge nodes with equal ops and identical inputs (constants of equal
    signature count as identical), and equal constants.

    Linear in the graph and iterative; it keeps no table keyed by every
    node.  Under ``copy_on_write`` a duplicate constant is replaced only
    where its users are the graph's own nodes: elsewhere replacing it would
    copy its users and every node above them, for nothing (a constant is
    never recomputed), and nodes that differ only by such constants merge
    anyway."""

    def __init__(self, merge_constants=True, name="merge"):
        self.merge_constants = merge_constants
        self.name = name

    def apply(self, fgraph, trace=None):
        t0 = time.perf_counter()
        q = _MergeQueue()
        fgraph.attach_feature(q)
        try:
            # copies of nodes stay alive: a collection midway finds nothing
            with gc_paused():
                n = _merge(fgraph, q, self.merge_constants)
        finally:
            fgraph.remove_feature(q)
        if trace is not None:
            trace.record(self.name, None, n, time.perf_counter() - t0)
        return n


def _merge(fgraph, q, merge_constants):
    clients = fgraph.clients
    classes = {}      # constant signature -> [constants]
    unhashable = []   # constants whose signature cannot be hashed
    multi = []        # variables with two or more clients
    no_inputs = []    # nodes without inputs
    for v, cl in clients.items():
        if isinstance(v, Constant):
            try:
                sig = v.signature()
                lst = classes.get(sig)
                if lst is None:
                    classes[sig] = [v]
                else:
                    lst.append(v)
            except TypeError:
                unhashable.append(v)
        elif v.owner is not None and v.index == 0 and not v.owner.inputs:
            no_inputs.append(v.owner)
        if len(cl) >= 2:
            multi.append(v)
    merged = 0
    # nodes whose inputs are all constants: grouped across each class
    for lst in classes.values():
        cands = []
        for c in lst:
            for nd, i in clients.get(c, ()):
                if i == 0 and nd != OUTPUT and _pivot(nd) == 0 and isinstance(nd.inputs[0], Constant):
                    cands.append(nd)
        if len(cands) >= 2:
            merged += _merge_nodes(fgraph, cands)
    if len(no_inputs) >= 2:
        merged += _merge_nodes(fgraph, no_inputs)
    no_inputs = None
    variables = fgraph.variables
    for v in multi:
        if v in variables:
            merged += _merge_clients_of(fgraph, v)
    multi = None
    queue = q.queue
    k = 0
    while k < len(queue):
        v = queue[k]
        queue[k] = None
        k += 1
        q.queued.discard(v)
        if v in variables:
            merged += _merge_clients_of(fgraph, v)
    # equal constants, last (node keys compare constants by signature, so
    # this brings no new merge; the copies merging made are the graph's
    # own by now): physically where it is free
    if merge_constants:
        merged += _merge_constants(fgraph, classes)
    return merged


def _merge_constants(fgraph, classes):
    clients = fgraph.clients
    variables = fgraph.variables
    inputs = set(fgraph.inputs)
    owned = getattr(fgraph, "_owned", None)
    merged = 0
    for lst in classes.values():
        if len(lst) < 2:
            continue
        keep = None
        for c in lst:
            if c in variables:
                keep = c
                break
        if keep is None:
            continue
        for c in lst:
            if c is keep or c in inputs or c not in variables:
                continue
            cl = clients.get(c)
            if not cl:
                continue
            if owned is not None:
                free = True
                for nd, _ in cl:
                    if nd != OUTPUT and nd not in owned:
                        free = False
                        break
                if not free:
                    continue
            if keep.type != c.type:
                continue
            fgraph.replace(c, keep, reason="merge")
            merged += 1
    return merged


def _merge_clients_of(fgraph, v):
    cl = fgraph.clients.get(v)
    if cl is None or len(cl) < 2:
        return 0
    cands = []
    for nd, i in cl:
        if nd != OUTPUT and _pivot(nd) == i:
            cands.append(nd)
    if len(cands) < 2:
        return 0
    return _merge_nodes(fgraph, cands)


def _merge_nodes(fgraph, cands):
    nodes = fgraph.apply_nodes
    merged = 0
    if len(cands) == 2:
        a = cands[0]
        b = cands[1]
        if a is not b and a.op == b.op and _mergeable_op(a.op) and _same_inputs(a, b):
            if _merge_into(fgraph, b, a):
                merged += 1
        return merged
    groups = {}
    rest = []
    for nd in cands:
        if nd not in nodes:
            continue
        try:
            key = (nd.op, len(nd.outputs), tuple([_input_key(x) for x in nd.inputs]))
            keep = groups.get(key)
        except TypeError:  # an unhashable op or constant signature
            rest.append(nd)
            continue
        if keep is None:
            groups[key] = nd
        elif keep is not nd and _mergeable_op(nd.op) and keep in nodes:
            if _merge_into(fgraph, nd, keep):
                merged += 1
    # the few with unhashable parts: compared pairwise
    k = 0
    while k < len(rest):
        a = rest[k]
        k += 1
        if a not in nodes:
            continue
        for b in rest[k:]:
            if b in nodes and a.op == b.op and _mergeable_op(a.op) and _same_inputs(a, b):
                if _merge_into(fgraph, b, a):
                    merged += 1
    return merged


def _merge_into(fgraph, node, keep):
    """Make every user of ``node``'s outputs use ``keep``'s."""
    nodes = fgraph.apply_nodes
    if node not in nodes or keep not in nodes:
        return False
    clients = fgraph.clients
    pairs = []
    i = 0
    for o in node.outputs:
        k = keep.outputs[i]
        i += 1
        if o.type is not k.type and o.type != k.type:
            return False
        if _is_output(clients.get(o)) and _is_output(clients.get(k)):
            # two outputs of the graph would become one variable, and a
            # compiled function would hand out one array twice
            return False
        pairs.append((o, k))
    _replace_pairs(fgraph, pairs, "merge")
    return True


def _is_output(cl):
    if cl:
        for c in cl:
            if c[0] == OUTPUT:
                return True
    return False


def _replace_pairs(fgraph, pairs, reason):
    """``replace_all``, skipping the variables an earlier replacement of
    the batch took out of the graph (the other, unused outputs of a node
    that was pruned once its used ones were replaced)."""
    variables = fgraph.variables
    for old, new in pairs:
        if old in variables:
            fgraph.replace(old, new, reason=reason)
