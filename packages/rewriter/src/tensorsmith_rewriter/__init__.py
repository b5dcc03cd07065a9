"""tensorsmith_rewriter: the rewrite database and the standard passes.

``rewrite_db`` (a ``SequenceDB``) holds the stages of every pipeline, in
this order (positions in brackets):

    merge1 (0)  useless (10)  canonicalize (20)  stabilize (30)
    specialize (40)  fusion (50)  merge2 (100)  inplace (110)

The merge stages run graphcore's ``MergeRewriter`` (CSE and equal
constants); the others are ``EquilibriumDB``s of node rules, which the
tensor passes of this package fill (``canonicalize.py``, ``stabilize.py``,
... register into them with ``register_canonicalize``,
``register_stabilize``, ...); graph passes sit between them by position
(``elemwise_fusion`` at 49.5).  The in-place stage comes after the last
merge: merging two equal nodes after it could give a value that one of
them overwrites to the readers of the other (``inplace.py``).  A stage
with no selected rule is left out.

Pipelines (registered in graphcore's mode registry, replacing the empty
ones): ``FAST_RUN`` queries the tag ``fast_run`` (every stage),
``FAST_COMPILE`` the tag ``fast_compile`` (the stages tagged so: the merges
and ``useless``; a rule tagged ``fast_compile`` runs in FAST_COMPILE only
when its stage is one of them).  ``Mode.including/excluding/requiring`` add tags to the
query; a pass or rule's name is one of its tags.

``rewrite_graph(outputs, include=("canonicalize",), ...)`` rewrites a graph
without compiling it.  See docs/REWRITING.md.

It sits above the tensor ops in the import direction (graphcore <- autodiff
<- tensorops <- rewriter) so that passes over tensor ops land here."""
import os as _os

import tensorsmith_tensorops  # noqa: F401  (its place in the import direction)
from tensorsmith_graphcore import register_library_path as _register_library_path
from tensorsmith_graphcore.modes import Mode, register_mode, register_pipeline
from tensorsmith_graphcore.rewrite import (  # noqa: F401  (re-exported)
    EquilibriumRewriter,
    MergeRewriter,
    PatternNodeRewriter,
    RewriteTrace,
    node_rewriter,
)

from .db import EquilibriumDB, Pipeline, Query, RewriteDB, SequenceDB

# nodes made by rules carry the user's location, not a line of this package
_register_library_path(_os.path.dirname(_os.path.abspath(__file__)))

__version__ = "0.1.0"

__all__ = [
    "get_pipeline", "PIPELINES", "STAGES", "rewrite_db", "make_pipeline", "rewrite_graph",
    "register_useless", "register_canonicalize", "register_stabilize", "register_specialize",
    "register_fusion", "register_inplace", "RewriteDB", "SequenceDB", "EquilibriumDB", "Query",
    "Pipeline", "node_rewriter", "PatternNodeRewriter", "MergeRewriter", "EquilibriumRewriter",
    "RewriteTrace",
]

PIPELINES = ("FAST_RUN", "FAST_COMPILE")

#: (stage name, position, tags of the stage) in pipeline order
STAGES = (
    ("merge1", 0, ("fast_run", "fast_compile", "merge")),
    ("useless", 10, ("fast_run", "fast_compile")),
    ("canonicalize", 20, ("fast_run",)),
    ("stabilize", 30, ("fast_run",)),
    ("specialize", 40, ("fast_run",)),
    ("fusion", 50, ("fast_run",)),
    ("merge2", 100, ("fast_run", "fast_compile", "merge")),
    ("inplace", 110, ("fast_run",)),
)

rewrite_db = SequenceDB("rewrite_db")
for _name, _pos, _tags in STAGES:
    if _name.startswith("merge"):
        rewrite_db.register(_name, MergeRewriter(name=_name), *_tags, position=_pos)
    else:
        rewrite_db.register(_name, EquilibriumDB(_name), *_tags, position=_pos)


def _register_rule(stage, rule, tags, name, default_tags):
    db = rewrite_db[stage]
    name = name or getattr(rule, "name", None) or getattr(rule, "__name__", None)
    if not name:
        raise ValueError(f"register_{stage}: the rule needs a name")
    db.register(name, rule, *(default_tags + (stage,) + tuple(tags)))
    return rule


