"""Modes are data: (rewrite pipeline, linker) resolved through graphcore's
registries, which the installed packages fill; a backend is a Linker that
overrides make_thunk and never subclasses a frontend class."""
import subprocess
import sys

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith_graphcore import Linker, PerformLinker, modes
from tensorsmith.compile.mode import Mode, get_mode


def test_named_modes_resolve_through_the_registries():
    fr = get_mode("FAST_RUN")
    assert fr is get_mode("FAST_RUN") and fr.name == "FAST_RUN"
    assert isinstance(fr.linker, PerformLinker)  # the highest-priority linker today
    assert get_mode("FAST_COMPILE").optimizer == "FAST_COMPILE"
    assert get_mode("PY").optimizer is None
    assert {"FAST_RUN", "FAST_COMPILE", "PY"} <= set(modes.available_modes())
    assert "py" in modes.available_linkers()
    assert {"FAST_RUN", "FAST_COMPILE"} <= set(modes.available_pipelines())


def test_unknown_names_list_the_registered_ones():
    with pytest.raises(ValueError, match="registered: .*'py'"):
        Mode(linker="nonesuch").linker
    with pytest.raises(ValueError, match="FAST_RUN"):
        Mode(optimizer="nonesuch").get_rewrite()
    with pytest.raises(ValueError, match="FAST_COMPILE"):
        get_mode("nonesuch")


def test_including_excluding_are_values():
    m = get_mode("FAST_RUN")
    m2 = m.including("fusion", "local")
    assert m2 is not m and m2.include == ("fusion", "local") and m.include == ()
    m3 = m2.excluding("fusion")
    assert m3.include == ("local",) and m3.exclude == ("fusion",)
    assert m3.requiring("fast_run").require == ("fast_run",)
    assert m.including("a") == m.including("a") and hash(m.including("a")) == hash(m.including("a"))
    x = pt.dscalar("x")
    assert ts.function([x], x + 1, mode=m3)(1.0) == 2.0
    with pytest.raises(ValueError, match="pipeline"):
        get_mode("PY").including("fusion").get_rewrite()


class CountingLinker(Linker):
    """A backend in a dozen lines: its own thunk per node, nothing else."""

    def __init__(self):
        self.made = 0

    def make_thunk(self, node, storage, dying=()):
        self.made += 1
        inner = PerformLinker().make_thunk(node, storage, dying)
        return inner


def test_a_registered_backend_runs_functions_without_subclassing_the_frontend():
    made = []

    def factory():
        lk = CountingLinker()
        made.append(lk)
        return lk

    modes.register_linker("counting-test", factory, priority=-5)
    try:
        m = Mode(linker="counting-test", optimizer="FAST_RUN")
        x = pt.dvector("x")
        a = ts.shared(np.zeros(2), "a")
        f = ts.function([x], (x * 2).sum(), mode=m, updates=[(a, a + x)])
        assert f(np.ones(2)) == 4.0 and made[0].made == len(f.fgraph.apply_nodes)
        np.testing.assert_array_equal(a.get_value(), [1.0, 1.0])
        assert isinstance(f, ts.Function)  # the callable is graphcore's, built from any thunks
        # priority below py: the default linker is still py
        assert isinstance(Mode().linker, PerformLinker)
    finally:
        modes._linkers.pop("counting-test", None)


def test_pipeline_callable_and_registered():
    calls = []

    def pipeline_factory(include, exclude, require):
        def rewrite(fgraph):
            calls.append((include, exclude, len(fgraph.apply_nodes)))
        return rewrite

    modes.register_pipeline("test-pipe", pipeline_factory)
    try:
        x = pt.dscalar("x")
        ts.function([x], x * 2, mode=Mode(optimizer="test-pipe").including("t1"))
        assert calls == [(("t1",), (), 1)]
        seen = []
        ts.function([x], x * 2, mode=Mode(optimizer=lambda fg: seen.append(fg)))
        assert len(seen) == 1
    finally:
        modes._pipelines.pop("test-pipe", None)


def test_import_is_cheap_and_plugins_load_on_first_use():
    code = ("import sys, tensorsmith, tensorsmith.tensor as pt\n"
            "assert 'tensorsmith_rewriter' not in sys.modules, 'imported at import time'\n"
            "x = pt.dscalar('x'); tensorsmith.function([x], x + 1)\n"
            "assert 'tensorsmith_rewriter' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_modes_pickle_and_resolve_again():
    import pickle

    m = get_mode("FAST_RUN").including("x")
    m.linker, m.get_rewrite()
    m2 = pickle.loads(pickle.dumps(m))
    assert m2 == m and m2._linker is None and isinstance(m2.linker, PerformLinker)
    x = pt.dscalar("x")
    f = ts.function([x], x * 3, mode=m)
    assert pickle.loads(pickle.dumps(f))(2.0) == 6.0
