"""Tensor-level configuration: ``floatX`` (the dtype of Python floats and of
``f``-less constructors) and friends.  The frontend re-exports this object as
``tensorsmith.config``."""
import contextlib
import os


class Config:
    _valid = {
        "floatX": ("float64", "float32", "float16"),
        "mode": ("FAST_RUN", "FAST_COMPILE", "PY", "DebugMode"),
        "on_opt_error": ("warn", "raise", "ignore"),
    }

    def __init__(self):
        self.floatX = os.environ.get("TENSORSMITH_FLOATX", "float64")
        self.intX = "int64"
        self.mode = os.environ.get("TENSORSMITH_MODE", "FAST_RUN")
        self.on_opt_error = "warn"
        self.compile_dir = os.environ.get(
            "TENSORSMITH_COMPILEDIR",
            os.path.join(os.path.expanduser("~"), ".cache", "tensorsmith"))
        self.traceback_limit = 8

    def __setattr__(self, name, value):
        valid = self._valid.get(name)
        if valid is not None and value not in valid:
            raise ValueError(f"config.{name} must be one of {valid}, got {value!r}")
        object.__setattr__(self, name, value)

    @contextlib.contextmanager
    def change_flags(self, **kwargs):
        old = {k: getattr(self, k) for k in kwargs}
        try:
            for k, v in kwargs.items():
                setattr(self, k, v)
            yield self
        finally:
            for k, v in old.items():
                object.__setattr__(self, k, v)


config = Config()
change_flags = config.change_flags
