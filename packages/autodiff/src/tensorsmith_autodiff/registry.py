"""Registries of differentiation rules, keyed by op class (lookup walks the MRO).

Reverse mode: ``fn(op, node, inputs, output_grads) -> list`` (one entry per input:
a Variable, ``disconnected`` or a ``NullGrad``).  Fallbacks when no rule is
registered: the op's ``L_op(inputs, outputs, output_grads)`` or
``grad(inputs, output_grads)`` method (PyTensor style).

A rule may also take a keyword argument ``needed``:
``fn(op, node, inputs, output_grads, needed=None)``.  The reverse pass then
passes a tuple of one bool per input, False for the inputs whose gradient it
will not use (they do not depend on ``wrt``: constants, other branches, or
non-differentiable inputs), and the rule may return ``disconnected`` (or
anything) for those without building their gradient (as JAX's transpose
rules skip non-linear inputs).  Called without ``needed`` (None), the rule
returns every input's gradient.

Forward mode: ``fn(op, node, inputs, tangents) -> list`` (one entry per output,
None meaning a zero tangent; ``tangents`` entries may be None).  Fallback: the
op's ``R_op(inputs, tangents)`` method, then the double-VJP trick (see
``forward.py``).
"""
import inspect

from .markers import disconnected

__all__ = [
    "register_grad", "get_grad_rule", "has_grad_rule", "NOT_DIFFERENTIABLE",
    "mark_not_differentiable", "is_not_differentiable", "register_jvp", "get_jvp_rule",
    "has_jvp_rule", "grad_rule_takes_needed",
]


class _NotDifferentiable:
    """Registered in place of a rule: every input of the op gets ``disconnected``."""

    def __repr__(self):
        return "NOT_DIFFERENTIABLE"

    def __call__(self, op, node, inputs, output_grads):
        return [disconnected] * len(inputs)


NOT_DIFFERENTIABLE = _NotDifferentiable()

_GRAD_RULES = {}
_JVP_RULES = {}
_grad_cache = {}
_jvp_cache = {}
_TAKES_NEEDED = {}


def _check_class(cls, what):
    if not isinstance(cls, type):
        raise TypeError(f"{what} takes an op class, got {cls!r}")


def register_grad(op_class, fn=None):
    """Register ``fn(op, node, inputs, output_grads)`` as the gradient rule of
    ``op_class`` (and its subclasses without a rule of their own).

    Use as a decorator ``@register_grad(MyOp)`` or call ``register_grad(MyOp, fn)``.
    ``fn`` may be ``NOT_DIFFERENTIABLE``.  Registering again replaces the rule."""
    _check_class(op_class, "register_grad")

    def deco(f):
        if not callable(f):
            raise TypeError(f"register_grad({op_class.__name__}): rule must be callable, got {f!r}")
        _GRAD_RULES[op_class] = f
        _grad_cache.clear()
        try:
            _TAKES_NEEDED[f] = _accepts_needed(f)
        except TypeError:  # an unhashable callable: called without ``needed``
            pass
        return f

    if fn is not None:
        return deco(fn)
    return deco


def _accepts_needed(f):
    try:
        p = inspect.signature(f).parameters.get("needed")
    except (TypeError, ValueError):  # no signature (some builtins)
        return False
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


def grad_rule_takes_needed(rule):
    """Whether the registered gradient rule ``rule`` takes the keyword
    ``needed`` (see the module's documentation)."""
    try:
        return _TAKES_NEEDED.get(rule, False)
    except TypeError:
        return False


def mark_not_differentiable(op_class):
    """Declare that no gradient flows through ``op_class`` (every input gets
    ``disconnected``).  Returns the class, so it also works as a class decorator."""
    register_grad(op_class, NOT_DIFFERENTIABLE)
    return op_class


def _lookup(registry, cache, cls):
    try:
        return cache[cls]
    except KeyError:
        pass
    res = None
    for k in cls.__mro__:
        f = registry.get(k)
        if f is not None:
            res = f
            break
    cache[cls] = res
    return res


def _method_rule(cls):
    """A rule wrapping the op's ``L_op``/``grad`` method, or None."""
    if getattr(cls, "L_op", None) is not None:
        def rule(op, node, inputs, output_grads):
            return op.L_op(inputs, node.outputs, output_grads)
        return rule
    if callable(getattr(cls, "grad", None)):
        def rule(op, node, inputs, output_grads):
            return op.grad(inputs, output_grads)
        return rule
    return None


def get_grad_rule(op):
    """The gradient rule of ``op`` (an op or op class): the registered function
    (walking the MRO; possibly ``NOT_DIFFERENTIABLE``), else a wrapper of the
    op's ``L_op``/``grad`` method, else None."""
    cls = op if isinstance(op, type) else type(op)
    f = _lookup(_GRAD_RULES, _grad_cache, cls)
    if f is not None:
        return f
    return _method_rule(cls)


def has_grad_rule(op_or_class):
    """True when the op (class) has a gradient rule or an explicit
    not-differentiable mark (registered or as an ``L_op``/``grad`` method)."""
    return get_grad_rule(op_or_class) is not None


def is_not_differentiable(op_or_class):
    return get_grad_rule(op_or_class) is NOT_DIFFERENTIABLE


def register_jvp(op_class, fn=None):
    """Register ``fn(op, node, inputs, tangents) -> list of output tangents`` as the
    forward-mode rule of ``op_class``.  Decorator or ``register_jvp(MyOp, fn)``."""
    _check_class(op_class, "register_jvp")

    def deco(f):
        if not callable(f):
            raise TypeError(f"register_jvp({op_class.__name__}): rule must be callable, got {f!r}")
        _JVP_RULES[op_class] = f
        _jvp_cache.clear()
        return f

    if fn is not None:
        return deco(fn)
    return deco


def get_jvp_rule(op):
    """The forward rule of ``op`` (op or class): registered (MRO), else a wrapper
    of the op's ``R_op(inputs, tangents)`` method, else None (``pushforward``
    then uses the double-VJP fallback)."""
    cls = op if isinstance(op, type) else type(op)
    f = _lookup(_JVP_RULES, _jvp_cache, cls)
    if f is not None:
        return f
    if getattr(cls, "R_op", None) is not None:
        def rule(op, node, inputs, tangents):
            return op.R_op(inputs, tangents)
        return rule
    return None


def has_jvp_rule(op_or_class):
    return get_jvp_rule(op_or_class) is not None
