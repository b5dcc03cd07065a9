"""Reverse mode: ``grad`` and ``pullback`` (vector-Jacobian products).

One pass over the graph, linear in its size, no recursion:

1. ``toposort`` of the roots (the cost and the ``known_grads`` keys), stopping at
   ``consider_constant``;
2. a forward sweep marks the variables that depend on ``wrt`` (through
   differentiable variables, honouring ``connection_pattern``);
3. a reverse sweep marks the variables the roots truly depend on (for
   ``disconnected_inputs``) and, for each node that has an input depending on
   ``wrt`` and an output with a gradient, calls the node's rule.  Contributions
   are kept in lists and summed with ``type.add_gradients`` once, when a
   variable's total is first needed (all its clients come before it).
"""

from tensorsmith_graphcore import Constant, Variable, gc_paused, toposort, warn_user

from .markers import (
    DisconnectedGrad, DisconnectedInputError, MissingTypeHookError, NullGrad, disconnected,
    grad_not_implemented,
)
from .registry import NOT_DIFFERENTIABLE, get_grad_rule, grad_rule_takes_needed

__all__ = ["grad", "pullback", "Lop"]

_MISSING = object()


# ---------------------------------------------------------------------------
# Type hooks
# ---------------------------------------------------------------------------

_HOOK_DOC = {
    "grad_seed": "grad_seed(cost) -> the gradient of the cost with respect to itself",
    "zeros_like": "zeros_like(var) -> a zero gradient for var",
    "add_gradients": "add_gradients(list_of_vars) -> their sum",
}


def type_hook(t, name):
    """``t.<name>``, or a ``MissingTypeHookError`` saying what autodiff needs."""
    f = getattr(t, name, None)
    if f is None:
        raise MissingTypeHookError(
            f"type {t} ({type(t).__name__}) does not implement the autodiff hook "
            f"`{_HOOK_DOC.get(name, name)}`; define it on the type to differentiate its variables"
        )
    return f


def is_differentiable(var):
    """``var.type.differentiable`` (True when the type does not say)."""
    return getattr(var.type, "differentiable", True) is not False


def zeros_like(var):
    return type_hook(var.type, "zeros_like")(var)


def _connection_pattern(node, cache):
    f = getattr(node.op, "connection_pattern", None)
    if f is None:
        return None
    p = cache.get(node, _MISSING)
    if p is not _MISSING:
        return p
    p = f(node)
    if p is not None:
        nin = len(node.inputs)
        nout = len(node.outputs)
        p = [list(row) for row in p]
        if len(p) != nin or any(len(row) != nout for row in p):
            raise ValueError(
                f"{node.op}.connection_pattern must return one list of {nout} bools per input "
                f"({nin} inputs), got {p!r}"
            )
    cache[node] = p
    return p


def _check_terms(rule, node, terms):
    if not isinstance(terms, (list, tuple)) or len(terms) != len(node.inputs):
        name = getattr(rule, "__qualname__", repr(rule))
        n = len(terms) if isinstance(terms, (list, tuple)) else type(terms).__name__
        raise ValueError(
            f"the gradient rule {name} of {node.op} must return a list with one entry per input "
            f"({len(node.inputs)}), got {n}"
        )
    for i, t in enumerate(terms):
        if t is None or isinstance(t, (Variable, DisconnectedGrad, NullGrad)):
            continue
        name = getattr(rule, "__qualname__", repr(rule))
        raise TypeError(
            f"the gradient rule {name} of {node.op} returned {t!r} ({type(t).__name__}) for input {i}; "
            "expected a Variable, `disconnected` or a NullGrad"
        )


