"""The distributions of ``pt.random``: NumPy ``Generator`` semantics, with the
parameter names and defaults of PyTensor's ``pytensor.tensor.random``.

Each name is a ``RandomVariable`` instance (or, for ``gamma``, a function
that builds one): ``normal(loc, scale, size=None, rng=None, dtype=None)``
returns the draws; ``draws.owner.outputs[0]`` is the advanced generator."""
import numpy as np

from ..basic import as_tensor_variable
from ..type import INTEGER_DTYPES
from .op import RandomVariable, _static_size

__all__ = [
    "normal", "standard_normal", "uniform", "integers", "bernoulli", "binomial", "poisson", "beta",
    "gamma", "exponential", "lognormal", "halfnormal", "cauchy", "halfcauchy", "t", "laplace",
    "logistic", "categorical", "choice", "permutation", "dirichlet", "multinomial",
    "multivariate_normal",
    "NormalRV", "UniformRV", "IntegersRV", "BernoulliRV", "BinomialRV", "PoissonRV", "BetaRV",
    "GammaRV", "ExponentialRV", "LogNormalRV", "HalfNormalRV", "CauchyRV", "HalfCauchyRV",
    "StudentTRV", "LaplaceRV", "LogisticRV", "CategoricalRV", "ChoiceRV", "PermutationRV",
    "DirichletRV", "MultinomialRV", "MvNormalRV",
]


class _ScalarRV(RandomVariable):
    """A distribution with scalar parameters and scalar draws."""

    ndim_supp = 0


class _LocScaleRV(_ScalarRV):
    """A location-scale family ``(loc=0, scale=1)``: drawn by the Generator
    method ``name``, or as ``loc + scale * _standard(rng, shape)`` when the
    subclass defines ``_standard``."""

    ndims_params = (0, 0)
    _standard = None

    def __call__(self, loc=0.0, scale=1.0, size=None, **kwargs):
        return super().__call__(loc, scale, size=size, **kwargs)

    def rng_fn(self, rng, loc, scale, size):
        if self._standard is None:
            return super().rng_fn(rng, loc, scale, size)
        return loc + scale * self._standard(rng, size)


class NormalRV(_LocScaleRV):
    """Normal draws with mean ``loc`` and standard deviation ``scale``."""

    name = "normal"


normal = NormalRV()


def standard_normal(size=None, **kwargs):
    """``normal(0, 1, size)``."""
    return normal(0.0, 1.0, size=size, **kwargs)


class UniformRV(_ScalarRV):
    """Uniform draws on ``[low, high)``."""

    name = "uniform"
    ndims_params = (0, 0)

    def __call__(self, low=0.0, high=1.0, size=None, **kwargs):
        return super().__call__(low, high, size=size, **kwargs)


uniform = UniformRV()


class IntegersRV(_ScalarRV):
    """Integers uniform on ``[low, high)`` (``[0, low)`` when ``high`` is None)."""

    name = "integers"
    ndims_params = (0, 0)
    dtype = "int64"

    def __call__(self, low, high=None, size=None, **kwargs):
        if high is None:
            low, high = 0, low
        return super().__call__(low, high, size=size, **kwargs)

    def _convert_params(self, params):
        params = super()._convert_params(params)
        for p in params:
            if p.type.dtype not in INTEGER_DTYPES and p.type.dtype != "bool":
                raise TypeError(f"integers: bounds must be integers, got {p.type}")
        return params

    def rng_fn(self, rng, low, high, size):
        return rng.integers(low, high, size=size, dtype=np.int64)


integers = IntegersRV()


class BernoulliRV(_ScalarRV):
    """1 with probability ``p``, else 0."""

    name = "bernoulli"
    ndims_params = (0,)
    dtype = "int64"

    def __call__(self, p, size=None, **kwargs):
        return super().__call__(p, size=size, **kwargs)

    def rng_fn(self, rng, p, size):
        return rng.binomial(1, p, size=size)


bernoulli = BernoulliRV()


