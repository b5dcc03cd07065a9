"""Tensor gradient tools built on ``tensorsmith_autodiff``: ``jacobian``,
``hessian``, ``hessian_vector_product``, ``verify_grad`` (with
``GradientError``), and the gradient-control ops ``stop_gradient``/
``zero_grad``, ``disconnected_grad``, ``grad_clip``, ``grad_scale``,
``undefined_grad`` and ``consider_constant`` (identity in value; each changes
only what flows back, and forward mode follows the same meaning).

Exposed as ``pt.<name>`` and as ``tensorsmith.gradient.<name>``."""
import numpy as np
from tensorsmith_autodiff import (
    disconnected, grad, grad_undefined, pullback, register_grad, register_jvp,
)
from tensorsmith_graphcore import Apply, Op, Variable

from .basic import as_tensor_variable, constant
from .blockwise import vectorize_graph
from .creation import alloc, eye, zeros
from .join import stack
from .math import clip, mul, second, zeros_like
from .reduction import prod, sum as _sum
from .shape import reshape, shape, shape_i
from .type import TensorType

__all__ = [
    "jacobian", "hessian", "hessian_vector_product", "verify_grad", "GradientError",
    "stop_gradient", "zero_grad", "disconnected_grad", "grad_clip", "grad_scale", "undefined_grad",
    "consider_constant", "ZeroGrad", "DisconnectedGradOp", "GradClip", "GradScale", "UndefinedGrad",
    "ConsiderConstant",
]


# ---------------------------------------------------------------------------
# Gradient-control ops: the identity in value
# ---------------------------------------------------------------------------


class _GradControl(Op):
    """Base of the gradient-control ops: one tensor input, returned as is."""

    __props__ = ()

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def __str__(self):
        return type(self).__name__


class ZeroGrad(_GradControl):
    """``stop_gradient(x)``/``zero_grad(x)``: the value of ``x``; the gradient
    through it is zero (and so is its forward-mode tangent)."""


class ConsiderConstant(_GradControl):
    """``consider_constant(x)``: ``x`` treated as a constant by ``grad`` (zero
    gradient through it)."""


class DisconnectedGradOp(_GradControl):
    """``disconnected_grad(x)``: the value of ``x``; no gradient flows through
    it (asking for the gradient of the result w.r.t. ``x`` only is a
    disconnected-input error, as with PyTensor's ``disconnected_grad``)."""

    def connection_pattern(self, node):
        """The output does not depend on the input's values: no gradient path."""
        return [[False] * len(node.outputs) for _ in node.inputs]


class UndefinedGrad(_GradControl):
    """``undefined_grad(x)``: the value of ``x``; asking for a gradient through
    it raises ``GradUndefinedError`` naming this op and its input."""


class GradClip(_GradControl):
    """``grad_clip(x, lower, upper)``: the value of ``x``; the gradient flowing
    back through it is clipped to ``[lower, upper]``."""

    __props__ = ("lower", "upper")

    def __init__(self, lower, upper):
        self.lower = float(lower)
        self.upper = float(upper)
        if not self.lower <= self.upper:
            raise ValueError(f"grad_clip: lower ({lower}) must be <= upper ({upper})")

    def __str__(self):
        return f"GradClip{{{self.lower}, {self.upper}}}"