def _registrar(stage, default_tags, doc):
    def register(rule=None, *tags, name=None):
        if rule is None or isinstance(rule, str):
            # used as @register_x("tag", ...) over a rule
            more = (() if rule is None else (rule,)) + tags

            def deco(r):
                return _register_rule(stage, r, more, name, default_tags)

            return deco
        return _register_rule(stage, rule, tags, name, default_tags)

    register.__name__ = f"register_{stage}"
    register.__doc__ = doc
    return register


_DOC = ("Register a node rule in the {0} stage: ``register_{0}(rule, *tags, name=None)`` "
        "(or as a decorator above a rule).  The rule gets the tags {1} and the stage name; "
        "the tag ``\"fast_compile\"`` runs it in FAST_COMPILE too when the stage is one that "
        "FAST_COMPILE runs (``useless``; see ``STAGES``).")
register_useless = _registrar("useless", ("fast_run",), _DOC.format("useless", "fast_run"))
register_canonicalize = _registrar("canonicalize", ("fast_run",),
                                   _DOC.format("canonicalize", "fast_run"))
register_stabilize = _registrar("stabilize", ("fast_run",), _DOC.format("stabilize", "fast_run"))
register_specialize = _registrar("specialize", ("fast_run",),
                                 _DOC.format("specialize", "fast_run"))
register_fusion = _registrar("fusion", ("fast_run",), _DOC.format("fusion", "fast_run"))
register_inplace = _registrar("inplace", ("fast_run",), _DOC.format("inplace", "fast_run"))


def make_pipeline(include=(), exclude=(), require=()):
    """The ``Pipeline`` of the passes of ``rewrite_db`` the tags select."""
    return rewrite_db.query(include, exclude, require)


def _pipeline_factory(base):
    def factory(include, exclude, require):
        p = make_pipeline(base + tuple(t for t in include if t not in base), exclude, require)
        return p if p.passes else None

    factory.__name__ = f"pipeline_{base[0]}"
    return factory


for _name in PIPELINES:
    _f = _pipeline_factory((_name.lower(),))
    register_pipeline(_name, _f)
    register_pipeline(_name.lower(), _f)  # PyTensor's spelling
register_mode("FAST_RUN", Mode(linker="default", optimizer="FAST_RUN", name="FAST_RUN"))
register_mode("FAST_COMPILE", Mode(linker="py", optimizer="FAST_COMPILE", name="FAST_COMPILE"))


def get_pipeline(mode_name, include=(), exclude=(), require=()):
    """The rewrite callable of a pipeline (None: it rewrites nothing)."""
    from tensorsmith_graphcore.modes import get_pipeline as _get

    return _get(mode_name, include, exclude, require)


def rewrite_graph(graph, include=("canonicalize",), exclude=(), require=(), custom_rewrite=None,
                  clone=False, verbose=False, trace=None):
    """``graph`` (a variable or a list of them) rewritten by the passes of
    ``rewrite_db`` that the tags select, without compiling, as PyTensor's
    ``rewrite_graph``.  The user's nodes are never modified (the graph is a
    ``FunctionGraph(copy_on_write=True)`` over them, or a clone with
    ``clone=True``).  ``custom_rewrite``: a graph rewriter run after the
    pipeline.  ``verbose=True`` prints the rules that fired (a
    ``RewriteTrace``; pass your own as ``trace`` to keep it).  Returns the
    rewritten variable(s) in the shape given."""
    from tensorsmith_graphcore import FunctionGraph, gc_paused

    single = not isinstance(graph, (list, tuple))
    outputs = [graph] if single else list(graph)
    if isinstance(include, str):
        include = (include,)
    fg = FunctionGraph(outputs=outputs, clone=clone, copy_on_write=not clone)
    if trace is None and verbose:
        trace = RewriteTrace()
    pipe = make_pipeline(include, exclude, require)
    # as in function(): the rewrites allocate nodes that stay alive, so the
    # cyclic collector, run midway, would walk a growing heap for nothing
    with gc_paused():
        pipe.apply(fg, trace)
        if custom_rewrite is not None:
            if hasattr(custom_rewrite, "apply"):
                custom_rewrite.apply(fg, trace)
            else:
                custom_rewrite(fg)
    if verbose:
        print(f"rewrite_graph: {pipe}")
        print(trace)
    res = list(fg.outputs)
    return res[0] if single else res


# The tensor passes: importing each module registers its rules in the stages
# above (order of import does not matter: positions and tags decide).
from . import (  # noqa: E402,F401
    canonicalize,
    constant_folding,
    fusion,
    inplace,
    shape_feature,
    shape_rules,
    specialize,
    stabilize,
)
