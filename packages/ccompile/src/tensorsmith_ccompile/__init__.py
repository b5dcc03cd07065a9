"""tensorsmith_ccompile: C code generation, the compile cache and the C linker.

Status: no C backend yet; every mode runs the reference Python linker.  This
package reserves its place in the import direction (rewriter <- ccompile)."""
import tensorsmith_rewriter  # noqa: F401  (its place in the import direction)

__version__ = "0.1.0"
__all__ = []