class GradScale(Op):
    """``grad_scale(x, multiplier)``: the value of ``x``; the gradient flowing
    back through it is multiplied by ``multiplier`` (a number or a tensor;
    no gradient flows into the multiplier)."""

    __props__ = ()

    def make_node(self, x, multiplier):
        x = as_tensor_variable(x)
        m = as_tensor_variable(multiplier)
        return Apply(self, [x, m], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def connection_pattern(self, node):
        return [[True], [False]]

    def __str__(self):
        return "GradScale"


@register_grad(ZeroGrad)
@register_grad(ConsiderConstant)
def _zero_grad_rule(op, node, inputs, output_grads):
    return [zeros_like(inputs[0])]


@register_grad(DisconnectedGradOp)
def _disconnected_grad_rule(op, node, inputs, output_grads):
    return [disconnected]


@register_grad(UndefinedGrad)
def _undefined_grad_rule(op, node, inputs, output_grads):
    return [grad_undefined(op, 0, inputs[0], "undefined_grad was applied to this input")]


@register_grad(GradClip)
def _grad_clip_rule(op, node, inputs, output_grads):
    return [clip(output_grads[0], op.lower, op.upper)]


@register_grad(GradScale)
def _grad_scale_rule(op, node, inputs, output_grads):
    x, m = inputs
    return [mul(output_grads[0], m), disconnected]


@register_jvp(ZeroGrad)
@register_jvp(ConsiderConstant)
@register_jvp(DisconnectedGradOp)
def _no_tangent(op, node, inputs, tangents):
    return [None]


@register_jvp(GradClip)
@register_jvp(GradScale)
def _identity_tangent(op, node, inputs, tangents):
    # the value is the identity: a tangent passes unchanged (only the reverse
    # pass is clipped or scaled)
    return [tangents[0]]


@register_jvp(UndefinedGrad)
def _undefined_tangent(op, node, inputs, tangents):
    raise grad_undefined(op, 0, inputs[0], "undefined_grad was applied to this input").error(
        "pushforward")


_zero_grad_op = ZeroGrad()
_consider_constant_op = ConsiderConstant()
_disconnected_grad_op = DisconnectedGradOp()
_undefined_grad_op = UndefinedGrad()
_grad_scale_op = GradScale()


def zero_grad(x):
    """``x`` in value; its gradient is zero (``stop_gradient``)."""
    return _zero_grad_op(x)


stop_gradient = zero_grad


def consider_constant(x):
    """``x`` in value, treated as a constant by ``grad`` (zero gradient)."""
    return _consider_constant_op(x)


def disconnected_grad(x):
    """``x`` in value; the gradient through it is disconnected."""
    return _disconnected_grad_op(x)


def undefined_grad(x):
    """``x`` in value; any gradient through it is undefined (an error)."""
    return _undefined_grad_op(x)


def grad_clip(x, lower_bound, upper_bound):
    """``x`` in value; the gradient through it is clipped to ``[lower_bound, upper_bound]``."""
    return GradClip(lower_bound, upper_bound)(x)


def grad_scale(x, multiplier):
    """``x`` in value; the gradient through it is multiplied by ``multiplier``."""
    return _grad_scale_op(x, multiplier)


# ---------------------------------------------------------------------------
# Jacobians and Hessians
# ---------------------------------------------------------------------------


def _as_list(wrt):
    return list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]


def _restructure(like, values):
    if isinstance(like, tuple):
        return tuple(values)
    if isinstance(like, list):
        return list(values)
    return values[0]


def _static_size(shape):
    if any(s is None for s in shape):
        return None
    return int(np.prod(shape, dtype=np.int64))


def _jacobian_loop(expression, wrt_list, consider_constant, disconnected_inputs):
    shp = expression.type.shape
    m = _static_size(shp)
    if m is None:
        raise ValueError(
            f"jacobian(vectorize=False) builds one pullback per element of the expression, so it needs a "
            f"statically known shape; {expression} has type {expression.type}. Use vectorize=True, or "
            "specify_shape the expression")
    dtype = expression.type.dtype
    per_wrt = [[] for _ in wrt_list]
    for k in range(m):
        onehot = np.zeros(m, dtype=dtype)
        onehot[k] = 1
        gs = pullback(expression, wrt_list, constant(onehot.reshape(shp)), consider_constant=consider_constant,
                      disconnected_inputs=disconnected_inputs)
        for lst, g in zip(per_wrt, gs):
            lst.append(g)
    res = []
    for w, lst in zip(wrt_list, per_wrt):
        if m == 0:
            res.append(zeros(tuple(shp) + tuple(w.shape[i] for i in range(w.type.ndim)), dtype=w.type.dtype))
            continue
        j = stack(lst)
        if expression.type.ndim != 1:
            j = reshape(j, tuple(shp) + tuple(w.shape[i] for i in range(w.type.ndim)))
        res.append(j)
    return res


