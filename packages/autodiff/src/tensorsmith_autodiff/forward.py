"""Forward mode: ``pushforward`` (Jacobian-vector products, alias ``Rop``).

One forward walk over the nodes of ``outputs`` in topological order, carrying a
tangent per variable (None meaning zero).  For each node with a nonzero input
tangent:

* the registered forward rule ``fn(op, node, inputs, tangents)`` (``register_jvp``),
  or the op's ``R_op(inputs, tangents)`` method;
* ops marked ``NOT_DIFFERENTIABLE`` give zero tangents;
* otherwise the *double-VJP trick*, built from the op's reverse rule alone.
  For one node y = f(x) take a fresh variable ``u`` of each output's type and
  pull it back: ``g(u) = J^T u`` (a graph linear in ``u``).  Pulling ``g`` back
  again with respect to ``u``, seeded with the input tangents ``v``, gives
  ``d<g(u), v>/du = J v``.  The result no longer depends on ``u`` mathematically;
  if a ``u`` is still in its graph it is replaced by ``zeros_like(y)`` (any value
  gives the same result).  Both pullbacks stop at the node's inputs and outputs,
  so the work per node is local and the whole walk stays linear.
"""

from tensorsmith_graphcore import Apply, Variable, gc_paused, toposort

from .markers import DisconnectedGrad, NullGrad
from .registry import NOT_DIFFERENTIABLE, get_grad_rule, get_jvp_rule
from .reverse import _as_wrt_list, _backprop, _restructure, is_differentiable, zeros_like

__all__ = ["pushforward", "Rop", "jvp_via_double_vjp"]


def _local_replace(outputs, replace, blockers):
    """clone_replace restricted to the nodes between ``blockers``/``replace`` keys
    and ``outputs`` (so that it stays local)."""
    memo = dict(replace)
    stop = set(blockers)
    stop.update(replace.keys())
    for node in toposort(outputs, blockers=stop):
        new_inputs = [memo.get(v, v) for v in node.inputs]
        changed = False
        for a, b in zip(new_inputs, node.inputs):
            if a is not b:
                changed = True
                break
        if changed:
            nn = node.clone_with_new_inputs(new_inputs, strict=False)
            for o, no in zip(node.outputs, nn.outputs):
                memo[o] = no
    return [memo.get(v, v) for v in outputs]


def jvp_via_double_vjp(node, tangents):
    """Output tangents of ``node`` for input ``tangents`` (None = zero), computed
    with two pullbacks through the node's reverse rule (see the module doc)."""
    ins = node.inputs
    outs = node.outputs
    diff_outs = [j for j in range(len(outs)) if is_differentiable(outs[j])]
    if not diff_outs:
        return [None] * len(outs)
    us = {}
    for j in diff_outs:
        o = outs[j]
        u = o.type.make_variable(name=f"u{j}") if hasattr(o.type, "make_variable") else Variable(o.type)
        us[j] = u
    # one entry per distinct input variable (an input used twice has one tangent;
    # its gradient below already sums over its positions)
    wrt_vars = []
    wrt_tans = []
    seen = set()
    for i in range(len(ins)):
        v = ins[i]
        if tangents[i] is not None and is_differentiable(v) and v not in seen:
            seen.add(v)
            wrt_vars.append(v)
            wrt_tans.append(tangents[i])
    block = list(ins)
    # g_x = J_x^T u
    total, _ = _backprop([(outs[j], us[j]) for j in diff_outs], wrt_vars, block)
    gs = []
    for v, tv in zip(wrt_vars, wrt_tans):
        g = total(v)
        if isinstance(g, NullGrad):
            raise g.error(f"pushforward through {node.op} (no forward rule; the double-VJP fallback "
                          "needs its gradient)")
        if isinstance(g, Variable):
            gs.append((g, tv))
    if not gs:
        return [None] * len(outs)
    # J v = d<g(u), v>/du
    u_list = [us[j] for j in diff_outs]
    block2 = list(ins) + list(outs) + [t for t in tangents if t is not None]
    # additive: g_j may be built from g_i, and <g_j, v_j> then also flows through g_i
    total2, _ = _backprop(gs, u_list, block2, additive=True)
    res = [None] * len(outs)
    found = []
    for j in diff_outs:
        t = total2(us[j])
        if isinstance(t, NullGrad):
            raise t.error(f"pushforward through {node.op} (double-VJP fallback)")
        if isinstance(t, Variable):
            res[j] = t
            found.append(j)
    if found:
        uset = set(u_list)
        stop = set(block2)
        uses_u = False
        seen = set()
        stack = [res[j] for j in found]
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in uset:
                uses_u = True
                break
            if v in stop or v.owner is None:
                continue
            stack.extend(v.owner.inputs)
        if uses_u:
            repl = {us[j]: zeros_like(outs[j]) for j in diff_outs}
            new = _local_replace([res[j] for j in found], repl, stop)
            for j, nv in zip(found, new):
                res[j] = nv
    return res