class BinomialRV(_ScalarRV):
    """Number of successes in ``n`` trials of probability ``p``."""

    name = "binomial"
    ndims_params = (0, 0)
    dtype = "int64"

    def __call__(self, n, p, size=None, **kwargs):
        return super().__call__(n, p, size=size, **kwargs)


binomial = BinomialRV()


class PoissonRV(_ScalarRV):
    """Poisson draws with rate ``lam``."""

    name = "poisson"
    ndims_params = (0,)
    dtype = "int64"

    def __call__(self, lam=1.0, size=None, **kwargs):
        return super().__call__(lam, size=size, **kwargs)


poisson = PoissonRV()


class BetaRV(_ScalarRV):
    """Beta draws with shape parameters ``alpha`` and ``beta``."""

    name = "beta"
    ndims_params = (0, 0)

    def __call__(self, alpha, beta, size=None, **kwargs):
        return super().__call__(alpha, beta, size=size, **kwargs)


beta = BetaRV()


class GammaRV(_ScalarRV):
    """Gamma draws with ``shape`` and ``scale`` (the op's parameters; the
    ``gamma`` function also takes a ``rate``)."""

    name = "gamma"
    ndims_params = (0, 0)

    def __call__(self, shape, scale, size=None, **kwargs):
        return super().__call__(shape, scale, size=size, **kwargs)


_gamma = GammaRV()


def gamma(shape, rate=None, scale=None, size=None, **kwargs):
    """Gamma draws with ``shape`` and either ``rate`` or ``scale = 1 / rate``
    (exactly one of them, as PyTensor)."""
    if rate is not None and scale is not None:
        raise ValueError("gamma: give either rate or scale, not both")
    if rate is None and scale is None:
        raise ValueError("gamma: give rate or scale")
    if rate is not None:
        rate = as_tensor_variable(rate)
        scale = 1.0 / rate
    return _gamma(shape, scale, size=size, **kwargs)


class ExponentialRV(_ScalarRV):
    """Exponential draws with mean ``scale``."""

    name = "exponential"
    ndims_params = (0,)

    def __call__(self, scale=1.0, size=None, **kwargs):
        return super().__call__(scale, size=size, **kwargs)


exponential = ExponentialRV()


class LogNormalRV(_ScalarRV):
    """``exp(normal(mean, sigma))``."""

    name = "lognormal"
    ndims_params = (0, 0)

    def __call__(self, mean=0.0, sigma=1.0, size=None, **kwargs):
        return super().__call__(mean, sigma, size=size, **kwargs)


lognormal = LogNormalRV()


class HalfNormalRV(_LocScaleRV):
    """``loc + scale * |normal(0, 1)|``."""

    name = "halfnormal"
    _standard = staticmethod(lambda rng, size: np.abs(rng.standard_normal(size)))


halfnormal = HalfNormalRV()


class CauchyRV(_LocScaleRV):
    """Cauchy draws with location ``loc`` and scale ``scale``."""

    name = "cauchy"
    _standard = staticmethod(lambda rng, size: rng.standard_cauchy(size))


cauchy = CauchyRV()


class HalfCauchyRV(_LocScaleRV):
    """``loc + scale * |cauchy(0, 1)|``."""

    name = "halfcauchy"
    _standard = staticmethod(lambda rng, size: np.abs(rng.standard_cauchy(size)))


halfcauchy = HalfCauchyRV()


class StudentTRV(_ScalarRV):
    """Student's t with ``df`` degrees of freedom, shifted by ``loc`` and scaled by ``scale``."""

    name = "t"
    ndims_params = (0, 0, 0)

    def __call__(self, df, loc=0.0, scale=1.0, size=None, **kwargs):
        return super().__call__(df, loc, scale, size=size, **kwargs)

    def rng_fn(self, rng, df, loc, scale, size):
        return loc + scale * rng.standard_t(df, size=size)


t = StudentTRV()