def _jacobian_vectorized(expression, wrt_list, consider_constant, disconnected_inputs):
    u = TensorType(expression.type.dtype, expression.type.shape).make_variable(name="u")
    gs = pullback(expression, wrt_list, u, consider_constant=consider_constant,
                  disconnected_inputs=disconnected_inputs)
    nd = expression.type.ndim
    m = _static_size(expression.type.shape)
    if m is None:
        m = prod(shape(expression), dtype="int64")
    eshape = [shape_i(expression, i) for i in range(nd)]
    basis = eye(m, dtype=expression.type.dtype)
    if nd != 1:
        basis = reshape(basis, [m] + eshape)
    batched = vectorize_graph(gs, {u: basis})
    res = []
    for w, b in zip(wrt_list, batched):
        wshape = [shape_i(w, i) for i in range(w.type.ndim)]
        if b.type.ndim == w.type.ndim:
            # the gradient does not depend on the cotangent (e.g. zero): repeat it
            b = second(alloc(np.zeros((), dtype="int8"), m, *([1] * w.type.ndim)), b)
        if nd != 1:
            b = reshape(b, eshape + wshape)
        res.append(b)
    return res


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise", vectorize=True):
    """The Jacobian of ``expression`` with respect to ``wrt`` (a variable or a
    list of them): for each ``w``, a tensor of shape ``expression.shape +
    w.shape`` holding d expression[i...] / d w[j...].  A 0-d expression gives
    its gradient.

    ``vectorize=True`` builds the pullback once, for a symbolic cotangent, and
    vectorizes that graph over the rows of an identity matrix (one batched
    graph); ``vectorize=False`` builds one pullback per element of the
    expression (its shape must be known statically)."""
    expression = as_tensor_variable(expression)
    wrt_list = _as_list(wrt)
    for i, w in enumerate(wrt_list):
        if not isinstance(w, Variable):
            raise TypeError(f"jacobian: wrt[{i}] must be a Variable, got {w!r}")
    if expression.type.ndim == 0:
        res = grad(expression, wrt_list, consider_constant=consider_constant,
                   disconnected_inputs=disconnected_inputs)
        return _restructure(wrt, res)
    if vectorize:
        res = _jacobian_vectorized(expression, wrt_list, consider_constant, disconnected_inputs)
    else:
        res = _jacobian_loop(expression, wrt_list, consider_constant, disconnected_inputs)
    return _restructure(wrt, res)


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise", vectorize=True):
    """The Hessian of the scalar ``cost`` with respect to each ``w`` in ``wrt``
    (a variable or a list): a tensor of shape ``w.shape + w.shape`` (the
    Jacobian of the gradient)."""
    cost = as_tensor_variable(cost)
    if cost.type.ndim != 0:
        raise TypeError(f"hessian: the cost must be a scalar, got {cost} of type {cost.type}")
    wrt_list = _as_list(wrt)
    res = []
    for w in wrt_list:
        g = grad(cost, w, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        res.append(jacobian(g, w, consider_constant=consider_constant, disconnected_inputs="ignore",
                            vectorize=vectorize))
    return _restructure(wrt, res)


def hessian_vector_product(cost, wrt, p, **grad_kwargs):
    """``H p``: the product of the Hessian of ``cost`` with respect to ``wrt``
    (a variable or a list) with the vector(s) ``p`` (same structure), computed
    by differentiating ``sum(grad(cost, wrt) * p)`` again (no Hessian is
    built).  ``grad_kwargs`` go to the first ``grad``."""
    wrt_list = _as_list(wrt)
    p_list = _as_list(p)
    if len(p_list) != len(wrt_list):
        raise ValueError(f"hessian_vector_product: {len(wrt_list)} wrt but {len(p_list)} vectors p")
    gs = grad(cost, wrt_list, **grad_kwargs)
    terms = None
    for g, v in zip(gs, p_list):
        v = as_tensor_variable(v)
        t = _sum(mul(g, v))
        terms = t if terms is None else terms + t
    hv = grad(terms, wrt_list, disconnected_inputs="ignore")
    return _restructure(wrt, hv)


# ---------------------------------------------------------------------------
# verify_grad
# ---------------------------------------------------------------------------


def compile_function(inputs, outputs, mode=None):
    """A callable computing ``outputs`` from ``inputs`` with the reference
    linker (tensorops does not import the frontend's ``function``).  ``mode``
    may be an object with a ``linker`` attribute (or itself a linker) that has
    ``make_vm``; other modes use the reference Python linker."""
    from tensorsmith_graphcore import FunctionGraph, PerformLinker

    single = not isinstance(outputs, (list, tuple))
    outs = [outputs] if single else list(outputs)
    linker = getattr(mode, "linker", mode)
    if linker is None or not hasattr(linker, "make_vm"):
        linker = PerformLinker()
    fg = FunctionGraph(list(inputs), outs, clone=True)
    vm, _ = linker.make_vm(fg, [v.type.filter for v in inputs], unpack_single=single)
    return vm

_EPS = {"float64": 1e-7, "float32": 1e-3, "float16": 1e-1}
_TOL = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}