def _filter_terms(rule, node, terms, want=None):
    """Apply the optional type hook ``filter_gradient(var, g) -> g`` of each
    input's type to the rule's gradient for it (cast or check it); with
    ``want``, only to the inputs whose gradient is used."""
    out = None
    ins = node.inputs
    for i in range(len(terms)):
        t = terms[i]
        if not isinstance(t, Variable) or (want is not None and not want[i]):
            continue
        f = getattr(ins[i].type, "filter_gradient", None)
        if f is None:
            continue
        try:
            nt = f(ins[i], t)
        except Exception as e:
            name = getattr(rule, "__qualname__", repr(rule))
            if hasattr(e, "add_note"):  # Python 3.11+
                e.add_note(
                    f"while checking the gradient that rule {name} of {node.op} returned for input {i} ({ins[i]})"
                )
            raise
        if nt is not t:
            if out is None:
                out = list(terms)
            out[i] = nt
    return terms if out is None else out


def _no_rule_terms(op, ins):
    return [
        grad_not_implemented(
            op, i, ins[i],
            f"no gradient rule is registered for {type(op).__name__} "
            "(use tensorsmith_autodiff.register_grad) and it has no L_op/grad method",
        )
        for i in range(len(ins))
    ]


# ---------------------------------------------------------------------------
# The core pass
# ---------------------------------------------------------------------------


def _backprop(known, wrt, consider_constant, additive=False):
    """Run the reverse pass (with the cyclic garbage collector paused: building
    a large gradient graph allocates only live objects, and collections over
    a graph of millions of nodes would dominate the time).

    ``known``: list of (variable, gradient) pairs (gradients may be ``disconnected``
    or ``NullGrad``; a variable given twice gets the sum).  These are the total
    gradients of those variables (PyTensor's ``known_grads`` meaning).
    With ``additive``, the given gradients are contributions instead: what
    flows into such a variable from the other roots is added to them (the
    gradient of sum_i <root_i, g_i>).
    Returns (totals function, set of variables the roots truly depend on)."""
    with gc_paused():
        return _backprop_impl(known, wrt, consider_constant, additive)


