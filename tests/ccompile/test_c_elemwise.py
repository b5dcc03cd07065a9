"""The C linker on elementwise graphs: broadcasting, strides, empty and 0-d
arrays, 1-7 dimensions, shape errors, in-place nodes, fused composites,
the per-node and whole-function fallbacks, and the compile cache."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from ccache_support import NO_COMPILER, counting_toolchain

pytestmark = pytest.mark.skipif(NO_COMPILER is not None, reason=f"no C compiler: {NO_COMPILER}")

PY_RUN = ts.Mode(linker="py", optimizer="FAST_RUN")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    from tensorsmith_ccompile.cache import CompileCache

    return CompileCache(tmp_path_factory.mktemp("ccache"), max_bytes=0)


@pytest.fixture(scope="module")
def c_run(cache):
    from tensorsmith_ccompile.linker import CLinker

    return ts.Mode(linker=CLinker(cache=cache), optimizer="FAST_RUN")


def _backends(f):
    from tensorsmith_ccompile import node_backends

    return [b for _, b in node_backends(f)]


EXPR = "exp(-x**2) * sin(3*x) + log1p(x**2) / (1 + cosh(x))"


def _expr(x):
    return pt.exp(-x ** 2) * pt.sin(3 * x) + pt.log1p(x ** 2) / (1 + pt.cosh(x))


def test_benchmark_expression_is_one_c_node(c_run):
    # float64: the sum of two terms cancels in places (a few ulp of each term)
    for dt, rtol in [("float64", 1e-13), ("float32", 2e-6)]:
        x = pt.vector("x", dtype=dt)
        f = ts.function([x], _expr(x), mode=c_run)
        assert _backends(f) == ["c"], f.nodes
        a = np.random.default_rng(0).normal(size=10001).astype(dt)
        r = f(a)
        ref = ts.function([x], _expr(x), mode=PY_RUN)(a)
        assert r.dtype == ref.dtype == dt
        np.testing.assert_allclose(r, ref, rtol=rtol, atol=1e-6 if dt == "float32" else 1e-15)


def test_broadcast_strides_dims(c_run):
    """One function per number of dimensions, called on broadcast, transposed,
    stepped, reversed, empty and 0-d operands."""
    rng = np.random.default_rng(1)
    s = pt.dscalar("s")
    for nd in range(1, 8):
        x = pt.tensor(dtype="float64", shape=(None,) * nd, name="x")
        y = pt.tensor(dtype="float64", shape=(None,) * nd, name="y")
        out = pt.exp(x) * y - s / (1 + y ** 2)
        f = ts.function([x, y, s], out, mode=c_run)
        g = ts.function([x, y, s], out, mode=PY_RUN)
        assert "c" in _backends(f)
        shape = tuple(rng.integers(1, 4, size=nd) + 1)
        full = rng.normal(size=shape)
        cases = [
            (full, rng.normal(size=shape)),                                      # contiguous
            (full, rng.normal(size=(1,) * (nd - 1) + shape[-1:])),               # row broadcast
            (rng.normal(size=shape[:-1] + (1,)), full),                          # column broadcast
            (np.asarray(rng.normal(size=shape[::-1])).T, full),                  # transposed
            (rng.normal(size=tuple(2 * d for d in shape))[(slice(None, None, 2),) * nd], full),  # steps
            (full[(slice(None, None, -1),) * nd], full),                         # negative strides
            (np.ones((1,) * nd), full),                                          # all broadcast
            (np.ones(shape[:-1] + (0,)), np.ones(shape[:-1] + (1,))),            # empty
        ]
        for a, b in cases:
            for sv in (0.5, np.float64(-2.0)):
                r = f(a, b, sv)
                np.testing.assert_allclose(r, g(a, b, sv), rtol=1e-14, atol=1e-14)
                assert r.shape == np.broadcast_shapes(a.shape, b.shape)


def test_zero_d_and_large_broadcast(c_run):
    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = ts.function([x, y], x * y + 1, mode=c_run)
    r = f(2.0, 3.0)
    assert r.shape == () and r == 7.0 and _backends(f) == ["c"]
    m, v = pt.dmatrix("m"), pt.dvector("v")
    a = np.random.default_rng(2).normal(size=(300, 400))
    b = np.random.default_rng(3).normal(size=400)
    f3 = ts.function([m, v], pt.maximum(m, v) * v, mode=c_run)
    np.testing.assert_array_equal(f3(a, b), np.maximum(a, b) * b)
    np.testing.assert_array_equal(f3(a.T.copy().T, b), np.maximum(a, b) * b)


def test_shape_mismatch_raises_value_error_naming_op(c_run):
    x, y = pt.dvector("x"), pt.dvector("y")
    z = pt.exp(x) * pt.sin(y) + 1  # this line is named in the error
    f = ts.function([x, y], z, mode=c_run)
    assert _backends(f) == ["c"]
    with pytest.raises(ValueError) as ei:
        f(np.ones(3), np.ones(4))
    msg = str(ei.value)
    assert "(3,)" in msg and "(4,)" in msg and "exp" in msg and "sin" in msg
    assert "test_c_elemwise.py" in msg  # the user's line where the node was built
    # unfused single op
    f1 = ts.function([x, y], x + y, mode=ts.Mode(linker=c_run.linker, optimizer=None))
    with pytest.raises(ValueError, match="add"):
        f1(np.ones(2), np.ones(5))


def test_inplace_nodes_never_change_user_inputs(c_run):
    x, y = pt.dvector("x"), pt.dvector("y")
    e = pt.exp(x) * 2 + y
    outs = [pt.sin(e + e.sum()), pt.cos(x + y.sum()) * y]
    f = ts.function([x, y], outs, mode=c_run)
    inplace = [(n, b) for n, b in zip(f.nodes, _backends(f)) if getattr(n.op, "destroy_map", None)]
    assert inplace and all(b == "c" for _, b in inplace), list(zip(f.nodes, _backends(f)))
    xv = np.linspace(-1, 1, 50)
    yv = np.linspace(2, 3, 50)
    xc, yc = xv.copy(), yv.copy()
    ref = ts.function([x, y], outs, mode=PY_RUN)(xv, yv)
    for _ in range(2):
        res = f(xv, yv)
        for r, e in zip(res, ref):
            np.testing.assert_allclose(r, e, rtol=1e-14)
    np.testing.assert_array_equal(xv, xc)
    np.testing.assert_array_equal(yv, yc)


def test_fallback_per_node_scipy_op(c_run):
    """A fused region holding an op without C (psi) runs in Python as a whole;
    the other regions run in C."""
    x = pt.dvector("x")
    e = pt.exp(x) * 2
    out = pt.psi(e + e.sum()) + pt.gammaln(x + 1)
    f = ts.function([x], out, mode=c_run)
    b = _backends(f)
    assert "py" in b and "c" in b, list(zip(f.nodes, b))
    xv = np.linspace(-0.5, 3, 101)
    np.testing.assert_allclose(f(xv), ts.function([x], out, mode=PY_RUN)(xv), rtol=1e-13)


def test_no_compiler_falls_back_with_one_warning(tmp_path, monkeypatch):
    from tensorsmith_ccompile import toolchain
    from tensorsmith_ccompile.cache import CompileCache
    from tensorsmith_ccompile.linker import CLinker, CLinkerWarning

    def no_compiler():
        raise toolchain.CompilerNotFound("no C compiler found (test)")

    monkeypatch.setattr("tensorsmith_ccompile.cache.get_toolchain", no_compiler)
    mode = ts.Mode(linker=CLinker(cache=CompileCache(tmp_path / "c")), optimizer="FAST_RUN")
    x, y = pt.dvector("x"), pt.dvector("y")
    out = [pt.exp(x) * y, pt.gammaln(x) + y]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        f = ts.function([x, y], out, mode=mode)
    mine = [m for m in w if issubclass(m.category, CLinkerWarning)]
    assert len(mine) == 1 and "no C compiler" in str(mine[0].message)
    assert set(_backends(f)) == {"py"}
    xv, yv = np.linspace(0.5, 2, 7), np.linspace(1, 3, 7)
    for r, e in zip(f(xv, yv), ts.function([x, y], out, mode=PY_RUN)(xv, yv)):
        np.testing.assert_allclose(r, e)


def test_warm_cache_does_not_compile(tmp_path, monkeypatch):
    from tensorsmith_ccompile import cache as cache_mod
    from tensorsmith_ccompile.cache import CompileCache
    from tensorsmith_ccompile.linker import CLinker

    x, y = pt.dvector("x"), pt.dvector("y")
    out = pt.tanh(x) * y - 3.25
    tc = counting_toolchain()
    c1 = CompileCache(tmp_path / "c", toolchain=tc)
    f1 = ts.function([x, y], out, mode=ts.Mode(linker=CLinker(cache=c1), optimizer="FAST_RUN"))
    assert tc.builds == 1
    monkeypatch.setattr(cache_mod, "_LOADED", {})  # as a fresh process: only the disk entry
    tc2 = counting_toolchain()
    c2 = CompileCache(tmp_path / "c", toolchain=tc2)
    f2 = ts.function([x, y], out, mode=ts.Mode(linker=CLinker(cache=c2), optimizer="FAST_RUN"))
    assert tc2.builds == 0 and c2.stats["hits_disk"] == 1
    a = np.arange(5.0)
    np.testing.assert_array_equal(f1(a, a), f2(a, a))


def test_config_base_compiledir_and_registered_name(tmp_path):
    """``Mode(linker="c")`` after ``import tensorsmith`` (plugin entry point, or
    the package import), the cache under ``base_compiledir``; a fresh process."""
    code = (
        "import numpy as np, tensorsmith as ts, tensorsmith.tensor as pt\n"
        "import tensorsmith_ccompile\n"
        "x = pt.dvector('x')\n"
        "f = ts.function([x], pt.exp(x) + 1, mode=ts.Mode(linker='c', optimizer='FAST_RUN'))\n"
        "print(tensorsmith_ccompile.node_backends(f)[0][1], f(np.zeros(2))[0])\n"
        "from tensorsmith_ccompile.cache import get_cache; print(get_cache().root)\n")
    env = dict(__import__("os").environ, TENSORSMITH_FLAGS=f"base_compiledir={tmp_path}")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "c 2.0" and lines[1].startswith(str(tmp_path))


def test_import_is_cheap():
    """Importing the package (and resolving the ``c`` linker) probes no
    compiler and scans no cache."""
    code = (
        "import subprocess, os, tensorsmith\n"
        "calls = []\n"
        "real = subprocess.run\n"
        "subprocess.run = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
        "real_scandir = os.scandir\n"
        "os.scandir = lambda *a, **k: calls.append(('scandir',) + a) or real_scandir(*a, **k)\n"
        "import tensorsmith_ccompile\n"
        "from tensorsmith_graphcore.modes import get_linker\n"
        "get_linker('c')\n"
        "import sys; print(len(calls), 'tensorsmith_ccompile.toolchain' in sys.modules and "
        "sys.modules['tensorsmith_ccompile.toolchain']._toolchain is not None)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "False"]


def test_default_modes_unchanged():
    from tensorsmith_graphcore.modes import get_linker
    from tensorsmith_ccompile.linker import CLinker

    import tensorsmith_ccompile  # noqa: F401  (registers "c")
    assert not isinstance(get_linker("default"), CLinker)
    assert isinstance(get_linker("c"), CLinker)
