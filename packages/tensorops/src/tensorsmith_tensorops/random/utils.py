"""``RandomStream``: a factory of random variables, each drawing from its own
shared generator whose default update advances it at every call of a
compiled function."""
import numpy as np

from ..sharedvar import shared
from . import basic
from .op import RandomVariable

__all__ = ["RandomStream"]


class RandomStream:
    """``srng = RandomStream(seed); x = srng.normal(0, 1, size=(3,))``.

    Every draw gets a new shared generator (seeded from a
    ``numpy.random.SeedSequence(seed)``, one child per draw), whose
    ``default_update`` is the node's next generator, so ``function`` advances
    it each call.  ``seed(s)`` reseeds them all as a fresh stream with seed
    ``s`` would have; ``state_updates`` lists (generator, next generator)."""

    def __init__(self, seed=None, namespace=None, rng_ctor=np.random.default_rng):
        self.default_instance_seed = seed
        self.namespace = basic if namespace is None else namespace
        self.rng_ctor = rng_ctor
        self.state_updates = []
        self.gen_seedgen = np.random.SeedSequence(seed)

    def _new_generator(self):
        return self.rng_ctor(self.gen_seedgen.spawn(1)[0])

    def seed(self, seed=None):
        """Reseed every generator made so far (None: the seed given at creation)."""
        if seed is None:
            seed = self.default_instance_seed
        self.gen_seedgen = np.random.SeedSequence(seed)
        for rng, _ in self.state_updates:
            rng.set_value(self._new_generator(), borrow=True)

    def updates(self):
        return list(self.state_updates)

    def gen(self, op, *args, **kwargs):
        """Draws of ``op(*args, **kwargs)`` from a new shared generator."""
        if "rng" in kwargs:
            raise TypeError("RandomStream makes the generator itself; do not pass rng=")
        rng = shared(self._new_generator(), borrow=True)
        out = op(*args, rng=rng, **kwargs)
        node = out.owner
        if node is None or not isinstance(node.op, RandomVariable):
            raise TypeError(f"RandomStream.gen: {op} did not build a random variable")
        rng.default_update = node.outputs[0]
        self.state_updates.append((rng, node.outputs[0]))
        return out

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        fn = getattr(self.namespace, name, None)
        if (fn is None or not callable(fn) or isinstance(fn, type)
                or name not in getattr(self.namespace, "__all__", ())):
            raise AttributeError(f"RandomStream has no distribution {name!r}")

        def draw(*args, **kwargs):
            return self.gen(fn, *args, **kwargs)

        draw.__name__ = name
        draw.__doc__ = getattr(fn, "__doc__", None)
        return draw
