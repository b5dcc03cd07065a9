"""gc_paused: pauses the cyclic collector for a block or a function, nests,
and restores the collector's state on the way out, errors included."""
import gc

import pytest

from tensorsmith_graphcore import gc_paused


@pytest.fixture
def gc_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_context_manager_pauses_and_restores(gc_on):
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner one must not turn it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restores_after_an_exception(gc_on):
    with pytest.raises(KeyError):
        with gc_paused():
            raise KeyError("x")
    assert gc.isenabled()


def test_leaves_a_disabled_collector_disabled(gc_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_decorator(gc_on):
    @gc_paused()
    def f(a, b=2):
        """doc"""
        if a < 0:
            raise ValueError(a)
        return gc.isenabled(), a + b

    assert f(1) == (False, 3) and gc.isenabled()
    assert f.__name__ == "f" and f.__doc__ == "doc"
    with pytest.raises(ValueError):
        f(-1)
    assert gc.isenabled()
