"""Shared helpers for the tensor op tests: compile, compare with NumPy, check
gradients against central finite differences."""
import numpy as np

import tensorsmith
import tensorsmith.tensor as pt


def compile_eval(inputs, outputs, values, **kw):
    f = tensorsmith.function(list(inputs), outputs, on_unused_input="ignore", **kw)
    return f(*values)


def sym_like(value, name=None, static_shape=False):
    """A symbolic input matching the dtype/ndim of ``value``."""
    a = np.asarray(value)
    shape = a.shape if static_shape else (None,) * a.ndim
    return pt.tensor(name, dtype=a.dtype, shape=shape)


def assert_op_matches(build, ref, values, rtol=1e-7, atol=1e-10, check_dtype=True):
    """``build(*symbolic)`` evaluated on ``values`` equals ``ref(*values)`` in
    value, dtype and shape."""
    syms = [sym_like(v) for v in values]
    out = compile_eval(syms, build(*syms), [np.asarray(v) for v in values])
    expected = np.asarray(ref(*values))
    out = np.asarray(out)
    assert out.shape == expected.shape, (out.shape, expected.shape)
    if check_dtype:
        assert out.dtype == expected.dtype, (out.dtype, expected.dtype)
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol, equal_nan=True)
    return out


def numeric_grad(f, values, eps=1e-6):
    """Central differences of the scalar function ``f(*values)`` w.r.t. each value."""
    grads = []
    values = [np.array(v, dtype="float64") for v in values]
    for i, v in enumerate(values):
        g = np.zeros_like(v)
        it = np.nditer(v, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            old = v[idx]
            v[idx] = old + eps
            fp = f(*values)
            v[idx] = old - eps
            fm = f(*values)
            v[idx] = old
            g[idx] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def check_grad(build, values, wrt=None, eps=1e-6, rtol=1e-5, atol=1e-6, seed=0):
    """Check ``pt.grad`` of ``sum(build(*xs) * w)`` (w random, fixed) against
    central finite differences, for the inputs listed in ``wrt`` (default all)."""
    values = [np.asarray(v, dtype="float64") if np.asarray(v).dtype.kind == "f" else np.asarray(v)
              for v in values]
    syms = [sym_like(v) for v in values]
    out = build(*syms)
    rng = np.random.default_rng(seed)
    fwd = tensorsmith.function(syms, out, on_unused_input="ignore")
    shape = np.shape(fwd(*values))
    w = rng.uniform(0.5, 1.5, size=shape)
    cost = (out * pt.constant(w)).sum()
    wrt = list(range(len(values))) if wrt is None else list(wrt)
    gs = pt.grad(cost, [syms[i] for i in wrt])
    gf = tensorsmith.function(syms, gs, on_unused_input="ignore")
    sym_grads = gf(*values)

    def scalar_f(*vals):
        full = list(values)
        for k, i in enumerate(wrt):
            full[i] = vals[k]
        return float(np.sum(np.asarray(fwd(*full)) * w))

    num = numeric_grad(scalar_f, [values[i] for i in wrt], eps=eps)
    for i, a, b in zip(wrt, sym_grads, num):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"gradient wrt input {i}")
