"""``RandomVariable``: the base op of random draws.

A random variable node takes ``(rng, size, *params)`` and returns
``(next_rng, draws)``.  ``perform`` copies the input generator, draws from the
copy and returns the advanced copy as ``next_rng``: the input value is never
mutated, so the same graph evaluated on the same generator gives the same
draws, and threading ``next_rng`` into the next draw (or into a shared
variable's update) advances the stream."""
import copy

import numpy as np
from tensorsmith_autodiff import disconnected, grad_undefined, register_grad
from tensorsmith_graphcore import Apply, Constant, Op, Variable

from ..basic import as_tensor_variable, constant
from ..config import config
from ..elemwise import broadcast_static_shape
from ..math import cast
from ..shape import MakeIntVector, int_vector
from ..sharedvar import shared
from ..type import INTEGER_DTYPES, TensorType, normalize_dtype
from .type import RandomGeneratorType, random_generator_type

__all__ = ["RandomVariable", "normalize_size_param", "default_rng"]


def default_rng(seed=None):
    """A shared generator variable seeded with ``seed`` (``numpy.random.default_rng``)."""
    return shared(np.random.default_rng(seed), borrow=True)


def _static_size(size):
    """The known entries of an int64 size vector (None where unknown)."""
    if isinstance(size, Constant):
        return tuple(int(s) for s in size.data)
    if size.owner is not None and isinstance(size.owner.op, MakeIntVector):
        return tuple(int(v.data) if isinstance(v, Constant) else None for v in size.owner.inputs)
    return (None,) * size.type.shape[0]


def normalize_size_param(size):
    """``size`` as an int64 vector: None and () become the empty vector (the
    draws then take the broadcast shape of the parameters)."""
    if size is None:
        return constant(np.zeros((0,), dtype="int64"))
    if isinstance(size, (int, np.integer)):
        size = (int(size),)
    if isinstance(size, (list, tuple)):
        if all(isinstance(s, (int, np.integer)) for s in size):
            if any(s < 0 for s in size):
                raise ValueError(f"size must hold non-negative lengths, got {tuple(size)}")
            return constant(np.asarray(size, dtype="int64").reshape(len(size)))
        size = int_vector(size)
    else:
        size = as_tensor_variable(size)
        if size.type.ndim == 0:
            size = int_vector([size])
    if size.type.ndim != 1 or size.type.dtype not in INTEGER_DTYPES:
        raise TypeError(f"size must be None, an int, a tuple of ints or an integer vector, got {size.type}")
    if size.type.shape[0] is None:
        raise ValueError(f"size {size} has an unknown length: the number of dimensions of the draws must "
                         "be known when the graph is built")
    if size.type.dtype != "int64":
        size = cast(size, "int64")
    return size


