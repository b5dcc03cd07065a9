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
