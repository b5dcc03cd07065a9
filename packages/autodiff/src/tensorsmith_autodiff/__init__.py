"""tensorsmith_autodiff: reverse mode (``grad``, ``pullback``/``Lop``) and forward
mode (``pushforward``/``Rop``) over any graphcore graph.  Imports only
``tensorsmith_graphcore`` and the standard library.

Ops get rules through ``register_grad`` / ``register_jvp`` (or PyTensor-style
``L_op(inputs, outputs, output_grads)`` / ``grad(inputs, output_grads)`` /
``R_op(inputs, tangents)`` methods), and may define
``connection_pattern(node) -> [[bool per output] per input]``.

Hooks a Type provides (duck-typed; a missing required one raises
``MissingTypeHookError``, a ``TypeError``):

* ``grad_seed(cost)`` -> the seed gradient of a cost (required for ``grad(cost, ...)``);
* ``zeros_like(var)`` -> a zero gradient/tangent for ``var``;
* ``add_gradients(list_of_vars)`` -> their sum (called with 2+ items);
* ``differentiable`` (attribute, default True): False means no gradient flows
  into variables of this type (integers, booleans);
* ``filter_gradient(var, g) -> g`` (optional): check or cast each gradient a
  rule returns for an input of this type.
"""
import os as _os

from tensorsmith_graphcore import register_library_path as _register_library_path

from .markers import (
    DisconnectedGrad, DisconnectedInputError, GradNotImplementedError, GradUndefinedError,
    MissingTypeHookError, NullGrad, NullGradientError, disconnected, grad_not_implemented,
    grad_undefined,
)
from .registry import (
    NOT_DIFFERENTIABLE, get_grad_rule, get_jvp_rule, has_grad_rule, has_jvp_rule,
    is_not_differentiable, mark_not_differentiable, register_grad, register_jvp,
)
from .reverse import Lop, grad, is_differentiable, pullback, zeros_like
from .forward import Rop, jvp_via_double_vjp, pushforward

__version__ = "0.1.0"

# nodes built by gradient code are traced to the user's line, not ours
_register_library_path(_os.path.dirname(_os.path.abspath(__file__)))

__all__ = [
    "grad", "pullback", "Lop", "pushforward", "Rop", "jvp_via_double_vjp",
    "register_grad", "get_grad_rule", "has_grad_rule", "register_jvp", "get_jvp_rule", "has_jvp_rule",
    "NOT_DIFFERENTIABLE", "mark_not_differentiable", "is_not_differentiable",
    "disconnected", "DisconnectedGrad", "NullGrad", "grad_undefined", "grad_not_implemented",
    "NullGradientError", "GradUndefinedError", "GradNotImplementedError",
    "DisconnectedInputError", "MissingTypeHookError", "is_differentiable", "zeros_like",
]
