"""scipy.special is imported on first use, not with the package, and the ops
that wrap its functions then hold the ufuncs themselves."""
import subprocess
import sys

import numpy as np
import scipy.special

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_tensorops import scalar_math
from tensorsmith_tensorops._lazy_scipy import special_ufunc


def test_import_leaves_scipy_special_unloaded():
    code = ("import sys, tensorsmith, tensorsmith.tensor as pt\n"
            "x = pt.dvector('x')\n"
            "y = tensorsmith.function([x], pt.exp(x) + 1)\n"
            "assert 'scipy.special' not in sys.modules, 'imported early'\n"
            "z = tensorsmith.function([x], pt.gammaln(x))\n"
            "assert 'scipy.special' in sys.modules\n"
            "print(float(z([3.0])[0]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(float(out.stdout), np.log(2.0))


def test_special_ufunc_becomes_the_ufunc():
    class Op:
        ufunc = special_ufunc("erfcx")

    assert isinstance(Op.__dict__["ufunc"], special_ufunc)
    assert Op.ufunc is scipy.special.erfcx
    assert Op.__dict__["ufunc"] is scipy.special.erfcx  # replaced on the first read
    assert scalar_math.GammaInc.ufunc is scipy.special.gammainc
    assert scalar_math.Sigmoid().ufunc is scipy.special.expit


def test_values_through_lazy_ufuncs():
    x = pt.dvector("x")
    f = tensorsmith.function([x], [pt.erfcx(x), pt.sigmoid(x), pt.gammainc(x, x)])
    v = np.array([0.5, 1.5, 3.0])
    for got, want in zip(f(v), [scipy.special.erfcx(v), scipy.special.expit(v),
                                scipy.special.gammainc(v, v)]):
        np.testing.assert_allclose(got, want, rtol=1e-12)
