"""The rewrite database: named passes with tags and positions, and the
queries that select them.

* ``RewriteDB``: entries ``name -> (rewriter, tags)``; an entry's name is one
  of its tags.  ``query(include, exclude, require)`` selects the entries
  that carry at least one tag of ``include``, none of ``exclude`` and every
  tag of ``require``.
* ``SequenceDB``: entries at ``position``s; a query gives a
  ``SequentialRewriter`` of the selected entries in position order (equal
  positions: registration order).  An entry that is itself a database is
  queried with the same tags (its selection becomes one pass; an empty one
  is left out).
* ``EquilibriumDB``: node rules; a query gives an ``EquilibriumRewriter``
  over the selected rules (None when none is selected).

The pipelines (``FAST_RUN``, ``FAST_COMPILE``) query ``rewrite_db``
(``tensorsmith_rewriter/__init__.py``)."""
import sys
import warnings

from tensorsmith_graphcore.rewrite import (
    EquilibriumRewriter,
    GraphRewriter,
    NodeRewriter,
    RewriteTrace,
    RewriteWarning,
    SequentialRewriter,
)

__all__ = ["Query", "RewriteDB", "SequenceDB", "EquilibriumDB"]


def _tags(tags, what):
    if isinstance(tags, str):
        tags = (tags,)
    tags = tuple(tags)
    for t in tags:
        if not isinstance(t, str):
            raise TypeError(f"{what}: tags are strings, got {t!r}")
    return tags


class Query:
    """Which entries a query selects: ``include`` (any of these tags),
    ``exclude`` (none of these), ``require`` (all of these)."""

    def __init__(self, include=(), exclude=(), require=()):
        self.include = frozenset(_tags(include, "include"))
        self.exclude = frozenset(_tags(exclude, "exclude"))
        self.require = frozenset(_tags(require, "require"))

    def selects(self, tags):
        return (not tags.isdisjoint(self.include) and tags.isdisjoint(self.exclude)
                and self.require <= tags)

    def __repr__(self):
        return (f"Query(include={sorted(self.include)}, exclude={sorted(self.exclude)}, "
                f"require={sorted(self.require)})")


class _Entry:
    __slots__ = ("name", "obj", "tags", "position", "order")

    def __init__(self, name, obj, tags, position, order):
        self.name = name
        self.obj = obj
        self.tags = tags
        self.position = position
        self.order = order