class LaplaceRV(_LocScaleRV):
    """Laplace (double exponential) draws with location ``loc`` and scale ``scale``."""

    name = "laplace"


laplace = LaplaceRV()


class LogisticRV(_LocScaleRV):
    """Logistic draws with location ``loc`` and scale ``scale``."""

    name = "logistic"


logistic = LogisticRV()


class CategoricalRV(RandomVariable):
    """Index ``i`` with probability ``p[..., i]`` (the last axis of ``p``
    holds the event probabilities; leading axes are batch axes)."""

    name = "categorical"
    ndim_supp = 0
    ndims_params = (1,)
    dtype = "int64"

    def __call__(self, p, size=None, **kwargs):
        return super().__call__(p, size=size, **kwargs)

    def rng_fn(self, rng, p, size):
        cdf = np.cumsum(p, axis=-1)
        u = rng.uniform(size=size) * cdf[..., -1]
        idx = np.sum(cdf <= u[..., None], axis=-1)
        return np.minimum(idx, p.shape[-1] - 1)


categorical = CategoricalRV()


class DirichletRV(RandomVariable):
    """Dirichlet draws with concentrations ``alphas`` (last axis)."""

    name = "dirichlet"
    ndim_supp = 1
    ndims_params = (1,)

    def __call__(self, alphas, size=None, **kwargs):
        return super().__call__(alphas, size=size, **kwargs)

    def rng_fn(self, rng, alphas, size):
        g = rng.standard_gamma(np.broadcast_to(alphas, tuple(size) + alphas.shape[-1:]))
        return g / g.sum(axis=-1, keepdims=True)


dirichlet = DirichletRV()


class MultinomialRV(RandomVariable):
    """Counts of ``n`` draws among categories of probabilities ``p`` (last axis)."""

    name = "multinomial"
    ndim_supp = 1
    ndims_params = (0, 1)
    dtype = "int64"

    def __call__(self, n, p, size=None, **kwargs):
        return super().__call__(n, p, size=size, **kwargs)

    def _supp_shape(self, params):
        return params[1].type.shape[-1:]

    def rng_fn(self, rng, n, p, size):
        size = tuple(size)
        return rng.multinomial(np.broadcast_to(n, size), np.broadcast_to(p, size + p.shape[-1:]))


multinomial = MultinomialRV()


class MvNormalRV(RandomVariable):
    """Multivariate normal draws with ``mean`` (last axis) and covariance
    ``cov`` (last two axes), via the Cholesky factor of ``cov`` (an
    eigendecomposition when ``cov`` is only semi-definite)."""

    name = "multivariate_normal"
    ndim_supp = 1
    ndims_params = (1, 2)

    def __call__(self, mean, cov, size=None, **kwargs):
        return super().__call__(mean, cov, size=size, **kwargs)

    def rng_fn(self, rng, mean, cov, size):
        k = mean.shape[-1]
        if cov.shape[-2:] != (k, k):
            raise ValueError(f"cov of shape {cov.shape} does not match mean of shape {mean.shape}")
        try:
            factor = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            w, v = np.linalg.eigh(cov)
            factor = v * np.sqrt(np.clip(w, 0, None))[..., None, :]
        z = rng.standard_normal(tuple(size) + (k,))
        return mean + np.einsum("...ij,...j->...i", factor, z)


multivariate_normal = MvNormalRV()