def _backprop_impl(known, wrt, consider_constant, additive=False):
    block = set(consider_constant) if consider_constant else set()
    roots = []
    known_vals = {}
    for v, g in known:
        if not isinstance(v, Variable):
            raise TypeError(f"known gradients must be keyed by Variables, got {v!r}")
        if g is None:
            g = disconnected
        if not isinstance(g, (Variable, DisconnectedGrad, NullGrad)):
            raise TypeError(f"the known gradient of {v} must be a Variable, `disconnected` or a NullGrad, got {g!r}")
        lst = known_vals.get(v)
        if lst is None:
            known_vals[v] = [g]
            roots.append(v)
        else:
            lst.append(g)

    contribs = {}
    totals = {}

    def combine(v, lst):
        if len(lst) == 1:
            g = lst[0]
            return disconnected if g is None else g
        null = None
        vals = []
        for g in lst:
            if isinstance(g, NullGrad):
                if null is None:
                    null = g
            elif isinstance(g, Variable):
                vals.append(g)
        if null is not None:
            return null
        if not vals:
            return disconnected
        if len(vals) == 1:
            return vals[0]
        return type_hook(v.type, "add_gradients")(vals)

    for v, lst in known_vals.items():
        if additive:
            contribs[v] = list(lst)
        else:
            totals[v] = combine(v, lst)

    def total(v):
        t = totals.get(v, _MISSING)
        if t is _MISSING:
            lst = contribs.get(v)
            t = disconnected if lst is None else combine(v, lst)
            totals[v] = t
        return t

    # Totals asked for after the pass (``total``) are those of ``wrt``; the
    # sweep below takes every other variable's total once, at its owner's
    # turn (all its contributions are in by then), and keeps neither the
    # total nor the contributions: memory stays bounded by the frontier.
    keep = set(wrt)

    def take(v):
        t = totals.get(v, _MISSING)
        if t is not _MISSING:
            return t
        lst = contribs.pop(v, None)
        if lst is None:
            t = disconnected
        elif len(lst) == 1:
            t = lst[0]
        else:
            t = combine(v, lst)
        if v in keep:
            totals[v] = t
        return t

    order = toposort(roots, blockers=block if block else None)
    pcache = {}
    # per op class: (rule, whether it takes ``needed``)
    rules = {}

    def rule_of(op):
        cls = type(op)
        r = rules.get(cls)
        if r is None:
            rule = get_grad_rule(op)
            r = rules[cls] = (rule, grad_rule_takes_needed(rule))
        return r

    # forward sweep: which variables depend on wrt (gradient can flow into them)
    reach = set()
    for w in wrt:
        if is_differentiable(w):
            reach.add(w)
    for node in order:
        ins = node.inputs
        hit = False
        for v in ins:
            if v in reach:
                hit = True
                break
        if not hit:
            continue
        pat = None if getattr(node.op, "connection_pattern", None) is None else _connection_pattern(node, pcache)
        outs = node.outputs
        for j in range(len(outs)):
            o = outs[j]
            if o in block or not is_differentiable(o):
                continue
            if pat is not None:
                ok = False
                for i in range(len(ins)):
                    if pat[i][j] and ins[i] in reach:
                        ok = True
                        break
                if not ok:
                    continue
            reach.add(o)

    # reverse sweep
    relevant = set(roots)
    for node in reversed(order):
        outs = node.outputs
        nout = len(outs)
        if nout == 1 and getattr(node.op, "connection_pattern", None) is None:
            # fast path: one output, every input connected
            o = outs[0]
            if o not in relevant or o in block:
                continue
            ins = node.inputs
            relevant.update(ins)
            want = []
            any_want = False
            for v in ins:
                if v in reach:
                    want.append(True)
                    any_want = True
                else:
                    want.append(False)
            if not any_want or not is_differentiable(o):
                continue
            g = take(o)
            if g is disconnected:
                continue
            op = node.op
            rule, takes_needed = rule_of(op)
            if rule is NOT_DIFFERENTIABLE:
                continue
            if isinstance(g, NullGrad):
                terms = [g] * len(ins)
            elif rule is None:
                terms = _no_rule_terms(op, ins)
            else:
                if takes_needed:
                    # the rule may skip the inputs whose gradient is not used
                    terms = rule(op, node, list(ins), [g], needed=tuple(want))
                else:
                    terms = rule(op, node, list(ins), [g])
                _check_terms(rule, node, terms)
                terms = _filter_terms(rule, node, terms, want)
            for i in range(len(ins)):
                if want[i]:
                    t = terms[i]
                    if t is None or t is disconnected:
                        continue
                    v = ins[i]
                    lst = contribs.get(v)
                    if lst is None:
                        contribs[v] = [t]
                    else:
                        lst.append(t)
            continue
        rel_out = [(o in relevant and o not in block) for o in outs]
        if not any(rel_out):
            continue
        ins = node.inputs
        nin = len(ins)
        pat = _connection_pattern(node, pcache)
        if pat is None:
            in_conn = [True] * nin
        else:
            in_conn = [False] * nin
            for i in range(nin):
                row = pat[i]
                for j in range(nout):
                    if row[j] and rel_out[j]:
                        in_conn[i] = True
                        break
        want = [False] * nin
        any_want = False
        for i in range(nin):
            if in_conn[i]:
                v = ins[i]
                relevant.add(v)
                if v in reach:
                    want[i] = True
                    any_want = True
        if not any_want:
            continue
        ogs = [disconnected] * nout
        live = False
        for j in range(nout):
            if rel_out[j] and is_differentiable(outs[j]):
                g = take(outs[j])
                ogs[j] = g
                if not isinstance(g, DisconnectedGrad):
                    live = True
        if not live:
            continue
        op = node.op
        rule, takes_needed = rule_of(op)
        if rule is NOT_DIFFERENTIABLE:
            continue
        # which wanted inputs are connected to an output that has a gradient;
        # a NullGrad on a connected output propagates as it is
        null_for = [None] * nin
        need_rule = False
        for i in range(nin):
            if not want[i]:
                continue
            connected = False
            for j in range(nout):
                g = ogs[j]
                if isinstance(g, DisconnectedGrad) or (pat is not None and not pat[i][j]):
                    continue
                connected = True
                if isinstance(g, NullGrad) and null_for[i] is None:
                    null_for[i] = g
            if not connected:
                want[i] = False
            elif null_for[i] is None:
                need_rule = True
        terms = None
        if need_rule:
            if rule is None:
                terms = _no_rule_terms(op, ins)
            else:
                passed = []
                for j in range(nout):
                    g = ogs[j]
                    if isinstance(g, Variable):
                        passed.append(g)
                    elif not is_differentiable(outs[j]):
                        # no gradient exists for such an output (e.g. a generator)
                        passed.append(disconnected)
                    else:
                        passed.append(zeros_like(outs[j]))
                needed = tuple(want[i] and null_for[i] is None for i in range(nin))
                if takes_needed:
                    terms = rule(op, node, list(ins), passed, needed=needed)
                else:
                    terms = rule(op, node, list(ins), passed)
                _check_terms(rule, node, terms)
                terms = _filter_terms(rule, node, terms, needed)
        for i in range(nin):
            if not want[i]:
                continue
            t = null_for[i]
            if t is None:
                t = terms[i]
            if t is None or isinstance(t, DisconnectedGrad):
                continue
            v = ins[i]
            lst = contribs.get(v)
            if lst is None:
                contribs[v] = [t]
            else:
                lst.append(t)

    return total, relevant


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _as_wrt_list(wrt, what="wrt"):
    if isinstance(wrt, (list, tuple)):
        lst = list(wrt)
    else:
        lst = [wrt]
    for i, v in enumerate(lst):
        if not isinstance(v, Variable):
            raise TypeError(f"{what}[{i}] must be a Variable, got {type(v).__name__}: {v!r}")
    return lst