class RewriteDB:
    """Named rewriters with tags."""

    def __init__(self, name=None):
        self.name = name
        self._entries = {}
        self._count = 0

    def register(self, name, obj, *tags, position=None):
        """Add ``obj`` (a node rule, a graph rewriter or a database) as
        ``name`` with ``tags``; a name is registered once."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"register: the name must be a non-empty string, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self._what()}: {name!r} is registered already")
        self._check(name, obj)
        tags = frozenset(_tags(tags, f"register({name!r})")) | {name}
        self._count += 1
        self._entries[name] = _Entry(name, obj, tags, self._position(name, position), self._count)
        return obj

    def _position(self, name, position):
        return 0.0

    def _check(self, name, obj):
        pass

    def _what(self):
        return f"{type(self).__name__}({self.name!r})" if self.name else type(self).__name__

    def remove(self, name):
        del self._entries[name]

    def add_tags(self, name, *tags):
        e = self._entries[name]
        e.tags = e.tags | frozenset(_tags(tags, "add_tags"))

    def remove_tags(self, name, *tags):
        e = self._entries[name]
        e.tags = e.tags - (frozenset(_tags(tags, "remove_tags")) - {name})

    def __contains__(self, name):
        return name in self._entries

    def __getitem__(self, name):
        return self._entries[name].obj

    def __len__(self):
        return len(self._entries)

    def names(self):
        return [e.name for e in self._ordered()]

    def tags_of(self, name):
        return set(self._entries[name].tags)

    def _ordered(self):
        return sorted(self._entries.values(), key=lambda e: (e.position, e.order))

    def select(self, include=(), exclude=(), require=()):
        """The entries the query selects, in order: (name, obj) pairs."""
        q = include if isinstance(include, Query) else Query(include, exclude, require)
        return [(e.name, e.obj) for e in self._ordered() if q.selects(e.tags)]

    def query(self, include=(), exclude=(), require=()):
        raise NotImplementedError

    def __repr__(self):
        return f"{self._what()}[{', '.join(self.names())}]"


def _realize(obj, q):
    """A selected entry as something to run (a database: its own query)."""
    if isinstance(obj, RewriteDB):
        return obj.query(q)
    return obj


class SequenceDB(RewriteDB):
    """Graph passes at positions, run in order."""

    def _position(self, name, position):
        if position is None:
            raise TypeError(f"{self._what()}.register({name!r}): a position is required")
        return float(position)

    def _check(self, name, obj):
        if not isinstance(obj, (GraphRewriter, RewriteDB)) and not callable(obj):
            raise TypeError(f"{self._what()}.register({name!r}): expected a graph rewriter or a "
                            f"database, got {obj!r}")

    def positions(self):
        return {e.name: e.position for e in self._ordered()}

    def query(self, include=(), exclude=(), require=()):
        q = include if isinstance(include, Query) else Query(include, exclude, require)
        passes = []
        names = []
        for name, obj in self.select(q):
            r = _realize(obj, q)
            if r is None:
                continue
            passes.append(r)
            names.append(name)
        return Pipeline(passes, names, name=self.name)


class EquilibriumDB(RewriteDB):
    """Node rules applied together until none fires."""

    def __init__(self, name=None, **options):
        super().__init__(name)
        self.options = options

    def _check(self, name, obj):
        if not isinstance(obj, NodeRewriter) and not hasattr(obj, "transform"):
            raise TypeError(f"{self._what()}.register({name!r}): expected a node rewriter, "
                            f"got {obj!r}")

    def query(self, include=(), exclude=(), require=()):
        q = include if isinstance(include, Query) else Query(include, exclude, require)
        rules = [obj for _, obj in self.select(q)]
        if not rules:
            return None
        return EquilibriumRewriter(rules, name=self.name, **self.options)


class Pipeline(SequentialRewriter):
    """The passes a query selected, run in order.  ``Pipeline(...)(fgraph)``
    rewrites ``fgraph`` in place.  A merge pass is skipped when nothing
    changed the graph since the previous merge pass ran."""

    def __init__(self, passes, names=None, name=None):
        super().__init__(passes, name=name or "pipeline")
        self.names = list(names) if names is not None else [str(p) for p in passes]

    def apply(self, fgraph, trace=None):
        """Run the passes on ``fgraph``.  Two options of ``config`` apply:
        ``optimizer_verbose`` prints the rules that fired (a
        ``RewriteTrace``, per rule and per place) when the pipeline is done;
        ``on_opt_error`` decides what a rule that raises does: ``raise`` (the
        default: ``RewriteError`` naming the rule, the node and where the
        user made it), ``warn`` (the rule is skipped for that node with a
        ``RewriteWarning``) or ``ignore`` (skipped silently)."""
        from tensorsmith_tensorops.config import config

        verbose = config.optimizer_verbose
        on_error = config.on_opt_error
        if verbose and trace is None:
            trace = RewriteTrace()
        if on_error == "raise":
            n = self._apply(fgraph, trace)
        else:
            skipping = [p for p in self.passes if hasattr(p, "skip_errors") and not p.skip_errors]
            for p in skipping:
                p.skip_errors = True
            try:
                with warnings.catch_warnings():
                    if on_error == "ignore":
                        warnings.simplefilter("ignore", RewriteWarning)
                    n = self._apply(fgraph, trace)
            finally:
                for p in skipping:
                    p.skip_errors = False
        if verbose:
            print(f"{self}: {n} rewrites", file=sys.stderr)
            print(trace, file=sys.stderr)
            if trace.events:
                print(trace.where(), file=sys.stderr)
        return n

    def _apply(self, fgraph, trace):
        from tensorsmith_graphcore.rewrite import MergeRewriter

        watch = _ChangeCounter()
        fgraph.attach_feature(watch)
        try:
            n = 0
            merged_at = None
            for p in self.passes:
                if isinstance(p, MergeRewriter):
                    if merged_at is not None and merged_at == watch.count:
                        continue
                    n += p.apply(fgraph, trace) or 0
                    merged_at = watch.count
                elif isinstance(p, GraphRewriter):
                    n += p.apply(fgraph, trace) or 0
                else:  # a plain callable on the graph
                    p(fgraph)
            return n
        finally:
            fgraph.remove_feature(watch)

    def __repr__(self):
        return f"Pipeline({', '.join(self.names)})"

    __str__ = __repr__


class _ChangeCounter:
    def __init__(self):
        self.count = 0

    def on_import(self, fgraph, node, reason):
        self.count += 1

    def on_change_input(self, fgraph, node, i, var, new_var, reason):
        self.count += 1

    def on_prune(self, fgraph, node, reason):
        self.count += 1