class ChoiceRV(RandomVariable):
    """``rng.choice(a, size, replace, p)``: elements of ``a`` (rows, when ``a``
    has several dimensions), drawn with or without replacement."""

    name = "choice"
    ndim_supp = 0
    ndims_params = (1, 1)
    dtype = None
    __props__ = RandomVariable.__props__ + ("replace", "has_p")

    def __init__(self, replace=True, has_p=False, **kwargs):
        super().__init__(**kwargs)
        self.replace = bool(replace)
        self.has_p = bool(has_p)
        if not self.has_p:
            self.ndims_params = (1,)

    def __call__(self, a, size=None, replace=True, p=None, **kwargs):
        a = as_tensor_variable(a)
        if a.type.ndim == 0:
            if a.type.dtype not in INTEGER_DTYPES:
                raise TypeError(f"choice: a scalar `a` must be an integer (draws from range(a)), got {a.type}")
            op = ChoiceFromRange(replace=replace, has_p=p is not None)
        else:
            op = ChoiceRV(replace=replace, has_p=p is not None)
        params = (a,) if p is None else (a, p)
        return RandomVariable.__call__(op, *params, size=size, **kwargs)

    def _core_shape(self, a):
        return tuple(a.type.shape[1:])

    def _batch_static_shape(self, size, params):
        return _static_size(size)

    def _supp_shape(self, params):
        return self._core_shape(params[0])

    def _batch_shape(self, size, params):
        return size

    def rng_fn(self, rng, *args):
        *params, size = args
        a = params[0]
        p = params[1] if self.has_p else None
        return rng.choice(a, size=size, replace=self.replace, p=p)


class ChoiceFromRange(ChoiceRV):
    """``choice(n)``: draws from ``range(n)`` (``a`` an integer scalar)."""

    dtype = "int64"

    def __init__(self, replace=True, has_p=False, **kwargs):
        super().__init__(replace, has_p, **kwargs)
        self.ndims_params = (0, 1) if self.has_p else (0,)

    def _core_shape(self, a):
        return ()


choice = ChoiceRV()


class PermutationRV(RandomVariable):
    """A random permutation of ``x`` along its first axis, or of ``range(x)``
    when ``x`` is an integer scalar."""

    name = "permutation"
    ndim_supp = 1
    ndims_params = (1,)
    dtype = None

    def __call__(self, x, **kwargs):
        x = as_tensor_variable(x)
        if x.type.ndim == 0:
            if x.type.dtype not in INTEGER_DTYPES:
                raise TypeError(f"permutation: a scalar must be an integer (permutes range(x)), got {x.type}")
            return RandomVariable.__call__(_permutation_range, x, **kwargs)
        return super().__call__(x, **kwargs)

    def _batch_static_shape(self, size, params):
        if size.type.shape[0] != 0:
            raise ValueError("permutation takes no size")
        return ()

    def _supp_shape(self, params):
        return tuple(params[0].type.shape)

    def _batch_shape(self, size, params):
        return ()

    def rng_fn(self, rng, x, size):
        return rng.permutation(x)


class PermutationRangeRV(PermutationRV):
    """``permutation(n)``: a random ordering of ``range(n)``."""

    ndims_params = (0,)
    dtype = "int64"

    def _supp_shape(self, params):
        from tensorsmith_graphcore import Constant

        x = params[0]
        return (int(x.data),) if isinstance(x, Constant) else (None,)

    def rng_fn(self, rng, x, size):
        return rng.permutation(int(x))


_permutation_range = PermutationRangeRV()
permutation = PermutationRV()


# ---------------------------------------------------------------------------
# More scalar distributions (PyTensor's names, parameters and defaults)
# ---------------------------------------------------------------------------

def _scalar_rv(cls_name, name, params, defaults, doc, dtype="floatX", draw=None):
    """Define a ``_ScalarRV`` subclass whose ``__call__`` takes ``params``
    (with the trailing ``defaults``); ``draw(rng, *values, size)`` draws, or
    the Generator method ``name`` when ``draw`` is None."""
    n_required = len(params) - len(defaults)

    def __call__(self, *args, size=None, **kwargs):
        values = list(args)
        for p in params[len(values):]:
            if p in kwargs:
                values.append(kwargs.pop(p))
            elif params.index(p) >= n_required:
                values.append(defaults[params.index(p) - n_required])
            else:
                raise TypeError(f"{name}() missing required parameter {p!r}")
        if len(values) > len(params):
            raise TypeError(f"{name}() takes {len(params)} parameters ({', '.join(params)}), got {len(values)}")
        return _ScalarRV.__call__(self, *values, size=size, **kwargs)

    body = {"name": name, "ndims_params": (0,) * len(params), "dtype": dtype, "__call__": __call__,
            "__doc__": doc}
    if draw is not None:
        body["rng_fn"] = lambda self, rng, *args: draw(rng, *args)
    cls = type(cls_name, (_ScalarRV,), body)
    cls.__module__ = __name__
    return cls


