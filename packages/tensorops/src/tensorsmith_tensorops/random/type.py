"""The type of random generator variables: values are ``numpy.random.Generator``s."""
import copy

import numpy as np
from tensorsmith_graphcore import Constant, Type, Variable

__all__ = ["RandomGeneratorType", "random_generator_type", "RandomGeneratorVariable",
           "RandomGeneratorConstant"]


def _state_key(gen):
    """A hashable, comparable snapshot of a generator's state."""
    state = gen.bit_generator.state

    def freeze(v):
        if isinstance(v, dict):
            return tuple(sorted((k, freeze(x)) for k, x in v.items()))
        if isinstance(v, np.ndarray):
            return (v.dtype.str, v.shape, v.tobytes())
        return v

    return freeze(state)


class RandomGeneratorType(Type):
    """Variables of this type hold a ``numpy.random.Generator``.  Random
    variable ops take one as input and return the advanced generator as an
    output, so the generator state is threaded explicitly through the graph."""

    __props__ = ()
    differentiable = False

    def filter(self, data, strict=False, allow_downcast=None):
        if isinstance(data, np.random.Generator):
            return data
        raise TypeError(f"expected a numpy.random.Generator, got {type(data).__name__} {data!r:.60}"
                        " (make one with numpy.random.default_rng(seed))")

    def values_eq(self, a, b):
        return _state_key(a) == _state_key(b)

    def values_eq_approx(self, a, b, **kwargs):
        return self.values_eq(a, b)

    def constant_signature(self, data):
        return (type(data.bit_generator).__name__, _state_key(data))

    def make_constant(self, value, name=None):
        return RandomGeneratorConstant(self, copy.deepcopy(self.filter(value)), name)

    def zeros_like(self, var):
        raise TypeError("random generators have no gradient")

    def __str__(self):
        return "RandomGeneratorType"

    __repr__ = __str__


class RandomGeneratorVariable(Variable):
    """A symbolic ``numpy.random.Generator``."""


class RandomGeneratorConstant(Constant):
    """A fixed generator (its state is part of the graph)."""

    def signature(self):
        return (self.type, self.type.constant_signature(self.data))

    def __str__(self):
        return self.name or f"RNG<{id(self.data):#x}>"


RandomGeneratorType.variable_type = RandomGeneratorVariable
RandomGeneratorType.constant_type = RandomGeneratorConstant

random_generator_type = RandomGeneratorType()