class GradientError(Exception):
    """``verify_grad`` found a symbolic gradient that differs from the finite
    differences.  Attributes: ``arg`` (input index), ``err_pos`` (flat index of
    the worst element), ``shape``, ``val1`` (symbolic), ``val2`` (numeric),
    ``abs_err``, ``rel_err``, ``abs_tol``, ``rel_tol``, ``grad_sym`` and
    ``grad_num`` (the whole gradients)."""

    def __init__(self, arg, err_pos, shape, val1, val2, abs_err, rel_err, abs_tol, rel_tol,
                 grad_sym=None, grad_num=None):
        Exception.__init__(self)
        self.arg = arg
        self.err_pos = err_pos
        self.shape = shape
        self.val1 = val1
        self.val2 = val2
        self.abs_err = abs_err
        self.rel_err = rel_err
        self.abs_tol = abs_tol
        self.rel_tol = rel_tol
        self.grad_sym = grad_sym
        self.grad_num = grad_num

    def __str__(self):
        with np.printoptions(precision=6, threshold=50, edgeitems=4):
            s = (f"GradientError: the symbolic gradient of input {self.arg} (shape {self.shape}) differs from "
                 f"the finite differences.\n  worst element (flat index {self.err_pos}): symbolic {self.val1!r}, "
                 f"numeric {self.val2!r}\n  max abs error {self.abs_err:.6g} (abs_tol {self.abs_tol}), max rel error "
                 f"{self.rel_err:.6g} (rel_tol {self.rel_tol})")
            if self.grad_sym is not None:
                s += f"\n  symbolic gradient:\n{np.asarray(self.grad_sym)}\n  numeric gradient:\n{np.asarray(self.grad_num)}"
        return s


def _rng_uniform(rng, shape):
    if hasattr(rng, "uniform"):
        return rng.uniform(-1.0, 1.0, size=shape)
    raise TypeError(f"verify_grad: rng must be a numpy Generator or RandomState, got {rng!r}")