def _restructure(like, values):
    if isinstance(like, tuple):
        return tuple(values)
    if isinstance(like, list):
        return list(values)
    return values[0]


def _finish(total, relevant, cost, wrt_list, disconnected_inputs, add_names, return_disconnected,
            null_gradients, known_keys):
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"disconnected_inputs must be 'raise', 'warn' or 'ignore', got {disconnected_inputs!r}")
    if isinstance(return_disconnected, str):
        return_disconnected = return_disconnected.lower()  # PyTensor spells 'None', 'Disconnected'
    if return_disconnected not in ("zero", "none", "disconnected"):
        raise ValueError(
            f"return_disconnected must be 'zero', 'none' or 'disconnected', got {return_disconnected!r}"
        )
    if null_gradients not in ("raise", "return"):
        raise ValueError(f"null_gradients must be 'raise' or 'return', got {null_gradients!r}")
    cost_name = cost.name if (cost is not None and add_names) else None
    results = []
    for idx, w in enumerate(wrt_list):
        if not is_differentiable(w) and w not in known_keys:
            g = disconnected if w not in relevant else zeros_like(w)
        else:
            g = total(w)
            if isinstance(g, DisconnectedGrad) and w in relevant and w not in known_keys:
                # the cost depends on w, but only through operations whose
                # gradient is zero (comparisons, rounding, argmax, integer
                # casts...): a zero gradient, as in PyTensor.  Ops that do not
                # connect an input (shape, disconnected_grad) say so with
                # connection_pattern, and consider_constant blocks the walk.
                g = zeros_like(w)
        if isinstance(g, DisconnectedGrad) and disconnected_inputs != "ignore":
            msg = (
                f"grad was asked for the gradient with respect to wrt[{idx}] ({w}), which is not "
                "part of the graph of the cost, or reaches it only through op inputs that have no "
                "gradient path (connection_pattern, e.g. shape) or through consider_constant. Pass "
                "disconnected_inputs='ignore' to get a zero gradient, or 'warn'."
            )
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(msg)
            warn_user(msg, UserWarning)
        if isinstance(g, NullGrad):
            if null_gradients == "raise":
                raise g.error(f"grad with respect to wrt[{idx}] ({w})")
            results.append(g)
            continue
        if isinstance(g, DisconnectedGrad):
            if return_disconnected == "zero":
                g = zeros_like(w)
            elif return_disconnected == "none":
                results.append(None)
                continue
            else:
                results.append(disconnected)
                continue
        if (cost_name is not None and w.name is not None and g.name is None
                and not isinstance(g, Constant)):
            g.name = f"(d{cost_name}/d{w.name})"
        results.append(g)
    return results


