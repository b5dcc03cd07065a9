"""Replacing variables in graphs, as ``pytensor.graph.replace``.

``clone_replace`` copies the whole graph (as PyTensor's), ``graph_replace``
re-creates only the nodes that depend on a replaced variable, and
``vectorize_graph`` (from ``tensorsmith_tensorops.blockwise``) replaces inputs
by batched ones."""
from collections.abc import Iterable, Sequence

from tensorsmith_graphcore import Constant, Variable
from tensorsmith_graphcore import clone_replace as _core_clone_replace
from tensorsmith_graphcore import toposort as _core_toposort
from tensorsmith_tensorops.blockwise import vectorize_graph  # noqa: F401

from .traversal import truncated_graph_inputs

__all__ = ["clone_replace", "graph_replace", "vectorize_graph"]


def _format_replace(replace):
    """``replace`` (a dict, an iterable of pairs or None) as a dict."""
    if replace is None:
        return {}
    if isinstance(replace, dict):
        return replace
    if isinstance(replace, Iterable):
        return dict(replace)
    raise ValueError(
        "replace is neither a dictionary, list, tuple or None ! "
        f"The value provided is {replace}, of type {type(replace)}"
    )


def _as_type_of(old, new):
    """``new`` as a variable of ``old``'s type (converted where the type allows,
    e.g. a SpecifyShape for a less specific static shape), else TypeError."""
    if new.type is old.type or new.type == old.type:
        return new
    filt = getattr(old.type, "filter_variable", None)
    if filt is None:
        raise TypeError(f"Cannot convert Type {new.type} (of Variable {new}) into Type {old.type}")
    return filt(new, allow_convert=True)


def clone_replace(output, replace=None, rebuild_strict=True, copy_inputs_over=True,
                  no_default_updates=False, clone_inner_graphs=False):
    """A copy of the graph of ``output`` (a variable, or a list/tuple of them:
    a list is returned) where each key of ``replace`` (a dict or pairs) is
    replaced by a copy of its value's graph.

    Every node is copied; the leaves (variables without owner) are kept, or
    copied too when ``copy_inputs_over`` is false.  ``rebuild_strict``: an
    input's new type must be convertible to the old one (TypeError if not);
    otherwise nodes whose input types changed are rebuilt by their op's
    ``make_node``.  ``no_default_updates`` and ``clone_inner_graphs`` are
    accepted for compatibility (PyTensor's ``rebuild_collect_shared``
    arguments) and have no effect here."""
    del no_default_updates, clone_inner_graphs
    pairs = list(_format_replace(replace).items())
    for old, new in pairs:
        if not isinstance(old, Variable):
            raise TypeError("`givens` keys must be Variables")
        if not isinstance(new, Variable):
            raise TypeError(f"clone_replace: the replacement of {old} must be a Variable")
    single = not isinstance(output, (list, tuple))
    outs = [output] if single else list(output)
    memo = {}

    def copy_graph(graphs, blockers):
        for node in _core_toposort(graphs, blockers=blockers):
            if node.outputs[0] in memo:  # already copied (shared with a value)
                continue
            new_inputs = []
            for i in node.inputs:
                ni = memo.get(i)
                if ni is None:
                    ni = memo[i] = i if copy_inputs_over else i.clone()
                elif rebuild_strict:
                    ni = _as_type_of(i, ni)
                new_inputs.append(ni)
            new_node = node.clone_with_new_inputs(new_inputs, strict=False)
            for o, no in zip(node.outputs, new_node.outputs):
                if no.name is None:
                    no.name = o.name
                memo[o] = no

    def copy_of(v):
        nv = memo.get(v)
        if nv is None:
            nv = memo[v] = v if copy_inputs_over else v.clone()
        return nv

    # the replacements' own graphs are copied first (keys inside them stay)
    values = [new for _, new in pairs]
    copy_graph(values, None)
    new_values = [copy_of(v) for v in values]
    for (old, _), nv in zip(pairs, new_values):
        memo[old] = nv
    copy_graph(outs, [old for old, _ in pairs])
    res = [copy_of(v) for v in outs]
    return res[0] if single else res


def graph_replace(outputs, replace=None, *, strict=True):
    """``outputs`` with each key of ``replace`` (a dict or pairs) replaced by
    its value.  Only the nodes that depend on a replaced variable are
    re-created; the rest of the graph is shared with ``outputs``.

    Each value must have (or be convertible to) its key's type: TypeError
    otherwise.  ``strict``: ValueError when a key is not part of the graph of
    ``outputs`` (constants never are); without it such keys are ignored.
    Returns a list for a list or tuple, else one variable."""
    as_list = isinstance(outputs, Sequence) and not isinstance(outputs, Variable)
    outs = list(outputs) if as_list else [outputs]
    replace_dict = _format_replace(replace)
    in_graph = set(
        v for v in truncated_graph_inputs(outs, replace_dict) if not isinstance(v, Constant)
    )
    unused = {k: v for k, v in replace_dict.items() if k not in in_graph}
    if strict and unused:
        raise ValueError(f"Some replacements were not used: {unused}")
    pairs = [(k, _as_type_of(k, v)) for k, v in replace_dict.items() if k in in_graph]
    if not pairs:
        return list(outs) if as_list else outs[0]
    new_outs = _core_clone_replace(outs, pairs)
    return new_outs if as_list else new_outs[0]
