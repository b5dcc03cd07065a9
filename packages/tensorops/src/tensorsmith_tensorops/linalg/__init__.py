"""``pt.linalg``: linear algebra on matrices and stacks of matrices (NumPy /
SciPy semantics).  Core ops declare gufunc signatures; inputs with extra
leading dimensions go through ``Blockwise``.

Modules: ``nlinalg`` (NumPy-style: inverses, determinants, eigen/singular
value decompositions, norms, products), ``slinalg`` (SciPy-style solvers and
factorizations), ``control`` (Sylvester/Lyapunov/Riccati equations), ``tridiagonal``
(LAPACK's tridiagonal LU) and
``_utils`` (the core-op base class and batched helpers)."""
from . import control, nlinalg, slinalg, tridiagonal
from .control import *  # noqa: F401,F403
from .nlinalg import *  # noqa: F401,F403
from .slinalg import *  # noqa: F401,F403
from .tridiagonal import *  # noqa: F401,F403

__all__ = list(nlinalg.__all__) + list(slinalg.__all__) + list(control.__all__) + list(tridiagonal.__all__)
