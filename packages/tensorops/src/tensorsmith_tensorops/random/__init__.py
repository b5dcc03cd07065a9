"""``pt.random``: random variables with explicit generator threading.

A random variable op takes ``(rng, size, *params)`` and returns
``(next_rng, draws)``; the distribution functions return the draws (their
owner's ``outputs[0]`` is the next generator).  ``RandomStream`` makes
shared generators with default updates, so compiled functions advance them
at every call."""
from .basic import *  # noqa: F401,F403
from .basic import __all__ as _basic_all
from .op import RandomVariable, default_rng, normalize_size_param
from .type import (
    RandomGeneratorConstant, RandomGeneratorType, RandomGeneratorVariable, random_generator_type,
)
from .utils import RandomStream
from .var import RandomGeneratorSharedVariable, rng, shared_rng

__all__ = list(_basic_all) + [
    "RandomVariable", "default_rng", "normalize_size_param", "RandomGeneratorType",
    "random_generator_type", "RandomGeneratorVariable", "RandomGeneratorConstant",
    "RandomGeneratorSharedVariable", "RandomStream", "rng", "shared_rng",
]


def _distribution_method(dist_name):
    def method(self, *args, **kwargs):
        if "rng" in kwargs:
            raise TypeError(f"{dist_name}: the generator is the variable the method is called on")
        return globals()[dist_name](*args, rng=self, return_next_rng=True, **kwargs)

    method.__name__ = dist_name
    method.__doc__ = (f"``(next_rng, draws)`` of ``pt.random.{dist_name}(..., rng=self)``: the draws "
                      "and the advanced generator.")
    return method


# distribution methods of generator variables (shared ones too), as PyTensor 3
for _name in _basic_all:
    if _name[0].islower():
        setattr(RandomGeneratorVariable, _name, _distribution_method(_name))
del _name
