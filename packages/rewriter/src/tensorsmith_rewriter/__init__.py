"""tensorsmith_rewriter: the rewrite database and the standard passes.

Status: this package holds no rewrites yet.  Compiled functions run their
graphs as built (``tensorsmith.function`` asks this package for a pipeline and
gets none).  It sits above the tensor ops in the import direction
(graphcore <- autodiff <- tensorops <- rewriter) so that passes over tensor
ops land here."""
import tensorsmith_tensorops  # noqa: F401  (its place in the import direction)

__version__ = "0.1.0"

__all__ = ["get_pipeline"]


def get_pipeline(mode_name):
    """The rewrite pipeline of a mode: a callable on a FunctionGraph, or None
    when the mode has no rewrites (currently every mode)."""
    return None
