"""Differential fuzzing of the whole FAST_RUN pipeline: random graphs
(elementwise math, reductions, broadcasting, indexing, dtypes, repeated
subexpressions) give the same values, dtypes and shapes compiled with
FAST_RUN as with no rewrites at all, both on the reference Python linker."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorsmith as ts
import tensorsmith.tensor as pt

NO_REWRITES = ts.Mode(linker="py", optimizer=None)
FAST_RUN = ts.Mode(linker="py", optimizer="FAST_RUN")

# every value lives in a shape that broadcasts to (3, 4): (3, 4), (4,), (3, 1), ()
UNARY = [
    ("sin", pt.sin), ("cos", pt.cos), ("tanh", pt.tanh), ("neg", lambda a: -a),
    ("sqr", pt.sqr), ("abs", pt.abs), ("sigmoid", pt.sigmoid),
    ("exp_tanh", lambda a: pt.exp(pt.tanh(a))), ("log1_sqr", lambda a: pt.log(1 + a ** 2)),
    ("softplus_form", lambda a: pt.log(1 + pt.exp(pt.tanh(a)))),
    ("pow2", lambda a: a ** 2), ("pow3", lambda a: a ** 3), ("sqrt_form", lambda a: (1 + a * a) ** 0.5),
    ("recip", lambda a: (1 + a * a) ** -1), ("double_neg", lambda a: -(-a)),
    ("times_one", lambda a: a * 1), ("plus_zero", lambda a: a + 0), ("x_plus_x", lambda a: a + a),
    ("expm1_form", lambda a: pt.exp(pt.tanh(a)) - 1), ("log_exp", lambda a: pt.log(pt.exp(pt.tanh(a)))),
    ("scale", lambda a: 2.5 * a - 0.5 * a), ("div_const", lambda a: a / 4.0),
]
BINARY = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (1 + b * b)), ("max", pt.maximum), ("min", pt.minimum),
    ("sub_neg", lambda a, b: a - (-b)), ("mul_sum", lambda a, b: a * b + a * b),
    ("switch", lambda a, b: pt.switch(a > b, a, b)),
]


def _reduce(kind, a):
    """A reduction of ``a`` brought back to a shape that broadcasts to (3, 4)."""
    nd = a.type.ndim
    if nd == 0:
        return a
    f = {"sum": pt.sum, "max": pt.max, "mean": pt.mean}[kind]
    if nd == 1:
        return f(a)  # ()
    if kind == "sum" and a.type.shape[1] != 1:
        return f(a, axis=1).dimshuffle(0, "x")  # (3, 1)
    return f(a, axis=0)  # (4,) or (1,)


def _index(kind, a):
    nd = a.type.ndim
    if nd == 0:
        return a
    if kind == "reverse":
        return a[::-1] if nd == 1 else a[:, ::-1]
    if kind == "transpose_twice":
        return a.T.T if nd == 2 else a
    # a row of a matrix: shape (4,) or (1,)
    return a[1] if nd == 2 and a.type.shape[0] != 1 else a


@st.composite
def programs(draw):
    steps = []
    for _ in range(draw(st.integers(2, 14))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "index", "int", "reuse"]))
        a = draw(st.integers(0, 1000))
        b = draw(st.integers(0, 1000))
        if kind == "unary":
            steps.append((kind, draw(st.sampled_from(range(len(UNARY)))), a))
        elif kind == "binary":
            steps.append((kind, draw(st.sampled_from(range(len(BINARY)))), a, b))
        elif kind == "reduce":
            steps.append((kind, draw(st.sampled_from(["sum", "max", "mean"])), a))
        elif kind == "index":
            steps.append((kind, draw(st.sampled_from(["reverse", "row", "transpose_twice"])), a))
        else:
            steps.append((kind, 0, a, b))
    n_out = draw(st.integers(1, 3))
    return steps, n_out


def build(steps, n_out):
    x = pt.dmatrix("x")
    v = pt.dvector("v")
    c = pt.tensor("c", dtype="float64", shape=(None, 1))
    s = pt.dscalar("s")
    i = pt.lmatrix("i")
    inputs = [x, v, c, s, i]
    pool = [x, v, c, s]
    ints = [i]
    for step in steps:
        kind = step[0]
        a = pool[step[2] % len(pool)]
        if kind == "unary":
            pool.append(UNARY[step[1]][1](a))
        elif kind == "binary":
            pool.append(BINARY[step[1]][1](a, pool[step[3] % len(pool)]))
        elif kind == "reduce":
            pool.append(_reduce(step[1], a))
        elif kind == "index":
            pool.append(_index(step[1], a))
        elif kind == "int":
            j = ints[step[2] % len(ints)]
            k = ints[step[3] % len(ints)]
            r = (j * 3 + k - j) // 2 + k * 1
            ints.append(r)
            pool.append(pt.cast(r, "float64") * 0.5 + pool[step[3] % len(pool)])
        else:  # the same expression built twice: merge must see it
            pool.append(pt.sin(a) * pt.cos(a) + pt.sin(a) * pt.cos(a))
    outs = pool[-n_out:] + ints[-1:]
    return inputs, outs


def values(rng):
    return [rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, 4), rng.uniform(-2, 2, (3, 1)),
            np.float64(rng.uniform(-2, 2)), rng.integers(-5, 6, (3, 4))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(0, 2 ** 32 - 1))
def test_fast_run_matches_no_rewrites(prog, seed):
    steps, n_out = prog
    inputs, outs = build(steps, n_out)
    args = values(np.random.default_rng(seed))
    ref = ts.function(inputs, outs, mode=NO_REWRITES, on_unused_input="ignore")(*args)
    got = ts.function(inputs, outs, mode=FAST_RUN, on_unused_input="ignore")(*args)
    for k, (r, g) in enumerate(zip(ref, got)):
        r, g = np.asarray(r), np.asarray(g)
        assert g.dtype == r.dtype, (k, steps)
        assert g.shape == r.shape, (k, steps)
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12, err_msg=str((k, steps)))
    # the user's arrays are not modified by the compiled functions
    again = values(np.random.default_rng(seed))
    for a, b in zip(args, again):
        np.testing.assert_array_equal(a, b)


def test_fuzz_builder_builds_every_kind():
    # every op of the tables is exercised at least once by a direct program
    steps = [("unary", k, k) for k in range(len(UNARY))]
    steps += [("binary", k, k, k + 1) for k in range(len(BINARY))]
    steps += [("reduce", kind, 0) for kind in ("sum", "max", "mean")]
    steps += [("index", kind, 0) for kind in ("reverse", "row", "transpose_twice")]
    steps += [("int", 0, 0, 0), ("reuse", 0, 1, 0)]
    inputs, outs = build(steps, 3)
    args = values(np.random.default_rng(1))
    ref = ts.function(inputs, outs, mode=NO_REWRITES, on_unused_input="ignore")(*args)
    got = ts.function(inputs, outs, mode=FAST_RUN, on_unused_input="ignore")(*args)
    for r, g in zip(ref, got):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)
