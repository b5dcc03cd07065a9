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
from .var import RandomGeneratorSharedVariable

__all__ = list(_basic_all) + [
    "RandomVariable", "default_rng", "normalize_size_param", "RandomGeneratorType",
    "random_generator_type", "RandomGeneratorVariable", "RandomGeneratorConstant",
    "RandomGeneratorSharedVariable", "RandomStream",
]