@gc_paused()
def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True,
         known_grads=None, return_disconnected="zero", null_gradients="raise"):
    """Symbolic gradient of ``cost`` with respect to ``wrt``.

    * ``cost``: a Variable whose type's ``grad_seed(cost)`` gives the seed (the
      tensor type requires a scalar), or None when ``known_grads`` is given.
    * ``wrt``: a Variable, or a list/tuple of them (same structure back).
    * ``consider_constant``: variables through which no gradient flows (their
      owners are not visited; their own gradient can still be asked for).
    * ``disconnected_inputs``: 'raise' (``DisconnectedInputError``), 'warn' or
      'ignore' when the cost does not depend on an element of ``wrt``.
    * ``add_names``: name gradients ``(d<cost>/d<wrt>)`` when both have names.
    * ``known_grads``: dict {variable: its total gradient} (a Variable,
      ``disconnected`` or a NullGrad), used as given (contributions from the cost
      through that variable are then ignored, as in PyTensor); a ``cost`` in it
      replaces the seed.
    * ``return_disconnected``: what a disconnected gradient becomes: 'zero'
      (``type.zeros_like(wrt)``), 'none' (None) or 'disconnected' (the marker).
    * ``null_gradients``: 'raise' (``NullGradientError``) or 'return' (the NullGrad).

    Variables of non-differentiable types (``type.differentiable`` False, e.g.
    integers) never receive gradient; asking for one returns ``zeros_like``."""
    wrt_list = _as_wrt_list(wrt)
    known = []
    kg = dict(known_grads) if known_grads else {}
    if cost is not None:
        if not isinstance(cost, Variable):
            raise TypeError(f"cost must be a Variable or None, got {type(cost).__name__}: {cost!r}")
        if cost not in kg:
            known.append((cost, type_hook(cost.type, "grad_seed")(cost)))
    elif not kg:
        raise ValueError("grad: cost is None and known_grads is empty: nothing to differentiate")
    known.extend(kg.items())
    total, relevant = _backprop(known, wrt_list, consider_constant)
    res = _finish(total, relevant, cost, wrt_list, disconnected_inputs, add_names, return_disconnected,
                  null_gradients, kg)
    return _restructure(wrt, res)


@gc_paused()
def pullback(outputs, wrt, output_grads, consider_constant=None, disconnected_inputs="raise",
             return_disconnected="zero", null_gradients="raise"):
    """Vector-Jacobian product: the gradients with respect to ``wrt`` of
    ``sum_k <output_grads[k], outputs[k]>``, i.e. ``J^T v``.

    ``outputs`` and ``output_grads``: a Variable each, or lists of equal length
    (an output listed twice gets the sum of its vectors; an ``output_grads`` entry
    may be None or ``disconnected``).  ``wrt``: Variable or list/tuple (same
    structure back).  Other options as in ``grad``."""
    outs = _as_wrt_list(outputs, "outputs")
    if isinstance(output_grads, (list, tuple)):
        ogs = list(output_grads)
    else:
        ogs = [output_grads]
    if len(ogs) != len(outs):
        raise ValueError(f"pullback: {len(outs)} outputs but {len(ogs)} output_grads")
    wrt_list = _as_wrt_list(wrt)
    known = list(zip(outs, ogs))
    total, relevant = _backprop(known, wrt_list, consider_constant)
    keys = set(outs)
    res = _finish(total, relevant, None, wrt_list, disconnected_inputs, False, return_disconnected,
                  null_gradients, keys)
    return _restructure(wrt, res)


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs="raise"):
    """``pullback`` under PyTensor's name and parameter names: the
    vector-Jacobian product of ``f`` with ``eval_points``."""
    return pullback(f, wrt, eval_points, consider_constant=consider_constant,
                    disconnected_inputs=disconnected_inputs)