def _truncexpon_draw(rng, b, loc, scale, size):
    # inverse CDF of exp(-x) / (1 - exp(-b)) on [0, b]
    u = rng.uniform(size=size)
    return loc + scale * -np.log1p(u * np.expm1(-np.asarray(b, dtype="float64")))


_MORE_RVS = (
    # class name, op name, parameters, defaults, dtype, draw (None: Generator method), doc
    ("BetaBinomialRV", "betabinom", ("n", "a", "b"), (), "int64",
     lambda rng, n, a, b, size: rng.binomial(n, rng.beta(a, b, size=size)),
     "Binomial draws whose success probability is Beta(a, b)."),
    ("ChiSquareRV", "chisquare", ("df",), (), "floatX", None, "Chi-square draws with ``df`` degrees of freedom."),
    ("GenGammaRV", "gengamma", ("alpha", "p", "lambd"), (1.0, 1.0, 1.0), "floatX",
     lambda rng, alpha, p, lambd, size: lambd * rng.gamma(np.divide(alpha, p), size=size) ** np.divide(1.0, p),
     "Generalized gamma: density proportional to x**(alpha-1) * exp(-(x/lambd)**p)."),
    ("GeometricRV", "geometric", ("p",), (), "int64", None, "Number of trials up to the first success."),
    ("GumbelRV", "gumbel", ("loc", "scale"), (1.0,), "floatX", None, "Gumbel (extreme value) draws."),
    ("HyperGeometricRV", "hypergeometric", ("ngood", "nbad", "nsample"), (), "int64", None,
     "Number of good items in ``nsample`` draws without replacement."),
    ("InvGammaRV", "invgamma", ("shape", "scale"), (), "floatX",
     lambda rng, shape, scale, size: scale / rng.gamma(shape, size=size),
     "Inverse gamma: ``scale / gamma(shape, 1)``."),
    ("NegBinomialRV", "nbinom", ("n", "p"), (), "int64",
     lambda rng, n, p, size: rng.negative_binomial(n, p, size=size),
     "Number of failures before the ``n``-th success."),
    ("ParetoRV", "pareto", ("b", "scale"), (1.0,), "floatX",
     lambda rng, b, scale, size: scale * (1.0 + rng.pareto(b, size=size)),
     "Pareto draws with shape ``b`` on ``[scale, inf)``."),
    ("TriangularRV", "triangular", ("left", "mode", "right"), (), "floatX", None,
     "Triangular draws on ``[left, right]`` peaking at ``mode``."),
    ("TruncExponentialRV", "truncexpon", ("b", "loc", "scale"), (0.0, 1.0), "floatX", _truncexpon_draw,
     "``loc + scale * X`` with X exponential truncated to ``[0, b]``."),
    ("VonMisesRV", "vonmises", ("mu", "kappa"), (), "floatX", None, "Von Mises (circular normal) draws."),
    ("WaldRV", "wald", ("mean", "scale"), (1.0, 1.0), "floatX", None, "Wald (inverse Gaussian) draws."),
    ("WeibullRV", "weibull", ("shape",), (), "floatX", None, "Weibull draws with scale 1."),
)

for _cls_name, _name, _params, _defaults, _dtype, _draw, _doc in _MORE_RVS:
    _cls = _scalar_rv(_cls_name, _name, _params, _defaults, _doc, _dtype, _draw)
    globals()[_cls_name] = _cls
    globals()[_name] = _cls()
    __all__ += [_cls_name, _name]
negative_binomial = nbinom  # noqa: F821 (defined in the loop above)

__all__.append("negative_binomial")
