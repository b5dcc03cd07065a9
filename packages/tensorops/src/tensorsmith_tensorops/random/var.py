"""Shared random generators: ``shared(numpy.random.default_rng(seed))``."""
import copy

import numpy as np

from ..sharedvar import SharedVariable, shared_constructor
from .type import RandomGeneratorVariable, random_generator_type

__all__ = ["RandomGeneratorSharedVariable"]


class RandomGeneratorSharedVariable(SharedVariable, RandomGeneratorVariable):
    """A shared variable holding a ``numpy.random.Generator``."""

    def __str__(self):
        return self.name or f"RNG<{id(self.container[0]):#x}>"


@shared_constructor
def _generator_shared(value, name=None, strict=False, allow_downcast=None, borrow=False, shape=None,
                      **kwargs):
    if not isinstance(value, np.random.Generator):
        raise TypeError("not a numpy.random.Generator")
    if shape is not None:
        raise TypeError("a random generator has no shape")
    if not borrow:
        value = copy.deepcopy(value)
    v = RandomGeneratorSharedVariable(random_generator_type, None, None, name)
    v._init_shared(value, strict, allow_downcast)
    return v


_NO_SEED = object()


def _set_value(self, new_value=None, *, seed=_NO_SEED, borrow=False):
    """Replace the generator: ``set_value(generator)`` or ``set_value(seed=s)``
    (``numpy.random.default_rng(s)``), as PyTensor."""
    if seed is not _NO_SEED:
        if new_value is not None:
            raise ValueError("set_value: give a generator or seed=, not both")
        new_value, borrow = np.random.default_rng(seed), True
    if new_value is None:
        raise TypeError("set_value: give a numpy.random.Generator or seed=")
    SharedVariable.set_value(self, new_value, borrow=borrow)


RandomGeneratorSharedVariable.set_value = _set_value


def shared_rng(value=None, *, seed=_NO_SEED, name=None, borrow=False):
    """A shared generator variable holding ``value`` (a ``numpy.random.Generator``)
    or ``numpy.random.default_rng(seed)``; its distribution methods return
    ``(next_rng, draws)``: ``next_rng, x = shared_rng(seed=1).normal()``."""
    if value is None:
        value, borrow = np.random.default_rng(None if seed is _NO_SEED else seed), True
    elif seed is not _NO_SEED:
        raise ValueError("shared_rng: give a generator or seed=, not both")
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"shared_rng: expected a numpy.random.Generator, got {type(value).__name__}")
    return _generator_shared(value, name=name, borrow=borrow)


def rng(name=None):
    """A symbolic generator variable (a function input): ``x = rng("rng")``,
    then ``next_rng, draws = x.normal()``."""
    return random_generator_type.make_variable(name)


__all__ += ["shared_rng", "rng"]
