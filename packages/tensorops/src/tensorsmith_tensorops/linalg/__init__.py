"""``pt.linalg``: linear algebra on matrices and stacks of matrices (NumPy /
SciPy semantics).  Core ops declare gufunc signatures; inputs with extra
leading dimensions go through ``Blockwise``."""
from . import nlinalg, slinalg
from ._utils import AllocDiag, ExtractDiag, MatMul, Tri
from .nlinalg import *  # noqa: F401,F403
from .slinalg import *  # noqa: F401,F403

__all__ = list(nlinalg.__all__) + list(slinalg.__all__) + ["MatMul", "ExtractDiag", "AllocDiag", "Tri"]
