"""Random elementwise expression graphs (hypothesis), fused by FAST_RUN and
run by the C linker, against the Python linker."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorsmith as ts
import tensorsmith.tensor as pt
from ccache_support import NO_COMPILER

pytestmark = pytest.mark.skipif(NO_COMPILER is not None, reason=f"no C compiler: {NO_COMPILER}")

UNARY = [pt.exp, pt.sin, pt.cos, pt.tanh, pt.sigmoid, pt.softplus, pt.abs, pt.neg, pt.sqr,
         lambda a: pt.log1p(pt.abs(a)), lambda a: pt.sqrt(pt.abs(a)), pt.floor, pt.sign]
BINARY = [pt.add, pt.sub, pt.mul, pt.maximum, pt.minimum, lambda a, b: a / (1 + pt.sqr(b)),
          lambda a, b: pt.switch(a > b, a, b * 2), lambda a, b: a * 0.5 + 3]

_state = {}


def _mode():
    if "mode" not in _state:
        import tempfile

        from tensorsmith_ccompile.cache import CompileCache
        from tensorsmith_ccompile.linker import CLinker

        _state["mode"] = ts.Mode(linker=CLinker(cache=CompileCache(tempfile.mkdtemp(prefix="ts-c-"))),
                                 optimizer="FAST_RUN")
    return _state["mode"]


@st.composite
def expressions(draw):
    """A list of (op index, operand indices) steps over the leaves x, y, s."""
    n = draw(st.integers(2, 9))
    steps = []
    for k in range(n):
        avail = 3 + k
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(UNARY) - 1)), (draw(st.integers(0, avail - 1)),)))
        else:
            steps.append(("b", draw(st.integers(0, len(BINARY) - 1)),
                          (draw(st.integers(0, avail - 1)), draw(st.integers(0, avail - 1)))))
    return steps


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.sampled_from(["float64", "float32"]))
def test_random_expression(steps, dt):
    x = pt.matrix("x", dtype=dt)
    y = pt.vector("y", dtype=dt)
    s = pt.scalar("s", dtype=dt)
    vals = [x, y, s]
    for kind, i, ins in steps:
        fn = UNARY[i] if kind == "u" else BINARY[i]
        vals.append(fn(*[vals[j] for j in ins]))
    out = vals[-1]
    inputs = [x, y, s]
    f_c = ts.function(inputs, out, mode=_mode(), on_unused_input="ignore")
    f_py = ts.function(inputs, out, mode=ts.Mode(linker="py", optimizer="FAST_RUN"),
                       on_unused_input="ignore")
    rng = np.random.default_rng(len(steps))
    xv = rng.normal(size=(5, 7)).astype(dt)
    yv = rng.normal(size=7).astype(dt)
    sv = np.asarray(0.75, dtype=dt)
    with np.errstate(all="ignore"):
        rc, rp = f_c(xv, yv, sv), f_py(xv, yv, sv)
        rc2 = f_c(xv.T.copy().T[:, ::-1], yv[::-1], sv)  # strided operands
        rp2 = f_py(xv.T.copy().T[:, ::-1], yv[::-1], sv)
    assert rc.dtype == rp.dtype and rc.shape == rp.shape
    rtol, atol = (1e-12, 1e-12) if dt == "float64" else (2e-5, 2e-5)
    np.testing.assert_allclose(rc, rp, rtol=rtol, atol=atol)
    np.testing.assert_allclose(rc2, rp2, rtol=rtol, atol=atol)
