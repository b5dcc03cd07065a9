"""tensorsmith_rewriter: the rewrite database and the standard passes.

Status: this package holds no rewrites yet, so its pipelines ``FAST_RUN`` and
``FAST_COMPILE`` leave graphs as built.  Importing it registers them, and the
modes of the same names, in graphcore's registries (``tensorsmith_graphcore.
modes``); the frontend finds it through the ``tensorsmith.plugins`` entry
point.  It sits above the tensor ops in the import direction
(graphcore <- autodiff <- tensorops <- rewriter) so that passes over tensor
ops land here."""
import tensorsmith_tensorops  # noqa: F401  (its place in the import direction)
from tensorsmith_graphcore.modes import Mode, register_mode, register_pipeline

__version__ = "0.1.0"

__all__ = ["get_pipeline", "PIPELINES"]

PIPELINES = ("FAST_RUN", "FAST_COMPILE")


def _empty_pipeline(include, exclude, require):
    # no passes exist yet: whatever the tags select, nothing runs
    return None


for _name in PIPELINES:
    register_pipeline(_name, _empty_pipeline)
    register_pipeline(_name.lower(), _empty_pipeline)  # PyTensor's spelling
register_mode("FAST_RUN", Mode(linker="default", optimizer="FAST_RUN", name="FAST_RUN"))
register_mode("FAST_COMPILE", Mode(linker="py", optimizer="FAST_COMPILE", name="FAST_COMPILE"))


def get_pipeline(mode_name, include=(), exclude=(), require=()):
    """The rewrite callable of a pipeline (None: it rewrites nothing)."""
    from tensorsmith_graphcore.modes import get_pipeline as _get

    return _get(mode_name, include, exclude, require)