def verify_grad(fun, pt, n_tests=2, rng=None, eps=None, out_type=None, abs_tol=None, rel_tol=None, mode=None,
                cast_to_output_type=False, no_debug_ref=True):
    """Check the symbolic gradient of ``fun`` at the point ``pt`` (a list of
    arrays, one per argument of ``fun``) against central finite differences.

    The output ``o = fun(*inputs)`` is projected on a random tensor ``r`` of its
    shape, ``cost = sum(o * r)``; ``n_tests`` projections are tried.  ``eps``
    (step) and the tolerances default by the inputs' dtype (float64: eps 1e-7,
    tolerances 1e-4; float32: eps 1e-3, tolerances 1e-2).  An element fails when
    both its absolute error exceeds ``abs_tol`` and its relative error exceeds
    ``rel_tol``; the first failing input raises ``GradientError``.  ``mode`` is
    passed to ``function``; ``out_type`` is the dtype of the projection (default
    the output's); ``no_debug_ref`` is accepted for compatibility."""
    if not isinstance(pt, (list, tuple)):
        raise TypeError(f"verify_grad: pt must be a list of arrays (one per argument of fun), got {type(pt).__name__}")
    pt = [np.array(p) for p in pt]
    for i, p in enumerate(pt):
        if p.dtype.kind not in "fc":
            raise TypeError(f"verify_grad can check only floating-point inputs; input {i} has dtype {p.dtype}")
    if rng is None:
        rng = np.random.default_rng(0)
    dtypes = [p.dtype.name for p in pt]
    worst = "float16" if "float16" in dtypes else ("float32" if "float32" in dtypes else "float64")
    if eps is None:
        eps = _EPS.get(worst, 1e-7)
    if abs_tol is None:
        abs_tol = _TOL.get(worst, 1e-4)
    if rel_tol is None:
        rel_tol = _TOL.get(worst, 1e-4)

    syms = [TensorType(p.dtype.name, tuple(1 if s == 1 else None for s in p.shape)).make_variable(name=f"input{i}")
            for i, p in enumerate(pt)]
    o = fun(*syms)
    if isinstance(o, (list, tuple)):
        raise TypeError("verify_grad: fun must return a single tensor")
    o = as_tensor_variable(o)
    f_out = compile_function(syms, o, mode)
    o_val = np.asarray(f_out(*pt))
    proj_dtype = out_type or (o.type.dtype if (cast_to_output_type or o.type.dtype.startswith("float"))
                              else "float64")
    r = TensorType(proj_dtype, (None,) * o.type.ndim).make_variable(name="random_projection")
    cost = _sum(mul(o, r))
    gs = grad(cost, syms, disconnected_inputs="ignore")
    f_grad = compile_function(syms + [r], gs, mode)

    for _test in range(n_tests):
        r_val = np.asarray(_rng_uniform(rng, o_val.shape), dtype=proj_dtype)

        def cost_at(vals):
            return float(np.sum(np.asarray(f_out(*vals), dtype="float64") * r_val))

        sym_grads = [np.asarray(g) for g in f_grad(*pt, r_val)]
        for i, p in enumerate(pt):
            num = np.zeros(p.shape, dtype="float64")
            flat = p.reshape(-1).copy()
            vals = list(pt)
            for k in range(flat.size):
                old = flat[k]
                flat[k] = old + eps
                vals[i] = flat.reshape(p.shape)
                fp = cost_at(vals)
                flat[k] = old - eps
                vals[i] = flat.reshape(p.shape)
                fm = cost_at(vals)
                flat[k] = old
                num.reshape(-1)[k] = (fp - fm) / (2 * eps)
            sym = sym_grads[i].astype("float64")
            if sym.shape != num.shape:
                raise GradientError(i, -1, p.shape, sym.shape, num.shape, np.inf, np.inf, abs_tol, rel_tol,
                                    sym, num)
            abs_err = np.abs(sym - num)
            denom = np.abs(sym) + np.abs(num)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel_err = np.where(denom > 0, abs_err / np.where(denom > 0, denom, 1), 0.0)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            bad |= ~np.isfinite(sym) & np.isfinite(num)
            if bad.any():
                score = np.minimum(abs_err / abs_tol, rel_err / rel_tol)
                score = np.where(np.isfinite(sym), score, np.inf)
                pos = int(np.argmax(score.reshape(-1))) if score.size else 0
                raise GradientError(i, pos, p.shape, sym.reshape(-1)[pos], num.reshape(-1)[pos],
                                    float(abs_err.max()), float(rel_err.max()), abs_tol, rel_tol, sym, num)