def pushforward(outputs, wrt, tangents, return_disconnected="zero", use_fallback=True):
    """Jacobian-vector product: the tangents of ``outputs`` when ``wrt[i]`` moves
    along ``tangents[i]`` (``J v``).

    ``outputs``: Variable or list/tuple (same structure back).  ``wrt`` and
    ``tangents``: a Variable each or lists of equal length (a tangent may be None:
    zero).  An output that does not depend on ``wrt`` gets ``zeros_like``
    (``return_disconnected="zero"``) or None (``"none"``).  Ops without a forward
    rule use the double-VJP fallback unless ``use_fallback`` is False (then
    ``NotImplementedError``)."""
    if isinstance(return_disconnected, str):
        return_disconnected = return_disconnected.lower()
    if return_disconnected not in ("zero", "none"):
        raise ValueError(f"return_disconnected must be 'zero' or 'none', got {return_disconnected!r}")
    outs = _as_wrt_list(outputs, "outputs")
    wrt_list = _as_wrt_list(wrt)
    if isinstance(tangents, (list, tuple)):
        tans = list(tangents)
    else:
        tans = [tangents]
    if len(tans) != len(wrt_list):
        raise ValueError(f"pushforward: {len(wrt_list)} wrt but {len(tans)} tangents")
    with gc_paused():
        res = _forward(outs, wrt_list, tans, return_disconnected, use_fallback)
    return _restructure(outputs, res)


def _forward(outs, wrt_list, tans, return_disconnected, use_fallback):
    tan = {}
    for w, t in zip(wrt_list, tans):
        if t is None or isinstance(t, DisconnectedGrad):
            continue
        if not isinstance(t, Variable):
            raise TypeError(f"tangent of {w} must be a Variable or None, got {t!r}")
        if is_differentiable(w):
            tan[w] = t
    wrt_set = set(wrt_list)
    if tan:
        for node in toposort(outs):
            ins = node.inputs
            itans = [tan.get(v) for v in ins]
            if all(t is None for t in itans):
                continue
            op = node.op
            rule = get_jvp_rule(op)
            if rule is None:
                grule = get_grad_rule(op)
                if grule is NOT_DIFFERENTIABLE:
                    continue
                if not use_fallback:
                    raise NotImplementedError(
                        f"no forward-mode rule for {type(op).__name__} (register_jvp) and use_fallback=False"
                    )
                otans = jvp_via_double_vjp(node, itans)
            else:
                otans = rule(op, node, list(ins), itans)
            if not isinstance(otans, (list, tuple)) or len(otans) != len(node.outputs):
                raise ValueError(
                    f"the forward rule of {op} must return one tangent per output "
                    f"({len(node.outputs)}), got {otans!r}"
                )
            for o, t in zip(node.outputs, otans):
                if o in wrt_set:
                    continue  # a wrt variable is an independent direction: keep its tangent
                if t is None or isinstance(t, DisconnectedGrad) or not is_differentiable(o):
                    continue
                if not isinstance(t, Variable):
                    raise TypeError(f"the forward rule of {op} returned {t!r} for output {o}")
                tan[o] = t
    res = []
    for o in outs:
        t = tan.get(o)
        if t is None:
            t = zeros_like(o) if return_disconnected == "zero" else None
        res.append(t)
    return res


def Rop(f, wrt, eval_points, disconnected_outputs="raise", return_disconnected="zero"):
    """``pushforward`` under PyTensor's name and parameter names: the
    Jacobian-vector product of ``f`` with ``eval_points``."""
    return pushforward(f, wrt, eval_points, return_disconnected=return_disconnected)
