"""Every op class defined in tensorsmith_tensorops has a gradient rule or an
explicit not-differentiable mark, so a new op without one fails here."""
import pytest
from tensorsmith_autodiff import has_grad_rule, has_jvp_rule, is_not_differentiable
from tensorsmith_graphcore import Op

import tensorsmith.tensor  # noqa: F401  (imports every op family)


def _tensorops_op_classes():
    seen = set()
    out = []
    stack = [Op]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub in seen:
                continue
            seen.add(sub)
            stack.append(sub)
            mod = getattr(sub, "__module__", "") or ""
            if mod.startswith("tensorsmith_tensorops") and not sub.__name__.startswith("_"):
                out.append(sub)
    return sorted(out, key=lambda c: (c.__module__, c.__qualname__))


OP_CLASSES = _tensorops_op_classes()

# abstract bases (never applied themselves; each concrete subclass is checked):
# registering a rule on them would silently cover future subclasses
ABSTRACT_BASES = {"tensorsmith_tensorops.linalg._utils.LinalgOp"}
# known gaps, reported to the owning family (xfail, not strict, so a fix passes)
KNOWN_GAPS = {}


def _qual(c):
    return f"{c.__module__}.{c.__qualname__}"


CASES = [pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_GAPS[_qual(c)])) if _qual(c) in KNOWN_GAPS else c
         for c in OP_CLASSES if _qual(c) not in ABSTRACT_BASES]


def test_registry_is_not_empty():
    assert len(OP_CLASSES) > 20


@pytest.mark.parametrize("cls", CASES, ids=lambda c: f"{c.__module__.split('.', 1)[-1]}.{c.__qualname__}")
def test_op_has_grad_rule_or_mark(cls):
    assert has_grad_rule(cls) or is_not_differentiable(cls), (
        f"{cls.__module__}.{cls.__qualname__} has no gradient rule (register_grad) and is not marked "
        "not differentiable (mark_not_differentiable)")


def ops_without_jvp_rule():
    """The differentiable op classes that fall back on the double-VJP trick in
    forward mode (a report helper, not an assertion)."""
    return [c for c in OP_CLASSES if not is_not_differentiable(c) and not has_jvp_rule(c)]
