"""softmax, log_softmax and special functions, as ``pytensor.tensor.special``."""
from tensorsmith_tensorops.nnet import *  # noqa: F401,F403
from tensorsmith_tensorops.math import (  # noqa: F401
    angle, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, beta, betainc, betaincinv, betaln, cbrt,
    ceil, ceil_intdiv, chi2sf, clip, complex, complex_from_polar, conj, conjugate, cosh, deg2rad, digamma,
    divmod, erf, erfc, erfcinv, erfcx, erfinv, exp2, expit, expm1, factorial, floor, floor_divide, gamma,
    gammainc, gammaincc, gammainccinv, gammaincinv, gammal, gammaln, gammau, hyp2f1, hypot, i0, i1, imag,
    iround, isclose, isfinite, isinf, isnan, isneginf, isposinf, iv, ive, j0, j1, jv, kv, kve, left_shift,
    log10, log1mexp, log1p, log1pexp, log2, log_ndtr, log_sigmoid, logaddexp, logical_and, logical_not,
    logical_or, logical_xor, logit, nan_to_num, ndtri, owens_t, poch, polygamma, psi, rad2deg, real,
    reciprocal, remainder, right_shift, round, round_half_away_from_zero, round_half_to_even, sgn, sigmoid,
    sinh, softplus, tan, tanh, tri_gamma, trunc, xlog1py, xlogy,
)
from tensorsmith_tensorops.reduction import allclose  # noqa: F401
