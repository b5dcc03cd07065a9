"""tensorsmith_gpucuda: the CUDA backend (PyCUDA), installed with
``tensorsmith[cuda]``.

Status: no CUDA kernels yet.  ``cuda_available()`` reports whether PyCUDA and a
CUDA device can be used; importing this package creates no CUDA context."""
import tensorsmith_ccompile  # noqa: F401  (its place in the import direction)

__version__ = "0.1.0"
__all__ = ["cuda_available"]


def cuda_available():
    """(True, device name) when PyCUDA imports and sees a device, else
    (False, reason)."""
    try:
        import pycuda.driver as drv
    except ImportError as e:
        return False, f"pycuda cannot be imported ({e})"
    try:
        drv.init()
        n = drv.Device.count()
    except Exception as e:  # driver present but unusable
        return False, f"CUDA driver error: {e}"
    if n == 0:
        return False, "no CUDA device"
    return True, drv.Device(0).name()