class RandomVariable(Op):
    """Base class of random variable ops.

    Class attributes: ``name`` (also the ``numpy.random.Generator`` method the
    default ``rng_fn`` calls), ``ndim_supp`` (dimensions of one draw),
    ``ndims_params`` (core dimensions of each parameter), ``dtype`` of the
    draws ("floatX", a dtype name, or None for the dtype of the first
    parameter).  Subclasses give ``__call__`` their distribution's parameter
    names and defaults and override ``rng_fn`` (and ``_supp_shape``) where
    needed.

    Parameters broadcast over their leading (batch) dimensions; ``size`` gives
    the batch shape of the draws and the parameters must broadcast to it."""

    name = None
    ndim_supp = 0
    ndims_params = ()
    dtype = "floatX"
    default_output = 1
    __props__ = ("name", "ndim_supp", "ndims_params", "dtype")

    def __init__(self, name=None, ndim_supp=None, ndims_params=None, dtype=None):
        if name is not None:
            self.name = name
        if ndim_supp is not None:
            self.ndim_supp = int(ndim_supp)
        if ndims_params is not None:
            self.ndims_params = tuple(ndims_params)
        self.ndims_params = tuple(self.ndims_params)
        if dtype is not None:
            self.dtype = dtype

    # -- building ------------------------------------------------------------
    def __call__(self, *params, size=None, rng=None, dtype=None, name=None, return_next_rng=False):
        """Draws (a tensor); ``draws.owner.outputs[0]`` is the next generator
        (``return_next_rng=True`` returns ``(next_rng, draws)``).  Without
        ``rng`` a new shared generator (fresh entropy) is used."""
        op = self
        if dtype is not None and normalize_dtype(dtype) != self._resolve_dtype(None):
            op = copy.copy(self)
            op.dtype = normalize_dtype(dtype)
        if rng is None:
            rng = default_rng()
        node = op.make_node(rng, size, *params)
        out = node.outputs[1]
        if name is not None:
            out.name = name
        return (node.outputs[0], out) if return_next_rng else out

    def _resolve_dtype(self, params):
        if self.dtype == "floatX":
            return config.floatX
        if self.dtype is None:
            return None if params is None else params[0].type.dtype
        return self.dtype

    def _supp_shape(self, params):
        """Static support shape (``ndim_supp`` entries): by default the last
        ``ndim_supp`` lengths of the first parameter with that many core dims."""
        if self.ndim_supp == 0:
            return ()
        for p, nd in zip(params, self.ndims_params):
            if nd >= self.ndim_supp:
                return tuple(p.type.shape[p.type.ndim - self.ndim_supp:])
        return (None,) * self.ndim_supp

    def _convert_params(self, params):
        if len(params) != len(self.ndims_params):
            raise TypeError(f"{self.name} takes {len(self.ndims_params)} parameters, got {len(params)}")
        res = []
        for i, (p, nd) in enumerate(zip(params, self.ndims_params)):
            p = as_tensor_variable(p)
            if p.type.dtype.startswith("complex"):
                raise TypeError(f"{self.name}: parameter {i} must be real, got {p.type}")
            if p.type.ndim < nd:
                raise ValueError(f"{self.name}: parameter {i} must have at least {nd} dimensions, got {p.type}")
            res.append(p)
        return res

    def _batch_static_shape(self, size, params):
        pshapes = [p.type.shape[:p.type.ndim - nd] for p, nd in zip(params, self.ndims_params)]
        if size.type.shape[0] == 0:
            return broadcast_static_shape(pshapes, f"the parameters of {self.name}")
        batch = _static_size(size)
        for ps in pshapes:
            if len(ps) > len(batch):
                raise ValueError(f"{self.name}: a parameter with batch shape {ps} does not broadcast to "
                                 f"size {batch}")
            for a, b in zip(ps[::-1], batch[::-1]):
                if a is not None and b is not None and a not in (1, b):
                    raise ValueError(f"{self.name}: a parameter with batch shape {ps} does not broadcast to "
                                     f"size {batch}")
        return batch

    def make_node(self, rng, size, *params):
        if rng is None:
            rng = default_rng()
        if not isinstance(rng, Variable):
            if isinstance(rng, np.random.Generator):
                rng = random_generator_type.make_constant(rng)
            else:
                raise TypeError(f"{self.name}: rng must be a random generator variable or a "
                                f"numpy.random.Generator, got {type(rng).__name__}")
        if not isinstance(rng.type, RandomGeneratorType):
            raise TypeError(f"{self.name}: rng must be a random generator variable, got {rng} of type {rng.type}")
        size = normalize_size_param(size)
        params = self._convert_params(params)
        shape = self._batch_static_shape(size, params) + tuple(self._supp_shape(params))
        dtype = self._resolve_dtype(params)
        out = TensorType(dtype, shape).make_variable()
        return Apply(self, [rng, size] + params, [rng.type.make_variable(), out])

    # -- running -------------------------------------------------------------
    def _batch_shape(self, size, params):
        pshapes = [np.shape(p)[:np.ndim(p) - nd] for p, nd in zip(params, self.ndims_params)]
        try:
            if size is None:
                return np.broadcast_shapes(*pshapes)
            if np.broadcast_shapes(size, *pshapes) != size:
                raise ValueError("")
        except ValueError:
            raise ValueError(f"{self.name}: parameters of batch shapes {pshapes} do not broadcast"
                             + ("" if size is None else f" to size {size}")) from None
        return size

    def rng_fn(self, rng, *args):
        """Draw with ``rng``; ``args`` are the parameter values followed by the
        batch shape of the draws (always a tuple)."""
        *params, size = args
        return getattr(rng, self.name)(*params, size=size)

    def perform(self, node, inputs, output_storage):
        rng, size, *params = inputs
        rng = copy.deepcopy(rng)
        size = None if len(size) == 0 else tuple(int(s) for s in size)
        batch = self._batch_shape(size, params)
        try:
            draws = self.rng_fn(rng, *params, batch)
        except ValueError as e:
            shapes = ", ".join(str(np.shape(p)) for p in params)
            raise ValueError(f"{self.name}: {e} (parameter shapes {shapes}, size {size})") from None
        output_storage[0][0] = rng
        output_storage[1][0] = np.asarray(draws, dtype=node.outputs[1].type.dtype)

    def __str__(self):
        return f"{type(self).__name__}{{{self.name}}}" if self.name else type(self).__name__

    def short_name(self):
        return f"{self.name}_rv" if self.name else type(self).__name__


@register_grad(RandomVariable)
def _rv_grad(op, node, inputs, output_grads):
    """The generator and size get no gradient; the draws' gradient with
    respect to the parameters is undefined (as in PyTensor: asking for it
    raises, naming the op and the parameter)."""
    res = [disconnected, disconnected]
    for i in range(2, len(inputs)):
        x = inputs[i]
        if getattr(x.type, "differentiable", False):
            res.append(grad_undefined(op, i, x, "random draws are not differentiable with respect to "
                                               "their parameters"))
        else:
            res.append(disconnected)
    return res
